//! The tables of `meshsim calibrate`: `fit.csv`, a row per measured point and figure with what
//! the written preset gives there, and `coefficients.csv`, a row per coefficient of every fitted
//! figure with how it was settled and the fit's error.

use super::{SCHEMA_VERSION, r6};
use crate::proxy_fit::{FigureFit, Quantity};
use crate::resources::MIB;

crate::table_row! {
    /// `fit.csv` (`meshsim calibrate`): per measured point and figure.
    pub struct CalibrationFitRow: "fit" {
        pub schema_version: i64,
        pub preset: String,
        pub proxy: String,
        pub figure: String,
        pub label: String,
        pub measured_memory_mib: Option<f64>,
        pub fitted_memory_mib: Option<f64>,
        pub measured_cpu_millicores: Option<f64>,
        pub fitted_cpu_millicores: Option<f64>,
        pub relative_error_pct: Option<f64>,
    }
}

crate::table_row! {
    /// `coefficients.csv` (`meshsim calibrate`): per coefficient of a fitted figure.
    pub struct CalibrationCoefficientRow: "coefficients" {
        pub schema_version: i64,
        pub preset: String,
        pub proxy: String,
        pub figure: String,
        pub key: String,
        pub multiplies: String,
        pub value: f64,
        pub base_value: f64,
        pub unit: String,
        pub settled: String,
        pub points: i64,
        pub rms_relative_error_pct: f64,
        pub max_abs_relative_error_pct: f64,
    }
}

/// The rows of `fit.csv`.
pub fn fit_rows(preset: &str, fits: &[FigureFit]) -> Vec<CalibrationFitRow> {
    let mut out = Vec::new();
    for f in fits {
        for p in &f.points {
            let (mem, cpu) = match f.quantity {
                Quantity::Memory => (
                    (Some(p.measured / MIB as f64), Some(p.fitted / MIB as f64)),
                    (None, None),
                ),
                Quantity::Cpu => ((None, None), (Some(p.measured), Some(p.fitted))),
            };
            out.push(CalibrationFitRow {
                schema_version: SCHEMA_VERSION,
                preset: preset.into(),
                proxy: f.proxy.as_str().into(),
                figure: f.quantity.as_str().into(),
                label: p.label.clone(),
                measured_memory_mib: mem.0,
                fitted_memory_mib: mem.1,
                measured_cpu_millicores: cpu.0,
                fitted_cpu_millicores: cpu.1,
                relative_error_pct: p.relative_error.map(|e| 100.0 * e),
            });
        }
    }
    out
}

/// The rows of `coefficients.csv`.
pub fn coefficient_rows(preset: &str, fits: &[FigureFit]) -> Vec<CalibrationCoefficientRow> {
    let mut out = Vec::new();
    for f in fits {
        for c in &f.coefficients {
            let what = match f.quantity {
                Quantity::Memory => "bytes",
                Quantity::Cpu => "millicores",
            };
            let unit = match c.feature.column() {
                "1" => what.to_string(),
                "rps" => format!("{what} per 1000 rps"),
                "services" => format!("{what} per service"),
                "endpoints" => format!("{what} per endpoint"),
                "pods" => format!("{what} per pod"),
                other => format!("{what} per {}", other.trim_end_matches('s')),
            };
            out.push(CalibrationCoefficientRow {
                schema_version: SCHEMA_VERSION,
                preset: preset.into(),
                proxy: f.proxy.as_str().into(),
                figure: f.quantity.as_str().into(),
                key: c.key.into(),
                multiplies: c.feature.column().into(),
                value: c.value,
                base_value: c.base_value,
                unit,
                settled: c.settled.as_str().into(),
                points: f.points.len() as i64,
                rms_relative_error_pct: r6(100.0 * f.rms_relative_error),
                max_abs_relative_error_pct: r6(100.0 * f.max_abs_relative_error),
            });
        }
    }
    out
}
