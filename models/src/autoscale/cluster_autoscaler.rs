//! The cluster autoscaler's two decisions, as the Kubernetes cluster autoscaler
//! (`kubernetes/autoscaler`, `cluster-autoscaler`) makes them for a node group:
//!
//! - **Scale-up** when pods are pending: the binpacking estimator places the pending pods on
//!   empty nodes of the group's template — pods sorted by their size relative to the template
//!   (CPU share + memory share, largest first), each on the first new node it fits — and asks
//!   for that many nodes, within the group's maximum. A pod that does not fit even an empty
//!   template node does not make the group grow. New nodes join after the group's provisioning
//!   delay (cloud-specific: a scenario input).
//! - **Scale-down** of a node whose utilisation — the larger of requested CPU and memory over
//!   allocatable, or for a GPU node its requested GPU share — stays under the threshold (0.5)
//!   for the unneeded time (10 min), and whose pods fit elsewhere (checked by the caller), not
//!   sooner than the delay after the group's last scale-up (10 min), within the group's
//!   minimum.
//!
//! Defaults, from the cluster autoscaler's flags and FAQ: `--scan-interval=10s`,
//! `--scale-down-utilization-threshold=0.5`, `--scale-down-gpu-utilization-threshold=0.5`,
//! `--scale-down-unneeded-time=10m`, `--scale-down-delay-after-add=10m`,
//! `--max-node-provision-time=15m`. DaemonSet pods count in a node's utilisation (the default,
//! `--ignore-daemonsets-utilization=false`), so a mesh's node agent (ztunnel, istio-cni) raises
//! every node's utilisation and is placed on every new node.
//!
//! Not modelled: expanders across several node groups (the caller picks the group), balancing
//! similar groups, PodDisruptionBudgets and pods that block scale-down (local storage, no
//! controller), empty-node bulk deletion limits, and Karpenter-style consolidation.

use std::collections::BTreeMap;

use crate::resources::Resources;

/// The cluster autoscaler's settings (its flags' defaults in [`CaConfig::default`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CaConfig {
    /// `--scan-interval`, seconds.
    pub scan_interval_s: u64,
    /// `--scale-down-utilization-threshold`.
    pub utilization_threshold: f64,
    /// `--scale-down-gpu-utilization-threshold`.
    pub gpu_utilization_threshold: f64,
    /// `--scale-down-unneeded-time`, seconds.
    pub unneeded_time_s: u64,
    /// `--scale-down-delay-after-add`, seconds.
    pub delay_after_add_s: u64,
}

impl Default for CaConfig {
    fn default() -> Self {
        CaConfig {
            scan_interval_s: 10,
            utilization_threshold: 0.5,
            gpu_utilization_threshold: 0.5,
            unneeded_time_s: 600,
            delay_after_add_s: 600,
        }
    }
}

/// What one new node of a group offers to pods: its allocatable less what its DaemonSet pods
/// (the mesh's node agents among them) request, and its pod slots left.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Template {
    /// Resources left for pods: `gpus` whole devices free, `gpu_milli` the free GPU share over
    /// all devices in thousandths (`gpus × 1000` on an empty node). Shares are counted over the
    /// node, not per device: the estimate does not see how fractions fragment devices (the
    /// scheduler's binding does, and a later scan asks for what is still pending).
    pub free: Resources,
    /// Pod slots left.
    pub pods: u32,
}

/// Whether `pod` fits in `free` with `slots` pod slots.
fn fits(pod: &Resources, free: &Resources, slots: u32) -> bool {
    slots > 0
        && pod.cpu_milli <= free.cpu_milli
        && pod.memory_bytes <= free.memory_bytes
        && pod.gpus <= free.gpus
        && pod.gpu_milli <= free.gpu_milli
}

fn take(free: &mut Resources, pod: &Resources) {
    free.cpu_milli -= pod.cpu_milli;
    free.memory_bytes -= pod.memory_bytes;
    free.gpus -= pod.gpus;
    free.gpu_milli = free
        .gpu_milli
        .saturating_sub(pod.gpus * 1000 + pod.gpu_milli);
    // A share taken from a device leaves it no longer whole.
    free.gpus = free.gpus.min(free.gpu_milli / 1000);
}

