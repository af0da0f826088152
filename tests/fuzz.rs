//! An in-process mutation fuzzer for everything meshsim reads: scenario files (validation,
//! resolution, a bounded run of the study), sweep files, trace CSVs, replay tables, kubectl
//! dumps and measurement tables (read, fitted, the preset written and named by a scenario).
//!
//! Seeds are the shipped scenarios, sweeps and a trace; each input is one seed (or two,
//! spliced) mutated a few times: bytes flipped, inserted, deleted or repeated; numbers and
//! strings replaced by hostile values (0, −1, 2^64, 1e308, 1e-300, `..`, `/dev/zero`, a
//! 100,000-character name, …); lines deleted, repeated or taken from another seed. Every input
//! must give either a valid result or located errors, never a panic; a valid scenario must also
//! render to TOML that parses back to the same scenario, and its study and plan (bounded: small fleets,
//! short request simulations) must run. A failing input is written to the `found` directory and
//! reported; `tests/fuzz/regressions/` keeps the inputs that once failed, replayed by
//! `cargo test`.
//!
//! ```text
//! cargo run --release -p meshsim-tests --bin meshsim-fuzz -- --inputs 1000000 --seed 7
//! ```
//!
//! The same `--seed` and `--inputs` give the same inputs, so a failure reproduces.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use meshsim_core::rng::SplitMix64;
use rand::Rng;

use crate::root;

/// What kind of file an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A scenario (`meshsim run`, `meshsim validate`).
    Scenario,
    /// A sweep file, whose base scenario is the shipped `gpu-inference-memory-bound.toml`.
    Sweep,
    /// A trace CSV with a `TIMESTAMP` column.
    Trace,
    /// A replay file (`meshsim replay`), whose tables are the heads of the shipped openb ones.
    Replay,
    /// An openb pod list.
    PodTable,
    /// An openb node list.
    NodeTable,
    /// A kubectl JSON dump (`meshsim audit`), seeded with the shipped example cluster.
    Dump,
    /// `kubectl top` text (`meshsim audit`).
    Top,
    /// A measurement table (`meshsim calibrate`): meshsim's columns or istio/tools' CSV.
    Measurements,
}

/// Rows of the shipped openb tables the fuzzer's scratch copies keep (and its table seeds).
const OPENB_NODES: usize = 40;
const OPENB_PODS: usize = 300;

