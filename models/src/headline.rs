//! The headline numbers per mode, and their comparison against the current mode and no mesh.
//!
//! # Definitions
//! - **Current mode**: how the cluster runs today (the scenario's `current`: `sidecar` unless
//!   it says otherwise, `mixed` when it assigns namespace modes). Every "recovered", "saving" and
//!   payback figure is against it; the current mode itself has none.
//! - **Fits**: a mode fits the fleet when it leaves no pod pending (fixed-count workloads,
//!   DaemonSets and mesh pods; `fill` workloads never pend, they stop where the fleet is full).
//!   A mode that does not fit has no cost at equal replicas, no savings and no payback: they
//!   would describe a cluster where some services do not run.
//! - **Inference replicas**: placed replicas of workloads flagged `inference`.
//! - **Replicas recovered**: inference replicas in a mode minus those in the current mode (and
//!   minus those with no mesh). Positive means the mode fits more.
//! - **Recovered GPU capacity**: the GPUs (whole or shares) the recovered inference replicas
//!   hold, as GPU-hours per month (× 730 h) and valued at each pool's price per GPU (node price
//!   ÷ GPUs per node). It is capacity value — what the same replicas would cost on more GPU
//!   nodes — not a cash saving: a saving needs nodes to be removed.
//! - **GPUs idle**: GPU capacity not handed out, in GPUs, on every GPU node; **why** is what stops
//!   one more replica of the primary inference workload (the first flagged `inference`) on those
//!   nodes: `memory`, `cpu`, `pods`, `gpu`, `gpu-share`, `taint`, … or `none` when one would fit
//!   but the workload asked for no more.
//! - **Binding resource** (per pool and overall): the failure reason shared by most nodes for one
//!   more primary inference replica; `none` when such a replica still fits somewhere.
//! - **Nodes required at equal replicas**: per pool, the smallest node count with which the mode
//!   still places every workload's *reference* replicas — fixed counts as given, `fill` workloads
//!   as many as the current mode placed on the full fleet (or the mode itself, when the current
//!   mode is not compared or does not fit) — under the scenario's capacity rules
//!   ([`crate::fleet_search::CapacityRules`]: headroom kept free per node, floors per pool and
//!   zone, N+1), which may make it larger than the fleet as given. Found by bisection pool by
//!   pool, in pool order, each pool shrunk with the earlier ones already at their minimum; the
//!   mesh's own pods and DaemonSet pods must fit as well as they do on the full fleet.
//! - **Cost**: the fleet as given (`fleet_cost_usd_per_month`, what runs today) and the required
//!   nodes at their hourly price × 730 h (`cost_usd_per_month`). The saving splits in two: the
//!   **mesh saving** is the current mode's required cost minus this mode's (same rules, only the
//!   mode changed); the **right-sizing saving** is the fleet as given minus the current mode's
//!   required cost — what right-sizing today's cluster would give with no migration at all.
//! - **Migration ROI** (every mode but the current one): engineering cost = sprints × cost per
//!   sprint; payback = cost ÷ monthly mesh saving when it falls within the horizon (24 months by
//!   default), otherwise none; 12-month and horizon net = months × saving − cost.

use std::collections::BTreeMap;

use crate::cluster::{Cluster, Replicas};
use crate::fleet_search::{CapacityRules, growth_limit, smallest_growing};
use crate::mesh::{MeshConfig, MeshMode};
use crate::packing::{self, Component, ComponentCost, ModeRun};
use crate::resources::{HOURS_PER_MONTH, Resources, Usage};
use crate::scheduler::{Failure, SchedulerConfig};

/// Engineering effort to migrate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Migration {
    /// Sprints of work.
    pub sprints: f64,
    /// Cost of one sprint, USD.
    pub cost_per_sprint_usd: f64,
    /// Months over which payback is sought (24 by default).
    pub horizon_months: u32,
}

