//! Cluster tables in the openb format (Alibaba's GPU cluster trace, cluster-trace-gpu-v2023, as
//! the FGD study ships it): a node list `sn,cpu_milli,memory_mib,gpu,model` and a pod list
//! `name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,…,creation_time,deletion_time,…`.
//! Only the columns meshsim uses are read; the others (`qos`, `pod_phase`, `scheduled_time`)
//! are ignored and never copied anywhere. Every value is bounded before it sizes anything.

use std::path::Path;

use meshsim_models::replay::{ReplayNode, ReplayPod};
use meshsim_models::resources::MIB;

use crate::diag::choice_help;
use crate::read::{ReadError, read_capped};
use crate::trace::MAX_TRACE_BYTES;

/// Most nodes in a node list.
pub const MAX_NODES: usize = 1_000_000;
/// Most pods in a pod list.
pub const MAX_PODS: usize = 10_000_000;
/// Largest CPU of a node or request, millicores (100,000 cores).
pub const MAX_CPU_MILLI: u64 = 100_000_000;
/// Largest memory of a node or request, MiB (1 PiB).
pub const MAX_MEMORY_MIB: u64 = 1 << 30;
/// Most GPUs on a node or in a request.
pub const MAX_GPUS: u32 = 64;
/// Latest creation or deletion time, seconds (ten years).
pub const MAX_TIME_S: u64 = 10 * 366 * 86_400;

/// Why a table cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// No header, or no rows.
    #[error("is empty: a {0} needs a header line and at least one row")]
    Empty(&'static str),
    /// A required column is missing.
    #[error("has no column `{column}`; {help}")]
    NoColumn {
        /// The column.
        column: &'static str,
        /// The columns found, or their count.
        help: String,
    },
    /// A row is wrong.
    #[error("line {line}, column `{column}`: {what}")]
    Row {
        /// 1-based line.
        line: u64,
        /// The column.
        column: &'static str,
        /// What is wrong and what is allowed.
        what: String,
    },
    /// Too many rows.
    #[error("has more than {0} rows")]
    TooManyRows(usize),
    /// Two rows with one name.
    #[error("line {line}: `{name}` appears twice (names identify nodes and pods)")]
    Duplicate {
        /// 1-based line of the second.
        line: u64,
        /// The name.
        name: String,
    },
}

fn looks_like_column(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
}

