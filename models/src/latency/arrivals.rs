//! Arrival processes at entry services.

use std::sync::Arc;

use meshsim_core::time::SimDuration;

/// How requests arrive.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrival {
    /// Poisson at a constant rate (per second).
    Poisson {
        /// Requests per second.
        rate: f64,
    },
    /// Poisson with a piecewise-constant rate: step `i` starts at `steps[i].0` and lasts until
    /// the next step; the schedule repeats every `period` (a day's profile, say).
    Schedule {
        /// `(start within the period, rate per second)`, starts strictly increasing from zero.
        steps: Vec<(SimDuration, f64)>,
        /// Length of one cycle.
        period: SimDuration,
    },
    /// Two-state Markov-modulated Poisson process (bursty traffic): Poisson at `rates[s]` while
    /// in state `s`, which lasts an exponential time with mean `mean_durations[s]`.
    Mmpp {
        /// Rate in each state, per second.
        rates: [f64; 2],
        /// Mean time in each state.
        mean_durations: [SimDuration; 2],
    },
    /// Closed loop: `connections` clients, each sending one request, waiting for its answer
    /// (or its failure), pausing `think`, then sending the next — as `fortio -c`, `oha -c` and
    /// `wrk -c` drive a service. The rate is an outcome, not an input: at most
    /// connections ÷ (think + the mean time of a request without waiting), by Little's law.
    Closed {
        /// Concurrent clients.
        connections: u32,
        /// Pause between an answer and the next request.
        think: SimDuration,
    },
    /// A replayed trace: arrival instants (nanoseconds from the trace's first request, sorted),
    /// compressed by `scale` (2 = twice the rate). The trace repeats after its span.
    Trace {
        /// Offsets from the first request, nanoseconds, ascending.
        offsets: Arc<[u64]>,
        /// Rate multiplier.
        scale: f64,
    },
}

impl Arrival {
    /// Changes of the arrival rate per second (schedule steps, MMPP phase switches): events the
    /// simulation handles whatever the rate, so they are bounded like calls.
    pub fn rate_changes_per_s(&self) -> f64 {
        match self {
            Arrival::Poisson { .. } | Arrival::Trace { .. } | Arrival::Closed { .. } => 0.0,
            Arrival::Schedule { steps, period } => {
                let p = period.as_secs_f64();
                if p > 0.0 {
                    steps.len() as f64 / p
                } else {
                    f64::INFINITY
                }
            }
            Arrival::Mmpp { mean_durations, .. } => {
                let cycle = mean_durations[0].as_secs_f64() + mean_durations[1].as_secs_f64();
                if cycle > 0.0 {
                    2.0 / cycle
                } else {
                    f64::INFINITY
                }
            }
        }
    }

    /// Long-run mean rate, per second; for a closed loop, whose rate is an outcome, its upper
    /// bound connections ÷ (think + `min_request`), where `min_request` is a request's mean
    /// time without waiting (infinite when both are 0).
    pub fn rate_bound(&self, min_request: SimDuration) -> f64 {
        match self {
            Arrival::Closed { connections, think } => {
                let cycle = (*think + min_request).as_secs_f64();
                if cycle > 0.0 {
                    f64::from(*connections) / cycle
                } else {
                    f64::INFINITY
                }
            }
            other => other.mean_rate(),
        }
    }

    /// Whether the arrivals are a closed loop (their rate an outcome).
    pub fn is_closed(&self) -> bool {
        matches!(self, Arrival::Closed { .. })
    }

    /// Long-run mean rate, per second (0 for a closed loop, whose rate is an outcome: see
    /// [`Arrival::rate_bound`]).
    pub fn mean_rate(&self) -> f64 {
        match self {
            Arrival::Closed { .. } => 0.0,
            Arrival::Poisson { rate } => *rate,
            Arrival::Schedule { steps, period } => {
                let p = period.as_secs_f64();
                if p <= 0.0 {
                    return 0.0;
                }
                let mut total = 0.0;
                for (i, (start, rate)) in steps.iter().enumerate() {
                    let end = steps.get(i + 1).map_or(*period, |s| s.0);
                    total += rate * (end.as_secs_f64() - start.as_secs_f64());
                }
                total / p
            }
            Arrival::Mmpp {
                rates,
                mean_durations,
            } => {
                let (d0, d1) = (
                    mean_durations[0].as_secs_f64(),
                    mean_durations[1].as_secs_f64(),
                );
                (rates[0] * d0 + rates[1] * d1) / (d0 + d1)
            }
            Arrival::Trace { offsets, scale } => {
                let span = trace_span_ns(offsets) as f64 / 1e9;
                if span <= 0.0 {
                    0.0
                } else {
                    offsets.len() as f64 / span * scale
                }
            }
        }
    }
}

impl Arrival {
    /// This arrival with a schedule longer than `window` scaled to repeat every `window` (step
    /// starts and period multiplied by window ÷ period); any other arrival unchanged.
    pub fn compressed_to(&self, window: SimDuration) -> Arrival {
        match self {
            Arrival::Schedule { steps, period }
                if *period > window && window > SimDuration::ZERO =>
            {
                let f = window.as_nanos() as f64 / period.as_nanos() as f64;
                let scale = |d: SimDuration| {
                    SimDuration::from_nanos((d.as_nanos() as f64 * f).round() as u64)
                };
                let mut out: Vec<(SimDuration, f64)> = Vec::with_capacity(steps.len());
                for (at, rate) in steps {
                    let at = scale(*at);
                    // Steps shorter than a nanosecond after scaling merge into the next.
                    match out.last_mut() {
                        Some(last) if last.0 == at => last.1 = *rate,
                        _ => out.push((at, *rate)),
                    }
                }
                Arrival::Schedule {
                    steps: out,
                    period: window,
                }
            }
            other => other.clone(),
        }
    }
}

/// Span of a trace before it repeats: last offset plus the mean gap (so the repeat keeps the
/// trace's mean rate), nanoseconds.
pub fn trace_span_ns(offsets: &[u64]) -> u64 {
    match offsets.len() {
        0 => 0,
        1 => 1_000_000_000,
        n => {
            let last = offsets[n - 1];
            last + last / (n as u64 - 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_rates() {
        let day = Arrival::Schedule {
            steps: vec![
                (SimDuration::ZERO, 100.0),
                (SimDuration::from_secs(6 * 3600), 300.0),
            ],
            period: SimDuration::from_secs(24 * 3600),
        };
        // 6 h at 100, 18 h at 300: 250 per second on average.
        assert!((day.mean_rate() - 250.0).abs() < 1e-9);
        let m = Arrival::Mmpp {
            rates: [100.0, 1000.0],
            mean_durations: [SimDuration::from_secs(9), SimDuration::from_secs(1)],
        };
        assert!((m.mean_rate() - 190.0).abs() < 1e-9);
        let t = Arrival::Trace {
            offsets: vec![0, 1_000_000_000, 2_000_000_000, 3_000_000_000].into(),
            scale: 2.0,
        };
        // 4 requests over a 4 s span, twice as fast: 2 per second.
        assert!((t.mean_rate() - 2.0).abs() < 1e-9);
        // A day compressed into 24 s: one second per hour, same mean rate.
        let c = day.compressed_to(SimDuration::from_secs(24));
        assert_eq!(
            c,
            Arrival::Schedule {
                steps: vec![
                    (SimDuration::ZERO, 100.0),
                    (SimDuration::from_secs(6), 300.0)
                ],
                period: SimDuration::from_secs(24),
            }
        );
        assert!((c.mean_rate() - 250.0).abs() < 1e-9);
    }
}
