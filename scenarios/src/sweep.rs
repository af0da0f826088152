//! Sweep files: a base scenario, the parameters to vary by their path in it, a strategy that
//! turns parameters into points, and optionally a capacity search.
//!
//! ```toml
//! [sweep]
//! name = "gpu-fleet-x-sidecar-memory"
//! scenario = "gpu-inference-memory-bound.toml"   # relative to the sweep file
//! strategy = "grid"                               # grid | zip | random | latin-hypercube
//!
//! [[parameters]]
//! path = "pools.gpu-a100.count"                   # arrays of tables are selected by name
//! values = [16, 32, 64]
//!
//! [[parameters]]
//! path = "mesh.sidecar.request.memory"
//! range = { from = 64, to = 256, steps = 4, scale = "log", unit = "Mi" }
//! ```
//!
//! A point is applied to the base scenario's TOML document and then validated like any
//! scenario, so a bad value is reported with the point and parameter that produced it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use meshsim_core::rng::{RngStreams, SimRng};
use rand::RngExt;
use serde::Deserialize;
use toml::{Spanned, Table, Value};

use crate::diag::{Diagnostic, Diagnostics, Source, choice_help, from_toml_error};
use crate::resolve::Ctx;

/// Most points a sweep may expand to.
pub const MAX_POINTS: u64 = 10_000_000;

