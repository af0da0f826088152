//! Scheduler tests: hand-computed placements, kube-scheduler messages, and equivalence with a
//! plain per-node reference scheduler.

use super::*;
use crate::cluster::{NodePool, TaintEffect, TolerationOperator};
use crate::resources::{GIB, MIB};
use meshsim_core::rng::RngStreams;
use proptest::prelude::{
    Just, ProptestConfig, any, prop_assert, prop_assert_eq, prop_oneof, proptest,
};
use proptest::strategy::Strategy as Gen;

fn rng() -> SimRng {
    RngStreams::new(1).stream("scheduler")
}

fn pool(name: &str, count: u32, cpu: u64, mem_gib: u64, gpus: u32) -> NodePool {
    NodePool::new(
        name,
        count,
        Resources {
            cpu_milli: cpu,
            memory_bytes: mem_gib * GIB,
            gpus,
            gpu_milli: 0,
        },
    )
}

fn spec(cpu: u64, mem: u64) -> PodSpec {
    PodSpec {
        requests: Resources::cpu_mem(cpu, mem),
        ..Default::default()
    }
}

fn group(spec: PodSpec, replicas: Replicas) -> Group {
    Group {
        spec,
        replicas,
        priority: 0,
    }
}

fn cfg(strategy: Strategy) -> SchedulerConfig {
    SchedulerConfig {
        strategy,
        gpu_weight: 0,
        tie_break: TieBreak::First,
    }
}

fn per_node(nodes: &[NodeId], n: u32) -> Vec<u32> {
    let mut v = vec![0; n as usize];
    for &x in nodes {
        v[x.index()] += 1;
    }
    v
}

fn ids(nodes: &[NodeId]) -> Vec<u32> {
    nodes.iter().map(|n| n.0).collect()
}

#[test]
fn least_allocated_spreads_and_most_allocated_packs() {
    let pools = [pool("p", 3, 4000, 16, 0)];
    let g = [group(spec(1000, GIB), Replicas::Count(3))];
    let mut s = Scheduler::new(&pools, cfg(Strategy::LeastAllocated), rng());
    assert_eq!(per_node(&s.place_groups(&g)[0].nodes, 3), vec![1, 1, 1]);
    let mut s = Scheduler::new(&pools, cfg(Strategy::MostAllocated), rng());
    assert_eq!(per_node(&s.place_groups(&g)[0].nodes, 3), vec![3, 0, 0]);
}

#[test]
fn scores_follow_kube_scheduler_formulas() {
    // One node, 4000m / 8Gi; pod 1000m / 4Gi → after placement cpu 25 %, memory 50 %.
    let pools = [pool("p", 1, 4000, 8, 0)];
    let p = spec(1000, 4 * GIB);
    let s = Scheduler::new(&pools, cfg(Strategy::LeastAllocated), rng());
    let st = &s.classes.class(s.classes.live[0]).state;
    let view = s.view(st);
    let score = |strategy| {
        KubeScorer {
            strategy,
            gpu_weight: 0,
        }
        .score(&view, &p)
    };
    // LeastAllocated: ((75 + 50) / 2) = 62 (integer division).
    assert_eq!(score(Strategy::LeastAllocated), 62);
    assert_eq!(score(Strategy::MostAllocated), 37); // (25 + 50) / 2
    // (1 − |0.25 − 0.5| / 2) × 100 = 87.5 → 87
    assert_eq!(score(Strategy::BalancedAllocation), 87);
    assert_eq!(score(Strategy::KubeDefault), 62 + 87);
}

#[test]
fn pending_message_matches_kube_scheduler() {
    // 12 nodes: 4 tainted infra nodes, 8 GPU nodes whose single GPU is taken.
    let mut infra = pool("infra", 4, 8000, 32, 0);
    infra.taints.push(Taint {
        key: "dedicated".into(),
        value: "infra".into(),
        effect: TaintEffect::NoSchedule,
    });
    let pools = [infra, pool("gpu", 8, 8000, 32, 1)];
    let mut gpu_pod = spec(1000, GIB);
    gpu_pod.requests.gpus = 1;
    let mut s = Scheduler::new(&pools, cfg(Strategy::KubeDefault), rng());
    let out = s.place_groups(&[group(gpu_pod, Replicas::Count(10))]);
    assert_eq!(out[0].nodes.len(), 8);
    assert_eq!(out[0].pending, 2);
    assert_eq!(
        out[0].reason.as_deref(),
        Some(
            "0/12 nodes are available: 4 node(s) had untolerated taint {dedicated: infra}, \
             8 Insufficient nvidia.com/gpu."
        )
    );
}

