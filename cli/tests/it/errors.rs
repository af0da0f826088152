//! The bad-input catalogue: every broken input is answered with a located message, exit code 2,
//! no panic and no output file.

use std::path::Path;

use crate::{files_under, meshsim, text};

/// A minimal valid scenario, to break one line at a time.
const BASE: &str = r#"[scenario]
name = "t"
modes = ["none", "sidecar"]

[[pools]]
name = "cpu"
count = 2
cpu = "16"
memory = "64Gi"

[[pools]]
name = "gpu"
count = 1
cpu = "32"
memory = "256Gi"
gpus = 4

[[workloads]]
name = "web"
namespace = "shop"
replicas = 3
requests = { cpu = "500m", memory = "1Gi" }
"#;

/// Runs `meshsim run` on `content` and checks the contract; returns stderr.
fn bad_run(content: &[u8], expect: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(&f, content).unwrap();
    check(dir.path(), &["run", "bad.toml", "--out", "out"], expect)
}

fn check(cwd: &Path, args: &[&str], expect: &[&str]) -> String {
    let o = meshsim(cwd, args);
    let (out, err) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "args {args:?}\nstdout:\n{out}\nstderr:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in:\n{err}");
    }
    let written = files_under(&cwd.join("out"));
    assert!(written.is_empty(), "partial output: {written:?}");
    err
}

fn with(line_from: &str, line_to: &str) -> Vec<u8> {
    assert!(BASE.contains(line_from), "{line_from}");
    BASE.replacen(line_from, line_to, 1).into_bytes()
}

