//! Located errors: every problem in a user's file is reported with the file, line, column, the
//! key path (`pools[1].count`), what is wrong, and what is allowed.
//!
//! ```text
//! error: fleet.toml:14:1: pools[1].cpus: unknown key
//!    |
//! 14 | cpus = "96"
//!    | ^^^^
//!    = help: did you mean `cpu`? allowed here: name, count, cpu, memory, …
//! ```

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One problem in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line (0 when the problem is the file as a whole).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Key path, e.g. `pools[1].count` (empty for the whole file).
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// What is allowed, or the closest known key.
    pub help: Option<String>,
    /// The offending line of the file, and the span within it to underline (in characters).
    pub snippet: Option<(String, usize, usize)>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", shorten_quoted(&self.message))?;
        if let Some((text, start, len)) = &self.snippet {
            let n = self.line.to_string();
            let pad = " ".repeat(n.len());
            write!(
                f,
                "\n{pad} |\n{n} | {text}\n{pad} | {}{}",
                " ".repeat(*start),
                "^".repeat((*len).max(1))
            )?;
        }
        if let Some(h) = &self.help {
            let pad = " ".repeat(self.line.to_string().len());
            write!(f, "\n{pad} = help: {}", shorten_quoted(h))?;
        }
        Ok(())
    }
}

/// Longest name quoted whole in a message (between backticks), characters.
const QUOTE_CHARS: usize = 60;

/// `text` with every backticked name longer than [`QUOTE_CHARS`] cut to its start and its
/// length: a 300 kB name a user typed is named, not printed.
fn shorten_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let n = part.chars().count();
        if i % 2 == 1 && n > QUOTE_CHARS {
            out.extend(part.chars().take(QUOTE_CHARS / 2));
            out.push_str(&format!("… ({n} characters)"));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Several problems, reported together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The text of one file with what is needed to locate spans in it.
#[derive(Debug)]
pub struct Source<'a> {
    /// Name shown in messages.
    pub name: &'a str,
    /// Contents.
    pub text: &'a str,
}

impl Source<'_> {
    /// 1-based (line, column) of a byte offset; columns count characters.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..offset].chars().count() + 1;
        (line, column)
    }

    /// A diagnostic at `span` (byte range), with the key path found from the document.
    pub fn at(&self, span: Option<Range<usize>>, message: impl Into<String>) -> Diagnostic {
        self.at_with(span, message, &KeyIndex::build(self.text))
    }

    /// As [`Source::at`], with the document already indexed.
    pub fn at_with(
        &self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        keys: &KeyIndex,
    ) -> Diagnostic {
        let mut d = Diagnostic {
            file: self.name.to_string(),
            line: 0,
            column: 0,
            key: String::new(),
            message: message.into(),
            help: None,
            snippet: None,
        };
        if let Some(span) = span {
            let (line, column) = self.line_col(span.start);
            d.line = line;
            d.column = column;
            d.key = keys.path_at(span.start).unwrap_or_default();
            let line_text = self.text.lines().nth(line - 1).unwrap_or("");
            let end = span.end.min(self.text.len()).max(span.start);
            let len = self.text[span.start..end]
                .split('\n')
                .next()
                .map_or(1, |s| s.chars().count());
            d.snippet = Some(excerpt(line_text, column - 1, len.max(1)));
        }
        d
    }

    /// A diagnostic for the whole file.
    pub fn whole(&self, message: impl Into<String>) -> Diagnostic {
        self.at(None, message)
    }
}

/// Widest excerpt of a line quoted in a message, characters.
pub const EXCERPT_CHARS: usize = 100;

