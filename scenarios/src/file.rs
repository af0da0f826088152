//! The scenario file as written: serde structs with `deny_unknown_fields`, units as strings,
//! and spans on every value that validation may reject. [`crate::resolve`] turns it into the
//! validated model; [`crate::render`] turns a model back into this form with every default
//! written out (the resolved scenario in `run.json`).
//!
//! The reference for every key is `scenarios/SCHEMA.md`.
//!
//! Choices are enums with one string table each (derived by `strum`; see
//! `meshsim_models::names`), so an unknown name is refused while parsing, located, with the
//! closest name suggested. Keys that only some variants take (an arrival's `rate` or `path`, a
//! distribution's `p99` or `min`) stay optional fields of one struct rather than a
//! `#[serde(tag = "…")]` enum: serde buffers an internally tagged enum's content before choosing
//! the variant, and `toml::Spanned` cannot be read back from that buffer, so every span inside
//! would be lost. `crate::resolve` keeps one validator per variant instead.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use meshsim_models::cluster::{TaintEffect, TolerationOperator};
use meshsim_models::latency::{CallMode, LoadBalancing};
use meshsim_models::mesh::{MeshMode, NamespaceMode, SidecarScope};
use meshsim_models::scheduler::{Strategy, TieBreak};

use crate::units::{Cpu, Duration, Memory};

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            strum::EnumString,
            strum::IntoStaticStr,
            strum::VariantNames,
        )]
        #[strum(serialize_all = "kebab-case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }
        meshsim_models::named_enum!($name, $what);
    };
}

choice!(
    /// `mesh.requests`: how proxy requests are set.
    RequestPolicyKind, "request policy", {
        /// The charts' defaults.
        ChartDefaults,
        /// Modelled usage × headroom.
        RightSized,
    }
);

choice!(
    /// `latency.locality`: where a call to a Service that several clusters back goes.
    LocalityKind, "locality", {
        /// Every endpoint of the fleet alike (Istio's default).
        Spread,
        /// The caller's cluster first, failing over to the others (its region first).
        PreferLocal,
    }
);

choice!(
    /// A distribution's family (`dist = "…"`).
    DistKind, "distribution", {
        /// Log-normal from mean and P99, or mean and CV (the default).
        Lognormal,
        /// Exponential from its mean.
        Exponential,
        /// Always the mean.
        Constant,
        /// Gamma from mean and CV.
        Gamma,
        /// Uniform between min and max.
        Uniform,
    }
);

choice!(
    /// `arrival = "…"` of a traffic source.
    ArrivalKind, "arrival process", {
        /// Poisson at `rate`.
        Poisson,
        /// Piecewise-constant `schedule` repeating every `period`.
        Schedule,
        /// Two-state MMPP with `rates` and `mean_durations`.
        Mmpp,
        /// A replayed CSV trace at `path`.
        Trace,
        /// `connections` closed-loop clients, each pausing `think` between requests.
        Closed,
    }
);

choice!(
    /// `metric = "…"` of an HPA.
    HpaMetricKind, "HPA metric", {
        /// `Resource`: utilisation over every container of the pod (a sidecar's included).
        Resource,
        /// `ContainerResource`: the application container's alone.
        ContainerResource,
    }
);

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Name, description, seed, modes.
    pub scenario: ScenarioMeta,
    /// Scheduler settings.
    #[serde(default)]
    pub scheduler: SchedulerSection,
    /// The mesh.
    #[serde(default)]
    pub mesh: MeshSection,
    /// The Kubernetes clusters a fleet spans (none: one cluster).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<Spanned<ClusterSection>>,
    /// Node pools.
    #[serde(default)]
    pub pools: Vec<Spanned<PoolSection>>,
    /// Workloads.
    #[serde(default)]
    pub workloads: Vec<Spanned<WorkloadSection>>,
    /// DaemonSets outside the mesh.
    #[serde(default)]
    pub daemonsets: Vec<Spanned<DaemonSetSection>>,
    /// Migration effort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<Spanned<MigrationSection>>,
    /// What a right-sized fleet keeps free and spare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_rules: Option<CapacityRulesSection>,
    /// Request-level latency simulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Spanned<LatencySection>>,
    /// Entry traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traffic: Vec<Spanned<TrafficSection>>,
    /// The fleet over time: load, HPAs, the cluster autoscaler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Spanned<AutoscalingSection>>,
}

