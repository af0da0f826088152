//! A pod scheduler with kube-scheduler semantics for what it implements, incremental, and fast on
//! huge fleets.
//!
//! # Operations
//! - [`Scheduler::bind`]: place one pod of a registered spec where the policy scores best, or say
//!   why it fits nowhere; [`Scheduler::bind_to`] puts a pod on a named node (a pod already running
//!   there, as a cluster dump shows it).
//! - [`Scheduler::release`]: a pod departs; its node gets back exactly what the pod took,
//!   down to the GPU device it used.
//! - [`Scheduler::add_nodes`] / [`Scheduler::remove_node`]: a pool grows and shrinks.
//! - [`Scheduler::place_daemonset`] and [`Scheduler::place_groups`]: batch placement (DaemonSets
//!   on every eligible node; workload groups by priority), as sequences of binds.
//!
//! # Semantics
//! - Groups by priority (higher first). Within one priority, fixed-count groups in the order
//!   given, then `Fill` groups round-robin, one replica each, until none fits.
//! - **Filter**, in kube-scheduler's plugin order, stopping at the first failing plugin per node:
//!   TaintToleration (`NoSchedule`/`NoExecute` taints must be tolerated), NodeAffinity (node
//!   selector; GPU model when the pod names allowed models), max replicas per node,
//!   NodeResourcesFit (CPU, memory, pod count, whole GPUs, GPU share — every insufficient
//!   resource is reported, as kube-scheduler does).
//! - **Score** through a [`Scorer`]: kube-scheduler's integer formulas ([`KubeScorer`]:
//!   `least-allocated`, `most-allocated`, `balanced-allocation`, `kube-default`), or the GPU
//!   sharing policies of [`policies`].
//! - **Ties** are broken uniformly at random among the best nodes, from the scheduler's stream,
//!   or by the lowest tie key ([`TieBreak::First`]; the key is the node id unless
//!   [`Scheduler::set_tie_keys`] gives others).
//! - A pod that fits nowhere stays pending with a kube-scheduler-style message:
//!   `0/12 nodes are available: 4 node(s) had untolerated taint {gpu: true}, 8 Insufficient memory.`
//!
//! Not modelled: preemption, pod affinity and topology spread (beyond max per node),
//! `percentageOfNodesToScore` sampling (meshsim scores every feasible node), image locality.
//!
//! # GPUs
//! A pod asks for whole GPUs or for a share of one GPU (`gpu_milli`, thousandths). Whole GPUs
//! need completely free devices and take the lowest-numbered free ones. A share never spans two
//! devices; the policy picks the device ([`Scorer::share_device`], best fit by default). Each
//! node's devices are tracked by identity in a side table, so a departing pod gives its share
//! back to the device it used; the node states below see the devices as a sorted multiset.
//!
//! # Speed: equivalence classes
//! Nodes of one pool and zone in the same state (requested resources, pod count, GPU occupancy,
//! replica counts of groups with a per-node maximum, policy tags) are interchangeable. The
//! scheduler keeps one class per distinct state and filters and scores classes, not nodes. A
//! class's state never changes, so for each spec the feasible classes are scored once and kept
//! in buckets by score; a placement looks at the best bucket only and scores just the class the
//! node moves into. The cost per placement is independent of the fleet size. Random tie-breaking
//! picks a class with probability proportional to its size, which is the same as picking a tied
//! node uniformly. Classes nobody is in any more are collected once they outnumber the live ones.

mod classes;
mod failure;
pub mod frag;
mod index;
pub mod policies;
mod score;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use meshsim_core::rng::SimRng;
use rand::RngExt;

use crate::cluster::{NodePool, Replicas, Taint, Toleration, selector_matches, untolerated_taint};
use crate::ids::{NodeId, PodId, PoolId, SpecId};
use crate::resources::Resources;

use classes::{Classes, State};
pub use failure::Failure;
use index::ScoreIndex;
pub use score::{KubeScorer, NodeView, Scorer, Strategy, best_fit_device, best_fit_index};

