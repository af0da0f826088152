//! The headline numbers per mode, and their comparison against sidecar mode and no mesh.
//!
//! # Definitions
//! - **Inference replicas**: placed replicas of workloads flagged `inference`.
//! - **Replicas recovered**: inference replicas in a mode minus those in sidecar mode (and minus
//!   those with no mesh). Positive means the mode fits more.
//! - **GPUs idle**: GPU capacity not handed out, in GPUs, on every GPU node; **why** is what stops
//!   one more replica of the primary inference workload (the first flagged `inference`) on those
//!   nodes: `memory`, `cpu`, `pods`, `gpu`, `gpu-share`, `taint`, … or `none` when one would fit
//!   but the workload asked for no more.
//! - **Binding resource** (per pool and overall): the failure reason shared by most nodes for one
//!   more primary inference replica; `none` when such a replica still fits somewhere.
//! - **Nodes required at equal replicas**: per pool, the smallest node count with which the mode
//!   still places every workload's *reference* replicas — fixed counts as given, `fill` workloads
//!   as many as sidecar mode placed on the full fleet (or the mode itself, when sidecar is not
//!   compared). Found by bisection pool by pool, in pool order, each pool shrunk with the earlier
//!   ones already shrunk; the mesh's own pods (istiod, waypoints) and DaemonSet pods must still
//!   fit as they did on the full fleet. Bisection assumes more nodes never place fewer replicas; meshsim
//!   re-checks the count it returns and walks up until it holds.
//! - **Cost** (`cost_usd_per_month`): the required nodes at their hourly price × 730 h.
//!   **Savings**: sidecar's cost minus the mode's. **Migration ROI**: engineering cost =
//!   sprints × cost per sprint; payback = cost ÷ monthly savings; 12-month net = 12 × savings −
//!   cost.

use std::collections::BTreeMap;

use crate::cluster::{Cluster, Replicas};
use crate::mesh::{MeshConfig, MeshMode};
use crate::packing::{self, Component, ComponentCost, ModeRun};
use crate::resources::{Resources, Usage};
use crate::scheduler::{Failure, SchedulerConfig};

/// Engineering effort to migrate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Migration {
    /// Sprints of work.
    pub sprints: f64,
    /// Cost of one sprint, USD.
    pub cost_per_sprint_usd: f64,
}

/// Return on the migration's engineering cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Roi {
    /// Engineering cost, USD.
    pub engineering_cost_usd: f64,
    /// Months until savings repay it (`None` without savings).
    pub payback_months: Option<f64>,
    /// Savings over 12 months minus the engineering cost, USD.
    pub net_12_months_usd: f64,
}

/// One pool under one mode.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolResult {
    /// Pool name.
    pub name: String,
    /// Nodes in the fleet.
    pub nodes: u32,
    /// Nodes holding at least one pod.
    pub nodes_used: u32,
    /// GPUs per node.
    pub gpus_per_node: u32,
    /// Allocatable over all nodes.
    pub allocatable: Resources,
    /// Requested over all nodes (GPU share in `gpu_milli`, thousandths over all devices).
    pub requested: Resources,
    /// Pods placed.
    pub pods: u64,
    /// Pod slots (max pods × nodes).
    pub pod_capacity: u64,
    /// What stops one more primary inference replica in this pool.
    pub binding_resource: String,
    /// Nodes required at equal replicas (see the module docs).
    pub nodes_required: u32,
    /// Price per node-hour, USD.
    pub price_per_hour_usd: f64,
}

/// Pending pods of one workload (or mesh component).
#[derive(Clone, Debug, PartialEq)]
pub struct PendingRow {
    /// Workload, DaemonSet or mesh component name.
    pub workload: String,
    /// Pods pending.
    pub count: u64,
    /// Why (kube-scheduler style).
    pub reason: String,
}

