//! `meshsim replay`: a cluster trace replayed under scheduling policies, seeds and mesh
//! overlays; the curves, medians and what the mesh costs, as CSV/Parquet tables and charts.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use meshsim_models::replay::study::{self, ReplayResult};
use meshsim_models::rows::replay as rows;
use meshsim_models::rows::{RunInfo, SCHEMA_VERSION};
use meshsim_scenarios::replay::ReplayScenario;

use crate::Failure;
use crate::output::Staged;
use crate::progress::{Bar, progress};
use crate::tables;

/// Arguments of `meshsim replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Replay scenario (TOML with a [replay] table).
    pub scenario: PathBuf,
    /// Output directory [default: meshsim-out/<scenario name>/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads, 1 to 1024 [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the SVG/PNG charts.
    #[arg(long)]
    pub no_plots: bool,
}

/// Whether `path` is a TOML replay file (has a `[replay]` table); `false` when it cannot be
/// read (the scenario loader then reports why).
pub fn is_replay_file(path: &Path) -> bool {
    path.extension().is_none_or(|e| e != "json")
        && meshsim_scenarios::read_bounded(path)
            .is_ok_and(|t| meshsim_scenarios::replay::is_replay(&t))
}

/// `meshsim replay`.
pub fn replay(a: &ReplayArgs) -> Result<(), Failure> {
    let s =
        meshsim_scenarios::replay::load(&a.scenario).map_err(|d| Failure::Input(d.to_string()))?;
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("meshsim-out").join(&s.name));
    let mut staged = Staged::new(&dir).map_err(|e| Failure::Input(e.to_string()))?;
    let st = s.study();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.map_or(0, usize::from))
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    let pb = progress(a.quiet, study::steps(&st));
    let started = std::time::Instant::now();
    let r = pool.install(|| study::run(&st, &Bar(&pb)));
    pb.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    write_outputs(&mut staged, &s, &a.scenario, &r, !a.no_plots).map_err(Failure::Other)?;
    let out_dir = staged.dir().to_path_buf();
    staged.commit().map_err(Failure::Other)?;
    if !a.quiet {
        let mut out = std::io::stdout().lock();
        let _ = print_summary(&mut out, &s, &r, &out_dir, secs);
    }
    Ok(())
}

