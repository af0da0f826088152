//! Integration tests of the `meshsim` binary: one test binary, a small harness, one module per
//! area.

mod audit;
mod bounded;
mod calibrate;
mod closed_loop;
mod commands;
mod errors;
mod golden;
mod multicluster;
mod output;
mod plan;
mod replay;
mod report;
mod repro;
mod schema;
mod shard;
mod sweep;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// The repository root. The manifest directory is read when the test runs (cargo sets it), not
/// when it was compiled: a target directory kept between CI runs may hold a test binary built
/// from another copy of the tree, whose compile-time path is gone.
pub fn root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A shipped scenario.
pub fn scenario(name: &str) -> PathBuf {
    root().join("scenarios").join(format!("{name}.toml"))
}

/// `meshsim` with arguments, run in `cwd`.
pub fn meshsim(cwd: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("meshsim")
        .unwrap()
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

/// Text of stdout and stderr.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Files (recursively) under `dir`, or none if it does not exist.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
