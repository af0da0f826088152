//! The day of an autoscaled run (`[autoscaling]`), as SVG and PNG: per pool, nodes (left) and
//! replicas (right) over the horizon, one line per mesh mode — the widest drawn first, so modes
//! that coincide stay visible beneath the ones drawn over them.

use anyhow::{Result, anyhow};
use meshsim_models::rows::autoscale::DayTimelineRow;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::chart::{Draw, color};

/// One series: a mode's values at each sampling instant.
type Series = (String, Vec<(f64, f64)>);

/// The chart's data, read from the timeline rows.
pub struct DayChart {
    /// Title.
    pub title: String,
    /// Pools, in order; per pool, nodes and replicas series per mode.
    pub pools: Vec<(String, Vec<Series>, Vec<Series>)>,
    /// Horizon, hours.
    pub hours: f64,
}

impl DayChart {
    /// From `timeline.csv`'s rows; `None` without any.
    pub fn of(scenario: &str, rows: &[DayTimelineRow], horizon_s: u64) -> Option<DayChart> {
        if rows.is_empty() {
            return None;
        }
        let mut pools: Vec<(String, Vec<Series>, Vec<Series>)> = Vec::new();
        for r in rows {
            let p = match pools.iter().position(|p| p.0 == r.pool) {
                Some(p) => p,
                None => {
                    pools.push((r.pool.clone(), Vec::new(), Vec::new()));
                    pools.len() - 1
                }
            };
            let t = r.time_s as f64 / 3600.0;
            let entry = &mut pools[p];
            for (series, v) in [(&mut entry.1, r.nodes), (&mut entry.2, r.replicas)] {
                match series.iter_mut().find(|s| s.0 == r.mode) {
                    Some(s) => s.1.push((t, v as f64)),
                    None => series.push((r.mode.clone(), vec![(t, v as f64)])),
                }
            }
        }
        Some(DayChart {
            title: format!("{scenario}: nodes and replicas over time, per mesh mode"),
            pools,
            hours: horizon_s as f64 / 3600.0,
        })
    }

    /// Pixel size: one row of two panels per pool.
    pub fn size(&self) -> (u32, u32) {
        (1000, 60 + 300 * self.pools.len().max(1) as u32)
    }

    /// The text alternative: per pool and mode, the range of nodes and replicas.
    pub fn alt(&self) -> String {
        let mut parts = Vec::new();
        for (pool, nodes, replicas) in &self.pools {
            let range = |s: &Series| {
                let lo = s.1.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
                let hi = s.1.iter().map(|p| p.1).fold(0.0, f64::max);
                format!("{lo:.0}–{hi:.0}")
            };
            let per: Vec<String> = nodes
                .iter()
                .zip(replicas)
                .map(|(n, r)| format!("{} {} nodes, {} replicas", n.0, range(n), range(r)))
                .collect();
            parts.push(format!("pool {pool}: {}", per.join("; ")));
        }
        format!(
            "Nodes and replicas over {:.0} h, per pool and mode. {}.",
            self.hours,
            parts.join(". ")
        )
    }
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    hours: f64,
    series: &[Series],
    legend: bool,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {title}: {e:?}");
    let top = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.1))
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..hours.max(1e-9), 0f64..(top * 1.15).ceil())
        .map_err(err)?;
    // Counts: whole-number ticks only (a small range would otherwise repeat rounded labels).
    let ticks = ((top * 1.15).ceil() as usize).clamp(1, 10) + 1;
    chart
        .configure_mesh()
        .y_labels(ticks)
        .x_desc("hours")
        .y_desc(y_desc)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    let n = series.len();
    for (i, (name, pts)) in series.iter().enumerate() {
        let c = color(i);
        let w = (2 * (n - i) + 1) as u32;
        let line = chart
            .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(w)))
            .map_err(err)?;
        if legend {
            line.label(name.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(3))
            });
        }
    }
    if legend {
        crate::chart::legend(&mut chart, SeriesLabelPosition::UpperLeft, 13).map_err(err)?;
    }
    Ok(())
}

impl Draw for DayChart {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {}: {e:?}", self.title);
        root.fill(&WHITE).map_err(err)?;
        let root = root.titled(&self.title, ("sans-serif", 20)).map_err(err)?;
        let rows = root.split_evenly((self.pools.len().max(1), 2));
        for (i, (pool, nodes, replicas)) in self.pools.iter().enumerate() {
            panel(
                &rows[2 * i],
                &format!("{pool}: nodes"),
                "nodes",
                self.hours,
                nodes,
                i == 0,
            )?;
            panel(
                &rows[2 * i + 1],
                &format!("{pool}: replicas"),
                "replicas (HPA's count)",
                self.hours,
                replicas,
                false,
            )?;
        }
        root.present().map_err(err)?;
        Ok(())
    }
}