/// The binpacking estimate: how many new template nodes the `pending` pods need, and how many
/// of them fit no empty template node at all (they never make the group grow).
pub fn estimate(pending: &[Resources], t: &Template) -> (u32, u32) {
    let share = |p: &Resources| {
        let s = |x: u64, of: u64| if of > 0 { x as f64 / of as f64 } else { 0.0 };
        s(p.cpu_milli, t.free.cpu_milli) + s(p.memory_bytes, t.free.memory_bytes)
    };
    let mut order: Vec<usize> = (0..pending.len()).collect();
    // Largest first; equal sizes keep their order (a stable sort).
    order.sort_by(|&a, &b| share(&pending[b]).total_cmp(&share(&pending[a])));
    let mut nodes: Vec<(Resources, u32)> = Vec::new();
    let mut unplaceable = 0;
    for i in order {
        let p = &pending[i];
        if !fits(p, &t.free, t.pods) {
            unplaceable += 1;
            continue;
        }
        match nodes.iter_mut().find(|(free, slots)| fits(p, free, *slots)) {
            Some((free, slots)) => {
                take(free, p);
                *slots -= 1;
            }
            None => {
                let mut free = t.free;
                take(&mut free, p);
                nodes.push((free, t.pods - 1));
            }
        }
    }
    (nodes.len() as u32, unplaceable)
}

/// A node's utilisation as the scale-down sees it: for a GPU node the requested GPU share,
/// otherwise the larger of requested CPU and memory over allocatable.
pub fn utilization(requested: &Resources, allocatable: &Resources, gpus: u32) -> f64 {
    if gpus > 0 {
        return f64::from(requested.gpu_milli) / (f64::from(gpus) * 1000.0);
    }
    let s = |x: u64, of: u64| if of > 0 { x as f64 / of as f64 } else { 0.0 };
    s(requested.cpu_milli, allocatable.cpu_milli)
        .max(s(requested.memory_bytes, allocatable.memory_bytes))
}

/// The scale-down's memory for one group: since when each node is unneeded, and the last
/// scale-up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScaleDown {
    since: BTreeMap<u32, u64>,
    last_add_s: Option<u64>,
}

impl ScaleDown {
    /// Records a scale-up at `now_s`.
    pub fn added(&mut self, now_s: u64) {
        self.last_add_s = Some(now_s);
    }