fn head(path: &Path, rows: usize) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .take(rows + 1)
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A seed input.
#[derive(Clone, Debug)]
pub struct Seed {
    /// Its kind.
    pub kind: Kind,
    /// Where it came from (for messages).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The seeds: every shipped scenario and sweep, and the head of a shipped trace.
pub fn seeds() -> Vec<Seed> {
    let mut out = Vec::new();
    let dir = root().join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for p in files {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&p).unwrap();
        let kind = if name.starts_with("sweep-") {
            Kind::Sweep
        } else if meshsim_scenarios::replay::is_replay(&String::from_utf8_lossy(&bytes)) {
            Kind::Replay
        } else {
            Kind::Scenario
        };
        out.push(Seed { kind, name, bytes });
    }
    // A closed loop (`arrival = "closed"`), CPU contention with a CPU limit (CFS throttling) and
    // a preset file, which no shipped scenario has.
    let bench = std::fs::read_to_string(root().join("scenarios/istio-benchmark.toml")).unwrap();
    let closed = bench
        .replace(
            "arrival = \"poisson\"\nrate = 1000",
            "arrival = \"closed\"\nconnections = 16\nthink = \"5ms\"",
        )
        .replace(
            "preset = \"istio-1.24\"",
            "preset = \"presets/istio-1.22.0-eks.toml\"",
        )
        .replace("[latency]\n", "[latency]\ncpu_contention = true\n")
        .replace(
            "rps = 1000\nprocessing_time",
            "limits = { cpu = \"100m\", memory = \"1Gi\" }\nrps = 1000\nprocessing_time",
        );
    assert!(
        closed.contains("connections = 16")
            && closed.contains("eks")
            && closed.contains("cpu_contention = true")
            && closed.contains("cpu = \"100m\"")
    );
    out.push(Seed {
        kind: Kind::Scenario,
        name: "closed-loop.toml".into(),
        bytes: closed.into_bytes(),
    });
    // A Service backed in both clusters of a fleet, with a locality policy.
    let fleet = std::fs::read_to_string(root().join("scenarios/two-region-fleet.toml")).unwrap();
    let replicated = fleet
        .replace(
            "[[daemonsets]]\nname = \"nvidia-device-plugin\"",
            "[[workloads]]\nname = \"router-eu\"\nservice = \"router\"\nnamespace = \"inference\"\ncluster = \"apps-eu\"\nreplicas = 2\nrequests = { cpu = \"500m\", memory = \"512Mi\" }\ncalls = [{ service = \"llm-7b\" }]\n\n[[daemonsets]]\nname = \"nvidia-device-plugin\"",
        )
        .replace(
            "cross_cluster = { mean = \"95ms\", p99 = \"110ms\" }\n",
            "cross_cluster = { mean = \"95ms\", p99 = \"110ms\" }\nlocality = \"prefer-local\"\ncross_cluster_share = 0.1\n",
        );
    assert!(replicated.contains("router-eu") && replicated.contains("prefer-local"));
    out.push(Seed {
        kind: Kind::Scenario,
        name: "replicated-service.toml".into(),
        bytes: replicated.into_bytes(),
    });
    let openb = root().join("data/openb");
    out.push(Seed {
        kind: Kind::PodTable,
        name: "openb-pods-head.csv".into(),
        bytes: head(&openb.join("openb_pod_list_default.csv"), OPENB_PODS).into_bytes(),
    });
    out.push(Seed {
        kind: Kind::NodeTable,
        name: "openb-nodes-head.csv".into(),
        bytes: head(&openb.join("openb_node_list_gpu_node.csv"), OPENB_NODES).into_bytes(),
    });
    let example = root().join("scenarios/audit-example");
    out.push(Seed {
        kind: Kind::Dump,
        name: "audit-example-cluster.json".into(),
        bytes: std::fs::read(example.join("cluster.json")).unwrap(),
    });
    out.push(Seed {
        kind: Kind::Dump,
        name: "audit-example-istio.json".into(),
        bytes: std::fs::read(example.join("istio.json")).unwrap(),
    });
    out.push(Seed {
        kind: Kind::Top,
        name: "audit-example-top.txt".into(),
        bytes: std::fs::read(example.join("top.txt")).unwrap(),
    });
    out.push(Seed {
        kind: Kind::Measurements,
        name: "istio-bench-head.csv".into(),
        bytes: head(&root().join("data/istio-bench/benchmark-2020-08.csv"), 30).into_bytes(),
    });
    out.push(Seed {
        kind: Kind::Measurements,
        name: "proxies.csv".into(),
        bytes: MEASUREMENTS.as_bytes().to_vec(),
    });
    let trace =
        std::fs::read_to_string(root().join("data/azure-llm/AzureLLMInferenceTrace_code.csv"))
            .unwrap();
    let head: String = trace.lines().take(40).map(|l| format!("{l}\n")).collect();
    out.push(Seed {
        kind: Kind::Trace,
        name: "azure-code-head.csv".into(),
        bytes: head.into_bytes(),
    });
    out
}

/// A measurement table in meshsim's columns, sidecars and ztunnels (the fuzzer's seed).
const MEASUREMENTS: &str = "proxy,label,version,services,endpoints,pods,rps,connections,cpu,memory
sidecar,a,1.24,10,20,,100,,0.035,45Mi
sidecar,b,1.24,50,400,,1000,,210m,52Mi
sidecar,c,1.24,200,900,,2500,,520m,70Mi
sidecar,d,1.24,400,5000,,10,,4m,90Mi
ztunnel,e,1.24,,,1,,32,2m,21M
ztunnel,f,1.24,,,4,,64,3m,27M
ztunnel,g,1.24,,,8,,16,2m,34M
";

/// Values that have broken parsers before, or sit on a documented limit.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "-0.0",
    "1e308",
    "-1e308",
    "1e-300",
    "nan",
    "inf",
    "4294967296",
    "18446744073709551616",
    "9223372036854775807",
    "1000000",
    "10000000",
    "0.5",
    "1e7",
];

const STRINGS: &[&str] = &[
    "\"\"",
    "\"..\"",
    "\".\"",
    "\"/dev/zero\"",
    "\"/etc/passwd\"",
    "\"../../../etc/shadow\"",
    "\"0\"",
    "\"0ns\"",
    "\"1ns\"",
    "\"5124095h\"",
    "\"18446744073s\"",
    "\"1e400Gi\"",
    "\"0.0000000000000000000000000000000000000001\"",
    "\"1e-300\"",
    "\"-5m\"",
    "\"16Ei\"",
    "\"none\"",
    "\"sidecar\"",
    "\"ambient\"",
    "\"ambient-waypoint\"",
    "\"mixed\"",
    "\"fill\"",
    "\"trace\"",
    "\"mmpp\"",
    "\"schedule\"",
    "\"poisson\"",
    "\"gamma\"",
    "\"uniform\"",
    "\"constant\"",
    "\"NoSchedule\"",
    "\"Exists\"",
    "\"\\u0000\"",
    "\"a\\nb\"",
];

