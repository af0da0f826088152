//! `meshsim sweep`: many variants of a scenario in parallel, one table out.
//!
//! Every point runs with a seed derived from (sweep seed, point index), and its rows are
//! appended to `DIR/.meshsim-sweep/points.jsonl` as soon as it finishes. The final tables are
//! assembled from that log in point order, so the output is byte-identical for any `--threads`,
//! Ctrl-C keeps every finished point, and `--resume DIR` runs only what is missing.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use meshsim_models::capacity;
use meshsim_scenarios::sweep::{self, Sweep};
use meshsim_scenarios::{Diagnostics, Scenario};
use polars::prelude::{Column, DataFrame, DataType};
use rayon::prelude::*;

use crate::Failure;
use crate::output::Staged;
use crate::tables;
use meshsim_models::rows::run::SummaryRow;
use meshsim_models::rows::sweep::{CapacityRow, UncertaintyRow};
use meshsim_models::rows::{Cell, Row, RunInfo, SCHEMA_VERSION, r6};
use meshsim_models::study;

/// Arguments of `meshsim sweep`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    /// `merge`: the shard results of a sharded sweep into its tables.
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// Sweep file (TOML): a base scenario, parameters to vary, a strategy.
    #[arg(required = true)]
    pub sweep: Option<PathBuf>,
    /// Output directory [default: meshsim-out/<sweep name>/]; with --shard, the shard's result
    /// goes in DIR/shard-K-of-N/.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads, 1 to 1024 [default: all cores]. Results do not depend on it. Example:
    /// --threads 2
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Finish an interrupted sweep in DIR: completed points are kept, the rest are run, and the
    /// final tables are those of an uninterrupted run.
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Run only shard K of N (points i with i mod N = K) and write a shard result; merge the
    /// shards with `meshsim sweep merge`. Example: --shard 3/8
    #[arg(long, value_name = "K/N", conflicts_with_all = ["resume", "shards", "emit_job"])]
    pub shard: Option<String>,
    /// Run shard K of N with K from the environment variable JOB_COMPLETION_INDEX (what a
    /// Kubernetes Indexed Job sets in pod K). Example: --shards 8
    #[arg(long, value_name = "N", conflicts_with = "resume")]
    pub shards: Option<String>,
    /// Write a Kubernetes manifest set (Indexed Job, ConfigMap of the inputs, results volume,
    /// merge Job, collector pod) into DIR instead of running; --shards gives the shard count.
    #[arg(long, value_name = "DIR", conflicts_with = "resume")]
    pub emit_job: Option<PathBuf>,
    /// With --emit-job: the container image holding `meshsim` [default: meshsim:<version>].
    #[arg(long, value_name = "IMAGE", requires = "emit_job")]
    pub image: Option<String>,
    /// With --emit-job: shard pods at once [default: the shard count, at most 16].
    #[arg(long, value_name = "N", requires = "emit_job")]
    pub parallelism: Option<u64>,
    /// With --emit-job: size of the results volume [default: 1Gi].
    #[arg(long, value_name = "QUANTITY", requires = "emit_job")]
    pub storage: Option<String>,
    /// With --emit-job: storage class of the results volume (one with ReadWriteMany) [default:
    /// the cluster's default].
    #[arg(long, value_name = "NAME", requires = "emit_job")]
    pub storage_class: Option<String>,
    /// With --emit-job: namespace of every object [default: kubectl's current one].
    #[arg(long, value_name = "NAME", requires = "emit_job")]
    pub namespace: Option<String>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Stop as Ctrl-C does once this many points have finished (to test --resume).
    #[arg(long, hide = true, value_name = "N")]
    pub stop_after: Option<u64>,
}

/// Subcommands of `meshsim sweep`.
#[derive(Debug, clap::Subcommand)]
pub enum SweepCommand {
    /// Merge shard results (directories written by `--shard`/`--shards`, or directories holding
    /// them) into the tables one unsharded run writes, byte for byte.
    #[command(after_help = "Example:\n  meshsim sweep merge results/ --out meshsim-out/my-sweep")]
    Merge(MergeArgs),
}