/// The headline numbers of one mode.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeResult {
    /// The mode.
    pub mode: MeshMode,
    /// Per pool.
    pub pools: Vec<PoolResult>,
    /// Pods placed (workloads, DaemonSets and mesh pods).
    pub pods_placed: u64,
    /// Pods pending.
    pub pods_pending: u64,
    /// Pending pods by workload.
    pub pending: Vec<PendingRow>,
    /// Per mesh component.
    pub components: BTreeMap<Component, ComponentCost>,
    /// Data-path proxies (sidecars, node proxies, waypoint replicas).
    pub proxies: u64,
    /// Proxies plus mesh DaemonSets: total request.
    pub data_plane_request: Resources,
    /// Proxies plus mesh DaemonSets: total modelled usage.
    pub data_plane_usage: Usage,
    /// Control plane (istiod) request.
    pub control_plane_request: Resources,
    /// Control plane modelled usage.
    pub control_plane_usage: Usage,
    /// Fleet allocatable.
    pub fleet_allocatable: Resources,
    /// Inference replicas placed.
    pub inference_replicas: u64,
    /// Against sidecar mode (when compared).
    pub replicas_recovered_vs_sidecar: Option<i64>,
    /// Against no mesh (when compared).
    pub replicas_recovered_vs_none: Option<i64>,
    /// Unallocated GPU capacity, GPUs.
    pub gpus_idle: f64,
    /// Unallocated GPUs by what blocks the next inference replica there.
    pub gpus_idle_by_reason: Vec<(String, f64)>,
    /// What stops the next inference replica, fleet-wide.
    pub binding_resource: String,
    /// Monthly cost of the fleet as given, USD.
    pub fleet_cost_usd_per_month: f64,
    /// Monthly cost of the nodes required at equal replicas, USD.
    pub cost_usd_per_month: f64,
    /// Sidecar's cost minus this mode's (when sidecar is compared), USD per month.
    pub savings_usd_per_month: Option<f64>,
    /// Nodes removable at equal replicas, summed over pools.
    pub nodes_removable: u32,
    /// Return on the migration (when a migration cost is given and sidecar is compared).
    pub roi: Option<Roi>,
}

impl ModeResult {
    /// Data-plane memory request as a share of fleet allocatable memory.
    pub fn data_plane_memory_share(&self) -> f64 {
        share(
            self.data_plane_request.memory_bytes,
            self.fleet_allocatable.memory_bytes,
        )
    }
    /// Data-plane CPU request as a share of fleet allocatable CPU.
    pub fn data_plane_cpu_share(&self) -> f64 {
        share(
            self.data_plane_request.cpu_milli,
            self.fleet_allocatable.cpu_milli,
        )
    }
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Inputs of a comparison.
#[derive(Clone, Debug)]
pub struct Study<'a> {
    /// The cluster.
    pub cluster: &'a Cluster,
    /// The mesh.
    pub mesh: &'a MeshConfig,
    /// Scheduler settings.
    pub scheduler: SchedulerConfig,
    /// Run seed.
    pub seed: u64,
    /// Migration effort, if known.
    pub migration: Option<Migration>,
}

fn inference_replicas(cluster: &Cluster, run: &ModeRun) -> u64 {
    cluster
        .workloads
        .iter()
        .zip(&run.workloads)
        .filter(|(w, _)| w.inference)
        .map(|(_, o)| o.nodes.len() as u64)
        .sum()
}

fn label_of_max(m: &BTreeMap<String, u64>) -> String {
    m.iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map_or_else(|| "n/a".to_string(), |(k, _)| k.clone())
}

/// Compares evaluated modes (`nodes_required` of each pool is its full count until
/// [`nodes_required`] and [`reprice`] are applied; [`crate::study::run`] does both).
pub fn compare_runs(study: &Study<'_>, runs: &[ModeRun]) -> Vec<ModeResult> {
    let mut results: Vec<ModeResult> = runs.iter().map(|run| summarise(study, run)).collect();
    let replicas_of = |m: MeshMode| {
        results
            .iter()
            .find(|r| r.mode == m)
            .map(|r| r.inference_replicas as i64)
    };
    let (side, none) = (replicas_of(MeshMode::Sidecar), replicas_of(MeshMode::None));
    for r in &mut results {
        r.replicas_recovered_vs_sidecar = side.map(|s| r.inference_replicas as i64 - s);
        r.replicas_recovered_vs_none = none.map(|n| r.inference_replicas as i64 - n);
    }
    reprice(study, &mut results);
    results
}