/// Splits of a trace row that have broken readers before.
const TRACE_LINES: &[&str] = &[
    "2023-11-16 18:17:03.9799600,1,1",
    "292277026596-12-04 15:30:07,1,1",
    "1e300,1,1",
    "-5,1,1",
    "nan,1,1",
    "\"2023-11-16 18:17:04\",1,1",
    ",,",
    "2023-11-16 18:17:03.9799600",
    "2023-13-45 99:99:99,1,1",
];

/// Cells that have broken table readers before, or sit on a documented limit.
const TABLE_CELLS: &[&str] = &[
    "",
    "0",
    "-1",
    "65",
    "64",
    "1001",
    "999999999999999999999",
    "1e3",
    "nan",
    "\"1\"",
    "V100M16|G2",
    "||",
    "315360000",
    "316224001",
    "100000000",
    "100000001",
    "1073741824",
];

fn below(rng: &mut SplitMix64, n: usize) -> usize {
    (rng.next_u64() % n.max(1) as u64) as usize
}

/// Byte offsets where numbers (a digit run, possibly signed or fractional) and quoted strings
/// start and end.
/// Byte ranges `(start, end)` in a text.
type Ranges = Vec<(usize, usize)>;

fn tokens(text: &[u8]) -> (Ranges, Ranges) {
    let mut nums = Vec::new();
    let mut strs = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c == b'"' {
            let start = i;
            i += 1;
            while i < text.len() && text[i] != b'"' && text[i] != b'\n' {
                i += 1;
            }
            if i < text.len() && text[i] == b'"' {
                strs.push((start, i + 1));
            }
            i += 1;
        } else if c.is_ascii_digit() && (i == 0 || !text[i - 1].is_ascii_alphanumeric()) {
            let start = if i > 0 && text[i - 1] == b'-' {
                i - 1
            } else {
                i
            };
            while i < text.len() && (text[i].is_ascii_digit() || text[i] == b'.') {
                i += 1;
            }
            nums.push((start, i));
        } else {
            i += 1;
        }
    }
    (nums, strs)
}

fn splice(text: &mut Vec<u8>, range: (usize, usize), with: &[u8]) {
    text.splice(range.0..range.1, with.iter().copied());
}

