//! Named presets of mesh costs, built from published figures. Every number here carries its
//! source in [`sources`]; numbers that no source gives are marked **assumption** there, so a
//! reader can tell measured from assumed. Scenario files override any figure.
//!
//! Presets:
//! - `istio-1.24` (default): charts of Istio 1.22.1–1.30, usage from the Istio 1.24
//!   "Performance and Scalability" page.
//! - `istio-1.22.0`: as `istio-1.24` but ztunnel's request as shipped in 1.22.0 (500m / 2Gi).
//! - `istio-1.19`: as `istio-1.24` but sidecar CPU from the 1.19–1.22 pages (0.5 vCPU per
//!   1000 rps, ≈ 50 MB "in a large namespace with namespace isolation") and sidecar latency
//!   fitted to the 1.19 CNCF re-run (0.175 / 0.235 ms P90 / P99 for a pair).
//! - `istio-1.7`: sidecar CPU, memory and latency of the 1.7-era pages (0.35 vCPU and 40 MB per
//!   1000 rps; 2.76 / 2.88 ms for a pair at 16 connections on older hardware).

use std::collections::{BTreeMap, BTreeSet};

use crate::delay::{DelaySpec, lognormal_us};
use crate::mesh::{
    ControlPlaneCosts, FixedCosts, MeshConfig, MeshCosts, NamespaceMode, NodeProxyCosts,
    RequestPolicy, SidecarCosts, SidecarScope, Unsourced, WaypointCosts,
};
use crate::resources::{KIB, MIB, Resources, Usage};

const MIB_F: f64 = MIB as f64;
const KIB_F: f64 = KIB as f64;
/// One megabyte (10^6 bytes), as the Istio and Linkerd pages count.
const MB_F: f64 = 1e6;

/// On-path time of one Envoy traversal (sidecar; waypoint; Linkerd by assumption), fitted so
/// that the benchmark setup of `scenarios/istio-benchmark.toml` adds 0.228 ms at P90 and
/// 0.298 ms at P99 for a sidecar pair (Istio 1.20 performance page). See [`sources`].
pub const SIDECAR_SERVICE: DelaySpec = lognormal_us(88, 340);
/// On-path time of one ztunnel traversal, fitted so that the benchmark setup adds 0.17 ms at P90
/// and 0.20 ms at P99 for ambient L4 (two ztunnels; Istio 1.22 performance page).
pub const ZTUNNEL_SERVICE: DelaySpec = lognormal_us(70, 260);
/// Sidecar traversal fitted to the CNCF bare-metal re-run of Istio 1.19 (P90 0.175 ms, P99
/// 0.235 ms for the pair; istio/istio.io PR 14698).
pub const SIDECAR_SERVICE_1_19: DelaySpec = lognormal_us(68, 300);
/// Sidecar traversal fitted to the Istio 1.7 page (P90 2.76 ms, P99 2.88 ms for the pair at 16
/// connections, older hardware, telemetry v2).
pub const SIDECAR_SERVICE_1_7: DelaySpec = lognormal_us(1380, 1450);

/// Names of the built-in presets.
pub const NAMES: [&str; 4] = ["istio-1.24", "istio-1.22.0", "istio-1.19", "istio-1.7"];

/// The preset called `name`.
pub fn by_name(name: &str) -> Option<MeshCosts> {
    match name {
        "istio-1.24" => Some(istio_1_24()),
        "istio-1.22.0" => Some(istio_1_22_0()),
        "istio-1.19" => Some(istio_1_19()),
        "istio-1.7" => Some(istio_1_7()),
        _ => None,
    }
}