/// Arguments of `meshsim sweep merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Shard result directories (`shard-K-of-N/`), or directories holding them.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Output directory of the merged tables.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No summary.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What the final tables need to know of the sweep: the same whether they are written by the
/// sweep itself or merged from its shards (each shard records it).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableSpec {
    /// Sweep name.
    pub name: String,
    /// Its description (the question it asks).
    #[serde(default)]
    pub description: String,
    /// The base scenario, as the sweep file names it from where meshsim ran.
    pub base_scenario: String,
    /// Sweep seed.
    pub seed: u64,
    /// Strategy, as `sweep.json` prints it.
    pub strategy: String,
    /// Parameters: name, path, domain (as printed) and whether it is an interval.
    pub parameters: Vec<(String, String, String, bool)>,
    /// With `[capacity]`.
    pub capacity: bool,
    /// With `plan = true`.
    pub plan: bool,
}

impl TableSpec {
    /// Of a loaded sweep.
    pub fn of(sw: &Sweep) -> TableSpec {
        TableSpec {
            name: sw.name.clone(),
            description: sw.description.clone(),
            base_scenario: sw.scenario_path.display().to_string(),
            seed: sw.seed,
            strategy: format!("{:?}", sw.strategy),
            parameters: sw
                .parameters
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        p.path.clone(),
                        format!("{:?}", p.domain),
                        matches!(p.domain, meshsim_scenarios::sweep::Domain::Interval { .. }),
                    )
                })
                .collect(),
            capacity: sw.capacity.is_some(),
            plan: sw.plan,
        }
    }

    fn has_interval(&self) -> bool {
        self.parameters.iter().any(|p| p.3)
    }
}

/// What one point produced.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct PointRows {
    /// The point's index.
    pub point: u64,
    summary: Vec<Row>,
    capacity: Vec<Row>,
    /// With `plan = true`: a row per strategy (`plan.csv`'s columns).
    #[serde(default)]
    plan: Vec<Row>,
}

/// Identifies a sweep, its base scenario and every file they read: a resume only continues the
/// same sweep over the same data.
pub fn fingerprint(path: &Path, s: &Sweep) -> Result<String, Failure> {
    s.fingerprint(path, env!("CARGO_PKG_VERSION"))
        .map_err(|e| Failure::Input(format!("error: cannot read a sweep input: {e}")))
}

/// Cuts a point log after its last complete line: a crash mid-write leaves a torn line, and
/// the next append must not land on it.
fn truncate_torn(log: &Path) -> anyhow::Result<()> {
    let Ok(bytes) = std::fs::read(log) else {
        return Ok(());
    };
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    if keep < bytes.len() {
        let f = std::fs::OpenOptions::new().write(true).open(log)?;
        f.set_len(keep as u64)?;
    }
    Ok(())
}

fn param_cell(v: &toml::Value) -> Cell {
    match v {
        toml::Value::Integer(i) => Cell::I(Some(*i)),
        toml::Value::Float(f) => Cell::F(Some(r6(*f))),
        toml::Value::String(s) => Cell::S(s.clone()),
        other => Cell::S(other.to_string()),
    }
}

/// The scenario of point `i`, with the sweep's overrides.
pub fn scenario_of(sw: &Sweep, i: u64) -> Result<Scenario, Failure> {
    let point = sw.point(i);
    let text = sw
        .apply(&point)
        .map_err(|e| Failure::Input(format!("error: point {i}: {e}")))?;
    let name = sw.scenario_path.display().to_string();
    let mut s =
        meshsim_scenarios::parse_in(&name, &text, sw.scenario_path.parent()).map_err(|d| {
            let d = d.relocated(&name, Some(&sw.scenario_text), "");
            Failure::Input(sweep::point_error(sw, i, &point, &d).to_string())
        })?;
    // 63 bits, so the seed prints as given and `meshsim run --seed` reproduces the point.
    s.seed = meshsim_core::rng::RngStreams::new(sw.seed).child_seed("point", i) >> 1;
    if let Some(r) = sw.replications {
        s.replications = r;
    }
    if let Some(m) = &sw.modes {
        s.modes = m.clone();
    }
    if let Some(n) = sw.nodes_required {
        s.nodes_required = n;
    }
    // A point is the static study: sweep.csv has no column of the day, so it is not run.
    s.autoscaling = None;
    Ok(s)
}

