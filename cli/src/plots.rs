//! Charts of a run, as SVG and PNG (plotters): mesh memory per mode stacked by component,
//! requested beside used; added latency per hop (bars with their values); and inference replicas per mode (dots with their values and their
//! difference from the current mode, on an axis around them: 552 against 576 must show). Colours
//! are Okabe and Ito's colour-blind-safe palette.

use std::path::Path;

use anyhow::{Result, anyhow};
use meshsim_models::headline::ModeResult;
use meshsim_models::resources::gib;
use plotters::coord::Shift;
use plotters::prelude::*;

use meshsim_models::rows::run::SummaryRow;
use meshsim_models::study::StudyResult;

use crate::chart::{Draw, PALETTE, category_at, save};
use crate::cost_chart::Savings;
use crate::latency_chart::{Distribution, Intervals, Point};
use crate::node_fill::NodeFill;

const BLUE: RGBColor = PALETTE[0];

/// A dot per category with its value written beside it, on an axis around the values (not
/// from zero): for counts whose differences are small against their size (552 vs 576
/// replicas), which bars from zero would hide. `reference` (a category index) labels the others
/// with their difference from it.
fn dots<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    categories: &[String],
    values: &[f64],
    reference: Option<usize>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {title}: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let n = categories.len();
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.25).max(hi.abs() * 0.01).max(1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), (lo - pad)..(hi + pad))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.max(1))
        .x_label_formatter(&|x| category_at(categories, *x))
        .y_desc(format!("{y_desc} (axis from {:.0}, not 0)", lo - pad))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    for (i, &v) in values.iter().enumerate() {
        let x = i as f64;
        chart
            .draw_series(std::iter::once(Circle::new((x, v), 7, BLUE.filled())))
            .map_err(err)?;
        let label = match reference {
            Some(r) if r != i => format!("{v:.0} ({:+.0})", v - values[r]),
            _ => format!("{v:.0}"),
        };
        chart
            .draw_series(std::iter::once(Text::new(
                label,
                (x + 0.08, v + pad * 0.12),
                ("sans-serif", 16),
            )))
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// Per category, two stacked bars — requested and modelled use — one segment per component,
/// each bar's total written above it.
fn stacked<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    categories: &[String],
    parts: &[(&str, RGBColor, Vec<f64>, Vec<f64>)],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {title}: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let n = categories.len();
    let total = |i: usize, used: bool| -> f64 {
        parts
            .iter()
            .map(|p| if used { p.3[i] } else { p.2[i] })
            .sum()
    };
    let ymax = (0..n)
        .flat_map(|i| [total(i, false), total(i, true)])
        .fold(0.0f64, f64::max);
    let ytop = if ymax > 0.0 { ymax * 1.18 } else { 1.0 };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..ytop)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.max(1))
        .x_label_formatter(&|x| category_at(categories, *x))
        .y_desc("GiB (left bar requested, right bar used)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    for (k, (name, color, _, _)) in parts.iter().enumerate() {
        let color = *color;
        let mut rects = Vec::new();
        for i in 0..n {
            for (side, used) in [(-0.36, false), (0.02, true)] {
                let below: f64 = parts[..k]
                    .iter()
                    .map(|p| if used { p.3[i] } else { p.2[i] })
                    .sum();
                let v = if used { parts[k].3[i] } else { parts[k].2[i] };
                if v > 0.0 {
                    let x0 = i as f64 + side;
                    let fill = if used {
                        color.mix(0.6).filled()
                    } else {
                        color.filled()
                    };
                    rects.push(Rectangle::new([(x0, below), (x0 + 0.34, below + v)], fill));
                }
            }
        }
        chart
            .draw_series(rects)
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], color.filled()));
    }
    for i in 0..n {
        for (side, used, what) in [(-0.36, false, "req"), (0.02, true, "used")] {
            let t = total(i, used);
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{what} {t:.1}"),
                    (i as f64 + side, t + ytop * 0.05),
                    ("sans-serif", 12),
                )))
                .map_err(err)?;
        }
    }
    crate::chart::legend(&mut chart, SeriesLabelPosition::UpperRight, 13).map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Inference replicas per mode (see [`dots`]).
struct Replicas<'a> {
    title: String,
    modes: &'a [String],
    values: Vec<f64>,
    reference: Option<usize>,
}

impl Draw for Replicas<'_> {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        dots(
            root,
            &self.title,
            "replicas",
            self.modes,
            &self.values,
            self.reference,
        )
    }
}

/// Mesh memory per mode by component (see [`stacked`]).
struct Memory<'a> {
    title: String,
    modes: &'a [String],
    parts: Vec<(&'static str, RGBColor, Vec<f64>, Vec<f64>)>,
}

impl Draw for Memory<'_> {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        stacked(root, &self.title, self.modes, &self.parts)
    }
}

