//! `meshsim plan`: bad plan inputs answered with located errors and exit 2, outputs that do not
//! depend on the thread count, a plan from a `run.json`, and golden outputs of the shipped plan.

use std::path::Path;

use crate::{files_under, meshsim, root, scenario, text};

/// A small plan: two namespaces on sidecars, one with a waypoint.
const BASE: &str = r#"[scenario]
name = "p"
modes = ["sidecar", "ambient"]

[mesh]
waypoint_namespaces = ["shop"]

[[pools]]
name = "cpu"
count = 4
cpu = "16"
memory = "64Gi"
price_per_hour = 0.8

[[workloads]]
name = "web"
namespace = "shop"
replicas = 12
requests = { cpu = "500m", memory = "1Gi" }

[[workloads]]
name = "api"
namespace = "api"
replicas = 8
requests = { cpu = "500m", memory = "1Gi" }

[migration]
cost_per_sprint = 20000
namespace_sprints = 1
l7_feature_sprints = 0.5
sprints_per_month = 2

[migration.namespaces.shop]
l7_features = ["retries"]
"#;

fn bad_plan(content: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), content).unwrap();
    let o = meshsim(dir.path(), &["plan", "bad.toml", "--out", "out"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "stdout:\n{out}\nstderr:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in:\n{err}");
    }
    let written = files_under(&dir.path().join("out"));
    assert!(written.is_empty(), "partial output: {written:?}");
}

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

