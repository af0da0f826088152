//! Reading and checking a sweep file: its meta section, every parameter, the capacity search,
//! and the base scenario the parameters apply to. Names (modes, pools, workloads) are resolved
//! here, once; the points are checked by the caller before any work.

use std::collections::BTreeMap;
use std::path::Path;

use toml::{Spanned, Table};

use super::file::{CapacitySection, ParamSection, StrategyKind, SweepFile, SweepMeta};
use super::path::{set_path, split_path};
use super::points::{Domain, MAX_LHS_SAMPLES, Parameter, Strategy, split_unit};
use super::{Capacity, MAX_POINTS, Sweep};
use crate::Scenario;
use crate::ctx::{Ctx, valid_name};
use crate::diag::{Diagnostics, Source, choice_help, from_toml_error};

/// Reads, parses and validates a sweep file (and its base scenario).
pub fn load(path: &Path) -> Result<Sweep, Diagnostics> {
    load_reserving(path, &[])
}

fn strategy_of(meta: &SweepMeta) -> Strategy {
    match meta.strategy {
        None | Some(StrategyKind::Grid) => Strategy::Grid,
        Some(StrategyKind::Zip) => Strategy::Zip,
        Some(StrategyKind::Random | StrategyKind::MonteCarlo) => Strategy::Random,
        Some(StrategyKind::LatinHypercube) => Strategy::LatinHypercube,
    }
}

fn samples_of(ctx: &mut Ctx<'_>, meta: &SweepMeta, strategy: Strategy) -> u64 {
    match (&meta.samples, strategy) {
        (Some(s), Strategy::Random) => {
            ctx.int_in(s, 1, MAX_POINTS as i64, "samples").unwrap_or(1) as u64
        }
        (Some(s), Strategy::LatinHypercube) => ctx
            .int_in(s, 1, MAX_LHS_SAMPLES as i64, "Latin-hypercube samples")
            .unwrap_or(1) as u64,
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
    }
}

fn range_domain(ctx: &mut Ctx<'_>, r: &Spanned<super::file::RangeSection>) -> Option<Domain> {
    let rr = r.get_ref();
    let log = rr.scale == Some(super::file::RangeScale::Log);
    if !(rr.from.is_finite() && rr.to.is_finite()) || (log && (rr.from <= 0.0 || rr.to <= 0.0)) {
        ctx.err(
            r.span(),
            "a range needs finite ends (positive for a log scale)",
            None,
        );
        return None;
    }
    if !(1..=1_000_000).contains(&rr.steps) {
        ctx.err(
            r.span(),
            format!("range steps {} must be between 1 and 1000000", rr.steps),
            None,
        );
        return None;
    }
    if let Some(u) = &rr.unit
        && !crate::units::is_unit(u)
    {
        ctx.err(
            r.span(),
            format!("range unit `{u}` is not a quantity suffix (Ki Mi Gi Ti Pi Ei n u m k M G T P E) or a duration unit (ns us µs ms s m h)"),
            None,
        );
        return None;
    }
    let whole_ends = rr.from.fract() == 0.0 && rr.to.fract() == 0.0;
    Some(Domain::Range {
        from: rr.from,
        to: rr.to,
        steps: rr.steps as u32,
        log,
        integer: whole_ends,
        unit: rr.unit.clone(),
    })
}

fn interval_domain(
    ctx: &mut Ctx<'_>,
    iv: &Spanned<super::file::IntervalSection>,
    strategy: Strategy,
) -> Option<Domain> {
    let ir = iv.get_ref();
    let parts = [
        split_unit(&ir.low),
        split_unit(&ir.likely),
        split_unit(&ir.high),
    ];
    let (l, m, h) = match parts {
        [Ok(l), Ok(m), Ok(h)] => (l, m, h),
        [a, b, c] => {
            let why = [a, b, c]
                .into_iter()
                .find_map(Result::err)
                .map_or_else(String::new, |e| e.0);
            ctx.err(iv.span(), why, None);
            return None;
        }
    };
    if l.1 != m.1 || m.1 != h.1 {
        ctx.err(iv.span(), "interval bounds must share one unit", None);
        return None;
    }
    if !(l.0.is_finite() && h.0.is_finite() && l.0 <= m.0 && m.0 <= h.0) {
        ctx.err(iv.span(), "an interval needs low ≤ likely ≤ high", None);
        return None;
    }
    if matches!(strategy, Strategy::Grid | Strategy::Zip) {
        ctx.err(
            iv.span(),
            "an interval is sampled: use strategy = \"monte-carlo\" (or random / latin-hypercube) with `samples`",
            None,
        );
        return None;
    }
    Some(Domain::Interval {
        low: l.0,
        likely: m.0,
        high: h.0,
        unit: l.1.clone(),
        integer: l.2 && m.2 && h.2,
    })
}

