//! The request-simulation parts of a scenario: `[latency]`, `[[traffic]]`, and per workload
//! `processing_time`, `calls` and `call_mode`.

use std::collections::BTreeMap;
use std::path::Path;

use meshsim_core::time::SimDuration;
use meshsim_models::cluster::Cluster;
use meshsim_models::delay::DelaySpec;
use meshsim_models::latency::{
    Call, CallMode, LatencySpec, Locality, NetworkSpec, ServiceSpec, TrafficSpec,
};
use toml::Spanned;

use super::arrival::arrival;
use super::dist::delay;
use super::services::Services;
use crate::ctx::Ctx;
use crate::diag::choice_help;
use crate::file::ScenarioFile;
use crate::trace::TraceSource;

/// Most requests one scenario may simulate (all modes and replications): a bound checked before
/// anything runs.
pub const MAX_SIMULATED_REQUESTS: f64 = 2e9;
/// Longest simulated duration or warm-up: one year.
pub const MAX_SIM_SPAN: SimDuration = SimDuration::from_secs(365 * 86_400);
/// Most calls one root request may fan out to.
pub const MAX_CALLS_PER_REQUEST: f64 = 1e6;
/// Most changes of arrival rates (schedule steps, MMPP phase switches) a scenario may simulate:
/// each is an event even when no request arrives.
pub const MAX_RATE_CHANGES: f64 = 1e9;

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
pub(super) fn resolve(
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
    for (key, d) in [("duration", duration), ("warmup", warmup)] {
        if d > MAX_SIM_SPAN {
            ctx.err(
                l.map_or(0..0, |x| x.span()),
                format!("latency.{key} is longer than meshsim's limit of 1 year (8760h) of simulated time"),
                None,
            );
            return None;
        }
    }
    if duration == SimDuration::ZERO {
        ctx.err(
            l.map_or(0..0, |x| x.span()),
            "latency.duration must be longer than 0",
            None,
        );
    }
    let load_balancing = ls.load_balancing.unwrap_or_default();
    if let Some(c) = &ls.cross_cluster
        && !cluster.is_multicluster()
    {
        ctx.err(
            c.span(),
            "latency.cross_cluster: the fleet is one cluster, so this delay would never apply",
            Some("remove it, or list the fleet's clusters in [[clusters]]".into()),
        );
    }
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
    let cluster_pairs = between(ctx, ls.between.as_deref().unwrap_or_default(), cluster);
    let locality = locality(ctx, &ls);
    let svcs = Services::read(ctx, f, cluster);
    let utilisation_warning = ls
        .utilisation_warning
        .as_ref()
        .and_then(|u| ctx.num_in(u, 0.01, 1.0, "utilisation threshold"))
        .unwrap_or(0.8);

    // Whether the delay from cluster `from` to workload `target`'s is stated.
    let stated = |from: usize, target: usize| {
        let to = cluster.workloads[target].member;
        ls.cross_cluster.is_some()
            || cluster_pairs
                .iter()
                .any(|p| p.clusters == (from, to) || p.clusters == (to, from))
    };
    // Services (in workload order: `services.len()` is the workload being read).
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
            let Some(target) = svcs.target(ctx, &c.service, cluster, "called service") else {
                continue;
            };
            if let Some(me) = cluster.workloads.get(services.len()) {
                for &t in svcs.backing(target) {
                    if me.member != cluster.workloads[t].member {
                        crossing(ctx, stated(me.member, t), &c.service, cluster, me.member, t);
                    }
                }
            }
            let count = c
                .count
                .as_ref()
                .and_then(|n| ctx.int_in(n, 1, 10_000, "calls per request"))
                .unwrap_or(1) as u32;
            calls.push(Call { target, count });
        }
        let mode = w.call_mode.unwrap_or(CallMode::Sequential);
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
    // A call may be served by any workload of its Service.
    let alts: Vec<Vec<usize>> = (0..n).map(|i| svcs.backing(i).to_vec()).collect();
    fn visit(
        i: usize,
        services: &[ServiceSpec],
        alts: &[Vec<usize>],
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
            let mut most = 0f64;
            for &t in alts.get(c.target).map_or(&[][..], Vec::as_slice) {
                if let Some(cyc) = visit(t, services, alts, state, fanout, stack) {
                    return Some(cyc);
                }
                most = most.max(fanout[t]);
            }
            total += f64::from(c.count) * most;
        }
        stack.pop();
        state[i] = 2;
        fanout[i] = total;
        None
    }
    for i in 0..n {
        let mut stack = Vec::new();
        if let Some(cyc) = visit(i, &services, &alts, &mut state, &mut fanout, &mut stack) {
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
        let Some(target) = svcs.target(ctx, &t.service, cluster, "traffic service") else {
            continue;
        };
        let from = match &t.from {
            None => None,
            Some(fr) => workload_index(ctx, fr, cluster, "traffic source `from`"),
        };
        if let (Some(fr), Some(f)) = (&t.from, from) {
            let member = cluster.workloads[f].member;
            for &t in svcs.backing(target) {
                if member != cluster.workloads[t].member {
                    crossing(ctx, stated(member, t), fr, cluster, member, t);
                }
            }
        }
        let Some((arrival, trace)) = arrival(ctx, st, base_dir) else {
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
        let runs =
            (duration + warmup).as_secs_f64() * f64::from(replications) * (modes as f64 + 1.0);
        let changes = arrival.rate_changes_per_s() * runs;
        if changes > MAX_RATE_CHANGES {
            ctx.err(
                st.span(),
                format!(
                    "its rate would change about {changes:.2e} times (steps or phase switches per second × time × replications × modes), beyond meshsim's limit of {MAX_RATE_CHANGES:.0e}"
                ),
                Some("lengthen the schedule's period or the MMPP's mean durations, or shorten latency.duration".into()),
            );
        }
        let rate = arrival.rate_bound(SimDuration::from_secs_f64_saturating(
            meshsim_models::latency::min_request_s(&services, target),
        ));
        if !rate.is_finite() {
            ctx.err(
                st.span(),
                "a closed loop with no think time, calling services with no processing time, would send requests without bound",
                Some("give the traffic a `think` time or the called services a `processing_time`".into()),
            );
            continue;
        }
        requests += rate
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
                "this scenario would simulate about {requests:.2e} calls (rate × time × fan-out × replications × modes; for a closed loop its highest rate, connections ÷ (think + the requests' processing)), beyond meshsim's limit of {MAX_SIMULATED_REQUESTS:.0e}"
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
            compress_schedules: ls.compress_schedules.unwrap_or(false),
            cpu_contention: ls.cpu_contention.unwrap_or(false),
            cluster_pairs,
            replicated: svcs.replicated(),
            locality,
        },
        traces,
    ))
}

