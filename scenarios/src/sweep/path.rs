//! Parameter paths: where in the base scenario's TOML document a sweep sets a value
//! (`pools.gpu-a100.count`, `mesh.sidecar.request.memory`, `traffic.web.rate`).

use toml::{Table, Value};

use crate::diag::choice_help;

/// Why a parameter path does not lead to a value in the base scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// A `"` without its pair.
    #[error("unbalanced quote in path `{0}`")]
    UnbalancedQuote(String),
    /// `a..b`, a leading or a trailing dot.
    #[error("empty segment in path `{0}`")]
    EmptySegment(String),
    /// An array of tables with nothing after it.
    #[error("`{0}` needs an element name")]
    NeedsElement(String),
    /// An element name that is not in the array.
    #[error("no {array} element named `{name}`; {help}")]
    NoElement {
        /// The array (`pools`).
        array: String,
        /// The name asked for.
        name: String,
        /// The names there are, nearest first.
        help: String,
    },
    /// The path ends at an element.
    #[error("`{path}` names a whole {array} element; add the key to set")]
    WholeElement {
        /// The path.
        path: String,
        /// The array.
        array: String,
    },
    /// An array element that is not a table.
    #[error("{array}[{index}] is not a table")]
    NotATable {
        /// The array.
        array: String,
        /// The element's index.
        index: usize,
    },
    /// The path goes through a plain value.
    #[error("`{segment}` in `{path}` is a value, not a table")]
    ThroughAValue {
        /// The segment that holds a value.
        segment: String,
        /// The path.
        path: String,
    },
}

/// Splits a path on dots, honouring double quotes: `pools."gpu.a".labels."node.io/x"`.
pub fn split_path(path: &str) -> Result<Vec<String>, PathError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if quoted {
        return Err(PathError::UnbalancedQuote(path.into()));
    }
    out.push(cur);
    if out.iter().any(String::is_empty) {
        return Err(PathError::EmptySegment(path.into()));
    }
    Ok(out)
}

/// Which field names an element of each array of tables.
fn element_key(array: &str) -> &'static str {
    match array {
        "traffic" => "service",
        _ => "name",
    }
}

/// Sets `path` in `doc` to `v`: tables are created as needed; elements of arrays of tables are
/// selected by name (or `service` for traffic) or by index.
pub fn set_path(doc: &mut Table, path: &str, v: Value) -> Result<(), PathError> {
    let segs = split_path(path)?;
    let mut table = doc;
    let mut i = 0;
    while i < segs.len() {
        let seg = &segs[i];
        let last = i + 1 == segs.len();
        if last {
            table.insert(seg.clone(), v);
            return Ok(());
        }
        let entry = table
            .entry(seg.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        match entry {
            Value::Table(t) => {
                table = t;
                i += 1;
            }
            Value::Array(items) => {
                let sel = segs
                    .get(i + 1)
                    .ok_or_else(|| PathError::NeedsElement(seg.clone()))?;
                let key = element_key(seg);
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|x| x.get(key).and_then(Value::as_str).map(String::from))
                    .collect();
                let idx = match sel.parse::<usize>() {
                    Ok(n) if n < items.len() => n,
                    _ => names.iter().position(|n| n == sel).ok_or_else(|| {
                        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                        PathError::NoElement {
                            array: seg.clone(),
                            name: sel.clone(),
                            help: choice_help(sel, &refs),
                        }
                    })?,
                };
                if i + 2 == segs.len() {
                    return Err(PathError::WholeElement {
                        path: path.into(),
                        array: seg.clone(),
                    });
                }
                match &mut items[idx] {
                    Value::Table(t) => {
                        table = t;
                        i += 2;
                    }
                    _ => {
                        return Err(PathError::NotATable {
                            array: seg.clone(),
                            index: idx,
                        });
                    }
                }
            }
            _ => {
                return Err(PathError::ThroughAValue {
                    segment: seg.clone(),
                    path: path.into(),
                });
            }
        }
    }
    Ok(())
}
