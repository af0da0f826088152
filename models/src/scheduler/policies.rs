//! Scheduling policies beyond kube-scheduler's resource plugins: the six GPU-sharing policies of
//! the FGD study (Weng et al., "Beware of Fragmentation: Scheduling GPU-Sharing Workloads with
//! Fragmentation Gradient Descent", USENIX ATC'23), as their simulator computes them
//! (`hkust-adsl/kubernetes-scheduler-simulator`, `pkg/simulator/plugin/*_score.go`).
//!
//! Every score is an integer in [0, 100] and depends on the node's state and the pod only; ties
//! go to the lowest tie key (the study's node permutation, see
//! [`super::Scheduler::set_tie_keys`]) except under Random, whose pick is a uniformly random
//! feasible node. Where a pod asking for part of one GPU goes on the chosen node: FGD picks the
//! device its score chose, Random a random device with room, the others the fullest device
//! with room (best fit). Whole GPUs go to the lowest-numbered free devices under every policy.

use meshsim_core::rng::SimRng;
use rand::RngExt;

use super::frag::{Shape, TypicalPods};
use super::{NodeView, PodSpec, Scorer, TieBreak};

/// CPU and GPU capacity the study normalises by (the largest node: 128 cores, 8 GPUs).
const CPU_SCALE: f64 = 128_000.0;
const GPU_SCALE: f64 = 8_000.0;

/// The FGD study's policies.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Policy {
    /// A uniformly random feasible node.
    Random,
    /// The smallest dot product of the node's free (CPU, GPU) and the pod's request.
    DotProd,
    /// Nodes running GPU pods of the same kind (share, or the same whole-GPU count) first.
    GpuClustering,
    /// Nodes with partly used GPUs first, then those with some free GPUs, then empty ones.
    GpuPacking,
    /// The node with the least (CPU, GPU) left after placing the pod.
    BestFit,
    /// Fragmentation gradient descent: the node whose fragmentation (for the workload's
    /// typical pods) grows least.
    Fgd,
}
crate::named_enum!(Policy, "replay policy");

impl Policy {
    /// The scorer, given the workload's typical pods (only FGD uses them).
    pub fn scorer(self, typical: &TypicalPods) -> Box<dyn Scorer> {
        match self {
            Policy::Random => Box::new(RandomFit),
            Policy::DotProd => Box::new(DotProd),
            Policy::GpuClustering => Box::new(GpuClustering),
            Policy::GpuPacking => Box::new(GpuPacking),
            Policy::BestFit => Box::new(BestFit),
            Policy::Fgd => Box::new(Fgd {
                typical: typical.clone(),
            }),
        }
    }

    /// How ties are broken: at random under Random (its score is flat), by the lowest tie key
    /// otherwise.
    pub fn tie_break(self) -> TieBreak {
        match self {
            Policy::Random => TieBreak::Random,
            _ => TieBreak::First,
        }
    }

    /// The paper's name.
    pub fn label(self) -> &'static str {
        match self {
            Policy::Random => "Random",
            Policy::DotProd => "DotProd",
            Policy::GpuClustering => "GpuClustering",
            Policy::GpuPacking => "GpuPacking",
            Policy::BestFit => "BestFit",
            Policy::Fgd => "FGD",
        }
    }
}

/// Free thousandths per GPU of a node (in the view's order: fullest first).
fn lefts(n: &NodeView<'_>) -> Vec<u16> {
    n.gpu_used.iter().map(|&u| 1000 - u).collect()
}

/// Free thousandths over the node's GPUs.
fn left_total(n: &NodeView<'_>) -> u64 {
    n.gpu_left_total()
}

/// Uniformly random: a flat score, so the scheduler picks among all feasible nodes at random;
/// a share goes to a random device with room.
#[derive(Debug)]
struct RandomFit;

