//! Measurement tables for `meshsim calibrate`: measured CPU and memory per proxy with the
//! configuration and load it ran at. Two formats:
//!
//! - **meshsim** (documented in `cli/SCHEMA.md`): a CSV with a `proxy` column (`sidecar`,
//!   `ztunnel`, `waypoint`), optional `label` and `version`, optional `proxies` (the row sums
//!   that many proxies at the same figures: a published total over a workload's sidecars), optional feature columns
//!   (`services`, `endpoints`, `pods`, `rps`, `connections`: plain non-negative numbers, empty
//!   where a row's proxy has no such figure — a fit refuses a feature given at only some of its
//!   points), and
//!   `cpu` and/or `memory` as Kubernetes quantities — a bare number is cores and bytes, as
//!   Kubernetes reads it, so a Prometheus export of
//!   `rate(container_cpu_usage_seconds_total[5m])` and `container_memory_working_set_bytes`
//!   goes in unchanged. An empty `cpu` or `memory` cell is "not measured at this point".
//! - **istio-tools**: the CSV istio/tools' benchmark runner writes (`Labels`, `NumThreads`,
//!   `ActualQPS`, `cpu_mili_avg_istio_proxy_fortio{client,server}`,
//!   `mem_Mi_avg_istio_proxy_fortio{client,server}`): each run gives two sidecar points (client
//!   and server) at its actual qps and connection count; its `version` is the run's mode, the
//!   label's last part (`…_1024_v2-stats-nullvm_both` → `v2-stats-nullvm_both`).
//!
//! A table is untrusted input: read with a size cap, bounded in rows, every value bounded, and
//! every problem reported with its line and column name, quoting nothing of the file but column
//! names.

use std::collections::BTreeSet;
use std::path::Path;

use meshsim_models::proxy_fit::{Measurement, Proxy};
use meshsim_models::resources::MIB;

use crate::diag::{Diagnostic, Diagnostics, choice_help, closest};
use crate::limits::MAX_ERRORS;
use crate::read::read_capped;
use crate::units::{parse_bytes, parse_cpu_nano};

/// Largest measurement table, bytes.
pub const MAX_TABLE_BYTES: u64 = 64 * 1024 * 1024;
/// Most rows in a measurement table.
pub const MAX_TABLE_ROWS: usize = 1_000_000;
/// Largest count (services, endpoints, pods, connections) or rate a row may give.
pub const MAX_FEATURE: f64 = 1e9;
/// Largest CPU a proxy may be measured at, millicores (1024 cores).
pub const MAX_CPU_MILLI: f64 = 1_024_000.0;
/// Largest memory a proxy may be measured at, bytes (1 TiB).
pub const MAX_MEMORY_BYTES: f64 = 1024.0 * 1024.0 * 1024.0 * 1024.0;

/// The formats a table may be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Format {
    /// meshsim's own columns.
    Meshsim,
    /// istio/tools' benchmark CSV.
    IstioTools,
}

/// A table read and filtered to one version.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasurementTable {
    /// The format it was read as.
    pub format: Format,
    /// The version its points are of (`None` when the table names none).
    pub version: Option<String>,
    /// The points, in table order.
    pub points: Vec<Measurement>,
}

const FEATURES: [&str; 5] = ["services", "endpoints", "pods", "rps", "connections"];
const MESHSIM_COLUMNS: [&str; 11] = [
    "proxy",
    "label",
    "version",
    "proxies",
    "services",
    "endpoints",
    "pods",
    "rps",
    "connections",
    "cpu",
    "memory",
];
const ISTIO_TOOLS_NEEDS: [&str; 7] = [
    "Labels",
    "NumThreads",
    "ActualQPS",
    "cpu_mili_avg_istio_proxy_fortioclient",
    "cpu_mili_avg_istio_proxy_fortioserver",
    "mem_Mi_avg_istio_proxy_fortioclient",
    "mem_Mi_avg_istio_proxy_fortioserver",
];

struct Errors {
    file: String,
    /// The header's columns, to give a cell's column number.
    cols: Vec<String>,
    list: Vec<Diagnostic>,
    more: usize,
}

