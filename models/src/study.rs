//! The study pipeline: a scenario's fleet, mesh and traffic in, every mode's headline results
//! out. `meshsim run` and every point of `meshsim sweep` call [`run`]; the binary only reads
//! arguments, calls this, and writes files.
//!
//! Steps: place every mode (in parallel across modes); compare them (replicas recovered, GPUs
//! idle, binding resource, cost); optionally find the nodes each mode needs at equal replicas
//! (in parallel across modes); when the scenario has traffic, simulate requests for every mode
//! plus `none` (the baseline of added latency), every replication in parallel with the seeds of
//! [`replication_seed`]; optionally rank the namespaces to migrate first. Results do not depend
//! on the thread count: each task is a pure function of its inputs and seeds.

use rayon::prelude::*;

use crate::cluster::Cluster;
use crate::fleet_search::CapacityRules;
use crate::headline::{self, Migration, ModeResult, Study};
use crate::latency::{self, LatencyError, LatencySpec, ModeLatency};
use crate::mesh::{MeshConfig, MeshMode};
use crate::migration::{self, Step};
use crate::packing::{self, ModeRun};
use crate::scheduler::SchedulerConfig;

/// Everything a study needs, borrowed from a validated scenario.
#[derive(Clone, Copy, Debug)]
pub struct StudySpec<'a> {
    /// The fleet and its workloads.
    pub cluster: &'a Cluster,
    /// The mesh.
    pub mesh: &'a MeshConfig,
    /// Scheduler settings.
    pub scheduler: SchedulerConfig,
    /// The run seed.
    pub seed: u64,
    /// Modes compared, in report order.
    pub modes: &'a [MeshMode],
    /// Replications of the request simulation.
    pub replications: u32,
    /// Compute the nodes each mode needs at equal replicas.
    pub nodes_required: bool,
    /// Migration effort, if given.
    pub migration: Option<Migration>,
    /// How the cluster runs today: the baseline of every comparison.
    pub current: Option<MeshMode>,
    /// Capacity rules for nodes at equal replicas.
    pub rules: &'a CapacityRules,
    /// Request simulation, when the scenario has traffic.
    pub latency: Option<&'a LatencySpec>,
    /// The fleet over time, when the scenario has `[autoscaling]`.
    pub autoscaling: Option<&'a crate::autoscale::day::DaySpec>,
}

/// What to include beyond the headline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Rank the namespaces to migrate first (one placement per namespace, twice): `meshsim run`
    /// does, sweep points do not.
    pub rank_namespaces: bool,
}

/// Reports progress; the binary draws a bar from it. Called from several threads.
pub trait Progress: Sync {
    /// A new phase starts (`"placing pods"`, `"simulating requests"`, …).
    fn phase(&self, _name: &str) {}
    /// One step of [`steps`] is done.
    fn step(&self) {}
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A value and its 95 % half-width (when there is one), or no value.
pub type EstCell = Option<(f64, Option<f64>)>;

/// Latency figures of one mode for the summary: `None` when not simulated, when the scope's
/// requests failed, or when the mode's latency rests on figures no source gives.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencyCells {
    /// Added latency per hop against `none`, P50 (ms), with its 95 % half-width.
    pub hop_p50_ms: EstCell,
    /// Whether that difference's interval excludes 0 (`None` without an interval).
    pub hop_p50_significant: Option<bool>,
    /// P90.
    pub hop_p90_ms: EstCell,
    /// Its significance.
    pub hop_p90_significant: Option<bool>,
    /// P99.
    pub hop_p99_ms: EstCell,
    /// Its significance.
    pub hop_p99_significant: Option<bool>,
    /// End-to-end P99 of the deepest call graph (ms).
    pub chain_p99_ms: EstCell,
    /// How the percentiles were computed.
    pub estimator: Option<meshsim_core::stats::Estimator>,
    /// Failed requests per replication over all call graphs.
    pub failed_requests: Option<f64>,
    /// Whether the mode was saturated (the load is more than its proxies serve).
    pub saturated: Option<bool>,
    /// Proxy CPU from the request simulation, vCPU (not reported for a saturated mode).
    pub proxy_cpu_simulated_vcpu: EstCell,
    /// Highest proxy utilisation.
    pub max_proxy_utilisation: Option<f64>,
}