fn lines(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// One mutation of `text` (`other` is another seed, for splicing lines).
fn mutate_once(rng: &mut SplitMix64, text: &mut Vec<u8>, other: &[u8], kind: Kind) {
    let (nums, strs) = tokens(text);
    match below(rng, 12) {
        0..=2 if !nums.is_empty() => {
            let r = nums[below(rng, nums.len())];
            let v = NUMBERS[below(rng, NUMBERS.len())];
            splice(text, r, v.as_bytes());
        }
        3..=4 if !strs.is_empty() => {
            let r = strs[below(rng, strs.len())];
            let v = if below(rng, 20) == 0 {
                format!("\"{}\"", "x".repeat(100_000))
            } else {
                STRINGS[below(rng, STRINGS.len())].to_string()
            };
            splice(text, r, v.as_bytes());
        }
        5 => {
            let ls = lines(text);
            if !ls.is_empty() {
                let r = ls[below(rng, ls.len())];
                splice(text, r, b"");
            }
        }
        6 => {
            let ls = lines(text);
            if !ls.is_empty() {
                let r = ls[below(rng, ls.len())];
                let line = text[r.0..r.1].to_vec();
                let times = if below(rng, 10) == 0 { 2_000 } else { 1 };
                let rep: Vec<u8> = line.repeat(times);
                text.splice(r.1..r.1, rep);
            }
        }
        7 => {
            let ls = lines(other);
            if !ls.is_empty() {
                let r = ls[below(rng, ls.len())];
                let at = lines(text)
                    .get(below(rng, 1 + lines(text).len()))
                    .map_or(text.len(), |l| l.0);
                text.splice(at..at, other[r.0..r.1].iter().copied());
            }
        }
        8 if matches!(kind, Kind::PodTable | Kind::NodeTable | Kind::Measurements) => {
            let v = TABLE_CELLS[below(rng, TABLE_CELLS.len())];
            let ls = lines(text);
            if ls.len() > 1 {
                let r = ls[1 + below(rng, ls.len() - 1)];
                let cells: Vec<(usize, usize)> = {
                    let mut c = Vec::new();
                    let mut start = r.0;
                    for (i, b) in text[r.0..r.1].iter().enumerate() {
                        if *b == b',' {
                            c.push((start, r.0 + i));
                            start = r.0 + i + 1;
                        }
                    }
                    c.push((start, r.1));
                    c
                };
                let cell = cells[below(rng, cells.len())];
                splice(text, cell, v.as_bytes());
            }
        }
        8 if kind == Kind::Trace => {
            let v = TRACE_LINES[below(rng, TRACE_LINES.len())];
            let ls = lines(text);
            let at = ls
                .get(1 + below(rng, ls.len().saturating_sub(1)))
                .map_or(text.len(), |l| l.0);
            text.splice(at..at, format!("{v}\n").into_bytes());
        }
        9 if !text.is_empty() => {
            let i = below(rng, text.len());
            text[i] ^= 1 << below(rng, 8);
        }
        10 => {
            let i = below(rng, text.len() + 1);
            let b = [
                b'=', b'[', b']', b'"', b'.', b',', b'{', b'}', b'\n', b'#', 0xff, b'-',
            ];
            text.insert(i, b[below(rng, b.len())]);
        }
        _ if !text.is_empty() => {
            let i = below(rng, text.len());
            let n = 1 + below(rng, 16.min(text.len() - i));
            text.drain(i..i + n);
        }
        _ => {}
    }
}

/// The `i`-th input of a run with `seed`: a seed input mutated one to eight times (`k` times
/// with probability 2^-k).
pub fn input(seeds: &[Seed], seed: u64, i: u64) -> (Kind, String, Vec<u8>) {
    let mut rng = SplitMix64::keyed(seed, i, 0x66757a7a);
    let s = &seeds[below(&mut rng, seeds.len())];
    let other = &seeds[below(&mut rng, seeds.len())];
    let mut text = s.bytes.clone();
    // One mutation half the time, two a quarter of the time, …, at most eight: most inputs
    // stay close enough to a valid file to get past the parser.
    let k = 1 + (rng.next_u64() | (1 << 7)).trailing_zeros();
    for _ in 0..k {
        mutate_once(&mut rng, &mut text, &other.bytes, s.kind);
    }
    (s.kind, s.name.clone(), text)
}

/// What checking one input found wrong (a panic, or a broken invariant).
#[derive(Clone, Debug)]
pub struct Finding {
    /// What went wrong.
    pub what: String,
}

/// Largest fleet and request simulation a fuzzed scenario is run with: bigger valid scenarios
/// are validated, rendered and re-parsed, but not run (the benchmarks cover their speed).
const RUN_NODES: u64 = 1_000;
const RUN_PODS: u64 = 10_000;
const RUN_REQUESTS: f64 = 50_000.0;

fn study_is_small(s: &meshsim_scenarios::Scenario) -> bool {
    let nodes: u64 = s.cluster.pools.iter().map(|p| u64::from(p.count)).sum();
    let pods: u64 = s
        .cluster
        .workloads
        .iter()
        .map(|w| match w.replicas {
            meshsim_models::cluster::Replicas::Count(n) => u64::from(n),
            meshsim_models::cluster::Replicas::Fill => nodes * 4,
        })
        .sum();
    let requests = s.latency.as_ref().map_or(0.0, |l| {
        let t = (l.duration + l.warmup).as_secs_f64();
        l.traffic
            .iter()
            .map(|x| meshsim_models::latency::rate_bound(l, x) * t)
            .sum::<f64>()
            * f64::from(s.replications)
            * (s.modes.len() + 1) as f64
    });
    // A day: the nodes its pools may grow to and the replicas its HPAs may ask for.
    let (day_nodes, day_pods) = s.autoscaling.as_ref().map_or((0, 0), |a| {
        let nodes: u64 = s
            .cluster
            .pools
            .iter()
            .zip(&a.spec.pools)
            .map(|(p, sc)| u64::from(sc.map_or(p.count, |x| x.max.max(p.count))))
            .sum();
        let pods: u64 = a
            .spec
            .workloads
            .iter()
            .filter_map(|w| w.hpa.as_ref())
            .map(|h| u64::from(h.max_replicas))
            .sum();
        (nodes, pods)
    });
    // With a day, the request simulation runs again at three instants, at their load.
    let windows = match (&s.autoscaling, &s.latency) {
        (Some(a), Some(l)) => {
            l.traffic
                .iter()
                .map(|t| {
                    let w = &s.cluster.workloads[t.target];
                    let n = match w.replicas {
                        meshsim_models::cluster::Replicas::Count(n) => f64::from(n),
                        meshsim_models::cluster::Replicas::Fill => 1.0,
                    };
                    let base = n * w.rps_per_replica;
                    let peak = a.spec.workloads[t.target]
                        .load
                        .as_ref()
                        .map_or(base, |l| l.steps.iter().map(|x| x.1).fold(0.0, f64::max));
                    if base > 0.0 { peak / base } else { 1.0 }
                })
                .fold(1.0, f64::max)
                * 3.0
        }
        _ => 0.0,
    };
    nodes <= RUN_NODES
        && pods <= RUN_PODS
        && requests * (1.0 + windows) <= RUN_REQUESTS
        && day_nodes <= RUN_NODES
        && day_pods <= RUN_PODS
}

/// Longest day a fuzzed scenario is run over: longer ones are run over its first two hours
/// (the same code; the benchmarks cover a month).
const RUN_DAY_S: u64 = 7_200;

/// What an input turned out to be (for the report: a fuzzer that only ever sees refused
/// inputs tests little).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused with located errors.
    Refused,
    /// Valid, checked, not run (too big for the bounded run).
    Valid,
    /// Valid and run.
    Ran,
}

