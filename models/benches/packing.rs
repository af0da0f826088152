//! Packing throughput: 1,000,000 pods onto 100,000 nodes on one core.
//!
//! ```text
//! cargo bench -p meshsim-models --bench packing
//! cargo bench -p meshsim-models --bench packing -- --strategy most-allocated
//! ```
//!
//! Fleet: 50,000 general nodes (16 cores, 64Gi, 3 zones), 30,000 high-memory nodes (32 cores,
//! 256Gi), 20,000 GPU nodes (8 GPUs, 96 cores, 1Ti, tainted). Three DaemonSets on every node.
//! Pods: ten workloads totalling 1,000,000 replicas — web tiers, caches with at most 2 per node,
//! batch jobs, 150,000 one-GPU inference replicas and 40,000 quarter-GPU ones (which use up the
//! last 10,000 free GPUs). The baseline in
//! the same run is a plain node-by-node scheduler (filter and score every node for every pod,
//! kube-default scoring, as kube-scheduler does without node sampling) on the same problem at
//! 1/100 scale (1,000 nodes, 10,000 pods) — at full scale it would evaluate 10^11 nodes — with
//! meshsim timed on that 1/100 problem too.

#![allow(clippy::print_stdout, reason = "a benchmark binary reports on stdout")]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use meshsim_core::rng::RngStreams;
use meshsim_models::cluster::{NodePool, Replicas, Taint, TaintEffect, Toleration};
use meshsim_models::resources::{GIB, MIB, Resources};
use meshsim_models::scheduler::{Group, PodSpec, Scheduler, SchedulerConfig, Strategy, TieBreak};

fn spec(cpu: u64, mem: u64, gpus: u32, gpu_milli: u32, gpu_tol: bool, max: Option<u32>) -> PodSpec {
    PodSpec {
        requests: Resources {
            cpu_milli: cpu,
            memory_bytes: mem,
            gpus,
            gpu_milli,
        },
        node_selector: BTreeMap::new(),
        tolerations: if gpu_tol {
            vec![Toleration::everything()]
        } else {
            vec![]
        },
        max_per_node: max,
        gpu_models: Vec::new(),
    }
}

