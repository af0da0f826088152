//! `report.html`: one self-contained page a platform lead can forward — the question, the
//! headline in one sentence, the tables, every chart inline (SVG) with a caption saying what to
//! read from it, and the assumptions, warnings and "not modelled" items behind the figures.
//! No script, no file or address outside the page: the charts' font (DejaVu Sans, shipped in
//! `cli/assets/`) is embedded, so the page reads the same offline on any machine, and prints on
//! A4 without cutting a chart.

use std::fmt::Write;

/// A chart: an SVG drawn by plotters, and what to read from it.
#[derive(Clone, Debug)]
pub struct Chart {
    /// Heading.
    pub title: String,
    /// One line: what the chart answers.
    pub caption: String,
    /// Text alternative: the figures the chart shows, in words.
    pub alt: String,
    /// The SVG document.
    pub svg: String,
}

/// A table: caption, header, rows (cells already formatted).
#[derive(Clone, Debug)]
pub struct Table {
    /// Caption.
    pub caption: String,
    /// Column headings.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

/// The page.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Title (`meshsim run — gpu-inference-memory-bound`).
    pub title: String,
    /// The scenario's question (its description).
    pub question: String,
    /// The answer in one sentence.
    pub headline: String,
    /// Tables, in order.
    pub tables: Vec<Table>,
    /// Charts, in order.
    pub charts: Vec<Chart>,
    /// Assumptions behind the headline.
    pub assumptions: Vec<String>,
    /// Warnings: figures not computed, modes that do not fit, …
    pub warnings: Vec<String>,
    /// Figures no source gives ("n/m" in the tables).
    pub not_modelled: Vec<String>,
    /// Provenance: version, seed, scenario file.
    pub footer: String,
}

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Standard base64 (RFC 4648), for the embedded font.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut o = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        o.push(A[(n >> 18) as usize & 63] as char);
        o.push(A[(n >> 12) as usize & 63] as char);
        o.push(if c.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        o.push(if c.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    o
}

/// The SVG as an inline element: without an XML declaration, scalable, with its text
/// alternative.
fn inline_svg(svg: &str, alt: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let body = &svg[start..];
    let at = body.find("<svg").map_or(0, |i| i + 4);
    format!(
        "{} role=\"img\" aria-label=\"{}\"{}",
        &body[..at],
        esc(alt),
        &body[at..]
    )
}

const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", sans-serif; color: #1a1a1a; max-width: 1000px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
.question { color: #444; font-style: italic; margin-top: 0; }
.headline { font-size: 1.2em; background: #eef4fb; border-left: 6px solid #0072b2; padding: 0.7em 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; width: 100%; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f0f0f0; }
figure { margin: 1.5em 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
svg text { font-family: "DejaVu Sans", sans-serif !important; }
figcaption { font-size: 0.9em; color: #333; margin-top: 0.3em; }
ul { padding-left: 1.3em; }
.warn li { color: #8a3b00; }
footer { margin-top: 2em; font-size: 0.8em; color: #666; }
@page { size: A4; margin: 12mm; }
@media print { body { max-width: none; margin: 0; font-size: 10pt; } .headline { break-inside: avoid; } figure svg { max-height: 240mm; } table { break-inside: auto; } tr { break-inside: avoid; } }
"#;

/// The page as HTML.
pub fn html(r: &Report) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n@font-face {{ font-family: \"DejaVu Sans\"; src: url(data:font/ttf;base64,{}) format(\"truetype\"); }}\n{CSS}</style>\n</head>\n<body>\n",
        esc(&r.title),
        base64(include_bytes!("../assets/DejaVuSans.ttf"))
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&r.title));
    if !r.question.is_empty() {
        let _ = writeln!(h, "<p class=\"question\">{}</p>", esc(&r.question));
    }
    let _ = writeln!(h, "<p class=\"headline\">{}</p>", esc(&r.headline));
    for t in &r.tables {
        let _ = writeln!(
            h,
            "<table>\n<caption>{}</caption>\n<thead><tr>",
            esc(&t.caption)
        );
        for c in &t.header {
            let _ = write!(h, "<th scope=\"col\">{}</th>", esc(c));
        }
        let _ = writeln!(h, "</tr></thead>\n<tbody>");
        for row in &t.rows {
            let _ = write!(h, "<tr>");
            for (i, c) in row.iter().enumerate() {
                if i == 0 {
                    let _ = write!(h, "<th scope=\"row\">{}</th>", esc(c));
                } else {
                    let _ = write!(h, "<td>{}</td>", esc(c));
                }
            }
            let _ = writeln!(h, "</tr>");
        }
        let _ = writeln!(h, "</tbody>\n</table>");
    }
    for c in &r.charts {
        let _ = writeln!(
            h,
            "<figure>\n<h2>{}</h2>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            esc(&c.title),
            inline_svg(&c.svg, &c.alt),
            esc(&c.caption)
        );
    }
    let list = |h: &mut String, title: &str, class: &str, items: &[String]| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(h, "<h2>{}</h2>\n<ul class=\"{class}\">", esc(title));
        for i in items {
            let _ = writeln!(h, "<li>{}</li>", esc(i));
        }
        let _ = writeln!(h, "</ul>");
    };
    list(&mut h, "Warnings", "warn", &r.warnings);
    list(&mut h, "Assumptions", "assumptions", &r.assumptions);
    list(&mut h, "Not modelled", "not-modelled", &r.not_modelled);
    let _ = writeln!(h, "<footer>{}</footer>\n</body>\n</html>", esc(&r.footer));
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn text_is_escaped_and_svgs_get_their_alternative() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        let s = inline_svg(
            "<?xml version=\"1.0\"?>\n<svg width=\"10\"><rect/></svg>",
            "3 < 4",
        );
        assert_eq!(
            s,
            "<svg role=\"img\" aria-label=\"3 &lt; 4\" width=\"10\"><rect/></svg>"
        );
    }
}