impl Scorer for RandomFit {
    fn name(&self) -> &'static str {
        "random"
    }
    fn score(&self, _n: &NodeView<'_>, _pod: &PodSpec) -> i64 {
        0
    }
    fn share_device(
        &self,
        _n: &NodeView<'_>,
        devices: &[u16],
        pod: &PodSpec,
        rng: &mut SimRng,
    ) -> usize {
        let room: Vec<usize> = devices
            .iter()
            .enumerate()
            .filter(|(_, u)| u32::from(**u) + pod.requests.gpu_milli <= 1000)
            .map(|(i, _)| i)
            .collect();
        room[rng.random_range(0..room.len())]
    }
}

/// `trunc(100·(1 − u·v/2))` with `u` the node's free (CPU, GPU) and `v` the pod's request, each
/// over the largest node's capacity.
#[derive(Debug)]
struct DotProd;

impl Scorer for DotProd {
    fn name(&self) -> &'static str {
        "dot-prod"
    }
    fn score(&self, n: &NodeView<'_>, pod: &PodSpec) -> i64 {
        let s = Shape::of(pod);
        let cpu_left = n.cpu_left();
        if cpu_left < s.cpu_milli {
            return 0;
        }
        let d = (cpu_left as f64 / CPU_SCALE) * (s.cpu_milli as f64 / CPU_SCALE)
            + (left_total(n) as f64 / GPU_SCALE) * (s.gpu_total() as f64 / GPU_SCALE);
        (100.0 * (1.0 - d / 2.0)) as i64
    }
}

/// Tags: a share of one GPU, or `k` whole GPUs (one tag per `k`).
fn clustering_tag(s: &Shape) -> Option<u16> {
    match (s.gpu_milli, s.gpus) {
        (0, _) => None,
        (g, 1) if g < 1000 => Some(0),
        (_, k) => Some(k as u16),
    }
}

/// `⌊25·(8000 − L)/8000⌋` plus 75 when the node runs only GPU pods of the pod's kind, 50 when
/// it runs that kind among others, 25 when it runs no GPU pod; CPU pods score 0.
#[derive(Debug)]
struct GpuClustering;

impl Scorer for GpuClustering {
    fn name(&self) -> &'static str {
        "gpu-clustering"
    }
    fn score(&self, n: &NodeView<'_>, pod: &PodSpec) -> i64 {
        let Some(tag) = clustering_tag(&Shape::of(pod)) else {
            return 0;
        };
        let base = (25 * (8000 - left_total(n).min(8000) as i64)) / 8000;
        let kinds = n.tags.iter().filter(|(_, c)| *c > 0).count();
        let same = n.tag_count(tag) > 0;
        base + match (same, kinds) {
            (true, 1) => 75,
            (true, _) => 50,
            (false, 0) => 25,
            (false, _) => 0,
        }
    }
    fn tag(&self, pod: &PodSpec) -> Option<u16> {
        clustering_tag(&Shape::of(pod))
    }
}

/// Partly used GPUs first: an all-free node scores `max(33 − F, F)` (F free GPUs); if the pod's
/// GPUs (the first `k` with room, emptiest-last) include `u > 0` free ones, `max(50 − u, 33)`;
/// otherwise `max(100 − ⌊Σ ⌊left·100/1000⌋ / 10⌋, 50)`. CPU pods score 0.
#[derive(Debug)]
struct GpuPacking;

impl Scorer for GpuPacking {
    fn name(&self) -> &'static str {
        "gpu-packing"
    }
    fn score(&self, n: &NodeView<'_>, pod: &PodSpec) -> i64 {
        let s = Shape::of(pod);
        if s.gpu_milli == 0 {
            return 0;
        }
        let left = lefts(n);
        let free = left.iter().filter(|&&l| l == 1000).count() as i64;
        if free == left.len() as i64 {
            return (33 - free).max(free);
        }
        // The view lists the fullest first, i.e. by left ascending, as the study orders them.
        let taken: Vec<u16> = left
            .iter()
            .copied()
            .filter(|&l| u32::from(l) >= s.gpu_milli)
            .take(s.gpus as usize)
            .collect();
        let u = taken.iter().filter(|&&l| l == 1000).count() as i64;
        if u > 0 {
            (50 - u).max(33)
        } else {
            let sum: i64 = taken.iter().map(|&l| i64::from(l) * 100 / 1000).sum();
            (100 - sum / 10).max(50)
        }
    }
}