/// `[scenario]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioMeta {
    /// Name: letters, digits, `-`, `_`, `.`; names the output directory.
    pub name: Spanned<String>,
    /// What question the scenario answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Run seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<Spanned<i64>>,
    /// Modes to compare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<Spanned<Vec<Spanned<MeshMode>>>>,
    /// Replications (latency confidence intervals; scheduler tie-break seeds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replications: Option<Spanned<i64>>,
    /// Compute nodes required at equal replicas (a few extra placements per pool).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes_required: Option<bool>,
    /// How the cluster runs today: the baseline of every comparison (default `sidecar`, or
    /// `mixed` when `[mesh.namespaces]` assigns modes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Spanned<MeshMode>>,
}

/// `[scheduler]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerSection {
    /// `kube-default`, `least-allocated`, `most-allocated`, `balanced-allocation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    /// Weight of `nvidia.com/gpu` in scoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_weight: Option<Spanned<i64>>,
    /// `random` or `first`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tie_break: Option<TieBreak>,
}

/// CPU and memory.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CpuMem {
    /// CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    /// Memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
}

/// `[mesh]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MeshSection {
    /// Named preset the figures start from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Spanned<String>>,
    /// `chart-defaults` or `right-sized`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<RequestPolicyKind>,
    /// Headroom for right-sized requests (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headroom: Option<Spanned<f64>>,
    /// `mesh` or `namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar_scope: Option<SidecarScope>,
    /// Namespaces never meshed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_namespaces: Option<Vec<Spanned<String>>>,
    /// Namespaces that get a waypoint in `ambient-waypoint` mode (empty: all meshed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint_namespaces: Option<Vec<Spanned<String>>>,
    /// Run istio-cni in sidecar mode too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cni_in_sidecar_mode: Option<bool>,
    /// Per-namespace modes for `mixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<BTreeMap<String, Spanned<NamespaceMode>>>,
    /// Mode of namespaces not listed, in `mixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mixed_default: Option<NamespaceMode>,
    /// Sidecar figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar: Option<SidecarSection>,
    /// ztunnel figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ztunnel: Option<NodeProxySection>,
    /// Waypoint figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint: Option<WaypointSection>,
    /// istio-cni figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istio_cni: Option<FixedSection>,
    /// istiod figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istiod: Option<ControlPlaneSection>,
    /// Linkerd proxy figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkerd_proxy: Option<SidecarSection>,
    /// Cilium agent figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cilium_agent: Option<NodeProxySection>,
}

/// A service-time distribution for a proxy or an application, in the file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DistSection {
    /// `lognormal` (default), `exponential`, `constant`, `gamma`, `uniform`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist: Option<DistKind>,
    /// Mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Duration>,
    /// 99th percentile (log-normal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<Duration>,
    /// Coefficient of variation (log-normal, gamma).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<f64>,
    /// Lower bound (uniform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Duration>,
    /// Upper bound (uniform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Duration>,
}

/// `[mesh.sidecar]`, `[mesh.linkerd_proxy]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SidecarSection {
    /// Request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<CpuMem>,
    /// Limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<CpuMem>,
    /// Memory with an empty configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_memory: Option<Memory>,
    /// Memory per visible cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_per_cluster: Option<Memory>,
    /// Memory per visible endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_per_endpoint: Option<Memory>,
    /// Idle CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_cpu: Option<Cpu>,
    /// CPU per 1000 rps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_per_1000_rps: Option<Cpu>,
    /// Worker threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<Spanned<i64>>,
    /// Per-request service time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_time: Option<Spanned<DistSection>>,
}

/// `[mesh.ztunnel]`, `[mesh.cilium_agent]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodeProxySection {
    /// Request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<CpuMem>,
    /// Idle memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_memory: Option<Memory>,
    /// Memory per meshed pod on the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_per_local_pod: Option<Memory>,
    /// Memory per pod in the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_per_cluster_pod: Option<Memory>,
    /// Memory per open connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_per_connection: Option<Memory>,
    /// Memory per 1000 rps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_per_1000_rps: Option<Memory>,
    /// Idle CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_cpu: Option<Cpu>,
    /// CPU per 1000 rps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_per_1000_rps: Option<Cpu>,
    /// CPU time per new connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_per_new_connection: Option<Duration>,
    /// Worker threads: a number, or `"auto"` for max(2, ¼ of the node's cores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<Spanned<toml::Value>>,
    /// Per-request service time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_time: Option<Spanned<DistSection>>,
}