/// How equally good nodes are chosen between.
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
pub enum TieBreak {
    /// Uniformly at random, from the scheduler's stream (kube-scheduler's behaviour).
    #[default]
    Random,
    /// The node with the lowest tie key (the node id unless set): reproducible by hand.
    First,
}
crate::named_enum!(TieBreak, "tie-break");

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
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PodSpec {
    /// Requests of the whole pod (all containers, sidecar included).
    pub requests: Resources,
    /// Required node labels.
    pub node_selector: BTreeMap<String, String>,
    /// Tolerations.
    pub tolerations: Vec<Toleration>,
    /// At most this many replicas of the group on one node.
    pub max_per_node: Option<u32>,
    /// GPU models the pod may run on (empty: any). Applies to pods that ask for GPUs.
    pub gpu_models: Vec<String>,
}

impl PodSpec {
    /// A DaemonSet's pod: its requests, node selector and tolerations.
    pub fn of_daemonset(d: &crate::cluster::DaemonSet) -> PodSpec {
        PodSpec {
            requests: d.requests,
            node_selector: d.node_selector.clone(),
            tolerations: d.tolerations.clone(),
            ..PodSpec::default()
        }
    }
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

/// The GPU devices a bound pod holds on its node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GpuAlloc {
    /// No GPU.
    #[default]
    None,
    /// Whole devices: bit `d` set for device `d`.
    Whole(u64),
    /// A share of one device.
    Share {
        /// Device index on the node.
        device: u8,
        /// Thousandths of the device.
        milli: u16,
    },
}

/// Where a pod went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The pod (give it to [`Scheduler::release`] when it departs).
    pub pod: PodId,
    /// Its node.
    pub node: NodeId,
    /// Its GPU devices.
    pub gpus: GpuAlloc,
}

/// Why the scheduler refused an operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchedError {
    /// The pod id names no bound pod.
    #[error("pod {0} is not bound")]
    UnknownPod(PodId),
    /// The node id names no node (or a removed one).
    #[error("node {0} does not exist")]
    UnknownNode(NodeId),
    /// The spec id was not registered.
    #[error("pod spec {0} was not registered")]
    UnknownSpec(SpecId),
    /// A node still runs pods.
    #[error("node {node} still runs {pods} pod(s)")]
    NodeNotEmpty {
        /// The node.
        node: NodeId,
        /// Pods on it.
        pods: u32,
    },
    /// The pod does not fit the named node.
    #[error("the pod does not fit node {node}: {}", .failure.resource_label())]
    DoesNotFit {
        /// The node.
        node: NodeId,
        /// Why.
        failure: Failure,
    },
}

/// The outcome of placing one group or DaemonSet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Node of each placed pod, in placement order.
    pub nodes: Vec<NodeId>,
    /// Each placed pod, in placement order.
    pub pods: Vec<PodId>,
    /// Pods that could not be placed (for `Fill` groups always 0).
    pub pending: u64,
    /// For pending pods: the kube-scheduler-style message. For `Fill` groups: why the next
    /// replica did not fit.
    pub reason: Option<String>,
}

/// What one node holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeUsage {
    /// Pool.
    pub pool: PoolId,
    /// Zone index within the pool's zones.
    pub zone: u32,
    /// Requested CPU (millicores), memory (bytes), whole GPUs fully used and total GPU share in
    /// thousandths (`gpu_milli` counts every device's used thousandths).
    pub requested: Resources,
    /// Pods on the node.
    pub pods: u32,
    /// Whether the node exists (false once removed).
    pub present: bool,
}

/// Result of a probe: where one more pod of a given spec could go.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Probe {
    /// Per pool: nodes where it fits.
    pub fits: Vec<u64>,
    /// Per pool: nodes per failure set.
    pub failures: Vec<BTreeMap<Failure, u64>>,
}

/// Per-pool information the scheduler needs.
#[derive(Clone, Debug)]
struct PoolShape {
    allocatable: Resources,
    max_pods: u32,
    labels: BTreeMap<String, String>,
    taints: Vec<Taint>,
    gpu_model: Option<String>,
    zones: u32,
    /// Nodes ever added to the pool (zones are assigned round-robin by this count).
    added: u32,
}

/// A registered pod spec: the spec, its group key, its policy tag and its static eligibility.
#[derive(Debug)]
struct SpecEntry {
    spec: PodSpec,
    /// `(group key, max per node)` when the spec's group has a per-node maximum.
    group: Option<(u32, u32)>,
    tag: Option<u16>,
    /// Per pool: `None` if eligible, else the failure and, for taints, the taint text.
    static_fail: Vec<Option<(Failure, String)>>,
}