#[test]
fn base_scenario_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), BASE).unwrap();
    let o = meshsim(dir.path(), &["run", "ok.toml", "--out", "out", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    check(
        dir.path(),
        &["run", "nope.toml", "--out", "out"],
        &["nope.toml", "cannot read the file"],
    );
}

#[test]
fn empty_file() {
    bad_run(
        b"  \n\n",
        &["bad.toml", "the file is empty", "meshsim init"],
    );
}

#[test]
fn invalid_toml() {
    bad_run(b"[scenario\nname = \"x\"\n", &["bad.toml:1:", "error"]);
}

#[test]
fn wrong_type() {
    bad_run(
        &with("count = 2", "count = \"two\""),
        &["bad.toml:7:9", "pools[0].count", "invalid type"],
    );
}

#[test]
fn negative_count() {
    bad_run(
        &with("count = 2", "count = -3"),
        &["bad.toml:7:9", "pools[0].count", "must be at least 1"],
    );
}

#[test]
fn zero_count() {
    bad_run(
        &with("count = 2", "count = 0"),
        &["pools[0].count", "must be at least 1"],
    );
}

#[test]
fn zero_replicas() {
    bad_run(
        &with("replicas = 3", "replicas = 0"),
        &["workloads[0].replicas", "must be at least 1"],
    );
}

#[test]
fn replicas_neither_number_nor_fill() {
    bad_run(
        &with("replicas = 3", "replicas = \"lots\""),
        &["workloads[0].replicas", "\"fill\""],
    );
}

#[test]
fn unknown_memory_unit() {
    bad_run(
        &with("memory = \"64Gi\"", "memory = \"64Qi\""),
        &[
            "bad.toml:9:10",
            "pools[0].memory",
            "unknown unit suffix `Qi`",
            "Ki Mi Gi",
        ],
    );
}

#[test]
fn unknown_cpu_unit() {
    bad_run(
        &with("cpu = \"16\"", "cpu = \"16 cores\""),
        &["bad.toml:8:7", "pools[0].cpu", "unknown unit suffix"],
    );
}

#[test]
fn unknown_key_with_suggestion() {
    bad_run(
        &with("cpu = \"16\"", "cpus = \"16\""),
        &[
            "bad.toml:8:1",
            "pools[0].cpus",
            "unknown key `cpus`",
            "did you mean `cpu`?",
        ],
    );
}

#[test]
fn unknown_section_with_suggestion() {
    let mut s = BASE.to_string();
    s.push_str("\n[schedular]\nstrategy = \"most-allocated\"\n");
    bad_run(
        s.as_bytes(),
        &["unknown key `schedular`", "did you mean `scheduler`?"],
    );
}

#[test]
fn missing_required_key() {
    bad_run(
        &with("memory = \"64Gi\"\n", ""),
        &["pools[0]", "missing field `memory`"],
    );
}

#[test]
fn reference_to_unknown_pool() {
    let mut s = BASE.to_string();
    s.push_str("pool = \"gpuu\"\n");
    bad_run(
        s.as_bytes(),
        &[
            "workloads[0].pool",
            "unknown pool `gpuu`",
            "did you mean `gpu`?",
        ],
    );
}

#[test]
fn gpu_request_on_a_pool_without_gpus() {
    let mut s = BASE.replacen(
        "requests = { cpu = \"500m\", memory = \"1Gi\" }",
        "requests = { cpu = \"500m\", memory = \"1Gi\", gpu = 1 }",
        1,
    );
    s.push_str("pool = \"cpu\"\n");
    bad_run(
        s.as_bytes(),
        &[
            "workloads[0].requests",
            "requests GPUs but its pool `cpu` has none",
        ],
    );
}

#[test]
fn gpu_request_when_no_pool_has_gpus() {
    let s = BASE.replacen("gpus = 4\n", "", 1).replacen(
        "memory = \"1Gi\" }",
        "memory = \"1Gi\", gpu = 1 }",
        1,
    );
    bad_run(s.as_bytes(), &["requests GPUs but no pool has GPUs"]);
}

#[test]
fn gpu_fraction_out_of_range() {
    let s = BASE.replacen(
        "memory = \"1Gi\" }",
        "memory = \"1Gi\", gpu_fraction = 1.5 }",
        1,
    );
    bad_run(s.as_bytes(), &["gpu_fraction 1.5 must be between 0 and 1"]);
}

#[test]
fn whole_and_shared_gpu_together() {
    let s = BASE.replacen(
        "memory = \"1Gi\" }",
        "memory = \"1Gi\", gpu = 1, gpu_fraction = 0.5 }",
        1,
    );
    bad_run(s.as_bytes(), &["not both"]);
}

#[test]
fn absurd_node_count_is_refused_without_allocating() {
    bad_run(
        &with("count = 2", "count = 1000000000000"),
        &[
            "pools[0].count",
            "1000000000000 nodes is beyond meshsim's limit of 1000000",
        ],
    );
}

#[test]
fn absurd_fleet_total() {
    let s =
        BASE.replacen("count = 2", "count = 600000", 1)
            .replacen("count = 1", "count = 600000", 1);
    bad_run(
        s.as_bytes(),
        &["1200000 nodes in all pools is beyond meshsim's limit"],
    );
}

#[test]
fn absurd_replicas() {
    bad_run(
        &with("replicas = 3", "replicas = 99999999999"),
        &["beyond meshsim's limit of 10000000"],
    );
}

#[test]
fn unknown_mode_in_file() {
    bad_run(
        &with(
            "modes = [\"none\", \"sidecar\"]",
            "modes = [\"none\", \"sidecars\"]",
        ),
        &[
            "scenario.modes",
            "unknown mesh mode `sidecars`",
            "did you mean `sidecar`?",
        ],
    );
}

#[test]
fn duplicate_pool_names() {
    bad_run(
        &with("name = \"gpu\"", "name = \"cpu\""),
        &["pools[1].name", "pool `cpu` is defined twice"],
    );
}

#[test]
fn duplicate_workload_names() {
    let mut s = BASE.to_string();
    s.push_str("\n[[workloads]]\nname = \"web\"\nreplicas = 1\n");
    bad_run(
        s.as_bytes(),
        &["workloads[1].name", "workload `web` is defined twice"],
    );
}

#[test]
fn unknown_preset() {
    let mut s = BASE.to_string();
    s.push_str("\n[mesh]\npreset = \"istio-1.42\"\n");
    bad_run(
        s.as_bytes(),
        &["mesh.preset", "unknown preset `istio-1.42`", "istio-1.24"],
    );
}

#[test]
fn unknown_taint_effect() {
    let s = BASE.replacen(
        "gpus = 4\n",
        "gpus = 4\ntaints = [{ key = \"gpu\", effect = \"NoScheduel\" }]\n",
        1,
    );
    bad_run(
        s.as_bytes(),
        &[
            "unknown taint effect `NoScheduel`",
            "did you mean `NoSchedule`?",
        ],
    );
}

#[test]
fn bad_duration() {
    let mut s = BASE.to_string();
    s.push_str("\n[mesh.ztunnel]\ncpu_per_new_connection = \"5 parsecs\"\n");
    bad_run(
        s.as_bytes(),
        &["mesh.ztunnel.cpu_per_new_connection", "is not a duration"],
    );
}

#[test]
fn namespace_without_workloads() {
    let mut s = BASE.to_string();
    s.push_str("\n[mesh.namespaces]\nshopp = \"ambient\"\n");
    bad_run(
        s.as_bytes(),
        &[
            "no workload runs in namespace `shopp`",
            "did you mean `shop`?",
        ],
    );
}

#[test]
fn negative_price() {
    let s = BASE.replacen(
        "memory = \"64Gi\"\n",
        "memory = \"64Gi\"\nprice_per_hour = -1.5\n",
        1,
    );
    bad_run(
        s.as_bytes(),
        &["pools[0].price_per_hour", "-1.5 is not a valid price"],
    );
}

#[test]
fn reservations_larger_than_the_node() {
    let s = BASE.replacen(
        "memory = \"64Gi\"\n",
        "memory = \"64Gi\"\nkube_reserved = { cpu = \"20\" }\n",
        1,
    );
    bad_run(s.as_bytes(), &["pool `cpu` has no allocatable CPU"]);
}

#[test]
fn invalid_scenario_name() {
    bad_run(
        &with("name = \"t\"", "name = \"my scenario!\""),
        &["scenario.name", "invalid scenario name"],
    );
}

#[test]
fn not_utf8() {
    bad_run(b"[scenario]\nname = \"\xff\xfe\"\n", &["not UTF-8"]);
}

#[test]
fn a_directory_instead_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d.toml")).unwrap();
    check(
        dir.path(),
        &["run", "d.toml", "--out", "out"],
        &["is a directory"],
    );
}