#[test]
fn the_base_plan_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.toml"), BASE).unwrap();
    let o = meshsim(dir.path(), &["plan", "p.toml", "--out", "out", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    for t in [
        "plan",
        "waves",
        "timeline",
        "plan-namespaces",
        "plan-latency",
    ] {
        assert!(dir.path().join(format!("out/{t}.csv")).is_file(), "{t}.csv");
        assert!(
            dir.path().join(format!("out/{t}.parquet")).is_file(),
            "{t}.parquet"
        );
    }
    for c in ["plan-cumulative-net", "plan-memory-waterfall"] {
        for ext in ["svg", "png"] {
            let p = dir.path().join(format!("out/{c}.{ext}"));
            assert!(
                std::fs::metadata(&p).unwrap().len() > 1000,
                "{}",
                p.display()
            );
        }
    }
    let plan = std::fs::read_to_string(dir.path().join("out/plan.csv")).unwrap();
    // A row per strategy; no user order given, so no `user-order` row.
    let strategies: Vec<&str> = plan
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_eq!(
        strategies,
        [
            "recommended",
            "greedy-usd-per-sprint",
            "by-replicas",
            "big-bang"
        ]
    );
}

#[test]
fn bad_plan_inputs_are_located_and_exit_2() {
    // A namespace that does not exist, in the overrides and in the order (with a suggestion).
    bad_plan(
        &with(
            "[migration.namespaces.shop]",
            "[migration.namespaces.shopp]",
        ),
        &[
            "bad.toml:",
            "no workload runs in namespace `shopp`",
            "did you mean `shop`?",
        ],
    );
    bad_plan(
        &with(
            "sprints_per_month = 2",
            "sprints_per_month = 2\norder = [\"ap\"]",
        ),
        &[
            "bad.toml:32",
            "migration.order",
            "namespace `ap`",
            "did you mean `api`?",
        ],
    );
    // Negative effort, anywhere.
    bad_plan(
        &with("namespace_sprints = 1", "namespace_sprints = -1"),
        &[
            "bad.toml:29",
            "migration.namespace_sprints",
            "must be a number from 0",
        ],
    );
    bad_plan(
        &with(
            "l7_features = [\"retries\"]",
            "sprints = -2\nl7_features = [\"retries\"]",
        ),
        &[
            "migration.namespaces.shop.sprints",
            "must be a number from 0",
        ],
    );
    // Zero capacity.
    bad_plan(
        &with("sprints_per_month = 2", "sprints_per_month = 0"),
        &[
            "bad.toml:31",
            "migration.sprints_per_month",
            "must be more than 0",
        ],
    );
    bad_plan(
        &with("sprints_per_month = 2", "namespaces_per_wave = 0"),
        &["migration.namespaces_per_wave", "must be at least 1"],
    );
    // What a plan needs and the file does not give.
    bad_plan(
        &with("sprints_per_month = 2\n", ""),
        &["bad.toml:27", "gives no team capacity", "sprints_per_month"],
    );
    bad_plan(
        &with("namespace_sprints = 1\n", "sprints = 3\n"),
        &["bad.toml:27", "no `namespace_sprints`"],
    );
    bad_plan(
        &BASE[..BASE.find("[migration]").unwrap()],
        &["no [migration] section", "namespace_sprints"],
    );
    // L7 features where no waypoint keeps them; a namespace listed twice; nothing to move.
    bad_plan(
        &with(
            "waypoint_namespaces = [\"shop\"]",
            "waypoint_namespaces = []",
        ),
        &[
            "migration.namespaces.shop",
            "is not in mesh.waypoint_namespaces",
        ],
    );
    bad_plan(
        &with(
            "sprints_per_month = 2",
            "sprints_per_month = 2\norder = [\"api\", \"api\"]",
        ),
        &["listed twice"],
    );
    bad_plan(
        &with("[mesh]\n", "[mesh]\nexclude_namespaces = [\"api\"]\n").replace(
            "sprints_per_month = 2",
            "sprints_per_month = 2\norder = [\"api\"]",
        ),
        &[
            "namespace `api` has nothing to move",
            "namespaces that move: shop",
        ],
    );
    // Bad calendar month and discount rate.
    bad_plan(
        &with(
            "sprints_per_month = 2",
            "sprints_per_month = 2\nstart_month = \"2027-13\"",
        ),
        &["migration.start_month", "is not a month", "YYYY-MM"],
    );
    bad_plan(
        &with(
            "sprints_per_month = 2",
            "sprints_per_month = 2\ndiscount_rate = 1.5",
        ),
        &["migration.discount_rate", "from 0 to 1"],
    );
}

#[test]
fn run_still_works_without_the_plan_keys_and_validate_checks_them() {
    let dir = tempfile::tempdir().unwrap();
    let text_no_plan = with("sprints_per_month = 2\n", "");
    std::fs::write(dir.path().join("a.toml"), &text_no_plan).unwrap();
    let o = meshsim(dir.path(), &["validate", "a.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    std::fs::write(
        dir.path().join("b.toml"),
        with("namespace_sprints = 1", "namespace_sprints = -1"),
    )
    .unwrap();
    let o = meshsim(dir.path(), &["validate", "b.toml"]);
    assert_eq!(o.status.code(), Some(2));
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "parquet"))
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn outputs_do_not_depend_on_the_thread_count_and_a_run_json_replans() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("migration-plan");
    let f = f.to_str().unwrap();
    let run = |threads: &str, out: &str| {
        let o = assert_cmd::Command::cargo_bin("meshsim")
            .unwrap()
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .args(["plan", f, "--out", out, "-q", "--no-plots"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    };
    run("1", "one");
    run("2", "two");
    let (a, b) = (tree(&dir.path().join("one")), tree(&dir.path().join("two")));
    assert_eq!(a.len(), 10);
    assert!(a == b, "outputs differ between 1 and 2 threads");
    // `meshsim run` writes run.json; planning from it gives the same plan.
    let o = meshsim(dir.path(), &["run", f, "--out", "r", "-q", "--no-plots"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let o = meshsim(
        dir.path(),
        &["plan", "r/run.json", "--out", "three", "-q", "--no-plots"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let c = tree(&dir.path().join("three"));
    let csv =
        |t: &[(String, Vec<u8>)], name: &str| t.iter().find(|x| x.0 == name).unwrap().1.clone();
    for name in ["plan.csv", "waves.csv", "timeline.csv"] {
        assert_eq!(csv(&a, name), csv(&c, name), "{name} from run.json");
    }
}

/// The plan of the shipped example: its tables and summary, as insta snapshots in
/// `cli/tests/golden/migration-plan-plan/`.
#[test]
fn golden_migration_plan() {
    let dir = tempfile::tempdir().unwrap();
    let f = scenario("migration-plan");
    let o = meshsim(dir.path(), &["plan", f.to_str().unwrap(), "--out", "out"]);
    let (stdout, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let redact = |s: &str| {
        s.replace(&dir.path().display().to_string(), "[tmp]")
            .replace(env!("CARGO_PKG_VERSION"), "[version]")
    };
    let mut outputs: Vec<(String, String)> = [
        "plan.csv",
        "waves.csv",
        "timeline.csv",
        "plan-namespaces.csv",
        "plan-latency.csv",
    ]
    .iter()
    .map(|t| {
        (
            t.to_string(),
            std::fs::read_to_string(dir.path().join("out").join(t)).unwrap(),
        )
    })
    .collect();
    outputs.push(("stdout.txt".into(), redact(&stdout)));
    outputs.push(("stderr.txt".into(), redact(&stderr)));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("cli/tests/golden/migration-plan-plan"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (file, got) in outputs {
            insta::assert_snapshot!(file, got);
        }
    });
}

/// A scenario emitted by `meshsim audit` plans as it is: the L7 features the audit found become
/// waypoint effort, and with no prices in a dump the dollar figures are n/m, never $0.
#[test]
fn an_audited_cluster_plans_with_its_l7_features_and_no_invented_dollars() {
    let dir = tempfile::tempdir().unwrap();
    let ex = |f: &str| {
        root()
            .join("scenarios/audit-example")
            .join(f)
            .display()
            .to_string()
    };
    let o = meshsim(
        dir.path(),
        &[
            "audit",
            &ex("cluster.json"),
            &ex("top.txt"),
            &ex("istio.json"),
            "--out",
            "a",
            "--emit-scenario",
            "c.toml",
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let o = meshsim(dir.path(), &["plan", "c.toml", "--out", "p", "--no-plots"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("no pool has a price_per_hour"), "{err}");
    assert!(!out.contains("$0/month"), "{out}");
    let ns = std::fs::read_to_string(dir.path().join("p/plan-namespaces.csv")).unwrap();
    // payments: jwt and l7-authorization at 0.5 sprint each; shop: http-routing.
    assert!(
        ns.lines()
            .any(|l| l.contains(",payments,") && l.contains(",1.0,1.0,jwt;l7-authorization,")),
        "{ns}"
    );
    assert!(
        ns.lines()
            .any(|l| l.contains(",shop,") && l.contains(",1.0,0.5,http-routing,")),
        "{ns}"
    );
    let plan = std::fs::read_to_string(dir.path().join("p/plan.csv")).unwrap();
    for l in plan.lines().skip(1) {
        assert!(l.contains(",false,"), "savings_known false: {l}");
    }
}
