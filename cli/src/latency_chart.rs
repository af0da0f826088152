//! Latency charts of a run: estimates with their 95 % intervals per mode (a filled dot when the
//! interval of a difference excludes 0, a hollow one marked "n.s." when it does not), and the
//! per-hop distribution per mode at the quantiles meshsim keeps (P50, P90, P99, P99.9) on a
//! tail axis, where each step up is ten times rarer.

use anyhow::{Result, anyhow};
use meshsim_models::latency::{ModeLatency, QUANTILES, lookup};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::chart::{Draw, category_at, color};

/// An estimate: value, 95 % half-width, whether the difference is significant.
pub type Point = (f64, Option<f64>, Option<bool>);

/// Estimates per category with their intervals, for one or more series.
pub struct Intervals {
    /// Title.
    pub title: String,
    /// Y axis description.
    pub y_desc: String,
    /// Categories (modes).
    pub categories: Vec<String>,
    /// Series: name and a point per category (`None`: not modelled or not simulated).
    pub series: Vec<(String, Vec<Option<Point>>)>,
    /// The category the figures are differences against (drawn as "reference", not as 0).
    pub reference: Option<usize>,
    /// Whether the axis starts at 0 (differences); otherwise it spans the values (absolute
    /// latencies whose differences are small against their size), and its description says
    /// where it starts.
    pub from_zero: bool,
}

/// A latency in ms with as many decimals as its size needs.
fn ms(v: f64) -> String {
    if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

impl Intervals {
    /// Whether there is anything to draw.
    pub fn any(&self) -> bool {
        self.series.iter().any(|s| {
            s.1.iter()
                .enumerate()
                .any(|(i, p)| p.is_some() && Some(i) != self.reference)
        })
    }
}

impl Draw for Intervals {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {}: {e:?}", self.title);
        root.fill(&WHITE).map_err(err)?;
        let n = self.categories.len();
        let start = if self.from_zero { 0.0 } else { f64::INFINITY };
        let (lo, hi) = self.series.iter().flat_map(|s| s.1.iter().flatten()).fold(
            (
                start,
                if self.from_zero {
                    0.0
                } else {
                    f64::NEG_INFINITY
                },
            ),
            |(a, b), p| {
                let h = p.1.unwrap_or(0.0);
                (a.min(p.0 - h), b.max(p.0 + h))
            },
        );
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let span = (hi - lo).max(1e-3);
        let pad_low = if self.from_zero {
            span * 0.05 * f64::from(lo < 0.0)
        } else {
            span * 0.25
        };
        let (lo, hi) = (lo - pad_low, hi + span * 0.18);
        let y_desc = if self.from_zero || lo <= 0.0 {
            self.y_desc.clone()
        } else {
            format!("{} (axis from {}, not 0)", self.y_desc, ms(lo))
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(1))
            .x_label_formatter(&|x| category_at(&self.categories, *x))
            .y_desc(y_desc)
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        if lo < 0.0 && hi > 0.0 {
            chart
                .draw_series(LineSeries::new([(-0.5, 0.0), (n as f64 - 0.5, 0.0)], BLACK))
                .map_err(err)?;
        }
        let k = self.series.len().max(1) as f64;
        for (j, (name, points)) in self.series.iter().enumerate() {
            let c = color(j);
            let offset = |i: usize| i as f64 - 0.3 + 0.6 * (j as f64 + 0.5) / k;
            for (i, p) in points.iter().enumerate() {
                let x = offset(i);
                if Some(i) == self.reference {
                    continue;
                }
                let Some((v, h, sig)) = *p else {
                    chart
                        .draw_series(std::iter::once(Text::new(
                            "n/m",
                            (x - 0.03, lo.max(0.0) + span * 0.04),
                            ("sans-serif", 12),
                        )))
                        .map_err(err)?;
                    continue;
                };
                if let Some(h) = h {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            [(x, v - h), (x, v + h)],
                            c.stroke_width(2),
                        )))
                        .map_err(err)?;
                    for y in [v - h, v + h] {
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                [(x - 0.03, y), (x + 0.03, y)],
                                c.stroke_width(2),
                            )))
                            .map_err(err)?;
                    }
                }
                let hollow = sig == Some(false);
                let dot = if hollow {
                    Circle::new((x, v), 5, c.stroke_width(2))
                } else {
                    Circle::new((x, v), 5, c.filled())
                };
                chart.draw_series(std::iter::once(dot)).map_err(err)?;
                // The value over the interval, "n.s." under it: the table gives the ± figures.
                chart
                    .draw_series(std::iter::once(Text::new(
                        ms(v),
                        (x - 0.06, v + h.unwrap_or(0.0) + span * 0.05),
                        ("sans-serif", 11),
                    )))
                    .map_err(err)?;
                if hollow {
                    chart
                        .draw_series(std::iter::once(Text::new(
                            "n.s.",
                            (x - 0.04, v - h.unwrap_or(0.0) - span * 0.015),
                            ("sans-serif", 11),
                        )))
                        .map_err(err)?;
                }
            }
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x + 6, y), 5, c.filled()));
        }
        if let Some(r) = self.reference.filter(|&r| r < n) {
            chart
                .draw_series(std::iter::once(Text::new(
                    "reference (0 by definition)",
                    (r as f64 - 0.3, span * 0.04),
                    ("sans-serif", 12),
                )))
                .map_err(err)?;
        }
        if self.series.len() > 1 {
            crate::chart::legend(&mut chart, SeriesLabelPosition::UpperLeft, 13).map_err(err)?;
        }
        root.present().map_err(err)?;
        Ok(())
    }
}

