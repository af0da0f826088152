//! Request-level latency: requests flow through the services the packer placed, through the
//! proxies each mesh mode puts on the path, and queue where proxies are busy or shared.
//!
//! # The model
//! - **Services** are the scenario's workloads; each placed replica runs on its node. A replica
//!   processes a request for a time drawn from the service's `processing_time`, then makes its
//!   downstream `calls` — sequentially (an orchestrating agent making 20 calls) or in parallel
//!   (fan-out, waiting for all) — and answers. Replicas do not queue (infinite servers); the
//!   queues that matter here are the proxies'.
//! - **Traffic** enters at entry services from outside or from a named client workload, as a
//!   Poisson process, a piecewise-constant rate schedule, a two-state MMPP, or a replayed trace.
//! - **Data path per hop.** `none`: network only. `sidecar`: client sidecar → network → server
//!   sidecar. `ambient`: client-node ztunnel → network → server-node ztunnel. Same-node ambient
//!   traffic visits the node's one ztunnel twice (outbound, then inbound) with same-node network
//!   latency: meshsim does not assume a same-node shortcut. `ambient-waypoint`: client ztunnel →
//!   network → a waypoint replica (round-robin, on whatever node it was placed) → network →
//!   server ztunnel. Mixed namespaces follow each side's rules (a sidecar client calling an
//!   ambient server: client sidecar → network → server ztunnel). Callers outside the mesh, and
//!   external clients, have no client-side proxy; an external client is taken to be in the same
//!   zone as the server. Cilium and Linkerd: Linkerd proxies behave as sidecars (with their own
//!   figures); Cilium's L4 data path is eBPF in the kernel and adds no proxy station here.
//! - **Network** latency per leg by locality (same node, same zone, cross zone; cross cluster is
//!   kept ready for multicluster scenarios). Values are round-trip: a leg's request and response.
//! - **Proxies are FIFO queueing stations**: a sidecar per replica with its workers (2, or
//!   ceil of a `sidecar.istio.io/proxyCPULimit` override), a ztunnel per node (2 workers, or
//!   max(2, ¼ of the node's cores) with `workers = "auto"`), a waypoint per replica with its
//!   workers. A visit costs an on-path service time S (request and response together): the
//!   request continues after S. The visit holds a worker for κ·S, κ = CPU per request ÷ E[S],
//!   so the proxy's CPU (from `cpu_per_1000_rps`) and its saturation both follow from the
//!   service-time draws: when κ > 1 the worker stays busy after the response left (work off the
//!   critical path); when κ < 1 part of S is spent outside the worker (kernel, loopback).
//! - **Common random numbers.** Arrivals come from one stream per traffic source; processing
//!   times and network delays are drawn from streams keyed by the request's position in its
//!   call graph, so every mode sees the same arrivals, the same processing times and the same
//!   base network delays, whatever the order events happen in.
//!
//! # Outputs
//! Per hop: time from the caller sending to the callee receiving (proxies + network). Per call
//! graph (traffic source): end-to-end time. Per proxy: utilisation (worker time over worker
//! capacity) and CPU. [`LatencyRun`] holds one replication; [`summarise`] aggregates
//! replications with confidence intervals, and the difference between modes with paired ones.

pub mod arrivals;
mod sim;

use std::collections::BTreeMap;

use meshsim_core::stats::{ConfidenceInterval, LatencyHistogram};
use meshsim_core::time::SimDuration;

pub use arrivals::Arrival;
pub use sim::{LatencyError, LatencyRun, ProxyKind, StationReport, simulate};

use crate::delay::DelaySpec;
use crate::mesh::MeshMode;

/// How a caller picks a replica of the service it calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadBalancing {
    /// In turn.
    #[default]
    RoundRobin,
    /// The less busy of two random replicas (Envoy's `LEAST_REQUEST`, power of two choices).
    LeastRequest,
    /// Uniformly at random.
    Random,
}

impl LoadBalancing {
    /// Name in files.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadBalancing::RoundRobin => "round-robin",
            LoadBalancing::LeastRequest => "least-request",
            LoadBalancing::Random => "random",
        }
    }
}

/// Sequential or parallel downstream calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CallMode {
    /// One after another.
    #[default]
    Sequential,
    /// All at once; answer when all have answered.
    Parallel,
}

/// A downstream call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// Index of the called workload.
    pub target: usize,
    /// How many times per request.
    pub count: u32,
}

/// What a service does with a request.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSpec {
    /// Processing time before the downstream calls.
    pub processing: DelaySpec,
    /// Downstream calls.
    pub calls: Vec<Call>,
    /// Sequential or parallel.
    pub mode: CallMode,
}

/// Network latency (round trip) per locality.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NetworkSpec {
    /// Within a node.
    pub same_node: DelaySpec,
    /// Between nodes of one zone.
    pub same_zone: DelaySpec,
    /// Between zones.
    pub cross_zone: DelaySpec,
    /// Between clusters (kept ready for multicluster).
    pub cross_cluster: DelaySpec,
}

impl Default for NetworkSpec {
    /// Orders of magnitude typical of cloud networks (assumptions: set your own):
    /// same node 20 µs, same zone 100 µs, cross zone 600 µs, cross cluster 5 ms (means).
    fn default() -> Self {
        use crate::delay::lognormal_us;
        NetworkSpec {
            same_node: lognormal_us(20, 50),
            same_zone: lognormal_us(100, 250),
            cross_zone: lognormal_us(600, 1_200),
            cross_cluster: lognormal_us(5_000, 12_000),
        }
    }
}

/// A traffic source.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficSpec {
    /// Name of the call graph rooted here (for reports).
    pub name: String,
    /// Entry workload.
    pub target: usize,
    /// Calling workload (its replicas in turn), or `None` for clients outside the cluster.
    pub from: Option<usize>,
    /// Arrival process.
    pub arrival: Arrival,
}

/// Everything the request simulation needs beyond the placement.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencySpec {
    /// Simulated time measured per replication.
    pub duration: SimDuration,
    /// Warm-up discarded per replication.
    pub warmup: SimDuration,
    /// Replica choice.
    pub load_balancing: LoadBalancing,
    /// Network latency.
    pub network: NetworkSpec,
    /// Per workload, in workload order.
    pub services: Vec<ServiceSpec>,
    /// Traffic sources.
    pub traffic: Vec<TrafficSpec>,
    /// Warn above this proxy utilisation (0.8 by default).
    pub utilisation_warning: f64,
}

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

impl Estimate {
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

/// Calls one request at `service` makes in all (itself included): the depth of its call graph
/// in hops.
pub fn calls_per_request(services: &[ServiceSpec], service: usize) -> f64 {
    1.0 + services[service]
        .calls
        .iter()
        .map(|c| f64::from(c.count) * calls_per_request(services, c.target))
        .sum::<f64>()
}

/// The traffic source whose requests make the most calls: "the chain" of summaries and SLOs
/// (the first one on ties).
pub fn deepest_traffic(spec: &LatencySpec) -> Option<usize> {
    (0..spec.traffic.len()).max_by(|&a, &b| {
        let ca = calls_per_request(&spec.services, spec.traffic[a].target);
        let cb = calls_per_request(&spec.services, spec.traffic[b].target);
        ca.total_cmp(&cb).then(b.cmp(&a))
    })
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
