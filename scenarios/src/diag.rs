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
        write!(f, ": {}", self.message)?;
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
            write!(f, "\n{pad} = help: {h}")?;
        }
        Ok(())
    }
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
            d.key = key_path(self.text, span.start).unwrap_or_default();
            let line_text = self.text.lines().nth(line - 1).unwrap_or("").to_string();
            let end = span.end.min(self.text.len()).max(span.start);
            let len = self.text[span.start..end]
                .split('\n')
                .next()
                .map_or(1, |s| s.chars().count());
            d.snippet = Some((line_text, column - 1, len.max(1)));
        }
        d
    }

    /// A diagnostic for the whole file.
    pub fn whole(&self, message: impl Into<String>) -> Diagnostic {
        self.at(None, message)
    }
}

/// The key path of the innermost key or value containing byte `offset`.
pub fn key_path(text: &str, offset: usize) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    if search(doc.get_ref(), offset, &mut path) {
        Some(render(&path))
    } else {
        None
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

fn search(table: &DeTable<'_>, offset: usize, path: &mut Vec<Seg>) -> bool {
    for (k, v) in table {
        path.push(Seg::Key(k.get_ref().to_string()));
        if k.span().contains(&offset) {
            return true;
        }
        match v.get_ref() {
            DeValue::Table(t) if search(t, offset, path) => return true,
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    if let DeValue::Table(t) = item.get_ref()
                        && search(t, offset, path)
                    {
                        return true;
                    }
                    if item.span().contains(&offset) {
                        return true;
                    }
                    path.pop();
                }
            }
            _ => {}
        }
        if v.span().contains(&offset) {
            return true;
        }
        path.pop();
    }
    false
}

/// Levenshtein distance between two short strings.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The allowed name closest to `got`, if it is close enough to be a likely typo.
pub fn closest<'a>(got: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let lower = got.to_lowercase();
    allowed
        .iter()
        .map(|a| (edit_distance(&lower, &a.to_lowercase()), *a))
        .filter(|(d, a)| *d <= (a.len() / 3).max(2))
        .min()
        .map(|(_, a)| a)
}

/// Help text for a choice among `allowed`: the closest match first, then the full list.
pub fn choice_help(got: &str, allowed: &[&str]) -> String {
    let list = allowed.join(", ");
    match closest(got, allowed) {
        Some(c) => format!("did you mean `{c}`? allowed: {list}"),
        None => format!("allowed: {list}"),
    }
}

/// Turns a TOML or serde error into a diagnostic, with a suggestion for unknown keys and
/// unknown variants.
pub fn from_toml_error(src: &Source<'_>, e: &toml::de::Error) -> Diagnostic {
    let msg = e.message().trim().to_string();
    let mut d = src.at(e.span(), msg.clone());
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
        assert_eq!(edit_distance("kitten", "sitting"), 3);
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
