//! The tables of `meshsim plan`: `plan` (a row per strategy), `waves`, `timeline` (a row per
//! strategy and month), `plan-namespaces` (each namespace moved alone) and `plan-latency` (a
//! row per wave and call graph). Every state of a plan is placed in mixed mode: `mode` is
//! `mixed` in each.

use super::gib_f;
use super::{RunInfo, SCHEMA_VERSION};
use crate::plan::{Plan, PlanSpec, StrategyPlan, Wave, YearMonth};
use crate::resources::GIB;

const MODE: &str = "mixed";

fn gib(bytes: i64) -> f64 {
    bytes as f64 / GIB as f64
}

fn vcpu(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

fn calendar(start: Option<YearMonth>, month: u32) -> Option<String> {
    start.map(|s| s.plus(month).to_string())
}

crate::table_row! {
    /// `plan.csv`: one row per strategy.
    pub struct PlanRow: "plan" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub strategy: String,
        pub waves: i64,
        pub moves: i64,
        pub sprints: f64,
        pub sprints_beyond_horizon: f64,
        pub engineering_cost_usd: f64,
        pub months_to_complete: i64,
        pub payback_month: Option<i64>,
        pub payback_calendar_month: Option<String>,
        pub net_12_months_usd: Option<f64>,
        pub net_24_months_usd: Option<f64>,
        pub net_horizon_usd: Option<f64>,
        pub horizon_months: i64,
        pub npv_usd: Option<f64>,
        pub discount_rate: Option<f64>,
        pub savings_usd_per_month: Option<f64>,
        pub savings_known: bool,
        pub nodes_removable: Option<i64>,
        pub inference_replicas_recovered: i64,
        pub memory_request_freed_gib: f64,
        pub cpu_request_freed_vcpu: f64,
        pub node_agents_memory_request_gib: f64,
        pub node_agents_cpu_request_vcpu: f64,
        pub fits: bool,
    }
}

crate::table_row! {
    /// `waves.csv`: one row per strategy and wave.
    pub struct WaveRow: "waves" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub strategy: String,
        pub wave: i64,
        pub namespaces: String,
        pub to_modes: String,
        pub pods: i64,
        pub sprints: f64,
        pub setup_sprints: f64,
        pub engineering_usd: f64,
        pub end_month: i64,
        pub end_calendar_month: Option<String>,
        pub saves_from_month: i64,
        pub memory_request_freed_gib: f64,
        pub cpu_request_freed_vcpu: f64,
        pub memory_usage_freed_gib: f64,
        pub cpu_usage_freed_vcpu: f64,
        pub node_agents_memory_request_gib: f64,
        pub node_agents_cpu_request_vcpu: f64,
        pub node_agents_memory_usage_gib: f64,
        pub node_agents_cpu_usage_vcpu: f64,
        pub net_memory_request_freed_gib: f64,
        pub net_cpu_request_freed_vcpu: f64,
        pub inference_replicas_recovered: i64,
        pub cumulative_inference_replicas_recovered: i64,
        pub cumulative_memory_request_freed_gib: f64,
        pub cumulative_cpu_request_freed_vcpu: f64,
        pub nodes_removable: Option<i64>,
        pub savings_usd_per_month: Option<f64>,
        pub wave_savings_usd_per_month: Option<f64>,
        pub pods_pending: i64,
        pub fits: bool,
    }
}

crate::table_row! {
    /// `timeline.csv` of a plan: one row per strategy and month.
    pub struct PlanTimelineRow: "timeline" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub strategy: String,
        pub month: i64,
        pub calendar_month: Option<String>,
        pub sprints: f64,
        pub engineering_usd: f64,
        pub savings_usd: Option<f64>,
        pub net_usd: Option<f64>,
        pub cumulative_net_usd: Option<f64>,
        pub discounted_cumulative_net_usd: Option<f64>,
        pub waves_saving: i64,
    }
}

crate::table_row! {
    /// `plan-namespaces.csv`: each namespace that moves, its effort and its effect moved alone.
    pub struct PlanNamespaceRow: "plan-namespaces" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub namespace: String,
        pub from_mode: String,
        pub to_mode: String,
        pub pods: i64,
        pub gpu_inference: bool,
        pub l4_sprints: f64,
        pub waypoint_sprints: f64,
        pub l7_features: String,
        pub alone_inference_replicas_recovered: i64,
        pub alone_memory_request_freed_gib: f64,
        pub alone_savings_usd_per_month: Option<f64>,
    }
}

