//! `meshsim run`: evaluate every mode of a scenario, print the comparison, write the tables.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use meshsim_models::latency::lookup;
use meshsim_models::mesh::MeshMode;
use meshsim_models::resources::gib;
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
        return meshsim_scenarios::parse(&format!("{name} (scenario)"), &text);
    }
    meshsim_scenarios::load(path)
}

fn progress(quiet: bool, len: u64) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg:24} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb
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

/// The progress bar, fed by the study pipeline.
struct Bar<'a>(&'a ProgressBar);

impl meshsim_models::study::Progress for Bar<'_> {
    fn phase(&self, name: &str) {
        self.0.set_message(name.to_string());
    }
    fn step(&self) {
        self.0.inc(1);
    }
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
        for ml in &rr.latency_detail {
            for w in ml.warnings.iter().take(10) {
                eprintln!(
                    "warning: {}: {w} (above {:.0} %: queueing grows fast from here)",
                    ml.mode.as_str(),
                    100.0 * s.latency.as_ref().map_or(0.8, |l| l.utilisation_warning)
                );
            }
        }
    }

    write_outputs(&mut staged, &s, &args.scenario, &rr, !args.no_plots).map_err(Failure::Other)?;
    let dir = staged.dir().to_path_buf();
    staged.commit().map_err(Failure::Other)?;
    if !args.quiet {
        let mut out = std::io::stdout().lock();
        let _ = print_summary(&mut out, &s, &rr, &dir, !args.no_plots);
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
    // With one replication there are no intervals: the `_ci95` columns are left out.
    let skip: &[&str] = if s.replications > 1 {
        &[]
    } else {
        &[
            "hop_p50_ms_ci95",
            "hop_p90_ms_ci95",
            "hop_p99_ms_ci95",
            "chain_p99_ms_ci95",
            "proxy_cpu_simulated_vcpu_ci95",
        ]
    };
    staged.table(
        "summary",
        &mut tables::frame_skipping(&rows::summary(&info, &rr.results, &rr.latency), skip)?,
    )?;
    staged.table(
        "pools",
        &mut tables::frame(&rows::pools(&info, &rr.results))?,
    )?;
    staged.table(
        "components",
        &mut tables::frame(&rows::components(&info, &rr.results))?,
    )?;
    staged.table(
        "pending",
        &mut tables::frame(&rows::pending(&info, &rr.results))?,
    )?;
    staged.table(
        "latency",
        &mut tables::frame(&rows::latency(&info, &rr.latency_detail))?,
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
            rows::usd_per_vcpu_month(&s.cluster),
        ))?,
    )?;
    let run_json = serde_json::json!({
        "schema_version": meshsim_models::rows::SCHEMA_VERSION,
        "meshsim_version": env!("CARGO_PKG_VERSION"),
        "scenario_file": path.display().to_string(),
        "seed": s.seed,
        "replications": s.replications,
        "modes": s.modes.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        "scenario": meshsim_scenarios::render::render(s),
    });
    let mut text = serde_json::to_string_pretty(&run_json)?;
    text.push('\n');
    staged.bytes("run.json", text.as_bytes())?;
    if plots {
        let dir = staged.staging_dir().to_path_buf();
        for f in crate::plots::draw(&dir, &s.name, rr)? {
            staged.register(&f);
        }
    }
    Ok(())
}

fn est(e: Option<&meshsim_models::latency::Estimate>) -> meshsim_models::study::EstCell {
    e.map(meshsim_models::latency::Estimate::cell)
}

fn signed(v: Option<i64>) -> String {
    match v {
        Some(x) if x > 0 => format!("+{x}"),
        Some(x) => x.to_string(),
        None => "–".into(),
    }
}

fn money(v: f64) -> String {
    let neg = v < 0.0;
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if neg { format!("-{out}") } else { out }
}