/// Return on the migration's engineering cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Roi {
    /// Engineering cost, USD.
    pub engineering_cost_usd: f64,
    /// Months until savings repay it: `None` without savings or beyond the horizon.
    pub payback_months: Option<f64>,
    /// The horizon, months.
    pub horizon_months: u32,
    /// Savings over 12 months minus the engineering cost, USD.
    pub net_12_months_usd: f64,
    /// Savings over the horizon minus the engineering cost, USD.
    pub net_horizon_usd: f64,
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
    /// Nodes required at equal replicas (see the module docs): `None` when not computed (the
    /// mode does not fit, or no search was asked for) or not reachable under the rules.
    pub nodes_required: Option<u32>,
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
    /// GPUs (whole and shares) held by inference replicas, and their value at each pool's price
    /// per GPU, USD per month.
    pub inference_gpus: f64,
    /// See `inference_gpus`.
    pub inference_gpu_value_usd_per_month: f64,
    /// Whether this is the current mode (the baseline of every comparison).
    pub is_current: bool,
    /// Whether the mode leaves no pod pending.
    pub fits: bool,
    /// Which outputs of this mode rest on figures no source gives ("n/m").
    pub unmodelled: crate::mesh::Unmodelled,
    /// Against the current mode (when compared).
    pub replicas_recovered: Option<i64>,
    /// Against no mesh (when compared).
    pub replicas_recovered_vs_none: Option<i64>,
    /// GPU-hours per month held by the recovered replicas (both modes must fit).
    pub recovered_gpu_hours_per_month: Option<f64>,
    /// Their value at the pools' price per GPU, USD per month: capacity value, not cash.
    pub recovered_gpu_value_usd_per_month: Option<f64>,
    /// Unallocated GPU capacity, GPUs.
    pub gpus_idle: f64,
    /// Unallocated GPUs by what blocks the next inference replica there.
    pub gpus_idle_by_reason: Vec<(String, f64)>,
    /// What stops the next inference replica, fleet-wide.
    pub binding_resource: String,
    /// Monthly cost of the fleet as given (what runs today), USD.
    pub fleet_cost_usd_per_month: f64,
    /// Nodes required at equal replicas, summed over pools.
    pub nodes_required: Option<u32>,
    /// Nodes of the fleet as given minus those required (negative: the rules ask for more).
    pub nodes_removable: Option<i64>,
    /// Monthly cost of the nodes required at equal replicas, USD.
    pub cost_usd_per_month: Option<f64>,
    /// The current mode's required cost minus this mode's, USD per month.
    pub mesh_savings_usd_per_month: Option<f64>,
    /// The fleet as given minus the current mode's required cost, USD per month: what
    /// right-sizing gives without any migration (the same for every mode).
    pub right_sizing_savings_usd_per_month: Option<f64>,
    /// Return on the migration to this mode (a migration cost given, the saving known, and not
    /// the current mode).
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
    /// How the cluster runs today: the baseline of every comparison.
    pub current: Option<MeshMode>,
    /// Capacity rules for nodes at equal replicas.
    pub rules: &'a CapacityRules,
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

/// Compares evaluated modes. Costs and savings need each pool's `nodes_required`, set by
/// [`nodes_required`] and priced by [`reprice`] ([`crate::study::run`] does both).
pub fn compare_runs(study: &Study<'_>, runs: &[ModeRun]) -> Vec<ModeResult> {
    let mut results: Vec<ModeResult> = runs.iter().map(|run| summarise(study, run)).collect();
    let current = results
        .iter()
        .find(|r| Some(r.mode) == study.current)
        .map(|r| {
            (
                r.inference_replicas,
                r.inference_gpus,
                r.inference_gpu_value_usd_per_month,
                r.fits,
            )
        });
    let none = results
        .iter()
        .find(|r| r.mode == MeshMode::None)
        .map(|r| r.inference_replicas);
    for r in &mut results {
        r.is_current = Some(r.mode) == study.current;
        r.replicas_recovered = current.map(|c| r.inference_replicas as i64 - c.0 as i64);
        r.replicas_recovered_vs_none = none.map(|n| r.inference_replicas as i64 - n as i64);
        if let Some((_, gpus, value, current_fits)) = current
            && current_fits
            && r.fits
        {
            r.recovered_gpu_hours_per_month = Some((r.inference_gpus - gpus) * HOURS_PER_MONTH);
            r.recovered_gpu_value_usd_per_month = Some(r.inference_gpu_value_usd_per_month - value);
        }
    }
    reprice(study, &mut results);
    results
}

