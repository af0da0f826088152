//! The chart of a replay, as SVG and PNG (plotters): the median GPU allocation of each policy
//! against the GPU requests arrived, both as % of GPU capacity — the FGD study's Fig. 7 — one
//! chart per mesh overlay.

use std::path::Path;

use anyhow::{Result, anyhow};
use meshsim_models::replay::Overlay;
use meshsim_models::replay::study::ReplayResult;
use plotters::coord::Shift;
use plotters::prelude::*;

fn curves<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    max_pct: u32,
    series: &[(String, Vec<(f64, f64)>)],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {title}: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let xmax = f64::from(max_pct.max(1));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..xmax, 0f64..100f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("GPU requests arrived (% of GPU capacity)")
        .y_desc("GPUs allocated (%)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    // Everything arrived is allocated: the ideal.
    chart
        .draw_series(LineSeries::new(
            [(0.0, 0.0), (100.0, 100.0), (xmax, 100.0)],
            BLACK.mix(0.3).stroke_width(1),
        ))
        .map_err(err)?;
    for (i, (name, pts)) in series.iter().enumerate() {
        let color = crate::chart::color(i);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
            .map_err(err)?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    crate::chart::legend(&mut chart, SeriesLabelPosition::UpperLeft, 14).map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Draws one chart per overlay into `dir` (`allocation.svg`/`.png` for a replay without a
/// mesh, `allocation-<overlay>.…` otherwise); returns the file names written.
pub fn draw(
    dir: &Path,
    scenario: &str,
    overlays: &[Overlay],
    r: &ReplayResult,
    max_pct: u32,
) -> Result<Vec<String>> {
    crate::font::register();
    let mut files = Vec::new();
    for (o, overlay) in overlays.iter().enumerate() {
        let series: Vec<(String, Vec<(f64, f64)>)> = r
            .medians
            .iter()
            .filter(|m| m.overlay == o)
            .map(|m| {
                let pts = m
                    .curve
                    .iter()
                    .filter_map(|p| p.gpu_allocation_pct.map(|y| (f64::from(p.arrived_pct), y)))
                    .collect();
                (format!("{} (median of {})", m.policy.label(), m.seeds), pts)
            })
            .collect();
        let stem = if overlays.len() == 1 && overlay.name == "none" {
            "allocation".to_string()
        } else {
            format!("allocation-{}", overlay.name)
        };
        let title = format!("{scenario}: GPU allocation, mesh {}", overlay.name);
        let svg = dir.join(format!("{stem}.svg"));
        curves(
            SVGBackend::new(&svg, (900, 560)).into_drawing_area(),
            &title,
            max_pct,
            &series,
        )?;
        let png = dir.join(format!("{stem}.png"));
        curves(
            BitMapBackend::new(&png, (900, 560)).into_drawing_area(),
            &title,
            max_pct,
            &series,
        )?;
        files.push(format!("{stem}.svg"));
        files.push(format!("{stem}.png"));
    }
    Ok(files)
}