pub fn run_point(sw: &Sweep, i: u64) -> Result<PointRows, Failure> {
    let s = scenario_of(sw, i)?;
    let point = sw.point(i);
    let rr = study::run(
        &s.study(),
        study::Options {
            rank_namespaces: false,
        },
        &study::NoProgress,
    )
    .map_err(|e| Failure::Other(e.into()))?;
    let info = RunInfo {
        scenario: &s.name,
        seed: s.seed,
    };
    let prefix = |row: Row| {
        let mut r = Row(vec![("point".to_string(), Cell::I(Some(i as i64)))]);
        for (p, v) in sw.parameters.iter().zip(&point) {
            r.0.push((p.name.clone(), param_cell(v)));
        }
        r.0.extend(row.0);
        r
    };
    let summary = meshsim_models::rows::run::summary(&info, s.current, &rr.results, &rr.latency)
        .iter()
        .map(|x: &SummaryRow| {
            // A sweep point reports the fleet's totals: its `cluster` would always be `fleet`.
            let mut r = Row::of(x);
            r.0.retain(|(n, _)| n != "cluster" && n != "region");
            prefix(r)
        })
        .collect();
    let mut cap_rows = Vec::new();
    if let Some(cap) = &sw.capacity {
        // Names were resolved against the base scenario; a parameter may not rename them.
        let renamed = |what: &str, name: &str| {
            Failure::Input(format!(
                "error: point {i}: [capacity] {what} `{name}` is not where the base scenario has it: a sweep parameter must not rename what [capacity] names"
            ))
        };
        let mut pools = Vec::new();
        for (idx, name) in &cap.pools {
            if s.cluster.pools.get(*idx).map(|p| &p.name) != Some(name) {
                return Err(renamed("pool", name));
            }
            pools.push(*idx);
        }
        let mut replicas = BTreeMap::new();
        for (idx, (name, n)) in &cap.replicas {
            if s.cluster.workloads.get(*idx).map(|w| &w.name) != Some(name) {
                return Err(renamed("workload", name));
            }
            replicas.insert(*idx, *n);
        }
        let slo = match (cap.chain_p99_ms, &s.latency) {
            (Some(ms), Some(spec)) => Some((spec, s.replications, ms)),
            (Some(_), None) => {
                return Err(Failure::Input(
                    "error: [capacity] chain_p99_ms needs [[traffic]] in the scenario to simulate"
                        .into(),
                ));
            }
            (None, _) => None,
        };
        let search = capacity::Search {
            cluster: &s.cluster,
            mesh: &s.mesh,
            scheduler: s.scheduler,
            seed: s.seed,
            pools,
            replicas,
            max_nodes: cap.max_nodes,
            slo,
            rules: &s.rules,
        };
        for f in capacity::search(&search, &s.modes) {
            for ps in &f.pools {
                let r = Row::of(&CapacityRow {
                    schema_version: SCHEMA_VERSION,
                    scenario: s.name.clone(),
                    mode: f.mode.as_str().to_string(),
                    seed: s.seed as i64,
                    pool: s.cluster.pools[ps.pool].name.clone(),
                    nodes: ps.nodes.map(i64::from),
                    feasible: ps.nodes.is_some(),
                    chain_p99_slo_ms: cap.chain_p99_ms,
                    chain_p99_ms: f.chain_p99_ms,
                    cost_usd_per_month: f.cost_usd_per_month,
                });
                cap_rows.push(prefix(r));
            }
        }
    }
    let mut plan_rows = Vec::new();
    if sw.plan {
        let p = crate::plan::compute(&s, false, &study::NoProgress)?;
        let spec = s.plan.as_ref().map_err(|d| Failure::Input(d.to_string()))?;
        for r in meshsim_models::rows::plan::plans(&info, &p, spec) {
            plan_rows.push(prefix(Row::of(&r)));
        }
    }
    Ok(PointRows {
        point: i,
        summary,
        capacity: cap_rows,
        plan: plan_rows,
    })
}

fn read_log(path: &Path) -> BTreeMap<u64, PointRows> {
    let mut done = BTreeMap::new();
    if let Ok(f) = std::fs::File::open(path) {
        for line in std::io::BufReader::new(f).lines().map_while(Result::ok) {
            // A line cut short by an interruption does not parse and is run again.
            if let Ok(p) = serde_json::from_str::<PointRows>(&line) {
                done.insert(p.point, p);
            }
        }
    }
    done
}

