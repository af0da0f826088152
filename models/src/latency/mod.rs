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
mod build;
mod model;
mod node_cpu;
mod summary;

use meshsim_core::time::SimDuration;

pub use arrivals::Arrival;
pub use model::{
    BUSY_SATURATED, HOP_REFERENCE, LatencyRun, MAX_IN_FLIGHT, ProxyKind, Saturation,
    SaturationCause, StationReport,
};
pub use summary::{
    CROSS_CLUSTER_HOP, DistSummary, Estimate, ModeLatency, QUANTILES, StationSummary, lookup,
    summarise,
};

use crate::delay::DelaySpec;

/// How a caller picks a replica of the service it calls.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum LoadBalancing {
    /// In turn.
    #[default]
    RoundRobin,
    /// The less busy of two random replicas (Envoy's `LEAST_REQUEST`, power of two choices).
    LeastRequest,
    /// Uniformly at random.
    Random,
}

crate::named_enum!(LoadBalancing, "load balancing");

/// Sequential or parallel downstream calls.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum CallMode {
    /// One after another.
    #[default]
    Sequential,
    /// All at once; answer when all have answered.
    Parallel,
}
crate::named_enum!(CallMode, "call mode");

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

/// Which endpoints a call to a Service that several clusters back goes to
/// ([`LatencySpec::replicated`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Locality {
    /// Every placed endpoint of the fleet alike, whatever the caller's cluster: Istio's
    /// behaviour unless locality-prioritised balancing is made to act (it needs outlier
    /// detection on the Service's DestinationRule, istio.io/latest/docs/tasks/traffic-management/
    /// locality-load-balancing/failover), and ztunnel's without a traffic-distribution
    /// annotation (istio.io/latest/docs/ambient/usage/traffic-distribution).
    Spread,
    /// The caller's cluster while it has a placed endpoint; else the other clusters, those in
    /// the caller's region first (Envoy's locality priorities: region before the rest). With
    /// `cross_cluster_share` above 0, that share of the calls made where a local endpoint
    /// exists goes to the other clusters anyway, spread over their endpoints (a
    /// DestinationRule's `localityLbSetting.distribute`). Zones within a cluster are not
    /// preferred: a cluster's endpoints are chosen by [`LoadBalancing`] as before.
    PreferLocal {
        /// Share of the calls sent to the other clusters while a local endpoint exists, 0 to 1.
        cross_cluster_share: f64,
    },
}

/// A Service that workloads in several clusters of the fleet back (one workload per cluster):
/// Istio merges them into one, so a call to it may be served in any of them ([`Locality`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicatedService {
    /// The Service's name.
    pub name: String,
    /// Its workloads (indices), in workload order; a call's `target` is the first.
    pub workloads: Vec<usize>,
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
    /// Between clusters of a multicluster fleet (every pair not in
    /// [`LatencySpec::cluster_pairs`]).
    pub cross_cluster: DelaySpec,
}

/// The network round trip between two member clusters, where it is not `cross_cluster`'s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClusterPairDelay {
    /// The two clusters (indices in [`crate::cluster::Cluster::members`]), either way round.
    pub clusters: (usize, usize),
    /// The delay.
    pub delay: DelaySpec,
}

/// Most cluster pairs with a delay of their own.
pub const MAX_CLUSTER_PAIRS: usize = 200;

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
    /// Cluster pairs whose round trip is not `network.cross_cluster` (at most
    /// [`MAX_CLUSTER_PAIRS`], each pair once).
    pub cluster_pairs: Vec<ClusterPairDelay>,
    /// Services that several clusters back (none in a one-cluster fleet).
    pub replicated: Vec<ReplicatedService>,
    /// Where a call to one of `replicated` goes.
    pub locality: Locality,
    /// Per workload, in workload order.
    pub services: Vec<ServiceSpec>,
    /// Traffic sources.
    pub traffic: Vec<TrafficSpec>,
    /// Warn above this proxy utilisation (0.8 by default).
    pub utilisation_warning: f64,
    /// Play every schedule longer than `duration` compressed into `duration` (each step's
    /// length scaled by duration ÷ period): the window then sees every step once, in
    /// proportion. Valid while a compressed step still lasts far longer than a proxy queue
    /// takes to settle (milliseconds).
    pub compress_schedules: bool,
    /// Share each node's cores between the applications' processing and the proxies: a
    /// proxy worker holds a core while busy (the busy workers share the cores when there are
    /// more of them than cores), and the processing of the requests on the node
    /// shares the cores left (processor sharing, at most one core per request). A replica whose
    /// container has a CPU limit is throttled as CFS does: its quota per 100 ms period, then
    /// stopped until the next period (see `node_cpu`). Off: processing is a pure delay, as if
    /// every node had cores to spare, and CPU limits play no part.
    pub cpu_contention: bool,
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

/// A lower bound on the mean time of one request at `service` without waiting, seconds: its
/// processing, then its calls' (in turn, or the longest when they run in parallel). Networks
/// and proxies only add to it.
pub fn min_request_s(services: &[ServiceSpec], service: usize) -> f64 {
    let s = &services[service];
    let children = s
        .calls
        .iter()
        .map(|c| f64::from(c.count) * min_request_s(services, c.target));
    let calls = match s.mode {
        CallMode::Parallel => s
            .calls
            .iter()
            .map(|c| min_request_s(services, c.target))
            .fold(0.0, f64::max),
        CallMode::Sequential => children.sum::<f64>(),
    };
    s.processing.mean_s() + calls
}

/// Highest long-run rate of a traffic source, per second: its mean rate, or for a closed loop
/// its bound connections ÷ (think + [`min_request_s`]) (Little's law; infinite when both are
/// 0). What request counts are bounded by before a run.
pub fn rate_bound(spec: &LatencySpec, t: &TrafficSpec) -> f64 {
    t.arrival
        .rate_bound(meshsim_core::time::SimDuration::from_secs_f64_saturating(
            min_request_s(&spec.services, t.target),
        ))
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

/// Why a simulation could not run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LatencyError {
    /// The engine stopped.
    #[error(transparent)]
    Sim(#[from] meshsim_core::engine::SimError),
    /// A distribution's parameters are invalid.
    #[error("invalid distribution: {0}")]
    Dist(String),
}

/// Simulates one replication of one mode: `warmup`, then `duration` measured.
pub fn simulate(
    cluster: &crate::cluster::Cluster,
    mesh: &crate::mesh::MeshConfig,
    run: &crate::packing::ModeRun,
    spec: &LatencySpec,
    seed: u64,
) -> Result<LatencyRun, LatencyError> {
    build::build(cluster, mesh, run, spec, seed)?.run(spec)
}
