//! Every shipped scenario and template parses, and rendering a scenario with its defaults
//! written out parses back to the same scenario (so `run.json` reproduces a run).

use std::path::{Path, PathBuf};

fn is_replay(p: &Path) -> bool {
    meshsim_scenarios::replay::is_replay(&std::fs::read_to_string(p).unwrap())
}

/// This crate's directory, read when the test runs (not baked in when it was compiled: a kept
/// target directory may hold a binary built from another copy of the tree).
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The shipped scenarios and templates (replay files apart).
fn shipped() -> Vec<PathBuf> {
    let dir = &manifest_dir();
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("templates")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("Cargo.toml"))
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("sweep-")
        })
        .filter(|p| !is_replay(p))
        .collect();
    v.sort();
    v
}

#[test]
fn every_shipped_replay_is_valid() {
    let dir = &manifest_dir();
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") && is_replay(&p) {
            let r = meshsim_scenarios::replay::load(&p)
                .unwrap_or_else(|e| panic!("{}:\n{e}", p.display()));
            assert_eq!(
                (r.nodes.len(), r.pods.len()),
                (1213, 8152),
                "{}",
                p.display()
            );
            n += 1;
        }
    }
    assert_eq!(n, 2, "fgd-openb-default and fgd-openb-mesh");
}

#[test]
fn every_shipped_scenario_is_valid() {
    let files = shipped();
    assert!(files.len() >= 6, "{files:?}");
    for f in files {
        if let Err(e) = meshsim_scenarios::load(&f) {
            panic!("{}:\n{e}", f.display());
        }
    }
}

#[test]
fn rendering_round_trips() {
    for f in shipped() {
        let s = meshsim_scenarios::load(&f).unwrap();
        let once = meshsim_scenarios::render::to_toml(&s).unwrap();
        let again = meshsim_scenarios::parse("rendered", &once).unwrap_or_else(|e| {
            panic!(
                "{}: rendered form does not parse:\n{e}\n{once}",
                f.display()
            )
        });
        let twice = meshsim_scenarios::render::to_toml(&again).unwrap();
        assert_eq!(once, twice, "{}", f.display());
        assert_eq!(
            format!("{:?}", s.cluster),
            format!("{:?}", again.cluster),
            "{}",
            f.display()
        );
        assert_eq!(
            format!("{:?}", s.mesh),
            format!("{:?}", again.mesh),
            "{}",
            f.display()
        );
        assert_eq!(
            s.plan.as_ref().ok(),
            again.plan.as_ref().ok(),
            "{}",
            f.display()
        );
        assert_eq!(s.migration, again.migration, "{}", f.display());
        assert_eq!(s.autoscaling, again.autoscaling, "{}", f.display());
    }
}

#[test]
fn every_shipped_sweep_is_valid() {
    let dir = &manifest_dir();
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("sweep-")
        {
            n += 1;
            let s = meshsim_scenarios::sweep::load(&p)
                .unwrap_or_else(|e| panic!("{}:\n{e}", p.display()));
            assert!(s.point_count() >= 1);
            for i in 0..s.point_count().min(50) {
                let text = s.apply(&s.point(i)).unwrap();
                meshsim_scenarios::parse_in("point", &text, s.scenario_path.parent())
                    .unwrap_or_else(|e| panic!("{} point {i}:\n{e}", p.display()));
            }
        }
    }
    assert_eq!(n, 4);
}

