//! `meshsim run`: evaluate every mode of a scenario, print the comparison, write the tables.

use std::path::{Path, PathBuf};

use anyhow::Result;
use indicatif::ProgressBar;

use crate::progress::{Bar, progress};
use meshsim_models::mesh::MeshMode;
use meshsim_models::study::{self, StudyResult};
use meshsim_scenarios::{Diagnostic, Diagnostics, Scenario};

use crate::output::Staged;
use crate::tables;
use crate::{Failure, RunArgs};
use meshsim_models::rows::RunInfo;
use meshsim_models::rows::run as rows;

/// Loads a scenario from TOML, or from the `scenario` of a `run.json`.
pub fn load_scenario(path: &Path) -> Result<Scenario, Diagnostics> {
    if path.extension().is_some_and(|e| e == "json") {
        let name = path.display().to_string();
        let text = meshsim_scenarios::read_bounded(path)?;
        let whole = |m: String| {
            Diagnostics(vec![Diagnostic {
                file: name.clone(),
                line: 0,
                column: 0,
                key: String::new(),
                message: m,
                help: Some("a run.json written by `meshsim run` holds the resolved scenario under `scenario`".into()),
                snippet: None,
            }])
        };
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            whole(format!(
                "invalid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
        })?;
        let scenario = v
            .get("scenario")
            .ok_or_else(|| whole("no `scenario` object in this JSON file".into()))?;
        let t = toml::Value::try_from(scenario)
            .map_err(|e| whole(format!("the `scenario` object cannot be read: {e}")))?;
        let text = toml::to_string(&t)
            .map_err(|e| whole(format!("the `scenario` object cannot be read: {e}")))?;
        return meshsim_scenarios::parse(&name, &text)
            .map_err(|d| d.relocated(&name, None, "scenario."));
    }
    meshsim_scenarios::load(path)
}