/// Everything a study computed.
#[derive(Clone, Debug)]
pub struct StudyResult {
    /// Per mode, in the order of [`StudySpec::modes`].
    pub results: Vec<ModeResult>,
    /// Per mode, the placements behind the results.
    pub runs: Vec<ModeRun>,
    /// Per mode, latency cells (empty cells without traffic).
    pub latency: Vec<LatencyCells>,
    /// Per mode, the request simulation's results (empty without traffic).
    pub latency_detail: Vec<ModeLatency>,
    /// Which namespaces to move first (empty unless asked and sidecar or mixed is compared).
    pub migration: Vec<Step>,
    /// What the reader must know before trusting a figure: modes that do not fit, requests
    /// that failed and why, inputs the simulation cut or reads two ways.
    pub warnings: Vec<String>,
    /// Per mode, its day (empty without `[autoscaling]`).
    pub days: Vec<crate::autoscale::day::ModeDay>,
    /// The request simulation at the day's trough, median and peak: per window, per mode
    /// (empty without `[autoscaling]` and `[[traffic]]`).
    pub windows: Vec<(crate::autoscale::windows::Window, Vec<LatencyCells>)>,
    /// Per member cluster of a multicluster fleet, its own headline (empty for one cluster).
    pub members: Vec<MemberResults>,
}

/// One member cluster's headline, per mode in [`StudySpec::modes`] order: its pools, pods and
/// mesh, compared against its own runs in the current mode and with no mesh. Nodes at equal
/// replicas are those the fleet's search found for its pools. No migration ROI: the migration's
/// cost is the fleet's, and is set against the fleet's saving only.
#[derive(Clone, Debug)]
pub struct MemberResults {
    /// The cluster's name.
    pub name: String,
    /// Its region.
    pub region: String,
    /// Per mode.
    pub results: Vec<ModeResult>,
}

/// Why a study could not finish.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// The request simulation stopped.
    #[error("request simulation: {0}")]
    Latency(#[from] LatencyError),
}

/// Seed of replication `r`: the same for every mode (common random numbers).
pub fn replication_seed(seed: u64, r: u32) -> u64 {
    meshsim_core::rng::RngStreams::new(seed).child_seed("replication", u64::from(r))
}

/// Steps [`run`] reports through [`Progress::step`].
pub fn steps(s: &StudySpec<'_>) -> u64 {
    let modes = s.modes.len() as u64;
    let lat = if s.latency.is_some() {
        (modes + u64::from(!s.modes.contains(&MeshMode::None))) * u64::from(s.replications)
    } else {
        0
    };
    modes * if s.nodes_required { 2 } else { 1 }
        + lat
        + if s.autoscaling.is_some() { modes } else { 0 }
}

