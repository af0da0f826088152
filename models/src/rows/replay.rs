//! The tables of `meshsim replay`. `mode` is the mesh overlay (`none`, `sidecar`,
//! `sidecar-right-sized`, `ambient`); `seed` is null in tables aggregated over seeds.

use meshsim_core::stats::ConfidenceInterval;

use super::{RunInfo, SCHEMA_VERSION, r6};
use crate::replay::report::median;
use crate::replay::study::ReplayResult;
use crate::replay::{Overlay, ReplayRun};

crate::table_row! {
    /// `allocation.csv`: per overlay, policy, seed and arrived share (1 % steps).
    pub struct AllocationRow: "allocation" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: Option<i64>,
        pub policy: String,
        pub arrived_pct: i64,
        pub gpu_allocation_pct: Option<f64>,
        pub frag_amount_pct: Option<f64>,
        pub frag_ratio_pct: Option<f64>,
    }
}

crate::table_row! {
    /// `allocation-median.csv`: the median over seeds of each step.
    pub struct AllocationMedianRow: "allocation-median" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: Option<i64>,
        pub policy: String,
        pub seeds: i64,
        pub arrived_pct: i64,
        pub gpu_allocation_pct: Option<f64>,
        pub frag_amount_pct: Option<f64>,
        pub frag_ratio_pct: Option<f64>,
    }
}

crate::table_row! {
    /// `replay-summary.csv`: per overlay, policy and reported arrived share.
    pub struct ReplaySummaryRow: "replay-summary" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: Option<i64>,
        pub policy: String,
        pub arrived_pct: i64,
        pub seeds: i64,
        pub gpu_allocation_median_pct: Option<f64>,
        pub gpu_allocation_min_pct: Option<f64>,
        pub gpu_allocation_max_pct: Option<f64>,
        pub change_vs_none_pct: Option<f64>,
        pub change_vs_none_low_pct: Option<f64>,
        pub change_vs_none_high_pct: Option<f64>,
        pub change_vs_none_significant: Option<bool>,
        pub change_vs_none_gpus: Option<f64>,
        pub frag_ratio_median_pct: Option<f64>,
        pub sidecar_cpu_request_vcpu: f64,
        pub sidecar_memory_request_gib: f64,
        pub node_agents_cpu_request_vcpu: f64,
        pub node_agents_memory_request_gib: f64,
    }
}

crate::table_row! {
    /// `replay-runs.csv`: per overlay, policy and seed, what the run did.
    pub struct ReplayRunRow: "replay-runs" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: Option<i64>,
        pub policy: String,
        pub pods_arrived: i64,
        pub pods_placed: i64,
        pub pods_failed: i64,
        pub pods_departed: i64,
        pub node_agents_unplaced: i64,
        pub events: i64,
        pub final_gpu_allocation_pct: f64,
        pub pods_running: i64,
        pub cpu_requested_vcpu: f64,
        pub memory_requested_gib: f64,
        pub mesh_cpu_request_vcpu: f64,
        pub mesh_memory_request_gib: f64,
        pub mesh_cpu_request_share: f64,
        pub mesh_memory_request_share: f64,
    }
}

crate::table_row! {
    /// `timeline.csv` (trace protocol with `sample_every`): per overlay, policy, seed and
    /// sampling instant.
    pub struct TimelineRow: "timeline" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: Option<i64>,
        pub policy: String,
        pub time_s: f64,
        pub running_pods: i64,
        pub pending_pods: i64,
        pub gpu_allocation_pct: f64,
        pub cpu_requested_vcpu: f64,
        pub memory_requested_gib: f64,
        pub frag_amount_pct: f64,
    }
}

const GIB: f64 = crate::resources::GIB as f64;

fn pct(x: u64, cap: u64) -> f64 {
    r6(100.0 * x as f64 / cap.max(1) as f64)
}