/// A summary row's estimate as a chart point.
fn point(v: Option<f64>, ci: Option<f64>, sig: Option<bool>) -> Option<Point> {
    v.map(|v| (v, ci, sig))
}

/// Draws the run's charts into `dir` from the summary rows (the figures `summary.csv` holds)
/// and the placements; returns the file names written.
pub fn draw(
    dir: &Path,
    scenario: &str,
    rows: &[SummaryRow],
    rr: &StudyResult,
) -> Result<Vec<String>> {
    let r: &[ModeResult] = &rr.results;
    let modes: Vec<String> = r.iter().map(|m| m.mode.as_str().to_string()).collect();
    // Memory by mesh component, requested and used, istiod included.
    use meshsim_models::packing::Component as C;
    let comps: [(&str, RGBColor, &[C]); 6] = [
        ("sidecars", PALETTE[0], &[C::Sidecar, C::LinkerdProxy]),
        ("ztunnel", PALETTE[1], &[C::Ztunnel]),
        ("istio-cni", PALETTE[2], &[C::IstioCni]),
        ("waypoints", PALETTE[3], &[C::Waypoint]),
        ("istiod", PALETTE[4], &[C::Istiod]),
        ("cilium agent", PALETTE[5], &[C::CiliumAgent]),
    ];
    let parts: Vec<(&str, RGBColor, Vec<f64>, Vec<f64>)> = comps
        .iter()
        .map(|(name, color, cs)| {
            let of = |m: &ModeResult, used: bool| -> f64 {
                cs.iter()
                    .filter_map(|c| m.components.get(c))
                    .map(|x| {
                        if used {
                            x.usage.memory_bytes / (1u64 << 30) as f64
                        } else {
                            gib(x.request.memory_bytes)
                        }
                    })
                    .sum()
            };
            (
                *name,
                *color,
                r.iter().map(|m| of(m, false)).collect::<Vec<f64>>(),
                r.iter().map(|m| of(m, true)).collect::<Vec<f64>>(),
            )
        })
        .filter(|p| p.2.iter().chain(&p.3).any(|v| *v > 0.0))
        .collect();
    let size = (900, 520);
    let mut files = save(
        dir,
        "memory-by-component",
        size,
        &Memory {
            title: format!("{scenario}: mesh memory by component"),
            modes: &modes,
            parts,
        },
    )?;
    if r.iter().any(|m| m.inference_replicas > 0) {
        files.extend(save(
            dir,
            "inference-replicas",
            size,
            &Replicas {
                title: format!("{scenario}: inference replicas placed"),
                modes: &modes,
                values: r.iter().map(|m| m.inference_replicas as f64).collect(),
                reference: r.iter().position(|m| m.is_current),
            },
        )?);
    }
    if let Some(s) = Savings::of(scenario, rows) {
        files.extend(save(dir, "savings-per-month", size, &s)?);
    }
    if let Some(f) = NodeFill::of(scenario, rr) {
        files.extend(save(dir, "node-fill", f.size(), &f)?);
    }
    let hop = Intervals {
        title: format!("{scenario}: latency added per hop against no mesh"),
        y_desc: "ms, with 95 % intervals".into(),
        categories: modes.clone(),
        series: [("P50", 0usize), ("P90", 1), ("P99", 2)]
            .iter()
            .map(|&(name, k)| {
                (
                    name.to_string(),
                    rows.iter()
                        .map(|x| match k {
                            0 => point(x.hop_p50_ms, x.hop_p50_ms_ci95, x.hop_p50_significant),
                            1 => point(x.hop_p90_ms, x.hop_p90_ms_ci95, x.hop_p90_significant),
                            _ => point(x.hop_p99_ms, x.hop_p99_ms_ci95, x.hop_p99_significant),
                        })
                        .collect(),
                )
            })
            .collect(),
        reference: rows.iter().position(|x| x.mode == "none"),
        from_zero: true,
    };
    if hop.any() {
        files.extend(save(dir, "added-latency-per-hop", size, &hop)?);
    }
    let chain = Intervals {
        title: format!("{scenario}: end-to-end P99 of the deepest call graph"),
        y_desc: "ms, with 95 % intervals".into(),
        categories: modes.clone(),
        series: vec![(
            "P99".into(),
            rows.iter()
                .map(|x| point(x.chain_p99_ms, x.chain_p99_ms_ci95, None))
                .collect(),
        )],
        reference: None,
        from_zero: false,
    };
    if chain.any() {
        files.extend(save(dir, "chain-latency", size, &chain)?);
    }
    if let Some(d) = Distribution::of(scenario, &rr.latency_detail) {
        files.extend(save(dir, "latency-distribution", size, &d)?);
    }
    Ok(files)
}
