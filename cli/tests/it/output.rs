//! The output directory: replaced whole, never mixed, never someone else's.

use std::path::Path;

use crate::{files_under, meshsim, scenario, text};

fn names(dir: &Path) -> Vec<String> {
    files_under(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect()
}

fn run(cwd: &Path, extra: &[&str]) -> std::process::Output {
    let s = scenario("sidecar-tax-500-pods").display().to_string();
    let mut args = vec!["run", s.as_str(), "--out", "out", "--quiet"];
    args.extend_from_slice(extra);
    meshsim(cwd, &args)
}

#[test]
fn a_rerun_without_plots_leaves_no_old_charts() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let first = names(&dir.path().join("out"));
    assert!(first.iter().any(|n| n.ends_with(".png")), "{first:?}");
    let o = run(dir.path(), &["--no-plots"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let second = names(&dir.path().join("out"));
    assert!(
        !second
            .iter()
            .any(|n| n.ends_with(".png") || n.ends_with(".svg")),
        "{second:?}"
    );
    assert_eq!(
        first.len(),
        second.len()
            + first
                .iter()
                .filter(|n| n.ends_with(".png") || n.ends_with(".svg"))
                .count(),
        "only the charts are gone: {first:?} → {second:?}"
    );
    // Nothing is left beside the output directory either.
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    assert_eq!(beside, ["out"]);
}

#[test]
fn a_directory_of_other_files_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/notes.txt"), "mine").unwrap();
    let o = run(dir.path(), &[]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("output directory out"), "{err}");
    assert!(err.contains("holds files meshsim did not write"), "{err}");
    assert_eq!(names(&dir.path().join("out")), ["notes.txt"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn the_current_directory_is_never_an_output_directory() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario("sidecar-tax-500-pods").display().to_string();
    for out in [".", ".."] {
        let o = meshsim(dir.path(), &["run", &s, "--out", out, "--quiet"]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("not `.`"), "{err}");
    }
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn a_failed_run_leaves_the_previous_results_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["--no-plots"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let before: Vec<Vec<u8>> = files_under(&dir.path().join("out"))
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    std::fs::write(dir.path().join("bad.toml"), "[scenario]\nname = 3\n").unwrap();
    let o = meshsim(dir.path(), &["run", "bad.toml", "--out", "out"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    let after: Vec<Vec<u8>> = files_under(&dir.path().join("out"))
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn staging_left_by_a_killed_run_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    // Above Linux's largest pid (2^22), so no process has it.
    let stale = dir.path().join(".out.meshsim-staging-4194999");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("summary.csv"), "torn").unwrap();
    // A staging directory of a live process (this test) is left alone.
    let live = dir
        .path()
        .join(format!(".out.meshsim-staging-{}", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    let o = run(dir.path(), &["--no-plots"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(!stale.exists());
    assert!(live.exists());
}
