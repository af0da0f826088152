//! How parameters become points. Every point is a pure function of its index: a grid point by
//! mixed-radix decoding, a sampled point from streams keyed by the sweep seed, so any thread (or
//! any shard) computes the same point.
//!
//! Latin-hypercube sampling gives each parameter its own uniformly random permutation of the
//! strata (Fisher–Yates from the stream `sweep/lhs-permutation/<k>`), so the parameters are
//! stratified and independent; each permutation is drawn once per sweep and shared.

use crate::units::UnitError;
use std::sync::{Arc, OnceLock};

use meshsim_core::rng::{RngStreams, SimRng};
use rand::RngExt;
use toml::Value;

use super::Sweep;

/// Most samples a Latin-hypercube sweep may draw: its strata permutations are kept in memory
/// (4 bytes per sample and parameter).
pub const MAX_LHS_SAMPLES: u64 = 1_000_000;

/// How points are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Cartesian product of every parameter's values.
    Grid,
    /// The i-th value of every parameter together (lists of equal length).
    Zip,
    /// `samples` points, each parameter drawn independently.
    Random,
    /// `samples` points, each parameter stratified into `samples` equal-probability strata.
    LatinHypercube,
}

/// What a parameter can take.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// Listed values (TOML values: numbers or strings such as `"128Mi"`).
    Values(Vec<Value>),
    /// A numeric range: on a grid, `steps` points from `from` to `to`; sampled, anywhere in it.
    Range {
        /// Start.
        from: f64,
        /// End.
        to: f64,
        /// Points on a grid.
        steps: u32,
        /// Log spacing.
        log: bool,
        /// Whole numbers.
        integer: bool,
        /// Unit suffix appended to the number (`"Mi"` → `"96Mi"`).
        unit: Option<String>,
    },
    /// Uncertain: a triangular distribution over `low ≤ likely ≤ high` (sampled only).
    Interval {
        /// Lowest plausible.
        low: f64,
        /// Most likely.
        likely: f64,
        /// Highest plausible.
        high: f64,
        /// Unit suffix.
        unit: Option<String>,
        /// Whole numbers.
        integer: bool,
    },
}

/// One varied parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// Path in the scenario, e.g. `pools.gpu-a100.count`.
    pub path: String,
    /// Column name in outputs (the path unless named).
    pub name: String,
    /// What it can take.
    pub domain: Domain,
}

/// One point: a value per parameter (as TOML values, in parameter order).
pub type Point = Vec<Value>;

/// A number with an optional unit, from a value like `"60Mi"` or 60 (see
/// [`crate::units::split_number_unit`]): number, unit, written as a whole number.
pub(super) fn split_unit(v: &Value) -> Result<(f64, Option<String>, bool), UnitError> {
    match v {
        Value::Integer(i) => Ok((*i as f64, None, true)),
        Value::Float(f) => Ok((*f, None, false)),
        Value::String(s) => crate::units::split_number_unit(s)
            .map(|(n, u, whole)| (n, (!u.is_empty()).then(|| u.to_string()), whole)),
        _ => Err(UnitError(
            "interval bounds must be numbers, or numbers with a unit such as \"60Mi\"".into(),
        )),
    }
}

fn to_value(x: f64, integer: bool, unit: &Option<String>) -> Value {
    match unit {
        Some(u) => {
            if integer {
                Value::String(format!("{}{u}", x.round() as i64))
            } else {
                Value::String(format!("{}{u}", (x * 1e6).round() / 1e6))
            }
        }
        None if integer => Value::Integer(x.round() as i64),
        None => Value::Float((x * 1e9).round() / 1e9),
    }
}

impl Parameter {
    /// Values on a grid (0 for a sampled-only interval).
    pub fn grid_len(&self) -> u64 {
        match &self.domain {
            Domain::Values(v) => v.len() as u64,
            Domain::Range { steps, .. } => u64::from(*steps),
            Domain::Interval { .. } => 0,
        }
    }

    /// The `i`-th grid value (`i < grid_len()`), computed without building the list.
    pub fn grid_value(&self, i: u64) -> Value {
        match &self.domain {
            Domain::Values(v) => v[i as usize].clone(),
            Domain::Range {
                from,
                to,
                steps,
                log,
                integer,
                unit,
            } => {
                let t = if *steps == 1 {
                    0.0
                } else {
                    i as f64 / f64::from(steps - 1)
                };
                let x = if *log {
                    (from.ln() + t * (to.ln() - from.ln())).exp()
                } else {
                    from + t * (to - from)
                };
                to_value(x, *integer, unit)
            }
            Domain::Interval { .. } => Value::Integer(0),
        }
    }

