//! The public arithmetic, reproduced on `scenarios/sidecar-tax-500-pods.toml`: 200–500 pods with
//! 50–200 MB sidecars carry a 10–100 GB memory tax, and ambient cuts mesh memory by roughly 70 %
//! for a typical mix. The figures asserted here are the ones scenarios/README.md states.

use meshsim_models::mesh::MeshMode;
use meshsim_models::resources::GIB;
use meshsim_models::study::{self, NoProgress, Options};
use meshsim_tests::shipped;

#[test]
fn sidecar_tax_of_500_pods() {
    let s = shipped("sidecar-tax-500-pods");
    let modes = [MeshMode::Sidecar, MeshMode::AmbientWaypoint];
    let spec = study::StudySpec {
        modes: &modes,
        nodes_required: false,
        latency: None,
        autoscaling: None,
        ..s.study()
    };
    let opts = Options {
        rank_namespaces: false,
    };
    let r = study::run(&spec, opts, &NoProgress).unwrap().results;
    let (side, amb) = (&r[0], &r[1]);
    assert_eq!(side.proxies, 500);
    // Each sidecar: 56 MiB + 51 clusters × 64 KiB + 501 endpoints × 2 KiB ≈ 60.2 MiB (63 MB):
    // inside the quoted 50–200 MB per sidecar.
    let per_sidecar_mb = side.data_plane_usage.memory_bytes / 500.0 / 1e6;
    assert!((50.0..=200.0).contains(&per_sidecar_mb), "{per_sidecar_mb}");
    assert!((per_sidecar_mb - 63.1).abs() < 0.1, "{per_sidecar_mb}");
    // The tax: 500 × 128Mi = 62.5 GiB requested, ≈ 29.4 GiB used: inside 10–100 GB.
    let used_gb = side.data_plane_usage.memory_bytes / 1e9;
    let requested_gb = side.data_plane_request.memory_bytes as f64 / 1e9;
    assert!((10.0..=100.0).contains(&used_gb) && (10.0..=100.0).contains(&requested_gb));
    assert_eq!(side.data_plane_request.memory_bytes, 500 * 128 * (1 << 20));
    // Ambient (25 ztunnels + 25 istio-cni + 2 waypoints): requests 15.2 GiB, −76 %; usage −90 %.
    let req_cut = 1.0
        - amb.data_plane_request.memory_bytes as f64 / side.data_plane_request.memory_bytes as f64;
    let use_cut = 1.0 - amb.data_plane_usage.memory_bytes / side.data_plane_usage.memory_bytes;
    eprintln!(
        "ambient cuts requested mesh memory by {:.1} %, used by {:.1} %",
        100.0 * req_cut,
        100.0 * use_cut
    );
    assert!((amb.data_plane_request.memory_bytes as f64 / GIB as f64 - 15.19).abs() < 0.01);
    assert!((0.65..=0.80).contains(&req_cut), "{req_cut}");
    assert!((0.85..=0.95).contains(&use_cut), "{use_cut}");
}
