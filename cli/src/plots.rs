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

use meshsim_models::study::StudyResult;

/// The label of the category at `x` (categories sit at 0, 1, …), or none between them.
pub fn category_at(categories: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < categories.len() {
        categories[i as usize].clone()
    } else {
        String::new()
    }
}

/// One series of a grouped bar chart.
struct Series {
    name: &'static str,
    color: RGBColor,
    values: Vec<f64>,
}

// Okabe & Ito's colour-blind-safe palette (blue, orange, bluish green).
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xb2);
const ORANGE: RGBColor = RGBColor(0xe6, 0x9f, 0x00);
const GREEN: RGBColor = RGBColor(0x00, 0x9e, 0x73);

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

fn grouped_bars<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    categories: &[String],
    series: &[Series],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {title}: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let n = categories.len();
    let ymax = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0f64, f64::max);
    let ytop = if ymax > 0.0 { ymax * 1.15 } else { 1.0 };
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
        .y_desc(y_desc)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    let k = series.len().max(1) as f64;
    let width = 0.8 / k;
    for (j, s) in series.iter().enumerate() {
        let color = s.color;
        chart
            .draw_series(s.values.iter().enumerate().map(move |(i, &v)| {
                let x0 = i as f64 - 0.4 + j as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width * 0.92, v)], color.filled())
            }))
            .map_err(err)?
            .label(s.name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], color.filled()));
        // The value over each bar: the chart is read without the table beside it.
        chart
            .draw_series(s.values.iter().enumerate().map(move |(i, &v)| {
                let x0 = i as f64 - 0.4 + j as f64 * width;
                Text::new(
                    format!("{v:.1}"),
                    (x0 + width * 0.1, v + ytop * 0.05),
                    ("sans-serif", 12),
                )
            }))
            .map_err(err)?;
    }
    if series.len() > 1 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

fn both(
    dir: &Path,
    stem: &str,
    title: &str,
    y_desc: &str,
    categories: &[String],
    series: &[Series],
) -> Result<Vec<String>> {
    let svg = dir.join(format!("{stem}.svg"));
    grouped_bars(
        SVGBackend::new(&svg, (900, 520)).into_drawing_area(),
        title,
        y_desc,
        categories,
        series,
    )?;
    let png = dir.join(format!("{stem}.png"));
    grouped_bars(
        BitMapBackend::new(&png, (900, 520)).into_drawing_area(),
        title,
        y_desc,
        categories,
        series,
    )?;
    Ok(vec![format!("{stem}.svg"), format!("{stem}.png")])
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
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Draws the run's charts into `dir`; returns the file names written.
pub fn draw(dir: &Path, scenario: &str, rr: &StudyResult) -> Result<Vec<String>> {
    crate::font::register();
    let r: &[ModeResult] = &rr.results;
    let modes: Vec<String> = r.iter().map(|m| m.mode.as_str().to_string()).collect();
    // Memory by mesh component, requested and used, istiod included.
    use meshsim_models::packing::Component as C;
    let comps: [(&str, RGBColor, &[C]); 6] = [
        ("sidecars", BLUE, &[C::Sidecar, C::LinkerdProxy]),
        ("ztunnel", ORANGE, &[C::Ztunnel]),
        ("istio-cni", GREEN, &[C::IstioCni]),
        ("waypoints", RGBColor(0xd5, 0x5e, 0x00), &[C::Waypoint]),
        ("istiod", RGBColor(0xcc, 0x79, 0xa7), &[C::Istiod]),
        (
            "cilium agent",
            RGBColor(0x56, 0xb4, 0xe9),
            &[C::CiliumAgent],
        ),
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
    let title = format!("{scenario}: mesh memory by component");
    let svg = dir.join("memory-by-component.svg");
    stacked(
        SVGBackend::new(&svg, (900, 520)).into_drawing_area(),
        &title,
        &modes,
        &parts,
    )?;
    let png = dir.join("memory-by-component.png");
    stacked(
        BitMapBackend::new(&png, (900, 520)).into_drawing_area(),
        &title,
        &modes,
        &parts,
    )?;
    let mut files = vec![
        "memory-by-component.svg".to_string(),
        "memory-by-component.png".to_string(),
    ];
    if r.iter().any(|m| m.inference_replicas > 0) {
        let values: Vec<f64> = r.iter().map(|m| m.inference_replicas as f64).collect();
        let reference = r.iter().position(|m| m.is_current);
        let title = format!("{scenario}: inference replicas placed");
        let svg = dir.join("inference-replicas.svg");
        dots(
            SVGBackend::new(&svg, (900, 520)).into_drawing_area(),
            &title,
            "replicas",
            &modes,
            &values,
            reference,
        )?;
        let png = dir.join("inference-replicas.png");
        dots(
            BitMapBackend::new(&png, (900, 520)).into_drawing_area(),
            &title,
            "replicas",
            &modes,
            &values,
            reference,
        )?;
        files.extend([
            "inference-replicas.svg".to_string(),
            "inference-replicas.png".to_string(),
        ]);
    }
    if rr.latency.iter().any(|l| l.hop_p50_ms.is_some()) {
        let v = |f: fn(&meshsim_models::study::LatencyCells) -> meshsim_models::study::EstCell| -> Vec<f64> {
            rr.latency
                .iter()
                .map(|l| f(l).map_or(0.0, |x| x.0.max(0.0)))
                .collect()
        };
        files.extend(both(
            dir,
            "added-latency-per-hop",
            &format!("{scenario}: latency added per hop against no mesh"),
            "ms",
            &modes,
            &[
                Series {
                    name: "P50",
                    color: BLUE,
                    values: v(|l| l.hop_p50_ms),
                },
                Series {
                    name: "P90",
                    color: ORANGE,
                    values: v(|l| l.hop_p90_ms),
                },
                Series {
                    name: "P99",
                    color: GREEN,
                    values: v(|l| l.hop_p99_ms),
                },
            ],
        )?);
    }
    Ok(files)
}
