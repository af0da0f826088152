//! A fleet over time: workloads whose replicas the HPA sets from their load, pods placed by
//! the incremental scheduler, and node pools the cluster autoscaler grows and shrinks —
//! stepped on a fixed tick (the greatest common divisor of the HPA sync period, the
//! autoscaler's scan interval and the sampling interval).
//!
//! Each tick, in order:
//! 1. nodes whose provisioning delay has passed join (each gets every DaemonSet pod that fits
//!    it — a mesh's node agent among them — before any workload pod);
//! 2. pending pods are bound where they fit (kube-scheduler retries them on every change);
//! 3. on an HPA sync, each autoscaled workload's replica count is recomputed from its load
//!    ([`super::hpa`]): the load is served by the ready pods, so a ready pod's covered
//!    containers use `idle + per_rps × load / ready`; a new pod is ready its readiness delay
//!    after it is bound. A scale-down removes pending pods first, then pods not yet ready, then
//!    the newest (the ReplicaSet's order);
//! 4. on an autoscaler scan, each autoscaled pool with pending pods asks for the nodes the
//!    binpacking estimate says they need, less those already on their way
//!    ([`super::cluster_autoscaler`]); and nodes under the utilisation threshold for the unneeded
//!    time are drained and removed — if every pod of such a node finds a place on another node;
//!    otherwise it stays (and its unneeded clock restarts), as the autoscaler's simulation
//!    would have refused it.
//!
//! Accounting is per tick over `[t, t + tick)`: node-seconds per pool, and per workload the
//! pod-seconds placed, pending and demanded (the HPA's replica count) — counted separately, so
//! `placed + pending = demanded` is a check, not an identity.

use std::collections::VecDeque;

use meshsim_core::rng::RngStreams;

use super::cluster_autoscaler::{self as ca, CaConfig, ScaleDown, Template};
use super::hpa::{HpaSpec, HpaState, Observation};
use crate::cluster::NodePool;
use crate::ids::{NodeId, PodId, PoolId, SpecId};
use crate::resources::Resources;
use crate::scheduler::{PodSpec, Scheduler, SchedulerConfig};

/// Piecewise-constant load, requests per second: `(from_s, rps)` steps in time order, repeating
/// every `period_s` when set.
#[derive(Clone, Debug, PartialEq)]
pub struct Load {
    /// Steps.
    pub steps: Vec<(u64, f64)>,
    /// Repeat period, seconds.
    pub period_s: Option<u64>,
}

impl Load {
    /// A constant load.
    pub fn constant(rps: f64) -> Load {
        Load {
            steps: vec![(0, rps)],
            period_s: None,
        }
    }

    /// The load of a trace of arrival instants (nanoseconds from the trace's start, sorted, as
    /// `meshsim_scenarios::trace::load_trace` reads the Azure LLM traces): arrivals counted in
    /// bins of `bin_s` seconds, as requests per second, times `scale` (a trace of one service
    /// scaled to a fleet's). Bins with the same rate as the previous one are merged; the load
    /// repeats every `period_s` when set (a day of trace replayed every day).
    pub fn from_arrivals(
        offsets_ns: &[u64],
        bin_s: u64,
        scale: f64,
        period_s: Option<u64>,
    ) -> Load {
        let bin_s = bin_s.max(1);
        let bin_ns = bin_s.saturating_mul(1_000_000_000);
        let mut steps: Vec<(u64, f64)> = Vec::new();
        let mut last_end: Option<u64> = None;
        let mut i = 0;
        while i < offsets_ns.len() {
            let b = offsets_ns[i] / bin_ns;
            let j = offsets_ns[i..].partition_point(|&t| t / bin_ns == b) + i;
            let rps = (j - i) as f64 * scale / bin_s as f64;
            let at = b * bin_s;
            // Empty bins before this one carry no load.
            match last_end {
                Some(e) if e < at => steps.push((e, 0.0)),
                None if at > 0 => steps.push((0, 0.0)),
                _ => {}
            }
            if steps.last().is_none_or(|s| s.1 != rps) {
                steps.push((at, rps));
            }
            last_end = Some(at + bin_s);
            i = j;
        }
        // The last bin ends; past it the trace sends nothing.
        if let Some(end) = last_end
            && period_s.is_none_or(|p| end < p)
        {
            steps.push((end, 0.0));
        }
        Load { steps, period_s }
    }

    /// The sum of `loads` over `[0, horizon_s)`, as one load without a period: a step wherever
    /// any of them changes.
    pub fn sum(loads: &[&Load], horizon_s: u64) -> Load {
        Load::combine(loads, horizon_s, |v| v.iter().sum())
    }

    /// `self` times `factor` over `[0, horizon_s)` (a trace times a daily profile), as one load
    /// without a period.
    pub fn times(&self, factor: &Load, horizon_s: u64) -> Load {
        Load::combine(&[self, factor], horizon_s, |v| v[0] * v[1])
    }

