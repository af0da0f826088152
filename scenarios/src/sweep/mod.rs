//! Sweep files: a base scenario, the parameters to vary by their path in it, a strategy that
//! turns parameters into points, and optionally a capacity search.
//!
//! ```toml
//! [sweep]
//! name = "gpu-fleet-x-sidecar-memory"
//! scenario = "gpu-inference-memory-bound.toml"   # relative to the sweep file
//! strategy = "grid"                               # grid | zip | random | latin-hypercube
//!
//! [[parameters]]
//! path = "pools.gpu-a100.count"                   # arrays of tables are selected by name
//! values = [16, 32, 64]
//!
//! [[parameters]]
//! path = "mesh.sidecar.request.memory"
//! range = { from = 64, to = 256, steps = 4, scale = "log", unit = "Mi" }
//! ```
//!
//! A point is applied to the base scenario's TOML document and then validated like any
//! scenario, so a bad value is reported with the point and parameter that produced it.
//!
//! | file | what |
//! |---|---|
//! | `file.rs` | the sweep file as written |
//! | `load.rs` | reading and checking it; names resolved once |
//! | `points.rs` | strategies, domains, and point `i` as a pure function of `i` |
//! | `path.rs` | setting a parameter path in the base scenario's document |
//! | `shard.rs` | which points shard K of N runs; whether shard results cover every point once |
//! | `job.rs` | the sweep as a Kubernetes Indexed Job (k8s-openapi manifests) |

mod file;
pub mod job;
mod load;
mod path;
mod points;
pub mod shard;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use meshsim_models::mesh::MeshMode;
use toml::Table;

use crate::diag::{Diagnostic, Diagnostics};

pub use file::{RangeScale, StrategyKind};
pub use load::{load, load_reserving};
pub use path::{PathError, set_path, split_path};
pub use points::{Domain, LhsStrata, MAX_LHS_SAMPLES, Parameter, Point, Strategy};
pub use shard::Shard;

/// Most points a sweep may expand to.
pub const MAX_POINTS: u64 = 10_000_000;

/// A capacity search: per mode, the smallest node count of `pools` that places the desired
/// replicas and keeps the latency SLO.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacity {
    /// Pools to size (others keep their counts), in order: index in the base scenario and name.
    pub pools: Vec<(usize, String)>,
    /// Desired replicas of `fill` workloads (fixed-count workloads keep theirs): by workload
    /// index in the base scenario, with its name.
    pub replicas: BTreeMap<usize, (String, u32)>,
    /// Chain P99 SLO, ms (needs traffic in the scenario).
    pub chain_p99_ms: Option<f64>,
    /// Upper bound of the search per pool (default: the pool's count in the scenario).
    pub max_nodes: Option<u32>,
}

/// A validated sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Name (names the output directory).
    pub name: String,
    /// What it explores.
    pub description: String,
    /// The base scenario file.
    pub scenario_path: PathBuf,
    /// Its text.
    pub scenario_text: String,
    /// Strategy.
    pub strategy: Strategy,
    /// Samples for random and Latin-hypercube.
    pub samples: u64,
    /// Sweep seed: point `i` runs with a seed derived from (this, i).
    pub seed: u64,
    /// Request-simulation replications per point (overrides the scenario's).
    pub replications: Option<u32>,
    /// Modes (overrides the scenario's).
    pub modes: Option<Vec<MeshMode>>,
    /// Compute nodes at equal replicas per point (overrides the scenario's).
    pub nodes_required: Option<bool>,
    /// Also plan the migration at every point (`meshsim plan`, without the request simulation).
    pub plan: bool,
    /// Parameters.
    pub parameters: Vec<Parameter>,
    /// Capacity search.
    pub capacity: Option<Capacity>,
    /// Latin-hypercube strata, drawn on first use.
    pub lhs: LhsStrata,
}

impl Sweep {
    /// The scenario text of point `p` with the sweep's overrides applied, or why it cannot be.
    pub fn apply(&self, p: &Point) -> Result<String, ApplyError> {
        let mut doc: Table = toml::from_str(&self.scenario_text).map_err(ApplyError::Base)?;
        for (param, v) in self.parameters.iter().zip(p) {
            set_path(&mut doc, &param.path, v.clone())?;
        }
        toml::to_string(&doc).map_err(ApplyError::Write)
    }
}

/// Why a point's scenario text cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The base scenario is not TOML (it was when loaded; the file changed since).
    #[error("the base scenario is not TOML: {}", .0.message())]
    Base(toml::de::Error),
    /// A parameter path does not lead to a value.
    #[error(transparent)]
    Path(#[from] PathError),
    /// The result cannot be written as TOML.
    #[error("cannot write the point's scenario: {0}")]
    Write(toml::ser::Error),
}

/// An input of the sweep that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {why}", file.display())]
pub struct InputError {
    /// The file.
    pub file: PathBuf,
    /// Why.
    pub why: crate::read::ReadError,
}

