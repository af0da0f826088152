//! The sweep file as written: serde structs with `deny_unknown_fields` and spans on what
//! validation may reject.

use std::collections::BTreeMap;

use meshsim_models::mesh::MeshMode;
use serde::Deserialize;
use toml::{Spanned, Value};

/// `strategy = "…"`: how parameters become points.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum StrategyKind {
    /// Cartesian product.
    Grid,
    /// Lists side by side.
    Zip,
    /// Independent draws.
    Random,
    /// Independent draws (the name used for uncertainty sweeps).
    MonteCarlo,
    /// Stratified draws.
    LatinHypercube,
}
meshsim_models::named_enum!(StrategyKind, "strategy");

/// `scale = "…"` of a range.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum RangeScale {
    /// Evenly spaced.
    Linear,
    /// Evenly spaced logarithms.
    Log,
}
meshsim_models::named_enum!(RangeScale, "range scale");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SweepFile {
    pub sweep: SweepMeta,
    #[serde(default)]
    pub parameters: Vec<Spanned<ParamSection>>,
    #[serde(default)]
    pub capacity: Option<Spanned<CapacitySection>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SweepMeta {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub scenario: Spanned<String>,
    #[serde(default)]
    pub strategy: Option<StrategyKind>,
    #[serde(default)]
    pub samples: Option<Spanned<i64>>,
    #[serde(default)]
    pub seed: Option<Spanned<i64>>,
    #[serde(default)]
    pub replications: Option<Spanned<i64>>,
    #[serde(default)]
    pub modes: Option<Spanned<Vec<Spanned<MeshMode>>>>,
    #[serde(default)]
    pub nodes_required: Option<bool>,
    #[serde(default)]
    pub plan: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ParamSection {
    pub path: Spanned<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub values: Option<Spanned<Vec<Value>>>,
    #[serde(default)]
    pub range: Option<Spanned<RangeSection>>,
    #[serde(default)]
    pub interval: Option<Spanned<IntervalSection>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RangeSection {
    pub from: f64,
    pub to: f64,
    pub steps: i64,
    #[serde(default)]
    pub scale: Option<RangeScale>,
    #[serde(default)]
    pub unit: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IntervalSection {
    pub low: Value,
    pub likely: Value,
    pub high: Value,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CapacitySection {
    pub pools: Vec<Spanned<String>>,
    #[serde(default)]
    pub replicas: Option<BTreeMap<String, Spanned<i64>>>,
    #[serde(default)]
    pub chain_p99_ms: Option<Spanned<f64>>,
    #[serde(default)]
    pub max_nodes: Option<Spanned<i64>>,
}