    fn combine(loads: &[&Load], horizon_s: u64, f: impl Fn(&[f64]) -> f64) -> Load {
        let mut at: Vec<u64> = vec![0];
        for l in loads {
            let mut t = 0;
            while let (_, Some(n)) = l.at_with_next(t) {
                if n >= horizon_s || n <= t {
                    break;
                }
                at.push(n);
                t = n;
            }
        }
        at.sort_unstable();
        at.dedup();
        let mut steps: Vec<(u64, f64)> = Vec::with_capacity(at.len());
        let mut v = vec![0.0; loads.len()];
        for t in at {
            for (x, l) in v.iter_mut().zip(loads) {
                *x = l.at(t);
            }
            let y = f(&v);
            if steps.last().is_none_or(|s| s.1 != y) {
                steps.push((t, y));
            }
        }
        Load {
            steps,
            period_s: None,
        }
    }

    /// The integral of the load over `[0, horizon_s)`, requests.
    pub fn total(&self, horizon_s: u64) -> f64 {
        let mut t = 0;
        let mut sum = 0.0;
        while t < horizon_s {
            let (v, next) = self.at_with_next(t);
            let end = next.filter(|n| *n > t).unwrap_or(horizon_s).min(horizon_s);
            sum += v * (end - t) as f64;
            t = end;
        }
        sum
    }

    /// The load at `t_s`.
    pub fn at(&self, t_s: u64) -> f64 {
        self.at_with_next(t_s).0
    }

    /// The load at `t_s` and when it next changes (`None`: never).
    pub fn at_with_next(&self, t_s: u64) -> (f64, Option<u64>) {
        let period = self.period_s.filter(|p| *p > 0);
        let t = period.map_or(t_s, |p| t_s % p);
        let i = self.steps.partition_point(|s| s.0 <= t);
        let v = if i == 0 { 0.0 } else { self.steps[i - 1].1 };
        let next = match (self.steps.get(i), period) {
            (Some(s), _) => Some(t_s - t + s.0),
            (None, Some(p))
                if self.steps.len() > 1 || self.steps.first().is_some_and(|s| s.0 > 0) =>
            {
                Some(t_s - t + p + self.steps[0].0)
            }
            _ => None,
        };
        (v, next)
    }
}

/// A workload of the fleet.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Name.
    pub name: String,
    /// The pod (whole-pod requests, a sidecar's included).
    pub spec: PodSpec,
    /// The pool the cluster autoscaler grows for its pending pods.
    pub pool: usize,
    /// Replicas at the start (and always, without an HPA).
    pub replicas: u32,
    /// Its HPA.
    pub hpa: Option<HpaSpec>,
    /// Per pod, the request of the containers the HPA's metric covers (CPU millicores).
    pub covered_request_m: f64,
    /// Per ready pod, what those containers use at no load (millicores).
    pub idle_m: f64,
    /// What they use per request per second, spread over the ready pods (millicores).
    pub m_per_rps: f64,
    /// Its load.
    pub load: Load,
    /// Seconds from binding to ready.
    pub readiness_s: u64,
}

/// How the cluster autoscaler treats one pool.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolScaling {
    /// Fewest nodes.
    pub min: u32,
    /// Most nodes.
    pub max: u32,
    /// Seconds from the request to the node joining.
    pub provisioning_s: u64,
}

/// The fleet run's inputs.
#[derive(Clone, Debug)]
pub struct FleetSpec<'a> {
    /// Pools, with their node counts at the start.
    pub pools: &'a [NodePool],
    /// Per pool, its autoscaling (`None`: fixed size).
    pub scaling: Vec<Option<PoolScaling>>,
    /// DaemonSet pods, on every node they fit (node agents first, in order).
    pub daemonsets: Vec<PodSpec>,
    /// Workloads.
    pub workloads: Vec<Workload>,
    /// Simulated time, seconds.
    pub horizon_s: u64,
    /// HPA sync period, seconds (15 by default in Kubernetes).
    pub hpa_sync_s: u64,
    /// The cluster autoscaler.
    pub ca: CaConfig,
    /// Sampling interval of the timeline, seconds.
    pub sample_s: u64,
    /// Scheduler.
    pub scheduler: SchedulerConfig,
    /// Seed.
    pub seed: u64,
}

/// One pool at one sampling instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Time, seconds.
    pub t_s: u64,
    /// The pool.
    pub pool: usize,
    /// Nodes present.
    pub nodes: u32,
    /// Nodes requested and not yet joined.
    pub provisioning: u32,
    /// Replicas the HPAs (or fixed counts) ask for, over the workloads this pool serves.
    pub replicas: u32,
    /// Of them, ready pods.
    pub ready: u32,
    /// Of them, pending pods.
    pub pending: u32,
}

/// What the fleet did over the horizon.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FleetRun {
    /// Samples, every `sample_s` from 0, pool by pool.
    pub samples: Vec<Sample>,
    /// Node-seconds per pool.
    pub node_seconds: Vec<u64>,
    /// Pod-seconds placed per workload.
    pub placed_pod_seconds: Vec<u64>,
    /// Pod-seconds pending per workload.
    pub pending_pod_seconds: Vec<u64>,
    /// Pod-seconds demanded per workload (the replica count the HPA set, over time).
    pub demanded_pod_seconds: Vec<u64>,
    /// Nodes added per pool.
    pub nodes_added: Vec<u32>,
    /// Nodes removed per pool.
    pub nodes_removed: Vec<u32>,
    /// Most nodes present at once, per pool.
    pub peak_nodes: Vec<u32>,
    /// Per pool: pod-seconds its workloads' pods waited while the pool could not grow (fixed,
    /// or at its maximum): what no autoscaling places — the fleet does not fit its bounds.
    pub capped_pending_pod_seconds: Vec<u64>,
    /// At each sampling instant, the bound pods of every workload, workload by workload
    /// (`placed_at_samples[k * workloads + w]`).
    pub placed_at_samples: Vec<u32>,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A count integrated over time (count-seconds), updated when it changes.
