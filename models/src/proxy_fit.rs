//! Fitting a preset's proxy coefficients to a measurement table (`meshsim calibrate`): each
//! proxy's memory and CPU are the linear models meshsim runs ([`crate::mesh::sidecar_usage`],
//! [`crate::mesh::node_proxy_usage`], [`crate::mesh::waypoint_usage`]), so the coefficients
//! fitted here are the figures a scenario uses, and each point's error is the error of the
//! preset as written (coefficients rounded to whole bytes and millicores).
//!
//! How each coefficient is settled:
//! - **fitted**: least squares over the points of that proxy and figure ([`crate::calibrate`]),
//!   each point weighted by 1 / its measured value, so what is minimised is the sum of squared
//!   relative errors — the error `fit.csv` reports;
//! - **constant in the table**: a feature with the same value at every point cannot be told
//!   apart from the base figure, so its coefficient is kept from the base preset and the base is
//!   fitted with that contribution held;
//! - **not in the table**: a feature the table does not give keeps the base preset's
//!   coefficient, and its contribution is absorbed by the fitted base (a benchmark's fixed
//!   configuration ends up in `base_memory`);
//! - **held at 0**: a coefficient that fits below zero (memory falling as endpoints grow) has no
//!   physical reading; the most negative one is held at 0 and the rest refitted, until none is
//!   negative (an active-set approximation of non-negative least squares).

use crate::calibrate::{FitError, least_squares};
use crate::mesh::MeshCosts;

/// A proxy whose figures a table measures.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Proxy {
    /// An Istio sidecar (one per pod).
    Sidecar,
    /// The node's ztunnel.
    Ztunnel,
    /// A waypoint replica.
    Waypoint,
}

impl Proxy {
    /// The name used in tables and in `[mesh.<name>]`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A measured figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quantity {
    /// Resident memory, bytes.
    Memory,
    /// CPU, millicores.
    Cpu,
}

impl Quantity {
    /// `memory` or `cpu`.
    pub fn as_str(self) -> &'static str {
        match self {
            Quantity::Memory => "memory",
            Quantity::Cpu => "cpu",
        }
    }
}

/// What a coefficient multiplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// The base figure (a column of ones).
    One,
    /// Services (Envoy clusters) the proxy sees.
    Services,
    /// Endpoints the proxy sees (for ztunnel: the workloads of the cluster it knows).
    Endpoints,
    /// Pods on the proxy's node (ztunnel).
    Pods,
    /// Requests per second through the proxy, ÷ 1000.
    KiloRps,
    /// Open connections.
    Connections,
}

impl Feature {
    /// The measurement column the feature reads (`1` for the base).
    pub fn column(self) -> &'static str {
        match self {
            Feature::One => "1",
            Feature::Services => "services",
            Feature::Endpoints => "endpoints",
            Feature::Pods => "pods",
            Feature::KiloRps => "rps",
            Feature::Connections => "connections",
        }
    }

    fn value(self, m: &Measurement) -> Option<f64> {
        match self {
            Feature::One => Some(1.0),
            Feature::Services => m.services,
            Feature::Endpoints => m.endpoints,
            Feature::Pods => m.pods,
            Feature::KiloRps => m.rps.map(|r| r / 1000.0),
            Feature::Connections => m.connections,
        }
    }
}

/// One measured proxy. A feature is `None` when the table does not have its column.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// Where the point comes from (a run label, or `line N`).
    pub label: String,
    /// The proxy measured.
    pub proxy: Proxy,
    /// Services the proxy sees.
    pub services: Option<f64>,
    /// Endpoints the proxy sees.
    pub endpoints: Option<f64>,
    /// Pods on the proxy's node.
    pub pods: Option<f64>,
    /// Requests per second through the proxy.
    pub rps: Option<f64>,
    /// Open connections.
    pub connections: Option<f64>,
    /// Proxies of this kind, all at these figures, whose CPU and memory were summed (1 for one
    /// proxy): a published total over a workload's sidecars is a point of its own.
    pub proxies: f64,
    /// Measured CPU, millicores (`None`: not measured at this point).
    pub cpu_milli: Option<f64>,
    /// Measured memory, bytes (`None`: not measured at this point).
    pub memory_bytes: Option<f64>,
}

