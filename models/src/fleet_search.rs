//! The smallest fleet that still works: one bisection over a pool's node count, shared by "nodes
//! at equal replicas" and the capacity search, under the scenario's capacity rules.
//!
//! Bisection assumes that more nodes are never worse. Packing is not strictly monotone (a
//! different node count can change tie-breaks and therefore where pods land), so the count found
//! is checked again and, if it fails, walked up one node at a time until it holds.
//!
//! # Capacity rules
//! A platform team does not run nodes at 100 % of allocatable. [`CapacityRules`] state what a
//! right-sized fleet keeps: a share of each node's allocatable CPU and memory left free
//! (headroom), a floor of nodes per pool and per zone, and one spare node per pool (N+1). A
//! pool's required count is the smallest that places everything with the headroom reserved,
//! raised to the floors, plus one with N+1 (unless the pool needs no node at all). The same rules
//! apply to every mode, so a difference between modes is the mesh's alone.

use crate::cluster::{Cluster, NodePool};
use crate::resources::Resources;

/// Capacity rules of one pool (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolRules {
    /// Share of allocatable CPU kept free on each node, 0 ≤ x < 1.
    pub cpu_headroom: f64,
    /// Share of allocatable memory kept free on each node, 0 ≤ x < 1.
    pub memory_headroom: f64,
    /// Fewest nodes the pool keeps.
    pub min_nodes: u32,
    /// Fewest nodes per zone the pool keeps (nodes are spread over zones round-robin).
    pub min_nodes_per_zone: u32,
    /// One spare node beyond what the pods need.
    pub n_plus_one: bool,
}

impl PoolRules {
    /// No headroom, no floors, no spare: pack to 100 % of allocatable.
    pub const PACKED: PoolRules = PoolRules {
        cpu_headroom: 0.0,
        memory_headroom: 0.0,
        min_nodes: 0,
        min_nodes_per_zone: 0,
        n_plus_one: false,
    };
}

/// Capacity rules for the whole fleet: defaults, and overrides per pool (by pool index).
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityRules {
    /// Rules of pools without GPUs.
    pub cpu_pools: PoolRules,
    /// Rules of pools with GPUs (their pods are sized to the GPUs, so no headroom by default).
    pub gpu_pools: PoolRules,
    /// Per pool index, rules that replace the defaults.
    pub overrides: Vec<(usize, PoolRules)>,
}

impl Default for CapacityRules {
    /// Pools without GPUs keep 10 % of CPU and memory free on every node and one spare node
    /// (N+1), as general-purpose pools usually are run. GPU pools are packed to allocatable with
    /// no spare: their pods are sized to the GPUs, and a spare GPU node is a business decision
    /// a scenario states (`[capacity_rules.gpu_pools] n_plus_one = true`).
    fn default() -> Self {
        CapacityRules {
            cpu_pools: PoolRules {
                cpu_headroom: 0.10,
                memory_headroom: 0.10,
                n_plus_one: true,
                ..PoolRules::PACKED
            },
            gpu_pools: PoolRules::PACKED,
            overrides: Vec::new(),
        }
    }
}

impl CapacityRules {
    /// Packing to 100 % of allocatable, no floors, no spare.
    pub fn packed() -> Self {
        CapacityRules {
            cpu_pools: PoolRules::PACKED,
            gpu_pools: PoolRules::PACKED,
            overrides: Vec::new(),
        }
    }

    /// The rules of pool `i`.
    pub fn of(&self, i: usize, pool: &NodePool) -> PoolRules {
        self.overrides
            .iter()
            .find(|(p, _)| *p == i)
            .map(|(_, r)| *r)
            .unwrap_or(if pool.capacity.gpus > 0 {
                self.gpu_pools
            } else {
                self.cpu_pools
            })
    }

    /// The cluster with each pool's headroom reserved (its allocatable reduced), so placing on
    /// it leaves the headroom free.
    pub fn reserve_headroom(&self, cluster: &Cluster) -> Cluster {
        let mut c = cluster.clone();
        for (i, p) in c.pools.iter_mut().enumerate() {
            let r = self.of(i, p);
            let a = p.allocatable();
            p.system_reserved += Resources::cpu_mem(
                (a.cpu_milli as f64 * r.cpu_headroom).ceil() as u64,
                (a.memory_bytes as f64 * r.memory_headroom).ceil() as u64,
            );
        }
        c
    }

    /// The floor of pool `i`'s count.
    pub fn floor(&self, i: usize, pool: &NodePool) -> u32 {
        let r = self.of(i, pool);
        let zones = pool.zones.len().max(1) as u32;
        r.min_nodes.max(r.min_nodes_per_zone.saturating_mul(zones))
    }