/// `[mesh.waypoint]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WaypointSection {
    /// Request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<CpuMem>,
    /// Limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<CpuMem>,
    /// Replicas per waypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Spanned<i64>>,
    /// Memory with the namespace's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_memory: Option<Memory>,
    /// Memory per 1000 rps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_per_1000_rps: Option<Memory>,
    /// Idle CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_cpu: Option<Cpu>,
    /// CPU per 1000 rps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_per_1000_rps: Option<Cpu>,
    /// Worker threads per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<Spanned<i64>>,
    /// Per-request service time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_time: Option<Spanned<DistSection>>,
}

/// `[mesh.istio_cni]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FixedSection {
    /// Request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<CpuMem>,
    /// Usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<CpuMem>,
}

/// `[mesh.istiod]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ControlPlaneSection {
    /// Request per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<CpuMem>,
    /// Fewest replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<Spanned<i64>>,
    /// Most replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<Spanned<i64>>,
    /// HPA CPU target (fraction of request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpa_target: Option<Spanned<f64>>,
    /// Idle CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_cpu: Option<Cpu>,
    /// Idle memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_memory: Option<Memory>,
    /// CPU per 1000 connected proxies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_per_1000_proxies: Option<Cpu>,
    /// Memory per 1000 connected proxies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_per_1000_proxies: Option<Memory>,
}

/// A taint in the file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TaintSection {
    /// Key.
    pub key: String,
    /// Value.
    #[serde(default)]
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: TaintEffect,
}

/// A toleration in the file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TolerationSection {
    /// Key (omit with `Exists` to tolerate everything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Equal` (default) or `Exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Spanned<TolerationOperator>>,
    /// Value for `Equal`.
    #[serde(default)]
    pub value: String,
    /// Effect to match (omit for all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
}

choice!(
    /// `[[clusters]] control_plane`: Istio's multicluster control-plane topologies.
    ControlPlaneKind, "control plane", {
        /// Its own istiod (multi-primary).
        Primary,
        /// No istiod: served by the istiod of the cluster named by `primary` (primary-remote).
        Remote,
    }
);

/// `[[clusters]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// Unique name.
    pub name: Spanned<String>,
    /// Region (default: the cluster's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Spanned<String>>,
    /// Istio network (default: the cluster's name, a network of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Spanned<String>>,
    /// `primary` (default) or `remote`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_plane: Option<Spanned<ControlPlaneKind>>,
    /// The primary cluster whose istiod serves a remote one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<Spanned<String>>,
    /// A mode this cluster keeps whatever mode the fleet is compared in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Spanned<MeshMode>>,
}

/// `[[pools]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSection {
    /// Unique name.
    pub name: Spanned<String>,
    /// Its cluster (with `[[clusters]]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Spanned<String>>,
    /// Nodes.
    pub count: Spanned<i64>,
    /// CPU capacity per node.
    pub cpu: Spanned<Cpu>,
    /// Memory capacity per node.
    pub memory: Spanned<Memory>,
    /// GPUs per node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<Spanned<i64>>,
    /// GPU model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_model: Option<String>,
    /// Memory per GPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_memory: Option<Memory>,
    /// Max pods per node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pods: Option<Spanned<i64>>,
    /// kube-reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_reserved: Option<CpuMem>,
    /// system-reserved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_reserved: Option<CpuMem>,
    /// Hard eviction threshold on memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eviction_threshold: Option<Memory>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Taints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taints: Option<Vec<Spanned<TaintSection>>>,
    /// Zones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<Spanned<Vec<String>>>,
    /// Price per node-hour, USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_per_hour: Option<Spanned<f64>>,
}

/// Requests of a workload or DaemonSet.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RequestSection {
    /// CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    /// Memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    /// Whole GPUs (`nvidia.com/gpu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<Spanned<i64>>,
    /// A share of one GPU, 0 < f < 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_fraction: Option<Spanned<f64>>,
}

