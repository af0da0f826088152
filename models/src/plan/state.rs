//! One state of a half-migrated cluster — today's namespace modes with some namespaces moved —
//! placed for real (mixed mode), with what it requests, uses and costs at equal replicas.

use std::collections::BTreeMap;

use crate::cluster::Cluster;
use crate::fleet_search::CapacityRules;
use crate::headline::{self, Study};
use crate::latency::{self, LatencyError, LatencyRun, LatencySpec};
use crate::mesh::{MeshConfig, MeshMode, NamespaceMode};
use crate::packing::{self, Component, ModeRun};
use crate::resources::{Resources, Usage};
use crate::scheduler::SchedulerConfig;

/// Namespaces moved, and to which mode, on top of today's configuration.
pub type State = BTreeMap<String, NamespaceMode>;

/// A state's key, for caching (`ns=mode;…`).
pub fn key(s: &State) -> String {
    s.iter()
        .map(|(n, m)| format!("{n}={}", m.as_str()))
        .collect::<Vec<_>>()
        .join(";")
}

/// What a plan evaluates states with.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    /// The fleet.
    pub cluster: &'a Cluster,
    /// Today's mesh configuration (per-namespace modes, or all-sidecar).
    pub now: &'a MeshConfig,
    /// Scheduler settings.
    pub scheduler: SchedulerConfig,
    /// Run seed (the same for every state: same tie breaks as `meshsim run`).
    pub seed: u64,
    /// Capacity rules for nodes at equal replicas.
    pub rules: &'a CapacityRules,
}

/// A placed state.
#[derive(Clone, Debug)]
pub struct Eval {
    /// Its configuration.
    pub config: MeshConfig,
    /// Its placement.
    pub run: ModeRun,
    /// Data-plane request (proxies and mesh DaemonSets), node agents included.
    pub data_plane_request: Resources,
    /// Data-plane modelled usage, node agents included.
    pub data_plane_usage: Usage,
    /// Node agents (ztunnel, istio-cni): request.
    pub agents_request: Resources,
    /// Node agents: modelled usage.
    pub agents_usage: Usage,
    /// Inference replicas placed.
    pub inference_replicas: u64,
    /// Pods pending (workloads, DaemonSets, mesh pods).
    pub pending: u64,
    /// The first pending workload and why, if any.
    pub first_pending: Option<String>,
    /// Nodes required at equal replicas (`None`: not computed, or not reachable).
    pub nodes_required: Option<u32>,
    /// Their monthly cost, USD.
    pub cost_usd_per_month: Option<f64>,
}

impl Eval {
    /// Whether nothing is pending.
    pub fn fits(&self) -> bool {
        self.pending == 0
    }
}

/// Today's configuration with `s` applied.
pub fn config(now: &MeshConfig, s: &State) -> MeshConfig {
    let mut c = now.clone();
    for (n, m) in s {
        c.namespace_modes.insert(n.clone(), *m);
    }
    c
}

/// Places `s`; with `reference` (placed replicas per workload of today's cluster), also the
/// nodes it needs at those replicas and their cost.
pub fn evaluate(ctx: &Ctx<'_>, s: &State, reference: Option<&[u32]>) -> Eval {
    let config = config(ctx.now, s);
    let run = packing::evaluate(
        ctx.cluster,
        &config,
        MeshMode::Mixed,
        ctx.scheduler,
        ctx.seed,
    );
    let mut e = Eval {
        data_plane_request: Resources::ZERO,
        data_plane_usage: Usage::default(),
        agents_request: Resources::ZERO,
        agents_usage: Usage::default(),
        inference_replicas: 0,
        pending: 0,
        first_pending: None,
        nodes_required: None,
        cost_usd_per_month: None,
        config,
        run,
    };
    for (c, cost) in &e.run.costs {
        if c.is_data_plane() {
            e.data_plane_request += cost.request;
            e.data_plane_usage += cost.usage;
        }
        if matches!(c, Component::Ztunnel | Component::IstioCni) {
            e.agents_request += cost.request;
            e.agents_usage += cost.usage;
        }
    }
    for (w, o) in ctx.cluster.workloads.iter().zip(&e.run.workloads) {
        if w.inference {
            e.inference_replicas += o.nodes.len() as u64;
        }
        if o.pending > 0 && e.first_pending.is_none() {
            e.first_pending = Some(format!(
                "{} × {} ({})",
                o.pending,
                w.name,
                o.reason.clone().unwrap_or_default()
            ));
        }
    }
    for (d, o) in ctx.cluster.daemonsets.iter().zip(&e.run.daemonsets) {
        if o.pending > 0 && e.first_pending.is_none() {
            e.first_pending = Some(format!(
                "{} × {} ({})",
                o.pending,
                d.name,
                o.reason.clone().unwrap_or_default()
            ));
        }
    }
    for (c, n, why) in &e.run.mesh_pending {
        if e.first_pending.is_none() {
            e.first_pending = Some(format!("{n} × {} ({why})", c.as_str()));
        }
    }
    e.pending = e.run.workloads.iter().map(|o| o.pending).sum::<u64>()
        + e.run.daemonsets.iter().map(|o| o.pending).sum::<u64>()
        + e.run.mesh_pending.iter().map(|m| m.1).sum::<u64>();
    if let Some(reference) = reference
        && e.fits()
    {
        let study = Study {
            cluster: ctx.cluster,
            mesh: &e.config,
            scheduler: ctx.scheduler,
            seed: ctx.seed,
            migration: None,
            current: None,
            rules: ctx.rules,
        };
        if let Some(req) = headline::nodes_required(&study, MeshMode::Mixed, reference) {
            e.nodes_required = Some(req.iter().sum());
            e.cost_usd_per_month = Some(
                ctx.cluster
                    .pools
                    .iter()
                    .zip(&req)
                    .map(|(p, n)| p.monthly_cost_usd(*n))
                    .sum(),
            );
        }
    }
    e
}

/// The request simulation of a placed state: `replications` runs with the seeds `meshsim run`
/// uses (common random numbers across states).
pub fn simulate(
    ctx: &Ctx<'_>,
    e: &Eval,
    spec: &LatencySpec,
    replication: u32,
) -> Result<LatencyRun, LatencyError> {
    latency::simulate(
        ctx.cluster,
        &e.config,
        &e.run,
        spec,
        crate::study::replication_seed(ctx.seed, replication),
    )
}
