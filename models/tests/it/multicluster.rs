//! Fleets of several clusters, with every figure computed by hand before the code ran.
//!
//! The fleet: cluster `east` runs `a` (3 replicas, 2 service ports) on one node; cluster `west`
//! runs `b` (2 replicas) and `c` (4 replicas), one port each, on one node. The sidecar's memory
//! is set to round figures: 50 MiB, plus 1 MiB per Envoy cluster (service × port) and 0.5 MiB
//! per endpoint it holds. Every sidecar sees the whole mesh (`sidecar_scope = mesh`).

use meshsim_models::cluster::{Cluster, ControlPlane, Member, NodePool, Replicas, Workload};
use meshsim_models::mesh::{MeshConfig, MeshMode};
use meshsim_models::packing::{self, Component, ModeRun};
use meshsim_models::presets;
use meshsim_models::resources::{GIB, MIB, Resources};
use meshsim_models::scheduler::{SchedulerConfig, Strategy, TieBreak};

const MIB_F: f64 = MIB as f64;

fn member(name: &str, network: &str, control_plane: ControlPlane) -> Member {
    Member {
        name: name.into(),
        region: name.into(),
        network: network.into(),
        control_plane,
        pinned: None,
    }
}

fn workload(name: &str, replicas: u32, ports: u32, member: usize) -> Workload {
    let mut w = Workload::new(
        name,
        "shop",
        Replicas::Count(replicas),
        Resources::cpu_mem(100, 256 * MIB),
    );
    w.ports = ports;
    w.member = member;
    w
}

/// The two-cluster fleet, east and west on `networks`, west served by `west_cp`.
fn fleet(networks: (&str, &str), west_cp: ControlPlane) -> Cluster {
    let mut east = NodePool::new("east-pool", 1, Resources::cpu_mem(16_000, 64 * GIB));
    east.member = 0;
    let mut west = NodePool::new("west-pool", 1, Resources::cpu_mem(16_000, 64 * GIB));
    west.member = 1;
    Cluster {
        pools: vec![east, west],
        workloads: vec![
            workload("a", 3, 2, 0),
            workload("b", 2, 1, 1),
            workload("c", 4, 1, 1),
        ],
        daemonsets: vec![],
        members: vec![
            member("east", networks.0, ControlPlane::Primary),
            member("west", networks.1, west_cp),
        ],
    }
}

/// The same workloads as one cluster of two nodes.
fn flat() -> Cluster {
    let mut c = fleet(("n", "n"), ControlPlane::Primary);
    c.members.clear();
    for p in &mut c.pools {
        p.member = 0;
    }
    for w in &mut c.workloads {
        w.member = 0;
    }
    c
}

fn mesh() -> MeshConfig {
    let mut m = presets::default_mesh_config(presets::istio_1_24());
    m.costs.sidecar.base_memory_bytes = 50.0 * MIB_F;
    m.costs.sidecar.memory_per_cluster_bytes = MIB_F;
    m.costs.sidecar.memory_per_endpoint_bytes = 0.5 * MIB_F;
    m.exclude_namespaces.clear();
    m
}

fn sched() -> SchedulerConfig {
    SchedulerConfig {
        strategy: Strategy::KubeDefault,
        gpu_weight: 0,
        tie_break: TieBreak::Random,
    }
}

fn run(c: &Cluster, mode: MeshMode) -> ModeRun {
    packing::evaluate(c, &mesh(), mode, sched(), 7)
}

fn sidecar_memory_mib(r: &ModeRun) -> f64 {
    r.costs[&Component::Sidecar].usage.memory_bytes / MIB_F
}

#[test]
fn each_cluster_places_its_own_pods_on_its_own_pools() {
    let r = run(
        &fleet(("n1", "n2"), ControlPlane::Primary),
        MeshMode::Sidecar,
    );
    // Node 0 is east's, node 1 west's: a on east, b and c on west.
    assert!(r.workloads[0].nodes.iter().all(|n| n.0 == 0));
    assert!(
        r.workloads[1]
            .nodes
            .iter()
            .chain(&r.workloads[2].nodes)
            .all(|n| n.0 == 1)
    );
    // One istiod per primary and one east-west gateway per cluster, each on its own node.
    let mut gateways: Vec<u32> = r.gateway_nodes.iter().map(|n| n.0).collect();
    gateways.sort_unstable();
    assert_eq!(gateways, vec![0, 1]);
    let mut istiod: Vec<u32> = r.istiod_nodes.iter().map(|n| n.0).collect();
    istiod.sort_unstable();
    assert_eq!(istiod, vec![0, 1]);
    // Pods: east 3 + istiod + gateway; west 6 + istiod + gateway.
    assert_eq!((r.nodes[0].pods, r.nodes[1].pods), (5, 8));
    assert_eq!(r.members.len(), 2);
    assert!(r.members.iter().all(|m| m.settled && m.rounds == 2));
}

