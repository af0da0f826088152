//! Rows of a scenario's day (`[autoscaling]`): `timeline.csv`, a row per sampling instant ×
//! mode × pool, and `autoscaling.csv`, a row per mode × pool and one per mode for the whole
//! fleet (`pool = "all"`), with node-hours, money per month and the savings against the
//! current mode.

use super::{RunInfo, SCHEMA_VERSION, gib_f};
use crate::autoscale::day::{ModeDay, per_month};
use crate::cluster::Cluster;
use crate::mesh::MeshMode;

crate::table_row! {
    /// `timeline.csv` (`meshsim run` with `[autoscaling]`): per sampling instant, mode and pool.
    pub struct DayTimelineRow: "timeline" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: Option<i64>,
        pub time_s: i64,
        pub pool: String,
        pub nodes: i64,
        pub nodes_provisioning: i64,
        pub replicas: i64,
        pub ready_replicas: i64,
        pub pending_pods: i64,
        pub proxy_memory_gib: f64,
        pub proxy_cpu_vcpu: f64,
    }
}

crate::table_row! {
    /// `autoscaling.csv`: per mode and pool (and `all`), over the horizon.
    pub struct AutoscalingRow: "autoscaling" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: Option<i64>,
        pub pool: String,
        pub horizon_h: f64,
        pub node_hours: f64,
        pub mean_nodes: f64,
        pub peak_nodes: i64,
        pub nodes_added: i64,
        pub nodes_removed: i64,
        pub cost_usd: f64,
        pub cost_usd_per_month: f64,
        pub savings_usd_per_month: Option<f64>,
        pub demanded_pod_hours: f64,
        pub placed_pod_hours: f64,
        pub pending_pod_hours: f64,
        pub capped_pending_pod_hours: f64,
        pub fits: bool,
        pub proxy_memory_mean_gib: f64,
        pub proxy_memory_peak_gib: f64,
        pub proxy_cpu_mean_vcpu: f64,
        pub proxy_cpu_peak_vcpu: f64,
    }
}

/// The rows of `timeline.csv`.
pub fn timeline(info: &RunInfo<'_>, cluster: &Cluster, days: &[ModeDay]) -> Vec<DayTimelineRow> {
    let pools = cluster.pools.len();
    let mut out = Vec::new();
    for d in days {
        for (i, s) in d.fleet.samples.iter().enumerate() {
            out.push(DayTimelineRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.into(),
                mode: d.mode.as_str().into(),
                seed: Some(info.seed as i64),
                time_s: s.t_s as i64,
                pool: cluster.pools[s.pool].name.clone(),
                nodes: i64::from(s.nodes),
                nodes_provisioning: i64::from(s.provisioning),
                replicas: i64::from(s.replicas),
                ready_replicas: i64::from(s.ready),
                pending_pods: i64::from(s.pending),
                proxy_memory_gib: gib_f(d.proxy_memory.get(i).copied().unwrap_or(0.0)),
                proxy_cpu_vcpu: d.proxy_cpu.get(i).copied().unwrap_or(0.0) / 1000.0,
            });
        }
        debug_assert_eq!(d.fleet.samples.len() % pools.max(1), 0);
    }
    out
}

/// One mode's figures over a set of pools.
struct Sums {
    node_hours: f64,
    mean_nodes: f64,
    peak_nodes: u32,
    added: u32,
    removed: u32,
    cost: f64,
    demanded: f64,
    placed: f64,
    pending: f64,
    capped: f64,
    mem: (f64, f64),
    cpu: (f64, f64),
}

fn sums(cluster: &Cluster, d: &ModeDay, pools: &[usize], horizon_s: u64) -> Sums {
    let np = cluster.pools.len();
    let k = d.fleet.samples.len() / np.max(1);
    let hours = |p: usize| d.node_hours(p);
    let node_hours: f64 = pools.iter().map(|&p| hours(p)).sum();
    let cost: f64 = pools
        .iter()
        .map(|&p| hours(p) * cluster.pools[p].price_per_hour_usd)
        .sum();
    let at = |v: &[f64], s: usize| -> f64 { pools.iter().map(|&p| v[s * np + p]).sum() };
    let series = |v: &[f64]| -> Vec<f64> { (0..k).map(|s| at(v, s)).collect() };
    let peak_nodes = (0..k)
        .map(|s| {
            pools
                .iter()
                .map(|&p| d.fleet.samples[s * np + p].nodes)
                .sum()
        })
        .max()
        .unwrap_or(0)
        .max(if pools.len() == 1 {
            d.fleet.peak_nodes[pools[0]]
        } else {
            0
        });
    // Pod-seconds of the fleet's workloads, by the pool each is grown in.
    let of = |v: &[u64]| -> f64 {
        v.iter()
            .zip(&d.pools_of)
            .filter(|(_, p)| pools.contains(p))
            .map(|(x, _)| *x as f64 / 3600.0)
            .sum()
    };
    Sums {
        node_hours,
        mean_nodes: node_hours * 3600.0 / horizon_s.max(1) as f64,
        peak_nodes,
        added: pools.iter().map(|&p| d.fleet.nodes_added[p]).sum(),
        removed: pools.iter().map(|&p| d.fleet.nodes_removed[p]).sum(),
        cost,
        demanded: of(&d.fleet.demanded_pod_seconds),
        placed: of(&d.fleet.placed_pod_seconds),
        pending: of(&d.fleet.pending_pod_seconds),
        capped: pools
            .iter()
            .map(|&p| d.fleet.capped_pending_pod_seconds[p] as f64 / 3600.0)
            .sum(),
        mem: ModeDay::mean_peak(&series(&d.proxy_memory)),
        cpu: ModeDay::mean_peak(&series(&d.proxy_cpu)),
    }
}

