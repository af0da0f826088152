//! The fleet and what runs on it: node pools, workloads (Deployment-like groups) and DaemonSets.

use std::collections::BTreeMap;

use crate::resources::{Resources, Usage};
pub use crate::topology::{ControlPlane, Member};

/// What a taint does to pods that do not tolerate it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum TaintEffect {
    /// New pods are not scheduled on the node.
    NoSchedule,
    /// The scheduler avoids the node when it can (a scoring matter; never filters).
    PreferNoSchedule,
    /// New pods are not scheduled and running ones are evicted.
    NoExecute,
}
crate::named_enum!(TaintEffect, "taint effect");

/// A node taint.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Taint {
    /// Taint key, e.g. `nvidia.com/gpu`.
    pub key: String,
    /// Taint value (may be empty).
    pub value: String,
    /// Effect.
    pub effect: TaintEffect,
}

/// How a toleration matches a taint's value.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum TolerationOperator {
    /// Key and value must be equal.
    Equal,
    /// Key must be equal (or the toleration's key empty: every key); value ignored.
    Exists,
}
crate::named_enum!(TolerationOperator, "toleration operator");

/// A pod toleration, with Kubernetes semantics.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Toleration {
    /// Key to match; `None` with `Exists` tolerates every taint.
    pub key: Option<String>,
    /// Matching operator.
    pub operator: TolerationOperator,
    /// Value for `Equal`.
    pub value: String,
    /// Effect to match; `None` matches every effect.
    pub effect: Option<TaintEffect>,
}

impl Toleration {
    /// Tolerates every taint (`operator: Exists` with no key), as ztunnel's chart does.
    pub fn everything() -> Self {
        Toleration {
            key: None,
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: None,
        }
    }

    /// Whether this toleration tolerates `taint` (Kubernetes `Toleration.ToleratesTaint`).
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(e) = self.effect
            && e != taint.effect
        {
            return false;
        }
        match (&self.key, self.operator) {
            (None, TolerationOperator::Exists) => true,
            (None, TolerationOperator::Equal) => false,
            (Some(k), _) if *k != taint.key => false,
            (Some(_), TolerationOperator::Exists) => true,
            (Some(_), TolerationOperator::Equal) => self.value == taint.value,
        }
    }
}

/// The first taint with a filtering effect that none of `tolerations` tolerates.
pub fn untolerated_taint<'a>(taints: &'a [Taint], tolerations: &[Toleration]) -> Option<&'a Taint> {
    taints.iter().find(|t| {
        t.effect != TaintEffect::PreferNoSchedule && !tolerations.iter().any(|tol| tol.tolerates(t))
    })
}

/// Whether every `selector` label is present on the node with the same value.
pub fn selector_matches(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A group of identical nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct NodePool {
    /// Pool name, unique in the fleet.
    pub name: String,
    /// Number of nodes.
    pub count: u32,
    /// Node capacity: CPU, memory and whole GPUs (`gpu_milli` unused).
    pub capacity: Resources,
    /// Maximum pods per node (kubelet `maxPods`, 110 by default).
    pub max_pods: u32,
    /// CPU and memory reserved for Kubernetes daemons (`kube-reserved`).
    pub kube_reserved: Resources,
    /// CPU and memory reserved for the OS (`system-reserved`).
    pub system_reserved: Resources,
    /// Hard eviction threshold on memory (`memory.available`, 100Mi by default), bytes.
    pub eviction_threshold_bytes: u64,
    /// GPU model (e.g. `H100-80GB`), if the nodes have GPUs.
    pub gpu_model: Option<String>,
    /// Memory per GPU, bytes (0 if unknown or no GPUs).
    pub gpu_memory_bytes: u64,
    /// Node labels.
    pub labels: BTreeMap<String, String>,
    /// Node taints.
    pub taints: Vec<Taint>,
    /// Zones the nodes are spread over, round-robin (at least one).
    pub zones: Vec<String>,
    /// On-demand price per node-hour, USD.
    pub price_per_hour_usd: f64,
    /// Index of its cluster in [`Cluster::members`] (0 in a single-cluster fleet).
    pub member: usize,
}

impl NodePool {
    /// A pool of `count` nodes with `capacity`, 110 max pods, nothing reserved, no eviction
    /// threshold, no labels or taints, one zone and no price — a starting point for code that
    /// builds fleets (scenario files apply their own documented defaults).
    pub fn new(name: &str, count: u32, capacity: Resources) -> Self {
        NodePool {
            name: name.into(),
            count,
            capacity,
            max_pods: 110,
            kube_reserved: Resources::ZERO,
            system_reserved: Resources::ZERO,
            eviction_threshold_bytes: 0,
            gpu_model: None,
            gpu_memory_bytes: 0,
            labels: BTreeMap::new(),
            taints: Vec::new(),
            zones: vec!["zone-a".into()],
            price_per_hour_usd: 0.0,
            member: 0,
        }
    }

    /// What the scheduler may hand out on one node: capacity minus kube-reserved, system-reserved
    /// and (for memory) the eviction threshold.
    pub fn allocatable(&self) -> Resources {
        let reserved = self.kube_reserved + self.system_reserved;
        let mut a = self.capacity.saturating_sub(reserved);
        a.memory_bytes = a.memory_bytes.saturating_sub(self.eviction_threshold_bytes);
        a.gpu_milli = 0;
        a
    }

    /// Monthly cost of `nodes` nodes of this pool, USD.
    pub fn monthly_cost_usd(&self, nodes: u32) -> f64 {
        f64::from(nodes) * self.price_per_hour_usd * crate::resources::HOURS_PER_MONTH
    }

    /// Zone of the `i`-th node of the pool.
    pub fn zone_of(&self, i: u32) -> usize {
        if self.zones.is_empty() {
            0
        } else {
            i as usize % self.zones.len()
        }
    }
}

/// How many replicas a workload wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replicas {
    /// Exactly this many.
    Count(u32),
    /// As many as fit: "how many inference replicas can this fleet hold?"
    Fill,
}