pub fn write_outputs(
    staged: &mut Staged,
    s: &ReplayScenario,
    path: &Path,
    r: &ReplayResult,
    plots: bool,
) -> Result<()> {
    let info = RunInfo {
        scenario: &s.name,
        seed: s.seeds.first().copied().unwrap_or(0),
    };
    staged.table(
        "allocation",
        &mut tables::frame(&rows::allocation(&info, &s.overlays, r))?,
    )?;
    staged.table(
        "allocation-median",
        &mut tables::frame(&rows::allocation_median(&info, &s.overlays, r))?,
    )?;
    let summary = rows::summary(&info, &s.overlays, r, &s.report_pct);
    staged.table("replay-summary", &mut tables::frame(&summary)?)?;
    staged.table(
        "replay-runs",
        &mut tables::frame(&rows::runs(&info, &s.overlays, r))?,
    )?;
    if s.sample_every.is_some() {
        staged.table(
            "timeline",
            &mut tables::frame(&rows::timeline(&info, &s.overlays, r))?,
        )?;
    }
    let protocol = match s.protocol {
        meshsim_models::replay::Protocol::Fgd { tune_ratio } => {
            serde_json::json!({ "kind": "fgd", "tune_ratio": tune_ratio })
        }
        meshsim_models::replay::Protocol::Trace { retry } => {
            serde_json::json!({ "kind": "trace", "retry": retry,
                "sample_every_s": s.sample_every.map(|d| d.as_secs_f64()) })
        }
    };
    let overlays: Vec<serde_json::Value> = s
        .overlays
        .iter()
        .map(|o| {
            serde_json::json!({
                "name": o.name,
                "per_pod": { "cpu_milli": o.per_pod.cpu_milli, "memory_bytes": o.per_pod.memory_bytes },
                "per_node": o.per_node.iter().map(|x| serde_json::json!({
                    "cpu_milli": x.cpu_milli, "memory_bytes": x.memory_bytes })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "meshsim_version": env!("CARGO_PKG_VERSION"),
        "scenario_file": path.display().to_string(),
        "scenario": s.name,
        "description": s.description,
        "inputs": s.inputs.iter().map(|f| serde_json::json!({
            "role": f.role, "path": f.path.display().to_string(), "sha256": f.sha256 })).collect::<Vec<_>>(),
        "nodes": s.nodes.len(),
        "pods": s.pods.len(),
        "daemonsets": s.daemonsets.len(),
        "protocol": protocol,
        "policies": s.policies.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "seeds": s.seeds,
        "mesh_preset": s.preset,
        "overlays": overlays,
        "max_pods": s.max_pods,
        "report_pct": s.report_pct,
    });
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    staged.bytes("replay.json", text.as_bytes())?;
    let dir = staged.staging_dir().to_path_buf();
    if plots {
        crate::replay_chart::draw(&dir, &s.name, &s.overlays, r, s.max_pct())?;
    }
    let page = crate::replay_report::page(s, path, &summary, &dir);
    staged.bytes("report.html", crate::report::html(&page).as_bytes())?;
    Ok(())
}

fn print_summary(
    out: &mut impl Write,
    s: &ReplayScenario,
    r: &ReplayResult,
    dir: &Path,
    secs: f64,
) -> std::io::Result<()> {
    let gpus: u64 = s.nodes.iter().map(|n| u64::from(n.gpus)).sum();
    writeln!(
        out,
        "{}: {} nodes ({gpus} GPUs), {} pods; {} run(s) in {secs:.1} s",
        s.name,
        s.nodes.len(),
        s.pods.len(),
        r.runs.len()
    )?;
    let rows = rows::summary(
        &RunInfo {
            scenario: &s.name,
            seed: 0,
        },
        &s.overlays,
        r,
        &s.report_pct,
    );
    let has_mesh = s.overlays.iter().any(|o| o.name != "none");
    writeln!(
        out,
        "\n{:<22} {:<16} {:>9} {:>16}{}",
        "mesh",
        "policy",
        "arrived",
        "GPUs allocated",
        if has_mesh { "       vs no mesh" } else { "" }
    )?;
    for row in &rows {
        let alloc = match (
            row.gpu_allocation_median_pct,
            row.gpu_allocation_min_pct,
            row.gpu_allocation_max_pct,
        ) {
            (Some(m), Some(lo), Some(hi)) => format!("{m:.2} % ({lo:.2}–{hi:.2})"),
            _ => "n/a".into(),
        };
        let lost = if has_mesh {
            match (row.change_vs_none_pct, row.change_vs_none_gpus) {
                (Some(p), Some(g)) => {
                    let sig = match row.change_vs_none_significant {
                        Some(false) => " n.s.",
                        _ => "",
                    };
                    format!("   {p:+.2} pt ({g:+.0} GPUs){sig}")
                }
                _ => "   –".to_string(),
            }
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:<22} {:<16} {:>8}% {:>24}{lost}",
            row.mode, row.policy, row.arrived_pct, alloc
        )?;
    }
    writeln!(
        out,
        "\nmedian over {} seed(s) (min–max); GPU allocation and arrived GPU requests as % of GPU capacity",
        s.seeds.len()
    )?;
    if has_mesh {
        writeln!(
            out,
            "vs no mesh: GPU allocation minus no mesh's under the same policy, mean over seeds of the \
             paired difference (negative: the mesh costs allocation; n.s.: its 95 % interval contains 0)"
        )?;
    }
    if has_mesh {
        let runs = rows::runs(
            &RunInfo {
                scenario: &s.name,
                seed: 0,
            },
            &s.overlays,
            r,
        );
        writeln!(out, "\nthe mesh's requests at the end (median over runs):")?;
        for o in s.overlays.iter().filter(|o| o.name != "none") {
            let of = |f: fn(&rows::ReplayRunRow) -> f64| {
                let v: Vec<f64> = runs.iter().filter(|x| x.mode == o.name).map(f).collect();
                meshsim_models::replay::report::median(&v).unwrap_or(f64::NAN)
            };
            writeln!(
                out,
                "  {:<20} {:>8.1} vCPU ({:.2} % of the cluster's CPU), {:>8.1} GiB ({:.2} % of its memory)",
                o.name,
                of(|x| x.mesh_cpu_request_vcpu),
                100.0 * of(|x| x.mesh_cpu_request_share),
                of(|x| x.mesh_memory_request_gib),
                100.0 * of(|x| x.mesh_memory_request_share),
            )?;
        }
    }
    writeln!(out, "→ {}", dir.display())?;
    Ok(())
}
