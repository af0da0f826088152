//! The page of a replay: the GPU allocation each policy reaches as the trace arrives (median
//! over seeds, with its range), what each mesh overlay changes against no mesh under the same
//! policy (with its interval, "not significant" when it contains 0), the allocation curves, and
//! the protocol behind the figures. Built from the same rows as `replay-summary.csv`.

use std::path::Path;

use meshsim_models::replay::Protocol;
use meshsim_models::rows::replay::ReplaySummaryRow;
use meshsim_scenarios::replay::ReplayScenario;

use crate::report::{Chart, Report, Table};

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/m".into(), |x| format!("{x:.2} %"))
}

/// The one-sentence answer, at the last reported arrival point.
fn headline(rows: &[ReplaySummaryRow]) -> String {
    let Some(at) = rows.iter().map(|r| r.arrived_pct).max() else {
        return "nothing arrived: the replay reports no point".into();
    };
    let at_rows: Vec<&ReplaySummaryRow> = rows.iter().filter(|r| r.arrived_pct == at).collect();
    let base = at_rows
        .iter()
        .filter(|r| r.mode == "none")
        .filter_map(|r| r.gpu_allocation_median_pct.map(|m| (*r, m)))
        .collect::<Vec<_>>();
    let best = base
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.policy.cmp(&a.0.policy)));
    let worst = base
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.policy.cmp(&b.0.policy)));
    let mut h = match (best, worst) {
        (Some(b), Some(w)) if b.0.policy != w.0.policy => format!(
            "When GPU requests worth {at} % of the cluster's GPUs have arrived, {} allocates {} of its GPUs and {} {} (median over {} seed(s))",
            b.0.policy,
            pct(Some(b.1)),
            w.0.policy,
            pct(Some(w.1)),
            b.0.seeds
        ),
        (Some(b), _) => format!(
            "When GPU requests worth {at} % of the cluster's GPUs have arrived, {} allocates {} of its GPUs (median over {} seed(s))",
            b.0.policy,
            pct(Some(b.1)),
            b.0.seeds
        ),
        _ => format!("At {at} % arrived, no allocation without a mesh is reported"),
    };
    // The mesh overlay that costs the most allocation under the best policy.
    if let Some(b) = best {
        let cost = at_rows
            .iter()
            .filter(|r| r.mode != "none" && r.policy == b.0.policy)
            .filter_map(|r| r.change_vs_none_pct.map(|c| (*r, c)))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.mode.cmp(&b.0.mode)));
        if let Some((r, c)) = cost {
            h += &format!(
                "; under {}, the {} mesh changes that by {c:+.2} points ({} GPUs){}",
                b.0.policy,
                r.mode,
                r.change_vs_none_gpus
                    .map_or_else(|| "n/m".into(), |g| format!("{g:+.0}")),
                match r.change_vs_none_significant {
                    Some(false) => ", not significant (its 95 % interval contains 0)",
                    None => " (one seed: no interval)",
                    Some(true) => "",
                }
            );
        }
    }
    h
}