/// Per-workload sidecar annotations.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SidecarOverrideSection {
    /// `sidecar.istio.io/proxyCPU`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    /// `sidecar.istio.io/proxyMemory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    /// `sidecar.istio.io/proxyCPULimit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_limit: Option<Cpu>,
    /// `sidecar.istio.io/proxyMemoryLimit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_limit: Option<Memory>,
}

/// A downstream call.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CallSection {
    /// Workload called.
    pub service: Spanned<String>,
    /// Calls per request (sequential repeats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Spanned<i64>>,
}

/// `[[workloads]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSection {
    /// Unique name (also the Service name unless `service` says otherwise).
    pub name: Spanned<String>,
    /// The Service it backs, when workloads in several clusters back one (default: `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Spanned<String>>,
    /// Namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Spanned<String>>,
    /// A count, or `"fill"`.
    pub replicas: Spanned<toml::Value>,
    /// Counts as inference (default: requests a GPU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inference: Option<bool>,
    /// Shorthand for a node selector on one pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<Spanned<String>>,
    /// Its cluster (with `[[clusters]]`; default: its pool's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Spanned<String>>,
    /// Requests per replica.
    #[serde(default = "no_requests")]
    pub requests: Spanned<RequestSection>,
    /// Limits per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<CpuMem>,
    /// Actual usage per replica (default: the requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<CpuMem>,
    /// Requests per second served per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rps: Option<Spanned<f64>>,
    /// Requests per second sent per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_rps: Option<Spanned<f64>>,
    /// Open connections per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<Spanned<f64>>,
    /// New connections per second per replica.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_connections_per_second: Option<Spanned<f64>>,
    /// Service ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Spanned<i64>>,
    /// Node selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Tolerations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<TolerationSection>>,
    /// At most this many replicas per node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_node: Option<Spanned<i64>>,
    /// Priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// Sidecar annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar: Option<SidecarOverrideSection>,
    /// Measured usage of one Istio sidecar (replaces the model in sidecar mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar_usage: Option<CpuMem>,
    /// Joins the mesh where its namespace does (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meshed: Option<bool>,
    /// Application processing time per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_time: Option<Spanned<DistSection>>,
    /// Downstream calls per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<Vec<Spanned<CallSection>>>,
    /// `sequential` (default) or `parallel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_mode: Option<CallMode>,
}

/// `[[daemonsets]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonSetSection {
    /// Unique name.
    pub name: Spanned<String>,
    /// Namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Shorthand for a node selector on one pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<Spanned<String>>,
    /// Its cluster (with `[[clusters]]`; default: its pool's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Spanned<String>>,
    /// Requests per pod.
    #[serde(default = "no_requests")]
    pub requests: Spanned<RequestSection>,
    /// Usage per pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<CpuMem>,
    /// Node selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Tolerations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<TolerationSection>>,
}

/// `[migration]`: the effort, for the headline's payback and for `meshsim plan`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationSection {
    /// Total sprints (the headline's payback); without it, the plan's total effort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprints: Option<Spanned<f64>>,
    /// Cost per sprint, USD.
    pub cost_per_sprint: Spanned<f64>,
    /// Months within which payback counts (default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_months: Option<Spanned<i64>>,
    /// Plan: sprints to move one namespace to ambient (L4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_sprints: Option<Spanned<f64>>,
    /// Plan: sprints per L7 feature, for the move that adds a namespace's waypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l7_feature_sprints: Option<Spanned<f64>>,
    /// Plan: one-off sprints before the first move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_sprints: Option<Spanned<f64>>,
    /// Plan: team capacity, sprints per month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprints_per_month: Option<Spanned<f64>>,
    /// Plan: namespaces cut over together in one wave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces_per_wave: Option<Spanned<i64>>,
    /// Plan: calendar month of plan month 1 (`YYYY-MM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_month: Option<Spanned<String>>,
    /// Plan: annual discount rate for the NPV (0.08 = 8 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_rate: Option<Spanned<f64>>,
    /// Plan: the user's order of namespaces (the `user-order` strategy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<Spanned<String>>>,
    /// Plan: per-namespace effort and L7 features.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<BTreeMap<String, Spanned<MigrationNamespaceSection>>>,
}