fn parameter(
    ctx: &mut Ctx<'_>,
    sp: &Spanned<ParamSection>,
    strategy: Strategy,
    reserved: &[&str],
    earlier: &[Parameter],
) -> Option<Parameter> {
    let p = sp.get_ref();
    if let Err(e) = split_path(p.path.get_ref()) {
        ctx.err(p.path.span(), e.to_string(), None);
        return None;
    }
    let path = p.path.get_ref();
    if path == "autoscaling" || path.starts_with("autoscaling.") {
        ctx.err(
            p.path.span(),
            format!("`{path}` changes nothing in a sweep: a sweep's points run the static study, not the day of [autoscaling]"),
            Some("run the variants of a day with `meshsim run` (one scenario file each)".into()),
        );
        return None;
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
        return None;
    }
    let domain = if let Some(v) = &p.values {
        if v.get_ref().is_empty() {
            ctx.err(v.span(), "`values` is empty", None);
            return None;
        }
        Domain::Values(v.get_ref().clone())
    } else if let Some(r) = &p.range {
        range_domain(ctx, r)?
    } else {
        interval_domain(ctx, p.interval.as_ref()?, strategy)?
    };
    let name = p.name.clone().unwrap_or_else(|| p.path.get_ref().clone());
    if reserved.contains(&name.as_str()) || earlier.iter().any(|q| q.name == name) {
        ctx.err(
            sp.span(),
            format!(
                "parameter name `{name}` is already an output column or another parameter's name"
            ),
            Some(format!("set `name` to something else, e.g. `{name}_param`")),
        );
        return None;
    }
    Some(Parameter {
        path: p.path.get_ref().clone(),
        name,
        domain,
    })
}