/// The comparison table on stdout.
pub fn print_summary(
    out: &mut impl Write,
    s: &Scenario,
    rr: &StudyResult,
    dir: &Path,
    plots: bool,
) -> std::io::Result<()> {
    let r = &rr.results;
    writeln!(
        out,
        "meshsim {} · scenario {} · seed {}",
        env!("CARGO_PKG_VERSION"),
        s.name,
        s.seed
    )?;
    if !s.description.is_empty() {
        writeln!(out, "{}", s.description.trim())?;
    }
    writeln!(out)?;
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |label: &str, f: &dyn Fn(usize) -> String| {
        rows.push((label.to_string(), (0..r.len()).map(f).collect()));
    };
    row("mode", &|i| r[i].mode.as_str().to_string());
    row("proxies", &|i| r[i].proxies.to_string());
    row("proxy memory requested (GiB)", &|i| {
        format!("{:.1}", gib(r[i].data_plane_request.memory_bytes))
    });
    row("proxy memory used (GiB)", &|i| {
        format!(
            "{:.1}",
            r[i].data_plane_usage.memory_bytes / (1u64 << 30) as f64
        )
    });
    row("proxy CPU requested (vCPU)", &|i| {
        format!("{:.1}", r[i].data_plane_request.cpu_milli as f64 / 1000.0)
    });
    row("proxy CPU used (vCPU)", &|i| {
        format!("{:.2}", r[i].data_plane_usage.cpu_milli / 1000.0)
    });
    row("share of fleet memory", &|i| {
        format!("{:.1}%", 100.0 * r[i].data_plane_memory_share())
    });
    let inference = s.cluster.workloads.iter().any(|w| w.inference);
    let gpus = s.cluster.pools.iter().any(|p| p.capacity.gpus > 0);
    if inference {
        row("inference replicas", &|i| {
            r[i].inference_replicas.to_string()
        });
        row("replicas recovered vs sidecar", &|i| {
            signed(r[i].replicas_recovered_vs_sidecar)
        });
        row("replicas recovered vs no mesh", &|i| {
            signed(r[i].replicas_recovered_vs_none)
        });
    }
    if gpus {
        row("GPUs idle", &|i| {
            let why = r[i]
                .gpus_idle_by_reason
                .first()
                .map(|(k, _)| format!(" ({k})"))
                .unwrap_or_default();
            format!("{}{why}", meshsim_models::rows::r6(r[i].gpus_idle))
        });
    }
    if inference {
        row("binding resource", &|i| r[i].binding_resource.clone());
    }
    row("pods pending", &|i| r[i].pods_pending.to_string());
    if s.nodes_required {
        row("nodes at equal replicas", &|i| {
            let req: u32 = r[i].pools.iter().map(|p| p.nodes_required).sum();
            let all: u32 = r[i].pools.iter().map(|p| p.nodes).sum();
            format!("{req}/{all}")
        });
        row("cost at equal replicas ($/month)", &|i| {
            money(r[i].cost_usd_per_month)
        });
        row("savings vs sidecar ($/month)", &|i| {
            r[i].savings_usd_per_month.map_or("–".into(), money)
        });
    }
    if s.migration.is_some() {
        row("payback (months)", &|i| {
            r[i].roi
                .and_then(|x| x.payback_months)
                .map_or("–".into(), |m| format!("{m:.1}"))
        });
        row("12-month net ($)", &|i| {
            r[i].roi.map_or("–".into(), |x| money(x.net_12_months_usd))
        });
    }
    let lat = &rr.latency;
    if lat.iter().any(|l| l.hop_p50_ms.is_some()) {
        let cell = |v: Option<(f64, Option<f64>)>| match v {
            Some((x, Some(h))) => format!("{x:.3}±{h:.3}"),
            Some((x, None)) => format!("{x:.3}"),
            None => "–".into(),
        };
        row("added per hop P50 (ms)", &|i| cell(lat[i].hop_p50_ms));
        row("added per hop P90 (ms)", &|i| cell(lat[i].hop_p90_ms));
        row("added per hop P99 (ms)", &|i| cell(lat[i].hop_p99_ms));
        let detail = &rr.latency_detail;
        let graphs = detail
            .first()
            .map_or(0, |d| d.dists.len().saturating_sub(1));
        for g in 0..graphs.min(3) {
            let scope = detail[0].dists[1 + g]
                .scope
                .trim_start_matches("call-graph:")
                .to_string();
            for q in ["p50", "p90", "p99"] {
                row(&format!("{scope} added {} (ms)", q.to_uppercase()), &|i| {
                    cell(est(lookup(&detail[i].dists[1 + g].added_vs_none, q)))
                });
            }
            if s.modes.contains(&MeshMode::Sidecar) {
                for q in ["p50", "p99"] {
                    row(
                        &format!("{scope} {} vs sidecar (ms)", q.to_uppercase()),
                        &|i| cell(est(lookup(&detail[i].dists[1 + g].vs_sidecar, q))),
                    );
                }
            }
            row(&format!("{scope} P99 (ms)"), &|i| {
                cell(est(lookup(&detail[i].dists[1 + g].stats, "p99")))
            });
        }
        row("proxy CPU simulated (vCPU)", &|i| {
            cell(lat[i].proxy_cpu_simulated_vcpu)
        });
    }
    let w0 = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = (0..r.len())
        .map(|i| {
            rows.iter()
                .map(|(_, v)| v[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(8)
        })
        .collect();
    for (k, (label, vals)) in rows.iter().enumerate() {
        write!(out, "{label:<w0$}")?;
        for (v, w) in vals.iter().zip(&widths) {
            write!(out, "  {v:>w$}")?;
        }
        writeln!(out)?;
        if k == 0 {
            writeln!(
                out,
                "{}",
                "-".repeat(w0 + widths.iter().map(|w| w + 2).sum::<usize>())
            )?;
        }
    }
    for st in rr.migration.iter().take(3) {
        let gib = |b: i64| -(b as f64) / (1u64 << 30) as f64;
        writeln!(
            out,
            "migrate #{}: {} ({} pods, {} → {}): alone {:+.1} GiB and {:+.1} vCPU requested, {:+} inference replicas; #1–#{} together {:+.1} GiB",
            st.rank,
            st.namespace,
            st.pods,
            st.from.as_str(),
            st.to.as_str(),
            gib(st.request_freed.1),
            -(st.request_freed.0 as f64) / 1000.0,
            st.replicas_gained,
            st.rank,
            gib(st.cumulative_request_freed.1),
        )?;
    }
    for p in r
        .iter()
        .flat_map(|m| m.pending.iter().map(move |p| (m.mode, p)))
        .take(5)
    {
        writeln!(
            out,
            "pending in {}: {} × {}: {}",
            p.0.as_str(),
            p.1.count,
            p.1.workload,
            p.1.reason
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "wrote {}/ summary, pools, components, pending, latency, proxies, stations, namespaces (.csv and .parquet), run.json{}",
        dir.display(),
        if plots {
            ", charts (.svg and .png)"
        } else {
            ""
        }
    )?;
    Ok(())
}
