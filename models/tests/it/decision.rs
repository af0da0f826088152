//! Decision-grade figures, with answers computed by hand: a mode that leaves a service unplaced
//! neither "fits" nor reports latency for requests that cannot be served; headroom and N+1
//! change the required node count by a known amount; a seconds-long request path still resolves
//! a sub-millisecond difference; unsourced figures are "not modelled", not zero; the current mode
//! has no payback and payback beyond the horizon is none.

use meshsim_core::stats::Estimator;
use meshsim_core::time::SimDuration;
use meshsim_models::cluster::{Cluster, NodePool, Replicas, Workload};
use meshsim_models::delay::DelaySpec;
use meshsim_models::fleet_search::{CapacityRules, PoolRules};
use meshsim_models::headline::Migration;
use meshsim_models::latency::{
    Arrival, Call, CallMode, LatencySpec, LoadBalancing, NetworkSpec, ServiceSpec, TrafficSpec,
    lookup,
};
use meshsim_models::mesh::{MeshConfig, MeshMode};
use meshsim_models::presets;
use meshsim_models::resources::{GIB, Resources};
use meshsim_models::scheduler::{SchedulerConfig, TieBreak};
use meshsim_models::study::{self, NoProgress, Options, StudyResult, StudySpec};

fn mesh() -> MeshConfig {
    presets::default_mesh_config(presets::istio_1_24())
}

fn sched() -> SchedulerConfig {
    SchedulerConfig {
        tie_break: TieBreak::First,
        ..Default::default()
    }
}

fn constant(d: SimDuration) -> DelaySpec {
    DelaySpec::Constant { value: d }
}

fn network(d: SimDuration) -> NetworkSpec {
    NetworkSpec {
        same_node: constant(d),
        same_zone: constant(d),
        cross_zone: constant(d),
        cross_cluster: constant(d),
    }
}

