//! Latency over the day, compressed: the request simulation run at a few representative
//! instants of a day (`[autoscaling]` with `[[traffic]]`) rather than over all of it. At each
//! window every mode's fleet is taken as the day left it — each workload's replicas and each
//! pool's nodes at that sampling instant, placed afresh by the scheduler — and each traffic
//! source's rate is scaled by its entry workload's load at that instant over the load its
//! `[[traffic]]` figures stand for (the scenario's replicas × `rps`). The windows are the
//! instants of the lowest, the median and the highest total load over the horizon (the same
//! instants in every mode), each simulated for the scenario's `[latency]` duration.

use super::day::{DaySpec, ModeDay, Role, samples_of};
use super::fleet::Load;
use crate::cluster::{Cluster, Replicas};
use crate::latency::{self, Arrival, LatencyError, LatencySpec, ModeLatency};
use crate::mesh::{MeshConfig, MeshMode};
use crate::packing;
use crate::scheduler::SchedulerConfig;

/// One window.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// `trough`, `median` or `peak`.
    pub label: &'static str,
    /// The sampling instant, seconds.
    pub t_s: u64,
    /// The total load at that instant over the total the `[[traffic]]` figures stand for.
    pub load_factor: f64,
}

/// The load each workload's `[[traffic]]` figures stand for: its replicas × `rps` (`fill`
/// replicas as the reference mode placed them — the same base as the day's default loads).
fn base_loads(cluster: &Cluster, reference: &ModeDay) -> Vec<f64> {
    cluster
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let n = match w.replicas {
                Replicas::Count(n) => f64::from(n),
                Replicas::Fill => {
                    let pos = reference
                        .workloads
                        .iter()
                        .position(|x| x.1 == Role::App(i))
                        .unwrap_or(i);
                    let k = samples_of(&reference.fleet, cluster.pools.len()).max(1);
                    let n = reference.fleet.placed_at_samples.len() / k;
                    f64::from(reference.fleet.placed_at_samples[pos.min(n.saturating_sub(1))])
                }
            };
            n * w.rps_per_replica
        })
        .collect()
}

/// The trough, median and peak of the total load over the sampling instants.
pub fn windows(
    cluster: &Cluster,
    day: &DaySpec,
    loads: &[Load],
    reference: &ModeDay,
) -> Vec<Window> {
    let k = samples_of(&reference.fleet, cluster.pools.len());
    if k == 0 {
        return Vec::new();
    }
    let base: f64 = base_loads(cluster, reference).iter().sum();
    let total = |s: usize| -> f64 {
        let t = s as u64 * day.sample_s;
        loads.iter().map(|l| l.at(t)).sum()
    };
    let mut order: Vec<usize> = (0..k).collect();
    // By load, then time: the trough and the median are the earliest instants of their load,
    // and so is the peak.
    order.sort_by(|&a, &b| total(a).total_cmp(&total(b)).then(a.cmp(&b)));
    let top = total(order[k - 1]);
    let peak = (0..k).find(|&s| total(s) == top).unwrap_or(order[k - 1]);
    let pick = [
        ("trough", order[0]),
        ("median", order[(k - 1) / 2]),
        ("peak", peak),
    ];
    pick.iter()
        .map(|&(label, s)| Window {
            label,
            t_s: s as u64 * day.sample_s,
            load_factor: if base > 0.0 { total(s) / base } else { 0.0 },
        })
        .collect()
}

/// `a` with its rate multiplied by `f` (a closed loop: its clients).
fn scaled(a: &Arrival, f: f64) -> Arrival {
    match a {
        Arrival::Poisson { rate } => Arrival::Poisson { rate: rate * f },
        Arrival::Schedule { steps, period } => Arrival::Schedule {
            steps: steps.iter().map(|(t, r)| (*t, r * f)).collect(),
            period: *period,
        },
        Arrival::Mmpp {
            rates,
            mean_durations,
        } => Arrival::Mmpp {
            rates: [rates[0] * f, rates[1] * f],
            mean_durations: *mean_durations,
        },
        Arrival::Trace { offsets, scale } => Arrival::Trace {
            offsets: offsets.clone(),
            scale: scale * f,
        },
        // Clients scale with the load (at least one stays).
        Arrival::Closed { connections, think } => Arrival::Closed {
            connections: (f64::from(*connections) * f)
                .round()
                .clamp(1.0, f64::from(u32::MAX)) as u32,
            think: *think,
        },
    }
}

