//! Fleets of several clusters through `meshsim run`: one `[[clusters]]` entry changes nothing, a
//! fleet of two reports each cluster and the total, and every bad reference is located.

use std::path::Path;

use crate::{files_under, meshsim, scenario, text};

/// Runs `file` in `dir` into `dir/out`, checks it succeeded, and returns stdout.
fn run_ok(dir: &Path, file: &str) -> String {
    let o = meshsim(dir, &["run", file, "--out", "out"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    out
}

/// `run.json` without what records the input as written: the file's path and the cluster keys.
fn run_json_without_inputs(p: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("scenario_file");
    let sc = o.get_mut("scenario").unwrap().as_object_mut().unwrap();
    sc.remove("clusters");
    for table in ["pools", "workloads", "daemonsets"] {
        for item in sc
            .get_mut(table)
            .and_then(|t| t.as_array_mut())
            .into_iter()
            .flatten()
        {
            item.as_object_mut().unwrap().remove("cluster");
        }
    }
    v
}

#[test]
fn one_clusters_entry_gives_the_same_outputs_byte_for_byte() {
    let base = std::fs::read_to_string(scenario("sidecar-tax-500-pods")).unwrap();
    let with = base.replacen(
        "[[pools]]\nname = \"general\"\n",
        "[[clusters]]\nname = \"only\"\nregion = \"eu-west-1\"\nnetwork = \"vpc-1\"\n\n[[pools]]\nname = \"general\"\ncluster = \"only\"\n",
        1,
    );
    assert_ne!(with, base, "the pool header moved");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(a.path().join("s.toml"), &base).unwrap();
    std::fs::write(b.path().join("s.toml"), &with).unwrap();
    let (out_a, out_b) = (run_ok(a.path(), "s.toml"), run_ok(b.path(), "s.toml"));
    assert_eq!(out_a, out_b);
    let rel = |root: &Path| -> Vec<std::path::PathBuf> {
        files_under(&root.join("out"))
            .iter()
            .map(|f| f.strip_prefix(root.join("out")).unwrap().to_path_buf())
            .collect()
    };
    let files = rel(a.path());
    assert!(files.len() > 10, "{files:?}");
    assert_eq!(files, rel(b.path()));
    for f in &files {
        let (x, y) = (a.path().join("out").join(f), b.path().join("out").join(f));
        if f.ends_with("run.json") {
            assert_eq!(run_json_without_inputs(&x), run_json_without_inputs(&y));
        } else {
            assert!(
                std::fs::read(&x).unwrap() == std::fs::read(&y).unwrap(),
                "{} differs",
                f.display()
            );
        }
    }
    // And no table of a one-cluster fleet has a `cluster` column.
    let summary = std::fs::read_to_string(b.path().join("out/summary.csv")).unwrap();
    assert!(!summary.lines().next().unwrap().contains("cluster"));
}

/// Two clusters on two networks: `east` runs `a` (3 replicas), `west` runs `b` (6).
const TWO: &str = r#"[scenario]
name = "two"
modes = ["none", "sidecar", "ambient"]

[mesh]
sidecar = { base_memory = "50Mi", memory_per_cluster = "1Mi", memory_per_endpoint = "512Ki" }

[[clusters]]
name = "east"
region = "eu-west-1"

[[clusters]]
name = "west"
region = "us-east-1"

[[pools]]
name = "east-pool"
cluster = "east"
count = 1
cpu = "16"
memory = "64Gi"

[[pools]]
name = "west-pool"
cluster = "west"
count = 1
cpu = "16"
memory = "64Gi"

[[workloads]]
name = "a"
pool = "east-pool"
replicas = 3
requests = { cpu = "100m", memory = "256Mi" }

[[workloads]]
name = "b"
cluster = "west"
replicas = 6
requests = { cpu = "100m", memory = "256Mi" }
"#;

#[test]
fn two_clusters_report_each_cluster_and_the_fleet() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("two.toml"), TWO).unwrap();
    let out = run_ok(dir.path(), "two.toml");
    assert!(
        out.contains("east (region eu-west-1, network east, primary)"),
        "{out}"
    );
    let csv = std::fs::read_to_string(dir.path().join("out/components.csv")).unwrap();
    let head: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &head[..7],
        [
            "schema_version",
            "scenario",
            "mode",
            "seed",
            "cluster",
            "region",
            "component"
        ]
    );
    let usage = |cluster: &str| -> f64 {
        csv.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|c| c[2] == "sidecar" && c[4] == cluster && c[6] == "sidecar")
            .map(|c| c[9].parse().unwrap())
            .unwrap()
    };
    // Every sidecar: 50 MiB + 3 Envoy clusters (istiod, a, b) × 1 MiB + endpoints × 0.5 MiB.
    // East's see 1 + 3 (a) + 1 (b, through west's gateway) = 5 endpoints: 55.5 MiB × 3;
    // west's see 1 + 6 (b) + 1 (a, through east's) = 8: 57 MiB × 6. In GiB, 6 decimals.
    let gib = |mib: f64| (mib / 1024.0 * 1e6).round() / 1e6;
    assert_eq!(usage("east"), gib(3.0 * 55.5));
    assert_eq!(usage("west"), gib(6.0 * 57.0));
    assert_eq!(usage("fleet"), gib(3.0 * 55.5 + 6.0 * 57.0));
    // Summary: the fleet's rows, then each cluster's, with one istiod per primary.
    let summary = std::fs::read_to_string(dir.path().join("out/summary.csv")).unwrap();
    let column = |k: usize| -> Vec<&str> {
        summary
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(k).unwrap())
            .collect()
    };
    assert_eq!(
        column(4),
        [
            "fleet", "fleet", "fleet", "east", "east", "east", "west", "west", "west"
        ]
    );
    assert_eq!(
        column(5),
        [
            "fleet",
            "fleet",
            "fleet",
            "eu-west-1",
            "eu-west-1",
            "eu-west-1",
            "us-east-1",
            "us-east-1",
            "us-east-1"
        ]
    );
    // Each pool carries its cluster's region.
    let pools = std::fs::read_to_string(dir.path().join("out/pools.csv")).unwrap();
    assert!(pools.lines().skip(1).all(|l| {
        l.contains(",east,eu-west-1,east-pool,") || l.contains(",west,us-east-1,west-pool,")
    }));
    let istiod: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains(",sidecar,") && l.contains(",istiod,"))
        .map(|l| l.split(',').nth(7).unwrap())
        .collect();
    assert_eq!(istiod, ["2", "1", "1"]);
}

