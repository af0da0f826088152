//! Charts of a sweep: the response of the headline figure to each parameter (per mode, the mean
//! over the other parameters' values with the min–max range as a bar), and for a two-parameter
//! grid a heat map of the best mode's figure over both, each cell labelled.

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::chart::{Draw, category_at, color};

/// Mean, min and max of a figure over the points at one parameter value.
pub type Spread = (f64, f64, f64);

/// The response of a figure to one parameter.
pub struct Response {
    /// Title.
    pub title: String,
    /// The figure, with its unit.
    pub y_desc: String,
    /// The parameter's values, in the sweep's order.
    pub values: Vec<String>,
    /// Per mode: name and the spread at each value (`None`: not computed at any point there).
    pub series: Vec<(String, Vec<Option<Spread>>)>,
    /// Formats a figure for a label.
    pub label: fn(f64) -> String,
}

impl Draw for Response {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {}: {e:?}", self.title);
        root.fill(&WHITE).map_err(err)?;
        let n = self.values.len();
        let (lo, hi) = self
            .series
            .iter()
            .flat_map(|s| s.1.iter().flatten())
            .fold((0.0f64, 0.0f64), |(a, b), s| (a.min(s.1), b.max(s.2)));
        let span = (hi - lo).max(1.0);
        let (lo, hi) = (lo - span * 0.08 * f64::from(lo < 0.0), hi + span * 0.3);
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)
            .map_err(err)?;
        let label = self.label;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(1))
            .x_label_formatter(&|x| category_at(&self.values, *x))
            .y_label_formatter(&|y| label(*y))
            .y_desc(self.y_desc.as_str())
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(err)?;
        if lo < 0.0 {
            chart
                .draw_series(LineSeries::new([(-0.5, 0.0), (n as f64 - 0.5, 0.0)], BLACK))
                .map_err(err)?;
        }
        let k = self.series.len().max(1) as f64;
        for (j, (name, spreads)) in self.series.iter().enumerate() {
            let c = color(j);
            let x = |i: usize| i as f64 - 0.25 + 0.5 * (j as f64 + 0.5) / k;
            let means: Vec<(f64, f64)> = spreads
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.map(|s| (x(i), s.0)))
                .collect();
            chart
                .draw_series(LineSeries::new(means.iter().copied(), c.stroke_width(2)))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 14, y)], c.stroke_width(2)));
            for (i, s) in spreads.iter().enumerate() {
                let Some((mean, min, max)) = *s else { continue };
                if max > min {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            [(x(i), min), (x(i), max)],
                            c.stroke_width(2),
                        )))
                        .map_err(err)?;
                }
                chart
                    .draw_series(std::iter::once(Circle::new((x(i), mean), 5, c.filled())))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        label(mean),
                        (x(i) + 0.02, max + span * 0.05),
                        ("sans-serif", 11),
                    )))
                    .map_err(err)?;
            }
        }
        crate::chart::legend(&mut chart, SeriesLabelPosition::UpperLeft, 13).map_err(err)?;
        root.present().map_err(err)?;
        Ok(())
    }
}

/// A figure over a two-parameter grid.
pub struct Heat {
    /// Title.
    pub title: String,
    /// The x parameter's name and values.
    pub x: (String, Vec<String>),
    /// The y parameter's name and values.
    pub y: (String, Vec<String>),
    /// `cells[yi][xi]`: the mean figure (`None`: not computed there).
    pub cells: Vec<Vec<Option<f64>>>,
    /// Formats a figure for a label.
    pub label: fn(f64) -> String,
}

impl Draw for Heat {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {}: {e:?}", self.title);
        root.fill(&WHITE).map_err(err)?;
        let (nx, ny) = (self.x.1.len(), self.y.1.len());
        let (lo, hi) = self
            .cells
            .iter()
            .flatten()
            .flatten()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let mut chart = ChartBuilder::on(&root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5f64..(nx as f64 - 0.5), -0.5f64..(ny as f64 - 0.5))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nx.max(1))
            .y_labels(ny.max(1))
            .x_label_formatter(&|x| category_at(&self.x.1, *x))
            .y_label_formatter(&|y| category_at(&self.y.1, *y))
            .x_desc(self.x.0.as_str())
            .y_desc(self.y.0.as_str())
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(err)?;
        let label = self.label;
        for (yi, row) in self.cells.iter().enumerate() {
            for (xi, v) in row.iter().enumerate() {
                let (x, y) = (xi as f64, yi as f64);
                let (fill, text, dark) = match *v {
                    Some(v) => {
                        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                        let c: RGBColor = ViridisRGB.get_color(t as f32);
                        (c, label(v), t < 0.6)
                    }
                    None => (RGBColor(0xdd, 0xdd, 0xdd), "n/m".into(), false),
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.48, y - 0.48), (x + 0.48, y + 0.48)],
                        fill.filled(),
                    )))
                    .map_err(err)?;
                let ink = if dark { WHITE } else { BLACK };
                chart
                    .draw_series(std::iter::once(Text::new(
                        text,
                        (x - 0.2, y + 0.05),
                        ("sans-serif", 15).into_font().color(&ink),
                    )))
                    .map_err(err)?;
            }
        }
        root.present().map_err(err)?;
        Ok(())
    }
}