impl Sweep {
    /// Every file the sweep reads: the sweep file, its base scenario, and the traces the base
    /// scenario (as point 0 completes it) or a `…path` parameter's listed values name.
    pub fn inputs(&self, sweep_path: &Path) -> Vec<PathBuf> {
        let mut v = vec![sweep_path.to_path_buf(), self.scenario_path.clone()];
        let base_dir = self.scenario_path.parent();
        if self.point_count() > 0
            && let Ok(text) = self.apply(&self.point(0))
            && let Ok(s) = crate::parse_in("", &text, base_dir)
        {
            v.extend(s.traces.into_iter().flatten().map(|t| t.path));
        }
        for p in &self.parameters {
            if p.path.ends_with(".path")
                && let points::Domain::Values(vals) = &p.domain
            {
                for val in vals {
                    if let Some(f) = val.as_str() {
                        v.push(base_dir.map_or_else(|| PathBuf::from(f), |b| b.join(f)));
                    }
                }
            }
        }
        v.sort();
        v.dedup();
        v
    }

    /// A SHA-256 over the content of every input (see [`Sweep::inputs`]) and `version`: a
    /// resumed or sharded sweep continues only the same sweep over the same data.
    pub fn fingerprint(&self, sweep_path: &Path, version: &str) -> Result<String, InputError> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(version.as_bytes());
        for f in self.inputs(sweep_path) {
            let bytes =
                crate::read::read_capped(&f, crate::trace::MAX_TRACE_BYTES).map_err(|why| {
                    InputError {
                        file: f.clone(),
                        why,
                    }
                })?;
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// A point's scenario failed validation: the point and its values, then the scenario's errors.
pub fn point_error(sweep: &Sweep, index: u64, point: &Point, errors: &Diagnostics) -> Diagnostic {
    let values: Vec<String> = sweep
        .parameters
        .iter()
        .zip(point)
        .map(|(p, v)| format!("{} = {v}", p.path))
        .collect();
    Diagnostic {
        file: sweep.scenario_path.display().to_string(),
        line: 0,
        column: 0,
        key: String::new(),
        message: format!(
            "point {index} ({}) makes an invalid scenario:\n{errors}",
            values.join(", ")
        ),
        help: Some("narrow the parameter's values or range".into()),
        snippet: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::Value;

    fn num(v: &Value) -> Option<f64> {
        match v {
            Value::Integer(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    fn param(path: &str, d: Domain) -> Parameter {
        Parameter {
            path: path.into(),
            name: path.into(),
            domain: d,
        }
    }

    fn sweep(strategy: Strategy, samples: u64, params: Vec<Parameter>) -> Sweep {
        Sweep {
            name: "t".into(),
            description: String::new(),
            scenario_path: PathBuf::new(),
            scenario_text: String::new(),
            strategy,
            samples,
            seed: 7,
            replications: None,
            modes: None,
            nodes_required: None,
            plan: false,
            parameters: params,
            capacity: None,
            lhs: LhsStrata::default(),
        }
    }

    #[test]
    fn grid_enumerates_the_cartesian_product_last_fastest() {
        let s = sweep(
            Strategy::Grid,
            0,
            vec![
                param(
                    "a",
                    Domain::Values(vec![Value::Integer(1), Value::Integer(2)]),
                ),
                param(
                    "b",
                    Domain::Values(vec![
                        Value::String("x".into()),
                        Value::String("y".into()),
                        Value::String("z".into()),
                    ]),
                ),
            ],
        );
        assert_eq!(s.point_count(), 6);
        assert_eq!(
            s.point(0),
            vec![Value::Integer(1), Value::String("x".into())]
        );
        assert_eq!(
            s.point(4),
            vec![Value::Integer(2), Value::String("y".into())]
        );
    }

    #[test]
    fn ranges_space_values_linearly_or_logarithmically() {
        let lin = param(
            "a",
            Domain::Range {
                from: 16.0,
                to: 64.0,
                steps: 4,
                log: false,
                integer: true,
                unit: None,
            },
        );
        assert_eq!(
            lin.grid_values(),
            vec![
                Value::Integer(16),
                Value::Integer(32),
                Value::Integer(48),
                Value::Integer(64)
            ]
        );
        let log = param(
            "m",
            Domain::Range {
                from: 64.0,
                to: 256.0,
                steps: 3,
                log: true,
                integer: true,
                unit: Some("Mi".into()),
            },
        );
        assert_eq!(
            log.grid_values(),
            vec![
                Value::String("64Mi".into()),
                Value::String("128Mi".into()),
                Value::String("256Mi".into())
            ]
        );
    }

    fn unit(name: &str) -> Parameter {
        param(
            name,
            Domain::Range {
                from: 0.0,
                to: 1.0,
                steps: 2,
                log: false,
                integer: false,
                unit: None,
            },
        )
    }

    /// The stratum of each point for each parameter.
    fn strata_of(s: &Sweep) -> Vec<Vec<u64>> {
        (0..s.parameters.len())
            .map(|k| {
                (0..s.samples)
                    .map(|i| (num(&s.point(i)[k]).unwrap() * s.samples as f64) as u64)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn latin_hypercube_stratifies_every_parameter() {
        let n = 50;
        let s = sweep(
            Strategy::LatinHypercube,
            n,
            vec![unit("x"), unit("y"), unit("z")],
        );
        for mut col in strata_of(&s) {
            col.sort_unstable();
            assert_eq!(col, (0..n).collect::<Vec<_>>());
        }
        // A point is a function of its index alone: a fresh copy (another thread, another
        // shard) computes it again, and the values are pinned for this seed.
        let again = Sweep {
            lhs: LhsStrata::default(),
            ..s.clone()
        };
        let p17 = s.point(17);
        assert_eq!(again.point(17), p17);
        assert_ne!(s.point(18), p17);
        let pinned: Vec<u64> = p17
            .iter()
            .map(|v| (num(v).unwrap() * 1e6).round() as u64)
            .collect();
        assert_eq!(pinned, vec![77_590, 416_894, 604_436]);
    }

    #[test]
    fn latin_hypercube_parameters_are_not_on_a_line() {
        // Two parameters, 10 samples, 200 seeds: an affine stratum pairing (s2 = a·s1 + b mod
        // n) happens for 1 in 90,720 random permutations pairs, so none of 200 seeds may give
        // one, and the rank correlation over all seeds stays near zero.
        let n = 10u64;
        let mut affine = 0;
        let mut sum_d2 = 0.0;
        for seed in 0..200 {
            let s = Sweep {
                seed,
                ..sweep(Strategy::LatinHypercube, n, vec![unit("x"), unit("y")])
            };
            let st = strata_of(&s);
            let is_affine = (1..n).any(|a| {
                (0..n).any(|b| (0..n as usize).all(|i| st[1][i] == (a * st[0][i] + b) % n))
            });
            affine += u32::from(is_affine);
            sum_d2 += (0..n as usize)
                .map(|i| (st[0][i] as f64 - st[1][i] as f64).powi(2))
                .sum::<f64>();
        }
        assert_eq!(affine, 0, "strata pairings on a wrapped line");
        // Spearman's rho = 1 − 6 Σd² / (n(n² − 1)); its mean over 200 independent seeds has
        // standard error 1/sqrt(9 × 200) ≈ 0.024: |mean| < 0.1 is four standard errors.
        let rho = 1.0 - 6.0 * (sum_d2 / 200.0) / (n as f64 * (n * n - 1) as f64);
        assert!(rho.abs() < 0.1, "mean rank correlation {rho}");
    }

    #[test]
    fn intervals_sample_a_triangular_distribution() {
        let s = sweep(
            Strategy::Random,
            20_000,
            vec![param(
                "m",
                Domain::Interval {
                    low: 40.0,
                    likely: 60.0,
                    high: 200.0,
                    unit: None,
                    integer: false,
                },
            )],
        );
        let xs: Vec<f64> = (0..20_000).map(|i| num(&s.point(i)[0]).unwrap()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        // Triangular mean (a + c + b) / 3 = 100; sd ≈ 35.6, so 5 standard errors ≈ 1.26.
        assert!((mean - 100.0).abs() < 1.3, "{mean}");
        assert!(xs.iter().all(|x| (40.0..=200.0).contains(x)));
    }

    #[test]
    fn paths_select_tables_and_named_elements() {
        let mut doc: Table = toml::from_str(
            "[scenario]\nname = \"x\"\n[[pools]]\nname = \"gpu\"\ncount = 2\n[[traffic]]\nservice = \"web\"\nrate = 1.0\n",
        )
        .unwrap();
        set_path(&mut doc, "pools.gpu.count", Value::Integer(8)).unwrap();
        set_path(
            &mut doc,
            "mesh.sidecar.request.memory",
            Value::String("256Mi".into()),
        )
        .unwrap();
        set_path(&mut doc, "traffic.web.rate", Value::Float(5.0)).unwrap();
        set_path(
            &mut doc,
            "pools.0.labels.\"node.io/x\"",
            Value::String("y".into()),
        )
        .unwrap();
        let s = toml::to_string(&doc).unwrap();
        assert!(s.contains("count = 8"), "{s}");
        assert!(s.contains("memory = \"256Mi\""), "{s}");
        assert!(s.contains("rate = 5.0"), "{s}");
        assert!(s.contains("\"node.io/x\" = \"y\""), "{s}");
        let e = set_path(&mut doc, "pools.gpuu.count", Value::Integer(1)).unwrap_err();
        assert!(
            matches!(&e, PathError::NoElement { array, name, help }
                if array == "pools" && name == "gpuu" && help.contains("did you mean `gpu`?")),
            "{e}"
        );
        assert_eq!(
            set_path(&mut doc, "scenario.name.x", Value::Integer(1)),
            Err(PathError::ThroughAValue {
                segment: "name".into(),
                path: "scenario.name.x".into()
            })
        );
        assert_eq!(
            set_path(&mut doc, "pools.gpu", Value::Integer(1)),
            Err(PathError::WholeElement {
                path: "pools.gpu".into(),
                array: "pools".into()
            })
        );
        assert_eq!(
            split_path("a..b"),
            Err(PathError::EmptySegment("a..b".into()))
        );
        assert_eq!(
            split_path("pools.\"gpu"),
            Err(PathError::UnbalancedQuote("pools.\"gpu".into()))
        );
    }
}