#[test]
fn several_insufficient_resources_are_all_listed() {
    let pools = [pool("p", 2, 1000, 1, 0)];
    let mut s = Scheduler::new(&pools, cfg(Strategy::KubeDefault), rng());
    let out = s.place_groups(&[group(spec(2000, 2 * GIB), Replicas::Count(1))]);
    assert_eq!(
        out[0].reason.as_deref(),
        Some("0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory.")
    );
}

#[test]
fn selector_tolerations_and_max_per_node() {
    let mut a = pool("a", 2, 8000, 32, 0);
    a.labels.insert("tier".into(), "web".into());
    let mut b = pool("b", 2, 8000, 32, 0);
    b.taints.push(Taint {
        key: "gpu".into(),
        value: "true".into(),
        effect: TaintEffect::NoExecute,
    });
    let pools = [a, b];
    // Selector: only pool a.
    let mut web = spec(100, MIB);
    web.node_selector.insert("tier".into(), "web".into());
    web.max_per_node = Some(2);
    let mut s = Scheduler::new(&pools, cfg(Strategy::KubeDefault), rng());
    let out = s.place_groups(&[group(web, Replicas::Count(5))]);
    assert_eq!(per_node(&out[0].nodes, 4), vec![2, 2, 0, 0]);
    assert_eq!(out[0].pending, 1);
    assert_eq!(
        out[0].reason.as_deref(),
        Some(
            "0/4 nodes are available: 2 node(s) already run the maximum of 2 replica(s) per node, \
             2 node(s) had untolerated taint {gpu: true}."
        )
    );
    // A toleration opens pool b; without a selector the pod may go anywhere.
    let mut tol = spec(100, MIB);
    tol.tolerations.push(Toleration {
        key: Some("gpu".into()),
        operator: TolerationOperator::Exists,
        value: String::new(),
        effect: None,
    });
    let out = s.place_groups(&[group(tol, Replicas::Count(4))]);
    assert_eq!(out[0].pending, 0);
    assert!(out[0].nodes.iter().any(|&n| n.0 >= 2));
}

#[test]
fn gpu_shares_go_best_fit_and_block_whole_gpus() {
    let pools = [pool("g", 1, 64_000, 256, 2)];
    let mut s = Scheduler::new(&pools, cfg(Strategy::KubeDefault), rng());
    let share = |m: u32| {
        let mut p = spec(100, GIB);
        p.requests.gpu_milli = m;
        group(p, Replicas::Count(1))
    };
    let out = s.place_groups(&[share(600), share(600), share(400)]);
    assert!(out.iter().all(|o| o.pending == 0));
    // 600 on GPU 0, 600 on GPU 1, 400 best-fits onto the fuller one: [1000, 600].
    let u = s.node_usage()[0];
    assert_eq!(u.requested.gpu_milli, 1600);
    assert_eq!(u.requested.gpus, 1, "one device is full");
    let mut whole = spec(100, GIB);
    whole.requests.gpus = 1;
    let out = s.place_groups(&[group(whole, Replicas::Count(1)), share(500)]);
    assert_eq!(
        out[0].reason.as_deref(),
        Some("0/1 nodes are available: 1 Insufficient nvidia.com/gpu.")
    );
    assert_eq!(
        out[1].reason.as_deref(),
        Some("0/1 nodes are available: 1 Insufficient shared nvidia.com/gpu capacity.")
    );
    // 400 still fits on the 600 device.
    let out = s.place_groups(&[share(400)]);
    assert_eq!(out[0].pending, 0);
}

#[test]
fn daemonsets_land_on_every_eligible_node_first() {
    let mut tainted = pool("t", 3, 4000, 8, 0);
    tainted.taints.push(Taint {
        key: "k".into(),
        value: "v".into(),
        effect: TaintEffect::NoSchedule,
    });
    let small = pool("small", 2, 4000, 1, 0);
    let pools = [pool("p", 5, 4000, 8, 0), tainted, small];
    let mut s = Scheduler::new(&pools, cfg(Strategy::KubeDefault), rng());
    // Not tolerating: only pools p and small; 2 GiB does not fit on small's 1 GiB nodes.
    let ds = s.place_daemonset(&spec(100, 2 * GIB));
    assert_eq!(ids(&ds.nodes), vec![0, 1, 2, 3, 4]);
    assert_eq!(ds.pending, 2);
    assert_eq!(
        ds.reason.as_deref(),
        Some("2 DaemonSet pod(s) pending: 2 node(s) lacked memory.")
    );
    let mut all = spec(100, MIB);
    all.tolerations.push(Toleration::everything());
    let ds = s.place_daemonset(&all);
    assert_eq!(ds.nodes.len(), 10);
}

