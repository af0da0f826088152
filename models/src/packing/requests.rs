//! What each mesh pod requests in one placement pass: chart defaults (with per-workload
//! overrides), or right-sized from the modelled usage of a first pass.

use std::collections::BTreeMap;

use super::ModeRun;
use super::loads::{Loads, rps_of};
use crate::cluster::{Cluster, Toleration, Workload};
use crate::mesh::{self, MeshConfig, NamespaceMode};
use crate::resources::{Resources, Usage};
use crate::scheduler::PodSpec;

/// How requests are set for one placement pass.
#[derive(Clone, Debug, Default)]
pub(super) struct SizedRequests {
    /// Per workload: sidecar request (when it has one).
    pub sidecar: Vec<Option<Resources>>,
    pub ztunnel: Option<Resources>,
    pub cilium: Option<Resources>,
    /// Per namespace.
    pub waypoint: BTreeMap<String, Resources>,
}

/// The pod of one replica of `w`, with its sidecar (if any).
pub(super) fn workload_spec(w: &Workload, sidecar: Option<Resources>) -> PodSpec {
    PodSpec {
        requests: w.requests + sidecar.unwrap_or(Resources::ZERO),
        node_selector: w.node_selector.clone(),
        tolerations: w.tolerations.clone(),
        max_per_node: w.max_per_node,
        gpu_models: Vec::new(),
    }
}

/// A DaemonSet pod that tolerates every taint (ztunnel's and istio-cni's charts).
pub(super) fn everywhere(requests: Resources) -> PodSpec {
    PodSpec {
        requests,
        tolerations: vec![Toleration::everything()],
        ..Default::default()
    }
}

/// A plain Deployment pod (istiod, waypoints).
pub(super) fn deployment(requests: Resources) -> PodSpec {
    PodSpec {
        requests,
        ..Default::default()
    }
}

pub(super) fn chart_defaults(
    cluster: &Cluster,
    m: &MeshConfig,
    ns_modes: &[NamespaceMode],
) -> SizedRequests {
    let mut s = SizedRequests {
        sidecar: cluster
            .workloads
            .iter()
            .zip(ns_modes)
            .map(|(w, ns)| m.sidecar_costs(*ns).map(|c| mesh::sidecar_request(c, w)))
            .collect(),
        ..Default::default()
    };
    if ns_modes.iter().any(|n| n.uses_ztunnel()) {
        s.ztunnel = Some(m.costs.ztunnel.request);
    }
    if ns_modes.contains(&NamespaceMode::Cilium) {
        s.cilium = Some(m.costs.cilium_agent.request);
    }
    for (w, ns) in cluster.workloads.iter().zip(ns_modes) {
        if *ns == NamespaceMode::AmbientWaypoint {
            s.waypoint
                .insert(w.namespace.clone(), m.costs.waypoint.request);
        }
    }
    s
}

pub(super) fn right_sized(
    cluster: &Cluster,
    m: &MeshConfig,
    ns_modes: &[NamespaceMode],
    first: &ModeRun,
    headroom: f64,
) -> SizedRequests {
    let loads = Loads::new(cluster, m, first, ns_modes);
    let mut s = chart_defaults(cluster, m, ns_modes);
    for (i, (w, ns)) in cluster.workloads.iter().zip(ns_modes).enumerate() {
        if let Some(c) = m.sidecar_costs(*ns) {
            let u = mesh::workload_sidecar_usage(
                c,
                loads.sidecar_visibility(cluster, m, i),
                rps_of(w),
                w,
                *ns,
            );
            // Explicit per-workload overrides win over right-sizing.
            let mut r = mesh::right_size(u, headroom);
            r.cpu_milli = w.sidecar.cpu_request_milli.unwrap_or(r.cpu_milli);
            r.memory_bytes = w.sidecar.memory_request_bytes.unwrap_or(r.memory_bytes);
            s.sidecar[i] = Some(r);
        }
    }
    let max_node_usage = |costs: &mesh::NodeProxyCosts, nodes: &[crate::ids::NodeId]| {
        nodes
            .iter()
            .map(|&n| mesh::node_proxy_usage(costs, loads.node_load(n)))
            .fold(Usage::default(), |a, u| Usage {
                cpu_milli: a.cpu_milli.max(u.cpu_milli),
                memory_bytes: a.memory_bytes.max(u.memory_bytes),
            })
    };
    if s.ztunnel.is_some() {
        s.ztunnel = Some(mesh::right_size(
            max_node_usage(&m.costs.ztunnel, &first.ztunnel_nodes),
            headroom,
        ));
    }
    if s.cilium.is_some() {
        s.cilium = Some(mesh::right_size(
            max_node_usage(&m.costs.cilium_agent, &first.cilium_nodes),
            headroom,
        ));
    }
    for (ns, req) in s.waypoint.iter_mut() {
        let wp = first.waypoints.iter().find(|w| &w.namespace == ns);
        let replicas = wp.map_or(1, |w| w.nodes.len().max(1)) as f64;
        let u = mesh::waypoint_usage(
            &m.costs.waypoint,
            &m.costs.sidecar,
            loads.namespace_visibility(cluster, m, ns),
            loads.namespace_rps(cluster, ns) / replicas,
        );
        *req = mesh::right_size(u, headroom);
    }
    s
}