#[test]
fn oversized_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(dir.path().join("big.toml")).unwrap();
    f.set_len(17 * 1024 * 1024).unwrap();
    check(
        dir.path(),
        &["run", "big.toml", "--out", "out"],
        &["meshsim reads files up to"],
    );
}

#[test]
fn unwritable_output_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), BASE).unwrap();
    std::fs::write(dir.path().join("file"), "x").unwrap();
    let o = meshsim(dir.path(), &["run", "ok.toml", "--out", "file/out"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("output directory file/out"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn unknown_mode_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), BASE).unwrap();
    check(
        dir.path(),
        &[
            "run",
            "ok.toml",
            "--out",
            "out",
            "--modes",
            "sidecar,ambiant",
        ],
        &["--modes: unknown mode `ambiant`", "did you mean `ambient`?"],
    );
}

#[test]
fn zero_replications_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), BASE).unwrap();
    check(
        dir.path(),
        &["run", "ok.toml", "--out", "out", "--replications", "0"],
        &["--replications"],
    );
}

#[test]
fn several_errors_are_reported_together() {
    let s = BASE
        .replacen("count = 2", "count = 0", 1)
        .replacen("replicas = 3", "replicas = 0", 1);
    let err = bad_run(s.as_bytes(), &["pools[0].count", "workloads[0].replicas"]);
    assert_eq!(err.matches("error:").count(), 2, "{err}");
}

#[test]
fn validate_reports_the_same_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        with("cpu = \"16\"", "cpus = \"16\""),
    )
    .unwrap();
    check(
        dir.path(),
        &["validate", "bad.toml"],
        &["bad.toml:8:1", "did you mean `cpu`?"],
    );
}