/// Node-by-node scheduling of fixed-count groups (no DaemonSet, GPU share, or max-per-node
/// subtleties: enough to time the scan), kube-default scoring.
fn naive(pools: &[NodePool], groups: &[Group]) -> u64 {
    struct N {
        a: Resources,
        max_pods: u32,
        tainted: bool,
        cpu: u64,
        mem: u64,
        pods: u32,
        free_gpus: u32,
    }
    let mut nodes: Vec<N> = Vec::new();
    for p in pools {
        for _ in 0..p.count {
            let a = p.allocatable();
            nodes.push(N {
                a,
                max_pods: p.max_pods,
                tainted: !p.taints.is_empty(),
                cpu: 0,
                mem: 0,
                pods: 0,
                free_gpus: a.gpus,
            });
        }
    }
    let mut placed = 0;
    for g in groups {
        let Replicas::Count(k) = g.replicas else {
            continue;
        };
        let r = g.spec.requests;
        let tolerates = !g.spec.tolerations.is_empty();
        for _ in 0..k {
            let mut best: Option<(u64, usize)> = None;
            for (i, n) in nodes.iter().enumerate() {
                if (n.tainted && !tolerates)
                    || n.cpu + r.cpu_milli > n.a.cpu_milli
                    || n.mem + r.memory_bytes > n.a.memory_bytes
                    || n.pods >= n.max_pods
                    || n.free_gpus < r.gpus
                {
                    continue;
                }
                let fc = (n.cpu + r.cpu_milli) as f64 / n.a.cpu_milli as f64;
                let fm = (n.mem + r.memory_bytes) as f64 / n.a.memory_bytes as f64;
                let least = ((n.a.cpu_milli - n.cpu - r.cpu_milli) * 100 / n.a.cpu_milli
                    + (n.a.memory_bytes - n.mem - r.memory_bytes) * 100 / n.a.memory_bytes)
                    / 2;
                let score = least + ((1.0 - (fc - fm).abs() / 2.0) * 100.0) as u64;
                if best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, i));
                }
            }
            if let Some((_, i)) = best {
                let n = &mut nodes[i];
                n.cpu += r.cpu_milli;
                n.mem += r.memory_bytes;
                n.pods += 1;
                n.free_gpus -= r.gpus;
                placed += 1;
            }
        }
    }
    placed
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let strategy = match args
        .iter()
        .position(|a| a == "--strategy")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
    {
        Some("most-allocated") => Strategy::MostAllocated,
        Some("least-allocated") => Strategy::LeastAllocated,
        Some("balanced-allocation") => Strategy::BalancedAllocation,
        _ => Strategy::KubeDefault,
    };
    let mut general = NodePool::new("general", 50_000, Resources::cpu_mem(16_000, 64 * GIB));
    general.zones = vec!["a".into(), "b".into(), "c".into()];
    let highmem = NodePool::new("highmem", 30_000, Resources::cpu_mem(32_000, 256 * GIB));
    let mut gpu = NodePool::new(
        "gpu",
        20_000,
        Resources {
            cpu_milli: 96_000,
            memory_bytes: 1024 * GIB,
            gpus: 8,
            gpu_milli: 0,
        },
    );
    gpu.taints.push(Taint {
        key: "nvidia.com/gpu".into(),
        value: "present".into(),
        effect: TaintEffect::NoSchedule,
    });
    let pools = vec![general, highmem, gpu];
    let daemonsets = [
        spec(100, 128 * MIB, 0, 0, true, None),
        spec(50, 64 * MIB, 0, 0, true, None),
        spec(200, 512 * MIB, 0, 0, true, None),
    ];
    let g = |s: PodSpec, n: u32| Group {
        spec: s,
        replicas: Replicas::Count(n),
        priority: 0,
    };
    let groups = vec![
        g(spec(250, 512 * MIB, 0, 0, false, None), 260_000),
        g(spec(500, GIB, 0, 0, false, None), 150_000),
        g(spec(1000, 4 * GIB, 0, 0, false, Some(2)), 80_000),
        g(spec(100, 256 * MIB, 0, 0, false, None), 120_000),
        g(spec(2000, 8 * GIB, 0, 0, false, None), 60_000),
        g(spec(300, 768 * MIB, 0, 0, false, None), 90_000),
        g(spec(4000, 16 * GIB, 0, 0, false, None), 30_000),
        g(spec(150, 384 * MIB, 0, 0, false, None), 20_000),
        g(spec(8000, 60 * GIB, 1, 0, true, None), 150_000),
        g(spec(2000, 20 * GIB, 0, 250, true, None), 40_000),
    ];
    let total: u64 = groups
        .iter()
        .map(|g| match g.replicas {
            Replicas::Count(n) => u64::from(n),
            Replicas::Fill => 0,
        })
        .sum();

    let cfg = SchedulerConfig {
        strategy,
        gpu_weight: 0,
        tie_break: TieBreak::Random,
    };
    let start = Instant::now();
    let mut s = Scheduler::new(&pools, cfg, RngStreams::new(1).stream("scheduler"));
    for d in &daemonsets {
        black_box(s.place_daemonset(d));
    }
    let out = s.place_groups(&groups);
    let elapsed = start.elapsed();
    let placed: u64 = out.iter().map(|o| o.nodes.len() as u64).sum();
    let pending: u64 = out.iter().map(|o| o.pending).sum();
    for (i, o) in out.iter().enumerate().filter(|(_, o)| o.pending > 0) {
        println!(
            "group {i}: {} pending: {}",
            o.pending,
            o.reason.as_deref().unwrap_or("")
        );
    }
    println!("strategy: {}", strategy.as_str());
    println!("nodes: 100000, pods requested: {total}, placed: {placed}, pending: {pending}");
    println!("live node classes at the end: {}", s.live_classes());
    println!(
        "meshsim, 100k nodes / 1M pods: {:.3} s ({:.2} M placements/s)",
        elapsed.as_secs_f64(),
        placed as f64 / elapsed.as_secs_f64() / 1e6,
    );

    // The same problem at 1/100 scale: meshsim against a node-by-node scheduler.
    let small_pools: Vec<NodePool> = pools
        .iter()
        .map(|p| NodePool {
            count: p.count / 100,
            ..p.clone()
        })
        .collect();
    let small_groups: Vec<Group> = groups
        .iter()
        .map(|g| Group {
            replicas: match g.replicas {
                Replicas::Count(n) => Replicas::Count(n / 100),
                Replicas::Fill => Replicas::Fill,
            },
            ..g.clone()
        })
        .collect();
    let start = Instant::now();
    let mut s = Scheduler::new(&small_pools, cfg, RngStreams::new(1).stream("scheduler"));
    let out = s.place_groups(&small_groups);
    let ours = start.elapsed();
    let ours_placed: u64 = out.iter().map(|o| o.nodes.len() as u64).sum();
    let start = Instant::now();
    let naive_placed = black_box(naive(&small_pools, &small_groups));
    let theirs = start.elapsed();
    println!(
        "1/100 scale (1k nodes, 10k pods, no DaemonSets): meshsim {:.4} s ({ours_placed} placed), \
         node-by-node {:.3} s ({naive_placed} placed): {:.0}x",
        ours.as_secs_f64(),
        theirs.as_secs_f64(),
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}
