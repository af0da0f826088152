//! The font charts are drawn with: DejaVu Sans, shipped with meshsim (`cli/assets/`, Bitstream
//! Vera licence), because plotters' `ab_glyph` backend uses no system fonts.

use std::sync::Once;

use plotters::style::FontStyle;

static FONT: Once = Once::new();

/// Registers the font as `sans-serif` (once).
pub fn register() {
    FONT.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../assets/DejaVuSans.ttf"),
        );
    });
}
