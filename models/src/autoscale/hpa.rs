//! The Horizontal Pod Autoscaler's replica calculation and scaling behaviour, as Kubernetes'
//! controller (`pkg/controller/podautoscaler`, autoscaling/v2) does it.
//!
//! # One sync
//! 1. **Metric.** For a `Resource` metric the utilisation is the pods' summed usage over their
//!    summed requests over *all* containers — a sidecar's usage and request are in it; for
//!    `ContainerResource` only the named container's (the application, the sidecar left out).
//!    For an `AverageValue` target the average usage per pod is compared with the value.
//! 2. **Ratio and tolerance.** `ratio = current / target`; when `|ratio − 1| ≤ tolerance` (10 %
//!    by default, `--horizontal-pod-autoscaler-tolerance`) the recommendation is the current
//!    replica count.
//! 3. **Pods not ready.** A pod that is not ready yet (starting, within its readiness delay) has
//!    no usable metric: on a scale-up it counts as using 0, on a scale-down it is left out (as
//!    the controller treats unready pods), and the ratio is recomputed over the pods counted; if
//!    that flips the direction or falls within the tolerance, the count stays.
//! 4. **Recommendation.** `ceil(ratio × pods counted)`, clamped to `[min_replicas,
//!    max_replicas]`.
//! 5. **Stabilisation.** The controller keeps each sync's recommendation; the count used is the
//!    current one clamped to `[min of the scale-up window's recommendations, max of the
//!    scale-down window's]` (defaults: 0 s up, 300 s down).
//! 6. **Rate limits.** A scale-up may add at most what the scale-up policies allow over their
//!    periods, counted from the replicas at the start of each period (the current count less
//!    what was added and plus what was removed within it; defaults: 100 % or 4 pods per 15 s,
//!    whichever is more — `selectPolicy: Max`); a scale-down may remove at most what the
//!    scale-down policies allow (default: 100 % per 15 s). A scaling event counts while it is
//!    strictly less than a period old.
//!
//! Sources: Kubernetes documentation, "Horizontal Pod Autoscaling" (algorithm details,
//! stabilisation window, default behaviour) and the `HPAScalingRules` API reference (defaults:
//! stabilisation 0 s up and 300 s down; scale-up "doubling the number of pods, or an absolute
//! change of 4 pods in a 15s window"; scale-down "all pods … in a 15s window"; `selectPolicy`
//! Max; tolerance 10 %); sync period 15 s (`--horizontal-pod-autoscaler-sync-period`).
//!
//! Not modelled: several metrics at once (the controller takes the largest recommendation; one
//! metric per HPA here), `External`/`Object` metrics, scale to zero, per-direction tolerance
//! (alpha), and metric-server staleness beyond the sync period.

use std::collections::VecDeque;

/// What the HPA measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    /// `type: Resource`: every container of the pod, the sidecar included.
    Resource,
    /// `type: ContainerResource`: one container (the application), the sidecar left out.
    ContainerResource,
}

/// The target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// `averageUtilization`, percent of the request (60 = 60 %).
    Utilization(u32),
    /// `averageValue`, in the metric's unit per pod (CPU: millicores).
    AverageValue(f64),
}

/// A scaling policy: at most `value` pods, or `value` percent, per `period_s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Policy {
    /// `type: Pods`.
    Pods {
        /// Pods.
        value: u32,
        /// Period, seconds.
        period_s: u32,
    },
    /// `type: Percent`.
    Percent {
        /// Percent of the replicas at the period's start.
        value: u32,
        /// Period, seconds.
        period_s: u32,
    },
}

impl Policy {
    fn period_s(self) -> u32 {
        match self {
            Policy::Pods { period_s, .. } | Policy::Percent { period_s, .. } => period_s,
        }
    }
}

/// `selectPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// The policy allowing the largest change (the default).
    Max,
    /// The policy allowing the smallest change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// `HPAScalingRules` of one direction.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    /// Stabilisation window, seconds.
    pub stabilization_s: u32,
    /// Policies.
    pub policies: Vec<Policy>,
    /// Which policy applies.
    pub select: Select,
}

impl Rules {
    /// Kubernetes' default scale-up rules: no stabilisation; 100 % or 4 pods per 15 s, the
    /// larger.
    pub fn default_up() -> Rules {
        Rules {
            stabilization_s: 0,
            policies: vec![
                Policy::Percent {
                    value: 100,
                    period_s: 15,
                },
                Policy::Pods {
                    value: 4,
                    period_s: 15,
                },
            ],
            select: Select::Max,
        }
    }