#[test]
fn sidecars_on_other_networks_hold_one_gateway_endpoint_per_remote_service_port() {
    // East's sidecars: clusters 1 (istiod) + 2 (a) + 1 (b) + 1 (c) = 5; endpoints 1 + 3 × 2
    // local + one east-west gateway endpoint each for b and c = 9:
    // 50 + 5 + 4.5 = 59.5 MiB. West's: clusters 5 the same way; endpoints 1 + 2 + 4 local + 2
    // for a's two ports through east's gateway = 9: also 59.5 MiB. Nine sidecars: 535.5 MiB.
    let r = run(
        &fleet(("n1", "n2"), ControlPlane::Primary),
        MeshMode::Sidecar,
    );
    assert!(
        (sidecar_memory_mib(&r) - 9.0 * 59.5).abs() < 1e-9,
        "{}",
        sidecar_memory_mib(&r)
    );
    let east = &r.members[0].view;
    assert_eq!((east.mesh.clusters, east.mesh.endpoints), (2.0, 2.0));
    let west = &r.members[1].view;
    assert_eq!((west.mesh.clusters, west.mesh.endpoints), (2.0, 2.0));
}

#[test]
fn sidecars_on_one_network_hold_every_pod_of_every_cluster() {
    // One network: every sidecar holds every endpoint, 1 + 6 + 2 + 4 = 13, and 5 clusters:
    // 50 + 5 + 6.5 = 61.5 MiB each, exactly what one flat cluster of the same pods gives.
    let r = run(&fleet(("n", "n"), ControlPlane::Primary), MeshMode::Sidecar);
    assert!(
        (sidecar_memory_mib(&r) - 9.0 * 61.5).abs() < 1e-9,
        "{}",
        sidecar_memory_mib(&r)
    );
    let f = run(&flat(), MeshMode::Sidecar);
    assert!((sidecar_memory_mib(&f) - sidecar_memory_mib(&r)).abs() < 1e-9);
}

#[test]
fn ztunnel_holds_every_pod_of_the_fleet() {
    // Ambient, per node: ztunnel, istio-cni, istiod and the east-west gateway next to the
    // workloads: east 3 + 4 = 7 pods, west 6 + 4 = 10; each ztunnel holds all 17 (plus its own
    // node's meshed pods).
    let c = fleet(("n1", "n2"), ControlPlane::Primary);
    let r = run(&c, MeshMode::Ambient);
    assert_eq!((r.nodes[0].pods, r.nodes[1].pods), (7, 10));
    let z = &mesh().costs.ztunnel;
    let expect = 2.0 * (z.base_memory_bytes + 17.0 * z.memory_per_cluster_pod_bytes)
        + 9.0 * z.memory_per_local_pod_bytes;
    let got = r.costs[&Component::Ztunnel].usage.memory_bytes;
    assert!((got - expect).abs() < 1e-6, "{got} vs {expect}");
    assert_eq!(r.members[0].view.pods, 10.0);
    assert_eq!(r.members[1].view.pods, 7.0);
}

