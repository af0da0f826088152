//! The request simulation against theory and against itself.

use meshsim_core::stats::ConfidenceInterval;
use meshsim_core::theory;
use meshsim_core::time::SimDuration;
use meshsim_models::cluster::{Cluster, NodePool, Replicas, Workload};
use meshsim_models::delay::DelaySpec;
use meshsim_models::latency::{
    self, Arrival, Call, CallMode, LatencySpec, LoadBalancing, NetworkSpec, ServiceSpec,
    TrafficSpec,
};
use meshsim_models::mesh::{MeshConfig, MeshMode};
use meshsim_models::packing;
use meshsim_models::presets;
use meshsim_models::resources::{GIB, Resources};
use meshsim_models::scheduler::SchedulerConfig;

const ZERO: DelaySpec = DelaySpec::Constant {
    value: SimDuration::ZERO,
};

fn us(n: u64) -> SimDuration {
    SimDuration::from_micros(n)
}

fn cluster(workloads: &[(&str, &str, u32)], nodes: u32, zones: usize) -> Cluster {
    let mut p = NodePool::new("p", nodes, Resources::cpu_mem(64_000, 256 * GIB));
    p.zones = (0..zones).map(|z| format!("z{z}")).collect();
    Cluster {
        pools: vec![p],
        workloads: workloads
            .iter()
            .map(|(n, ns, r)| {
                Workload::new(n, ns, Replicas::Count(*r), Resources::cpu_mem(100, GIB))
            })
            .collect(),
        daemonsets: vec![],
        members: Vec::new(),
    }
}

fn zero_network() -> NetworkSpec {
    NetworkSpec {
        same_node: ZERO,
        same_zone: ZERO,
        cross_zone: ZERO,
        cross_cluster: ZERO,
    }
}

fn leaf(processing: DelaySpec) -> ServiceSpec {
    ServiceSpec {
        processing,
        calls: vec![],
        mode: CallMode::Sequential,
    }
}

fn run_mode(
    c: &Cluster,
    mesh: &MeshConfig,
    mode: MeshMode,
    spec: &LatencySpec,
    seed: u64,
) -> latency::LatencyRun {
    let run = packing::evaluate(c, mesh, mode, SchedulerConfig::default(), 1);
    latency::simulate(c, mesh, &run, spec, seed).unwrap()
}

/// An external client calls one sidecar-meshed replica: with no network and no processing the
/// hop is the sidecar's sojourn, and the sidecar is an M/M/2 queue (κ = 1: worker time equals
/// the exponential service time).
#[test]
fn one_proxy_is_an_mmc_queue() {
    let c = cluster(&[("srv", "app", 1)], 1, 1);
    let mut mesh = presets::default_mesh_config(presets::istio_1_24());
    mesh.costs.sidecar.service_time = DelaySpec::Exponential { mean: us(100) };
    mesh.costs.sidecar.cpu_milli_per_1000_rps = 100.0; // 100 µs CPU per request: κ = 1
    mesh.costs.sidecar.workers = 2;
    let (lambda, mu) = (16_000.0, 10_000.0); // ρ = 0.8 on 2 workers
    let spec = LatencySpec {
        duration: SimDuration::from_secs(40),
        warmup: SimDuration::from_secs(1),
        load_balancing: LoadBalancing::RoundRobin,
        network: zero_network(),
        services: vec![leaf(ZERO)],
        traffic: vec![TrafficSpec {
            name: "t".into(),
            target: 0,
            from: None,
            arrival: Arrival::Poisson { rate: lambda },
        }],
        utilisation_warning: 0.8,
        compress_schedules: false,
        cpu_contention: false,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    };
    let reps: Vec<_> = (0..10)
        .map(|r| run_mode(&c, &mesh, MeshMode::Sidecar, &spec, 100 + r))
        .collect();
    // No processing: a request is its hop, the sidecar's sojourn (the `hop` scope adds a reference
    // server's reply, see `latency::HOP_REFERENCE`).
    let means: Vec<f64> = reps
        .iter()
        .map(|r| r.end_to_end[0].mean().as_secs_f64())
        .collect();
    let ci = ConfidenceInterval::from_samples(&means, 0.99);
    let exact = theory::mmc_mean_sojourn(lambda, mu, 2).unwrap();
    let rel = (ci.mean - exact).abs() / exact;
    eprintln!(
        "M/M/2 via sidecar: {} ± {} vs {exact} ({:.2} %)",
        ci.mean,
        ci.half_width,
        100.0 * rel
    );
    assert!(rel < 0.02, "{} vs {exact}", ci.mean);
    assert!(ci.contains(exact));
    let util: Vec<f64> = reps.iter().map(|r| r.stations[0].utilisation).collect();
    let u = ConfidenceInterval::from_samples(&util, 0.99);
    assert!((u.mean - 0.8).abs() < 0.01 && u.contains(0.8), "{u:?}");
    // CPU = arrivals × 100 µs over the window: 1.6 vCPU.
    let cpu = reps.iter().map(|r| r.stations[0].cpu_vcpu).sum::<f64>() / 10.0;
    assert!((cpu - 1.6).abs() / 1.6 < 0.01, "{cpu}");
    for r in &reps {
        assert!(
            r.stations[0].little_gap < 0.01,
            "Little: {}",
            r.stations[0].little_gap
        );
    }
}

