//! `scenarios/istio-benchmark.toml` reproduces the published per-proxy figures:
//! (a) CPU per proxy at 1000 rps (Istio 1.24): sidecar 0.20, waypoint 0.25, ztunnel 0.06 vCPU,
//!     within ±5 %;
//! (b) ambient L4 added latency (Istio 1.22): P90 0.17 ms, P99 0.20 ms, within ±10 %;
//! (c) sidecar pair added latency (Istio 1.20): P90 0.228 ms, P99 0.298 ms, within ±10 %.
//! Each simulated figure's 95 % half-width must be well inside the tolerance (under a quarter of
//! it), so a pass is not luck.

use meshsim_models::latency::{self, ProxyKind};
use meshsim_models::mesh::MeshMode;
use meshsim_tests::{shipped, simulate};

fn within(what: &str, got: f64, ci: f64, want: f64, tol: f64) {
    let rel = (got - want) / want;
    eprintln!(
        "{what}: {got:.4} ± {ci:.4} vs {want} ({:+.1} %)",
        100.0 * rel
    );
    assert!(
        rel.abs() <= tol,
        "{what}: {got} is {:.1} % from {want}",
        100.0 * rel
    );
    assert!(
        ci < tol * want / 4.0,
        "{what}: interval {ci} too wide to judge ±{tol}"
    );
}

#[test]
fn istio_benchmark_reproduces_published_figures() {
    let s = shipped("istio-benchmark");
    let modes = [
        MeshMode::None,
        MeshMode::Sidecar,
        MeshMode::Ambient,
        MeshMode::AmbientWaypoint,
    ];
    let runs = simulate(&s, &modes);
    let spec = s.latency.as_ref().unwrap();
    let sum = latency::summarise(&modes, &runs, &spec.traffic, 0.8, Some(MeshMode::Sidecar));

    // (a) CPU per proxy: every station that carried the benchmark's traffic.
    let per_station = |m: usize, kind: ProxyKind| -> (f64, f64) {
        let v: Vec<f64> = runs[m]
            .iter()
            .flat_map(|r| r.stations.iter())
            .filter(|st| st.kind == kind && st.visits > 0)
            .map(|st| st.cpu_vcpu)
            .collect();
        let ci = meshsim_core::stats::ConfidenceInterval::from_samples(&v, 0.95);
        (ci.mean, ci.half_width)
    };
    let (c, h) = per_station(1, ProxyKind::Sidecar);
    within("sidecar vCPU at 1000 rps", c, h, 0.20, 0.05);
    let (c, h) = per_station(2, ProxyKind::Ztunnel);
    within("ztunnel vCPU at 1000 rps", c, h, 0.06, 0.05);
    let (c, h) = per_station(3, ProxyKind::Waypoint);
    within("waypoint vCPU at 1000 rps", c, h, 0.25, 0.05);

    // (b), (c) added latency of the benchmark's call graph (what fortio measures).
    let added = |m: usize, q: &str| {
        let e = sum[m].dists[1]
            .added_vs_none
            .iter()
            .find(|x| x.0 == q)
            .unwrap()
            .1;
        (e.mean, e.ci95)
    };
    let (v, h) = added(2, "p90");
    within("ambient added P90 (ms)", v, h, 0.17, 0.10);
    let (v, h) = added(2, "p99");
    within("ambient added P99 (ms)", v, h, 0.20, 0.10);
    let (v, h) = added(1, "p90");
    within("sidecar pair added P90 (ms)", v, h, 0.228, 0.10);
    let (v, h) = added(1, "p99");
    within("sidecar pair added P99 (ms)", v, h, 0.298, 0.10);

    // The no-mesh baseline stays inside the istio/tools 2020 range at 1000 qps, 16 connections.
    let base = |q: &str| {
        sum[0].dists[1]
            .stats
            .iter()
            .find(|x| x.0 == q)
            .unwrap()
            .1
            .mean
    };
    assert!((0.30..=0.37).contains(&base("p50")), "{}", base("p50"));
    assert!((0.42..=0.54).contains(&base("p90")), "{}", base("p90"));
    assert!((0.54..=0.70).contains(&base("p99")), "{}", base("p99"));
}
