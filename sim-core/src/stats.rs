//! Statistics that are right and whose memory does not grow with the number of observations.
//!
//! - [`Summary`]: streaming count, mean, variance, min and max (Welford's algorithm, mergeable
//!   with Chan et al.'s parallel update).
//! - [`LatencyHistogram`]: percentiles of durations from an HDR histogram with 3 significant
//!   digits, so a reported percentile is within **0.1 %** (relative) of the exact sample
//!   percentile. Values are nanoseconds; the histogram resizes itself to the largest value seen
//!   (about 190 KiB for values up to one hour), independent of the count.
//! - [`TimeWeighted`]: the time average of a piecewise-constant quantity; [`TimeWeightedCount`]
//!   the same for integer counts (queue length, busy servers), integrated exactly in integers.
//! - Warm-up deletion: every accumulator has `reset` (time-weighted ones `reset(now)`, keeping
//!   the current level), called once the warm-up period is over.
//! - [`ConfidenceInterval`]: Student-t intervals across independent replications, and
//!   [`ConfidenceInterval::paired_difference`] for common-random-number comparisons.

use hdrhistogram::Histogram;

use crate::time::{SimDuration, SimTime};

/// Streaming count, mean, variance, min and max.
///
/// Keeps sums of `x − K` and `(x − K)²` around a shift `K` (the first observation), so adding an
/// observation needs no division, and the variance does not suffer the cancellation of the naive
/// `Σx² − (Σx)²/n` as long as the data sit within a few standard deviations of `K`
/// ("shifted data" algorithm; Chan, Golub & LeVeque 1983).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    n: u64,
    shift: f64,
    s1: f64,
    s2: f64,
    min: f64,
    max: f64,
}

impl Default for Summary {
    fn default() -> Self {
        Self::new()
    }
}

impl Summary {
    /// No observations.
    pub const fn new() -> Self {
        Summary {
            n: 0,
            shift: 0.0,
            s1: 0.0,
            s2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds one observation.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if self.n == 0 {
            self.shift = x;
        }
        self.n += 1;
        let d = x - self.shift;
        self.s1 += d;
        self.s2 += d * d;
        if x < self.min {
            self.min = x;
        }
        if x > self.max {
            self.max = x;
        }
    }

    /// Combines with another summary as if all observations had been added to one.
    pub fn merge(&mut self, o: &Summary) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        // Re-express o's sums around self's shift: x − K = (x − K') + δ with δ = K' − K.
        let delta = o.shift - self.shift;
        let on = o.n as f64;
        self.s2 += o.s2 + 2.0 * delta * o.s1 + on * delta * delta;
        self.s1 += o.s1 + on * delta;
        self.n += o.n;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }

    /// Forgets every observation (warm-up deletion).
    pub fn reset(&mut self) {
        *self = Summary::new();
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.n
    }
    /// Sample mean (0 with no observations).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.shift + self.s1 / self.n as f64
        }
    }
    /// Unbiased sample variance (0 with fewer than two observations).
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        let n = self.n as f64;
        ((self.s2 - self.s1 * self.s1 / n) / (n - 1.0)).max(0.0)
    }
    /// Sample standard deviation.
    pub fn std_dev(&self) -> f64 {
        self.variance().sqrt()
    }
    /// Smallest observation (`+∞` with none).
    pub fn min(&self) -> f64 {
        self.min
    }
    /// Largest observation (`−∞` with none).
    pub fn max(&self) -> f64 {
        self.max
    }
    /// Sum of observations.
    pub fn sum(&self) -> f64 {
        self.shift * self.n as f64 + self.s1
    }
}

/// Significant decimal digits kept by [`LatencyHistogram`]: relative error ≤ 10^-3.
pub const HISTOGRAM_SIGFIG: u8 = 3;

