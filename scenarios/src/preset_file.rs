//! Preset files: a built-in preset with figures replaced, in a TOML file a scenario names with
//! `[mesh] preset = "my-preset.toml"` (a path, relative to the scenario). `meshsim calibrate`
//! writes them; a user may write one by hand. The tables are those of `[mesh]`: `[sidecar]`,
//! `[ztunnel]`, `[waypoint]`, `[istio_cni]`, `[istiod]`, `[linkerd_proxy]`, `[cilium_agent]`,
//! with the same keys; `[preset]` names the file's preset, its `base` (a built-in) and, for a
//! calibrated one, every fit: which points, and its errors.
//!
//! ```toml
//! [preset]
//! name = "istio-1.7-fitted"
//! base = "istio-1.24"
//! description = "fitted on benchmark-2020-08.csv"
//!
//! [sidecar]
//! base_memory = "71884390"
//! cpu_per_1000_rps = "186m"
//! ```

use serde::{Deserialize, Serialize};
use toml::Spanned;

use meshsim_models::proxy_fit::{FigureFit, Proxy, Quantity};

use crate::file::{
    ControlPlaneSection, FixedSection, MeshSection, NodeProxySection, SidecarSection,
    WaypointSection,
};
use crate::units::{format_bytes, format_cpu};

/// A preset file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PresetFile {
    /// What the file is.
    pub preset: PresetMeta,
    /// Sidecar figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar: Option<SidecarSection>,
    /// ztunnel figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ztunnel: Option<NodeProxySection>,
    /// Waypoint figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waypoint: Option<WaypointSection>,
    /// istio-cni figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istio_cni: Option<FixedSection>,
    /// istiod figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istiod: Option<ControlPlaneSection>,
    /// Linkerd proxy figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkerd_proxy: Option<SidecarSection>,
    /// Cilium agent figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cilium_agent: Option<NodeProxySection>,
}

/// `[preset]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PresetMeta {
    /// The preset's name, as reports show it.
    pub name: String,
    /// The built-in preset every figure not in the file comes from.
    pub base: Spanned<String>,
    /// Where the figures come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The fits `meshsim calibrate` made, one per proxy figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fits: Option<Vec<FitSummary>>,
}

/// One fit, as a preset file records it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FitSummary {
    /// `sidecar`, `ztunnel` or `waypoint`.
    pub proxy: String,
    /// `memory` or `cpu`.
    pub figure: String,
    /// The measurement table and version it was fitted on.
    pub fitted_on: String,
    /// Points.
    pub points: i64,
    /// Root mean square relative error, %.
    pub rms_relative_error_pct: f64,
    /// Largest |relative error|, %.
    pub max_abs_relative_error_pct: f64,
    /// The keys fitted (the others are the base preset's).
    pub fitted: Vec<String>,
}

impl PresetFile {
    /// The file's figures as a `[mesh]` section (its other keys empty), to be applied as
    /// overrides on the base preset.
    pub fn as_mesh_section(&self) -> MeshSection {
        MeshSection {
            sidecar: self.sidecar.clone(),
            ztunnel: self.ztunnel.clone(),
            waypoint: self.waypoint.clone(),
            istio_cni: self.istio_cni.clone(),
            istiod: self.istiod.clone(),
            linkerd_proxy: self.linkerd_proxy.clone(),
            cilium_agent: self.cilium_agent.clone(),
            ..MeshSection::default()
        }
    }

    /// One line saying where the figures come from, for a report's assumptions.
    pub fn origin(&self, path: &str) -> String {
        let mut s = format!(
            "mesh figures from the preset file {path} (`{}`): preset {} with",
            self.preset.name,
            self.preset.base.get_ref()
        );
        match self.preset.fits.as_deref() {
            Some(fits) if !fits.is_empty() => {
                let parts: Vec<String> = fits
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {} ({}) fitted on {}: {} points, RMS error {:.1} %, largest {:.1} %",
                            f.proxy,
                            f.figure,
                            f.fitted.join(", "),
                            f.fitted_on,
                            f.points,
                            f.rms_relative_error_pct,
                            f.max_abs_relative_error_pct
                        )
                    })
                    .collect();
                s.push(' ');
                s.push_str(&parts.join("; "));
            }
            _ => s.push_str(" the figures the file states"),
        }
        if let Some(d) = &self.preset.description {
            s.push_str(&format!(" — {d}"));
        }
        s
    }
}

/// The preset file of `fits` (made on `fitted_on`): only the figures the fits
/// settled are written; every other figure is the base preset's.
pub fn calibrated(name: &str, base: &str, fitted_on: &str, fits: &[FigureFit]) -> PresetFile {
    let mut f = PresetFile {
        preset: PresetMeta {
            name: name.into(),
            base: Spanned::new(0..0, base.into()),
            description: Some(format!(
                "written by meshsim calibrate from {fitted_on}; the figures not in this file are {base}'s"
            )),
            fits: Some(
                fits.iter()
                    .map(|f| FitSummary {
                        proxy: f.proxy.as_str().into(),
                        figure: f.quantity.as_str().into(),
                        fitted_on: fitted_on.into(),
                        points: f.points.len() as i64,
                        rms_relative_error_pct: meshsim_models::rows::r6(
                            100.0 * f.rms_relative_error,
                        ),
                        max_abs_relative_error_pct: meshsim_models::rows::r6(
                            100.0 * f.max_abs_relative_error,
                        ),
                        fitted: f
                            .coefficients
                            .iter()
                            .filter(|c| c.settled.written())
                            .map(|c| c.key.to_string())
                            .collect(),
                    })
                    .collect(),
            ),
        },
        sidecar: None,
        ztunnel: None,
        waypoint: None,
        istio_cni: None,
        istiod: None,
        linkerd_proxy: None,
        cilium_agent: None,
    };
    // Each written figure under its proxy's table, by the key the scenario reads, as the
    // quantity the scenario parses (whole bytes, whole millicores).
    let mut tables: std::collections::BTreeMap<&str, toml::Table> = Default::default();
    for fit in fits {
        for c in fit.coefficients.iter().filter(|c| c.settled.written()) {
            let v = c.value.round().max(0.0) as u64;
            let q = match fit.quantity {
                Quantity::Memory => format_bytes(v),
                Quantity::Cpu => format_cpu(v),
            };
            tables
                .entry(fit.proxy.as_str())
                .or_default()
                .insert(c.key.into(), toml::Value::String(q));
        }
    }
    f.sidecar = section(&tables, Proxy::Sidecar);
    f.ztunnel = section(&tables, Proxy::Ztunnel);
    f.waypoint = section(&tables, Proxy::Waypoint);
    f
}

/// The written figures of `proxy` as its section (the keys come from the fit's own model, so
/// they parse).
fn section<T: serde::de::DeserializeOwned>(
    tables: &std::collections::BTreeMap<&str, toml::Table>,
    proxy: Proxy,
) -> Option<T> {
    tables.get(proxy.as_str()).map(|t| {
        toml::Value::Table(t.clone())
            .try_into()
            .expect("a fitted key is a key of its section")
    })
}

/// The preset file as TOML, under a comment saying what wrote it.
pub fn to_toml(f: &PresetFile) -> Result<String, toml::ser::Error> {
    Ok(format!(
        "# A meshsim preset file: name it in a scenario with [mesh] preset = \"<this file>\".\n\
         # Figures not written here are those of the base preset (`meshsim presets {}`).\n\n{}",
        f.preset.base.get_ref(),
        toml::to_string(f)?
    ))
}
