//! # meshsim-core
//!
//! The foundation of meshsim: a deterministic discrete-event engine, named random streams,
//! distributions, statistics, and a queueing station validated against queueing theory.
//! It knows nothing of Kubernetes or meshes; `meshsim-models` builds those on top.
//!
//! | module | what it gives |
//! |---|---|
//! | [`time`] | [`SimTime`]/[`SimDuration`]: integer nanoseconds, checked arithmetic |
//! | [`engine`] | [`Simulation`], [`Model`], [`Scheduler`]: `(time, seq)` order, FIFO ties, cancellation |
//! | [`rng`] | [`RngStreams`]: one seed per run, one stream per `(seed, name)` |
//! | [`dist`] | [`Dist`]: exponential, log-normal (from mu/sigma, mean/P99 or mean/CV), gamma, constant, uniform, empirical |
//! | [`stats`] | Welford [`Summary`], HDR [`LatencyHistogram`] (≤ 0.1 % relative error), [`TimeWeighted`], Student-t [`ConfidenceInterval`] |
//! | [`station`] | [`Station`]: c servers, FIFO, waits, sojourns, utilisation, queue length |
//! | [`theory`] | Erlang B/C, M/M/c, M/G/1 (Pollaczek–Khinchine), M/D/1, Jackson tandems |
//! | [`tandem`] | a runnable series network of stations, used for validation and benchmarks |
//!
//! ## Determinism
//! A run's results depend only on its seed and inputs: the engine has one ordering rule
//! (`(time, seq)`), models draw only from [`RngStreams`], and nothing reads clocks, thread ids or
//! hash-map iteration order. Parallelism happens across runs, never inside one.

pub mod dist;
pub mod engine;
pub mod rng;
pub mod station;
pub mod stats;
pub mod tandem;
pub mod theory;
pub mod time;

pub use dist::Dist;
pub use engine::{EventId, Model, Scheduler, SimError, Simulation};
pub use rng::{RngStreams, SimRng};
pub use station::Station;
pub use stats::{
    ConfidenceInterval, Estimator, LatencyHistogram, LatencyRecorder, Summary, TimeWeighted,
    TimeWeightedCount,
};
pub use time::{SimDuration, SimTime};
