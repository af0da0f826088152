//! Hostile inputs under a memory cap and a time limit: meshsim answers within bounds, whatever
//! the input (issue #11). Each case runs the binary under `ulimit -v` (address space) and is
//! killed if it outlives its time limit.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::text;

/// Runs meshsim with at most `mib` MiB of address space and `secs` seconds.
fn capped(cwd: &Path, args: &[&str], mib: u64, secs: u64) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("meshsim");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", mib * 1024))
        .arg(&bin)
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!(
                "meshsim {args:?} still running after {secs} s; stderr:\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

const FLEET: &str = r#"[scenario]
name = "t"
modes = ["sidecar"]
replications = 1

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
"#;

#[test]
fn an_overloaded_mesh_is_reported_saturated_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // 500,000 requests per second at two sidecars that serve about 20,000 each.
    let text_in = format!(
        "{FLEET}\n[latency]\nduration = \"2s\"\nwarmup = \"100ms\"\n\n[[traffic]]\nservice = \"web\"\narrival = \"poisson\"\nrate = 500000\n"
    );
    std::fs::write(dir.path().join("t.toml"), text_in).unwrap();
    let o = capped(
        dir.path(),
        &["run", "t.toml", "--out", "out", "--no-plots"],
        1024,
        120,
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(err.contains("sidecar: saturated"), "{err}");
    assert!(out.contains("saturated"), "{out}");
    let summary = std::fs::read_to_string(dir.path().join("out/summary.csv")).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    let col = |n: &str| row[header.iter().position(|h| *h == n).unwrap()];
    assert_eq!(col("mode"), "sidecar");
    assert_eq!(col("latency_saturated"), "true");
    assert_eq!(
        col("hop_p99_ms"),
        "",
        "no latency figure for a saturated mode"
    );
    assert_eq!(col("proxy_cpu_simulated_vcpu"), "");
}

#[test]
fn a_device_as_scenario_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let o = capped(dir.path(), &["validate", "/dev/zero"], 256, 30);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
}

#[test]
fn a_named_pipe_as_trace_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let text_in = format!(
        "{FLEET}\n[[traffic]]\nservice = \"web\"\narrival = \"trace\"\npath = \"fifo\"\ncolumn = \"t\"\n"
    );
    std::fs::write(dir.path().join("t.toml"), text_in).unwrap();
    let o = capped(dir.path(), &["run", "t.toml", "--out", "out"], 512, 30);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_trace_with_no_time_span_is_refused_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "t\n5\n5\n5\n5\n").unwrap();
    let text_in = format!(
        "{FLEET}\n[[traffic]]\nservice = \"web\"\narrival = \"trace\"\npath = \"t.csv\"\ncolumn = \"t\"\n"
    );
    std::fs::write(dir.path().join("t.toml"), text_in).unwrap();
    let o = capped(dir.path(), &["run", "t.toml", "--out", "out"], 512, 30);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("all 4 timestamps are equal"), "{err}");
}
