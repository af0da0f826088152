//! A pod scheduler with kube-scheduler semantics for what it implements, fast on huge fleets.
//!
//! # Semantics
//! - DaemonSets first: one pod on every eligible node (node selector and taints), if it fits.
//! - Then pod groups by priority (higher first). Within one priority, fixed-count groups in the
//!   order given, then `Fill` groups round-robin, one replica each, until none fits.
//! - **Filter**, in kube-scheduler's plugin order, stopping at the first failing plugin per node:
//!   TaintToleration (`NoSchedule`/`NoExecute` taints must be tolerated), NodeAffinity (node
//!   selector), max replicas per node, NodeResourcesFit (CPU, memory, pod count, whole GPUs, GPU
//!   share — every insufficient resource is reported, as kube-scheduler does).
//! - **Score** with kube-scheduler's integer formulas (0–100 per plugin): `least-allocated`,
//!   `most-allocated` (bin-packing), `balanced-allocation`, or `kube-default` (least-allocated plus
//!   balanced-allocation, the default profile's resource plugins). CPU and memory have weight 1;
//!   GPUs are scored with [`SchedulerConfig::gpu_weight`] (0 by default, as in kube-scheduler).
//! - **Ties** are broken uniformly at random among the best nodes, from the `scheduler` stream,
//!   or by lowest node index with [`TieBreak::First`].
//! - A pod that fits nowhere stays pending with a kube-scheduler-style message:
//!   `0/12 nodes are available: 4 node(s) had untolerated taint {gpu: true}, 8 Insufficient memory.`
//!
//! Not modelled: preemption, pod affinity and topology spread (beyond max per node),
//! `percentageOfNodesToScore` sampling (meshsim scores every feasible node), image locality.
//!
//! # GPU shares
//! A pod asks for whole GPUs or for a share of one GPU (`gpu_milli`, thousandths). Whole GPUs need
//! completely free devices. A share goes to the fullest device that still has room (best fit,
//! which limits fragmentation); the device then serves other shares until full.
//!
//! # Speed: equivalence classes
//! Nodes of one pool and zone in the same state (requested resources, pod count, GPU occupancy,
//! replica counts of groups with a per-node maximum) are interchangeable. The scheduler keeps one
//! class per distinct state and filters and scores classes, not nodes. A class's state never
//! changes, so for each group the feasible classes are scored once and kept in buckets by score;
//! a placement looks at the best bucket only and scores just the class the node moves into. The
//! cost per placement is independent of the fleet size. Tie-breaking picks a class with
//! probability proportional to its size, which is the same as picking a tied node uniformly.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use meshsim_core::rng::SimRng;
use rand::RngExt;

use crate::cluster::{NodePool, Replicas, Taint, Toleration, selector_matches, untolerated_taint};
use crate::resources::Resources;

/// How feasible nodes are scored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
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

impl Strategy {
    /// The name used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::LeastAllocated => "least-allocated",
            Strategy::MostAllocated => "most-allocated",
            Strategy::BalancedAllocation => "balanced-allocation",
            Strategy::KubeDefault => "kube-default",
        }
    }
}

/// How equally good nodes are chosen between.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TieBreak {
    /// Uniformly at random, from the run's `scheduler` stream (kube-scheduler's behaviour).
    #[default]
    Random,
    /// The node with the lowest index (reproducible by hand; used by tests).
    First,
}

/// Scheduler settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SchedulerConfig {
    /// Scoring strategy.
    pub strategy: Strategy,
    /// Weight of `nvidia.com/gpu` in scoring, next to CPU and memory with weight 1.
    pub gpu_weight: u32,
    /// Tie-breaking.
    pub tie_break: TieBreak,
}

/// A pod to place (one replica of a group, or a DaemonSet pod).
#[derive(Clone, Debug, PartialEq)]
pub struct PodSpec {
    /// Requests of the whole pod (all containers, sidecar included).
    pub requests: Resources,
    /// Required node labels.
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations.
    pub tolerations: Vec<Toleration>,
    /// At most this many replicas of the group on one node.
    pub max_per_node: Option<u32>,
}

/// A group of identical pods to place.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// The pod.
    pub spec: PodSpec,
    /// How many.
    pub replicas: Replicas,
    /// Priority: higher is placed first.
    pub priority: i32,
}

