//! A reference FGD scheduler written from the study's description alone, node by node: for
//! every pod, filter every node (CPU, memory, GPU room) and score each feasible node (and, for a
//! share of a GPU, each device) by `trunc(100·σ(Δ/1000))`, Δ the fall in the node's
//! fragmentation for the typical pods; the highest score wins, the lowest tie key breaks ties.
//! Slow on purpose (no node classes, nothing cached): the benchmark's baseline and the test
//! oracle for meshsim's incremental FGD.

use meshsim_models::replay::{ReplayNode, ReplayPod};
use meshsim_models::scheduler::frag::{NON_ZERO_CPU_MILLI, Shape, TypicalPods};

/// The FGD shape of a pod (CPU 0 counts as 100m).
pub fn shape(p: &ReplayPod) -> Shape {
    let (gpu_milli, gpus) = if p.gpus > 0 {
        (1000, p.gpus)
    } else if p.gpu_milli > 0 {
        (p.gpu_milli, 1)
    } else {
        (0, 0)
    };
    Shape {
        cpu_milli: if p.cpu_milli == 0 {
            NON_ZERO_CPU_MILLI
        } else {
            p.cpu_milli
        },
        gpu_milli,
        gpus,
        models: p.models.clone(),
    }
}

/// A node's free resources, as the reference keeps them.
#[derive(Debug)]
pub struct Node {
    /// Free CPU, millicores.
    pub cpu_left: u64,
    /// Free memory, bytes.
    pub mem_left: u64,
    /// Free thousandths per GPU, in device index order.
    pub left: Vec<u16>,
    /// GPU model.
    pub model: Option<String>,
    /// Tie key.
    pub key: u32,
}

impl Node {
    /// Every node empty, with its tie key (lowest wins a tie).
    pub fn all(nodes: &[ReplayNode], keys: &[u32]) -> Vec<Node> {
        nodes
            .iter()
            .zip(keys)
            .map(|(n, &key)| Node {
                cpu_left: n.cpu_milli,
                mem_left: n.memory_bytes,
                left: vec![1000; n.gpus as usize],
                model: n.model.clone(),
                key,
            })
            .collect()
    }
}

fn sigmoid_score(delta: f64) -> i64 {
    (100.0 / (1.0 + (-delta / 1000.0).exp())) as i64
}

/// Node-by-node FGD over the arrival list; returns the GPU thousandths allocated at the end and
/// the pods placed.
pub fn node_by_node(
    nodes: &mut [Node],
    pods: &[ReplayPod],
    arrivals: &[usize],
    t: &TypicalPods,
) -> (u64, u64) {
    let mut used = 0u64;
    let mut placed = 0u64;
    for &i in arrivals {
        let p = &pods[i];
        let s = shape(p);
        let mut best: Option<(i64, u32, usize, Vec<u16>)> = None;
        for (n_i, n) in nodes.iter().enumerate() {
            if n.cpu_left < p.cpu_milli || n.mem_left < p.memory_bytes {
                continue;
            }
            // Devices in index order (the fragmentation does not depend on the order).
            let left = &n.left;
            let before = t.node_frag(n.cpu_left, left, n.model.as_deref());
            let cpu_after = n.cpu_left.saturating_sub(s.cpu_milli);
            let candidates: Vec<Vec<u16>> = if s.gpus == 1 && s.gpu_milli > 0 && s.gpu_milli < 1000
            {
                // A share: each device with room, in index order; the first that reaches the
                // best score takes it.
                (0..left.len())
                    .filter(|&d| u32::from(left[d]) >= s.gpu_milli)
                    .map(|d| {
                        let mut a = left.clone();
                        a[d] -= s.gpu_milli as u16;
                        a
                    })
                    .collect()
            } else {
                // Whole GPUs: the lowest-index free ones.
                let mut a = left.clone();
                let mut need = s.gpus;
                for l in a.iter_mut() {
                    if need > 0 && *l == 1000 {
                        *l = 0;
                        need -= 1;
                    }
                }
                if need > 0 { Vec::new() } else { vec![a] }
            };
            for after in candidates {
                let score =
                    sigmoid_score(before - t.node_frag(cpu_after, &after, n.model.as_deref()));
                let better = best
                    .as_ref()
                    .is_none_or(|b| score > b.0 || (score == b.0 && n.key < b.1));
                if better {
                    best = Some((score, n.key, n_i, after));
                }
            }
        }
        if let Some((_, _, n_i, after)) = best {
            let n = &mut nodes[n_i];
            n.cpu_left -= p.cpu_milli;
            n.mem_left -= p.memory_bytes;
            n.left = after;
            used += p.gpu_total();
            placed += 1;
        }
    }
    (used, placed)
}