impl Errors {
    fn at(&mut self, line: u64, key: &str, message: impl Into<String>, help: Option<String>) {
        if self.list.len() >= MAX_ERRORS {
            self.more += 1;
            return;
        }
        let column = self.cols.iter().position(|c| c == key).map_or(1, |i| i + 1);
        self.list.push(Diagnostic {
            file: self.file.clone(),
            line: line as usize,
            column,
            key: key.to_string(),
            message: message.into(),
            help,
            snippet: None,
        });
    }

    fn finish(mut self) -> Diagnostics {
        if self.more > 0 {
            let d = Diagnostic {
                file: self.file.clone(),
                line: 0,
                column: 0,
                key: String::new(),
                message: format!("… and {} more error(s)", self.more),
                help: None,
                snippet: None,
            };
            self.list.push(d);
        }
        Diagnostics(self.list)
    }
}

fn looks_like_column(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

/// Which format a header is in (`None`: neither).
fn detect(cols: &[&str]) -> Option<Format> {
    if cols.contains(&"proxy") {
        Some(Format::Meshsim)
    } else if cols.contains(&"Labels") && cols.iter().any(|c| c.starts_with("cpu_mili_avg_")) {
        Some(Format::IstioTools)
    } else {
        None
    }
}

/// Reads the table at `path` in `format` (detected from the header when `None`) and keeps the
/// points of `version` (required when the table holds more than one).
pub fn load(
    path: &Path,
    format: Option<Format>,
    version: Option<&str>,
) -> Result<MeasurementTable, Diagnostics> {
    let mut errs = Errors {
        file: path.display().to_string(),
        cols: Vec::new(),
        list: Vec::new(),
        more: 0,
    };
    let bytes = match read_capped(path, MAX_TABLE_BYTES) {
        Ok(b) => b,
        Err(e) => {
            errs.at(0, "", e.to_string(), None);
            return Err(errs.finish());
        }
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let header = match rdr.headers() {
        Ok(h) if !h.is_empty() => h.clone(),
        _ => {
            errs.at(1, "", "the first line is not a CSV header", None);
            return Err(errs.finish());
        }
    };
    let cols: Vec<&str> = header.iter().map(str::trim).collect();
    errs.cols = cols.iter().map(|c| c.to_string()).collect();
    let shown = |cols: &[&str]| {
        if cols.len() <= 30 && cols.iter().all(|c| looks_like_column(c)) {
            cols.join(", ")
        } else {
            format!("{} field(s)", cols.len())
        }
    };
    let format = match format.or_else(|| detect(&cols)) {
        Some(f) => f,
        None => {
            errs.at(
                1,
                "",
                format!(
                    "the header ({}) is neither meshsim's measurement columns nor istio/tools' benchmark CSV",
                    shown(&cols)
                ),
                Some(
                    "meshsim's format has a `proxy` column (see cli/SCHEMA.md); istio/tools' has `Labels` and `cpu_mili_avg_istio_proxy_*`"
                        .into(),
                ),
            );
            return Err(errs.finish());
        }
    };
    let idx = |name: &str| cols.iter().position(|c| *c == name);
    let mut rows: Vec<(Option<String>, Measurement)> = Vec::new();
    match format {
        Format::Meshsim => {
            for c in &cols {
                if !MESHSIM_COLUMNS.contains(c) {
                    let help = if looks_like_column(c) {
                        Some(match closest(c, &MESHSIM_COLUMNS) {
                            Some(m) => {
                                format!("did you mean `{m}`? {}", choice_help(c, &MESHSIM_COLUMNS))
                            }
                            None => choice_help(c, &MESHSIM_COLUMNS),
                        })
                    } else {
                        Some(choice_help("", &MESHSIM_COLUMNS))
                    };
                    let name = if looks_like_column(c) { *c } else { "" };
                    errs.at(1, name, "unknown column", help);
                }
            }
            if idx("cpu").is_none() && idx("memory").is_none() {
                errs.at(
                    1,
                    "",
                    "the table has neither a `cpu` nor a `memory` column: nothing is measured",
                    None,
                );
            }
            let seen: BTreeSet<&str> = cols.iter().copied().collect();
            if seen.len() != cols.len() {
                errs.at(1, "", "a column appears twice", None);
            }
            if !errs.list.is_empty() {
                return Err(errs.finish());
            }
            read_meshsim(&mut rdr, &cols, &mut errs, &mut rows);
        }
        Format::IstioTools => {
            let missing: Vec<&str> = ISTIO_TOOLS_NEEDS
                .iter()
                .copied()
                .filter(|n| idx(n).is_none())
                .collect();
            if !missing.is_empty() {
                errs.at(
                    1,
                    "",
                    format!(
                        "an istio/tools benchmark CSV needs the column(s) {}",
                        missing.join(", ")
                    ),
                    Some(format!("the header has {}", shown(&cols))),
                );
                return Err(errs.finish());
            }
            read_istio_tools(&mut rdr, &cols, &mut errs, &mut rows);
        }
    }
    if !errs.list.is_empty() {
        return Err(errs.finish());
    }
    if rows.is_empty() {
        errs.at(0, "", "the table has no rows", None);
        return Err(errs.finish());
    }
    let versions: BTreeSet<String> = rows.iter().filter_map(|(v, _)| v.clone()).collect();
    let chosen = match version {
        Some(v) => {
            if !versions.contains(v) {
                let list: Vec<&str> = versions.iter().map(String::as_str).collect();
                errs.at(
                    0,
                    "version",
                    format!("no row has version `{v}`"),
                    Some(if list.is_empty() {
                        "the table names no version".into()
                    } else {
                        choice_help(v, &list)
                    }),
                );
                return Err(errs.finish());
            }
            Some(v.to_string())
        }
        None if versions.len() > 1 => {
            let list: Vec<&str> = versions.iter().map(String::as_str).collect();
            errs.at(
                0,
                "version",
                format!(
                    "the table holds {} versions: choose one with --version, as one preset fits one version",
                    versions.len()
                ),
                Some(format!("versions: {}", list.join(", "))),
            );
            return Err(errs.finish());
        }
        None => versions.into_iter().next(),
    };
    let points = rows
        .into_iter()
        .filter(|(v, _)| chosen.is_none() || v == &chosen)
        .map(|(_, m)| m)
        .collect();
    Ok(MeasurementTable {
        format,
        version: chosen,
        points,
    })
}

/// Next record, with its line; `None` at the end. A broken record is an error.
fn next(
    rdr: &mut csv::Reader<&[u8]>,
    record: &mut csv::StringRecord,
    errs: &mut Errors,
    count: &mut usize,
) -> Option<Option<u64>> {
    let line = rdr.position().line();
    match rdr.read_record(record) {
        Ok(false) => None,
        Err(_) => {
            errs.at(line, "", "not valid CSV text", None);
            None
        }
        Ok(true) if record.iter().all(|f| f.trim().is_empty()) => Some(None),
        Ok(true) => {
            *count += 1;
            if *count > MAX_TABLE_ROWS {
                errs.at(
                    line,
                    "",
                    format!("the table has more than {MAX_TABLE_ROWS} rows"),
                    None,
                );
                return None;
            }
            Some(Some(line))
        }
    }
}

fn number(
    errs: &mut Errors,
    line: u64,
    key: &str,
    cell: &str,
    max: f64,
    unit: &str,
) -> Option<f64> {
    match cell.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=max).contains(&v) => Some(v),
        Ok(v) if v.is_finite() => {
            errs.at(line, key, format!("must lie within 0..={max}{unit}"), None);
            None
        }
        _ => {
            errs.at(
                line,
                key,
                "is not a number",
                Some("a plain non-negative number, e.g. 250 or 1.5".into()),
            );
            None
        }
    }
}

