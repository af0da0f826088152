//! Calibration harness: the istio/tools benchmark setup (one client pod calling one server pod
//! on another node of the same zone, 1000 rps), printing end-to-end percentiles per mode and
//! the latency added against no mesh.
//!
//! cargo run --release -p meshsim-models --example calibrate -- \
//!     --net 60,120 --proc 284,600 --ztunnel 85,120 --sidecar 110,220 [--reps 10] [--secs 60]
//!
//! Each pair is a log-normal's mean and P99 in microseconds.

#![allow(clippy::print_stdout, reason = "a calibration tool reports on stdout")]

use std::collections::BTreeMap;

use meshsim_core::time::SimDuration;
use meshsim_models::cluster::{Cluster, NodePool, Replicas, Workload};
use meshsim_models::delay::{DelaySpec, lognormal_us};
use meshsim_models::latency::{
    self, Arrival, CallMode, LatencySpec, LoadBalancing, NetworkSpec, ServiceSpec, TrafficSpec,
};
use meshsim_models::mesh::MeshMode;
use meshsim_models::packing;
use meshsim_models::presets;
use meshsim_models::resources::{GIB, Resources};
use meshsim_models::scheduler::SchedulerConfig;

fn pair(args: &[String], name: &str, default: (u64, u64)) -> (u64, u64) {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| {
            let mut it = v
                .split(',')
                .map(|x| x.parse::<u64>().expect("integer microseconds"));
            (it.next().unwrap(), it.next().unwrap())
        })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let net = pair(&args, "--net", (60, 120));
    let proc = pair(&args, "--proc", (284, 600));
    let zt = pair(&args, "--ztunnel", (85, 120));
    let sc = pair(&args, "--sidecar", (110, 220));
    let reps: u64 = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .map_or(10, |v| v.parse().unwrap());
    let secs: u64 = args
        .iter()
        .position(|a| a == "--secs")
        .and_then(|i| args.get(i + 1))
        .map_or(60, |v| v.parse().unwrap());

    let mut client = NodePool::new("client", 1, Resources::cpu_mem(16_000, 64 * GIB));
    client.zones = vec!["z".into()];
    let mut server = client.clone();
    server.name = "server".into();
    let mut cw = Workload::new(
        "fortio-client",
        "bench",
        Replicas::Count(1),
        Resources::cpu_mem(100, GIB),
    );
    cw.node_selector.insert("pool".into(), "client".into());
    client.labels.insert("pool".into(), "client".into());
    let mut sw = Workload::new(
        "fortio-server",
        "bench",
        Replicas::Count(1),
        Resources::cpu_mem(100, GIB),
    );
    sw.node_selector.insert("pool".into(), "server".into());
    server.labels.insert("pool".into(), "server".into());
    let mut sys = NodePool::new("system", 1, Resources::cpu_mem(16_000, 64 * GIB));
    sys.zones = vec!["z".into()];
    let c = Cluster {
        pools: vec![client, server, sys],
        workloads: vec![cw, sw],
        daemonsets: vec![],
        members: Vec::new(),
    };
    let mut mesh = presets::default_mesh_config(presets::istio_1_24());
    mesh.costs.ztunnel.service_time = lognormal_us(zt.0, zt.1);
    mesh.costs.sidecar.service_time = lognormal_us(sc.0, sc.1);
    let n = lognormal_us(net.0, net.1);
    let spec = LatencySpec {
        duration: SimDuration::from_secs(secs),
        warmup: SimDuration::from_secs(1),
        load_balancing: LoadBalancing::RoundRobin,
        network: NetworkSpec {
            same_node: n,
            same_zone: n,
            cross_zone: n,
            cross_cluster: n,
        },
        services: vec![
            ServiceSpec {
                processing: DelaySpec::Constant {
                    value: SimDuration::ZERO,
                },
                calls: vec![],
                mode: CallMode::Sequential,
            },
            ServiceSpec {
                processing: lognormal_us(proc.0, proc.1),
                calls: vec![],
                mode: CallMode::Sequential,
            },
        ],
        traffic: vec![TrafficSpec {
            name: "bench".into(),
            target: 1,
            from: Some(0),
            arrival: Arrival::Poisson { rate: 1000.0 },
        }],
        utilisation_warning: 0.8,
        compress_schedules: false,
        cpu_contention: false,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    };
    let modes = [MeshMode::None, MeshMode::Ambient, MeshMode::Sidecar];
    let mut runs = Vec::new();
    for m in modes {
        let run = packing::evaluate(&c, &mesh, m, SchedulerConfig::default(), 1);
        let v: Vec<_> = (0..reps)
            .map(|r| latency::simulate(&c, &mesh, &run, &spec, 1000 + r).unwrap())
            .collect();
        runs.push(v);
    }
    let s = latency::summarise(&modes, &runs, &spec.traffic, 0.8, Some(MeshMode::Sidecar));
    for m in &s {
        let d = &m.dists[1];
        let get =
            |v: &[(String, latency::Estimate)], k: &str| v.iter().find(|x| x.0 == k).map(|x| x.1);
        let p = |k| get(&d.stats, k).map_or(f64::NAN, |e| e.mean * 1e3);
        let a = |k| get(&d.added_vs_none, k).map_or(f64::NAN, |e| e.mean * 1e3);
        let cpu: BTreeMap<_, _> = m
            .cpu_vcpu
            .iter()
            .map(|(k, v)| (k.as_str(), (v.mean * 1000.0).round() / 1000.0))
            .collect();
        println!(
            "{:9} e2e p50 {:6.1} p90 {:6.1} p99 {:6.1} us | added p50 {:6.1} p90 {:6.1} p99 {:6.1} us | cpu {:?}",
            m.mode.as_str(),
            p("p50"),
            p("p90"),
            p("p99"),
            a("p50"),
            a("p90"),
            a("p99"),
            cpu
        );
    }
}
