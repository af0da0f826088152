//! Charts of a run, as SVG and PNG (plotters): proxy memory per mode, inference replicas per
//! mode, and added latency per hop.

use std::path::Path;

use anyhow::{Result, anyhow};
use meshsim_models::headline::ModeResult;
use meshsim_models::resources::gib;
use plotters::coord::Shift;
use plotters::prelude::*;

use meshsim_models::study::StudyResult;

/// One series of a grouped bar chart.
struct Series {
    name: &'static str,
    color: RGBColor,
    values: Vec<f64>,
}

const BLUE: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const ORANGE: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const GREEN: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);

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
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                categories[i as usize].clone()
            } else {
                String::new()
            }
        })
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

/// Draws the run's charts into `dir`; returns the file names written.
pub fn draw(dir: &Path, scenario: &str, rr: &StudyResult) -> Result<Vec<String>> {
    crate::font::register();
    let r: &[ModeResult] = &rr.results;
    let modes: Vec<String> = r.iter().map(|m| m.mode.as_str().to_string()).collect();
    let mut files = both(
        dir,
        "proxy-memory",
        &format!("{scenario}: proxy and mesh DaemonSet memory"),
        "GiB",
        &modes,
        &[
            Series {
                name: "requested",
                color: BLUE,
                values: r
                    .iter()
                    .map(|m| gib(m.data_plane_request.memory_bytes))
                    .collect(),
            },
            Series {
                name: "used (modelled)",
                color: ORANGE,
                values: r
                    .iter()
                    .map(|m| m.data_plane_usage.memory_bytes / (1u64 << 30) as f64)
                    .collect(),
            },
        ],
    )?;
    if r.iter().any(|m| m.inference_replicas > 0) {
        files.extend(both(
            dir,
            "inference-replicas",
            &format!("{scenario}: inference replicas placed"),
            "replicas",
            &modes,
            &[Series {
                name: "replicas",
                color: GREEN,
                values: r.iter().map(|m| m.inference_replicas as f64).collect(),
            }],
        )?);
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
