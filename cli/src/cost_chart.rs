//! The dollars chart of a run: per mode against the current one, the cash a month the mesh
//! saves (nodes removed at equal replicas) beside the GPU capacity recovered valued at its
//! price (capacity, not cash), each bar labelled, negative values below the zero line, and "n/m"
//! where a figure is not computed (never a bar of 0).

use anyhow::{Result, anyhow};
use meshsim_models::rows::run::SummaryRow;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::chart::{Draw, category_at, color};
use crate::terminal::money;

/// Signed dollars with a thousands separator.
pub fn usd_label(v: f64) -> String {
    if v < 0.0 {
        format!("-${}", money(-v))
    } else {
        format!("${}", money(v))
    }
}

/// The chart's data: per mode, the two figures (`None` = n/m) and whether it is the reference.
pub struct Savings {
    /// Title.
    pub title: String,
    /// Modes, in order.
    pub modes: Vec<String>,
    /// Index of the current mode.
    pub reference: Option<usize>,
    /// Cash saving per mode, $/month.
    pub cash: Vec<Option<f64>>,
    /// Recovered GPU capacity per mode, valued at its price, $/month.
    pub capacity: Vec<Option<f64>>,
}

impl Savings {
    /// From the summary rows; `None` when no mode other than the current one has a figure
    /// other than 0.
    pub fn of(scenario: &str, rows: &[SummaryRow]) -> Option<Savings> {
        let s = Savings {
            title: format!("{scenario}: $ a month against the current mode"),
            modes: rows.iter().map(|r| r.mode.clone()).collect(),
            reference: rows.iter().position(|r| r.is_current),
            cash: rows.iter().map(|r| r.mesh_savings_usd_per_month).collect(),
            capacity: rows
                .iter()
                .map(|r| r.recovered_gpu_value_usd_per_month)
                .collect(),
        };
        // Drawn when some other mode has a figure that is not 0: a chart of $0 and n/m says
        // nothing the headline does not.
        let drawn = (0..s.modes.len()).any(|i| {
            Some(i) != s.reference
                && [s.cash[i], s.capacity[i]]
                    .iter()
                    .any(|v| v.is_some_and(|v| v != 0.0))
        });
        (s.reference.is_some() && drawn).then_some(s)
    }
}

impl Draw for Savings {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {}: {e:?}", self.title);
        root.fill(&WHITE).map_err(err)?;
        let n = self.modes.len();
        let values = self.cash.iter().chain(&self.capacity).flatten().copied();
        let (lo, hi) = values.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let span = (hi - lo).max(1.0);
        let (lo, hi) = (lo - span * 0.12 * f64::from(lo < 0.0), hi + span * 0.32);
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(1))
            .x_label_formatter(&|x| category_at(&self.modes, *x))
            .y_label_formatter(&|y| usd_label(*y))
            .y_desc("$ a month")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new([(-0.5, 0.0), (n as f64 - 0.5, 0.0)], BLACK))
            .map_err(err)?;
        let series = [
            (
                "cash: nodes removed at equal replicas",
                &self.cash,
                -0.38,
                color(0),
            ),
            (
                "GPU capacity recovered, at its price (capacity, not cash)",
                &self.capacity,
                0.02,
                color(1),
            ),
        ];
        for (name, vals, side, c) in series {
            let bars: Vec<_> = (0..n)
                .filter(|&i| Some(i) != self.reference)
                .filter_map(|i| vals[i].map(|v| (i, v)))
                .map(|(i, v)| {
                    let x0 = i as f64 + side;
                    Rectangle::new([(x0, 0.0), (x0 + 0.36, v)], c.filled())
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], c.filled()));
            for (i, v) in vals.iter().enumerate() {
                let x = i as f64 + side;
                let (label, y) = match (Some(i) == self.reference, *v) {
                    (true, _) => continue,
                    (false, Some(v)) if v < 0.0 => (usd_label(v), v - span * 0.02),
                    (false, Some(v)) => (usd_label(v), v + span * 0.06),
                    (false, None) => ("n/m".to_string(), span * 0.06),
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        label,
                        (x, y),
                        ("sans-serif", 12),
                    )))
                    .map_err(err)?;
            }
        }
        if let Some(r) = self.reference {
            chart
                .draw_series(std::iter::once(Text::new(
                    "current (reference)",
                    (r as f64 - 0.2, span * 0.06),
                    ("sans-serif", 12),
                )))
                .map_err(err)?;
        }
        crate::chart::legend(&mut chart, SeriesLabelPosition::UpperLeft, 13).map_err(err)?;
        root.present().map_err(err)?;
        Ok(())
    }
}
