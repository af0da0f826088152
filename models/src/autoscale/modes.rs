//! One fleet, several mesh modes: what a mode changes in a [`FleetSpec`] — each pod's requests
//! (a sidecar's added), what its HPA measures (with `Resource` the sidecar's usage and request
//! enter the average, with `ContainerResource` only the application's), and the node agents on
//! every node (ztunnel, istio-cni) — so the same load gives each mode its own replicas, nodes
//! and node-hours. [`ModeCosts::from_run`] takes a mode's figures from the placement
//! `meshsim run` makes (the same requests, right-sized or not), and [`fleet_workload`] turns a
//! scenario's workload into a fleet one.

use super::fleet::{FleetRun, FleetSpec, Load, Workload};
use super::hpa::{HpaSpec, Metric};
use crate::cluster::Workload as ClusterWorkload;
use crate::mesh::MeshConfig;
use crate::packing::{Component, ModeRun};
use crate::resources::Resources;
use crate::scheduler::PodSpec;

/// One workload's sidecar under a mode (all zero without one).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sidecar {
    /// Its request.
    pub request: Resources,
    /// Its CPU at no load, millicores.
    pub idle_m: f64,
    /// Its CPU per request per second the workload serves (what it sends included), millicores.
    pub m_per_rps: f64,
}

/// What a mesh mode adds, in the terms the fleet run needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeCosts {
    /// Mode name (`sidecar`, `ambient`, …).
    pub name: String,
    /// Per workload (in the fleet's order), its sidecar; a workload past the end has none.
    pub sidecars: Vec<Sidecar>,
    /// Pods on every node (node agents), placed before any workload pod.
    pub node_agents: Vec<PodSpec>,
}

impl ModeCosts {
    /// No mesh.
    pub fn none() -> ModeCosts {
        ModeCosts {
            name: "none".into(),
            sidecars: Vec::new(),
            node_agents: Vec::new(),
        }
    }

    /// A mode's figures from its placement: each workload's sidecar request as placed, its CPU
    /// from the mode's sidecar model (base, and per 1,000 requests through the proxy — what
    /// the workload serves and sends), and the node agents' requests per node.
    pub fn from_run(workloads: &[ClusterWorkload], mesh: &MeshConfig, run: &ModeRun) -> ModeCosts {
        let sidecars = workloads
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let request = run
                    .sidecar_requests
                    .get(i)
                    .copied()
                    .unwrap_or(Resources::ZERO);
                let ns = run.namespace_modes.get(i).copied();
                match ns.and_then(|n| mesh.sidecar_costs(n)) {
                    Some(c) if request != Resources::ZERO => {
                        let through = if w.rps_per_replica > 0.0 {
                            (w.rps_per_replica + w.outbound_rps_per_replica) / w.rps_per_replica
                        } else {
                            0.0
                        };
                        Sidecar {
                            request,
                            idle_m: c.base_cpu_milli,
                            m_per_rps: c.cpu_milli_per_1000_rps / 1000.0 * through,
                        }
                    }
                    _ => Sidecar::default(),
                }
            })
            .collect();
        let per_node = |c: Component| -> Option<Resources> {
            let cost = run.costs.get(&c)?;
            let n = u32::try_from(cost.count).ok().filter(|n| *n > 0)?;
            Some(Resources::cpu_mem(
                cost.request.cpu_milli / u64::from(n),
                cost.request.memory_bytes / u64::from(n),
            ))
        };
        let node_agents = [
            Component::Ztunnel,
            Component::IstioCni,
            Component::CiliumAgent,
        ]
        .into_iter()
        .filter_map(per_node)
        .map(|r| PodSpec {
            requests: r,
            tolerations: vec![crate::cluster::Toleration::everything()],
            ..PodSpec::default()
        })
        .collect();
        ModeCosts {
            name: run.mode.as_str().into(),
            sidecars,
            node_agents,
        }
    }
}

/// A scenario's workload as a fleet workload without a mesh: the application's pod, its CPU
/// request as what the HPA covers, and its CPU use driven by load — `usage.cpu` at the
/// replica's `rps`, so `usage.cpu ÷ rps` per request per second (a workload serving no
/// requests uses `usage.cpu` whatever the load).
pub fn fleet_workload(
    w: &ClusterWorkload,
    replicas: u32,
    pool: usize,
    hpa: Option<HpaSpec>,
    load: Load,
    readiness_s: u64,
) -> Workload {
    let (idle_m, m_per_rps) = if w.rps_per_replica > 0.0 {
        (0.0, w.usage.cpu_milli / w.rps_per_replica)
    } else {
        (w.usage.cpu_milli, 0.0)
    };
    Workload {
        name: w.name.clone(),
        spec: PodSpec {
            requests: w.requests,
            node_selector: w.node_selector.clone(),
            tolerations: w.tolerations.clone(),
            max_per_node: w.max_per_node,
            gpu_models: Vec::new(),
        },
        pool,
        replicas,
        hpa,
        covered_request_m: w.requests.cpu_milli as f64,
        idle_m,
        m_per_rps,
        load,
        readiness_s,
    }
}