/// The page of a replay whose outputs are in `dir`.
pub fn page(s: &ReplayScenario, path: &Path, rows: &[ReplaySummaryRow], dir: &Path) -> Report {
    let has_mesh = s.overlays.iter().any(|o| o.name != "none");
    let mut header = vec![
        "mesh".to_string(),
        "policy".into(),
        "arrived".into(),
        "GPUs allocated (median)".into(),
        "min–max over seeds".into(),
    ];
    if has_mesh {
        header.extend([
            "vs no mesh (points)".into(),
            "95 % interval".into(),
            "GPUs".into(),
        ]);
    }
    let table_rows = rows
        .iter()
        .map(|r| {
            let mut row = vec![
                r.mode.clone(),
                r.policy.clone(),
                format!("{} %", r.arrived_pct),
                pct(r.gpu_allocation_median_pct),
                match (r.gpu_allocation_min_pct, r.gpu_allocation_max_pct) {
                    (Some(a), Some(b)) => format!("{a:.2}–{b:.2} %"),
                    _ => "n/m".into(),
                },
            ];
            if has_mesh {
                if r.mode == "none" {
                    row.extend(["–".into(), "–".into(), "–".into()]);
                } else {
                    row.push(r.change_vs_none_pct.map_or_else(
                        || "n/m".into(),
                        |c| {
                            format!(
                                "{c:+.2}{}",
                                if r.change_vs_none_significant == Some(false) {
                                    " n.s."
                                } else {
                                    ""
                                }
                            )
                        },
                    ));
                    row.push(
                        match (r.change_vs_none_low_pct, r.change_vs_none_high_pct) {
                            (Some(a), Some(b)) => format!("{a:+.2} to {b:+.2}"),
                            _ => "n/m".into(),
                        },
                    );
                    row.push(
                        r.change_vs_none_gpus
                            .map_or_else(|| "n/m".into(), |g| format!("{g:+.0}")),
                    );
                }
            }
            row
        })
        .collect();
    let mut charts = Vec::new();
    let mut stems: Vec<(String, String)> = if s.overlays.len() == 1 && s.overlays[0].name == "none"
    {
        vec![("allocation".into(), "none".into())]
    } else {
        s.overlays
            .iter()
            .map(|o| (format!("allocation-{}", o.name), o.name.clone()))
            .collect()
    };
    for (stem, overlay) in stems.drain(..) {
        let Ok(svg) = std::fs::read_to_string(dir.join(format!("{stem}.svg"))) else {
            continue;
        };
        let at_max = rows.iter().map(|r| r.arrived_pct).max().unwrap_or(0);
        charts.push(Chart {
            title: format!("GPU allocation as the trace arrives, mesh {overlay}"),
            caption: "Per policy, the share of the cluster's GPUs allocated (median over seeds) against the GPU requests arrived so far: the higher a curve stays past the point where the cluster fills, the fewer GPUs the policy strands.".into(),
            alt: rows
                .iter()
                .filter(|r| r.mode == overlay && r.arrived_pct == at_max)
                .map(|r| format!("{} at {} % arrived: {}", r.policy, r.arrived_pct, pct(r.gpu_allocation_median_pct)))
                .collect::<Vec<_>>()
                .join("; "),
            svg,
        });
    }
    let protocol = match s.protocol {
        Protocol::Fgd { tune_ratio } => format!(
            "the FGD protocol: pods arrive in random order (one order per seed) and never leave, GPU requests scaled by the tune ratio {tune_ratio}, until the arrived GPU requests reach the reported shares of capacity"
        ),
        Protocol::Trace { retry } => format!(
            "trace order: pods arrive and depart at their trace times; a pod that does not fit {}",
            if retry {
                "waits and is retried when something departs"
            } else {
                "fails"
            }
        ),
    };
    let mut assumptions = vec![
        protocol,
        "arrived: the GPU requests of the pods arrived so far, as a share of the cluster's GPU capacity (allocation can be below it when pods fail)".into(),
    ];
    if has_mesh {
        assumptions.push(format!(
            "mesh overlays add their requests (preset {}) to every pod (sidecars) or every node (node agents, placed first); the change against no mesh is paired by seed and policy",
            s.preset
        ));
        if let Some(origin) = &s.preset_origin {
            assumptions.push(origin.clone());
        }
    }
    Report {
        title: format!("meshsim replay — {}", s.name),
        question: s.description.clone(),
        headline: {
            let h = headline(rows);
            format!("{}{}.", h[..1].to_uppercase(), &h[1..])
        },
        tables: vec![Table {
            caption: "GPU allocation per mesh, policy and arrival point".into(),
            header,
            rows: table_rows,
        }],
        charts,
        assumptions,
        warnings: Vec::new(),
        not_modelled: Vec::new(),
        footer: format!(
            "meshsim {} · meshsim replay · scenario file {} · {} node(s), {} pod(s) · seeds {:?} · replay-summary.csv and the other tables beside this page hold every figure (columns in cli/SCHEMA.md)",
            env!("CARGO_PKG_VERSION"),
            path.display(),
            s.nodes.len(),
            s.pods.len(),
            s.seeds
        ),
    }
}
