//! Mesh modes on real fleets, with answers computed by hand before the code ran.

use meshsim_models::cluster::{
    Cluster, NodePool, Replicas, Taint, TaintEffect, Toleration, TolerationOperator, Workload,
};
use meshsim_models::fleet_search::CapacityRules;
use meshsim_models::headline::{Migration, ModeResult};
use meshsim_models::mesh::{MeshConfig, MeshMode, RequestPolicy};
use meshsim_models::packing::{self, Component};
use meshsim_models::presets;
use meshsim_models::resources::{GIB, MIB, Resources};
use meshsim_models::scheduler::{SchedulerConfig, Strategy, TieBreak};
use meshsim_models::study::{self, NoProgress, Options, StudySpec};

/// `31.9Gi` as Kubernetes rounds it: up to whole bytes (31.9 × 2^30 = 34,252,364,185.6).
const GI_31_9: u64 = 34_252_364_186;
const GI_15_9: u64 = 17_072_495_002; // ceil(15.9 × 2^30)

fn gpu_taint() -> Taint {
    Taint {
        key: "nvidia.com/gpu".into(),
        value: "present".into(),
        effect: TaintEffect::NoSchedule,
    }
}

fn gpu_toleration() -> Toleration {
    Toleration {
        key: Some("nvidia.com/gpu".into()),
        operator: TolerationOperator::Exists,
        value: String::new(),
        effect: None,
    }
}

/// `gpu_nodes` nodes with 8 GPUs, 96 cores and exactly 256Gi allocatable, tainted for GPUs,
/// plus a CPU pool for the control plane.
fn fleet(gpu_nodes: u32) -> Vec<NodePool> {
    let mut gpu = NodePool::new(
        "gpu",
        gpu_nodes,
        Resources {
            cpu_milli: 96_000,
            memory_bytes: 256 * GIB,
            gpus: 8,
            gpu_milli: 0,
        },
    );
    gpu.taints.push(gpu_taint());
    gpu.price_per_hour_usd = 98.32;
    let mut cpu = NodePool::new("cpu", 3, Resources::cpu_mem(16_000, 64 * GIB));
    cpu.price_per_hour_usd = 0.77;
    vec![gpu, cpu]
}

fn inference(requests: Resources) -> Workload {
    let mut w = Workload::new("llm", "inference", Replicas::Fill, requests);
    w.tolerations.push(gpu_toleration());
    w
}

fn mesh() -> MeshConfig {
    presets::default_mesh_config(presets::istio_1_24())
}

fn sched() -> SchedulerConfig {
    SchedulerConfig {
        strategy: Strategy::KubeDefault,
        gpu_weight: 0,
        tie_break: TieBreak::Random,
    }
}

/// Every mode's headline with nodes at equal replicas, through the study pipeline.
fn compare(cluster: &Cluster, migration: Option<Migration>, modes: &[MeshMode]) -> Vec<ModeResult> {
    let mesh = mesh();
    let spec = StudySpec {
        cluster,
        mesh: &mesh,
        scheduler: sched(),
        seed: 1,
        modes,
        replications: 1,
        nodes_required: true,
        migration,
        current: Some(MeshMode::Sidecar),
        rules: &CapacityRules::packed(),
        latency: None,
        autoscaling: None,
    };
    let opts = Options {
        rank_namespaces: false,
    };
    study::run(&spec, opts, &NoProgress).unwrap().results
}

fn replicas(cluster: &Cluster, mode: MeshMode) -> usize {
    packing::evaluate(cluster, &mesh(), mode, sched(), 1).workloads[0]
        .nodes
        .len()
}