/// Runs `content` and checks it is refused with exit code 2, every `expect` in stderr and no
/// output written.
fn refused(content: &str, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), content).unwrap();
    let o = meshsim(dir.path(), &["run", "bad.toml", "--out", "out"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in:\n{err}");
    }
    assert!(files_under(&dir.path().join("out")).is_empty());
}

#[test]
fn a_pool_in_a_cluster_that_does_not_exist_is_located() {
    refused(
        &TWO.replacen("cluster = \"west\"\ncount", "cluster = \"wset\"\ncount", 1),
        &[
            "pools[1].cluster",
            "unknown cluster `wset`",
            "did you mean `west`?",
        ],
    );
}

#[test]
fn a_pool_without_a_cluster_in_a_fleet_of_two_is_located() {
    refused(
        &TWO.replacen("cluster = \"east\"\ncount", "count", 1),
        &[
            "pools[0]",
            "pool `east-pool` names no cluster",
            "east, west",
        ],
    );
}

#[test]
fn a_workload_whose_cluster_is_not_its_pools_is_located() {
    refused(
        &TWO.replacen(
            "pool = \"east-pool\"\n",
            "pool = \"east-pool\"\ncluster = \"west\"\n",
            1,
        ),
        &[
            "workloads[0].cluster",
            "names cluster `west`, but its pool `east-pool` is in cluster `east`",
        ],
    );
}

#[test]
fn a_cluster_key_without_clusters_is_located() {
    refused(
        "[scenario]\nname = \"t\"\n[[pools]]\nname = \"p\"\ncluster = \"x\"\ncount = 1\ncpu = \"4\"\nmemory = \"16Gi\"\n",
        &["pools[0].cluster", "but the scenario has no [[clusters]]"],
    );
}

#[test]
fn a_remote_cluster_needs_a_primary_that_runs_istiod() {
    refused(
        &TWO.replacen(
            "name = \"west\"\nregion = \"us-east-1\"\n",
            "name = \"west\"\nregion = \"us-east-1\"\ncontrol_plane = \"remote\"\nprimary = \"esat\"\n",
            1,
        ),
        &["clusters[1].primary", "unknown primary cluster `esat`", "did you mean `east`?"],
    );
    refused(
        &TWO.replacen(
            "name = \"west\"\nregion = \"us-east-1\"\n",
            "name = \"west\"\nregion = \"us-east-1\"\ncontrol_plane = \"remote\"\n",
            1,
        ),
        &[
            "clusters[1].control_plane",
            "remote cluster `west` names no primary",
        ],
    );
}

