//! meshsim's queueing station against closed-form queueing theory.
//!
//! Every check asserts two things about a simulated estimate (the mean over R independent
//! replications, each with its own warm-up deleted):
//!   1. it lies within 2 % of the closed form, and
//!   2. the closed form lies inside the estimate's 99 % Student-t confidence interval.
//!
//! Run lengths are sized so that the 99 % half-width is about 1.2 % — well inside the 2 %
//! tolerance, so a pass means the estimate is both close and precise. The half-width shrinks as
//! 1/√T; each case's measured time T comes from a pilot run at a shorter length, scaled by
//! (pilot half-width / 1.2 %)². (For scale: M/M/1 at ρ = 0.9 has a relaxation time of
//! `1/(1−√ρ)² ≈ 380` service times and needs 3·10⁶ service times per replication.)
//! Warm-up is at least 100 relaxation times `1/(μ(1−√ρ)²)` (Morse 1955).
//!
//! Time unit: the mean service time is 1 ms (μ = 1000 /s).

use meshsim_core::dist::Dist;
use meshsim_core::rng::RngStreams;
use meshsim_core::stats::ConfidenceInterval;
use meshsim_core::tandem::{TandemReport, TandemSpec, run_replication};
use meshsim_core::theory;
use meshsim_core::time::SimDuration;

const MU: f64 = 1000.0; // per second: mean service 1 ms
const REPS: u64 = 20;
const TOLERANCE: f64 = 0.02;
const LEVEL: f64 = 0.99;

/// R replications with seeds derived from one base seed; run two at a time.
fn replicate(spec: &TandemSpec, warmup_ms: u64, measure_ms: u64) -> Vec<TandemReport> {
    let streams = RngStreams::new(20_261_126);
    let seeds: Vec<u64> = (0..REPS)
        .map(|i| streams.child_seed("replication", i))
        .collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = seeds
            .chunks(REPS as usize / 2)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|&seed| {
                            run_replication(
                                spec,
                                seed,
                                SimDuration::from_millis(warmup_ms),
                                SimDuration::from_millis(measure_ms),
                            )
                            .expect("simulation runs")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("replication thread"))
            .collect()
    })
}

/// Asserts both validation criteria and returns the interval for further checks.
fn check(what: &str, samples: &[f64], exact: f64) -> ConfidenceInterval {
    let ci = ConfidenceInterval::from_samples(samples, LEVEL);
    let rel = (ci.mean - exact).abs() / exact;
    eprintln!(
        "{what}: simulated {:.6} ± {:.6} ({:.2} % half-width), exact {exact:.6}, off by {:.2} %",
        ci.mean,
        ci.half_width,
        100.0 * ci.half_width / exact,
        100.0 * rel
    );
    assert!(
        rel <= TOLERANCE,
        "{what}: simulated {} is {:.2} % from the closed form {exact}",
        ci.mean,
        100.0 * rel
    );
    assert!(
        ci.contains(exact),
        "{what}: closed form {exact} outside the 99 % interval {} ± {}",
        ci.mean,
        ci.half_width
    );
    ci
}

fn little(what: &str, reports: &[TandemReport]) {
    for (rep, r) in reports.iter().enumerate() {
        for (i, s) in r.stations.iter().enumerate() {
            assert!(
                s.little_law_gap() < 0.01,
                "{what}: Little's law off by {:.3} % at station {i}, replication {rep}",
                100.0 * s.little_law_gap()
            );
        }
    }
}

fn exp(mean_s: f64) -> Dist {
    Dist::exponential(mean_s).unwrap()
}

/// Measured time per replication, in mean service times, for M/M/1 at ρ.
fn mm1_length(rho: f64) -> u64 {
    match rho {
        r if r <= 0.5 => 200_000,
        r if r <= 0.8 => 300_000,
        _ => 3_000_000,
    }
}

fn mm1_case(rho: f64) {
    let lambda = rho * MU;
    let spec = TandemSpec {
        interarrival: exp(1.0 / lambda),
        stations: vec![(1, exp(1.0 / MU))],
        histograms: true,
    };
    let relax = 1.0 / (1.0 - rho.sqrt()).powi(2);
    let warmup = (100.0 * relax).ceil() as u64;
    let reps = replicate(&spec, warmup, mm1_length(rho));
    let name = format!("M/M/1 rho={rho}");
    let wait: Vec<f64> = reps.iter().map(|r| r.stations[0].mean_wait_s).collect();
    let soj: Vec<f64> = reps.iter().map(|r| r.stations[0].mean_sojourn_s).collect();
    check(
        &format!("{name} mean wait"),
        &wait,
        theory::mmc_mean_wait(lambda, MU, 1).unwrap(),
    );
    check(
        &format!("{name} mean sojourn"),
        &soj,
        theory::mmc_mean_sojourn(lambda, MU, 1).unwrap(),
    );
    // P(W > t) at one mean service time.
    let t = SimDuration::from_millis(1);
    let tail: Vec<f64> = reps
        .iter()
        .map(|r| r.wait_hists[0].as_ref().unwrap().fraction_above(t))
        .collect();
    check(
        &format!("{name} P(W > 1 ms)"),
        &tail,
        theory::mmc_wait_tail(lambda, MU, 1, 1e-3).unwrap(),
    );
    little(&name, &reps);
}

#[test]
fn mm1_at_rho_0_5() {
    mm1_case(0.5);
}

#[test]
fn mm1_at_rho_0_8() {
    mm1_case(0.8);
}

#[test]
fn mm1_at_rho_0_9() {
    mm1_case(0.9);
}