#[test]
fn a_remote_cluster_has_no_istiod_and_its_primary_serves_its_proxies() {
    // Primary-remote: only east runs istiod, and it serves all nine sidecars and both
    // east-west gateways: 11 proxies, 7 of them west's.
    let pr = run(
        &fleet(("n1", "n2"), ControlPlane::RemoteOf(0)),
        MeshMode::Sidecar,
    );
    assert_eq!(
        pr.istiod_nodes.iter().map(|n| n.0).collect::<Vec<_>>(),
        vec![0]
    );
    let cp = &mesh().costs.istiod;
    let got = pr.costs[&Component::Istiod].usage.cpu_milli;
    assert!((got - (cp.base.cpu_milli + 11.0 * cp.per_proxy.cpu_milli)).abs() < 1e-9);
    assert_eq!(pr.members[0].view.served_proxies, 7);
    assert!(pr.members[1].view.control_plane_elsewhere);
    // Multi-primary: two istiods, each with its own base and its own cluster's proxies.
    let mp = run(
        &fleet(("n1", "n2"), ControlPlane::Primary),
        MeshMode::Sidecar,
    );
    let got = mp.costs[&Component::Istiod].usage.cpu_milli;
    assert!((got - (2.0 * cp.base.cpu_milli + 11.0 * cp.per_proxy.cpu_milli)).abs() < 1e-9);
}

#[test]
fn a_pinned_cluster_keeps_its_mode_except_in_the_no_mesh_baseline() {
    let mut c = fleet(("n1", "n2"), ControlPlane::Primary);
    c.members[1].pinned = Some(MeshMode::Ambient);
    let r = run(&c, MeshMode::Sidecar);
    // East's three pods have sidecars; west runs ztunnel on its node instead.
    assert_eq!(r.costs[&Component::Sidecar].count, 3);
    assert_eq!(
        r.ztunnel_nodes.iter().map(|n| n.0).collect::<Vec<_>>(),
        vec![1]
    );
    assert_eq!(
        (r.members[0].mode, r.members[1].mode),
        (MeshMode::Sidecar, MeshMode::Ambient)
    );
    let none = run(&c, MeshMode::None);
    assert!(
        none.costs
            .get(&Component::Ztunnel)
            .is_none_or(|z| z.count == 0)
    );
    assert!(none.istiod_nodes.is_empty() && none.gateway_nodes.is_empty());
}

#[test]
fn an_east_west_gateway_requests_the_gateway_charts_default_and_holds_the_whole_mesh() {
    // One replica per cluster at 100m / 128Mi; its memory is a waypoint's base plus the whole
    // mesh's view, as a mesh-scoped sidecar of its cluster holds it: 5 clusters, 9 endpoints on
    // both sides (see above), so 5 × 1 MiB + 9 × 0.5 MiB = 9.5 MiB above the base each.
    let r = run(
        &fleet(("n1", "n2"), ControlPlane::Primary),
        MeshMode::Sidecar,
    );
    let g = &r.costs[&Component::EastWestGateway];
    assert_eq!(g.count, 2);
    assert_eq!(
        (g.request.cpu_milli, g.request.memory_bytes),
        (200, 256 * MIB)
    );
    let base = mesh().costs.waypoint.base_memory_bytes;
    assert!((g.usage.memory_bytes - 2.0 * (base + 9.5 * MIB_F)).abs() < 1e-6);
    // A one-cluster fleet has none.
    assert!(
        !run(&flat(), MeshMode::Sidecar)
            .costs
            .contains_key(&Component::EastWestGateway)
    );
}

mod cross_cluster_calls {
    //! A call from `a` (east) to `b` (west) at low load, every delay constant, so each request
    //! takes exactly the sum of its legs: network same node 20 µs, same zone 100 µs, cross
    //! cluster 10 ms; a sidecar visit 100 µs, a ztunnel visit 50 µs, a waypoint or east-west
    //! gateway visit 300 µs; 1 ms of processing at `a` and at `b`.

    use super::*;
    use meshsim_core::time::SimDuration;
    use meshsim_models::delay::DelaySpec;
    use meshsim_models::latency::{
        self, Arrival, Call, CallMode, LatencySpec, LoadBalancing, NetworkSpec, ServiceSpec,
        TrafficSpec,
    };

    fn constant(us: u64) -> DelaySpec {
        DelaySpec::Constant {
            value: SimDuration::from_micros(us),
        }
    }

    /// `a` (1 replica, east) calls `b` (1 replica, west).
    fn two(networks: (&str, &str)) -> Cluster {
        let mut c = fleet(networks, ControlPlane::Primary);
        c.workloads = vec![workload("a", 1, 1, 0), workload("b", 1, 1, 1)];
        c
    }