/// A bound pod.
#[derive(Clone, Copy, Debug)]
struct PodRecord {
    node: u32,
    spec: u32,
    gpus: GpuAlloc,
}

const FREE: u32 = u32::MAX;

/// The scheduler's state over one fleet.
#[derive(Debug)]
pub struct Scheduler {
    pools: Vec<PoolShape>,
    scorer: Box<dyn Scorer>,
    tie_break: TieBreak,
    tie_keys: Option<Vec<u32>>,
    rng: SimRng,
    classes: Classes,
    /// Per node: its pool, zone and first device in `devices`.
    node_pool: Vec<u32>,
    node_zone: Vec<u32>,
    node_dev: Vec<u32>,
    /// Thousandths in use of every GPU device, node by node, by device identity.
    devices: Vec<u16>,
    specs: Vec<SpecEntry>,
    interned: HashMap<PodSpec, u32>,
    /// Per spec: the score index kept for [`Scheduler::bind`].
    indexes: Vec<Option<ScoreIndex>>,
    pods: Vec<PodRecord>,
    free_pods: Vec<u32>,
    bound: u64,
    next_group: u32,
    // Scratch buffer reused across placements.
    tied: Vec<usize>,
}

impl Scheduler {
    /// An empty fleet of `pools`, scored by kube-scheduler's resource plugins, drawing
    /// tie-breaks from `rng`.
    pub fn new(pools: &[NodePool], cfg: SchedulerConfig, rng: SimRng) -> Self {
        let scorer = KubeScorer {
            strategy: cfg.strategy,
            gpu_weight: cfg.gpu_weight,
        };
        Self::with_scorer(pools, Box::new(scorer), cfg.tie_break, rng)
    }

    /// An empty fleet of `pools` with a policy of its own.
    pub fn with_scorer(
        pools: &[NodePool],
        scorer: Box<dyn Scorer>,
        tie_break: TieBreak,
        rng: SimRng,
    ) -> Self {
        let mut s = Scheduler {
            pools: Vec::with_capacity(pools.len()),
            scorer,
            tie_break,
            tie_keys: None,
            rng,
            classes: Classes::default(),
            node_pool: Vec::new(),
            node_zone: Vec::new(),
            node_dev: Vec::new(),
            devices: Vec::new(),
            specs: Vec::new(),
            interned: HashMap::new(),
            indexes: Vec::new(),
            pods: Vec::new(),
            free_pods: Vec::new(),
            bound: 0,
            next_group: 0,
            tied: Vec::new(),
        };
        for p in pools {
            s.pools.push(PoolShape {
                allocatable: p.allocatable(),
                max_pods: p.max_pods,
                labels: p.labels.clone(),
                taints: p.taints.clone(),
                gpu_model: p.gpu_model.clone(),
                zones: p.zones.len().max(1) as u32,
                added: 0,
            });
        }
        for (pi, p) in pools.iter().enumerate() {
            s.add_nodes(PoolId::from_index(pi), p.count);
        }
        s
    }

    /// Breaks [`TieBreak::First`] ties by these keys (one per node, lowest wins) instead of the
    /// node id. Nodes added later take keys after the largest given.
    pub fn set_tie_keys(&mut self, keys: Vec<u32>) {
        assert_eq!(keys.len(), self.node_pool.len(), "one tie key per node");
        self.tie_keys = Some(keys);
    }

    /// Collects dead classes once more than `slack` (beyond four per live class) exist, instead
    /// of 65,536: for tests that exercise the collection.
    #[doc(hidden)]
    pub fn set_gc_slack(&mut self, slack: usize) {
        self.classes.gc_slack = Some(slack);
    }

    /// Nodes ever added (removed ones included: node ids are never reused).
    pub fn node_count(&self) -> u32 {
        self.node_pool.len() as u32
    }

    /// Nodes present now.
    pub fn nodes_present(&self) -> u32 {
        self.classes.nodes_present()
    }

    /// Pool of a node.
    pub fn pool_of(&self, node: NodeId) -> PoolId {
        PoolId(self.node_pool[node.index()])
    }