/// `sweep-summary.csv`: per parameter, mode and value, mean/min/max of replicas recovered and
/// savings — aggregated with polars' (eager) group-by.
#[allow(
    deprecated,
    reason = "the eager group-by aggregations are what polars offers without `lazy`, which would pull a network stack into the build"
)]
fn sweep_summary(df: &DataFrame, params: &[String]) -> anyhow::Result<DataFrame> {
    let metrics = ["replicas_recovered", "mesh_savings_usd_per_month"];
    let mut out: Option<DataFrame> = None;
    for p in params {
        let by = ["mode", p.as_str()];
        let mean = df.group_by_stable(by)?.select(metrics).mean()?;
        let min = df.group_by_stable(by)?.select(metrics).min()?;
        let max = df.group_by_stable(by)?.select(metrics).max()?;
        let count = df.group_by_stable(by)?.select(["point"]).count()?;
        let n = mean.height();
        let mut cols: Vec<Column> = vec![
            Column::new("parameter".into(), vec![p.clone(); n]),
            mean.column("mode")?.clone(),
            mean.column(p)?
                .cast(&DataType::String)?
                .with_name("value".into()),
            count
                .column("point_count")?
                .clone()
                .with_name("points".into()),
        ];
        for m in metrics {
            for (frame, agg) in [(&mean, "mean"), (&min, "min"), (&max, "max")] {
                let c = frame
                    .column(&format!("{m}_{agg}"))?
                    .cast(&DataType::Float64)?;
                // Rounded to 6 decimals, as every other float meshsim writes.
                let rounded: Vec<Option<f64>> = c
                    .f64()?
                    .iter()
                    .map(|v| v.map(meshsim_models::rows::r6))
                    .collect();
                cols.push(Column::new(format!("{m}_{agg}").into(), rounded));
            }
        }
        let part = DataFrame::new_infer_height(cols)?;
        out = Some(match out {
            None => part,
            Some(mut acc) => {
                acc.vstack_mut(&part)?;
                acc
            }
        });
    }
    Ok(match out {
        Some(d) => d,
        None => DataFrame::new_infer_height(vec![Column::new(
            "parameter".into(),
            Vec::<String>::new(),
        )])?,
    })
}

/// Percentiles (nearest rank on sorted values).
fn pct(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    Some(sorted[i])
}

/// `uncertainty.csv`: per mode and metric, P10 / P50 / P90 and mean over the sampled points.
fn uncertainty(rows: &[Row], scenario: &str, seed: u64) -> Vec<UncertaintyRow> {
    let metrics = [
        "replicas_recovered",
        "mesh_savings_usd_per_month",
        "proxy_memory_request_gib",
        "proxy_memory_usage_gib",
    ];
    let mut by_mode: BTreeMap<String, BTreeMap<&str, Vec<f64>>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for r in rows {
        let mode = r.0.iter().find(|c| c.0 == "mode").and_then(|c| match &c.1 {
            Cell::S(s) => Some(s.clone()),
            _ => None,
        });
        let Some(mode) = mode else { continue };
        if !order.contains(&mode) {
            order.push(mode.clone());
        }
        for m in metrics {
            let v = r.0.iter().find(|c| c.0 == m).and_then(|c| match c.1 {
                Cell::F(Some(x)) => Some(x),
                Cell::I(Some(x)) => Some(x as f64),
                _ => None,
            });
            if let Some(v) = v {
                by_mode
                    .entry(mode.clone())
                    .or_default()
                    .entry(m)
                    .or_default()
                    .push(v);
            }
        }
    }
    let mut out = Vec::new();
    for mode in order {
        for m in metrics {
            let mut v = by_mode
                .get(&mode)
                .and_then(|x| x.get(m))
                .cloned()
                .unwrap_or_default();
            v.sort_by(f64::total_cmp);
            let r = UncertaintyRow {
                schema_version: SCHEMA_VERSION,
                scenario: scenario.to_string(),
                mode: mode.clone(),
                seed: seed as i64,
                metric: m.to_string(),
                samples: v.len() as i64,
                p10: pct(&v, 0.10),
                p50: pct(&v, 0.50),
                p90: pct(&v, 0.90),
                mean: (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64),
            };
            out.push(r);
        }
    }
    out
}

/// `meshsim sweep`.
/// Loads and checks a sweep file (its parameters may not take an output column's name).
pub fn load(path: &Path) -> Result<Sweep, Failure> {
    sweep::load_reserving(path, &tables::reserved_sweep_columns())
        .map_err(|d: Diagnostics| Failure::Input(d.to_string()))
}