/// At most [`EXCERPT_CHARS`] of `line` around the span (`start`, `len` in characters), with
/// control characters shown as `?`: a message quotes a short, printable excerpt, never a whole
/// (possibly huge, possibly binary) line.
fn excerpt(line: &str, start: usize, len: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    let from = start.saturating_sub(EXCERPT_CHARS / 4).min(chars.len());
    let to = (from + EXCERPT_CHARS).min(chars.len());
    let mut text: String = chars[from..to]
        .iter()
        .map(|&c| if c.is_control() { '?' } else { c })
        .collect();
    let mut at = start - from.min(start);
    if from > 0 {
        text.insert(0, '…');
        at += 1;
    }
    if to < chars.len() {
        text.push('…');
    }
    let shown = text.chars().count();
    (
        text,
        at.min(shown),
        len.min(shown.saturating_sub(at).max(1)),
    )
}

/// A document parsed once for key-path lookups: a file with thousands of errors is not parsed
/// again for each.
#[derive(Debug)]
pub struct KeyIndex {
    /// `(start, end, path)` of every key and value, in document order.
    spans: Vec<(usize, usize, String)>,
}

impl KeyIndex {
    /// Indexes `text` (an unparsable document gives an empty index: no key paths).
    pub fn build(text: &str) -> KeyIndex {
        let mut spans = Vec::new();
        if let Ok(doc) = DeTable::parse(text) {
            let mut path = Vec::new();
            collect(doc.get_ref(), &mut path, &mut spans);
        }
        KeyIndex { spans }
    }

    /// The key path of the innermost key or value containing byte `offset`.
    pub fn path_at(&self, offset: usize) -> Option<String> {
        // Spans nest; the innermost containing one is the last in document order that does.
        self.spans
            .iter()
            .filter(|(s, e, _)| *s <= offset && offset < *e)
            .max_by_key(|(s, e, _)| (*s, std::cmp::Reverse(*e)))
            .map(|(_, _, p)| p.clone())
    }
}

impl KeyIndex {
    /// The byte span of the value at key path `path` (`pools[1].count`), if the document has it.
    pub fn span_of(&self, path: &str) -> Option<Range<usize>> {
        self.spans
            .iter()
            .rfind(|(_, _, p)| p == path)
            .map(|(s, e, _)| *s..*e)
    }
}

impl Diagnostics {
    /// The same problems, found in a document meshsim generated from `file` (a sweep point
    /// from its base scenario, a `run.json`'s scenario): lines of the generated text mean
    /// nothing to the user, so each problem is placed where its key is in `file`'s `text`
    /// (when `text` is TOML and has the key), or cited by key path alone, prefixed with
    /// `key_prefix`.
    pub fn relocated(self, file: &str, text: Option<&str>, key_prefix: &str) -> Diagnostics {
        let src = text.map(|t| {
            (
                Source {
                    name: file,
                    text: t,
                },
                KeyIndex::build(t),
            )
        });
        Diagnostics(
            self.0
                .into_iter()
                .map(|d| {
                    let span = src
                        .as_ref()
                        .filter(|_| !d.key.is_empty())
                        .and_then(|(_, k)| k.span_of(&d.key));
                    let mut out = match (&src, span) {
                        (Some((src, keys)), Some(span)) => src.at_with(Some(span), "", keys),
                        _ => Diagnostic {
                            file: file.to_string(),
                            line: 0,
                            column: 0,
                            key: String::new(),
                            message: String::new(),
                            help: None,
                            snippet: None,
                        },
                    };
                    out.key = if d.key.is_empty() {
                        key_prefix.trim_end_matches('.').to_string()
                    } else {
                        format!("{key_prefix}{}", d.key)
                    };
                    out.message = d.message;
                    out.help = d.help;
                    out
                })
                .collect(),
        )
    }
}

/// The key path of the innermost key or value containing byte `offset`.
pub fn key_path(text: &str, offset: usize) -> Option<String> {
    KeyIndex::build(text).path_at(offset)
}

fn collect(table: &DeTable<'_>, path: &mut Vec<Seg>, out: &mut Vec<(usize, usize, String)>) {
    for (k, v) in table {
        path.push(Seg::Key(k.get_ref().to_string()));
        let here = render(path);
        out.push((k.span().start, k.span().end, here.clone()));
        out.push((v.span().start, v.span().end, here));
        match v.get_ref() {
            DeValue::Table(t) => collect(t, path, out),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    out.push((item.span().start, item.span().end, render(path)));
                    if let DeValue::Table(t) = item.get_ref() {
                        collect(t, path, out);
                    }
                    path.pop();
                }
            }
            _ => {}
        }
        path.pop();
    }
}

