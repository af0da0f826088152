//! The scenario's fleet over a day (or a month) under each mesh mode: its workloads with their
//! load over time and their HPAs, its pools with the cluster autoscaler, and what each mode
//! adds — sidecars on every pod (in the HPA's average with a `Resource` metric), node agents
//! on every node, each waypoint as a deployment with its own HPA on its namespace's inbound
//! load, and istiod with the HPA Istio's chart gives it, on the proxies connected to it.
//!
//! Each mode starts from its own placement by `meshsim run` ([`ModeRun`]): the same requests
//! (right-sized or not), the same waypoint and istiod replicas. istiod's load is the number of
//! proxies connected to it, which the fleet itself sets; it is found in two passes — the fleet
//! without istiod, whose proxy count at each sampling instant becomes istiod's load, then the
//! fleet with istiod (its CPU therefore lags the proxies by at most one sampling interval).
//!
//! What is modelled: replicas and nodes over time, node-seconds and money per pool, pod-seconds
//! placed and pending, and the proxies' modelled memory and CPU over time. Each proxy's memory
//! is its mean in the static placement (a sidecar's does not follow the fleet's endpoints as
//! they scale); a node agent's CPU is its static mean per node.

use super::cluster_autoscaler::CaConfig;
use super::fleet::{self, FleetRun, FleetSpec, Load, PoolScaling, Workload};
use super::hpa::{HpaSpec, Metric, Target};
use super::modes::{self, ModeCosts};
use crate::cluster::{Cluster, Replicas, Toleration, selector_matches, untolerated_taint};
use crate::mesh::{MeshConfig, MeshMode, NamespaceMode};
use crate::packing::{Component, ModeRun};
use crate::resources::{HOURS_PER_MONTH, Resources};
use crate::scheduler::{PodSpec, SchedulerConfig};

/// One workload over the day.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadDay {
    /// Its HPA (`None`: its replicas stay as the scenario sets them).
    pub hpa: Option<HpaSpec>,
    /// Its load, requests per second over all replicas (`None`: the scenario's replicas × `rps`,
    /// constant).
    pub load: Option<Load>,
    /// Seconds from a pod's binding to its readiness.
    pub readiness_s: u64,
}

/// What `[autoscaling]` asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct DaySpec {
    /// Simulated time, seconds.
    pub horizon_s: u64,
    /// HPA sync period, seconds.
    pub hpa_sync_s: u64,
    /// Sampling interval of the timeline, seconds.
    pub sample_s: u64,
    /// The cluster autoscaler's settings.
    pub ca: CaConfig,
    /// Per pool of the cluster: its autoscaling bounds (`None`: its node count is fixed).
    pub pools: Vec<Option<PoolScaling>>,
    /// Per workload of the cluster.
    pub workloads: Vec<WorkloadDay>,
    /// Each waypoint's HPA in modes with waypoints (`None`: their replicas are fixed).
    pub waypoint_hpa: Option<HpaSpec>,
    /// Whether istiod is scaled by its HPA (min, max and target from the mesh's istiod figures).
    pub istiod_hpa: bool,
}

/// What a fleet workload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The scenario's workload with this index.
    App(usize),
    /// A namespace's waypoint.
    Waypoint,
    /// istiod.
    Istiod,
}

/// One mode's day.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeDay {
    /// The mode.
    pub mode: MeshMode,
    /// The fleet run.
    pub fleet: FleetRun,
    /// The fleet's workloads: name and role, in the fleet's order.
    pub workloads: Vec<(String, Role)>,
    /// Per fleet workload, the pool it is grown in.
    pub pools_of: Vec<usize>,
    /// At each sampling instant, per pool, the proxies' modelled memory, bytes
    /// (`proxy_memory[sample * pools + pool]`): sidecars and waypoint replicas of the workloads
    /// the pool serves, node agents on its nodes.
    pub proxy_memory: Vec<f64>,
    /// The same for CPU, millicores.
    pub proxy_cpu: Vec<f64>,
}

