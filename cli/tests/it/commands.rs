//! The smaller commands: --version, --help, init, validate, presets, completions, man.

use crate::{meshsim, scenario, text};

#[test]
fn version_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let o = meshsim(dir.path(), &["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        text(&o).0.trim(),
        format!("meshsim {}", env!("CARGO_PKG_VERSION"))
    );
    let o = meshsim(dir.path(), &["--help"]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    for s in [
        "run",
        "validate",
        "init",
        "presets",
        "completions",
        "man",
        "Examples:",
    ] {
        assert!(out.contains(s), "{s} missing from --help:\n{out}");
    }
    let o = meshsim(dir.path(), &["run", "--help"]);
    let (out, _) = text(&o);
    for s in [
        "--out",
        "--seed",
        "--replications",
        "--modes",
        "--quiet",
        "Example",
    ] {
        assert!(out.contains(s), "{s} missing from run --help:\n{out}");
    }
}

#[test]
fn init_templates_validate_and_run() {
    let dir = tempfile::tempdir().unwrap();
    for t in ["gpu-inference", "mixed-fleet", "agent-chain"] {
        let f = format!("{t}.toml");
        let o = meshsim(dir.path(), &["init", "--template", t, &f]);
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
        let o = meshsim(dir.path(), &["validate", &f]);
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
        let o = meshsim(dir.path(), &["run", &f, "--out", t, "--quiet"]);
        assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    }
    // It never overwrites by accident.
    let o = meshsim(dir.path(), &["init", "gpu-inference.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("already exists"));
    let o = meshsim(dir.path(), &["init", "--force", "gpu-inference.toml"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("half-migrated");
    let o = meshsim(dir.path(), &["validate", f.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        out.contains("ok:") && out.contains("scenario `half-migrated`"),
        "{out}"
    );
}

#[test]
fn presets_list_and_show_with_sources() {
    let dir = tempfile::tempdir().unwrap();
    let o = meshsim(dir.path(), &["presets"]);
    assert!(text(&o).0.contains("istio-1.24"));
    let o = meshsim(dir.path(), &["presets", "istio-1.24"]);
    let (out, _) = text(&o);
    assert!(out.contains("[mesh.sidecar]"), "{out}");
    assert!(
        out.contains("Performance and Scalability") || out.contains("performance page"),
        "{out}"
    );
    let o = meshsim(dir.path(), &["presets", "istio-1.2"]);
    assert_eq!(o.status.code(), Some(2));
    // A preset file: its figures over its base's, and where they come from.
    let f = crate::root().join("scenarios/presets/istio-1.22.0-eks.toml");
    let o = meshsim(dir.path(), &["presets", f.to_str().unwrap()]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("base_memory = \"41131903\""), "{out}");
    assert!(out.contains("memory_per_local_pod = \"2012279\""), "{out}");
    assert!(
        out.contains("[mesh.ztunnel.request]\ncpu = \"500m\"\nmemory = \"2Gi\""),
        "istio-1.22.0's ztunnel request: {out}"
    );
    assert!(
        out.contains(
            "preset istio-1.22.0 with sidecar memory (base_memory) fitted on istio-1.22-eks-memory"
        ),
        "{out}"
    );
    let o = meshsim(dir.path(), &["presets", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("the preset file cannot be read"));
}

#[test]
fn completions_and_man_page() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let o = meshsim(dir.path(), &["completions", shell]);
        assert_eq!(o.status.code(), Some(0));
        assert!(text(&o).0.contains("meshsim"), "{shell}");
    }
    let o = meshsim(dir.path(), &["man"]);
    let (out, _) = text(&o);
    assert!(
        out.starts_with(".ie") || out.contains(".TH meshsim"),
        "{}",
        &out[..200.min(out.len())]
    );
}

#[test]
fn progress_bar_is_hidden_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("gpu-inference-gpu-bound");
    let o = meshsim(dir.path(), &["run", f.to_str().unwrap(), "--out", "o"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        err.is_empty(),
        "stderr is not a terminal here, so no progress output: {err:?}"
    );
}

#[test]
fn charts_are_real_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("istio-benchmark");
    let o = meshsim(
        dir.path(),
        &[
            "run",
            f.to_str().unwrap(),
            "--out",
            "o",
            "--quiet",
            "--replications",
            "2",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    for stem in ["memory-by-component", "added-latency-per-hop"] {
        let svg = std::fs::read_to_string(dir.path().join(format!("o/{stem}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{stem}");
        assert!(
            svg.contains("ambient-waypoint"),
            "{stem}: category labels drawn"
        );
        let png = std::fs::read(dir.path().join(format!("o/{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}");
        assert!(
            png.len() > 5_000,
            "{stem}: a drawn chart, not an empty image"
        );
    }
    // No inference workload: no replicas chart.
    assert!(!dir.path().join("o/inference-replicas.png").exists());
    let o = meshsim(
        dir.path(),
        &[
            "run",
            f.to_str().unwrap(),
            "--out",
            "n",
            "--quiet",
            "--no-plots",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(!dir.path().join("n/memory-by-component.svg").exists());
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    // `meshsim completions bash | head -1`: the reader closes the pipe, here before meshsim
    // writes at all, so its writes fail with EPIPE.
    use std::process::{Command, Stdio};
    for args in [&["completions", "bash"][..], &["man"][..]] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("meshsim"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}
