//! Shared helpers for meshsim's workspace-level integration tests.

pub mod bookinfo;
pub mod dump_gen;
pub mod fgd_reference;
pub mod fuzz;
pub mod validation;

use std::path::PathBuf;

use meshsim_models::latency::{self, LatencyRun};
use meshsim_models::mesh::MeshMode;
use meshsim_models::packing;
use meshsim_scenarios::Scenario;

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

/// A shipped scenario, loaded.
pub fn shipped(name: &str) -> Scenario {
    let p = root().join("scenarios").join(format!("{name}.toml"));
    meshsim_scenarios::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

/// The data folder shipped in the repository (`data/`, see `data/README.md`).
pub fn data_dir() -> PathBuf {
    root().join("data")
}

/// A file of the shipped data folder; a missing file fails the test with its path.
pub fn data_file(rel: &str) -> PathBuf {
    let p = data_dir().join(rel);
    assert!(
        p.is_file(),
        "data file {} is missing from the repository (see data/README.md)",
        p.display()
    );
    p
}

/// Every replication of the request simulation for `modes` (the seeds `meshsim run` uses).
pub fn simulate(s: &Scenario, modes: &[MeshMode]) -> Vec<Vec<LatencyRun>> {
    let spec = s.latency.as_ref().expect("scenario has traffic");
    modes
        .iter()
        .map(|&m| {
            let run = packing::evaluate(&s.cluster, &s.mesh, m, s.scheduler, s.seed);
            (0..s.replications)
                .map(|r| {
                    let seed = meshsim_models::study::replication_seed(s.seed, r);
                    latency::simulate(&s.cluster, &s.mesh, &run, spec, seed).unwrap()
                })
                .collect()
        })
        .collect()
}