/// How a coefficient was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// Fitted by least squares.
    Fitted,
    /// Its feature is constant in the table: kept from the base preset.
    Constant,
    /// Its feature is not in the table: kept from the base preset, absorbed by the base.
    NotInTable,
    /// It fitted below zero: held at 0.
    HeldAtZero,
}

impl Settled {
    /// As written in `coefficients.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Settled::Fitted => "fitted",
            Settled::Constant => "kept: constant in the table",
            Settled::NotInTable => "kept: not in the table",
            Settled::HeldAtZero => "held at 0: fitted below zero",
        }
    }

    /// Whether the preset file writes it (it differs from the base by the fit).
    pub fn written(self) -> bool {
        matches!(self, Settled::Fitted | Settled::HeldAtZero)
    }
}

/// One coefficient of a fitted figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Coefficient {
    /// The key under `[mesh.<proxy>]`, e.g. `memory_per_endpoint`.
    pub key: &'static str,
    /// What it multiplies.
    pub feature: Feature,
    /// The value written (bytes or millicores per unit of the feature), whole.
    pub value: f64,
    /// The base preset's value.
    pub base_value: f64,
    /// How it was settled.
    pub settled: Settled,
}

/// One point of a fit.
#[derive(Clone, Debug, PartialEq)]
pub struct PointFit {
    /// The measurement's label.
    pub label: String,
    /// Measured (bytes or millicores).
    pub measured: f64,
    /// What the written preset gives at this point.
    pub fitted: f64,
    /// (fitted − measured) ÷ measured; `None` when measured is 0.
    pub relative_error: Option<f64>,
}

/// A fitted figure of one proxy.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureFit {
    /// The proxy.
    pub proxy: Proxy,
    /// Memory or CPU.
    pub quantity: Quantity,
    /// Its coefficients, base first.
    pub coefficients: Vec<Coefficient>,
    /// Every point, in table order.
    pub points: Vec<PointFit>,
    /// Root mean square of the relative errors.
    pub rms_relative_error: f64,
    /// Largest |relative error|.
    pub max_abs_relative_error: f64,
}

/// Why a table cannot be fitted.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProxyFitError {
    /// Nothing to fit.
    #[error("the table has no measured CPU or memory for any proxy")]
    Empty,
    /// A feature given at some points of a fit and not at others.
    #[error(
        "{proxy} {quantity}: `{feature}` is given at some points and empty at others ({label} has none)"
    )]
    Partial {
        /// The proxy.
        proxy: &'static str,
        /// `memory` or `cpu`.
        quantity: &'static str,
        /// The feature's column.
        feature: &'static str,
        /// A point without it.
        label: String,
    },
    /// The least squares failed for one figure.
    #[error("{proxy} {quantity}: {error}")]
    Fit {
        /// The proxy.
        proxy: &'static str,
        /// `memory` or `cpu`.
        quantity: &'static str,
        /// Why.
        error: FitError,
    },
}

/// The coefficients of one proxy figure, in the model's order: the key under `[mesh.<proxy>]`
/// and what it multiplies.
fn terms(proxy: Proxy, q: Quantity) -> &'static [(&'static str, Feature)] {
    use Feature::*;
    match (proxy, q) {
        (Proxy::Sidecar, Quantity::Memory) => &[
            ("base_memory", One),
            ("memory_per_cluster", Services),
            ("memory_per_endpoint", Endpoints),
        ],
        (Proxy::Ztunnel, Quantity::Memory) => &[
            ("base_memory", One),
            ("memory_per_local_pod", Pods),
            ("memory_per_cluster_pod", Endpoints),
            ("memory_per_connection", Connections),
            ("memory_per_1000_rps", KiloRps),
        ],
        (Proxy::Waypoint, Quantity::Memory) => {
            &[("base_memory", One), ("memory_per_1000_rps", KiloRps)]
        }
        (_, Quantity::Cpu) => &[("base_cpu", One), ("cpu_per_1000_rps", KiloRps)],
    }
}