/// Istio 1.24 (the default preset).
pub fn istio_1_24() -> MeshCosts {
    MeshCosts {
        preset: "istio-1.24".into(),
        origin: None,
        sidecar: SidecarCosts {
            request: Resources::cpu_mem(100, 128 * MIB),
            limit: Resources::cpu_mem(2000, 1024 * MIB),
            base_memory_bytes: 56.0 * MIB_F,
            memory_per_cluster_bytes: 64.0 * KIB_F,
            memory_per_endpoint_bytes: 2.0 * KIB_F,
            base_cpu_milli: 0.0,
            cpu_milli_per_1000_rps: 200.0,
            workers: 2,
            service_time: SIDECAR_SERVICE,
        },
        ztunnel: NodeProxyCosts {
            request: Resources::cpu_mem(200, 512 * MIB),
            base_memory_bytes: 10.0 * MIB_F,
            memory_per_local_pod_bytes: 16.0 * KIB_F,
            memory_per_cluster_pod_bytes: (512.0 * MIB_F / 200_000.0).round(),
            memory_per_connection_bytes: (512.0 * MIB_F / 100_000.0).round(),
            memory_per_1000_rps_bytes: 1.0 * MIB_F,
            base_cpu_milli: 0.0,
            cpu_milli_per_1000_rps: 60.0,
            cpu_ms_per_new_connection: 1.7,
            workers: Some(2),
            service_time: ZTUNNEL_SERVICE,
        },
        waypoint: WaypointCosts {
            request: Resources::cpu_mem(100, 128 * MIB),
            limit: Resources::cpu_mem(2000, 1024 * MIB),
            replicas: 1,
            base_memory_bytes: 56.0 * MIB_F,
            memory_per_1000_rps_bytes: 0.0,
            base_cpu_milli: 0.0,
            cpu_milli_per_1000_rps: 250.0,
            workers: 2,
            service_time: SIDECAR_SERVICE,
        },
        istio_cni: FixedCosts {
            request: Resources::cpu_mem(100, 100 * MIB),
            usage: Usage {
                cpu_milli: 10.0,
                memory_bytes: 100.0 * MIB_F,
            },
        },
        istiod: ControlPlaneCosts {
            request: Resources::cpu_mem(500, 2048 * MIB),
            min_replicas: 1,
            max_replicas: 5,
            hpa_target: 0.8,
            base: Usage::default(),
            per_proxy: Usage {
                cpu_milli: 0.5,
                memory_bytes: 0.75 * MB_F,
            },
            memory_per_pod_bytes: 0.0,
        },
        linkerd_proxy: SidecarCosts {
            request: Resources::ZERO,
            limit: Resources::ZERO,
            base_memory_bytes: 26.0 * MB_F,
            memory_per_cluster_bytes: 0.0,
            memory_per_endpoint_bytes: 0.0,
            base_cpu_milli: 0.0,
            cpu_milli_per_1000_rps: 200.0,
            workers: 2,
            service_time: SIDECAR_SERVICE,
        },
        linkerd_control_plane: ControlPlaneCosts {
            request: Resources::ZERO,
            min_replicas: 1,
            max_replicas: 1,
            hpa_target: 0.8,
            base: Usage::default(),
            per_proxy: Usage::default(),
            memory_per_pod_bytes: 0.0,
        },
        cilium_agent: NodeProxyCosts {
            request: Resources::ZERO,
            base_memory_bytes: 438.0 * MIB_F,
            memory_per_local_pod_bytes: 0.0,
            memory_per_cluster_pod_bytes: 10.5 * KIB_F,
            memory_per_connection_bytes: 0.0,
            memory_per_1000_rps_bytes: 0.0,
            base_cpu_milli: 0.0,
            cpu_milli_per_1000_rps: 0.0,
            cpu_ms_per_new_connection: 0.0,
            workers: Some(2),
            service_time: DelaySpec::Constant {
                value: meshsim_core::time::SimDuration::ZERO,
            },
        },
        unsourced: <Unsourced as strum::IntoEnumIterator>::iter().collect(),
    }
}