impl ModeDay {
    /// Node-hours of pool `p`.
    pub fn node_hours(&self, p: usize) -> f64 {
        self.fleet.node_seconds.get(p).copied().unwrap_or(0) as f64 / 3600.0
    }

    /// Mean over the sampling instants (each stands for one interval), and the peak.
    pub fn mean_peak(v: &[f64]) -> (f64, f64) {
        if v.is_empty() {
            return (0.0, 0.0);
        }
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (mean, v.iter().copied().fold(0.0, f64::max))
    }
}

/// Scales an amount over `horizon_s` to a 730-hour month.
pub fn per_month(amount: f64, horizon_s: u64) -> f64 {
    if horizon_s == 0 {
        0.0
    } else {
        amount * HOURS_PER_MONTH * 3600.0 / horizon_s as f64
    }
}

/// The first pool whose nodes a pod with `selector` and `tolerations` may run on (the pool the
/// cluster autoscaler grows for its pending pods).
pub fn pool_for(
    cluster: &Cluster,
    selector: &std::collections::BTreeMap<String, String>,
    tolerations: &[Toleration],
) -> usize {
    cluster
        .pools
        .iter()
        .position(|p| {
            selector_matches(selector, &p.labels)
                && untolerated_taint(&p.taints, tolerations).is_none()
        })
        .unwrap_or(0)
}

/// The load each workload sees: its own, or the scenario's replicas × `rps` — "fill" replicas
/// counted as the reference mode placed them.
pub fn loads(cluster: &Cluster, day: &DaySpec, reference: &ModeRun) -> Vec<Load> {
    cluster
        .workloads
        .iter()
        .enumerate()
        .map(
            |(i, w)| match day.workloads.get(i).and_then(|d| d.load.clone()) {
                Some(l) => l,
                None => {
                    let n = match w.replicas {
                        Replicas::Count(n) => n as usize,
                        Replicas::Fill => reference.workloads[i].nodes.len(),
                    };
                    Load::constant(n as f64 * w.rps_per_replica)
                }
            },
        )
        .collect()
}

fn per_instance(run: &ModeRun, c: Component) -> Option<(Resources, f64, f64)> {
    let cost = run.costs.get(&c)?;
    if cost.count == 0 {
        return None;
    }
    let n = cost.count as f64;
    Some((
        Resources::cpu_mem(
            cost.request.cpu_milli / cost.count,
            cost.request.memory_bytes / cost.count,
        ),
        cost.usage.memory_bytes / n,
        cost.usage.cpu_milli / n,
    ))
}

fn node_pool(run: &ModeRun, node: Option<&crate::ids::NodeId>) -> usize {
    node.and_then(|n| run.nodes.get(n.0 as usize))
        .map_or(0, |u| u.pool.0 as usize)
}

