//! What the data plane costs once placed: per component, instances, requests and modelled usage.

use std::collections::BTreeMap;

use super::loads::{Loads, rps_of};
use super::requests::SizedRequests;
use super::{Component, ComponentCost, ModeRun};
use crate::cluster::Cluster;
use crate::ids::NodeId;
use crate::mesh::{self, MeshConfig, NamespaceMode};
use crate::resources::{Resources, Usage};

fn add(
    costs: &mut BTreeMap<Component, ComponentCost>,
    c: Component,
    n: u64,
    r: Resources,
    u: Usage,
) {
    let e = costs.entry(c).or_default();
    e.count += n;
    e.request += r * n;
    e.usage += u * n as f64;
}

/// Accounts sidecars, node proxies, istio-cni and waypoints into `run.costs`.
pub(super) fn data_plane(
    run: &mut ModeRun,
    cluster: &Cluster,
    m: &MeshConfig,
    req: &SizedRequests,
    loads: &Loads,
    cni_nodes: &[NodeId],
) {
    let mut costs = BTreeMap::new();
    for (i, (w, ns)) in cluster
        .workloads
        .iter()
        .zip(&run.namespace_modes)
        .enumerate()
    {
        let Some(c) = m.sidecar_costs(*ns) else {
            continue;
        };
        let comp = if *ns == NamespaceMode::Linkerd {
            Component::LinkerdProxy
        } else {
            Component::Sidecar
        };
        let n = run.workloads[i].nodes.len() as u64;
        let u = mesh::workload_sidecar_usage(
            c,
            loads.sidecar_visibility(cluster, m, i),
            rps_of(w),
            w,
            *ns,
        );
        add(&mut costs, comp, n, run.sidecar_requests[i], u);
    }
    for (request, nodes, costs_of, comp) in [
        (
            req.ztunnel,
            &run.ztunnel_nodes,
            &m.costs.ztunnel,
            Component::Ztunnel,
        ),
        (
            req.cilium,
            &run.cilium_nodes,
            &m.costs.cilium_agent,
            Component::CiliumAgent,
        ),
    ] {
        if let Some(r) = request {
            for &n in nodes {
                let u = mesh::node_proxy_usage(costs_of, loads.node_load(n));
                add(&mut costs, comp, 1, r, u);
            }
        }
    }
    add(
        &mut costs,
        Component::IstioCni,
        cni_nodes.len() as u64,
        m.costs.istio_cni.request,
        m.costs.istio_cni.usage,
    );
    for _ in &run.gateway_nodes {
        let u = mesh::waypoint_usage(
            &m.costs.waypoint,
            &m.costs.sidecar,
            loads.mesh_visibility(cluster, m),
            0.0,
        );
        add(
            &mut costs,
            Component::EastWestGateway,
            1,
            mesh::EAST_WEST_GATEWAY_REQUEST,
            u,
        );
    }
    for wp in &run.waypoints {
        let replicas = wp.nodes.len().max(1) as f64;
        let u = mesh::waypoint_usage(
            &m.costs.waypoint,
            &m.costs.sidecar,
            loads.namespace_visibility(cluster, m, &wp.namespace),
            loads.namespace_rps(cluster, &wp.namespace) / replicas,
        );
        add(
            &mut costs,
            Component::Waypoint,
            wp.nodes.len() as u64,
            req.waypoint[&wp.namespace],
            u,
        );
    }
    run.costs = costs;
}