/// Per-workload overrides of the injected sidecar's resources, as the
/// `sidecar.istio.io/proxyCPU`, `proxyMemory`, `proxyCPULimit` and `proxyMemoryLimit`
/// annotations do.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SidecarOverride {
    /// CPU request, millicores.
    pub cpu_request_milli: Option<u64>,
    /// Memory request, bytes.
    pub memory_request_bytes: Option<u64>,
    /// CPU limit, millicores.
    pub cpu_limit_milli: Option<u64>,
    /// Memory limit, bytes.
    pub memory_limit_bytes: Option<u64>,
    /// Measured usage of one Istio sidecar of this workload (from `meshsim audit`); replaces the
    /// modelled usage wherever the workload runs in sidecar mode.
    pub usage: Option<crate::resources::Usage>,
}

/// A Deployment-like group of identical replicas, each also a Service.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Name, unique in the scenario.
    pub name: String,
    /// Namespace (decides the mesh mode in mixed clusters).
    pub namespace: String,
    /// Replica count or `Fill`.
    pub replicas: Replicas,
    /// Container requests per replica (without any sidecar).
    pub requests: Resources,
    /// Container limits per replica (CPU, memory; 0 = none).
    pub limits: Resources,
    /// What one replica actually uses (without any sidecar).
    pub usage: Usage,
    /// Requests per second each replica serves.
    pub rps_per_replica: f64,
    /// Requests per second each replica sends to other services.
    pub outbound_rps_per_replica: f64,
    /// Open connections each replica holds (inbound plus outbound).
    pub connections_per_replica: f64,
    /// New connections per second each replica opens or accepts.
    pub new_connections_per_second: f64,
    /// Service ports (Envoy clusters = services × ports).
    pub ports: u32,
    /// Required node labels.
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations.
    pub tolerations: Vec<Toleration>,
    /// At most this many replicas on one node.
    pub max_per_node: Option<u32>,
    /// Scheduling priority: higher goes first. (meshsim does not preempt.)
    pub priority: i32,
    /// Counts as an inference replica in the headline results.
    pub inference: bool,
    /// Sidecar resource overrides for this workload's pods.
    pub sidecar: SidecarOverride,
    /// Whether the workload's pods join the mesh where their namespace does (`false`: opted out,
    /// e.g. `sidecar.istio.io/inject: "false"`, or a gateway that is a proxy of its own).
    pub meshed: bool,
    /// Index of its cluster in [`Cluster::members`] (0 in a single-cluster fleet).
    pub member: usize,
    /// The Service it backs when that is not named after it: workloads of one namespace in
    /// several clusters that back one Service are one Service to Istio (one Envoy cluster
    /// with the endpoints of all of them).
    pub service: Option<String>,
}

impl Workload {
    /// The Service it backs: [`Workload::service`], or its own name.
    pub fn service_name(&self) -> &str {
        self.service.as_deref().unwrap_or(&self.name)
    }