#[derive(Clone, Copy, Debug, Default)]
struct Area {
    value: u64,
    since: u64,
    total: u64,
}

impl Area {
    fn set(&mut self, t: u64, v: u64) {
        if v != self.value {
            self.total += self.value * (t - self.since);
            self.value = v;
            self.since = t;
        }
    }

    fn close(&self, t: u64) -> u64 {
        self.total + self.value * (t - self.since)
    }
}

/// One bound pod of a workload.
#[derive(Clone, Copy, Debug)]
struct Pod {
    id: PodId,
    node: u32,
    ready_at: u64,
}

struct Fleet<'a> {
    spec: &'a FleetSpec<'a>,
    sched: Scheduler,
    ds_specs: Vec<SpecId>,
    w_specs: Vec<SpecId>,
    /// Per workload: bound pods in binding order, those not ready yet (in readiness order),
    /// pending count, replicas wanted.
    bound: Vec<Vec<Pod>>,
    starting: Vec<VecDeque<(u64, PodId)>>,
    pending: Vec<u32>,
    desired: Vec<u32>,
    /// Per workload: the HPA had nothing to do at its last sync and its inputs have not changed,
    /// and when its load next changes.
    quiet: Vec<bool>,
    next_load: Vec<u64>,
    skipped: Vec<Option<u64>>,
    /// Whether quiet syncs are skipped (always, but for the test that shows it changes
    /// nothing).
    skip: bool,
    /// Per node: its pool, whether present, its DaemonSet pods.
    node_pool: Vec<u32>,
    present: Vec<bool>,
    node_ds: Vec<Vec<PodId>>,
    /// Per pool: nodes present, nodes on their way `(joins_at, count)`, workloads it serves.
    present_count: Vec<u32>,
    in_flight: Vec<Vec<(u64, u32)>>,
    served: Vec<Vec<usize>>,
    scale_down: Vec<ScaleDown>,
    /// Per pool: scale-down candidates as of the last scan, and whether anything changed since.
    candidates: Vec<Vec<u32>>,
    pool_changed: Vec<bool>,
    /// Per pool: a template node's room after its DaemonSets.
    templates: Vec<Template>,
    changed: bool,
    /// Per workload: placed, pending, demanded pod counts over time; per pool: nodes.
    placed_a: Vec<Area>,
    pending_a: Vec<Area>,
    demanded_a: Vec<Area>,
    nodes_a: Vec<Area>,
    /// Per pool: pods pending while it cannot grow (fixed, or at its maximum with what is on
    /// its way).
    capped_a: Vec<Area>,
    run: FleetRun,
}