#[test]
fn fill_groups_share_round_robin_and_report_why_they_stopped() {
    let pools = [pool("p", 2, 4000, 8, 0)];
    let mut s = Scheduler::new(&pools, cfg(Strategy::KubeDefault), rng());
    let out = s.place_groups(&[
        group(spec(1000, GIB), Replicas::Fill),
        group(spec(1000, GIB), Replicas::Fill),
    ]);
    assert_eq!((out[0].nodes.len(), out[1].nodes.len()), (4, 4));
    assert_eq!(out[0].pending, 0);
    assert_eq!(
        out[0].reason.as_deref(),
        Some("0/2 nodes are available: 2 Insufficient cpu.")
    );
}

#[test]
fn priority_orders_groups() {
    let pools = [pool("p", 1, 2000, 8, 0)];
    let mut s = Scheduler::new(&pools, cfg(Strategy::KubeDefault), rng());
    let mut low = group(spec(1500, GIB), Replicas::Count(1));
    low.priority = -1;
    let high = Group {
        priority: 10,
        ..group(spec(1500, GIB), Replicas::Count(1))
    };
    let out = s.place_groups(&[low, high]);
    assert_eq!((out[0].pending, out[1].pending), (1, 0));
}

#[test]
fn same_seed_same_placement_random_ties() {
    let pools = [pool("p", 50, 8000, 32, 0), pool("q", 30, 16000, 64, 0)];
    let groups = [
        group(spec(700, 3 * GIB), Replicas::Count(120)),
        group(spec(300, GIB), Replicas::Fill),
    ];
    let run = |seed: u64| {
        let cfg = SchedulerConfig {
            tie_break: TieBreak::Random,
            ..cfg(Strategy::KubeDefault)
        };
        let mut s = Scheduler::new(&pools, cfg, RngStreams::new(seed).stream("scheduler"));
        s.place_groups(&groups)
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8), "ties among 80 nodes are broken by the seed");
}

// ---- Reference scheduler: the same rules, node by node, no classes. ----

#[derive(Clone)]
struct RefNode {
    pool: usize,
    cpu: u64,
    mem: u64,
    pods: u32,
    gpu: Vec<u16>,
    counts: BTreeMap<usize, u32>,
}