/// Recomputes cost, nodes removable, savings against sidecar and ROI from each pool's
/// `nodes_required` (after those were computed or changed).
pub fn reprice(study: &Study<'_>, results: &mut [ModeResult]) {
    for r in results.iter_mut() {
        r.cost_usd_per_month = study
            .cluster
            .pools
            .iter()
            .zip(&r.pools)
            .map(|(p, x)| p.monthly_cost_usd(x.nodes_required))
            .sum();
        r.nodes_removable = r.pools.iter().map(|p| p.nodes - p.nodes_required).sum();
    }
    let side_cost = results
        .iter()
        .find(|r| r.mode == MeshMode::Sidecar)
        .map(|r| r.cost_usd_per_month);
    for r in results.iter_mut() {
        r.savings_usd_per_month = side_cost.map(|c| c - r.cost_usd_per_month);
        r.roi = match (study.migration, r.savings_usd_per_month) {
            (Some(mig), Some(sav)) => {
                let cost = mig.sprints * mig.cost_per_sprint_usd;
                Some(Roi {
                    engineering_cost_usd: cost,
                    payback_months: (sav > 0.0).then(|| cost / sav),
                    net_12_months_usd: 12.0 * sav - cost,
                })
            }
            _ => None,
        };
    }
}

/// Placed replicas per workload.
pub fn placed_counts(run: &ModeRun) -> Vec<u32> {
    run.workloads.iter().map(|o| o.nodes.len() as u32).collect()
}

fn summarise(study: &Study<'_>, run: &ModeRun) -> ModeResult {
    let cluster = study.cluster;
    let mut pools: Vec<PoolResult> = cluster
        .pools
        .iter()
        .map(|p| PoolResult {
            name: p.name.clone(),
            nodes: p.count,
            nodes_used: 0,
            gpus_per_node: p.capacity.gpus,
            allocatable: p.allocatable() * u64::from(p.count),
            requested: Resources::ZERO,
            pods: 0,
            pod_capacity: u64::from(p.max_pods) * u64::from(p.count),
            binding_resource: "n/a".into(),
            nodes_required: p.count,
            price_per_hour_usd: p.price_per_hour_usd,
        })
        .collect();
    for n in &run.nodes {
        let p = &mut pools[n.pool.index()];
        p.requested += n.requested;
        p.pods += u64::from(n.pods);
        if n.pods > 0 {
            p.nodes_used += 1;
        }
    }
    // Binding resource per pool and overall.
    let mut overall: BTreeMap<String, u64> = BTreeMap::new();
    if let Some(probe) = &run.inference_probe {
        for (i, p) in pools.iter_mut().enumerate() {
            if probe.fits[i] > 0 {
                p.binding_resource = "none".into();
                *overall.entry("none".into()).or_default() += probe.fits[i];
                continue;
            }
            let mut m: BTreeMap<String, u64> = BTreeMap::new();
            for (f, n) in &probe.failures[i] {
                *m.entry(f.resource_label()).or_default() += n;
            }
            p.binding_resource = label_of_max(&m);
            for (k, v) in m {
                if k != "taint" && k != "selector" {
                    *overall.entry(k).or_default() += v;
                }
            }
        }
    }
    let binding_resource = if overall.contains_key("none") {
        "none".to_string()
    } else {
        label_of_max(&overall)
    };
    // Idle GPUs.
    let mut idle: BTreeMap<String, u64> = BTreeMap::new();
    for pool in &run.idle_gpus {
        for (f, milli) in pool {
            let label = if *f == Failure::NONE {
                "none".to_string()
            } else {
                f.resource_label()
            };
            *idle.entry(label).or_default() += milli;
        }
    }
    let gpus_idle = idle.values().sum::<u64>() as f64 / 1000.0;
    let mut gpus_idle_by_reason: Vec<(String, f64)> = idle
        .into_iter()
        .map(|(k, v)| (k, v as f64 / 1000.0))
        .collect();
    gpus_idle_by_reason.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    // Pending.
    let mut pending = Vec::new();
    for (w, o) in cluster.workloads.iter().zip(&run.workloads) {
        if o.pending > 0 {
            pending.push(PendingRow {
                workload: w.name.clone(),
                count: o.pending,
                reason: o.reason.clone().unwrap_or_default(),
            });
        }
    }
    for (d, o) in cluster.daemonsets.iter().zip(&run.daemonsets) {
        if o.pending > 0 {
            pending.push(PendingRow {
                workload: d.name.clone(),
                count: o.pending,
                reason: o.reason.clone().unwrap_or_default(),
            });
        }
    }
    for (c, n, reason) in &run.mesh_pending {
        pending.push(PendingRow {
            workload: c.as_str().to_string(),
            count: *n,
            reason: reason.clone(),
        });
    }
    let pods_pending = pending.iter().map(|p| p.count).sum();
    let pods_placed = run.nodes.iter().map(|n| u64::from(n.pods)).sum();

    let mut data_plane_request = Resources::ZERO;
    let mut data_plane_usage = Usage::default();
    let mut proxies = 0;
    for (c, cost) in &run.costs {
        if c.is_data_plane() {
            data_plane_request += cost.request;
            data_plane_usage += cost.usage;
        }
        if c.is_proxy() {
            proxies += cost.count;
        }
    }
    let cp = run
        .costs
        .get(&Component::Istiod)
        .copied()
        .unwrap_or_default();

    let fleet_allocatable = pools.iter().fold(Resources::ZERO, |a, p| a + p.allocatable);

    ModeResult {
        mode: run.mode,
        pools,
        pods_placed,
        pods_pending,
        pending,
        components: run.costs.clone(),
        proxies,
        data_plane_request,
        data_plane_usage,
        control_plane_request: cp.request,
        control_plane_usage: cp.usage,
        fleet_allocatable,
        inference_replicas: inference_replicas(cluster, run),
        replicas_recovered_vs_sidecar: None,
        replicas_recovered_vs_none: None,
        gpus_idle,
        gpus_idle_by_reason,
        binding_resource,
        fleet_cost_usd_per_month: cluster.monthly_cost_usd(),
        cost_usd_per_month: 0.0,
        savings_usd_per_month: None,
        nodes_removable: 0,
        roi: None,
    }
}