    /// Kubernetes' default scale-down rules: 300 s stabilisation; 100 % per 15 s.
    pub fn default_down() -> Rules {
        Rules {
            stabilization_s: 300,
            policies: vec![Policy::Percent {
                value: 100,
                period_s: 15,
            }],
            select: Select::Max,
        }
    }
}

/// One HPA.
#[derive(Clone, Debug, PartialEq)]
pub struct HpaSpec {
    /// `minReplicas` (≥ 1).
    pub min_replicas: u32,
    /// `maxReplicas` (≥ min).
    pub max_replicas: u32,
    /// The metric's scope.
    pub metric: Metric,
    /// The target.
    pub target: Target,
    /// Tolerance (0.1 by default).
    pub tolerance: f64,
    /// Scale-up rules.
    pub up: Rules,
    /// Scale-down rules.
    pub down: Rules,
}

impl HpaSpec {
    /// An HPA with Kubernetes' defaults for everything but the bounds, metric and target.
    pub fn new(min_replicas: u32, max_replicas: u32, metric: Metric, target: Target) -> HpaSpec {
        HpaSpec {
            min_replicas,
            max_replicas,
            metric,
            target,
            tolerance: 0.1,
            up: Rules::default_up(),
            down: Rules::default_down(),
        }
    }
}

/// What the metrics pipeline reports at a sync: the ready pods' summed usage and requests of
/// the containers the metric covers (for `Resource` every container, for `ContainerResource`
/// the application's), and how many pods are not ready yet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    /// Replicas the workload has now (ready or not).
    pub replicas: u32,
    /// Ready pods (with a metric).
    pub ready: u32,
    /// Their summed usage (CPU: millicores).
    pub usage: f64,
    /// Their summed request of the same containers (CPU: millicores).
    pub request: f64,
    /// Request of one pod's covered containers, for the pods not ready (CPU: millicores).
    pub request_per_pod: f64,
}

/// The controller's memory for one HPA: past recommendations and scaling events.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HpaState {
    recommendations: VecDeque<(u64, u32)>,
    /// `(time, replicas added)` for scale-ups, `(time, replicas removed)` for scale-downs.
    ups: VecDeque<(u64, u32)>,
    downs: VecDeque<(u64, u32)>,
}

/// The metric's value relative to its target over `pods` pods with `usage` over `request`. The
/// utilisation is a whole percent, truncated, as the controller computes it
/// (`metricsTotal * 100 / requestsTotal` in integers).
fn ratio(target: Target, usage: f64, request: f64, pods: u32) -> Option<f64> {
    match target {
        Target::Utilization(t) if request > 0.0 && t > 0 => {
            Some((usage * 100.0 / request).floor() / f64::from(t))
        }
        Target::AverageValue(v) if pods > 0 && v > 0.0 => Some(usage / f64::from(pods) / v),
        _ => None,
    }
}

/// Steps 1–4: the recommendation from the metric alone (before stabilisation and rate limits),
/// or `None` when the metric cannot be computed (no ready pod, no request).
pub fn recommend(spec: &HpaSpec, o: &Observation) -> Option<u32> {
    let current = o.replicas;
    let r = ratio(spec.target, o.usage, o.request, o.ready)?;
    let unready = current.saturating_sub(o.ready);
    // As the controller: `math.Abs(1.0-usageRatio) <= tolerance`, in floating point.
    let within = |r: f64| (1.0 - r).abs() <= spec.tolerance;
    let desired = if unready > 0 && r > 1.0 {
        // Scale-up with pods not ready: they count as using nothing.
        let all = o.ready + unready;
        let r2 = ratio(
            spec.target,
            o.usage,
            o.request + o.request_per_pod * f64::from(unready),
            all,
        )?;
        let n = (r2 * f64::from(all)).ceil() as u32;
        if within(r2) || r2 < 1.0 || n < current {
            current
        } else {
            n
        }
    } else if within(r) {
        current
    } else {
        // Scale-down: pods not ready are left out; the ready pods carry the ratio.
        (r * f64::from(o.ready)).ceil() as u32
    };
    Some(desired.clamp(spec.min_replicas, spec.max_replicas))
}

/// Counted from the replicas at each period's start: `current − added + removed` in the period.
fn limit_up(rules: &Rules, current: u32, changed_in: impl Fn(u32) -> (u32, u32)) -> u32 {
    let proposals = rules.policies.iter().map(|p| {
        let (added, removed) = changed_in(p.period_s());
        let start = current.saturating_sub(added).saturating_add(removed);
        match *p {
            Policy::Pods { value, .. } => start.saturating_add(value),
            Policy::Percent { value, .. } => {
                (f64::from(start) * (1.0 + f64::from(value) / 100.0)).ceil() as u32
            }
        }
    });
    match rules.select {
        Select::Max => proposals.max().unwrap_or(current),
        Select::Min => proposals.min().unwrap_or(current),
        Select::Disabled => current,
    }
}

