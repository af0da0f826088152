//! Time distributions as a scenario states them (`{ mean = "90us", p99 = "160us" }`), kept in
//! that form so a resolved scenario writes them back exactly, and turned into a sampler with
//! [`DelaySpec::dist`].

use meshsim_core::dist::{Dist, DistError};
use meshsim_core::time::SimDuration;

/// A distribution of durations, by its stated parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DelaySpec {
    /// Log-normal with the given mean and 99th percentile.
    LogNormal {
        /// Mean.
        mean: SimDuration,
        /// 99th percentile.
        p99: SimDuration,
    },
    /// Log-normal with the given mean and coefficient of variation.
    LogNormalCv {
        /// Mean.
        mean: SimDuration,
        /// Standard deviation / mean.
        cv: f64,
    },
    /// Gamma with the given mean and coefficient of variation.
    Gamma {
        /// Mean.
        mean: SimDuration,
        /// Standard deviation / mean.
        cv: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean.
        mean: SimDuration,
    },
    /// Always the same.
    Constant {
        /// The value.
        value: SimDuration,
    },
    /// Uniform between two bounds.
    Uniform {
        /// Lower bound.
        min: SimDuration,
        /// Upper bound.
        max: SimDuration,
    },
}

impl DelaySpec {
    /// The sampler (values in seconds).
    pub fn dist(&self) -> Result<Dist, DistError> {
        let s = |d: SimDuration| d.as_secs_f64();
        match *self {
            DelaySpec::LogNormal { mean, p99 } => Dist::lognormal_mean_p99(s(mean), s(p99)),
            DelaySpec::LogNormalCv { mean, cv } => Dist::lognormal_mean_cv(s(mean), cv),
            DelaySpec::Gamma { mean, cv } => {
                if !(cv.is_finite() && cv > 0.0) {
                    return Err(DistError(format!("gamma cv must be > 0, got {cv}")));
                }
                let shape = 1.0 / (cv * cv);
                Dist::gamma(shape, s(mean) / shape)
            }
            DelaySpec::Exponential { mean } => Dist::exponential(s(mean)),
            DelaySpec::Constant { value } => Dist::constant(s(value)),
            DelaySpec::Uniform { min, max } => Dist::uniform(s(min), s(max)),
        }
    }

    /// The mean, seconds.
    pub fn mean_s(&self) -> f64 {
        match *self {
            DelaySpec::LogNormal { mean, .. }
            | DelaySpec::LogNormalCv { mean, .. }
            | DelaySpec::Gamma { mean, .. }
            | DelaySpec::Exponential { mean } => mean.as_secs_f64(),
            DelaySpec::Constant { value } => value.as_secs_f64(),
            DelaySpec::Uniform { min, max } => (min.as_secs_f64() + max.as_secs_f64()) / 2.0,
        }
    }
}

/// `{ mean, p99 }` log-normal from microseconds: a shorthand for presets.
pub const fn lognormal_us(mean_us: u64, p99_us: u64) -> DelaySpec {
    DelaySpec::LogNormal {
        mean: SimDuration::from_micros(mean_us),
        p99: SimDuration::from_micros(p99_us),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_builds_with_its_mean() {
        let us = SimDuration::from_micros;
        for d in [
            lognormal_us(90, 160),
            DelaySpec::LogNormalCv {
                mean: us(90),
                cv: 0.5,
            },
            DelaySpec::Gamma {
                mean: us(90),
                cv: 0.5,
            },
            DelaySpec::Exponential { mean: us(90) },
            DelaySpec::Constant { value: us(90) },
            DelaySpec::Uniform {
                min: us(80),
                max: us(100),
            },
        ] {
            let dist = d.dist().unwrap();
            assert!((dist.mean() - 90e-6).abs() < 1e-12, "{d:?}");
            assert!((d.mean_s() - 90e-6).abs() < 1e-15);
        }
        assert!(lognormal_us(100, 50).dist().is_err());
    }
}