/// Percentiles of durations in constant memory, within 0.1 % relative error.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    h: Histogram<u64>,
    sum_ns: u128,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        let mut h = Histogram::<u64>::new(HISTOGRAM_SIGFIG)
            .expect("3 significant figures is a valid HDR configuration");
        h.auto(true);
        LatencyHistogram { h, sum_ns: 0 }
    }

    /// Records one duration.
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let v = d.as_nanos();
        // With auto-resize on, recording only fails past the histogram's absolute maximum
        // (2^63 ns, ≈ 292 years), which no simulated latency reaches; saturate there.
        if self.h.record(v).is_err() {
            let _ = self.h.record(self.h.high());
        }
        self.sum_ns += u128::from(v);
    }

    /// Records `count` copies of one duration.
    pub fn record_n(&mut self, d: SimDuration, count: u64) {
        let v = d.as_nanos();
        if self.h.record_n(v, count).is_err() {
            let _ = self.h.record_n(self.h.high(), count);
        }
        self.sum_ns += u128::from(v) * u128::from(count);
    }

    /// Adds every observation of `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        // Both auto-resize, so `add` cannot fail for lack of range.
        let _ = self.h.add(&other.h);
        self.sum_ns += other.sum_ns;
    }

    /// Forgets every observation (warm-up deletion).
    pub fn reset(&mut self) {
        self.h.reset();
        self.sum_ns = 0;
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.h.len()
    }

    /// The exact mean of the recorded values (kept outside the histogram's buckets).
    pub fn mean(&self) -> SimDuration {
        if self.count() == 0 {
            SimDuration::ZERO
        } else {
            SimDuration::from_nanos((self.sum_ns / u128::from(self.count())) as u64)
        }
    }

    /// The `q`-quantile (0 ≤ q ≤ 1), within 0.1 %.
    pub fn quantile(&self, q: f64) -> SimDuration {
        SimDuration::from_nanos(self.h.value_at_quantile(q.clamp(0.0, 1.0)))
    }

    /// Largest recorded value (within 0.1 %).
    pub fn max(&self) -> SimDuration {
        SimDuration::from_nanos(self.h.max())
    }

    /// Fraction of observations strictly greater than `t` (to the histogram's resolution).
    pub fn fraction_above(&self, t: SimDuration) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        let at_or_below = self.h.count_between(0, t.as_nanos());
        1.0 - at_or_below as f64 / self.count() as f64
    }
}

/// Most durations a [`LatencyRecorder`] keeps exactly (32 MiB of samples); beyond, it reports
/// its histogram's percentiles.
pub const EXACT_SAMPLES: usize = 4 << 20;

/// How a recorder's percentiles were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Estimator {
    /// Order statistics of every recorded duration (nearest rank): exact to the nanosecond.
    Exact,
    /// HDR histogram with 3 significant digits: within 0.1 % of the value, so at 2 s within
    /// about 2 ms.
    Hdr3,
}

impl Estimator {
    /// The name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Estimator::Exact => "exact",
            Estimator::Hdr3 => "hdr-3-digits",
        }
    }
}

/// Durations recorded for percentiles: every value is kept (up to [`EXACT_SAMPLES`]) so that
/// percentiles are exact order statistics whatever their magnitude — a chain of seconds still
/// resolves a microsecond — and an HDR histogram runs alongside, taking over (and the samples
/// are freed) once there are more. Call [`LatencyRecorder::finish`] before reading percentiles.
#[derive(Clone, Debug)]
pub struct LatencyRecorder {
    hist: LatencyHistogram,
    samples: Vec<u64>,
    exact: bool,
    sorted: bool,
    cap: usize,
}

impl Default for LatencyRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyRecorder {
    /// An empty recorder keeping up to [`EXACT_SAMPLES`] values.
    pub fn new() -> Self {
        Self::with_cap(EXACT_SAMPLES)
    }

    /// An empty recorder keeping up to `cap` values exactly.
    pub fn with_cap(cap: usize) -> Self {
        LatencyRecorder {
            hist: LatencyHistogram::new(),
            samples: Vec::new(),
            exact: true,
            sorted: true,
            cap,
        }
    }