/// Why a node cannot take a pod (a set of reasons, as a bit mask).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Failure(u16);

impl Failure {
    /// An untolerated taint (the text names it).
    pub const TAINT: Failure = Failure(1);
    /// Node selector does not match.
    pub const SELECTOR: Failure = Failure(2);
    /// The node already runs the group's maximum per node.
    pub const MAX_PER_NODE: Failure = Failure(4);
    /// Not enough CPU.
    pub const CPU: Failure = Failure(8);
    /// Not enough memory.
    pub const MEMORY: Failure = Failure(16);
    /// Pod count at `maxPods`.
    pub const PODS: Failure = Failure(32);
    /// Not enough whole GPUs.
    pub const GPU: Failure = Failure(64);
    /// No GPU with enough free share.
    pub const GPU_SHARE: Failure = Failure(128);
    /// None: the pod fits.
    pub const NONE: Failure = Failure(0);

    const ALL: [Failure; 8] = [
        Failure::TAINT,
        Failure::SELECTOR,
        Failure::MAX_PER_NODE,
        Failure::CPU,
        Failure::MEMORY,
        Failure::PODS,
        Failure::GPU,
        Failure::GPU_SHARE,
    ];

    /// Whether no reason is set.
    pub fn is_none(self) -> bool {
        self.0 == 0
    }
    /// Whether every reason of `o` is set.
    pub fn contains(self, o: Failure) -> bool {
        self.0 & o.0 == o.0 && o.0 != 0
    }
    fn with(self, o: Failure) -> Failure {
        Failure(self.0 | o.0)
    }
    /// The reasons one by one.
    pub fn iter(self) -> impl Iterator<Item = Failure> {
        Failure::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// The short name of the binding resource(s): `gpu`, `memory`, `cpu+memory`, `pods`, …
    pub fn resource_label(self) -> String {
        if self.is_none() {
            return "none".into();
        }
        let names: Vec<&str> = self
            .iter()
            .map(|f| match f {
                Failure::TAINT => "taint",
                Failure::SELECTOR => "selector",
                Failure::MAX_PER_NODE => "max-per-node",
                Failure::CPU => "cpu",
                Failure::MEMORY => "memory",
                Failure::PODS => "pods",
                Failure::GPU => "gpu",
                _ => "gpu-share",
            })
            .collect();
        names.join("+")
    }
}

/// Per-pool information the scheduler needs.
#[derive(Clone, Debug)]
struct PoolShape {
    allocatable: Resources,
    max_pods: u32,
    labels: BTreeMap<String, String>,
    taints: Vec<Taint>,
    first_node: u32,
}

/// A node's state; nodes with equal states are interchangeable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct State {
    pool: u32,
    zone: u32,
    cpu: u64,
    mem: u64,
    pods: u32,
    /// Thousandths of each GPU in use, sorted in descending order.
    gpu_used: Box<[u16]>,
    /// `(group, replicas on the node)` for groups with a per-node maximum, sorted by group.
    counts: Box<[(u32, u32)]>,
}

impl State {
    fn free_whole_gpus(&self) -> u32 {
        self.gpu_used.iter().rev().take_while(|&&u| u == 0).count() as u32
    }
    /// Index of the fullest GPU with room for `share` thousandths.
    fn best_fit_gpu(&self, share: u32) -> Option<usize> {
        self.gpu_used
            .iter()
            .position(|&u| u32::from(u) + share <= 1000)
    }
    fn count_of(&self, group: u32) -> u32 {
        self.counts
            .iter()
            .find(|(g, _)| *g == group)
            .map_or(0, |(_, c)| *c)
    }
    fn gpu_used_milli(&self) -> u64 {
        self.gpu_used.iter().map(|&u| u64::from(u)).sum()
    }
}

#[derive(Debug)]
struct Class {
    state: State,
    nodes: Vec<u32>,
    live_pos: usize,
}

const NOT_LIVE: usize = usize::MAX;

/// A group's pod, prepared for one scheduling pass: its static eligibility per pool.
struct Prepared<'a> {
    spec: &'a PodSpec,
    /// Per pool: `None` if eligible, else the failure and, for taints, the taint text.
    static_fail: Vec<Option<(Failure, String)>>,
    /// Group id for per-node maximums.
    group: Option<(u32, u32)>,
}

