//! Same scenario and seed: byte-identical output files, whatever the thread count; a run.json
//! reproduces its run.

use crate::{files_under, meshsim, scenario, text};

fn run_into(
    cwd: &std::path::Path,
    out: &str,
    extra: &[&str],
    threads: &str,
) -> Vec<(String, Vec<u8>)> {
    let f = scenario("gpu-inference-memory-bound");
    let mut args = vec!["run", f.to_str().unwrap(), "--out", out, "--quiet"];
    args.extend_from_slice(extra);
    let o = assert_cmd::Command::cargo_bin("meshsim")
        .unwrap()
        .current_dir(cwd)
        .env("RAYON_NUM_THREADS", threads)
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    files_under(&cwd.join(out))
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn same_seed_gives_byte_identical_files_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let a = run_into(dir.path(), "a", &["--seed", "5"], "1");
    let b = run_into(dir.path(), "b", &["--seed", "5"], "2");
    let c = run_into(dir.path(), "c", &["--seed", "5"], "4");
    assert_eq!(
        a.len(),
        27,
        "{:?}",
        a.iter().map(|x| &x.0).collect::<Vec<_>>()
    );
    // run.json names the output-independent scenario file, so it is identical too.
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn run_json_reproduces_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let first = run_into(dir.path(), "first", &["--seed", "9"], "2");
    let o = meshsim(
        dir.path(),
        &["run", "first/run.json", "--out", "second", "--quiet"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let pick =
        |files: &[(String, Vec<u8>)], n: &str| files.iter().find(|f| f.0 == n).unwrap().1.clone();
    let second: Vec<(String, Vec<u8>)> = files_under(&dir.path().join("second"))
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    for t in [
        "summary.csv",
        "pools.csv",
        "components.csv",
        "pending.csv",
        "latency.csv",
    ] {
        assert_eq!(pick(&first, t), pick(&second, t), "{t}");
    }
}

#[test]
fn latency_outputs_are_identical_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("agent-chain-20-calls");
    let run = |out: &str, threads: &str| {
        let o = assert_cmd::Command::cargo_bin("meshsim")
            .unwrap()
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "run",
                f.to_str().unwrap(),
                "--out",
                out,
                "--quiet",
                "--replications",
                "3",
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
        [
            "summary.csv",
            "latency.csv",
            "proxies.csv",
            "latency.parquet",
        ]
        .map(|t| std::fs::read(dir.path().join(out).join(t)).unwrap())
    };
    assert_eq!(run("one", "1"), run("two", "2"));
}

/// Adding a mode to the comparison leaves every other mode's results unchanged: each mode is
/// its own simulation on its own streams, with the same replication seeds.
#[test]
fn adding_a_mode_leaves_the_others_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("agent-chain-20-calls");
    let run = |out: &str, modes: &str| {
        let o = meshsim(
            dir.path(),
            &[
                "run",
                f.to_str().unwrap(),
                "--out",
                out,
                "--quiet",
                "--modes",
                modes,
                "--replications",
                "2",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
        let rows = |t: &str| -> Vec<String> {
            std::fs::read_to_string(dir.path().join(out).join(t))
                .unwrap()
                .lines()
                .filter(|l| l.contains(",ambient,"))
                .map(String::from)
                .collect()
        };
        (
            rows("latency.csv"),
            rows("stations.csv"),
            rows("proxies.csv"),
        )
    };
    let (lat_a, st_a, px_a) = run("a", "none,ambient");
    let (lat_b, st_b, px_b) = run("b", "none,sidecar,ambient,ambient-waypoint");
    // latency.csv fills its vs-current columns only when the current mode (sidecar) is
    // compared; compare everything else.
    let header = std::fs::read_to_string(dir.path().join("a/latency.csv")).unwrap();
    let keep: Vec<bool> = header
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(|h| !h.starts_with("vs_current"))
        .collect();
    assert_eq!(keep.iter().filter(|k| !**k).count(), 3);
    let strip = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|l| {
                l.split(',')
                    .zip(&keep)
                    .filter(|(_, k)| **k)
                    .map(|(c, _)| c)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect()
    };
    assert!(!lat_a.is_empty());
    assert_eq!(strip(&lat_a), strip(&lat_b));
    assert_eq!(st_a, st_b);
    assert_eq!(px_a, px_b);
}

/// A day (`[autoscaling]`): every file identical on 1 and 2 threads (the modes' days run in
/// parallel), and its run.json reproduces the timeline and the costs.
#[test]
fn a_day_is_identical_on_any_thread_count_and_reproduces_from_run_json() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("diurnal-gpu-inference");
    let run = |out: &str, threads: &str, file: &str| {
        let o = assert_cmd::Command::cargo_bin("meshsim")
            .unwrap()
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .args(["run", file, "--out", out, "--quiet", "--no-plots"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
        let read = |n: &str| std::fs::read(dir.path().join(out).join(n)).unwrap();
        (
            read("timeline.csv"),
            read("autoscaling.csv"),
            read("run.json"),
        )
    };
    let a = run("a", "1", f.to_str().unwrap());
    let b = run("b", "2", f.to_str().unwrap());
    assert_eq!(a, b);
    assert!(
        a.0.len() > 100_000,
        "a timeline of 288 samples × 4 modes × 2 pools"
    );
    let c = run("c", "2", "a/run.json");
    assert_eq!((&a.0, &a.1), (&c.0, &c.1));
}
