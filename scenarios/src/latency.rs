//! The request-simulation parts of a scenario: `[latency]`, `[[traffic]]`, and per workload
//! `processing_time`, `calls` and `call_mode`; distributions; trace files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use meshsim_core::time::SimDuration;
use meshsim_models::cluster::Cluster;
use meshsim_models::delay::DelaySpec;
use meshsim_models::latency::{
    Arrival, Call, CallMode, LatencySpec, LoadBalancing, NetworkSpec, ServiceSpec, TrafficSpec,
};
use toml::Spanned;

use crate::diag::choice_help;
use crate::file::{DistSection, ScenarioFile, TrafficSection};
use crate::resolve::Ctx;
use crate::units::Duration;

/// Where a replayed trace came from (kept to write the resolved scenario back).
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSource {
    /// The file, as resolved (absolute when the scenario's directory is known).
    pub path: PathBuf,
    /// The timestamp column.
    pub column: String,
}

/// Most requests one scenario may simulate (all modes and replications): a bound checked before
/// anything runs.
pub const MAX_SIMULATED_REQUESTS: f64 = 2e9;
/// Most calls one root request may fan out to.
pub const MAX_CALLS_PER_REQUEST: f64 = 1e6;
/// Largest trace file, bytes.
pub const MAX_TRACE_BYTES: u64 = 512 * 1024 * 1024;
/// Most rows in a trace.
pub const MAX_TRACE_ROWS: usize = 50_000_000;

const DISTS: [&str; 5] = ["lognormal", "exponential", "constant", "gamma", "uniform"];

/// A distribution from its file form, or a located error.
pub(crate) fn delay(ctx: &mut Ctx<'_>, d: &Spanned<DistSection>, what: &str) -> Option<DelaySpec> {
    let ds = d.get_ref();
    let kind = match &ds.dist {
        None => "lognormal",
        Some(k) => ctx.choice(k, &DISTS, "distribution")?,
    };
    let span = d.span();
    let mut stray = |names: &[(&str, bool)]| -> bool {
        let bad: Vec<&str> = names
            .iter()
            .filter(|(_, set)| *set)
            .map(|(n, _)| *n)
            .collect();
        if bad.is_empty() {
            false
        } else {
            ctx.err(
                span.clone(),
                format!(
                    "{what}: `{}` does not apply to a {kind} distribution",
                    bad.join("`, `")
                ),
                Some(help_for(kind).into()),
            );
            true
        }
    };
    let need = |ctx: &mut Ctx<'_>, v: Option<Duration>, key: &str| -> Option<SimDuration> {
        if v.is_none() {
            ctx.err(
                span.clone(),
                format!("{what}: a {kind} distribution needs `{key}`"),
                Some(help_for(kind).into()),
            );
        }
        v.map(|x| x.0)
    };
    let spec = match kind {
        "exponential" => {
            if stray(&[
                ("p99", ds.p99.is_some()),
                ("cv", ds.cv.is_some()),
                ("min", ds.min.is_some()),
                ("max", ds.max.is_some()),
            ]) {
                return None;
            }
            DelaySpec::Exponential {
                mean: need(ctx, ds.mean, "mean")?,
            }
        }
        "constant" => {
            if stray(&[
                ("p99", ds.p99.is_some()),
                ("cv", ds.cv.is_some()),
                ("min", ds.min.is_some()),
                ("max", ds.max.is_some()),
            ]) {
                return None;
            }
            DelaySpec::Constant {
                value: need(ctx, ds.mean, "mean")?,
            }
        }
        "gamma" => {
            if stray(&[
                ("p99", ds.p99.is_some()),
                ("min", ds.min.is_some()),
                ("max", ds.max.is_some()),
            ]) {
                return None;
            }
            let mean = need(ctx, ds.mean, "mean")?;
            let Some(cv) = ds.cv else {
                ctx.err(
                    span,
                    format!("{what}: a gamma distribution needs `cv`"),
                    Some(help_for(kind).into()),
                );
                return None;
            };
            DelaySpec::Gamma { mean, cv }
        }
        "uniform" => {
            if stray(&[
                ("mean", ds.mean.is_some()),
                ("p99", ds.p99.is_some()),
                ("cv", ds.cv.is_some()),
            ]) {
                return None;
            }
            let min = need(ctx, ds.min, "min")?;
            let max = need(ctx, ds.max, "max")?;
            DelaySpec::Uniform { min, max }
        }
        _ => {
            if stray(&[("min", ds.min.is_some()), ("max", ds.max.is_some())]) {
                return None;
            }
            let mean = need(ctx, ds.mean, "mean")?;
            match (ds.p99, ds.cv) {
                (Some(p99), None) => DelaySpec::LogNormal { mean, p99: p99.0 },
                (None, Some(cv)) => DelaySpec::LogNormalCv { mean, cv },
                _ => {
                    ctx.err(
                        span,
                        format!("{what}: a log-normal needs exactly one of `p99` and `cv` besides `mean`"),
                        Some(help_for(kind).into()),
                    );
                    return None;
                }
            }
        }
    };
    if let Err(e) = spec.dist() {
        ctx.err(
            d.span(),
            format!("{what}: {}", e.0),
            Some(help_for(kind).into()),
        );
        return None;
    }
    Some(spec)
}