    /// Records one duration.
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        self.hist.record(d);
        if self.exact {
            if self.samples.len() < self.cap {
                self.samples.push(d.as_nanos());
                self.sorted = false;
            } else {
                self.exact = false;
                self.samples = Vec::new();
            }
        }
    }

    /// Forgets every observation (warm-up deletion).
    pub fn reset(&mut self) {
        self.hist.reset();
        self.samples.clear();
        self.exact = true;
        self.sorted = true;
    }

    /// Sorts the kept values; percentiles are exact afterwards.
    pub fn finish(&mut self) {
        if self.exact && !self.sorted {
            self.samples.sort_unstable();
            self.sorted = true;
        }
    }

    /// How percentiles are computed.
    pub fn estimator(&self) -> Estimator {
        if self.exact && self.sorted {
            Estimator::Exact
        } else {
            Estimator::Hdr3
        }
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.hist.count()
    }

    /// The exact mean.
    pub fn mean(&self) -> SimDuration {
        self.hist.mean()
    }

    /// The `q`-quantile: the nearest-rank order statistic (the ⌈q·n⌉-th smallest) when exact,
    /// the histogram's value otherwise.
    pub fn quantile(&self, q: f64) -> SimDuration {
        if self.estimator() == Estimator::Exact {
            let n = self.samples.len();
            if n == 0 {
                return SimDuration::ZERO;
            }
            let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as usize).clamp(1, n);
            SimDuration::from_nanos(self.samples[rank - 1])
        } else {
            self.hist.quantile(q)
        }
    }

    /// The histogram kept alongside.
    pub fn histogram(&self) -> &LatencyHistogram {
        &self.hist
    }
}

/// Time average of a piecewise-constant quantity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeWeighted {
    value: f64,
    since: SimTime,
    start: SimTime,
    /// ∫ value dt in value × nanoseconds.
    area: f64,
    max: f64,
}

impl TimeWeighted {
    /// Starts tracking at `now` with `value`.
    pub fn new(now: SimTime, value: f64) -> Self {
        TimeWeighted {
            value,
            since: now,
            start: now,
            area: 0.0,
            max: value,
        }
    }

    /// The quantity changes to `value` at `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: f64) {
        let dt = now.saturating_duration_since(self.since).as_nanos() as f64;
        self.area += self.value * dt;
        self.value = value;
        self.since = now;
        if value > self.max {
            self.max = value;
        }
    }

    /// Adds `delta` to the quantity at `now`.
    #[inline]
    pub fn add(&mut self, now: SimTime, delta: f64) {
        let v = self.value + delta;
        self.set(now, v);
    }

    /// Current value.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Largest value since the last reset.
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Time average from the start (or last reset) to `now`.
    pub fn mean(&self, now: SimTime) -> f64 {
        let total = now.saturating_duration_since(self.start).as_nanos() as f64;
        if total == 0.0 {
            return self.value;
        }
        let dt = now.saturating_duration_since(self.since).as_nanos() as f64;
        (self.area + self.value * dt) / total
    }

    /// Length of the observation window ending at `now`.
    pub fn window(&self, now: SimTime) -> SimDuration {
        now.saturating_duration_since(self.start)
    }

    /// Restarts the average at `now`, keeping the current value (warm-up deletion).
    pub fn reset(&mut self, now: SimTime) {
        *self = TimeWeighted::new(now, self.value);
    }
}

/// Time average of a piecewise-constant integer count (jobs waiting, servers busy): the integral
/// is kept exactly as count × nanoseconds in a `u128`, so updates need no floating point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWeightedCount {
    value: u64,
    since: SimTime,
    start: SimTime,
    area: u128,
    max: u64,
}

impl TimeWeightedCount {
    /// Starts tracking at `now` with `value`.
    pub fn new(now: SimTime, value: u64) -> Self {
        TimeWeightedCount {
            value,
            since: now,
            start: now,
            area: 0,
            max: value,
        }
    }

    /// The count changes to `value` at `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: u64) {
        let dt = now.as_nanos().saturating_sub(self.since.as_nanos());
        self.area += u128::from(self.value) * u128::from(dt);
        self.value = value;
        self.since = now;
        self.max = self.max.max(value);
    }

    /// Current count.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// Largest count since the last reset.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Time average from the start (or last reset) to `now`.
    pub fn mean(&self, now: SimTime) -> f64 {
        let total = now.as_nanos().saturating_sub(self.start.as_nanos());
        if total == 0 {
            return self.value as f64;
        }
        let dt = now.as_nanos().saturating_sub(self.since.as_nanos());
        let area = self.area + u128::from(self.value) * u128::from(dt);
        area as f64 / total as f64
    }

    /// Length of the observation window ending at `now`.
    pub fn window(&self, now: SimTime) -> SimDuration {
        now.saturating_duration_since(self.start)
    }

    /// Restarts the average at `now`, keeping the current count (warm-up deletion).
    pub fn reset(&mut self, now: SimTime) {
        *self = TimeWeightedCount::new(now, self.value);
    }
}

