//! The part of a run's `report.html` that tells the day (`[autoscaling]`): a sentence, a table
//! per mode over the whole fleet (the `all` rows of `autoscaling.csv`), the chart of nodes and
//! replicas over time, and what the day assumes and leaves out.

use std::path::Path;

use meshsim_models::rows::autoscale::{AutoscalingRow, LatencyWindowRow};
use meshsim_scenarios::Scenario;

use crate::report::{Chart, Table};
use crate::terminal::money;

/// What the day adds to a run's page.
pub struct DaySection {
    /// One sentence.
    pub headline: String,
    /// Per mode, over the fleet; then latency per window, with traffic.
    pub tables: Vec<Table>,
    /// The chart, if drawn.
    pub chart: Option<Chart>,
    /// What the figures assume.
    pub assumptions: Vec<String>,
    /// What the day does not model.
    pub not_modelled: Vec<String>,
}

fn usd(v: f64) -> String {
    if v < 0.0 {
        format!("-${}", money(-v))
    } else {
        format!("${}", money(v))
    }
}

/// `latency-windows.csv`'s rows as a table: per window and mode, the added latency per hop at
/// P50 / P99 with its interval, and the deepest call graph's P99.
fn windows_table(rows: &[LatencyWindowRow]) -> Table {
    let cell = |v: Option<f64>, h: Option<f64>, sig: Option<bool>| match (v, h) {
        (None, _) => "n/m".to_string(),
        (Some(x), Some(h)) => format!(
            "{x:.3} ± {h:.3}{}",
            if sig == Some(false) { " n.s." } else { "" }
        ),
        (Some(x), None) => format!("{x:.3}"),
    };
    Table {
        caption: "Latency at the day's trough, median and peak (each mode's fleet as the day left it, at that instant's load; latency-windows.csv)".into(),
        header: [
            "window",
            "mode",
            "load × [[traffic]]",
            "added per hop P50 (ms)",
            "added per hop P99 (ms)",
            "deepest call graph P99 (ms)",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                let none = r.mode == "none";
                vec![
                    format!("{} ({:.1} h)", r.window, r.time_s as f64 / 3600.0),
                    r.mode.clone(),
                    format!("{:.2}", r.load_factor),
                    if none {
                        "–".into()
                    } else if r.saturated == Some(true) {
                        "saturated".into()
                    } else {
                        cell(r.hop_p50_ms, r.hop_p50_ms_ci95, r.hop_p50_significant)
                    },
                    if none {
                        "–".into()
                    } else if r.saturated == Some(true) {
                        "saturated".into()
                    } else {
                        cell(r.hop_p99_ms, r.hop_p99_ms_ci95, r.hop_p99_significant)
                    },
                    cell(r.chain_p99_ms, r.chain_p99_ms_ci95, None),
                ]
            })
            .collect(),
    }
}

