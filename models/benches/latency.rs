//! Request-simulation throughput: one client pod calling one server pod, both with sidecars
//! (a single two-proxy hop), at moderate load.
//!
//! ```text
//! cargo bench -p meshsim-models --bench latency                           # 10^7 requests
//! cargo bench -p meshsim-models --bench latency -- --requests 100000000   # peak RSS at 10^8
//! cargo bench -p meshsim-models --bench latency -- --contention           # cores shared
//! ```
//!
//! Load: 5,000 rps through sidecars with the istio-1.24 preset: each holds a worker for
//! 200 µs of CPU per request, so each sidecar's 2 workers run at 50 %. Every request is 7
//! events (arrival, 2 × on-path done, 2 × worker free, network, processing). Same-run baseline:
//! a bare `BinaryHeap` push/pop loop of the same number of events. Peak RSS is printed last.
//! `--contention` turns on `cpu_contention`: each node's 16 cores are shared between the
//! proxies' steps and the processing, which the nodes then pace (more events per request).

#![allow(clippy::print_stdout, reason = "a benchmark binary reports on stdout")]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

use meshsim_core::time::SimDuration;
use meshsim_models::cluster::{Cluster, NodePool, Replicas, Workload};
use meshsim_models::delay::lognormal_us;
use meshsim_models::latency::{
    self, Arrival, CallMode, LatencySpec, LoadBalancing, NetworkSpec, ServiceSpec, TrafficSpec,
};
use meshsim_models::mesh::MeshMode;
use meshsim_models::packing;
use meshsim_models::presets;
use meshsim_models::resources::{GIB, Resources};
use meshsim_models::scheduler::SchedulerConfig;

fn bare_heap(events: u64) -> f64 {
    let mut heap: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::with_capacity(64);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for seq in 0..8u64 {
        heap.push(Reverse((seq * 1000, seq)));
    }
    let start = Instant::now();
    for seq in 8..events + 8 {
        let Reverse((t, _)) = heap.pop().expect("never empty");
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        heap.push(Reverse((t + x % 1_000_000, seq)));
    }
    black_box(&heap);
    events as f64 / start.elapsed().as_secs_f64()
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let requests: f64 = args
        .iter()
        .position(|a| a == "--requests")
        .and_then(|i| args.get(i + 1))
        .map_or(1e7, |v| v.parse().expect("--requests takes a number"));
    let contention = args.iter().any(|a| a == "--contention");
    let rate = 5_000.0;
    let mut pool = NodePool::new("p", 2, Resources::cpu_mem(16_000, 64 * GIB));
    pool.zones = vec!["z".into()];
    let c = Cluster {
        pools: vec![pool],
        workloads: vec![
            Workload::new(
                "client",
                "app",
                Replicas::Count(1),
                Resources::cpu_mem(100, GIB),
            ),
            Workload::new(
                "server",
                "app",
                Replicas::Count(1),
                Resources::cpu_mem(100, GIB),
            ),
        ],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let mesh = presets::default_mesh_config(presets::istio_1_24());
    let run = packing::evaluate(&c, &mesh, MeshMode::Sidecar, SchedulerConfig::default(), 1);
    let net = lognormal_us(60, 120);
    let spec = LatencySpec {
        duration: SimDuration::from_secs_f64(requests / rate).expect("finite"),
        warmup: SimDuration::ZERO,
        load_balancing: LoadBalancing::RoundRobin,
        network: NetworkSpec {
            same_node: net,
            same_zone: net,
            cross_zone: net,
            cross_cluster: net,
        },
        services: vec![
            ServiceSpec {
                processing: lognormal_us(50, 100),
                calls: vec![],
                mode: CallMode::Sequential,
            },
            ServiceSpec {
                processing: lognormal_us(284, 600),
                calls: vec![],
                mode: CallMode::Sequential,
            },
        ],
        traffic: vec![TrafficSpec {
            name: "hop".into(),
            target: 1,
            from: Some(0),
            arrival: Arrival::Poisson { rate },
        }],
        utilisation_warning: 0.8,
        compress_schedules: false,
        cpu_contention: contention,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    };
    let start = Instant::now();
    let r = latency::simulate(&c, &mesh, &run, &spec, 1).expect("simulates");
    let secs = start.elapsed().as_secs_f64();
    let req_rate = r.completed as f64 / secs;
    let ev_rate = r.events as f64 / secs;
    let heap = bare_heap(r.events.min(100_000_000));
    let util: Vec<String> = r
        .stations
        .iter()
        .map(|s| format!("{:.2}", s.utilisation))
        .collect();
    println!(
        "requests: {} in {secs:.2} s: {:.2} M requests/s",
        r.completed,
        req_rate / 1e6
    );
    println!(
        "events: {} ({:.1} per request): {:.2} M events/s; bare BinaryHeap loop {:.2} M events/s ({:.2}x)",
        r.events,
        r.events as f64 / r.completed as f64,
        ev_rate / 1e6,
        heap / 1e6,
        ev_rate / heap
    );
    println!(
        "sidecar utilisation: {util:?}; hop P99 {:.3} ms",
        r.hops.quantile(0.99).as_millis_f64()
    );
    if let Some(rss) = peak_rss_mib() {
        println!("peak RSS: {rss:.1} MiB");
    }
}
