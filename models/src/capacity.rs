//! Capacity search: per mode, the smallest node count of each named pool that places the
//! desired replicas and keeps a latency SLO, found by bisection, under the scenario's capacity
//! rules (headroom reserved while searching; each pool's floors and N+1 spare added to the count
//! found).
//!
//! Feasible means: every workload places its desired replicas (fixed counts as given; `fill`
//! workloads the count the search is given), istiod, waypoints and DaemonSets leave no more pods
//! pending than on the full fleet, and — when an SLO is given — the request simulation's chain
//! P99 (mean over replications, for the deepest call graph) is at most the SLO. Pools are sized
//! one after the other in the order given, each with the earlier ones already at their minimum.
//! Bisection assumes more nodes are never worse; the count returned is re-checked and walked up
//! until it holds.

use std::collections::BTreeMap;

use crate::cluster::{Cluster, Replicas};
use crate::latency::{self, LatencySpec};
use crate::mesh::{MeshConfig, MeshMode};
use crate::packing::{self, Component};
use crate::scheduler::SchedulerConfig;

/// What to search for.
#[derive(Clone, Debug)]
pub struct Search<'a> {
    /// The cluster (pool counts are the upper bounds, unless `max_nodes` is set).
    pub cluster: &'a Cluster,
    /// The mesh.
    pub mesh: &'a MeshConfig,
    /// Scheduler.
    pub scheduler: SchedulerConfig,
    /// Seed.
    pub seed: u64,
    /// Pools to size, in order (indexes into `cluster.pools`).
    pub pools: Vec<usize>,
    /// Desired replicas of `fill` workloads, by workload index.
    pub replicas: BTreeMap<usize, u32>,
    /// Upper bound per pool (default: its count).
    pub max_nodes: Option<u32>,
    /// Request simulation and the chain P99 SLO, ms.
    pub slo: Option<(&'a LatencySpec, u32, f64)>,
    /// Capacity rules: headroom reserved while searching; floors and N+1 added to the result.
    pub rules: &'a crate::fleet_search::CapacityRules,
}

/// A pool's result.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolSize {
    /// Pool index.
    pub pool: usize,
    /// Smallest feasible count, or `None` when even the upper bound is not feasible.
    pub nodes: Option<u32>,
}

/// The result for one mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The mode.
    pub mode: MeshMode,
    /// Per searched pool.
    pub pools: Vec<PoolSize>,
    /// Monthly cost of the whole fleet at the found sizes (other pools as given), USD.
    pub cost_usd_per_month: Option<f64>,
    /// Chain P99 at the found sizes (when an SLO was searched), ms.
    pub chain_p99_ms: Option<f64>,
}

fn chain_p99_ms(s: &Search<'_>, c: &Cluster, run: &packing::ModeRun) -> Option<f64> {
    let (spec, reps, _) = s.slo?;
    let deepest = latency::deepest_traffic(spec)?;
    let mut total = 0.0;
    for r in 0..reps {
        let seed = crate::study::replication_seed(s.seed, r);
        let run = latency::simulate(c, s.mesh, run, spec, seed).ok()?;
        total += run.end_to_end[deepest].quantile(0.99).as_millis_f64();
    }
    Some(total / f64::from(reps.max(1)))
}

/// Searches every mode.
pub fn search(s: &Search<'_>, modes: &[MeshMode]) -> Vec<Found> {
    modes.iter().map(|&m| search_mode(s, m)).collect()
}

fn search_mode(s: &Search<'_>, mode: MeshMode) -> Found {
    let mut c = s.rules.reserve_headroom(s.cluster);
    for (&w, &n) in &s.replicas {
        c.workloads[w].replicas = Replicas::Count(n);
    }
    let want: Vec<Option<u32>> = c
        .workloads
        .iter()
        .map(|w| match w.replicas {
            Replicas::Count(n) => Some(n),
            Replicas::Fill => None,
        })
        .collect();
    for &p in &s.pools {
        if let Some(m) = s.max_nodes {
            c.pools[p].count = m;
        }
    }
    let other_pending = |run: &packing::ModeRun| -> u64 {
        run.mesh_pending
            .iter()
            .filter(|(c, _, _)| {
                matches!(
                    c,
                    Component::Istiod | Component::Waypoint | Component::EastWestGateway
                )
            })
            .map(|(_, n, _)| n)
            .sum::<u64>()
            + run.daemonsets.iter().map(|o| o.pending).sum::<u64>()
    };
    let full_run = packing::evaluate(&c, s.mesh, mode, s.scheduler, s.seed);
    let baseline = other_pending(&full_run);
    let feasible = |c: &Cluster| -> (bool, Option<f64>) {
        let run = packing::evaluate(c, s.mesh, mode, s.scheduler, s.seed);
        let placed = run
            .workloads
            .iter()
            .zip(&want)
            .all(|(o, w)| w.is_none_or(|n| o.nodes.len() as u32 >= n));
        if !placed || other_pending(&run) > baseline {
            return (false, None);
        }
        match s.slo {
            None => (true, None),
            Some((_, _, limit)) => match chain_p99_ms(s, c, &run) {
                Some(p) => (p <= limit, Some(p)),
                None => (false, None),
            },
        }
    };
    let mut sizes = Vec::new();
    let mut ok_overall = feasible(&c).0;
    for &p in &s.pools {
        let full = c.pools[p].count;
        if !ok_overall {
            sizes.push(PoolSize {
                pool: p,
                nodes: None,
            });
            continue;
        }
        // The whole search space was feasible (checked above).
        let n = crate::fleet_search::smallest_count(0, full, true, |n| {
            c.pools[p].count = n;
            feasible(&c).0
        })
        .unwrap_or(full);
        c.pools[p].count = n;
        ok_overall = feasible(&c).0;
        sizes.push(PoolSize {
            pool: p,
            nodes: Some(s.rules.required(p, &s.cluster.pools[p], n)),
        });
    }
    let all_found = sizes.iter().all(|x| x.nodes.is_some());
    let (_, p99) = if all_found && s.slo.is_some() {
        feasible(&c)
    } else {
        (false, None)
    };
    Found {
        mode,
        // Priced at the required counts (floors and spare included), other pools as given.
        cost_usd_per_month: all_found.then(|| {
            let mut priced = s.cluster.clone();
            for ps in &sizes {
                priced.pools[ps.pool].count = ps.nodes.unwrap_or(0);
            }
            priced.monthly_cost_usd()
        }),
        pools: sizes,
        chain_p99_ms: p99,
    }
}
