//! `kubectl top pods` / `kubectl top nodes` text, as kubectl's printer writes it
//! (`pkg/metricsutil/metrics_printer.go`): cells separated by spaces (the tabwriter pads every cell,
//! so lines end in spaces), CPU as integer millicores (`10m`), memory as integer MiB (`21Mi`).
//!
//! Pod layouts: `NAMESPACE POD NAME CPU(cores) MEMORY(bytes)` (`-A --containers`),
//! `POD NAME …` (`--containers` in one namespace), `NAMESPACE NAME …` and `NAME …` (per pod,
//! summed over its containers); `SWAP(bytes)` may follow (`--show-swap`, kubectl ≥ 1.34).
//! Node layouts: `NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%)` (kubectl ≥ 1.32) and `CPU%` /
//! `MEMORY%` (≤ 1.31). `--sum` appends a rule and a totals line, which are skipped. Without a
//! header (`--no-headers`) the layout is taken from the number of cells where that is unambiguous.

use meshsim_models::audit::records::UsageSample;

use crate::units::{parse_bytes, parse_cpu_milli};

/// A `top` file's rows.
#[derive(Debug, Default)]
pub struct TopFile {
    /// Pod or container samples.
    pub samples: Vec<UsageSample>,
    /// Node rows (read, not used by the audit).
    pub node_rows: u64,
    /// Rows of `<unknown>` values (no metrics yet).
    pub unknown_rows: u64,
}

/// A located problem: line (1-based), column name, message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopError {
    /// Line.
    pub line: usize,
    /// Column.
    pub column: Option<String>,
    /// Why.
    pub message: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Namespace,
    Pod,
    Name,
    Cpu,
    CpuPct,
    Memory,
    MemoryPct,
    Swap,
    SwapPct,
}

fn column(h: &str) -> Option<Col> {
    Some(match h {
        "NAMESPACE" => Col::Namespace,
        "POD" => Col::Pod,
        "NAME" => Col::Name,
        "CPU(cores)" => Col::Cpu,
        "CPU%" | "CPU(%)" => Col::CpuPct,
        "MEMORY(bytes)" => Col::Memory,
        "MEMORY%" | "MEMORY(%)" => Col::MemoryPct,
        "SWAP(bytes)" => Col::Swap,
        "SWAP%" | "SWAP(%)" => Col::SwapPct,
        _ => return None,
    })
}

const EXPECTED: &str = "expected a header such as `NAMESPACE POD NAME CPU(cores) MEMORY(bytes)` \
     (kubectl top pods -A --containers), `NAMESPACE NAME CPU(cores) MEMORY(bytes)`, \
     `POD NAME …`, `NAME CPU(cores) MEMORY(bytes)`, or a node header `NAME CPU(cores) CPU(%) \
     MEMORY(bytes) MEMORY(%)`";

/// Whether `text` looks like `kubectl top` output (its first line is a known header, or cells).
pub fn looks_like_top(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| l.split_whitespace().next())
        .is_some_and(|t| column(t).is_some())
}

