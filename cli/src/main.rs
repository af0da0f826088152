//! The `meshsim` command line.
//!
//! Exit codes: 0 success; 2 bad input (scenario, sweep or flag errors, unusable output
//! directory), with every error located; 1 anything else.

#![allow(clippy::print_stdout, reason = "the binary reports on stdout")]

mod audit;
mod calibrate;
mod chart;
mod cost_chart;
mod day_chart;
mod day_report;
mod font;
mod init;
mod job;
mod latency_chart;
mod node_fill;
mod output;
mod plan;
mod plan_chart;
mod plots;
mod progress;
mod rebuild;
mod replay;
mod replay_chart;
mod replay_report;
mod report;
mod report_pages;
mod run;
mod shard;
mod sweep;
mod sweep_chart;
mod sweep_report;
mod tables;
mod terminal;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  meshsim run scenarios/gpu-inference-memory-bound.toml
  meshsim run scenarios/sidecar-tax-500-pods.toml --modes sidecar,ambient --out /tmp/tax
  meshsim plan scenarios/migration-plan.toml
  meshsim validate my-cluster.toml
  meshsim init --template gpu-inference my-cluster.toml
  meshsim presets istio-1.24";

/// Discrete-event cluster simulator for capacity planning of Kubernetes service meshes:
/// what sidecars cost, what ambient mode gives back (memory, CPU, inference replicas, money),
/// and what each mode does to latency.
#[derive(Debug, Parser)]
#[command(name = "meshsim", version, about, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario: compare mesh modes, print the headline table, write CSV/Parquet tables.
    #[command(
        after_help = "Example:\n  meshsim run scenarios/gpu-inference-memory-bound.toml --out results/ --seed 7"
    )]
    Run(RunArgs),
    /// Check a scenario without running it: every problem with file, line, column and key.
    #[command(
        after_help = "Example:\n  meshsim validate my-cluster.toml   # exit 0 when valid, 2 when not"
    )]
    Validate {
        /// Scenario file (TOML), or a run.json written by `meshsim run`.
        scenario: PathBuf,
    },
    /// Write a commented starter scenario that validates and runs.
    #[command(
        after_help = "Example:\n  meshsim init --template mixed-fleet fleet.toml && meshsim run fleet.toml"
    )]
    Init(init::InitArgs),
    /// Run many variants of a scenario in parallel (grid, zip, random, Latin hypercube,
    /// uncertainty intervals, capacity search) into one table.
    #[command(
        after_help = "Examples:\n  meshsim sweep scenarios/sweep-gpu-fleet-x-sidecar-memory.toml --threads 2\n  meshsim sweep my-sweep.toml --resume meshsim-out/my-sweep   # after Ctrl-C"
    )]
    Sweep(sweep::SweepArgs),
    /// Replay a cluster trace (openb tables) under scheduling policies, seeds and mesh overlays:
    /// GPU allocation and fragmentation as pods arrive (and depart), the FGD study's
    /// experiment, and what the mesh costs in GPU allocation.
    #[command(after_help = "Examples:
  meshsim replay scenarios/fgd-openb-default.toml
  meshsim replay scenarios/fgd-openb-mesh.toml --threads 2 --out results/mesh")]
    Replay(replay::ReplayArgs),
    /// Audit a real cluster from offline kubectl dumps: the sidecar tax per namespace and node
    /// pool, GPU room, L7 use per namespace, and a scenario that reproduces the cluster.
    #[command(after_help = "Examples:
  kubectl get nodes,pods,namespaces -A -o json > cluster.json
  kubectl top pods -A --containers > top.txt
  meshsim audit cluster.json top.txt --emit-scenario my-cluster.toml
  meshsim run my-cluster.toml")]
    Audit(audit::AuditArgs),
    /// Plan the migration to ambient in waves: strategies compared (recommended GPU-first and
    /// L4-first, greedy by dollars per sprint, by replicas, big bang, your order), each wave
    /// re-placed for real, and the business case month by month (payback, 12/24-month net, NPV).
    #[command(after_help = "Examples:
  meshsim plan scenarios/migration-plan.toml
  meshsim plan my-cluster.toml --out results/plan --no-latency")]
    Plan(plan::PlanArgs),
    /// Rebuild report.html and the charts of a run, plan, sweep or replay directory (a run, plan
    /// or replay is computed again and must give the same tables; a sweep is read from its
    /// sweep.csv).
    #[command(after_help = "Examples:
  meshsim report meshsim-out/gpu-inference-memory-bound
  meshsim report results/sweep   # after meshsim sweep merge")]
    Report(rebuild::ReportArgs),
    /// Fit a preset's proxy coefficients (memory and CPU of sidecars, ztunnel, waypoints) to a
    /// measurement table — meshsim's CSV or istio/tools' benchmark CSV — and write the preset
    /// file a scenario names, with every point's error.
    #[command(after_help = "Examples:
  meshsim calibrate data/istio-bench/benchmark-2020-08.csv --version v2-stats-nullvm_both
  meshsim calibrate my-proxies.csv --base istio-1.24 --out results/calibrated")]
    Calibrate(calibrate::CalibrateArgs),
    /// List the built-in mesh presets, or show one preset's figures and their sources (a
    /// built-in, or a preset file such as `meshsim calibrate` writes).
    #[command(after_help = "Example:\n  meshsim presets istio-1.24")]
    Presets {
        /// Preset to show (e.g. istio-1.24, or a path ending in .toml).
        name: Option<String>,
    },
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  meshsim completions bash > /etc/bash_completion.d/meshsim")]
    Completions {
        /// Shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    #[command(after_help = "Example:\n  meshsim man > meshsim.1 && man ./meshsim.1")]
    Man,
}

