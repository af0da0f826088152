//! Replications aggregated: every statistic with its 95 % confidence interval across
//! replications, and the difference between modes paired by replication.

use std::collections::BTreeMap;

use meshsim_core::stats::{ConfidenceInterval, LatencyHistogram};

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
    /// Against `sidecar` (paired by replication), ms: present when `sidecar` was simulated too —
    /// what migrating from sidecars to this mode does to latency, with its own interval.
    pub vs_sidecar: Vec<(String, Estimate)>,
    /// Observations per replication (mean).
    pub count: f64,
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
}

fn quantile_ms(h: &LatencyHistogram, q: f64) -> f64 {
    h.quantile(q).as_millis_f64()
}

fn stats_of(hists: &[&LatencyHistogram]) -> Vec<(String, Vec<f64>)> {
    let mut v = vec![(
        "mean".to_string(),
        hists.iter().map(|h| h.mean().as_millis_f64()).collect(),
    )];
    for (n, q) in QUANTILES {
        v.push((
            n.to_string(),
            hists.iter().map(|h| quantile_ms(h, q)).collect(),
        ));
    }
    v
}

/// Aggregates replications of several modes; `runs[m][r]` is mode `m`, replication `r`. Modes
/// are compared with `none` replication by replication (common random numbers), so the paired
/// difference has a tight interval.
pub fn summarise(
    modes: &[MeshMode],
    runs: &[Vec<LatencyRun>],
    traffic: &[TrafficSpec],
    warn_above: f64,
) -> Vec<ModeLatency> {
    let none = modes.iter().position(|m| *m == MeshMode::None);
    let sidecar = modes.iter().position(|m| *m == MeshMode::Sidecar);
    let scopes: Vec<String> = std::iter::once("hop".to_string())
        .chain(traffic.iter().map(|t| format!("call-graph:{}", t.name)))
        .collect();
    let hist = |run: &LatencyRun, k: usize| -> LatencyHistogram {
        if k == 0 {
            run.hops.clone()
        } else {
            run.end_to_end[k - 1].clone()
        }
    };
    modes
        .iter()
        .enumerate()
        .map(|(mi, &mode)| {
            let reps = &runs[mi];
            let dists = scopes
                .iter()
                .enumerate()
                .map(|(k, scope)| {
                    let hs: Vec<LatencyHistogram> = reps.iter().map(|r| hist(r, k)).collect();
                    let refs: Vec<&LatencyHistogram> = hs.iter().collect();
                    let per = stats_of(&refs);
                    let stats = per
                        .iter()
                        .map(|(n, v)| (n.clone(), Estimate::of(v)))
                        .collect();
                    // Paired differences replication by replication (common random numbers).
                    let paired = |reference: Option<usize>| -> Vec<(String, Estimate)> {
                        let Some(ri) = reference else {
                            return Vec::new();
                        };
                        let base: Vec<LatencyHistogram> =
                            runs[ri].iter().map(|r| hist(r, k)).collect();
                        let brefs: Vec<&LatencyHistogram> = base.iter().collect();
                        let bper = stats_of(&brefs);
                        per.iter()
                            .zip(&bper)
                            .map(|((n, a), (_, b))| {
                                let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
                                (n.clone(), Estimate::of(&d))
                            })
                            .collect()
                    };
                    let added_vs_none = paired(none);
                    let vs_sidecar = paired(sidecar);
                    DistSummary {
                        scope: scope.clone(),
                        stats,
                        added_vs_none,
                        vs_sidecar,
                        count: hs.iter().map(|h| h.count() as f64).sum::<f64>()
                            / hs.len().max(1) as f64,
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
            }
        })
        .collect()
}
