//! Placing one mode's pods, in the order a real cluster installs them: mesh DaemonSets, the
//! scenario's DaemonSets, istiod and waypoints, then workloads by priority.

use std::collections::BTreeMap;

use meshsim_core::rng::RngStreams;

use super::requests::{SizedRequests, deployment, everywhere, workload_spec};
use super::{Component, ModeRun, WaypointPlacement, primary_inference};
use crate::cluster::{Cluster, Replicas};
use crate::ids::NodeId;
use crate::mesh::{MeshConfig, MeshMode, NamespaceMode};
use crate::resources::Resources;
use crate::scheduler::{Group, Outcome, PodSpec, Scheduler, SchedulerConfig};

/// Priority given to mesh Deployments (istiod, waypoints): above any workload.
pub(super) const MESH_PRIORITY: i32 = 2_000_000_000;

/// A mode's pods, placed; the scheduler is kept for what comes after (istiod's HPA, probes).
pub(super) struct Placed {
    pub sched: Scheduler,
    pub istio_in_use: bool,
    pub ztunnel: Option<Outcome>,
    pub cilium: Option<Outcome>,
    pub cni_nodes: Vec<NodeId>,
    pub daemonsets: Vec<Outcome>,
    pub workloads: Vec<Outcome>,
    pub waypoints: Vec<WaypointPlacement>,
    pub istiod_nodes: Vec<NodeId>,
    pub gateway_nodes: Vec<NodeId>,
    pub mesh_pending: Vec<(Component, u64, String)>,
}

fn note_pending(v: &mut Vec<(Component, u64, String)>, c: Component, o: &Outcome) {
    if o.pending > 0 {
        v.push((c, o.pending, o.reason.clone().unwrap_or_default()));
    }
}

/// Places every pod of the mode (`ns_modes` per workload) with requests `req`. The scheduler's
/// tie breaks come from the `scheduler` stream of `seed`.
pub(super) fn place(
    cluster: &Cluster,
    m: &MeshConfig,
    sched_cfg: SchedulerConfig,
    seed: u64,
    ns_modes: &[NamespaceMode],
    req: &SizedRequests,
) -> Placed {
    let streams = RngStreams::new(seed);
    let mut sched = Scheduler::new(&cluster.pools, sched_cfg, streams.stream("scheduler"));
    let mut mesh_pending = Vec::new();

    // Mesh DaemonSets first.
    let ztunnel = req.ztunnel.map(|r| sched.place_daemonset(&everywhere(r)));
    if let Some(o) = &ztunnel {
        note_pending(&mut mesh_pending, Component::Ztunnel, o);
    }
    let any_sidecar_istio = ns_modes.contains(&NamespaceMode::Sidecar);
    let cni = (ztunnel.is_some() || (any_sidecar_istio && m.cni_in_sidecar_mode))
        .then(|| sched.place_daemonset(&everywhere(m.costs.istio_cni.request)));
    if let Some(o) = &cni {
        note_pending(&mut mesh_pending, Component::IstioCni, o);
    }
    let cilium = req.cilium.map(|r| sched.place_daemonset(&everywhere(r)));
    if let Some(o) = &cilium {
        note_pending(&mut mesh_pending, Component::CiliumAgent, o);
    }
    let daemonsets: Vec<Outcome> = cluster
        .daemonsets
        .iter()
        .map(|d| sched.place_daemonset(&PodSpec::of_daemonset(d)))
        .collect();

    // Control plane and waypoints, then workloads.
    // istiod runs where Istio's proxies need it: here, unless a primary elsewhere serves this
    // cluster, and in a primary whose remote clusters have proxies.
    let istio_in_use = !m.remote.control_plane_elsewhere
        && (m.remote.served_proxies > 0
            || ns_modes.iter().any(|n| {
                matches!(
                    n,
                    NamespaceMode::Sidecar
                        | NamespaceMode::Ambient
                        | NamespaceMode::AmbientWaypoint
                )
            }));
    let mut groups: Vec<Group> = Vec::new();
    if istio_in_use {
        groups.push(Group {
            spec: deployment(m.costs.istiod.request),
            replicas: Replicas::Count(m.costs.istiod.min_replicas.max(1)),
            priority: MESH_PRIORITY,
        });
    }
    // A multicluster fleet's cluster whose namespaces use Istio takes the others' traffic
    // through its east-west gateway.
    let gateway = m.remote.east_west_gateway
        && ns_modes.iter().any(|n| {
            matches!(
                n,
                NamespaceMode::Sidecar | NamespaceMode::Ambient | NamespaceMode::AmbientWaypoint
            )
        });
    if gateway {
        groups.push(Group {
            spec: deployment(crate::mesh::EAST_WEST_GATEWAY_REQUEST),
            replicas: Replicas::Count(1),
            priority: MESH_PRIORITY,
        });
    }
    let waypoint_ns: Vec<String> = req.waypoint.keys().cloned().collect();
    for ns in &waypoint_ns {
        groups.push(Group {
            spec: deployment(req.waypoint[ns]),
            replicas: Replicas::Count(m.costs.waypoint.replicas.max(1)),
            priority: MESH_PRIORITY,
        });
    }
    let first_workload = groups.len();
    for (w, s) in cluster.workloads.iter().zip(&req.sidecar) {
        groups.push(Group {
            spec: workload_spec(w, *s),
            replicas: w.replicas,
            priority: w.priority,
        });
    }
    let mut outcomes = sched.place_groups(&groups);
    let istiod_nodes = if istio_in_use {
        std::mem::take(&mut outcomes[0].nodes)
    } else {
        Vec::new()
    };
    let waypoints: Vec<WaypointPlacement> = waypoint_ns
        .iter()
        .enumerate()
        .map(|(k, ns)| {
            let o = &outcomes[usize::from(istio_in_use) + usize::from(gateway) + k];
            note_pending(&mut mesh_pending, Component::Waypoint, o);
            WaypointPlacement {
                namespace: ns.clone(),
                nodes: o.nodes.clone(),
                member: 0,
            }
        })
        .collect();
    if istio_in_use {
        note_pending(&mut mesh_pending, Component::Istiod, &outcomes[0]);
    }
    let gateway_nodes = if gateway {
        let o = &outcomes[usize::from(istio_in_use)];
        note_pending(&mut mesh_pending, Component::EastWestGateway, o);
        o.nodes.clone()
    } else {
        Vec::new()
    };
    let workloads: Vec<Outcome> = outcomes.split_off(first_workload);
    Placed {
        sched,
        istio_in_use,
        ztunnel,
        cilium,
        cni_nodes: cni.map(|o| o.nodes).unwrap_or_default(),
        daemonsets,
        workloads,
        waypoints,
        istiod_nodes,
        gateway_nodes,
        mesh_pending,
    }
}

