//! `[autoscaling]`: the fleet over time — horizon, sync and sampling intervals, the cluster
//! autoscaler's flags, per-pool bounds, per-workload HPAs, readiness and load (a rate, a
//! schedule, or a trace, optionally times a daily profile). Every key that is accepted changes
//! the run; durations are whole seconds; every count is bounded before it sizes anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use meshsim_models::autoscale::cluster_autoscaler::CaConfig;
use meshsim_models::autoscale::day::{DaySpec, WorkloadDay};
use meshsim_models::autoscale::fleet::{Load, PoolScaling};
use meshsim_models::autoscale::hpa::{HpaSpec, Metric, Target};
use meshsim_models::cluster::{Cluster, Replicas};
use toml::Spanned;

use crate::Autoscaling;
use crate::ctx::Ctx;
use crate::diag::closest;
use crate::file::*;
use crate::limits;
use crate::trace::load_trace;
use crate::units::Duration;

/// Longest horizon, seconds (a quarter).
const MAX_HORIZON_S: u64 = 92 * 86_400;
/// Most sampling instants in a timeline.
const MAX_SAMPLES: u64 = 200_000;
/// Most figures a mode's timeline keeps: samples × fleet workloads (80 MB per mode).
const MAX_TIMELINE_CELLS: u64 = 20_000_000;
/// Most steps in one load (a minute-binned trace over the longest horizon fits).
const MAX_LOAD_STEPS: usize = 1_000_000;

/// A duration in whole seconds within `lo..=hi`.
fn secs(ctx: &mut Ctx<'_>, d: &Spanned<Duration>, lo: u64, hi: u64, what: &str) -> Option<u64> {
    let ns = d.get_ref().0.as_nanos();
    let fmt = crate::units::format_duration;
    if !ns.is_multiple_of(1_000_000_000) {
        ctx.err(
            d.span(),
            format!(
                "{what} of {} is not a whole number of seconds",
                fmt(d.get_ref().0)
            ),
            Some("the fleet is stepped in whole seconds: write e.g. \"15s\" or \"2m\"".into()),
        );
        return None;
    }
    let s = ns / 1_000_000_000;
    if s < lo || s > hi {
        ctx.err(
            d.span(),
            format!(
                "{what} of {}: must be from {lo} s to {hi} s",
                fmt(d.get_ref().0)
            ),
            None,
        );
        return None;
    }
    Some(s)
}

fn opt_secs(
    ctx: &mut Ctx<'_>,
    d: &Option<Spanned<Duration>>,
    default: u64,
    lo: u64,
    hi: u64,
    what: &str,
) -> Option<u64> {
    match d {
        None => Some(default),
        Some(d) => secs(ctx, d, lo, hi, what),
    }
}

fn unknown(
    ctx: &mut Ctx<'_>,
    span: std::ops::Range<usize>,
    what: &str,
    name: &str,
    known: &[&str],
) {
    ctx.err(
        span,
        format!("no {what} is named `{name}`"),
        Some(match closest(name, known) {
            Some(c) => format!("did you mean `{c}`? {what}s: {}", known.join(", ")),
            None => format!("{what}s: {}", known.join(", ")),
        }),
    );
}