#[test]
fn a_workload_that_fits_nowhere_is_pending_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let s = with(
        "replicas = 3",
        "replicas = 3\nnode_selector = { disk = \"nvme\" }",
    );
    std::fs::write(dir.path().join("ok.toml"), s).unwrap();
    let o = meshsim(dir.path(), &["run", "ok.toml", "--out", "out", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let pending = std::fs::read_to_string(dir.path().join("out/pending.csv")).unwrap();
    assert!(
        pending.contains(
            "web,3,0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
        ),
        "{pending}"
    );
}

/// BASE plus text, to break the latency parts.
fn with_traffic(extra: &str) -> Vec<u8> {
    format!("{BASE}{extra}").into_bytes()
}

const TRAFFIC: &str = "\n[[traffic]]\nservice = \"web\"\narrival = \"poisson\"\nrate = 100\n";

fn with_web_line(line: &str) -> String {
    BASE.replacen(
        "requests = { cpu = \"500m\", memory = \"1Gi\" }",
        &format!("requests = {{ cpu = \"500m\", memory = \"1Gi\" }}\n{line}"),
        1,
    )
}

#[test]
fn traffic_to_an_unknown_service() {
    bad_run(
        &with_traffic(&TRAFFIC.replace("\"web\"", "\"wbe\"")),
        &[
            "traffic[0].service",
            "traffic service `wbe` is not a workload",
            "did you mean `web`?",
        ],
    );
}

#[test]
fn unknown_arrival_process() {
    bad_run(
        &with_traffic(&TRAFFIC.replace("\"poisson\"", "\"poison\"")),
        &[
            "traffic[0].arrival",
            "unknown arrival process `poison`",
            "did you mean `poisson`?",
        ],
    );
}

#[test]
fn poisson_without_a_rate() {
    bad_run(
        &with_traffic(&TRAFFIC.replace("rate = 100\n", "")),
        &["arrival = \"poisson\" needs `rate`"],
    );
}

#[test]
fn key_that_does_not_apply_to_the_arrival() {
    bad_run(
        &with_traffic(&format!("{TRAFFIC}scale = 2.0\n")),
        &[
            "`scale` does not apply to arrival = \"poisson\"",
            "a poisson arrival takes: rate",
        ],
    );
}

#[test]
fn calls_that_form_a_cycle() {
    let s = with_web_line("calls = [{ service = \"web\" }]");
    bad_run(
        format!("{s}{TRAFFIC}").as_bytes(),
        &["calls form a cycle: web → web"],
    );
}

#[test]
fn call_to_an_unknown_service() {
    let s = with_web_line("calls = [{ service = \"db\" }]");
    bad_run(
        format!("{s}{TRAFFIC}").as_bytes(),
        &[
            "workloads[0].calls[0].service",
            "called service `db` is not a workload",
        ],
    );
}

#[test]
fn impossible_lognormal() {
    let s = with_web_line("processing_time = { mean = \"2ms\", p99 = \"1ms\" }");
    bad_run(
        format!("{s}{TRAFFIC}").as_bytes(),
        &["workloads[0].processing_time", "mean < p99"],
    );
}

#[test]
fn distribution_with_a_key_it_does_not_take() {
    let s = with_web_line(
        "processing_time = { dist = \"exponential\", mean = \"2ms\", p99 = \"9ms\" }",
    );
    bad_run(
        format!("{s}{TRAFFIC}").as_bytes(),
        &["`p99` does not apply to a exponential distribution"],
    );
}

#[test]
fn too_many_simulated_requests_are_refused_before_running() {
    let t = TRAFFIC.replace("rate = 100", "rate = 100000");
    bad_run(
        &with_traffic(&format!("{t}\n[latency]\nduration = \"1000h\"\n")),
        &["would simulate about", "beyond meshsim's limit"],
    );
}

#[test]
fn trace_file_that_does_not_exist() {
    let t = "\n[[traffic]]\nservice = \"web\"\narrival = \"trace\"\npath = \"nope.csv\"\n";
    bad_run(
        &with_traffic(t),
        &["traffic[0].path", "nope.csv", "cannot read"],
    );
}

#[test]
fn trace_with_a_missing_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "time,tokens\n1.0,5\n2.0,6\n").unwrap();
    let t = "\n[[traffic]]\nservice = \"web\"\narrival = \"trace\"\npath = \"t.csv\"\ncolumn = \"tim\"\n";
    std::fs::write(dir.path().join("bad.toml"), with_traffic(t)).unwrap();
    check(
        dir.path(),
        &["run", "bad.toml", "--out", "out"],
        &["has no column `tim`", "did you mean `time`?"],
    );
}

#[test]
fn trace_with_a_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "TIMESTAMP\n2023-11-16 18:17:03.1\nsoon\n",
    )
    .unwrap();
    let t = "\n[[traffic]]\nservice = \"web\"\narrival = \"trace\"\npath = \"t.csv\"\n";
    std::fs::write(dir.path().join("bad.toml"), with_traffic(t)).unwrap();
    check(
        dir.path(),
        &["run", "bad.toml", "--out", "out"],
        &["line 3: `soon` is neither seconds nor a timestamp"],
    );
}

#[test]
fn latency_without_traffic() {
    bad_run(
        &with_traffic("\n[latency]\nduration = \"5s\"\n"),
        &["[latency] is set but there is no [[traffic]]"],
    );
}