/// The rows of `allocation.csv`.
pub fn allocation(
    info: &RunInfo<'_>,
    overlays: &[Overlay],
    r: &ReplayResult,
) -> Vec<AllocationRow> {
    r.runs
        .iter()
        .flat_map(|run| {
            run.curve.iter().map(move |p| AllocationRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: overlays[run.overlay].name.clone(),
                seed: Some(run.seed as i64),
                policy: run.policy.as_str().to_string(),
                arrived_pct: i64::from(p.arrived_pct),
                gpu_allocation_pct: p.gpu_allocation_pct,
                frag_amount_pct: p.frag_amount_pct,
                frag_ratio_pct: p.frag_ratio_pct.map(r6),
            })
        })
        .collect()
}

/// The rows of `allocation-median.csv`.
pub fn allocation_median(
    info: &RunInfo<'_>,
    overlays: &[Overlay],
    r: &ReplayResult,
) -> Vec<AllocationMedianRow> {
    r.medians
        .iter()
        .flat_map(|m| {
            m.curve.iter().map(move |p| AllocationMedianRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: overlays[m.overlay].name.clone(),
                seed: None,
                policy: m.policy.as_str().to_string(),
                seeds: m.seeds as i64,
                arrived_pct: i64::from(p.arrived_pct),
                gpu_allocation_pct: p.gpu_allocation_pct.map(r6),
                frag_amount_pct: p.frag_amount_pct.map(r6),
                frag_ratio_pct: p.frag_ratio_pct.map(r6),
            })
        })
        .collect()
}

/// The rows of `replay-summary.csv`: at each reported share, the median, min and max over
/// seeds, and (when `none` is compared) the overlay's GPU allocation against no mesh under the
/// same policy: the mean over seeds of the paired difference overlay − none (each seed draws the
/// same pods in both; negative: the mesh costs allocation), in percentage points of GPU
/// capacity and in GPUs, with its 95 % Student-t interval.
pub fn summary(
    info: &RunInfo<'_>,
    overlays: &[Overlay],
    r: &ReplayResult,
    report_pct: &[u32],
) -> Vec<ReplaySummaryRow> {
    let none = overlays.iter().position(|o| o.name == "none");
    let nodes_agents = |o: &Overlay| -> (f64, f64) {
        o.per_node.iter().fold((0.0, 0.0), |a, x| {
            (
                a.0 + x.cpu_milli as f64 / 1000.0,
                a.1 + x.memory_bytes as f64 / crate::resources::GIB as f64,
            )
        })
    };
    let mut out = Vec::new();
    for m in &r.medians {
        let o = &overlays[m.overlay];
        for &k in report_pct {
            let at = |run: &crate::replay::study::RunResult| {
                run.curve.get(k as usize).and_then(|p| p.gpu_allocation_pct)
            };
            let v: Vec<f64> = r.runs_of(m.overlay, m.policy).filter_map(at).collect();
            let med = median(&v);
            let ratio: Vec<f64> = r
                .runs_of(m.overlay, m.policy)
                .filter_map(|run| run.curve.get(k as usize).and_then(|p| p.frag_ratio_pct))
                .collect();
            let lost = none.filter(|&n| n != m.overlay).and_then(|n| {
                let base: Vec<(u64, f64)> = r
                    .runs_of(n, m.policy)
                    .filter_map(|run| at(run).map(|x| (run.seed, x)))
                    .collect();
                let (a, b): (Vec<f64>, Vec<f64>) = r
                    .runs_of(m.overlay, m.policy)
                    .filter_map(|run| {
                        let x = at(run)?;
                        let y = base.iter().find(|(s, _)| *s == run.seed)?.1;
                        Some((x, y))
                    })
                    .unzip();
                (!a.is_empty()).then(|| {
                    let gpus = r
                        .runs_of(n, m.policy)
                        .next()
                        .map_or(0.0, |x| x.run.capacity_milli as f64 / 1000.0);
                    (
                        ConfidenceInterval::paired_difference(&a, &b, 0.95).expect("equal lengths"),
                        gpus,
                    )
                })
            });
            let (agents_cpu, agents_mem) = nodes_agents(o);
            out.push(ReplaySummaryRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: o.name.clone(),
                seed: None,
                policy: m.policy.as_str().to_string(),
                arrived_pct: i64::from(k),
                seeds: v.len() as i64,
                gpu_allocation_median_pct: med.map(r6),
                gpu_allocation_min_pct: v.iter().copied().reduce(f64::min).map(r6),
                gpu_allocation_max_pct: v.iter().copied().reduce(f64::max).map(r6),
                change_vs_none_pct: lost.map(|(ci, _)| r6(ci.mean)),
                change_vs_none_low_pct: lost
                    .and_then(|(ci, _)| ci.half_width.is_finite().then(|| r6(ci.low()))),
                change_vs_none_high_pct: lost
                    .and_then(|(ci, _)| ci.half_width.is_finite().then(|| r6(ci.high()))),
                change_vs_none_significant: lost
                    .and_then(|(ci, _)| ci.half_width.is_finite().then(|| !ci.contains(0.0))),
                change_vs_none_gpus: lost.map(|(ci, gpus)| r6(ci.mean * gpus / 100.0)),
                frag_ratio_median_pct: median(&ratio).map(r6),
                sidecar_cpu_request_vcpu: r6(o.per_pod.cpu_milli as f64 / 1000.0),
                sidecar_memory_request_gib: r6(
                    o.per_pod.memory_bytes as f64 / crate::resources::GIB as f64
                ),
                node_agents_cpu_request_vcpu: r6(agents_cpu),
                node_agents_memory_request_gib: r6(agents_mem),
            });
        }
    }
    out
}