/// The cluster of one mode's day at sampling instant `s`: its workloads' replicas and its
/// pools' nodes then.
fn cluster_at(cluster: &Cluster, d: &ModeDay, s: usize) -> Cluster {
    let pools = cluster.pools.len();
    let n = d.workloads.len();
    let mut c = cluster.clone();
    for (w, (_, role)) in d.workloads.iter().enumerate() {
        if let Role::App(i) = role {
            c.workloads[*i].replicas = Replicas::Count(d.fleet.placed_at_samples[s * n + w]);
        }
    }
    for (p, pool) in c.pools.iter_mut().enumerate() {
        pool.count = d.fleet.samples[s * pools + p].nodes;
    }
    c
}

/// The mesh of one mode's day at sampling instant `s`: its waypoints at the replicas the
/// day's waypoint HPA gave them (the most any waypoint had then: the placement gives every
/// waypoint one count).
fn mesh_at(mesh: &MeshConfig, d: &ModeDay, s: usize) -> MeshConfig {
    let n = d.workloads.len();
    let most = d
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, x)| x.1 == Role::Waypoint)
        .map(|(w, _)| d.fleet.placed_at_samples[s * n + w])
        .max();
    let mut m = mesh.clone();
    if let Some(k) = most {
        m.costs.waypoint.replicas = k.max(1);
    }
    m
}

/// Per window, per mode of `days` (and `none` last when it is not among them, for the added
/// latency), the request simulation's summary.
#[allow(
    clippy::too_many_arguments,
    reason = "the parts of a scenario the windows need"
)]
pub fn simulate(
    cluster: &Cluster,
    mesh: &MeshConfig,
    spec: &LatencySpec,
    day: &DaySpec,
    days: &[ModeDay],
    loads: &[Load],
    reference: usize,
    scheduler: SchedulerConfig,
    seed: u64,
    replications: u32,
    current: Option<MeshMode>,
    replication_seed: impl Fn(u64, u32) -> u64 + Sync,
) -> Result<Vec<(Window, Vec<ModeLatency>)>, LatencyError> {
    use rayon::prelude::*;
    let Some(r) = days.get(reference) else {
        return Ok(Vec::new());
    };
    let base = base_loads(cluster, r);
    let mut out = Vec::new();
    for w in windows(cluster, day, loads, r) {
        let s = (w.t_s / day.sample_s.max(1)) as usize;
        let mut traffic_spec = spec.clone();
        for t in &mut traffic_spec.traffic {
            let b = base[t.target];
            let f = if b > 0.0 {
                loads[t.target].at(w.t_s) / b
            } else {
                1.0
            };
            t.arrival = scaled(&t.arrival, f);
        }
        // Each mode's fleet at the instant; `none` from the reference mode's when not run.
        let mut modes: Vec<(MeshMode, Cluster, MeshConfig)> = days
            .iter()
            .map(|d| (d.mode, cluster_at(cluster, d, s), mesh_at(mesh, d, s)))
            .collect();
        if !modes.iter().any(|m| m.0 == MeshMode::None) {
            modes.push((MeshMode::None, cluster_at(cluster, r, s), mesh.clone()));
        }
        let tasks: Vec<(usize, u32)> = (0..modes.len())
            .flat_map(|m| (0..replications).map(move |k| (m, k)))
            .collect();
        let runs: Vec<packing::ModeRun> = modes
            .par_iter()
            .map(|(m, c, mesh)| packing::evaluate(c, mesh, *m, scheduler, seed))
            .collect();
        let sims: Vec<Result<latency::LatencyRun, LatencyError>> = tasks
            .par_iter()
            .map(|&(m, k)| {
                latency::simulate(
                    &modes[m].1,
                    &modes[m].2,
                    &runs[m],
                    &traffic_spec,
                    replication_seed(seed, k),
                )
            })
            .collect();
        let mut per_mode: Vec<Vec<latency::LatencyRun>> = vec![Vec::new(); modes.len()];
        for ((m, _), res) in tasks.iter().zip(sims) {
            per_mode[*m].push(res?);
        }
        let names: Vec<MeshMode> = modes.iter().map(|m| m.0).collect();
        let mut summary = latency::summarise(
            &names,
            &per_mode,
            &traffic_spec.traffic,
            traffic_spec.utilisation_warning,
            current,
        );
        summary.truncate(days.len());
        out.push((w, summary));
    }
    Ok(out)
}
