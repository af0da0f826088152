//! Replications aggregated: every statistic with its 95 % confidence interval across
//! replications, and the difference between modes paired by replication.

use std::collections::BTreeMap;

use meshsim_core::stats::{ConfidenceInterval, Estimator, LatencyRecorder};

use super::{LatencyRun, ProxyKind, StationReport, TrafficSpec};
use crate::mesh::MeshMode;

/// One proxy station over all replications.
#[derive(Clone, Debug, PartialEq)]
pub struct StationSummary {
    /// Kind.
    pub kind: ProxyKind,
    /// Which one.
    pub label: String,
    /// Worker time over worker capacity.
    pub utilisation: Estimate,
    /// CPU, vCPU.
    pub cpu_vcpu: Estimate,
    /// Requests per second through it.
    pub rps: f64,
    /// Mean wait for a worker, ms.
    pub mean_wait_ms: Estimate,
}

/// Percentiles reported for latency distributions.
pub const QUANTILES: [(&str, f64); 4] =
    [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)];

/// One statistic across replications: its mean and 95 % half-width (NaN with one replication),
/// in the unit of the statistic (milliseconds for latencies, vCPU for CPU, fractions for
/// utilisation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Mean over replications.
    pub mean: f64,
    /// 95 % confidence half-width (NaN with one replication).
    pub ci95: f64,
}

/// The statistic called `name` in a `(name, estimate)` list.
pub fn lookup<'a>(v: &'a [(String, Estimate)], name: &str) -> Option<&'a Estimate> {
    v.iter().find(|x| x.0 == name).map(|x| &x.1)
}

impl Estimate {
    /// The mean and its half-width (when there is one).
    pub fn cell(&self) -> (f64, Option<f64>) {
        (self.mean, self.ci())
    }

    fn of(samples: &[f64]) -> Estimate {
        let ci = ConfidenceInterval::from_samples(samples, 0.95);
        Estimate {
            mean: ci.mean,
            ci95: ci.half_width,
        }
    }

    /// The half-width, `None` when there is none (one replication).
    pub fn ci(&self) -> Option<f64> {
        self.ci95.is_finite().then_some(self.ci95)
    }

    /// For a difference: whether its 95 % interval excludes 0 (`None` without an interval).
    pub fn significant(&self) -> Option<bool> {
        self.ci().map(|h| self.mean.abs() > h)
    }
}

/// One latency distribution summarised over replications, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct DistSummary {
    /// Scope: `hop` or `call-graph:<name>`.
    pub scope: String,
    /// Mean and `QUANTILES`, each across replications, ms.
    pub stats: Vec<(String, Estimate)>,
    /// Against `none` (paired by replication), ms: present when `none` was simulated too.
    pub added_vs_none: Vec<(String, Estimate)>,
    /// Against the current mode (paired by replication), ms: present when it was simulated
    /// too — what migrating from today's mode to this one does to latency, with its own
    /// interval.
    pub vs_current: Vec<(String, Estimate)>,
    /// Observations per replication (mean).
    pub count: f64,
    /// Observations per second of the measured window, over replications: the scope's
    /// throughput (for a closed loop, an outcome of the run).
    pub throughput: Estimate,
    /// How the percentiles were computed (exact order statistics unless a replication kept too
    /// many values; then the HDR histogram's 3 significant digits).
    pub estimator: Estimator,
    /// Requests that failed per replication (mean): for a call graph, its own; for `hop`, all.
    pub failed_requests: f64,
    /// Services the failed requests could not reach (workload indices).
    pub unreachable: Vec<usize>,
    /// A replication of this mode was saturated (see [`ModeLatency::saturation`]).
    pub saturated: bool,
}

impl DistSummary {
    /// Whether the statistics describe the scope: no request of it failed (for `hop`, none of
    /// any call graph — failed requests skip hops and skew the mix), and the mode was not
    /// saturated (its waits would grow with the run's length). Statistics of an invalid scope
    /// are not reported.
    pub fn valid(&self) -> bool {
        self.failed_requests == 0.0 && !self.saturated
    }
}