/// Arguments of `meshsim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML), or a run.json from an earlier run to reproduce it.
    pub scenario: PathBuf,
    /// Output directory [default: meshsim-out/<scenario name>/]. Files are replaced atomically.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed for every random stream; the same seed gives byte-identical outputs.
    /// Example: --seed 7
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Replications of the request simulation (confidence intervals need ≥ 2). Example: --replications 5
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
    /// Modes to compare, comma-separated: none, sidecar, ambient, ambient-waypoint, mixed,
    /// linkerd, cilium. Example: --modes sidecar,ambient
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    pub modes: Option<Vec<String>>,
    /// No progress bar and no summary table (files are still written).
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the SVG/PNG charts (report.html is still written, without them).
    #[arg(long)]
    pub no_plots: bool,
}

/// How a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: the message is already formatted (exit code 2).
    Input(String),
    /// Anything else (exit code 1).
    Other(anyhow::Error),
}

/// A `--name` that names an output directory and the files in it: a valid scenario name.
fn name_arg(n: &str) -> Result<(), Failure> {
    if meshsim_scenarios::ctx_valid_name(n) {
        return Ok(());
    }
    Err(Failure::Input(format!(
        "error: --name `{}`: use 1–100 letters, digits, `-`, `_` or `.`, starting with a letter or digit",
        meshsim_models::names::truncate(n, 64)
    )))
}

fn presets(name: Option<&str>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match name {
        None => {
            for n in meshsim_models::presets::NAMES {
                let _ = writeln!(out, "{n}");
            }
            let _ = writeln!(
                out,
                "\n`meshsim presets NAME` shows a preset's figures and sources."
            );
        }
        Some(n) if n.ends_with(".toml") => {
            let c = meshsim_scenarios::load_preset_file(std::path::Path::new(n))
                .map_err(|d| Failure::Input(d.to_string()))?;
            let origin = c.origin.clone().unwrap_or_default();
            print_preset(&mut out, n, c)?;
            let _ = writeln!(
                out,
                "# Where the figures come from: {origin}. The base preset's figures have the sources above."
            );
        }
        Some(n) => {
            let Some(c) = meshsim_models::presets::by_name(n) else {
                return Err(Failure::Input(format!(
                    "error: unknown preset `{n}`\n  = help: {}",
                    meshsim_scenarios::diag::choice_help(n, &meshsim_models::presets::NAMES)
                )));
            };
            print_preset(&mut out, n, c)?;
        }
    }
    Ok(())
}