/// `trunc(100·(1 − S))`, `S` the mean of the CPU and GPU left after the pod, each over the
/// largest node's capacity. (The study min-max normalises over the feasible nodes, which keeps
/// the order and creates no ties, so the choice is the same.)
#[derive(Debug)]
struct BestFit;

impl Scorer for BestFit {
    fn name(&self) -> &'static str {
        "best-fit"
    }
    fn score(&self, n: &NodeView<'_>, pod: &PodSpec) -> i64 {
        let s = Shape::of(pod);
        let cpu = n.cpu_left() as f64 - s.cpu_milli as f64;
        let gpu = left_total(n) as f64 - s.gpu_total() as f64;
        let sc = 0.5 * cpu / CPU_SCALE + 0.5 * gpu / GPU_SCALE;
        (100.0 * (1.0 - sc)) as i64
    }
}

/// Fragmentation gradient descent: `trunc(100·σ(Δ/1000))`, Δ the fall in the node's
/// fragmentation (for the typical pods) the placement causes. For a share of one GPU each
/// device with room is tried and the best kept (the first in device order among equals, which
/// is also where the share goes).
#[derive(Debug)]
struct Fgd {
    typical: TypicalPods,
}

fn sigmoid_score(delta: f64) -> i64 {
    (100.0 / (1.0 + (-delta / 1000.0).exp())) as i64
}

impl Fgd {
    /// Per device (in `left`'s order), the score of putting the share there (`None` without
    /// room).
    fn share_scores(
        &self,
        cpu_left: u64,
        left: &[u16],
        model: Option<&str>,
        s: &Shape,
    ) -> Vec<Option<i64>> {
        let before = self.typical.node_frag(cpu_left, left, model);
        let cpu_after = cpu_left.saturating_sub(s.cpu_milli);
        let mut after = left.to_vec();
        (0..left.len())
            .map(|i| {
                if u32::from(left[i]) < s.gpu_milli {
                    return None;
                }
                after[i] = left[i] - s.gpu_milli as u16;
                let f = self.typical.node_frag(cpu_after, &after, model);
                after[i] = left[i];
                Some(sigmoid_score(before - f))
            })
            .collect()
    }
}

