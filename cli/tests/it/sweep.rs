//! Sweeps: deterministic whatever the thread count, resumable, refused when absurd, located
//! errors.

use std::path::Path;

use crate::{files_under, meshsim, root, text};

fn sweep_file(name: &str) -> String {
    root()
        .join("scenarios")
        .join(format!("sweep-{name}.toml"))
        .display()
        .to_string()
}

fn read(dir: &Path, f: &str) -> Vec<u8> {
    std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
}

#[test]
fn identical_output_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let f = sweep_file("gpu-fleet-x-sidecar-memory");
    for t in ["1", "2"] {
        let o = meshsim(
            dir.path(),
            &["sweep", &f, "--threads", t, "--out", t, "--quiet"],
        );
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    }
    for f in [
        "sweep.csv",
        "sweep.parquet",
        "sweep-summary.csv",
        "sweep.json",
    ] {
        assert_eq!(
            read(&dir.path().join("1"), f),
            read(&dir.path().join("2"), f),
            "{f}"
        );
    }
    let csv = String::from_utf8(read(&dir.path().join("1"), "sweep.csv")).unwrap();
    // 9 points × 4 modes, plus the header.
    assert_eq!(csv.lines().count(), 37);
    assert!(
        csv.starts_with("point,gpu_pool_nodes,sidecar_memory_request,schema_version,scenario,mode")
    );
    let summary = String::from_utf8(read(&dir.path().join("1"), "sweep-summary.csv")).unwrap();
    assert!(
        summary.starts_with("parameter,mode,value,points,replicas_recovered_mean"),
        "{summary}"
    );
    // 2 parameters × 3 values × 4 modes, plus the header.
    assert_eq!(summary.lines().count(), 25);
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_tables() {
    let dir = tempfile::tempdir().unwrap();
    let f = sweep_file("uncertainty");
    let whole = meshsim(dir.path(), &["sweep", &f, "--out", "whole", "--quiet"]);
    assert_eq!(whole.status.code(), Some(0), "{:?}", text(&whole));
    let o = meshsim(
        dir.path(),
        &[
            "sweep",
            &f,
            "--out",
            "part",
            "--quiet",
            "--threads",
            "1",
            "--stop-after",
            "37",
        ],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: 37 of 200 points done"), "{err}");
    assert!(err.contains("--resume"), "{err}");
    // Nothing final yet; the finished points are kept.
    assert!(!dir.path().join("part/sweep.csv").exists());
    let log = std::fs::read_to_string(dir.path().join("part/.meshsim-sweep/points.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 37);
    let o = meshsim(
        dir.path(),
        &["sweep", &f, "--resume", "part", "--quiet", "--threads", "2"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    for t in [
        "sweep.csv",
        "sweep.parquet",
        "sweep-summary.csv",
        "uncertainty.csv",
    ] {
        assert_eq!(
            read(&dir.path().join("whole"), t),
            read(&dir.path().join("part"), t),
            "{t}"
        );
    }
    assert!(
        !dir.path().join("part/.meshsim-sweep").exists(),
        "state removed once complete"
    );
}

#[test]
fn ctrl_c_stops_cleanly_and_keeps_finished_points() {
    let dir = tempfile::tempdir().unwrap();
    let f = root()
        .join("cli/benches/sweep/sweep.toml")
        .display()
        .to_string();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("meshsim"))
        .current_dir(dir.path())
        .args(["sweep", &f, "--out", "o", "--quiet", "--threads", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let log = dir.path().join("o/.meshsim-sweep/points.jsonl");
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&log).map_or(0, |s| s.lines().count()) < 2 {
        assert!(
            start.elapsed().as_secs() < 300,
            "no point finished in 5 minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupt: finishing the points in progress"),
        "{err}"
    );
    let kept = std::fs::read_to_string(&log).unwrap();
    let n = kept.lines().count();
    assert!((2..1000).contains(&n), "{n} points kept");
    // Every kept line is a complete point.
    for l in kept.lines() {
        assert!(l.starts_with("{\"point\":") && l.ends_with('}'), "{l}");
    }
    assert!(!dir.path().join("o/sweep.csv").exists());
}

fn bad_sweep(body: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("scenarios/gpu-inference-memory-bound.toml"),
        dir.path().join("base.toml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("s.toml"), body).unwrap();
    let o = meshsim(dir.path(), &["sweep", "s.toml", "--out", "out"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in:\n{err}");
    }
    assert!(files_under(&dir.path().join("out")).is_empty());
}

const HEAD: &str = "[sweep]\nname = \"t\"\nscenario = \"base.toml\"\n";

#[test]
fn a_sweep_past_the_point_limit_is_refused_before_any_work() {
    let p = "\n[[parameters]]\npath = \"pools.gpu-a100.count\"\nrange = { from = 1, to = 1000, steps = 1000 }\n";
    let body = format!(
        "{HEAD}{}{}{}",
        p,
        p.replace("pools.gpu-a100.count", "pools.cpu.count"),
        p.replace("pools.gpu-a100.count", "workloads.router.replicas")
    );
    bad_sweep(
        &body,
        &["expands to 1000000000 points, beyond meshsim's limit of 10000000"],
    );
}

#[test]
fn unknown_key_in_a_sweep() {
    bad_sweep(
        &format!("{HEAD}stratgy = \"grid\"\n"),
        &[
            "s.toml:4:1",
            "sweep.stratgy",
            "unknown key `stratgy`",
            "did you mean `strategy`?",
        ],
    );
}

#[test]
fn path_to_a_pool_that_does_not_exist() {
    bad_sweep(
        &format!("{HEAD}\n[[parameters]]\npath = \"pools.gpu.count\"\nvalues = [1, 2]\n"),
        &[
            "s.toml:6:8",
            "parameters[0].path",
            "no pools element named `gpu`",
        ],
    );
}

#[test]
fn parameter_name_that_collides_with_an_output_column() {
    bad_sweep(
        &format!(
            "{HEAD}\n[[parameters]]\npath = \"pools.gpu-a100.count\"\nname = \"nodes\"\nvalues = [1, 2]\n"
        ),
        &["parameter name `nodes` is already an output column"],
    );
}

#[test]
fn an_interval_in_a_unit_meshsim_does_not_know() {
    bad_sweep(
        &format!(
            "{HEAD}strategy = \"monte-carlo\"\nsamples = 4\n\n[[parameters]]\npath = \"mesh.sidecar.base_memory\"\ninterval = {{ low = \"40Mb\", likely = \"60Mb\", high = \"90Mb\" }}\n"
        ),
        &["parameters[0]", "`40Mb` has unit `Mb`", "Ki Mi Gi"],
    );
}

#[test]
fn a_range_in_a_unit_meshsim_does_not_know() {
    bad_sweep(
        &format!(
            "{HEAD}\n[[parameters]]\npath = \"mesh.sidecar.base_memory\"\nrange = {{ from = 40, to = 90, steps = 3, unit = \"MB\" }}\n"
        ),
        &["range unit `MB` is not a quantity suffix"],
    );
}

#[test]
fn a_point_that_makes_an_invalid_scenario() {
    bad_sweep(
        &format!("{HEAD}\n[[parameters]]\npath = \"pools.gpu-a100.count\"\nvalues = [4, -1]\n"),
        &[
            "point 1 (pools.gpu-a100.count = -1) makes an invalid scenario",
            "must be at least 1",
        ],
    );
}

#[test]
fn zip_with_lists_of_different_lengths() {
    bad_sweep(
        &format!(
            "{HEAD}strategy = \"zip\"\n\n[[parameters]]\npath = \"pools.cpu.count\"\nvalues = [1, 2]\n\n[[parameters]]\npath = \"pools.gpu-a100.count\"\nvalues = [1, 2, 3]\n"
        ),
        &["a zip sweep needs lists of equal length; lengths are [2, 3]"],
    );
}

#[test]
fn an_interval_on_a_grid() {
    bad_sweep(
        &format!(
            "{HEAD}\n[[parameters]]\npath = \"mesh.sidecar.base_memory\"\ninterval = {{ low = \"40M\", likely = \"60M\", high = \"200M\" }}\n"
        ),
        &["an interval is sampled", "monte-carlo"],
    );
}

#[test]
fn capacity_on_an_unknown_pool() {
    bad_sweep(
        &format!("{HEAD}\n[capacity]\npools = [\"gpu\"]\n"),
        &[
            "[capacity] pools: no pool `gpu` in the scenario",
            "did you mean `cpu`?",
        ],
    );
}

#[test]
fn capacity_search_with_a_latency_slo() {
    let dir = tempfile::tempdir().unwrap();
    let base = root()
        .join("scenarios/agent-chain-20-calls.toml")
        .display()
        .to_string();
    std::fs::write(
        dir.path().join("s.toml"),
        format!(
            "[sweep]\nname = \"cap\"\nscenario = \"{base}\"\nmodes = [\"sidecar\", \"ambient\"]\nreplications = 2\n\n[capacity]\npools = [\"general\"]\nchain_p99_ms = 200\n"
        ),
    )
    .unwrap();
    let o = meshsim(dir.path(), &["sweep", "s.toml", "--out", "out", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let cap = std::fs::read_to_string(dir.path().join("out/capacity.csv")).unwrap();
    let rows: Vec<&str> = cap.lines().collect();
    assert_eq!(rows.len(), 3, "{cap}");
    for r in &rows[1..] {
        let c: Vec<&str> = r.split(',').collect();
        // pool general, a feasible node count within 1..=9, SLO and measured P99 below it.
        assert_eq!(c[5], "general", "{r}");
        let nodes: u32 = c[6].parse().unwrap();
        assert!((1..=9).contains(&nodes), "{r}");
        assert_eq!(c[7], "true");
        let p99: f64 = c[9].parse().unwrap();
        assert!(p99 <= 200.0, "{r}");
    }
}

/// Every output column (summary with intervals, capacity) is refused as a parameter name: the
/// reserved list in the binary is checked against real output.
#[test]
fn every_output_column_is_reserved() {
    let dir = tempfile::tempdir().unwrap();
    let f = root()
        .join("scenarios/istio-benchmark.toml")
        .display()
        .to_string();
    let o = meshsim(
        dir.path(),
        &["run", &f, "--out", "r", "--quiet", "--replications", "2"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let summary = std::fs::read_to_string(dir.path().join("r/summary.csv")).unwrap();
    let mut columns: Vec<String> = summary
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    assert!(columns.contains(&"chain_p99_ms_ci95".to_string()));
    columns.extend(
        [
            "point",
            "pool",
            "nodes",
            "feasible",
            "chain_p99_slo_ms",
            "chain_p99_ms",
            "cost_usd_per_month",
            "strategy",
            "payback_month",
            "net_12_months_usd",
            "waves",
        ]
        .map(String::from),
    );
    std::fs::copy(
        root().join("scenarios/gpu-inference-memory-bound.toml"),
        dir.path().join("base.toml"),
    )
    .unwrap();
    for c in columns {
        std::fs::write(
            dir.path().join("s.toml"),
            format!(
                "{HEAD}\n[[parameters]]\npath = \"pools.cpu.count\"\nname = \"{c}\"\nvalues = [1]\n"
            ),
        )
        .unwrap();
        let o = meshsim(dir.path(), &["sweep", "s.toml", "--out", "out"]);
        assert_eq!(o.status.code(), Some(2), "column {c} is not reserved");
        assert!(text(&o).1.contains("is already an output column"), "{c}");
    }
}

/// A three-point sweep over a scenario that replays `trace.csv`, all in `dir`.
fn trace_sweep(dir: &Path) {
    std::fs::write(
        dir.join("trace.csv"),
        "t\n0.0\n0.1\n0.25\n0.3\n0.5\n0.55\n0.8\n0.95\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("base.toml"),
        r#"[scenario]
name = "traced"
modes = ["none", "sidecar"]
replications = 1

[latency]
duration = "1s"
warmup = "0s"

[[pools]]
name = "cpu"
count = 2
cpu = "16"
memory = "64Gi"

[[workloads]]
name = "web"
namespace = "shop"
replicas = 2
requests = { cpu = "500m", memory = "1Gi" }
rps = 8

[[traffic]]
name = "replayed"
service = "web"
arrival = "trace"
path = "trace.csv"
column = "t"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("sweep.toml"),
        r#"[sweep]
name = "traced"
scenario = "base.toml"
strategy = "grid"

[[parameters]]
path = "workloads.web.replicas"
values = [2, 3, 4]
"#,
    )
    .unwrap();
}

#[test]
fn a_changed_trace_refuses_the_resume() {
    let dir = tempfile::tempdir().unwrap();
    trace_sweep(dir.path());
    let o = meshsim(
        dir.path(),
        &[
            "sweep",
            "sweep.toml",
            "--out",
            "o",
            "--quiet",
            "--stop-after",
            "1",
            "--threads",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(130), "{:?}", text(&o));
    // One more arrival in the trace: the finished point no longer stands for this sweep.
    let mut trace = std::fs::read_to_string(dir.path().join("trace.csv")).unwrap();
    trace.push_str("0.99\n");
    std::fs::write(dir.path().join("trace.csv"), trace).unwrap();
    let o = meshsim(
        dir.path(),
        &["sweep", "sweep.toml", "--resume", "o", "--quiet"],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("different sweep file, base scenario, trace"),
        "{err}"
    );
    assert!(!dir.path().join("o/sweep.csv").exists());
}

#[test]
fn a_torn_last_line_is_dropped_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    trace_sweep(dir.path());
    let whole = meshsim(
        dir.path(),
        &["sweep", "sweep.toml", "--out", "whole", "--quiet"],
    );
    assert_eq!(whole.status.code(), Some(0), "{:?}", text(&whole));
    let o = meshsim(
        dir.path(),
        &[
            "sweep",
            "sweep.toml",
            "--out",
            "o",
            "--quiet",
            "--stop-after",
            "2",
            "--threads",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(130), "{:?}", text(&o));
    // A crash in the middle of writing the second point.
    let log = dir.path().join("o/.meshsim-sweep/points.jsonl");
    let text_log = std::fs::read_to_string(&log).unwrap();
    let first_end = text_log.find('\n').unwrap() + 1;
    let torn = &text_log[..first_end + (text_log.len() - first_end) / 2];
    std::fs::write(&log, torn).unwrap();
    // The next point lands on a line of its own, not on the torn one.
    let o = meshsim(
        dir.path(),
        &[
            "sweep",
            "sweep.toml",
            "--resume",
            "o",
            "--quiet",
            "--stop-after",
            "1",
            "--threads",
            "1",
        ],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted: 2 of 3 points done"), "{err}");
    let o = meshsim(
        dir.path(),
        &["sweep", "sweep.toml", "--resume", "o", "--quiet"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_eq!(
        read(&dir.path().join("whole"), "sweep.csv"),
        read(&dir.path().join("o"), "sweep.csv")
    );
}

#[test]
fn a_plan_sweep_needs_the_plan_keys_in_its_scenario() {
    bad_sweep(
        &format!(
            "{HEAD}plan = true\n[[parameters]]\npath = \"migration.cost_per_sprint\"\nvalues = [1000, 2000]\n"
        ),
        &["point 0", "no `namespace_sprints`"],
    );
}

/// The plan sweep: plan-uncertainty.csv holds, per strategy, the nearest-rank percentiles of
/// what plan-sweep.csv lists point by point (recomputed here), and does not depend on the
/// thread count.
#[test]
fn plan_uncertainty_is_the_percentiles_of_the_points() {
    let dir = tempfile::tempdir().unwrap();
    let f = sweep_file("plan-uncertainty");
    for t in ["1", "2"] {
        let o = meshsim(dir.path(), &["sweep", &f, "--threads", t, "--out", t, "-q"]);
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    }
    for f in [
        "plan-sweep.csv",
        "plan-sweep.parquet",
        "plan-uncertainty.csv",
    ] {
        assert_eq!(
            read(&dir.path().join("1"), f),
            read(&dir.path().join("2"), f),
            "{f}"
        );
    }
    let csv = |f: &str| -> Vec<Vec<String>> {
        String::from_utf8(read(&dir.path().join("1"), f))
            .unwrap()
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let points = csv("plan-sweep.csv");
    let col = |name: &str| points[0].iter().position(|c| c == name).unwrap();
    let (st, pb, n12) = (
        col("strategy"),
        col("payback_month"),
        col("net_12_months_usd"),
    );
    let unc = csv("plan-uncertainty.csv");
    assert_eq!(unc.len(), 1 + 5 * 4, "5 strategies × 4 metrics");
    let nearest = |mut v: Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
    };
    for row in &unc[1..] {
        let (strategy, metric) = (&row[4], &row[5]);
        let c = match metric.as_str() {
            "payback_month" => pb,
            "net_12_months_usd" => n12,
            _ => continue,
        };
        let v: Vec<f64> = points[1..]
            .iter()
            .filter(|p| &p[st] == strategy)
            .map(|p| p[c].parse().unwrap())
            .collect();
        assert_eq!(v.len(), 100, "{strategy}: every point pays back here");
        for (i, q) in [(8, 0.1), (9, 0.5), (10, 0.9)] {
            let got: f64 = row[i].parse().unwrap();
            assert!(
                (got - nearest(v.clone(), q)).abs() < 1e-6,
                "{strategy} {metric} P{q}"
            );
        }
    }
    // GPU first pays back no later than the user's storefront-first order, at every percentile.
    let payback = |s: &str| -> Vec<f64> {
        let r = unc
            .iter()
            .find(|r| r[4] == s && r[5] == "payback_month")
            .unwrap();
        r[8..11].iter().map(|x| x.parse().unwrap()).collect()
    };
    let (rec, user) = (payback("recommended"), payback("user-order"));
    assert!(
        rec.iter().zip(&user).all(|(a, b)| a <= b),
        "{rec:?} vs {user:?}"
    );
}

#[test]
fn a_sweep_parameter_under_autoscaling_is_refused() {
    bad_sweep(
        &format!(
            "{HEAD}\n[[parameters]]\npath = \"autoscaling.horizon\"\nvalues = [\"1h\", \"2h\"]\n"
        ),
        &[
            "s.toml:6",
            "`autoscaling.horizon` changes nothing in a sweep",
            "meshsim run",
        ],
    );
}
