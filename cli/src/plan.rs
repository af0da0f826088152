//! `meshsim plan`: the migration in waves per strategy, and its business case month by month.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use meshsim_models::plan::{self, Plan, PlanSpec, Strategy};
use meshsim_models::resources::GIB;
use meshsim_models::rows::RunInfo;
use meshsim_models::rows::plan as rows;
use meshsim_scenarios::Scenario;

use crate::Failure;
use crate::output::Staged;
use crate::progress::{Bar, progress};
use crate::tables;
use crate::terminal::money;

/// Arguments of `meshsim plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Scenario file (TOML) with a [migration] section, or a run.json from `meshsim run`.
    pub scenario: PathBuf,
    /// Output directory [default: meshsim-out/<scenario name>-plan/]. Files are replaced
    /// atomically.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed for every random stream; the same seed gives byte-identical outputs. Example:
    /// --seed 7
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Replications of the request simulation per wave (where the scenario has traffic).
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
    /// Skip the request simulation per wave (faster; plan-latency.csv is then empty).
    #[arg(long)]
    pub no_latency: bool,
    /// No progress bar and no summary (files are still written).
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the SVG/PNG charts.
    #[arg(long)]
    pub no_plots: bool,
}

/// Computes the plan of `s` (without latency when `latency` is false).
pub fn compute(
    s: &Scenario,
    latency: bool,
    progress: &dyn meshsim_models::study::Progress,
) -> Result<Plan, Failure> {
    let mut input = s.plan_input().map_err(|d| Failure::Input(d.to_string()))?;
    if !latency {
        input.latency = None;
    }
    plan::plan(&input, progress).map_err(|e| Failure::Other(e.into()))
}

/// `meshsim plan`.
pub fn run(a: &PlanArgs) -> Result<(), Failure> {
    let mut s =
        crate::run::load_scenario(&a.scenario).map_err(|d| Failure::Input(d.to_string()))?;
    if let Some(seed) = a.seed {
        s.seed = seed;
    }
    if let Some(r) = a.replications {
        if r == 0 || u64::from(r) > meshsim_scenarios::limits::MAX_REPLICATIONS {
            return Err(Failure::Input(format!(
                "error: --replications: {r} is outside 1..={}",
                meshsim_scenarios::limits::MAX_REPLICATIONS
            )));
        }
        s.replications = r;
    }
    // The plan's inputs are checked before the output directory is touched.
    let spec = s
        .plan
        .as_ref()
        .map_err(|d| Failure::Input(d.to_string()))?
        .clone();
    let out_dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("meshsim-out").join(format!("{}-plan", s.name)));
    let mut staged = Staged::new(&out_dir).map_err(|e| Failure::Input(e.to_string()))?;
    let pb = progress(a.quiet, 0);
    let p = compute(&s, !a.no_latency, &Bar(&pb))?;
    pb.finish_and_clear();
    if !a.quiet {
        for w in &p.warnings {
            eprintln!("warning: {w}");
        }
    }
    write_outputs(&mut staged, &s, &a.scenario, &spec, &p, !a.no_plots).map_err(Failure::Other)?;
    let dir = staged.dir().to_path_buf();
    staged.commit().map_err(Failure::Other)?;
    if !a.quiet {
        let mut out = std::io::stdout().lock();
        let _ = print(&mut out, &s, &spec, &p);
        let _ = writeln!(
            out,
            "\nwrote {}/ plan, waves, timeline, plan-namespaces, plan-latency (.csv and .parquet), plan.json, report.html{}",
            dir.display(),
            if a.no_plots {
                ""
            } else {
                ", plan-cumulative-net and plan-memory-waterfall (.svg and .png)"
            }
        );
    }
    Ok(())
}