/// The rows of `autoscaling.csv`: each mode's pools, then its whole fleet (`all`); savings are
/// the current mode's cost per month less this mode's (`None` without a current mode among
/// those run).
pub fn summary(
    info: &RunInfo<'_>,
    cluster: &Cluster,
    current: Option<MeshMode>,
    horizon_s: u64,
    days: &[ModeDay],
) -> Vec<AutoscalingRow> {
    let np = cluster.pools.len();
    let sets: Vec<(String, Vec<usize>)> = (0..np)
        .map(|p| (cluster.pools[p].name.clone(), vec![p]))
        .chain(std::iter::once(("all".to_string(), (0..np).collect())))
        .collect();
    let reference = current.and_then(|c| days.iter().find(|d| d.mode == c));
    let mut out = Vec::new();
    for d in days {
        for (name, set) in &sets {
            let s = sums(cluster, d, set, horizon_s);
            let month = per_month(s.cost, horizon_s);
            // A mode whose pods waited for a pool that could not grow does not fit the day:
            // no saving of its own, and none against a current mode that does not fit.
            let savings = reference
                .map(|r| sums(cluster, r, set, horizon_s))
                .filter(|r| r.capped == 0.0 && s.capped == 0.0)
                .map(|r| per_month(r.cost, horizon_s) - month);
            out.push(AutoscalingRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.into(),
                mode: d.mode.as_str().into(),
                seed: Some(info.seed as i64),
                pool: name.clone(),
                horizon_h: horizon_s as f64 / 3600.0,
                node_hours: s.node_hours,
                mean_nodes: s.mean_nodes,
                peak_nodes: i64::from(s.peak_nodes),
                nodes_added: i64::from(s.added),
                nodes_removed: i64::from(s.removed),
                cost_usd: s.cost,
                cost_usd_per_month: month,
                savings_usd_per_month: savings,
                demanded_pod_hours: s.demanded,
                placed_pod_hours: s.placed,
                pending_pod_hours: s.pending,
                capped_pending_pod_hours: s.capped,
                fits: s.capped == 0.0,
                proxy_memory_mean_gib: gib_f(s.mem.0),
                proxy_memory_peak_gib: gib_f(s.mem.1),
                proxy_cpu_mean_vcpu: s.cpu.0 / 1000.0,
                proxy_cpu_peak_vcpu: s.cpu.1 / 1000.0,
            });
        }
    }
    out
}

crate::table_row! {
    /// `latency-windows.csv` (`[autoscaling]` with `[[traffic]]`): the request simulation at
    /// the day's trough, median and peak, per window and mode.
    pub struct LatencyWindowRow: "latency-windows" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: Option<i64>,
        pub window: String,
        pub time_s: i64,
        pub load_factor: f64,
        pub hop_p50_ms: Option<f64>,
        pub hop_p50_ms_ci95: Option<f64>,
        pub hop_p50_significant: Option<bool>,
        pub hop_p90_ms: Option<f64>,
        pub hop_p90_ms_ci95: Option<f64>,
        pub hop_p90_significant: Option<bool>,
        pub hop_p99_ms: Option<f64>,
        pub hop_p99_ms_ci95: Option<f64>,
        pub hop_p99_significant: Option<bool>,
        pub chain_p99_ms: Option<f64>,
        pub chain_p99_ms_ci95: Option<f64>,
        pub saturated: Option<bool>,
        pub failed_requests: Option<f64>,
        pub max_proxy_utilisation: Option<f64>,
    }
}

/// The rows of `latency-windows.csv`, window by window, in the modes' order.
pub fn latency_windows(
    info: &RunInfo<'_>,
    modes: &[MeshMode],
    windows: &[(
        crate::autoscale::windows::Window,
        Vec<crate::study::LatencyCells>,
    )],
) -> Vec<LatencyWindowRow> {
    let v = |c: crate::study::EstCell| c.map(|x| x.0);
    let h = |c: crate::study::EstCell| c.and_then(|x| x.1);
    let mut out = Vec::new();
    for (w, cells) in windows {
        for (m, c) in modes.iter().zip(cells) {
            out.push(LatencyWindowRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.into(),
                mode: m.as_str().into(),
                seed: Some(info.seed as i64),
                window: w.label.into(),
                time_s: w.t_s as i64,
                load_factor: w.load_factor,
                hop_p50_ms: v(c.hop_p50_ms),
                hop_p50_ms_ci95: h(c.hop_p50_ms),
                hop_p50_significant: c.hop_p50_significant,
                hop_p90_ms: v(c.hop_p90_ms),
                hop_p90_ms_ci95: h(c.hop_p90_ms),
                hop_p90_significant: c.hop_p90_significant,
                hop_p99_ms: v(c.hop_p99_ms),
                hop_p99_ms_ci95: h(c.hop_p99_ms),
                hop_p99_significant: c.hop_p99_significant,
                chain_p99_ms: v(c.chain_p99_ms),
                chain_p99_ms_ci95: h(c.chain_p99_ms),
                saturated: c.saturated,
                failed_requests: c.failed_requests,
                max_proxy_utilisation: c.max_proxy_utilisation,
            });
        }
    }
    out
}