    /// The count required of pool `i` when `n` nodes place its pods: floors, then N+1.
    pub fn required(&self, i: usize, pool: &NodePool, n: u32) -> u32 {
        let r = self.of(i, pool);
        let n = n.max(self.floor(i, pool));
        if r.n_plus_one && n > 0 { n + 1 } else { n }
    }
}

/// Largest count a search grows a pool to when its current count does not suffice.
pub fn growth_limit(current: u32) -> u32 {
    current
        .saturating_mul(4)
        .saturating_add(16)
        .min(crate::fleet_search::MAX_SEARCH_NODES)
}

/// Most nodes any search tries for one pool.
pub const MAX_SEARCH_NODES: u32 = 1_000_000;

/// The smallest count in `lo..=` for which `feasible` holds, searching up to `limit` when
/// `start` does not suffice: `None` when even `limit` does not.
pub fn smallest_growing(
    lo: u32,
    start: u32,
    limit: u32,
    mut feasible: impl FnMut(u32) -> bool,
) -> Option<u32> {
    let mut hi = start.max(lo);
    while !feasible(hi) {
        if hi >= limit {
            return None;
        }
        hi = hi.saturating_mul(2).max(hi + 1).min(limit);
    }
    smallest_count(lo, hi, true, feasible)
}

/// The smallest `n` in `lo..=hi` for which `feasible(n)` holds, or `None` when even `hi` does
/// not. `feasible(hi)` is evaluated first unless `hi_known_feasible`.
pub fn smallest_count(
    lo: u32,
    hi: u32,
    hi_known_feasible: bool,
    mut feasible: impl FnMut(u32) -> bool,
) -> Option<u32> {
    if !hi_known_feasible && !feasible(hi) {
        return None;
    }
    let (mut a, mut b) = (lo.min(hi), hi);
    // Invariant: `b` suffices.
    while a < b {
        let mid = a + (b - a) / 2;
        if feasible(mid) {
            b = mid;
        } else {
            a = mid + 1;
        }
    }
    // Verify, and walk up if placement was not monotone at the boundary.
    let mut n = b;
    while n < hi && !feasible(n) {
        n += 1;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_threshold_of_a_monotone_predicate() {
        for t in 0..=20 {
            let mut calls = 0;
            let got = smallest_count(0, 20, false, |n| {
                calls += 1;
                n >= t
            });
            assert_eq!(got, Some(t));
            // ⌈log2(21)⌉ + the upper bound + the verification.
            assert!(calls <= 7, "{calls} evaluations for t = {t}");
        }
        assert_eq!(smallest_count(0, 20, false, |n| n >= 21), None);
        assert_eq!(smallest_count(5, 20, true, |_| true), Some(5));
    }

    #[test]
    fn grows_past_the_current_count_when_it_does_not_suffice() {
        assert_eq!(smallest_growing(0, 10, 100, |n| n >= 14), Some(14));
        assert_eq!(smallest_growing(0, 10, 12, |n| n >= 14), None);
        assert_eq!(smallest_growing(3, 10, 100, |n| n >= 1), Some(3));
    }

    #[test]
    fn rules_add_floors_and_a_spare() {
        let mut p = NodePool::new("p", 10, Resources::cpu_mem(16_000, 64 << 30));
        p.zones = vec!["a".into(), "b".into(), "c".into()];
        let mut rules = CapacityRules::default();
        assert_eq!(
            rules.required(0, &p, 0),
            0,
            "a pool nobody needs stays empty"
        );
        assert_eq!(rules.required(0, &p, 4), 5);
        let mut g = p.clone();
        g.capacity.gpus = 8;
        assert_eq!(
            rules.required(0, &g, 4),
            4,
            "GPU pools keep no spare by default"
        );
        rules.overrides.push((
            0,
            PoolRules {
                min_nodes_per_zone: 2,
                ..rules.cpu_pools
            },
        ));
        assert_eq!(rules.floor(0, &p), 6);
        assert_eq!(rules.required(0, &p, 4), 7);
        // 10 % of 16 cores and 64 GiB reserved: 14.4 cores and 57.6 GiB allocatable.
        let c = Cluster {
            pools: vec![p],
            ..Default::default()
        };
        let a = rules.reserve_headroom(&c).pools[0].allocatable();
        assert_eq!(a.cpu_milli, 14_400);
        assert_eq!(
            a.memory_bytes,
            (64u64 << 30) - ((64u64 << 30) as f64 * 0.1).ceil() as u64
        );
    }

    #[test]
    fn walks_up_past_a_non_monotone_boundary() {
        // Feasible at 10 and from 13 on, not at 11 or 12: bisection over 0..=20 lands on 13
        // or on 10 and verifies it.
        let f = |n: u32| n == 10 || n >= 13;
        let got = smallest_count(0, 20, false, f).unwrap();
        assert!(f(got), "{got} is not feasible");
    }
}