/// Every figure of `c` as scenario keys under `[mesh]`, then the built-in presets' sources.
fn print_preset(
    out: &mut impl Write,
    n: &str,
    c: meshsim_models::mesh::MeshCosts,
) -> Result<(), Failure> {
    let mesh = meshsim_models::presets::default_mesh_config(c);
    let scenario = meshsim_scenarios::Scenario {
        name: "preset".into(),
        description: String::new(),
        seed: 1,
        modes: vec![],
        replications: 1,
        nodes_required: false,
        cluster: Default::default(),
        mesh,
        scheduler: Default::default(),
        migration: None,
        plan: Err(Box::new(meshsim_scenarios::Diagnostic {
            file: String::new(),
            line: 0,
            column: 0,
            key: String::new(),
            message: "a preset has no plan".into(),
            help: None,
            snippet: None,
        })),
        current: None,
        rules: Default::default(),
        latency: None,
        traces: Vec::new(),
        autoscaling: None,
    };
    let file = meshsim_scenarios::render::render(&scenario);
    let text = toml::to_string(&toml::Table::from_iter([(
        "mesh".to_string(),
        toml::Value::try_from(&file.mesh).map_err(|e| Failure::Other(e.into()))?,
    )]))
    .map_err(|e| Failure::Other(e.into()))?;
    let _ = writeln!(
        out,
        "# Preset {n}: every figure, as scenario keys under [mesh]\n"
    );
    let _ = writeln!(out, "{text}");
    let _ = writeln!(out, "# Sources");
    for (k, v) in meshsim_models::presets::sources() {
        let _ = writeln!(out, "# {k}: {v}");
    }
    Ok(())
}

/// `meshsim sweep`: a merge, Job manifests, one shard, or the whole sweep here.
fn sweep_command(a: &sweep::SweepArgs) -> Result<(), Failure> {
    if let Some(sweep::SweepCommand::Merge(m)) = &a.command {
        return shard::merge(m);
    }
    let Some(path) = &a.sweep else {
        return Err(Failure::Input("error: no sweep file given".into()));
    };
    let sw = sweep::load(path)?;
    if let Some(dir) = &a.emit_job {
        job::emit(a, path, &sw, dir)
    } else if a.shard.is_some() || a.shards.is_some() {
        shard::run(a, path, &sw)
    } else {
        sweep::sweep(a, path, sw)
    }
}

/// Writes to stdout; a reader that went away (`meshsim man | head -1`) is not an error.
fn emit(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::Other(e.into())),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(a) => run::run(a),
        Command::Validate { scenario } if replay::is_replay_file(scenario) => {
            match meshsim_scenarios::replay::load(scenario) {
                Ok(s) => emit(
                    format!(
                        "ok: {}: replay `{}`: {} node(s), {} pod(s); {} policies × {} seed(s) × {} overlay(s)\n",
                        scenario.display(),
                        s.name,
                        s.nodes.len(),
                        s.pods.len(),
                        s.policies.len(),
                        s.seeds.len(),
                        s.overlays.len()
                    )
                    .as_bytes(),
                ),
                Err(d) => Err(Failure::Input(d.to_string())),
            }
        }
        Command::Validate { scenario } => match run::load_scenario(scenario) {
            Ok(s) => {
                let nodes = s.cluster.node_count();
                emit(
                    format!(
                        "ok: {}: scenario `{}`: {} pool(s), {nodes} node(s), {} workload(s), {} DaemonSet(s); modes {}\n",
                        scenario.display(),
                        s.name,
                        s.cluster.pools.len(),
                        s.cluster.workloads.len(),
                        s.cluster.daemonsets.len(),
                        s.modes
                            .iter()
                            .map(|m| m.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                    .as_bytes(),
                )
            }
            Err(d) => Err(Failure::Input(d.to_string())),
        },
        Command::Init(a) => init::init(a),
        Command::Sweep(a) => sweep_command(a),
        Command::Replay(a) => replay::replay(a),
        Command::Audit(a) => audit::audit(a),
        Command::Plan(a) => plan::run(a),
        Command::Report(a) => rebuild::report(a),
        Command::Calibrate(a) => calibrate::calibrate(a),
        Command::Presets { name } => presets(name.as_deref()),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "meshsim", &mut buf);
            emit(&buf)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(|e| Failure::Other(e.into()))
                .and_then(|()| emit(&buf))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
        Err(Failure::Other(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