/// The day of one mode.
#[allow(
    clippy::too_many_arguments,
    reason = "the parts of a scenario a day needs"
)]
pub fn run_mode(
    cluster: &Cluster,
    mesh: &MeshConfig,
    day: &DaySpec,
    run: &ModeRun,
    loads: &[Load],
    scheduler: SchedulerConfig,
    seed: u64,
) -> ModeDay {
    let costs = ModeCosts::from_run(&cluster.workloads, mesh, run);
    let mut names: Vec<(String, Role)> = Vec::new();
    let mut workloads: Vec<Workload> = Vec::new();
    for (i, w) in cluster.workloads.iter().enumerate() {
        let d = day.workloads.get(i);
        let replicas = run.workloads[i].nodes.len() as u32 + run.workloads[i].pending as u32;
        let replicas = match d.and_then(|d| d.hpa.as_ref()) {
            Some(h) => replicas.clamp(h.min_replicas, h.max_replicas),
            None => replicas,
        };
        let pool = pool_for(cluster, &w.node_selector, &w.tolerations);
        workloads.push(modes::fleet_workload(
            w,
            replicas,
            pool,
            d.and_then(|d| d.hpa.clone()),
            loads[i].clone(),
            d.map_or(0, |d| d.readiness_s),
        ));
        names.push((w.name.clone(), Role::App(i)));
    }
    // Waypoints: each on its namespace's inbound load.
    let wp = &mesh.costs.waypoint;
    for p in &run.waypoints {
        let inbound: Vec<&Load> = cluster
            .workloads
            .iter()
            .enumerate()
            .filter(|(i, w)| {
                w.namespace == p.namespace
                    && run.namespace_modes.get(*i) == Some(&NamespaceMode::AmbientWaypoint)
            })
            .map(|(i, _)| &loads[i])
            .collect();
        let replicas = p.nodes.len() as u32;
        let hpa = day.waypoint_hpa.clone().map(|h| HpaSpec {
            min_replicas: h.min_replicas.min(replicas.max(1)),
            ..h
        });
        workloads.push(Workload {
            name: format!("waypoint/{}", p.namespace),
            spec: PodSpec {
                requests: wp.request,
                ..PodSpec::default()
            },
            pool: node_pool(run, p.nodes.first()),
            replicas,
            hpa,
            covered_request_m: wp.request.cpu_milli as f64,
            idle_m: wp.base_cpu_milli,
            m_per_rps: wp.cpu_milli_per_1000_rps / 1000.0,
            load: Load::sum(&inbound, day.horizon_s),
            readiness_s: 0,
        });
        names.push((format!("waypoint/{}", p.namespace), Role::Waypoint));
    }
    let base = FleetSpec {
        pools: &cluster.pools,
        scaling: day.pools.clone(),
        daemonsets: cluster
            .daemonsets
            .iter()
            .map(PodSpec::of_daemonset)
            .collect(),
        workloads,
        horizon_s: day.horizon_s,
        hpa_sync_s: day.hpa_sync_s,
        ca: day.ca,
        sample_s: day.sample_s,
        scheduler,
        seed,
    };
    let spec = modes::under_mode(&base, &costs);
    let mut fleet = fleet::simulate(&spec);
    let mut spec = spec;

    // Proxies per pod and per node: memory and CPU.
    let sidecar =
        per_instance(run, Component::Sidecar).or(per_instance(run, Component::LinkerdProxy));
    let waypoint = per_instance(run, Component::Waypoint);
    let agents: Vec<(f64, f64)> = [Component::Ztunnel, Component::CiliumAgent]
        .into_iter()
        .filter_map(|c| per_instance(run, c).map(|x| (x.1, x.2)))
        .collect();
    // Proxies connected to istiod: sidecars, waypoint replicas, and one node agent per node.
    let is_proxy = |w: usize| match names.get(w).map(|x| x.1) {
        Some(Role::App(i)) => costs
            .sidecars
            .get(i)
            .is_some_and(|s| s.request != Resources::ZERO),
        Some(Role::Waypoint) => true,
        _ => false,
    };
    let proxies_at = |f: &FleetRun| -> Vec<f64> {
        let k = samples_of(f, cluster.pools.len());
        let n = f.placed_at_samples.len() / k.max(1);
        (0..k)
            .map(|s| {
                let placed = &f.placed_at_samples[s * n..(s + 1) * n];
                let pods: u32 = (0..n).filter(|&w| is_proxy(w)).map(|w| placed[w]).sum();
                let nodes: u32 = nodes_at(f, s, cluster.pools.len());
                f64::from(pods)
                    + if agents.is_empty() {
                        0.0
                    } else {
                        f64::from(nodes)
                    }
            })
            .collect()
    };

    // istiod: its HPA on the proxies of a first pass.
    if day.istiod_hpa
        && let Some((req, _, _)) = per_instance(run, Component::Istiod)
    {
        let c = &mesh.costs.istiod;
        let proxies = proxies_at(&fleet);
        let mut steps: Vec<(u64, f64)> = Vec::new();
        for (s, v) in proxies.iter().enumerate() {
            if steps.last().is_none_or(|x| x.1 != *v) {
                steps.push((s as u64 * day.sample_s, *v));
            }
        }
        let replicas = run.istiod_nodes.len() as u32;
        let target = (c.hpa_target * 100.0).round().clamp(1.0, 1000.0) as u32;
        spec.workloads.push(Workload {
            name: "istiod".into(),
            spec: PodSpec {
                requests: req,
                ..PodSpec::default()
            },
            pool: node_pool(run, run.istiod_nodes.first()),
            replicas,
            hpa: Some(HpaSpec::new(
                c.min_replicas.max(1),
                c.max_replicas.max(c.min_replicas.max(1)),
                Metric::Resource,
                Target::Utilization(target),
            )),
            covered_request_m: req.cpu_milli as f64,
            idle_m: c.base.cpu_milli,
            m_per_rps: c.per_proxy.cpu_milli,
            load: Load {
                steps,
                period_s: None,
            },
            readiness_s: 0,
        });
        names.push(("istiod".into(), Role::Istiod));
        fleet = fleet::simulate(&spec);
    }

    // The proxies' memory and CPU at each sampling instant, per pool.
    let pools = cluster.pools.len();
    let k = samples_of(&fleet, pools);
    let n = spec.workloads.len();
    let mut proxy_memory = vec![0.0; k * pools];
    let mut proxy_cpu = vec![0.0; k * pools];
    for s in 0..k {
        let t = s as u64 * day.sample_s;
        let placed = &fleet.placed_at_samples[s * n..(s + 1) * n];
        for (w, (_, role)) in names.iter().enumerate() {
            let wl = &spec.workloads[w];
            let at = s * pools + wl.pool;
            let pods = f64::from(placed[w]);
            let (m, idle, per_rps, load) = match role {
                Role::App(i) => {
                    let sc = costs.sidecars.get(*i).copied().unwrap_or_default();
                    match sidecar {
                        Some((_, m, _)) if sc.request != Resources::ZERO => {
                            (m, sc.idle_m, sc.m_per_rps, loads[*i].at(t))
                        }
                        _ => continue,
                    }
                }
                Role::Waypoint => (
                    waypoint.map_or(0.0, |x| x.1),
                    wl.idle_m,
                    wl.m_per_rps,
                    wl.load.at(t),
                ),
                Role::Istiod => continue,
            };
            proxy_memory[at] += m * pods;
            if placed[w] > 0 {
                proxy_cpu[at] += idle * pods + per_rps * load;
            }
        }
        for p in 0..pools {
            let nodes = f64::from(fleet.samples[s * pools + p].nodes);
            for (m, c) in &agents {
                proxy_memory[s * pools + p] += m * nodes;
                proxy_cpu[s * pools + p] += c * nodes;
            }
        }
    }
    ModeDay {
        mode: run.mode,
        fleet,
        pools_of: spec.workloads.iter().map(|w| w.pool).collect(),
        workloads: names,
        proxy_memory,
        proxy_cpu,
    }
}

/// Sampling instants in a run.
pub fn samples_of(f: &FleetRun, pools: usize) -> usize {
    f.samples.len() / pools.max(1)
}

/// Nodes present at sampling instant `s`, over all pools.
pub fn nodes_at(f: &FleetRun, s: usize, pools: usize) -> u32 {
    f.samples[s * pools..(s + 1) * pools]
        .iter()
        .map(|x| x.nodes)
        .sum()
}

/// The day of every mode, in the runs' order; `reference` is the run whose placement counts
/// "fill" replicas for the default loads (the current mode's).
pub fn run(
    cluster: &Cluster,
    mesh: &MeshConfig,
    day: &DaySpec,
    runs: &[ModeRun],
    reference: usize,
    scheduler: SchedulerConfig,
    seed: u64,
) -> Vec<ModeDay> {
    let Some(r) = runs.get(reference).or(runs.first()) else {
        return Vec::new();
    };
    let loads = loads(cluster, day, r);
    use rayon::prelude::*;
    runs.par_iter()
        .map(|run| run_mode(cluster, mesh, day, run, &loads, scheduler, seed))
        .collect()
}