/// Recomputes cost, nodes removable, savings against the current mode and ROI from each pool's
/// `nodes_required` (after those were computed or changed).
pub fn reprice(study: &Study<'_>, results: &mut [ModeResult]) {
    for r in results.iter_mut() {
        let required: Option<Vec<u32>> = r.pools.iter().map(|p| p.nodes_required).collect();
        r.nodes_required = required.as_ref().map(|v| v.iter().sum());
        r.cost_usd_per_month = required.as_ref().map(|v| {
            study
                .cluster
                .pools
                .iter()
                .zip(v)
                .map(|(p, n)| p.monthly_cost_usd(*n))
                .sum()
        });
        r.nodes_removable = r
            .nodes_required
            .map(|n| i64::from(r.pools.iter().map(|p| p.nodes).sum::<u32>()) - i64::from(n));
    }
    let current_cost = results
        .iter()
        .find(|r| r.is_current && r.fits)
        .and_then(|r| r.cost_usd_per_month);
    for r in results.iter_mut() {
        r.right_sizing_savings_usd_per_month = current_cost.map(|c| r.fleet_cost_usd_per_month - c);
        r.mesh_savings_usd_per_month = match (current_cost, r.cost_usd_per_month) {
            (Some(c), Some(m)) if r.fits && !r.is_current => Some(c - m),
            _ => None,
        };
        r.roi = match (study.migration, r.mesh_savings_usd_per_month) {
            (Some(mig), Some(sav)) if !r.is_current => {
                let cost = mig.sprints * mig.cost_per_sprint_usd;
                let months = f64::from(mig.horizon_months);
                Some(Roi {
                    engineering_cost_usd: cost,
                    payback_months: (sav > 0.0 && cost / sav <= months).then(|| cost / sav),
                    horizon_months: mig.horizon_months,
                    net_12_months_usd: 12.0 * sav - cost,
                    net_horizon_usd: months * sav - cost,
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
            nodes_required: None,
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
    let (inference_gpus, inference_gpu_value_usd_per_month) = inference_gpu_holdings(cluster, run);

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
        inference_gpus,
        inference_gpu_value_usd_per_month,
        is_current: false,
        fits: pods_pending == 0,
        unmodelled: study
            .mesh
            .costs
            .unmodelled(run.namespace_modes.iter().copied()),
        replicas_recovered: None,
        replicas_recovered_vs_none: None,
        recovered_gpu_hours_per_month: None,
        recovered_gpu_value_usd_per_month: None,
        gpus_idle,
        gpus_idle_by_reason,
        binding_resource,
        fleet_cost_usd_per_month: cluster.monthly_cost_usd(),
        nodes_required: None,
        nodes_removable: None,
        cost_usd_per_month: None,
        mesh_savings_usd_per_month: None,
        right_sizing_savings_usd_per_month: None,
        roi: None,
    }
}

/// GPUs (whole and shares) held by inference replicas, and their monthly value at the price per
/// GPU of the pool each replica runs in.
fn inference_gpu_holdings(cluster: &Cluster, run: &ModeRun) -> (f64, f64) {
    let (mut gpus, mut usd) = (0.0, 0.0);
    for (w, o) in cluster.workloads.iter().zip(&run.workloads) {
        if !w.inference {
            continue;
        }
        let per = w.requests.gpu_equivalent();
        for n in &o.nodes {
            let p = &cluster.pools[run.nodes[n.index()].pool.index()];
            gpus += per;
            if p.capacity.gpus > 0 {
                usd += per * p.price_per_hour_usd / f64::from(p.capacity.gpus) * HOURS_PER_MONTH;
            }
        }
    }
    (gpus, usd)
}

/// Per pool, the smallest node count at which `mode` still places, for every workload, its
/// `target` replicas (the reference replicas: a mode that places fewer on the full fleet than
/// the current mode grows the pool until it places as many — equal replicas, so a mode that
/// serves fewer never reads as saving money), under the capacity rules, leaving no more
/// istiod, waypoint or DaemonSet pods pending than the full fleet (with the rules' headroom)
/// does; the floors and the N+1 spare are added to each count. `None` when some pool cannot
/// place them even grown to [`growth_limit`].
pub fn nodes_required(study: &Study<'_>, mode: MeshMode, targets: &[u32]) -> Option<Vec<u32>> {
    let mut c = study.rules.reserve_headroom(study.cluster);
    let want = targets.to_vec();
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
            .filter(|(c, _, _)| {
                matches!(
                    c,
                    Component::Istiod | Component::Waypoint | Component::EastWestGateway
                )
            })
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
        // A mode that places fewer replicas than the reference on the full pool, or headroom,
        // makes the pool grow.
        let n = smallest_growing(0, full, growth_limit(full), |n| {
            c.pools[i].count = n;
            ok(&c)
        })?;
        // Later pools are sized with this one at its minimum: the spare stays spare.
        c.pools[i].count = n;
        required.push(study.rules.required(i, &study.cluster.pools[i], n));
    }
    Some(required)
}
