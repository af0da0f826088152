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
