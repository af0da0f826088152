//! A fleet that spans several Kubernetes clusters ([`Cluster::members`]): each member is placed on
//! its own pools by its own scheduler, in its own mode (its pin, or the compared mode), carrying
//! what it sees of the others ([`RemoteView`]); the members' runs are then merged into one run of
//! the whole fleet, indexed like the fleet's pools, workloads and DaemonSets, so that everything
//! downstream (headline, nodes at equal replicas, the day, the request simulation) reads one run.
//!
//! What a member sees of the others depends on where they placed their pods, and — with
//! right-sized requests — where a member places its pods depends on what it sees. The members are
//! placed first with an empty view, then again with the view of the previous round, until the
//! views repeat (at once with chart-default requests, where the view never moves a pod) or
//! [`MAX_ROUNDS`] rounds have run.

use std::collections::{BTreeMap, BTreeSet};

use meshsim_core::rng::RngStreams;

use super::{Component, ComponentCost, ModeRun, WaypointPlacement, evaluate_one};
use crate::cluster::Cluster;
use crate::ids::{NodeId, PodId, PoolId};
use crate::mesh::{MeshConfig, MeshMode, RemoteView, Visibility};
use crate::scheduler::{NodeUsage, Outcome, Probe, SchedulerConfig};
use crate::topology::ControlPlane;

/// Most placement rounds of a multicluster fleet.
pub const MAX_ROUNDS: u32 = 6;

/// What one member of a multicluster fleet produced.
#[derive(Clone, Debug)]
pub struct MemberRun {
    /// The member's mode in this run (its pin, or the compared mode).
    pub mode: MeshMode,
    /// Per mesh component, in this member.
    pub costs: BTreeMap<Component, ComponentCost>,
    /// What it carried of the other members.
    pub view: RemoteView,
    /// Placement rounds the fleet ran (the same for every member).
    pub rounds: u32,
    /// Whether the views had stopped changing (always, with chart-default requests); when not,
    /// the last round's placement is kept and every member's view is one round old.
    pub settled: bool,
    /// The member's own run, indexed like [`part`]'s cluster.
    pub run: Box<ModeRun>,
}

/// One member as a cluster of its own, and where its parts sit in the fleet.
#[derive(Clone, Debug)]
pub struct Part {
    /// The member's pools, workloads and DaemonSets, in fleet order.
    pub cluster: Cluster,
    /// Fleet index of each of its pools.
    pub pools: Vec<usize>,
    /// Fleet index of each of its workloads.
    pub workloads: Vec<usize>,
    /// Fleet index of each of its DaemonSets.
    pub daemonsets: Vec<usize>,
}

/// Member `k` of `fleet` as a cluster of its own.
pub fn part(fleet: &Cluster, k: usize) -> Part {
    let pools: Vec<usize> = (0..fleet.pools.len())
        .filter(|&i| fleet.pools[i].member == k)
        .collect();
    let workloads: Vec<usize> = (0..fleet.workloads.len())
        .filter(|&i| fleet.workloads[i].member == k)
        .collect();
    let daemonsets: Vec<usize> = (0..fleet.daemonsets.len())
        .filter(|&i| fleet.daemonsets[i].member == k)
        .collect();
    Part {
        cluster: Cluster {
            pools: pools.iter().map(|&i| fleet.pools[i].clone()).collect(),
            workloads: workloads
                .iter()
                .map(|&i| fleet.workloads[i].clone())
                .collect(),
            daemonsets: daemonsets
                .iter()
                .map(|&i| fleet.daemonsets[i].clone())
                .collect(),
            members: Vec::new(),
        },
        pools,
        workloads,
        daemonsets,
    }
}