/// The figure `key` of `proxy` in `costs` (a key [`terms`] lists).
fn slot<'a>(costs: &'a mut MeshCosts, proxy: Proxy, key: &str) -> &'a mut f64 {
    match (proxy, key) {
        (Proxy::Sidecar, "base_memory") => &mut costs.sidecar.base_memory_bytes,
        (Proxy::Sidecar, "memory_per_cluster") => &mut costs.sidecar.memory_per_cluster_bytes,
        (Proxy::Sidecar, "memory_per_endpoint") => &mut costs.sidecar.memory_per_endpoint_bytes,
        (Proxy::Sidecar, "base_cpu") => &mut costs.sidecar.base_cpu_milli,
        (Proxy::Sidecar, "cpu_per_1000_rps") => &mut costs.sidecar.cpu_milli_per_1000_rps,
        (Proxy::Ztunnel, "base_memory") => &mut costs.ztunnel.base_memory_bytes,
        (Proxy::Ztunnel, "memory_per_local_pod") => &mut costs.ztunnel.memory_per_local_pod_bytes,
        (Proxy::Ztunnel, "memory_per_cluster_pod") => {
            &mut costs.ztunnel.memory_per_cluster_pod_bytes
        }
        (Proxy::Ztunnel, "memory_per_connection") => &mut costs.ztunnel.memory_per_connection_bytes,
        (Proxy::Ztunnel, "memory_per_1000_rps") => &mut costs.ztunnel.memory_per_1000_rps_bytes,
        (Proxy::Ztunnel, "base_cpu") => &mut costs.ztunnel.base_cpu_milli,
        (Proxy::Ztunnel, "cpu_per_1000_rps") => &mut costs.ztunnel.cpu_milli_per_1000_rps,
        (Proxy::Waypoint, "base_memory") => &mut costs.waypoint.base_memory_bytes,
        (Proxy::Waypoint, "memory_per_1000_rps") => &mut costs.waypoint.memory_per_1000_rps_bytes,
        (Proxy::Waypoint, "base_cpu") => &mut costs.waypoint.base_cpu_milli,
        (Proxy::Waypoint, "cpu_per_1000_rps") => &mut costs.waypoint.cpu_milli_per_1000_rps,
        _ => unreachable!("{proxy:?} has no figure {key}"),
    }
}

/// Part of a waypoint's memory that its model takes from the sidecar's coefficients (the
/// configuration it holds), at `m`; 0 for other figures.
fn offset(costs: &MeshCosts, proxy: Proxy, q: Quantity, m: &Measurement) -> f64 {
    if (proxy, q) != (Proxy::Waypoint, Quantity::Memory) {
        return 0.0;
    }
    costs.sidecar.memory_per_cluster_bytes * m.services.unwrap_or(0.0)
        + costs.sidecar.memory_per_endpoint_bytes * m.endpoints.unwrap_or(0.0)
}

fn measured(q: Quantity, m: &Measurement) -> Option<f64> {
    match q {
        Quantity::Memory => m.memory_bytes,
        Quantity::Cpu => m.cpu_milli,
    }
}

/// A point's weight: 1 / measured; a point measured at 0 weighs as one at the mean (1 when all
/// are 0).
fn weight(q: Quantity, m: &Measurement, mean_abs: f64) -> f64 {
    let v = measured(q, m).unwrap_or(0.0).abs();
    if v > 0.0 {
        1.0 / v
    } else if mean_abs > 0.0 {
        1.0 / mean_abs
    } else {
        1.0
    }
}

