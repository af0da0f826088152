//! GPU fragmentation as the FGD study measures it (Weng et al., "Beware of Fragmentation",
//! USENIX ATC'23; `pkg/utils/frag.go` of their simulator): how much of a node's free GPU
//! capacity the workload's *typical pods* could not use.
//!
//! A workload's typical pods are its most common request shapes `(cpu, gpu share, gpu count,
//! allowed models)`, most frequent first, up to 95 % of its pods, each with its share `p` of
//! that prefix. For one node, a typical pod that fits (enough devices with room for its share
//! and enough CPU) sees as fragments only the free thousandths of devices too full for it; a
//! pod that does not fit, or asks for no GPU, or for another model, sees all the node's free
//! GPU capacity as fragments. The node's fragmentation is the `p`-weighted sum.

use super::{NodeView, PodSpec};

/// A request shape in the FGD sense: CPU (millicores), per-GPU share `g` (thousandths, 1000 for
/// whole GPUs, 0 for none), GPU count `k`, and the GPU models allowed (empty: any).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shape {
    /// CPU request, millicores.
    pub cpu_milli: u64,
    /// Per-GPU thousandths (1000 for whole GPUs; 0 for a CPU-only pod).
    pub gpu_milli: u32,
    /// GPUs.
    pub gpus: u32,
    /// Allowed GPU models (empty: any).
    pub models: Vec<String>,
}

/// The CPU a pod that requests none counts for in scoring (Kubernetes' non-zero rule,
/// `pkg/scheduler/util` `DefaultMilliCPURequest`, which the FGD simulator keeps); the filter
/// still sees the real request.
pub const NON_ZERO_CPU_MILLI: u64 = 100;

impl Shape {
    /// The shape of a scheduler pod spec, for scoring: a CPU request of 0 counts as
    /// [`NON_ZERO_CPU_MILLI`].
    pub fn of(pod: &PodSpec) -> Shape {
        let r = &pod.requests;
        let (gpu_milli, gpus) = if r.gpus > 0 {
            (1000, r.gpus)
        } else if r.gpu_milli > 0 {
            (r.gpu_milli, 1)
        } else {
            (0, 0)
        };
        Shape {
            cpu_milli: if r.cpu_milli == 0 {
                NON_ZERO_CPU_MILLI
            } else {
                r.cpu_milli
            },
            gpu_milli,
            gpus,
            models: pod.gpu_models.clone(),
        }
    }

    /// Total GPU thousandths asked for (`g·k`).
    pub fn gpu_total(&self) -> u64 {
        u64::from(self.gpu_milli) * u64::from(self.gpus)
    }

    /// Whether a node of `model` is one this shape may use.
    fn model_ok(&self, model: Option<&str>) -> bool {
        if self.models.iter().all(String::is_empty) {
            return true;
        }
        model.is_some_and(|m| self.models.iter().any(|x| x == m))
    }
}

/// The typical pods of a workload and their weights.
#[derive(Clone, Debug, PartialEq)]
pub struct TypicalPods {
    /// Shapes, most frequent first, with their weight `p` (summing to 1).
    pub shapes: Vec<(Shape, f64)>,
}

/// Share of a workload's pods its typical pods cover (the FGD study's 95 %).
pub const TYPICAL_SHARE: f64 = 0.95;

