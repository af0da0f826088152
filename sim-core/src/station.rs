//! A FIFO queueing station with `c` identical servers.
//!
//! The station keeps the queue and the statistics; the model that owns it keeps the clock and
//! draws service times. That split lets one station type serve as the validation M/M/c queue
//! here and as every proxy (sidecar, ztunnel, waypoint) in the latency model.
//!
//! Protocol: call [`Station::arrive`] when a job arrives. If a server is free it returns
//! [`Started`] and the owner schedules the job's completion after a service time it draws. When
//! that completion fires, call [`Station::depart`] with the job's arrival time; if a job was
//! waiting it is returned as the next [`Started`], and the owner schedules its completion in turn.

use std::collections::VecDeque;

use crate::stats::{LatencyHistogram, Summary, TimeWeightedCount};
use crate::time::{SimDuration, SimTime};

/// A job that has just entered service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Started<J> {
    /// The job.
    pub job: J,
    /// When it arrived at the station (pass back to [`Station::depart`]).
    pub arrived: SimTime,
    /// How long it waited for a server.
    pub waited: SimDuration,
}

/// Statistics kept by a station since creation or the last [`Station::reset_stats`].
#[derive(Clone, Debug)]
pub struct StationStats {
    /// Jobs that arrived.
    pub arrivals: u64,
    /// Jobs that completed service.
    pub departures: u64,
    /// Waiting time before service, nanoseconds (jobs that started service).
    pub wait_ns: Summary,
    /// Time from arrival to departure, nanoseconds (jobs that departed).
    pub sojourn_ns: Summary,
    /// Waiting-time distribution, if enabled.
    pub wait_hist: Option<LatencyHistogram>,
    /// Sojourn-time distribution, if enabled.
    pub sojourn_hist: Option<LatencyHistogram>,
    /// Jobs waiting (not in service) over time.
    pub queue_len: TimeWeightedCount,
    /// Busy servers over time.
    pub busy: TimeWeightedCount,
}

/// A FIFO multi-server station.
#[derive(Clone, Debug)]
pub struct Station<J> {
    servers: u32,
    busy: u32,
    queue: VecDeque<(J, SimTime)>,
    stats: StationStats,
}

impl<J> Station<J> {
    /// A station with `servers` servers (at least one), idle at `now`. With `histograms`, waiting
    /// and sojourn distributions are kept as well as their means (about 2 × 190 KiB).
    pub fn new(servers: u32, now: SimTime, histograms: bool) -> Self {
        let servers = servers.max(1);
        Station {
            servers,
            busy: 0,
            queue: VecDeque::new(),
            stats: StationStats {
                arrivals: 0,
                departures: 0,
                wait_ns: Summary::new(),
                sojourn_ns: Summary::new(),
                wait_hist: histograms.then(LatencyHistogram::new),
                sojourn_hist: histograms.then(LatencyHistogram::new),
                queue_len: TimeWeightedCount::new(now, 0),
                busy: TimeWeightedCount::new(now, 0),
            },
        }
    }

    /// Number of servers.
    pub fn servers(&self) -> u32 {
        self.servers
    }
    /// Servers busy now.
    pub fn busy(&self) -> u32 {
        self.busy
    }
    /// Jobs waiting now.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
    /// Jobs in the station now (waiting or in service).
    pub fn in_system(&self) -> usize {
        self.queue.len() + self.busy as usize
    }
    /// The statistics.
    pub fn stats(&self) -> &StationStats {
        &self.stats
    }

    #[inline]
    fn record_start(&mut self, now: SimTime, arrived: SimTime) -> SimDuration {
        let waited = now.saturating_duration_since(arrived);
        self.stats.wait_ns.add(waited.as_nanos() as f64);
        if let Some(h) = &mut self.stats.wait_hist {
            h.record(waited);
        }
        waited
    }

    /// A job arrives at `now`. Returns it as [`Started`] if a server was free; otherwise it waits.
    #[inline]
    pub fn arrive(&mut self, now: SimTime, job: J) -> Option<Started<J>> {
        self.stats.arrivals += 1;
        if self.busy < self.servers {
            self.busy += 1;
            self.stats.busy.set(now, u64::from(self.busy));
            let waited = self.record_start(now, now);
            Some(Started {
                job,
                arrived: now,
                waited,
            })
        } else {
            self.queue.push_back((job, now));
            self.stats.queue_len.set(now, self.queue.len() as u64);
            None
        }
    }

    /// The job that arrived at `arrived` completes service at `now`. Returns the next waiting job,
    /// now in service, if there is one.
    #[inline]
    pub fn depart(&mut self, now: SimTime, arrived: SimTime) -> Option<Started<J>> {
        self.stats.departures += 1;
        let sojourn = now.saturating_duration_since(arrived);
        self.stats.sojourn_ns.add(sojourn.as_nanos() as f64);
        if let Some(h) = &mut self.stats.sojourn_hist {
            h.record(sojourn);
        }
        match self.queue.pop_front() {
            Some((job, arr)) => {
                self.stats.queue_len.set(now, self.queue.len() as u64);
                let waited = self.record_start(now, arr);
                Some(Started {
                    job,
                    arrived: arr,
                    waited,
                })
            }
            None => {
                self.busy = self.busy.saturating_sub(1);
                self.stats.busy.set(now, u64::from(self.busy));
                None
            }
        }
    }