/// The `[autoscaling]` example in SCHEMA.md is a valid section, read as written.
#[test]
fn the_autoscaling_example_in_schema_md_parses() {
    let dir = manifest_dir();
    let schema = std::fs::read_to_string(dir.join("SCHEMA.md")).unwrap();
    let at = schema.find("## [autoscaling]").unwrap();
    let block = &schema[at..];
    let start = block.find("```toml\n").unwrap() + 8;
    let end = block[start..].find("```").unwrap() + start;
    let text = format!(
        r#"[scenario]
name = "example"

[[pools]]
name = "gpu"
count = 2
cpu = "96"
memory = "680G"
gpus = 8

[[workloads]]
name = "llm"
replicas = 8
pool = "gpu"
requests = {{ cpu = "2", memory = "26Gi", gpu_fraction = 0.25 }}
rps = 2

{}"#,
        &block[start..end]
    );
    let s =
        meshsim_scenarios::parse_in("example", &text, Some(&dir)).unwrap_or_else(|e| panic!("{e}"));
    let a = s.autoscaling.unwrap();
    assert_eq!(a.spec.horizon_s, 86_400);
    assert_eq!(a.spec.sample_s, 300);
    assert_eq!(a.spec.pools[0].unwrap().provisioning_s, 300);
    let w = &a.spec.workloads[0];
    assert_eq!(w.readiness_s, 180);
    assert_eq!(w.hpa.as_ref().unwrap().max_replicas, 200);
    // The trace's first minute (191 arrivals) × 60 ÷ 60 s × the night's factor 0.3.
    let load = w.load.as_ref().unwrap();
    assert!((load.at(0) - 191.0 * 0.3).abs() < 1e-9, "{}", load.at(0));
    assert!((load.at(9 * 3600) - load_at_trace(9 * 3600)).abs() < 1e-9);
}

/// The example's trace load at `t_s` without the profile: the minute `(t_s mod 58 min) / 60`
/// of the conversation trace, × 60 requests ÷ 60 s.
fn load_at_trace(t_s: u64) -> f64 {
    let offsets = meshsim_scenarios::trace::load_trace(
        &manifest_dir().join("../data/azure-llm/AzureLLMInferenceTrace_conv.csv"),
        "TIMESTAMP",
    )
    .unwrap();
    let minute = (t_s % (58 * 60)) / 60;
    offsets
        .iter()
        .filter(|&&o| o / 60_000_000_000 == minute)
        .count() as f64
}

/// A Service backed in two clusters, with a locality policy, renders and parses back to the
/// same scenario: the Service, the calls naming it and the policy survive.
#[test]
fn a_replicated_service_and_its_locality_round_trip() {
    let text = r#"[scenario]
name = "replicated"

[[clusters]]
name = "east"
region = "eu-west-1"

[[clusters]]
name = "west"
region = "us-east-1"

[[pools]]
name = "east-pool"
cluster = "east"
count = 1
cpu = "16"
memory = "64Gi"

[[pools]]
name = "west-pool"
cluster = "west"
count = 1
cpu = "16"
memory = "64Gi"

[[workloads]]
name = "a"
pool = "east-pool"
replicas = 2
requests = { cpu = "100m", memory = "256Mi" }
calls = [{ service = "search" }]

[[workloads]]
name = "search-east"
service = "search"
pool = "east-pool"
replicas = 2
requests = { cpu = "100m", memory = "256Mi" }

[[workloads]]
name = "search-west"
service = "search"
pool = "west-pool"
replicas = 3
requests = { cpu = "100m", memory = "256Mi" }

[latency]
cross_cluster = { mean = "30ms", p99 = "60ms" }
locality = "prefer-local"
cross_cluster_share = 0.2

[[traffic]]
service = "search"
from = "a"
arrival = "poisson"
rate = 10
"#;
    let s = meshsim_scenarios::parse("replicated", text).unwrap();
    let l = s.latency.as_ref().unwrap();
    assert_eq!(
        l.replicated,
        [meshsim_models::latency::ReplicatedService {
            name: "search".into(),
            workloads: vec![1, 2],
        }]
    );
    assert_eq!(
        l.locality,
        meshsim_models::latency::Locality::PreferLocal {
            cross_cluster_share: 0.2
        }
    );
    assert_eq!(l.services[0].calls[0].target, 1);
    assert_eq!(l.traffic[0].target, 1);
    let once = meshsim_scenarios::render::to_toml(&s).unwrap();
    let again = meshsim_scenarios::parse("rendered", &once)
        .unwrap_or_else(|e| panic!("rendered form does not parse:\n{e}\n{once}"));
    assert_eq!(once, meshsim_scenarios::render::to_toml(&again).unwrap());
    assert_eq!(s.latency, again.latency);
    assert_eq!(format!("{:?}", s.cluster), format!("{:?}", again.cluster));
}