fn help_for(kind: &str) -> &'static str {
    match kind {
        "exponential" => "e.g. { dist = \"exponential\", mean = \"1ms\" }",
        "constant" => "e.g. { dist = \"constant\", mean = \"200us\" }",
        "gamma" => "e.g. { dist = \"gamma\", mean = \"1ms\", cv = 0.5 }",
        "uniform" => "e.g. { dist = \"uniform\", min = \"1ms\", max = \"3ms\" }",
        _ => {
            "e.g. { mean = \"2ms\", p99 = \"10ms\" } or { mean = \"2ms\", cv = 0.8 } (log-normal; p99 ≤ 15 × mean)"
        }
    }
}

/// The file form of a distribution.
pub fn render_delay(d: &DelaySpec) -> DistSection {
    let mut s = DistSection {
        dist: None,
        mean: None,
        p99: None,
        cv: None,
        min: None,
        max: None,
    };
    let sp = |k: &str| Some(Spanned::new(0..0, k.to_string()));
    match *d {
        DelaySpec::LogNormal { mean, p99 } => {
            s.dist = sp("lognormal");
            s.mean = Some(Duration(mean));
            s.p99 = Some(Duration(p99));
        }
        DelaySpec::LogNormalCv { mean, cv } => {
            s.dist = sp("lognormal");
            s.mean = Some(Duration(mean));
            s.cv = Some(cv);
        }
        DelaySpec::Gamma { mean, cv } => {
            s.dist = sp("gamma");
            s.mean = Some(Duration(mean));
            s.cv = Some(cv);
        }
        DelaySpec::Exponential { mean } => {
            s.dist = sp("exponential");
            s.mean = Some(Duration(mean));
        }
        DelaySpec::Constant { value } => {
            s.dist = sp("constant");
            s.mean = Some(Duration(value));
        }
        DelaySpec::Uniform { min, max } => {
            s.dist = sp("uniform");
            s.min = Some(Duration(min));
            s.max = Some(Duration(max));
        }
    }
    s
}

fn workload_index(
    ctx: &mut Ctx<'_>,
    name: &Spanned<String>,
    cluster: &Cluster,
    what: &str,
) -> Option<usize> {
    let n = name.get_ref();
    match cluster.workloads.iter().position(|w| &w.name == n) {
        Some(i) => Some(i),
        None => {
            let names: Vec<&str> = cluster.workloads.iter().map(|w| w.name.as_str()).collect();
            ctx.err(
                name.span(),
                format!("{what} `{n}` is not a workload"),
                Some(choice_help(n, &names)),
            );
            None
        }
    }
}