/// An HPA as written; `cpu_request_m` is the covered container's CPU request (a utilisation
/// target needs one).
fn hpa(
    ctx: &mut Ctx<'_>,
    h: &Spanned<HpaSection>,
    cpu_request_m: Option<u64>,
    max_replicas: i64,
) -> Option<HpaSpec> {
    let s = h.get_ref();
    let min = ctx.int_in(&s.min, 1, max_replicas, "minimum replicas (hpa.min)");
    let max = ctx.int_in(&s.max, 1, max_replicas, "maximum replicas (hpa.max)");
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        ctx.err(
            s.max.span(),
            format!("hpa.max ({b}) is below hpa.min ({a})"),
            None,
        );
    }
    let target = match (&s.target_utilization, &s.target_average_value) {
        (Some(u), None) => {
            if cpu_request_m == Some(0) {
                ctx.err(
                    u.span(),
                    "a target utilisation is a share of the CPU request, and this pod requests no CPU",
                    Some("give the workload a CPU request, or set target_average_value".into()),
                );
            }
            ctx.int_in(u, 1, 1000, "percent (target_utilization)")
                .map(|x| Target::Utilization(x as u32))
        }
        (None, Some(v)) => {
            let m = v.get_ref().0;
            if m == 0 || m > 1_000_000_000 {
                ctx.err(
                    v.span(),
                    "target_average_value must be more than 0 CPU (and at most 1000000 cores)",
                    None,
                );
                None
            } else {
                Some(Target::AverageValue(m as f64))
            }
        }
        _ => {
            ctx.err(
                h.span(),
                "an HPA takes one target: `target_utilization` (percent of the CPU request) or `target_average_value` (CPU per pod)",
                Some("e.g. hpa = { min = 2, max = 20, target_utilization = 70 }".into()),
            );
            None
        }
    };
    let tolerance = match &s.tolerance {
        None => Some(0.1),
        Some(t) => ctx.num_in(t, 0.0, 1.0, "tolerance (0.1 = 10 %)"),
    };
    let up = opt_secs(
        ctx,
        &s.scale_up_stabilization,
        0,
        0,
        3600,
        "scale_up_stabilization",
    );
    let down = opt_secs(
        ctx,
        &s.scale_down_stabilization,
        300,
        0,
        3600,
        "scale_down_stabilization",
    );
    let metric = match s.metric.unwrap_or(HpaMetricKind::Resource) {
        HpaMetricKind::Resource => Metric::Resource,
        HpaMetricKind::ContainerResource => Metric::ContainerResource,
    };
    let mut spec = HpaSpec::new(min? as u32, max? as u32, metric, target?);
    spec.tolerance = tolerance?;
    spec.up.stabilization_s = up? as u32;
    spec.down.stabilization_s = down? as u32;
    Some(spec)
}

fn steps_ok<T>(
    ctx: &mut Ctx<'_>,
    steps: &[Spanned<T>],
    at: impl Fn(&T) -> Duration,
    value: impl Fn(&T) -> f64,
    what: &str,
) -> Option<Vec<(u64, f64)>> {
    let mut out: Vec<(u64, f64)> = Vec::new();
    for (i, st) in steps.iter().enumerate() {
        let s = st.get_ref();
        let t = at(s).0.as_nanos();
        let v = value(s);
        if !t.is_multiple_of(1_000_000_000) {
            ctx.err(
                st.span(),
                format!("{what} steps start at whole seconds"),
                None,
            );
            return None;
        }
        let t = t / 1_000_000_000;
        if i == 0 && t != 0 {
            ctx.err(
                st.span(),
                format!("the first {what} step must start `at = \"0s\"`"),
                None,
            );
            return None;
        }
        if out.last().is_some_and(|p| t <= p.0) {
            ctx.err(
                st.span(),
                format!("{what} steps must start at increasing times"),
                None,
            );
            return None;
        }
        if !(v.is_finite() && (0.0..=1e9).contains(&v)) {
            ctx.err(
                st.span(),
                format!("{what} value {v} must be between 0 and 1e9"),
                None,
            );
            return None;
        }
        out.push((t, v));
    }
    if out.len() > MAX_LOAD_STEPS {
        ctx.err(
            steps[0].span(),
            format!("more than {MAX_LOAD_STEPS} {what} steps"),
            None,
        );
        return None;
    }
    Some(out)
}

/// What a load resolved to, and what its trace was read from.
struct LoadOut {
    load: Load,
    /// The section with its defaults written and its trace path made absolute.
    written: LoadSection,
}