/// Fits one figure of one proxy over `points` (each measured), updating `costs`.
fn fit_figure(
    costs: &mut MeshCosts,
    proxy: Proxy,
    q: Quantity,
    points: &[&Measurement],
) -> Result<FigureFit, ProxyFitError> {
    let err = |error| ProxyFitError::Fit {
        proxy: proxy.as_str(),
        quantity: q.as_str(),
        error,
    };
    let terms: Vec<(&'static str, Feature, f64)> = terms(proxy, q)
        .iter()
        .map(|&(k, f)| (k, f, *slot(costs, proxy, k)))
        .collect();
    for (_, f, _) in &terms {
        let given = points.iter().filter(|m| f.value(m).is_some()).count();
        if given > 0 && given < points.len() {
            let label = points
                .iter()
                .find(|m| f.value(m).is_none())
                .map_or(String::new(), |m| m.label.clone());
            return Err(ProxyFitError::Partial {
                proxy: proxy.as_str(),
                quantity: q.as_str(),
                feature: f.column(),
                label,
            });
        }
    }
    let mut settled: Vec<Settled> = terms
        .iter()
        .map(|(_, f, _)| {
            if *f == Feature::One {
                return Settled::Fitted;
            }
            let vals: Vec<Option<f64>> = points.iter().map(|m| f.value(m)).collect();
            if vals.iter().all(Option::is_none) {
                Settled::NotInTable
            } else if vals.windows(2).all(|w| w[0] == w[1]) {
                Settled::Constant
            } else {
                Settled::Fitted
            }
        })
        .collect();
    let mut values: Vec<f64> = terms.iter().map(|t| t.2).collect();
    let mean_abs = points
        .iter()
        .map(|m| measured(q, m).unwrap_or(0.0).abs())
        .sum::<f64>()
        / points.len() as f64;
    // What the held terms contribute at a point (fitted terms excluded).
    let held = |m: &Measurement, settled: &[Settled], values: &[f64], costs: &MeshCosts| {
        m.proxies
            * (offset(costs, proxy, q, m)
                + terms
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !matches!(settled[*i], Settled::Fitted))
                    .map(|(i, (_, f, _))| values[i] * f.value(m).unwrap_or(0.0))
                    .sum::<f64>())
    };
    loop {
        let fit_idx: Vec<usize> = (0..terms.len())
            .filter(|i| settled[*i] == Settled::Fitted)
            .collect();
        if fit_idx.is_empty() {
            break;
        }
        let names: Vec<&str> = fit_idx.iter().map(|i| terms[*i].0).collect();
        let x: Vec<Vec<f64>> = points
            .iter()
            .map(|m| {
                fit_idx
                    .iter()
                    .map(|i| m.proxies * terms[*i].1.value(m).unwrap_or(0.0))
                    .collect()
            })
            .collect();
        let y: Vec<f64> = points
            .iter()
            .map(|m| measured(q, m).unwrap_or(0.0) - held(m, &settled, &values, costs))
            .collect();
        // Weighted by 1 / measured, so the fit minimises the relative errors it reports (a
        // table spans 10 to 3000 rps: unweighted, the busy points would decide alone).
        let w: Vec<f64> = points.iter().map(|m| weight(q, m, mean_abs)).collect();
        let x: Vec<Vec<f64>> = x
            .iter()
            .zip(&w)
            .map(|(r, w)| r.iter().map(|v| v * w).collect())
            .collect();
        let y: Vec<f64> = y.iter().zip(&w).map(|(v, w)| v * w).collect();
        let fit = least_squares(&names, &x, &y).map_err(err)?;
        for (k, i) in fit_idx.iter().enumerate() {
            values[*i] = fit.coefficients[k];
        }
        let worst = fit_idx
            .iter()
            .copied()
            .filter(|i| values[*i] < 0.0)
            .min_by(|a, b| values[*a].total_cmp(&values[*b]));
        match worst {
            Some(i) => {
                settled[i] = Settled::HeldAtZero;
                values[i] = 0.0;
            }
            None => break,
        }
    }
    // The preset holds whole bytes and whole millicores.
    let coefficients: Vec<Coefficient> = terms
        .iter()
        .zip(&settled)
        .zip(&values)
        .map(|(((key, feature, base), s), v)| Coefficient {
            key,
            feature: *feature,
            value: if s.written() { v.round() } else { *base },
            base_value: *base,
            settled: *s,
        })
        .collect();
    for c in &coefficients {
        *slot(costs, proxy, c.key) = c.value;
    }
    let points: Vec<PointFit> = points
        .iter()
        .map(|m| {
            let measured = measured(q, m).unwrap_or(0.0);
            let fitted = m.proxies
                * (offset(costs, proxy, q, m)
                    + coefficients
                        .iter()
                        .map(|c| c.value * c.feature.value(m).unwrap_or(0.0))
                        .sum::<f64>());
            PointFit {
                label: m.label.clone(),
                measured,
                fitted,
                relative_error: (measured != 0.0).then(|| (fitted - measured) / measured),
            }
        })
        .collect();
    let errs: Vec<f64> = points.iter().filter_map(|p| p.relative_error).collect();
    let rms = if errs.is_empty() {
        0.0
    } else {
        (errs.iter().map(|e| e * e).sum::<f64>() / errs.len() as f64).sqrt()
    };
    Ok(FigureFit {
        proxy,
        quantity: q,
        coefficients,
        points,
        rms_relative_error: rms,
        max_abs_relative_error: errs.iter().fold(0.0, |a, e| a.max(e.abs())),
    })
}

