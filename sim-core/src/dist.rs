//! Probability distributions for inter-arrival and service times.
//!
//! [`Dist`] is a closed enum (no trait objects in the hot path) over the families meshsim uses,
//! sampled with `rand_distr`:
//!
//! | family | parameters | constructor |
//! |---|---|---|
//! | constant | value | [`Dist::constant`] |
//! | exponential | mean | [`Dist::exponential`] |
//! | log-normal | mu, sigma of ln X — or mean and P99, or mean and coefficient of variation | [`Dist::lognormal`], [`Dist::lognormal_mean_p99`], [`Dist::lognormal_mean_cv`] |
//! | gamma | shape, scale | [`Dist::gamma`] |
//! | uniform | low, high | [`Dist::uniform`] |
//! | empirical | samples (each drawn with equal probability) | [`Dist::empirical`] |
//!
//! Values are plain `f64`; when a distribution describes a time the unit is seconds, and
//! [`Dist::sample_duration`] rounds to the nearest nanosecond (error ≤ 0.5 ns per draw).
//!
//! ```
//! use meshsim_core::dist::Dist;
//! // A proxy whose service time has mean 100 µs and P99 400 µs.
//! let d = Dist::lognormal_mean_p99(100e-6, 400e-6).unwrap();
//! assert!((d.mean() - 100e-6).abs() < 1e-12);
//! assert!((d.quantile(0.99).unwrap() - 400e-6).abs() < 1e-9);
//! ```

use std::sync::Arc;

use rand::Rng;
use rand::distr::Uniform;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal, StandardNormal};

use crate::time::SimDuration;

/// z such that P(Z ≤ z) = 0.99 for a standard normal Z.
pub const Z99: f64 = 2.326_347_874_040_841;

/// A distribution over non-negative reals.
#[derive(Clone, Debug)]
pub enum Dist {
    /// Always the same value.
    Constant(f64),
    /// Exponential with the given mean.
    Exponential {
        /// Mean (1/rate).
        mean: f64,
    },
    /// ln X ~ Normal(mu, sigma).
    LogNormal {
        /// Mean of ln X.
        mu: f64,
        /// Standard deviation of ln X.
        sigma: f64,
        /// The sampler.
        inner: LogNormal<f64>,
    },
    /// Gamma with shape k and scale θ (mean kθ).
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale θ.
        scale: f64,
        /// The sampler.
        inner: Gamma<f64>,
    },
    /// Uniform on [low, high).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
        /// The sampler.
        inner: Uniform<f64>,
    },
    /// Each of the samples with equal probability (resampling an observed distribution).
    Empirical {
        /// The samples, sorted ascending.
        sorted: Arc<[f64]>,
    },
}

/// Parameters that do not describe a distribution.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DistError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, DistError> {
    Err(DistError(msg.into()))
}

fn finite_nonneg(name: &str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        err(format!("{name} must be a finite number ≥ 0, got {v}"))
    }
}

fn finite_pos(name: &str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        err(format!("{name} must be a finite number > 0, got {v}"))
    }
}

impl Dist {
    /// Always `value`.
    pub fn constant(value: f64) -> Result<Self, DistError> {
        Ok(Dist::Constant(finite_nonneg("constant value", value)?))
    }

    /// Exponential with mean `mean` (rate 1/mean).
    pub fn exponential(mean: f64) -> Result<Self, DistError> {
        Ok(Dist::Exponential {
            mean: finite_pos("exponential mean", mean)?,
        })
    }