impl Fleet<'_> {
    fn touch_workload(&mut self, w: usize, t: u64) {
        self.placed_a[w].set(t, self.bound[w].len() as u64);
        self.pending_a[w].set(t, u64::from(self.pending[w]));
        self.demanded_a[w].set(t, u64::from(self.desired[w]));
        self.quiet[w] = false;
        let p = self.spec.workloads[w].pool;
        self.pool_changed[p] = true;
        self.changed = true;
        self.touch_capped(p, t);
    }

    /// Pods of pool `p`'s workloads pending while no scale-up can come: the pool is fixed, or
    /// at its maximum counting the nodes on their way.
    fn touch_capped(&mut self, p: usize, t: u64) {
        let capped = match self.spec.scaling[p] {
            None => true,
            Some(sc) => {
                let coming: u32 = self.in_flight[p].iter().map(|f| f.1).sum();
                self.present_count[p] + coming >= sc.max
            }
        };
        let pending: u64 = if capped {
            self.served[p]
                .iter()
                .map(|&w| u64::from(self.pending[w]))
                .sum()
        } else {
            0
        };
        self.capped_a[p].set(t, pending);
    }

    fn touch_pool(&mut self, p: usize, t: u64) {
        self.touch_capped(p, t);
        self.nodes_a[p].set(t, u64::from(self.present_count[p]));
        self.run.peak_nodes[p] = self.run.peak_nodes[p].max(self.present_count[p]);
        self.pool_changed[p] = true;
        self.changed = true;
    }

    fn new_node(&mut self, pool: usize, id: u32) {
        debug_assert_eq!(id as usize, self.node_pool.len());
        self.node_pool.push(pool as u32);
        self.present.push(true);
        self.node_ds.push(Vec::new());
        self.present_count[pool] += 1;
        self.place_daemonsets(id);
    }

    fn add_nodes(&mut self, pool: usize, n: u32, t: u64) {
        for id in self.sched.add_nodes(PoolId::from_index(pool), n) {
            self.new_node(pool, id.0);
        }
        self.touch_pool(pool, t);
    }

    fn place_daemonsets(&mut self, node: u32) {
        for &s in &self.ds_specs {
            if let Ok(b) = self.sched.bind_to(s, NodeId(node), false) {
                self.node_ds[node as usize].push(b.pod);
            }
        }
    }

    fn push_bound(&mut self, w: usize, id: PodId, node: u32, now: u64) {
        let ready_at = now + self.spec.workloads[w].readiness_s;
        self.bound[w].push(Pod { id, node, ready_at });
        if ready_at > now {
            self.starting[w].push_back((ready_at, id));
        }
    }

    fn bind_pending(&mut self, now: u64) {
        for w in 0..self.bound.len() {
            let before = self.pending[w];
            while self.pending[w] > 0 {
                match self.sched.bind(self.w_specs[w]) {
                    Ok(Some(b)) => {
                        self.pending[w] -= 1;
                        self.push_bound(w, b.pod, b.node.0, now);
                    }
                    _ => break,
                }
            }
            if self.pending[w] != before {
                self.touch_workload(w, now);
            }
        }
    }

    /// Ready pods of workload `w` at `now`.
    fn ready(&mut self, w: usize, now: u64) -> u32 {
        while self.starting[w].front().is_some_and(|s| s.0 <= now) {
            self.starting[w].pop_front();
            self.quiet[w] = false;
        }
        (self.bound[w].len() - self.starting[w].len()) as u32
    }

    fn remove_bound(&mut self, w: usize, i: usize) -> Pod {
        let p = self.bound[w].remove(i);
        if let Some(k) = self.starting[w].iter().position(|s| s.1 == p.id) {
            self.starting[w].remove(k);
        }
        let _ = self.sched.release(p.id);
        p
    }

    fn scale_to(&mut self, w: usize, n: u32, now: u64) {
        let have = self.bound[w].len() as u32 + self.pending[w];
        if n > have {
            self.pending[w] += n - have;
        } else {
            let mut remove = have - n;
            let from_pending = remove.min(self.pending[w]);
            self.pending[w] -= from_pending;
            remove -= from_pending;
            // Not ready before ready, newest first.
            while remove > 0 {
                let i = match self.starting[w].back() {
                    Some(&(_, id)) => self.bound[w]
                        .iter()
                        .rposition(|p| p.id == id)
                        .expect("a starting pod is bound"),
                    None => self.bound[w].len() - 1,
                };
                self.remove_bound(w, i);
                remove -= 1;
            }
        }
        self.touch_workload(w, now);
    }

    fn hpa_sync(&mut self, states: &mut [HpaState], now: u64) {
        let spec = self.spec;
        for (w, st) in states.iter_mut().enumerate() {
            let wl = &spec.workloads[w];
            let Some(hpa) = &wl.hpa else { continue };
            let ready = self.ready(w, now);
            // Same inputs as at a sync that changed nothing, with every recommendation kept
            // equal: the sync would set the same count (see `HpaState::steady`).
            if self.skip && self.quiet[w] && now < self.next_load[w] {
                self.skipped[w] = Some(now);
                continue;
            }
            if let Some(at) = self.skipped[w].take() {
                st.hold(at, self.desired[w]);
            }
            let (load, next) = wl.load.at_with_next(now);
            self.next_load[w] = next.unwrap_or(u64::MAX);
            let o = Observation {
                replicas: self.desired[w],
                ready,
                usage: if ready > 0 {
                    f64::from(ready) * wl.idle_m + wl.m_per_rps * load
                } else {
                    0.0
                },
                request: f64::from(ready) * wl.covered_request_m,
                request_per_pod: wl.covered_request_m,
            };
            let n = st.sync(hpa, now, &o);
            if n != self.desired[w] {
                self.desired[w] = n;
                self.scale_to(w, n, now);
            } else {
                self.quiet[w] = self.starting[w].is_empty() && st.steady(n);
            }
        }
    }

    fn ca_scan(&mut self, now: u64) {
        let cfg = self.spec.ca;
        for p in 0..self.spec.pools.len() {
            let Some(sc) = self.spec.scaling[p] else {
                continue;
            };
            let present = self.present_count[p];
            let coming: u32 = self.in_flight[p].iter().map(|f| f.1).sum();
            // Scale-up for the pending pods this pool serves.
            if self.served[p].iter().any(|&w| self.pending[w] > 0) {
                let pending: Vec<Resources> = self.served[p]
                    .iter()
                    .flat_map(|&w| {
                        std::iter::repeat_n(
                            self.spec.workloads[w].spec.requests,
                            self.pending[w] as usize,
                        )
                    })
                    .collect();
                let (need, _) = ca::estimate(&pending, &self.templates[p]);
                let room = sc.max.saturating_sub(present + coming);
                let ask = need.saturating_sub(coming).min(room);
                if ask > 0 {
                    self.in_flight[p].push((now + sc.provisioning_s, ask));
                    self.touch_capped(p, now);
                    self.scale_down[p].added(now);
                }
                // A pool with pending pods it serves is not scaled down.
                self.candidates[p].clear();
                self.pool_changed[p] = true;
                continue;
            }
            // Scale-down: nodes under the threshold (found again only after a change).
            if self.pool_changed[p] {
                self.pool_changed[p] = false;
                let alloc = self.spec.pools[p].allocatable();
                let threshold = if alloc.gpus > 0 {
                    cfg.gpu_utilization_threshold
                } else {
                    cfg.utilization_threshold
                };
                let present = &self.present;
                let node_pool = &self.node_pool;
                let mut c = Vec::new();
                for (n, u) in self.sched.node_usage().iter().enumerate() {
                    if present.get(n) == Some(&true)
                        && node_pool[n] == p as u32
                        && ca::utilization(&u.requested, &alloc, alloc.gpus) < threshold
                    {
                        c.push(n as u32);
                    }
                }
                self.candidates[p] = c;
            }
            let removable = (present + coming).saturating_sub(sc.min);
            let cands = std::mem::take(&mut self.candidates[p]);
            let out = self.scale_down[p].scan(&cfg, now, &cands, removable);
            self.candidates[p] = cands;
            for node in out {
                self.drain(p, node, now);
            }
        }
    }

    /// Moves the node's workload pods elsewhere and removes it, or leaves it as it was when
    /// some pod finds no other place.
    fn drain(&mut self, pool: usize, node: u32, now: u64) {
        let mut moved: Vec<(usize, Pod)> = Vec::new();
        // The pool's own workloads first, then any other's pods that sit here too.
        let order: Vec<usize> = self.served[pool]
            .iter()
            .copied()
            .chain((0..self.bound.len()).filter(|&w| self.spec.workloads[w].pool != pool))
            .collect();
        for w in order {
            let mut i = 0;
            while i < self.bound[w].len() {
                if self.bound[w][i].node == node {
                    moved.push((w, self.remove_bound(w, i)));
                } else {
                    i += 1;
                }
            }
        }
        for id in std::mem::take(&mut self.node_ds[node as usize]) {
            let _ = self.sched.release(id);
        }
        if self.sched.remove_node(NodeId(node)).is_err() {
            return;
        }
        self.present[node as usize] = false;
        self.present_count[pool] -= 1;
        let mut failed = Vec::new();
        let mut touched = Vec::new();
        for (w, p) in moved {
            touched.push(w);
            match self.sched.bind(self.w_specs[w]) {
                // A moved pod starts again.
                Ok(Some(b)) => self.push_bound(w, b.pod, b.node.0, now),
                _ => failed.push((w, p)),
            }
        }
        if failed.is_empty() {
            self.run.nodes_removed[pool] += 1;
        } else {
            // The autoscaler's simulation would have kept the node: it comes back (a fresh
            // node of the same pool, interchangeable with the one taken) with the pods that
            // found no place.
            let back = self.sched.add_nodes(PoolId::from_index(pool), 1)[0].0;
            self.new_node(pool, back);
            for (w, p) in failed {
                match self.sched.bind_to(self.w_specs[w], NodeId(back), true) {
                    Ok(b) => {
                        self.bound[w].push(Pod {
                            id: b.pod,
                            node: back,
                            ready_at: p.ready_at,
                        });
                        if p.ready_at > now {
                            self.starting[w].push_back((p.ready_at, b.pod));
                            self.starting[w]
                                .make_contiguous()
                                .sort_unstable_by_key(|s| s.0);
                        }
                    }
                    Err(_) => self.pending[w] += 1,
                }
            }
        }
        self.touch_pool(pool, now);
        touched.sort_unstable();
        touched.dedup();
        for w in touched {
            self.touch_workload(w, now);
        }
    }

    fn sample(&mut self, t: u64) {
        self.run
            .placed_at_samples
            .extend(self.bound.iter().map(|b| b.len() as u32));
        for p in 0..self.spec.pools.len() {
            let served = self.served[p].clone();
            let (mut replicas, mut ready, mut pending) = (0, 0, 0);
            for w in served {
                replicas += self.desired[w];
                ready += self.ready(w, t);
                pending += self.pending[w];
            }
            self.run.samples.push(Sample {
                t_s: t,
                pool: p,
                nodes: self.present_count[p],
                provisioning: self.in_flight[p].iter().map(|f| f.1).sum(),
                replicas,
                ready,
                pending,
            });
        }
    }
}

