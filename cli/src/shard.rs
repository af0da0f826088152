//! Sharded sweeps: `meshsim sweep SWEEP --shard K/N` (or `--shards N` with K from
//! `JOB_COMPLETION_INDEX`) runs the points of shard K and writes a shard result;
//! `meshsim sweep merge DIRS…` checks the shards and writes the tables one unsharded run writes.
//!
//! A shard result is a directory `shard-K-of-N/` holding `shard.json` (format, meshsim
//! version, the sweep's fingerprint — the content hash of the sweep file, its base scenario and
//! every trace — the shard, the sweep's point count and what the tables need to know) and
//! `points.jsonl` (each point's rows, in point order). It is staged and moved into place like
//! every output, and holds no time or host: a shard run again (a Job retrying a pod) writes the
//! same bytes.

use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use meshsim_scenarios::Diagnostics;
use meshsim_scenarios::sweep::{self, Shard, Sweep};
use rayon::prelude::*;

use crate::Failure;
use crate::output::Staged;
use crate::sweep::{
    MergeArgs, PointRows, TableSpec, fingerprint, run_point, scenario_of, write_tables,
};

/// What `shard.json` says.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct ShardInfo {
    format: String,
    meshsim_version: String,
    fingerprint: String,
    shard: Shard,
    sweep_points: u64,
    shard_points: u64,
    tables: TableSpec,
}

const FORMAT: &str = "meshsim-sweep-shard/1";

/// Name of shard K of N's directory.
pub fn shard_dir_name(s: Shard) -> String {
    format!("shard-{}-of-{}", s.index, s.count)
}

fn which_shard(a: &crate::sweep::SweepArgs) -> Result<Shard, Failure> {
    let bad = |m: String| Failure::Input(format!("error: {m}"));
    match (&a.shard, &a.shards) {
        (Some(k), _) => Shard::parse(k).map_err(|e| bad(format!("--shard: {e}"))),
        (None, Some(n)) => {
            let count = Shard::count(n).map_err(|e| bad(format!("--shards: {e}")))?;
            let k = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
                bad("--shards: JOB_COMPLETION_INDEX is not set (a Kubernetes Indexed Job sets it in each pod; locally, set it or use --shard K/N)".into())
            })?;
            let index: u64 = k.trim().parse().map_err(|_| {
                bad(format!(
                    "--shards: JOB_COMPLETION_INDEX `{k}` is not a shard index"
                ))
            })?;
            Shard::new(index, count).map_err(|e| bad(format!("--shards: {e}")))
        }
        (None, None) => Err(bad("no shard given".into())),
    }
}

/// Runs one shard of `sw` and writes its result.
pub fn run(a: &crate::sweep::SweepArgs, path: &Path, sw: &Sweep) -> Result<(), Failure> {
    let shard = which_shard(a)?;
    let n = sw.point_count();
    let fp = fingerprint(path, sw)?;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("meshsim-out").join(&sw.name))
        .join(shard_dir_name(shard));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.map_or(0, usize::from))
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    let points: Vec<u64> = shard.points(n).collect();
    // The shard's own points are checked before any runs (a sweep checks all of its points;
    // a shard only the ones it will run).
    pool.install(|| {
        points.par_iter().try_for_each(|&i| {
            let s = scenario_of(sw, i)?;
            match (&s.plan, sw.plan) {
                (Err(d), true) => Err(Failure::Input(
                    sweep::point_error(sw, i, &sw.point(i), &Diagnostics(vec![(**d).clone()]))
                        .to_string(),
                )),
                _ => Ok(()),
            }
        })
    })?;
    let staged = Staged::new(&out).map_err(|e| Failure::Input(e.to_string()))?;
    let started = std::time::Instant::now();
    let rows: Vec<PointRows> = pool.install(|| {
        points
            .par_iter()
            .map(|&i| run_point(sw, i))
            .collect::<Result<Vec<_>, Failure>>()
    })?;
    write_shard(staged, sw, shard, n, &fp, &rows).map_err(Failure::Other)?;
    if !a.quiet {
        println!(
            "meshsim {} · sweep {} · shard {shard}: {} of {n} point(s) in {:.1} s; wrote {}/ shard.json, points.jsonl",
            env!("CARGO_PKG_VERSION"),
            sw.name,
            rows.len(),
            started.elapsed().as_secs_f64(),
            out.display()
        );
    }
    Ok(())
}

fn write_shard(
    mut staged: Staged,
    sw: &Sweep,
    shard: Shard,
    n: u64,
    fp: &str,
    rows: &[PointRows],
) -> anyhow::Result<()> {
    let info = ShardInfo {
        format: FORMAT.into(),
        meshsim_version: env!("CARGO_PKG_VERSION").into(),
        fingerprint: fp.into(),
        shard,
        sweep_points: n,
        shard_points: rows.len() as u64,
        tables: TableSpec::of(sw),
    };
    let mut text = serde_json::to_string_pretty(&info)?;
    text.push('\n');
    staged.bytes("shard.json", text.as_bytes())?;
    let mut lines = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut lines, r)?;
        lines.push(b'\n');
    }
    staged.bytes("points.jsonl", &lines)?;
    staged.commit()
}

