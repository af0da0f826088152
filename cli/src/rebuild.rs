//! `meshsim report DIR`: rebuilds `report.html` and the charts of a run, plan, sweep or replay
//! directory.
//!
//! - A replay directory names its scenario file (`replay.json`): meshsim replays it again and
//!   checks the tables the same way as for a run.
//! - A run or plan directory holds its resolved scenario (`run.json`, `plan.json`): meshsim
//!   computes it again (same seed, same figures) and replaces the directory only when every table
//!   and the JSON it writes are byte-identical to those already there — so a rebuilt page never
//!   shows figures its tables do not hold. A directory written by another meshsim version, or
//!   edited, is refused with what differs.
//! - A sweep directory is rebuilt from its `sweep.csv` and `sweep.json` (a sweep is not run
//!   again).
//!
//! The directory is replaced in one step (see `output.rs`); on any refusal it is left as it was.

use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::{CsvReadOptions, SerReader};

use crate::Failure;
use crate::output::Staged;

/// Arguments of `meshsim report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// A directory written by `meshsim run`, `plan`, `sweep` (or a merge) or `replay`.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// What kind of directory it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Run,
    Plan,
    Sweep,
    Replay,
}

fn kind(dir: &Path) -> Result<Kind, Failure> {
    let found: Vec<Kind> = [
        ("run.json", Kind::Run),
        ("plan.json", Kind::Plan),
        ("sweep.json", Kind::Sweep),
        ("replay.json", Kind::Replay),
    ]
    .iter()
    .filter(|(f, _)| dir.join(f).is_file())
    .map(|(_, k)| *k)
    .collect();
    match found.as_slice() {
        [k] => Ok(*k),
        [] => Err(Failure::Input(format!(
            "error: {}: holds none of run.json, plan.json, sweep.json, replay.json — give a directory written by meshsim run, plan, sweep or replay",
            dir.display()
        ))),
        _ => Err(Failure::Input(format!(
            "error: {}: holds more than one of run.json, plan.json, sweep.json, replay.json; meshsim writes one kind per directory",
            dir.display()
        ))),
    }
}

/// The JSON document of `file` in `dir`.
fn json(dir: &Path, file: &str) -> Result<serde_json::Value, Failure> {
    let p = dir.join(file);
    let text = meshsim_scenarios::read_bounded(&p).map_err(|d| Failure::Input(d.to_string()))?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::Input(format!(
            "error: {}: line {}, column {}: not JSON: {e}",
            p.display(),
            e.line(),
            e.column()
        ))
    })
}

/// Files of the staged set that must equal the directory's: every table and the JSON
/// description (charts and the page are what is rebuilt).
fn check_same(staged: &Path, dir: &Path, json_file: &str, command: &str) -> Result<(), Failure> {
    let mut names: Vec<String> = std::fs::read_dir(staged)
        .map_err(|e| Failure::Other(e.into()))?
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|n| n.ends_with(".csv") || n == json_file)
        .collect();
    names.sort();
    let mut differ = Vec::new();
    for n in &names {
        let new = std::fs::read(staged.join(n)).map_err(|e| Failure::Other(e.into()))?;
        match std::fs::read(dir.join(n)) {
            Ok(old) if old == new => {}
            Ok(_) => differ.push(format!("{n} differs")),
            Err(_) => differ.push(format!("{n} is missing")),
        }
    }
    if differ.is_empty() {
        return Ok(());
    }
    Err(Failure::Input(format!(
        "error: {}: {} — this meshsim ({}) does not compute the same figures from {json_file} (another version wrote the directory, or it was edited); the directory is left as it was. Run `meshsim {command}` again to get a report of this version's figures",
        dir.display(),
        differ.join(", "),
        env!("CARGO_PKG_VERSION")
    )))
}

/// The path the JSON file records for the scenario (so the rewritten JSON is the same bytes).
fn scenario_file(doc: &serde_json::Value, fallback: &Path) -> PathBuf {
    doc.get("scenario_file")
        .and_then(|v| v.as_str())
        .map_or_else(|| fallback.to_path_buf(), PathBuf::from)
}

fn run_dir(dir: &Path) -> Result<(), Failure> {
    let file = dir.join("run.json");
    let doc = json(dir, "run.json")?;
    let s = crate::run::load_scenario(&file).map_err(|d| Failure::Input(d.to_string()))?;
    let rr = crate::run::compute(&s, &indicatif::ProgressBar::hidden(), true)?;
    let mut staged = Staged::new(dir).map_err(|e| Failure::Input(e.to_string()))?;
    crate::run::write_outputs(&mut staged, &s, &scenario_file(&doc, &file), &rr, true)
        .map_err(Failure::Other)?;
    check_same(staged.staging_dir(), dir, "run.json", "run")?;
    staged.commit().map_err(Failure::Other)
}