#[test]
fn cross_cluster_latency_in_a_one_cluster_fleet_is_refused() {
    bad_run(
        &with_traffic(&format!(
            "{TRAFFIC}\n[latency]\ncross_cluster = {{ mean = \"5ms\", p99 = \"20ms\" }}\n"
        )),
        &[
            "latency.cross_cluster",
            "the fleet is one cluster, so this delay would never apply",
        ],
    );
}

#[test]
fn unknown_current_mode() {
    bad_run(
        &with("name = \"t\"", "name = \"t\"\ncurrent = \"sidecars\""),
        &[
            "scenario.current",
            "unknown mesh mode `sidecars`",
            "did you mean `sidecar`?",
        ],
    );
}

#[test]
fn capacity_rules_for_an_unknown_pool() {
    bad_run(
        &with_traffic("\n[capacity_rules.pools.gpuu]\nmin_nodes = 1\n"),
        &[
            "capacity_rules.pools.gpuu",
            "capacity_rules.pools: no pool `gpuu`",
            "did you mean `gpu`?",
        ],
    );
}

#[test]
fn headroom_out_of_range() {
    bad_run(
        &with_traffic("\n[capacity_rules.cpu_pools]\nmemory_headroom = 0.95\n"),
        &[
            "capacity_rules.cpu_pools.memory_headroom",
            "0.95 is not a valid memory headroom (share of allocatable): must be a number from 0 to 0.9",
        ],
    );
}

#[test]
fn payback_horizon_out_of_range() {
    bad_run(
        &with_traffic("\n[migration]\nsprints = 2\ncost_per_sprint = 1000\nhorizon_months = 0\n"),
        &[
            "migration.horizon_months",
            "0 months (horizon): must be at least 1",
        ],
    );
}

// ---- Hostile input (issue #11): each refused before any work, located, exit 2. ----

#[test]
fn an_mmpp_that_only_switches_phases_is_refused() {
    bad_run(
        &with_traffic(
            "\n[[traffic]]\nservice = \"web\"\narrival = \"mmpp\"\nrates = [0, 0]\nmean_durations = [\"1ns\", \"1ns\"]\n",
        ),
        &[
            "bad.toml:",
            "traffic[0]",
            "its rate would change about",
            "beyond meshsim's limit of 1e9",
        ],
    );
}

#[test]
fn a_schedule_with_a_nanosecond_period_is_refused() {
    bad_run(
        &with_traffic(
            "\n[[traffic]]\nservice = \"web\"\narrival = \"schedule\"\nschedule = [{ at = \"0s\", rate = 0 }]\nperiod = \"1ns\"\n",
        ),
        &["traffic[0]", "its rate would change about"],
    );
}

#[test]
fn a_processing_time_of_centuries_is_refused() {
    bad_run(
        with_web_line_traffic("processing_time = { mean = \"5000000h\", p99 = \"5100000h\" }")
            .as_bytes(),
        &[
            "workloads[0].processing_time",
            "beyond meshsim's limit of 3600 s (1 hour) per request",
        ],
    );
}

#[test]
fn a_simulated_duration_past_a_year_is_refused() {
    bad_run(
        &with_traffic(&format!("{TRAFFIC}\n[latency]\nduration = \"5124095h\"\n")),
        &["latency", "longer than meshsim's limit of 1 year"],
    );
}

#[test]
fn a_cv_past_its_bound_is_refused() {
    bad_run(
        with_web_line_traffic("processing_time = { mean = \"1ms\", cv = 1e6 }").as_bytes(),
        &["cv 1000000 is beyond meshsim's limit of 100"],
    );
}

/// BASE with `line` added to the web workload, plus the basic traffic.
fn with_web_line_traffic(line: &str) -> String {
    format!("{}{TRAFFIC}", with_web_line(line))
}