/// The outcome of placing one group or DaemonSet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Node of each placed pod, in placement order.
    pub nodes: Vec<u32>,
    /// Pods that could not be placed (for `Fill` groups always 0).
    pub pending: u64,
    /// For pending pods: the kube-scheduler-style message. For `Fill` groups: why the next
    /// replica did not fit.
    pub reason: Option<String>,
}

/// What one node ended up with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeUsage {
    /// Pool index.
    pub pool: u32,
    /// Zone index within the pool's zones.
    pub zone: u32,
    /// Requested CPU (millicores), memory (bytes), whole GPUs fully used and total GPU share in
    /// thousandths (`gpu_milli` counts every device's used thousandths).
    pub requested: Resources,
    /// Pods on the node.
    pub pods: u32,
}

/// Result of a probe: where one more pod of a given spec could go.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Probe {
    /// Per pool: nodes where it fits.
    pub fits: Vec<u64>,
    /// Per pool: nodes per failure set.
    pub failures: Vec<BTreeMap<Failure, u64>>,
}

/// The scheduler's state over one fleet.
#[derive(Debug)]
pub struct Scheduler {
    pools: Vec<PoolShape>,
    cfg: SchedulerConfig,
    rng: SimRng,
    classes: Vec<Class>,
    index: HashMap<State, usize>,
    live: Vec<usize>,
    node_count: u32,
    next_group: u32,
    /// Classes that became live (created or revived), in order: score indexes catch up from it.
    changes: Vec<usize>,
    // Scratch buffers reused across placements.
    tied: Vec<usize>,
}

/// Feasible classes for one group's pod, bucketed by score. A class's state never changes, so
/// its fit and score for a given pod are computed once; the index catches up with new and
/// revived classes through the scheduler's change log and drops emptied classes lazily.
#[derive(Debug, Default)]
struct ScoreIndex {
    synced: usize,
    buckets: BTreeMap<u64, Vec<usize>>,
    /// Per class id: already evaluated (and, if it fits, in a bucket).
    seen: Vec<bool>,
}

impl Scheduler {
    /// An empty fleet of `pools`, drawing tie-breaks from `rng`.
    pub fn new(pools: &[NodePool], cfg: SchedulerConfig, rng: SimRng) -> Self {
        let mut s = Scheduler {
            pools: Vec::with_capacity(pools.len()),
            cfg,
            rng,
            classes: Vec::new(),
            index: HashMap::new(),
            live: Vec::new(),
            node_count: 0,
            next_group: 0,
            changes: Vec::new(),
            tied: Vec::new(),
        };
        let mut first = 0u32;
        for (pi, p) in pools.iter().enumerate() {
            let zones = p.zones.len().max(1) as u32;
            s.pools.push(PoolShape {
                allocatable: p.allocatable(),
                max_pods: p.max_pods,
                labels: p.labels.clone(),
                taints: p.taints.clone(),
                first_node: first,
            });
            for z in 0..zones {
                let nodes: Vec<u32> = (0..p.count)
                    .filter(|i| i % zones == z)
                    .map(|i| first + i)
                    .collect();
                if nodes.is_empty() {
                    continue;
                }
                let state = State {
                    pool: pi as u32,
                    zone: z,
                    cpu: 0,
                    mem: 0,
                    pods: 0,
                    gpu_used: vec![0u16; p.capacity.gpus as usize].into_boxed_slice(),
                    counts: Box::new([]),
                };
                let c = s.class_for(state);
                s.classes[c].nodes = nodes;
                s.mark_live(c);
            }
            first += p.count;
        }
        s.node_count = first;
        s
    }

    /// Total nodes.
    pub fn node_count(&self) -> u32 {
        self.node_count
    }

    /// Pool of a node.
    pub fn pool_of(&self, node: u32) -> usize {
        self.pools
            .iter()
            .rposition(|p| p.first_node <= node)
            .unwrap_or(0)
    }

    /// Number of distinct node states alive now (for diagnostics and benchmarks).
    pub fn live_classes(&self) -> usize {
        self.live.len()
    }

    fn class_for(&mut self, state: State) -> usize {
        if let Some(&c) = self.index.get(&state) {
            return c;
        }
        let c = self.classes.len();
        self.index.insert(state.clone(), c);
        self.classes.push(Class {
            state,
            nodes: Vec::new(),
            live_pos: NOT_LIVE,
        });
        c
    }

