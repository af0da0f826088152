//! Golden outputs of every shipped scenario: the tables and the printed summary, with the output
//! path redacted. Set MESHSIM_BLESS=1 to rewrite them after an intended change, and review the
//! diff like code.

use std::path::Path;

use crate::{meshsim, root, scenario, text};

const TABLES: [&str; 8] = [
    "summary.csv",
    "pools.csv",
    "components.csv",
    "pending.csv",
    "latency.csv",
    "proxies.csv",
    "stations.csv",
    "namespaces.csv",
];

fn golden(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario(name);
    let o = meshsim(dir.path(), &["run", f.to_str().unwrap(), "--out", "out"]);
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let gold = root().join("cli/tests/golden").join(name);
    let bless = std::env::var_os("MESHSIM_BLESS").is_some();
    let mut outputs: Vec<(String, String)> = TABLES
        .iter()
        .map(|t| {
            (
                t.to_string(),
                std::fs::read_to_string(dir.path().join("out").join(t)).unwrap(),
            )
        })
        .collect();
    outputs.push((
        "stdout.txt".into(),
        stdout.replace(&dir.path().display().to_string(), "<tmp>"),
    ));
    for (file, got) in outputs {
        let path = gold.join(&file);
        if bless {
            std::fs::create_dir_all(&gold).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "no golden file {} (run with MESHSIM_BLESS=1)",
                path.display()
            )
        });
        if got != want {
            let diff: Vec<String> = want
                .lines()
                .zip(got.lines())
                .filter(|(a, b)| a != b)
                .take(5)
                .map(|(a, b)| format!("- {a}\n+ {b}"))
                .collect();
            panic!(
                "{}: output differs from the golden file:\n{}",
                path.display(),
                diff.join("\n")
            );
        }
    }
}

fn shipped_names() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("Cargo.toml"))
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("sweep-")
        })
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn every_shipped_scenario_has_a_golden_test() {
    for n in shipped_names() {
        assert!(
            Path::new(&root().join("cli/tests/golden").join(&n)).is_dir(),
            "scenario {n} has no golden outputs"
        );
    }
}

#[test]
fn golden_gpu_inference_memory_bound() {
    golden("gpu-inference-memory-bound");
}

#[test]
fn golden_gpu_inference_gpu_bound() {
    golden("gpu-inference-gpu-bound");
}

#[test]
fn golden_sidecar_tax_500_pods() {
    golden("sidecar-tax-500-pods");
}

#[test]
fn golden_half_migrated() {
    golden("half-migrated");
}

#[test]
fn golden_istio_benchmark() {
    golden("istio-benchmark");
}

#[test]
fn golden_agent_chain_20_calls() {
    golden("agent-chain-20-calls");
}

#[test]
fn golden_llm_trace_replay() {
    golden("llm-trace-replay");
}