enum Seg {
    Key(String),
    Index(usize),
}

fn render(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => {
                s.push_str(&format!("[{i}]"));
            }
        }
    }
    s
}

/// Longest name compared for a "did you mean" suggestion: edit distance is quadratic, and a
/// 300 kB misspelling suggests nothing useful.
const MAX_SUGGEST_CHARS: usize = 100;

/// The allowed name closest to `got`, if it is close enough to be a likely typo.
pub fn closest<'a>(got: &str, allowed: &[&'a str]) -> Option<&'a str> {
    if got.chars().count() > MAX_SUGGEST_CHARS {
        return None;
    }
    let lower = got.to_lowercase();
    allowed
        .iter()
        .filter(|a| a.chars().count() <= MAX_SUGGEST_CHARS)
        .map(|a| (strsim::levenshtein(&lower, &a.to_lowercase()), *a))
        .filter(|(d, a)| *d <= (a.len() / 3).max(2))
        .min()
        .map(|(_, a)| a)
}

/// Help text for a choice among `allowed`: the closest match first, then the list (the first
/// 30 names and a count of the rest, for long lists).
pub fn choice_help(got: &str, allowed: &[&str]) -> String {
    let mut list = allowed
        .iter()
        .take(30)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if allowed.len() > 30 {
        list.push_str(&format!(", … ({} in all)", allowed.len()));
    }
    match closest(got, allowed) {
        Some(c) => format!("did you mean `{c}`? allowed: {list}"),
        None => format!("allowed: {list}"),
    }
}

/// The 1-based line with the most dotted-key segments or open brackets, and that depth.
fn deepest_line(text: &str) -> (usize, usize) {
    let mut best = (1, 0);
    let mut open = 0usize;
    for (i, l) in text.lines().enumerate() {
        let mut quoted = false;
        let mut dots = 0;
        let mut deepest = open;
        for c in l.chars() {
            match c {
                '"' | '\'' => quoted = !quoted,
                '.' if !quoted => dots += 1,
                '[' | '{' if !quoted => {
                    open += 1;
                    deepest = deepest.max(open);
                }
                ']' | '}' if !quoted => open = open.saturating_sub(1),
                '#' if !quoted => break,
                _ => {}
            }
        }
        let depth = deepest.max(dots + 1);
        if depth > best.1 {
            best = (i + 1, depth);
        }
    }
    best
}

/// The byte span of 1-based line `line`.
fn line_span(text: &str, line: usize) -> Option<Range<usize>> {
    let mut start = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return Some(start..start + l.len().max(1).min(text.len() - start));
        }
        start += l.len() + 1;
    }
    None
}