fn plan_dir(dir: &Path) -> Result<(), Failure> {
    let file = dir.join("plan.json");
    let doc = json(dir, "plan.json")?;
    let s = crate::run::load_scenario(&file).map_err(|d| Failure::Input(d.to_string()))?;
    let spec = s
        .plan
        .as_ref()
        .map_err(|d| Failure::Input(d.to_string()))?
        .clone();
    // The plan's latency columns tell whether it was computed with latency.
    let latency = std::fs::read_to_string(dir.join("plan-latency.csv"))
        .map_err(|e| Failure::Input(format!("error: {}: plan-latency.csv: {e}", dir.display())))?
        .lines()
        .count()
        > 1;
    let p = crate::plan::compute(&s, latency, &meshsim_models::study::NoProgress)?;
    let mut staged = Staged::new(dir).map_err(|e| Failure::Input(e.to_string()))?;
    crate::plan::write_outputs(
        &mut staged,
        &s,
        &scenario_file(&doc, &file),
        &spec,
        &p,
        true,
    )
    .map_err(Failure::Other)?;
    check_same(staged.staging_dir(), dir, "plan.json", "plan")?;
    staged.commit().map_err(Failure::Other)
}

fn sweep_dir(dir: &Path) -> Result<(), Failure> {
    let doc = json(dir, "sweep.json")?;
    let text = |k: &str| doc.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let parameters: Vec<String> = doc
        .get("parameters")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|p| p.get("name").and_then(|n| n.as_str()).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let csv = dir.join("sweep.csv");
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .try_into_reader_with_file_path(Some(csv.clone()))
        .and_then(|r| r.finish())
        .map_err(|e| Failure::Input(format!("error: {}: {e}", csv.display())))?;
    for c in parameters
        .iter()
        .map(String::as_str)
        .chain(["mode", "is_current"])
    {
        if df.column(c).is_err() {
            return Err(Failure::Input(format!(
                "error: {}: no column `{c}` (sweep.json names it); the table was not written by this sweep",
                csv.display()
            )));
        }
    }
    let mut staged = Staged::new(dir).map_err(|e| Failure::Input(e.to_string()))?;
    // Everything but the charts and the page is kept as it is.
    for e in std::fs::read_dir(dir)
        .map_err(|e| Failure::Other(e.into()))?
        .flatten()
    {
        let name = e.file_name();
        let n = name.to_string_lossy();
        let drawn = n.starts_with("sweep-response-") || n.starts_with("sweep-heatmap");
        if e.path().is_file() && n != "report.html" && n != crate::output::MARKER && !drawn {
            std::fs::copy(e.path(), staged.staging_dir().join(&name))
                .with_context(|| format!("copying {}", e.path().display()))
                .map_err(Failure::Other)?;
        }
    }
    let seed = doc
        .get("seed")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let page = crate::sweep_report::page(
        &crate::sweep_report::SweepInfo {
            name: text("sweep"),
            description: text("description"),
            base_scenario: text("base_scenario"),
            seed,
            parameters,
        },
        &df,
        staged.staging_dir(),
        true,
    )
    .map_err(|e| Failure::Input(format!("error: {}: {e}", csv.display())))?;
    staged
        .bytes("report.html", crate::report::html(&page).as_bytes())
        .map_err(Failure::Other)?;
    staged.commit().map_err(Failure::Other)
}

fn replay_dir(dir: &Path) -> Result<(), Failure> {
    let doc = json(dir, "replay.json")?;
    let file = scenario_file(&doc, Path::new(""));
    if !file.is_file() {
        return Err(Failure::Input(format!(
            "error: {}: replay.json names the replay scenario {}, which is not there from here: run meshsim report from the directory meshsim replay ran in (a replay is computed again from its scenario and traces)",
            dir.display(),
            file.display()
        )));
    }
    let s = meshsim_scenarios::replay::load(&file).map_err(|d| Failure::Input(d.to_string()))?;
    let r = meshsim_models::replay::study::run(&s.study(), &meshsim_models::study::NoProgress);
    let mut staged = Staged::new(dir).map_err(|e| Failure::Input(e.to_string()))?;
    crate::replay::write_outputs(&mut staged, &s, &file, &r, true).map_err(Failure::Other)?;
    check_same(staged.staging_dir(), dir, "replay.json", "replay")?;
    staged.commit().map_err(Failure::Other)
}

/// `meshsim report DIR`.
pub fn report(a: &ReportArgs) -> Result<(), Failure> {
    if !a.dir.is_dir() {
        return Err(Failure::Input(format!(
            "error: {}: not a directory",
            a.dir.display()
        )));
    }
    if !a.dir.join(crate::output::MARKER).is_file() {
        return Err(Failure::Input(format!(
            "error: {}: not a meshsim output directory (no {})",
            a.dir.display(),
            crate::output::MARKER
        )));
    }
    match kind(&a.dir)? {
        Kind::Run => run_dir(&a.dir),
        Kind::Plan => plan_dir(&a.dir),
        Kind::Sweep => sweep_dir(&a.dir),
        Kind::Replay => replay_dir(&a.dir),
    }?;
    println!("wrote {}", a.dir.join("report.html").display());
    Ok(())
}