fn reference(
    pools: &[NodePool],
    strategy: Strategy,
    daemonsets: &[PodSpec],
    groups: &[Group],
) -> (Vec<Vec<u32>>, Vec<Vec<u32>>, Vec<u64>) {
    let mut nodes = Vec::new();
    for (pi, p) in pools.iter().enumerate() {
        for _ in 0..p.count {
            nodes.push(RefNode {
                pool: pi,
                cpu: 0,
                mem: 0,
                pods: 0,
                gpu: vec![0; p.capacity.gpus as usize],
                counts: BTreeMap::new(),
            });
        }
    }
    let fits = |n: &RefNode, s: &PodSpec, g: Option<usize>| {
        let p = &pools[n.pool];
        let a = p.allocatable();
        if untolerated_taint(&p.taints, &s.tolerations).is_some()
            || !selector_matches(&s.node_selector, &p.labels)
        {
            return false;
        }
        if let (Some(g), Some(m)) = (g, s.max_per_node)
            && n.counts.get(&g).copied().unwrap_or(0) >= m
        {
            return false;
        }
        let r = &s.requests;
        n.cpu + r.cpu_milli <= a.cpu_milli
            && n.mem + r.memory_bytes <= a.memory_bytes
            && n.pods < p.max_pods
            && n.gpu.iter().filter(|&&u| u == 0).count() as u32 >= r.gpus
            && (r.gpu_milli == 0 || n.gpu.iter().any(|&u| u32::from(u) + r.gpu_milli <= 1000))
    };
    let apply = |n: &mut RefNode, s: &PodSpec, g: Option<usize>| {
        let r = &s.requests;
        n.cpu += r.cpu_milli;
        n.mem += r.memory_bytes;
        n.pods += 1;
        n.gpu.sort_unstable_by(|a, b| b.cmp(a));
        let len = n.gpu.len();
        for u in &mut n.gpu[len - r.gpus as usize..] {
            *u = 1000;
        }
        n.gpu.sort_unstable_by(|a, b| b.cmp(a));
        if r.gpu_milli > 0 {
            let i = n
                .gpu
                .iter()
                .position(|&u| u32::from(u) + r.gpu_milli <= 1000)
                .unwrap();
            n.gpu[i] += r.gpu_milli as u16;
            n.gpu.sort_unstable_by(|a, b| b.cmp(a));
        }
        if let (Some(g), Some(_)) = (g, s.max_per_node) {
            *n.counts.entry(g).or_default() += 1;
        }
    };
    let score = |n: &RefNode, s: &PodSpec| -> u64 {
        let a = pools[n.pool].allocatable();
        let c = (n.cpu + s.requests.cpu_milli, a.cpu_milli);
        let m = (n.mem + s.requests.memory_bytes, a.memory_bytes);
        let least = |(r, cap): (u64, u64)| ((cap - r) * 100).checked_div(cap).unwrap_or(0);
        let most = |(r, cap): (u64, u64)| (r * 100).checked_div(cap).unwrap_or(0);
        let frac = |(r, cap): (u64, u64)| if cap == 0 { 0.0 } else { r as f64 / cap as f64 };
        let bal = ((1.0 - (frac(c) - frac(m)).abs() / 2.0) * 100.0) as u64;
        match strategy {
            Strategy::LeastAllocated => (least(c) + least(m)) / 2,
            Strategy::MostAllocated => (most(c) + most(m)) / 2,
            Strategy::BalancedAllocation => bal,
            Strategy::KubeDefault => (least(c) + least(m)) / 2 + bal,
        }
    };
    let mut ds_out = Vec::new();
    for d in daemonsets {
        let mut placed = Vec::new();
        for (i, n) in nodes.iter_mut().enumerate() {
            if fits(n, d, None) {
                apply(n, d, None);
                placed.push(i as u32);
            }
        }
        ds_out.push(placed);
    }
    let mut out = vec![Vec::new(); groups.len()];
    let mut pending = vec![0u64; groups.len()];
    let best_node = |nodes: &[RefNode], g: &Group, gi: usize| {
        nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| fits(n, &g.spec, Some(gi)))
            .map(|(i, n)| (score(n, &g.spec), std::cmp::Reverse(i)))
            .max()
            .map(|(_, std::cmp::Reverse(i))| i)
    };
    // All groups here have priority 0: fixed counts in order, then fills round-robin.
    for (gi, g) in groups.iter().enumerate() {
        let Replicas::Count(k) = g.replicas else {
            continue;
        };
        for placed in 0..k {
            match best_node(&nodes, g, gi) {
                Some(i) => {
                    apply(&mut nodes[i], &g.spec, Some(gi));
                    out[gi].push(i as u32);
                }
                None => {
                    pending[gi] = u64::from(k - placed);
                    break;
                }
            }
        }
    }
    let mut active: Vec<bool> = groups
        .iter()
        .map(|g| g.replicas == Replicas::Fill)
        .collect();
    while active.iter().any(|&a| a) {
        for (gi, g) in groups.iter().enumerate() {
            if !active[gi] {
                continue;
            }
            match best_node(&nodes, g, gi) {
                Some(i) => {
                    apply(&mut nodes[i], &g.spec, Some(gi));
                    out[gi].push(i as u32);
                }
                None => active[gi] = false,
            }
        }
    }
    (ds_out, out, pending)
}

fn arb_pool() -> impl Gen<Value = NodePool> {
    (
        1u32..6,
        1u64..9,
        1u64..17,
        0u32..3,
        2u32..12,
        any::<bool>(),
        1usize..3,
    )
        .prop_map(|(count, cores, mem, gpus, max_pods, tainted, zones)| {
            let mut p = pool("p", count, cores * 1000, mem, gpus);
            p.max_pods = max_pods;
            p.zones = (0..zones).map(|z| format!("z{z}")).collect();
            if tainted {
                p.taints.push(Taint {
                    key: "t".into(),
                    value: "1".into(),
                    effect: TaintEffect::NoSchedule,
                });
            }
            p
        })
}

fn arb_spec() -> impl Gen<Value = PodSpec> {
    (
        0u64..3000,
        0u64..6,
        prop_oneof![
            Just((0u32, 0u32)),
            (1u32..3).prop_map(|g| (g, 0)),
            (100u32..1000).prop_map(|m| (0, m))
        ],
        any::<bool>(),
        proptest::option::of(1u32..3),
    )
        .prop_map(|(cpu, mem_gib, (gpus, gpu_milli), tolerate, max)| PodSpec {
            requests: Resources {
                cpu_milli: cpu,
                memory_bytes: mem_gib * GIB / 2,
                gpus,
                gpu_milli,
            },
            node_selector: BTreeMap::new(),
            tolerations: if tolerate {
                vec![Toleration::everything()]
            } else {
                vec![]
            },
            max_per_node: max,
            gpu_models: Vec::new(),
        })
}

