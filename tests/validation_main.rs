//! Writes `VALIDATION.md` at the repository root: every check of
//! [`meshsim_tests::validation`], run now.
//!
//! ```text
//! cargo run --release -p meshsim-tests --bin meshsim-validation
//! ```

#![allow(clippy::print_stdout, reason = "a command-line tool")]

fn main() {
    let checks = meshsim_tests::validation::checks();
    let page = meshsim_tests::validation::page(&checks);
    let path = meshsim_tests::root().join("VALIDATION.md");
    std::fs::write(&path, &page).expect("writing VALIDATION.md");
    let failed = checks.iter().filter(|c| !c.passes()).count();
    println!(
        "wrote {} ({} checks, {failed} failed)",
        path.display(),
        checks.len()
    );
    if failed > 0 {
        std::process::exit(1);
    }
}
