//! `meshsim audit` on real material: the 25 pods and workloads exactly as Istio's injector writes
//! them (`data/istio-inject/`, Istio 1.32 master), and kubectl's own `top` printer outputs
//! (`data/kubectl/fixtures/`).

use meshsim_models::audit::classify::SidecarKind;
use meshsim_models::audit::{AuditOptions, audit};
use meshsim_models::resources::MIB;
use meshsim_scenarios::kube::{InputSpec, Role, load};
use meshsim_tests::data_dir;

fn one(path: std::path::PathBuf) -> meshsim_models::audit::Audit {
    let l = load(&[InputSpec {
        path,
        role: Role::Auto,
    }])
    .unwrap_or_else(|e| panic!("{e}"));
    audit(&l.dump, &AuditOptions::default()).unwrap()
}

/// Per file: sidecars, native or classic, and the effective request of one pod with its mesh
/// (CPU millicores, memory MiB) and without it. Each is worked by hand from the file with
/// Kubernetes' rule for init and sidecar containers (KEP-753; kube-scheduler's
/// `resource.PodRequests`): max(Σ app + Σ native sidecars, each init container + the native
/// sidecars before it). For example `hello`: istio-init (100m/128Mi) runs before the native
/// istio-proxy (100m/128Mi) and the app declares nothing, so max(0 + 100, 100 + 0) = 100m and
/// 128Mi; without the mesh, 0. `proxy-resources-null`: memory only (150Mi), no CPU.
/// (file stem, sidecars, kind, (CPU m, memory MiB) with the mesh, the same without).
type Case = (
    &'static str,
    u64,
    Option<SidecarKind>,
    (u64, u64),
    (u64, u64),
);

const CASES: &[Case] = {
    use SidecarKind::{IstioClassic as C, IstioNative as N};
    &[
        ("cronjob", 1, Some(N), (100, 128), (0, 0)),
        ("daemonset", 1, Some(N), (100, 128), (0, 0)),
        ("frontend", 1, Some(N), (100, 128), (0, 0)),
        ("gateway", 0, None, (0, 0), (0, 0)),
        ("hello-ignore", 0, None, (0, 0), (0, 0)),
        ("hello-multi", 6, Some(N), (100, 128), (0, 0)),
        ("hello-old-version", 7, Some(C), (100, 128), (0, 0)),
        ("hello.yaml.cni", 7, Some(N), (100, 128), (0, 0)),
        ("hello", 7, Some(N), (100, 128), (0, 0)),
        ("job-old-version", 1, Some(C), (100, 128), (0, 0)),
        ("job", 1, Some(N), (100, 128), (0, 0)),
        ("list", 6, Some(N), (100, 128), (0, 0)),
        ("multi-container", 1, Some(N), (100, 128), (0, 0)),
        ("multi-init", 7, Some(N), (100, 128), (0, 0)),
        ("native-sidecar-opt-in", 1, Some(N), (100, 128), (0, 0)),
        ("native-sidecar-opt-out", 1, Some(C), (100, 128), (0, 0)),
        ("only-proxy-container", 1, Some(N), (100, 128), (0, 0)),
        ("pod-old-version", 1, Some(C), (100, 128), (0, 0)),
        ("pod", 1, Some(N), (100, 128), (0, 0)),
        ("proxy-override", 1, Some(N), (123, 128), (0, 0)),
        ("proxy-resources-null", 1, Some(N), (0, 150), (0, 0)),
        ("proxy-resources-zero", 1, Some(N), (0, 150), (0, 0)),
        ("resource_annotations", 7, Some(N), (100, 1024), (0, 0)),
        ("statefulset", 3, Some(N), (100, 128), (0, 0)),
        ("two_container", 7, Some(N), (100, 128), (0, 0)),
    ]
};