/// `meshsim sweep` on one machine (shards, merges and Job manifests are in `shard` and `job`).
pub fn sweep(a: &SweepArgs, path: &Path, sw: Sweep) -> Result<(), Failure> {
    let n = sw.point_count();
    let dir = a
        .resume
        .clone()
        .or_else(|| a.out.clone())
        .unwrap_or_else(|| PathBuf::from("meshsim-out").join(&sw.name));
    // Check every point's scenario before any work: a bad value stops the sweep at once.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.map_or(0, usize::from))
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    pool.install(|| {
        (0..n).into_par_iter().try_for_each(|i| {
            let s = scenario_of(&sw, i)?;
            match (&s.plan, sw.plan) {
                (Err(d), true) => Err(Failure::Input(
                    sweep::point_error(&sw, i, &sw.point(i), &Diagnostics(vec![(**d).clone()]))
                        .to_string(),
                )),
                _ => Ok(()),
            }
        })
    })?;
    let staged = Staged::new(&dir).map_err(|e| Failure::Input(e.to_string()))?;
    let state = dir.join(".meshsim-sweep");
    let fp = fingerprint(path, &sw)?;
    let log_path = state.join("points.jsonl");
    let fp_path = state.join("fingerprint");
    if a.resume.is_some() {
        let have = std::fs::read_to_string(&fp_path).map_err(|_| {
            Failure::Input(format!(
                "error: --resume {}: no interrupted sweep there (no {})",
                dir.display(),
                fp_path.display()
            ))
        })?;
        if have.trim() != fp {
            return Err(Failure::Input(format!(
                "error: --resume {}: the sweep there was started from a different sweep file, base scenario, trace or meshsim version",
                dir.display()
            )));
        }
    } else {
        let _ = std::fs::remove_dir_all(&state);
        std::fs::create_dir_all(&state)
            .map_err(|e| Failure::Input(format!("error: {}: {e}", state.display())))?;
        std::fs::write(
            dir.join(crate::output::MARKER),
            "meshsim output directory\n",
        )
        .map_err(|e| Failure::Other(e.into()))?;
        std::fs::write(&fp_path, &fp).map_err(|e| Failure::Other(e.into()))?;
    }
    truncate_torn(&log_path).map_err(Failure::Other)?;
    let done = read_log(&log_path);
    let todo: Vec<u64> = (0..n).filter(|i| !done.contains_key(i)).collect();

    // Ctrl-C: finish the points in progress, keep them, stop.
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!(
                "\ninterrupt: finishing the points in progress (Ctrl-C again to quit at once)"
            );
        });
    }
    let pb = ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr());
    if a.quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_style(
        ProgressStyle::with_template("{spinner} points [{bar:30}] {pos}/{len} {elapsed} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_position(done.len() as u64);
    let (tx, rx) = mpsc::channel::<PointRows>();
    let writer = {
        let log_path = log_path.clone();
        std::thread::spawn(move || -> anyhow::Result<()> {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log_path)
                .with_context(|| format!("opening {}", log_path.display()))?;
            for p in rx {
                let mut line = serde_json::to_string(&p)?;
                line.push('\n');
                f.write_all(line.as_bytes())?;
                f.flush()?;
            }
            Ok(())
        })
    };
    let started = std::time::Instant::now();
    let finished = std::sync::atomic::AtomicU64::new(0);
    let result: Result<(), Failure> = pool.install(|| {
        todo.par_iter().try_for_each_with(tx, |tx, &i| {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            let rows = run_point(&sw, i)?;
            pb.inc(1);
            let _ = tx.send(rows);
            if let Some(k) = a.stop_after
                && finished.fetch_add(1, Ordering::SeqCst) + 1 >= k
            {
                stop.store(true, Ordering::SeqCst);
            }
            Ok(())
        })
    });
    writer
        .join()
        .map_err(|_| Failure::Other(anyhow::anyhow!("the point log writer failed")))?
        .map_err(Failure::Other)?;
    pb.finish_and_clear();
    result?;
    let elapsed = started.elapsed().as_secs_f64();
    let done = read_log(&log_path);
    if (done.len() as u64) < n {
        eprintln!(
            "interrupted: {} of {n} points done and kept in {}; finish with `meshsim sweep {} --resume {}`",
            done.len(),
            dir.display(),
            path.display(),
            dir.display()
        );
        drop(staged);
        std::process::exit(130);
    }
    write_tables(staged, &TableSpec::of(&sw), &done).map_err(Failure::Other)?;
    let _ = std::fs::remove_dir_all(&state);
    if !a.quiet {
        let ran = todo.len() as f64;
        println!(
            "meshsim {} · sweep {} · {n} point(s), strategy {:?}, {} parameter(s)",
            env!("CARGO_PKG_VERSION"),
            sw.name,
            sw.strategy,
            sw.parameters.len()
        );
        if ran > 0.0 && elapsed > 0.0 {
            println!(
                "{ran} point(s) in {elapsed:.1} s ({:.1} points/s)",
                ran / elapsed
            );
        }
        let mut files = vec!["sweep", "sweep-summary"];
        if sw
            .parameters
            .iter()
            .any(|p| matches!(p.domain, meshsim_scenarios::sweep::Domain::Interval { .. }))
        {
            files.push("uncertainty");
        }
        if sw.capacity.is_some() {
            files.push("capacity");
        }
        if sw.plan {
            files.push("plan-sweep");
            files.push("plan-uncertainty");
        }
        println!(
            "wrote {}/ {} (.csv and .parquet), sweep.json",
            dir.display(),
            files.join(", ")
        );
    }
    Ok(())
}