/// `[migration.namespaces.NAME]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationNamespaceSection {
    /// Sprints to move it to ambient (L4), instead of `namespace_sprints`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprints: Option<Spanned<f64>>,
    /// L7 features it uses (each adds `l7_feature_sprints` to its waypoint move).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l7_features: Option<Vec<Spanned<String>>>,
}

/// Capacity rules of a pool, as written (every key optional; unset keys take the defaults).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PoolRulesSection {
    /// Share of allocatable CPU kept free per node (0 ≤ x < 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_headroom: Option<Spanned<f64>>,
    /// Share of allocatable memory kept free per node (0 ≤ x < 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_headroom: Option<Spanned<f64>>,
    /// Fewest nodes the pool keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_nodes: Option<Spanned<i64>>,
    /// Fewest nodes per zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_nodes_per_zone: Option<Spanned<i64>>,
    /// One spare node beyond what the pods need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_plus_one: Option<bool>,
}

/// `[capacity_rules]`: defaults for pools without and with GPUs, and per-pool overrides.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityRulesSection {
    /// Pools without GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_pools: Option<PoolRulesSection>,
    /// Pools with GPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_pools: Option<PoolRulesSection>,
    /// Per pool name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pools: Option<BTreeMap<String, Spanned<PoolRulesSection>>>,
}

/// `[latency]`: request-level simulation settings.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySection {
    /// Simulated time measured per replication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    /// Warm-up discarded per replication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<Duration>,
    /// `round-robin`, `least-request` or `random`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancing: Option<LoadBalancing>,
    /// Network latency within a node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_node: Option<Spanned<DistSection>>,
    /// Network latency within a zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_zone: Option<Spanned<DistSection>>,
    /// Network latency across zones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_zone: Option<Spanned<DistSection>>,
    /// Network latency between clusters of `[[clusters]]` (every pair not in `between`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_cluster: Option<Spanned<DistSection>>,
    /// Cluster pairs with a network latency of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<Vec<Spanned<BetweenSection>>>,
    /// Where a call to a Service that several clusters back goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<Spanned<LocalityKind>>,
    /// Under `prefer-local`, the share of calls sent to the other clusters anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_cluster_share: Option<Spanned<f64>>,
    /// Warn when a proxy runs above this utilisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilisation_warning: Option<Spanned<f64>>,
    /// Play schedules longer than `duration` compressed into it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compress_schedules: Option<bool>,
    /// Share each node's cores between processing and proxy workers (processor sharing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_contention: Option<bool>,
}

/// `[[latency.between]]`: the network round trip between two clusters.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BetweenSection {
    /// The two clusters.
    pub clusters: Spanned<Vec<Spanned<String>>>,
    /// Their round trip.
    pub delay: Spanned<DistSection>,
}

/// `[[traffic]]`: an arrival process at an entry service.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSection {
    /// Entry workload.
    pub service: Spanned<String>,
    /// Calling workload (its replicas in turn); omit for clients outside the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Spanned<String>>,
    /// `poisson`, `schedule`, `mmpp`, `trace` or `closed`.
    pub arrival: ArrivalKind,
    /// Closed loop: concurrent clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections: Option<Spanned<i64>>,
    /// Closed loop: pause between an answer and the client's next request (default 0s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think: Option<Duration>,
    /// Rate, per second (poisson).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Spanned<f64>>,
    /// Piecewise-constant schedule: `[{ at = "0s", rate = 100 }, …]`, repeating every `period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Vec<Spanned<ScheduleStep>>>,
    /// Length of one schedule cycle (default: the last step's end = total duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Duration>,
    /// MMPP: rate in each of the two states, per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rates: Option<Spanned<Vec<f64>>>,
    /// MMPP: mean time spent in each state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_durations: Option<Spanned<Vec<Duration>>>,
    /// Trace: CSV path, relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Spanned<String>>,
    /// Trace: timestamp column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Trace: rate multiplier (2 = twice as fast).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Spanned<f64>>,
    /// Label of the call graph rooted here in latency outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One step of a rate schedule.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScheduleStep {
    /// Start of the step.
    pub at: Duration,
    /// Rate, per second.
    pub rate: f64,
}