/// A mode's latency results over all replications.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeLatency {
    /// The mode.
    pub mode: MeshMode,
    /// Hops, then call graphs.
    pub dists: Vec<DistSummary>,
    /// Proxy CPU per proxy kind, vCPU.
    pub cpu_vcpu: BTreeMap<ProxyKind, Estimate>,
    /// Proxy CPU over all kinds, vCPU.
    pub cpu_total_vcpu: Estimate,
    /// Mean utilisation per proxy kind (over its stations), and the busiest station's.
    pub utilisation: BTreeMap<ProxyKind, (Estimate, Estimate)>,
    /// Stations above the warning threshold in any replication: `(kind, station, utilisation)`.
    pub warnings: Vec<String>,
    /// Every proxy station, over replications.
    pub stations: Vec<StationSummary>,
    /// Calls to services without any placed replica (per replication, mean).
    pub failed_calls: f64,
    /// Why the mode is saturated (the first saturated replication's cause), if it is: the load
    /// is more than its proxies serve, and no latency figure of it is reported.
    pub saturation: Option<String>,
}

fn stats_of(recs: &[&LatencyRecorder]) -> Vec<(String, Vec<f64>)> {
    let mut v = vec![(
        "mean".to_string(),
        recs.iter().map(|h| h.mean().as_millis_f64()).collect(),
    )];
    for (n, q) in QUANTILES {
        v.push((
            n.to_string(),
            recs.iter().map(|h| h.quantile(q).as_millis_f64()).collect(),
        ));
    }
    v
}

/// Scope `k` of [`summarise`]: the hops within a cluster (0), a call graph (1 to the traffic
/// count), or the hops between clusters (last, in a multicluster fleet only).
fn recorder(run: &LatencyRun, k: usize) -> &LatencyRecorder {
    match graph_of(run.end_to_end.len(), k) {
        Some(g) => &run.end_to_end[g],
        None if k == 0 => &run.hops,
        None => &run.cross_hops,
    }
}

/// The call graph of scope `k`, when it is one (not a hop scope).
fn graph_of(graphs: usize, k: usize) -> Option<usize> {
    (1..=graphs).contains(&k).then(|| k - 1)
}

/// The scope of hops between clusters, in `latency.csv` and the summary.
pub const CROSS_CLUSTER_HOP: &str = "hop:cross-cluster";