/// Runs the study.
pub fn run(
    s: &StudySpec<'_>,
    opts: Options,
    progress: &dyn Progress,
) -> Result<StudyResult, StudyError> {
    let study = Study {
        cluster: s.cluster,
        mesh: s.mesh,
        scheduler: s.scheduler,
        seed: s.seed,
        migration: s.migration,
        current: s.current,
        rules: s.rules,
    };
    let mut warnings = Vec::new();
    progress.phase("placing pods");
    let runs: Vec<ModeRun> = s
        .modes
        .par_iter()
        .map(|&m| {
            let r = packing::evaluate(s.cluster, s.mesh, m, s.scheduler, s.seed);
            progress.step();
            r
        })
        .collect();
    let mut results = headline::compare_runs(&study, &runs);
    for r in &results {
        if !r.fits {
            let first = r.pending.first().map_or(String::new(), |p| {
                format!(": {} × {} ({})", p.count, p.workload, p.reason)
            });
            warnings.push(format!(
                "{}: does not fit: {} pod(s) pending{first}; its costs, savings and payback are not computed (see pending.csv)",
                r.mode.as_str(),
                r.pods_pending
            ));
        }
    }
    match s.current {
        Some(c) if !s.modes.contains(&c) => warnings.push(format!(
            "the current mode `{}` is not compared: nothing is recovered, saved or paid back against it",
            c.as_str()
        )),
        Some(c) if results.iter().any(|r| r.mode == c && !r.fits) => warnings.push(format!(
            "the current mode `{}` does not fit the fleet: savings and payback against it are not computed",
            c.as_str()
        )),
        _ => {}
    }
    if s.nodes_required {
        progress.phase("nodes at equal replicas");
        // Fill workloads at the current mode's replicas (when it fits), else each mode's own.
        let reference: Option<Vec<u32>> = runs
            .iter()
            .zip(&results)
            .find(|(_, r)| r.is_current && r.fits)
            .map(|(run, _)| headline::placed_counts(run));
        let required: Vec<Option<Vec<u32>>> = runs
            .par_iter()
            .zip(&results)
            .map(|(run, r)| {
                let n = r.fits.then(|| {
                    let placed = headline::placed_counts(run);
                    let targets = reference.clone().unwrap_or_else(|| placed.clone());
                    headline::nodes_required(&study, run.mode, &targets)
                });
                progress.step();
                n.flatten()
            })
            .collect();
        for (r, req) in results.iter_mut().zip(&required) {
            match req {
                Some(req) => {
                    for (p, n) in r.pools.iter_mut().zip(req) {
                        p.nodes_required = Some(*n);
                    }
                }
                None if r.fits => warnings.push(format!(
                    "{}: no fleet up to 4 × each pool's size places its pods under the capacity rules",
                    r.mode.as_str()
                )),
                None => {}
            }
        }
        headline::reprice(&study, &mut results);
    }
    let (latency, latency_detail) = match s.latency {
        None => (vec![LatencyCells::default(); results.len()], Vec::new()),
        Some(spec) => {
            let (cells, detail) = simulate_latency(s, spec, &runs, &results, progress)?;
            latency_warnings(s, spec, &runs, &results, &detail, &mut warnings);
            (cells, detail)
        }
    };
    let migration = if opts.rank_namespaces
        && s.modes
            .iter()
            .any(|m| matches!(m, MeshMode::Sidecar | MeshMode::Mixed))
    {
        progress.phase("ranking namespaces");
        migration::rank(s.cluster, s.mesh, s.scheduler, s.seed)
    } else {
        Vec::new()
    };
    let days = match s.autoscaling {
        None => Vec::new(),
        Some(day) => {
            progress.phase("the fleet over time");
            let reference = results.iter().position(|r| r.is_current).unwrap_or(0);
            let days = crate::autoscale::day::run(
                s.cluster,
                s.mesh,
                day,
                &runs,
                reference,
                s.scheduler,
                s.seed,
            );
            for _ in &days {
                progress.step();
            }
            day_warnings(s, &days, &mut warnings);
            days
        }
    };
    let windows = match (s.autoscaling, s.latency) {
        (Some(day), Some(spec)) if !days.is_empty() => {
            progress.phase("latency at the day's trough, median and peak");
            let reference = results.iter().position(|r| r.is_current).unwrap_or(0);
            let loads = crate::autoscale::day::loads(s.cluster, day, &runs[reference]);
            let out = crate::autoscale::windows::simulate(
                s.cluster,
                s.mesh,
                spec,
                day,
                &days,
                &loads,
                reference,
                s.scheduler,
                s.seed,
                s.replications,
                s.current,
                replication_seed,
            )?;
            for _ in 0..out.len()
                * (days.len() + usize::from(!s.modes.contains(&MeshMode::None)))
                * s.replications as usize
            {
                progress.step();
            }
            out.into_iter()
                .map(|(w, summary)| (w, cells_of(spec, summary, &results).0))
                .collect()
        }
        _ => Vec::new(),
    };
    let members = member_results(s, &runs, &results);
    multicluster_warnings(s, &runs, &mut warnings);
    Ok(StudyResult {
        members,
        results,
        runs,
        latency,
        latency_detail,
        migration,
        warnings,
        days,
        windows,
    })
}

/// Per member of a multicluster fleet, its headline (see [`MemberResults`]).
fn member_results(s: &StudySpec<'_>, runs: &[ModeRun], fleet: &[ModeResult]) -> Vec<MemberResults> {
    if !s.cluster.is_multicluster() {
        return Vec::new();
    }
    s.cluster
        .members
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let part = packing::part(s.cluster, k);
            let study = Study {
                cluster: &part.cluster,
                mesh: s.mesh,
                scheduler: s.scheduler,
                seed: s.seed,
                migration: None,
                current: s.current,
                rules: s.rules,
            };
            let own: Vec<ModeRun> = runs.iter().map(|r| (*r.members[k].run).clone()).collect();
            let mut results = headline::compare_runs(&study, &own);
            for (r, f) in results.iter_mut().zip(fleet) {
                for (lp, &fp) in part.pools.iter().enumerate() {
                    r.pools[lp].nodes_required = f.pools[fp].nodes_required;
                }
            }
            headline::reprice(&study, &mut results);
            MemberResults {
                name: m.name.clone(),
                region: m.region.clone(),
                results,
            }
        })
        .collect()
}