    /// Log-normal with ln X ~ Normal(mu, sigma).
    pub fn lognormal(mu: f64, sigma: f64) -> Result<Self, DistError> {
        if !mu.is_finite() {
            return err(format!("log-normal mu must be finite, got {mu}"));
        }
        let sigma = finite_nonneg("log-normal sigma", sigma)?;
        let inner = LogNormal::new(mu, sigma).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::LogNormal { mu, sigma, inner })
    }

    /// Log-normal with the given mean and 99th percentile.
    ///
    /// Solves `mean = exp(mu + sigma²/2)` and `p99 = exp(mu + z·sigma)` (z = 2.3263) for the
    /// smaller root `sigma = z − sqrt(z² − 2 ln(p99/mean))`, which exists when
    /// `1 < p99/mean ≤ exp(z²/2) ≈ 14.97`.
    pub fn lognormal_mean_p99(mean: f64, p99: f64) -> Result<Self, DistError> {
        let mean = finite_pos("log-normal mean", mean)?;
        let p99 = finite_pos("log-normal p99", p99)?;
        let ratio = p99 / mean;
        let max_ratio = (Z99 * Z99 / 2.0).exp();
        if ratio <= 1.0 || ratio > max_ratio {
            return err(format!(
                "a log-normal needs mean < p99 ≤ {max_ratio:.2} × mean; got mean {mean} and p99 {p99} (ratio {ratio:.3})"
            ));
        }
        let sigma = Z99 - (Z99 * Z99 - 2.0 * ratio.ln()).sqrt();
        let mu = mean.ln() - sigma * sigma / 2.0;
        Self::lognormal(mu, sigma)
    }

    /// Log-normal with the given mean and coefficient of variation (std / mean).
    pub fn lognormal_mean_cv(mean: f64, cv: f64) -> Result<Self, DistError> {
        let mean = finite_pos("log-normal mean", mean)?;
        let cv = finite_nonneg("log-normal cv", cv)?;
        let sigma2 = (1.0 + cv * cv).ln();
        Self::lognormal(mean.ln() - sigma2 / 2.0, sigma2.sqrt())
    }

    /// Gamma with `shape` k and `scale` θ: mean kθ, variance kθ².
    pub fn gamma(shape: f64, scale: f64) -> Result<Self, DistError> {
        let shape = finite_pos("gamma shape", shape)?;
        let scale = finite_pos("gamma scale", scale)?;
        let inner = Gamma::new(shape, scale).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::Gamma {
            shape,
            scale,
            inner,
        })
    }

    /// Uniform on `[low, high)`.
    pub fn uniform(low: f64, high: f64) -> Result<Self, DistError> {
        let low = finite_nonneg("uniform low", low)?;
        let high = finite_nonneg("uniform high", high)?;
        if high <= low {
            return err(format!(
                "uniform needs low < high, got low {low} and high {high}"
            ));
        }
        let inner = Uniform::new(low, high).map_err(|e| DistError(e.to_string()))?;
        Ok(Dist::Uniform { low, high, inner })
    }

    /// Resamples `samples` (each with probability 1/n).
    pub fn empirical(samples: impl Into<Vec<f64>>) -> Result<Self, DistError> {
        let mut v: Vec<f64> = samples.into();
        if v.is_empty() {
            return err("an empirical distribution needs at least one sample");
        }
        if let Some(bad) = v.iter().find(|x| !x.is_finite() || **x < 0.0) {
            return err(format!(
                "empirical samples must be finite and ≥ 0, found {bad}"
            ));
        }
        v.sort_by(f64::total_cmp);
        Ok(Dist::Empirical { sorted: v.into() })
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Dist::LogNormal { inner, .. } => inner.sample(rng),
            Dist::Gamma { inner, .. } => inner.sample(rng),
            Dist::Uniform { inner, .. } => inner.sample(rng),
            Dist::Empirical { sorted } => {
                let i = (rng.next_u64() % sorted.len() as u64) as usize;
                sorted[i]
            }
        }
    }

    /// One draw read as seconds, rounded to the nearest nanosecond.
    #[inline]
    pub fn sample_duration<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        SimDuration::from_secs_f64_saturating(self.sample(rng))
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Exponential { mean } => *mean,
            Dist::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Gamma { shape, scale, .. } => shape * scale,
            Dist::Uniform { low, high, .. } => (low + high) / 2.0,
            Dist::Empirical { sorted } => sorted.iter().sum::<f64>() / sorted.len() as f64,
        }
    }

    /// The variance.
    pub fn variance(&self) -> f64 {
        match self {
            Dist::Constant(_) => 0.0,
            Dist::Exponential { mean } => mean * mean,
            Dist::LogNormal { mu, sigma, .. } => {
                let s2 = sigma * sigma;
                (s2.exp() - 1.0) * (2.0 * mu + s2).exp()
            }
            Dist::Gamma { shape, scale, .. } => shape * scale * scale,
            Dist::Uniform { low, high, .. } => (high - low).powi(2) / 12.0,
            Dist::Empirical { sorted } => {
                let m = self.mean();
                sorted.iter().map(|x| (x - m).powi(2)).sum::<f64>() / sorted.len() as f64
            }
        }
    }

    /// E[X²], which the Pollaczek–Khinchine formula needs.
    pub fn second_moment(&self) -> f64 {
        self.variance() + self.mean().powi(2)
    }

    /// Squared coefficient of variation, variance / mean².
    pub fn scv(&self) -> f64 {
        let m = self.mean();
        if m == 0.0 {
            0.0
        } else {
            self.variance() / (m * m)
        }
    }

    /// The `q`-quantile where it has a closed form (`None` for gamma).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if !(0.0..1.0).contains(&q) {
            return None;
        }
        match self {
            Dist::Constant(v) => Some(*v),
            Dist::Exponential { mean } => Some(-mean * (1.0 - q).ln()),
            Dist::LogNormal { mu, sigma, .. } => Some((mu + sigma * normal_quantile(q)).exp()),
            Dist::Gamma { .. } => None,
            Dist::Uniform { low, high, .. } => Some(low + q * (high - low)),
            Dist::Empirical { sorted } => {
                let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
                Some(sorted[i])
            }
        }
    }

    /// The same family with every time scaled by `k` (`k > 0`): used to derive a proxy's service
    /// time at another CPU speed or to scale a trace.
    pub fn scaled(&self, k: f64) -> Result<Self, DistError> {
        let k = finite_pos("scale factor", k)?;
        match self {
            Dist::Constant(v) => Dist::constant(v * k),
            Dist::Exponential { mean } => Dist::exponential(mean * k),
            Dist::LogNormal { mu, sigma, .. } => Dist::lognormal(mu + k.ln(), *sigma),
            Dist::Gamma { shape, scale, .. } => Dist::gamma(*shape, scale * k),
            Dist::Uniform { low, high, .. } => Dist::uniform(low * k, high * k),
            Dist::Empirical { sorted } => {
                Dist::empirical(sorted.iter().map(|x| x * k).collect::<Vec<_>>())
            }
        }
    }
}