    /// A workload with `requests` per replica, usage equal to its requests, one service port, no
    /// traffic, no placement constraints and priority 0.
    pub fn new(name: &str, namespace: &str, replicas: Replicas, requests: Resources) -> Self {
        Workload {
            name: name.into(),
            namespace: namespace.into(),
            replicas,
            requests,
            limits: Resources::ZERO,
            usage: Usage {
                cpu_milli: requests.cpu_milli as f64,
                memory_bytes: requests.memory_bytes as f64,
            },
            rps_per_replica: 0.0,
            outbound_rps_per_replica: 0.0,
            connections_per_replica: 0.0,
            new_connections_per_second: 0.0,
            ports: 1,
            node_selector: BTreeMap::new(),
            tolerations: Vec::new(),
            max_per_node: None,
            priority: 0,
            inference: requests.wants_gpu(),
            sidecar: SidecarOverride::default(),
            meshed: true,
            member: 0,
            service: None,
        }
    }
}

/// A DaemonSet: one pod on every eligible node.
#[derive(Clone, Debug, PartialEq)]
pub struct DaemonSet {
    /// Name, unique in the scenario.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Requests per pod.
    pub requests: Resources,
    /// Usage per pod.
    pub usage: Usage,
    /// Required node labels.
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations.
    pub tolerations: Vec<Toleration>,
    /// Index of its cluster in [`Cluster::members`] (0 in a single-cluster fleet).
    pub member: usize,
}

/// The fleet and everything that runs on it, before any mesh is applied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cluster {
    /// Node pools.
    pub pools: Vec<NodePool>,
    /// Workloads.
    pub workloads: Vec<Workload>,
    /// DaemonSets that are not part of the mesh (kube-proxy, CNI, monitoring, GPU plugin …).
    pub daemonsets: Vec<DaemonSet>,
    /// The Kubernetes clusters the fleet spans, when more than one (`[[clusters]]`); empty or a
    /// single entry is one cluster, placed and reported as such. Pools, workloads and DaemonSets
    /// name theirs by index.
    pub members: Vec<Member>,
}

impl Cluster {
    /// Total nodes.
    pub fn node_count(&self) -> u64 {
        self.pools.iter().map(|p| u64::from(p.count)).sum()
    }

    /// Whether the fleet spans several clusters (each placed on its own pools).
    pub fn is_multicluster(&self) -> bool {
        self.members.len() > 1
    }

    /// Monthly cost of the fleet as given, USD.
    pub fn monthly_cost_usd(&self) -> f64 {
        self.pools.iter().map(|p| p.monthly_cost_usd(p.count)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{GIB, MIB};

    fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect,
        }
    }

    #[test]
    fn toleration_semantics_follow_kubernetes() {
        let gpu = taint("nvidia.com/gpu", "present", TaintEffect::NoSchedule);
        let eq = Toleration {
            key: Some("nvidia.com/gpu".into()),
            operator: TolerationOperator::Equal,
            value: "present".into(),
            effect: Some(TaintEffect::NoSchedule),
        };
        assert!(eq.tolerates(&gpu));
        let wrong_value = Toleration {
            value: "absent".into(),
            ..eq.clone()
        };
        assert!(!wrong_value.tolerates(&gpu));
        let exists_any_effect = Toleration {
            key: Some("nvidia.com/gpu".into()),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: None,
        };
        assert!(exists_any_effect.tolerates(&gpu));
        let wrong_effect = Toleration {
            effect: Some(TaintEffect::NoExecute),
            ..exists_any_effect.clone()
        };
        assert!(!wrong_effect.tolerates(&gpu));
        assert!(Toleration::everything().tolerates(&gpu));
        // PreferNoSchedule never filters.
        let soft = [taint("x", "", TaintEffect::PreferNoSchedule)];
        assert!(untolerated_taint(&soft, &[]).is_none());
        assert_eq!(
            untolerated_taint(std::slice::from_ref(&gpu), &[]),
            Some(&gpu)
        );
    }

    #[test]
    fn allocatable_subtracts_reservations_and_eviction() {
        let p = NodePool {
            name: "gpu".into(),
            count: 1,
            capacity: Resources {
                cpu_milli: 96_000,
                memory_bytes: 384 * GIB,
                gpus: 8,
                gpu_milli: 0,
            },
            max_pods: 110,
            kube_reserved: Resources::cpu_mem(500, GIB),
            system_reserved: Resources::cpu_mem(500, GIB),
            eviction_threshold_bytes: 100 * MIB,
            gpu_model: None,
            gpu_memory_bytes: 0,
            labels: BTreeMap::new(),
            taints: vec![],
            zones: vec!["a".into()],
            price_per_hour_usd: 10.0,
            member: 0,
        };
        let a = p.allocatable();
        assert_eq!(a.cpu_milli, 95_000);
        assert_eq!(a.memory_bytes, 382 * GIB - 100 * MIB);
        assert_eq!(a.gpus, 8);
        assert!((p.monthly_cost_usd(2) - 14_600.0).abs() < 1e-9);
    }
}
