//! Simulated time as integer nanoseconds.
//!
//! [`SimTime`] is a point on the simulation clock and [`SimDuration`] a span between two points.
//! Both are `u64` nanoseconds: about 584 years of simulated time, with no floating-point drift.
//! Arithmetic is checked; `f64` appears only at the boundary (`from_secs_f64`, `as_millis_f64`).

use std::fmt;
use std::ops::{Add, AddAssign};

/// Nanoseconds per second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// A point on the simulation clock, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A non-negative span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

/// A time or duration that cannot be represented: negative, not finite, or past `u64::MAX` ns.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("time value {value} s is not representable as non-negative integer nanoseconds below 2^64")]
pub struct TimeRangeError {
    /// The offending value in seconds.
    pub value: f64,
}

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// A time from whole nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }

    /// Nanoseconds since the start of the run.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// A time from seconds, rounded to the nearest nanosecond.
    pub fn from_secs_f64(secs: f64) -> Result<Self, TimeRangeError> {
        secs_to_nanos(secs).map(SimTime)
    }

    /// Seconds since the start of the run.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// `self + d`, or `None` past [`SimTime::MAX`].
    pub fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        self.0.checked_add(d.0).map(SimTime)
    }

    /// `self - earlier`, or `None` if `earlier` is later than `self`.
    pub fn checked_duration_since(self, earlier: SimTime) -> Option<SimDuration> {
        self.0.checked_sub(earlier.0).map(SimDuration)
    }

    /// `self - earlier`, or zero if `earlier` is later than `self`.
    pub fn saturating_duration_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The largest representable duration.
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// A duration from whole nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        SimDuration(ns)
    }
    /// A duration from whole microseconds (saturating).
    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us.saturating_mul(1_000))
    }
    /// A duration from whole milliseconds (saturating).
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms.saturating_mul(1_000_000))
    }
    /// A duration from whole seconds (saturating).
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s.saturating_mul(NANOS_PER_SEC))
    }

    /// A duration from seconds, rounded to the nearest nanosecond.
    pub fn from_secs_f64(secs: f64) -> Result<Self, TimeRangeError> {
        secs_to_nanos(secs).map(SimDuration)
    }

    /// A duration from seconds for values already known to be valid (a sampled service time):
    /// rounds to the nearest nanosecond, clamping negative or NaN values to zero and huge values to
    /// [`SimDuration::MAX`]. The rounding error is at most 0.5 ns.
    #[inline]
    pub fn from_secs_f64_saturating(secs: f64) -> Self {
        // Round half up by adding 0.5 before truncation (the value is ≥ 0 whenever it matters;
        // negatives saturate to 0). `as` saturates out-of-range floats and maps NaN to 0. This
        // avoids a libm `round` call on the hot path of every sampled service time.
        SimDuration((secs * NANOS_PER_SEC as f64 + 0.5) as u64)
    }

    /// Whole nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Seconds as `f64`.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }
    /// Milliseconds as `f64`.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: SimDuration) -> Option<SimDuration> {
        self.0.checked_add(other.0).map(SimDuration)
    }
    /// `self - other`, or `None` if `other` is longer.
    pub fn checked_sub(self, other: SimDuration) -> Option<SimDuration> {
        self.0.checked_sub(other.0).map(SimDuration)
    }
    /// `self * k`, or `None` on overflow.
    pub fn checked_mul(self, k: u64) -> Option<SimDuration> {
        self.0.checked_mul(k).map(SimDuration)
    }
    /// `self + other`, saturating at [`SimDuration::MAX`].
    pub fn saturating_add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }
}

fn secs_to_nanos(secs: f64) -> Result<u64, TimeRangeError> {
    let ns = (secs * NANOS_PER_SEC as f64).round();
    // 2^64 is exactly representable; anything at or above it does not fit.
    if secs.is_finite() && (0.0..18_446_744_073_709_551_616.0).contains(&ns) {
        Ok(ns as u64)
    } else {
        Err(TimeRangeError { value: secs })
    }
}

/// Saturating addition. Used where an overflow would need 584 years of simulated time; the
/// engine itself uses [`SimTime::checked_add`] and reports overflow as an error.
impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    #[inline]
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    #[inline]
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    #[inline]
    fn add(self, d: SimDuration) -> SimDuration {
        self.saturating_add(d)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.9}s", self.as_secs_f64())
    }
}

impl fmt::Display for SimDuration {
    /// The largest unit that keeps the value readable: `250ms`, `1.5s`, `170us`, `12ns`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        let (value, unit) = if ns >= NANOS_PER_SEC {
            (ns as f64 / 1e9, "s")
        } else if ns >= 1_000_000 {
            (ns as f64 / 1e6, "ms")
        } else if ns >= 1_000 {
            (ns as f64 / 1e3, "us")
        } else {
            return write!(f, "{ns}ns");
        };
        // Trim trailing zeros: 250ms, not 250.000ms.
        let s = format!("{value:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        write!(f, "{s}{unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_trip_to_the_nanosecond() {
        let t = SimTime::from_secs_f64(1.234_567_891).unwrap();
        assert_eq!(t.as_nanos(), 1_234_567_891);
        assert_eq!(
            SimDuration::from_secs_f64(0.000_000_000_4)
                .unwrap()
                .as_nanos(),
            0
        );
        assert_eq!(
            SimDuration::from_secs_f64(0.000_000_000_6)
                .unwrap()
                .as_nanos(),
            1
        );
    }

    #[test]
    fn out_of_range_values_are_errors() {
        assert!(SimTime::from_secs_f64(-1.0).is_err());
        assert!(SimTime::from_secs_f64(f64::NAN).is_err());
        assert!(SimTime::from_secs_f64(f64::INFINITY).is_err());
        assert!(SimDuration::from_secs_f64(1e12).is_err());
        assert!(SimDuration::from_secs_f64(1.8e10).is_ok());
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(SimTime::MAX.checked_add(SimDuration::from_nanos(1)), None);
        assert_eq!(
            SimTime::from_nanos(5).checked_duration_since(SimTime::from_nanos(7)),
            None
        );
        assert_eq!(
            SimTime::from_nanos(7).checked_duration_since(SimTime::from_nanos(5)),
            Some(SimDuration::from_nanos(2))
        );
        assert_eq!(SimDuration::MAX.checked_mul(2), None);
    }

    #[test]
    fn saturating_conversion_clamps() {
        assert_eq!(
            SimDuration::from_secs_f64_saturating(-3.0),
            SimDuration::ZERO
        );
        assert_eq!(
            SimDuration::from_secs_f64_saturating(f64::NAN),
            SimDuration::ZERO
        );
        assert_eq!(
            SimDuration::from_secs_f64_saturating(1e30),
            SimDuration::MAX
        );
    }

    #[test]
    fn durations_display_in_readable_units() {
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
        assert_eq!(SimDuration::from_micros(170).to_string(), "170us");
        assert_eq!(SimDuration::from_millis(1500).to_string(), "1.5s");
        assert_eq!(SimDuration::from_nanos(12).to_string(), "12ns");
    }
}