/// Runs the fleet over the horizon.
pub fn simulate(spec: &FleetSpec<'_>) -> FleetRun {
    run(spec, true)
}

/// [`simulate`] with every HPA sync run, none skipped: the reference the skipping is checked
/// against (a test compares them sample for sample) and the benchmark's same-run baseline.
pub fn simulate_every_sync(spec: &FleetSpec<'_>) -> FleetRun {
    run(spec, false)
}

fn run(spec: &FleetSpec<'_>, skip: bool) -> FleetRun {
    let streams = RngStreams::new(spec.seed);
    let mut sched = Scheduler::new(
        spec.pools,
        spec.scheduler,
        streams.stream("fleet/scheduler"),
    );
    let ds_specs: Vec<SpecId> = spec.daemonsets.iter().map(|d| sched.intern(d)).collect();
    let w_specs: Vec<SpecId> = spec
        .workloads
        .iter()
        .map(|w| sched.register_group(&w.spec))
        .collect();
    let n_nodes = sched.node_count();
    let node_pool: Vec<u32> = (0..n_nodes).map(|n| sched.pool_of(NodeId(n)).0).collect();
    let pools = spec.pools.len();
    let nw = spec.workloads.len();
    let mut served = vec![Vec::new(); pools];
    for (w, wl) in spec.workloads.iter().enumerate() {
        if let Some(s) = served.get_mut(wl.pool) {
            s.push(w);
        }
    }
    let mut f = Fleet {
        spec,
        sched,
        ds_specs,
        w_specs,
        bound: vec![Vec::new(); nw],
        starting: vec![VecDeque::new(); nw],
        pending: spec.workloads.iter().map(|w| w.replicas).collect(),
        desired: spec.workloads.iter().map(|w| w.replicas).collect(),
        quiet: vec![false; nw],
        next_load: vec![0; nw],
        skipped: vec![None; nw],
        skip,
        node_pool,
        present: vec![true; n_nodes as usize],
        node_ds: vec![Vec::new(); n_nodes as usize],
        present_count: spec.pools.iter().map(|p| p.count).collect(),
        in_flight: vec![Vec::new(); pools],
        served,
        scale_down: vec![ScaleDown::default(); pools],
        candidates: vec![Vec::new(); pools],
        pool_changed: vec![true; pools],
        templates: Vec::new(),
        changed: true,
        placed_a: vec![Area::default(); nw],
        pending_a: vec![Area::default(); nw],
        demanded_a: vec![Area::default(); nw],
        nodes_a: vec![Area::default(); pools],
        capped_a: vec![Area::default(); pools],
        run: FleetRun {
            nodes_added: vec![0; pools],
            nodes_removed: vec![0; pools],
            peak_nodes: vec![0; pools],
            ..FleetRun::default()
        },
    };
    for n in 0..n_nodes {
        f.place_daemonsets(n);
    }
    for p in 0..pools {
        f.touch_pool(p, 0);
    }
    for w in 0..nw {
        f.touch_workload(w, 0);
    }
    // A template node's room: allocatable less the DaemonSet pods that would land on it.
    f.templates = spec
        .pools
        .iter()
        .map(|p| {
            let mut free = p.allocatable();
            free.gpu_milli = p.capacity.gpus * 1000;
            let mut pods = p.max_pods;
            for d in &spec.daemonsets {
                let r = &d.requests;
                let ok = crate::cluster::untolerated_taint(&p.taints, &d.tolerations).is_none()
                    && crate::cluster::selector_matches(&d.node_selector, &p.labels)
                    && r.cpu_milli <= free.cpu_milli
                    && r.memory_bytes <= free.memory_bytes;
                if ok && pods > 0 {
                    free.cpu_milli -= r.cpu_milli;
                    free.memory_bytes -= r.memory_bytes;
                    pods -= 1;
                }
            }
            Template { free, pods }
        })
        .collect();
    let mut states = vec![HpaState::default(); nw];
    let (sync, scan, sample) = (
        spec.hpa_sync_s.max(1),
        spec.ca.scan_interval_s.max(1),
        spec.sample_s.max(1),
    );
    let tick = gcd(gcd(sync, scan), sample);
    let mut t = 0;
    while t < spec.horizon_s {
        // 1. Nodes that join now.
        for p in 0..pools {
            if f.in_flight[p].iter().any(|x| x.0 <= t) {
                let n: u32 = f.in_flight[p]
                    .iter()
                    .filter(|x| x.0 <= t)
                    .map(|x| x.1)
                    .sum();
                f.in_flight[p].retain(|x| x.0 > t);
                f.add_nodes(p, n, t);
                f.run.nodes_added[p] += n;
            }
        }
        // 2. Pending pods, when something changed.
        if f.changed {
            f.changed = false;
            if f.pending.iter().any(|&p| p > 0) {
                f.bind_pending(t);
            }
        }
        // 3. HPA.
        if t % sync == 0 {
            f.hpa_sync(&mut states, t);
            if f.changed {
                f.bind_pending(t);
            }
        }
        // 4. Cluster autoscaler.
        if t % scan == 0 {
            f.ca_scan(t);
            if f.changed {
                f.bind_pending(t);
            }
        }
        if t % sample == 0 {
            f.sample(t);
        }
        t += tick;
    }
    let end = spec.horizon_s;
    f.run.node_seconds = f.nodes_a.iter().map(|a| a.close(end)).collect();
    f.run.capped_pending_pod_seconds = f.capped_a.iter().map(|a| a.close(end)).collect();
    f.run.placed_pod_seconds = f.placed_a.iter().map(|a| a.close(end)).collect();
    f.run.pending_pod_seconds = f.pending_a.iter().map(|a| a.close(end)).collect();
    f.run.demanded_pod_seconds = f.demanded_a.iter().map(|a| a.close(end)).collect();
    f.run
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::autoscale::hpa::{Metric, Target};
    use crate::resources::MIB;

    /// CPU (millicores) and memory (MiB), no GPU.
    pub(in crate::autoscale) fn res(cpu_m: u64, mem_mib: u64) -> Resources {
        Resources {
            cpu_milli: cpu_m,
            memory_bytes: mem_mib * MIB,
            gpus: 0,
            gpu_milli: 0,
        }
    }

    fn pod(cpu_m: u64, mem_mib: u64) -> PodSpec {
        PodSpec {
            requests: res(cpu_m, mem_mib),
            ..PodSpec::default()
        }
    }

    /// One 4-vCPU node, a 200m ztunnel on every node, and `api` pods of 1 vCPU (sidecar
    /// included) using 10m per request per second, HPA at 50 % (`Resource`), ready 30 s after
    /// binding; the pool grows to 10 nodes with a 60 s provisioning delay. Load: 100 rps, 300
    /// from 600 s, 100 again from 3,600 s. By hand:
    /// - 0 s: 2 pods bound on node 0 (3.8 vCPU free after the ztunnel); at 100 rps they sit at
    ///   1,000m / 2,000m = 50 %.
    /// - 600 s: 300 rps → 150 % → 6 replicas (the scale-up limit max(2 + 4, 2 × 2) = 6 allows
    ///   it); one more fits node 0, 3 are pending; the autoscaler asks for 1 node (3 pods of 1
    ///   vCPU on 3.8 free); it joins at 660 s and takes them.
    /// - While they start, the pods not ready count as idle: 3,000m / 6,000m = 50 %, no more
    ///   scale-up.
    /// - 3,600 s: 100 rps → 16 % → 2, held by the 300 s scale-down window until the last
    ///   recommendation of 6 (3,585 s) is 300 s old: 3,885 s. The newest 4 pods go: node 1
    ///   holds only its ztunnel (5 % CPU).
    /// - Node 1 is under 50 % from the scan at 3,890 s and is removed 600 s later, at 4,490 s.
    #[test]
    fn the_hpa_and_the_autoscaler_follow_the_load_as_computed_by_hand() {
        let mut pool = NodePool::new("web", 1, res(4000, 16 * 1024));
        pool.max_pods = 110;
        let pools = [pool];
        let api = Workload {
            name: "api".into(),
            spec: pod(1000, 1024),
            pool: 0,
            replicas: 2,
            hpa: Some(HpaSpec::new(
                1,
                20,
                Metric::Resource,
                Target::Utilization(50),
            )),
            covered_request_m: 1000.0,
            idle_m: 0.0,
            m_per_rps: 10.0,
            load: Load {
                steps: vec![(0, 100.0), (600, 300.0), (3600, 100.0)],
                period_s: None,
            },
            readiness_s: 30,
        };
        let spec = FleetSpec {
            pools: &pools,
            scaling: vec![Some(PoolScaling {
                min: 1,
                max: 10,
                provisioning_s: 60,
            })],
            daemonsets: vec![pod(200, 512)],
            workloads: vec![api],
            horizon_s: 7200,
            hpa_sync_s: 15,
            ca: CaConfig::default(),
            sample_s: 5,
            scheduler: SchedulerConfig::default(),
            seed: 1,
        };
        let run = simulate(&spec);
        let at = |t: u64| {
            run.samples
                .iter()
                .find(|s| s.t_s == t && s.pool == 0)
                .unwrap()
        };
        assert_eq!((at(595).replicas, at(595).nodes), (2, 1));
        assert_eq!(
            (at(600).replicas, at(600).pending, at(600).provisioning),
            (6, 3, 1)
        );
        assert_eq!((at(655).nodes, at(660).nodes, at(660).pending), (1, 2, 0));
        assert_eq!((at(685).ready, at(690).ready), (3, 6));
        assert_eq!((at(3880).replicas, at(3885).replicas), (6, 2));
        assert_eq!((at(4485).nodes, at(4490).nodes), (2, 1));
        assert_eq!(run.peak_nodes[0], 2);
        assert_eq!((run.nodes_added[0], run.nodes_removed[0]), (1, 1));
        // Node-seconds: node 0 throughout, node 1 from 660 s to 4,490 s.
        assert_eq!(run.node_seconds[0], 7200 + (4490 - 660));
        // Pod-seconds: 2 × 600 + 6 × 3,285 + 2 × 3,315 demanded; 3 pods pending for 60 s.
        assert_eq!(run.demanded_pod_seconds[0], 2 * 600 + 6 * 3285 + 2 * 3315);
        assert_eq!(run.pending_pod_seconds[0], 3 * 60);
        assert_eq!(
            run.placed_pod_seconds[0] + run.pending_pod_seconds[0],
            run.demanded_pod_seconds[0],
            "conservation"
        );
        // They waited for a node on its way, not for a pool that could not grow.
        assert_eq!(run.capped_pending_pod_seconds[0], 0);

        // The same pool capped at its one node: at 600 s, 3 pods fit node 0 (3.8 vCPU) and 3
        // stay pending — no node can come — until the scale-down to 2 at 3,885 s removes the
        // pending ones first: 3 × 3,285 pod-seconds, all of them capped.
        let mut capped = spec.clone();
        capped.scaling[0] = Some(PoolScaling {
            min: 1,
            max: 1,
            provisioning_s: 60,
        });
        let run = simulate(&capped);
        assert_eq!(run.pending_pod_seconds[0], 3 * 3285);
        assert_eq!(run.capped_pending_pod_seconds[0], 3 * 3285);
        assert_eq!(run.nodes_added[0], 0);
        // A fixed pool is capped the same way.
        capped.scaling[0] = None;
        assert_eq!(simulate(&capped).capped_pending_pod_seconds[0], 3 * 3285);
    }

    /// Skipping the syncs of an HPA whose inputs did not change (with its recommendation held)
    /// gives the run that syncs every 15 s, sample for sample, over a repeating day.
    #[test]
    fn skipping_quiet_syncs_changes_nothing() {
        let mut pool = NodePool::new("web", 2, res(4000, 16 * 1024));
        pool.max_pods = 110;
        let pools = [pool];
        let wl = |name: &str, rps: [f64; 3], target: u32| Workload {
            name: name.into(),
            spec: pod(700, 1024),
            pool: 0,
            replicas: 2,
            hpa: Some(HpaSpec::new(
                1,
                30,
                Metric::Resource,
                Target::Utilization(target),
            )),
            covered_request_m: 700.0,
            idle_m: 20.0,
            m_per_rps: 7.0,
            load: Load {
                steps: vec![(0, rps[0]), (7200, rps[1]), (30_000, rps[2])],
                period_s: Some(43_200),
            },
            readiness_s: 45,
        };
        let spec = FleetSpec {
            pools: &pools,
            scaling: vec![Some(PoolScaling {
                min: 1,
                max: 12,
                provisioning_s: 90,
            })],
            daemonsets: vec![pod(150, 256)],
            workloads: vec![
                wl("a", [50.0, 400.0, 120.0], 60),
                wl("b", [300.0, 80.0, 200.0], 50),
            ],
            horizon_s: 2 * 86_400,
            hpa_sync_s: 15,
            ca: CaConfig::default(),
            sample_s: 15,
            scheduler: SchedulerConfig::default(),
            seed: 3,
        };
        let fast = run(&spec, true);
        let full = simulate_every_sync(&spec);
        assert_eq!(fast, full);
        assert!(
            fast.nodes_added[0] > 0 && fast.nodes_removed[0] > 0,
            "{fast:?}"
        );
        assert!(fast.samples.iter().map(|s| s.replicas).max() > Some(10));
    }

    #[test]
    fn a_fixed_pool_keeps_pods_pending_and_the_books_balance() {
        let pools = [NodePool::new("small", 2, res(2000, 8192))];
        let w = Workload {
            name: "batch".into(),
            spec: pod(1500, 1024),
            pool: 0,
            replicas: 3,
            hpa: None,
            covered_request_m: 1500.0,
            idle_m: 0.0,
            m_per_rps: 0.0,
            load: Load::constant(0.0),
            readiness_s: 0,
        };
        let spec = FleetSpec {
            pools: &pools,
            scaling: vec![None],
            daemonsets: Vec::new(),
            workloads: vec![w],
            horizon_s: 3600,
            hpa_sync_s: 15,
            ca: CaConfig::default(),
            sample_s: 60,
            scheduler: SchedulerConfig::default(),
            seed: 1,
        };
        let run = simulate(&spec);
        assert_eq!(run.node_seconds[0], 2 * 3600);
        assert_eq!(run.placed_pod_seconds[0], 2 * 3600);
        assert_eq!(run.pending_pod_seconds[0], 3600);
        assert_eq!(run.demanded_pod_seconds[0], 3 * 3600);
        assert!(run.samples.iter().all(|s| s.pending == 1 && s.nodes == 2));
    }

    #[test]
    fn a_load_schedule_repeats_over_its_period() {
        let l = Load {
            steps: vec![(0, 1.0), (3600, 4.0)],
            period_s: Some(86_400),
        };
        assert_eq!(l.at(0), 1.0);
        assert_eq!(l.at(3599), 1.0);
        assert_eq!(l.at(3600), 4.0);
        assert_eq!(l.at(86_400 + 3600), 4.0);
        assert_eq!(l.at(2 * 86_400 + 10), 1.0);
        assert_eq!(l.at_with_next(10), (1.0, Some(3600)));
        assert_eq!(l.at_with_next(4000), (4.0, Some(86_400)));
        assert_eq!(Load::constant(3.0).at_with_next(5), (3.0, None));
    }

    /// Arrivals at 0.5, 1, 1.5 s (bin 0), none in bin 1, 2.2 and 2.9 s (bin 2), binned by 1 s
    /// and scaled by 10: 30 rps, 0, 20 rps, then nothing past 3 s.
    #[test]
    fn a_trace_becomes_a_load_per_bin() {
        let s = |x: f64| (x * 1e9) as u64;
        let l = Load::from_arrivals(&[s(0.5), s(0.99), s(0.999), s(2.2), s(2.9)], 1, 10.0, None);
        assert_eq!(l.steps, vec![(0, 30.0), (1, 0.0), (2, 20.0), (3, 0.0)]);
        assert_eq!(
            (l.at(0), l.at(1), l.at(2), l.at(3), l.at(100)),
            (30.0, 0.0, 20.0, 0.0, 0.0)
        );
        // Equal neighbouring bins merge; a trace that starts late starts at 0 rps.
        let l = Load::from_arrivals(
            &[s(60.0), s(61.0), s(125.0), s(130.0)],
            60,
            1.0,
            Some(86_400),
        );
        let r = 2.0 / 60.0;
        assert_eq!(l.steps, vec![(0, 0.0), (60, r), (180, 0.0)]);
        // A gap after merged bins: 0 from the end of the last bin with arrivals.
        let l = Load::from_arrivals(&[s(0.1), s(1.1), s(3.5)], 1, 1.0, None);
        assert_eq!(l.steps, vec![(0, 1.0), (2, 0.0), (3, 1.0), (4, 0.0)]);
    }
}