fn read_meshsim(
    rdr: &mut csv::Reader<&[u8]>,
    cols: &[&str],
    errs: &mut Errors,
    rows: &mut Vec<(Option<String>, Measurement)>,
) {
    let idx = |name: &str| cols.iter().position(|c| *c == name);
    let proxy_i = idx("proxy");
    let mut record = csv::StringRecord::new();
    let mut count = 0;
    let proxies: Vec<&str> = <Proxy as strum::IntoEnumIterator>::iter()
        .map(Proxy::as_str)
        .collect();
    while let Some(line) = next(rdr, &mut record, errs, &mut count) {
        let Some(line) = line else { continue };
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).map(str::trim);
        let proxy = match cell(proxy_i).unwrap_or("").parse::<Proxy>() {
            Ok(p) => Some(p),
            Err(_) => {
                let got = cell(proxy_i).unwrap_or("");
                let got = if looks_like_column(got) { got } else { "" };
                errs.at(
                    line,
                    "proxy",
                    "is not a proxy",
                    Some(choice_help(got, &proxies)),
                );
                None
            }
        };
        let mut feats = [None; 5];
        for (k, name) in FEATURES.iter().enumerate() {
            if let Some(i) = idx(name) {
                let cell = record.get(i).unwrap_or("");
                // Empty: not given at this point (a ztunnel row has no `services`).
                if !cell.trim().is_empty() {
                    feats[k] = number(errs, line, name, cell, MAX_FEATURE, "");
                }
            }
        }
        let cpu = match cell(idx("cpu")) {
            None | Some("") => None,
            Some(s) => match parse_cpu_nano(s) {
                Ok(n) if (n as f64) / 1e6 <= MAX_CPU_MILLI => Some(n as f64 / 1e6),
                Ok(_) => {
                    errs.at(line, "cpu", "is above 1024 cores", None);
                    None
                }
                Err(_) => {
                    errs.at(
                        line,
                        "cpu",
                        "is not a CPU quantity",
                        Some("a Kubernetes quantity: 250m, 8700u or 0.25 (cores, as a Prometheus CPU rate)".into()),
                    );
                    None
                }
            },
        };
        let memory = match cell(idx("memory")) {
            None | Some("") => None,
            Some(s) => match parse_bytes(s) {
                Ok(b) if (b as f64) <= MAX_MEMORY_BYTES => Some(b as f64),
                Ok(_) => {
                    errs.at(line, "memory", "is above 1Ti", None);
                    None
                }
                Err(_) => {
                    errs.at(
                        line,
                        "memory",
                        "is not a memory quantity",
                        Some("a Kubernetes quantity: 68Mi, 71.3M or 74711040 (bytes, as container_memory_working_set_bytes)".into()),
                    );
                    None
                }
            },
        };
        let Some(proxy) = proxy else { continue };
        let proxies = match cell(idx("proxies")) {
            None | Some("") => 1.0,
            Some(c) => match c.parse::<u32>() {
                Ok(n) if (1..=1_000_000).contains(&n) => f64::from(n),
                _ => {
                    errs.at(
                        line,
                        "proxies",
                        "must be a whole number within 1..=1000000",
                        Some("how many proxies of this kind the row's CPU and memory sum (1 for one proxy)".into()),
                    );
                    1.0
                }
            },
        };
        let label = cell(idx("label"))
            .filter(|l| !l.is_empty())
            .map_or_else(|| format!("line {line}"), |l| l.chars().take(120).collect());
        let version = cell(idx("version"))
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        rows.push((
            version,
            Measurement {
                label,
                proxy,
                services: feats[0],
                endpoints: feats[1],
                pods: feats[2],
                rps: feats[3],
                connections: feats[4],
                proxies,
                cpu_milli: cpu,
                memory_bytes: memory,
            },
        ));
    }
}