/// Turns a TOML or serde error into a diagnostic, with a suggestion for unknown keys and
/// unknown variants.
pub fn from_toml_error(src: &Source<'_>, e: &toml::de::Error) -> Diagnostic {
    let msg = e.message().trim().to_string();
    let mut d = src.at(e.span(), msg.clone());
    // A syntax error on the first line that holds anything: the file may not be TOML at all
    // (a path typed by mistake, `/etc/passwd`), so none of it is quoted.
    let first_content = src
        .text
        .lines()
        .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map_or(1, |i| i + 1);
    if d.line == first_content && DeTable::parse(src.text).is_err() {
        d.snippet = None;
    }
    if msg == "duplicate key"
        && let Some(span) = e.span()
    {
        let key = src.text.get(span).unwrap_or("").trim();
        d.message = format!("duplicate key `{key}`: each key may be given once per table");
    }
    if msg.contains("recursion limit") && e.span().is_none() {
        // The parser gives no place: find the deepest line ourselves.
        let (line, depth) = deepest_line(src.text);
        d = src.at(
            line_span(src.text, line),
            format!("nested {depth} levels deep, more than the TOML reader accepts (a scenario nests a handful)"),
        );
    }
    let backticked = |s: &str| -> Vec<String> {
        s.split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, t)| t.to_string())
            .collect()
    };
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let words = backticked(rest);
        if let Some((got, expected)) = words.split_first() {
            let allowed: Vec<&str> = expected.iter().map(String::as_str).collect();
            d.message = format!("unknown key `{got}`");
            d.help = Some(if allowed.is_empty() {
                "no keys are allowed here".into()
            } else {
                choice_help(got, &allowed)
            });
        }
    } else if let Some((head, expected)) = msg.split_once("; expected one of ")
        && head.starts_with("unknown ")
    {
        // A named enum (see `meshsim_models::names`): "unknown mesh mode `x`; expected one of …".
        let allowed_owned = backticked(expected);
        let allowed: Vec<&str> = allowed_owned.iter().map(String::as_str).collect();
        let got = backticked(head).into_iter().next().unwrap_or_default();
        d.message = head.to_string();
        d.help = Some(choice_help(&got, &allowed));
    } else if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let words = backticked(rest);
        if let Some((got, expected)) = words.split_first() {
            let allowed: Vec<&str> = expected.iter().map(String::as_str).collect();
            d.message = format!("unknown value `{got}`");
            d.help = Some(choice_help(got, &allowed));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# c\n[scenario]\nname = \"x\"\n\n[[pools]]\nname = \"a\"\ncount = 1\n\n[[pools]]\nname = \"b\"\ncounts = 2\nlabels = { zone = \"a\" }\n";

    #[test]
    fn key_paths_reach_into_arrays_of_tables() {
        let at = |needle: &str| DOC.find(needle).unwrap();
        assert_eq!(
            key_path(DOC, at("counts")).as_deref(),
            Some("pools[1].counts")
        );
        assert_eq!(key_path(DOC, at("\"x\"")).as_deref(), Some("scenario.name"));
        assert_eq!(
            key_path(DOC, at("zone")).as_deref(),
            Some("pools[1].labels.zone")
        );
        assert_eq!(
            key_path(DOC, at("count = 1")).as_deref(),
            Some("pools[0].count")
        );
    }

    #[test]
    fn line_and_column_count_characters() {
        let s = Source {
            name: "f.toml",
            text: "a = 1\nµ = \"é\" x\n",
        };
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(6), (2, 1));
        let x = s.text.find('x').unwrap();
        assert_eq!(s.line_col(x), (2, 9));
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            closest("cpus", &["name", "count", "cpu", "memory"]),
            Some("cpu")
        );
        assert_eq!(
            closest("memroy", &["name", "count", "cpu", "memory"]),
            Some("memory")
        );
        assert_eq!(closest("zzzzzz", &["name", "count"]), None);
        let long = "x".repeat(300_000);
        assert_eq!(closest(&long, &["name", "count"]), None);
    }

    #[test]
    fn unknown_field_errors_get_a_suggestion_and_a_location() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct P {
            name: String,
            count: u32,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct F {
            pools: Vec<P>,
        }
        let src = Source {
            name: "fleet.toml",
            text: "[[pools]]\nname = \"b\"\ncounts = 2\n",
        };
        let e = toml::from_str::<F>(src.text).unwrap_err();
        let d = from_toml_error(&src, &e);
        assert_eq!((d.line, d.column), (3, 1));
        assert_eq!(d.key, "pools[0].counts");
        assert_eq!(d.message, "unknown key `counts`");
        assert_eq!(
            d.help.as_deref(),
            Some("did you mean `count`? allowed: name, count")
        );
        let shown = d.to_string();
        assert!(shown.starts_with("error: fleet.toml:3:1: pools[0].counts: unknown key `counts`"));
        assert!(shown.contains("3 | counts = 2\n  | ^^^^^^"), "{shown}");
    }
}
