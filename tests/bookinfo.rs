//! bookinfo under oha, closed loop, on a 2-vCPU node: the four coefficients meshsim needs to
//! reproduce LiveWyer's measurements (`data/livewyer/bookinfo-oha-pod-to-service.csv`), fitted
//! from them, and meshsim's figures with them.
//!
//! The scenario is `scenarios/bookinfo-oha.toml`: its services' processing times fix how the
//! application's CPU per request is split between productpage, details, reviews and ratings
//! (the report does not say; only the total is fitted). Fitted, in this order:
//! 1. the spread of the application's CPU per request (one coefficient of variation for every
//!    service), on the no-mesh P90 ÷ P50 and P99 ÷ P50 at 32 and 64 connections;
//! 2. the application's total CPU per request, on the no-mesh throughput at 32 and 64
//!    connections (the mean of the log errors made 0);
//! 3. the sidecar's CPU per request through it, on the sidecar throughputs, likewise;
//! 4. the ztunnel's CPU per request through it, on the ambient throughputs.
//!
//! Everything else — the latency percentiles of the mesh modes, which mode is faster, how
//! latency grows from 32 to 64 connections — is meshsim's prediction with these four.

use meshsim_core::time::SimDuration;
use meshsim_models::delay::DelaySpec;
use meshsim_models::latency::{self, Arrival, Estimate};
use meshsim_models::mesh::MeshMode;
use meshsim_scenarios::Scenario;
use rayon::prelude::*;

use crate::{data_file, shipped, simulate};

/// The connection counts measured (oha `-c`).
pub const CONNECTIONS: [u32; 2] = [32, 64];
/// The modes measured, in the report's order.
pub const MODES: [MeshMode; 3] = [MeshMode::None, MeshMode::Ambient, MeshMode::Sidecar];

/// One measured run: oha's figures for one mode at one connection count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// Mesh mode.
    pub mode: MeshMode,
    /// oha `-c`.
    pub connections: u32,
    /// Requests per second.
    pub qps: f64,
    /// P50, P90, P99, P99.9 of the response time, ms.
    pub quantiles_ms: [f64; 4],
}

/// The quantiles measured, as meshsim names them.
pub const QUANTILES: [&str; 4] = ["p50", "p90", "p99", "p999"];

/// The measurements shipped in `data/livewyer/bookinfo-oha-pod-to-service.csv`.
pub fn measurements() -> Vec<Measured> {
    let p = data_file("livewyer/bookinfo-oha-pod-to-service.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("mode,connections,qps,p50_s,p90_s,p99_s,p999_s")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 7, "{}: {l}", p.display());
            let mode = match f[0] {
                "none" => MeshMode::None,
                "ambient" => MeshMode::Ambient,
                "sidecar" => MeshMode::Sidecar,
                other => panic!("{}: unknown mode {other}", p.display()),
            };
            let n = |i: usize| f[i].parse::<f64>().unwrap();
            Measured {
                mode,
                connections: f[1].parse().unwrap(),
                qps: n(2),
                quantiles_ms: [n(3), n(4), n(5), n(6)].map(|s| 1000.0 * s),
            }
        })
        .collect()
}

/// The four fitted coefficients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// The application's CPU per request, all services together, ms.
    pub app_cpu_ms: f64,
    /// Coefficient of variation of every service's CPU per request (log-normal).
    pub app_cv: f64,
    /// CPU per request through one sidecar, ms (`cpu_per_1000_rps` in vCPU ÷ 1000 rps).
    pub sidecar_cpu_ms: f64,
    /// CPU per request through one ztunnel, ms.
    pub ztunnel_cpu_ms: f64,
}

/// meshsim's figures for one mode at one connection count.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Mesh mode.
    pub mode: MeshMode,
    /// oha `-c`.
    pub connections: u32,
    /// Throughput, requests per second.
    pub qps: Estimate,
    /// [`QUANTILES`] of the response time, ms.
    pub quantiles_ms: Vec<Estimate>,
}

/// The application's CPU per request in the shipped scenario, ms: every service's mean
/// processing time times its visits per request.
fn app_cpu_ms(s: &Scenario) -> f64 {
    let spec = s.latency.as_ref().unwrap();
    let mut visits = vec![0.0; spec.services.len()];
    fn walk(spec: &latency::LatencySpec, at: usize, n: f64, visits: &mut [f64]) {
        visits[at] += n;
        for c in &spec.services[at].calls {
            walk(spec, c.target, n * f64::from(c.count), visits);
        }
    }
    walk(spec, spec.traffic[0].target, 1.0, &mut visits);
    spec.services
        .iter()
        .zip(&visits)
        .map(|(sv, v)| 1000.0 * sv.processing.mean_s() * v)
        .sum()
}

/// The shipped scenario's own coefficients (what `meshsim run` uses).
pub fn shipped_fit() -> Fit {
    let s = shipped("bookinfo-oha");
    let spec = s.latency.as_ref().unwrap();
    let cv = match spec.services[spec.traffic[0].target].processing {
        DelaySpec::LogNormalCv { cv, .. } => cv,
        other => panic!("bookinfo-oha: productpage's processing_time is {other:?}"),
    };
    Fit {
        app_cpu_ms: app_cpu_ms(&s),
        app_cv: cv,
        sidecar_cpu_ms: s.mesh.costs.sidecar.cpu_milli_per_1000_rps / 1000.0,
        ztunnel_cpu_ms: s.mesh.costs.ztunnel.cpu_milli_per_1000_rps / 1000.0,
    }
}