/// A call (or traffic) from cluster `from` to workload `target` in another: it needs the delay
/// between the two clusters stated (`stated`), as no default fits both neighbouring and distant
/// regions.
fn crossing(
    ctx: &mut Ctx<'_>,
    stated: bool,
    at: &Spanned<String>,
    cluster: &Cluster,
    from: usize,
    target: usize,
) {
    if !stated {
        let to = cluster.workloads[target].member;
        ctx.err(
            at.span(),
            format!(
                "`{}` is in cluster `{}` and is reached from cluster `{}`, but no delay between the two is set",
                cluster.workloads[target].name, cluster.members[to].name, cluster.members[from].name
            ),
            Some("set latency.cross_cluster (every pair) or a latency.between entry for the pair to the network round trip between the clusters, e.g. { mean = \"30ms\", p99 = \"60ms\" } between regions".into()),
        );
    }
}

/// `[[latency.between]]`: each entry two distinct clusters of `[[clusters]]`, each pair once.
fn between(
    ctx: &mut Ctx<'_>,
    entries: &[Spanned<crate::file::BetweenSection>],
    cluster: &Cluster,
) -> Vec<meshsim_models::latency::ClusterPairDelay> {
    use meshsim_models::latency::{ClusterPairDelay, MAX_CLUSTER_PAIRS};
    let mut out: Vec<ClusterPairDelay> = Vec::new();
    if let Some(first) = entries.first()
        && !cluster.is_multicluster()
    {
        ctx.err(
            first.span(),
            "latency.between: the fleet is one cluster, so there is no pair of clusters",
            Some("remove it, or list the fleet's clusters in [[clusters]]".into()),
        );
        return out;
    }
    if entries.len() > MAX_CLUSTER_PAIRS {
        ctx.err(
            entries[MAX_CLUSTER_PAIRS].span(),
            format!(
                "{} cluster pairs is beyond meshsim's limit of {MAX_CLUSTER_PAIRS}",
                entries.len()
            ),
            None,
        );
        return out;
    }
    let names: Vec<&str> = cluster.members.iter().map(|m| m.name.as_str()).collect();
    for e in entries {
        let b = e.get_ref();
        let list = b.clusters.get_ref();
        if list.len() != 2 {
            ctx.err(
                b.clusters.span(),
                format!(
                    "latency.between names {} clusters: give exactly two",
                    list.len()
                ),
                None,
            );
            continue;
        }
        let mut idx = Vec::new();
        for n in list {
            match names.iter().position(|x| x == n.get_ref()) {
                Some(i) => idx.push(i),
                None => ctx.err(
                    n.span(),
                    format!("latency.between: unknown cluster `{}`", n.get_ref()),
                    Some(choice_help(n.get_ref(), &names)),
                ),
            }
        }
        let [a, c] = idx[..] else { continue };
        if a == c {
            ctx.err(
                b.clusters.span(),
                "latency.between names one cluster twice: within a cluster the zone delays apply",
                None,
            );
            continue;
        }
        if out
            .iter()
            .any(|p| p.clusters == (a, c) || p.clusters == (c, a))
        {
            ctx.err(
                b.clusters.span(),
                format!("the pair `{}` / `{}` is listed twice", names[a], names[c]),
                None,
            );
            continue;
        }
        if let Some(d) = delay(ctx, &b.delay, "latency.between.delay") {
            out.push(ClusterPairDelay {
                clusters: (a, c),
                delay: d,
            });
        }
    }
    out
}

/// `latency.locality` and `latency.cross_cluster_share`.
fn locality(ctx: &mut Ctx<'_>, ls: &crate::file::LatencySection) -> Locality {
    use crate::file::LocalityKind;
    let kind = ls.locality.as_ref().map(|k| *k.get_ref());
    let share = ls
        .cross_cluster_share
        .as_ref()
        .and_then(|v| ctx.num_in(v, 0.0, 1.0, "share"));
    match kind {
        Some(LocalityKind::PreferLocal) => Locality::PreferLocal {
            cross_cluster_share: share.unwrap_or(0.0),
        },
        _ => {
            if let Some(v) = &ls.cross_cluster_share {
                ctx.err(
                    v.span(),
                    "latency.cross_cluster_share applies where calls prefer their own cluster, and locality is `spread`",
                    Some("set latency.locality = \"prefer-local\", or remove the share (under `spread` the share follows from where the endpoints are)".into()),
                );
            }
            Locality::Spread
        }
    }
}