#[test]
fn a_tiny_request_rounds_up_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let text = BASE.replace("cpu = \"500m\", memory", "cpu = 1e-300, memory");
    std::fs::write(dir.path().join("t.toml"), &text).unwrap();
    let o = meshsim(dir.path(), &["validate", "t.toml"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text_of(&o));
    let long = BASE.replace(
        "cpu = \"500m\", memory",
        &format!("cpu = \"0.{}1\", memory", "0".repeat(300)),
    );
    std::fs::write(dir.path().join("t.toml"), &long).unwrap();
    let o = meshsim(dir.path(), &["validate", "t.toml"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text_of(&o));
}

fn text_of(o: &std::process::Output) -> (String, String) {
    text(o)
}

#[test]
fn a_dotted_key_of_a_hundred_thousand_segments() {
    let key = vec!["a"; 100_000].join(".");
    let line = BASE.lines().count() + 1;
    let err = bad_run(
        format!("{BASE}{key} = 1\n").as_bytes(),
        &[&format!("bad.toml:{line}:1"), "nested 100000 levels deep"],
    );
    assert!(err.len() < 2_000, "{} bytes of error", err.len());
}

#[test]
fn a_duplicate_key_is_named() {
    bad_run(
        &with("count = 2\n", "count = 2\ncount = 3\n"),
        &["bad.toml:8:1", "duplicate key `count`"],
    );
}

#[test]
fn ten_thousand_errors_are_capped_and_fast() {
    let mut text = BASE.to_string();
    for i in 0..9_998 {
        text.push_str(&format!(
            "\n[[workloads]]\nname = \"w{i}\"\nnamespace = \"n\"\nreplicas = 0\nrequests = {{ cpu = \"1\", memory = \"1Gi\" }}\n"
        ));
    }
    let t = std::time::Instant::now();
    let err = bad_run(text.as_bytes(), &["must be at least 1", "more error"]);
    assert!(
        t.elapsed().as_secs() < 20,
        "{} s for 10,000 errors",
        t.elapsed().as_secs()
    );
    assert!(err.lines().count() < 1_000, "{} lines", err.lines().count());
}

#[test]
fn a_misspelled_name_of_300_kilobytes_gets_no_suggestion_search() {
    let mut text = BASE.to_string();
    for i in 0..1_000 {
        text.push_str(&format!(
            "\n[[workloads]]\nname = \"w{i}\"\nnamespace = \"n\"\nreplicas = 1\nrequests = {{ cpu = \"1m\", memory = \"1Mi\" }}\n"
        ));
    }
    text.push_str(&format!(
        "\n[[traffic]]\nservice = \"{}\"\narrival = \"poisson\"\nrate = 1\n",
        "x".repeat(300_000)
    ));
    let t = std::time::Instant::now();
    let err = bad_run(
        text.as_bytes(),
        &["traffic[0].service", "is not a workload"],
    );
    assert!(t.elapsed().as_secs() < 20);
    assert!(err.len() < 5_000, "{} bytes of error", err.len());
}

#[test]
fn a_line_is_quoted_short_and_printable() {
    let long = format!("name = \"{}\x07\"", "y".repeat(5_000));
    let err = bad_run(&with("name = \"t\"", &long), &["bad.toml:2"]);
    let longest = err.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest < 300, "a {longest}-character line in:\n{err}");
    assert!(!err.contains('\x07'));
}

#[test]
fn a_file_that_is_not_toml_is_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("passwd"),
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n",
    )
    .unwrap();
    let err = check(
        dir.path(),
        &["run", "passwd", "--out", "out"],
        &["passwd:1"],
    );
    assert!(!err.contains("/bin/bash"), "{err}");
    std::fs::write(
        dir.path().join("s.toml"),
        "[sweep]\nname = \"s\"\nscenario = \"passwd\"\n\n[[parameters]]\npath = \"pools.x.count\"\nvalues = [1]\n",
    )
    .unwrap();
    let err = check(
        dir.path(),
        &["sweep", "s.toml", "--out", "out"],
        &["passwd"],
    );
    assert!(!err.contains("/bin/bash"), "{err}");
}

#[test]
fn a_trace_of_passwd_does_not_echo_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("passwd"),
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nbin:x:2:2::/bin:/usr/sbin/nologin\n",
    )
    .unwrap();
    let text = format!(
        "{BASE}\n[[traffic]]\nservice = \"web\"\narrival = \"trace\"\npath = \"passwd\"\ncolumn = \"t\"\n"
    );
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    let err = check(
        dir.path(),
        &["run", "bad.toml", "--out", "out"],
        &["has no column `t`"],
    );
    assert!(
        !err.contains("/bin/bash") && !err.contains("root:x"),
        "{err}"
    );
}

#[test]
fn a_trace_timestamp_past_the_calendar_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "t\n2023-11-16 18:17:03\n292277026596-12-04 15:30:07\n",
    )
    .unwrap();
    let text = format!(
        "{BASE}\n[[traffic]]\nservice = \"web\"\narrival = \"trace\"\npath = \"t.csv\"\ncolumn = \"t\"\n"
    );
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    check(
        dir.path(),
        &["run", "bad.toml", "--out", "out"],
        &["t.csv", "line 3"],
    );
}