#[test]
fn calls_to_a_service_in_no_cluster_or_across_clusters_without_their_delay_are_located() {
    let traffic = "\n[[traffic]]\nservice = \"a\"\narrival = \"poisson\"\nrate = 10\n";
    let calling = |target: &str| {
        TWO.replacen(
            "pool = \"east-pool\"\n",
            &format!("pool = \"east-pool\"\ncalls = [{{ service = \"{target}\" }}]\n"),
            1,
        )
    };
    refused(
        &format!("{}{traffic}", calling("c")),
        &[
            "workloads[0].calls[0].service",
            "called service `c` is not a workload",
        ],
    );
    refused(
        &format!("{}{traffic}", calling("b")),
        &[
            "workloads[0].calls[0].service",
            "`b` is in cluster `west` and is reached from cluster `east`, but no delay between the two is set",
        ],
    );
}

#[test]
fn a_cross_cluster_call_through_the_gateway_shows_in_the_stations_and_the_latency() {
    let traffic = "\n[latency]\ncross_cluster = { dist = \"constant\", mean = \"40ms\" }\n\n[[traffic]]\nservice = \"a\"\narrival = \"poisson\"\nrate = 20\n";
    let s = format!(
        "{}{traffic}",
        TWO.replacen(
            "pool = \"east-pool\"\n",
            "pool = \"east-pool\"\ncalls = [{ service = \"b\" }]\n",
            1
        )
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.toml"), s).unwrap();
    run_ok(dir.path(), "x.toml");
    let stations = std::fs::read_to_string(dir.path().join("out/stations.csv")).unwrap();
    let rows: Vec<Vec<&str>> = stations.lines().map(|l| l.split(',').collect()).collect();
    // mode 2, proxy 4, station 5, rps 6.
    let rps = |mode: &str, proxy: &str, station: &str| -> f64 {
        rows.iter()
            .filter(|c| c[2] == mode && c[4] == proxy && c[5].starts_with(station))
            .map(|c| c[6].parse::<f64>().unwrap())
            .sum()
    };
    for mode in ["sidecar", "ambient"] {
        // Every a → b call crosses west's gateway; nothing calls into east.
        assert!(rps(mode, "east-west-gateway", "west/") > 15.0, "{stations}");
        assert_eq!(rps(mode, "east-west-gateway", "east/"), 0.0);
    }
    // In sidecar mode b's sidecars see exactly the calls the gateway passed (6 × 0.1 rounding).
    let b = rps("sidecar", "sidecar", "b/");
    assert!(
        (b - rps("sidecar", "east-west-gateway", "west/")).abs() <= 0.6,
        "{stations}"
    );
    let lat = std::fs::read_to_string(dir.path().join("out/latency.csv")).unwrap();
    // mode 2, scope 4, statistic 5, value_ms 10, added_vs_none_ms 12.
    let cell = |mode: &str, scope: &str, col: usize| -> f64 {
        lat.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|c| c[2] == mode && c[4] == scope && c[5] == "p50")
            .map(|c| c[col].parse().unwrap())
            .unwrap_or_else(|| panic!("no {mode} {scope} p50 in {lat}"))
    };
    // The hop between clusters takes the 40 ms leg plus the reference reply (under 1 ms); a hop
    // within a cluster takes under a millisecond. The mesh adds to the crossing: two sidecars and
    // the gateway, or two ztunnels and the gateway.
    let cross = cell("none", "hop:cross-cluster", 10);
    assert!((40.0..41.0).contains(&cross), "{cross}");
    assert!(cell("none", "hop", 10) < 1.0);
    for mode in ["sidecar", "ambient"] {
        let added = cell(mode, "hop:cross-cluster", 12);
        assert!(added > 0.1 && added < 2.0, "{mode}: {added}");
    }
}

#[test]
fn a_cluster_pair_naming_an_unknown_cluster_is_located() {
    let s = format!(
        "{TWO}\n[latency]\nbetween = [{{ clusters = [\"east\", \"wets\"], delay = {{ mean = \"80ms\", p99 = \"90ms\" }} }}]\n\n[[traffic]]\nservice = \"a\"\narrival = \"poisson\"\nrate = 10\n"
    );
    refused(
        &s,
        &[
            "latency.between[0].clusters[1]",
            "latency.between: unknown cluster `wets`",
            "did you mean `west`?",
        ],
    );
}