impl Scorer for Fgd {
    fn name(&self) -> &'static str {
        "fgd"
    }
    fn score(&self, n: &NodeView<'_>, pod: &PodSpec) -> i64 {
        let s = Shape::of(pod);
        let left = lefts(n);
        let cpu_left = n.cpu_left();
        if s.gpus == 1 && s.gpu_milli < 1000 && s.gpu_milli > 0 {
            return self
                .share_scores(cpu_left, &left, n.gpu_model, &s)
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(0);
        }
        let before = self.typical.node_frag(cpu_left, &left, n.gpu_model);
        let mut after = left.clone();
        // The first k devices with room in ascending order of what is left (the view's order).
        let mut need = s.gpus;
        for l in after.iter_mut() {
            if need == 0 {
                break;
            }
            if u32::from(*l) >= s.gpu_milli {
                *l -= s.gpu_milli as u16;
                need -= 1;
            }
        }
        let f = self
            .typical
            .node_frag(cpu_left.saturating_sub(s.cpu_milli), &after, n.gpu_model);
        sigmoid_score(before - f)
    }
    fn share_device(
        &self,
        n: &NodeView<'_>,
        devices: &[u16],
        pod: &PodSpec,
        _rng: &mut SimRng,
    ) -> usize {
        let s = Shape::of(pod);
        let left: Vec<u16> = devices.iter().map(|&u| 1000 - u).collect();
        let scores = self.share_scores(n.cpu_left(), &left, n.gpu_model, &s);
        let best = scores.iter().flatten().max().copied();
        scores
            .iter()
            .position(|&x| x.is_some() && x == best)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Resources;

    fn pod(cpu: u64, gpus: u32, gpu_milli: u32) -> PodSpec {
        PodSpec {
            requests: Resources {
                cpu_milli: cpu,
                memory_bytes: 0,
                gpus,
                gpu_milli,
            },
            ..Default::default()
        }
    }

    fn view<'a>(
        alloc: &'a Resources,
        cpu_requested: u64,
        used: &'a [u16],
        tags: &'a [(u16, u32)],
    ) -> NodeView<'a> {
        NodeView {
            allocatable: alloc,
            max_pods: 1001,
            gpu_model: None,
            cpu_requested,
            memory_requested: 0,
            pods: 0,
            gpu_used: used,
            tags,
        }
    }

    fn node(cpu: u64, gpus: u32) -> Resources {
        Resources {
            cpu_milli: cpu,
            memory_bytes: 1 << 40,
            gpus,
            gpu_milli: 0,
        }
    }

    #[test]
    fn dot_product_by_hand() {
        // 96 cores and 2 GPUs with 1,500 free; pod 8 cores, half a GPU:
        // d = (96000/128000)(8000/128000) + (1500/8000)(500/8000) = 0.046875 + 0.01171875;
        // score = trunc(100 (1 − d/2)) = trunc(97.07…) = 97.
        let a = node(96_000, 2);
        assert_eq!(
            DotProd.score(&view(&a, 0, &[500, 0], &[]), &pod(8000, 0, 500)),
            97
        );
        // Not enough CPU left: 0.
        assert_eq!(
            DotProd.score(&view(&a, 90_000, &[0, 0], &[]), &pod(8000, 0, 500)),
            0
        );
    }

    #[test]
    fn gpu_clustering_by_hand() {
        let a = node(96_000, 8);
        // Empty 8-GPU node: base ⌊25·0/8000⌋ = 0, no GPU pod: +25.
        assert_eq!(
            GpuClustering.score(&view(&a, 0, &[0; 8], &[]), &pod(1, 0, 500)),
            25
        );
        // One share pod of 500 on it: L = 7500, base ⌊25·500/8000⌋ = 1; same kind only: +75.
        let used = [500, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            GpuClustering.score(&view(&a, 0, &used, &[(0, 1)]), &pod(1, 0, 500)),
            76
        );
        // A whole-GPU pod on that node: other kinds only: base 1.
        assert_eq!(
            GpuClustering.score(&view(&a, 0, &used, &[(0, 1)]), &pod(1, 1, 0)),
            1
        );
        // Both kinds there: +50.
        let used = [1000, 500, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            GpuClustering.score(&view(&a, 0, &used, &[(0, 1), (1, 1)]), &pod(1, 1, 0)),
            (25 * 1500 / 8000) + 50
        );
        // CPU pods: 0.
        assert_eq!(
            GpuClustering.score(&view(&a, 0, &[0; 8], &[]), &pod(1, 0, 0)),
            0
        );
        assert_eq!(GpuClustering.tag(&pod(1, 2, 0)), Some(2));
        assert_eq!(GpuClustering.tag(&pod(1, 0, 300)), Some(0));
    }

    #[test]
    fn gpu_packing_by_hand() {
        let a = node(96_000, 4);
        // All four free: max(33 − 4, 4) = 29.
        assert_eq!(
            GpuPacking.score(&view(&a, 0, &[0; 4], &[]), &pod(1, 0, 500)),
            29
        );
        // Used 700, 200, 0, 0 (left 300, 800, 1000, 1000) for a 500 share: the first device
        // with room in ascending-left order is the 800 one, not free: 100 − ⌊80/10⌋ = 92.
        let used = [700, 200, 0, 0];
        assert_eq!(
            GpuPacking.score(&view(&a, 0, &used, &[]), &pod(1, 0, 500)),
            92
        );
        // A 900 share only fits a free device: u = 1, max(50 − 1, 33) = 49.
        assert_eq!(
            GpuPacking.score(&view(&a, 0, &used, &[]), &pod(1, 0, 900)),
            49
        );
        // Two whole GPUs: both free, u = 2: 48.
        assert_eq!(
            GpuPacking.score(&view(&a, 0, &used, &[]), &pod(1, 2, 0)),
            48
        );
    }

    #[test]
    fn best_fit_by_hand() {
        // 32 cores, 4 GPUs free 2,500; pod 4 cores, 1 GPU:
        // S = 0.5·28000/128000 + 0.5·1500/8000 = 0.109375 + 0.09375 = 0.203125 → 79.
        let a = node(32_000, 4);
        let used = [1000, 500, 0, 0];
        assert_eq!(
            BestFit.score(&view(&a, 0, &used, &[]), &pod(4000, 1, 0)),
            79
        );
    }

    /// Typical pods of a toy workload: half-GPU pods with 1 core (p = 0.6) and whole-GPU pods
    /// with 4 cores (p = 0.4).
    fn toy_typical() -> TypicalPods {
        let half = Shape {
            cpu_milli: 1000,
            gpu_milli: 500,
            gpus: 1,
            models: vec![],
        };
        let whole = Shape {
            cpu_milli: 4000,
            gpu_milli: 1000,
            gpus: 1,
            models: vec![],
        };
        TypicalPods {
            shapes: vec![(half, 0.6), (whole, 0.4)],
        }
    }

    #[test]
    fn fgd_and_best_fit_choose_differently_by_hand() {
        // Two nodes, two GPUs each, 16 cores free on both. Node A: devices used 700 and 0 (left
        // 300, 1000). Node B: used 400 and 400 (left 600, 600). The pod: 1 core, a 300 share.
        let fgd = Fgd {
            typical: toy_typical(),
        };
        let a_res = node(16_000, 2);
        let p = pod(1000, 0, 300);
        let node_a = view(&a_res, 0, &[700, 0], &[]);
        let node_b = view(&a_res, 0, &[400, 400], &[]);
        // Fragmentation before. A: half fits (1000 free) → fragment 300 (the 300 device);
        // whole fits (the free device, 16 cores ≥ 4) → fragment 300. F = 0.6·300 + 0.4·300 =
        // 300. B: half fits both (600 ≥ 500) → 0; whole fits none → 1200. F = 0.4·1200 = 480.
        assert!((fgd.typical.view_frag(&node_a) - 300.0).abs() < 1e-9);
        assert!((fgd.typical.view_frag(&node_b) - 480.0).abs() < 1e-9);
        // On A, the share on the 300 device (left 0, 1000): half frag 0, whole frag 0 → F = 0,
        // Δ = 300, score trunc(100σ(0.3)) = 57. On the free device (left 300, 700): half fits
        // (700) → 300; whole none → 1000; F = 0.6·300 + 0.4·1000 = 580, Δ = −280 → 43. Best 57.
        assert_eq!(fgd.score(&node_a, &p), 57);
        // On B (left 300, 600 after either device): half fits (600) → 300; whole none → 900;
        // F = 0.6·300 + 0.4·900 = 540, Δ = 480 − 540 = −60 → trunc(100σ(−0.06)) = 48.
        assert_eq!(fgd.score(&node_b, &p), 48);
        // FGD prefers A (57 > 48) and puts the share on A's fuller device (index 0).
        let mut rng = meshsim_core::rng::RngStreams::new(1).stream("t");
        assert_eq!(fgd.share_device(&node_a, &[700, 0], &p, &mut rng), 0);
        // BestFit looks at totals only. A: S = 0.5·15000/128000 + 0.5·1000/8000 = 0.1210…
        // → 87; B: 0.5·15000/128000 + 0.5·900/8000 = 0.1148… → 88. BestFit prefers B.
        assert_eq!(BestFit.score(&node_a, &p), 87);
        assert_eq!(BestFit.score(&node_b, &p), 88);
    }

    #[test]
    fn random_fit_picks_only_devices_with_room() {
        let a = node(16_000, 3);
        let v = view(&a, 0, &[900, 300, 0], &[]);
        let mut rng = meshsim_core::rng::RngStreams::new(7).stream("t");
        let mut seen = [0u32; 3];
        for _ in 0..300 {
            seen[RandomFit.share_device(&v, &[900, 0, 300], &pod(1, 0, 500), &mut rng)] += 1;
        }
        assert_eq!(seen[0], 0, "device 0 has 100 left");
        assert!(seen[1] > 100 && seen[2] > 100, "{seen:?}");
    }
}