    fn mark_live(&mut self, c: usize) {
        if self.classes[c].live_pos == NOT_LIVE && !self.classes[c].nodes.is_empty() {
            self.classes[c].live_pos = self.live.len();
            self.live.push(c);
            self.changes.push(c);
        }
    }

    fn new_index(&self, p: &Prepared<'_>) -> ScoreIndex {
        let mut idx = ScoreIndex {
            synced: self.changes.len(),
            ..Default::default()
        };
        for &c in &self.live {
            self.index_class(&mut idx, p, c);
        }
        idx
    }

    fn index_class(&self, idx: &mut ScoreIndex, p: &Prepared<'_>, c: usize) {
        if idx.seen.len() <= c {
            idx.seen.resize(c + 1, false);
        }
        if idx.seen[c] || self.classes[c].nodes.is_empty() {
            return;
        }
        idx.seen[c] = true;
        let st = &self.classes[c].state;
        if self.check(st, p).is_none() {
            idx.buckets.entry(self.score(st, p)).or_default().push(c);
        }
    }

    fn sync(&self, idx: &mut ScoreIndex, p: &Prepared<'_>) {
        while idx.synced < self.changes.len() {
            let c = self.changes[idx.synced];
            idx.synced += 1;
            self.index_class(idx, p, c);
        }
    }

    fn mark_dead_if_empty(&mut self, c: usize) {
        let pos = self.classes[c].live_pos;
        if pos != NOT_LIVE && self.classes[c].nodes.is_empty() {
            self.live.swap_remove(pos);
            if let Some(&moved) = self.live.get(pos) {
                self.classes[moved].live_pos = pos;
            }
            self.classes[c].live_pos = NOT_LIVE;
        }
    }