/// What a multicluster fleet's reader must know: topologies Istio does not support in ambient
/// mode, and placements whose views had not settled.
fn multicluster_warnings(s: &StudySpec<'_>, runs: &[ModeRun], warnings: &mut Vec<String>) {
    if !s.cluster.is_multicluster() {
        return;
    }
    for run in runs {
        let ambient: Vec<&str> = run
            .members
            .iter()
            .zip(&s.cluster.members)
            .filter(|(r, _)| {
                r.costs
                    .get(&crate::packing::Component::Ztunnel)
                    .is_some_and(|z| z.count > 0)
            })
            .map(|(_, m)| m.name.as_str())
            .collect();
        let remote = ambient.iter().any(|n| {
            s.cluster.members.iter().any(|m| {
                m.name == *n
                    && matches!(m.control_plane, crate::topology::ControlPlane::RemoteOf(_))
            })
        });
        if remote {
            warnings.push(format!(
                "{}: a remote cluster runs ambient, and Istio's ambient multicluster supports multi-primary only (istio.io/latest/docs/ambient/install/multicluster): this topology is modelled but would not run",
                run.mode.as_str()
            ));
        }
        let networks: std::collections::BTreeSet<&str> = s
            .cluster
            .members
            .iter()
            .filter(|m| ambient.contains(&m.name.as_str()))
            .map(|m| m.network.as_str())
            .collect();
        if ambient.len() > 1 && networks.len() < ambient.len() {
            warnings.push(format!(
                "{}: clusters that share a network run ambient, a configuration Istio's ambient multicluster docs call untested (only multi-network is supported)",
                run.mode.as_str()
            ));
        }
        if run.members.first().is_some_and(|m| !m.settled) {
            warnings.push(format!(
                "{}: the clusters' views of each other still moved pods after {} placement rounds; the last round is reported",
                run.mode.as_str(),
                crate::packing::MAX_ROUNDS
            ));
        }
    }
}

fn est(e: Option<&latency::Estimate>) -> EstCell {
    e.map(latency::Estimate::cell)
}