/// Resolves the latency parts; `None` when the scenario simulates no requests.
pub(crate) fn resolve(
    ctx: &mut Ctx<'_>,
    f: &ScenarioFile,
    cluster: &Cluster,
    base_dir: Option<&Path>,
    modes: usize,
    replications: u32,
) -> Option<(LatencySpec, Vec<Option<TraceSource>>)> {
    let l = f.latency.as_ref();
    if f.traffic.is_empty() {
        if let Some(l) = l {
            ctx.err(
                l.span(),
                "[latency] is set but there is no [[traffic]]: nothing would arrive",
                Some("add a [[traffic]] table with `service` and `arrival`".into()),
            );
        }
        for w in &f.workloads {
            let w = w.get_ref();
            if let Some(c) = w.calls.as_ref().and_then(|c| c.first()) {
                ctx.err(
                    c.span(),
                    "`calls` need [[traffic]] to drive them",
                    Some("add a [[traffic]] table, or remove the calls".into()),
                );
            }
        }
        return None;
    }
    let ls = l.map(|x| x.get_ref().clone()).unwrap_or_default();
    let duration = ls.duration.map_or(SimDuration::from_secs(10), |d| d.0);
    let warmup = ls.warmup.map_or(SimDuration::from_secs(1), |d| d.0);
    if duration == SimDuration::ZERO {
        ctx.err(
            l.map_or(0..0, |x| x.span()),
            "latency.duration must be longer than 0",
            None,
        );
    }
    let load_balancing = match &ls.load_balancing {
        None => LoadBalancing::RoundRobin,
        Some(v) => match ctx.choice(
            v,
            &["round-robin", "least-request", "random"],
            "load balancing",
        )? {
            "least-request" => LoadBalancing::LeastRequest,
            "random" => LoadBalancing::Random,
            _ => LoadBalancing::RoundRobin,
        },
    };
    let mut network = NetworkSpec::default();
    for (slot, d, name) in [
        (&mut network.same_node, &ls.same_node, "latency.same_node"),
        (&mut network.same_zone, &ls.same_zone, "latency.same_zone"),
        (
            &mut network.cross_zone,
            &ls.cross_zone,
            "latency.cross_zone",
        ),
        (
            &mut network.cross_cluster,
            &ls.cross_cluster,
            "latency.cross_cluster",
        ),
    ] {
        if let Some(d) = d
            && let Some(x) = delay(ctx, d, name)
        {
            *slot = x;
        }
    }
    let utilisation_warning = ls
        .utilisation_warning
        .as_ref()
        .and_then(|u| ctx.num_in(u, 0.01, 1.0, "utilisation threshold"))
        .unwrap_or(0.8);

    // Services.
    let mut services = Vec::with_capacity(cluster.workloads.len());
    for sw in &f.workloads {
        let w = sw.get_ref();
        let processing = w
            .processing_time
            .as_ref()
            .and_then(|d| delay(ctx, d, "processing_time"))
            .unwrap_or(DelaySpec::Constant {
                value: SimDuration::ZERO,
            });
        let mut calls = Vec::new();
        for c in w.calls.iter().flatten() {
            let c = c.get_ref();
            let Some(target) = workload_index(ctx, &c.service, cluster, "called service") else {
                continue;
            };
            let count = c
                .count
                .as_ref()
                .and_then(|n| ctx.int_in(n, 1, 10_000, "calls per request"))
                .unwrap_or(1) as u32;
            calls.push(Call { target, count });
        }
        let mode = match &w.call_mode {
            None => CallMode::Sequential,
            Some(m) => match ctx.choice(m, &["sequential", "parallel"], "call mode") {
                Some("parallel") => CallMode::Parallel,
                _ => CallMode::Sequential,
            },
        };
        services.push(ServiceSpec {
            processing,
            calls,
            mode,
        });
    }
    // Cycles and fan-out.
    let n = services.len();
    let mut state = vec![0u8; n];
    let mut fanout = vec![0f64; n];
    fn visit(
        i: usize,
        services: &[ServiceSpec],
        state: &mut [u8],
        fanout: &mut [f64],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        if state[i] == 2 {
            return None;
        }
        if state[i] == 1 {
            let from = stack.iter().position(|&x| x == i).unwrap_or(0);
            let mut cyc = stack[from..].to_vec();
            cyc.push(i);
            return Some(cyc);
        }
        state[i] = 1;
        stack.push(i);
        let mut total = 1.0;
        for c in &services[i].calls {
            if let Some(cyc) = visit(c.target, services, state, fanout, stack) {
                return Some(cyc);
            }
            total += f64::from(c.count) * fanout[c.target];
        }
        stack.pop();
        state[i] = 2;
        fanout[i] = total;
        None
    }
    for i in 0..n {
        let mut stack = Vec::new();
        if let Some(cyc) = visit(i, &services, &mut state, &mut fanout, &mut stack) {
            let names: Vec<&str> = cyc
                .iter()
                .map(|&k| cluster.workloads[k].name.as_str())
                .collect();
            let first = cyc[0];
            ctx.err(
                f.workloads[first].span(),
                format!("calls form a cycle: {}", names.join(" → ")),
                Some("a request would never finish; remove one of the calls".into()),
            );
            return None;
        }
    }
    // Traffic.
    let mut traffic = Vec::new();
    let mut traces = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut requests = 0.0;
    for st in &f.traffic {
        let t = st.get_ref();
        let Some(target) = workload_index(ctx, &t.service, cluster, "traffic service") else {
            continue;
        };
        let from = match &t.from {
            None => None,
            Some(fr) => workload_index(ctx, fr, cluster, "traffic source `from`"),
        };
        let Some((arrival, trace)) = arrival(ctx, st, t, base_dir) else {
            continue;
        };
        if fanout[target] > MAX_CALLS_PER_REQUEST {
            ctx.err(
                t.service.span(),
                format!(
                    "one request at `{}` fans out to {:.0} calls, beyond meshsim's limit of {MAX_CALLS_PER_REQUEST:.0}",
                    t.service.get_ref(),
                    fanout[target]
                ),
                None,
            );
        }
        requests += arrival.mean_rate()
            * (duration + warmup).as_secs_f64()
            * fanout[target]
            * f64::from(replications)
            * (modes as f64 + 1.0);
        let base = t
            .name
            .clone()
            .unwrap_or_else(|| t.service.get_ref().clone());
        let k = names.entry(base.clone()).or_insert(0);
        *k += 1;
        let name = if *k == 1 { base } else { format!("{base}#{k}") };
        traffic.push(TrafficSpec {
            name,
            target,
            from,
            arrival,
        });
        traces.push(trace);
    }
    if requests > MAX_SIMULATED_REQUESTS {
        ctx.err(
            f.traffic[0].span(),
            format!(
                "this scenario would simulate about {requests:.2e} calls (rate × time × fan-out × replications × modes), beyond meshsim's limit of {MAX_SIMULATED_REQUESTS:.0e}"
            ),
            Some("shorten latency.duration, lower the rates, or simulate fewer replications".into()),
        );
    }
    Some((
        LatencySpec {
            duration,
            warmup,
            load_balancing,
            network,
            services,
            traffic,
            utilisation_warning,
        },
        traces,
    ))
}