crate::table_row! {
    /// `plan-latency.csv`: one row per strategy, wave and call graph.
    pub struct PlanLatencyRow: "plan-latency" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub strategy: String,
        pub wave: i64,
        pub call_graph: String,
        pub p99_before_ms: Option<f64>,
        pub p99_before_ci95_ms: Option<f64>,
        pub p99_after_ms: Option<f64>,
        pub p99_after_ci95_ms: Option<f64>,
        pub p99_change_ms: Option<f64>,
        pub p99_change_ci95_ms: Option<f64>,
        pub change_significant: Option<bool>,
    }
}

/// The last wave of a strategy (its final state), if any.
fn last(p: &StrategyPlan) -> Option<&Wave> {
    p.waves.last()
}

/// The rows of `plan.csv`.
pub fn plans(info: &RunInfo<'_>, plan: &Plan, spec: &PlanSpec) -> Vec<PlanRow> {
    let (start, cost_per_sprint) = (spec.start_month, spec.cost_per_sprint_usd);
    plan.strategies
        .iter()
        .map(|p| {
            let w = last(p);
            let agents = p.waves.iter().fold((0, 0), |a, w| {
                (a.0 + w.node_agents_request.0, a.1 + w.node_agents_request.1)
            });
            let cum = w.map_or((0, 0), |w| w.cumulative_request_freed);
            PlanRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: MODE.into(),
                seed: info.seed as i64,
                strategy: p.strategy.as_str().into(),
                waves: p.waves.len() as i64,
                moves: p.waves.iter().map(|w| w.moves.len() as i64).sum(),
                sprints: p.sprints,
                sprints_beyond_horizon: p.sprints_beyond_horizon,
                engineering_cost_usd: p.sprints * cost_per_sprint,
                months_to_complete: i64::from(p.months_to_complete()),
                payback_month: p.cashflow.payback_month.map(i64::from),
                payback_calendar_month: p.cashflow.payback_month.and_then(|m| calendar(start, m)),
                net_12_months_usd: p.cashflow.net_12_months_usd,
                net_24_months_usd: p.cashflow.net_24_months_usd,
                net_horizon_usd: p.cashflow.net_horizon_usd,
                horizon_months: i64::from(spec.horizon_months),
                npv_usd: p.cashflow.npv_usd,
                discount_rate: spec.discount_rate,
                savings_usd_per_month: w.and_then(|w| w.savings_usd_per_month),
                savings_known: p.savings_known,
                nodes_removable: w.and_then(|w| w.nodes_removable),
                inference_replicas_recovered: w.map_or(0, |w| w.cumulative_replicas_gained),
                memory_request_freed_gib: gib(cum.1),
                cpu_request_freed_vcpu: vcpu(cum.0),
                node_agents_memory_request_gib: gib(agents.1),
                node_agents_cpu_request_vcpu: vcpu(agents.0),
                fits: p.waves.iter().all(|w| w.pods_pending == 0),
            }
        })
        .collect()
}

