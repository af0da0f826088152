//! Bind and release churn: 1,000,000 arrivals and 1,000,000 departures on 10,000 nodes, one core.
//!
//! ```text
//! cargo bench -p meshsim-models --bench churn
//! ```
//!
//! Fleet: 8,000 general nodes (16 cores, 64Gi, 3 zones) and 2,000 GPU nodes (8 GPUs, 96 cores,
//! 768Gi, tainted). Pods arrive one at a time from a mix of eight specs (web, API, caches at most
//! 2 per node, batch, whole-GPU and quarter- and half-GPU inference); whenever more than 100,000
//! pods are running, a uniformly chosen running pod departs; at the end every pod departs, so the
//! fleet ends empty (checked). The same-run baseline is a node-by-node scheduler (filter and
//! score every node for every pod, kube-default scoring) on the same churn at 1/10 scale
//! (1,000 nodes, 100,000 arrivals, 10,000 running), with meshsim timed on that problem too.

#![allow(clippy::print_stdout, reason = "a benchmark binary reports on stdout")]

use std::time::Instant;

use meshsim_core::rng::RngStreams;
use meshsim_models::cluster::{NodePool, Taint, TaintEffect, Toleration};
use meshsim_models::ids::PodId;
use meshsim_models::resources::{GIB, MIB, Resources};
use meshsim_models::scheduler::{
    KubeScorer, NodeView, PodSpec, Scheduler, SchedulerConfig, Scorer, Strategy, TieBreak,
};
use rand::RngExt;

fn spec(cpu: u64, mem: u64, gpus: u32, gpu_milli: u32, max: Option<u32>) -> PodSpec {
    PodSpec {
        requests: Resources {
            cpu_milli: cpu,
            memory_bytes: mem,
            gpus,
            gpu_milli,
        },
        tolerations: if gpus > 0 || gpu_milli > 0 {
            vec![Toleration::everything()]
        } else {
            vec![]
        },
        max_per_node: max,
        ..Default::default()
    }
}

fn fleet(scale: u32) -> Vec<NodePool> {
    let mut general = NodePool::new(
        "general",
        8000 / scale,
        Resources::cpu_mem(16_000, 64 * GIB),
    );
    general.zones = vec!["a".into(), "b".into(), "c".into()];
    let mut gpu = NodePool::new(
        "gpu",
        2000 / scale,
        Resources {
            cpu_milli: 96_000,
            memory_bytes: 768 * GIB,
            gpus: 8,
            gpu_milli: 0,
        },
    );
    gpu.taints.push(Taint {
        key: "nvidia.com/gpu".into(),
        value: "present".into(),
        effect: TaintEffect::NoSchedule,
    });
    vec![general, gpu]
}

fn specs() -> Vec<PodSpec> {
    vec![
        spec(250, 512 * MIB, 0, 0, None),
        spec(500, GIB, 0, 0, None),
        spec(1000, 4 * GIB, 0, 0, Some(2)),
        spec(2000, 8 * GIB, 0, 0, None),
        spec(100, 256 * MIB, 0, 0, None),
        spec(8000, 60 * GIB, 1, 0, None), // one whole GPU: the baseline tracks one device
        spec(2000, 20 * GIB, 0, 250, None),
        spec(4000, 40 * GIB, 0, 500, None),
    ]
}

/// The arrival stream: `(spec, departure pick)` per arrival, the same for both schedulers.
fn stream(n: u64) -> Vec<(usize, u64)> {
    let mut r = RngStreams::new(7).stream("churn");
    (0..n)
        .map(|_| (r.random_range(0..8usize), r.random::<u64>()))
        .collect()
}

