//! The fuzzer's regression corpus, replayed, and a short fuzzing run (CI runs a long one:
//! `.ci/run`, `meshsim-fuzz --inputs 100000`).

use std::path::Path;

use meshsim_tests::fuzz::{self, Kind};
use meshsim_tests::root;

/// What each regression input must give now.
const EXPECT: &[(&str, Option<&str>)] = &[
    ("mmpp-zero-rates.toml", Some("its rate would change about")),
    ("schedule-1ns.toml", Some("its rate would change about")),
    (
        "lognormal-centuries.toml",
        Some("beyond meshsim's limit of 3600 s"),
    ),
    ("dotdot-name.toml", Some("scenario.name")),
    ("tiny-cpu.toml", None),
    ("zero-span.csv", Some("all 3 timestamps are equal")),
    ("year-past-the-calendar.csv", Some("line 3")),
    // An owner name with a newline once broke the emitted scenario's comment.
    ("dump-newline-in-owner.json", None),
    // A namespace with a newline was once written as a multi-line TOML key.
    ("dump-newline-in-namespace.json", None),
    // A toleration without key and operator `Equal` (which Kubernetes refuses) was once written
    // into an emitted scenario that does not validate.
    (
        "dump-keyless-equal-toleration.json",
        Some("a toleration without a key must use operator `Exists`"),
    ),
    // A plan's derived total effort past the sprint limit once rendered a `sprints` that did
    // not parse back.
    (
        "plan-total-effort-past-limit.toml",
        Some("the plan's total effort, 1000004.5 sprints"),
    ),
];

fn kind_of(name: &str) -> Kind {
    if name.starts_with("dump-") {
        Kind::Dump
    } else if name.starts_with("top-") {
        Kind::Top
    } else if name.starts_with("measurements-") {
        Kind::Measurements
    } else if name.starts_with("pods-") {
        Kind::PodTable
    } else if name.starts_with("nodes-") {
        Kind::NodeTable
    } else if name.starts_with("replay-") {
        Kind::Replay
    } else if name.ends_with(".csv") {
        Kind::Trace
    } else if name.starts_with("sweep-") {
        Kind::Sweep
    } else {
        Kind::Scenario
    }
}

/// What the libraries answer (the error text, or `None` when the input is valid).
fn answer(kind: Kind, name: &str, bytes: &[u8], dir: &Path) -> Option<String> {
    match kind {
        Kind::Scenario => {
            meshsim_scenarios::parse_in(name, std::str::from_utf8(bytes).unwrap(), Some(dir))
                .err()
                .map(|d| d.to_string())
        }
        Kind::Trace => {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            meshsim_scenarios::trace::load_trace(&p, "TIMESTAMP")
                .err()
                .map(|e| e.to_string())
        }
        Kind::Sweep => {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            meshsim_scenarios::sweep::load(&p)
                .err()
                .map(|d| d.to_string())
        }
        Kind::Replay => meshsim_scenarios::replay::parse_in(
            name,
            std::str::from_utf8(bytes).unwrap(),
            Some(dir),
        )
        .err()
        .map(|d| d.to_string()),
        Kind::PodTable | Kind::NodeTable => {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            let r = if kind == Kind::PodTable {
                meshsim_scenarios::openb::load_pods(&p).map(|_| ())
            } else {
                meshsim_scenarios::openb::load_nodes(&p).map(|_| ())
            };
            r.err().map(|e| e.to_string())
        }
        Kind::Measurements => {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            meshsim_scenarios::measurements::load(&p, None, None)
                .err()
                .map(|d| d.to_string())
        }
        Kind::Dump | Kind::Top => {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            meshsim_scenarios::kube::load(&[meshsim_scenarios::kube::InputSpec {
                path: p,
                role: meshsim_scenarios::kube::Role::Auto,
            }])
            .err()
            .map(|e| e.to_string())
        }
    }
}

#[test]
fn every_input_that_once_failed_now_passes() {
    let dir = root().join("tests/fuzz/regressions");
    let scratch = fuzz::scratch();
    let base = scratch.path().join("scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n != "README.md")
        .collect();
    names.sort();
    let listed: Vec<&str> = EXPECT.iter().map(|e| e.0).collect();
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    assert_eq!(
        names, sorted,
        "every regression input has an expectation here"
    );
    for (name, expect) in EXPECT {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let kind = kind_of(name);
        if let Err(f) = fuzz::check(kind, name, &bytes, &base) {
            panic!("{name}: {}", f.what);
        }
        let got = answer(kind, name, &bytes, &base);
        match (expect, &got) {
            (None, None) => {}
            (Some(e), Some(g)) => assert!(g.contains(e), "{name}: expected {e:?} in {g}"),
            _ => panic!("{name}: expected {expect:?}, got {got:?}"),
        }
    }
}

#[test]
fn a_short_fuzzing_run_finds_nothing() {
    let r = fuzz::run(20_261_201, 1_500, |_| {});
    assert_eq!(r.inputs, 1_500);
    // The mutations reach past the parser: a fair share of inputs is valid, and some run.
    let [refused, valid, ran] = r.outcomes;
    assert_eq!(refused + valid + ran + r.findings.len() as u64, 1_500);
    assert!(valid + ran > 250, "only {} valid of 1,500", valid + ran);
    assert!(ran > 100, "only {ran} run of 1,500");
    let found: Vec<String> = r
        .findings
        .iter()
        .map(|(i, k, f, _)| format!("input {i} ({k:?}): {}", f.what))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn mutated_inputs_differ_from_their_seeds_and_reproduce() {
    let seeds = fuzz::seeds();
    assert!(seeds.len() >= 10, "{} seeds", seeds.len());
    assert!(seeds.iter().any(|s| s.kind == Kind::Sweep));
    assert!(seeds.iter().any(|s| s.kind == Kind::Trace));
    for k in [Kind::Replay, Kind::PodTable, Kind::NodeTable] {
        assert!(seeds.iter().any(|s| s.kind == k), "{k:?}");
    }
    let originals: Vec<&[u8]> = seeds.iter().map(|s| s.bytes.as_slice()).collect();
    let changed = (0..200)
        .filter(|&i| !originals.contains(&fuzz::input(&seeds, 3, i).2.as_slice()))
        .count();
    assert!(changed >= 190, "only {changed} of 200 inputs were mutated");
    assert_eq!(fuzz::input(&seeds, 3, 17).2, fuzz::input(&seeds, 3, 17).2);
    assert_ne!(fuzz::input(&seeds, 3, 17).2, fuzz::input(&seeds, 4, 17).2);
}
