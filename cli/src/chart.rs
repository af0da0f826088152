//! What every chart shares: the colour-blind-safe palette, category labels on a numeric axis,
//! and writing one drawing as both SVG (for the report) and PNG (for slides).

use std::path::Path;

use anyhow::Result;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

/// Okabe and Ito's colour-blind-safe palette, in the order series take it: blue, orange,
/// bluish green, vermillion, reddish purple, sky blue, yellow, black.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0xf0, 0xe4, 0x42),
    RGBColor(0x00, 0x00, 0x00),
];

/// The palette's colour for series `i` (cycling).
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The label of the category at `x` (categories sit at 0, 1, …), or none between them.
pub fn category_at(categories: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < categories.len() {
        categories[i as usize].clone()
    } else {
        String::new()
    }
}

/// The legend every chart draws: the series' names in a white box with a black border.
pub fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", font_size))
        .position(position)
        .draw()
}

/// A drawing that can go to any plotters backend.
pub trait Draw {
    /// Draws onto `root`.
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static;
}

/// Writes `d` as `dir/stem.svg` and `dir/stem.png` at `size` pixels; returns the file names.
pub fn save(dir: &Path, stem: &str, size: (u32, u32), d: &impl Draw) -> Result<Vec<String>> {
    crate::font::register();
    let svg = dir.join(format!("{stem}.svg"));
    d.draw(SVGBackend::new(&svg, size).into_drawing_area())?;
    let png = dir.join(format!("{stem}.png"));
    d.draw(BitMapBackend::new(&png, size).into_drawing_area())?;
    Ok(vec![format!("{stem}.svg"), format!("{stem}.png")])
}