/// Parses `--modes`, with a suggestion for typos.
pub fn parse_modes(list: &[String]) -> Result<Vec<MeshMode>, Failure> {
    let names = MeshMode::names();
    let mut out = Vec::new();
    for m in list {
        match MeshMode::parse(m.trim()) {
            Some(x) if !out.contains(&x) => out.push(x),
            Some(_) => {}
            None => {
                return Err(Failure::Input(format!(
                    "error: --modes: unknown mode `{m}`\n  = help: {}",
                    meshsim_scenarios::diag::choice_help(m, names)
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(Failure::Input("error: --modes: no modes given".into()));
    }
    Ok(out)
}

/// Runs the scenario's study, drawing progress on `pb`.
pub fn compute(
    s: &Scenario,
    pb: &ProgressBar,
    rank_namespaces: bool,
) -> Result<StudyResult, Failure> {
    study::run(&s.study(), study::Options { rank_namespaces }, &Bar(pb))
        .map_err(|e| Failure::Other(e.into()))
}

/// `meshsim run`.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let mut s = load_scenario(&args.scenario).map_err(|d| Failure::Input(d.to_string()))?;
    if let Some(seed) = args.seed {
        s.seed = seed;
    }
    if let Some(r) = args.replications {
        if r == 0 || u64::from(r) > meshsim_scenarios::limits::MAX_REPLICATIONS {
            return Err(Failure::Input(format!(
                "error: --replications: {r} is outside 1..={}",
                meshsim_scenarios::limits::MAX_REPLICATIONS
            )));
        }
        s.replications = r;
    }
    if let Some(m) = &args.modes {
        s.modes = parse_modes(m)?;
    }
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("meshsim-out").join(&s.name));
    let mut staged = Staged::new(&out_dir).map_err(|e| Failure::Input(e.to_string()))?;

    let pb = progress(args.quiet, study::steps(&s.study()));
    let rr = compute(&s, &pb, true)?;
    pb.finish_and_clear();
    if !args.quiet {
        for w in &rr.warnings {
            eprintln!("warning: {w}");
        }
    }

    write_outputs(&mut staged, &s, &args.scenario, &rr, !args.no_plots).map_err(Failure::Other)?;
    let dir = staged.dir().to_path_buf();
    staged.commit().map_err(Failure::Other)?;
    if !args.quiet {
        let files = format!(
            "summary, pools, components, pending, latency, proxies, stations, namespaces{} (.csv and .parquet), run.json, report.html{}",
            match (&s.autoscaling, &s.latency) {
                (Some(_), Some(_)) => ", timeline, autoscaling, latency-windows",
                (Some(_), None) => ", timeline, autoscaling",
                _ => "",
            },
            if args.no_plots {
                ""
            } else {
                ", charts (.svg and .png)"
            }
        );
        let mut out = std::io::stdout().lock();
        let _ = crate::terminal::print_summary(&mut out, &s, &rr, &dir, &files);
    }
    Ok(())
}

/// Writes every table and `run.json` into the staging area.
pub fn write_outputs(
    staged: &mut Staged,
    s: &Scenario,
    path: &Path,
    rr: &StudyResult,
    plots: bool,
) -> Result<()> {
    let info = RunInfo {
        scenario: &s.name,
        seed: s.seed,
    };
    // A one-cluster fleet's tables have no `cluster` or `region` column: every row would say
    // `fleet`.
    let skip: &[&str] = if s.cluster.is_multicluster() {
        &[]
    } else {
        &["cluster", "region"]
    };
    let mut summary = rows::summary(&info, s.current, &rr.results, &rr.latency);
    // The fleet's rows first (what the charts and the report's main table show), then each
    // cluster's.
    let fleet_rows = summary.len();
    summary.extend(rows::member_summaries(&info, s.current, &rr.members));
    staged.table("summary", &mut tables::frame_skipping(&summary, skip)?)?;
    staged.table(
        "pools",
        &mut tables::frame_skipping(&rows::pools(&info, &s.cluster, &rr.results), skip)?,
    )?;
    staged.table(
        "components",
        &mut tables::frame_skipping(&rows::components(&info, &rr.results, &rr.members), skip)?,
    )?;
    staged.table(
        "pending",
        &mut tables::frame_skipping(&rows::pending(&info, &rr.results, &rr.members), skip)?,
    )?;
    staged.table(
        "latency",
        &mut tables::frame(&rows::latency(&info, &rr.latency_detail, &rr.results))?,
    )?;
    staged.table(
        "stations",
        &mut tables::frame(&rows::stations(&info, &rr.latency_detail))?,
    )?;
    let from = if s.mesh.namespace_modes.is_empty() {
        "sidecar"
    } else {
        "mixed"
    };
    staged.table(
        "namespaces",
        &mut tables::frame(&rows::namespaces(&info, from, &rr.migration))?,
    )?;
    staged.table(
        "proxies",
        &mut tables::frame(&rows::proxies(
            &info,
            &rr.latency_detail,
            &rr.results,
            rows::usd_per_vcpu_month(&s.cluster),
        ))?,
    )?;
    // The day, with `[autoscaling]`.
    let day = s.autoscaling.as_ref().map(|a| {
        use meshsim_models::rows::autoscale;
        (
            autoscale::timeline(&info, &s.cluster, &rr.days),
            autoscale::summary(&info, &s.cluster, s.current, a.spec.horizon_s, &rr.days),
            a.spec.horizon_s,
            autoscale::latency_windows(&info, &s.modes, &rr.windows),
        )
    });
    if let Some((timeline, summary, _, windows)) = &day {
        staged.table("timeline", &mut tables::frame(timeline)?)?;
        staged.table("autoscaling", &mut tables::frame(summary)?)?;
        if s.latency.is_some() {
            staged.table("latency-windows", &mut tables::frame(windows)?)?;
        }
    }
    let run_json = serde_json::json!({
        "schema_version": meshsim_models::rows::SCHEMA_VERSION,
        "meshsim_version": env!("CARGO_PKG_VERSION"),
        "scenario_file": path.display().to_string(),
        "seed": s.seed,
        "replications": s.replications,
        "modes": s.modes.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        "current_mode": s.current.map(|m| m.as_str()),
        "warnings": rr.warnings,
        "scenario": meshsim_scenarios::render::render(s),
    });
    let mut text = serde_json::to_string_pretty(&run_json)?;
    text.push('\n');
    staged.bytes("run.json", text.as_bytes())?;
    let dir = staged.staging_dir().to_path_buf();
    let mut day_alt = None;
    if plots {
        crate::plots::draw(&dir, &s.name, &summary[..fleet_rows], rr)?;
        if let Some((timeline, _, horizon, _)) = &day
            && let Some(c) = crate::day_chart::DayChart::of(&s.name, timeline, *horizon)
        {
            crate::chart::save(&dir, "nodes-over-time", c.size(), &c)?;
            day_alt = Some(c.alt());
        }
    }
    let section = day.as_ref().and_then(|(_, rows, _, windows)| {
        crate::day_report::section(s, rows, windows, day_alt, &dir)
    });
    let (fleet, clusters) = summary.split_at(fleet_rows);
    let page = crate::report_pages::run_page(s, path, fleet, clusters, rr, &dir, section);
    staged.bytes("report.html", crate::report::html(&page).as_bytes())?;
    Ok(())
}
