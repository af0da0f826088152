//! Packing over time: pods arrive and depart, the incremental scheduler places each with a
//! policy, and the cluster's GPU allocation and fragmentation are logged after every event.
//!
//! Two protocols drive the arrivals ([`protocol`]):
//! - **FGD** (the FGD study's experiment, Weng et al., USENIX ATC'23): the pods in a seeded
//!   random order, then pods drawn with replacement until the GPUs asked for reach a target
//!   share of capacity (130 %); nobody departs, a pod that fits nowhere fails and is not
//!   retried.
//! - **Trace**: each pod arrives at its creation time and departs at its deletion time, as the
//!   openb trace records them; a pod that fits nowhere fails (or, with `retry`, waits and is
//!   tried again whenever a pod departs).
//!
//! The events run on the `meshsim-core` engine ([`dynamics`]); [`report`] turns the log into the
//! study's curves (GPU allocation against arrived GPU requests, both as % of capacity) and
//! medians over seeds. A mesh overlay adds a sidecar to every pod or node agents (ztunnel,
//! istio-cni) to every node, so the same replay shows what the mesh costs in GPU allocation.

pub mod dynamics;
pub mod overlay;
pub mod protocol;
pub mod report;
pub mod study;

use std::collections::BTreeMap;

use crate::cluster::{Taint, Toleration};
use crate::resources::Resources;
use crate::scheduler::policies::Policy;

pub use dynamics::{LogLine, ReplayRun, Sample};
pub use overlay::{Overlay, OverlayKind};
pub use protocol::Protocol;

/// A node of the replayed cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplayNode {
    /// Name (the FGD protocol orders nodes by it).
    pub name: String,
    /// CPU, millicores.
    pub cpu_milli: u64,
    /// Memory, bytes.
    pub memory_bytes: u64,
    /// GPUs.
    pub gpus: u32,
    /// GPU model, if any.
    pub model: Option<String>,
    /// Labels (pods' node selectors match them; none in openb).
    pub labels: BTreeMap<String, String>,
    /// Taints (none in openb).
    pub taints: Vec<Taint>,
    /// Most pods on this node (`None`: the replay's `max_pods`).
    pub max_pods: Option<u32>,
}

/// A pod of the replayed workload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplayPod {
    /// Name (the FGD protocol orders pods by it).
    pub name: String,
    /// CPU request, millicores.
    pub cpu_milli: u64,
    /// Memory request, bytes.
    pub memory_bytes: u64,
    /// Whole GPUs (for `gpus` ≥ 1 at 1000 thousandths each).
    pub gpus: u32,
    /// Thousandths of one GPU for a pod sharing one (0 otherwise).
    pub gpu_milli: u32,
    /// GPU models it may run on (empty: any).
    pub models: Vec<String>,
    /// Creation time, seconds (the trace protocol).
    pub created_s: u64,
    /// Deletion time, seconds, if the trace records one (the trace protocol).
    pub deleted_s: Option<u64>,
    /// Required node labels (none in openb).
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations (none in openb).
    pub tolerations: Vec<Toleration>,
}

impl ReplayPod {
    /// GPU thousandths it asks for in all.
    pub fn gpu_total(&self) -> u64 {
        if self.gpus > 0 {
            u64::from(self.gpus) * 1000
        } else {
            u64::from(self.gpu_milli)
        }
    }
}

/// One replay: a cluster, a workload, how it arrives, a policy, a seed and a mesh overlay.
#[derive(Clone, Copy, Debug)]
pub struct ReplaySpec<'a> {
    /// Nodes.
    pub nodes: &'a [ReplayNode],
    /// Pods (the workload).
    pub pods: &'a [ReplayPod],
    /// Arrival protocol.
    pub protocol: Protocol,
    /// Scheduling policy.
    pub policy: Policy,
    /// Seed (the FGD protocol's order and node permutation, Random's choices).
    pub seed: u64,
    /// The mesh.
    pub overlay: &'a Overlay,
    /// Most pods per node (the study's 1,001), where a node does not say.
    pub max_pods: u32,
    /// Pods placed on every node they fit before the replay and never removed (the cluster's
    /// own DaemonSets; a mesh's node agents come with the overlay).
    pub daemonsets: &'a [DaemonSetPod],
}

/// A DaemonSet's pod in a replay.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaemonSetPod {
    /// Requests.
    pub requests: Resources,
    /// Required node labels.
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations.
    pub tolerations: Vec<Toleration>,
}

/// GPU thousandths of a cluster.
pub fn gpu_capacity(nodes: &[ReplayNode]) -> u64 {
    nodes.iter().map(|n| u64::from(n.gpus) * 1000).sum()
}
