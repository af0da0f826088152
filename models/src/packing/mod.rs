//! One mesh mode applied to a cluster: which pods exist, where they land, and what the mesh costs.
//!
//! [`evaluate`] expands the cluster under a mode — sidecars added to meshed pods' requests, mesh
//! DaemonSets (ztunnel, istio-cni, Cilium agent), waypoints and istiod (`requests.rs`) — places
//! everything with the [`Scheduler`](crate::scheduler::Scheduler) (`place.rs`), and accounts the
//! mesh's requests and modelled usage per component (`accounting.rs`, from the loads of
//! `loads.rs`). After placement istiod is scaled by its HPA to the CPU its connected proxies need,
//! as it would be in a running cluster (`istiod.rs`).
//!
//! Placement order: mesh DaemonSets (ztunnel and istio-cni are `system-node-critical`), then the
//! scenario's DaemonSets, then istiod and waypoints (installed before the workloads they serve),
//! then workloads by priority.
//!
//! With the right-sized request policy, placement runs twice: once with chart defaults to learn
//! each proxy's load, then with requests set to modelled usage × headroom.

mod accounting;
mod istiod;
mod loads;
mod members;
mod place;
mod requests;

use std::collections::BTreeMap;

use crate::cluster::Cluster;
use crate::ids::NodeId;
use crate::mesh::{MeshConfig, MeshMode, NamespaceMode, RequestPolicy};
use crate::resources::{Resources, Usage};
use crate::scheduler::{Failure, NodeUsage, Outcome, Probe, SchedulerConfig};

pub use loads::rps_of;
pub use members::{MAX_ROUNDS, MemberRun, Part, part};

/// A component of the mesh's footprint.
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
    strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Component {
    /// Istio sidecar (per pod).
    Sidecar,
    /// Linkerd proxy (per pod).
    LinkerdProxy,
    /// ztunnel (per node).
    Ztunnel,
    /// Cilium agent (per node).
    CiliumAgent,
    /// Waypoint replica (per namespace).
    Waypoint,
    /// East-west gateway replica (per cluster of a multicluster fleet).
    EastWestGateway,
    /// istio-cni node agent (per node).
    IstioCni,
    /// istiod replica.
    Istiod,
}

crate::named_enum!(Component, "mesh component");

impl Component {
    /// Whether it is a proxy on the data path (as opposed to a node helper or control plane).
    pub fn is_proxy(self) -> bool {
        matches!(
            self,
            Component::Sidecar
                | Component::LinkerdProxy
                | Component::Ztunnel
                | Component::CiliumAgent
                | Component::Waypoint
                | Component::EastWestGateway
        )
    }

    /// Whether it counts in "proxy + mesh DaemonSet" totals (everything but the control plane).
    pub fn is_data_plane(self) -> bool {
        self != Component::Istiod
    }
}

/// Instances, total request and total modelled usage of one component.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ComponentCost {
    /// Placed instances.
    pub count: u64,
    /// Sum of requests.
    pub request: Resources,
    /// Sum of modelled usage.
    pub usage: Usage,
}

/// A waypoint's placement.
#[derive(Clone, Debug, PartialEq)]
pub struct WaypointPlacement {
    /// Namespace it serves.
    pub namespace: String,
    /// Nodes of its replicas.
    pub nodes: Vec<NodeId>,
    /// Its cluster, in [`Cluster::members`] (0 for one cluster).
    pub member: usize,
}

/// Everything one mode produced.
#[derive(Clone, Debug)]
pub struct ModeRun {
    /// The mode.
    pub mode: MeshMode,
    /// Mesh mode of each workload's namespace, in workload order.
    pub namespace_modes: Vec<NamespaceMode>,
    /// Placement of each workload, in workload order.
    pub workloads: Vec<Outcome>,
    /// Placement of each of the scenario's DaemonSets, in order.
    pub daemonsets: Vec<Outcome>,
    /// Nodes running ztunnel (empty if none).
    pub ztunnel_nodes: Vec<NodeId>,
    /// Nodes running the Cilium agent.
    pub cilium_nodes: Vec<NodeId>,
    /// Placement of mesh pods that did not fit: `(component, pending, reason)`.
    pub mesh_pending: Vec<(Component, u64, String)>,
    /// Waypoints.
    pub waypoints: Vec<WaypointPlacement>,
    /// istiod replicas' nodes.
    pub istiod_nodes: Vec<NodeId>,
    /// East-west gateway replicas' nodes (a multicluster fleet's clusters only).
    pub gateway_nodes: Vec<NodeId>,
    /// Per component.
    pub costs: BTreeMap<Component, ComponentCost>,
    /// Sidecar request per workload (zero without a sidecar).
    pub sidecar_requests: Vec<Resources>,
    /// Per node, what it holds.
    pub nodes: Vec<NodeUsage>,
    /// Per pool: nodes where one more replica of the primary inference workload fits, and the
    /// failure sets elsewhere.
    pub inference_probe: Option<Probe>,
    /// Per pool: unallocated GPU capacity (thousandths) by what blocks one more inference replica.
    pub idle_gpus: Vec<BTreeMap<Failure, u64>>,
    /// Per member cluster of a multicluster fleet, in [`Cluster::members`] order (empty for one
    /// cluster).
    pub members: Vec<MemberRun>,
}

/// The primary inference workload: the first flagged `inference`.
pub fn primary_inference(cluster: &Cluster) -> Option<usize> {
    cluster.workloads.iter().position(|w| w.inference)
}

/// Evaluates one mode: places everything and accounts the mesh's costs. The scheduler's tie
/// breaks come from the `scheduler` stream of `seed`, the same for every mode. A fleet of several
/// clusters is placed member by member (`members.rs`).
pub fn evaluate(
    cluster: &Cluster,
    mesh_cfg: &MeshConfig,
    mode: MeshMode,
    sched: SchedulerConfig,
    seed: u64,
) -> ModeRun {
    if cluster.is_multicluster() {
        members::evaluate(cluster, mesh_cfg, mode, sched, seed)
    } else {
        evaluate_one(cluster, mesh_cfg, mode, sched, seed)
    }
}

/// [`evaluate`] for one cluster.
fn evaluate_one(
    cluster: &Cluster,
    mesh_cfg: &MeshConfig,
    mode: MeshMode,
    sched: SchedulerConfig,
    seed: u64,
) -> ModeRun {
    let ns_modes: Vec<NamespaceMode> = cluster
        .workloads
        .iter()
        .map(|w| mesh_cfg.workload_mode(mode, w))
        .collect();
    let defaults = requests::chart_defaults(cluster, mesh_cfg, &ns_modes);
    let run_with = |req: &requests::SizedRequests| {
        let mut placed = place::place(cluster, mesh_cfg, sched, seed, &ns_modes, req);
        let mut run = placed.run(mode, &ns_modes, req);
        let loads = loads::Loads::new(cluster, mesh_cfg, &run, &ns_modes);
        accounting::data_plane(&mut run, cluster, mesh_cfg, req, &loads, &placed.cni_nodes);
        if placed.istio_in_use {
            istiod::scale(&mut run, &mut placed.sched, mesh_cfg);
        }
        place::probe_inference(&mut run, &placed.sched, cluster, req);
        run
    };
    match mesh_cfg.request_policy {
        RequestPolicy::ChartDefaults => run_with(&defaults),
        RequestPolicy::RightSized { headroom } => {
            let first = run_with(&defaults);
            let sized = requests::right_sized(cluster, mesh_cfg, &ns_modes, &first, headroom);
            run_with(&sized)
        }
    }
}
