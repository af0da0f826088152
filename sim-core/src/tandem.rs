//! A runnable open network of FIFO stations in series, fed by a renewal arrival process.
//!
//! One station is the classic G/G/c queue (M/M/c when both distributions are exponential); two
//! or more form a tandem line. This model is what meshsim's engine is validated with against
//! closed forms (see `sim-core/tests/validation.rs`) and what the engine benchmark runs.
//!
//! Random streams: `"arrivals"` for inter-arrival times and `("service", i)` for station `i`.
//!
//! ```
//! use meshsim_core::dist::Dist;
//! use meshsim_core::tandem::{TandemSpec, run_replication};
//! use meshsim_core::time::SimDuration;
//! // M/M/1 at ρ = 0.5 with a 1 ms mean service time.
//! let spec = TandemSpec {
//!     interarrival: Dist::exponential(2e-3).unwrap(),
//!     stations: vec![(1, Dist::exponential(1e-3).unwrap())],
//!     histograms: false,
//! };
//! let r = run_replication(&spec, 7, SimDuration::from_secs(10), SimDuration::from_secs(200)).unwrap();
//! let w = r.stations[0].mean_sojourn_s; // theory: 1/(μ−λ) = 2 ms
//! assert!((w - 2e-3).abs() / 2e-3 < 0.05);
//! ```

use crate::dist::Dist;
use crate::engine::{Model, Scheduler, SimError, Simulation};
use crate::rng::{RngStreams, SimRng};
use crate::station::{Started, Station, StationReport};
use crate::stats::{LatencyHistogram, Summary};
use crate::time::{SimDuration, SimTime};

/// What to simulate.
#[derive(Clone, Debug)]
pub struct TandemSpec {
    /// Time between arrivals, seconds.
    pub interarrival: Dist,
    /// Servers and service-time distribution (seconds) of each station, in visiting order.
    pub stations: Vec<(u32, Dist)>,
    /// Keep waiting/sojourn histograms (for percentiles and tail probabilities).
    pub histograms: bool,
}

/// The events of the tandem model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TandemEvent {
    /// A customer arrives from outside.
    Arrival,
    /// A customer completes service at station `stage`.
    Departure {
        /// Station index.
        stage: u32,
        /// When it arrived at that station.
        arrived: SimTime,
        /// When it entered the network.
        entered: SimTime,
    },
}

/// The model's state.
#[derive(Debug)]
pub struct TandemModel {
    interarrival: Dist,
    services: Vec<Dist>,
    stations: Vec<Station<SimTime>>,
    arrival_rng: SimRng,
    service_rngs: Vec<SimRng>,
    end_to_end: Summary,
    end_to_end_hist: Option<LatencyHistogram>,
}

impl TandemModel {
    /// The model at time zero, drawing from `streams`.
    pub fn new(spec: &TandemSpec, streams: &RngStreams) -> Self {
        TandemModel {
            interarrival: spec.interarrival.clone(),
            services: spec.stations.iter().map(|(_, d)| d.clone()).collect(),
            stations: spec
                .stations
                .iter()
                .map(|(c, _)| Station::new(*c, SimTime::ZERO, spec.histograms))
                .collect(),
            arrival_rng: streams.stream("arrivals"),
            service_rngs: (0..spec.stations.len() as u64)
                .map(|i| streams.stream_indexed("service", i))
                .collect(),
            end_to_end: Summary::new(),
            end_to_end_hist: spec.histograms.then(LatencyHistogram::new),
        }
    }

    /// The stations, in visiting order.
    pub fn stations(&self) -> &[Station<SimTime>] {
        &self.stations
    }

    /// Forgets all statistics (warm-up deletion).
    pub fn reset_stats(&mut self, now: SimTime) {
        for s in &mut self.stations {
            s.reset_stats(now);
        }
        self.end_to_end.reset();
        if let Some(h) = &mut self.end_to_end_hist {
            h.reset();
        }
    }

