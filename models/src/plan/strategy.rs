//! What can move, and the orders the strategies move it in.
//!
//! A namespace moves when its pods carry per-pod proxies today (Istio sidecars or Linkerd): to
//! ambient, or to ambient with a waypoint when it is in `mesh.waypoint_namespaces` (where L7
//! features are kept). A namespace already on ambient that is listed there only gets its
//! waypoint. Namespaces outside the mesh stay outside.
//!
//! | strategy | moves | order |
//! |---|---|---|
//! | `recommended` | every namespace to ambient (L4) first; waypoints in later waves | GPU inference namespaces first, then by inference replicas, then memory freed (each move measured alone), then name; waypoints in the same order after every L4 move |
//! | `greedy-usd-per-sprint` | each namespace straight to its final mode | mesh saving per month ÷ sprints of effort (moved alone), then memory freed per sprint, then name; a move of no effort comes first |
//! | `by-replicas` | straight to the final mode | inference replicas recovered (moved alone), then memory freed, then name |
//! | `big-bang` | straight to the final mode | one wave |
//! | `user-order` | straight to the final mode | the scenario's `order`, then the rest as `recommended` orders them |

use crate::cluster::Cluster;
use crate::mesh::NamespaceMode;

/// A strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// GPU inference first, L4 first, waypoints later.
    Recommended,
    /// Dollars freed per sprint.
    GreedyUsdPerSprint,
    /// Inference replicas recovered.
    ByReplicas,
    /// Everything at once.
    BigBang,
    /// The scenario's order.
    UserOrder,
}

impl Strategy {
    /// Name in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Recommended => "recommended",
            Strategy::GreedyUsdPerSprint => "greedy-usd-per-sprint",
            Strategy::ByReplicas => "by-replicas",
            Strategy::BigBang => "big-bang",
            Strategy::UserOrder => "user-order",
        }
    }
}

/// A namespace that moves, and what moving it alone (straight to its final mode) gives.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// Namespace.
    pub namespace: String,
    /// Its mode today.
    pub from: NamespaceMode,
    /// Its final mode.
    pub target: NamespaceMode,
    /// Placed pods of it today with a per-pod proxy.
    pub pods: u64,
    /// Whether it runs inference workloads that request GPUs.
    pub gpu_inference: bool,
    /// Effort of its L4 move (0 when it is on ambient already).
    pub l4_sprints: f64,
    /// Effort of its waypoint (0 without one).
    pub waypoint_sprints: f64,
    /// Moved alone (straight to `target`): inference replicas gained.
    pub alone_replicas: i64,
    /// Moved alone: data-plane memory request freed, node agents left out, bytes.
    pub alone_memory_freed: i64,
    /// Moved alone: mesh saving per month, USD (`None`: not known).
    pub alone_savings: Option<f64>,
    /// Moved to L4 only, alone: inference replicas gained (= `alone_replicas` without a
    /// waypoint).
    pub l4_replicas: i64,
    /// Moved to L4 only, alone: memory freed, bytes.
    pub l4_memory_freed: i64,
}

impl Candidate {
    /// Total effort.
    pub fn sprints(&self) -> f64 {
        self.l4_sprints + self.waypoint_sprints
    }
}

/// One move of a strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Move {
    /// Namespace.
    pub namespace: String,
    /// Mode before.
    pub from: NamespaceMode,
    /// Mode after.
    pub to: NamespaceMode,
    /// Effort, sprints.
    pub sprints: f64,
}

/// Namespaces that move: `(namespace, mode today, final mode, pods with a proxy, GPU
/// inference)`, by name. `modes` is today's mode per workload (placement order).
pub fn movable(
    cluster: &Cluster,
    modes: &[NamespaceMode],
    placed: &[u32],
    waypoint_namespaces: &std::collections::BTreeSet<String>,
) -> Vec<(String, NamespaceMode, NamespaceMode, u64, bool)> {
    let mut out: Vec<(String, NamespaceMode, NamespaceMode, u64, bool)> = Vec::new();
    for ((w, mode), n) in cluster.workloads.iter().zip(modes).zip(placed) {
        let target = if waypoint_namespaces.contains(&w.namespace) {
            NamespaceMode::AmbientWaypoint
        } else {
            NamespaceMode::Ambient
        };
        let moves = mode.has_sidecar() || (*mode == NamespaceMode::Ambient && target != *mode);
        if !moves {
            continue;
        }
        let gpu = w.inference && w.requests.gpu_equivalent() > 0.0;
        let pods = if mode.has_sidecar() { u64::from(*n) } else { 0 };
        match out.iter_mut().find(|c| c.0 == w.namespace) {
            Some(c) => {
                c.3 += pods;
                c.4 |= gpu;
            }
            None => out.push((w.namespace.clone(), *mode, target, pods, gpu)),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn by_replicas_then_memory(a: (i64, i64, &str), b: (i64, i64, &str)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2))
}

/// The recommended order of namespaces (for their L4 moves).
fn recommended_order(c: &[Candidate]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..c.len()).collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (&c[a], &c[b]);
        y.gpu_inference.cmp(&x.gpu_inference).then_with(|| {
            by_replicas_then_memory(
                (x.l4_replicas, x.l4_memory_freed, &x.namespace),
                (y.l4_replicas, y.l4_memory_freed, &y.namespace),
            )
        })
    });
    idx
}

fn direct(c: &Candidate) -> Move {
    Move {
        namespace: c.namespace.clone(),
        from: c.from,
        to: c.target,
        sprints: c.sprints(),
    }
}