    /// Number of distinct node states alive now (for diagnostics and benchmarks).
    pub fn live_classes(&self) -> usize {
        self.classes.live.len()
    }

    /// Pods bound now.
    pub fn pods_bound(&self) -> u64 {
        self.bound
    }

    /// Adds `n` empty nodes to `pool` (zones round-robin, continuing the pool's sequence) and
    /// returns their ids.
    pub fn add_nodes(&mut self, pool: PoolId, n: u32) -> Vec<NodeId> {
        let pi = pool.index();
        let gpus = self.pools[pi].allocatable.gpus as usize;
        let zones = self.pools[pi].zones;
        let first = self.node_pool.len() as u32;
        let mut per_zone: Vec<Vec<u32>> = vec![Vec::new(); zones as usize];
        for k in 0..n {
            let node = first + k;
            let zone = (self.pools[pi].added + k) % zones;
            self.node_pool.push(pi as u32);
            self.node_zone.push(zone);
            self.node_dev.push(self.devices.len() as u32);
            self.devices.extend(std::iter::repeat_n(0, gpus));
            per_zone[zone as usize].push(node);
        }
        self.pools[pi].added += n;
        if let Some(keys) = &mut self.tie_keys {
            let next = keys.iter().max().map_or(0, |m| m + 1);
            keys.extend((0..n).map(|k| next + k));
        }
        // Zones in order, as a pool's nodes were always laid out.
        for (z, nodes) in per_zone.into_iter().enumerate() {
            if nodes.is_empty() {
                continue;
            }
            let state = State::empty(pi as u32, z as u32, gpus);
            let c = self.classes.class_for(state);
            for node in nodes {
                self.classes.push_node(c, node);
            }
            self.classes.mark_live(c);
        }
        (first..first + n).map(NodeId).collect()
    }

    /// Removes an empty node from the fleet.
    pub fn remove_node(&mut self, node: NodeId) -> Result<(), SchedError> {
        let c = self
            .classes
            .class_of(node.0)
            .ok_or(SchedError::UnknownNode(node))?;
        let pods = self.classes.class(c).state.pods;
        if pods > 0 {
            return Err(SchedError::NodeNotEmpty { node, pods });
        }
        self.classes.take_node(node.0);
        self.classes.mark_dead_if_empty(c);
        Ok(())
    }

    fn prepare(&self, spec: &PodSpec, group: Option<(u32, u32)>) -> SpecEntry {
        let wants_gpu = spec.requests.wants_gpu();
        let static_fail = self
            .pools
            .iter()
            .map(|p| {
                if let Some(t) = untolerated_taint(&p.taints, &spec.tolerations) {
                    Some((Failure::TAINT, format!("{{{}: {}}}", t.key, t.value)))
                } else if !selector_matches(&spec.node_selector, &p.labels)
                    || (wants_gpu
                        && !spec.gpu_models.is_empty()
                        && !p
                            .gpu_model
                            .as_ref()
                            .is_some_and(|m| spec.gpu_models.iter().any(|x| x == m)))
                {
                    Some((Failure::SELECTOR, String::new()))
                } else {
                    None
                }
            })
            .collect();
        SpecEntry {
            spec: spec.clone(),
            group,
            tag: self.scorer.tag(spec),
            static_fail,
        }
    }

    fn new_group_key(&mut self, spec: &PodSpec) -> Option<(u32, u32)> {
        let id = self.next_group;
        self.next_group += 1;
        spec.max_per_node.map(|m| (id, m))
    }

    fn push_spec(&mut self, e: SpecEntry) -> SpecId {
        self.specs.push(e);
        self.indexes.push(None);
        SpecId::from_index(self.specs.len() - 1)
    }

    /// Registers the pods of one group: a spec whose per-node maximum counts only its own pods.
    pub fn register_group(&mut self, spec: &PodSpec) -> SpecId {
        let g = self.new_group_key(spec);
        let e = self.prepare(spec, g);
        self.push_spec(e)
    }

    /// Registers a spec, returning the same id for equal specs. A per-node maximum then counts
    /// every pod of this spec.
    pub fn intern(&mut self, spec: &PodSpec) -> SpecId {
        if let Some(&i) = self.interned.get(spec) {
            return SpecId(i);
        }
        let id = self.register_group(spec);
        self.interned.insert(spec.clone(), id.0);
        id
    }