    /// Forgets statistics gathered so far (warm-up deletion); jobs present stay.
    pub fn reset_stats(&mut self, now: SimTime) {
        let s = &mut self.stats;
        s.arrivals = 0;
        s.departures = 0;
        s.wait_ns.reset();
        s.sojourn_ns.reset();
        if let Some(h) = &mut s.wait_hist {
            h.reset();
        }
        if let Some(h) = &mut s.sojourn_hist {
            h.reset();
        }
        s.queue_len.reset(now);
        s.busy.reset(now);
    }

    /// A report of the statistics up to `now`.
    pub fn report(&self, now: SimTime) -> StationReport {
        let s = &self.stats;
        let window = s.busy.window(now).as_secs_f64();
        let mean_busy = s.busy.mean(now);
        let mean_queue = s.queue_len.mean(now);
        StationReport {
            servers: self.servers,
            window_s: window,
            arrivals: s.arrivals,
            departures: s.departures,
            arrival_rate_per_s: if window > 0.0 {
                s.arrivals as f64 / window
            } else {
                0.0
            },
            mean_wait_s: s.wait_ns.mean() * 1e-9,
            mean_sojourn_s: s.sojourn_ns.mean() * 1e-9,
            utilisation: mean_busy / f64::from(self.servers),
            mean_queue_len: mean_queue,
            mean_in_system: mean_queue + mean_busy,
            max_queue_len: s.queue_len.max() as f64,
        }
    }
}

/// Headline figures of one station over an observation window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StationReport {
    /// Number of servers.
    pub servers: u32,
    /// Length of the observation window, seconds.
    pub window_s: f64,
    /// Arrivals in the window.
    pub arrivals: u64,
    /// Departures in the window.
    pub departures: u64,
    /// Observed arrival rate λ, per second.
    pub arrival_rate_per_s: f64,
    /// Mean wait before service W_q, seconds.
    pub mean_wait_s: f64,
    /// Mean time in the station W, seconds.
    pub mean_sojourn_s: f64,
    /// Mean fraction of servers busy.
    pub utilisation: f64,
    /// Time-average number waiting L_q.
    pub mean_queue_len: f64,
    /// Time-average number in the station L.
    pub mean_in_system: f64,
    /// Longest queue seen.
    pub max_queue_len: f64,
}

impl StationReport {
    /// Relative gap between L and λW (Little's law): small when the window is long.
    pub fn little_law_gap(&self) -> f64 {
        let lw = self.arrival_rate_per_s * self.mean_sojourn_s;
        if self.mean_in_system == 0.0 {
            return lw.abs();
        }
        (self.mean_in_system - lw).abs() / self.mean_in_system
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-worked trace on one server:
    /// job a arrives 0, service 10 → departs 10; job b arrives 2, waits 8, service 5 → departs 15;
    /// job c arrives 20, service 1 → departs 21.
    #[test]
    fn single_server_trace_by_hand() {
        let t = SimTime::from_nanos;
        let mut s: Station<char> = Station::new(1, t(0), true);
        let a = s.arrive(t(0), 'a').unwrap();
        assert_eq!(a.waited, SimDuration::ZERO);
        assert!(s.arrive(t(2), 'b').is_none());
        assert_eq!(s.queued(), 1);
        let b = s.depart(t(10), a.arrived).unwrap();
        assert_eq!((b.job, b.waited), ('b', SimDuration::from_nanos(8)));
        assert!(s.depart(t(15), b.arrived).is_none());
        let c = s.arrive(t(20), 'c').unwrap();
        assert!(s.depart(t(21), c.arrived).is_none());
        let r = s.report(t(25));
        assert_eq!((r.arrivals, r.departures), (3, 3));
        // waits 0, 8, 0 ns; sojourns 10, 13, 1 ns
        assert!((r.mean_wait_s - 8e-9 / 3.0).abs() < 1e-18);
        assert!((r.mean_sojourn_s - 24e-9 / 3.0).abs() < 1e-18);
        // busy 0–15 and 20–21: 16 of 25 ns
        assert!((r.utilisation - 16.0 / 25.0).abs() < 1e-12);
        // one job waiting 2–10: 8 of 25 ns
        assert!((r.mean_queue_len - 8.0 / 25.0).abs() < 1e-12);
        // Little: L = (16 + 8)/25 = 0.96; λW = (3/25) × (24/3) = 0.96 exactly here.
        assert!(r.little_law_gap() < 1e-12);
    }

    #[test]
    fn multi_server_serves_in_parallel_and_fifo() {
        let t = SimTime::from_nanos;
        let mut s: Station<u32> = Station::new(2, t(0), false);
        let j1 = s.arrive(t(0), 1).unwrap();
        let _j2 = s.arrive(t(0), 2).unwrap();
        assert!(s.arrive(t(1), 3).is_none());
        assert!(s.arrive(t(2), 4).is_none());
        assert_eq!((s.busy(), s.queued()), (2, 2));
        let next = s.depart(t(5), j1.arrived).unwrap();
        assert_eq!(next.job, 3, "first come, first served");
        assert_eq!(next.waited, SimDuration::from_nanos(4));
    }

    #[test]
    fn reset_keeps_jobs_and_forgets_statistics() {
        let t = SimTime::from_nanos;
        let mut s: Station<()> = Station::new(1, t(0), false);
        let a = s.arrive(t(0), ()).unwrap();
        s.arrive(t(1), ());
        s.reset_stats(t(5));
        assert_eq!(s.stats().arrivals, 0);
        assert_eq!(s.in_system(), 2);
        let r = s.report(t(10));
        assert!((r.utilisation - 1.0).abs() < 1e-12);
        assert!((r.mean_queue_len - 1.0).abs() < 1e-12);
        s.depart(t(10), a.arrived);
        assert_eq!(s.stats().departures, 1);
    }
}