#[test]
fn a_thread_count_past_its_bound_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = crate::root()
        .join("scenarios/sweep-uncertainty.toml")
        .display()
        .to_string();
    check(
        dir.path(),
        &["sweep", &f, "--out", "out", "--threads", "1000000"],
        &["--threads", "1..=1024"],
    );
}

#[test]
fn an_error_in_run_json_cites_run_json_and_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let run = serde_json::json!({
        "scenario": {
            "scenario": { "name": "t", "modes": ["none"] },
            "pools": [{ "name": "cpu", "count": 0, "cpu": "16", "memory": "64Gi" }],
            "workloads": [{ "name": "w", "namespace": "n", "replicas": 1,
                            "requests": { "cpu": "1", "memory": "1Gi" } }]
        }
    });
    std::fs::write(dir.path().join("run.json"), run.to_string()).unwrap();
    let err = check(
        dir.path(),
        &["run", "run.json", "--out", "out"],
        &["run.json: scenario.pools[0].count", "must be at least 1"],
    );
    assert!(
        !err.contains("run.json:1:"),
        "no line of generated text: {err}"
    );
}

#[test]
fn an_error_in_a_sweep_point_cites_the_base_scenario_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[sweep]\nname = \"s\"\nscenario = \"base.toml\"\n\n[[parameters]]\npath = \"workloads.web.replicas\"\nvalues = [1, 0]\n",
    )
    .unwrap();
    // BASE has `replicas = 3` on line 28.
    let line = BASE
        .lines()
        .position(|l| l.starts_with("replicas = 3"))
        .unwrap()
        + 1;
    check(
        dir.path(),
        &["sweep", "s.toml", "--out", "out"],
        &[
            "point 1 (workloads.web.replicas = 0)",
            &format!("base.toml:{line}:"),
            "workloads[0].replicas",
        ],
    );
}

/// `BASE`, its workload serving 10 rps a replica, with an `[autoscaling]` section appended
/// (24 lines; the section starts on line 25, its `horizon` on line 26).
fn with_autoscaling(section: &str) -> Vec<u8> {
    let base = BASE.replacen("memory = \"1Gi\" }\n", "memory = \"1Gi\" }\nrps = 10\n", 1);
    format!("{base}\n{section}").into_bytes()
}

#[test]
fn autoscaling_errors_are_located() {
    let cases: &[(&str, &[&str])] = &[
        // A pool that does not exist, with the closest name.
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.pools.cpuu]\nmin = 1\nmax = 4\n",
            &[
                "bad.toml:27:1",
                "autoscaling.pools.cpuu",
                "no pool is named `cpuu`",
                "did you mean `cpu`?",
            ],
        ),
        // The pool's starting count outside its bounds.
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.pools.cpu]\nmin = 3\nmax = 4\n",
            &[
                "autoscaling.pools.cpu",
                "starts with 2 nodes, outside its autoscaling bounds 3..=4",
            ],
        ),
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.pools.cpu]\nmin = 3\nmax = 1\n",
            &["autoscaling.pools.cpu.max", "max (1) is below min (3)"],
        ),
        // Durations: whole seconds, bounded.
        (
            "[autoscaling]\nhorizon = \"90m30ms\"\n",
            &[
                "bad.toml:26:",
                "autoscaling.horizon",
                "not a whole number of seconds",
            ],
        ),
        (
            "[autoscaling]\nhorizon = \"2400h\"\n",
            &["autoscaling.horizon", "must be from 60 s to 7948800 s"],
        ),
        (
            "[autoscaling]\nhorizon = \"720h\"\nsample = \"1s\"\n",
            &["autoscaling.sample", "beyond meshsim's limit of 200000"],
        ),
        // A workload that does not exist; an HPA without a target; max below min.
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.webb]\nreadiness = \"10s\"\n",
            &[
                "autoscaling.workloads.webb",
                "no workload is named `webb`",
                "did you mean `web`?",
            ],
        ),
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.web]\nhpa = { min = 1, max = 10 }\n",
            &["autoscaling.workloads.web.hpa", "an HPA takes one target"],
        ),
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.web]\nhpa = { min = 5, max = 2, target_utilization = 60 }\n",
            &[
                "autoscaling.workloads.web.hpa.max",
                "hpa.max (2) is below hpa.min (5)",
            ],
        ),
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.web]\nhpa = { min = 1, max = 2, target_utilization = 60, metric = \"containerresource\" }\n",
            &[
                "unknown HPA metric `containerresource`",
                "container-resource",
            ],
        ),
        // Loads: exactly one kind, keys that apply, a trace that exists, a profile from 0 s.
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.web]\nload = { rate = 10, trace = \"x.csv\" }\n",
            &["autoscaling.workloads.web.load", "not `rate` and `trace`"],
        ),
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.web]\nload = { rate = 10, bin = \"1m\" }\n",
            &["`bin` does not apply to this load"],
        ),
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.web]\nload = { trace = \"missing.csv\" }\n",
            &["autoscaling.workloads.web.load.trace", "missing.csv"],
        ),
        (
            "[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.web]\nload = { rate = 10, profile = [{ at = \"1h\", factor = 2 }] }\n",
            &["the first profile step must start `at = \"0s\"`"],
        ),
        // A key that does nothing is refused.
        (
            "[autoscaling]\nhorizon = \"1h\"\nstabilization = \"5m\"\n",
            &["unknown key `stabilization`"],
        ),
    ];
    for (section, expect) in cases {
        bad_run(&with_autoscaling(section), expect);
    }
}

