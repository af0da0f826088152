//! A fleet over time: 1,000 nodes and 20,000 pods for 30 simulated days, the HPA syncing every
//! 15 s and the cluster autoscaler scanning every 10 s, one core.
//!
//! ```text
//! cargo bench -p meshsim-models --bench fleet
//! ```
//!
//! Fleet: one pool of 1,000 nodes (16 vCPU, 64 GiB), autoscaled between 200 and 1,500 with a
//! 90 s provisioning delay, a 150m / 256 MiB node agent on every node. 1,000 workloads of 20
//! replicas (600m / 1,152 MiB per pod, sidecar included), each with an HPA (`Resource`, 60 %,
//! 5 to 60 replicas) and a diurnal load: 24 hourly steps between 0.5 × and 1.5 × its mean,
//! each workload's day shifted by 0, 1 or 2 hours (the fleet peaks together). The same-run
//! baseline is the same run with every HPA sync executed (`simulate_every_sync`), which gives
//! identical results (checked here) — at 1/10 of the horizon (3 days), as it is slow.

#![allow(clippy::print_stdout, reason = "a benchmark binary reports on stdout")]

use std::time::Instant;

use meshsim_models::autoscale::cluster_autoscaler::CaConfig;
use meshsim_models::autoscale::fleet::{
    FleetSpec, Load, PoolScaling, Workload, simulate, simulate_every_sync,
};
use meshsim_models::autoscale::hpa::{HpaSpec, Metric, Target};
use meshsim_models::cluster::NodePool;
use meshsim_models::resources::{GIB, MIB, Resources};
use meshsim_models::scheduler::{PodSpec, SchedulerConfig};

fn res(cpu: u64, mem: u64) -> Resources {
    Resources {
        cpu_milli: cpu,
        memory_bytes: mem,
        gpus: 0,
        gpu_milli: 0,
    }
}

fn spec(pools: &[NodePool], days: u64) -> FleetSpec<'_> {
    // Mean load such that 20 pods sit at 60 %: (20 × 20m + 5m × L) / (20 × 600m) = 0.6.
    let mean = (0.6 * 20.0 * 600.0 - 20.0 * 20.0) / 5.0;
    let workloads = (0..1000)
        .map(|w| Workload {
            name: format!("svc-{w}"),
            spec: PodSpec {
                requests: res(600, 1152 * MIB),
                ..PodSpec::default()
            },
            pool: 0,
            replicas: 20,
            hpa: Some(HpaSpec::new(
                5,
                60,
                Metric::Resource,
                Target::Utilization(60),
            )),
            covered_request_m: 600.0,
            idle_m: 20.0,
            m_per_rps: 5.0,
            load: Load {
                steps: (0..24u64)
                    .map(|h| {
                        let phase = (h + w % 3) as f64 / 24.0 * std::f64::consts::TAU;
                        (h * 3600, mean * (1.0 + 0.5 * phase.sin()))
                    })
                    .collect(),
                period_s: Some(86_400),
            },
            readiness_s: 30,
        })
        .collect();
    FleetSpec {
        pools,
        scaling: vec![Some(PoolScaling {
            min: 200,
            max: 1500,
            provisioning_s: 90,
        })],
        daemonsets: vec![PodSpec {
            requests: res(150, 256 * MIB),
            ..PodSpec::default()
        }],
        workloads,
        horizon_s: days * 86_400,
        hpa_sync_s: 15,
        ca: CaConfig::default(),
        sample_s: 60,
        scheduler: SchedulerConfig::default(),
        seed: 1,
    }
}

fn main() {
    let pools = [NodePool::new("general", 1000, res(16_000, 64 * GIB))];
    let s = spec(&pools, 30);
    let t = Instant::now();
    let r = simulate(&s);
    let secs = t.elapsed().as_secs_f64();
    let node_hours = r.node_seconds[0] as f64 / 3600.0;
    let pods: u64 = r.placed_pod_seconds.iter().sum();
    let pending: u64 = r.pending_pod_seconds.iter().sum();
    println!(
        "meshsim fleet, 1,000 nodes, 20,000 pods, 30 days, 15 s HPA sync: {secs:.2} s; {node_hours:.0} node-hours (peak {} nodes, {} added, {} removed), {:.0} pod-hours placed, {:.0} pending",
        r.peak_nodes[0],
        r.nodes_added[0],
        r.nodes_removed[0],
        pods as f64 / 3600.0,
        pending as f64 / 3600.0
    );
    let short = spec(&pools, 3);
    let t = Instant::now();
    let a = simulate(&short);
    let ours = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let b = simulate_every_sync(&short);
    let theirs = t.elapsed().as_secs_f64();
    assert_eq!(a, b, "skipping quiet syncs changed the run");
    println!(
        "3 days: meshsim {ours:.2} s, every sync run {theirs:.2} s ({:.1}x), identical results",
        theirs / ours
    );
}