/// The rows of `waves.csv`.
pub fn waves(info: &RunInfo<'_>, plan: &Plan, spec: &PlanSpec) -> Vec<WaveRow> {
    let (start, cost_per_sprint) = (spec.start_month, spec.cost_per_sprint_usd);
    let mut out = Vec::new();
    for p in &plan.strategies {
        for w in &p.waves {
            let join = |f: &dyn Fn(&crate::plan::Move) -> String| {
                w.moves.iter().map(f).collect::<Vec<_>>().join(";")
            };
            out.push(WaveRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: MODE.into(),
                seed: info.seed as i64,
                strategy: p.strategy.as_str().into(),
                wave: i64::from(w.number),
                namespaces: join(&|m| m.namespace.clone()),
                to_modes: join(&|m| m.to.as_str().to_string()),
                pods: w.pods as i64,
                sprints: w.sprints,
                setup_sprints: w.setup_sprints,
                engineering_usd: w.sprints * cost_per_sprint,
                end_month: i64::from(w.end_month),
                end_calendar_month: calendar(start, w.end_month),
                saves_from_month: i64::from(w.end_month) + 1,
                memory_request_freed_gib: gib(w.request_freed.1),
                cpu_request_freed_vcpu: vcpu(w.request_freed.0),
                memory_usage_freed_gib: gib_f(w.usage_freed.1),
                cpu_usage_freed_vcpu: w.usage_freed.0 / 1000.0,
                node_agents_memory_request_gib: gib(w.node_agents_request.1),
                node_agents_cpu_request_vcpu: vcpu(w.node_agents_request.0),
                node_agents_memory_usage_gib: gib_f(w.node_agents_usage.1),
                node_agents_cpu_usage_vcpu: w.node_agents_usage.0 / 1000.0,
                net_memory_request_freed_gib: gib(w.request_freed.1 - w.node_agents_request.1),
                net_cpu_request_freed_vcpu: vcpu(w.request_freed.0 - w.node_agents_request.0),
                inference_replicas_recovered: w.replicas_gained,
                cumulative_inference_replicas_recovered: w.cumulative_replicas_gained,
                cumulative_memory_request_freed_gib: gib(w.cumulative_request_freed.1),
                cumulative_cpu_request_freed_vcpu: vcpu(w.cumulative_request_freed.0),
                nodes_removable: w.nodes_removable,
                savings_usd_per_month: w.savings_usd_per_month,
                wave_savings_usd_per_month: w.wave_savings_usd_per_month,
                pods_pending: w.pods_pending as i64,
                fits: w.pods_pending == 0,
            });
        }
    }
    out
}

/// The rows of the plan's `timeline.csv`.
pub fn timeline(info: &RunInfo<'_>, plan: &Plan, spec: &PlanSpec) -> Vec<PlanTimelineRow> {
    let start = spec.start_month;
    let mut out = Vec::new();
    for p in &plan.strategies {
        for m in &p.cashflow.months {
            out.push(PlanTimelineRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: MODE.into(),
                seed: info.seed as i64,
                strategy: p.strategy.as_str().into(),
                month: i64::from(m.month),
                calendar_month: calendar(start, m.month),
                sprints: m.sprints,
                engineering_usd: m.engineering_usd,
                savings_usd: m.savings_usd,
                net_usd: m.net_usd,
                cumulative_net_usd: m.cumulative_net_usd,
                discounted_cumulative_net_usd: m.discounted_cumulative_net_usd,
                waves_saving: i64::from(m.waves_saving),
            });
        }
    }
    out
}

/// The rows of `plan-namespaces.csv`.
pub fn namespaces(info: &RunInfo<'_>, plan: &Plan, spec: &PlanSpec) -> Vec<PlanNamespaceRow> {
    plan.candidates
        .iter()
        .map(|c| PlanNamespaceRow {
            schema_version: SCHEMA_VERSION,
            scenario: info.scenario.to_string(),
            mode: MODE.into(),
            seed: info.seed as i64,
            namespace: c.namespace.clone(),
            from_mode: c.from.as_str().into(),
            to_mode: c.target.as_str().into(),
            pods: c.pods as i64,
            gpu_inference: c.gpu_inference,
            l4_sprints: c.l4_sprints,
            waypoint_sprints: c.waypoint_sprints,
            l7_features: spec.l7_features(&c.namespace).join(";"),
            alone_inference_replicas_recovered: c.alone_replicas,
            alone_memory_request_freed_gib: gib(c.alone_memory_freed),
            alone_savings_usd_per_month: c.alone_savings,
        })
        .collect()
}

/// The rows of `plan-latency.csv`.
pub fn latency(info: &RunInfo<'_>, plan: &Plan) -> Vec<PlanLatencyRow> {
    let mut out = Vec::new();
    for p in &plan.strategies {
        for w in &p.waves {
            for c in &w.latency {
                out.push(PlanLatencyRow {
                    schema_version: SCHEMA_VERSION,
                    scenario: info.scenario.to_string(),
                    mode: MODE.into(),
                    seed: info.seed as i64,
                    strategy: p.strategy.as_str().into(),
                    wave: i64::from(w.number),
                    call_graph: c.call_graph.clone(),
                    p99_before_ms: c.before_p99_ms.map(|x| x.0),
                    p99_before_ci95_ms: c.before_p99_ms.and_then(|x| x.1),
                    p99_after_ms: c.after_p99_ms.map(|x| x.0),
                    p99_after_ci95_ms: c.after_p99_ms.and_then(|x| x.1),
                    p99_change_ms: c.change_p99_ms.map(|x| x.0),
                    p99_change_ci95_ms: c.change_p99_ms.and_then(|x| x.1),
                    change_significant: c.significant,
                });
            }
        }
    }
    out
}