/// Counted from `current + removed − added` in the period; a percentage truncates, as the
/// controller's `int32(…)` does.
fn limit_down(rules: &Rules, current: u32, changed_in: impl Fn(u32) -> (u32, u32)) -> u32 {
    let proposals = rules.policies.iter().map(|p| {
        let (added, removed) = changed_in(p.period_s());
        let start = current.saturating_add(removed).saturating_sub(added);
        match *p {
            Policy::Pods { value, .. } => start.saturating_sub(value),
            Policy::Percent { value, .. } => {
                (f64::from(start) * (1.0 - f64::from(value) / 100.0)).max(0.0) as u32
            }
        }
    });
    match rules.select {
        // The largest change is the lowest count.
        Select::Max => proposals.min().unwrap_or(current),
        Select::Min => proposals.max().unwrap_or(current),
        Select::Disabled => current,
    }
}

impl HpaState {
    /// Whether every recommendation kept equals `replicas`: then a sync whose observation
    /// recommends `replicas` again sets `replicas`, whatever the time. A caller may skip such
    /// syncs while the observation does not change, and must then [`HpaState::hold`] the last
    /// skipped one before the next sync it runs — the results are the same.
    pub fn steady(&self, replicas: u32) -> bool {
        self.recommendations.iter().all(|r| r.1 == replicas)
    }

    /// Records that syncs up to `at_s` recommended `replicas` without being run (they were
    /// skipped as [`HpaState::steady`] allows): only the latest of equal recommendations decides
    /// when the stabilisation windows let them go, so that one is kept.
    pub fn hold(&mut self, at_s: u64, replicas: u32) {
        if self.recommendations.back().is_none_or(|r| r.0 < at_s) {
            self.recommendations.push_back((at_s, replicas));
        }
    }