/// Checks one scenario text: located errors or a valid scenario that renders, re-parses the
/// same and (when small) runs.
fn check_scenario(name: &str, text: &str, base: &Path) -> Result<Outcome, Finding> {
    let s = match meshsim_scenarios::parse_in(name, text, Some(base)) {
        Err(d) => return check_diagnostics(&d, text).map(|()| Outcome::Refused),
        Ok(s) => s,
    };
    let rendered = meshsim_scenarios::render::to_toml(&s).map_err(|e| Finding {
        what: format!("a valid scenario does not render: {e}"),
    })?;
    let again = meshsim_scenarios::parse_in(name, &rendered, Some(base)).map_err(|d| Finding {
        what: format!("the rendered scenario does not parse:\n{d}\n--- rendered:\n{rendered}"),
    })?;
    let twice = meshsim_scenarios::render::to_toml(&again).map_err(|e| Finding {
        what: format!("a re-parsed scenario does not render: {e}"),
    })?;
    if twice != rendered {
        return Err(Finding {
            what: format!("render ∘ parse is not stable:\n{rendered}\n--- then:\n{twice}"),
        });
    }
    // Too many requests to simulate: the rest of the study (the day among it) still runs.
    let mut s = s;
    if !study_is_small(&s) && s.latency.is_some() {
        s.latency = None;
    }
    if !study_is_small(&s) {
        return Ok(Outcome::Valid);
    }
    if let Some(a) = &mut s.autoscaling {
        a.spec.horizon_s = a.spec.horizon_s.min(RUN_DAY_S);
    }
    meshsim_models::study::run(
        &s.study(),
        meshsim_models::study::Options {
            rank_namespaces: true,
        },
        &meshsim_models::study::NoProgress,
    )
    .map_err(|e| Finding {
        what: format!("a valid scenario fails to run: {e}"),
    })?;
    // And its plan, when it has the plan's keys (without the request simulation, which the
    // study above already ran on the same cluster).
    if let Ok(mut input) = s.plan_input() {
        input.latency = None;
        meshsim_models::plan::plan(&input, &meshsim_models::study::NoProgress).map_err(|e| {
            Finding {
                what: format!("a valid scenario fails to plan: {e}"),
            }
        })?;
    }
    Ok(Outcome::Ran)
}

/// Errors must be located or name the whole file, and never be empty.
fn check_diagnostics(d: &meshsim_scenarios::Diagnostics, text: &str) -> Result<(), Finding> {
    if d.0.is_empty() {
        return Err(Finding {
            what: "rejected with no error".into(),
        });
    }
    if d.0.len() > meshsim_scenarios::limits::MAX_ERRORS + 1 {
        return Err(Finding {
            what: format!(
                "{} errors reported (the cap is {})",
                d.0.len(),
                meshsim_scenarios::limits::MAX_ERRORS
            ),
        });
    }
    let lines = text.lines().count().max(1);
    for e in &d.0 {
        if e.message.is_empty() {
            return Err(Finding {
                what: format!("an error without a message: {e:?}"),
            });
        }
        if e.line > lines + 1 {
            return Err(Finding {
                what: format!("an error on line {} of a {lines}-line file", e.line),
            });
        }
        if let Some((snippet, _, _)) = &e.snippet
            && snippet.chars().count() > meshsim_scenarios::diag::EXCERPT_CHARS + 2
        {
            return Err(Finding {
                what: format!("an excerpt of {} characters", snippet.chars().count()),
            });
        }
    }
    Ok(())
}