crate::table_row! {
    /// `plan-uncertainty.csv` of a sweep with `plan = true`: per strategy and metric,
    /// nearest-rank percentiles over the points.
    pub struct PlanUncertaintyRow: "plan-uncertainty" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub strategy: String,
        pub metric: String,
        pub samples: i64,
        pub samples_not_paid_back: Option<i64>,
        pub p10: Option<f64>,
        pub p50: Option<f64>,
        pub p90: Option<f64>,
        pub mean: Option<f64>,
    }
}

/// Metrics of `plan-uncertainty.csv`.
pub const UNCERTAIN: [&str; 4] = [
    "payback_month",
    "net_12_months_usd",
    "net_24_months_usd",
    "npv_usd",
];

/// Nearest-rank percentile of sorted values; `None` when it falls on a point that never paid
/// back (+∞) or there are none.
fn pct(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    Some(sorted[i]).filter(|x| x.is_finite())
}

/// `plan-uncertainty.csv` from per-point `(strategy, metric values)`: `values[m]` is metric
/// `UNCERTAIN[m]` of one point (`None`: not computed; for the payback, not within the horizon).
pub fn uncertainty(
    scenario: &str,
    seed: u64,
    points: &[(String, [Option<f64>; 4])],
) -> Vec<PlanUncertaintyRow> {
    let mut order: Vec<&str> = Vec::new();
    for (s, _) in points {
        if !order.contains(&s.as_str()) {
            order.push(s);
        }
    }
    let mut out = Vec::new();
    for s in order {
        for (m, metric) in UNCERTAIN.iter().enumerate() {
            let payback = m == 0;
            let mut v: Vec<f64> = points
                .iter()
                .filter(|(x, _)| x == s)
                .filter_map(|(_, vals)| match vals[m] {
                    Some(x) => Some(x),
                    None if payback => Some(f64::INFINITY),
                    None => None,
                })
                .collect();
            v.sort_by(f64::total_cmp);
            let never = v.iter().filter(|x| x.is_infinite()).count();
            out.push(PlanUncertaintyRow {
                schema_version: SCHEMA_VERSION,
                scenario: scenario.to_string(),
                mode: MODE.into(),
                seed: seed as i64,
                strategy: s.to_string(),
                metric: metric.to_string(),
                samples: v.len() as i64,
                samples_not_paid_back: payback.then_some(never as i64),
                p10: pct(&v, 0.10),
                p50: pct(&v, 0.50),
                p90: pct(&v, 0.90),
                mean: (!v.is_empty() && never == 0).then(|| v.iter().sum::<f64>() / v.len() as f64),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_that_never_pays_back_ranks_last_and_is_never_a_number() {
        let p = |s: &str, payback: Option<f64>, net: f64| {
            (s.to_string(), [payback, Some(net), None, None])
        };
        let pts = vec![
            p("a", Some(10.0), -5.0),
            p("a", Some(14.0), 1.0),
            p("a", None, 3.0),
            p("a", Some(12.0), 2.0),
            p("b", Some(9.0), 0.0),
        ];
        let u = uncertainty("x", 1, &pts);
        let a = &u[0];
        assert_eq!(
            (a.strategy.as_str(), a.metric.as_str()),
            ("a", "payback_month")
        );
        assert_eq!((a.samples, a.samples_not_paid_back), (4, Some(1)));
        // Sorted 10, 12, 14, ∞: P10 = 10, P50 = 12 (rank 2), P90 = ∞ → null.
        assert_eq!(
            (a.p10, a.p50, a.p90, a.mean),
            (Some(10.0), Some(12.0), None, None)
        );
        let net = &u[1];
        assert_eq!(
            (net.p10, net.p50, net.p90),
            (Some(-5.0), Some(1.0), Some(3.0))
        );
        assert_eq!(net.mean, Some(0.25));
        assert_eq!(net.samples_not_paid_back, None);
        assert_eq!(u[3].samples, 0, "no NPV without a discount rate");
        assert_eq!(u[4].strategy, "b");
    }
}
