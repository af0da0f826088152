//! Sharded sweeps: N shards merged give the bytes of one unsharded run (for several N, one
//! larger than the point count), a shard run again writes the same bytes, the local runner
//! drives shards through JOB_COMPLETION_INDEX as an Indexed Job does, merge refuses incomplete,
//! duplicated or foreign shards with their names, and the emitted manifests read back as the
//! Kubernetes objects a Job needs.

use std::path::Path;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod};

use crate::{files_under, meshsim, root, text};

/// A six-point sweep (grid 3 × 2) over a copy of the shipped GPU scenario, in `dir`.
fn small_sweep(dir: &Path, name: &str) {
    std::fs::copy(
        root().join("scenarios/gpu-inference-memory-bound.toml"),
        dir.join("base.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{name}.toml")),
        format!(
            r#"[sweep]
name = "{name}"
scenario = "base.toml"
strategy = "grid"
modes = ["sidecar", "ambient"]
nodes_required = false

[[parameters]]
path = "pools.cpu.count"
values = [2, 4, 6]

[[parameters]]
path = "mesh.sidecar.request.memory"
values = ["64Mi", "256Mi"]
"#
        ),
    )
    .unwrap();
}

fn ok(dir: &Path, args: &[&str]) {
    let o = meshsim(dir, args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o).1);
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn merged_shards_are_the_unsharded_run_byte_for_byte() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    small_sweep(dir, "s");
    ok(dir, &["sweep", "s.toml", "--out", "whole", "-q"]);
    let whole = tree(&dir.join("whole"));
    assert!(whole.iter().any(|f| f.0 == "sweep.csv"));
    for n in [1u64, 2, 4, 9] {
        let out = format!("shards-{n}");
        for k in 0..n {
            ok(
                dir,
                &[
                    "sweep",
                    "s.toml",
                    "--shard",
                    &format!("{k}/{n}"),
                    "--out",
                    &out,
                    "-q",
                ],
            );
        }
        // Shard K of N holds points K, K + N, …: with 9 shards of 6 points, three are empty.
        let holds = |k: u64| {
            std::fs::read_to_string(
                dir.join(&out)
                    .join(format!("shard-{k}-of-{n}/points.jsonl")),
            )
            .unwrap()
            .lines()
            .count() as u64
        };
        assert_eq!((0..n).map(holds).sum::<u64>(), 6);
        let merged = format!("merged-{n}");
        ok(dir, &["sweep", "merge", &out, "--out", &merged, "-q"]);
        assert!(
            tree(&dir.join(&merged)) == whole,
            "{n} shards merged differ from the unsharded run"
        );
    }
    // A shard run again (a retried pod) writes the same bytes.
    let before = tree(&dir.join("shards-4/shard-1-of-4"));
    ok(
        dir,
        &[
            "sweep",
            "s.toml",
            "--shard",
            "1/4",
            "--out",
            "shards-4",
            "-q",
            "--threads",
            "1",
        ],
    );
    assert!(tree(&dir.join("shards-4/shard-1-of-4")) == before);
}

