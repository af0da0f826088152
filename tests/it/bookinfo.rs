//! The bookinfo closed-loop scenario (`scenarios/bookinfo-oha.toml`) carries the coefficients
//! fitted to LiveWyer's measurements, and the fit does what `tests/bookinfo.rs` says.

use meshsim_models::mesh::MeshMode;
use meshsim_tests::bookinfo::{CONNECTIONS, MODES, fit, measurements, outcomes, shipped_fit};

#[test]
fn the_shipped_bookinfo_scenario_carries_the_fitted_coefficients() {
    let m = measurements();
    assert_eq!(m.len(), MODES.len() * CONNECTIONS.len());
    let f = fit(&m);
    let s = shipped_fit();
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs();
    // Rounded as the scenario writes them: millicores per 1000 rps, three decimals of the cv.
    assert!(close(s.app_cpu_ms, f.app_cpu_ms, 0.002), "{s:?} vs {f:?}");
    assert!((s.app_cv - f.app_cv).abs() <= 0.005, "{s:?} vs {f:?}");
    assert!(
        close(s.sidecar_cpu_ms, f.sidecar_cpu_ms, 0.005),
        "{s:?} vs {f:?}"
    );
    assert!(
        close(s.ztunnel_cpu_ms, f.ztunnel_cpu_ms, 0.005),
        "{s:?} vs {f:?}"
    );
    // What VALIDATION.md says of them: the sidecar's between the Istio pages' 0.20 and 0.5 ms,
    // the ztunnel's well above the page's 0.06 ms.
    assert!(0.20 < f.sidecar_cpu_ms && f.sidecar_cpu_ms < 0.5, "{f:?}");
    assert!(f.ztunnel_cpu_ms > 3.0 * 0.06, "{f:?}");
}

#[test]
fn a_cpu_bound_node_gives_what_its_cores_allow() {
    // Saturated, the node serves 2 cores ÷ (the application's CPU + 7 proxy visits) per request:
    // the closed form the fit relies on, within the run's noise (95 % half-widths of 0.3 %).
    let f = shipped_fit();
    let o = outcomes(&f, &MODES, &[32]);
    let cpu_ms = |mode: MeshMode| {
        f.app_cpu_ms
            + match mode {
                MeshMode::Sidecar => 7.0 * f.sidecar_cpu_ms,
                MeshMode::Ambient => 7.0 * f.ztunnel_cpu_ms,
                _ => 0.0,
            }
    };
    for x in &o {
        // Sidecar mode has 12 proxy workers on the 2 cores: while more than 2 are busy they
        // share the cores, so the node never does more than it has.
        let cores = x.qps.mean * cpu_ms(x.mode) / 1000.0;
        assert!(
            (cores - 2.0).abs() <= 0.005 * 2.0,
            "{:?}: {cores} cores",
            x.mode
        );
    }
}