    /// The spec registered as `id`.
    pub fn spec(&self, id: SpecId) -> Option<&PodSpec> {
        self.specs.get(id.index()).map(|e| &e.spec)
    }

    fn view<'a>(&'a self, st: &'a State) -> NodeView<'a> {
        view_of(&self.pools, st)
    }

    /// Filters one state for one pod: the failure set (empty if it fits).
    fn check(&self, st: &State, p: &SpecEntry) -> Failure {
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
        if r.gpu_milli > 0 && best_fit_device(&st.gpu_used, r.gpu_milli).is_none() {
            f = f.with(Failure::GPU_SHARE);
        }
        f
    }

    fn new_index(&self, p: &SpecEntry) -> ScoreIndex {
        let mut idx = ScoreIndex::new(self.classes.log_len());
        for &c in &self.classes.live {
            self.index_class(&mut idx, p, c);
        }
        idx
    }

    fn index_class(&self, idx: &mut ScoreIndex, p: &SpecEntry, c: usize) {
        let class = self.classes.class(c);
        if class.nodes.is_empty() || !idx.mark_seen(c) {
            return;
        }
        let st = &class.state;
        if self.check(st, p).is_none() {
            idx.insert(self.scorer.score(&self.view(st), &p.spec), c);
        }
    }

    fn sync(&self, idx: &mut ScoreIndex, p: &SpecEntry) {
        while let Some(c) = idx.next_change(&self.classes) {
            self.index_class(idx, p, c);
        }
    }

    /// The best node for one pod of spec `spec` (using and maintaining its score index), or
    /// `None`.
    fn choose(&mut self, spec: usize, idx: &mut ScoreIndex) -> Option<(usize, u32)> {
        self.sync(idx, &self.specs[spec]);
        let Scheduler {
            classes,
            tied,
            rng,
            tie_break,
            tie_keys,
            ..
        } = self;
        tied.clear();
        if !idx.best_live(classes, tied) {
            return None;
        }
        Some(match tie_break {
            TieBreak::Random => {
                let c = if tied.len() == 1 {
                    tied[0]
                } else {
                    let total: u64 = tied
                        .iter()
                        .map(|&c| classes.class(c).nodes.len() as u64)
                        .sum();
                    let mut r = rng.random_range(0..total);
                    let mut chosen = tied[0];
                    for &c in tied.iter() {
                        let n = classes.class(c).nodes.len() as u64;
                        if r < n {
                            chosen = c;
                            break;
                        }
                        r -= n;
                    }
                    chosen
                };
                let node = *classes
                    .class(c)
                    .nodes
                    .last()
                    .expect("live classes are non-empty");
                (c, node)
            }
            TieBreak::First => {
                let key = |n: u32| tie_keys.as_ref().map_or(n, |k| k[n as usize]);
                tied.iter()
                    .map(|&c| {
                        let node = *classes
                            .class(c)
                            .nodes
                            .iter()
                            .min_by_key(|n| key(**n))
                            .expect("live classes are non-empty");
                        (c, node)
                    })
                    .min_by_key(|&(_, n)| key(n))
                    .expect("tied is non-empty")
            }
        })
    }

    /// Puts one pod of `spec` on `node` (which is in class `c` and fits it): picks its GPU
    /// devices, records the pod and moves the node to its new state.
    fn apply(&mut self, spec: u32, node: u32, c: usize) -> Binding {
        let Scheduler {
            pools,
            scorer,
            rng,
            classes,
            specs,
            node_dev,
            devices,
            ..
        } = self;
        let p = &specs[spec as usize];
        let r = p.spec.requests;
        let st = &classes.class(c).state;
        let base = node_dev[node as usize] as usize;
        let n_dev = st.gpu_used.len();
        let devs = &mut devices[base..base + n_dev];
        let share_device = (r.gpu_milli > 0).then(|| {
            let view = view_of(pools, st);
            scorer.share_device(&view, devs, &p.spec, rng)
        });
        let mut gpus = GpuAlloc::None;
        if r.gpus > 0 {
            let mut mask = 0u64;
            let mut need = r.gpus;
            for (d, u) in devs.iter_mut().enumerate() {
                if need == 0 {
                    break;
                }
                if *u == 0 {
                    *u = 1000;
                    mask |= 1 << d;
                    need -= 1;
                }
            }
            gpus = GpuAlloc::Whole(mask);
        }
        if let Some(d) = share_device {
            assert!(
                u32::from(devs[d]) + r.gpu_milli <= 1000,
                "{} chose device {d} without room",
                scorer.name()
            );
            devs[d] += r.gpu_milli as u16;
            gpus = GpuAlloc::Share {
                device: d as u8,
                milli: r.gpu_milli as u16,
            };
        }
        let next = st.after(&r, p.group.map(|g| g.0), p.tag, devs);
        self.move_node(node, c, next);
        let pod = self.record(PodRecord { node, spec, gpus });
        Binding {
            pod,
            node: NodeId(node),
            gpus,
        }
    }