    fn spec() -> LatencySpec {
        LatencySpec {
            duration: SimDuration::from_secs(60),
            warmup: SimDuration::from_secs(1),
            load_balancing: LoadBalancing::RoundRobin,
            network: NetworkSpec {
                same_node: constant(20),
                same_zone: constant(100),
                cross_zone: constant(600),
                cross_cluster: constant(10_000),
            },
            services: vec![
                ServiceSpec {
                    processing: constant(1000),
                    calls: vec![Call {
                        target: 1,
                        count: 1,
                    }],
                    mode: CallMode::Sequential,
                },
                ServiceSpec {
                    processing: constant(1000),
                    calls: vec![],
                    mode: CallMode::Sequential,
                },
            ],
            traffic: vec![TrafficSpec {
                name: "a".into(),
                target: 0,
                from: None,
                arrival: Arrival::Poisson { rate: 1.0 },
            }],
            utilisation_warning: 0.8,
            compress_schedules: false,
            cpu_contention: false,
            cluster_pairs: Vec::new(),
        }
    }

    /// Mean and largest (quantile 1) end-to-end latency, µs.
    fn end_to_end_us(c: &Cluster, mode: MeshMode) -> (f64, f64) {
        end_to_end_us_with(c, mode, &spec())
    }

    fn end_to_end_us_with(c: &Cluster, mode: MeshMode, spec: &LatencySpec) -> (f64, f64) {
        let mut m = mesh();
        m.costs.sidecar.service_time = constant(100);
        m.costs.ztunnel.service_time = constant(50);
        m.costs.waypoint.service_time = constant(300);
        let run = packing::evaluate(c, &m, mode, sched(), 7);
        let r = latency::simulate(c, &m, &run, spec, 3).unwrap();
        let e = &r.end_to_end[0];
        assert!(e.count() > 40, "{}", e.count());
        (
            e.mean().as_secs_f64() * 1e6,
            e.quantile(1.0).as_secs_f64() * 1e6,
        )
    }

    fn assert_us(got: (f64, f64), want: f64) {
        assert!(
            (got.0 - want).abs() < 1e-3,
            "mean {} µs, want {want}",
            got.0
        );
        assert!((got.1 - want).abs() < 1e-3, "max {} µs, want {want}", got.1);
    }

    #[test]
    fn across_networks_a_sidecar_call_goes_through_the_callees_east_west_gateway() {
        // client → a: 100 (zone) + 100 (a's sidecar) + 1000; a → b: 100 (a's sidecar) + 10,000
        // (cross cluster) + 300 (west's gateway) + 20 (gateway and b share west's one node)
        // + 100 (b's sidecar) + 1000 = 12,720 µs.
        assert_us(
            end_to_end_us(&two(("n1", "n2")), MeshMode::Sidecar),
            12_720.0,
        );
    }

    #[test]
    fn across_networks_an_ambient_call_goes_ztunnel_gateway_ztunnel() {
        // 100 + 50 (ztunnel on a's node) + 1000; 50 + 10,000 + 300 + 20 + 50 + 1000 = 12,570.
        assert_us(
            end_to_end_us(&two(("n1", "n2")), MeshMode::Ambient),
            12_570.0,
        );
    }

    #[test]
    fn on_one_network_or_without_a_mesh_a_call_crosses_directly() {
        // One network: pods reach each other, no gateway: 12,720 − 300 − 20 = 12,400 µs.
        assert_us(end_to_end_us(&two(("n", "n")), MeshMode::Sidecar), 12_400.0);
        // No mesh: 100 + 1000 + 10,000 + 1000 = 12,100 µs (the baseline reaches the other
        // cluster directly: an assumption, as pods on two networks cannot).
        assert_us(end_to_end_us(&two(("n1", "n2")), MeshMode::None), 12_100.0);
    }

    #[test]
    fn a_cluster_pair_with_a_delay_of_its_own_uses_it_both_ways() {
        // east ↔ west at 20 ms instead of cross_cluster's 10 ms: 12,720 + 10,000 µs.
        let mut sp = spec();
        sp.cluster_pairs = vec![latency::ClusterPairDelay {
            clusters: (1, 0),
            delay: constant(20_000),
        }];
        let c = two(("n1", "n2"));
        assert_us(end_to_end_us_with(&c, MeshMode::Sidecar, &sp), 22_720.0);
        assert_us(end_to_end_us_with(&c, MeshMode::None, &sp), 22_100.0);
    }
}