fn check_sweep(text: &[u8], dir: &Path) -> Result<Outcome, Finding> {
    let path = dir.join("sweep.toml");
    std::fs::write(&path, text).unwrap();
    match meshsim_scenarios::sweep::load(&path) {
        Err(d) => check_diagnostics(&d, &String::from_utf8_lossy(text)).map(|()| Outcome::Refused),
        Ok(sw) => {
            // The first points must apply (or fail with an error, not a panic).
            for i in 0..sw.point_count().min(3) {
                if let Ok(t) = sw.apply(&sw.point(i)) {
                    let _ = meshsim_scenarios::parse_in("point", &t, Some(dir));
                }
            }
            Ok(Outcome::Valid)
        }
    }
}

fn check_trace(text: &[u8], dir: &Path) -> Result<Outcome, Finding> {
    let path = dir.join("trace.csv");
    std::fs::write(&path, text).unwrap();
    match meshsim_scenarios::trace::load_trace(&path, "TIMESTAMP") {
        Ok(offsets) => {
            if offsets.windows(2).any(|w| w[0] > w[1]) {
                return Err(Finding {
                    what: "trace offsets not sorted".into(),
                });
            }
            if offsets.first().is_some_and(|&f| f != 0) {
                return Err(Finding {
                    what: "a trace does not start at offset 0".into(),
                });
            }
            Ok(Outcome::Valid)
        }
        Err(e) => {
            let m = e.to_string();
            if m.contains("root:") {
                return Err(Finding {
                    what: format!("file content echoed: {m}"),
                });
            }
            Ok(Outcome::Refused)
        }
    }
}

/// Replay files: validated against the scratch copies of the openb tables; a valid one whose
/// runs are few is replayed, and every run must account for each pod that arrived.
fn check_replay(text: &[u8], dir: &Path) -> Result<Outcome, Finding> {
    let Ok(t) = std::str::from_utf8(text) else {
        return Ok(Outcome::Refused);
    };
    match meshsim_scenarios::replay::parse_in("replay.toml", t, Some(dir)) {
        Err(d) => check_diagnostics(&d, t).map(|()| Outcome::Refused),
        Ok(s) => {
            let runs = s.policies.len() * s.seeds.len() * s.overlays.len();
            if runs > 12 || s.pods.len() > 2 * OPENB_PODS || s.nodes.len() > 2 * OPENB_NODES {
                return Ok(Outcome::Valid);
            }
            let st = s.study();
            let r = meshsim_models::replay::study::run(&st, &meshsim_models::study::NoProgress);
            for x in &r.runs {
                let departed_or_running = x.run.placed;
                if x.run.arrived != departed_or_running + x.run.failed {
                    return Err(Finding {
                        what: format!(
                            "{:?} seed {}: {} arrived, {} placed, {} failed",
                            x.policy, x.seed, x.run.arrived, x.run.placed, x.run.failed
                        ),
                    });
                }
                if x.last.used_milli > x.run.capacity_milli {
                    return Err(Finding {
                        what: format!("{:?}: more GPU allocated than the cluster has", x.policy),
                    });
                }
            }
            Ok(Outcome::Ran)
        }
    }
}

/// An openb table: read, or refused without echoing a file it was not asked to read.
fn check_table(kind: Kind, text: &[u8], dir: &Path) -> Result<Outcome, Finding> {
    let path = dir.join("table.csv");
    std::fs::write(&path, text).unwrap();
    let r = if kind == Kind::PodTable {
        meshsim_scenarios::openb::load_pods(&path).map(|_| ())
    } else {
        meshsim_scenarios::openb::load_nodes(&path).map(|_| ())
    };
    match r {
        Ok(()) => Ok(Outcome::Valid),
        Err(e) => {
            let m = e.to_string();
            if m.contains("root:") || m.chars().count() > 400 {
                return Err(Finding {
                    what: format!(
                        "message echoes input or is unbounded: {} characters",
                        m.chars().count()
                    ),
                });
            }
            Ok(Outcome::Refused)
        }
    }
}