    fn record(&mut self, rec: PodRecord) -> PodId {
        self.bound += 1;
        match self.free_pods.pop() {
            Some(i) => {
                self.pods[i as usize] = rec;
                PodId(i)
            }
            None => {
                self.pods.push(rec);
                PodId((self.pods.len() - 1) as u32)
            }
        }
    }

    fn move_node(&mut self, node: u32, from: usize, next: State) {
        self.classes.take_node(node);
        let dst = self.classes.class_for(next);
        self.classes.push_node(dst, node);
        self.classes.mark_live(dst);
        self.classes.mark_dead_if_empty(from);
    }

    /// Places one pod of a registered spec where the policy scores best; `None` when it fits
    /// nowhere ([`Scheduler::explain`] says why).
    pub fn bind(&mut self, spec: SpecId) -> Result<Option<Binding>, SchedError> {
        let i = spec.index();
        if i >= self.specs.len() {
            return Err(SchedError::UnknownSpec(spec));
        }
        self.collect_garbage();
        let mut idx = match self.indexes[i].take() {
            Some(x) => x,
            None => self.new_index(&self.specs[i]),
        };
        let chosen = self.choose(i, &mut idx);
        self.indexes[i] = Some(idx);
        Ok(chosen.map(|(c, node)| self.apply(spec.0, node, c)))
    }

    /// Puts a pod of `spec` on `node`, as a pod already running there; fails if it does not fit
    /// (unless `force`, which records it even over the node's allocatable).
    pub fn bind_to(
        &mut self,
        spec: SpecId,
        node: NodeId,
        force: bool,
    ) -> Result<Binding, SchedError> {
        let e = self
            .specs
            .get(spec.index())
            .ok_or(SchedError::UnknownSpec(spec))?;
        let c = self
            .classes
            .class_of(node.0)
            .ok_or(SchedError::UnknownNode(node))?;
        let st = &self.classes.class(c).state;
        let f = self.check(st, e);
        let r = e.spec.requests;
        // Whole GPUs and shares must exist on the node even when forced.
        let gpu_missing = (r.gpus > 0 && st.free_whole_gpus() < r.gpus)
            || (r.gpu_milli > 0 && best_fit_device(&st.gpu_used, r.gpu_milli).is_none());
        if !f.is_none() && (!force || gpu_missing) {
            return Err(SchedError::DoesNotFit { node, failure: f });
        }
        Ok(self.apply(spec.0, node.0, c))
    }

    /// A pod departs: its node gets back what it took.
    pub fn release(&mut self, pod: PodId) -> Result<(), SchedError> {
        let rec = *self
            .pods
            .get(pod.index())
            .filter(|r| r.spec != FREE)
            .ok_or(SchedError::UnknownPod(pod))?;
        let p = &self.specs[rec.spec as usize];
        let c = self
            .classes
            .class_of(rec.node)
            .expect("a bound pod's node exists");
        let st = &self.classes.class(c).state;
        let base = self.node_dev[rec.node as usize] as usize;
        let devs = &mut self.devices[base..base + st.gpu_used.len()];
        match rec.gpus {
            GpuAlloc::None => {}
            GpuAlloc::Whole(mask) => {
                for (d, u) in devs.iter_mut().enumerate() {
                    if mask & (1 << d) != 0 {
                        *u = 0;
                    }
                }
            }
            GpuAlloc::Share { device, milli } => devs[device as usize] -= milli,
        }
        let next = st.before(&p.spec.requests, p.group.map(|g| g.0), p.tag, devs);
        self.move_node(rec.node, c, next);
        self.pods[pod.index()].spec = FREE;
        self.free_pods.push(pod.0);
        self.bound -= 1;
        Ok(())
    }

