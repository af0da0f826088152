//! # meshsim-scenarios
//!
//! Scenario files: what a user writes (TOML with Kubernetes quantities and durations), how it is
//! checked (unknown keys, wrong types, bad units, broken references and absurd sizes are all
//! located errors with file, line, column and key), and the validated [`Scenario`] the models
//! run. The shipped scenario library lives next to this crate's sources, in `scenarios/*.toml`.

pub mod audit_scenario;
mod ctx;
pub mod diag;
pub mod file;
pub mod kube;
pub mod limits;
pub mod measurements;
pub mod openb;
pub mod preset_file;
pub mod read;
pub mod render;
pub mod replay;
pub mod replay_source;
mod resolve;
pub mod sweep;
pub mod trace;
pub mod units;

use std::path::Path;

use meshsim_models::cluster::Cluster;
use meshsim_models::headline::Migration;
use meshsim_models::latency::LatencySpec;
use meshsim_models::mesh::{MeshConfig, MeshMode};
use meshsim_models::scheduler::SchedulerConfig;

pub use diag::{Diagnostic, Diagnostics, Source};
pub use resolve::load_preset_file;

/// Whether `s` is a valid scenario, workload or pool name.
pub fn ctx_valid_name(s: &str) -> bool {
    ctx::valid_name(s)
}

/// Label every node carries with its pool's name; `pool = "x"` on a workload selects it.
pub const POOL_LABEL: &str = "meshsim.io/pool";

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name (names the output directory).
    pub name: String,
    /// What it answers.
    pub description: String,
    /// Run seed.
    pub seed: u64,
    /// Modes compared.
    pub modes: Vec<MeshMode>,
    /// Replications.
    pub replications: u32,
    /// Compute nodes required at equal replicas.
    pub nodes_required: bool,
    /// The fleet and its workloads.
    pub cluster: Cluster,
    /// The mesh.
    pub mesh: MeshConfig,
    /// Scheduler settings.
    pub scheduler: SchedulerConfig,
    /// Migration effort, if given.
    pub migration: Option<Migration>,
    /// What `meshsim plan` plans with, or the located reason it cannot.
    pub plan: Result<meshsim_models::plan::PlanSpec, Box<Diagnostic>>,
    /// How the cluster runs today: the baseline of every comparison.
    pub current: Option<MeshMode>,
    /// Capacity rules for nodes at equal replicas.
    pub rules: meshsim_models::fleet_search::CapacityRules,
    /// Request-level simulation, when the scenario has traffic.
    pub latency: Option<LatencySpec>,
    /// Per traffic source, where a replayed trace came from.
    pub traces: Vec<Option<trace::TraceSource>>,
    /// The fleet over time, when the scenario has `[autoscaling]`.
    pub autoscaling: Option<Autoscaling>,
}

/// `[autoscaling]` resolved: what the day runs, and each load as written (defaults filled in,
/// trace paths absolute) for the rendered scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Autoscaling {
    /// The run.
    pub spec: meshsim_models::autoscale::day::DaySpec,
    /// Per workload name, its load section.
    pub loads: std::collections::BTreeMap<String, file::LoadSection>,
}

impl Scenario {
    /// The study this scenario asks for (see [`meshsim_models::study::run`]).
    pub fn study(&self) -> meshsim_models::study::StudySpec<'_> {
        meshsim_models::study::StudySpec {
            cluster: &self.cluster,
            mesh: &self.mesh,
            scheduler: self.scheduler,
            seed: self.seed,
            modes: &self.modes,
            replications: self.replications,
            nodes_required: self.nodes_required,
            migration: self.migration,
            current: self.current,
            rules: &self.rules,
            latency: self.latency.as_ref(),
            autoscaling: self.autoscaling.as_ref().map(|a| &a.spec),
        }
    }

    /// The plan this scenario asks for (see [`meshsim_models::plan::plan`]), or why it has none.
    pub fn plan_input(&self) -> Result<meshsim_models::plan::PlanInput<'_>, Box<Diagnostic>> {
        let spec = self.plan.as_ref().map_err(|d| d.clone())?;
        Ok(meshsim_models::plan::PlanInput {
            cluster: &self.cluster,
            mesh: &self.mesh,
            scheduler: self.scheduler,
            seed: self.seed,
            rules: &self.rules,
            latency: self.latency.as_ref(),
            replications: self.replications,
            spec,
        })
    }
}

/// Reads, parses and validates the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario, Diagnostics> {
    let name = path.display().to_string();
    let text = read_bounded(path)?;
    parse_in(&name, &text, path.parent())
}

/// Reads a user's file whole: a regular file only, never past `limits::MAX_FILE_BYTES` (whatever
/// length the file reports), UTF-8 text; otherwise a located error.
pub fn read_bounded(path: &Path) -> Result<String, Diagnostics> {
    let name = path.display().to_string();
    let whole = |message: String| {
        Diagnostics(vec![Diagnostic {
            file: name.clone(),
            line: 0,
            column: 0,
            key: String::new(),
            message,
            help: None,
            snippet: None,
        }])
    };
    let bytes =
        read::read_capped(path, limits::MAX_FILE_BYTES).map_err(|e| whole(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| {
        whole(format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Parses and validates scenario text; `name` is used in messages. Relative trace paths are
/// read from the current directory.
pub fn parse(name: &str, text: &str) -> Result<Scenario, Diagnostics> {
    parse_in(name, text, None)
}

/// Parses and validates scenario text whose relative paths start at `base_dir`.
pub fn parse_in(name: &str, text: &str, base_dir: Option<&Path>) -> Result<Scenario, Diagnostics> {
    let src = Source { name, text };
    if text.trim().is_empty() {
        let mut d = src.whole("the file is empty");
        d.help = Some("start from a template: `meshsim init --template gpu-inference`".into());
        return Err(Diagnostics(vec![d]));
    }
    let file: file::ScenarioFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(_) if replay::is_replay(text) => {
            let mut d = src.whole("this is a replay scenario (it has a [replay] table)");
            d.help = Some(format!("run it with `meshsim replay {name}`"));
            return Err(Diagnostics(vec![d]));
        }
        Err(e) => return Err(Diagnostics(vec![diag::from_toml_error(&src, &e)])),
    };
    let mut ctx = ctx::Ctx::new(&src);
    let scenario = resolve::resolve(&mut ctx, &file, base_dir);
    match scenario {
        Some(s) if !ctx.failed() => Ok(s),
        _ => Err(Diagnostics(ctx.into_errors())),
    }
}