#[test]
fn sidecars_cost_a_replica_on_a_memory_tight_gpu_node() {
    // 8 × 31.9Gi = 255.2Gi leaves 819.2 MiB. Eight 128Mi sidecars need 1024 MiB: only 7 fit.
    // No mesh: 8. Ambient: ztunnel 512Mi + istio-cni 100Mi = 612 MiB still fit: 8.
    let cluster = Cluster {
        pools: fleet(1),
        workloads: vec![inference(Resources {
            cpu_milli: 4000,
            memory_bytes: GI_31_9,
            gpus: 1,
            gpu_milli: 0,
        })],
        daemonsets: vec![],
        members: Vec::new(),
    };
    assert_eq!(replicas(&cluster, MeshMode::Sidecar), 7);
    assert_eq!(replicas(&cluster, MeshMode::None), 8);
    assert_eq!(replicas(&cluster, MeshMode::Ambient), 8);
    assert_eq!(replicas(&cluster, MeshMode::AmbientWaypoint), 8);
    // Linkerd requests nothing by default: 8.
    assert_eq!(replicas(&cluster, MeshMode::Linkerd), 8);
    // Istio 1.22.0's ztunnel asked for 2Gi: then ambient loses replicas too (255.2 + 2 + 0.1 > 256).
    let mut old = mesh();
    old.costs = presets::istio_1_22_0();
    let run = packing::evaluate(&cluster, &old, MeshMode::Ambient, sched(), 1);
    assert_eq!(run.workloads[0].nodes.len(), 7);
}