/// `base` (workloads as the application alone, no mesh; the cluster's own DaemonSets) under
/// `mode`: sidecar requests added to every pod, the HPA's covered request and usage per its
/// metric, the node agents placed first on every node.
pub fn under_mode<'a>(base: &FleetSpec<'a>, mode: &ModeCosts) -> FleetSpec<'a> {
    let workloads = base
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let sc = mode.sidecars.get(i).copied().unwrap_or_default();
            let mut spec = w.spec.clone();
            spec.requests += sc.request;
            let with_sidecar = w.hpa.as_ref().is_some_and(|h| h.metric == Metric::Resource);
            let (covered, idle, per_rps) = if with_sidecar {
                (
                    w.covered_request_m + sc.request.cpu_milli as f64,
                    w.idle_m + sc.idle_m,
                    w.m_per_rps + sc.m_per_rps,
                )
            } else {
                (w.covered_request_m, w.idle_m, w.m_per_rps)
            };
            Workload {
                spec,
                covered_request_m: covered,
                idle_m: idle,
                m_per_rps: per_rps,
                ..w.clone()
            }
        })
        .collect();
    let mut daemonsets = mode.node_agents.clone();
    daemonsets.extend(base.daemonsets.iter().cloned());
    FleetSpec {
        workloads,
        daemonsets,
        ..base.clone()
    }
}

/// Runs `base` under each mode, in order.
pub fn compare(base: &FleetSpec<'_>, modes: &[ModeCosts]) -> Vec<FleetRun> {
    modes
        .iter()
        .map(|m| super::fleet::simulate(&under_mode(base, m)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscale::cluster_autoscaler::CaConfig;
    use crate::autoscale::fleet::tests::res;
    use crate::autoscale::fleet::{Load, PoolScaling};
    use crate::autoscale::hpa::{HpaSpec, Target};
    use crate::cluster::NodePool;
    use crate::scheduler::SchedulerConfig;

    fn base<'a>(pools: &'a [NodePool], metric: Metric) -> FleetSpec<'a> {
        FleetSpec {
            pools,
            scaling: vec![Some(PoolScaling {
                min: 1,
                max: 20,
                provisioning_s: 60,
            })],
            daemonsets: Vec::new(),
            workloads: vec![Workload {
                name: "api".into(),
                spec: PodSpec {
                    requests: res(500, 512),
                    ..PodSpec::default()
                },
                pool: 0,
                replicas: 10,
                hpa: Some(HpaSpec::new(1, 100, metric, Target::Utilization(60))),
                covered_request_m: 500.0,
                idle_m: 0.0,
                m_per_rps: 4.0,
                load: Load::constant(1000.0),
                readiness_s: 0,
            }],
            horizon_s: 3600,
            hpa_sync_s: 15,
            ca: CaConfig::default(),
            sample_s: 60,
            scheduler: SchedulerConfig::default(),
            seed: 1,
        }
    }

    fn sidecar() -> ModeCosts {
        ModeCosts {
            name: "sidecar".into(),
            sidecars: vec![Sidecar {
                request: res(100, 128),
                idle_m: 2.0,
                m_per_rps: 0.2,
            }],
            node_agents: Vec::new(),
        }
    }

    /// 1,000 rps on `api` (4m per request: 4,000m of application CPU), HPA at 60 %. By hand:
    /// - no mesh: 4,000m over 10 × 500m = 80 % → ceil(1.333 × 10) = 14; at 14 pods
    ///   4,000 / 7,000 = 57 % (ratio 0.95, within) → 14.
    /// - sidecars, `ContainerResource` (application only): the same 14.
    /// - sidecars, `Resource`: (4,000 + 10 × 2 + 200) / (10 × 600) = 70 % → ceil(1.1667 × 10)
    ///   = 12; at 12 pods (4,000 + 24 + 200) / 7,200 = 58 % → 12: the sidecar's request in the
    ///   average hides load, and the application runs hotter (4,000 / 6,000 = 67 %).
    #[test]
    fn the_sidecar_in_the_hpa_average_changes_the_replicas() {
        let pools = [NodePool::new("web", 4, res(8000, 32 * 1024))];
        let at_end = |r: &FleetRun| r.samples.last().unwrap().replicas;
        let app = base(&pools, Metric::ContainerResource);
        let res_ = base(&pools, Metric::Resource);
        assert_eq!(at_end(&super::super::fleet::simulate(&app)), 14, "no mesh");
        assert_eq!(
            at_end(&compare(&app, &[sidecar()])[0]),
            14,
            "ContainerResource"
        );
        assert_eq!(at_end(&compare(&res_, &[sidecar()])[0]), 12, "Resource");
    }

    /// Node agents on every node and sidecars on every pod, on 4-vCPU nodes: 14 pods of 500m
    /// fit 8 per node without a mesh (2 nodes); with a 100m sidecar each pod is 600m, 6 per node
    /// (3 nodes); ambient's 200m ztunnel leaves 3.8 vCPU, 7 pods per node (2 nodes). Over the
    /// hour the node-seconds follow (the first minutes aside, while the fleet grows).
    #[test]
    fn each_mode_gets_its_own_nodes() {
        let pools = [NodePool::new("web", 1, res(4000, 32 * 1024))];
        let b = base(&pools, Metric::ContainerResource);
        let ambient = ModeCosts {
            name: "ambient".into(),
            node_agents: vec![PodSpec {
                requests: res(200, 256),
                ..PodSpec::default()
            }],
            ..ModeCosts::none()
        };
        let runs = compare(&b, &[ModeCosts::none(), sidecar(), ambient]);
        let nodes = |r: &FleetRun| r.samples.last().unwrap().nodes;
        assert_eq!(
            runs.iter().map(nodes).collect::<Vec<_>>(),
            vec![2, 3, 2],
            "none, sidecar, ambient"
        );
        assert!(
            runs.iter()
                .all(|r| r.samples.last().unwrap().replicas == 14)
        );
        assert!(runs[1].node_seconds[0] > runs[0].node_seconds[0]);
    }
}
