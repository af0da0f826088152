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
        node_selector: BTreeMap::new(),
        tolerations: vec![],
        max_per_node: None,
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

fn per_node(nodes: &[u32], n: u32) -> Vec<u32> {
    let mut v = vec![0; n as usize];
    for &x in nodes {
        v[x as usize] += 1;
    }
    v
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
    let prep = s.prepare(&p, None);
    let st = &s.classes[s.live[0]].state;
    // LeastAllocated: ((75 + 50) / 2) = 62 (integer division).
    assert_eq!(s.score(st, &prep), 62);
    let s2 = Scheduler::new(&pools, cfg(Strategy::MostAllocated), rng());
    assert_eq!(s2.score(st, &prep), 37); // (25 + 50) / 2
    let s3 = Scheduler::new(&pools, cfg(Strategy::BalancedAllocation), rng());
    assert_eq!(s3.score(st, &prep), 87); // (1 − |0.25 − 0.5| / 2) × 100 = 87.5 → 87
    let s4 = Scheduler::new(&pools, cfg(Strategy::KubeDefault), rng());
    assert_eq!(s4.score(st, &prep), 62 + 87);
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
    assert!(out[0].nodes.iter().any(|&n| n >= 2));
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
    assert_eq!(ds.nodes, vec![0, 1, 2, 3, 4]);
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
        let got_ds: Vec<Vec<u32>> = ds.iter().map(|d| s.place_daemonset(d).nodes).collect();
        prop_assert_eq!(got_ds, ref_ds);
        let got = s.place_groups(&groups);
        for (i, o) in got.iter().enumerate() {
            prop_assert_eq!(&o.nodes, &ref_out[i], "group {}", i);
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
            let p = &pools[u.pool as usize];
            let a = p.allocatable();
            prop_assert!(u.requested.cpu_milli <= a.cpu_milli);
            prop_assert!(u.requested.memory_bytes <= a.memory_bytes);
            prop_assert!(u.pods <= p.max_pods);
            prop_assert!(u.requested.gpu_milli <= a.gpus * 1000);
        }
    }
}