/// The section, from `autoscaling.csv`'s rows (and `latency-windows.csv`'s, with traffic);
/// `None` without `[autoscaling]`.
pub fn section(
    s: &Scenario,
    rows: &[AutoscalingRow],
    windows: &[LatencyWindowRow],
    alt: Option<String>,
    dir: &Path,
) -> Option<DaySection> {
    let a = s.autoscaling.as_ref()?;
    let all: Vec<&AutoscalingRow> = rows.iter().filter(|r| r.pool == "all").collect();
    let h = meshsim_scenarios::units::format_duration(meshsim_core::time::SimDuration::from_secs(
        a.spec.horizon_s,
    ));
    let current = s.current.map(|m| m.as_str());
    let cur = all.iter().find(|r| Some(r.mode.as_str()) == current);
    let best = all
        .iter()
        .filter(|r| Some(r.mode.as_str()) != current && r.mode != "none")
        .max_by(|x, y| {
            x.savings_usd_per_month
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&y.savings_usd_per_month.unwrap_or(f64::NEG_INFINITY))
                .then(y.mode.cmp(&x.mode))
        });
    let headline = match (cur, best) {
        (Some(c), Some(b)) => format!(
            "Over {h} of autoscaled load, {} needs {:.1} node-hours against {}'s {:.1}: {} a month against {} ({} {})",
            b.mode,
            b.node_hours,
            c.mode,
            c.node_hours,
            usd(b.cost_usd_per_month),
            usd(c.cost_usd_per_month),
            match b.savings_usd_per_month {
                Some(x) if x >= 0.0 => "saving",
                Some(_) => "costing",
                None => "its saving not computed:",
            },
            b.savings_usd_per_month.map_or_else(
                || "a mode does not fit the day, see the warnings".into(),
                |x| usd(x.abs())
            ),
        ),
        _ => format!(
            "Over {h} of autoscaled load: the current mode is not compared, so nothing is saved against it"
        ),
    };
    let header = [
        "mode",
        "node-hours",
        "mean nodes",
        "peak nodes",
        "pod-hours waiting for a node",
        "cost ($/month)",
        "saving ($/month)",
        "proxy memory mean / peak (GiB)",
    ]
    .map(String::from)
    .to_vec();
    let table_rows = all
        .iter()
        .map(|r| {
            let is_cur = Some(r.mode.as_str()) == current;
            vec![
                if is_cur {
                    format!("{} (current)", r.mode)
                } else {
                    r.mode.clone()
                },
                format!("{:.1}", r.node_hours),
                format!("{:.2}", r.mean_nodes),
                r.peak_nodes.to_string(),
                format!("{:.1}", r.pending_pod_hours),
                usd(r.cost_usd_per_month),
                if is_cur {
                    "–".into()
                } else if !r.fits {
                    "does not fit".into()
                } else {
                    r.savings_usd_per_month.map_or_else(|| "n/m".into(), usd)
                },
                format!(
                    "{:.2} / {:.2}",
                    r.proxy_memory_mean_gib, r.proxy_memory_peak_gib
                ),
            ]
        })
        .collect();
    let chart = std::fs::read_to_string(dir.join("nodes-over-time.svg"))
        .ok()
        .map(|svg| Chart {
            title: format!("Nodes and replicas over {h}"),
            caption: "Per pool, the nodes present (left) and the replicas the HPAs ask for (right; the pool's workloads, waypoints and istiod included), one line per mode; lines that coincide are drawn one over another, the first mode widest.".into(),
            alt: alt.unwrap_or_default(),
            svg,
        });
    let d = &a.spec;
    Some(DaySection {
        headline,
        tables: std::iter::once(Table {
            caption: format!(
                "The fleet over {h} (all pools; per pool in autoscaling.csv, every {} in timeline.csv)",
                meshsim_scenarios::units::format_duration(meshsim_core::time::SimDuration::from_secs(d.sample_s))
            ),
            header,
            rows: table_rows,
        })
        .chain((!windows.is_empty()).then(|| windows_table(windows)))
        .collect(),
        chart,
        assumptions: vec![
            format!(
                "the day is one run of seed {}: the HPAs sync every {} s and the cluster autoscaler scans every {} s (scale-down under {:.0} % utilisation for {} s, not within {} s of a scale-up); costs over {h} are scaled to a 730-hour month",
                s.seed,
                d.hpa_sync_s,
                d.ca.scan_interval_s,
                100.0 * d.ca.utilization_threshold,
                d.ca.unneeded_time_s,
                d.ca.delay_after_add_s
            ),
            "each mode starts from its own placement by meshsim run (the same sidecar requests, waypoint and istiod replicas); loads are the same in every mode".into(),
            "a proxy's memory is its mean in the static placement: a sidecar's does not follow the endpoints as the fleet scales".into(),
        ],
        not_modelled: vec![
            if windows.is_empty() {
                "over the day: latency (the scenario has no [[traffic]]), Karpenter-style consolidation, node start-up failures, scale to zero".into()
            } else {
                "over the day: latency between the three windows (each is one simulated window of [latency] duration; latency.csv is for the fixed replicas), Karpenter-style consolidation, node start-up failures, scale to zero".into()
            },
        ],
    })
}