impl TypicalPods {
    /// From every pod of a workload: count pods per shape, order by count (descending; equal
    /// counts by shape, descending), keep the shortest prefix covering [`TYPICAL_SHARE`] of the
    /// pods, and weight each by its count over the prefix's.
    pub fn of<'a>(pods: impl IntoIterator<Item = &'a Shape>) -> TypicalPods {
        let mut counts: std::collections::BTreeMap<&Shape, u64> = std::collections::BTreeMap::new();
        let mut total = 0u64;
        for s in pods {
            *counts.entry(s).or_default() += 1;
            total += 1;
        }
        let mut v: Vec<(&Shape, u64)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(a.0)));
        let need = TYPICAL_SHARE * total as f64;
        let mut prefix = Vec::new();
        let mut cum = 0u64;
        for (s, n) in v {
            prefix.push((s.clone(), n));
            cum += n;
            if cum as f64 >= need {
                break;
            }
        }
        TypicalPods {
            shapes: prefix
                .into_iter()
                .map(|(s, n)| (s, n as f64 / cum.max(1) as f64))
                .collect(),
        }
    }

    /// The fragmentation of a node with `cpu_left` millicores free and `left` free thousandths
    /// per GPU (any order), of GPU model `model`.
    pub fn node_frag(&self, cpu_left: u64, left: &[u16], model: Option<&str>) -> f64 {
        let total: u64 = left.iter().map(|&l| u64::from(l)).sum();
        let mut f = 0.0;
        for (m, p) in &self.shapes {
            let frag = if m.gpu_milli == 0 || !m.model_ok(model) {
                total
            } else {
                let fits = left
                    .iter()
                    .filter(|&&l| u32::from(l) >= m.gpu_milli)
                    .count() as u32;
                if fits >= m.gpus && cpu_left >= m.cpu_milli {
                    left.iter()
                        .filter(|&&l| u32::from(l) < m.gpu_milli)
                        .map(|&l| u64::from(l))
                        .sum()
                } else {
                    total
                }
            };
            f += p * frag as f64;
        }
        f
    }

    /// The fragmentation of a node as the scheduler sees it.
    pub fn view_frag(&self, n: &NodeView<'_>) -> f64 {
        let left: Vec<u16> = n.gpu_used.iter().map(|&u| 1000 - u).collect();
        self.node_frag(n.cpu_left(), &left, n.gpu_model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(c: u64, g: u32, k: u32) -> Shape {
        Shape {
            cpu_milli: c,
            gpu_milli: g,
            gpus: k,
            models: Vec::new(),
        }
    }

    #[test]
    fn typical_pods_are_the_most_frequent_up_to_95_percent() {
        // 60 of A, 30 of B, 6 of C, 4 of D: A+B = 90 % < 95 %, A+B+C = 96 %.
        let a = shape(1000, 500, 1);
        let b = shape(2000, 1000, 1);
        let c = shape(4000, 0, 0);
        let d = shape(500, 250, 1);
        let pods: Vec<&Shape> = std::iter::repeat_n(&a, 60)
            .chain(std::iter::repeat_n(&b, 30))
            .chain(std::iter::repeat_n(&c, 6))
            .chain(std::iter::repeat_n(&d, 4))
            .collect();
        let t = TypicalPods::of(pods);
        assert_eq!(t.shapes.len(), 3);
        assert_eq!(t.shapes[0], (a, 60.0 / 96.0));
        assert_eq!(t.shapes[1], (b, 30.0 / 96.0));
        assert_eq!(t.shapes[2], (c, 6.0 / 96.0));
        // Equal counts: the larger shape first.
        let t = TypicalPods::of([&shape(1, 0, 0), &shape(2, 0, 0)]);
        assert_eq!(t.shapes[0].0.cpu_milli, 2);
    }

    #[test]
    fn a_node_fragment_is_what_the_typical_pods_cannot_use() {
        // Typical: half a GPU with 1 core (p = 0.5), a whole GPU with 8 cores (0.25), a CPU pod
        // (0.25). Node: 4 cores free, devices left 300, 600, 1000 (L = 1900).
        let t = TypicalPods {
            shapes: vec![
                (shape(1000, 500, 1), 0.5),
                (shape(8000, 1000, 1), 0.25),
                (shape(2000, 0, 0), 0.25),
            ],
        };
        // Half GPU fits (600 and 1000 have room): fragment = the 300 device.
        // Whole GPU: CPU does not fit (4 < 8 cores): all 1900.
        // CPU pod: every free GPU thousandth is a fragment to it: 1900.
        let f = t.node_frag(4000, &[300, 600, 1000], None);
        assert!(
            (f - (0.5 * 300.0 + 0.25 * 1900.0 + 0.25 * 1900.0)).abs() < 1e-9,
            "{f}"
        );
        // A model constraint the node does not meet: all free capacity is fragment.
        let mut m = shape(1000, 500, 1);
        m.models = vec!["V100M16".into(), "V100M32".into()];
        let t = TypicalPods {
            shapes: vec![(m, 1.0)],
        };
        assert_eq!(t.node_frag(4000, &[300, 600], Some("G2")), 900.0);
        assert_eq!(t.node_frag(4000, &[300, 600], Some("V100M32")), 300.0);
        assert_eq!(t.node_frag(4000, &[300, 600], None), 900.0);
    }

    #[test]
    fn a_pod_without_cpu_request_scores_as_100m() {
        let mut pod = PodSpec {
            requests: crate::resources::Resources {
                gpu_milli: 500,
                ..Default::default()
            },
            node_selector: Default::default(),
            tolerations: Vec::new(),
            max_per_node: None,
            gpu_models: Vec::new(),
        };
        assert_eq!(Shape::of(&pod), shape(100, 500, 1));
        pod.requests.cpu_milli = 1;
        assert_eq!(Shape::of(&pod).cpu_milli, 1);
    }
}