    fn prepare<'a>(&self, spec: &'a PodSpec, group: Option<(u32, u32)>) -> Prepared<'a> {
        let static_fail = self
            .pools
            .iter()
            .map(|p| {
                if let Some(t) = untolerated_taint(&p.taints, &spec.tolerations) {
                    Some((Failure::TAINT, format!("{{{}: {}}}", t.key, t.value)))
                } else if !selector_matches(&spec.node_selector, &p.labels) {
                    Some((Failure::SELECTOR, String::new()))
                } else {
                    None
                }
            })
            .collect();
        Prepared {
            spec,
            static_fail,
            group,
        }
    }

    /// Filters one state for one pod: the failure set (empty if it fits).
    fn check(&self, st: &State, p: &Prepared<'_>) -> Failure {
        if let Some((f, _)) = &p.static_fail[st.pool as usize] {
            return *f;
        }
        if let Some((g, max)) = p.group
            && st.count_of(g) >= max
        {
            return Failure::MAX_PER_NODE;
        }
        let pool = &self.pools[st.pool as usize];
        let r = &p.spec.requests;
        let mut f = Failure::NONE;
        if st.cpu + r.cpu_milli > pool.allocatable.cpu_milli {
            f = f.with(Failure::CPU);
        }
        if st.mem + r.memory_bytes > pool.allocatable.memory_bytes {
            f = f.with(Failure::MEMORY);
        }
        if st.pods + 1 > pool.max_pods {
            f = f.with(Failure::PODS);
        }
        if r.gpus > 0 && st.free_whole_gpus() < r.gpus {
            f = f.with(Failure::GPU);
        }
        if r.gpu_milli > 0 && st.best_fit_gpu(r.gpu_milli).is_none() {
            f = f.with(Failure::GPU_SHARE);
        }
        f
    }

    /// The state after adding the pod (which must fit).
    fn after(&self, st: &State, p: &Prepared<'_>) -> State {
        let r = &p.spec.requests;
        let mut gpu_used = st.gpu_used.clone();
        if r.gpus > 0 {
            // Take whole free GPUs: the trailing zeros of the descending list.
            let n = gpu_used.len();
            for u in gpu_used[n - r.gpus as usize..].iter_mut() {
                *u = 1000;
            }
            gpu_used.sort_unstable_by(|a, b| b.cmp(a));
        }
        if r.gpu_milli > 0
            && let Some(i) = st.best_fit_gpu(r.gpu_milli)
        {
            gpu_used[i] += r.gpu_milli as u16;
            gpu_used.sort_unstable_by(|a, b| b.cmp(a));
        }
        let counts = match p.group {
            Some((g, _)) => {
                let mut v: Vec<(u32, u32)> = st.counts.to_vec();
                match v.iter_mut().find(|(x, _)| *x == g) {
                    Some((_, c)) => *c += 1,
                    None => {
                        v.push((g, 1));
                        v.sort_unstable();
                    }
                }
                v.into_boxed_slice()
            }
            None => st.counts.clone(),
        };
        State {
            pool: st.pool,
            zone: st.zone,
            cpu: st.cpu + r.cpu_milli,
            mem: st.mem + r.memory_bytes,
            pods: st.pods + 1,
            gpu_used,
            counts,
        }
    }

    /// kube-scheduler's score for a node once the pod is on it.
    fn score(&self, st: &State, p: &Prepared<'_>) -> u64 {
        let pool = &self.pools[st.pool as usize];
        let r = &p.spec.requests;
        let a = &pool.allocatable;
        let gpu_cap = u64::from(a.gpus) * 1000;
        let gpu_req = st.gpu_used_milli() + u64::from(r.gpus) * 1000 + u64::from(r.gpu_milli);
        let mut dims: [(u64, u64, u64); 3] = [
            (st.cpu + r.cpu_milli, a.cpu_milli, 1),
            (st.mem + r.memory_bytes, a.memory_bytes, 1),
            (gpu_req, gpu_cap, u64::from(self.cfg.gpu_weight)),
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
            let fr: Vec<f64> = dims
                .iter()
                .filter(|d| d.2 > 0)
                .map(|&(req, cap, _)| {
                    if cap == 0 {
                        0.0
                    } else {
                        (req as f64 / cap as f64).min(1.0)
                    }
                })
                .collect();
            if fr.is_empty() {
                return 0;
            }
            let mean = fr.iter().sum::<f64>() / fr.len() as f64;
            let var = fr.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / fr.len() as f64;
            ((1.0 - var.sqrt()) * 100.0) as u64
        };
        match self.cfg.strategy {
            Strategy::LeastAllocated => least(),
            Strategy::MostAllocated => most(),
            Strategy::BalancedAllocation => balanced(),
            Strategy::KubeDefault => least() + balanced(),
        }
    }

    /// Places one pod using (and maintaining) the group's score index; `None` if it fits nowhere.
    fn place_one(&mut self, p: &Prepared<'_>, idx: &mut ScoreIndex) -> Option<u32> {
        self.sync(idx, p);
        self.tied.clear();
        loop {
            let ScoreIndex { buckets, seen, .. } = &mut *idx;
            let mut top = buckets.last_entry()?;
            let classes = &self.classes;
            top.get_mut().retain(|&c| {
                let live = !classes[c].nodes.is_empty();
                if !live {
                    // Re-evaluate if it is ever revived.
                    seen[c] = false;
                }
                live
            });
            if top.get().is_empty() {
                top.remove();
                continue;
            }
            self.tied.extend_from_slice(top.get());
            break;
        }
        let (c, node) = match self.cfg.tie_break {
            TieBreak::Random => {
                let c = if self.tied.len() == 1 {
                    self.tied[0]
                } else {
                    let total: u64 = self
                        .tied
                        .iter()
                        .map(|&c| self.classes[c].nodes.len() as u64)
                        .sum();
                    let mut r = self.rng.random_range(0..total);
                    let mut chosen = self.tied[0];
                    for &c in &self.tied {
                        let n = self.classes[c].nodes.len() as u64;
                        if r < n {
                            chosen = c;
                            break;
                        }
                        r -= n;
                    }
                    chosen
                };
                let node = self.classes[c]
                    .nodes
                    .pop()
                    .expect("live classes are non-empty");
                (c, node)
            }
            TieBreak::First => {
                let (c, i) = self
                    .tied
                    .iter()
                    .map(|&c| {
                        let nodes = &self.classes[c].nodes;
                        let (i, _) = nodes
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, n)| **n)
                            .expect("live classes are non-empty");
                        (c, i)
                    })
                    .min_by_key(|&(c, i)| self.classes[c].nodes[i])
                    .expect("tied is non-empty");
                (c, self.classes[c].nodes.swap_remove(i))
            }
        };
        let next = self.after(&self.classes[c].state, p);
        let dst = self.class_for(next);
        self.classes[dst].nodes.push(node);
        self.mark_live(dst);
        self.mark_dead_if_empty(c);
        Some(node)
    }

    /// Node counts per failure set for a pod that fits nowhere (or to probe a pool).
    fn failure_histogram(&self, p: &Prepared<'_>) -> (BTreeMap<String, u64>, u64) {
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        let mut fits = 0;
        for &c in &self.live {
            let class = &self.classes[c];
            let n = class.nodes.len() as u64;
            let f = self.check(&class.state, p);
            if f.is_none() {
                fits += n;
                continue;
            }
            for one in f.iter() {
                let text = match one {
                    Failure::TAINT => format!(
                        "node(s) had untolerated taint {}",
                        p.static_fail[class.state.pool as usize]
                            .as_ref()
                            .map_or("", |(_, t)| t.as_str())
                    ),
                    Failure::SELECTOR => "node(s) didn't match Pod's node affinity/selector".into(),
                    Failure::MAX_PER_NODE => format!(
                        "node(s) already run the maximum of {} replica(s) per node",
                        p.group.map_or(0, |(_, m)| m)
                    ),
                    Failure::CPU => "Insufficient cpu".into(),
                    Failure::MEMORY => "Insufficient memory".into(),
                    Failure::PODS => "Too many pods".into(),
                    Failure::GPU => "Insufficient nvidia.com/gpu".into(),
                    _ => "Insufficient shared nvidia.com/gpu capacity".into(),
                };
                *reasons.entry(text).or_default() += n;
            }
        }
        (reasons, fits)
    }

    fn fit_error(&self, p: &Prepared<'_>) -> String {
        let (reasons, _) = self.failure_histogram(p);
        // kube-scheduler sorts the "<count> <reason>" strings as strings.
        let mut parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        parts.sort();
        let mut msg = format!("0/{} nodes are available", self.node_count);
        if !parts.is_empty() {
            let _ = write!(msg, ": {}", parts.join(", "));
        }
        msg.push('.');
        msg
    }

    /// Places a DaemonSet: one pod on each eligible node where it fits.
    pub fn place_daemonset(&mut self, spec: &PodSpec) -> Outcome {
        let p = self.prepare(spec, None);
        let mut out = Outcome::default();
        let mut pending_reasons: BTreeMap<String, u64> = BTreeMap::new();
        let snapshot = self.live.clone();
        for c in snapshot {
            let f = self.check(&self.classes[c].state, &p);
            if f.contains(Failure::TAINT) || f.contains(Failure::SELECTOR) {
                continue; // not eligible: no pod is created for this node
            }
            if !f.is_none() {
                let n = self.classes[c].nodes.len() as u64;
                out.pending += n;
                for one in f.iter() {
                    *pending_reasons.entry(one.resource_label()).or_default() += n;
                }
                continue;
            }
            let next = self.after(&self.classes[c].state, &p);
            let nodes = std::mem::take(&mut self.classes[c].nodes);
            out.nodes.extend_from_slice(&nodes);
            let dst = self.class_for(next);
            self.classes[dst].nodes.extend(nodes);
            self.mark_live(dst);
            self.mark_dead_if_empty(c);
        }
        out.nodes.sort_unstable();
        if out.pending > 0 {
            let parts: Vec<String> = pending_reasons
                .iter()
                .map(|(r, n)| format!("{n} node(s) lacked {r}"))
                .collect();
            out.reason = Some(format!(
                "{} DaemonSet pod(s) pending: {}.",
                out.pending,
                parts.join(", ")
            ));
        }
        out
    }

    fn new_group_id(&mut self, spec: &PodSpec) -> Option<(u32, u32)> {
        let id = self.next_group;
        self.next_group += 1;
        spec.max_per_node.map(|m| (id, m))
    }

    /// Places groups in priority order (see the module docs) and returns one outcome per group,
    /// in the order given.
    pub fn place_groups(&mut self, groups: &[Group]) -> Vec<Outcome> {
        self.changes.clear();
        let ids: Vec<Option<(u32, u32)>> =
            groups.iter().map(|g| self.new_group_id(&g.spec)).collect();
        let mut outcomes = vec![Outcome::default(); groups.len()];
        let mut priorities: Vec<i32> = groups.iter().map(|g| g.priority).collect();
        priorities.sort_unstable_by(|a, b| b.cmp(a));
        priorities.dedup();
        for prio in priorities {
            // Fixed counts first, in order.
            for (i, g) in groups.iter().enumerate() {
                let Replicas::Count(n) = g.replicas else {
                    continue;
                };
                if g.priority != prio {
                    continue;
                }
                let p = self.prepare(&g.spec, ids[i]);
                let mut idx = self.new_index(&p);
                let mut placed = 0u32;
                while placed < n {
                    match self.place_one(&p, &mut idx) {
                        Some(node) => {
                            outcomes[i].nodes.push(node);
                            placed += 1;
                        }
                        None => {
                            outcomes[i].pending = u64::from(n - placed);
                            outcomes[i].reason = Some(self.fit_error(&p));
                            break;
                        }
                    }
                }
            }
            // Then fill groups, round-robin.
            let fill: Vec<usize> = groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.priority == prio && g.replicas == Replicas::Fill)
                .map(|(i, _)| i)
                .collect();
            let prepared: Vec<Prepared<'_>> = fill
                .iter()
                .map(|&i| self.prepare(&groups[i].spec, ids[i]))
                .collect();
            let mut indexes: Vec<ScoreIndex> = prepared.iter().map(|p| self.new_index(p)).collect();
            let mut active: Vec<bool> = vec![true; fill.len()];
            while active.iter().any(|&a| a) {
                for (k, &i) in fill.iter().enumerate() {
                    if !active[k] {
                        continue;
                    }
                    match self.place_one(&prepared[k], &mut indexes[k]) {
                        Some(node) => outcomes[i].nodes.push(node),
                        None => {
                            active[k] = false;
                            outcomes[i].reason = Some(self.fit_error(&prepared[k]));
                        }
                    }
                }
            }
        }
        outcomes
    }

    /// Where one more pod of `spec` would fit, per pool, and why not elsewhere. Does not place it.
    pub fn probe(&self, spec: &PodSpec) -> Probe {
        let p = self.prepare(spec, None);
        let mut probe = Probe {
            fits: vec![0; self.pools.len()],
            failures: vec![BTreeMap::new(); self.pools.len()],
        };
        for &c in &self.live {
            let class = &self.classes[c];
            let n = class.nodes.len() as u64;
            let pool = class.state.pool as usize;
            let f = self.check(&class.state, &p);
            if f.is_none() {
                probe.fits[pool] += n;
            } else {
                *probe.failures[pool].entry(f).or_default() += n;
            }
        }
        probe
    }

    /// Per node: what it holds now.
    pub fn node_usage(&self) -> Vec<NodeUsage> {
        let mut v = vec![NodeUsage::default(); self.node_count as usize];
        for &c in &self.live {
            let st = &self.classes[c].state;
            let whole = st.gpu_used.iter().filter(|&&u| u == 1000).count() as u32;
            let u = NodeUsage {
                pool: st.pool,
                zone: st.zone,
                requested: Resources {
                    cpu_milli: st.cpu,
                    memory_bytes: st.mem,
                    gpus: whole,
                    gpu_milli: st.gpu_used_milli() as u32,
                },
                pods: st.pods,
            };
            for &n in &self.classes[c].nodes {
                v[n as usize] = u;
            }
        }
        v
    }

    /// Per pool: GPU capacity not handed out (in thousandths of a GPU), by what blocks one more
    /// pod of `spec` on those nodes.
    pub fn idle_gpus(&self, spec: &PodSpec) -> Vec<BTreeMap<Failure, u64>> {
        let p = self.prepare(spec, None);
        let mut out = vec![BTreeMap::new(); self.pools.len()];
        for &c in &self.live {
            let class = &self.classes[c];
            let st = &class.state;
            let free: u64 = st.gpu_used.iter().map(|&u| 1000 - u64::from(u)).sum();
            if free == 0 {
                continue;
            }
            let f = self.check(st, &p);
            *out[st.pool as usize].entry(f).or_default() += free * class.nodes.len() as u64;
        }
        out
    }
}

#[cfg(test)]
mod tests;