#[test]
fn every_injector_output_is_classified_with_its_sidecars_and_effective_requests() {
    let dir = data_dir().join("istio-inject");
    let files = std::fs::read_dir(&dir).unwrap().filter(|e| {
        e.as_ref()
            .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
    });
    assert_eq!(files.count(), CASES.len(), "one case per shipped file");
    for (name, sidecars, kind, (cpu, mem), (cpu0, mem0)) in CASES {
        let file = if name.ends_with(".cni") {
            format!("{name}.injected.json")
        } else {
            format!("{name}.yaml.injected.json")
        };
        let a = one(dir.join(&file));
        assert_eq!(a.sidecars.sidecars, *sidecars, "{file}: sidecars");
        let native = if *kind == Some(SidecarKind::IstioNative) {
            *sidecars
        } else {
            0
        };
        assert_eq!(a.sidecars.native, native, "{file}: native sidecars");
        for w in &a.workloads {
            assert_eq!(w.sidecar_kind, *kind, "{file}: sidecar kind of {}", w.owner);
            let with = w.request_without_mesh + w.mesh_request;
            assert_eq!(
                (with.cpu_milli, with.memory_bytes),
                (*cpu, mem * MIB),
                "{file}: effective request of {}",
                w.owner
            );
            assert_eq!(
                (
                    w.request_without_mesh.cpu_milli,
                    w.request_without_mesh.memory_bytes
                ),
                (*cpu0, mem0 * MIB),
                "{file}: without the mesh"
            );
        }
        let gateways = if *name == "gateway" { 1 } else { 0 };
        assert_eq!(a.mesh.gateways, gateways, "{file}: gateways");
    }
}