/// Where quantile `q` sits on the tail axis: −log10(1 − q) (P50 0.30, P90 1, P99 2, P99.9 3).
pub fn tail(q: f64) -> f64 {
    -(1.0 - q).log10()
}

/// The per-hop latency distribution per mode at the kept quantiles.
pub struct Distribution {
    title: String,
    /// Per mode: name and (ms, tail position) points.
    curves: Vec<(String, Vec<(f64, f64)>)>,
}

impl Distribution {
    /// From the request simulation: the `hop` scope of each mode whose statistics are valid.
    pub fn of(scenario: &str, detail: &[ModeLatency]) -> Option<Distribution> {
        let curves: Vec<(String, Vec<(f64, f64)>)> = detail
            .iter()
            .filter_map(|m| {
                let d = m.dists.iter().find(|d| d.scope == "hop" && d.valid())?;
                let pts: Vec<(f64, f64)> = QUANTILES
                    .iter()
                    .filter_map(|(name, q)| lookup(&d.stats, name).map(|e| (e.mean, tail(*q))))
                    .filter(|p| p.0.is_finite())
                    .collect();
                (!pts.is_empty()).then(|| (m.mode.as_str().to_string(), pts))
            })
            .collect();
        (!curves.is_empty()).then(|| Distribution {
            title: format!("{scenario}: latency of one hop, per mode"),
            curves,
        })
    }
}

impl Draw for Distribution {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {}: {e:?}", self.title);
        root.fill(&WHITE).map_err(err)?;
        let xmax = self
            .curves
            .iter()
            .flat_map(|c| c.1.iter().map(|p| p.0))
            .fold(0.0f64, f64::max)
            .max(1e-3)
            * 1.12;
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..xmax, 0f64..3.3)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(34)
            .y_label_formatter(&|y| {
                QUANTILES
                    .iter()
                    .find(|(_, q)| (tail(*q) - *y).abs() < 0.02)
                    .map_or_else(String::new, |(n, _)| {
                        n.replace("p999", "p99.9").to_uppercase()
                    })
            })
            .x_desc("ms (the quantiles meshsim keeps, means over replications)")
            .y_desc("share of hops at or below (tail axis)")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        for (_, q) in QUANTILES {
            chart
                .draw_series(LineSeries::new(
                    [(0.0, tail(q)), (xmax, tail(q))],
                    BLACK.mix(0.25),
                ))
                .map_err(err)?;
        }
        for (i, (name, pts)) in self.curves.iter().enumerate() {
            let c = color(i);
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], c.stroke_width(2)));
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))
                .map_err(err)?;
        }
        crate::chart::legend(&mut chart, SeriesLabelPosition::LowerRight, 13).map_err(err)?;
        root.present().map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_positions_of_the_kept_quantiles() {
        assert!((tail(0.5) - std::f64::consts::LOG10_2).abs() < 1e-12);
        assert!((tail(0.9) - 1.0).abs() < 1e-12);
        assert!((tail(0.99) - 2.0).abs() < 1e-12);
        assert!((tail(0.999) - 3.0).abs() < 1e-9);
    }
}