/// Writes the plan's tables, `plan.json` and charts into the staging area.
pub fn write_outputs(
    staged: &mut Staged,
    s: &Scenario,
    path: &std::path::Path,
    spec: &PlanSpec,
    p: &Plan,
    plots: bool,
) -> Result<()> {
    let info = RunInfo {
        scenario: &s.name,
        seed: s.seed,
    };
    staged.table("plan", &mut tables::frame(&rows::plans(&info, p, spec))?)?;
    staged.table("waves", &mut tables::frame(&rows::waves(&info, p, spec))?)?;
    staged.table(
        "timeline",
        &mut tables::frame(&rows::timeline(&info, p, spec))?,
    )?;
    staged.table(
        "plan-namespaces",
        &mut tables::frame(&rows::namespaces(&info, p, spec))?,
    )?;
    staged.table(
        "plan-latency",
        &mut tables::frame(&rows::latency(&info, p))?,
    )?;
    let json = serde_json::json!({
        "schema_version": meshsim_models::rows::SCHEMA_VERSION,
        "meshsim_version": env!("CARGO_PKG_VERSION"),
        "scenario_file": path.display().to_string(),
        "seed": s.seed,
        "replications": s.replications,
        "today_nodes_required": p.today_nodes_required,
        "today_cost_usd_per_month": p.today_cost_usd_per_month.map(meshsim_models::rows::r6),
        "assumptions": p.assumptions,
        "warnings": p.warnings,
        "scenario": meshsim_scenarios::render::render(s),
    });
    let mut text = serde_json::to_string_pretty(&json)?;
    text.push('\n');
    staged.bytes("plan.json", text.as_bytes())?;
    let dir = staged.staging_dir().to_path_buf();
    if plots {
        crate::plan_chart::draw(&dir, &s.name, p)?;
    }
    let page = crate::report_pages::plan_page(s, path, spec, p, headline(spec, p), &dir);
    staged.bytes("report.html", crate::report::html(&page).as_bytes())?;
    Ok(())
}

/// Dollars, the sign before the `$` (−$45,453), `n/m` when not modelled.
fn usd(v: Option<f64>) -> String {
    match v {
        None => "n/m".into(),
        Some(x) if money(x).starts_with('-') => format!("-${}", &money(x)[1..]),
        Some(x) => format!("${}", money(x)),
    }
}

fn usd_month(v: Option<f64>) -> String {
    match v {
        None => "n/m".into(),
        v => format!("{}/month", usd(v)),
    }
}

fn month(spec: &PlanSpec, m: Option<u32>, known: bool) -> String {
    match (m, spec.start_month) {
        (None, _) if !known => "n/m".into(),
        (Some(m), Some(s)) => format!("month {m} ({})", s.plus(m)),
        (Some(m), None) => format!("month {m}"),
        (None, _) => "not within the horizon".into(),
    }
}

/// The headline sentence of a plan: the recommended strategy's payback and nets.
pub fn headline(spec: &PlanSpec, p: &Plan) -> String {
    let Some(r) = p.get(Strategy::Recommended) else {
        return "nothing to migrate".into();
    };
    if r.waves.is_empty() {
        return "nothing to migrate: no namespace carries per-pod proxies or needs a waypoint"
            .into();
    }
    let last = r.waves.last();
    let replicas = last.map_or(0, |w| w.cumulative_replicas_gained);
    let mem = last.map_or(0, |w| w.cumulative_request_freed.1) as f64 / GIB as f64;
    format!(
        "the recommended plan moves {} namespace(s) in {} wave(s) over {} month(s), frees {mem:.1} GiB of requests (node agents counted), recovers {replicas} inference replica(s), saves {}, and pays back {}; 12-month net {}, {}-month net {}",
        p.candidates.len(),
        r.waves.len(),
        r.months_to_complete(),
        usd_month(last.and_then(|w| w.savings_usd_per_month)),
        match r.cashflow.payback_month {
            Some(_) => format!("in {}", month(spec, r.cashflow.payback_month, true)),
            None if !r.savings_known => "in a month not modelled (n/m: see the warnings)".into(),
            None => format!("not within the {}-month horizon", spec.horizon_months),
        },
        usd(r.cashflow.net_12_months_usd),
        spec.horizon_months,
        usd(r.cashflow.net_horizon_usd),
    )
}