/// A two-sided confidence interval for a mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfidenceInterval {
    /// Point estimate.
    pub mean: f64,
    /// Half-width: the interval is `mean ± half_width`.
    pub half_width: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// Number of replications behind it.
    pub n: usize,
}

impl ConfidenceInterval {
    /// Student-t interval for the mean of independent, identically distributed `samples`
    /// (one value per replication). With fewer than two samples the half-width is NaN: there is
    /// no interval to state.
    pub fn from_samples(samples: &[f64], level: f64) -> ConfidenceInterval {
        let mut s = Summary::new();
        for &x in samples {
            s.add(x);
        }
        let n = samples.len();
        let half_width = if n < 2 {
            f64::NAN
        } else {
            t_quantile((1.0 + level) / 2.0, (n - 1) as f64) * s.std_dev() / (n as f64).sqrt()
        };
        ConfidenceInterval {
            mean: s.mean(),
            half_width,
            level,
            n,
        }
    }

    /// Interval for the mean difference `a[i] − b[i]` of paired replications (common random
    /// numbers: replication i of both alternatives used the same streams).
    ///
    /// Returns `None` when the slices differ in length.
    pub fn paired_difference(a: &[f64], b: &[f64], level: f64) -> Option<ConfidenceInterval> {
        if a.len() != b.len() {
            return None;
        }
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        Some(Self::from_samples(&d, level))
    }

    /// Lower end.
    pub fn low(&self) -> f64 {
        self.mean - self.half_width
    }
    /// Upper end.
    pub fn high(&self) -> f64 {
        self.mean + self.half_width
    }
    /// Whether `x` lies inside the interval.
    pub fn contains(&self, x: f64) -> bool {
        x >= self.low() && x <= self.high()
    }
}

