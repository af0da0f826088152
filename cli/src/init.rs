//! `meshsim init`: a commented starter scenario.

use std::path::PathBuf;

use crate::Failure;

/// Starter scenarios.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Template {
    /// A GPU inference fleet with a CPU pool: how many replicas does each mesh mode leave room for?
    GpuInference,
    /// Web, data and ML namespaces on CPU and GPU pools, half migrated to ambient.
    MixedFleet,
    /// An agent making sequential tool calls: chain latency per mesh mode.
    AgentChain,
}

impl Template {
    fn text(self) -> &'static str {
        match self {
            Template::GpuInference => include_str!("../../scenarios/templates/gpu-inference.toml"),
            Template::MixedFleet => include_str!("../../scenarios/templates/mixed-fleet.toml"),
            Template::AgentChain => include_str!("../../scenarios/templates/agent-chain.toml"),
        }
    }
}

/// Arguments of `meshsim init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Starting point.
    #[arg(long, value_enum, default_value = "gpu-inference")]
    pub template: Template,
    /// File to write.
    #[arg(default_value = "scenario.toml")]
    pub path: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Writes the template atomically (temporary file, then rename).
pub fn init(a: &InitArgs) -> Result<(), Failure> {
    if a.path.exists() && !a.force {
        return Err(Failure::Input(format!(
            "error: {}: already exists\n  = help: choose another path, or pass --force to overwrite it",
            a.path.display()
        )));
    }
    let dir = a
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let name = a.path.file_name().map_or_else(
        || "scenario.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let write =
        std::fs::write(&tmp, a.template.text()).and_then(|()| std::fs::rename(&tmp, &a.path));
    if let Err(e) = write {
        let _ = std::fs::remove_file(&tmp);
        return Err(Failure::Input(format!(
            "error: {}: cannot write: {e}",
            a.path.display()
        )));
    }
    println!(
        "wrote {} — check it with `meshsim validate {0}`, run it with `meshsim run {0}`",
        a.path.display()
    );
    Ok(())
}
