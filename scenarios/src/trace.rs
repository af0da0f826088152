//! Trace files: a CSV of arrival instants (as the Azure LLM traces are), read with a real CSV
//! reader (quoted fields, CRLF) and a real date library (civil timestamps like
//! `2023-11-16 18:17:03.9799600`, RFC 3339 instants with an offset, or plain seconds).
//!
//! A trace is untrusted input: it is read with a hard size cap from a regular file only, bounded
//! in rows and in time span, and errors quote nothing of the file except column names that look
//! like column names.

use crate::read::{ReadError, read_capped};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::choice_help;

/// Where a replayed trace came from (kept to write the resolved scenario back).
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSource {
    /// The file, as resolved (absolute when the scenario's directory is known).
    pub path: PathBuf,
    /// The timestamp column.
    pub column: String,
}

/// Largest trace file, bytes.
pub const MAX_TRACE_BYTES: u64 = 512 * 1024 * 1024;
/// Most rows in a trace.
pub const MAX_TRACE_ROWS: usize = 50_000_000;
/// Longest time a trace may span, seconds (ten years).
pub const MAX_TRACE_SPAN_S: f64 = 10.0 * 365.25 * 86_400.0;

/// Why a trace cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// The file could not be read (or is not a regular file, or is too large).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The file has no rows, or no header.
    #[error("is empty: a trace needs a header line and at least two rows")]
    Empty,
    /// The column is missing.
    #[error("has no column `{column}`; {help}")]
    NoColumn {
        /// The column asked for.
        column: String,
        /// The columns found (when they look like column names), or their count.
        help: String,
    },
    /// A row is broken.
    #[error("line {line}: {what}")]
    Row {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        what: String,
    },
    /// Too many rows.
    #[error("has more than {MAX_TRACE_ROWS} rows")]
    TooManyRows,
    /// Every timestamp is the same: the trace has no time span to replay.
    #[error("all {0} timestamps are equal: a trace needs arrivals spread over time")]
    NoSpan(usize),
    /// The timestamps span more than meshsim replays.
    #[error("spans {0:.3e} s, beyond meshsim's limit of {MAX_TRACE_SPAN_S:.3e} s (ten years)")]
    TooLong(f64),
}

/// Whether a header cell looks like a column name (so it can be quoted in a message).
fn looks_like_column(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
}

/// Reads a CSV trace: the `column` of every row, as seconds or as a timestamp, sorted, as
/// nanosecond offsets from the first.
pub fn load_trace(path: &Path, column: &str) -> Result<Arc<[u64]>, TraceError> {
    let bytes = read_capped(path, MAX_TRACE_BYTES)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let header = rdr
        .headers()
        .map_err(|_| TraceError::Row {
            line: 1,
            what: "the header is not CSV text".into(),
        })?
        .clone();
    if header.is_empty() {
        return Err(TraceError::Empty);
    }
    let cols: Vec<&str> = header.iter().map(str::trim).collect();
    let Some(idx) = cols.iter().position(|c| *c == column) else {
        let help = if cols.len() <= 20 && cols.iter().all(|c| looks_like_column(c)) {
            choice_help(column, &cols)
        } else {
            format!(
                "the first line has {} field(s), none called `{column}` (is this a CSV trace?)",
                cols.len()
            )
        };
        return Err(TraceError::NoColumn {
            column: column.to_string(),
            help,
        });
    };
    let mut raw: Vec<i128> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => {
                return Err(TraceError::Row {
                    line,
                    what: "not valid CSV text".into(),
                });
            }
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if raw.len() >= MAX_TRACE_ROWS {
            return Err(TraceError::TooManyRows);
        }
        let field = record
            .get(idx)
            .map(str::trim)
            .ok_or_else(|| TraceError::Row {
                line,
                what: format!("no value in column `{column}`"),
            })?;
        let t = parse_instant_ns(field).ok_or_else(|| TraceError::Row {
            line,
            what: format!(
                "`{}` is neither seconds nor a timestamp like 2023-11-16 18:17:03.98",
                meshsim_models::names::truncate(field, 40)
            ),
        })?;
        raw.push(t);
    }
    if raw.len() < 2 {
        return Err(TraceError::Empty);
    }
    raw.sort_unstable();
    let (first, last) = (raw[0], raw[raw.len() - 1]);
    if first == last {
        return Err(TraceError::NoSpan(raw.len()));
    }
    let span_s = (last - first) as f64 / 1e9;
    if span_s > MAX_TRACE_SPAN_S {
        return Err(TraceError::TooLong(span_s));
    }
    Ok(raw.iter().map(|t| (t - first) as u64).collect())
}

