//! The charts of a plan, as SVG and PNG (plotters): the cumulative net of every strategy month
//! by month with its payback marked, and a waterfall of the memory each wave of the
//! recommended strategy frees, the node agents' one-off cost as its own bar.

use std::path::Path;

use anyhow::{Result, anyhow};
use meshsim_models::plan::{Plan, Strategy};
use meshsim_models::resources::GIB;
use plotters::coord::Shift;
use plotters::prelude::*;

type Curve = (String, Vec<(f64, f64)>, Option<(f64, f64)>);

fn cumulative<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    series: &[Curve],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {title}: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let xmax = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.0))
        .fold(1.0f64, f64::max);
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.1))
        .fold((0.0f64, 0.0f64), |(a, b), y| (a.min(y), b.max(y)));
    let pad = ((hi - lo) * 0.08).max(1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(0f64..xmax, (lo - pad)..(hi + pad))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("month")
        .y_desc("cumulative net (USD)")
        .y_label_formatter(&|y| format!("${}", crate::terminal::money(*y)))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            [(0.0, 0.0), (xmax, 0.0)],
            BLACK.mix(0.4).stroke_width(1),
        ))
        .map_err(err)?;
    for (i, (name, pts, payback)) in series.iter().enumerate() {
        let color = crate::chart::color(i);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
            .map_err(err)?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
        if let Some((x, y)) = payback {
            chart
                .draw_series(std::iter::once(Circle::new((*x, *y), 6, color.filled())))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("payback m{x:.0}"),
                    (*x, *y),
                    ("sans-serif", 13).into_font().color(&color),
                )))
                .map_err(err)?;
        }
    }
    crate::chart::legend(&mut chart, SeriesLabelPosition::UpperLeft, 14).map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// One waterfall bar: label, start, end (GiB), colour.
type Bar = (String, f64, f64, RGBColor);

fn waterfall<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    bars: &[Bar],
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {title}: {e:?}");
    root.fill(&WHITE).map_err(err)?;
    let n = bars.len();
    let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let (lo, hi) = bars.iter().fold((0.0f64, 0.0f64), |(a, b), x| {
        (a.min(x.1.min(x.2)), b.max(x.1.max(x.2)))
    });
    let pad = ((hi - lo) * 0.12).max(0.1);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), (lo - pad).min(0.0)..(hi + pad))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.max(1))
        .x_label_formatter(&|x| crate::chart::category_at(&labels, *x))
        .y_desc("memory requests freed (GiB)")
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    for (i, (_, a, b, color)) in bars.iter().enumerate() {
        let x = i as f64;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x - 0.35, *a), (x + 0.35, *b)],
                color.filled(),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{:+.1}", b - a),
                (x - 0.3, a.max(*b) + pad * 0.3),
                ("sans-serif", 13),
            )))
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// Draws the plan's charts into `dir`; returns the file names written.
pub fn draw(dir: &Path, scenario: &str, p: &Plan) -> Result<Vec<String>> {
    crate::font::register();
    // Strategies with the same curve share one line: "recommended = by-replicas".
    let mut series: Vec<Curve> = Vec::new();
    for s in &p.strategies {
        let mut pts = vec![(0.0, 0.0)];
        pts.extend(
            s.cashflow
                .months
                .iter()
                .map_while(|m| m.cumulative_net_usd.map(|y| (f64::from(m.month), y))),
        );
        let payback = s.cashflow.payback_month.and_then(|m| {
            s.cashflow.months[m as usize - 1]
                .cumulative_net_usd
                .map(|y| (f64::from(m), y))
        });
        match series.iter_mut().find(|c| c.1 == pts) {
            Some(c) => c.0 = format!("{} = {}", c.0, s.strategy.as_str()),
            None => series.push((s.strategy.as_str().to_string(), pts, payback)),
        }
    }
    let title = format!("{scenario}: cumulative net per strategy");
    let mut files = Vec::new();
    let svg = dir.join("plan-cumulative-net.svg");
    cumulative(
        SVGBackend::new(&svg, (960, 560)).into_drawing_area(),
        &title,
        &series,
    )?;
    let png = dir.join("plan-cumulative-net.png");
    cumulative(
        BitMapBackend::new(&png, (960, 560)).into_drawing_area(),
        &title,
        &series,
    )?;
    files.extend([
        "plan-cumulative-net.svg".to_string(),
        "plan-cumulative-net.png".to_string(),
    ]);

    let mut bars: Vec<Bar> = Vec::new();
    if let Some(r) = p.get(Strategy::Recommended) {
        let g = |b: i64| b as f64 / GIB as f64;
        let mut level = 0.0;
        for w in &r.waves {
            let freed = g(w.request_freed.1);
            bars.push((
                format!("wave {}", w.number),
                level,
                level + freed,
                crate::chart::PALETTE[2],
            ));
            level += freed;
            if w.node_agents_request.1 != 0 {
                let agents = g(w.node_agents_request.1);
                bars.push((
                    format!("node agents (one-off, wave {})", w.number),
                    level,
                    level - agents,
                    crate::chart::PALETTE[3],
                ));
                level -= agents;
            }
        }
        bars.push(("net".into(), 0.0, level, crate::chart::PALETTE[0]));
    }
    let title = format!("{scenario}: memory requests freed per wave (recommended)");
    let svg = dir.join("plan-memory-waterfall.svg");
    waterfall(
        SVGBackend::new(&svg, (960, 520)).into_drawing_area(),
        &title,
        &bars,
    )?;
    let png = dir.join("plan-memory-waterfall.png");
    waterfall(
        BitMapBackend::new(&png, (960, 520)).into_drawing_area(),
        &title,
        &bars,
    )?;
    files.extend([
        "plan-memory-waterfall.svg".to_string(),
        "plan-memory-waterfall.png".to_string(),
    ]);
    Ok(files)
}