fn read_istio_tools(
    rdr: &mut csv::Reader<&[u8]>,
    cols: &[&str],
    errs: &mut Errors,
    rows: &mut Vec<(Option<String>, Measurement)>,
) {
    let idx = |name: &str| cols.iter().position(|c| *c == name).unwrap_or(usize::MAX);
    let mut record = csv::StringRecord::new();
    let mut count = 0;
    while let Some(line) = next(rdr, &mut record, errs, &mut count) {
        let Some(line) = line else { continue };
        let get = |name: &str| record.get(idx(name)).unwrap_or("");
        let label: String = get("Labels").trim().chars().take(120).collect();
        // `<run>_qps_<Q>_c_<C>_<payload>_<mode>`: the mode is what follows the payload.
        let parts: Vec<&str> = label.splitn(7, '_').collect();
        let mode = (parts.len() == 7 && parts[1] == "qps" && parts[3] == "c")
            .then(|| parts[6].to_string());
        if mode.is_none() {
            errs.at(
                line,
                "Labels",
                "is not an istio/tools run label",
                Some("expected <run>_qps_<Q>_c_<C>_<payload>_<mode>, e.g. ecbc1c65_qps_1000_c_8_1024_v2-stats-nullvm_both".into()),
            );
        }
        let qps = number(errs, line, "ActualQPS", get("ActualQPS"), MAX_FEATURE, "");
        let conns = number(errs, line, "NumThreads", get("NumThreads"), MAX_FEATURE, "");
        let mut side = |who: &str| {
            let cpu_key = format!("cpu_mili_avg_istio_proxy_fortio{who}");
            let mem_key = format!("mem_Mi_avg_istio_proxy_fortio{who}");
            let cpu = number(
                errs,
                line,
                &cpu_key,
                get(&cpu_key),
                MAX_CPU_MILLI,
                " millicores",
            );
            let mem = number(
                errs,
                line,
                &mem_key,
                get(&mem_key),
                MAX_MEMORY_BYTES / MIB as f64,
                " MiB",
            );
            (cpu, mem.map(|m| m * MIB as f64))
        };
        let client = side("client");
        let server = side("server");
        let (Some(mode), Some(qps), Some(conns)) = (mode, qps, conns) else {
            continue;
        };
        for (who, (cpu, mem)) in [("client", client), ("server", server)] {
            if cpu.is_none() || mem.is_none() {
                continue;
            }
            rows.push((
                Some(mode.clone()),
                Measurement {
                    label: format!("{label} {who}"),
                    proxy: Proxy::Sidecar,
                    services: None,
                    endpoints: None,
                    pods: None,
                    rps: Some(qps),
                    connections: Some(conns),
                    proxies: 1.0,
                    cpu_milli: cpu,
                    memory_bytes: mem,
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m.csv");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn meshsim_rows_read_quantities_as_kubernetes_does() {
        let (_d, p) = write(
            "proxy,label,services,endpoints,rps,cpu,memory\n\
             sidecar,a,10,20,1000,250m,68Mi\n\
             sidecar,,10,20,500,0.125,71303168\n\
             \n\
             ztunnel,z,1,2,3,,12M\n",
        );
        let t = load(&p, None, None).unwrap();
        assert_eq!(t.format, Format::Meshsim);
        assert_eq!(t.version, None);
        assert_eq!(t.points.len(), 3);
        assert_eq!(t.points[0].cpu_milli, Some(250.0));
        assert_eq!(t.points[0].memory_bytes, Some(68.0 * 1024.0 * 1024.0));
        assert_eq!(t.points[1].label, "line 3");
        assert_eq!(t.points[1].cpu_milli, Some(125.0));
        assert_eq!(t.points[1].memory_bytes, Some(71_303_168.0));
        assert_eq!(t.points[2].proxy, Proxy::Ztunnel);
        assert_eq!(t.points[2].cpu_milli, None);
        assert_eq!(t.points[2].pods, None);
    }

    #[test]
    fn bad_cells_are_located_by_line_and_column() {
        let (_d, p) =
            write("proxy,rps,cpu,memory\nsidecar,-1,250m,1Mi\nenvoy,5,lots,1Mi\nsidecar,5,1,2Ti\n");
        let e = load(&p, None, None).unwrap_err().to_string();
        assert!(
            e.contains("m.csv:2:2: rps: must lie within 0..=1000000000"),
            "{e}"
        );
        assert!(e.contains("m.csv:3:1: proxy: is not a proxy"), "{e}");
        assert!(e.contains("m.csv:3:3: cpu: is not a CPU quantity"), "{e}");
        assert!(e.contains("m.csv:4:4: memory: is above 1Ti"), "{e}");
        assert!(!e.contains("lots"), "a cell is never echoed: {e}");
        let (_d, p) = write("proxy,rsp,cpu\nsidecar,1,1\n");
        let e = load(&p, None, None).unwrap_err().to_string();
        assert!(
            e.contains("rsp: unknown column") && e.contains("did you mean `rps`?"),
            "{e}"
        );
        let (_d, p) = write("a,b\n1,2\n");
        let e = load(&p, None, None).unwrap_err().to_string();
        assert!(e.contains("neither meshsim's measurement columns"), "{e}");
    }

    #[test]
    fn versions_are_chosen_not_mixed() {
        let (_d, p) = write(
            "proxy,version,rps,cpu\nsidecar,1.22,1,1m\nsidecar,1.24,1,1m\nsidecar,1.24,2,2m\n",
        );
        let e = load(&p, None, None).unwrap_err().to_string();
        assert!(
            e.contains("holds 2 versions") && e.contains("1.22, 1.24"),
            "{e}"
        );
        let t = load(&p, None, Some("1.24")).unwrap();
        assert_eq!(t.points.len(), 2);
        assert_eq!(t.version.as_deref(), Some("1.24"));
        let e = load(&p, None, Some("1.2")).unwrap_err().to_string();
        assert!(e.contains("no row has version `1.2`"), "{e}");
    }
}