/// The capacity search, with its names resolved against the base scenario.
fn capacity(
    ctx: &mut Ctx<'_>,
    c: &Spanned<CapacitySection>,
    base: Option<&Scenario>,
) -> Option<Capacity> {
    let cr = c.get_ref();
    let chain_p99_ms = cr
        .chain_p99_ms
        .as_ref()
        .and_then(|v| ctx.num_in(v, 1e-6, 1e9, "SLO (ms)"));
    let max_nodes = cr
        .max_nodes
        .as_ref()
        .and_then(|v| ctx.int_in(v, 1, crate::limits::MAX_NODES_PER_POOL as i64, "nodes"))
        .map(|n| n as u32);
    // Without a valid base scenario its own errors are reported; names cannot be checked.
    let base = base?;
    let pool_names: Vec<&str> = base.cluster.pools.iter().map(|p| p.name.as_str()).collect();
    let mut pools = Vec::new();
    for p in &cr.pools {
        match pool_names.iter().position(|n| n == p.get_ref()) {
            Some(i) => pools.push((i, p.get_ref().clone())),
            None => ctx.err(
                p.span(),
                format!(
                    "[capacity] pools: no pool `{}` in the scenario",
                    p.get_ref()
                ),
                Some(choice_help(p.get_ref(), &pool_names)),
            ),
        }
    }
    let names: Vec<&str> = base
        .cluster
        .workloads
        .iter()
        .map(|w| w.name.as_str())
        .collect();
    let mut replicas = BTreeMap::new();
    for (w, v) in cr.replicas.iter().flatten() {
        let n = ctx.int_in(v, 1, crate::limits::MAX_REPLICAS as i64, "replicas");
        match (names.iter().position(|x| x == w), n) {
            (Some(i), Some(n)) => {
                replicas.insert(i, (w.clone(), n as u32));
            }
            (None, _) => ctx.err(
                v.span(),
                format!("[capacity] replicas: no workload `{w}` in the scenario"),
                Some(choice_help(w, &names)),
            ),
            _ => {}
        }
    }
    if cr.chain_p99_ms.is_some() && base.latency.is_none() {
        ctx.err(
            c.span(),
            "[capacity] chain_p99_ms needs [[traffic]] in the scenario to simulate",
            None,
        );
    }
    Some(Capacity {
        pools,
        replicas,
        chain_p99_ms,
        max_nodes,
    })
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
    let mut ctx = Ctx::new(&src);
    let meta = &file.sweep;
    let strategy = strategy_of(meta);
    let samples = samples_of(&mut ctx, meta, strategy);
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let scenario_path = base_dir.join(meta.scenario.get_ref());
    let scenario_name = scenario_path.display().to_string();
    let (scenario_text, base) = match crate::read_bounded(&scenario_path) {
        // A base scenario may be completed by the parameters: its own errors surface when the
        // points are checked, before any work.
        Ok(t) => {
            // …but a base that is not TOML at all is refused here, in its own file.
            if let Err(e) = toml::from_str::<Table>(&t) {
                let src = Source {
                    name: &scenario_name,
                    text: &t,
                };
                return Err(Diagnostics(vec![from_toml_error(&src, &e)]));
            }
            let base = crate::parse_in(&scenario_name, &t, scenario_path.parent()).ok();
            (t, base)
        }
        Err(e) => {
            ctx.err(
                meta.scenario.span(),
                format!(
                    "cannot use base scenario {scenario_name}: {}",
                    e.0.first().map_or("", |d| d.message.as_str())
                ),
                None,
            );
            (String::new(), None)
        }
    };
    let mut parameters: Vec<Parameter> = Vec::new();
    for sp in &file.parameters {
        if let Some(p) = parameter(&mut ctx, sp, strategy, reserved, &parameters) {
            parameters.push(p);
        }
    }
    if strategy == Strategy::Zip {
        let lens: Vec<u64> = parameters.iter().map(Parameter::grid_len).collect();
        if lens.windows(2).any(|w| w[0] != w[1]) {
            ctx.err(
                meta.name.span(),
                format!("a zip sweep needs lists of equal length; lengths are {lens:?}"),
                None,
            );
        }
    }
    let capacity = file
        .capacity
        .as_ref()
        .and_then(|c| capacity(&mut ctx, c, base.as_ref()));
    let modes = meta.modes.as_ref().map(|m| {
        let mut out = Vec::new();
        for x in m.get_ref() {
            if out.contains(x.get_ref()) {
                ctx.err(
                    x.span(),
                    format!("mode `{}` is listed twice", x.get_ref().as_str()),
                    None,
                );
            } else {
                out.push(*x.get_ref());
            }
        }
        if out.is_empty() {
            ctx.err(m.span(), "no modes to compare", None);
        }
        out
    });
    if !valid_name(meta.name.get_ref()) {
        ctx.err(
            meta.name.span(),
            format!("invalid sweep name `{}`", meta.name.get_ref()),
            Some(crate::ctx::NAME_HELP.to_string() + ": it names the output directory"),
        );
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
        modes,
        nodes_required: meta.nodes_required,
        plan: meta.plan.unwrap_or(false),
        parameters,
        capacity,
        lhs: Default::default(),
    };
    let n = sweep.point_count();
    if n > MAX_POINTS {
        ctx.err(
            meta.name.span(),
            format!("this sweep expands to {n} points, beyond meshsim's limit of {MAX_POINTS}"),
            Some("use fewer values per parameter, or a sampled strategy with `samples`".into()),
        );
    }
    if ctx.failed() {
        return Err(Diagnostics(ctx.into_errors()));
    }
    // Every parameter path must take a value in the base scenario: check with the first point.
    if n > 0 {
        let p0 = sweep.point(0);
        for (sp, (param, v)) in file.parameters.iter().zip(sweep.parameters.iter().zip(&p0)) {
            let Ok(mut doc) = toml::from_str::<Table>(&sweep.scenario_text) else {
                break;
            };
            if let Err(e) = set_path(&mut doc, &param.path, v.clone()) {
                ctx.err(
                    sp.get_ref().path.span(),
                    e.to_string(),
                    Some("paths start at the scenario's top level, e.g. `pools.<pool name>.count`, `mesh.sidecar.request.memory`, `workloads.<name>.replicas`".to_string()),
                );
            }
        }
    }
    if ctx.failed() {
        return Err(Diagnostics(ctx.into_errors()));
    }
    Ok(sweep)
}