/// A dump: read and audited, or refused with a bounded message; an emitted scenario always
/// validates (`Ran`: the whole audit pipeline ran, emitted scenario parsed back).
fn check_dump(kind: Kind, text: &[u8], dir: &Path) -> Result<Outcome, Finding> {
    use meshsim_scenarios::kube::{InputSpec, Role, load};
    let path = dir.join(if kind == Kind::Top {
        "top.txt"
    } else {
        "dump.json"
    });
    std::fs::write(&path, text).unwrap();
    let bounded = |m: String| -> Result<Outcome, Finding> {
        if m.contains("root:") || m.chars().count() > 1000 {
            return Err(Finding {
                what: format!(
                    "message echoes input or is unbounded: {} characters",
                    m.chars().count()
                ),
            });
        }
        Ok(Outcome::Refused)
    };
    let l = match load(&[InputSpec {
        path,
        role: Role::Auto,
    }]) {
        Ok(l) => l,
        Err(e) => return bounded(e.to_string()),
    };
    let a = match meshsim_models::audit::audit(&l.dump, &Default::default()) {
        Ok(a) => a,
        Err(e) => return bounded(e.to_string()),
    };
    match meshsim_scenarios::audit_scenario::emit(
        &a,
        "fuzzed",
        &[],
        meshsim_scenarios::audit_scenario::UsageQuantile::P50,
    ) {
        Err(e) => bounded(e.to_string()),
        Ok(s) => match meshsim_scenarios::parse_in("emitted.toml", &s, Some(dir)) {
            Ok(_) => Ok(Outcome::Ran),
            Err(d) => Err(Finding {
                what: format!(
                    "the emitted scenario does not validate: {}",
                    d.to_string().chars().take(600).collect::<String>()
                ),
            }),
        },
    }
}

/// A measurement table: read (any version it holds) and fitted, or refused with a bounded
/// message that echoes no cell; a fit's preset file must be one a scenario validates with, and
/// give back the figures the fit wrote (`Ran`).
fn check_measurements(text: &[u8], dir: &Path) -> Result<Outcome, Finding> {
    use meshsim_scenarios::measurements::load;
    let path = dir.join("measurements.csv");
    std::fs::write(&path, text).unwrap();
    let bounded = |m: String| -> Result<Outcome, Finding> {
        if m.contains("root:") || m.chars().count() > 20_000 {
            return Err(Finding {
                what: format!(
                    "message echoes input or is unbounded: {} characters",
                    m.chars().count()
                ),
            });
        }
        Ok(Outcome::Refused)
    };
    let table = match load(&path, None, None) {
        Ok(t) => t,
        Err(d) => {
            // Several versions: fit the first one named.
            let m = d.to_string();
            let Some(v) = m
                .split("versions: ")
                .nth(1)
                .and_then(|l| l.lines().next())
                .and_then(|l| l.split(", ").next())
                .map(str::to_string)
            else {
                return bounded(m);
            };
            match load(&path, None, Some(&v)) {
                Ok(t) => t,
                Err(d) => return bounded(d.to_string()),
            }
        }
    };
    let base = meshsim_models::presets::istio_1_24();
    let (costs, fits) = match meshsim_models::proxy_fit::fit_table(&table.points, &base) {
        Ok(x) => x,
        Err(e) => return bounded(e.to_string()),
    };
    for f in &fits {
        if !f.rms_relative_error.is_finite()
            || f.coefficients
                .iter()
                .any(|c| c.value.is_nan() || c.value < 0.0)
        {
            return Err(Finding {
                what: format!("a fit wrote a coefficient below 0 or a non-finite error: {f:?}"),
            });
        }
    }
    let preset = meshsim_scenarios::preset_file::calibrated("fuzzed", "istio-1.24", "fuzz", &fits);
    let text = meshsim_scenarios::preset_file::to_toml(&preset).map_err(|e| Finding {
        what: format!("the preset does not serialise: {e}"),
    })?;
    std::fs::write(dir.join("fuzzed-preset.toml"), &text).unwrap();
    let scenario = std::fs::read_to_string(root().join("scenarios/istio-benchmark.toml"))
        .unwrap()
        .replace("preset = \"istio-1.24\"", "preset = \"fuzzed-preset.toml\"");
    match meshsim_scenarios::parse_in("calibrated.toml", &scenario, Some(dir)) {
        Ok(s) => {
            let mut got = s.mesh.costs.clone();
            got.preset = costs.preset.clone();
            got.origin = None;
            if got != costs {
                return Err(Finding {
                    what: "the preset file does not give back the fitted figures".into(),
                });
            }
            Ok(Outcome::Ran)
        }
        Err(d) => Err(Finding {
            what: format!(
                "the written preset does not validate: {}",
                d.to_string().chars().take(600).collect::<String>()
            ),
        }),
    }
}