/// Standard normal quantile, via statrs.
pub fn normal_quantile(q: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    // Normal::new(0, 1) cannot fail.
    Normal::new(0.0, 1.0)
        .map(|n| n.inverse_cdf(q))
        .unwrap_or(f64::NAN)
}

/// One standard normal draw (used by models that need correlated noise).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::RngStreams;
    use crate::stats::Summary;

    /// Sample mean and variance over `n` draws, compared with the closed forms. With n = 400k
    /// the standard error of the mean is sqrt(var/n); 5 standard errors is a 1-in-3.5-million
    /// miss, so a failure means a wrong sampler, not bad luck.
    fn check_moments(d: &Dist, n: u64) {
        let mut rng = RngStreams::new(11).stream("dist-test");
        let mut s = Summary::new();
        for _ in 0..n {
            s.add(d.sample(&mut rng));
        }
        let se = (d.variance() / n as f64).sqrt();
        assert!(
            (s.mean() - d.mean()).abs() <= 5.0 * se + 1e-15,
            "{d:?}: sample mean {} vs {} (se {se})",
            s.mean(),
            d.mean()
        );
        // Variance: a loose 3% check (its standard error depends on the fourth moment).
        if d.variance() > 0.0 {
            let rel = (s.variance() - d.variance()).abs() / d.variance();
            assert!(
                rel < 0.03,
                "{d:?}: variance {} vs {}",
                s.variance(),
                d.variance()
            );
        }
    }

    #[test]
    fn every_family_samples_its_stated_moments() {
        let n = 400_000;
        check_moments(&Dist::constant(3.0).unwrap(), 10);
        check_moments(&Dist::exponential(2.0).unwrap(), n);
        check_moments(&Dist::lognormal_mean_cv(1.0, 0.5).unwrap(), n);
        check_moments(&Dist::gamma(2.5, 0.4).unwrap(), n);
        check_moments(&Dist::uniform(1.0, 3.0).unwrap(), n);
        check_moments(&Dist::empirical(vec![1.0, 2.0, 4.0, 8.0]).unwrap(), n);
    }

    #[test]
    fn lognormal_from_mean_and_p99_hits_both() {
        let d = Dist::lognormal_mean_p99(0.17e-3, 0.20e-3).unwrap();
        assert!((d.mean() - 0.17e-3).abs() < 1e-15);
        assert!((d.quantile(0.99).unwrap() - 0.20e-3).abs() < 1e-12);
        let d = Dist::lognormal_mean_cv(5.0, 1.0).unwrap();
        assert!((d.mean() - 5.0).abs() < 1e-12);
        assert!((d.scv() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::exponential(f64::NAN).is_err());
        assert!(Dist::lognormal_mean_p99(1.0, 0.5).is_err());
        assert!(Dist::lognormal_mean_p99(1.0, 20.0).is_err());
        assert!(Dist::uniform(2.0, 1.0).is_err());
        assert!(Dist::empirical(Vec::<f64>::new()).is_err());
        assert!(Dist::empirical(vec![1.0, -1.0]).is_err());
        assert!(Dist::gamma(0.0, 1.0).is_err());
    }

    #[test]
    fn quantiles_have_closed_forms() {
        let e = Dist::exponential(1.0).unwrap();
        assert!((e.quantile(0.5).unwrap() - std::f64::consts::LN_2).abs() < 1e-12);
        let u = Dist::uniform(0.0, 10.0).unwrap();
        assert_eq!(u.quantile(0.9), Some(9.0));
        let emp = Dist::empirical(vec![4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(emp.quantile(0.5), Some(2.0));
        assert_eq!(emp.quantile(0.0), Some(1.0));
        assert!((normal_quantile(0.99) - Z99).abs() < 1e-9);
    }

    #[test]
    fn scaling_scales_the_mean() {
        for d in [
            Dist::exponential(2.0).unwrap(),
            Dist::lognormal_mean_cv(2.0, 0.7).unwrap(),
            Dist::gamma(2.0, 1.0).unwrap(),
            Dist::uniform(1.0, 3.0).unwrap(),
            Dist::empirical(vec![1.0, 3.0]).unwrap(),
        ] {
            let s = d.scaled(0.25).unwrap();
            assert!((s.mean() - 0.5).abs() < 1e-12, "{d:?}");
            assert!((s.scv() - d.scv()).abs() < 1e-9, "{d:?}");
        }
    }
}