fn arrival(
    ctx: &mut Ctx<'_>,
    st: &Spanned<TrafficSection>,
    t: &TrafficSection,
    base_dir: Option<&Path>,
) -> Option<(Arrival, Option<TraceSource>)> {
    const KINDS: [&str; 4] = ["poisson", "schedule", "mmpp", "trace"];
    let kind = ctx.choice(&t.arrival, &KINDS, "arrival process")?;
    let present = [
        ("rate", t.rate.is_some()),
        ("schedule", t.schedule.is_some()),
        ("period", t.period.is_some()),
        ("rates", t.rates.is_some()),
        ("mean_durations", t.mean_durations.is_some()),
        ("path", t.path.is_some()),
        ("column", t.column.is_some()),
        ("scale", t.scale.is_some()),
    ];
    let allowed: &[&str] = match kind {
        "poisson" => &["rate"],
        "schedule" => &["schedule", "period"],
        "mmpp" => &["rates", "mean_durations"],
        _ => &["path", "column", "scale"],
    };
    let stray: Vec<&str> = present
        .iter()
        .filter(|(n, set)| *set && !allowed.contains(n))
        .map(|(n, _)| *n)
        .collect();
    if !stray.is_empty() {
        ctx.err(
            st.span(),
            format!(
                "`{}` does not apply to arrival = \"{kind}\"",
                stray.join("`, `")
            ),
            Some(format!("a {kind} arrival takes: {}", allowed.join(", "))),
        );
        return None;
    }
    let missing = |ctx: &mut Ctx<'_>, key: &str| {
        ctx.err(
            st.span(),
            format!("arrival = \"{kind}\" needs `{key}`"),
            Some(format!("a {kind} arrival takes: {}", allowed.join(", "))),
        );
    };
    match kind {
        "poisson" => {
            let Some(r) = &t.rate else {
                missing(ctx, "rate");
                return None;
            };
            let rate = ctx.num_in(r, 1e-9, 1e9, "rate (requests per second)")?;
            Some((Arrival::Poisson { rate }, None))
        }
        "schedule" => {
            let Some(steps) = &t.schedule else {
                missing(ctx, "schedule");
                return None;
            };
            if steps.is_empty() {
                missing(ctx, "schedule");
                return None;
            }
            let mut out = Vec::new();
            for (i, s) in steps.iter().enumerate() {
                let step = s.get_ref();
                if i == 0 && step.at.0 != SimDuration::ZERO {
                    ctx.err(
                        s.span(),
                        "the first schedule step must start `at = \"0s\"`",
                        None,
                    );
                    return None;
                }
                if let Some((prev, _)) = out.last()
                    && step.at.0 <= *prev
                {
                    ctx.err(
                        s.span(),
                        "schedule steps must start at increasing times",
                        None,
                    );
                    return None;
                }
                if !(step.rate.is_finite() && (0.0..=1e9).contains(&step.rate)) {
                    ctx.err(
                        s.span(),
                        format!("rate {} must be between 0 and 1e9", step.rate),
                        None,
                    );
                    return None;
                }
                out.push((step.at.0, step.rate));
            }
            let last = out.last().map_or(SimDuration::ZERO, |x| x.0);
            let period = match t.period {
                Some(p) if p.0 > last => p.0,
                Some(_) => {
                    ctx.err(
                        st.span(),
                        "`period` must end after the last schedule step starts",
                        None,
                    );
                    return None;
                }
                None => {
                    missing(ctx, "period");
                    return None;
                }
            };
            Some((Arrival::Schedule { steps: out, period }, None))
        }
        "mmpp" => {
            let (Some(r), Some(d)) = (&t.rates, &t.mean_durations) else {
                missing(
                    ctx,
                    if t.rates.is_none() {
                        "rates"
                    } else {
                        "mean_durations"
                    },
                );
                return None;
            };
            let rv = r.get_ref();
            let dv = d.get_ref();
            if rv.len() != 2
                || rv
                    .iter()
                    .any(|x| !(x.is_finite() && (0.0..=1e9).contains(x)))
            {
                ctx.err(
                    r.span(),
                    "an MMPP takes two rates, each between 0 and 1e9 (e.g. [100, 2000])",
                    None,
                );
                return None;
            }
            if dv.len() != 2 || dv.iter().any(|x| x.0 == SimDuration::ZERO) {
                ctx.err(
                    d.span(),
                    "an MMPP takes two mean durations, each longer than 0 (e.g. [\"9s\", \"1s\"])",
                    None,
                );
                return None;
            }
            Some((
                Arrival::Mmpp {
                    rates: [rv[0], rv[1]],
                    mean_durations: [dv[0].0, dv[1].0],
                },
                None,
            ))
        }
        _ => {
            let Some(p) = &t.path else {
                missing(ctx, "path");
                return None;
            };
            let scale = match &t.scale {
                None => 1.0,
                Some(s) => ctx.num_in(s, 1e-6, 1e6, "trace scale")?,
            };
            let column = t.column.clone().unwrap_or_else(|| "TIMESTAMP".into());
            let path = match base_dir {
                Some(b) if Path::new(p.get_ref()).is_relative() => b.join(p.get_ref()),
                _ => PathBuf::from(p.get_ref()),
            };
            match load_trace(&path, &column) {
                Ok(offsets) => Some((
                    Arrival::Trace { offsets, scale },
                    Some(TraceSource {
                        path: std::fs::canonicalize(&path).unwrap_or(path),
                        column,
                    }),
                )),
                Err(e) => {
                    ctx.err(p.span(), format!("trace {}: {e}", path.display()), None);
                    None
                }
            }
        }
    }
}