    /// Every grid value (for tests and small domains).
    pub fn grid_values(&self) -> Vec<Value> {
        (0..self.grid_len()).map(|i| self.grid_value(i)).collect()
    }

    /// The value at quantile `u` ∈ [0, 1) of the parameter's sampling distribution.
    fn at_quantile(&self, u: f64) -> Value {
        match &self.domain {
            Domain::Values(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)].clone(),
            Domain::Range {
                from,
                to,
                log,
                integer,
                unit,
                ..
            } => {
                let x = if *log {
                    (from.ln() + u * (to.ln() - from.ln())).exp()
                } else {
                    from + u * (to - from)
                };
                to_value(x, *integer, unit)
            }
            Domain::Interval {
                low,
                likely,
                high,
                unit,
                integer,
            } => {
                // Inverse CDF of the triangular distribution.
                let (a, c, b) = (*low, *likely, *high);
                let x = if b == a {
                    a
                } else {
                    let fc = (c - a) / (b - a);
                    if u < fc {
                        a + (u * (b - a) * (c - a)).sqrt()
                    } else {
                        b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                    }
                };
                to_value(x, *integer, unit)
            }
        }
    }
}

/// Per parameter, its permutation of the Latin-hypercube strata (built once, on first use).
#[derive(Clone, Debug, Default)]
pub struct LhsStrata(OnceLock<Vec<Arc<[u32]>>>);

impl PartialEq for LhsStrata {
    fn eq(&self, _: &Self) -> bool {
        // Derived from the sweep's seed, samples and parameters: equal sweeps draw equal strata.
        true
    }
}

impl Sweep {
    /// Number of points, without building them.
    pub fn point_count(&self) -> u64 {
        match self.strategy {
            Strategy::Grid => self
                .parameters
                .iter()
                .map(Parameter::grid_len)
                .fold(1u64, u64::saturating_mul),
            Strategy::Zip => self.parameters.first().map_or(1, Parameter::grid_len),
            Strategy::Random | Strategy::LatinHypercube => self.samples,
        }
    }

    fn strata(&self) -> &[Arc<[u32]>] {
        self.lhs.0.get_or_init(|| {
            let streams = RngStreams::new(self.seed);
            let n = self.samples.min(MAX_LHS_SAMPLES) as usize;
            (0..self.parameters.len())
                .map(|k| {
                    let mut r: SimRng = streams.stream_indexed("sweep/lhs-permutation", k as u64);
                    let mut p: Vec<u32> = (0..n as u32).collect();
                    // Fisher–Yates.
                    for i in (1..n).rev() {
                        let j = r.random_range(0..=i);
                        p.swap(i, j);
                    }
                    p.into()
                })
                .collect()
        })
    }

    /// Point `i` (`i < point_count()`), computed on its own.
    pub fn point(&self, i: u64) -> Point {
        match self.strategy {
            Strategy::Grid => {
                let mut rest = i;
                let mut out = vec![Value::Integer(0); self.parameters.len()];
                // The last parameter varies fastest.
                for (k, p) in self.parameters.iter().enumerate().rev() {
                    let n = p.grid_len();
                    out[k] = p.grid_value(rest % n);
                    rest /= n;
                }
                out
            }
            Strategy::Zip => self.parameters.iter().map(|p| p.grid_value(i)).collect(),
            Strategy::Random => {
                let streams = RngStreams::new(self.seed);
                self.parameters
                    .iter()
                    .enumerate()
                    .map(|(k, p)| {
                        let mut r: SimRng =
                            streams.stream_indexed("sweep/random", (k as u64) << 40 | i);
                        p.at_quantile(r.random::<f64>())
                    })
                    .collect()
            }
            Strategy::LatinHypercube => {
                let streams = RngStreams::new(self.seed);
                let strata = self.strata();
                self.parameters
                    .iter()
                    .enumerate()
                    .map(|(k, p)| {
                        let stratum = strata[k][i as usize];
                        let mut r: SimRng =
                            streams.stream_indexed("sweep/lhs-jitter", (k as u64) << 40 | i);
                        let u = (f64::from(stratum) + r.random::<f64>()) / self.samples as f64;
                        p.at_quantile(u)
                    })
                    .collect()
            }
        }
    }
}