/// Parses a `top` file; `snapshot` numbers its samples.
pub fn parse(text: &str, snapshot: u32, max_rows: usize) -> Result<TopFile, TopError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((i0, first)) = lines.next() else {
        return Err(TopError {
            line: 1,
            column: None,
            message: format!("is empty; {EXPECTED}"),
        });
    };
    let cells: Vec<&str> = first.split_whitespace().collect();
    let header: Option<Vec<Col>> = cells.iter().map(|c| column(c)).collect();
    let (cols, data_first) = match header {
        Some(h) => (h, None),
        None if cells.iter().any(|c| column(c).is_some()) || cells[0].contains('(') => {
            let bad = cells.iter().find(|c| column(c).is_none()).unwrap_or(&"");
            return Err(TopError {
                line: i0 + 1,
                column: Some(bad.to_string()),
                message: format!("unknown column `{bad}`; {EXPECTED}"),
            });
        }
        None => {
            // No header: infer from the cell count where unambiguous.
            let pct = cells.iter().any(|c| c.ends_with('%'));
            let cols = match (cells.len(), pct) {
                (3, false) => vec![Col::Name, Col::Cpu, Col::Memory],
                (5, true) => vec![
                    Col::Name,
                    Col::Cpu,
                    Col::CpuPct,
                    Col::Memory,
                    Col::MemoryPct,
                ],
                (5, false) => vec![Col::Namespace, Col::Pod, Col::Name, Col::Cpu, Col::Memory],
                _ => {
                    return Err(TopError {
                        line: i0 + 1,
                        column: None,
                        message: format!(
                            "no header, and {} cells per line could be more than one layout; print \
                             it with headers; {EXPECTED}",
                            cells.len()
                        ),
                    });
                }
            };
            (cols, Some((i0, first)))
        }
    };
    let has = |c: Col| cols.contains(&c);
    if !has(Col::Name) || !has(Col::Cpu) || !has(Col::Memory) {
        return Err(TopError {
            line: i0 + 1,
            column: None,
            message: format!("the header lacks NAME, CPU(cores) or MEMORY(bytes); {EXPECTED}"),
        });
    }
    let nodes = has(Col::CpuPct) || has(Col::MemoryPct);
    let mut out = TopFile::default();
    let mut skip_next = false;
    for (i, line) in data_first.into_iter().chain(lines) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        if cells.iter().all(|c| c.chars().all(|ch| ch == '_')) {
            // `--sum`: the rule, then the totals line.
            skip_next = true;
            continue;
        }
        if skip_next {
            skip_next = false;
            if cells.len() < cols.len() {
                continue;
            }
        }
        if cells.len() != cols.len() {
            return Err(TopError {
                line: i + 1,
                column: None,
                message: format!("{} cells where the header has {}", cells.len(), cols.len()),
            });
        }
        let get = |c: Col| cols.iter().position(|x| *x == c).map(|p| cells[p]);
        if cells.contains(&"<unknown>") {
            out.unknown_rows += 1;
            continue;
        }
        if nodes {
            out.node_rows += 1;
            continue;
        }
        if out.samples.len() >= max_rows {
            return Err(TopError {
                line: i + 1,
                column: None,
                message: format!("more than {max_rows} rows"),
            });
        }
        let cpu_cell = get(Col::Cpu).unwrap_or("");
        let mem_cell = get(Col::Memory).unwrap_or("");
        let cpu = parse_cpu_milli(cpu_cell).map_err(|e| TopError {
            line: i + 1,
            column: Some("CPU(cores)".into()),
            message: format!("{e}"),
        })?;
        let mem = parse_bytes(mem_cell).map_err(|e| TopError {
            line: i + 1,
            column: Some("MEMORY(bytes)".into()),
            message: format!("{e}"),
        })?;
        let (pod, container) = match get(Col::Pod) {
            Some(p) => (p, get(Col::Name).map(str::to_string)),
            None => (get(Col::Name).unwrap_or(""), None),
        };
        out.samples.push(UsageSample {
            namespace: get(Col::Namespace).map(str::to_string),
            pod: pod.to_string(),
            container,
            snapshot,
            cpu_milli: Some(cpu as f64),
            memory_bytes: Some(mem as f64),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_across_namespaces() {
        let t = "NAMESPACE   POD   NAME   CPU(cores)   MEMORY(bytes)   \n\
                 shop   web-1   istio-proxy   4m   86Mi   \n";
        let f = parse(t, 0, 10).unwrap();
        assert_eq!(f.samples.len(), 1);
        let s = &f.samples[0];
        assert_eq!(s.namespace.as_deref(), Some("shop"));
        assert_eq!(s.container.as_deref(), Some("istio-proxy"));
        assert_eq!(s.cpu_milli, Some(4.0));
        assert_eq!(s.memory_bytes, Some(86.0 * 1024.0 * 1024.0));
    }

    #[test]
    fn both_node_header_styles_and_swap_columns_are_read() {
        // kubectl ≤ 1.31 printed `CPU%`; ≥ 1.32 prints `CPU(%)` (commit dca377690).
        for h in [
            "NAME CPU(cores) CPU% MEMORY(bytes) MEMORY%",
            "NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%)",
        ] {
            let f = parse(&format!("{h}\nnode1 1000m 10% 1024Mi 10%\n"), 0, 10).unwrap();
            assert_eq!((f.node_rows, f.samples.len()), (1, 0), "{h}");
        }
        // `--show-swap` (kubectl ≥ 1.34) appends SWAP(bytes) to pod rows.
        let f = parse(
            "NAME CPU(cores) MEMORY(bytes) SWAP(bytes)\np 5m 10Mi 0Mi\n",
            0,
            10,
        )
        .unwrap();
        assert_eq!(f.samples[0].memory_bytes, Some(10.0 * 1024.0 * 1024.0));
        // Without --containers and -A: per pod, no namespace (joined by pod name).
        assert!(f.samples[0].container.is_none() && f.samples[0].namespace.is_none());
    }

    #[test]
    fn unknown_header_and_bad_cells_are_located() {
        let e = parse("NAME   CPU(cores)   RAM\nx 1m 1Mi\n", 0, 10).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (1, Some("RAM")));
        let e = parse("NAME   CPU(cores)   MEMORY(bytes)\nx lots 1Mi\n", 0, 10).unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (2, Some("CPU(cores)")));
        let e = parse("a b c d\n", 0, 10).unwrap_err();
        assert!(e.message.contains("headers"), "{}", e.message);
    }
}