    /// One sync at `now_s` (seconds): the replica count the HPA sets.
    pub fn sync(&mut self, spec: &HpaSpec, now_s: u64, o: &Observation) -> u32 {
        let current = o.replicas;
        let Some(rec) = recommend(spec, o) else {
            return current;
        };
        // Stabilisation: this sync's recommendation and the past ones strictly inside each
        // window (a recommendation exactly one window old no longer counts).
        let keep = u64::from(spec.up.stabilization_s.max(spec.down.stabilization_s));
        while self
            .recommendations
            .front()
            .is_some_and(|r| r.0 + keep <= now_s)
        {
            self.recommendations.pop_front();
        }
        let within = |w: u32| {
            self.recommendations
                .iter()
                .filter(move |r| r.0 + u64::from(w) > now_s)
                .map(|r| r.1)
        };
        let up_rec = within(spec.up.stabilization_s).fold(rec, u32::min);
        let down_rec = within(spec.down.stabilization_s).fold(rec, u32::max);
        self.recommendations.push_back((now_s, rec));
        let stabilized = current.max(up_rec).min(down_rec);
        // Rate limits from the scaling events of each policy's period (an event exactly one
        // period old no longer counts, as in the controller).
        let in_period = |events: &VecDeque<(u64, u32)>, p: u32| -> u32 {
            events
                .iter()
                .filter(|e| e.0 + u64::from(p) > now_s)
                .map(|e| e.1)
                .sum()
        };
        let changed = |p: u32| (in_period(&self.ups, p), in_period(&self.downs, p));
        let desired = if stabilized > current {
            let lim = limit_up(&spec.up, current, changed).max(current);
            stabilized.min(lim).min(spec.max_replicas)
        } else if stabilized < current {
            let lim = limit_down(&spec.down, current, changed).min(current);
            stabilized.max(lim).max(spec.min_replicas)
        } else {
            current
        };
        let longest = spec
            .up
            .policies
            .iter()
            .chain(&spec.down.policies)
            .map(|p| u64::from(p.period_s()))
            .max()
            .unwrap_or(0);
        while self.ups.front().is_some_and(|e| e.0 + longest <= now_s) {
            self.ups.pop_front();
        }
        while self.downs.front().is_some_and(|e| e.0 + longest <= now_s) {
            self.downs.pop_front();
        }
        if desired > current {
            self.ups.push_back((now_s, desired - current));
        } else if desired < current {
            self.downs.push_back((now_s, current - desired));
        }
        desired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` ready pods each using `use_m` of a `req_m` request (millicores).
    fn obs(n: u32, use_m: f64, req_m: f64) -> Observation {
        Observation {
            replicas: n,
            ready: n,
            usage: use_m * f64::from(n),
            request: req_m * f64::from(n),
            request_per_pod: req_m,
        }
    }

    #[test]
    fn load_doubling_doubles_the_replicas_at_the_next_sync() {
        // 4 pods at 50 % of a 500m request, target 50 %: steady.
        let spec = HpaSpec::new(1, 100, Metric::Resource, Target::Utilization(50));
        let mut st = HpaState::default();
        assert_eq!(st.sync(&spec, 0, &obs(4, 250.0, 500.0)), 4);
        assert_eq!(st.sync(&spec, 15, &obs(4, 250.0, 500.0)), 4);
        // The load doubles: 100 % utilisation, ratio 2 → ceil(2 × 4) = 8; the scale-up limit is
        // max(4 + 4, 2 × 4) = 8.
        assert_eq!(st.sync(&spec, 30, &obs(4, 500.0, 500.0)), 8);
        // At 8 pods the same load is 50 % again: steady.
        assert_eq!(st.sync(&spec, 45, &obs(8, 250.0, 500.0)), 8);
    }

    #[test]
    fn within_the_tolerance_nothing_moves() {
        let spec = HpaSpec::new(1, 100, Metric::Resource, Target::Utilization(50));
        // 54 % against 50 %: ratio 1.08 ≤ 1.1.
        assert_eq!(recommend(&spec, &obs(4, 270.0, 500.0)), Some(4));
        // 56 %: ratio 1.12 → ceil(4.48) = 5.
        assert_eq!(recommend(&spec, &obs(4, 280.0, 500.0)), Some(5));
        // 46 %: ratio 0.92, within; 44 %: ratio 0.88 → ceil(8.8) = 9 on 10 pods.
        assert_eq!(recommend(&spec, &obs(10, 230.0, 500.0)), Some(10));
        // The utilisation is a truncated whole percent: 54.9 % reads 54 %, ratio 1.08, within.
        assert_eq!(recommend(&spec, &obs(4, 274.5, 500.0)), Some(4));
        // 55.9 % reads 55 %: ratio 55 / 50 = 1.1 in floating point is 1.1000000000000000888,
        // so |1 − ratio| is just over 0.1 and the controller scales (ceil(4.4) = 5), as here.
        assert_eq!(recommend(&spec, &obs(4, 279.5, 500.0)), Some(5));
        assert_eq!(recommend(&spec, &obs(10, 220.0, 500.0)), Some(9));
    }

    /// The sidecar in or out of the average, by hand: the application requests 500m and uses
    /// 400m, its sidecar requests 100m and uses 20m; 10 replicas, target 60 %.
    /// `Resource`: (400 + 20) / (500 + 100) = 70 % → ratio 1.1667 → ceil(11.67) = 12.
    /// `ContainerResource` (application): 400 / 500 = 80 % → ratio 1.3333 → ceil(13.33) = 14.
    #[test]
    fn resource_and_container_resource_differ_with_a_sidecar() {
        let res = HpaSpec::new(1, 100, Metric::Resource, Target::Utilization(60));
        let app = HpaSpec::new(1, 100, Metric::ContainerResource, Target::Utilization(60));
        assert_eq!(recommend(&res, &obs(10, 420.0, 600.0)), Some(12));
        assert_eq!(recommend(&app, &obs(10, 400.0, 500.0)), Some(14));
    }

    #[test]
    fn a_scale_down_waits_for_the_stabilisation_window() {
        let spec = HpaSpec::new(1, 100, Metric::Resource, Target::Utilization(50));
        let mut st = HpaState::default();
        assert_eq!(st.sync(&spec, 0, &obs(8, 250.0, 500.0)), 8);
        // Load halves at t = 15 s: each sync recommends 4, but the window still holds the 8 of
        // t = 0 until it is 300 s old.
        let mut t = 15;
        while t < 300 {
            assert_eq!(st.sync(&spec, t, &obs(8, 125.0, 500.0)), 8, "t = {t}");
            t += 15;
        }
        assert_eq!(st.sync(&spec, 300, &obs(8, 125.0, 500.0)), 4);
    }

    #[test]
    fn a_big_scale_up_is_rate_limited_per_period() {
        // 400m of load over 200m requests, target 10 %: 2 pods at 100 % recommend 20; 6 pods
        // at 33 % recommend ceil(3.3 × 6) = 20; 12 pods at 16 % recommend ceil(1.6 × 12) = 20.
        let spec = HpaSpec::new(1, 100, Metric::Resource, Target::Utilization(10));
        let load = |n: u32| obs(n, 400.0 / f64::from(n), 200.0);
        let mut st = HpaState::default();
        // max(2 + 4, 2 × 2) = 6.
        assert_eq!(st.sync(&spec, 0, &load(2)), 6);
        // 15 s later the event at 0 s is one period old: from 6, max(10, 12) = 12.
        assert_eq!(st.sync(&spec, 15, &load(6)), 12);
        // From 12 the limit is max(16, 24): the recommendation, 20.
        assert_eq!(st.sync(&spec, 30, &load(12)), 20);
        assert_eq!(st.sync(&spec, 45, &load(20)), 20);
        // Two syncs in one period: the second counts the first one's pods.
        let mut st = HpaState::default();
        let fast = HpaSpec {
            up: Rules {
                stabilization_s: 0,
                policies: vec![Policy::Pods {
                    value: 4,
                    period_s: 60,
                }],
                select: Select::Max,
            },
            ..spec.clone()
        };
        assert_eq!(st.sync(&fast, 0, &load(2)), 6);
        assert_eq!(st.sync(&fast, 15, &load(6)), 6, "4 pods per 60 s used up");
        assert_eq!(st.sync(&fast, 60, &load(6)), 10);
    }

    #[test]
    fn pods_not_ready_count_as_idle_on_a_scale_up() {
        let spec = HpaSpec::new(1, 100, Metric::Resource, Target::Utilization(50));
        // 4 ready pods at 100 % and 4 more starting: over 8 pods (the new ones at 0) the
        // utilisation is 50 % — within the tolerance, no further scale-up.
        let o = Observation {
            replicas: 8,
            ready: 4,
            usage: 4.0 * 500.0,
            request: 4.0 * 500.0,
            request_per_pod: 500.0,
        };
        assert_eq!(recommend(&spec, &o), Some(8));
        // At 150 % on the ready pods: (4 × 750) / (8 × 500) = 75 % → ratio 1.5 → 12.
        let o = Observation {
            usage: 4.0 * 750.0,
            ..o
        };
        assert_eq!(recommend(&spec, &o), Some(12));
    }

    #[test]
    fn a_scale_down_is_rate_limited_and_percentages_truncate() {
        // Scale-down by at most 50 % per 60 s, no stabilisation: 9 → 4 (9 × 0.5 = 4.5
        // truncated), and no further within the period.
        let spec = HpaSpec {
            down: Rules {
                stabilization_s: 0,
                policies: vec![Policy::Percent {
                    value: 50,
                    period_s: 60,
                }],
                select: Select::Max,
            },
            ..HpaSpec::new(1, 100, Metric::Resource, Target::Utilization(50))
        };
        // 450m of load on 500m requests, target 50 %: 9 pods at 10 % recommend ceil(0.2 × 9)
        // = 2; 4 pods at 22 % recommend ceil(0.44 × 4) = 2.
        let load = |n: u32| obs(n, 450.0 / f64::from(n), 500.0);
        let mut st = HpaState::default();
        assert_eq!(st.sync(&spec, 0, &load(9)), 4, "9 × 50 % = 4.5, truncated");
        // Within the period the start is still 9: 4 at most removed again → 4.
        assert_eq!(st.sync(&spec, 15, &load(4)), 4);
        // A period later: from 4, 50 % → 2.
        assert_eq!(st.sync(&spec, 60, &load(4)), 2);
    }

    #[test]
    fn bounds_and_average_value() {
        let spec = HpaSpec::new(3, 5, Metric::Resource, Target::Utilization(50));
        assert_eq!(recommend(&spec, &obs(4, 50.0, 500.0)), Some(3));
        assert_eq!(recommend(&spec, &obs(4, 500.0, 500.0)), Some(5));
        // averageValue 200m: 4 pods at 300m → ratio 1.5 → 6.
        // (The bounds: 10 % on 4 pods recommends ceil(0.2 × 4) = 1, raised to 3; 100 % → 8, 5.)
        let v = HpaSpec::new(1, 100, Metric::Resource, Target::AverageValue(200.0));
        assert_eq!(recommend(&v, &obs(4, 300.0, 500.0)), Some(6));
        // No request: no utilisation, no recommendation.
        assert_eq!(recommend(&spec, &obs(4, 300.0, 0.0)), None);
    }
}