/// Checks one input, catching panics. `dir` is a scratch directory holding a copy of the
/// shipped base scenario of sweeps, and the trace of the trace-replay scenario.
pub fn check(kind: Kind, name: &str, bytes: &[u8], dir: &Path) -> Result<Outcome, Finding> {
    let r = catch_unwind(AssertUnwindSafe(|| match kind {
        Kind::Scenario => match std::str::from_utf8(bytes) {
            Ok(t) => check_scenario(name, t, dir),
            Err(_) => Ok(Outcome::Refused),
        },
        Kind::Sweep => check_sweep(bytes, dir),
        Kind::Trace => check_trace(bytes, dir),
        Kind::Replay => check_replay(bytes, dir),
        Kind::PodTable | Kind::NodeTable => check_table(kind, bytes, dir),
        Kind::Dump | Kind::Top => check_dump(kind, bytes, dir),
        Kind::Measurements => check_measurements(bytes, dir),
    }));
    match r {
        Ok(r) => r,
        Err(p) => Err(Finding {
            what: format!(
                "panic: {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default()
            ),
        }),
    }
}

/// A scratch directory laid out like the repository around a scenario: the shipped base
/// scenario of sweeps beside it, the shipped preset files in `presets/`, and `../data` with the
/// shipped traces.
pub fn scratch() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let scen = t.path().join("scenarios");
    std::fs::create_dir(&scen).unwrap();
    for f in [
        "gpu-inference-memory-bound.toml",
        "agent-chain-20-calls.toml",
    ] {
        std::fs::copy(root().join("scenarios").join(f), scen.join(f)).unwrap();
    }
    std::fs::create_dir(scen.join("presets")).unwrap();
    std::fs::copy(
        root().join("scenarios/presets/istio-1.22.0-eks.toml"),
        scen.join("presets/istio-1.22.0-eks.toml"),
    )
    .unwrap();
    let data = t.path().join("data/azure-llm");
    std::fs::create_dir_all(&data).unwrap();
    for f in [
        "AzureLLMInferenceTrace_code.csv",
        "AzureLLMInferenceTrace_conv.csv",
    ] {
        std::fs::copy(root().join("data/azure-llm").join(f), data.join(f)).unwrap();
    }
    let openb = t.path().join("data/openb");
    std::fs::create_dir_all(&openb).unwrap();
    let shipped = root().join("data/openb");
    for (f, rows) in [
        ("openb_node_list_gpu_node.csv", OPENB_NODES),
        ("openb_pod_list_default.csv", OPENB_PODS),
    ] {
        std::fs::write(openb.join(f), head(&shipped.join(f), rows)).unwrap();
    }
    t
}

/// Totals of a fuzzing run.
#[derive(Debug, Default)]
pub struct Report {
    /// Inputs checked.
    pub inputs: u64,
    /// Inputs that failed, with their index and what went wrong.
    pub findings: Vec<(u64, Kind, Finding, Vec<u8>)>,
    /// The slowest input and its time.
    pub slowest: (u64, Duration),
    /// Inputs refused with located errors, valid but not run, valid and run.
    pub outcomes: [u64; 3],
}

/// Checks inputs `0..n` of `seed`.
pub fn run(seed: u64, n: u64, mut on_progress: impl FnMut(u64)) -> Report {
    let seeds = seeds();
    let dir = scratch();
    let base = dir.path().join("scenarios");
    // Panics are caught and reported; keep their default messages off stderr.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut report = Report::default();
    for i in 0..n {
        let (kind, name, bytes) = input(&seeds, seed, i);
        let t = Instant::now();
        match check(kind, &name, &bytes, &base) {
            Ok(o) => report.outcomes[o as usize] += 1,
            Err(f) => report.findings.push((i, kind, f, bytes)),
        }
        let took = t.elapsed();
        if took > report.slowest.1 {
            report.slowest = (i, took);
        }
        report.inputs += 1;
        if i % 1000 == 999 {
            on_progress(i + 1);
        }
    }
    std::panic::set_hook(hook);
    report
}