fn leaf(processing: DelaySpec) -> ServiceSpec {
    ServiceSpec {
        processing,
        calls: Vec::new(),
        mode: CallMode::Sequential,
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    cluster: &Cluster,
    mesh: &MeshConfig,
    modes: &[MeshMode],
    rules: &CapacityRules,
    nodes_required: bool,
    migration: Option<Migration>,
    latency: Option<&LatencySpec>,
    replications: u32,
) -> StudyResult {
    let spec = StudySpec {
        cluster,
        mesh,
        scheduler: sched(),
        seed: 3,
        modes,
        replications,
        nodes_required,
        migration,
        current: Some(MeshMode::Sidecar),
        rules,
        latency,
        autoscaling: None,
    };
    study::run(
        &spec,
        Options {
            rank_namespaces: false,
        },
        &NoProgress,
    )
    .unwrap()
}

#[test]
fn a_service_with_no_placed_replica_fails_requests_and_the_mode_does_not_fit() {
    // Two 2-core nodes. `tool` asks 1950m: alone it fits (one per node), with a 100m sidecar
    // (2050m) it fits nowhere. An `agent` on its own pool calls it once per request.
    let mut small = NodePool::new("small", 2, Resources::cpu_mem(2000, 16 * GIB));
    small.labels.insert("p".into(), "small".into());
    let mut front = NodePool::new("front", 1, Resources::cpu_mem(16_000, 64 * GIB));
    front.labels.insert("p".into(), "front".into());
    let mut tool = Workload::new(
        "tool",
        "tools",
        Replicas::Count(2),
        Resources::cpu_mem(1950, GIB),
    );
    tool.node_selector.insert("p".into(), "small".into());
    let mut agent = Workload::new(
        "agent",
        "agents",
        Replicas::Count(1),
        Resources::cpu_mem(100, GIB),
    );
    agent.node_selector.insert("p".into(), "front".into());
    let cluster = Cluster {
        pools: vec![small, front],
        workloads: vec![agent, tool],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let spec = LatencySpec {
        duration: SimDuration::from_secs(5),
        warmup: SimDuration::ZERO,
        load_balancing: LoadBalancing::RoundRobin,
        network: network(SimDuration::from_micros(100)),
        services: vec![
            ServiceSpec {
                processing: constant(SimDuration::from_millis(1)),
                calls: vec![Call {
                    target: 1,
                    count: 1,
                }],
                mode: CallMode::Sequential,
            },
            leaf(constant(SimDuration::from_millis(5))),
        ],
        traffic: vec![TrafficSpec {
            name: "task".into(),
            target: 0,
            from: None,
            arrival: Arrival::Poisson { rate: 50.0 },
        }],
        utilisation_warning: 0.8,
        compress_schedules: false,
        cpu_contention: false,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    };
    let modes = [MeshMode::None, MeshMode::Sidecar];
    let r = run(
        &cluster,
        &mesh(),
        &modes,
        &CapacityRules::packed(),
        true,
        None,
        Some(&spec),
        2,
    );
    let (none, side) = (&r.results[0], &r.results[1]);
    assert!(none.fits);
    assert!(!side.fits);
    assert_eq!(side.pods_pending, 2);
    // Sidecar mode: nothing at equal replicas, no saving against a current mode that does not
    // fit; the no-mesh mode has no saving either (its baseline does not fit).
    assert_eq!(side.cost_usd_per_month, None);
    assert_eq!(none.mesh_savings_usd_per_month, None);
    // Every request of the sidecar mode failed, none of the no-mesh mode did.
    let graph = |m: usize| &r.latency_detail[m].dists[1];
    assert_eq!(graph(0).failed_requests, 0.0);
    assert!(
        graph(1).failed_requests > 200.0,
        "{}",
        graph(1).failed_requests
    );
    assert!(!graph(1).valid());
    assert_eq!(graph(1).count, 0.0, "failed requests enter no statistic");
    assert_eq!(graph(1).unreachable, vec![1]);
    // Cells are empty, not a chain faster than no mesh.
    assert_eq!(r.latency[1].chain_p99_ms, None);
    assert_eq!(r.latency[1].hop_p50_ms, None);
    assert!(r.latency[0].chain_p99_ms.is_some());
    // The warnings name the unplaced service and why it is pending.
    let w = r.warnings.join("\n");
    assert!(
        w.contains("sidecar: task fails")
            && w.contains("`tool` has no placed replica (2 pending: 0/3 nodes are available"),
        "{w}"
    );
    assert!(w.contains("sidecar: does not fit: 2 pod(s) pending"), "{w}");
    assert!(
        w.contains("the current mode `sidecar` does not fit the fleet"),
        "{w}"
    );
}

#[test]
fn headroom_and_a_spare_node_change_the_required_count_by_hand() {
    // 10 nodes of 16 cores / 64 GiB, 40 replicas of 4 cores / 8 GiB, no mesh. Packed: 4 per
    // node, 10 nodes. With 10 % of CPU kept free a node offers 14.4 cores: 3 per node, so
    // ceil(40 / 3) = 14 nodes, and N+1 makes 15 — more than the fleet has.
    let pool = NodePool::new("cpu", 10, Resources::cpu_mem(16_000, 64 * GIB));
    let w = Workload::new(
        "web",
        "web",
        Replicas::Count(40),
        Resources::cpu_mem(4000, 8 * GIB),
    );
    let cluster = Cluster {
        pools: vec![pool],
        workloads: vec![w],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let required = |rules: &CapacityRules| {
        let r = run(
            &cluster,
            &mesh(),
            &[MeshMode::None],
            rules,
            true,
            None,
            None,
            1,
        );
        r.results[0].pools[0].nodes_required
    };
    assert_eq!(required(&CapacityRules::packed()), Some(10));
    assert_eq!(required(&CapacityRules::default()), Some(15));
    let no_spare = CapacityRules {
        cpu_pools: PoolRules {
            n_plus_one: false,
            ..CapacityRules::default().cpu_pools
        },
        ..CapacityRules::default()
    };
    assert_eq!(required(&no_spare), Some(14));
    // A floor of 8 per zone in 3 zones: 24 nodes, plus the spare.
    let mut zoned = cluster.clone();
    zoned.pools[0].zones = vec!["a".into(), "b".into(), "c".into()];
    let floors = CapacityRules {
        cpu_pools: PoolRules {
            min_nodes_per_zone: 8,
            ..CapacityRules::default().cpu_pools
        },
        ..CapacityRules::default()
    };
    let r = run(
        &zoned,
        &mesh(),
        &[MeshMode::None],
        &floors,
        true,
        None,
        None,
        1,
    );
    assert_eq!(r.results[0].pools[0].nodes_required, Some(25));
    assert_eq!(r.results[0].nodes_removable, Some(-15));
}

#[test]
fn a_seconds_long_path_resolves_a_sub_millisecond_difference() {
    // One call per request: processing 2 s, network 100 µs, sidecar traversal exactly 150 µs
    // (a constant), so a sidecar pair adds exactly 0.300 ms to a 2.0002 s request at low load.
    // A 3-significant-digit histogram resolves 2 ms at 2 s; the exact order statistics give
    // 0.300 ms with no spread.
    let pools = vec![NodePool::new(
        "cpu",
        2,
        Resources::cpu_mem(16_000, 64 * GIB),
    )];
    let mut client = Workload::new(
        "client",
        "a",
        Replicas::Count(1),
        Resources::cpu_mem(1000, GIB),
    );
    client.max_per_node = Some(1);
    let server = Workload::new(
        "server",
        "a",
        Replicas::Count(1),
        Resources::cpu_mem(1000, GIB),
    );
    let cluster = Cluster {
        pools,
        workloads: vec![client, server],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let mut m = mesh();
    m.costs.sidecar.service_time = constant(SimDuration::from_micros(150));
    let spec = LatencySpec {
        duration: SimDuration::from_secs(60),
        warmup: SimDuration::ZERO,
        load_balancing: LoadBalancing::RoundRobin,
        network: network(SimDuration::from_micros(100)),
        services: vec![
            leaf(constant(SimDuration::ZERO)),
            leaf(constant(SimDuration::from_secs(2))),
        ],
        traffic: vec![TrafficSpec {
            name: "call".into(),
            target: 1,
            from: Some(0),
            arrival: Arrival::Poisson { rate: 5.0 },
        }],
        utilisation_warning: 0.8,
        compress_schedules: false,
        cpu_contention: false,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    };
    let r = run(
        &cluster,
        &m,
        &[MeshMode::None, MeshMode::Sidecar],
        &CapacityRules::packed(),
        false,
        None,
        Some(&spec),
        3,
    );
    let side = &r.latency_detail[1].dists[1];
    assert_eq!(side.estimator, Estimator::Exact);
    for q in ["mean", "p50", "p99"] {
        let added = lookup(&side.added_vs_none, q).unwrap();
        assert!(
            (added.mean - 0.300).abs() < 1e-6,
            "{q}: {} ± {}",
            added.mean,
            added.ci95
        );
        assert!(added.ci95 < 1e-6, "{q}: ± {}", added.ci95);
    }
    let p99 = lookup(&side.stats, "p99").unwrap().mean;
    assert!((p99 - 2000.4).abs() < 1e-6, "{p99}");
    // A difference whose interval contains 0 is not significant: none against itself.
    let none = &r.latency_detail[0].dists[1];
    assert_eq!(
        lookup(&none.added_vs_none, "p50").unwrap().significant(),
        Some(false)
    );
    assert_eq!(r.latency[1].hop_p50_significant, Some(true));
}

#[test]
fn unsourced_figures_are_not_modelled_and_roi_follows_the_current_mode() {
    // 10 nodes, 50 web pods: Linkerd and Cilium CPU have no source, so they are "not
    // modelled"; Istio sidecar CPU has one.
    let pool = NodePool {
        price_per_hour_usd: 1.0,
        ..NodePool::new("cpu", 10, Resources::cpu_mem(16_000, 64 * GIB))
    };
    let mut w = Workload::new(
        "web",
        "web",
        Replicas::Count(50),
        Resources::cpu_mem(1000, 4 * GIB),
    );
    w.rps_per_replica = 100.0;
    let cluster = Cluster {
        pools: vec![pool],
        workloads: vec![w],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let modes = [
        MeshMode::Sidecar,
        MeshMode::Ambient,
        MeshMode::Linkerd,
        MeshMode::Cilium,
    ];
    let migration = Some(Migration {
        sprints: 4.0,
        cost_per_sprint_usd: 1_000_000.0,
        horizon_months: 24,
    });
    let r = run(
        &cluster,
        &mesh(),
        &modes,
        &CapacityRules::packed(),
        true,
        migration,
        None,
        1,
    );
    let by = |m: MeshMode| r.results.iter().find(|x| x.mode == m).unwrap();
    assert!(!by(MeshMode::Sidecar).unmodelled.proxy_cpu);
    assert!(by(MeshMode::Linkerd).unmodelled.proxy_cpu);
    assert!(by(MeshMode::Linkerd).unmodelled.control_plane);
    assert!(by(MeshMode::Cilium).unmodelled.proxy_cpu);
    assert!(by(MeshMode::Cilium).unmodelled.latency);
    // The current mode has no payback; a $4M migration that saves a few hundred dollars a
    // month does not pay back within 24 months, and says so rather than "1,000 months".
    assert!(by(MeshMode::Sidecar).is_current);
    assert_eq!(by(MeshMode::Sidecar).roi, None);
    let roi = by(MeshMode::Ambient)
        .roi
        .expect("a migration to ambient has an ROI");
    let saving = by(MeshMode::Ambient).mesh_savings_usd_per_month.unwrap();
    assert!(saving >= 0.0);
    assert_eq!(roi.payback_months, None);
    assert!((roi.net_horizon_usd - (24.0 * saving - 4_000_000.0)).abs() < 1e-6);
}

#[test]
fn recovered_replicas_carry_a_capacity_value() {
    // The memory-bound quarter-GPU case of packing.rs: on 4 nodes at $98.32/h with 8 GPUs,
    // ambient places 4 more replicas of a quarter GPU: 1 GPU, 730 GPU-hours a month, worth
    // 730 × 98.32 / 8 = $8,971.70 a month — though no node can be removed.
    let mut gpu = NodePool::new(
        "gpu",
        4,
        Resources {
            cpu_milli: 64_000,
            memory_bytes: 256 * GIB,
            gpus: 8,
            gpu_milli: 0,
        },
    );
    gpu.price_per_hour_usd = 98.32;
    let mut cpu = NodePool::new("cpu", 2, Resources::cpu_mem(16_000, 64 * GIB));
    cpu.price_per_hour_usd = 0.77;
    gpu.taints.push(meshsim_models::cluster::Taint {
        key: "nvidia.com/gpu".into(),
        value: "present".into(),
        effect: meshsim_models::cluster::TaintEffect::NoSchedule,
    });
    let mut w = Workload::new(
        "llm",
        "ml",
        Replicas::Fill,
        Resources {
            cpu_milli: 2000,
            memory_bytes: (159 * GIB) / 10,
            gpus: 0,
            gpu_milli: 250,
        },
    );
    w.tolerations
        .push(meshsim_models::cluster::Toleration::everything());
    let cluster = Cluster {
        pools: vec![gpu, cpu],
        workloads: vec![w],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let r = run(
        &cluster,
        &mesh(),
        &[MeshMode::Sidecar, MeshMode::Ambient],
        &CapacityRules::packed(),
        true,
        None,
        None,
        1,
    );
    let amb = &r.results[1];
    assert_eq!(amb.replicas_recovered, Some(4));
    assert_eq!(
        amb.pools[0].nodes_required,
        Some(4),
        "no GPU node removable"
    );
    assert!((amb.recovered_gpu_hours_per_month.unwrap() - 730.0).abs() < 1e-9);
    let value = amb.recovered_gpu_value_usd_per_month.unwrap();
    assert!((value - 730.0 * 98.32 / 8.0).abs() < 1e-6, "{value}");
}

#[test]
fn a_schedule_longer_than_the_window_warns_or_is_compressed() {
    // A day: 100 requests/s for 12 h, then 300/s. A 10 s window sees the first step only
    // (≈ 1000 requests) unless the day is compressed into it (≈ 10 × 200 = 2000: each half
    // of the window at one step). Poisson counts: 5 standard deviations ≈ 160 and 225.
    let pools = vec![NodePool::new(
        "cpu",
        1,
        Resources::cpu_mem(16_000, 64 * GIB),
    )];
    let cluster = Cluster {
        pools,
        workloads: vec![Workload::new(
            "web",
            "a",
            Replicas::Count(1),
            Resources::cpu_mem(1000, GIB),
        )],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let spec = |compress: bool| LatencySpec {
        duration: SimDuration::from_secs(10),
        warmup: SimDuration::ZERO,
        load_balancing: LoadBalancing::RoundRobin,
        network: network(SimDuration::from_micros(100)),
        services: vec![leaf(constant(SimDuration::from_millis(1)))],
        traffic: vec![TrafficSpec {
            name: "day".into(),
            target: 0,
            from: None,
            arrival: Arrival::Schedule {
                steps: vec![
                    (SimDuration::ZERO, 100.0),
                    (SimDuration::from_secs(12 * 3600), 300.0),
                ],
                period: SimDuration::from_secs(24 * 3600),
            },
        }],
        utilisation_warning: 0.8,
        compress_schedules: compress,
        cpu_contention: false,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    };
    let requests = |compress: bool| {
        let s = spec(compress);
        let r = run(
            &cluster,
            &mesh(),
            &[MeshMode::None],
            &CapacityRules::packed(),
            false,
            None,
            Some(&s),
            1,
        );
        (r.latency_detail[0].dists[1].count, r.warnings)
    };
    let (cut, warnings) = requests(false);
    assert!((cut - 1000.0).abs() < 160.0, "{cut}");
    let w = warnings.join("\n");
    assert!(
        w.contains("traffic `day`: its schedule repeats every 86400s but only 10s (warm-up included) is simulated, so 1 of its 2 step(s) are seen"),
        "{w}"
    );
    let (whole, warnings) = requests(true);
    assert!((whole - 2000.0).abs() < 225.0, "{whole}");
    assert!(
        !warnings.iter().any(|w| w.contains("schedule")),
        "{warnings:?}"
    );
}