/// `TWO` with Service `b` backed in both clusters (`b` in west, `b-east` in east, 6 replicas
/// each), `a` calling it at 200 requests/s, and `locality` lines added to [latency].
fn replicated(locality: &str) -> String {
    format!(
        "{}\n[[workloads]]\nname = \"b-east\"\nservice = \"b\"\ncluster = \"east\"\nreplicas = 6\nrequests = {{ cpu = \"100m\", memory = \"256Mi\" }}\n\n[latency]\ncross_cluster = {{ dist = \"constant\", mean = \"40ms\" }}\n{locality}\n[[traffic]]\nservice = \"a\"\narrival = \"poisson\"\nrate = 200\n",
        TWO.replacen(
            "pool = \"east-pool\"\n",
            "pool = \"east-pool\"\ncalls = [{ service = \"b\" }]\n",
            1
        )
    )
}

/// Per mode, the share of the calls to `b` that crossed clusters, from latency.csv: the
/// cross-cluster hops over the requests (each makes one call to `b`).
fn cross_share(dir: &std::path::Path, mode: &str) -> f64 {
    let lat = std::fs::read_to_string(dir.join("out/latency.csv")).unwrap();
    let header: Vec<&str> = lat.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (m, scope, stat, obs) = (
        col("mode"),
        col("scope"),
        col("statistic"),
        col("observations_per_replication"),
    );
    let count = |s: &str| -> f64 {
        lat.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|c| c[m] == mode && c[scope] == s && c[stat] == "mean")
            .map_or(0.0, |c| c[obs].parse().unwrap())
    };
    let requests = count("call-graph:a");
    assert!(requests > 1_500.0, "{lat}");
    count("hop:cross-cluster") / requests
}

#[test]
fn calls_to_a_service_in_both_clusters_follow_the_locality_policy() {
    // About 2,000 calls per replication: a share's standard error is at most √(0.25/2000) ≈
    // 0.011, so 0.045 is 4 of them.
    let within = |got: f64, want: f64| assert!((got - want).abs() < 0.045, "{got} vs {want}");
    // Spread (Istio's default): 6 endpoints each side, so half the calls cross, in every
    // mode (the no-mesh baseline balances the same way).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.toml"), replicated("")).unwrap();
    let o = run_ok(dir.path(), "x.toml");
    for mode in ["none", "sidecar", "ambient"] {
        within(cross_share(dir.path(), mode), 0.5);
    }
    // The terminal gives the share of all hops: half of the b calls, one hop in four.
    assert!(o.contains("hops across clusters (% of hops)"), "{o}");
    // Prefer-local with a set share: 30 % cross.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("x.toml"),
        replicated("locality = \"prefer-local\"\ncross_cluster_share = 0.3\n"),
    )
    .unwrap();
    run_ok(dir.path(), "x.toml");
    for mode in ["sidecar", "ambient"] {
        within(cross_share(dir.path(), mode), 0.3);
    }
    // Prefer-local alone: none cross, so there is no cross-cluster scope at all.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("x.toml"),
        replicated("locality = \"prefer-local\"\n"),
    )
    .unwrap();
    run_ok(dir.path(), "x.toml");
    let lat = std::fs::read_to_string(dir.path().join("out/latency.csv")).unwrap();
    assert!(!lat.contains("hop:cross-cluster"), "{lat}");
}

#[test]
fn a_replicated_service_refuses_what_istio_would_not_merge() {
    // Two workloads of one Service in one cluster.
    refused(
        &replicated("").replacen(
            "name = \"b-east\"\nservice = \"b\"\ncluster = \"east\"",
            "name = \"b-east\"\nservice = \"b\"\ncluster = \"west\"",
            1,
        ),
        &[
            "workloads[2].service",
            "Service `b` is backed by `b` and by `b-east`, both in cluster `west`",
        ],
    );
    // Two namespaces.
    refused(
        &replicated("").replacen(
            "service = \"b\"\n",
            "service = \"b\"\nnamespace = \"other\"\n",
            1,
        ),
        &["workloads[2].service", "one Service lives in one namespace"],
    );
    // A call naming the workload rather than its Service.
    refused(
        &replicated("").replacen(
            "calls = [{ service = \"b\" }]",
            "calls = [{ service = \"b-east\" }]",
            1,
        ),
        &[
            "workloads[0].calls[0].service",
            "`b-east` is a workload that backs Service `b`: calls name the Service",
        ],
    );
    // A share without prefer-local, and one out of range.
    refused(
        &replicated("cross_cluster_share = 0.3\n"),
        &["latency.cross_cluster_share", "locality is `spread`"],
    );
    refused(
        &replicated("locality = \"prefer-local\"\ncross_cluster_share = 1.5\n"),
        &["latency.cross_cluster_share"],
    );
    refused(
        &replicated("locality = \"nearest\"\n"),
        &["latency.locality", "spread", "prefer-local"],
    );
}
