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
fn a_service_backed_in_both_clusters_is_one_envoy_cluster_with_the_endpoints_of_both() {
    // West's `c` backs Service `a` too (as a's 2 ports): east's sidecars gain no Envoy
    // cluster for it — clusters 1 + 2 (a) + 1 (b) = 4 — and still one gateway endpoint per
    // port for it (2) and for b (1): endpoints 1 + 6 + 3 = 10, 50 + 4 + 5 = 59 MiB. West's
    // sidecars (b 2, c 4 replicas): clusters 1 + 1 (b) + 2 (a, from c) = 4, a's east
    // endpoints through east's gateway 2 more: endpoints 1 + 2 + 4 × 2 + 2 = 13,
    // 50 + 4 + 6.5 = 60.5 MiB. Counted as two Services they would be 61 and 62.5 MiB: the
    // merged Service saves its remote Envoy clusters, not its endpoints.
    let mut c = fleet(("n1", "n2"), ControlPlane::Primary);
    c.workloads[2].service = Some("a".into());
    c.workloads[2].ports = 2;
    let r = run(&c, MeshMode::Sidecar);
    let east = &r.members[0].view;
    assert_eq!((east.mesh.clusters, east.mesh.endpoints), (1.0, 3.0));
    let west = &r.members[1].view;
    assert_eq!((west.mesh.clusters, west.mesh.endpoints), (0.0, 2.0));
    assert!(
        (sidecar_memory_mib(&r) - (3.0 * 59.0 + 6.0 * 60.5)).abs() < 1e-9,
        "{}",
        sidecar_memory_mib(&r)
    );
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

    pub(super) fn constant(us: u64) -> DelaySpec {
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

    pub(super) fn spec() -> LatencySpec {
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
            replicated: Vec::new(),
            locality: meshsim_models::latency::Locality::Spread,
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

mod replicated_services {
    //! Service `b` backed in both clusters: `b` (east, one replica, beside the caller `a`) and
    //! `b-west` (west, one replica). The legs are those of `cross_cluster_calls`: a call served
    //! in east takes 100 (client to `a`) + 100 (a's sidecar) + 1000 + 100 (a's sidecar) + 20
    //! (same node) + 100 (b's sidecar) + 1000 = 2,420 µs; one served in west 12,720 µs.

    use super::cross_cluster_calls::constant;
    use super::*;
    use meshsim_core::time::SimDuration;
    use meshsim_models::latency::{
        self, Arrival, LatencyRun, LatencySpec, LoadBalancing, Locality, ReplicatedService,
    };

    fn fleet(east_replicas: u32) -> Cluster {
        let mut c = super::fleet(("n1", "n2"), ControlPlane::Primary);
        c.workloads = vec![
            workload("a", 1, 1, 0),
            workload("b", east_replicas, 1, 0),
            workload("b-west", 1, 1, 1),
        ];
        c
    }

    /// `cross_cluster_calls`' spec with a third service (`b-west`, a leaf as `b` is) and
    /// Service `b` backed by `b` and `b-west`.
    fn spec(locality: Locality, lb: LoadBalancing, rate: f64) -> LatencySpec {
        let mut s = super::cross_cluster_calls::spec();
        s.load_balancing = lb;
        s.services.push(s.services[1].clone());
        s.traffic[0].arrival = Arrival::Poisson { rate };
        s.replicated = vec![ReplicatedService {
            name: "b".into(),
            workloads: vec![1, 2],
        }];
        s.locality = locality;
        s
    }

    fn simulate(c: &Cluster, spec: &LatencySpec) -> LatencyRun {
        let mut m = mesh();
        m.costs.sidecar.service_time = constant(100);
        m.costs.waypoint.service_time = constant(300);
        let run = packing::evaluate(c, &m, MeshMode::Sidecar, sched(), 7);
        latency::simulate(c, &m, &run, spec, 3).unwrap()
    }

    /// (mean, smallest, largest) end-to-end, µs.
    fn e2e_us(r: &LatencyRun) -> (f64, f64, f64) {
        let e = &r.end_to_end[0];
        assert!(e.count() > 40, "{}", e.count());
        let us = |d: SimDuration| d.as_secs_f64() * 1e6;
        (us(e.mean()), us(e.quantile(0.0)), us(e.quantile(1.0)))
    }

    fn near(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-3, "{got} µs, want {want}");
    }

    #[test]
    fn spread_sends_every_other_call_across_with_round_robin() {
        // Istio's default: both endpoints alike, so round robin alternates b and b-west.
        let r = simulate(
            &fleet(1),
            &spec(Locality::Spread, LoadBalancing::RoundRobin, 1.0),
        );
        let calls = r.end_to_end[0].count();
        let cross = r.cross_hops.count();
        assert!(cross.abs_diff(calls / 2) <= 1, "{cross} of {calls}");
        let (mean, lo, hi) = e2e_us(&r);
        near(lo, 2_420.0);
        near(hi, 12_720.0);
        let want = (cross as f64 * 12_720.0 + (calls - cross) as f64 * 2_420.0) / calls as f64;
        near(mean, want);
    }

    #[test]
    fn prefer_local_keeps_every_call_in_the_callers_cluster() {
        let local = Locality::PreferLocal {
            cross_cluster_share: 0.0,
        };
        let r = simulate(&fleet(1), &spec(local, LoadBalancing::Random, 1.0));
        assert_eq!(r.cross_hops.count(), 0);
        let (mean, lo, hi) = e2e_us(&r);
        for v in [mean, lo, hi] {
            near(v, 2_420.0);
        }
    }

    #[test]
    fn prefer_local_fails_over_to_the_other_cluster_when_none_is_local() {
        // No replica of `b` in east: every call is served in west, none fails.
        let local = Locality::PreferLocal {
            cross_cluster_share: 0.0,
        };
        let r = simulate(&fleet(0), &spec(local, LoadBalancing::RoundRobin, 1.0));
        assert_eq!(r.failed_calls, 0);
        assert_eq!(r.cross_hops.count(), r.end_to_end[0].count());
        let (mean, lo, hi) = e2e_us(&r);
        for v in [mean, lo, hi] {
            near(v, 12_720.0);
        }
    }

    #[test]
    fn failover_goes_to_the_callers_region_first() {
        // A third cluster, `east-2`, in east's region, also backs `b`: with none in east,
        // every call goes to east-2 and none to west (other region).
        let mut c = fleet(0);
        c.members[1].region = "other".into();
        let mut m2 = member("east-2", "n3", ControlPlane::Primary);
        m2.region = "east".into();
        c.members.push(m2);
        let mut pool = NodePool::new("east-2-pool", 1, Resources::cpu_mem(16_000, 64 * GIB));
        pool.member = 2;
        c.pools.push(pool);
        c.workloads.push(workload("b-east-2", 1, 1, 2));
        let mut sp = spec(
            Locality::PreferLocal {
                cross_cluster_share: 0.0,
            },
            LoadBalancing::RoundRobin,
            1.0,
        );
        sp.services.push(sp.services[2].clone());
        sp.replicated[0].workloads.push(3);
        let r = simulate(&c, &sp);
        let east_2 = |st: &latency::StationReport| st.label.starts_with("b-east-2/");
        let west = |st: &latency::StationReport| st.label.starts_with("b-west/");
        let visits = |f: &dyn Fn(&latency::StationReport) -> bool| -> u64 {
            r.stations.iter().filter(|s| f(s)).map(|s| s.visits).sum()
        };
        assert_eq!(visits(&west), 0);
        assert_eq!(visits(&east_2), r.end_to_end[0].count());
        assert_eq!(r.cross_hops.count(), r.end_to_end[0].count());
    }

    #[test]
    fn a_set_cross_cluster_share_sends_that_share_across_at_the_crossings_latency() {
        // 50 requests/s for 60 s: about 3,000 calls to `b`, a quarter of them across; the
        // share's standard error is √(0.25 × 0.75 / 3000) = 0.008, so 0.03 is 4 of them. The
        // crossing hop is its request leg — 100 (a's sidecar) + 10,000 + 300 (gateway) + 20 +
        // 100 (b-west's sidecar) = 10,520 µs — plus the reference reply (log-normal, mean
        // 284 µs; its mean over ~750 hops has a standard error near 5 µs) and waits at 1 %
        // utilisation (under 1 µs on average): 10,804 µs within 30.
        let share = Locality::PreferLocal {
            cross_cluster_share: 0.25,
        };
        let r = simulate(&fleet(1), &spec(share, LoadBalancing::RoundRobin, 50.0));
        let calls = r.end_to_end[0].count() as f64;
        assert!(calls > 2_500.0, "{calls}");
        let got = r.cross_hops.count() as f64 / calls;
        assert!((got - 0.25).abs() < 0.03, "share {got}");
        let hop_us = r.cross_hops.mean().as_secs_f64() * 1e6;
        assert!((hop_us - 10_804.0).abs() < 30.0, "{hop_us} µs");
    }
}