/// Warnings about the request simulation: failed requests and the services they missed,
/// schedules cut by the simulated window, and workload `rps` that [[traffic]] contradicts.
fn latency_warnings(
    s: &StudySpec<'_>,
    spec: &LatencySpec,
    runs: &[ModeRun],
    results: &[crate::headline::ModeResult],
    detail: &[ModeLatency],
    warnings: &mut Vec<String>,
) {
    for ml in detail {
        if let Some(why) = &ml.saturation {
            warnings.push(format!(
                "{}: saturated — {why}; the offered load is more than its proxies serve, so its latency is not reported (n/m)",
                ml.mode.as_str()
            ));
        }
        let above = 100.0 * spec.utilisation_warning;
        for w in ml.warnings.iter().take(10) {
            warnings.push(format!(
                "{}: {w} (above {above:.0} %: queueing grows fast from here)",
                ml.mode.as_str()
            ));
        }
        if ml.warnings.len() > 10 {
            warnings.push(format!(
                "{}: and {} more proxy station(s) above {above:.0} % (stations.csv)",
                ml.mode.as_str(),
                ml.warnings.len() - 10
            ));
        }
    }
    for (ml, run) in detail.iter().zip(runs) {
        for d in ml
            .dists
            .iter()
            .skip(1)
            .filter(|d| d.scope.starts_with("call-graph:"))
        {
            if d.failed_requests == 0.0 {
                continue;
            }
            let why: Vec<String> = d
                .unreachable
                .iter()
                .map(|&w| {
                    let reason = run.workloads[w].reason.clone().unwrap_or_default();
                    format!(
                        "`{}` has no placed replica ({} pending: {reason})",
                        s.cluster.workloads[w].name, run.workloads[w].pending
                    )
                })
                .collect();
            warnings.push(format!(
                "{}: {} fails {:.0} request(s) per replication: {}; its latency is not reported",
                ml.mode.as_str(),
                d.scope.trim_start_matches("call-graph:"),
                d.failed_requests,
                why.join("; ")
            ));
        }
    }
    for t in &spec.traffic {
        if let crate::latency::Arrival::Schedule { period, steps } = &t.arrival
            && !spec.compress_schedules
        {
            let end = spec.warmup + spec.duration;
            let seen = steps.iter().filter(|(at, _)| *at < end).count();
            if seen < steps.len() {
                warnings.push(format!(
                    "traffic `{}`: its schedule repeats every {period} but only {} (warm-up included) is simulated, so {seen} of its {} step(s) are seen; set latency.compress_schedules = true to play the whole schedule within the window",
                    t.name,
                    end,
                    steps.len()
                ));
            }
        }
    }
    // Proxy CPU two ways: from the workloads' `rps` (modelled usage) and from [[traffic]].
    for (r, ml) in results.iter().zip(detail) {
        if r.unmodelled.proxy_cpu {
            continue;
        }
        let modelled: f64 = r
            .components
            .iter()
            .filter(|(c, _)| c.is_proxy())
            .map(|(_, x)| x.usage.cpu_milli / 1000.0)
            .sum();
        let simulated = ml.cpu_total_vcpu.mean;
        if modelled > 0.0 && simulated > 0.0 {
            let ratio = modelled / simulated;
            if !(0.5..=2.0).contains(&ratio) {
                warnings.push(format!(
                    "{}: proxy CPU from the workloads' rps ({modelled:.2} vCPU) and from [[traffic]] ({simulated:.2} vCPU) differ by {:.1}×: the two rows answer different inputs; check `rps` / `outbound_rps` against the traffic",
                    r.mode.as_str(),
                    ratio.max(1.0 / ratio)
                ));
            }
        }
    }
}

/// The request simulation: every reported mode plus `none` (the baseline for added latency),
/// every replication, in parallel.
fn simulate_latency(
    s: &StudySpec<'_>,
    spec: &LatencySpec,
    runs: &[ModeRun],
    results: &[crate::headline::ModeResult],
    progress: &dyn Progress,
) -> Result<(Vec<LatencyCells>, Vec<ModeLatency>), StudyError> {
    progress.phase("simulating requests");
    let mut sim_modes: Vec<MeshMode> = s.modes.to_vec();
    let mut sim_runs: Vec<&ModeRun> = runs.iter().collect();
    let extra_none;
    if !sim_modes.contains(&MeshMode::None) {
        extra_none = packing::evaluate(s.cluster, s.mesh, MeshMode::None, s.scheduler, s.seed);
        sim_modes.push(MeshMode::None);
        sim_runs.push(&extra_none);
    }
    let tasks: Vec<(usize, u32)> = (0..sim_modes.len())
        .flat_map(|m| (0..s.replications).map(move |r| (m, r)))
        .collect();
    let out: Vec<Result<latency::LatencyRun, LatencyError>> = tasks
        .par_iter()
        .map(|&(m, r)| {
            let res = latency::simulate(
                s.cluster,
                s.mesh,
                sim_runs[m],
                spec,
                replication_seed(s.seed, r),
            );
            progress.step();
            res
        })
        .collect();
    let mut per_mode: Vec<Vec<latency::LatencyRun>> = vec![Vec::new(); sim_modes.len()];
    for ((m, _), res) in tasks.iter().zip(out) {
        per_mode[*m].push(res?);
    }
    let summary = latency::summarise(
        &sim_modes,
        &per_mode,
        &spec.traffic,
        spec.utilisation_warning,
        s.current,
    );
    Ok(cells_of(spec, summary, results))
}