/// A strategy's moves in order, and the move indices that must start a wave.
pub fn moves(strategy: Strategy, c: &[Candidate], user: &[String]) -> (Vec<Move>, Vec<usize>) {
    let rec = recommended_order(c);
    match strategy {
        Strategy::Recommended => {
            let mut out = Vec::new();
            for &i in &rec {
                let x = &c[i];
                if x.from != NamespaceMode::Ambient {
                    out.push(Move {
                        namespace: x.namespace.clone(),
                        from: x.from,
                        to: NamespaceMode::Ambient,
                        sprints: x.l4_sprints,
                    });
                }
            }
            let first_waypoint = out.len();
            for &i in &rec {
                let x = &c[i];
                if x.target == NamespaceMode::AmbientWaypoint {
                    out.push(Move {
                        namespace: x.namespace.clone(),
                        from: NamespaceMode::Ambient,
                        to: NamespaceMode::AmbientWaypoint,
                        sprints: x.waypoint_sprints,
                    });
                }
            }
            let breaks = if first_waypoint > 0 && first_waypoint < out.len() {
                vec![first_waypoint]
            } else {
                Vec::new()
            };
            (out, breaks)
        }
        Strategy::GreedyUsdPerSprint => {
            let mut idx: Vec<usize> = (0..c.len()).collect();
            // Per sprint; a move of no effort ranks first (its value per sprint is unbounded).
            let per = |v: f64, e: f64| if e > 0.0 { v / e } else { f64::INFINITY };
            idx.sort_by(|&a, &b| {
                let (x, y) = (&c[a], &c[b]);
                let sx = x
                    .alone_savings
                    .map_or(f64::NEG_INFINITY, |s| per(s, x.sprints()));
                let sy = y
                    .alone_savings
                    .map_or(f64::NEG_INFINITY, |s| per(s, y.sprints()));
                let mx = per(x.alone_memory_freed as f64, x.sprints());
                let my = per(y.alone_memory_freed as f64, y.sprints());
                sy.total_cmp(&sx)
                    .then(my.total_cmp(&mx))
                    .then(x.namespace.cmp(&y.namespace))
            });
            (idx.iter().map(|&i| direct(&c[i])).collect(), Vec::new())
        }
        Strategy::ByReplicas => {
            let mut idx: Vec<usize> = (0..c.len()).collect();
            idx.sort_by(|&a, &b| {
                let (x, y) = (&c[a], &c[b]);
                by_replicas_then_memory(
                    (x.alone_replicas, x.alone_memory_freed, &x.namespace),
                    (y.alone_replicas, y.alone_memory_freed, &y.namespace),
                )
            });
            (idx.iter().map(|&i| direct(&c[i])).collect(), Vec::new())
        }
        Strategy::BigBang => (rec.iter().map(|&i| direct(&c[i])).collect(), Vec::new()),
        Strategy::UserOrder => {
            let mut out: Vec<Move> = Vec::new();
            for n in user {
                if let Some(x) = c.iter().find(|x| &x.namespace == n) {
                    out.push(direct(x));
                }
            }
            for &i in &rec {
                if !user.contains(&c[i].namespace) {
                    out.push(direct(&c[i]));
                }
            }
            (out, Vec::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(ns: &str, gpu: bool, replicas: i64, mem: i64, usd: f64, sprints: f64) -> Candidate {
        Candidate {
            namespace: ns.into(),
            from: NamespaceMode::Sidecar,
            target: NamespaceMode::Ambient,
            pods: 1,
            gpu_inference: gpu,
            l4_sprints: sprints,
            waypoint_sprints: 0.0,
            alone_replicas: replicas,
            alone_memory_freed: mem,
            alone_savings: Some(usd),
            l4_replicas: replicas,
            l4_memory_freed: mem,
        }
    }

    fn names(m: &[Move]) -> Vec<&str> {
        m.iter().map(|m| m.namespace.as_str()).collect()
    }

    #[test]
    fn each_strategy_orders_as_documented() {
        let mut shop = cand("shop", false, 0, 40, 900.0, 3.0);
        shop.target = NamespaceMode::AmbientWaypoint;
        shop.waypoint_sprints = 1.0;
        let c = vec![
            cand("batch", false, 2, 10, 100.0, 1.0),
            cand("llm", true, 1, 30, 800.0, 4.0),
            shop,
        ];
        let (rec, breaks) = moves(Strategy::Recommended, &c, &[]);
        assert_eq!(
            names(&rec),
            ["llm", "batch", "shop", "shop"],
            "GPU first, then replicas"
        );
        assert_eq!(rec[2].to, NamespaceMode::Ambient);
        assert_eq!(rec[3].to, NamespaceMode::AmbientWaypoint);
        assert_eq!((rec[2].sprints, rec[3].sprints), (3.0, 1.0));
        assert_eq!(breaks, [3]);
        // $/sprint: llm 200, shop 225, batch 100.
        let (g, _) = moves(Strategy::GreedyUsdPerSprint, &c, &[]);
        assert_eq!(names(&g), ["shop", "llm", "batch"]);
        assert_eq!(
            g[0].sprints, 4.0,
            "straight to its final mode: L4 + waypoint effort"
        );
        let (r, _) = moves(Strategy::ByReplicas, &c, &[]);
        assert_eq!(names(&r), ["batch", "llm", "shop"]);
        let (u, _) = moves(Strategy::UserOrder, &c, &["shop".into()]);
        assert_eq!(names(&u), ["shop", "llm", "batch"]);
    }
}
