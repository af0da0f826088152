//! istiod after its HPA: scaled to the CPU its connected proxies need, with extra replicas placed
//! where they fit.

use super::place::MESH_PRIORITY;
use super::requests::deployment;
use super::{Component, ModeRun};
use crate::cluster::Replicas;
use crate::mesh::{self, MeshConfig};
use crate::scheduler::{Group, Scheduler};

/// Proxies of `run` that connect to an istiod: sidecars, ztunnels, waypoints and east-west
/// gateways.
pub(super) fn connected_proxies(run: &ModeRun) -> u64 {
    [
        Component::Sidecar,
        Component::Ztunnel,
        Component::Waypoint,
        Component::EastWestGateway,
    ]
    .iter()
    .map(|c| run.costs.get(c).map_or(0, |x| x.count))
    .sum()
}

/// Scales istiod to its connected proxies — this cluster's, plus those of remote clusters it
/// serves — (data-plane costs must be accounted already) and accounts it in `run.costs`.
pub(super) fn scale(run: &mut ModeRun, sched: &mut Scheduler, m: &MeshConfig) {
    let proxies = connected_proxies(run) + m.remote.served_proxies;
    let cp = &m.costs.istiod;
    let total = cp.base + cp.per_proxy * proxies as f64;
    let want = mesh::hpa_replicas(cp, total.cpu_milli);
    let have = run.istiod_nodes.len() as u32;
    if want > have {
        let extra = sched.place_groups(&[Group {
            spec: deployment(cp.request),
            replicas: Replicas::Count(want - have),
            priority: MESH_PRIORITY,
        }]);
        if extra[0].pending > 0 {
            run.mesh_pending.push((
                Component::Istiod,
                extra[0].pending,
                extra[0].reason.clone().unwrap_or_default(),
            ));
        }
        run.istiod_nodes.extend_from_slice(&extra[0].nodes);
        run.nodes = sched.node_usage();
    }
    let n = run.istiod_nodes.len() as u64;
    if n > 0 {
        let e = run.costs.entry(Component::Istiod).or_default();
        e.count = n;
        e.request = cp.request * n;
        e.usage = total;
    }
}