    /// The node and devices of a bound pod.
    pub fn binding_of(&self, pod: PodId) -> Option<Binding> {
        self.pods
            .get(pod.index())
            .filter(|r| r.spec != FREE)
            .map(|r| Binding {
                pod,
                node: NodeId(r.node),
                gpus: r.gpus,
            })
    }

    /// Thousandths in use of each GPU device of `node`, by device index.
    pub fn gpu_devices(&self, node: NodeId) -> &[u16] {
        let base = self.node_dev[node.index()] as usize;
        let n = self.pools[self.node_pool[node.index()] as usize]
            .allocatable
            .gpus as usize;
        &self.devices[base..base + n]
    }

    /// Drops classes nobody is in once they outnumber the live ones (and the score indexes kept
    /// for [`Scheduler::bind`], which are rebuilt from the live classes on their next use).
    fn collect_garbage(&mut self) {
        if self.classes.collect_if_worthwhile() {
            self.indexes.iter_mut().for_each(|i| *i = None);
        }
    }

    /// Node counts per failure set for a pod that fits nowhere (or to probe a pool).
    fn failure_histogram(&self, p: &SpecEntry) -> BTreeMap<String, u64> {
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        for &c in &self.classes.live {
            let class = self.classes.class(c);
            let n = class.nodes.len() as u64;
            let f = self.check(&class.state, p);
            for one in f.iter() {
                let taint = p.static_fail[class.state.pool as usize]
                    .as_ref()
                    .map_or("", |(_, t)| t.as_str());
                let text = one.kube_text(taint, p.group.map_or(0, |(_, m)| m));
                *reasons.entry(text).or_default() += n;
            }
        }
        reasons
    }

    fn fit_error(&self, p: &SpecEntry) -> String {
        let reasons = self.failure_histogram(p);
        // kube-scheduler sorts the "<count> <reason>" strings as strings.
        let mut parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        parts.sort();
        let mut msg = format!("0/{} nodes are available", self.classes.nodes_present());
        if !parts.is_empty() {
            let _ = write!(msg, ": {}", parts.join(", "));
        }
        msg.push('.');
        msg
    }

    /// Why one more pod of `spec` fits nowhere, in kube-scheduler's words.
    pub fn explain(&self, spec: SpecId) -> Option<String> {
        self.specs.get(spec.index()).map(|e| self.fit_error(e))
    }