#[test]
fn the_local_runner_drives_shards_through_job_completion_index() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    small_sweep(dir, "s");
    ok(dir, &["sweep", "s.toml", "--out", "whole", "-q"]);
    let o = std::process::Command::new("bash")
        .arg(root().join("cli/local-job.sh"))
        .args(["s.toml", "3", "local", "2"])
        .env("MESHSIM", assert_cmd::cargo::cargo_bin("meshsim"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(tree(&dir.join("local/merged")) == tree(&dir.join("whole")));
    for k in 0..3 {
        assert!(
            dir.join(format!("local/shards/shard-{k}-of-3/shard.json"))
                .is_file()
        );
    }
    // Without the variable, --shards says what is missing.
    let o = meshsim(dir, &["sweep", "s.toml", "--shards", "3", "--out", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("JOB_COMPLETION_INDEX is not set"),
        "{}",
        text(&o).1
    );
}

fn merge_fails(dir: &Path, args: &[&str], expect: &[&str]) {
    let mut a = vec!["sweep", "merge"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--out", "bad-merge"]);
    let o = meshsim(dir, &a);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in:\n{err}");
    }
    assert!(files_under(&dir.join("bad-merge")).is_empty());
}

#[test]
fn merge_names_missing_duplicated_and_foreign_shards() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    small_sweep(dir, "s");
    for k in 0..3 {
        ok(
            dir,
            &[
                "sweep",
                "s.toml",
                "--shard",
                &format!("{k}/3"),
                "--out",
                "sh",
                "-q",
            ],
        );
    }
    // Shard 1 of 3 missing: points 1 and 4.
    merge_fails(
        dir,
        &["sh/shard-0-of-3", "sh/shard-2-of-3"],
        &["2 point(s) are in no shard: 1, 4"],
    );
    // The same shard twice, under two names.
    std::fs::create_dir(dir.join("copy")).unwrap();
    for f in ["shard.json", "points.jsonl", ".meshsim-output"] {
        std::fs::copy(
            dir.join("sh/shard-2-of-3").join(f),
            dir.join("copy").join(f),
        )
        .unwrap();
    }
    merge_fails(
        dir,
        &["sh", "copy"],
        &[
            "2 point(s) are in more than one shard: 2 (in",
            "copy",
            "sh/shard-2-of-3",
        ],
    );
    // A shard of another sweep (another base scenario): different fingerprints.
    std::fs::create_dir(dir.join("other")).unwrap();
    small_sweep(&dir.join("other"), "s");
    let base = dir.join("other/base.toml");
    let text_base = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        text_base.replace("price_per_hour = 0.77", "price_per_hour = 0.78"),
    )
    .unwrap();
    ok(
        &dir.join("other"),
        &["sweep", "s.toml", "--shard", "1/3", "--out", "sh", "-q"],
    );
    merge_fails(
        dir,
        &[
            "sh/shard-0-of-3",
            "other/sh/shard-1-of-3",
            "sh/shard-2-of-3",
        ],
        &["come from different sweeps"],
    );
    // Shards of different cuts.
    ok(
        dir,
        &["sweep", "s.toml", "--shard", "1/2", "--out", "sh2", "-q"],
    );
    merge_fails(
        dir,
        &["sh/shard-0-of-3", "sh2/shard-1-of-2"],
        &["merge the shards of one run"],
    );
    // Not a shard, and a torn points file.
    merge_fails(dir, &["other"], &["no shard result here"]);
    let torn = dir.join("sh/shard-0-of-3/points.jsonl");
    let t = std::fs::read_to_string(&torn).unwrap();
    std::fs::write(&torn, &t[..t.len() / 2]).unwrap();
    merge_fails(dir, &["sh"], &["points.jsonl:", "not a point's rows"]);
    // A hostile line is not read past its bound.
    std::fs::write(&torn, vec![b'x'; (16 << 20) + 10]).unwrap();
    merge_fails(
        dir,
        &["sh"],
        &["points.jsonl:1: a line longer than 16777216 bytes"],
    );
    // Bad shard specifications.
    for (args, e) in [
        (vec!["--shard", "3/3"], "not below the shard count"),
        (vec!["--shard", "x"], "is not K/N"),
        (vec!["--shards", "0"], "is not a shard count"),
    ] {
        let mut a = vec!["sweep", "s.toml", "--out", "y"];
        a.extend(args);
        let o = meshsim(dir, &a);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o).1.contains(e), "{e}: {}", text(&o).1);
    }
}

