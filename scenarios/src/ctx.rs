//! Collecting located errors while checking a file: every problem found is kept (up to a
//! bound), not just the first, and numbers are bounded with a message naming the bound.

use std::ops::Range;

use toml::Spanned;

use crate::diag::{Diagnostic, KeyIndex, Source};

pub use crate::limits::MAX_ERRORS;

/// Collects diagnostics while checking one file.
pub(crate) struct Ctx<'a> {
    pub src: &'a Source<'a>,
    pub errors: Vec<Diagnostic>,
    /// Errors beyond [`MAX_ERRORS`], counted only.
    pub more: usize,
    keys: Option<KeyIndex>,
}

impl<'a> Ctx<'a> {
    pub fn new(src: &'a Source<'a>) -> Self {
        Ctx {
            src,
            errors: Vec::new(),
            more: 0,
            keys: None,
        }
    }

    /// Whether any error was found.
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Records a diagnostic (counted only past [`MAX_ERRORS`]).
    pub fn push(&mut self, d: Diagnostic) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(d);
        } else {
            self.more += 1;
        }
    }

    /// An error at `span`, with the key path found from the document (parsed once per file).
    pub fn err(&mut self, span: Range<usize>, msg: impl Into<String>, help: Option<String>) {
        if self.errors.len() >= MAX_ERRORS {
            self.more += 1;
            return;
        }
        let keys = self
            .keys
            .get_or_insert_with(|| KeyIndex::build(self.src.text));
        let mut d = self.src.at_with(Some(span), msg, keys);
        d.help = help;
        self.push(d);
    }

    /// A diagnostic at `span`, not recorded: for a problem only some commands care about.
    pub fn diag(
        &mut self,
        span: Range<usize>,
        msg: impl Into<String>,
        help: Option<String>,
    ) -> Diagnostic {
        let keys = self
            .keys
            .get_or_insert_with(|| KeyIndex::build(self.src.text));
        let mut d = self.src.at_with(Some(span), msg, keys);
        d.help = help;
        d
    }

    /// An error about the whole file.
    pub fn whole(&mut self, msg: impl Into<String>, help: Option<String>) {
        let mut d = self.src.whole(msg);
        d.help = help;
        self.push(d);
    }

    /// The diagnostics, with a last line counting those left out.
    pub fn into_errors(self) -> Vec<Diagnostic> {
        let mut v = self.errors;
        if self.more > 0 {
            let mut d = self.src.whole(format!(
                "and {} more error(s) not shown; fix these first",
                self.more
            ));
            d.help = None;
            v.push(d);
        }
        v
    }

    /// An integer within `lo..=hi`, or an error naming the range.
    pub fn int_in(&mut self, v: &Spanned<i64>, lo: i64, hi: i64, what: &str) -> Option<i64> {
        let x = *v.get_ref();
        if x < lo || x > hi {
            let msg = if x > hi {
                format!("{x} {what} is beyond meshsim's limit of {hi}")
            } else if lo == 1 && x <= 0 {
                format!("{x} {what}: must be at least 1")
            } else {
                format!("{x} {what}: must be between {lo} and {hi}")
            };
            self.err(v.span(), msg, None);
            None
        } else {
            Some(x)
        }
    }

    /// A finite number within `lo..=hi`.
    pub fn num_in(&mut self, v: &Spanned<f64>, lo: f64, hi: f64, what: &str) -> Option<f64> {
        let x = *v.get_ref();
        if !x.is_finite() || x < lo || x > hi {
            self.err(
                v.span(),
                format!("{x} is not a valid {what}: must be a number from {lo} to {hi}"),
                None,
            );
            None
        } else {
            Some(x)
        }
    }
}

/// What a name may be, for messages.
pub const NAME_HELP: &str =
    "use 1–100 letters, digits, `-`, `_` or `.`, starting with a letter or digit";

/// Whether `s` is a valid name: 1–100 of `[A-Za-z0-9._-]`, starting with a letter or digit, so
/// it is always one safe path component (never `.`, `..` or hidden) where it names a directory.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}