fn strategies() -> impl Gen<Value = Strategy> {
    prop_oneof![
        Just(Strategy::LeastAllocated),
        Just(Strategy::MostAllocated),
        Just(Strategy::BalancedAllocation),
        Just(Strategy::KubeDefault),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The class-based scheduler makes exactly the reference scheduler's choices (with ties broken
    /// by lowest node index in both).
    #[test]
    fn equivalence_classes_change_nothing(
        pools in proptest::collection::vec(arb_pool(), 1..4),
        ds in proptest::collection::vec(arb_spec(), 0..2),
        specs in proptest::collection::vec((arb_spec(), 0u32..12, proptest::bool::weighted(0.25)), 1..5),
        strategy in strategies(),
    ) {
        // A fill group needs a request that bounds it; give fills at least 100m of CPU.
        let groups: Vec<Group> = specs
            .iter()
            .map(|(s, k, fill)| {
                if *fill {
                    let mut s = s.clone();
                    s.requests.cpu_milli = s.requests.cpu_milli.max(100);
                    group(s, Replicas::Fill)
                } else {
                    group(s.clone(), Replicas::Count(*k))
                }
            })
            .collect();
        let (ref_ds, ref_out, ref_pending) = reference(&pools, strategy, &ds, &groups);
        let mut s = Scheduler::new(&pools, cfg(strategy), rng());
        let got_ds: Vec<Vec<u32>> = ds.iter().map(|d| ids(&s.place_daemonset(d).nodes)).collect();
        prop_assert_eq!(got_ds, ref_ds);
        let got = s.place_groups(&groups);
        for (i, o) in got.iter().enumerate() {
            prop_assert_eq!(&ids(&o.nodes), &ref_out[i], "group {}", i);
            prop_assert_eq!(o.pending, ref_pending[i]);
        }
    }

    /// No node ends over its allocatable on any resource; placed + pending = requested;
    /// DaemonSets tolerating everything with tiny requests land on every node.
    #[test]
    fn invariants_hold(
        pools in proptest::collection::vec(arb_pool(), 1..4),
        specs in proptest::collection::vec((arb_spec(), 0u32..20), 1..6),
        strategy in strategies(),
        seed in any::<u64>(),
    ) {
        let cfg = SchedulerConfig { strategy, gpu_weight: 1, tie_break: TieBreak::Random };
        let mut s = Scheduler::new(&pools, cfg, RngStreams::new(seed).stream("scheduler"));
        let mut tiny = spec(0, 0);
        tiny.tolerations.push(Toleration::everything());
        let total_nodes: u32 = pools.iter().map(|p| p.count).sum();
        let ds = s.place_daemonset(&tiny);
        // Every node has max_pods ≥ 2, so the DaemonSet fits everywhere.
        prop_assert_eq!(ds.nodes.len() as u32, total_nodes);
        let groups: Vec<Group> = specs
            .iter()
            .map(|(sp, k)| group(sp.clone(), Replicas::Count(*k)))
            .collect();
        let out = s.place_groups(&groups);
        for (o, (_, k)) in out.iter().zip(&specs) {
            prop_assert_eq!(o.nodes.len() as u64 + o.pending, u64::from(*k));
        }
        // Same seed, same placement.
        let mut again = Scheduler::new(&pools, cfg, RngStreams::new(seed).stream("scheduler"));
        again.place_daemonset(&tiny);
        prop_assert_eq!(&again.place_groups(&groups), &out);
        let usage = s.node_usage();
        prop_assert_eq!(usage.iter().map(|u| u64::from(u.pods)).sum::<u64>(),
            u64::from(total_nodes) + out.iter().map(|o| o.nodes.len() as u64).sum::<u64>());
        for u in &usage {
            let p = &pools[u.pool.index()];
            let a = p.allocatable();
            prop_assert!(u.requested.cpu_milli <= a.cpu_milli);
            prop_assert!(u.requested.memory_bytes <= a.memory_bytes);
            prop_assert!(u.pods <= p.max_pods);
            prop_assert!(u.requested.gpu_milli <= a.gpus * 1000);
        }
    }
}

// ---- Incremental operations: bind, release, devices, nodes. ----

#[test]
fn release_gives_back_exactly_what_the_bind_took_to_the_same_device() {
    let pools = [pool("g", 1, 64_000, 256, 2)];
    let mut s = Scheduler::new(&pools, cfg(Strategy::KubeDefault), rng());
    let share = |m: u32| {
        let mut p = spec(100, GIB);
        p.requests.gpu_milli = m;
        p
    };
    let a = s.intern(&share(600));
    let b = s.intern(&share(400));
    let n = NodeId(0);
    let p1 = s.bind(a).unwrap().unwrap();
    let p2 = s.bind(a).unwrap().unwrap();
    // Two 600 shares: one on each device (neither has room for the other).
    assert_eq!(s.gpu_devices(n), &[600, 600]);
    assert_eq!(
        p1.gpus,
        GpuAlloc::Share {
            device: 0,
            milli: 600
        }
    );
    assert_eq!(
        p2.gpus,
        GpuAlloc::Share {
            device: 1,
            milli: 600
        }
    );
    // 400 best-fits onto the lowest-numbered of the two equally full devices.
    let p3 = s.bind(b).unwrap().unwrap();
    assert_eq!(
        p3.gpus,
        GpuAlloc::Share {
            device: 0,
            milli: 400
        }
    );
    assert_eq!(s.gpu_devices(n), &[1000, 600]);
    // The first 600 leaves device 0, not "a device with 600 on it".
    s.release(p1.pod).unwrap();
    assert_eq!(s.gpu_devices(n), &[400, 600]);
    let u = s.node_usage()[0];
    assert_eq!((u.requested.cpu_milli, u.pods), (200, 2));
    assert_eq!(u.requested.gpu_milli, 1000);
    // A whole GPU now fits nowhere (no free device); releasing the 400 frees device 0.
    let mut whole = spec(100, GIB);
    whole.requests.gpus = 1;
    let w = s.intern(&whole);
    assert_eq!(s.bind(w).unwrap(), None);
    s.release(p3.pod).unwrap();
    let pw = s.bind(w).unwrap().unwrap();
    assert_eq!(pw.gpus, GpuAlloc::Whole(0b01));
    assert_eq!(s.gpu_devices(n), &[1000, 600]);
    // Double release is refused; the pod id is free again.
    assert_eq!(s.release(p1.pod), Err(SchedError::UnknownPod(p1.pod)));
    s.release(pw.pod).unwrap();
    s.release(p2.pod).unwrap();
    assert_eq!(s.gpu_devices(n), &[0, 0]);
    assert_eq!(s.node_usage()[0].pods, 0);
    assert_eq!(s.pods_bound(), 0);
}

#[test]
fn pools_grow_and_shrink_and_messages_count_present_nodes() {
    let mut p = pool("p", 2, 4000, 8, 0);
    p.zones = vec!["a".into(), "b".into()];
    let pools = [p];
    let mut s = Scheduler::new(&pools, cfg(Strategy::MostAllocated), rng());
    let big = s.intern(&spec(3000, GIB));
    let b0 = s.bind(big).unwrap().unwrap();
    let b1 = s.bind(big).unwrap().unwrap();
    assert_eq!((b0.node, b1.node), (NodeId(0), NodeId(1)));
    assert_eq!(s.bind(big).unwrap(), None);
    assert_eq!(
        s.explain(big).as_deref(),
        Some("0/2 nodes are available: 2 Insufficient cpu.")
    );
    let added = s.add_nodes(PoolId(0), 3);
    assert_eq!(added, vec![NodeId(2), NodeId(3), NodeId(4)]);
    // Zones continue round-robin: nodes 0, 1 were a, b; 2, 3, 4 are a, b, a.
    let zones: Vec<u32> = s.node_usage().iter().map(|u| u.zone).collect();
    assert_eq!(zones, vec![0, 1, 0, 1, 0]);
    let b2 = s.bind(big).unwrap().unwrap();
    assert!(b2.node.0 >= 2);
    assert_eq!(
        s.remove_node(b0.node),
        Err(SchedError::NodeNotEmpty {
            node: b0.node,
            pods: 1
        })
    );
    s.release(b0.pod).unwrap();
    s.remove_node(b0.node).unwrap();
    assert_eq!(
        s.remove_node(b0.node),
        Err(SchedError::UnknownNode(b0.node))
    );
    assert_eq!(s.nodes_present(), 4);
    assert!(!s.node_usage()[0].present);
    // Fill the two remaining empty nodes, then the message counts the 4 present nodes.
    while s.bind(big).unwrap().is_some() {}
    assert_eq!(
        s.explain(big).as_deref(),
        Some("0/4 nodes are available: 4 Insufficient cpu.")
    );
}

#[test]
fn pods_already_bound_to_named_nodes() {
    let pools = [pool("p", 3, 4000, 8, 1)];
    let mut s = Scheduler::new(&pools, cfg(Strategy::LeastAllocated), rng());
    let mut gpu = spec(1000, GIB);
    gpu.requests.gpus = 1;
    let g = s.intern(&gpu);
    let b = s.bind_to(g, NodeId(2), false).unwrap();
    assert_eq!((b.node, b.gpus), (NodeId(2), GpuAlloc::Whole(1)));
    assert_eq!(
        s.bind_to(g, NodeId(2), false),
        Err(SchedError::DoesNotFit {
            node: NodeId(2),
            failure: Failure::GPU
        })
    );
    // Forced: over-committed CPU is recorded, a missing GPU never is.
    let huge = s.intern(&spec(9000, GIB));
    assert!(s.bind_to(huge, NodeId(0), true).is_ok());
    assert_eq!(s.node_usage()[0].requested.cpu_milli, 9000);
    assert!(s.bind_to(g, NodeId(2), true).is_err());
    assert_eq!(
        s.bind_to(g, NodeId(9), false),
        Err(SchedError::UnknownNode(NodeId(9)))
    );
    // Least-allocated now prefers node 1, the only untouched one.
    let small = s.intern(&spec(100, MIB));
    assert_eq!(s.bind(small).unwrap().unwrap().node, NodeId(1));
}

#[test]
fn tie_keys_order_first_tie_breaks() {
    let pools = [pool("p", 4, 4000, 8, 0)];
    let mut s = Scheduler::new(&pools, cfg(Strategy::LeastAllocated), rng());
    s.set_tie_keys(vec![3, 1, 0, 2]);
    let p = s.intern(&spec(100, MIB));
    let order: Vec<u32> = (0..4).map(|_| s.bind(p).unwrap().unwrap().node.0).collect();
    assert_eq!(order, vec![2, 1, 3, 0]);
}

/// A reference pod: its node, its spec index, and `(device, thousandths)` it holds.
type RefPod = (usize, usize, Vec<(usize, u16)>);

/// A node-by-node scheduler with bind and release: the same rules, no classes, devices by
/// identity; ties by lowest node id.
struct RefChurn {
    pools: Vec<NodePool>,
    strategy: Strategy,
    nodes: Vec<RefNode>,
    pods: Vec<Option<RefPod>>,
}

impl RefChurn {
    fn new(pools: &[NodePool], strategy: Strategy) -> Self {
        let mut nodes = Vec::new();
        for (pi, p) in pools.iter().enumerate() {
            for _ in 0..p.count {
                nodes.push(RefNode {
                    pool: pi,
                    cpu: 0,
                    mem: 0,
                    pods: 0,
                    gpu: vec![0; p.capacity.gpus as usize],
                    counts: BTreeMap::new(),
                });
            }
        }
        RefChurn {
            pools: pools.to_vec(),
            strategy,
            nodes,
            pods: Vec::new(),
        }
    }

    fn fits(&self, n: &RefNode, s: &PodSpec, g: usize) -> bool {
        let p = &self.pools[n.pool];
        let a = p.allocatable();
        if untolerated_taint(&p.taints, &s.tolerations).is_some()
            || !selector_matches(&s.node_selector, &p.labels)
        {
            return false;
        }
        if let Some(m) = s.max_per_node
            && n.counts.get(&g).copied().unwrap_or(0) >= m
        {
            return false;
        }
        let r = &s.requests;
        n.cpu + r.cpu_milli <= a.cpu_milli
            && n.mem + r.memory_bytes <= a.memory_bytes
            && n.pods < p.max_pods
            && n.gpu.iter().filter(|&&u| u == 0).count() as u32 >= r.gpus
            && (r.gpu_milli == 0 || n.gpu.iter().any(|&u| u32::from(u) + r.gpu_milli <= 1000))
    }

    fn score(&self, n: &RefNode, s: &PodSpec) -> i64 {
        let p = &self.pools[n.pool];
        let mut sorted = n.gpu.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let view = NodeView {
            allocatable: &p.allocatable(),
            max_pods: p.max_pods,
            gpu_model: None,
            cpu_requested: n.cpu,
            memory_requested: n.mem,
            pods: n.pods,
            gpu_used: &sorted,
            tags: &[],
        };
        KubeScorer {
            strategy: self.strategy,
            gpu_weight: 0,
        }
        .score(&view, s)
    }

    fn bind(&mut self, s: &PodSpec, g: usize) -> Option<usize> {
        let best = (0..self.nodes.len())
            .filter(|&i| self.fits(&self.nodes[i], s, g))
            .map(|i| (self.score(&self.nodes[i], s), std::cmp::Reverse(i)))
            .max()
            .map(|(_, std::cmp::Reverse(i))| i)?;
        let r = s.requests;
        let n = &mut self.nodes[best];
        n.cpu += r.cpu_milli;
        n.mem += r.memory_bytes;
        n.pods += 1;
        *n.counts.entry(g).or_default() += 1;
        let mut devs = Vec::new();
        let mut need = r.gpus;
        for (d, u) in n.gpu.iter_mut().enumerate() {
            if need > 0 && *u == 0 {
                *u = 1000;
                devs.push((d, 1000));
                need -= 1;
            }
        }
        if r.gpu_milli > 0 {
            // Best fit: the fullest device with room, the lowest-numbered among equals.
            let d = (0..n.gpu.len())
                .filter(|&d| u32::from(n.gpu[d]) + r.gpu_milli <= 1000)
                .max_by_key(|&d| (n.gpu[d], std::cmp::Reverse(d)))
                .unwrap();
            n.gpu[d] += r.gpu_milli as u16;
            devs.push((d, r.gpu_milli as u16));
        }
        self.pods.push(Some((best, g, devs)));
        Some(best)
    }

    fn release(&mut self, pod: usize, s: &PodSpec) {
        let (node, g, devs) = self.pods[pod].take().unwrap();
        let n = &mut self.nodes[node];
        n.cpu -= s.requests.cpu_milli;
        n.mem -= s.requests.memory_bytes;
        n.pods -= 1;
        *n.counts.get_mut(&g).unwrap() -= 1;
        for (d, m) in devs {
            n.gpu[d] -= m;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Binds and releases in any order choose exactly the nodes (and devices) a node-by-node
    /// scheduler chooses, through class collections; when every pod has left, the fleet is
    /// empty again.
    #[test]
    fn churn_matches_node_by_node_and_ends_empty(
        pools in proptest::collection::vec(arb_pool(), 1..4),
        specs in proptest::collection::vec(arb_spec(), 1..4),
        ops in proptest::collection::vec((0usize..4, any::<bool>(), any::<u16>()), 1..120),
        strategy in strategies(),
        gc in any::<bool>(),
    ) {
        let mut s = Scheduler::new(&pools, cfg(strategy), rng());
        if gc {
            s.set_gc_slack(2);
        }
        let mut reference = RefChurn::new(&pools, strategy);
        let ids: Vec<SpecId> = specs.iter().map(|p| s.intern(p)).collect();
        // Live pods: (our pod, reference pod index, spec index).
        let mut live: Vec<(PodId, usize, usize)> = Vec::new();
        for (k, arrive, pick) in ops {
            let k = k % specs.len();
            if arrive || live.is_empty() {
                let ours = s.bind(ids[k]).unwrap();
                let theirs = reference.bind(&specs[k], k);
                prop_assert_eq!(ours.map(|b| b.node.index()), theirs);
                if let Some(b) = ours {
                    let (_, _, devs) = reference.pods.last().unwrap().as_ref().unwrap();
                    let want = match (specs[k].requests.gpus, specs[k].requests.gpu_milli) {
                        (0, 0) => GpuAlloc::None,
                        (0, m) => GpuAlloc::Share { device: devs[0].0 as u8, milli: m as u16 },
                        _ => GpuAlloc::Whole(devs.iter().fold(0, |a, (d, _)| a | 1 << d)),
                    };
                    prop_assert_eq!(b.gpus, want);
                    live.push((b.pod, reference.pods.len() - 1, k));
                }
            } else {
                let (pod, rp, k) = live.swap_remove(usize::from(pick) % live.len());
                s.release(pod).unwrap();
                reference.release(rp, &specs[k]);
            }
            for (i, u) in s.node_usage().iter().enumerate() {
                let r = &reference.nodes[i];
                prop_assert_eq!((u.requested.cpu_milli, u.requested.memory_bytes, u.pods),
                    (r.cpu, r.mem, r.pods));
                prop_assert_eq!(s.gpu_devices(NodeId::from_index(i)), &r.gpu[..]);
            }
        }
        for (pod, _, _) in live {
            s.release(pod).unwrap();
        }
        prop_assert_eq!(s.pods_bound(), 0);
        for (i, u) in s.node_usage().iter().enumerate() {
            prop_assert_eq!(u.requested, Resources::ZERO);
            prop_assert_eq!(u.pods, 0);
            prop_assert!(s.gpu_devices(NodeId::from_index(i)).iter().all(|&d| d == 0));
        }
        // Every node is back in its pool's empty state: one class per (pool, zone) used.
        let zones: usize = pools.iter().map(|p| p.zones.len().min(p.count as usize)).sum();
        prop_assert_eq!(s.live_classes(), zones);
    }
}