#[test]
fn whole_gpus_bind_and_the_mesh_changes_nothing() {
    // 1 GPU and 8Gi per replica: 8 GPUs are gone long before 256Gi.
    let cluster = Cluster {
        pools: fleet(4),
        workloads: vec![inference(Resources {
            cpu_milli: 4000,
            memory_bytes: 8 * GIB,
            gpus: 1,
            gpu_milli: 0,
        })],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let migration = None;
    let modes = [MeshMode::None, MeshMode::Sidecar, MeshMode::Ambient];
    let r = compare(&cluster, migration, &modes);
    for m in &r {
        assert_eq!(m.inference_replicas, 32, "{:?}", m.mode);
        assert_eq!(m.binding_resource, "gpu", "{:?}", m.mode);
        assert_eq!(m.gpus_idle, 0.0);
        assert_eq!(m.replicas_recovered, Some(0));
        assert_eq!(m.pools[0].nodes_required, Some(4));
    }
    // Sidecar and ambient both need one CPU node for istiod; no mesh needs none, so "none"
    // saves exactly one CPU node (0.77 $/h × 730 h) and ambient saves nothing.
    assert_eq!(r[1].pools[1].nodes_required, Some(1));
    assert_eq!(r[2].pools[1].nodes_required, Some(1));
    assert_eq!(r[0].pools[1].nodes_required, Some(0));
    assert!((r[0].mesh_savings_usd_per_month.unwrap() - 0.77 * 730.0).abs() < 1e-6);
    assert_eq!(r[2].mesh_savings_usd_per_month, Some(0.0));
}

#[test]
fn shared_gpus_bind_on_memory_and_ambient_recovers_replicas() {
    // Quarter-GPU replicas with 15.9Gi: GPU shares allow 32 per node, memory allows 16
    // (16 × 15.9 = 254.4Gi). With 128Mi sidecars 16 need 256.4Gi: 15 fit per node.
    // Ambient: 254.4Gi + 612Mi ≤ 256Gi: 16 per node. Over 4 nodes ambient recovers 4.
    let cluster = Cluster {
        pools: fleet(4),
        workloads: vec![inference(Resources {
            cpu_milli: 2000,
            memory_bytes: GI_15_9,
            gpus: 0,
            gpu_milli: 250,
        })],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let migration = Some(Migration {
        sprints: 2.0,
        cost_per_sprint_usd: 50_000.0,
        horizon_months: 24,
    });
    let r = compare(
        &cluster,
        migration,
        &[MeshMode::None, MeshMode::Sidecar, MeshMode::Ambient],
    );
    let (none, side, amb) = (&r[0], &r[1], &r[2]);
    assert_eq!(none.inference_replicas, 64);
    assert_eq!(side.inference_replicas, 60);
    assert_eq!(amb.inference_replicas, 64);
    assert_eq!(amb.replicas_recovered, Some(4));
    assert_eq!(side.replicas_recovered_vs_none, Some(-4));
    assert_eq!(side.binding_resource, "memory");
    assert_eq!(amb.binding_resource, "memory");
    // Idle GPU capacity: per node 8 − shares handed out; sidecar: 8 − 15/4 = 4.25 per node.
    assert!((side.gpus_idle - 4.0 * 4.25).abs() < 1e-9);
    assert!((amb.gpus_idle - 4.0 * 4.0).abs() < 1e-9);
    assert_eq!(side.gpus_idle_by_reason, vec![("memory".to_string(), 17.0)]);
    // At equal replicas (sidecar's 60), ambient needs ceil(60 / 16) = 4 GPU nodes — none removable;
    // so no savings, and the migration never pays back on node count alone.
    assert_eq!(amb.pools[0].nodes_required, Some(4));
    assert_eq!(amb.mesh_savings_usd_per_month, Some(0.0));
    let roi = amb.roi.unwrap();
    assert_eq!(roi.payback_months, None);
    assert!((roi.net_12_months_usd + 100_000.0).abs() < 1e-9);
}

#[test]
fn recovered_capacity_becomes_removable_nodes_at_scale() {
    // Same replica shape on 16 nodes: sidecar places 240; ambient needs ceil(240 / 16) = 15
    // nodes — one GPU node (98.32 $/h × 730 h = 71,773.60 $/month) comes off.
    let cluster = Cluster {
        pools: fleet(16),
        workloads: vec![inference(Resources {
            cpu_milli: 2000,
            memory_bytes: GI_15_9,
            gpus: 0,
            gpu_milli: 250,
        })],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let migration = Some(Migration {
        sprints: 4.0,
        cost_per_sprint_usd: 60_000.0,
        horizon_months: 24,
    });
    let r = compare(&cluster, migration, &[MeshMode::Sidecar, MeshMode::Ambient]);
    let (side, amb) = (&r[0], &r[1]);
    assert_eq!(side.inference_replicas, 240);
    assert_eq!(amb.inference_replicas, 256);
    assert_eq!(side.pools[0].nodes_required, Some(16));
    assert_eq!(amb.pools[0].nodes_required, Some(15));
    // The CPU pool needs one node for istiod (500m / 2Gi) in both modes: two spare either way.
    assert_eq!(side.pools[1].nodes_required, Some(1));
    assert_eq!(amb.pools[1].nodes_required, Some(1));
    assert_eq!(side.nodes_removable, Some(2));
    assert_eq!(amb.nodes_removable, Some(3));
    let saving = 98.32 * 730.0;
    assert!((amb.mesh_savings_usd_per_month.unwrap() - saving).abs() < 1e-6);
    let roi = amb.roi.unwrap();
    assert!((roi.payback_months.unwrap() - 240_000.0 / saving).abs() < 1e-9);
    assert!((roi.net_12_months_usd - (12.0 * saving - 240_000.0)).abs() < 1e-6);
}

#[test]
fn mesh_footprint_counts_every_component() {
    // 10 web pods on the CPU pool; sidecar mode: 10 sidecars at 100m/128Mi and one istiod.
    let mut pools = fleet(1);
    pools.truncate(2);
    let web = Workload::new(
        "web",
        "shop",
        Replicas::Count(10),
        Resources::cpu_mem(250, 256 * MIB),
    );
    let cluster = Cluster {
        pools,
        workloads: vec![web],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let run = packing::evaluate(&cluster, &mesh(), MeshMode::Sidecar, sched(), 1);
    let s = run.costs[&Component::Sidecar];
    assert_eq!(s.count, 10);
    assert_eq!(s.request, Resources::cpu_mem(1000, 1280 * MIB));
    assert_eq!(run.costs[&Component::Istiod].count, 1);
    assert!(!run.costs.contains_key(&Component::Ztunnel));
    // Ambient: ztunnel and istio-cni on all 4 nodes (GPU node included: ztunnel tolerates all).
    let run = packing::evaluate(&cluster, &mesh(), MeshMode::Ambient, sched(), 1);
    assert_eq!(run.costs[&Component::Ztunnel].count, 4);
    assert_eq!(run.costs[&Component::IstioCni].count, 4);
    assert_eq!(
        run.costs[&Component::Ztunnel].request,
        Resources::cpu_mem(800, 2048 * MIB)
    );
    // ambient-waypoint adds one waypoint for namespace shop.
    let run = packing::evaluate(&cluster, &mesh(), MeshMode::AmbientWaypoint, sched(), 1);
    assert_eq!(run.waypoints.len(), 1);
    assert_eq!(run.costs[&Component::Waypoint].count, 1);
    // Right-sized: sidecar request = usage × 1.25.
    let mut m = mesh();
    m.request_policy = RequestPolicy::RightSized { headroom: 1.25 };
    let run = packing::evaluate(&cluster, &m, MeshMode::Sidecar, sched(), 1);
    let u = run.costs[&Component::Sidecar].usage.memory_bytes / 10.0;
    let r = run.sidecar_requests[0].memory_bytes as f64;
    assert!(r >= u * 1.25 && r < u * 1.25 + MIB as f64);
}

#[test]
fn per_workload_sidecar_overrides_apply() {
    let mut w = inference(Resources {
        cpu_milli: 4000,
        memory_bytes: GI_31_9,
        gpus: 1,
        gpu_milli: 0,
    });
    // sidecar.istio.io/proxyMemory: 64Mi — eight sidecars need 512Mi ≤ 817Mi: 8 fit again.
    w.sidecar.memory_request_bytes = Some(64 * MIB);
    let cluster = Cluster {
        pools: fleet(1),
        workloads: vec![w],
        daemonsets: vec![],
        members: Vec::new(),
    };
    assert_eq!(replicas(&cluster, MeshMode::Sidecar), 8);
}

#[test]
fn migration_ranking_by_hand() {
    // Namespaces a (10 pods) and b (30 pods) on sidecars, 4 CPU nodes. Moving one namespace to
    // ambient removes its 128Mi sidecars (b: 3840 MiB, a: 1280 MiB, the namespaces' own
    // figures) and adds the node agents once: ztunnel (512Mi) and istio-cni (100Mi) on all 4
    // nodes, 2448 MiB, reported apart. b goes first and, with the agents, frees
    // 3840 − 2448 = 1392 MiB; both together free 40×128 − 2448 = 2672 MiB.
    let pool = NodePool::new("cpu", 4, Resources::cpu_mem(16_000, 64 * GIB));
    let w = |name: &str, ns: &str, n: u32| {
        Workload::new(
            name,
            ns,
            Replicas::Count(n),
            Resources::cpu_mem(100, 256 * MIB),
        )
    };
    let cluster = Cluster {
        pools: vec![pool],
        workloads: vec![w("x", "a", 10), w("y", "b", 30)],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let steps = meshsim_models::migration::rank(&cluster, &mesh(), sched(), 1);
    let mib = |x: i64| x / MIB as i64;
    assert_eq!(steps.len(), 2);
    assert_eq!(
        (steps[0].rank, steps[0].namespace.as_str(), steps[0].pods),
        (1, "b", 30)
    );
    assert_eq!(mib(steps[0].request_freed.1), 3840);
    assert_eq!(mib(steps[1].request_freed.1), 1280);
    assert_eq!(mib(steps[0].node_agents_request.1), 2448);
    assert_eq!(mib(steps[1].node_agents_request.1), 2448);
    assert_eq!(mib(steps[0].cumulative_request_freed.1), 1392);
    assert_eq!(mib(steps[1].cumulative_request_freed.1), 2672);
    assert_eq!(steps[1].replicas_gained, 0);
}
