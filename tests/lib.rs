//! Shared helpers for meshsim's workspace-level integration tests.

use std::path::{Path, PathBuf};

use meshsim_models::latency::{self, LatencyRun};
use meshsim_models::mesh::MeshMode;
use meshsim_models::packing;
use meshsim_scenarios::Scenario;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A shipped scenario, loaded.
pub fn shipped(name: &str) -> Scenario {
    let p = root().join("scenarios").join(format!("{name}.toml"));
    meshsim_scenarios::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

/// The shared data folder (real traces, never copied into the repository): `MESHSIM_DATA_DIR`,
/// else `shared/data` beside the repository or beside one of its ancestors. A test that needs it
/// fails, naming where it looked, rather than skipping.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MESHSIM_DATA_DIR") {
        return PathBuf::from(d);
    }
    let root = root();
    for a in root.ancestors().skip(1) {
        let d = a.join("shared/data");
        if d.is_dir() {
            return d;
        }
    }
    panic!(
        "the shared data folder is not beside {} or its ancestors; set MESHSIM_DATA_DIR to it",
        root.display()
    );
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
                    let seed = meshsim_core::rng::RngStreams::new(s.seed)
                        .child_seed("replication", u64::from(r));
                    latency::simulate(&s.cluster, &s.mesh, &run, spec, seed).unwrap()
                })
                .collect()
        })
        .collect()
}