/// Istio 1.22.0: ztunnel shipped with a 500m / 2Gi request.
pub fn istio_1_22_0() -> MeshCosts {
    let mut c = istio_1_24();
    c.preset = "istio-1.22.0".into();
    c.ztunnel.request = Resources::cpu_mem(500, 2048 * MIB);
    c
}

/// Sidecar CPU and memory as the Istio 1.19–1.22 performance pages state them, and sidecar
/// latency fitted to the 1.19 CNCF re-run.
pub fn istio_1_19() -> MeshCosts {
    let mut c = istio_1_24();
    c.preset = "istio-1.19".into();
    c.sidecar.cpu_milli_per_1000_rps = 500.0;
    c.sidecar.base_memory_bytes = 50.0 * MB_F - 10.0 * c.sidecar.memory_per_cluster_bytes;
    c.sidecar.service_time = SIDECAR_SERVICE_1_19;
    c
}

/// Sidecar CPU, memory and latency of the Istio 1.7-era pages (0.35 vCPU and 40 MB per
/// 1000 rps; 2.76 / 2.88 ms added by a pair).
pub fn istio_1_7() -> MeshCosts {
    let mut c = istio_1_24();
    c.preset = "istio-1.7".into();
    c.sidecar.cpu_milli_per_1000_rps = 350.0;
    c.sidecar.base_memory_bytes = 40.0 * MB_F - 10.0 * c.sidecar.memory_per_cluster_bytes;
    c.sidecar.service_time = SIDECAR_SERVICE_1_7;
    c.waypoint.service_time = SIDECAR_SERVICE_1_7;
    c
}

/// A mesh configuration with `costs`, chart-default requests, mesh-wide sidecar visibility,
/// and `kube-system` and `istio-system` outside the mesh.
pub fn default_mesh_config(costs: MeshCosts) -> MeshConfig {
    MeshConfig {
        costs,
        exclude_namespaces: ["kube-system", "istio-system"]
            .into_iter()
            .map(String::from)
            .collect::<BTreeSet<_>>(),
        waypoint_namespaces: BTreeSet::new(),
        namespace_modes: BTreeMap::new(),
        mixed_default: NamespaceMode::Outside,
        sidecar_scope: SidecarScope::Mesh,
        request_policy: RequestPolicy::ChartDefaults,
        cni_in_sidecar_mode: false,
        remote: crate::mesh::RemoteView::default(),
    }
}