/// The summary's latency cells of each mode, from the request simulation's summary.
fn cells_of(
    spec: &LatencySpec,
    summary: Vec<ModeLatency>,
    results: &[crate::headline::ModeResult],
) -> (Vec<LatencyCells>, Vec<ModeLatency>) {
    // The deepest call graph is "the chain".
    let chain = latency::deepest_traffic(spec);
    let mut cells = Vec::new();
    let mut detail = Vec::new();
    for (ml, r) in summary.into_iter().zip(results) {
        let hop = &ml.dists[0];
        let max_util = ml
            .utilisation
            .values()
            .map(|(_, max)| max.mean)
            .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))));
        let latency_ok = !r.unmodelled.latency;
        let hop_ok = latency_ok && hop.valid();
        let added = |q: &str| latency::lookup(&hop.added_vs_none, q).filter(|_| hop_ok);
        let chain_ok = chain.is_some_and(|c| latency_ok && ml.dists[1 + c].valid());
        cells.push(LatencyCells {
            hop_p50_ms: est(added("p50")),
            hop_p50_significant: added("p50").and_then(latency::Estimate::significant),
            hop_p90_ms: est(added("p90")),
            hop_p90_significant: added("p90").and_then(latency::Estimate::significant),
            hop_p99_ms: est(added("p99")),
            hop_p99_significant: added("p99").and_then(latency::Estimate::significant),
            chain_p99_ms: chain
                .filter(|_| chain_ok)
                .and_then(|c| est(latency::lookup(&ml.dists[1 + c].stats, "p99"))),
            estimator: Some(hop.estimator),
            failed_requests: Some(hop.failed_requests),
            saturated: Some(ml.saturation.is_some()),
            proxy_cpu_simulated_vcpu: (!r.unmodelled.proxy_cpu && ml.saturation.is_none())
                .then(|| (ml.cpu_total_vcpu.mean, ml.cpu_total_vcpu.ci())),
            max_proxy_utilisation: max_util,
        });
        detail.push(ml);
    }
    (cells, detail)
}

/// What the reader of a day must know: a mode whose pods waited for room (its node-hours are
/// lower for it), a pool that stayed at its maximum.
fn day_warnings(
    s: &StudySpec<'_>,
    days: &[crate::autoscale::day::ModeDay],
    warnings: &mut Vec<String>,
) {
    for p in &s.cluster.pools {
        if p.price_per_hour_usd == 0.0 {
            warnings.push(format!(
                "pool `{}` has no price_per_hour: its node-hours count as free in the day's costs and savings",
                p.name
            ));
        }
    }
    // Replica-hours that differ from the current mode's: the savings then compare different
    // replica counts (a `Resource` metric averages the sidecar in).
    let reference = s.current.and_then(|c| days.iter().find(|d| d.mode == c));
    if let Some(r) = reference {
        for d in days.iter().filter(|d| d.mode != r.mode) {
            for (w, w_name) in s.cluster.workloads.iter().map(|w| &w.name).enumerate() {
                let a = r.fleet.demanded_pod_seconds[w] as f64;
                let b = d.fleet.demanded_pod_seconds[w] as f64;
                if a > 0.0 && (b - a).abs() > 0.01 * a {
                    warnings.push(format!(
                        "{}: `{w_name}` runs {:+.1} % replica-hours against {} ({:.1} h against {:.1} h): its HPA sees a different utilisation (with a `Resource` metric the sidecar is in the average), so the day's savings compare different replica counts",
                        d.mode.as_str(),
                        100.0 * (b - a) / a,
                        r.mode.as_str(),
                        b / 3600.0,
                        a / 3600.0
                    ));
                }
            }
        }
    }
    for d in days {
        let pending: u64 = d.fleet.pending_pod_seconds.iter().sum();
        let demanded: u64 = d.fleet.demanded_pod_seconds.iter().sum();
        if demanded > 0 && pending * 1000 > demanded {
            warnings.push(format!(
                "{}: {:.1} pod-hours ({:.2} % of those demanded) waited for a node over the horizon, while new nodes were provisioned or a pool was at its maximum (see autoscaling.csv)",
                d.mode.as_str(),
                pending as f64 / 3600.0,
                100.0 * pending as f64 / demanded as f64
            ));
        }
        for (p, &capped) in d.fleet.capped_pending_pod_seconds.iter().enumerate() {
            if capped > 0 {
                let why = match s.autoscaling.and_then(|day| day.pools[p]) {
                    Some(sc) => format!("at its maximum of {} nodes", sc.max),
                    None => "of fixed size".to_string(),
                };
                warnings.push(format!(
                    "{}: does not fit the day: pods waited {:.1} pod-hours with pool `{}` unable to grow ({why}); its savings are not computed (see autoscaling.csv)",
                    d.mode.as_str(),
                    capped as f64 / 3600.0,
                    s.cluster.pools[p].name,
                ));
            }
        }
    }
}
