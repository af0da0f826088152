//! How the pods of a replay arrive: the FGD study's protocol or the trace's own times.
//!
//! FGD protocol (`pkg/simulator/core.go` of the study's simulator, restated in meshsim's
//! `FGD-SPEC` notes): pods sorted by name, shuffled (Fisher–Yates) with the seed; then, while
//! the GPUs asked for stay within `tune_ratio` × the cluster's GPU capacity, a pod drawn
//! uniformly (with replacement) from the name-sorted list is appended — the test uses the
//! drawn pod's per-GPU share, not its total, so a multi-GPU clone may overshoot by up to 7 GPUs,
//! and CPU pods always pass and add nothing. Nodes, sorted by name, get a random permutation as
//! tie keys (the study's node renaming, its only tie-break). meshsim draws these from its own
//! named streams (`replay/shuffle`, `replay/tune`, `replay/node-order`), the same for every
//! policy (common random numbers, as in the study), not from Go's generator: runs match the
//! study's in distribution, not draw for draw.

use meshsim_core::rng::{RngStreams, SimRng};
use rand::RngExt;

use super::{ReplayNode, ReplayPod};

/// How pods arrive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Protocol {
    /// The FGD study's: shuffled, topped up to `tune_ratio` of GPU capacity, no departures.
    Fgd {
        /// Target of GPUs asked for over GPU capacity (the study's 1.3).
        tune_ratio: f64,
    },
    /// The trace's creation and deletion times.
    Trace {
        /// Pods that fit nowhere wait and are tried again (in arrival order) whenever a pod
        /// departs, instead of failing.
        retry: bool,
    },
}

/// Indices of `items` in the order of their names.
fn sorted_by_name<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<usize> {
    let mut v: Vec<usize> = (0..items.len()).collect();
    v.sort_by(|&a, &b| name(&items[a]).cmp(name(&items[b])));
    v
}

fn shuffle(v: &mut [usize], rng: &mut SimRng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// The FGD protocol's arrival list: indices into `pods` (a pod drawn again appears again).
pub fn fgd_arrivals(
    pods: &[ReplayPod],
    capacity_milli: u64,
    tune_ratio: f64,
    seed: u64,
) -> Vec<usize> {
    let streams = RngStreams::new(seed);
    let by_name = sorted_by_name(pods, |p| &p.name);
    let mut order = by_name.clone();
    shuffle(&mut order, &mut streams.stream("replay/shuffle"));
    let target = tune_ratio * capacity_milli as f64;
    let mut total: f64 = pods.iter().map(|p| p.gpu_total() as f64).sum();
    if pods.is_empty() {
        return order;
    }
    let mut rng = streams.stream("replay/tune");
    // Bounded: the study draws until a GPU pod would overshoot, which a workload of CPU pods
    // alone never does; stop after 100 draws per pod (the default trace needs about 0.35).
    let max_draws = (pods.len() as u64).saturating_mul(100).min(10_000_000);
    for _ in 0..max_draws {
        let j = by_name[rng.random_range(0..by_name.len())];
        let p = &pods[j];
        let per_gpu = if p.gpus > 0 {
            1000.0
        } else {
            f64::from(p.gpu_milli)
        };
        if total + per_gpu > target {
            break;
        }
        total += p.gpu_total() as f64;
        order.push(j);
    }
    order
}

/// Tie keys for the nodes (by index into `nodes`): a seeded random permutation of the
/// name-sorted nodes.
pub fn node_keys(nodes: &[ReplayNode], seed: u64) -> Vec<u32> {
    let by_name = sorted_by_name(nodes, |n| &n.name);
    let mut perm: Vec<usize> = (0..nodes.len()).collect();
    shuffle(
        &mut perm,
        &mut RngStreams::new(seed).stream("replay/node-order"),
    );
    let mut keys = vec![0u32; nodes.len()];
    for (rank, &node) in by_name.iter().enumerate() {
        keys[node] = perm[rank] as u32;
    }
    keys
}