/// The shard directories among `dirs` (a directory without `shard.json` is searched one level
/// down), sorted and without repeats.
fn shard_dirs(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut out = Vec::new();
    for d in dirs {
        if d.join("shard.json").is_file() {
            out.push(d.clone());
            continue;
        }
        let rd = std::fs::read_dir(d)
            .map_err(|e| Failure::Input(format!("error: {}: {e}", d.display())))?;
        let mut found: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("shard.json").is_file())
            .collect();
        if found.is_empty() {
            return Err(Failure::Input(format!(
                "error: {}: no shard result here (a directory with shard.json, written by `meshsim sweep SWEEP --shard K/N`)",
                d.display()
            )));
        }
        found.sort();
        out.extend(found);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn read_info(dir: &Path) -> Result<ShardInfo, Failure> {
    let p = dir.join("shard.json");
    let text = meshsim_scenarios::read_bounded(&p).map_err(|d| Failure::Input(d.to_string()))?;
    let info: ShardInfo = serde_json::from_str(&text).map_err(|e| {
        Failure::Input(format!(
            "error: {}: not a meshsim shard result: {e}",
            p.display()
        ))
    })?;
    if info.format != FORMAT {
        return Err(Failure::Input(format!(
            "error: {}: format `{}`, not `{FORMAT}`",
            p.display(),
            info.format
        )));
    }
    Ok(info)
}

/// Longest line of `points.jsonl` read (a point's rows are kilobytes).
const MAX_LINE: u64 = 16 << 20;

fn read_points(dir: &Path, info: &ShardInfo) -> Result<Vec<PointRows>, Failure> {
    let p = dir.join("points.jsonl");
    let f = std::fs::File::open(&p)
        .map_err(|e| Failure::Input(format!("error: {}: {e}", p.display())))?;
    let mut reader = std::io::BufReader::new(f);
    let mut out = Vec::new();
    let mut line = Vec::new();
    for i in 0.. {
        line.clear();
        let n = (&mut reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::Input(format!("error: {}: {e}", p.display())))?;
        if n == 0 {
            break;
        }
        if n as u64 > MAX_LINE {
            return Err(Failure::Input(format!(
                "error: {}:{}: a line longer than {MAX_LINE} bytes: not a point's rows",
                p.display(),
                i + 1
            )));
        }
        let r: PointRows = serde_json::from_slice(&line).map_err(|e| {
            Failure::Input(format!(
                "error: {}:{}: not a point's rows: {e}",
                p.display(),
                i + 1
            ))
        })?;
        if r.point % info.shard.count != info.shard.index {
            return Err(Failure::Input(format!(
                "error: {}:{}: point {} does not belong to shard {}",
                p.display(),
                i + 1,
                r.point,
                info.shard
            )));
        }
        out.push(r);
    }
    if out.len() as u64 != info.shard_points {
        return Err(Failure::Input(format!(
            "error: {}: {} point(s), but shard.json says {}: the shard result is incomplete",
            p.display(),
            out.len(),
            info.shard_points
        )));
    }
    Ok(out)
}

/// `meshsim sweep merge`.
pub fn merge(a: &MergeArgs) -> Result<(), Failure> {
    let dirs = shard_dirs(&a.dirs)?;
    let infos: Vec<ShardInfo> = dirs
        .iter()
        .map(|d| read_info(d))
        .collect::<Result<_, _>>()?;
    let first = &infos[0];
    for (d, i) in dirs.iter().zip(&infos).skip(1) {
        if i.fingerprint != first.fingerprint || i.tables != first.tables {
            return Err(Failure::Input(format!(
                "error: {} and {} come from different sweeps (a different sweep file, base scenario, trace or meshsim version): their fingerprints differ",
                dirs[0].display(),
                d.display()
            )));
        }
        if i.shard.count != first.shard.count || i.sweep_points != first.sweep_points {
            return Err(Failure::Input(format!(
                "error: {} is shard {} of a sweep cut into {} shard(s) of {} point(s), {} shard {} of {} shard(s) of {}: merge the shards of one run",
                d.display(),
                i.shard,
                i.shard.count,
                i.sweep_points,
                dirs[0].display(),
                first.shard,
                first.shard.count,
                first.sweep_points
            )));
        }
    }
    let mut all: Vec<(String, Vec<PointRows>)> = Vec::new();
    for (d, i) in dirs.iter().zip(&infos) {
        all.push((d.display().to_string(), read_points(d, i)?));
    }
    let held: Vec<(String, Vec<u64>)> = all
        .iter()
        .map(|(n, r)| (n.clone(), r.iter().map(|p| p.point).collect()))
        .collect();
    sweep::shard::coverage(
        first.sweep_points,
        held.iter().map(|(n, p)| (n.as_str(), p.as_slice())),
    )
    .map_err(|c| {
        Failure::Input(format!(
            "error: the shards do not make the whole sweep: {c}"
        ))
    })?;
    let mut done: BTreeMap<u64, PointRows> = BTreeMap::new();
    for (_, rows) in all {
        for r in rows {
            done.insert(r.point, r);
        }
    }
    let staged = Staged::new(&a.out).map_err(|e| Failure::Input(e.to_string()))?;
    write_tables(staged, &first.tables, &done).map_err(Failure::Other)?;
    if !a.quiet {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "meshsim {} · sweep {} · merged {} shard(s), {} point(s); wrote {}/",
            env!("CARGO_PKG_VERSION"),
            first.tables.name,
            dirs.len(),
            first.sweep_points,
            a.out.display()
        );
    }
    Ok(())
}
