//! `meshsim calibrate`: fit a preset's proxy coefficients to a measurement table and write the
//! preset file a scenario names (`[mesh] preset = "…/preset.toml"`), with every point's error.

use std::io::Write;
use std::path::{Path, PathBuf};

use meshsim_models::proxy_fit::{FigureFit, fit_table};
use meshsim_models::rows::calibrate::{coefficient_rows, fit_rows};
use meshsim_scenarios::measurements::{self, Format};
use meshsim_scenarios::preset_file;

use crate::Failure;
use crate::output::Staged;
use crate::tables;

/// Formats `--format` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// From the header: a `proxy` column is meshsim's, `Labels` and `cpu_mili_avg_*` istio/tools'.
    Auto,
    /// meshsim's measurement columns (cli/SCHEMA.md).
    Meshsim,
    /// The CSV istio/tools' benchmark runner writes.
    IstioTools,
}

/// Arguments of `meshsim calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Measurement table (CSV): meshsim's columns or istio/tools' benchmark CSV.
    #[arg(value_name = "TABLE")]
    pub table: PathBuf,
    /// Format of the table.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// Version to fit (required when the table holds several; for istio/tools, the run mode,
    /// e.g. v2-stats-nullvm_both).
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
    /// Built-in preset the figures not fitted come from.
    #[arg(long, value_name = "PRESET", default_value = "istio-1.24")]
    pub base: String,
    /// Name of the written preset [default: calibrated-<table>[-<version>]].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Output directory [default: meshsim-out/calibrate-<table>/]. Replaced whole and atomically.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No summary on the terminal (files are still written).
    #[arg(long, short)]
    pub quiet: bool,
}

fn stem(p: &Path) -> String {
    p.file_stem().and_then(|s| s.to_str()).map_or_else(
        || "table".into(),
        |s| meshsim_models::names::truncate(s, 60),
    )
}

/// `meshsim calibrate`.
pub fn calibrate(a: &CalibrateArgs) -> Result<(), Failure> {
    let Some(base) = meshsim_models::presets::by_name(&a.base) else {
        return Err(Failure::Input(format!(
            "error: --base: unknown preset `{}`\n  = help: {}",
            meshsim_models::names::truncate(&a.base, 64),
            meshsim_scenarios::diag::choice_help(&a.base, &meshsim_models::presets::NAMES)
        )));
    };
    if let Some(n) = &a.name {
        crate::name_arg(n)?;
    }
    let format = match a.format {
        FormatArg::Auto => None,
        FormatArg::Meshsim => Some(Format::Meshsim),
        FormatArg::IstioTools => Some(Format::IstioTools),
    };
    let table = measurements::load(&a.table, format, a.version.as_deref())
        .map_err(|d| Failure::Input(d.to_string()))?;
    let (_, fits) = fit_table(&table.points, &base).map_err(|e| {
        Failure::Input(format!(
            "error: {}: {e}\n  = help: a fit needs more points than the coefficients it fits, and features that vary independently",
            a.table.display()
        ))
    })?;
    let file = stem(&a.table);
    let name = a.name.clone().unwrap_or_else(|| match &table.version {
        Some(v) => format!(
            "calibrated-{file}-{}",
            meshsim_models::names::truncate(v, 40)
        ),
        None => format!("calibrated-{file}"),
    });
    let fitted_on = match &table.version {
        Some(v) => format!("{file} (version {v})"),
        None => file.clone(),
    };
    let preset = preset_file::calibrated(&name, &a.base, &fitted_on, &fits);
    let text = preset_file::to_toml(&preset).map_err(|e| Failure::Other(e.into()))?;
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("meshsim-out").join(format!("calibrate-{file}")));
    let mut staged = Staged::new(&dir).map_err(|e| Failure::Input(e.to_string()))?;
    let write = |staged: &mut Staged| -> anyhow::Result<()> {
        staged.bytes("preset.toml", text.as_bytes())?;
        staged.table("fit", &mut tables::frame(&fit_rows(&name, &fits))?)?;
        staged.table(
            "coefficients",
            &mut tables::frame(&coefficient_rows(&name, &fits))?,
        )?;
        Ok(())
    };
    write(&mut staged).map_err(Failure::Other)?;
    let out_dir = staged.dir().to_path_buf();
    staged.commit().map_err(Failure::Other)?;
    if !a.quiet {
        let mut out = std::io::stdout().lock();
        let _ = print_summary(&mut out, &name, &a.base, &fitted_on, &fits, &out_dir);
    }
    Ok(())
}

fn print_summary(
    out: &mut impl Write,
    name: &str,
    base: &str,
    fitted_on: &str,
    fits: &[FigureFit],
    dir: &Path,
) -> std::io::Result<()> {
    writeln!(
        out,
        "meshsim calibrate — {name} (base {base}, fitted on {fitted_on})"
    )?;
    for f in fits {
        writeln!(
            out,
            "\n{} {}: {} points, RMS error {:.1} %, largest {:.1} %",
            f.proxy.as_str(),
            f.quantity.as_str(),
            f.points.len(),
            100.0 * f.rms_relative_error,
            100.0 * f.max_abs_relative_error
        )?;
        let rows = coefficient_rows(name, std::slice::from_ref(f));
        for r in rows {
            writeln!(
                out,
                "  {:<24} {:>14} {:<26} (base {}) {}",
                r.key,
                format!("{}", r.value),
                r.unit,
                r.base_value,
                r.settled
            )?;
        }
    }
    writeln!(
        out,
        "\nwrote {}/preset.toml (name it in a scenario: [mesh] preset = \"{}/preset.toml\"), fit.csv, coefficients.csv",
        dir.display(),
        dir.display()
    )
}