/// At low load a chain's mean latency is the sum of its hops' means: entry → a → b, each hop
/// through two sidecars (mean 100 µs each, no queueing at 50 rps), network 200 µs, processing
/// 1 ms at every service.
#[test]
fn low_load_chain_mean_is_the_sum_of_hop_means() {
    let c = cluster(
        &[("entry", "app", 1), ("a", "app", 1), ("b", "app", 1)],
        3,
        1,
    );
    let mut mesh = presets::default_mesh_config(presets::istio_1_24());
    mesh.costs.sidecar.service_time = DelaySpec::LogNormalCv {
        mean: us(100),
        cv: 0.5,
    };
    let net = DelaySpec::Constant { value: us(200) };
    let proc = DelaySpec::Exponential { mean: us(1000) };
    let spec = LatencySpec {
        duration: SimDuration::from_secs(600),
        warmup: SimDuration::from_secs(1),
        load_balancing: LoadBalancing::RoundRobin,
        network: NetworkSpec {
            same_node: net,
            same_zone: net,
            cross_zone: net,
            cross_cluster: net,
        },
        services: vec![
            ServiceSpec {
                processing: proc,
                calls: vec![Call {
                    target: 1,
                    count: 1,
                }],
                mode: CallMode::Sequential,
            },
            ServiceSpec {
                processing: proc,
                calls: vec![Call {
                    target: 2,
                    count: 1,
                }],
                mode: CallMode::Sequential,
            },
            leaf(proc),
        ],
        traffic: vec![TrafficSpec {
            name: "chain".into(),
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
    let r = run_mode(&c, &mesh, MeshMode::Sidecar, &spec, 7);
    // Hops: external → entry crosses one sidecar (server side), entry → a and a → b two each.
    // Sum: 3 × 200 µs network + 5 × 100 µs sidecar + 3 × 1000 µs processing = 4.1 ms.
    let mean = r.end_to_end[0].mean().as_secs_f64();
    let n = r.end_to_end[0].count() as f64;
    // Standard error from the exponential processing (the dominant variance): sqrt(3)·1 ms/√n.
    let se = (3.0f64).sqrt() * 1e-3 / n.sqrt();
    eprintln!("chain mean {mean} over {n} requests (se {se})");
    assert!((mean - 4.1e-3).abs() < 4.0 * se + 2e-6, "{mean}");
}

/// Same seed, same results; the simulated `none` and `sidecar` modes see the same arrivals and
/// the same processing times (common random numbers).
#[test]
fn determinism_and_common_random_numbers() {
    let c = cluster(&[("front", "app", 3), ("back", "app", 2)], 4, 2);
    let mesh = presets::default_mesh_config(presets::istio_1_24());
    let spec = LatencySpec {
        duration: SimDuration::from_secs(20),
        warmup: SimDuration::from_secs(1),
        load_balancing: LoadBalancing::LeastRequest,
        network: NetworkSpec::default(),
        services: vec![
            ServiceSpec {
                processing: DelaySpec::Exponential { mean: us(500) },
                calls: vec![Call {
                    target: 1,
                    count: 3,
                }],
                mode: CallMode::Parallel,
            },
            leaf(DelaySpec::LogNormalCv {
                mean: us(800),
                cv: 1.0,
            }),
        ],
        traffic: vec![TrafficSpec {
            name: "t".into(),
            target: 0,
            from: None,
            arrival: Arrival::Mmpp {
                rates: [200.0, 2000.0],
                mean_durations: [SimDuration::from_secs(2), SimDuration::from_millis(500)],
            },
        }],
        utilisation_warning: 0.8,
        compress_schedules: false,
        cpu_contention: false,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    };
    let a = run_mode(&c, &mesh, MeshMode::Sidecar, &spec, 3);
    let b = run_mode(&c, &mesh, MeshMode::Sidecar, &spec, 3);
    assert_eq!(a.events, b.events);
    assert_eq!(a.hops.mean(), b.hops.mean());
    assert_eq!(
        a.end_to_end[0].quantile(0.99),
        b.end_to_end[0].quantile(0.99)
    );
    let other = run_mode(&c, &mesh, MeshMode::Sidecar, &spec, 4);
    assert_ne!(a.hops.mean(), other.hops.mean());
    // Same arrivals in every mode.
    let none = run_mode(&c, &mesh, MeshMode::None, &spec, 3);
    let amb = run_mode(&c, &mesh, MeshMode::Ambient, &spec, 3);
    assert_eq!(a.arrivals, none.arrivals);
    assert_eq!(a.arrivals, amb.arrivals);
    // A mode's result does not depend on which other modes are simulated (each run is its own
    // simulation with its own streams): ambient computed again equals ambient.
    let amb2 = run_mode(&c, &mesh, MeshMode::Ambient, &spec, 3);
    assert_eq!(amb.events, amb2.events);
    assert_eq!(amb.hops.quantile(0.9), amb2.hops.quantile(0.9));
}

/// Processing and network draws are keyed by the request, not by time: with proxies of zero
/// service time the sidecar mode reproduces `none` exactly, hop by hop. (Sidecar requests
/// change the placement and so the localities; one network distribution for every locality
/// keeps the draws comparable.)
#[test]
fn zero_cost_proxies_reproduce_no_mesh_exactly() {
    let c = cluster(&[("front", "app", 2), ("back", "app", 3)], 5, 2);
    let mut mesh = presets::default_mesh_config(presets::istio_1_24());
    mesh.costs.sidecar.service_time = ZERO;
    let net = DelaySpec::LogNormalCv {
        mean: us(150),
        cv: 0.6,
    };
    let spec = LatencySpec {
        duration: SimDuration::from_secs(10),
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
                processing: DelaySpec::Exponential { mean: us(300) },
                calls: vec![Call {
                    target: 1,
                    count: 2,
                }],
                mode: CallMode::Sequential,
            },
            leaf(DelaySpec::Exponential { mean: us(200) }),
        ],
        traffic: vec![TrafficSpec {
            name: "t".into(),
            target: 0,
            from: None,
            arrival: Arrival::Poisson { rate: 500.0 },
        }],
        utilisation_warning: 0.8,
        compress_schedules: false,
        cpu_contention: false,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    };
    let none = run_mode(&c, &mesh, MeshMode::None, &spec, 11);
    let side = run_mode(&c, &mesh, MeshMode::Sidecar, &spec, 11);
    assert_eq!(none.end_to_end[0].count(), side.end_to_end[0].count());
    assert_eq!(none.end_to_end[0].mean(), side.end_to_end[0].mean());
    assert_eq!(none.hops.quantile(0.99), side.hops.quantile(0.99));
}

/// A replayed trace delivers exactly its requests at its mean rate.
#[test]
fn trace_replay_reproduces_count_and_rate() {
    let c = cluster(&[("srv", "app", 2)], 2, 1);
    let mesh = presets::default_mesh_config(presets::istio_1_24());
    // 1,000 arrivals at irregular instants over ~10 s.
    let mut t = 0u64;
    let offsets: Vec<u64> = (0..1000u64)
        .map(|i| {
            let v = t;
            t += 2_000_000 + (i * 7_919 % 17) * 1_000_000;
            v
        })
        .collect();
    let span = meshsim_models::latency::arrivals::trace_span_ns(&offsets);
    let arrival = Arrival::Trace {
        offsets: offsets.clone().into(),
        scale: 1.0,
    };
    let spec = LatencySpec {
        duration: SimDuration::from_nanos(span),
        warmup: SimDuration::ZERO,
        load_balancing: LoadBalancing::RoundRobin,
        network: NetworkSpec::default(),
        services: vec![leaf(DelaySpec::Constant { value: us(100) })],
        traffic: vec![TrafficSpec {
            name: "trace".into(),
            target: 0,
            from: None,
            arrival: arrival.clone(),
        }],
        utilisation_warning: 0.8,
        compress_schedules: false,
        cpu_contention: false,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    };
    let r = run_mode(&c, &mesh, MeshMode::Ambient, &spec, 1);
    assert_eq!(r.arrivals[0], 1000);
    let rate = r.arrivals[0] as f64 / r.window_s;
    assert!((rate - arrival.mean_rate()).abs() < 1e-9 * rate, "{rate}");
    // Twice the speed over the same window: twice the requests (the trace repeats).
    let mut fast = spec.clone();
    fast.traffic[0].arrival = Arrival::Trace {
        offsets: offsets.into(),
        scale: 2.0,
    };
    let r = run_mode(&c, &mesh, MeshMode::Ambient, &fast, 1);
    assert_eq!(r.arrivals[0], 2000);
}

/// Closed-loop clients against mean-value analysis: N clients, each sending, waiting for the
/// answer and pausing a constant think time Z, call one sidecar-meshed replica. The network is a
/// product-form closed network — the sidecar a single-worker FCFS queue with exponential service
/// (D = 100 µs), the processing and the think time delay stations (200 µs and Z) — so exact MVA
/// gives the throughput and the mean response:
/// R(n) = D (1 + Q(n−1)) + 200 µs, X(n) = n / (Z + R(n)), Q(n) = X(n) (R(n) − 200 µs).
/// One client is the low-load case: no queueing, X = 1 / (Z + D + 200 µs).
#[test]
fn closed_loop_clients_match_mean_value_analysis() {
    let c = cluster(&[("srv", "app", 1)], 1, 1);
    let mut mesh = presets::default_mesh_config(presets::istio_1_24());
    mesh.costs.sidecar.service_time = DelaySpec::Exponential { mean: us(100) };
    mesh.costs.sidecar.cpu_milli_per_1000_rps = 100.0; // κ = 1
    mesh.costs.sidecar.workers = 1;
    let (d, p, z) = (100e-6, 200e-6, 500e-6);
    for n in [1u32, 8] {
        let (mut q, mut x, mut r) = (0.0, 0.0, 0.0);
        for k in 1..=n {
            let rq = d * (1.0 + q);
            r = rq + p;
            x = f64::from(k) / (z + r);
            q = x * rq;
        }
        let mut spec = poisson_spec(DelaySpec::Constant { value: us(200) }, 1.0, 20, false);
        spec.traffic[0].arrival = Arrival::Closed {
            connections: n,
            think: us(500),
        };
        let reps: Vec<_> = (0..6)
            .map(|i| run_mode(&c, &mesh, MeshMode::Sidecar, &spec, 300 + i))
            .collect();
        let thr: Vec<f64> = reps
            .iter()
            .map(|r| r.completed as f64 / r.window_s)
            .collect();
        let resp: Vec<f64> = reps
            .iter()
            .map(|r| r.end_to_end[0].mean().as_secs_f64())
            .collect();
        let (ct, cr) = (
            ConfidenceInterval::from_samples(&thr, 0.99),
            ConfidenceInterval::from_samples(&resp, 0.99),
        );
        eprintln!(
            "N = {n}: X {:.1} ± {:.1} vs MVA {x:.1} /s; R {:.2} ± {:.2} vs {:.2} µs",
            ct.mean,
            ct.half_width,
            cr.mean * 1e6,
            cr.half_width * 1e6,
            r * 1e6
        );
        assert!(
            (ct.mean - x).abs() / x < 0.01,
            "N = {n}: X {} vs {x}",
            ct.mean
        );
        assert!(
            (cr.mean - r).abs() / r < 0.01,
            "N = {n}: R {} vs {r}",
            cr.mean
        );
        assert!(ct.contains(x) && cr.contains(r), "{ct:?} {cr:?}");
        // Little's law over the whole loop: N = X (R + Z).
        let l = ct.mean * (cr.mean + z);
        assert!(
            (l - f64::from(n)).abs() / f64::from(n) < 0.005,
            "N = {n}: X (R + Z) = {l}"
        );
    }
}

/// CPU contention: the processing of the requests on a node shares its cores (processor
/// sharing, at most one core per request). With no mesh and no network a request's time is its
/// processing, so the node is an M/G/1-PS queue on one core — mean response S / (1 − ρ) for
/// exponential and for constant processing alike (processor sharing is insensitive to the
/// distribution) — and on two cores, with exponential processing, its number in system is that
/// of M/M/2, so its mean response is Erlang C's.
/// One node of `cores_milli` running one replica of `srv`.
fn one_node(cores_milli: u64) -> Cluster {
    let mut c = cluster(&[("srv", "app", 1)], 1, 1);
    c.pools[0].capacity = Resources::cpu_mem(cores_milli, 256 * GIB);
    c
}

/// Poisson arrivals at `rate` on `srv` with `processing`, no network.
fn poisson_spec(processing: DelaySpec, rate: f64, seconds: u64, contention: bool) -> LatencySpec {
    LatencySpec {
        duration: SimDuration::from_secs(seconds),
        warmup: SimDuration::from_secs(1),
        load_balancing: LoadBalancing::RoundRobin,
        network: zero_network(),
        services: vec![leaf(processing)],
        traffic: vec![TrafficSpec {
            name: "t".into(),
            target: 0,
            from: None,
            arrival: Arrival::Poisson { rate },
        }],
        utilisation_warning: 0.8,
        compress_schedules: false,
        cpu_contention: contention,
        cluster_pairs: Vec::new(),
        replicated: Vec::new(),
        locality: meshsim_models::latency::Locality::Spread,
    }
}

#[test]
fn cpu_contention_is_processor_sharing() {
    let mesh = presets::default_mesh_config(presets::istio_1_24());
    let run = |cores_milli: u64, processing: DelaySpec, rate: f64| {
        let c = one_node(cores_milli);
        let spec = poisson_spec(processing, rate, 40, true);
        let means: Vec<f64> = (0..6)
            .map(|r| {
                run_mode(&c, &mesh, MeshMode::None, &spec, 500 + r).end_to_end[0]
                    .mean()
                    .as_secs_f64()
            })
            .collect();
        ConfidenceInterval::from_samples(&means, 0.99)
    };
    let exp = DelaySpec::Exponential { mean: us(1000) };
    let constant = DelaySpec::Constant { value: us(1000) };
    for (what, ci, exact) in [
        ("M/M/1-PS", run(1000, exp, 500.0), 2e-3),
        ("M/D/1-PS", run(1000, constant, 500.0), 2e-3),
        (
            "two cores, M/M/2",
            run(2000, exp, 1600.0),
            theory::mmc_mean_sojourn(1600.0, 1000.0, 2).unwrap(),
        ),
    ] {
        let rel = (ci.mean - exact).abs() / exact;
        eprintln!(
            "{what}: {:.4} ± {:.4} ms vs {:.4} ms ({:.2} %)",
            ci.mean * 1e3,
            ci.half_width * 1e3,
            exact * 1e3,
            100.0 * rel
        );
        assert!(
            rel < 0.03 && ci.contains(exact),
            "{what}: {ci:?} vs {exact}"
        );
    }
    // Off, the same load on one core is a pure delay: 1 ms.
    let c = one_node(1000);
    let mut spec = poisson_spec(DelaySpec::Constant { value: us(1000) }, 500.0, 5, false);
    let off = run_mode(&c, &mesh, MeshMode::None, &spec, 1);
    assert_eq!(off.end_to_end[0].mean(), us(1000));
    // On, a sidecar's busy workers take cores from the processing: the same requests take
    // longer in sidecar mode than without the mesh by more than the sidecar's own time.
    spec.cpu_contention = true;
    spec.duration = SimDuration::from_secs(20);
    let none = run_mode(&c, &mesh, MeshMode::None, &spec, 1);
    let side = run_mode(&c, &mesh, MeshMode::Sidecar, &spec, 1);
    spec.cpu_contention = false;
    let side_off = run_mode(&c, &mesh, MeshMode::Sidecar, &spec, 1);
    let none_off = run_mode(&c, &mesh, MeshMode::None, &spec, 1);
    let added_on =
        side.end_to_end[0].mean().as_secs_f64() - none.end_to_end[0].mean().as_secs_f64();
    let added_off =
        side_off.end_to_end[0].mean().as_secs_f64() - none_off.end_to_end[0].mean().as_secs_f64();
    eprintln!(
        "sidecar adds {:.3} ms with contention, {:.3} ms without",
        added_on * 1e3,
        added_off * 1e3
    );
    assert!(added_on > 1.5 * added_off, "{added_on} vs {added_off}");
}

/// A one-node cluster whose only service has a CPU limit of `limit_milli` per replica.
fn limited_node(cores_milli: u64, limit_milli: u64) -> Cluster {
    let mut c = one_node(cores_milli);
    c.workloads[0].limits = Resources::cpu_mem(limit_milli, GIB);
    c
}

#[test]
fn cpu_limits_are_cfs_quota_throttling() {
    let mesh = presets::default_mesh_config(presets::istio_1_24());
    let ms = |n: u64| SimDuration::from_millis(n);
    // Isolated requests of 80 ms of CPU on a 500m limit (50 ms of quota per 100 ms period), one
    // every 1.001 s: the k-th arrives 1 ms later in its period than the one before, so any 100
    // in a row see every phase φ = 0, 1, …, 99 ms once. By hand (periods from the run's start):
    // - φ ≤ 50: runs 50 ms, waits for the period to end, runs its last 30 ms: 130 − φ;
    // - 50 < φ ≤ 70: runs 100 − φ to the period's end, the rest (≤ 50 ms) in the next: 80;
    // - φ > 70: the rest is more than a quota, so it waits a second time: 130.
    // Mean over the 100 phases: (5355 + 1600 + 3770) / 100 = 107.25 ms; a fluid cap at half a
    // core would give 160 ms, no limit 80 ms.
    let offsets: std::sync::Arc<[u64]> = (0..200u64).map(|k| k * 1_001_000_000).collect();
    let mut spec = poisson_spec(DelaySpec::Constant { value: ms(80) }, 1.0, 100, true);
    spec.traffic[0].arrival = Arrival::Trace {
        offsets,
        scale: 1.0,
    };
    // The window [1 s, 101 s] holds the requests k = 1..=100: phases 1..99 and 0.
    let e2e = |c: &Cluster, spec: &LatencySpec| {
        run_mode(c, &mesh, MeshMode::None, spec, 1).end_to_end[0].clone()
    };
    let r = e2e(&limited_node(2000, 500), &spec);
    assert_eq!(r.count(), 100);
    let mean_ns = r.mean().as_nanos() as f64;
    assert!((mean_ns - 107.25e6).abs() < 1e3, "mean {mean_ns} ns");
    assert!(r.quantile(1.0).as_nanos().abs_diff(130_000_000) < 1_000);
    assert!(r.quantile(0.0).as_nanos().abs_diff(80_000_000) < 1_000);
    // The same requests without a limit take their 80 ms, and so they do with contention off.
    let free = e2e(&one_node(2000), &spec);
    assert_eq!(free.mean(), ms(80));
    spec.cpu_contention = false;
    assert_eq!(e2e(&limited_node(2000, 500), &spec).mean(), ms(80));

    // Saturated: 4 connections of 30 ms requests on a 200m limit. In the long run the
    // container gets its quota, 0.2 core: 0.2 / 0.030 = 6.67 requests/s, and by Little's law
    // a mean response of 4 / 6.67 = 600 ms. The node's two cores alone would give 66.7/s.
    let mut spec = poisson_spec(DelaySpec::Constant { value: ms(30) }, 1.0, 300, true);
    spec.traffic[0].arrival = Arrival::Closed {
        connections: 4,
        think: SimDuration::ZERO,
    };
    let r = e2e(&limited_node(2000, 200), &spec);
    let x = r.count() as f64 / 300.0;
    // ±1 % holds the window's edges: a request or two of the 2,000 either side.
    assert!(
        (x - 0.2 / 0.030).abs() / (0.2 / 0.030) < 0.01,
        "{x} requests/s"
    );
    let m = r.mean().as_secs_f64();
    assert!((m - 0.6).abs() / 0.6 < 0.01, "{m} s");
    let free = e2e(&one_node(2000), &spec);
    let x_free = free.count() as f64 / 300.0;
    assert!(
        (x_free - 2.0 / 0.030).abs() / (2.0 / 0.030) < 0.01,
        "{x_free}"
    );
    // Many requests in a small quota on a big node: 16 connections with a 5 ms think time, the
    // fortio server's processing (log-normal, mean 284 µs, P99 600 µs), a 100m limit on 16
    // cores. The container gets 0.1 core: 0.1 / 284 µs = 352.1 requests/s (the connections alone
    // would drive 3,000/s). Over 30 s that is 10,563 requests; a renewal count of draws with a
    // coefficient of variation near 0.5 varies by 0.5 % — ±2 % is four of those. Several cores'
    // worth of its requests spend the quota faster than a nanosecond's rounding resolves (this
    // case once ran forever).
    let mut spec = poisson_spec(
        DelaySpec::LogNormal {
            mean: us(284),
            p99: us(600),
        },
        1.0,
        30,
        true,
    );
    spec.traffic[0].arrival = Arrival::Closed {
        connections: 16,
        think: ms(5),
    };
    let x = e2e(&limited_node(16_000, 100), &spec).count() as f64 / 30.0;
    let expect = 0.1 / 284e-6;
    assert!((x - expect).abs() / expect < 0.02, "{x} requests/s");
}

#[test]
fn busy_proxy_workers_share_the_cores_they_outnumber() {
    // A sidecar of 2 workers whose every visit is 1 ms of CPU (constant; κ = 1), in front of a
    // service that does no work, driven by closed-loop clients with no think time or network.
    // By hand: 2 clients on a 1-core node keep both workers busy, each on half the core, so
    // every visit takes 2 ms and the node serves 1,000 requests/s — its one core's worth; on 2
    // cores, or with 1 client, a visit takes its 1 ms.
    let mut costs = presets::istio_1_24();
    costs.sidecar.service_time = DelaySpec::Constant { value: us(1000) };
    costs.sidecar.cpu_milli_per_1000_rps = 1000.0;
    let mesh = presets::default_mesh_config(costs);
    let case = |cores_milli: u64, connections: u32| {
        let mut spec = poisson_spec(ZERO, 1.0, 10, true);
        spec.traffic[0].arrival = Arrival::Closed {
            connections,
            think: SimDuration::ZERO,
        };
        let r = run_mode(&one_node(cores_milli), &mesh, MeshMode::Sidecar, &spec, 1);
        let e2e = &r.end_to_end[0];
        (e2e.mean().as_nanos(), e2e.count() as f64 / 10.0)
    };
    for (cores, conns, want_ns, want_rate) in [
        (1000, 2, 2_000_000, 1000.0),
        (1000, 1, 1_000_000, 1000.0),
        (2000, 2, 1_000_000, 2000.0),
    ] {
        let (mean, rate) = case(cores, conns);
        assert!(
            mean.abs_diff(want_ns) <= 1_000,
            "{cores}m, {conns} clients: mean {mean} ns"
        );
        // The window's edges hold a visit or two.
        assert!(
            (rate - want_rate).abs() <= 0.2 * f64::from(conns),
            "{cores}m, {conns} clients: {rate} requests/s"
        );
    }
}