fn load(
    ctx: &mut Ctx<'_>,
    ls: &Spanned<LoadSection>,
    horizon_s: u64,
    base_dir: Option<&Path>,
) -> Option<LoadOut> {
    let s = ls.get_ref();
    let kinds = [
        ("rate", s.rate.is_some()),
        ("schedule", s.schedule.is_some()),
        ("trace", s.trace.is_some()),
    ];
    let given: Vec<&str> = kinds.iter().filter(|k| k.1).map(|k| k.0).collect();
    if given.len() != 1 {
        ctx.err(
            ls.span(),
            if given.is_empty() {
                "a load needs one of `rate`, `schedule` or `trace`".to_string()
            } else {
                format!("a load takes one of `rate`, `schedule` or `trace`, not `{}`", given.join("` and `"))
            },
            Some("e.g. load = { rate = 120 }, or load = { schedule = [{ at = \"0s\", rate = 50 }, { at = \"8h\", rate = 200 }], period = \"24h\" }".into()),
        );
        return None;
    }
    let trace_only = [
        ("column", s.column.is_some()),
        ("scale", s.scale.is_some()),
        ("bin", s.bin.is_some()),
    ];
    let mut stray: Vec<&str> = Vec::new();
    if s.trace.is_none() {
        stray.extend(trace_only.iter().filter(|k| k.1).map(|k| k.0));
    }
    if s.rate.is_some() && s.period.is_some() {
        stray.push("period");
    }
    if s.profile.is_none() && s.profile_period.is_some() {
        stray.push("profile_period");
    }
    if !stray.is_empty() {
        ctx.err(
            ls.span(),
            format!("`{}` does not apply to this load", stray.join("`, `")),
            Some("`column`, `scale` and `bin` go with `trace`; `period` with `schedule` or `trace`; `profile_period` with `profile`".into()),
        );
        return None;
    }
    let period = match &s.period {
        None => None,
        Some(p) => Some(secs(ctx, p, 1, MAX_HORIZON_S, "period")?),
    };
    let mut written = LoadSection {
        period: period.map(|p| {
            Spanned::new(
                0..0,
                Duration(meshsim_core::time::SimDuration::from_secs(p)),
            )
        }),
        ..LoadSection::default()
    };
    let base = if let Some(r) = &s.rate {
        let v = ctx.num_in(r, 0.0, 1e9, "rate (requests per second)")?;
        written.rate = Some(Spanned::new(0..0, v));
        Load::constant(v)
    } else if let Some(st) = &s.schedule {
        if st.is_empty() {
            ctx.err(ls.span(), "the schedule has no steps", None);
            return None;
        }
        let steps = steps_ok(ctx, st, |x: &ScheduleStep| x.at, |x| x.rate, "schedule")?;
        if let Some(p) = period
            && steps.last().is_some_and(|l| l.0 >= p)
        {
            ctx.err(
                ls.span(),
                "`period` must end after the last schedule step starts",
                None,
            );
            return None;
        }
        written.schedule = s.schedule.clone();
        Load {
            steps,
            period_s: period,
        }
    } else {
        let p = s.trace.as_ref()?;
        let scale = match &s.scale {
            None => 1.0,
            Some(x) => ctx.num_in(x, 1e-6, 1e6, "trace scale")?,
        };
        let bin = opt_secs(ctx, &s.bin, 60, 1, 86_400, "bin")?;
        let column = s.column.clone().unwrap_or_else(|| "TIMESTAMP".into());
        let path = match base_dir {
            Some(b) if Path::new(p.get_ref()).is_relative() => b.join(p.get_ref()),
            _ => PathBuf::from(p.get_ref()),
        };
        let offsets = match load_trace(&path, &column) {
            Ok(o) => o,
            Err(e) => {
                ctx.err(p.span(), format!("trace {}: {e}", path.display()), None);
                return None;
            }
        };
        let l = Load::from_arrivals(&offsets, bin, scale, period);
        if l.steps.len() > MAX_LOAD_STEPS {
            ctx.err(
                p.span(),
                format!("the trace in {bin} s bins gives {} steps, beyond meshsim's limit of {MAX_LOAD_STEPS}", l.steps.len()),
                Some("use a wider `bin`".into()),
            );
            return None;
        }
        let abs = std::fs::canonicalize(&path).unwrap_or(path);
        written.trace = Some(Spanned::new(0..0, abs.display().to_string()));
        written.column = Some(column);
        written.scale = Some(Spanned::new(0..0, scale));
        written.bin = Some(Spanned::new(
            0..0,
            Duration(meshsim_core::time::SimDuration::from_secs(bin)),
        ));
        l
    };
    let load = match &s.profile {
        None => base,
        Some(pr) => {
            if pr.is_empty() {
                ctx.err(ls.span(), "the profile has no steps", None);
                return None;
            }
            let steps = steps_ok(ctx, pr, |x: &ProfileStep| x.at, |x| x.factor, "profile")?;
            let pp = opt_secs(
                ctx,
                &s.profile_period,
                86_400,
                1,
                MAX_HORIZON_S,
                "profile_period",
            )?;
            if steps.last().is_some_and(|l| l.0 >= pp) {
                ctx.err(
                    ls.span(),
                    "`profile_period` must end after the last profile step starts",
                    None,
                );
                return None;
            }
            written.profile = s.profile.clone();
            written.profile_period = Some(Spanned::new(
                0..0,
                Duration(meshsim_core::time::SimDuration::from_secs(pp)),
            ));
            base.times(
                &Load {
                    steps,
                    period_s: Some(pp),
                },
                horizon_s,
            )
        }
    };
    Some(LoadOut { load, written })
}