/// The rows of a CSV table with the named columns (`required` must exist; `optional` may).
struct Table {
    /// SHA-256 of the bytes parsed (hex): the checksum of exactly what was read.
    sha256: String,
    columns: Vec<Option<usize>>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn read_table(
    path: &Path,
    what: &'static str,
    required: &[&'static str],
    optional: &[&'static str],
    max_rows: usize,
) -> Result<Table, TableError> {
    let bytes = read_capped(path, MAX_TRACE_BYTES)?;
    let sha256 = {
        use sha2::{Digest, Sha256};
        Sha256::digest(&bytes)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect()
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let header = rdr
        .headers()
        .map_err(|_| TableError::Row {
            line: 1,
            column: "(header)",
            what: "the header is not CSV text".into(),
        })?
        .clone();
    if header.is_empty() {
        return Err(TableError::Empty(what));
    }
    let cols: Vec<&str> = header.iter().map(str::trim).collect();
    let mut columns = Vec::new();
    for &c in required {
        let Some(i) = cols.iter().position(|x| *x == c) else {
            let help = if cols.len() <= 30 && cols.iter().all(|x| looks_like_column(x)) {
                choice_help(c, &cols)
            } else {
                format!(
                    "the first line has {} field(s), none called `{c}` (is this a {what}?)",
                    cols.len()
                )
            };
            return Err(TableError::NoColumn { column: c, help });
        };
        columns.push(Some(i));
    }
    for &c in optional {
        columns.push(cols.iter().position(|x| *x == c));
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => {
                return Err(TableError::Row {
                    line,
                    column: "(row)",
                    what: "not valid CSV text".into(),
                });
            }
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() >= max_rows {
            return Err(TableError::TooManyRows(max_rows));
        }
        rows.push((line, record.clone()));
    }
    if rows.is_empty() {
        return Err(TableError::Empty(what));
    }
    Ok(Table {
        sha256,
        columns,
        rows,
    })
}

impl Table {
    fn field<'r>(&self, row: &'r csv::StringRecord, k: usize) -> &'r str {
        self.columns[k]
            .and_then(|i| row.get(i))
            .map_or("", str::trim)
    }
}

/// An integer in `0..=max`, or a located error.
fn int(line: u64, column: &'static str, v: &str, max: u64) -> Result<u64, TableError> {
    let bad = |what: String| TableError::Row { line, column, what };
    // openb writes some integers as floats (`1000.0`).
    let x: f64 = v.parse().map_err(|_| {
        bad(format!(
            "`{}` is not a number",
            meshsim_models::names::truncate(v, 40)
        ))
    })?;
    if !x.is_finite() || x < 0.0 || x.fract() != 0.0 {
        return Err(bad(format!("`{v}` is not a whole number ≥ 0")));
    }
    if x > max as f64 {
        return Err(bad(format!("{v} is beyond meshsim's limit of {max}")));
    }
    Ok(x as u64)
}

/// `nan`, empty or a value.
fn text(v: &str) -> Option<&str> {
    (!v.is_empty() && !v.eq_ignore_ascii_case("nan")).then_some(v)
}

fn name(line: u64, column: &'static str, v: &str) -> Result<String, TableError> {
    if v.is_empty() || v.len() > 253 || v.chars().any(char::is_control) {
        return Err(TableError::Row {
            line,
            column,
            what: "a name needs 1 to 253 printable characters".into(),
        });
    }
    Ok(v.to_string())
}

/// Reads a node list.
pub fn load_nodes(path: &Path) -> Result<Vec<ReplayNode>, TableError> {
    load_nodes_hashed(path).map(|(n, _)| n)
}

/// Reads a node list, with the SHA-256 of the bytes it parsed.
pub fn load_nodes_hashed(path: &Path) -> Result<(Vec<ReplayNode>, String), TableError> {
    let t = read_table(
        path,
        "node list",
        &["sn", "cpu_milli", "memory_mib", "gpu"],
        &["model"],
        MAX_NODES,
    )?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, r) in &t.rows {
        let line = *line;
        let n = ReplayNode {
            name: name(line, "sn", t.field(r, 0))?,
            cpu_milli: int(line, "cpu_milli", t.field(r, 1), MAX_CPU_MILLI)?,
            memory_bytes: int(line, "memory_mib", t.field(r, 2), MAX_MEMORY_MIB)? * MIB,
            gpus: int(line, "gpu", t.field(r, 3), u64::from(MAX_GPUS))? as u32,
            model: text(t.field(r, 4)).map(|m| meshsim_models::names::truncate(m, 63)),
            ..Default::default()
        };
        if !seen.insert(n.name.clone()) {
            return Err(TableError::Duplicate {
                line,
                name: meshsim_models::names::truncate(&n.name, 60),
            });
        }
        out.push(n);
    }
    Ok((out, t.sha256))
}

/// Reads a pod list. `gpu_milli` above 1000 counts as a whole GPU and is ignored for CPU-only
/// pods (`num_gpu` 0), as the FGD study's converter does; a share spread over several GPUs
/// (`num_gpu` > 1 with `gpu_milli` < 1000) is refused: meshsim places a share on one device.
pub fn load_pods(path: &Path) -> Result<Vec<ReplayPod>, TableError> {
    load_pods_hashed(path).map(|(p, _)| p)
}

/// Reads a pod list, with the SHA-256 of the bytes it parsed.
pub fn load_pods_hashed(path: &Path) -> Result<(Vec<ReplayPod>, String), TableError> {
    let t = read_table(
        path,
        "pod list",
        &["name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"],
        &["gpu_spec", "creation_time", "deletion_time"],
        MAX_PODS,
    )?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, r) in &t.rows {
        let line = *line;
        let k = int(line, "num_gpu", t.field(r, 3), u64::from(MAX_GPUS))? as u32;
        let g = int(line, "gpu_milli", t.field(r, 4), u64::from(u32::MAX))?.min(1000) as u32;
        let (gpus, gpu_milli) = match (k, g) {
            (0, _) | (_, 0) => (0, 0),
            (k, 1000) => (k, 0),
            (1, g) => (0, g),
            (k, g) => {
                return Err(TableError::Row {
                    line,
                    column: "gpu_milli",
                    what: format!(
                        "{g} thousandths on each of {k} GPUs: meshsim places a GPU share on one device (use num_gpu = 1, or gpu_milli = 1000 for whole GPUs)"
                    ),
                });
            }
        };
        let models = text(t.field(r, 5))
            .map(|s| {
                s.split('|')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(|m| meshsim_models::names::truncate(m, 63))
                    .collect()
            })
            .unwrap_or_default();
        let created_s = match text(t.field(r, 6)) {
            Some(v) => int(line, "creation_time", v, MAX_TIME_S)?,
            None => 0,
        };
        let deleted_s = match text(t.field(r, 7)) {
            Some(v) => Some(int(line, "deletion_time", v, MAX_TIME_S)?),
            None => None,
        };
        if deleted_s.is_some_and(|d| d < created_s) {
            return Err(TableError::Row {
                line,
                column: "deletion_time",
                what: "is before creation_time".into(),
            });
        }
        let p = ReplayPod {
            name: name(line, "name", t.field(r, 0))?,
            cpu_milli: int(line, "cpu_milli", t.field(r, 1), MAX_CPU_MILLI)?,
            memory_bytes: int(line, "memory_mib", t.field(r, 2), MAX_MEMORY_MIB)? * MIB,
            gpus,
            gpu_milli,
            models,
            created_s,
            deleted_s,
            ..Default::default()
        };
        if !seen.insert(p.name.clone()) {
            return Err(TableError::Duplicate {
                line,
                name: meshsim_models::names::truncate(&p.name, 60),
            });
        }
        out.push(p);
    }
    Ok((out, t.sha256))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.csv");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn nodes_and_pods_read_as_openb_writes_them() {
        let (_d, p) = write(
            "sn,cpu_milli,memory_mib,gpu,model\nopenb-node-0000,64000,262144,2,P100\nopenb-node-0227,32000,262144,0,nan\n",
        );
        let n = load_nodes(&p).unwrap();
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].memory_bytes, 262_144 * MIB);
        assert_eq!(n[0].model.as_deref(), Some("P100"));
        assert_eq!(n[1].model, None);
        let (_d, p) = write(
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n\
             a,12000,16384,1,1000,,LS,Running,0,12537496,0\n\
             b,6000,12288,1,460,,LS,Running,427061,12902960,427061\n\
             c,88000,327680,8,1000,V100M16|V100M32,Burstable,Succeeded,9437497,10769854,9437497\n\
             d,4000,100,0,0,nan,BE,Running,5,,5\n",
        );
        let pods = load_pods(&p).unwrap();
        assert_eq!((pods[0].gpus, pods[0].gpu_milli), (1, 0));
        assert_eq!((pods[1].gpus, pods[1].gpu_milli), (0, 460));
        assert_eq!(pods[2].gpus, 8);
        assert_eq!(pods[2].models, vec!["V100M16", "V100M32"]);
        assert_eq!(pods[2].deleted_s, Some(10_769_854));
        assert_eq!((pods[3].gpu_total(), pods[3].deleted_s), (0, None));
    }

    #[test]
    fn bad_tables_are_located() {
        let (_d, p) = write("sn,cpu,memory_mib,gpu\nx,1,1,1\n");
        let e = load_nodes(&p).unwrap_err().to_string();
        assert!(e.contains("no column `cpu_milli`"), "{e}");
        let (_d, p) = write("sn,cpu_milli,memory_mib,gpu\nx,1,1,65\n");
        let e = load_nodes(&p).unwrap_err().to_string();
        assert_eq!(
            e,
            "line 2, column `gpu`: 65 is beyond meshsim's limit of 64"
        );
        let (_d, p) = write("sn,cpu_milli,memory_mib,gpu\nx,-1,1,1\n");
        assert!(
            load_nodes(&p)
                .unwrap_err()
                .to_string()
                .contains("whole number")
        );
        let (_d, p) = write("sn,cpu_milli,memory_mib,gpu\nx,1,1,1\nx,1,1,1\n");
        assert!(
            load_nodes(&p)
                .unwrap_err()
                .to_string()
                .contains("line 3: `x` appears twice")
        );
        let (_d, p) = write("name,cpu_milli,memory_mib,num_gpu,gpu_milli\np,1,1,2,500\n");
        let e = load_pods(&p).unwrap_err().to_string();
        assert!(
            e.contains("line 2, column `gpu_milli`: 500 thousandths on each of 2 GPUs"),
            "{e}"
        );
        let (_d, p) = write("root:x:0:0:root:/root:/bin/bash\n");
        let e = load_pods(&p).unwrap_err().to_string();
        assert!(!e.contains("/bin/bash"), "{e}");
        let (_d, p) = write("name,cpu_milli,memory_mib,num_gpu,gpu_milli\n");
        assert_eq!(load_pods(&p), Err(TableError::Empty("pod list")));
    }
}