/// What member `k` sees of the others, from their runs.
fn view_of(fleet: &Cluster, parts: &[Part], runs: &[ModeRun], k: usize) -> RemoteView {
    let me = &fleet.members[k];
    let mut v = RemoteView {
        control_plane_elsewhere: matches!(me.control_plane, ControlPlane::RemoteOf(_)),
        east_west_gateway: true,
        ..Default::default()
    };
    // Services this member backs, then those seen in another member: a Service several
    // clusters back is one Envoy cluster (its remote endpoints only add endpoints).
    let mut services: BTreeSet<(&str, &str)> = parts[k]
        .cluster
        .workloads
        .iter()
        .map(|w| (w.namespace.as_str(), w.service_name()))
        .collect();
    for (j, (p, run)) in parts.iter().zip(runs).enumerate() {
        if j == k {
            continue;
        }
        if fleet.members[j].control_plane == ControlPlane::RemoteOf(k) {
            v.served_proxies += super::istiod::connected_proxies(run);
        }
        v.pods += run.nodes.iter().map(|n| f64::from(n.pods)).sum::<f64>();
        let same_network = fleet.members[j].network == me.network;
        for (w, o) in p.cluster.workloads.iter().zip(&run.workloads) {
            let ports = f64::from(w.ports.max(1));
            let placed = o.nodes.len() as f64;
            let endpoints = if same_network {
                placed * ports
            } else if placed > 0.0 {
                ports
            } else {
                0.0
            };
            let e = v.namespaces.entry(w.namespace.clone()).or_default();
            if services.insert((w.namespace.as_str(), w.service_name())) {
                e.clusters += ports;
            }
            e.endpoints += endpoints;
        }
    }
    v.mesh = v
        .namespaces
        .values()
        .fold(Visibility::default(), |a, b| Visibility {
            clusters: a.clusters + b.clusters,
            endpoints: a.endpoints + b.endpoints,
        });
    v
}

/// Scheduler seed of member `k` (each member has its own scheduler).
fn member_seed(seed: u64, k: usize) -> u64 {
    RngStreams::new(seed).child_seed("cluster", k as u64)
}

/// Evaluates a multicluster fleet in `mode` (see the module docs).
pub(super) fn evaluate(
    fleet: &Cluster,
    mesh_cfg: &MeshConfig,
    mode: MeshMode,
    sched: SchedulerConfig,
    seed: u64,
) -> ModeRun {
    let parts: Vec<Part> = (0..fleet.members.len()).map(|k| part(fleet, k)).collect();
    let modes: Vec<MeshMode> = fleet.members.iter().map(|m| m.mode_in(mode)).collect();
    let place = |views: &[RemoteView]| -> Vec<ModeRun> {
        parts
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let mut m = mesh_cfg.clone();
                m.remote = views[k].clone();
                evaluate_one(&p.cluster, &m, modes[k], sched, member_seed(seed, k))
            })
            .collect()
    };
    let mut views: Vec<RemoteView> = fleet
        .members
        .iter()
        .map(|m| RemoteView {
            control_plane_elsewhere: matches!(m.control_plane, ControlPlane::RemoteOf(_)),
            east_west_gateway: true,
            ..Default::default()
        })
        .collect();
    let mut runs = place(&views);
    let mut rounds = 1;
    let settled = loop {
        let next: Vec<RemoteView> = (0..parts.len())
            .map(|k| view_of(fleet, &parts, &runs, k))
            .collect();
        if next == views {
            break true;
        }
        if rounds == MAX_ROUNDS {
            break false;
        }
        views = next;
        runs = place(&views);
        rounds += 1;
    };
    merge(fleet, &parts, runs, &views, &modes, mode, (rounds, settled))
}

/// First node of each pool, in pool order, when pools have `counts` nodes.
fn pool_starts(counts: impl Iterator<Item = u32>) -> Vec<usize> {
    let mut at = 0usize;
    counts
        .map(|c| {
            let s = at;
            at += c as usize;
            s
        })
        .collect()
}