/// Where each figure of the presets comes from: `(parameter, source)`.
pub fn sources() -> &'static [(&'static str, &'static str)] {
    &[
        (
            "sidecar.request / sidecar.limit",
            "100m, 128Mi / 2000m, 1024Mi — istio-discovery values.yaml global.proxy.resources (Istio 1.22.1–1.30)",
        ),
        (
            "sidecar.base_memory",
            "56 MiB: chosen so that a sidecar in a small mesh (10 clusters, 20 endpoints) models ≈ 60 MB, the Istio 1.24 performance page's figure at 1000 rps with 1 KB payloads",
        ),
        (
            "sidecar.memory_per_cluster",
            "64 KiB: between Envoy's test harness (≈ 40.6 KB per cluster, no TLS, a lower bound; envoyproxy/envoy test/integration/stats_integration_test.cc) and Istio 1.0 (≈ 118 KB; istio/istio issue 7912)",
        ),
        (
            "sidecar.memory_per_endpoint",
            "2 KiB: within the 1.4–3 KB per endpoint host of Envoy's test harness",
        ),
        (
            "sidecar.cpu_per_1000_rps",
            "0.20 vCPU per sidecar at 1000 rps — Istio 1.24 performance page (istio-1.19: 0.5 vCPU, the 1.19–1.22 pages)",
        ),
        (
            "*.base_cpu",
            "0 for every proxy: no source gives idle CPU apart from load, so the per-1000-rps figures carry it",
        ),
        (
            "sidecar.workers",
            "2 — Envoy runs ceil(CPU limit) workers; the chart's limit is 2 CPUs",
        ),
        (
            "ztunnel.request",
            "200m, 512Mi — ztunnel chart resources (1.22.1–1.30; 1.22.0 shipped 500m / 2048Mi: preset istio-1.22.0)",
        ),
        (
            "ztunnel.base_memory + memory_per_1000_rps",
            "10 MiB + 1 MiB per 1000 rps: ≈ 12 MB at 1000 rps, the Istio 1.24 performance page",
        ),
        (
            "ztunnel.memory_per_cluster_pod",
            "2,684 bytes (512Mi / 200,000, rounded): the ztunnel chart says 512Mi suffices for a ~200k-pod cluster",
        ),
        (
            "ztunnel.memory_per_connection",
            "5,369 bytes (512Mi / 100,000, rounded): the ztunnel chart says 512Mi suffices for 100k open connections (copy buffers start at 1 KiB per direction; istio/ztunnel src/copy.rs)",
        ),
        (
            "ztunnel.memory_per_local_pod",
            "16 KiB — assumption (a workload certificate and its bookkeeping per local pod)",
        ),
        (
            "ztunnel.cpu_per_1000_rps",
            "0.06 vCPU at 1000 rps — Istio 1.24 performance page",
        ),
        (
            "ztunnel.cpu_per_new_connection",
            "1.7 ms per new mTLS connection — istio/ztunnel issue 1288 (72,000 new connections per minute drove one ztunnel to ≈ 2 vCPU)",
        ),
        (
            "ztunnel.workers",
            "2 up to Istio 1.30; max(2, ceil(0.25 × node cores)) from 1.31 (istio/ztunnel src/config.rs)",
        ),
        (
            "waypoint.request / limit / replicas",
            "100m, 128Mi / 2 CPU, 1Gi, 1 replica, no HPA — global.waypoint.resources",
        ),
        (
            "waypoint.base_memory",
            "56 MiB, as the sidecar: ≈ 60 MB at 1000 rps — Istio 1.24 performance page",
        ),
        (
            "waypoint.memory_per_1000_rps",
            "0: request rate barely moves Envoy memory (istio/tools 2020 runs: client sidecars flat at 68–72 MiB from 10 to 3000 qps)",
        ),
        (
            "waypoint.cpu_per_1000_rps",
            "0.25 vCPU at 1000 rps — Istio 1.24 performance page",
        ),
        (
            "sidecar.service_time",
            "log-normal, mean 88 µs, P99 340 µs: fitted in scenarios/istio-benchmark.toml so a sidecar pair adds 0.228 ms at P90 and 0.298 ms at P99 (Istio 1.20 performance page; meshsim gives 0.229 / 0.295). istio-1.19: mean 68 µs, P99 300 µs for the 1.19 CNCF re-run's 0.175 / 0.235 ms (istio/istio.io PR 14698). istio-1.7: mean 1.38 ms, P99 1.45 ms for the 1.7 page's 2.76 / 2.88 ms",
        ),
        (
            "ztunnel.service_time",
            "log-normal, mean 70 µs, P99 260 µs: fitted in scenarios/istio-benchmark.toml so ambient L4 (two ztunnels) adds 0.17 ms at P90 and 0.20 ms at P99 (Istio 1.22 performance page; meshsim gives 0.170 / 0.201)",
        ),
        (
            "waypoint.service_time",
            "as one sidecar traversal: a waypoint adds roughly one Envoy traversal (meshsim's calibration notes)",
        ),
        (
            "benchmark baseline",
            "the no-mesh hop of scenarios/istio-benchmark.toml (network plus fortio server) reproduces the istio/tools 2020 baseline at 1000 qps and 16 connections: P50 0.33 / P90 0.48 / P99 0.66 ms against measured 0.32–0.36 / 0.42–0.53 / 0.55–0.69 ms",
        ),
        ("istio_cni.request", "100m, 100Mi — istio-cni chart"),
        (
            "istio_cni.usage",
            "memory at its request (100Mi), CPU 10m — assumption: no published usage figure; memory at request is conservative against ambient",
        ),
        (
            "istiod.request / HPA",
            "500m, 2048Mi, HPA 1–5 at 80 % CPU — istio-discovery values.yaml",
        ),
        (
            "istiod.per_proxy",
            "0.5m CPU and 0.75 MB per connected proxy: ≈ 1 vCPU and 1.5 GB for 2000 sidecars (Istio ≤ 1.20 performance pages). In ambient only ztunnels and waypoints connect, and no figure separates per-pod from per-proxy cost, so ambient's istiod is likely understated",
        ),
        (
            "linkerd_proxy.request",
            "none by default — linkerd2 charts (HA values: 100m / 20Mi, limit 250Mi)",
        ),
        (
            "linkerd_proxy.memory",
            "26 MB — Linkerd 2021 benchmark, maximum per proxy at 2000 rps (vendor-run)",
        ),
        (
            "linkerd_proxy.cpu_per_1000_rps",
            "0.20 vCPU — assumption: equal to the Istio sidecar, no figure in meshsim's calibration sources",
        ),
        (
            "linkerd_control_plane",
            "not modelled (no default requests; no usage figure in meshsim's calibration sources)",
        ),
        ("cilium_agent.request", "none by default — cilium charts"),
        (
            "cilium_agent.memory",
            "438 MiB plus 10.5 KiB per pod in the cluster — Cilium scalability report (438 MiB average at 1000 nodes / 50k pods; the two figures are read as additive)",
        ),
        (
            "cilium_agent.cpu",
            "not modelled (no figure in meshsim's calibration sources)",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte figures are whole bytes, so a resolved scenario written out reproduces them exactly.
    #[test]
    fn byte_figures_are_whole() {
        for n in NAMES {
            let c = by_name(n).unwrap();
            for v in [
                c.sidecar.base_memory_bytes,
                c.sidecar.memory_per_cluster_bytes,
                c.sidecar.memory_per_endpoint_bytes,
                c.ztunnel.base_memory_bytes,
                c.ztunnel.memory_per_local_pod_bytes,
                c.ztunnel.memory_per_cluster_pod_bytes,
                c.ztunnel.memory_per_connection_bytes,
                c.ztunnel.memory_per_1000_rps_bytes,
                c.waypoint.base_memory_bytes,
                c.istiod.per_proxy.memory_bytes,
                c.linkerd_proxy.base_memory_bytes,
                c.cilium_agent.base_memory_bytes,
                c.cilium_agent.memory_per_cluster_pod_bytes,
            ] {
                assert_eq!(v.fract(), 0.0, "{n}: {v}");
            }
        }
    }

    #[test]
    fn every_preset_resolves_by_name() {
        for n in NAMES {
            assert_eq!(by_name(n).unwrap().preset, n);
        }
        assert!(by_name("istio-9").is_none());
    }

    #[test]
    fn presets_reproduce_the_published_figures() {
        let c = istio_1_24();
        // Sidecar in a small mesh ≈ 60 MB.
        let small = 56.0 * MIB_F + 10.0 * 64.0 * KIB_F + 20.0 * 2.0 * KIB_F;
        assert!((small / MB_F - 60.0).abs() < 1.0, "{}", small / MB_F);
        // ztunnel ≈ 12 MB at 1000 rps.
        let z = c.ztunnel.base_memory_bytes + c.ztunnel.memory_per_1000_rps_bytes;
        assert!((z / MB_F - 12.0).abs() < 0.5, "{}", z / MB_F);
        assert_eq!(istio_1_22_0().ztunnel.request.memory_bytes, 2048 * MIB);
        // istio-1.19: ≈ 50 MB with 10 clusters.
        let old = istio_1_19().sidecar;
        let m = old.base_memory_bytes + 10.0 * old.memory_per_cluster_bytes;
        assert!((m / MB_F - 50.0).abs() < 1e-9);
    }
}