/// Writes the final tables of `done` (every point, in point order) and commits them.
pub fn write_tables(
    mut staged: Staged,
    sw: &TableSpec,
    done: &BTreeMap<u64, PointRows>,
) -> anyhow::Result<()> {
    let rows: Vec<Row> = done
        .values()
        .flat_map(|p| p.summary.iter().cloned())
        .collect();
    let mut df = tables::frame_rows(&rows)?;
    staged.table("sweep", &mut df)?;
    let names: Vec<String> = sw.parameters.iter().map(|p| p.0.clone()).collect();
    staged.table("sweep-summary", &mut sweep_summary(&df, &names)?)?;
    let scenario = rows
        .first()
        .and_then(|r| r.0.iter().find(|c| c.0 == "scenario"))
        .map_or(String::new(), |c| match &c.1 {
            Cell::S(s) => s.clone(),
            _ => String::new(),
        });
    if sw.has_interval() {
        staged.table(
            "uncertainty",
            &mut tables::frame(&uncertainty(&rows, &scenario, sw.seed))?,
        )?;
    }
    if sw.capacity {
        let cap: Vec<Row> = done
            .values()
            .flat_map(|p| p.capacity.iter().cloned())
            .collect();
        staged.table("capacity", &mut tables::frame_rows(&cap)?)?;
    }
    if sw.plan {
        let rows: Vec<Row> = done.values().flat_map(|p| p.plan.iter().cloned()).collect();
        staged.table("plan-sweep", &mut tables::frame_rows(&rows)?)?;
        let num = |r: &Row, c: &str| match r.get(c) {
            Some(Cell::F(x)) => *x,
            Some(Cell::I(x)) => x.map(|x| x as f64),
            _ => None,
        };
        let points: Vec<(String, [Option<f64>; 4])> = rows
            .iter()
            .map(|r| {
                let strategy = match r.get("strategy") {
                    Some(Cell::S(s)) => s.clone(),
                    _ => String::new(),
                };
                let m = meshsim_models::rows::plan::UNCERTAIN;
                (
                    strategy,
                    [num(r, m[0]), num(r, m[1]), num(r, m[2]), num(r, m[3])],
                )
            })
            .collect();
        staged.table(
            "plan-uncertainty",
            &mut tables::frame(&meshsim_models::rows::plan::uncertainty(
                &scenario, sw.seed, &points,
            ))?,
        )?;
    }
    let info = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "meshsim_version": env!("CARGO_PKG_VERSION"),
        "sweep": sw.name,
        "description": sw.description,
        "base_scenario": sw.base_scenario,
        "seed": sw.seed,
        "strategy": sw.strategy,
        "points": done.len(),
        "plan": sw.plan,
        "parameters": sw.parameters.iter().map(|p| serde_json::json!({"name": p.0, "path": p.1, "domain": p.2})).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&info)?;
    text.push('\n');
    staged.bytes("sweep.json", text.as_bytes())?;
    let dir = staged.staging_dir().to_path_buf();
    let page = crate::sweep_report::page(
        &crate::sweep_report::SweepInfo {
            name: &sw.name,
            description: &sw.description,
            base_scenario: &sw.base_scenario,
            seed: sw.seed,
            parameters: names,
        },
        &df,
        &dir,
        true,
    )?;
    staged.bytes("report.html", crate::report::html(&page).as_bytes())?;
    staged.commit()?;
    Ok(())
}
