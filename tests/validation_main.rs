//! Writes `VALIDATION.md` at the repository root: every check of
//! [`meshsim_tests::validation`], run now.
//!
//! ```text
//! cargo run --release -p meshsim-tests --bin meshsim-validation
//! ```

#![allow(clippy::print_stdout, reason = "a command-line tool")]

fn main() {
    let v = meshsim_tests::validation::run();
    let page = meshsim_tests::validation::page(&v);
    let checks = &v.checks;
    let path = meshsim_tests::root().join("VALIDATION.md");
    std::fs::write(&path, &page).expect("writing VALIDATION.md");
    let failed = checks
        .iter()
        .filter(|c| !c.passes() && meshsim_tests::validation::known_gap(c).is_none())
        .count();
    println!(
        "wrote {} ({} checks, {failed} failed beyond the known gaps)",
        path.display(),
        checks.len()
    );
    if failed > 0 {
        std::process::exit(1);
    }
}
