//! Which namespaces to move first.
//!
//! Starting from the cluster as it is (the scenario's per-namespace modes, or all-sidecar when
//! it has none), each namespace still on per-pod proxies is moved on its own to ambient (with a
//! waypoint where the scenario gives it one) and the effect measured: inference replicas
//! gained, proxy memory and CPU requests freed, pods left pending. The node agents ambient needs
//! on every node (ztunnel and istio-cni) are a one-off cost of the first namespace moved, not a
//! cost of any namespace: each step reports them apart (`node_agents_*`) and its own figures
//! without them. Namespaces are ranked by replicas gained, then memory freed, then name; the
//! cumulative effect of migrating them in that order (node agents included, once) is measured
//! too, one placement per step.

use crate::cluster::Cluster;
use crate::mesh::{MeshConfig, MeshMode, NamespaceMode};
use crate::packing::{self, Component, ModeRun};
use crate::resources::{Resources, Usage};
use crate::scheduler::SchedulerConfig;

/// The effect of moving one namespace.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Rank (1 = move first).
    pub rank: usize,
    /// Namespace.
    pub namespace: String,
    /// Mode it is on now.
    pub from: NamespaceMode,
    /// Mode it moves to.
    pub to: NamespaceMode,
    /// Pods that lose their sidecar.
    pub pods: u64,
    /// Moved alone: data-plane requests freed, node agents left out (negative = more
    /// requested), (millicores, bytes).
    pub request_freed: (i64, i64),
    /// Moved alone: data-plane usage freed, node agents left out, (millicores, bytes).
    pub usage_freed: (f64, f64),
    /// Moved alone: requests of node agents (ztunnel, istio-cni) this move adds, (millicores,
    /// bytes) — the one-off cost of the first ambient namespace.
    pub node_agents_request: (i64, i64),
    /// Moved alone: inference replicas gained.
    pub replicas_gained: i64,
    /// Moved alone: change in pending pods.
    pub pending_change: i64,
    /// After this and every higher-ranked namespace moved: requests freed against now.
    pub cumulative_request_freed: (i64, i64),
    /// After this and every higher-ranked namespace moved: inference replicas gained.
    pub cumulative_replicas_gained: i64,
}

struct Totals {
    request: Resources,
    usage: Usage,
    agents_request: Resources,
    agents_usage: Usage,
    replicas: u64,
    pending: u64,
}

fn totals(cluster: &Cluster, run: &ModeRun) -> Totals {
    let mut request = Resources::ZERO;
    let mut usage = Usage::default();
    let mut agents_request = Resources::ZERO;
    let mut agents_usage = Usage::default();
    for (c, cost) in &run.costs {
        if c.is_data_plane() {
            request += cost.request;
            usage += cost.usage;
        }
        if matches!(c, Component::Ztunnel | Component::IstioCni) {
            agents_request += cost.request;
            agents_usage += cost.usage;
        }
    }
    Totals {
        request,
        usage,
        agents_request,
        agents_usage,
        replicas: cluster
            .workloads
            .iter()
            .zip(&run.workloads)
            .filter(|(w, _)| w.inference)
            .map(|(_, o)| o.nodes.len() as u64)
            .sum(),
        pending: run.workloads.iter().map(|o| o.pending).sum::<u64>()
            + run.daemonsets.iter().map(|o| o.pending).sum::<u64>()
            + run.mesh_pending.iter().map(|m| m.1).sum::<u64>(),
    }
}

fn freed(a: &Totals, b: &Totals) -> (i64, i64) {
    (
        a.request.cpu_milli as i64 - b.request.cpu_milli as i64,
        a.request.memory_bytes as i64 - b.request.memory_bytes as i64,
    )
}

/// The current state's configuration: the scenario's per-namespace modes, or all-sidecar.
pub fn current(mesh: &MeshConfig) -> MeshConfig {
    let mut m = mesh.clone();
    if m.namespace_modes.is_empty() {
        m.mixed_default = NamespaceMode::Sidecar;
    }
    m
}

/// Ranks the namespaces still on per-pod proxies by what moving them gives back.
pub fn rank(cluster: &Cluster, mesh: &MeshConfig, sched: SchedulerConfig, seed: u64) -> Vec<Step> {
    let now_cfg = current(mesh);
    let now_run = packing::evaluate(cluster, &now_cfg, MeshMode::Mixed, sched, seed);
    let now = totals(cluster, &now_run);
    let mut namespaces: Vec<(String, NamespaceMode, u64)> = Vec::new();
    for (w, (mode, out)) in cluster
        .workloads
        .iter()
        .zip(now_run.namespace_modes.iter().zip(&now_run.workloads))
    {
        if !mode.has_sidecar() {
            continue;
        }
        match namespaces.iter_mut().find(|n| n.0 == w.namespace) {
            Some(n) => n.2 += out.nodes.len() as u64,
            None => namespaces.push((w.namespace.clone(), *mode, out.nodes.len() as u64)),
        }
    }
    let target = |ns: &str| {
        if mesh.waypoint_namespaces.contains(ns) {
            NamespaceMode::AmbientWaypoint
        } else {
            NamespaceMode::Ambient
        }
    };
    let mut steps: Vec<Step> = namespaces
        .iter()
        .map(|(ns, from, pods)| {
            let mut cfg = now_cfg.clone();
            cfg.namespace_modes.insert(ns.clone(), target(ns));
            let run = packing::evaluate(cluster, &cfg, MeshMode::Mixed, sched, seed);
            let t = totals(cluster, &run);
            let agents = (
                t.agents_request.cpu_milli as i64 - now.agents_request.cpu_milli as i64,
                t.agents_request.memory_bytes as i64 - now.agents_request.memory_bytes as i64,
            );
            let (fc, fm) = freed(&now, &t);
            Step {
                rank: 0,
                namespace: ns.clone(),
                from: *from,
                to: target(ns),
                pods: *pods,
                request_freed: (fc + agents.0, fm + agents.1),
                usage_freed: (
                    now.usage.cpu_milli - t.usage.cpu_milli + t.agents_usage.cpu_milli
                        - now.agents_usage.cpu_milli,
                    now.usage.memory_bytes - t.usage.memory_bytes + t.agents_usage.memory_bytes
                        - now.agents_usage.memory_bytes,
                ),
                node_agents_request: agents,
                replicas_gained: t.replicas as i64 - now.replicas as i64,
                pending_change: t.pending as i64 - now.pending as i64,
                cumulative_request_freed: (0, 0),
                cumulative_replicas_gained: 0,
            }
        })
        .collect();
    steps.sort_by(|a, b| {
        b.replicas_gained
            .cmp(&a.replicas_gained)
            .then(b.request_freed.1.cmp(&a.request_freed.1))
            .then(a.namespace.cmp(&b.namespace))
    });
    let mut cfg = now_cfg.clone();
    for (i, s) in steps.iter_mut().enumerate() {
        s.rank = i + 1;
        cfg.namespace_modes.insert(s.namespace.clone(), s.to);
        let run = packing::evaluate(cluster, &cfg, MeshMode::Mixed, sched, seed);
        let t = totals(cluster, &run);
        s.cumulative_request_freed = freed(&now, &t);
        s.cumulative_replicas_gained = t.replicas as i64 - now.replicas as i64;
    }
    steps
}