/// Runs the churn on meshsim's scheduler: (seconds, binds, departures, pending).
fn meshsim(pools: &[NodePool], ops: &[(usize, u64)], running: usize) -> (f64, u64, u64, u64) {
    let cfg = SchedulerConfig {
        strategy: Strategy::KubeDefault,
        gpu_weight: 0,
        tie_break: TieBreak::Random,
    };
    let start = Instant::now();
    let mut s = Scheduler::new(pools, cfg, RngStreams::new(1).stream("scheduler"));
    let ids: Vec<_> = specs().iter().map(|p| s.intern(p)).collect();
    let mut live: Vec<PodId> = Vec::with_capacity(running + 1);
    let (mut binds, mut departures, mut pending) = (0, 0, 0);
    for &(k, pick) in ops {
        match s.bind(ids[k]).expect("registered") {
            Some(b) => {
                live.push(b.pod);
                binds += 1;
            }
            None => pending += 1,
        }
        if live.len() > running {
            let i = (pick % live.len() as u64) as usize;
            s.release(live.swap_remove(i)).expect("bound");
            departures += 1;
        }
    }
    for p in live.drain(..) {
        s.release(p).expect("bound");
        departures += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(s.pods_bound(), 0);
    assert!(s.node_usage().iter().all(|u| u.pods == 0));
    (secs, binds, departures, pending)
}

/// The same churn, node by node (no classes), kube-default scores, lowest node on ties.
fn naive(pools: &[NodePool], ops: &[(usize, u64)], running: usize) -> (f64, u64) {
    struct N {
        pool: usize,
        cpu: u64,
        mem: u64,
        pods: u32,
        gpu: Vec<u16>,
        per_spec: [u32; 8],
    }
    let specs = specs();
    let allocs: Vec<Resources> = pools.iter().map(NodePool::allocatable).collect();
    let mut nodes: Vec<N> = Vec::new();
    for (pi, p) in pools.iter().enumerate() {
        for _ in 0..p.count {
            nodes.push(N {
                pool: pi,
                cpu: 0,
                mem: 0,
                pods: 0,
                gpu: vec![0; p.capacity.gpus as usize],
                per_spec: [0; 8],
            });
        }
    }
    let scorer = KubeScorer {
        strategy: Strategy::KubeDefault,
        gpu_weight: 0,
    };
    let start = Instant::now();
    let mut live: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut binds = 0;
    let mut sorted = Vec::new();
    for &(k, pick) in ops {
        let sp = &specs[k];
        let r = sp.requests;
        let mut best: Option<(i64, usize)> = None;
        for (i, n) in nodes.iter().enumerate() {
            let p = &pools[n.pool];
            let a = &allocs[n.pool];
            let tolerated = p.taints.is_empty() || !sp.tolerations.is_empty();
            let fits = tolerated
                && sp.max_per_node.is_none_or(|m| n.per_spec[k] < m)
                && n.cpu + r.cpu_milli <= a.cpu_milli
                && n.mem + r.memory_bytes <= a.memory_bytes
                && n.pods < p.max_pods
                && n.gpu.iter().filter(|&&u| u == 0).count() as u32 >= r.gpus
                && (r.gpu_milli == 0 || n.gpu.iter().any(|&u| u32::from(u) + r.gpu_milli <= 1000));
            if !fits {
                continue;
            }
            sorted.clear();
            sorted.extend_from_slice(&n.gpu);
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            let view = NodeView {
                allocatable: a,
                max_pods: p.max_pods,
                gpu_model: None,
                cpu_requested: n.cpu,
                memory_requested: n.mem,
                pods: n.pods,
                gpu_used: &sorted,
                tags: &[],
            };
            let score = scorer.score(&view, sp);
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i));
            }
        }
        if let Some((_, i)) = best {
            let n = &mut nodes[i];
            n.cpu += r.cpu_milli;
            n.mem += r.memory_bytes;
            n.pods += 1;
            n.per_spec[k] += 1;
            let mut dev = None;
            if r.gpus > 0 {
                let d = n.gpu.iter().position(|&u| u == 0).expect("fits");
                n.gpu[d] = 1000;
                dev = Some(d);
            }
            if r.gpu_milli > 0 {
                let d = (0..n.gpu.len())
                    .filter(|&d| u32::from(n.gpu[d]) + r.gpu_milli <= 1000)
                    .max_by_key(|&d| n.gpu[d])
                    .expect("fits");
                n.gpu[d] += r.gpu_milli as u16;
                dev = Some(d);
            }
            live.push((i, k, dev));
            binds += 1;
        }
        if live.len() > running {
            let (i, k, dev) = live.swap_remove((pick % live.len() as u64) as usize);
            let r = specs[k].requests;
            let n = &mut nodes[i];
            n.cpu -= r.cpu_milli;
            n.mem -= r.memory_bytes;
            n.pods -= 1;
            n.per_spec[k] -= 1;
            if let Some(d) = dev {
                n.gpu[d] -= if r.gpus > 0 { 1000 } else { r.gpu_milli as u16 };
            }
        }
    }
    (start.elapsed().as_secs_f64(), binds)
}

fn main() {
    let ops = stream(1_000_000);
    let (secs, binds, departures, pending) = meshsim(&fleet(1), &ops, 100_000);
    println!(
        "meshsim, 10k nodes: {} arrivals ({binds} bound, {pending} pending), {departures} departures in {secs:.3} s ({:.2} M operations/s)",
        ops.len(),
        (binds + departures) as f64 / secs / 1e6
    );
    let small = stream(100_000);
    let (ours, ours_binds, ours_dep, _) = meshsim(&fleet(10), &small, 10_000);
    let (theirs, their_binds) = naive(&fleet(10), &small, 10_000);
    println!(
        "1/10 scale (1k nodes, 100k arrivals): meshsim {ours:.3} s ({ours_binds} bound, {ours_dep} departures), node-by-node {theirs:.3} s ({their_binds} bound): {:.0}x",
        theirs / ours
    );
}
