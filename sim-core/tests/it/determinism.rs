//! Same seed, same run: the event trace (every event's time and content, in order) is hashed and
//! compared across repeats, threads and seeds.

use std::hash::{DefaultHasher, Hash, Hasher};

use meshsim_core::dist::Dist;
use meshsim_core::engine::{Model, Scheduler, Simulation};
use meshsim_core::rng::RngStreams;
use meshsim_core::tandem::{TandemEvent, TandemModel, TandemSpec};
use meshsim_core::time::SimTime;
use rand::Rng;

/// Wraps a model and hashes every event it handles.
struct Traced<M> {
    inner: M,
    hasher: DefaultHasher,
}

impl Model for Traced<TandemModel> {
    type Event = TandemEvent;
    fn handle(&mut self, ev: TandemEvent, s: &mut Scheduler<TandemEvent>) {
        s.now().hash(&mut self.hasher);
        ev.hash(&mut self.hasher);
        self.inner.handle(ev, s);
    }
}

fn spec() -> TandemSpec {
    TandemSpec {
        interarrival: Dist::exponential(1.0e-3).unwrap(),
        stations: vec![
            (2, Dist::lognormal_mean_cv(1.5e-3, 0.8).unwrap()),
            (1, Dist::exponential(0.7e-3).unwrap()),
        ],
        histograms: false,
    }
}

fn trace_hash(seed: u64, events: u64) -> u64 {
    let streams = RngStreams::new(seed);
    let mut sim = Simulation::new(Traced {
        inner: TandemModel::new(&spec(), &streams),
        hasher: DefaultHasher::new(),
    });
    sim.scheduler_mut()
        .schedule_at(SimTime::ZERO, TandemEvent::Arrival);
    sim.run_events(events).unwrap();
    sim.model().hasher.finish()
}

#[test]
fn same_seed_gives_an_identical_event_trace() {
    assert_eq!(trace_hash(42, 200_000), trace_hash(42, 200_000));
}

#[test]
fn the_trace_does_not_depend_on_the_thread() {
    let here = trace_hash(42, 100_000);
    let there: Vec<u64> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| s.spawn(|| trace_hash(42, 100_000)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(there.iter().all(|&h| h == here));
}

#[test]
fn different_seeds_give_different_traces() {
    assert_ne!(trace_hash(42, 10_000), trace_hash(43, 10_000));
}

#[test]
fn adding_a_stream_leaves_other_streams_unchanged() {
    let streams = RngStreams::new(9);
    let mut before = streams.stream("arrivals");
    let a: Vec<u64> = (0..64).map(|_| before.next_u64()).collect();
    // A new component appears and draws heavily from its own stream.
    let mut newcomer = streams.stream("service/waypoint");
    for _ in 0..10_000 {
        newcomer.next_u64();
    }
    let mut after = streams.stream("arrivals");
    let b: Vec<u64> = (0..64).map(|_| after.next_u64()).collect();
    assert_eq!(a, b);
}

#[test]
fn a_model_with_an_extra_station_sees_the_same_arrivals() {
    // Common random numbers: adding a second station changes nothing about when customers arrive
    // or how long the first station serves them, so station 0's statistics are identical.
    let one = TandemSpec {
        stations: spec().stations[..1].to_vec(),
        ..spec()
    };
    let run = |s: &TandemSpec| {
        let streams = RngStreams::new(5);
        let mut sim = Simulation::new(TandemModel::new(s, &streams));
        sim.scheduler_mut()
            .schedule_at(SimTime::ZERO, TandemEvent::Arrival);
        sim.run_until(SimTime::from_nanos(2_000_000_000)).unwrap();
        let st = sim.model().stations()[0].stats().clone();
        (
            st.arrivals,
            st.departures,
            st.wait_ns.mean(),
            st.sojourn_ns.mean(),
        )
    };
    assert_eq!(run(&one), run(&spec()));
}
