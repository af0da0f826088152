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
    /// Request simulation, when the scenario has traffic.
    pub latency: Option<&'a LatencySpec>,
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

/// Latency figures of one mode for the summary (all `None` when not simulated).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencyCells {
    /// Added latency per hop against `none`, P50 (ms), with its 95 % half-width.
    pub hop_p50_ms: EstCell,
    /// P90.
    pub hop_p90_ms: EstCell,
    /// P99.
    pub hop_p99_ms: EstCell,
    /// End-to-end P99 of the deepest call graph (ms).
    pub chain_p99_ms: EstCell,
    /// Proxy CPU from the request simulation, vCPU.
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
    modes * if s.nodes_required { 2 } else { 1 } + lat
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
    };
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
    if s.nodes_required {
        progress.phase("nodes at equal replicas");
        let reference: Option<Vec<u32>> = runs
            .iter()
            .find(|r| r.mode == MeshMode::Sidecar)
            .map(headline::placed_counts);
        let required: Vec<Vec<u32>> = runs
            .par_iter()
            .map(|run| {
                let placed = headline::placed_counts(run);
                let targets = reference.clone().unwrap_or_else(|| placed.clone());
                let n = headline::nodes_required(&study, run.mode, &targets, &placed);
                progress.step();
                n
            })
            .collect();
        for (r, req) in results.iter_mut().zip(&required) {
            for (p, n) in r.pools.iter_mut().zip(req) {
                p.nodes_required = *n;
            }
        }
        headline::reprice(&study, &mut results);
    }
    let (latency, latency_detail) = match s.latency {
        None => (vec![LatencyCells::default(); results.len()], Vec::new()),
        Some(spec) => simulate_latency(s, spec, &runs, progress)?,
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
    Ok(StudyResult {
        results,
        runs,
        latency,
        latency_detail,
        migration,
    })
}

fn est(e: Option<&latency::Estimate>) -> EstCell {
    e.map(latency::Estimate::cell)
}

/// The request simulation: every reported mode plus `none` (the baseline for added latency),
/// every replication, in parallel.
fn simulate_latency(
    s: &StudySpec<'_>,
    spec: &LatencySpec,
    runs: &[ModeRun],
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
    );
    // The deepest call graph is "the chain".
    let chain = latency::deepest_traffic(spec);
    let mut cells = Vec::new();
    let mut detail = Vec::new();
    for (ml, _) in summary.into_iter().zip(&sim_modes).take(s.modes.len()) {
        let hop = &ml.dists[0];
        let max_util = ml
            .utilisation
            .values()
            .map(|(_, max)| max.mean)
            .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))));
        cells.push(LatencyCells {
            hop_p50_ms: est(latency::lookup(&hop.added_vs_none, "p50")),
            hop_p90_ms: est(latency::lookup(&hop.added_vs_none, "p90")),
            hop_p99_ms: est(latency::lookup(&hop.added_vs_none, "p99")),
            chain_p99_ms: chain.and_then(|c| est(latency::lookup(&ml.dists[1 + c].stats, "p99"))),
            proxy_cpu_simulated_vcpu: Some((ml.cpu_total_vcpu.mean, ml.cpu_total_vcpu.ci())),
            max_proxy_utilisation: max_util,
        });
        detail.push(ml);
    }
    Ok((cells, detail))
}
