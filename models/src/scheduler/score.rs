//! Scoring: how the scheduler ranks the nodes a pod fits on. A policy is a [`Scorer`]; the
//! kube-scheduler resource plugins are [`KubeScorer`], and the GPU-sharing policies of the FGD
//! study plug in the same way (see `crate::scheduler::policies`).
//!
//! A score must depend only on the node's state and the pod — never on which node, on time or on
//! earlier draws — because the scheduler scores each distinct node state once per pod spec and
//! keeps the result while the state exists.

use std::fmt;

use meshsim_core::rng::SimRng;

use super::PodSpec;
use crate::resources::Resources;

/// A node as a scorer sees it: its pool's shape and what is requested on it now (before the pod).
#[derive(Clone, Copy, Debug)]
pub struct NodeView<'a> {
    /// What the scheduler may hand out on the node (CPU, memory, whole GPUs).
    pub allocatable: &'a Resources,
    /// Most pods on the node.
    pub max_pods: u32,
    /// GPU model of the node, if it has GPUs and the pool names one.
    pub gpu_model: Option<&'a str>,
    /// CPU requested by the pods on the node, millicores.
    pub cpu_requested: u64,
    /// Memory requested by the pods on the node, bytes.
    pub memory_requested: u64,
    /// Pods on the node.
    pub pods: u32,
    /// Thousandths of each GPU in use, sorted in descending order (fullest first).
    pub gpu_used: &'a [u16],
    /// Per tag (see [`Scorer::tag`]), the pods carrying it on the node, sorted by tag.
    pub tags: &'a [(u16, u32)],
}

impl NodeView<'_> {
    /// CPU not yet requested, millicores (0 if over-committed).
    pub fn cpu_left(&self) -> u64 {
        self.allocatable
            .cpu_milli
            .saturating_sub(self.cpu_requested)
    }
    /// Free thousandths over all GPUs.
    pub fn gpu_left_total(&self) -> u64 {
        self.gpu_used.iter().map(|&u| 1000 - u64::from(u)).sum()
    }
    /// Pods on the node carrying `tag`.
    pub fn tag_count(&self, tag: u16) -> u32 {
        self.tags
            .iter()
            .find(|(t, _)| *t == tag)
            .map_or(0, |(_, n)| *n)
    }
}

/// The fullest GPU with room for `share` thousandths: its index in the descending list.
pub fn best_fit_device(gpu_used: &[u16], share: u32) -> Option<usize> {
    gpu_used.iter().position(|&u| u32::from(u) + share <= 1000)
}

/// The fullest device with room for `share` thousandths, by device index (`devices` in index
/// order; the lowest index among equally full ones).
pub fn best_fit_index(devices: &[u16], share: u32) -> Option<usize> {
    devices
        .iter()
        .enumerate()
        .filter(|(_, u)| u32::from(**u) + share <= 1000)
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i)
}

/// A scheduling policy's score for a node.
pub trait Scorer: fmt::Debug + Send + Sync {
    /// Policy name, for reports.
    fn name(&self) -> &'static str;

    /// The score of placing `pod` on `node` (a node it fits on); higher is better. Equal scores
    /// are ties, broken by the scheduler's [`super::TieBreak`].
    fn score(&self, node: &NodeView<'_>, pod: &PodSpec) -> i64;

    /// For a pod asking for a share of one GPU, the device it goes on: an index into
    /// `devices` (the thousandths in use of the chosen node's GPUs, by device index) of a
    /// device with room. The default is best fit: the fullest device with room, the lowest
    /// index among equals.
    fn share_device(
        &self,
        _node: &NodeView<'_>,
        devices: &[u16],
        pod: &PodSpec,
        _rng: &mut SimRng,
    ) -> usize {
        best_fit_index(devices, pod.requests.gpu_milli).unwrap_or(0)
    }

    /// A tag the scheduler counts per node for this pod (what [`NodeView::tags`] shows); `None`
    /// for policies that need no such count.
    fn tag(&self, _pod: &PodSpec) -> Option<u16> {
        None
    }
}

/// The resource-scoring strategies of kube-scheduler's `NodeResourcesFit` and
/// `NodeResourcesBalancedAllocation` plugins.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Strategy {
    /// Prefer the emptiest node (spreading).
    LeastAllocated,
    /// Prefer the fullest node (bin-packing).
    MostAllocated,
    /// Prefer nodes whose resources are used evenly.
    BalancedAllocation,
    /// Least-allocated plus balanced-allocation, as kube-scheduler's default profile.
    #[default]
    KubeDefault,
}
crate::named_enum!(Strategy, "scheduler strategy");

/// kube-scheduler's integer resource scores (0–100 per plugin). CPU and memory have weight 1;
/// GPUs are scored with `gpu_weight` (0 by default, as in kube-scheduler).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KubeScorer {
    /// The strategy.
    pub strategy: Strategy,
    /// Weight of `nvidia.com/gpu`.
    pub gpu_weight: u32,
}

impl Scorer for KubeScorer {
    fn name(&self) -> &'static str {
        self.strategy.as_str()
    }

    fn score(&self, n: &NodeView<'_>, pod: &PodSpec) -> i64 {
        let r = &pod.requests;
        let a = n.allocatable;
        let gpu_cap = u64::from(a.gpus) * 1000;
        let gpu_used: u64 = n.gpu_used.iter().map(|&u| u64::from(u)).sum();
        let gpu_req = gpu_used + u64::from(r.gpus) * 1000 + u64::from(r.gpu_milli);
        let mut dims: [(u64, u64, u64); 3] = [
            (n.cpu_requested + r.cpu_milli, a.cpu_milli, 1),
            (n.memory_requested + r.memory_bytes, a.memory_bytes, 1),
            (gpu_req, gpu_cap, u64::from(self.gpu_weight)),
        ];
        if gpu_cap == 0 {
            dims[2].2 = 0;
        }
        let weighted = |f: fn(u64, u64) -> u64| {
            let (mut sum, mut w) = (0u64, 0u64);
            for &(req, cap, wt) in &dims {
                if wt > 0 {
                    sum += wt * if cap == 0 { 0 } else { f(req.min(cap), cap) };
                    w += wt;
                }
            }
            sum.checked_div(w).unwrap_or(0)
        };
        let least = || weighted(|req, cap| (cap - req) * 100 / cap);
        let most = || weighted(|req, cap| req * 100 / cap);
        let balanced = || {
            let mut fr = [0.0f64; 3];
            let mut k = 0;
            for d in dims.iter().filter(|d| d.2 > 0) {
                fr[k] = if d.1 == 0 {
                    0.0
                } else {
                    (d.0 as f64 / d.1 as f64).min(1.0)
                };
                k += 1;
            }
            if k == 0 {
                return 0;
            }
            let fr = &fr[..k];
            let mean = fr.iter().sum::<f64>() / k as f64;
            let var = fr.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / k as f64;
            ((1.0 - var.sqrt()) * 100.0) as u64
        };
        let s = match self.strategy {
            Strategy::LeastAllocated => least(),
            Strategy::MostAllocated => most(),
            Strategy::BalancedAllocation => balanced(),
            Strategy::KubeDefault => least() + balanced(),
        };
        s as i64
    }
}