fn print(out: &mut impl Write, s: &Scenario, spec: &PlanSpec, p: &Plan) -> std::io::Result<()> {
    writeln!(
        out,
        "meshsim {} · plan {} · {} namespace(s) move · today needs {} node(s) at equal replicas ({}) · seed {}",
        env!("CARGO_PKG_VERSION"),
        s.name,
        p.candidates.len(),
        p.today_nodes_required
            .map_or_else(|| "n/m".into(), |n| n.to_string()),
        usd_month(p.today_cost_usd_per_month),
        s.seed
    )?;
    writeln!(
        out,
        "\n{:<22} {:>5} {:>8} {:>12} {:>7} {:>28} {:>13} {:>13} {:>13}",
        "strategy",
        "waves",
        "sprints",
        "engineering",
        "months",
        "payback",
        "net 12 mo",
        "net 24 mo",
        "NPV"
    )?;
    for sp in &p.strategies {
        writeln!(
            out,
            "{:<22} {:>5} {:>8.2} {:>12} {:>7} {:>28} {:>13} {:>13} {:>13}",
            sp.strategy.as_str(),
            sp.waves.len(),
            sp.sprints,
            usd(Some(sp.sprints * spec.cost_per_sprint_usd)),
            sp.months_to_complete(),
            month(spec, sp.cashflow.payback_month, sp.savings_known),
            usd(sp.cashflow.net_12_months_usd),
            usd(sp.cashflow.net_24_months_usd),
            if spec.discount_rate.is_some() {
                usd(sp.cashflow.npv_usd)
            } else {
                "–".into()
            },
        )?;
    }
    if let Some(r) = p.get(Strategy::Recommended) {
        writeln!(out, "\nrecommended, wave by wave:")?;
        for w in &r.waves {
            let moves: Vec<String> = w
                .moves
                .iter()
                .map(|m| format!("{} → {}", m.namespace, m.to.as_str()))
                .collect();
            writeln!(
                out,
                "  wave {} (cut over end of month {}): {}",
                w.number,
                w.end_month,
                moves.join(", ")
            )?;
            writeln!(
                out,
                "    frees {:.2} GiB / {:.2} vCPU requested ({:.2} GiB used); {:+} inference replica(s); {} node(s) removable; saves {} after it",
                w.request_freed.1 as f64 / GIB as f64,
                w.request_freed.0 as f64 / 1000.0,
                w.usage_freed.1 / GIB as f64,
                w.replicas_gained,
                w.nodes_removable
                    .map_or_else(|| "n/m".into(), |n| n.to_string()),
                usd_month(w.savings_usd_per_month)
            )?;
            if w.node_agents_request.1 != 0 || w.node_agents_request.0 != 0 {
                writeln!(
                    out,
                    "    one-off: node agents (ztunnel + istio-cni on every node) request {:.2} GiB / {:.2} vCPU",
                    w.node_agents_request.1 as f64 / GIB as f64,
                    w.node_agents_request.0 as f64 / 1000.0
                )?;
            }
            for c in &w.latency {
                let f = |v: meshsim_models::study::EstCell| match v {
                    Some((x, Some(h))) => format!("{x:.3}±{h:.3}"),
                    Some((x, None)) => format!("{x:.3}"),
                    None => "n/m".into(),
                };
                let d = |v: meshsim_models::study::EstCell| match v {
                    Some((x, Some(h))) => format!("{x:+.3}±{h:.3}"),
                    Some((x, None)) => format!("{x:+.3}"),
                    None => "n/m".into(),
                };
                let ns = if c.significant == Some(false) {
                    ", n.s."
                } else {
                    ""
                };
                writeln!(
                    out,
                    "    {}: P99 {} → {} ms (change {} ms{ns})",
                    c.call_graph,
                    f(c.before_p99_ms),
                    f(c.after_p99_ms),
                    d(c.change_p99_ms)
                )?;
            }
        }
    }
    writeln!(out, "\nHeadline: {}.", headline(spec, p))?;
    writeln!(out, "\nAssumptions:")?;
    for a in &p.assumptions {
        writeln!(out, "  - {a}")?;
    }
    Ok(())
}