/// `[autoscaling]`: the fleet over time.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscalingSection {
    /// Simulated time.
    pub horizon: Spanned<Duration>,
    /// HPA sync period (default 15s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpa_sync: Option<Spanned<Duration>>,
    /// Timeline sampling interval (default 1m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<Spanned<Duration>>,
    /// istiod scaled by its HPA (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istiod_hpa: Option<bool>,
    /// Each waypoint's HPA (default: none, fixed replicas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint_hpa: Option<Spanned<HpaSection>>,
    /// The cluster autoscaler's flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_autoscaler: Option<ClusterAutoscalerSection>,
    /// Per pool name: its autoscaling bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pools: Option<BTreeMap<String, Spanned<PoolScalingSection>>>,
    /// Per workload name: its HPA, readiness and load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workloads: Option<BTreeMap<String, Spanned<WorkloadScalingSection>>>,
}

/// `[autoscaling.cluster_autoscaler]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClusterAutoscalerSection {
    /// `--scan-interval` (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_interval: Option<Spanned<Duration>>,
    /// `--scale-down-utilization-threshold` (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization_threshold: Option<Spanned<f64>>,
    /// `--scale-down-gpu-utilization-threshold` (default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_utilization_threshold: Option<Spanned<f64>>,
    /// `--scale-down-unneeded-time` (default 10m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unneeded_time: Option<Spanned<Duration>>,
    /// `--scale-down-delay-after-add` (default 10m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_after_add: Option<Spanned<Duration>>,
}

/// `[autoscaling.pools.NAME]`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PoolScalingSection {
    /// Fewest nodes.
    pub min: Spanned<i64>,
    /// Most nodes.
    pub max: Spanned<i64>,
    /// From the autoscaler's request to the node's joining (default 2m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning: Option<Spanned<Duration>>,
}

/// An HPA (`autoscaling/v2`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HpaSection {
    /// `minReplicas`.
    pub min: Spanned<i64>,
    /// `maxReplicas`.
    pub max: Spanned<i64>,
    /// `resource` (default) or `container-resource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<HpaMetricKind>,
    /// Target CPU utilisation, percent of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_utilization: Option<Spanned<i64>>,
    /// Target average CPU per pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_average_value: Option<Spanned<Cpu>>,
    /// Tolerance (default 0.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Spanned<f64>>,
    /// `behavior.scaleUp.stabilizationWindowSeconds` (default 0s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_up_stabilization: Option<Spanned<Duration>>,
    /// `behavior.scaleDown.stabilizationWindowSeconds` (default 5m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_down_stabilization: Option<Spanned<Duration>>,
}

/// `[autoscaling.workloads.NAME]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkloadScalingSection {
    /// Its HPA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpa: Option<Spanned<HpaSection>>,
    /// From a pod's binding to its readiness (default 0s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Spanned<Duration>>,
    /// Its load over time (default: replicas × rps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<Spanned<LoadSection>>,
}

/// A load over time: a constant `rate`, a `schedule`, or a `trace`; optionally times a
/// `profile` of factors.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LoadSection {
    /// Constant rate, requests per second over all replicas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Spanned<f64>>,
    /// Piecewise-constant rate: `[{ at = "0s", rate = 100 }, …]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Vec<Spanned<ScheduleStep>>>,
    /// Trace: CSV path, relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Spanned<String>>,
    /// Trace: timestamp column (default `TIMESTAMP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Trace: rate multiplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Spanned<f64>>,
    /// Trace: bin width (default 1m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<Spanned<Duration>>,
    /// Repeat period of the schedule or trace (default: none — played once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Spanned<Duration>>,
    /// Factors the load is multiplied by: `[{ at = "0h", factor = 0.3 }, …]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Vec<Spanned<ProfileStep>>>,
    /// Repeat period of the profile (default 24h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_period: Option<Spanned<Duration>>,
}

/// One step of a load profile.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfileStep {
    /// Start of the step.
    pub at: Duration,
    /// Factor the load is multiplied by.
    pub factor: f64,
}

fn no_requests() -> Spanned<RequestSection> {
    Spanned::new(0..0, RequestSection::default())
}