impl Placed {
    /// The mode's run record, before accounting.
    pub fn run(
        &mut self,
        mode: MeshMode,
        ns_modes: &[NamespaceMode],
        req: &SizedRequests,
    ) -> ModeRun {
        ModeRun {
            mode,
            namespace_modes: ns_modes.to_vec(),
            workloads: std::mem::take(&mut self.workloads),
            daemonsets: std::mem::take(&mut self.daemonsets),
            ztunnel_nodes: self.ztunnel.take().map(|o| o.nodes).unwrap_or_default(),
            cilium_nodes: self.cilium.take().map(|o| o.nodes).unwrap_or_default(),
            mesh_pending: std::mem::take(&mut self.mesh_pending),
            waypoints: std::mem::take(&mut self.waypoints),
            istiod_nodes: std::mem::take(&mut self.istiod_nodes),
            gateway_nodes: std::mem::take(&mut self.gateway_nodes),
            costs: BTreeMap::new(),
            sidecar_requests: req
                .sidecar
                .iter()
                .map(|s| s.unwrap_or(Resources::ZERO))
                .collect(),
            nodes: self.sched.node_usage(),
            inference_probe: None,
            idle_gpus: Vec::new(),
            members: Vec::new(),
        }
    }
}

/// What stops the next replica of the primary inference workload, and idle GPUs by that reason.
pub(super) fn probe_inference(
    run: &mut ModeRun,
    sched: &Scheduler,
    cluster: &Cluster,
    req: &SizedRequests,
) {
    if let Some(i) = primary_inference(cluster) {
        let spec = workload_spec(&cluster.workloads[i], req.sidecar[i]);
        run.inference_probe = Some(sched.probe(&spec));
        run.idle_gpus = sched.idle_gpus(&spec);
    } else {
        // No inference workload: idle GPUs are reported with reason "none".
        run.idle_gpus = sched.idle_gpus(&deployment(Resources::ZERO));
    }
}
