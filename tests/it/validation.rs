//! `VALIDATION.md` is current and every check on it passes: the page is [`page`] of
//! [`run`], run now (see `tests/validation.rs`).

use meshsim_tests::root;
use meshsim_tests::validation::{FGD_PUBLISHED, KNOWN_GAPS, Tolerance, known_gap, page, run};

#[test]
fn the_validation_page_is_current_and_every_check_passes() {
    let v = run();
    let checks = &v.checks;
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.passes() && known_gap(c).is_none())
        .map(|c| {
            format!(
                "{}: meshsim {} against {} {}",
                c.what, c.meshsim, c.reference, c.unit
            )
        })
        .collect();
    assert!(failed.is_empty(), "failed checks:\n{}", failed.join("\n"));
    // A known gap that closes leaves the list; one that names no check is a typo.
    for (what, _) in KNOWN_GAPS {
        let c = checks.iter().find(|c| c.what == what);
        assert!(
            c.is_some_and(|c| !c.passes()),
            "known gap {what:?}: no such check, or it passes now (remove it from KNOWN_GAPS)"
        );
    }
    // 5 queueing, 14 Istio, 9 memory, 28 closed-loop and 6 FGD checks, and 16 rows for
    // comparison.
    let judged = checks
        .iter()
        .filter(|c| c.tolerance != Tolerance::Comparison)
        .count();
    assert_eq!((judged, checks.len()), (62, 78));
    // The FGD medians keep the study's order of policies.
    let fgd: Vec<f64> = checks
        .iter()
        .filter(|c| c.area.starts_with("GPU-sharing"))
        .map(|c| c.meshsim)
        .collect();
    assert_eq!(fgd.len(), FGD_PUBLISHED.len());
    assert!(fgd.windows(2).all(|w| w[0] < w[1]), "{fgd:?}");
    let on_disk = std::fs::read_to_string(root().join("VALIDATION.md")).unwrap_or_default();
    assert!(
        on_disk == page(&v),
        "VALIDATION.md is not current: run `cargo run --release -p meshsim-tests --bin meshsim-validation`"
    );
}