/// Reads a CSV trace: the `column` of every row, as seconds or as a timestamp
/// (`2023-11-16 18:17:03.9799600`), sorted, as nanosecond offsets from the first.
pub fn load_trace(path: &Path, column: &str) -> Result<Arc<[u64]>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_TRACE_BYTES {
        return Err(format!(
            "is {} bytes; meshsim reads traces up to {MAX_TRACE_BYTES} bytes",
            meta.len()
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut lines = text.lines();
    let header = lines.next().ok_or("is empty")?;
    let cols: Vec<&str> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    let idx = cols
        .iter()
        .position(|c| *c == column)
        .ok_or_else(|| format!("has no column `{column}`; {}", choice_help(column, &cols)))?;
    let mut ns: Vec<u64> = Vec::new();
    let mut first: Option<i128> = None;
    let mut raw: Vec<i128> = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if raw.len() >= MAX_TRACE_ROWS {
            return Err(format!("has more than {MAX_TRACE_ROWS} rows"));
        }
        let field = line
            .split(',')
            .nth(idx)
            .map(|f| f.trim().trim_matches('"'))
            .ok_or_else(|| format!("line {}: no value in column `{column}`", i + 2))?;
        let t = parse_instant_ns(field).ok_or_else(|| {
            format!(
                "line {}: `{field}` is neither seconds nor a timestamp like 2023-11-16 18:17:03.98",
                i + 2
            )
        })?;
        first = Some(first.map_or(t, |f: i128| f.min(t)));
        raw.push(t);
    }
    let first = first.ok_or("has no rows")?;
    raw.sort_unstable();
    ns.extend(raw.iter().map(|t| (t - first) as u64));
    Ok(ns.into())
}

/// Nanoseconds of a numeric seconds value or of a civil timestamp (UTC, proleptic Gregorian).
fn parse_instant_ns(s: &str) -> Option<i128> {
    if let Ok(x) = s.parse::<f64>() {
        return (x.is_finite() && x >= 0.0).then(|| (x * 1e9).round() as i128);
    }
    let s = s.trim_end_matches('Z');
    let (date, time) = s.split_once([' ', 'T'])?;
    let mut d = date.split('-');
    let (y, m, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let mut t = time.split(':');
    let (hh, mm): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let sec = t.next()?;
    let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
    let ss: i64 = whole.parse().ok()?;
    if !(0..24).contains(&hh) || !(0..60).contains(&mm) || !(0..61).contains(&ss) {
        return None;
    }
    let mut frac_ns: i64 = 0;
    for (k, c) in frac.chars().take(9).enumerate() {
        frac_ns += i64::from(c.to_digit(10)?) * 10i64.pow(8 - k as u32);
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(i128::from(secs) * 1_000_000_000 + i128::from(frac_ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_to_nanoseconds() {
        let a = parse_instant_ns("2023-11-16 18:17:03.9799600").unwrap();
        let b = parse_instant_ns("2023-11-16 18:17:04.0799600").unwrap();
        assert_eq!(b - a, 100_000_000);
        let c = parse_instant_ns("2023-11-17T00:00:00Z").unwrap();
        let d = parse_instant_ns("2023-11-16 00:00:00").unwrap();
        assert_eq!(c - d, 86_400_000_000_000);
        // 1970-01-01 is day zero.
        assert_eq!(
            parse_instant_ns("1970-01-02 00:00:00"),
            Some(86_400_000_000_000)
        );
        assert_eq!(parse_instant_ns("12.5"), Some(12_500_000_000));
        assert_eq!(parse_instant_ns("2023-13-01 00:00:00"), None);
        assert_eq!(parse_instant_ns("yesterday"), None);
    }
}