/// Nanoseconds (from the Unix epoch) of a numeric seconds value, an RFC 3339 instant with an
/// offset (`2023-11-17T00:00:00Z`), or a civil date-time taken as UTC
/// (`2023-11-16 18:17:03.9799600`). Years outside 1..=9999 are refused, never wrapped.
pub fn parse_instant_ns(s: &str) -> Option<i128> {
    if let Ok(x) = s.parse::<f64>() {
        // Seconds: at most about 31,700 years, so nanoseconds stay exact in i128 and bounded.
        return (x.is_finite() && (0.0..=1e12).contains(&x)).then(|| (x * 1e9).round() as i128);
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_nanosecond());
    }
    let dt: jiff::civil::DateTime = s.parse().ok()?;
    let ts = jiff::tz::Offset::UTC.to_timestamp(dt).ok()?;
    Some(ts.as_nanosecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_to_nanoseconds() {
        let a = parse_instant_ns("2023-11-16 18:17:03.9799600").unwrap();
        let b = parse_instant_ns("2023-11-16 18:17:04.0799600").unwrap();
        assert_eq!(b - a, 100_000_000);
        let c = parse_instant_ns("2023-11-17T00:00:00Z").unwrap();
        let d = parse_instant_ns("2023-11-16 00:00:00").unwrap();
        assert_eq!(c - d, 86_400_000_000_000);
        let e = parse_instant_ns("2023-11-17T02:00:00+02:00").unwrap();
        assert_eq!(e, c);
        // 1970-01-01 is day zero.
        assert_eq!(
            parse_instant_ns("1970-01-02 00:00:00"),
            Some(86_400_000_000_000)
        );
        assert_eq!(parse_instant_ns("12.5"), Some(12_500_000_000));
        assert_eq!(parse_instant_ns("2023-13-01 00:00:00"), None);
        assert_eq!(parse_instant_ns("yesterday"), None);
        assert_eq!(parse_instant_ns("292277026596-01-01 00:00:00"), None);
        assert_eq!(parse_instant_ns("1e300"), None);
        assert_eq!(parse_instant_ns("-1"), None);
    }

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.csv");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn quoted_fields_and_crlf_are_csv_not_commas() {
        let (_d, p) = write(
            "\"name, with comma\",TIMESTAMP\r\n\"a,b\",2023-11-16 18:17:03.5\r\n\"c\",2023-11-16 18:17:04.5\r\n",
        );
        let t = load_trace(&p, "TIMESTAMP").unwrap();
        assert_eq!(&t[..], &[0, 1_000_000_000]);
    }

    #[test]
    fn bad_traces_say_what_is_wrong_without_echoing_the_file() {
        let (_d, p) = write("t\n5\n5\n5\n");
        assert_eq!(load_trace(&p, "t"), Err(TraceError::NoSpan(3)));
        let (_d, p) = write("root:x:0:0:root:/root:/bin/bash\nx\n");
        let e = load_trace(&p, "TIMESTAMP").unwrap_err().to_string();
        assert!(!e.contains("root"), "{e}");
        assert!(e.contains("1 field(s)"), "{e}");
        let (_d, p) = write("TIMESTAMP,x\n2023-01-01 00:00:00,1\nsoon,2\n");
        assert_eq!(
            load_trace(&p, "TIMESTAMP").unwrap_err().to_string(),
            "line 3: `soon` is neither seconds nor a timestamp like 2023-11-16 18:17:03.98"
        );
        let (_d, p) = write("TIMESTAMP\n");
        assert_eq!(load_trace(&p, "TIMESTAMP"), Err(TraceError::Empty));
        let (_d, p) = write("Time,x\n1,2\n");
        let e = load_trace(&p, "time").unwrap_err().to_string();
        assert!(e.contains("did you mean `Time`?"), "{e}");
    }
}