/// The sweep file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    sweep: SweepMeta,
    #[serde(default)]
    parameters: Vec<Spanned<ParamSection>>,
    #[serde(default)]
    capacity: Option<Spanned<CapacitySection>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepMeta {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    scenario: Spanned<String>,
    #[serde(default)]
    strategy: Option<Spanned<String>>,
    #[serde(default)]
    samples: Option<Spanned<i64>>,
    #[serde(default)]
    seed: Option<Spanned<i64>>,
    #[serde(default)]
    replications: Option<Spanned<i64>>,
    #[serde(default)]
    modes: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    nodes_required: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamSection {
    path: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    values: Option<Spanned<Vec<Value>>>,
    #[serde(default)]
    range: Option<Spanned<RangeSection>>,
    #[serde(default)]
    interval: Option<Spanned<IntervalSection>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeSection {
    from: f64,
    to: f64,
    steps: i64,
    #[serde(default)]
    scale: Option<Spanned<String>>,
    #[serde(default)]
    unit: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntervalSection {
    low: Value,
    likely: Value,
    high: Value,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CapacitySection {
    pools: Vec<Spanned<String>>,
    #[serde(default)]
    replicas: Option<BTreeMap<String, Spanned<i64>>>,
    #[serde(default)]
    chain_p99_ms: Option<Spanned<f64>>,
    #[serde(default)]
    max_nodes: Option<Spanned<i64>>,
}

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
        /// Whole numbers (both ends were integers and no unit).
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

/// A capacity search: per mode, the smallest node count of `pools` that places the desired
/// replicas and keeps the latency SLO.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    /// Pools to size (others keep their counts), in order.
    pub pools: Vec<String>,
    /// Desired replicas of `fill` workloads (fixed-count workloads keep theirs).
    pub replicas: BTreeMap<String, u32>,
    /// Chain P99 SLO, ms (needs traffic in the scenario).
    pub chain_p99_ms: Option<f64>,
    /// Upper bound of the search per pool (default: the pool's count in the scenario).
    pub max_nodes: Option<u32>,
}

/// A validated sweep.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// Name (names the output directory).
    pub name: String,
    /// What it explores.
    pub description: String,
    /// The base scenario file.
    pub scenario_path: PathBuf,
    /// Its text.
    pub scenario_text: String,
    /// Strategy.
    pub strategy: Strategy,
    /// Samples for random and Latin-hypercube.
    pub samples: u64,
    /// Sweep seed: point `i` runs with a seed derived from (this, i).
    pub seed: u64,
    /// Request-simulation replications per point (overrides the scenario's).
    pub replications: Option<u32>,
    /// Modes (overrides the scenario's).
    pub modes: Option<Vec<String>>,
    /// Compute nodes at equal replicas per point (overrides the scenario's).
    pub nodes_required: Option<bool>,
    /// Parameters.
    pub parameters: Vec<Parameter>,
    /// Capacity search.
    pub capacity: Option<Capacity>,
}

/// One point: a value per parameter (as TOML values, in parameter order).
pub type Point = Vec<Value>;

#[cfg(test)]
fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// A number with an optional unit suffix, from a value like `"60Mi"` or 60.
fn split_unit(v: &Value) -> Option<(f64, Option<String>, bool)> {
    match v {
        Value::Integer(i) => Some((*i as f64, None, true)),
        Value::Float(f) => Some((*f, None, false)),
        Value::String(s) => {
            let end = s
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(s.len());
            let n: f64 = s[..end].parse().ok()?;
            let unit = &s[end..];
            Some((
                n,
                (!unit.is_empty()).then(|| unit.to_string()),
                !s[..end].contains('.'),
            ))
        }
        _ => None,
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
    fn grid_values(&self) -> Vec<Value> {
        match &self.domain {
            Domain::Values(v) => v.clone(),
            Domain::Range {
                from,
                to,
                steps,
                log,
                integer,
                unit,
            } => (0..*steps)
                .map(|i| {
                    let t = if *steps == 1 {
                        0.0
                    } else {
                        f64::from(i) / f64::from(steps - 1)
                    };
                    let x = if *log {
                        (from.ln() + t * (to.ln() - from.ln())).exp()
                    } else {
                        from + t * (to - from)
                    };
                    to_value(x, *integer, unit)
                })
                .collect(),
            Domain::Interval { .. } => Vec::new(),
        }
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

impl Sweep {
    /// Number of points, without building them.
    pub fn point_count(&self) -> u64 {
        match self.strategy {
            Strategy::Grid => self
                .parameters
                .iter()
                .map(|p| p.grid_values().len() as u64)
                .fold(1u64, |a, n| a.saturating_mul(n)),
            Strategy::Zip => self
                .parameters
                .first()
                .map_or(1, |p| p.grid_values().len() as u64),
            Strategy::Random | Strategy::LatinHypercube => self.samples,
        }
    }

    /// Point `i` (`i < point_count()`), computed on its own: a grid point by mixed-radix
    /// decoding, a sampled point from streams keyed by the sweep seed.
    pub fn point(&self, i: u64) -> Point {
        match self.strategy {
            Strategy::Grid => {
                let mut rest = i;
                let mut out = vec![Value::Integer(0); self.parameters.len()];
                // The last parameter varies fastest.
                for (k, p) in self.parameters.iter().enumerate().rev() {
                    let vals = p.grid_values();
                    let n = vals.len() as u64;
                    out[k] = vals[(rest % n) as usize].clone();
                    rest /= n;
                }
                out
            }
            Strategy::Zip => self
                .parameters
                .iter()
                .map(|p| p.grid_values()[i as usize].clone())
                .collect(),
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
                self.parameters
                    .iter()
                    .enumerate()
                    .map(|(k, p)| {
                        let stratum = self.lhs_stratum(&streams, k, i);
                        let mut r: SimRng =
                            streams.stream_indexed("sweep/lhs-jitter", (k as u64) << 40 | i);
                        let u = (stratum as f64 + r.random::<f64>()) / self.samples as f64;
                        p.at_quantile(u)
                    })
                    .collect()
            }
        }
    }

    /// The stratum of point `i` for parameter `k`: a seeded permutation of 0..samples.
    fn lhs_stratum(&self, streams: &RngStreams, k: usize, i: u64) -> u64 {
        // A keyed bijection on 0..n by a Feistel-free method: sort would need all points, so use
        // the permutation i ↦ (a·i + b) mod n with a coprime to n, a and b from the seed.
        let n = self.samples;
        let mut r: SimRng = streams.stream_indexed("sweep/lhs-permutation", k as u64);
        let mut a = r.random_range(1..n.max(2));
        while gcd(a, n) != 1 {
            a += 1;
            if a >= n {
                a = 1;
            }
        }
        let b = r.random_range(0..n.max(1));
        ((u128::from(a) * u128::from(i) + u128::from(b)) % u128::from(n.max(1))) as u64
    }

    /// The scenario text of point `p` with the sweep's overrides applied, or why it cannot be.
    pub fn apply(&self, p: &Point) -> Result<String, String> {
        let mut doc: Table = toml::from_str(&self.scenario_text).map_err(|e| e.to_string())?;
        for (param, v) in self.parameters.iter().zip(p) {
            set_path(&mut doc, &param.path, v.clone())?;
        }
        toml::to_string(&doc).map_err(|e| e.to_string())
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Splits a path on dots, honouring double quotes: `pools."gpu.a".labels."node.io/x"`.
pub fn split_path(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if quoted {
        return Err(format!("unbalanced quote in path `{path}`"));
    }
    out.push(cur);
    if out.iter().any(String::is_empty) {
        return Err(format!("empty segment in path `{path}`"));
    }
    Ok(out)
}

/// Which field names an element of each array of tables.
fn element_key(array: &str) -> &'static str {
    match array {
        "traffic" => "service",
        _ => "name",
    }
}

/// Sets `path` in `doc` to `v`: tables are created as needed; elements of arrays of tables are
/// selected by name (or `service` for traffic) or by index.
pub fn set_path(doc: &mut Table, path: &str, v: Value) -> Result<(), String> {
    let segs = split_path(path)?;
    let mut table = doc;
    let mut i = 0;
    while i < segs.len() {
        let seg = &segs[i];
        let last = i + 1 == segs.len();
        if last {
            table.insert(seg.clone(), v);
            return Ok(());
        }
        let entry = table
            .entry(seg.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        match entry {
            Value::Table(t) => {
                table = t;
                i += 1;
            }
            Value::Array(items) => {
                let sel = segs
                    .get(i + 1)
                    .ok_or_else(|| format!("`{seg}` needs an element name"))?;
                let key = element_key(seg);
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|x| x.get(key).and_then(Value::as_str).map(String::from))
                    .collect();
                let idx = match sel.parse::<usize>() {
                    Ok(n) if n < items.len() => n,
                    _ => names.iter().position(|n| n == sel).ok_or_else(|| {
                        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                        format!(
                            "no {seg} element named `{sel}`; {}",
                            choice_help(sel, &refs)
                        )
                    })?,
                };
                if i + 2 == segs.len() {
                    return Err(format!(
                        "`{path}` names a whole {seg} element; add the key to set"
                    ));
                }
                match &mut items[idx] {
                    Value::Table(t) => {
                        table = t;
                        i += 2;
                    }
                    _ => return Err(format!("{seg}[{idx}] is not a table")),
                }
            }
            _ => return Err(format!("`{seg}` in `{path}` is a value, not a table")),
        }
    }
    Ok(())
}

/// Reads, parses and validates a sweep file (and its base scenario).
pub fn load(path: &Path) -> Result<Sweep, Diagnostics> {
    load_reserving(path, &[])
}

/// As [`load`], refusing parameter names that would collide with the output's own columns.
pub fn load_reserving(path: &Path, reserved: &[&str]) -> Result<Sweep, Diagnostics> {
    let name = path.display().to_string();
    let text = crate::read_bounded(path)?;
    let src = Source {
        name: &name,
        text: &text,
    };
    if text.trim().is_empty() {
        return Err(Diagnostics(vec![src.whole("the sweep file is empty")]));
    }
    let file: SweepFile =
        toml::from_str(&text).map_err(|e| Diagnostics(vec![from_toml_error(&src, &e)]))?;
    let mut ctx = Ctx {
        src: &src,
        errors: Vec::new(),
    };
    let meta = &file.sweep;
    let strategy = match &meta.strategy {
        None => Strategy::Grid,
        Some(s) => match ctx.choice(
            s,
            &["grid", "zip", "random", "latin-hypercube", "monte-carlo"],
            "strategy",
        ) {
            Some("zip") => Strategy::Zip,
            Some("random") | Some("monte-carlo") => Strategy::Random,
            Some("latin-hypercube") => Strategy::LatinHypercube,
            _ => Strategy::Grid,
        },
    };
    let samples = match (&meta.samples, strategy) {
        (Some(s), Strategy::Random | Strategy::LatinHypercube) => {
            ctx.int_in(s, 1, MAX_POINTS as i64, "samples").unwrap_or(1) as u64
        }
        (Some(s), _) => {
            ctx.err(
                s.span(),
                "`samples` applies to random, monte-carlo and latin-hypercube sweeps",
                None,
            );
            0
        }
        (None, Strategy::Random | Strategy::LatinHypercube) => {
            ctx.err(
                meta.name.span(),
                "a sampled sweep needs `samples` in [sweep]",
                None,
            );
            0
        }
        (None, _) => 0,
    };
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let scenario_path = base_dir.join(meta.scenario.get_ref());
    let scenario_text = match crate::read_bounded(&scenario_path) {
        Ok(t) => t,
        Err(e) => {
            ctx.err(
                meta.scenario.span(),
                format!(
                    "cannot use base scenario {}: {}",
                    scenario_path.display(),
                    e.0.first().map_or("", |d| d.message.as_str())
                ),
                None,
            );
            String::new()
        }
    };
    let mut parameters = Vec::new();
    for sp in &file.parameters {
        let p = sp.get_ref();
        if let Err(e) = split_path(p.path.get_ref()) {
            ctx.err(p.path.span(), e, None);
            continue;
        }
        let given = [p.values.is_some(), p.range.is_some(), p.interval.is_some()];
        if given.iter().filter(|x| **x).count() != 1 {
            ctx.err(
                sp.span(),
                format!(
                    "parameter `{}` needs exactly one of `values`, `range` and `interval`",
                    p.path.get_ref()
                ),
                None,
            );
            continue;
        }
        let domain = if let Some(v) = &p.values {
            if v.get_ref().is_empty() {
                ctx.err(v.span(), "`values` is empty", None);
                continue;
            }
            Domain::Values(v.get_ref().clone())
        } else if let Some(r) = &p.range {
            let rr = r.get_ref();
            let log = match &rr.scale {
                None => false,
                Some(s) => ctx.choice(s, &["linear", "log"], "range scale") == Some("log"),
            };
            if !(rr.from.is_finite() && rr.to.is_finite())
                || (log && (rr.from <= 0.0 || rr.to <= 0.0))
            {
                ctx.err(
                    r.span(),
                    "a range needs finite ends (positive for a log scale)",
                    None,
                );
                continue;
            }
            if !(1..=1_000_000).contains(&rr.steps) {
                ctx.err(
                    r.span(),
                    format!("range steps {} must be between 1 and 1000000", rr.steps),
                    None,
                );
                continue;
            }
            let integer = rr.unit.is_none() && rr.from.fract() == 0.0 && rr.to.fract() == 0.0;
            Domain::Range {
                from: rr.from,
                to: rr.to,
                steps: rr.steps as u32,
                log,
                integer: integer
                    || rr.unit.is_some() && rr.from.fract() == 0.0 && rr.to.fract() == 0.0,
                unit: rr.unit.clone(),
            }
        } else {
            let iv = p.interval.as_ref().expect("checked above");
            let ir = iv.get_ref();
            let parts = [
                split_unit(&ir.low),
                split_unit(&ir.likely),
                split_unit(&ir.high),
            ];
            let (Some(l), Some(m), Some(h)) = (&parts[0], &parts[1], &parts[2]) else {
                ctx.err(
                    iv.span(),
                    "interval bounds must be numbers, or numbers with a unit such as \"60Mi\"",
                    None,
                );
                continue;
            };
            if l.1 != m.1 || m.1 != h.1 {
                ctx.err(iv.span(), "interval bounds must share one unit", None);
                continue;
            }
            if !(l.0 <= m.0 && m.0 <= h.0) {
                ctx.err(iv.span(), "an interval needs low ≤ likely ≤ high", None);
                continue;
            }
            if strategy == Strategy::Grid || strategy == Strategy::Zip {
                ctx.err(
                    iv.span(),
                    "an interval is sampled: use strategy = \"monte-carlo\" (or random / latin-hypercube) with `samples`",
                    None,
                );
                continue;
            }
            Domain::Interval {
                low: l.0,
                likely: m.0,
                high: h.0,
                unit: l.1.clone(),
                integer: l.2 && m.2 && h.2,
            }
        };
        let name = p.name.clone().unwrap_or_else(|| p.path.get_ref().clone());
        if reserved.contains(&name.as_str())
            || parameters.iter().any(|q: &Parameter| q.name == name)
        {
            ctx.err(
                sp.span(),
                format!("parameter name `{name}` is already an output column or another parameter's name"),
                Some(format!("set `name` to something else, e.g. `{name}_param`")),
            );
            continue;
        }
        parameters.push(Parameter {
            path: p.path.get_ref().clone(),
            name,
            domain,
        });
    }
    if strategy == Strategy::Zip {
        let lens: Vec<usize> = parameters.iter().map(|p| p.grid_values().len()).collect();
        if lens.windows(2).any(|w| w[0] != w[1]) {
            ctx.err(
                meta.name.span(),
                format!("a zip sweep needs lists of equal length; lengths are {lens:?}"),
                None,
            );
        }
    }
    let capacity = file.capacity.as_ref().map(|c| {
        let cr = c.get_ref();
        Capacity {
            pools: cr.pools.iter().map(|p| p.get_ref().clone()).collect(),
            replicas: cr
                .replicas
                .iter()
                .flatten()
                .filter_map(|(k, v)| {
                    ctx.int_in(v, 1, crate::limits::MAX_REPLICAS as i64, "replicas")
                        .map(|n| (k.clone(), n as u32))
                })
                .collect(),
            chain_p99_ms: cr
                .chain_p99_ms
                .as_ref()
                .and_then(|v| ctx.num_in(v, 1e-6, 1e9, "SLO (ms)")),
            max_nodes: cr
                .max_nodes
                .as_ref()
                .and_then(|v| ctx.int_in(v, 1, crate::limits::MAX_NODES_PER_POOL as i64, "nodes"))
                .map(|n| n as u32),
        }
    });
    // Names in [capacity] must exist in the base scenario.
    if let (Some(c), Ok(base)) = (
        &file.capacity,
        crate::parse_in(
            &scenario_path.display().to_string(),
            &scenario_text,
            scenario_path.parent(),
        ),
    ) {
        let cr = c.get_ref();
        let pools: Vec<&str> = base.cluster.pools.iter().map(|p| p.name.as_str()).collect();
        for p in &cr.pools {
            if !pools.contains(&p.get_ref().as_str()) {
                ctx.err(
                    p.span(),
                    format!(
                        "[capacity] pools: no pool `{}` in the scenario",
                        p.get_ref()
                    ),
                    Some(choice_help(p.get_ref(), &pools)),
                );
            }
        }
        let names: Vec<&str> = base
            .cluster
            .workloads
            .iter()
            .map(|w| w.name.as_str())
            .collect();
        for (w, v) in cr.replicas.iter().flatten() {
            if !names.contains(&w.as_str()) {
                ctx.err(
                    v.span(),
                    format!("[capacity] replicas: no workload `{w}` in the scenario"),
                    Some(choice_help(w, &names)),
                );
            }
        }
        if cr.chain_p99_ms.is_some() && base.latency.is_none() {
            ctx.err(
                c.span(),
                "[capacity] chain_p99_ms needs [[traffic]] in the scenario to simulate",
                None,
            );
        }
    }
    let sweep = Sweep {
        name: meta.name.get_ref().clone(),
        description: meta.description.clone().unwrap_or_default(),
        scenario_path,
        scenario_text,
        strategy,
        samples,
        seed: meta
            .seed
            .as_ref()
            .and_then(|s| ctx.int_in(s, 0, i64::MAX, "(seed)"))
            .unwrap_or(1) as u64,
        replications: meta
            .replications
            .as_ref()
            .and_then(|r| ctx.int_in(r, 1, crate::limits::MAX_REPLICATIONS as i64, "replications"))
            .map(|r| r as u32),
        modes: meta
            .modes
            .as_ref()
            .map(|m| m.iter().map(|x| x.get_ref().clone()).collect()),
        nodes_required: meta.nodes_required,
        parameters,
        capacity,
    };
    if !sweep
        .name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        || sweep.name.is_empty()
    {
        ctx.err(
            meta.name.span(),
            format!("invalid sweep name `{}`", sweep.name),
            Some("use letters, digits, `-`, `_` or `.`: it names the output directory".into()),
        );
    }
    let n = sweep.point_count();
    if n > MAX_POINTS {
        ctx.err(
            meta.name.span(),
            format!("this sweep expands to {n} points, beyond meshsim's limit of {MAX_POINTS}"),
            Some("use fewer values per parameter, or a sampled strategy with `samples`".into()),
        );
    }
    if !ctx.errors.is_empty() {
        return Err(Diagnostics(ctx.errors));
    }
    // Every parameter path must take a value in the base scenario: check with the first point.
    if n > 0 {
        let p0 = sweep.point(0);
        for (sp, (param, v)) in file.parameters.iter().zip(sweep.parameters.iter().zip(&p0)) {
            let mut doc: Table = match toml::from_str(&sweep.scenario_text) {
                Ok(d) => d,
                Err(_) => break,
            };
            if let Err(e) = set_path(&mut doc, &param.path, v.clone()) {
                let mut d = src.at(Some(sp.get_ref().path.span()), e);
                d.help = Some("paths start at the scenario's top level, e.g. `pools.<pool name>.count`, `mesh.sidecar.request.memory`, `workloads.<name>.replicas`".to_string());
                ctx.errors.push(d);
            }
        }
    }
    if !ctx.errors.is_empty() {
        return Err(Diagnostics(ctx.errors));
    }
    Ok(sweep)
}

/// A point's scenario failed validation: the point and its values, then the scenario's errors.
pub fn point_error(sweep: &Sweep, index: u64, point: &Point, errors: &Diagnostics) -> Diagnostic {
    let values: Vec<String> = sweep
        .parameters
        .iter()
        .zip(point)
        .map(|(p, v)| format!("{} = {v}", p.path))
        .collect();
    Diagnostic {
        file: sweep.scenario_path.display().to_string(),
        line: 0,
        column: 0,
        key: String::new(),
        message: format!(
            "point {index} ({}) makes an invalid scenario:\n{errors}",
            values.join(", ")
        ),
        help: Some("narrow the parameter's values or range".into()),
        snippet: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(path: &str, d: Domain) -> Parameter {
        Parameter {
            path: path.into(),
            name: path.into(),
            domain: d,
        }
    }

    fn sweep(strategy: Strategy, samples: u64, params: Vec<Parameter>) -> Sweep {
        Sweep {
            name: "t".into(),
            description: String::new(),
            scenario_path: PathBuf::new(),
            scenario_text: String::new(),
            strategy,
            samples,
            seed: 7,
            replications: None,
            modes: None,
            nodes_required: None,
            parameters: params,
            capacity: None,
        }
    }

    #[test]
    fn grid_enumerates_the_cartesian_product_last_fastest() {
        let s = sweep(
            Strategy::Grid,
            0,
            vec![
                param(
                    "a",
                    Domain::Values(vec![Value::Integer(1), Value::Integer(2)]),
                ),
                param(
                    "b",
                    Domain::Values(vec![
                        Value::String("x".into()),
                        Value::String("y".into()),
                        Value::String("z".into()),
                    ]),
                ),
            ],
        );
        assert_eq!(s.point_count(), 6);
        assert_eq!(
            s.point(0),
            vec![Value::Integer(1), Value::String("x".into())]
        );
        assert_eq!(
            s.point(4),
            vec![Value::Integer(2), Value::String("y".into())]
        );
    }

    #[test]
    fn ranges_space_values_linearly_or_logarithmically() {
        let lin = param(
            "a",
            Domain::Range {
                from: 16.0,
                to: 64.0,
                steps: 4,
                log: false,
                integer: true,
                unit: None,
            },
        );
        assert_eq!(
            lin.grid_values(),
            vec![
                Value::Integer(16),
                Value::Integer(32),
                Value::Integer(48),
                Value::Integer(64)
            ]
        );
        let log = param(
            "m",
            Domain::Range {
                from: 64.0,
                to: 256.0,
                steps: 3,
                log: true,
                integer: true,
                unit: Some("Mi".into()),
            },
        );
        assert_eq!(
            log.grid_values(),
            vec![
                Value::String("64Mi".into()),
                Value::String("128Mi".into()),
                Value::String("256Mi".into())
            ]
        );
    }

    #[test]
    fn latin_hypercube_puts_one_sample_in_every_stratum() {
        let n = 50;
        let s = sweep(
            Strategy::LatinHypercube,
            n,
            vec![param(
                "x",
                Domain::Range {
                    from: 0.0,
                    to: 1.0,
                    steps: 2,
                    log: false,
                    integer: false,
                    unit: None,
                },
            )],
        );
        let mut strata: Vec<u64> = (0..n)
            .map(|i| (num(&s.point(i)[0]).unwrap() * n as f64) as u64)
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..n).collect::<Vec<_>>());
        // Points are computed independently, so any thread computes the same point.
        assert_eq!(s.point(17), s.point(17));
    }

    #[test]
    fn intervals_sample_a_triangular_distribution() {
        let s = sweep(
            Strategy::Random,
            20_000,
            vec![param(
                "m",
                Domain::Interval {
                    low: 40.0,
                    likely: 60.0,
                    high: 200.0,
                    unit: None,
                    integer: false,
                },
            )],
        );
        let xs: Vec<f64> = (0..20_000).map(|i| num(&s.point(i)[0]).unwrap()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        // Triangular mean (a + c + b) / 3 = 100; sd ≈ 35.6, so 5 standard errors ≈ 1.26.
        assert!((mean - 100.0).abs() < 1.3, "{mean}");
        assert!(xs.iter().all(|x| (40.0..=200.0).contains(x)));
    }

    #[test]
    fn paths_select_tables_and_named_elements() {
        let mut doc: Table = toml::from_str(
            "[scenario]\nname = \"x\"\n[[pools]]\nname = \"gpu\"\ncount = 2\n[[traffic]]\nservice = \"web\"\nrate = 1.0\n",
        )
        .unwrap();
        set_path(&mut doc, "pools.gpu.count", Value::Integer(8)).unwrap();
        set_path(
            &mut doc,
            "mesh.sidecar.request.memory",
            Value::String("256Mi".into()),
        )
        .unwrap();
        set_path(&mut doc, "traffic.web.rate", Value::Float(5.0)).unwrap();
        set_path(
            &mut doc,
            "pools.0.labels.\"node.io/x\"",
            Value::String("y".into()),
        )
        .unwrap();
        let s = toml::to_string(&doc).unwrap();
        assert!(s.contains("count = 8"), "{s}");
        assert!(s.contains("memory = \"256Mi\""), "{s}");
        assert!(s.contains("rate = 5.0"), "{s}");
        assert!(s.contains("\"node.io/x\" = \"y\""), "{s}");
        let e = set_path(&mut doc, "pools.gpuu.count", Value::Integer(1)).unwrap_err();
        assert!(e.contains("did you mean `gpu`?"), "{e}");
        assert!(set_path(&mut doc, "scenario.name.x", Value::Integer(1)).is_err());
    }
}