/// Aggregates replications of several modes; `runs[m][r]` is mode `m`, replication `r`. Modes
/// are compared with `none` (and with the current mode, `current`) replication by replication
/// (common random numbers), so the paired difference has a tight interval.
pub fn summarise(
    modes: &[MeshMode],
    runs: &[Vec<LatencyRun>],
    traffic: &[TrafficSpec],
    warn_above: f64,
    current: Option<MeshMode>,
) -> Vec<ModeLatency> {
    let none = modes.iter().position(|m| *m == MeshMode::None);
    let base = current.and_then(|c| modes.iter().position(|m| *m == c));
    let cross = runs.iter().flatten().any(|r| r.cross_hops.count() > 0);
    let scopes: Vec<String> = std::iter::once("hop".to_string())
        .chain(traffic.iter().map(|t| format!("call-graph:{}", t.name)))
        .chain(cross.then(|| CROSS_CLUSTER_HOP.to_string()))
        .collect();
    let graph = |k: usize| graph_of(traffic.len(), k);
    modes
        .iter()
        .enumerate()
        .map(|(mi, &mode)| {
            let reps = &runs[mi];
            let n_reps = reps.len().max(1) as f64;
            let dists = scopes
                .iter()
                .enumerate()
                .map(|(k, scope)| {
                    let recs: Vec<&LatencyRecorder> = reps.iter().map(|r| recorder(r, k)).collect();
                    let per = stats_of(&recs);
                    let stats = per
                        .iter()
                        .map(|(n, v)| (n.clone(), Estimate::of(v)))
                        .collect();
                    // Paired differences replication by replication (common random numbers).
                    let failed_in = |m: usize| {
                        runs[m].iter().any(|r| match graph(k) {
                            None => r.failed_requests.iter().any(|&f| f > 0),
                            Some(g) => r.failed_requests[g] > 0,
                        })
                    };
                    let saturated_in = |m: usize| runs[m].iter().any(|r| r.saturated.is_some());
                    // A difference against a baseline whose requests failed, or that was
                    // saturated, has no meaning.
                    let paired = |reference: Option<usize>| -> Vec<(String, Estimate)> {
                        let Some(ri) = reference.filter(|&ri| !failed_in(ri) && !saturated_in(ri))
                        else {
                            return Vec::new();
                        };
                        let brecs: Vec<&LatencyRecorder> =
                            runs[ri].iter().map(|r| recorder(r, k)).collect();
                        let bper = stats_of(&brecs);
                        per.iter()
                            .zip(&bper)
                            .map(|((n, a), (_, b))| {
                                let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
                                (n.clone(), Estimate::of(&d))
                            })
                            .collect()
                    };
                    let exact = recs.iter().all(|r| r.estimator() == Estimator::Exact)
                        && (0..runs.len()).all(|m| {
                            runs[m]
                                .iter()
                                .all(|r| recorder(r, k).estimator() == Estimator::Exact)
                        });
                    let failed: u64 = reps
                        .iter()
                        .map(|r| match graph(k) {
                            None => r.failed_requests.iter().sum::<u64>(),
                            Some(g) => r.failed_requests[g],
                        })
                        .sum();
                    let mut unreachable: Vec<usize> = reps
                        .iter()
                        .flat_map(|r| match graph(k) {
                            None => r.unreachable.concat(),
                            Some(g) => r.unreachable[g].clone(),
                        })
                        .collect();
                    unreachable.sort_unstable();
                    unreachable.dedup();
                    DistSummary {
                        scope: scope.clone(),
                        stats,
                        added_vs_none: paired(none),
                        vs_current: paired(base),
                        count: recs.iter().map(|h| h.count() as f64).sum::<f64>() / n_reps,
                        throughput: Estimate::of(
                            &reps
                                .iter()
                                .zip(&recs)
                                .map(|(r, h)| {
                                    if r.window_s > 0.0 {
                                        h.count() as f64 / r.window_s
                                    } else {
                                        0.0
                                    }
                                })
                                .collect::<Vec<f64>>(),
                        ),
                        estimator: if exact {
                            Estimator::Exact
                        } else {
                            Estimator::Hdr3
                        },
                        failed_requests: failed as f64 / n_reps,
                        unreachable,
                        saturated: saturated_in(mi),
                    }
                })
                .collect();
            let cpu_total: Vec<f64> = reps
                .iter()
                .map(|r| r.stations.iter().map(|s| s.cpu_vcpu).sum())
                .collect();
            let mut cpu: BTreeMap<ProxyKind, Vec<f64>> = BTreeMap::new();
            let mut util: BTreeMap<ProxyKind, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
            let mut warnings = Vec::new();
            for r in reps {
                let mut per_kind: BTreeMap<ProxyKind, (f64, f64, f64, usize)> = BTreeMap::new();
                for s in &r.stations {
                    let e = per_kind.entry(s.kind).or_insert((0.0, 0.0, 0.0, 0));
                    e.0 += s.cpu_vcpu;
                    e.1 += s.utilisation;
                    e.2 = e.2.max(s.utilisation);
                    e.3 += 1;
                    if s.utilisation > warn_above {
                        let w = format!(
                            "{} {} at {:.0} % utilisation",
                            s.kind.as_str(),
                            s.label,
                            100.0 * s.utilisation
                        );
                        if !warnings.contains(&w) {
                            warnings.push(w);
                        }
                    }
                }
                for (k, (c, u, m, n)) in per_kind {
                    cpu.entry(k).or_default().push(c);
                    let e = util.entry(k).or_default();
                    e.0.push(u / n as f64);
                    e.1.push(m);
                }
            }
            let stations = match reps.first() {
                None => Vec::new(),
                Some(first) => (0..first.stations.len())
                    .map(|k| {
                        let pick = |f: fn(&StationReport) -> f64| -> Vec<f64> {
                            reps.iter().map(|r| f(&r.stations[k])).collect()
                        };
                        StationSummary {
                            kind: first.stations[k].kind,
                            label: first.stations[k].label.clone(),
                            utilisation: Estimate::of(&pick(|s| s.utilisation)),
                            cpu_vcpu: Estimate::of(&pick(|s| s.cpu_vcpu)),
                            rps: reps
                                .iter()
                                .map(|r| r.stations[k].visits as f64 / r.window_s.max(1e-12))
                                .sum::<f64>()
                                / reps.len() as f64,
                            mean_wait_ms: Estimate::of(&pick(|s| s.mean_wait_ms)),
                        }
                    })
                    .collect(),
            };
            ModeLatency {
                mode,
                dists,
                stations,
                cpu_vcpu: cpu
                    .into_iter()
                    .map(|(k, v)| (k, Estimate::of(&v)))
                    .collect(),
                cpu_total_vcpu: Estimate::of(&cpu_total),
                utilisation: util
                    .into_iter()
                    .map(|(k, (a, b))| (k, (Estimate::of(&a), Estimate::of(&b))))
                    .collect(),
                warnings,
                failed_calls: reps.iter().map(|r| r.failed_calls as f64).sum::<f64>()
                    / reps.len().max(1) as f64,
                saturation: reps
                    .iter()
                    .find_map(|r| r.saturated.as_ref())
                    .map(ToString::to_string),
            }
        })
        .collect()
}