#[test]
fn emitted_manifests_read_back_as_the_objects_an_indexed_job_needs() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    small_sweep(dir, "gpu_sweep");
    ok(
        dir,
        &[
            "sweep",
            "gpu_sweep.toml",
            "--emit-job",
            "job",
            "--shards",
            "4",
            "--image",
            "registry.example.com/meshsim:1",
            "--storage-class",
            "nfs",
            "-q",
        ],
    );
    let read = |f: &str| std::fs::read_to_string(dir.join("job").join(f)).unwrap();
    let job: Job = serde_json::from_str(&read("3-job.json")).unwrap();
    assert_eq!(job.metadata.name.as_deref(), Some("meshsim-gpu-sweep"));
    let spec = job.spec.unwrap();
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
    assert_eq!((spec.completions, spec.parallelism), (Some(4), Some(4)));
    assert_eq!(spec.backoff_limit_per_index, Some(3));
    let pod = spec.template.spec.unwrap();
    assert_eq!(
        pod.restart_policy.as_deref(),
        Some("Never"),
        "backoffLimitPerIndex needs Never"
    );
    let c = &pod.containers[0];
    assert_eq!(c.image.as_deref(), Some("registry.example.com/meshsim:1"));
    assert_eq!(
        c.args.clone().unwrap(),
        [
            "sweep",
            "/config/gpu_sweep.toml",
            "--shards",
            "4",
            "--out",
            "/results",
            "--threads",
            "1",
            "--quiet"
        ]
    );
    let req = c.resources.clone().unwrap().requests.unwrap();
    assert_eq!(req["cpu"].0, "1");
    // 30 nodes + 1,000 pods: 256 + 16 MiB → 320Mi.
    assert_eq!(req["memory"].0, "320Mi");
    let vols = pod.volumes.unwrap();
    let cmv = vols.iter().find_map(|v| v.config_map.clone()).unwrap();
    assert_eq!(cmv.name, "meshsim-gpu-sweep-inputs");
    let paths: Vec<String> = cmv.items.unwrap().iter().map(|i| i.path.clone()).collect();
    assert_eq!(paths, ["base.toml", "gpu_sweep.toml"]);
    let pvc_name = vols
        .iter()
        .find_map(|v| v.persistent_volume_claim.clone())
        .unwrap()
        .claim_name;
    let cm: ConfigMap = serde_json::from_str(&read("1-configmap.json")).unwrap();
    let data = cm.data.unwrap();
    // The ConfigMap holds the inputs' exact bytes: the pods compute the same fingerprint.
    assert_eq!(
        data["input-0"],
        std::fs::read_to_string(dir.join("base.toml")).unwrap()
    );
    assert_eq!(
        data["input-1"],
        std::fs::read_to_string(dir.join("gpu_sweep.toml")).unwrap()
    );
    let pvc: PersistentVolumeClaim = serde_json::from_str(&read("2-results-volume.json")).unwrap();
    assert_eq!(pvc.metadata.name.unwrap(), pvc_name);
    let ps = pvc.spec.unwrap();
    assert_eq!(ps.access_modes.unwrap(), ["ReadWriteMany"]);
    assert_eq!(ps.storage_class_name.as_deref(), Some("nfs"));
    let merge: Job = serde_json::from_str(&read("merge-job.json")).unwrap();
    let margs = merge.spec.unwrap().template.spec.unwrap().containers[0]
        .args
        .clone()
        .unwrap();
    assert_eq!(
        margs,
        [
            "sweep",
            "merge",
            "/results",
            "--out",
            "/results/merged",
            "--quiet"
        ]
    );
    let collect: Pod = serde_json::from_str(&read("collect-pod.json")).unwrap();
    assert_eq!(
        collect.metadata.name.as_deref(),
        Some("meshsim-gpu-sweep-collect")
    );
    // apiVersion and kind are written, as kubectl needs them.
    assert!(read("3-job.json").contains("\"apiVersion\": \"batch/v1\""));
    assert!(read("3-job.json").contains("\"kind\": \"Job\""));
    // Without --shards, or with an input outside the sweep's directory: exit 2, nothing written.
    let o = meshsim(dir, &["sweep", "gpu_sweep.toml", "--emit-job", "job2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("needs --shards"));
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("sub/s.toml"),
        std::fs::read_to_string(dir.join("gpu_sweep.toml"))
            .unwrap()
            .replace("scenario = \"base.toml\"", "scenario = \"../base.toml\""),
    )
    .unwrap();
    let o = meshsim(
        dir,
        &["sweep", "sub/s.toml", "--emit-job", "job3", "--shards", "2"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    assert!(
        text(&o).1.contains("not under the sweep file's directory"),
        "{}",
        text(&o).1
    );
    assert!(files_under(&dir.join("job3")).is_empty());
}