#[test]
fn kubectl_top_fixtures_parse_to_their_printed_values() {
    let dir = data_dir().join("kubectl/fixtures");
    let l = load(&[
        InputSpec {
            path: dir.join("kubectl-top-pod__single-pod-with-multiple-containers-print-containers.txt"),
            role: Role::Auto,
        },
        InputSpec {
            path: dir.join(
                "kubectl-top-pod__multiple-pods-with-multiple-containers-calculate-total-resource-usage.txt",
            ),
            role: Role::Auto,
        },
        InputSpec {
            path: dir.join("kubectl-top-node__multiple-nodes-with-one-missing-metrics.txt"),
            role: Role::Auto,
        },
        InputSpec {
            path: dir.join("kubectl-top-pod__single-pod-with-multiple-containers-calculate-resource-usage-without-header.txt"),
            role: Role::Auto,
        },
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let u = &l.dump.usage;
    // print-containers: test/container1 and test/container2, 200m and 1024Mi each.
    let c: Vec<_> = u.iter().filter(|s| s.container.is_some()).collect();
    assert_eq!(c.len(), 2);
    assert!(
        c.iter()
            .all(|s| s.cpu_milli == Some(200.0) && s.memory_bytes == Some(1024.0 * MIB as f64))
    );
    // --sum: two pods (400m/2048Mi, 400m/5120Mi); the totals line is not a pod.
    let summed: Vec<_> = u.iter().filter(|s| s.snapshot == 1).collect();
    assert_eq!(summed.len(), 2);
    assert_eq!(summed[1].memory_bytes, Some(5120.0 * MIB as f64));
    // Nodes are recognised (one row with metrics, one `<unknown>`), not taken as pods.
    assert_eq!(l.inputs[2].skipped.get("<unknown> rows"), Some(&1));
    assert!(u.iter().all(|s| s.snapshot != 2));
    // Without a header, three cells are NAME CPU MEMORY.
    let last: Vec<_> = u.iter().filter(|s| s.snapshot == 3).collect();
    assert_eq!((last.len(), last[0].cpu_milli), (1, Some(400.0)));
}

fn example_audit() -> (
    meshsim_scenarios::kube::Loaded,
    meshsim_models::audit::Audit,
) {
    let dir = meshsim_tests::root().join("scenarios/audit-example");
    let specs: Vec<InputSpec> = ["cluster.json", "top.txt", "istio.json"]
        .iter()
        .map(|f| InputSpec {
            path: dir.join(f),
            role: Role::Auto,
        })
        .collect();
    let l = load(&specs).unwrap_or_else(|e| panic!("{e}"));
    let a = audit(&l.dump, &AuditOptions::default()).unwrap();
    (l, a)
}

#[test]
fn the_shipped_example_is_what_the_generator_writes() {
    let dir = meshsim_tests::root().join("scenarios/audit-example");
    let (cluster, top, istio) = meshsim_tests::dump_gen::example();
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    assert_eq!(read("cluster.json"), cluster + "\n");
    assert_eq!(read("top.txt"), top);
    assert_eq!(read("istio.json"), istio + "\n");
}

#[test]
fn the_example_cluster_is_audited_as_built() {
    let (l, a) = example_audit();
    // Sidecars: web 6 + cart 4 + llm-server 10 + embedder 2 native, api 3 classic.
    assert_eq!((a.sidecars.sidecars, a.sidecars.native), (25, 22));
    // Each sidecar: 100m / 128Mi; istio-init (100m/128Mi) never dominates these pods.
    assert_eq!(a.sidecars.request.cpu_milli, 2500);
    assert_eq!(a.sidecars.request.memory_bytes, 25 * 128 * MIB);
    assert_eq!(a.sidecars.reclaimable, a.sidecars.request);
    // On the GPU pool: the 10 llm-server sidecars, 1.25 GiB.
    assert_eq!(a.gpu_sidecars.request.memory_bytes, 10 * 128 * MIB);
    // Measured in top.txt: per sidecar memory (61+r), (55+r), (70+r), (95+r), (58+r) MiB.
    let by_hand: u64 = (0..6).map(|r| 61 + r).sum::<u64>()
        + (0..4).map(|r| 55 + r).sum::<u64>()
        + (0..3).map(|r| 70 + r).sum::<u64>()
        + (0..10).map(|r| 95 + r).sum::<u64>()
        + (0..2).map(|r| 58 + r).sum::<u64>();
    assert_eq!(a.sidecars.measured, 25);
    assert_eq!(a.sidecars.used.memory_p50_bytes, (by_hand * MIB) as f64);
    // Modes: labels and pods agree; payments/legacy opted out; data is ambient with a waypoint.
    let mode = |n: &str| a.namespaces.iter().find(|x| x.name == n).unwrap();
    assert_eq!(mode("shop").observed.as_str(), "sidecar");
    assert_eq!(mode("payments").pods_without_sidecar, 2);
    assert_eq!(mode("data").observed.as_str(), "ambient-waypoint");
    assert_eq!(mode("batch").observed.as_str(), "none");
    // L7: payments (JWT, L7 authorization) and shop (retries) need a waypoint; ml's policy is L4.
    assert!(mode("payments").needs_waypoint && mode("shop").needs_waypoint);
    assert!(!mode("ml").needs_waypoint);
    // GPU namespace first.
    assert_eq!(mode("ml").order, Some(1));
    // Mesh components found, not counted as sidecars; one gateway pair; a finished Job skipped.
    assert_eq!(a.mesh.ztunnel.as_ref().unwrap().pods, 7);
    assert_eq!(a.mesh.gateways, 2);
    assert_eq!(l.inputs[0].finished_pods, 1);
    assert_eq!(l.inputs[0].skipped.get("Secret"), Some(&1));
    // 12 GPUs, 10 used: room for 2 more llm-server replicas, GPU-bound, sidecars or not.
    let gpu = a.pools.iter().find(|p| p.name == "gpu-l4").unwrap();
    let room = gpu.inference.as_ref().unwrap();
    assert_eq!(
        (
            room.extra_now,
            room.extra_without_sidecars,
            room.binding_now
        ),
        (2, 2, "gpu")
    );
}

#[test]
fn the_emitted_scenario_reproduces_the_audited_requests_and_usage() {
    use meshsim_models::mesh::MeshMode;
    use meshsim_models::packing::Component;
    let (l, a) = example_audit();
    let inputs: Vec<(String, String)> = l
        .inputs
        .iter()
        .map(|i| (i.path.clone(), i.sha256.clone()))
        .collect();
    let text = meshsim_scenarios::audit_scenario::emit(
        &a,
        "example",
        &inputs,
        meshsim_scenarios::audit_scenario::UsageQuantile::P50,
    )
    .unwrap();
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("example.toml");
    std::fs::write(&p, &text).unwrap();
    let s = meshsim_scenarios::load(&p).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(s.current, Some(MeshMode::Mixed));
    let run = meshsim_models::packing::evaluate(
        &s.cluster,
        &s.mesh,
        MeshMode::Mixed,
        s.scheduler,
        s.seed,
    );
    assert!(
        run.workloads.iter().all(|o| o.pending == 0),
        "everything fits again"
    );
    // Per pool, every pod's request (workloads, DaemonSets, gateways, ztunnel, istio-cni, istiod,
    // the waypoint) as audited.
    for (pi, pool) in s.cluster.pools.iter().enumerate() {
        let placed = run
            .nodes
            .iter()
            .filter(|n| n.pool.0 as usize == pi)
            .fold(meshsim_models::resources::Resources::ZERO, |acc, n| {
                acc + n.requested
            });
        let audited = a
            .pools
            .iter()
            .find(|p| p.name == pool.name)
            .unwrap()
            .requested;
        assert_eq!(
            (placed.cpu_milli, placed.memory_bytes, placed.gpus),
            (audited.cpu_milli, audited.memory_bytes, audited.gpus),
            "pool {}",
            pool.name
        );
    }
    // Sidecars: the audited count, requests exactly, measured usage to the rounding of one
    // millicore and one byte per sidecar (the scenario writes whole units).
    let sc = &run.costs[&Component::Sidecar];
    assert_eq!(sc.count, a.sidecars.sidecars);
    assert_eq!(sc.request, a.sidecars.reclaimable);
    let n = a.sidecars.sidecars as f64;
    assert!((sc.usage.memory_bytes - a.sidecars.used.memory_p50_bytes).abs() <= n);
    assert!((sc.usage.cpu_milli - a.sidecars.used.cpu_p50_milli).abs() <= n);
    // Application usage: Σ replicas × usage per workload, to the same rounding.
    let scen: f64 = s
        .cluster
        .workloads
        .iter()
        .map(|w| match w.replicas {
            meshsim_models::cluster::Replicas::Count(r) => r as f64 * w.usage.memory_bytes,
            _ => 0.0,
        })
        .sum();
    let audited: f64 = a
        .workloads
        .iter()
        .filter(|w| w.owner_kind != "DaemonSet")
        .map(|w| {
            w.replicas as f64
                * w.app_used
                    .map_or((w.request_without_mesh.memory_bytes) as f64, |u| {
                        u.memory_p50_bytes
                    })
        })
        .sum();
    let pods: f64 = a.workloads.iter().map(|w| w.replicas as f64).sum();
    assert!((scen - audited).abs() <= pods, "{scen} vs {audited}");
}

fn write(dir: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn metrics_api_and_prometheus_results_give_per_container_quantiles() {
    let d = tempfile::tempdir().unwrap();
    // A PodMetricsList as metrics-server serves it (items without kind; the shape of the list in
    // data/kubectl/README.md §4), and a single PodMetrics (kubernetes/website's example).
    let list = write(
        d.path(),
        "pods-metrics.json",
        r#"{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},
            "items":[{"metadata":{"name":"etcd-server-events-abc","namespace":"kube-system"},
                      "timestamp":"2018-08-20T03:19:00Z","window":"1m0s",
                      "containers":[{"name":"etcd-container","usage":{"cpu":"7m","memory":"125448Ki"}}]}]}"#,
    );
    let single = write(
        d.path(),
        "pod-metrics.json",
        r#"{"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1",
            "metadata":{"name":"kube-scheduler-minikube","namespace":"kube-system"},
            "timestamp":"2022-01-27T19:24:31Z","window":"30s",
            "containers":[{"name":"kube-scheduler","usage":{"cpu":"9559630n","memory":"22244Ki"}}]}"#,
    );
    // A Prometheus range result: 4 samples of one istio-proxy, plus the pod-level cgroup and the
    // pause container, which are not containers of the pod and are skipped.
    let series = |c: &str, vals: &str| {
        format!(
            r#"{{"metric":{{"__name__":"container_memory_working_set_bytes","namespace":"shop","pod":"web-1","container":"{c}"}},"values":[{vals}]}}"#
        )
    };
    let mem = write(
        d.path(),
        "prom-mem.json",
        &format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{},{},{}]}}}}"#,
            series("istio-proxy", r#"[1,"100"],[2,"400"],[3,"200"],[4,"300"]"#),
            series("", r#"[1,"99999"]"#),
            series("POD", r#"[1,"99999"]"#)
        ),
    );
    // CPU as a rate (no __name__ after rate()): passed with --prometheus-cpu.
    let cpu = write(
        d.path(),
        "prom-cpu.json",
        r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"namespace":"shop","pod":"web-1","container":"istio-proxy"},"value":[1,"0.0125"]}]}}"#,
    );
    let l = load(&[
        InputSpec {
            path: list,
            role: Role::Auto,
        },
        InputSpec {
            path: single,
            role: Role::Auto,
        },
        InputSpec {
            path: mem,
            role: Role::Auto,
        },
        InputSpec {
            path: cpu.clone(),
            role: Role::PrometheusCpu,
        },
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let u = &l.dump.usage;
    let etcd = u
        .iter()
        .find(|s| s.pod == "etcd-server-events-abc")
        .unwrap();
    assert_eq!(
        (etcd.cpu_milli, etcd.memory_bytes),
        (Some(7.0), Some(125_448.0 * 1024.0))
    );
    // 9,559,630 nanocores are 9.55963 millicores (kubectl top would print 10m).
    let sched = u
        .iter()
        .find(|s| s.pod == "kube-scheduler-minikube")
        .unwrap();
    assert!((sched.cpu_milli.unwrap() - 9.55963).abs() < 1e-9);
    assert_eq!(
        l.inputs[2].skipped.get("pod-level or pause series"),
        Some(&2)
    );
    let reduced = meshsim_models::audit::usage::reduce(u);
    let proxy = reduced
        .get(&(
            Some("shop".into()),
            "web-1".into(),
            Some("istio-proxy".into()),
        ))
        .unwrap();
    // Memory 100, 400, 200, 300 → nearest-rank P50 = 200, P95 = 400; CPU seen once: 12.5m.
    assert_eq!(
        (proxy.memory_p50_bytes, proxy.memory_p95_bytes),
        (200.0, 400.0)
    );
    assert_eq!(proxy.cpu_p50_milli, 12.5);
    // The same CPU file without its role cannot be told apart from memory.
    let e = load(&[InputSpec {
        path: cpu,
        role: Role::Auto,
    }])
    .unwrap_err();
    assert!(e.to_string().contains("--prometheus-cpu"), "{e}");
    // The raw CPU counter is refused with the query to use.
    let raw = write(
        d.path(),
        "prom-raw.json",
        r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"container_cpu_usage_seconds_total","namespace":"a","pod":"p","container":"c"},"value":[1,"123"]}]}}"#,
    );
    let e = load(&[InputSpec {
        path: raw,
        role: Role::Auto,
    }])
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("rate(container_cpu_usage_seconds_total[5m])"),
        "{e}"
    );
}