/// Fits every proxy figure the table measures, starting from `base`: the calibrated costs and
/// one fit per proxy × figure (sidecars first, as a waypoint's memory uses the sidecar's
/// configuration coefficients).
pub fn fit_table(
    table: &[Measurement],
    base: &MeshCosts,
) -> Result<(MeshCosts, Vec<FigureFit>), ProxyFitError> {
    let mut costs = base.clone();
    let mut fits = Vec::new();
    for proxy in <Proxy as strum::IntoEnumIterator>::iter() {
        for q in [Quantity::Memory, Quantity::Cpu] {
            let points: Vec<&Measurement> = table
                .iter()
                .filter(|m| m.proxy == proxy && measured(q, m).is_some())
                .collect();
            if !points.is_empty() {
                fits.push(fit_figure(&mut costs, proxy, q, &points)?);
            }
        }
    }
    if fits.is_empty() {
        return Err(ProxyFitError::Empty);
    }
    Ok((costs, fits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::{NodeLoad, Visibility, node_proxy_usage, sidecar_usage};
    use crate::presets::istio_1_24;

    fn point(proxy: Proxy, services: f64, endpoints: f64, rps: f64) -> Measurement {
        Measurement {
            label: format!("{services}/{endpoints}/{rps}"),
            proxy,
            services: Some(services),
            endpoints: Some(endpoints),
            pods: None,
            rps: Some(rps),
            connections: None,
            proxies: 1.0,
            cpu_milli: None,
            memory_bytes: None,
        }
    }

    /// Synthetic sidecars from a known preset are fitted back to it exactly, and the fitted
    /// preset's own model reproduces every point.
    #[test]
    fn a_synthetic_sidecar_table_gives_back_its_coefficients() {
        let mut truth = istio_1_24();
        truth.sidecar.base_memory_bytes = 41_000_000.0;
        truth.sidecar.memory_per_cluster_bytes = 90_000.0;
        truth.sidecar.memory_per_endpoint_bytes = 3_000.0;
        truth.sidecar.base_cpu_milli = 4.0;
        truth.sidecar.cpu_milli_per_1000_rps = 310.0;
        let mut table = Vec::new();
        for (s, e, r) in [
            (10.0, 20.0, 100.0),
            (50.0, 400.0, 1000.0),
            (200.0, 900.0, 2500.0),
            (400.0, 5000.0, 10.0),
            (30.0, 3000.0, 700.0),
        ] {
            let mut m = point(Proxy::Sidecar, s, e, r);
            let u = sidecar_usage(
                &truth.sidecar,
                Visibility {
                    clusters: s,
                    endpoints: e,
                },
                r,
            );
            m.memory_bytes = Some(u.memory_bytes);
            m.cpu_milli = Some(u.cpu_milli);
            table.push(m);
        }
        let (got, fits) = fit_table(&table, &istio_1_24()).unwrap();
        assert_eq!(got.sidecar.base_memory_bytes, 41_000_000.0);
        assert_eq!(got.sidecar.memory_per_cluster_bytes, 90_000.0);
        assert_eq!(got.sidecar.memory_per_endpoint_bytes, 3_000.0);
        assert_eq!(got.sidecar.base_cpu_milli, 4.0);
        assert_eq!(got.sidecar.cpu_milli_per_1000_rps, 310.0);
        assert_eq!(fits.len(), 2);
        for f in &fits {
            assert!(f.max_abs_relative_error < 1e-12, "{f:?}");
            assert!(f.coefficients.iter().all(|c| c.settled == Settled::Fitted));
        }
        // Other proxies are untouched.
        assert_eq!(got.ztunnel, istio_1_24().ztunnel);
    }

    /// A constant feature keeps the base preset's coefficient and the base is fitted around
    /// it; a missing one keeps it and is absorbed.
    #[test]
    fn constant_and_missing_features_keep_the_base_coefficient() {
        let base = istio_1_24();
        let mut table = Vec::new();
        // 100 services at every point, endpoints vary; memory = 30 MB + 64 KiB × 100 + 5 KB × e.
        for e in [100.0, 200.0, 400.0] {
            let mut m = point(Proxy::Sidecar, 100.0, e, 0.0);
            m.rps = None;
            m.memory_bytes = Some(30e6 + 65_536.0 * 100.0 + 5_000.0 * e);
            m.cpu_milli = Some(7.0);
            table.push(m);
        }
        let (got, fits) = fit_table(&table, &base).unwrap();
        let mem = &fits[0];
        assert_eq!(mem.quantity, Quantity::Memory);
        assert_eq!(mem.coefficients[1].settled, Settled::Constant);
        assert_eq!(got.sidecar.memory_per_cluster_bytes, 65_536.0);
        assert_eq!(got.sidecar.base_memory_bytes, 30e6);
        assert_eq!(got.sidecar.memory_per_endpoint_bytes, 5_000.0);
        let cpu = &fits[1];
        assert_eq!(cpu.coefficients[1].settled, Settled::NotInTable);
        assert_eq!(got.sidecar.base_cpu_milli, 7.0);
        assert_eq!(got.sidecar.cpu_milli_per_1000_rps, 200.0);
    }

    /// A coefficient that fits negative is held at 0 and the rest refitted: memory that falls
    /// with rps gives a flat line, at the level that minimises the squared relative errors,
    /// Σ(1/y) / Σ(1/y²).
    #[test]
    fn a_negative_slope_is_held_at_zero() {
        let mut table = Vec::new();
        for (r, mem) in [(10.0, 70e6), (1000.0, 68e6), (3000.0, 66e6)] {
            let mut m = point(Proxy::Waypoint, 0.0, 0.0, r);
            m.services = None;
            m.endpoints = None;
            m.memory_bytes = Some(mem);
            table.push(m);
        }
        let (got, fits) = fit_table(&table, &istio_1_24()).unwrap();
        assert_eq!(fits[0].coefficients[1].settled, Settled::HeldAtZero);
        assert_eq!(got.waypoint.memory_per_1000_rps_bytes, 0.0);
        let ys = [70e6, 68e6, 66e6];
        let level =
            ys.iter().map(|y| 1.0 / y).sum::<f64>() / ys.iter().map(|y| 1.0 / (y * y)).sum::<f64>();
        assert_eq!(got.waypoint.base_memory_bytes, level.round());
        assert!((level - 67_921_569.0).abs() < 1.0, "{level}");
        // Errors are those of the written preset.
        for (p, y) in fits[0].points.iter().zip(ys) {
            assert!((p.relative_error.unwrap() - (level.round() - y) / y).abs() < 1e-12);
        }
    }

    /// ztunnel memory on local pods and connections, recovered through its own model.
    #[test]
    fn ztunnel_memory_is_fitted_through_its_model() {
        let mut truth = istio_1_24();
        truth.ztunnel.base_memory_bytes = 21_000_000.0;
        truth.ztunnel.memory_per_local_pod_bytes = 1_700_000.0;
        truth.ztunnel.memory_per_connection_bytes = 6_000.0;
        let mut table = Vec::new();
        for (pods, conns) in [
            (1.0, 32.0),
            (2.0, 64.0),
            (4.0, 32.0),
            (8.0, 16.0),
            (6.0, 128.0),
        ] {
            let load = NodeLoad {
                local_pods: pods,
                connections: conns,
                ..NodeLoad::default()
            };
            table.push(Measurement {
                label: format!("{pods}"),
                proxy: Proxy::Ztunnel,
                services: None,
                endpoints: None,
                pods: Some(pods),
                rps: None,
                connections: Some(conns),
                proxies: 1.0,
                cpu_milli: None,
                memory_bytes: Some(node_proxy_usage(&truth.ztunnel, load).memory_bytes),
            });
        }
        let (got, fits) = fit_table(&table, &istio_1_24()).unwrap();
        assert_eq!(got.ztunnel.base_memory_bytes, 21_000_000.0);
        assert_eq!(got.ztunnel.memory_per_local_pod_bytes, 1_700_000.0);
        assert_eq!(got.ztunnel.memory_per_connection_bytes, 6_000.0);
        assert_eq!(fits[0].coefficients[2].settled, Settled::NotInTable);
    }

    /// A point that sums k proxies counts k times the model: three totals over 6, 9 and 13
    /// sidecars of 40 MiB each give back 40 MiB.
    #[test]
    fn summed_points_are_k_times_the_model() {
        let table: Vec<Measurement> = [6.0, 9.0, 13.0]
            .iter()
            .map(|k| Measurement {
                label: format!("{k}"),
                proxy: Proxy::Sidecar,
                services: None,
                endpoints: None,
                pods: None,
                rps: None,
                connections: None,
                proxies: *k,
                cpu_milli: None,
                memory_bytes: Some(k * 40.0 * 1_048_576.0),
            })
            .collect();
        let (got, fits) = fit_table(&table, &istio_1_24()).unwrap();
        assert_eq!(got.sidecar.base_memory_bytes, 40.0 * 1_048_576.0);
        assert_eq!(fits[0].points[2].fitted, 13.0 * 40.0 * 1_048_576.0);
        assert_eq!(fits[0].max_abs_relative_error, 0.0);
    }

    #[test]
    fn too_few_points_are_named() {
        let mut m = point(Proxy::Sidecar, 1.0, 1.0, 1.0);
        m.cpu_milli = Some(3.0);
        let e = fit_table(&[m], &istio_1_24()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "sidecar cpu: 1 point(s) for 1 coefficient(s): a fit needs more points than coefficients"
        );
        assert_eq!(fit_table(&[], &istio_1_24()), Err(ProxyFitError::Empty));
        let mut a = point(Proxy::Sidecar, 1.0, 1.0, 1.0);
        a.cpu_milli = Some(3.0);
        let mut b = a.clone();
        b.rps = None;
        b.label = "b".into();
        let e = fit_table(&[a.clone(), b, a], &istio_1_24()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "sidecar cpu: `rps` is given at some points and empty at others (b has none)"
        );
    }
}