/// The `p`-quantile of Student's t with `dof` degrees of freedom.
pub fn t_quantile(p: f64, dof: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    match StudentsT::new(0.0, 1.0, dof) {
        Ok(t) => t.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod recorder_tests {
    use super::*;

    #[test]
    fn exact_percentiles_resolve_microseconds_at_seconds() {
        // 1000 values around 2 s spaced 1 µs apart: HDR (3 digits) cannot tell them apart,
        // the recorder gives the exact order statistics.
        let mut r = LatencyRecorder::new();
        for i in (0..1000u64).rev() {
            r.record(SimDuration::from_nanos(2_000_000_000 + i * 1000));
        }
        r.finish();
        assert_eq!(r.estimator(), Estimator::Exact);
        assert_eq!(r.quantile(0.5).as_nanos(), 2_000_000_000 + 499 * 1000);
        assert_eq!(r.quantile(0.99).as_nanos(), 2_000_000_000 + 989 * 1000);
        assert_eq!(r.quantile(1.0).as_nanos(), 2_000_000_000 + 999 * 1000);
        let h = r.histogram();
        assert_ne!(h.quantile(0.5).as_nanos(), 2_000_000_000 + 499 * 1000);
    }

    #[test]
    fn past_the_cap_the_histogram_takes_over() {
        let mut r = LatencyRecorder::with_cap(10);
        for i in 1..=11u64 {
            r.record(SimDuration::from_micros(i));
        }
        r.finish();
        assert_eq!(r.estimator(), Estimator::Hdr3);
        assert_eq!(r.count(), 11);
        assert_eq!(r.quantile(0.5), r.histogram().quantile(0.5));
        r.reset();
        r.record(SimDuration::from_micros(3));
        r.finish();
        assert_eq!(r.estimator(), Estimator::Exact);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_matches_two_pass_formulas() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut s = Summary::new();
        xs.iter().for_each(|&x| s.add(x));
        assert_eq!(s.count(), 8);
        assert!((s.mean() - 5.0).abs() < 1e-12);
        // Sum of squared deviations is 32; unbiased variance 32/7.
        assert!((s.variance() - 32.0 / 7.0).abs() < 1e-12);
        assert_eq!((s.min(), s.max()), (2.0, 9.0));
    }

    #[test]
    fn variance_survives_a_large_offset() {
        // Values 1e9 + {0..9}: the naive Σx² formula loses every digit here.
        let mut s = Summary::new();
        for i in 0..10 {
            s.add(1e9 + f64::from(i));
        }
        assert!((s.mean() - (1e9 + 4.5)).abs() < 1e-6);
        assert!((s.variance() - 55.0 / 6.0).abs() < 1e-6);
    }

    #[test]
    fn merged_summaries_equal_one_summary() {
        let mut a = Summary::new();
        let mut b = Summary::new();
        let mut all = Summary::new();
        for i in 0..1000 {
            let x = (i as f64 * 0.37).sin() * 10.0 + i as f64 * 0.01;
            all.add(x);
            if i % 3 == 0 { a.add(x) } else { b.add(x) }
        }
        a.merge(&b);
        assert_eq!(a.count(), all.count());
        assert!((a.mean() - all.mean()).abs() < 1e-12);
        assert!((a.variance() - all.variance()).abs() < 1e-9);
    }

    #[test]
    fn histogram_percentiles_are_within_a_tenth_of_a_percent() {
        let mut h = LatencyHistogram::new();
        // 1..=100_000 µs: the exact q-quantile is q × 100_000 µs.
        for us in 1..=100_000u64 {
            h.record(SimDuration::from_micros(us));
        }
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = q * 100_000.0 * 1000.0;
            let got = h.quantile(q).as_nanos() as f64;
            assert!(
                (got - exact).abs() / exact <= 1e-3,
                "q={q}: {got} vs {exact}"
            );
        }
        assert_eq!(h.count(), 100_000);
        assert_eq!(h.mean().as_nanos(), 50_000_500);
        assert!((h.fraction_above(SimDuration::from_micros(90_000)) - 0.1).abs() < 1e-3);
    }

    #[test]
    fn histogram_memory_does_not_grow_with_count() {
        let mut h = LatencyHistogram::new();
        h.record(SimDuration::from_secs(3600));
        let before = h.h.distinct_values();
        for i in 0..1_000_000u64 {
            h.record(SimDuration::from_nanos(1 + i * 3_600_000));
        }
        assert_eq!(
            h.h.distinct_values(),
            before,
            "no resize after the range is covered"
        );
    }

    #[test]
    fn time_weighted_mean_is_the_exact_integral() {
        let t = SimTime::from_nanos;
        let mut q = TimeWeighted::new(t(0), 0.0);
        q.set(t(10), 2.0); // 0 for 10 ns
        q.set(t(30), 1.0); // 2 for 20 ns
        // 1 for 10 ns up to t = 40: (0 + 40 + 10) / 40
        assert!((q.mean(t(40)) - 50.0 / 40.0).abs() < 1e-12);
        assert_eq!(q.max(), 2.0);
        q.reset(t(40));
        assert!((q.mean(t(50)) - 1.0).abs() < 1e-12, "reset keeps the level");
    }

    #[test]
    fn time_weighted_count_is_exact() {
        let t = SimTime::from_nanos;
        let mut q = TimeWeightedCount::new(t(0), 0);
        q.set(t(10), 2);
        q.set(t(30), 1);
        assert!((q.mean(t(40)) - 50.0 / 40.0).abs() < 1e-12);
        assert_eq!(q.max(), 2);
        q.reset(t(40));
        assert!((q.mean(t(50)) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn t_interval_matches_tables() {
        // t_{0.975, 9} = 2.262157 (standard tables).
        assert!((t_quantile(0.975, 9.0) - 2.262_157).abs() < 1e-5);
        // t_{0.995, 4} = 4.604095.
        assert!((t_quantile(0.995, 4.0) - 4.604_095).abs() < 1e-5);
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let ci = ConfidenceInterval::from_samples(&xs, 0.95);
        // mean 5.5, s = 3.02765, half-width = 2.262157 × 3.02765 / sqrt(10) = 2.16587
        assert!((ci.mean - 5.5).abs() < 1e-12);
        assert!((ci.half_width - 2.165_87).abs() < 1e-4);
        assert!(ci.contains(4.0) && !ci.contains(8.0));
        assert!(
            ConfidenceInterval::from_samples(&[1.0], 0.95)
                .half_width
                .is_nan()
        );
        let d = ConfidenceInterval::paired_difference(&[3.0, 4.0, 5.0], &[1.0, 2.0, 3.0], 0.95)
            .unwrap();
        assert_eq!((d.mean, d.half_width), (2.0, 0.0));
    }
}
