//! Golden outputs of every shipped scenario: the tables and the printed summary, as insta
//! snapshots in `cli/tests/golden/<scenario>/`, with the output path and the meshsim version
//! redacted. After an intended change, rewrite them with
//! `INSTA_UPDATE=always cargo test -p meshsim --test it golden` and review the diff like code.

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

/// Removes what differs between machines and releases: the temporary output path and the
/// meshsim version.
fn redact(s: &str, tmp: &Path) -> String {
    s.replace(&tmp.display().to_string(), "[tmp]")
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
}

/// The tables `meshsim replay` writes that the golden files hold (the per-seed curves are
/// summarised by the median curve).
const REPLAY_TABLES: [&str; 3] = [
    "replay-summary.csv",
    "replay-runs.csv",
    "allocation-median.csv",
];

/// Replaces the wall time in "N run(s) in 4.5 s".
fn redact_wall_time(s: &str) -> String {
    s.lines()
        .map(|l| match (l.find(" run(s) in "), l.rfind(" s")) {
            (Some(a), Some(b)) if b > a => format!("{} run(s) in [wall] s{}", &l[..a], &l[b + 2..]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn golden(name: &str) {
    let f = scenario(name);
    let replay = std::fs::read_to_string(&f).unwrap().contains("\n[replay]");
    let (command, tables): (&str, &[&str]) = if replay {
        ("replay", &REPLAY_TABLES)
    } else {
        ("run", &TABLES)
    };
    let dir = tempfile::tempdir().unwrap();
    let o = meshsim(dir.path(), &[command, f.to_str().unwrap(), "--out", "out"]);
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let stdout = redact_wall_time(&stdout);
    let mut outputs: Vec<(String, String)> = tables
        .iter()
        .map(|t| {
            (
                t.to_string(),
                std::fs::read_to_string(dir.path().join("out").join(t)).unwrap(),
            )
        })
        .collect();
    // A day (`[autoscaling]`): its summary whole, its timeline on the hour.
    let out = dir.path().join("out");
    if let Ok(t) = std::fs::read_to_string(out.join("autoscaling.csv")) {
        outputs.push(("autoscaling.csv".into(), t));
        let timeline = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
        let hourly: Vec<&str> = timeline
            .lines()
            .enumerate()
            .filter(|(i, l)| {
                *i == 0
                    || l.split(',')
                        .nth(4)
                        .and_then(|t| t.parse::<u64>().ok())
                        .is_some_and(|t| t % 3600 == 0)
            })
            .map(|(_, l)| l)
            .collect();
        outputs.push(("timeline-hourly.csv".into(), hourly.join("\n") + "\n"));
        if let Ok(w) = std::fs::read_to_string(out.join("latency-windows.csv")) {
            outputs.push(("latency-windows.csv".into(), w));
        }
    }
    outputs.push(("stdout.txt".into(), redact(&stdout, dir.path())));
    outputs.push(("stderr.txt".into(), redact(&stderr, dir.path())));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("cli/tests/golden").join(name));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (file, got) in outputs {
            insta::assert_snapshot!(file, got);
        }
    });
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
    let this = std::fs::read_to_string(root().join("cli/tests/it/golden.rs")).unwrap();
    for n in shipped_names() {
        assert!(
            this.contains(&format!("golden(\"{n}\")")),
            "scenario {n} has no golden test in golden.rs"
        );
        assert!(
            Path::new(&root().join("cli/tests/golden").join(&n)).is_dir(),
            "scenario {n} has no golden outputs"
        );
    }
}

#[test]
fn golden_two_region_fleet() {
    golden("two-region-fleet");
}

#[test]
fn golden_diurnal_gpu_inference() {
    golden("diurnal-gpu-inference");
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
fn golden_migration_plan() {
    golden("migration-plan");
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
fn golden_bookinfo_oha() {
    golden("bookinfo-oha");
}

#[test]
fn golden_agent_chain_20_calls() {
    golden("agent-chain-20-calls");
}

#[test]
fn golden_llm_trace_replay() {
    golden("llm-trace-replay");
}

#[test]
fn golden_fgd_openb_default() {
    golden("fgd-openb-default");
}

#[test]
fn golden_fgd_openb_mesh() {
    golden("fgd-openb-mesh");
}

/// The audit of the shipped example dump set: its tables, the emitted scenario and the summary.
#[test]
fn golden_audit_example() {
    let dir = tempfile::tempdir().unwrap();
    let ex = |f: &str| {
        root()
            .join("scenarios/audit-example")
            .join(f)
            .display()
            .to_string()
    };
    let (c, t, i) = (ex("cluster.json"), ex("top.txt"), ex("istio.json"));
    let o = meshsim(
        dir.path(),
        &[
            "audit",
            &c,
            &t,
            &i,
            "--out",
            "out",
            "--emit-scenario",
            "example.toml",
            "--name",
            "example",
        ],
    );
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let repo = root().display().to_string();
    let clean = |s: &str| redact(s, dir.path()).replace(&repo, "[repo]");
    let mut outputs: Vec<(String, String)> = [
        "audit.csv",
        "audit-pools.csv",
        "audit-namespaces.csv",
        "audit-workloads.csv",
        "audit-l7.csv",
    ]
    .iter()
    .map(|t| {
        (
            t.to_string(),
            std::fs::read_to_string(dir.path().join("out").join(t)).unwrap(),
        )
    })
    .collect();
    outputs.push((
        "example.toml".into(),
        clean(&std::fs::read_to_string(dir.path().join("example.toml")).unwrap()),
    ));
    outputs.push(("stdout.txt".into(), clean(&stdout)));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("cli/tests/golden/audit-example"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (file, got) in outputs {
            insta::assert_snapshot!(file, got);
        }
    });
}