/// Per pool, the smallest node count at which `mode` still places, for every workload,
/// `min(target, placed_on_full_fleet)` replicas, and leaves no more istiod, waypoint or
/// DaemonSet pods pending than the full fleet does.
pub fn nodes_required(
    study: &Study<'_>,
    mode: MeshMode,
    targets: &[u32],
    placed_full: &[u32],
) -> Vec<u32> {
    let mut c = study.cluster.clone();
    let want: Vec<u32> = targets
        .iter()
        .zip(placed_full)
        .map(|(t, p)| (*t).min(*p))
        .collect();
    for (w, n) in c.workloads.iter_mut().zip(&want) {
        if w.replicas == Replicas::Fill {
            w.replicas = Replicas::Count(*n);
        }
    }
    // Mesh pods (istiod, waypoints) and DaemonSet pods left pending must not grow either: a
    // smaller fleet that strands istiod is not a smaller fleet that works.
    let other_pending = |run: &ModeRun| -> u64 {
        run.mesh_pending
            .iter()
            .filter(|(c, _, _)| matches!(c, Component::Istiod | Component::Waypoint))
            .map(|(_, n, _)| n)
            .sum::<u64>()
            + run.daemonsets.iter().map(|o| o.pending).sum::<u64>()
    };
    let baseline = other_pending(&packing::evaluate(
        &c,
        study.mesh,
        mode,
        study.scheduler,
        study.seed,
    ));
    let ok = |c: &Cluster| {
        let run = packing::evaluate(c, study.mesh, mode, study.scheduler, study.seed);
        run.workloads
            .iter()
            .zip(&want)
            .all(|(o, n)| o.nodes.len() as u32 >= *n)
            && other_pending(&run) <= baseline
    };
    let mut required = Vec::with_capacity(c.pools.len());
    for i in 0..c.pools.len() {
        let full = c.pools[i].count;
        // The full pool suffices, by construction of `want`.
        let n = crate::fleet_search::smallest_count(0, full, true, |n| {
            c.pools[i].count = n;
            ok(&c)
        })
        .unwrap_or(full);
        c.pools[i].count = n;
        required.push(n);
    }
    required
}