/// The members' runs as one run of the fleet.
fn merge(
    fleet: &Cluster,
    parts: &[Part],
    runs: Vec<ModeRun>,
    views: &[RemoteView],
    modes: &[MeshMode],
    mode: MeshMode,
    (rounds, settled): (u32, bool),
) -> ModeRun {
    let fleet_starts = pool_starts(fleet.pools.iter().map(|p| p.count));
    let total_nodes: usize = fleet.pools.iter().map(|p| p.count as usize).sum();
    let mut out = ModeRun {
        mode,
        namespace_modes: vec![crate::mesh::NamespaceMode::Outside; fleet.workloads.len()],
        workloads: vec![Outcome::default(); fleet.workloads.len()],
        daemonsets: vec![Outcome::default(); fleet.daemonsets.len()],
        ztunnel_nodes: Vec::new(),
        cilium_nodes: Vec::new(),
        mesh_pending: Vec::new(),
        waypoints: Vec::new(),
        istiod_nodes: Vec::new(),
        gateway_nodes: Vec::new(),
        costs: BTreeMap::new(),
        sidecar_requests: vec![crate::resources::Resources::ZERO; fleet.workloads.len()],
        nodes: vec![NodeUsage::default(); total_nodes],
        inference_probe: None,
        idle_gpus: vec![BTreeMap::new(); fleet.pools.len()],
        members: Vec::new(),
    };
    let mut probe = Probe {
        fits: vec![0; fleet.pools.len()],
        failures: vec![BTreeMap::new(); fleet.pools.len()],
    };
    let mut any_probe = false;
    let mut pod_offset = 0u32;
    for (k, (p, run)) in parts.iter().zip(runs).enumerate() {
        let local_starts = pool_starts(p.cluster.pools.iter().map(|q| q.count));
        let node_map: Vec<NodeId> = run
            .nodes
            .iter()
            .enumerate()
            .map(|(n, u)| {
                let lp = u.pool.index();
                NodeId((fleet_starts[p.pools[lp]] + (n - local_starts[lp])) as u32)
            })
            .collect();
        let map = |v: &[NodeId]| -> Vec<NodeId> { v.iter().map(|n| node_map[n.index()]).collect() };
        for (n, u) in run.nodes.iter().enumerate() {
            out.nodes[node_map[n].index()] = NodeUsage {
                pool: PoolId(p.pools[u.pool.index()] as u32),
                ..*u
            };
        }
        let remap = |o: &Outcome| Outcome {
            nodes: map(&o.nodes),
            pods: o.pods.iter().map(|q| PodId(q.0 + pod_offset)).collect(),
            pending: o.pending,
            reason: o.reason.clone(),
        };
        for (l, &w) in p.workloads.iter().enumerate() {
            out.workloads[w] = remap(&run.workloads[l]);
            out.namespace_modes[w] = run.namespace_modes[l];
            out.sidecar_requests[w] = run.sidecar_requests[l];
        }
        for (l, &d) in p.daemonsets.iter().enumerate() {
            out.daemonsets[d] = remap(&run.daemonsets[l]);
        }
        pod_offset += run.nodes.iter().map(|u| u.pods).sum::<u32>();
        out.ztunnel_nodes.extend(map(&run.ztunnel_nodes));
        out.cilium_nodes.extend(map(&run.cilium_nodes));
        out.istiod_nodes.extend(map(&run.istiod_nodes));
        out.gateway_nodes.extend(map(&run.gateway_nodes));
        let name = &fleet.members[k].name;
        out.mesh_pending.extend(
            run.mesh_pending
                .iter()
                .map(|(c, n, why)| (*c, *n, format!("in cluster `{name}`: {why}"))),
        );
        out.waypoints
            .extend(run.waypoints.iter().map(|w| WaypointPlacement {
                namespace: w.namespace.clone(),
                nodes: map(&w.nodes),
                member: k,
            }));
        for (c, cost) in &run.costs {
            let e = out.costs.entry(*c).or_default();
            e.count += cost.count;
            e.request += cost.request;
            e.usage.cpu_milli += cost.usage.cpu_milli;
            e.usage.memory_bytes += cost.usage.memory_bytes;
        }
        if let Some(pr) = &run.inference_probe {
            any_probe = true;
            for (lp, &fp) in p.pools.iter().enumerate() {
                probe.fits[fp] = pr.fits[lp];
                probe.failures[fp] = pr.failures[lp].clone();
            }
        }
        for (lp, &fp) in p.pools.iter().enumerate() {
            if let Some(g) = run.idle_gpus.get(lp) {
                out.idle_gpus[fp] = g.clone();
            }
        }
        out.members.push(MemberRun {
            mode: modes[k],
            costs: run.costs.clone(),
            view: views[k].clone(),
            rounds,
            settled,
            run: Box::new(run),
        });
    }
    if any_probe {
        out.inference_probe = Some(probe);
    }
    out
}