/// Resolves `[autoscaling]`.
pub(super) fn resolve(
    ctx: &mut Ctx<'_>,
    section: Option<&Spanned<AutoscalingSection>>,
    cluster: &Cluster,
    base_dir: Option<&Path>,
) -> Option<Autoscaling> {
    let sec = section?;
    let a = sec.get_ref();
    let horizon = secs(ctx, &a.horizon, 60, MAX_HORIZON_S, "horizon");
    let sync = opt_secs(ctx, &a.hpa_sync, 15, 1, 3600, "hpa_sync");
    let sample = opt_secs(ctx, &a.sample, 60, 1, 86_400, "sample");
    if let (Some(h), Some(s)) = (horizon, sample)
        && h / s > MAX_SAMPLES
    {
        ctx.err(
            a.sample.as_ref().map_or(a.horizon.span(), |x| x.span()),
            format!(
                "{} samples over the horizon is beyond meshsim's limit of {MAX_SAMPLES}",
                h / s
            ),
            Some("sample less often".into()),
        );
    }
    // The fleet keeps every workload's pods at every sample (waypoints and istiod among them).
    if let (Some(h), Some(smp)) = (horizon, sample) {
        let namespaces: std::collections::BTreeSet<&str> = cluster
            .workloads
            .iter()
            .map(|w| w.namespace.as_str())
            .collect();
        let per_sample = (cluster.workloads.len() + namespaces.len() + 1) as u64;
        let cells = (h / smp + 1).saturating_mul(per_sample);
        if cells > MAX_TIMELINE_CELLS {
            ctx.err(
                a.sample.as_ref().map_or(a.horizon.span(), |x| x.span()),
                format!(
                    "{} samples × {per_sample} workloads (waypoints and istiod included) is {cells} figures kept per mode, beyond meshsim's limit of {MAX_TIMELINE_CELLS}",
                    h / smp + 1
                ),
                Some("sample less often, or shorten the horizon".into()),
            );
        }
    }
    let d = CaConfig::default();
    let c = a.cluster_autoscaler.clone().unwrap_or_default();
    let scan = opt_secs(
        ctx,
        &c.scan_interval,
        d.scan_interval_s,
        1,
        3600,
        "scan_interval",
    );
    let thr = |ctx: &mut Ctx<'_>, v: &Option<Spanned<f64>>, def: f64, what: &str| match v {
        None => Some(def),
        Some(x) => ctx.num_in(x, 0.0, 1.0, what),
    };
    let util = thr(
        ctx,
        &c.utilization_threshold,
        d.utilization_threshold,
        "utilisation threshold (0.5 = 50 %)",
    );
    let gpu_util = thr(
        ctx,
        &c.gpu_utilization_threshold,
        d.gpu_utilization_threshold,
        "GPU utilisation threshold (0.5 = 50 %)",
    );
    let unneeded = opt_secs(
        ctx,
        &c.unneeded_time,
        d.unneeded_time_s,
        0,
        86_400,
        "unneeded_time",
    );
    let after_add = opt_secs(
        ctx,
        &c.delay_after_add,
        d.delay_after_add_s,
        0,
        86_400,
        "delay_after_add",
    );

    // Pools.
    let pool_names: Vec<&str> = cluster.pools.iter().map(|p| p.name.as_str()).collect();
    let mut pools: Vec<Option<PoolScaling>> = vec![None; cluster.pools.len()];
    let mut max_nodes: u64 = cluster.pools.iter().map(|p| u64::from(p.count)).sum();
    for (name, ps) in a.pools.iter().flatten() {
        let Some(i) = pool_names.iter().position(|n| n == name) else {
            unknown(ctx, ps.span(), "pool", name, &pool_names);
            continue;
        };
        let s = ps.get_ref();
        let hi = limits::MAX_NODES_PER_POOL as i64;
        let min = ctx.int_in(&s.min, 0, hi, "nodes (min)");
        let max = ctx.int_in(&s.max, 1, hi, "nodes (max)");
        let prov = opt_secs(ctx, &s.provisioning, 120, 0, 86_400, "provisioning");
        let count = i64::from(cluster.pools[i].count);
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                ctx.err(
                    s.max.span(),
                    format!("max ({hi}) is below min ({lo})"),
                    None,
                );
            } else if count < lo || count > hi {
                ctx.err(
                    ps.span(),
                    format!("pool `{name}` starts with {count} nodes, outside its autoscaling bounds {lo}..={hi}"),
                    Some("the pool's `count` is its node count at time 0: set it within min and max".into()),
                );
            }
            max_nodes = max_nodes - count as u64 + hi.max(count) as u64;
        }
        if let (Some(lo), Some(hi), Some(p)) = (min, max, prov) {
            pools[i] = Some(PoolScaling {
                min: lo as u32,
                max: hi as u32,
                provisioning_s: p,
            });
        }
    }
    if max_nodes > limits::MAX_NODES {
        ctx.err(
            sec.span(),
            format!(
                "the pools may grow to {max_nodes} nodes, beyond meshsim's limit of {}",
                limits::MAX_NODES
            ),
            None,
        );
    }

    // Workloads.
    let names: Vec<&str> = cluster.workloads.iter().map(|w| w.name.as_str()).collect();
    let mut workloads: Vec<WorkloadDay> = cluster
        .workloads
        .iter()
        .map(|_| WorkloadDay {
            hpa: None,
            load: None,
            readiness_s: 0,
        })
        .collect();
    let mut written_loads: BTreeMap<String, LoadSection> = BTreeMap::new();
    let mut total_max: u64 = 0;
    for (name, ws) in a.workloads.iter().flatten() {
        let Some(i) = names.iter().position(|n| n == name) else {
            unknown(ctx, ws.span(), "workload", name, &names);
            continue;
        };
        let w = &cluster.workloads[i];
        let s = ws.get_ref();
        if let Some(h) = &s.hpa {
            if w.replicas == Replicas::Fill {
                ctx.err(
                    h.span(),
                    format!("workload `{name}` has replicas = \"fill\": an HPA sets its replicas, so give it a count"),
                    None,
                );
            }
            workloads[i].hpa = hpa(
                ctx,
                h,
                Some(w.requests.cpu_milli),
                limits::MAX_REPLICAS as i64,
            );
            if let Some(x) = &workloads[i].hpa {
                total_max += u64::from(x.max_replicas);
            }
        }
        if let Some(r) = &s.readiness
            && let Some(x) = secs(ctx, r, 0, 86_400, "readiness")
        {
            workloads[i].readiness_s = x;
        }
        if let Some(l) = &s.load
            && w.rps_per_replica <= 0.0
        {
            ctx.err(
                l.span(),
                format!("workload `{name}` has no `rps`: its CPU cannot follow a load"),
                Some("give the workload `rps` (requests per second per replica) with its `usage.cpu` at that rate: CPU per request is usage.cpu ÷ rps".into()),
            );
        } else if let (Some(l), Some(h)) = (&s.load, horizon)
            && let Some(out) = load(ctx, l, h, base_dir)
        {
            workloads[i].load = Some(out.load);
            written_loads.insert(name.clone(), out.written);
        }
    }
    if total_max > limits::MAX_TOTAL_REPLICAS {
        ctx.err(
            sec.span(),
            format!(
                "the HPAs may scale to {total_max} replicas in all, beyond meshsim's limit of {}",
                limits::MAX_TOTAL_REPLICAS
            ),
            None,
        );
    }
    let waypoint_hpa = match &a.waypoint_hpa {
        None => None,
        Some(h) => Some(hpa(ctx, h, None, 10_000)?),
    };
    let spec = DaySpec {
        horizon_s: horizon?,
        hpa_sync_s: sync?,
        sample_s: sample?,
        ca: CaConfig {
            scan_interval_s: scan?,
            utilization_threshold: util?,
            gpu_utilization_threshold: gpu_util?,
            unneeded_time_s: unneeded?,
            delay_after_add_s: after_add?,
        },
        pools,
        workloads,
        waypoint_hpa,
        istiod_hpa: a.istiod_hpa.unwrap_or(true),
    };
    Some(Autoscaling {
        spec,
        loads: written_loads,
    })
}