/// The rows of `replay-runs.csv`.
pub fn runs(info: &RunInfo<'_>, overlays: &[Overlay], r: &ReplayResult) -> Vec<ReplayRunRow> {
    r.runs
        .iter()
        .map(|x| {
            let run: &ReplayRun = &x.run;
            let last = x.last;
            let o = &overlays[x.overlay];
            let mesh_cpu = o.per_pod.cpu_milli * run.running + run.agents_cpu_milli;
            let mesh_mem = o.per_pod.memory_bytes * run.running + run.agents_memory_bytes;
            ReplayRunRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: overlays[x.overlay].name.clone(),
                seed: Some(x.seed as i64),
                policy: x.policy.as_str().to_string(),
                pods_arrived: run.arrived as i64,
                pods_placed: run.placed as i64,
                pods_failed: run.failed as i64,
                pods_departed: run.departed as i64,
                node_agents_unplaced: run.agents_unplaced as i64,
                events: run.events as i64,
                final_gpu_allocation_pct: pct(last.used_milli, run.capacity_milli),
                pods_running: run.running as i64,
                cpu_requested_vcpu: r6(run.cpu_requested_milli as f64 / 1000.0),
                memory_requested_gib: r6(run.memory_requested_bytes as f64 / GIB),
                mesh_cpu_request_vcpu: r6(mesh_cpu as f64 / 1000.0),
                mesh_memory_request_gib: r6(mesh_mem as f64 / GIB),
                mesh_cpu_request_share: r6(mesh_cpu as f64 / run.cluster_cpu_milli.max(1) as f64),
                mesh_memory_request_share: r6(
                    mesh_mem as f64 / run.cluster_memory_bytes.max(1) as f64
                ),
            }
        })
        .collect()
}

/// The rows of `timeline.csv`.
pub fn timeline(info: &RunInfo<'_>, overlays: &[Overlay], r: &ReplayResult) -> Vec<TimelineRow> {
    r.runs
        .iter()
        .flat_map(|x| {
            let cap = x.run.capacity_milli;
            x.run.samples.iter().map(move |s| TimelineRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: overlays[x.overlay].name.clone(),
                seed: Some(x.seed as i64),
                policy: x.policy.as_str().to_string(),
                time_s: r6(s.t_s),
                running_pods: s.running as i64,
                pending_pods: s.pending as i64,
                gpu_allocation_pct: pct(s.gpu_used_milli, cap),
                cpu_requested_vcpu: r6(s.cpu_used_milli as f64 / 1000.0),
                memory_requested_gib: r6(s.memory_used_bytes as f64 / crate::resources::GIB as f64),
                frag_amount_pct: r6(100.0 * s.frag_milli / cap.max(1) as f64),
            })
        })
        .collect()
}