#[test]
fn an_hpa_on_a_fill_workload_is_refused() {
    let mut s = BASE.replacen("replicas = 3", "replicas = \"fill\"", 1);
    s.push_str("\n[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.web]\nhpa = { min = 1, max = 4, target_utilization = 60 }\n");
    bad_run(
        s.as_bytes(),
        &[
            "autoscaling.workloads.web.hpa",
            "replicas = \"fill\": an HPA sets its replicas",
        ],
    );
}

#[test]
fn a_load_on_a_workload_without_rps_is_refused() {
    let s = format!(
        "{BASE}\n[autoscaling]\nhorizon = \"1h\"\n[autoscaling.workloads.web]\nload = {{ rate = 10 }}\n"
    );
    bad_run(
        s.as_bytes(),
        &[
            "autoscaling.workloads.web.load",
            "workload `web` has no `rps`: its CPU cannot follow a load",
        ],
    );
}

/// The timeline every mode keeps (a figure per workload per sample) is bounded before the run.
#[test]
fn a_timeline_too_large_to_keep_is_refused() {
    let mut s = BASE.to_string();
    for i in 0..120 {
        s.push_str(&format!(
            "\n[[workloads]]\nname = \"w{i}\"\nreplicas = 1\nrequests = {{ cpu = \"10m\", memory = \"16Mi\" }}\n"
        ));
    }
    s.push_str("\n[autoscaling]\nhorizon = \"2208h\"\nsample = \"40s\"\n");
    bad_run(
        s.as_bytes(),
        &[
            "autoscaling.sample",
            "198721 samples × 124 workloads (waypoints and istiod included) is 24641404 figures kept per mode, beyond meshsim's limit of 20000000",
        ],
    );
}

#[test]
fn closed_loop_traffic_is_checked() {
    bad_run(
        &with_traffic("\n[[traffic]]\nservice = \"web\"\narrival = \"closed\"\nthink = \"1ms\"\n"),
        &[
            "traffic[0]",
            "arrival = \"closed\" needs `connections`",
            "connections, think",
        ],
    );
    bad_run(
        &with_traffic(
            "\n[[traffic]]\nservice = \"web\"\narrival = \"closed\"\nconnections = 4\nrate = 5\n",
        ),
        &[
            "traffic[0]",
            "`rate` does not apply to arrival = \"closed\"",
        ],
    );
    bad_run(
        &with_traffic("\n[[traffic]]\nservice = \"web\"\narrival = \"closed\"\nconnections = 0\n"),
        &["traffic[0].connections", "must be at least 1"],
    );
    // No think time and no processing: nothing bounds the rate.
    bad_run(
        &with_traffic("\n[[traffic]]\nservice = \"web\"\narrival = \"closed\"\nconnections = 4\n"),
        &[
            "traffic[0]",
            "would send requests without bound",
            "`think` time",
        ],
    );
    // 100,000 clients with 1 µs of think time would simulate far more calls than the limit.
    bad_run(
        &with_traffic(
            "\n[[traffic]]\nservice = \"web\"\narrival = \"closed\"\nconnections = 100000\nthink = \"1us\"\n",
        ),
        &[
            "traffic[0]",
            "for a closed loop its highest rate",
            "beyond meshsim's limit",
        ],
    );
}