/// With `[[traffic]]`, the request simulation runs again at the day's trough, median and peak,
/// each traffic source's rate scaled by its entry workload's load over the load the scenario's
/// replicas × `rps` stand for: bounded here, at the highest load, like the static simulation.
pub(super) fn check_windows(
    ctx: &mut Ctx<'_>,
    section: Option<&Spanned<AutoscalingSection>>,
    a: &Autoscaling,
    spec: &meshsim_models::latency::LatencySpec,
    cluster: &Cluster,
    modes: usize,
    replications: u32,
) {
    let Some(sec) = section else { return };
    let mut calls = 0.0;
    for t in &spec.traffic {
        let w = &cluster.workloads[t.target];
        let replicas = match w.replicas {
            Replicas::Count(n) => f64::from(n),
            Replicas::Fill => 1.0,
        };
        let base = replicas * w.rps_per_replica;
        let peak = a.spec.workloads[t.target]
            .load
            .as_ref()
            .map_or(base, |l| l.steps.iter().map(|s| s.1).fold(0.0, f64::max));
        let factor = if base > 0.0 { peak / base } else { 1.0 };
        calls += meshsim_models::latency::rate_bound(spec, t)
            * factor
            * meshsim_models::latency::calls_per_request(&spec.services, t.target)
            * (spec.duration + spec.warmup).as_secs_f64()
            * f64::from(replications)
            * (modes as f64 + 1.0)
            * 3.0;
    }
    let limit = super::latency::MAX_SIMULATED_REQUESTS;
    if calls > limit {
        ctx.err(
            sec.span(),
            format!(
                "the latency at the day's trough, median and peak would simulate about {calls:.2e} calls (the [[traffic]] rates scaled to the highest load × time × fan-out × replications × modes × 3 windows), beyond meshsim's limit of {limit:.0e}"
            ),
            Some("shorten latency.duration, lower the loads, or simulate fewer replications".into()),
        );
    }
}
