//! `meshsim audit` end to end: the shipped example dump set, the emitted scenario through
//! `validate` and `run`, secrets that must not leak, `--redact`, and bad inputs.

use std::path::Path;

use crate::{meshsim, root, text};

const SECRET: &str = "hunter2-5ecret-t0ken-do-not-copy";

fn example(f: &str) -> String {
    root()
        .join("scenarios/audit-example")
        .join(f)
        .display()
        .to_string()
}

fn all_text(dir: &Path) -> String {
    let mut s = String::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let b = std::fs::read(e.path()).unwrap();
        s.push_str(&String::from_utf8_lossy(&b));
    }
    s
}

#[test]
fn the_example_is_audited_emitted_validated_and_run_without_leaking_a_secret() {
    let d = tempfile::tempdir().unwrap();
    let (c, t, i) = (
        example("cluster.json"),
        example("top.txt"),
        example("istio.json"),
    );
    let o = meshsim(
        d.path(),
        &[
            "audit",
            &c,
            &t,
            &i,
            "--out",
            "aud",
            "--emit-scenario",
            "cluster.toml",
            "--name",
            "example",
        ],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        out.contains("sidecar memory tax: 3.1 GiB requested, 1.9 GiB used (P50), across 25 sidecars (22 native); 1.2 GiB of it on GPU nodes"),
        "{out}"
    );
    assert!(
        out.contains("need a waypoint: payments (jwt, l7-authorization); shop (http-routing)"),
        "{out}"
    );
    for f in [
        "audit",
        "audit-pools",
        "audit-namespaces",
        "audit-workloads",
        "audit-l7",
    ] {
        assert!(d.path().join(format!("aud/{f}.csv")).is_file(), "{f}.csv");
        assert!(
            d.path().join(format!("aud/{f}.parquet")).is_file(),
            "{f}.parquet"
        );
    }
    // The planted env value and annotation, and the Secret's data, are in no output.
    let everything = all_text(&d.path().join("aud"))
        + &std::fs::read_to_string(d.path().join("cluster.toml")).unwrap();
    assert!(!everything.contains(SECRET), "a secret reached an output");
    assert!(!everything.contains("DB_PASSWORD") && !everything.contains("vault.hashicorp.com"));
    // The emitted scenario validates and runs; its current mode is the cluster as audited.
    let v = meshsim(d.path(), &["validate", "cluster.toml"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v).1);
    let r = meshsim(
        d.path(),
        &["run", "cluster.toml", "--out", "run", "--no-plots", "-q"],
    );
    assert_eq!(r.status.code(), Some(0), "{}", text(&r).1);
    let comps = std::fs::read_to_string(d.path().join("run/components.csv")).unwrap();
    // mixed mode: 25 sidecars at 100m/128Mi = 3.125 GiB requested.
    let line = comps
        .lines()
        .find(|l| l.contains(",mixed,") && l.contains(",sidecar,"))
        .unwrap_or_else(|| panic!("{comps}"));
    assert!(line.contains(",25,3.125,"), "{line}");
}

#[test]
fn redact_hashes_names_everywhere() {
    let d = tempfile::tempdir().unwrap();
    let (c, t, i) = (
        example("cluster.json"),
        example("top.txt"),
        example("istio.json"),
    );
    let args = [
        "audit",
        &c,
        &t,
        &i,
        "--out",
        "aud",
        "--emit-scenario",
        "s.toml",
        "--redact",
        "--redact-salt",
        "x",
        "-q",
    ];
    let o = meshsim(d.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let everything = all_text(&d.path().join("aud"))
        + &std::fs::read_to_string(d.path().join("s.toml")).unwrap();
    for name in ["payments", "llm-server", "\"shop\"", "embedder"] {
        assert!(!everything.contains(name), "`{name}` survived --redact");
    }
    assert!(everything.contains("ns-"));
    // Stable: the same salt gives the same bytes.
    let d2 = tempfile::tempdir().unwrap();
    let o = meshsim(d2.path(), &args);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        std::fs::read(d.path().join("aud/audit.csv")).unwrap(),
        std::fs::read(d2.path().join("aud/audit.csv")).unwrap()
    );
    let v = meshsim(d.path(), &["validate", "s.toml"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v).1);
}

#[test]
fn bad_inputs_are_located_exit_2_and_write_nothing() {
    let d = tempfile::tempdir().unwrap();
    let node = r#"{"kind":"Node","apiVersion":"v1","metadata":{"name":"n1"},"status":{"allocatable":{"cpu":"4","memory":"16Gi","pods":"110"}}}"#;
    let pod = |node: &str, cpu: &str| {
        format!(
            r#"{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"p","namespace":"a"}},"spec":{{"nodeName":"{node}","containers":[{{"name":"c","resources":{{"requests":{{"cpu":"{cpu}"}}}}}}]}}}}"#
        )
    };
    let list = |items: &[String]| {
        format!(
            r#"{{"apiVersion":"v1","items":[{}],"kind":"List"}}"#,
            items.join(",")
        )
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "not-json.json",
            "{ this is not json".into(),
            "not valid JSON",
        ),
        (
            "truncated.json",
            list(&[node.into()])[..60].to_string(),
            "not valid JSON",
        ),
        (
            "missing-node.json",
            list(&[node.into(), pod("n2", "1")]),
            "a/p: `spec.nodeName`: bound to node `n2`",
        ),
        (
            "bad-quantity.json",
            list(&[node.into(), pod("n1", "lots")]),
            "a/p: `spec.containers[0].resources.requests.cpu`",
        ),
        (
            "empty-cluster.json",
            list(&[node.into()]),
            "the inputs hold no pods",
        ),
        (
            "top-header.txt",
            "NAMESPACE POD NAME CPU MEM\na b c 1m 1Mi\n".into(),
            "line 1: `CPU`: unknown column",
        ),
        ("empty.json", "".into(), "is empty"),
    ];
    for (name, body, want) in &cases {
        std::fs::write(d.path().join(name), body).unwrap();
        let o = meshsim(
            d.path(),
            &["audit", name, "--out", "out", "--emit-scenario", "s.toml"],
        );
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name), "{name}: the file is named in {err}");
        assert!(err.contains(want), "{name}: want {want:?} in {err}");
        assert!(
            !d.path().join("out").exists() && !d.path().join("s.toml").exists(),
            "{name}: nothing written"
        );
    }
    // A kind it does not read is skipped with a count, not an error.
    std::fs::write(
        d.path().join("mixed.json"),
        list(&[
            node.into(),
            pod("n1", "1"),
            r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}"#.into(),
        ]),
    )
    .unwrap();
    let o = meshsim(d.path(), &["audit", "mixed.json", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert!(text(&o).0.contains("skipped 1 item(s)"));
}