/// The shipped scenario with `fit`'s coefficients, driven by `connections` clients.
pub fn scenario(fit: &Fit, connections: u32) -> Scenario {
    let mut s = shipped("bookinfo-oha");
    let scale = fit.app_cpu_ms / app_cpu_ms(&s);
    let spec = s.latency.as_mut().unwrap();
    for sv in &mut spec.services {
        let mean = sv.processing.mean_s() * scale;
        if mean > 0.0 {
            sv.processing = DelaySpec::LogNormalCv {
                mean: SimDuration::from_secs_f64(mean).unwrap(),
                cv: fit.app_cv,
            };
        }
    }
    spec.traffic[0].arrival = Arrival::Closed {
        connections,
        think: SimDuration::ZERO,
    };
    s.mesh.costs.sidecar.cpu_milli_per_1000_rps = 1000.0 * fit.sidecar_cpu_ms;
    s.mesh.costs.ztunnel.cpu_milli_per_1000_rps = 1000.0 * fit.ztunnel_cpu_ms;
    s
}

/// meshsim's figures for `mode` at each of `connections`, with `fit`.
pub fn outcomes(fit: &Fit, modes: &[MeshMode], connections: &[u32]) -> Vec<Outcome> {
    let cases: Vec<(MeshMode, u32)> = modes
        .iter()
        .flat_map(|&m| connections.iter().map(move |&c| (m, c)))
        .collect();
    cases
        .par_iter()
        .map(|&(mode, c)| {
            let s = scenario(fit, c);
            let runs = simulate(&s, &[mode]);
            let spec = s.latency.as_ref().unwrap();
            let sum = latency::summarise(&[mode], &runs, &spec.traffic, 1.0, None);
            let d = &sum[0].dists[1];
            Outcome {
                mode,
                connections: c,
                qps: d.throughput,
                quantiles_ms: QUANTILES
                    .iter()
                    .map(|q| *latency::lookup(&d.stats, q).unwrap())
                    .collect(),
            }
        })
        .collect()
}

fn measured(m: &[Measured], mode: MeshMode, c: u32) -> &Measured {
    m.iter()
        .find(|x| x.mode == mode && x.connections == c)
        .unwrap_or_else(|| panic!("no measurement for {mode:?} at {c} connections"))
}

/// Mean over the connection counts of ln(meshsim's throughput ÷ the measured) for `mode`.
fn throughput_error(fit: &Fit, mode: MeshMode, m: &[Measured]) -> f64 {
    let o = outcomes(fit, &[mode], &CONNECTIONS);
    o.iter()
        .map(|x| (x.qps.mean / measured(m, mode, x.connections).qps).ln())
        .sum::<f64>()
        / o.len() as f64
}

/// Squared log errors of the no-mesh P90 ÷ P50 and P99 ÷ P50 at each connection count.
fn spread_error(fit: &Fit, m: &[Measured]) -> f64 {
    outcomes(fit, &[MeshMode::None], &CONNECTIONS)
        .iter()
        .map(|x| {
            let want = &measured(m, MeshMode::None, x.connections).quantiles_ms;
            let got = &x.quantiles_ms;
            (1..3)
                .map(|q| ((got[q].mean / got[0].mean).ln() - (want[q] / want[0]).ln()).powi(2))
                .sum::<f64>()
        })
        .sum()
}

/// The root of `g` near `x0` (`g` increasing or decreasing, close to linear): secant steps
/// until |g| < 1e-3 (a 0.1 % throughput error), at most 12.
fn secant(mut g: impl FnMut(f64) -> f64, x0: f64) -> f64 {
    let (mut a, mut ga) = (x0, g(x0));
    if ga.abs() < 1e-3 {
        return a;
    }
    let (mut b, mut gb) = (x0 * 1.05, g(x0 * 1.05));
    for _ in 0..12 {
        if gb.abs() < 1e-3 || gb == ga {
            break;
        }
        let c = (b - gb * (b - a) / (gb - ga)).max(b / 4.0);
        (a, ga) = (b, gb);
        (b, gb) = (c, g(c));
    }
    b
}

/// The minimum of `f` on `[lo, hi]` by golden-section search, to within 0.005.
fn golden(mut f: impl FnMut(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    let r = (5f64.sqrt() - 1.0) / 2.0;
    let mut x1 = hi - r * (hi - lo);
    let mut x2 = lo + r * (hi - lo);
    let (mut f1, mut f2) = (f(x1), f(x2));
    while hi - lo > 0.005 {
        if f1 <= f2 {
            (hi, x2, f2) = (x2, x1, f1);
            x1 = hi - r * (hi - lo);
            f1 = f(x1);
        } else {
            (lo, x1, f1) = (x1, x2, f2);
            x2 = lo + r * (hi - lo);
            f2 = f(x2);
        }
    }
    (lo + hi) / 2.0
}

/// The four coefficients fitted to the measurements, starting from the shipped scenario's.
pub fn fit(m: &[Measured]) -> Fit {
    let mut f = shipped_fit();
    f.app_cv = golden(|cv| spread_error(&Fit { app_cv: cv, ..f }, m), 0.05, 0.8);
    f.app_cpu_ms = secant(
        |x| throughput_error(&Fit { app_cpu_ms: x, ..f }, MeshMode::None, m),
        f.app_cpu_ms,
    );
    f.sidecar_cpu_ms = secant(
        |x| {
            throughput_error(
                &Fit {
                    sidecar_cpu_ms: x,
                    ..f
                },
                MeshMode::Sidecar,
                m,
            )
        },
        f.sidecar_cpu_ms,
    );
    f.ztunnel_cpu_ms = secant(
        |x| {
            throughput_error(
                &Fit {
                    ztunnel_cpu_ms: x,
                    ..f
                },
                MeshMode::Ambient,
                m,
            )
        },
        f.ztunnel_cpu_ms,
    );
    f
}