fn mmc_case(c: u32, rho: f64) {
    let lambda = rho * MU * f64::from(c);
    let spec = TandemSpec {
        interarrival: exp(1.0 / lambda),
        stations: vec![(c, exp(1.0 / MU))],
        histograms: true,
    };
    // Measured time per replication in mean service times, from pilot half-widths.
    let measure = match (c, rho) {
        (2, r) if r <= 0.5 => 150_000,
        (2, r) if r <= 0.8 => 170_000,
        (2, _) => 1_500_000,
        (4, r) if r <= 0.5 => 140_000,
        (4, r) if r <= 0.8 => 100_000,
        (4, _) => 950_000,
        (_, r) if r <= 0.5 => 850_000,
        (_, r) if r <= 0.8 => 100_000,
        _ => 400_000,
    };
    let reps = replicate(&spec, 20_000, measure);
    let name = format!("M/M/{c} rho={rho}");
    let wait: Vec<f64> = reps.iter().map(|r| r.stations[0].mean_wait_s).collect();
    check(
        &format!("{name} mean wait (Erlang C)"),
        &wait,
        theory::mmc_mean_wait(lambda, MU, c).unwrap(),
    );
    let soj: Vec<f64> = reps.iter().map(|r| r.stations[0].mean_sojourn_s).collect();
    check(
        &format!("{name} mean sojourn"),
        &soj,
        theory::mmc_mean_sojourn(lambda, MU, c).unwrap(),
    );
    // P(wait > 0) is Erlang C itself; use the tail at a small t above zero so that the
    // histogram's zero bucket is excluded.
    let t = SimDuration::from_nanos(1);
    let waited: Vec<f64> = reps
        .iter()
        .map(|r| r.wait_hists[0].as_ref().unwrap().fraction_above(t))
        .collect();
    check(
        &format!("{name} P(W > 0) = Erlang C"),
        &waited,
        theory::mmc_wait_tail(lambda, MU, c, 1e-9).unwrap(),
    );
    let util: Vec<f64> = reps.iter().map(|r| r.stations[0].utilisation).collect();
    check(&format!("{name} utilisation"), &util, rho);
    little(&name, &reps);
}

#[test]
fn mmc_erlang_c_two_servers() {
    for rho in [0.5, 0.8, 0.9] {
        mmc_case(2, rho);
    }
}

#[test]
fn mmc_erlang_c_four_servers() {
    for rho in [0.5, 0.8, 0.9] {
        mmc_case(4, rho);
    }
}

#[test]
fn mmc_erlang_c_sixteen_servers() {
    for rho in [0.5, 0.8, 0.9] {
        mmc_case(16, rho);
    }
}

#[test]
fn md1_mean_wait_is_half_of_mm1() {
    let rho = 0.8;
    let lambda = rho * MU;
    let spec = TandemSpec {
        interarrival: exp(1.0 / lambda),
        stations: vec![(1, Dist::constant(1.0 / MU).unwrap())],
        histograms: false,
    };
    let reps = replicate(&spec, 20_000, 260_000);
    let wait: Vec<f64> = reps.iter().map(|r| r.stations[0].mean_wait_s).collect();
    check(
        "M/D/1 rho=0.8 mean wait",
        &wait,
        theory::md1_mean_wait(lambda, 1.0 / MU).unwrap(),
    );
    little("M/D/1", &reps);
}

#[test]
fn mg1_lognormal_pollaczek_khinchine() {
    let rho = 0.8;
    let lambda = rho * MU;
    // Service: log-normal with mean 1 ms and P99 5 ms (CV ≈ 1.02).
    let service = Dist::lognormal_mean_p99(1e-3, 5e-3).unwrap();
    let spec = TandemSpec {
        interarrival: exp(1.0 / lambda),
        stations: vec![(1, service.clone())],
        histograms: false,
    };
    let reps = replicate(&spec, 20_000, 650_000);
    let wait: Vec<f64> = reps.iter().map(|r| r.stations[0].mean_wait_s).collect();
    check(
        "M/G/1 log-normal rho=0.8 mean wait (P-K)",
        &wait,
        theory::mg1_mean_wait(lambda, service.mean(), service.second_moment()).unwrap(),
    );
    little("M/G/1", &reps);
}

#[test]
fn jackson_tandem_sojourns_add() {
    // λ = 500/s into M/M/1 (mean 1.6 ms, ρ = 0.8) then M/M/1 (mean 1.2 ms, ρ = 0.6).
    let lambda = 500.0;
    let spec = TandemSpec {
        interarrival: exp(1.0 / lambda),
        stations: vec![(1, exp(1.6e-3)), (1, exp(1.2e-3))],
        histograms: false,
    };
    let reps = replicate(&spec, 40_000, 400_000);
    let total: Vec<f64> = reps.iter().map(|r| r.end_to_end.mean()).collect();
    check(
        "tandem M/M/1 -> M/M/1 end-to-end sojourn",
        &total,
        theory::jackson_tandem_sojourn(lambda, &[1.0 / 1.6e-3, 1.0 / 1.2e-3]).unwrap(),
    );
    for (i, mu) in [1.0 / 1.6e-3, 1.0 / 1.2e-3].into_iter().enumerate() {
        let s: Vec<f64> = reps.iter().map(|r| r.stations[i].mean_sojourn_s).collect();
        check(
            &format!("tandem station {i} sojourn"),
            &s,
            theory::mmc_mean_sojourn(lambda, mu, 1).unwrap(),
        );
    }
    little("tandem", &reps);
}