    /// Places a DaemonSet: one pod on each eligible node where it fits.
    pub fn place_daemonset(&mut self, spec: &PodSpec) -> Outcome {
        let id = self.register_group(spec);
        let mut out = Outcome::default();
        let mut pending_reasons: BTreeMap<String, u64> = BTreeMap::new();
        let snapshot = self.classes.live.clone();
        let mut placed: Vec<(u32, PodId)> = Vec::new();
        for c in snapshot {
            let f = self.check(&self.classes.class(c).state, &self.specs[id.index()]);
            if f.contains(Failure::TAINT) || f.contains(Failure::SELECTOR) {
                continue; // not eligible: no pod is created for this node
            }
            if !f.is_none() {
                let n = self.classes.class(c).nodes.len() as u64;
                out.pending += n;
                for one in f.iter() {
                    *pending_reasons.entry(one.resource_label()).or_default() += n;
                }
                continue;
            }
            if spec.requests.wants_gpu() {
                // Devices are per node: one bind each, in the class's order.
                let nodes = self.classes.class(c).nodes.clone();
                for node in nodes {
                    let b = self.apply(id.0, node, c);
                    placed.push((node, b.pod));
                }
                continue;
            }
            // Every node of the class moves, in the class's order, to the same next state.
            let e = &self.specs[id.index()];
            let next =
                self.classes
                    .class(c)
                    .state
                    .after(&spec.requests, e.group.map(|g| g.0), e.tag, &[]);
            let dst = self.classes.class_for(next);
            let nodes = self.classes.class(c).nodes.clone();
            self.classes.move_all(c, dst);
            self.classes.mark_live(dst);
            self.classes.mark_dead_if_empty(c);
            for node in nodes {
                let pod = self.record(PodRecord {
                    node,
                    spec: id.0,
                    gpus: GpuAlloc::None,
                });
                placed.push((node, pod));
            }
        }
        placed.sort_unstable();
        out.nodes = placed.iter().map(|&(n, _)| NodeId(n)).collect();
        out.pods = placed.iter().map(|&(_, p)| p).collect();
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

    /// One pod of `spec` with the group-scoped index `idx`.
    fn bind_in(&mut self, spec: SpecId, idx: &mut ScoreIndex) -> Option<Binding> {
        let chosen = self.choose(spec.index(), idx);
        chosen.map(|(c, node)| self.apply(spec.0, node, c))
    }

    /// Places groups in priority order (see the module docs) and returns one outcome per group,
    /// in the order given. Each group's pods are binds of its own spec.
    pub fn place_groups(&mut self, groups: &[Group]) -> Vec<Outcome> {
        self.classes.trim_log();
        let ids: Vec<SpecId> = groups
            .iter()
            .map(|g| self.register_group(&g.spec))
            .collect();
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
                let mut idx = self.new_index(&self.specs[ids[i].index()]);
                let mut placed = 0u32;
                while placed < n {
                    match self.bind_in(ids[i], &mut idx) {
                        Some(b) => {
                            outcomes[i].nodes.push(b.node);
                            outcomes[i].pods.push(b.pod);
                            placed += 1;
                        }
                        None => {
                            outcomes[i].pending = u64::from(n - placed);
                            outcomes[i].reason = Some(self.fit_error(&self.specs[ids[i].index()]));
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
            let mut indexes: Vec<ScoreIndex> = fill
                .iter()
                .map(|&i| self.new_index(&self.specs[ids[i].index()]))
                .collect();
            let mut active: Vec<bool> = vec![true; fill.len()];
            while active.iter().any(|&a| a) {
                for (k, &i) in fill.iter().enumerate() {
                    if !active[k] {
                        continue;
                    }
                    match self.bind_in(ids[i], &mut indexes[k]) {
                        Some(b) => {
                            outcomes[i].nodes.push(b.node);
                            outcomes[i].pods.push(b.pod);
                        }
                        None => {
                            active[k] = false;
                            outcomes[i].reason = Some(self.fit_error(&self.specs[ids[i].index()]));
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
        for &c in &self.classes.live {
            let class = self.classes.class(c);
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

    /// Per node id: what it holds now (removed nodes are not `present`).
    pub fn node_usage(&self) -> Vec<NodeUsage> {
        let mut v: Vec<NodeUsage> = self
            .node_pool
            .iter()
            .zip(&self.node_zone)
            .map(|(&p, &z)| NodeUsage {
                pool: PoolId(p),
                zone: z,
                ..Default::default()
            })
            .collect();
        for &c in &self.classes.live {
            let class = self.classes.class(c);
            let st = &class.state;
            let u = NodeUsage {
                pool: PoolId(st.pool),
                zone: st.zone,
                requested: st.requested(),
                pods: st.pods,
                present: true,
            };
            for &n in &class.nodes {
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
        for &c in &self.classes.live {
            let class = self.classes.class(c);
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

    /// The scorer's view of one node now, or `None` for a removed node.
    pub fn node_view(&self, node: NodeId) -> Option<NodeView<'_>> {
        let c = self.classes.class_of(node.0)?;
        Some(self.view(&self.classes.class(c).state))
    }

    /// Visits every present node's state through the scorer's view: `(node ids, view)` per
    /// distinct state.
    pub fn for_each_state(&self, mut f: impl FnMut(&[u32], &NodeView<'_>)) {
        for &c in &self.classes.live {
            let class = self.classes.class(c);
            f(&class.nodes, &self.view(&class.state));
        }
    }
}

fn view_of<'a>(pools: &'a [PoolShape], st: &'a State) -> NodeView<'a> {
    let p = &pools[st.pool as usize];
    NodeView {
        allocatable: &p.allocatable,
        max_pods: p.max_pods,
        gpu_model: p.gpu_model.as_deref(),
        cpu_requested: st.cpu,
        memory_requested: st.mem,
        pods: st.pods,
        gpu_used: &st.gpu_used,
        tags: &st.tags,
    }
}

#[cfg(test)]
mod tests;