    #[inline]
    fn start_service(
        &mut self,
        stage: u32,
        started: Started<SimTime>,
        sched: &mut Scheduler<TandemEvent>,
    ) {
        let i = stage as usize;
        let d = self.services[i].sample_duration(&mut self.service_rngs[i]);
        sched.schedule_in(
            d,
            TandemEvent::Departure {
                stage,
                arrived: started.arrived,
                entered: started.job,
            },
        );
    }

    #[inline]
    fn arrive_at(&mut self, stage: u32, entered: SimTime, sched: &mut Scheduler<TandemEvent>) {
        if let Some(st) = self.stations[stage as usize].arrive(sched.now(), entered) {
            self.start_service(stage, st, sched);
        }
    }
}

impl Model for TandemModel {
    type Event = TandemEvent;

    #[inline]
    fn handle(&mut self, ev: TandemEvent, sched: &mut Scheduler<TandemEvent>) {
        let now = sched.now();
        match ev {
            TandemEvent::Arrival => {
                let gap = self.interarrival.sample_duration(&mut self.arrival_rng);
                sched.schedule_in(gap, TandemEvent::Arrival);
                self.arrive_at(0, now, sched);
            }
            TandemEvent::Departure {
                stage,
                arrived,
                entered,
            } => {
                if let Some(next) = self.stations[stage as usize].depart(now, arrived) {
                    self.start_service(stage, next, sched);
                }
                if (stage as usize) + 1 < self.stations.len() {
                    self.arrive_at(stage + 1, entered, sched);
                } else {
                    let total = now.saturating_duration_since(entered);
                    self.end_to_end.add(total.as_secs_f64());
                    if let Some(h) = &mut self.end_to_end_hist {
                        h.record(total);
                    }
                }
            }
        }
    }
}

/// Results of one replication after warm-up.
#[derive(Clone, Debug)]
pub struct TandemReport {
    /// Per station.
    pub stations: Vec<StationReport>,
    /// Waiting-time histograms per station (when enabled).
    pub wait_hists: Vec<Option<LatencyHistogram>>,
    /// Time through the whole line, seconds.
    pub end_to_end: Summary,
    /// Its histogram (when enabled).
    pub end_to_end_hist: Option<LatencyHistogram>,
    /// Events handled, warm-up included.
    pub events: u64,
}

/// A simulation of `spec` with its first arrival scheduled at time zero.
pub fn simulation(spec: &TandemSpec, seed: u64) -> Simulation<TandemModel> {
    let streams = RngStreams::new(seed);
    let mut sim = Simulation::new(TandemModel::new(spec, &streams));
    sim.scheduler_mut()
        .schedule_at(SimTime::ZERO, TandemEvent::Arrival);
    sim
}

/// Runs one replication: `warmup` of simulated time whose statistics are discarded, then
/// `measure` of simulated time that is reported.
pub fn run_replication(
    spec: &TandemSpec,
    seed: u64,
    warmup: SimDuration,
    measure: SimDuration,
) -> Result<TandemReport, SimError> {
    let mut sim = simulation(spec, seed);
    let t_warm = SimTime::ZERO
        .checked_add(warmup)
        .ok_or(SimError::ClockOverflow {
            now: SimTime::ZERO,
            delay: warmup,
        })?;
    let t_end = t_warm.checked_add(measure).ok_or(SimError::ClockOverflow {
        now: t_warm,
        delay: measure,
    })?;
    sim.run_until(t_warm)?;
    sim.model_mut().reset_stats(t_warm);
    sim.run_until(t_end)?;
    let events = sim.events_handled();
    let m = sim.into_model();
    Ok(TandemReport {
        stations: m.stations.iter().map(|s| s.report(t_end)).collect(),
        wait_hists: m
            .stations
            .iter()
            .map(|s| s.stats().wait_hist.clone())
            .collect(),
        end_to_end: m.end_to_end,
        end_to_end_hist: m.end_to_end_hist,
        events,
    })
}