    /// One scan at `now_s`: `candidates` are the nodes (by id) that are under the threshold and
    /// whose pods fit elsewhere now. Returns the nodes to remove, lowest id first, at most
    /// `removable` of them (the group's size above its minimum): those unneeded for the
    /// unneeded time, once the delay after the last scale-up has passed.
    pub fn scan(
        &mut self,
        cfg: &CaConfig,
        now_s: u64,
        candidates: &[u32],
        removable: u32,
    ) -> Vec<u32> {
        self.since.retain(|id, _| candidates.contains(id));
        for &id in candidates {
            self.since.entry(id).or_insert(now_s);
        }
        if self
            .last_add_s
            .is_some_and(|t| now_s < t + cfg.delay_after_add_s)
        {
            return Vec::new();
        }
        let out: Vec<u32> = self
            .since
            .iter()
            .filter(|(_, t)| now_s >= **t + cfg.unneeded_time_s)
            .map(|(&id, _)| id)
            .take(removable as usize)
            .collect();
        for id in &out {
            self.since.remove(id);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    fn cpu(m: u64) -> Resources {
        Resources {
            cpu_milli: m,
            memory_bytes: GIB,
            gpus: 0,
            gpu_milli: 0,
        }
    }

    fn template(cpu_m: u64) -> Template {
        Template {
            free: Resources {
                cpu_milli: cpu_m,
                memory_bytes: 64 * GIB,
                gpus: 0,
                gpu_milli: 0,
            },
            pods: 110,
        }
    }

    #[test]
    fn the_estimate_is_first_fit_decreasing_on_template_nodes() {
        // Five 3-vCPU pods on nodes with 7.5 vCPU free: two per node → 3 nodes.
        assert_eq!(estimate(&[cpu(3000); 5], &template(7500)), (3, 0));
        // 1, 2, 3, 3, 4 vCPU, largest first: 4+3 on the first node, 3+2+1 on the second.
        let mixed = [cpu(1000), cpu(3000), cpu(4000), cpu(2000), cpu(3000)];
        assert_eq!(estimate(&mixed, &template(7500)), (2, 0));
        // A pod larger than an empty node never makes the group grow.
        assert_eq!(estimate(&[cpu(8000), cpu(1000)], &template(7500)), (1, 1));
        // GPU shares: 8 devices hold 32 quarter-GPU pods, so 33 need 2 nodes; a whole-GPU
        // pod then fits only where a device is left whole (7 quarters take 2 devices, 6 stay).
        let gpu_node = Template {
            free: Resources {
                gpus: 8,
                gpu_milli: 8000,
                ..template(96_000).free
            },
            pods: 110,
        };
        let quarter = Resources {
            gpu_milli: 250,
            ..cpu(100)
        };
        let whole = Resources {
            gpus: 1,
            ..cpu(100)
        };
        assert_eq!(estimate(&vec![quarter; 33], &gpu_node), (2, 0));
        assert_eq!(estimate(&vec![quarter; 32], &gpu_node), (1, 0));
        let mut mix = vec![quarter; 7];
        mix.extend(vec![whole; 6]);
        assert_eq!(estimate(&mix, &gpu_node), (1, 0));
        mix.push(whole);
        assert_eq!(estimate(&mix, &gpu_node), (2, 0));
        // Without GPUs on the template, a GPU pod never makes the group grow.
        assert_eq!(estimate(&[quarter], &template(96_000)), (0, 1));
        // Pod slots bind too: 10 small pods, 4 slots per node → 3 nodes.
        let t = Template {
            pods: 4,
            ..template(7500)
        };
        assert_eq!(estimate(&[cpu(100); 10], &t), (3, 0));
    }

    /// A node agent on every new node takes its share first: with a ztunnel of 200m, 7.5 vCPU
    /// free becomes 7.3 and 2.5-vCPU pods go two per node instead of three.
    #[test]
    fn a_node_agent_on_every_new_node_changes_the_estimate() {
        assert_eq!(estimate(&[cpu(2500); 6], &template(7500)), (2, 0));
        assert_eq!(estimate(&[cpu(2500); 6], &template(7300)), (3, 0));
    }

    #[test]
    fn utilisation_is_the_larger_share_or_the_gpu_share() {
        let alloc = Resources {
            cpu_milli: 8000,
            memory_bytes: 32 * GIB,
            gpus: 0,
            gpu_milli: 0,
        };
        let req = Resources {
            cpu_milli: 2000,
            memory_bytes: 20 * GIB,
            gpus: 0,
            gpu_milli: 0,
        };
        assert!((utilization(&req, &alloc, 0) - 0.625).abs() < 1e-12);
        let gpu = Resources {
            gpu_milli: 3000,
            ..req
        };
        assert!((utilization(&gpu, &alloc, 8) - 0.375).abs() < 1e-12);
    }

    #[test]
    fn a_node_is_removed_after_the_unneeded_time_and_not_after_a_recent_scale_up() {
        let cfg = CaConfig::default();
        let mut sd = ScaleDown::default();
        // Node 7 unneeded from t = 0, scanned every 10 s: removed at 600 s, not before.
        let mut t = 0;
        while t < 600 {
            assert!(sd.scan(&cfg, t, &[7], 5).is_empty(), "t = {t}");
            t += 10;
        }
        assert_eq!(sd.scan(&cfg, 600, &[7], 5), vec![7]);
        // Node 8 needed again at 300 s: its clock restarts.
        let mut sd = ScaleDown::default();
        sd.scan(&cfg, 0, &[8], 5);
        sd.scan(&cfg, 300, &[], 5);
        assert!(sd.scan(&cfg, 310, &[8], 5).is_empty());
        assert!(sd.scan(&cfg, 900, &[8], 5).is_empty());
        assert_eq!(sd.scan(&cfg, 910, &[8], 5), vec![8]);
        // A scale-up at 500 s holds every removal until 1,100 s; the group's minimum caps it.
        let mut sd = ScaleDown::default();
        sd.scan(&cfg, 0, &[1, 2, 3], 2);
        sd.added(500);
        assert!(sd.scan(&cfg, 1090, &[1, 2, 3], 2).is_empty());
        assert_eq!(sd.scan(&cfg, 1100, &[1, 2, 3], 2), vec![1, 2]);
    }
}
