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

    /// The load at `t_s`.
    pub fn at(&self, t_s: u64) -> f64 {
        let t = self.period_s.filter(|p| *p > 0).map_or(t_s, |p| t_s % p);
        self.steps
            .iter()
            .take_while(|s| s.0 <= t)
            .last()
            .map_or(0.0, |s| s.1)
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

/// The fleet at one sampling instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Time, seconds.
    pub t_s: u64,
    /// Nodes present per pool.
    pub nodes: Vec<u32>,
    /// Replicas the HPA asks for, per workload.
    pub replicas: Vec<u32>,
    /// Ready pods per workload.
    pub ready: Vec<u32>,
    /// Pending pods per workload.
    pub pending: Vec<u32>,
}

/// What the fleet did over the horizon.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FleetRun {
    /// Samples, every `sample_s` from 0.
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
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
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
    /// Per workload: bound pods in binding order, pending count, replicas wanted.
    bound: Vec<Vec<Pod>>,
    pending: Vec<u32>,
    desired: Vec<u32>,
    /// Per node: its pool, whether present, its DaemonSet pods.
    node_pool: Vec<u32>,
    present: Vec<bool>,
    node_ds: Vec<Vec<PodId>>,
    /// Per pool: nodes on their way `(joins_at, count)`.
    in_flight: Vec<Vec<(u64, u32)>>,
    scale_down: Vec<ScaleDown>,
    /// Per pool: a template node's room after its DaemonSets.
    templates: Vec<Template>,
    changed: bool,
    run: FleetRun,
}

impl Fleet<'_> {
    fn add_nodes(&mut self, pool: usize, n: u32) {
        let ids = self.sched.add_nodes(PoolId::from_index(pool), n);
        for id in ids {
            self.node_pool.push(pool as u32);
            self.present.push(true);
            self.node_ds.push(Vec::new());
            self.place_daemonsets(id.0);
        }
        self.changed = true;
    }

    fn place_daemonsets(&mut self, node: u32) {
        for &s in &self.ds_specs {
            if let Ok(b) = self.sched.bind_to(s, NodeId(node), false) {
                self.node_ds[node as usize].push(b.pod);
            }
        }
    }

    fn bind_pending(&mut self, now: u64) {
        for w in 0..self.bound.len() {
            while self.pending[w] > 0 {
                match self.sched.bind(self.w_specs[w]) {
                    Ok(Some(b)) => {
                        self.pending[w] -= 1;
                        self.bound[w].push(Pod {
                            id: b.pod,
                            node: b.node.0,
                            ready_at: now + self.spec.workloads[w].readiness_s,
                        });
                        self.changed = true;
                    }
                    _ => break,
                }
            }
        }
    }

    fn scale_to(&mut self, w: usize, n: u32, now: u64) {
        let have = self.bound[w].len() as u32 + self.pending[w];
        if n > have {
            self.pending[w] += n - have;
            return;
        }
        let mut remove = have - n;
        let from_pending = remove.min(self.pending[w]);
        self.pending[w] -= from_pending;
        remove -= from_pending;
        // Not ready before ready, newest first.
        while remove > 0 {
            let pods = &self.bound[w];
            let i = pods
                .iter()
                .enumerate()
                .rev()
                .find(|(_, p)| p.ready_at > now)
                .map_or(pods.len() - 1, |(i, _)| i);
            let p = self.bound[w].remove(i);
            let _ = self.sched.release(p.id);
            remove -= 1;
            self.changed = true;
        }
    }

    fn hpa_sync(&mut self, states: &mut [HpaState], now: u64) {
        for (w, st) in states.iter_mut().enumerate() {
            let wl = &self.spec.workloads[w];
            let Some(hpa) = &wl.hpa else { continue };
            let ready = self.bound[w].iter().filter(|p| p.ready_at <= now).count() as u32;
            let load = wl.load.at(now);
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
            }
        }
    }

    fn pool_nodes(&self, pool: usize) -> impl Iterator<Item = u32> + '_ {
        (0..self.node_pool.len() as u32)
            .filter(move |&n| self.present[n as usize] && self.node_pool[n as usize] == pool as u32)
    }

    fn ca_scan(&mut self, now: u64) {
        let cfg = self.spec.ca;
        for p in 0..self.spec.pools.len() {
            let Some(sc) = self.spec.scaling[p] else {
                continue;
            };
            // Scale-up for the pending pods this pool serves.
            let pending: Vec<Resources> = (0..self.bound.len())
                .filter(|&w| self.spec.workloads[w].pool == p)
                .flat_map(|w| {
                    std::iter::repeat_n(
                        self.spec.workloads[w].spec.requests,
                        self.pending[w] as usize,
                    )
                })
                .collect();
            let present = self.pool_nodes(p).count() as u32;
            let coming: u32 = self.in_flight[p].iter().map(|f| f.1).sum();
            if !pending.is_empty() {
                let (need, _) = ca::estimate(&pending, &self.templates[p]);
                let room = sc.max.saturating_sub(present + coming);
                let ask = need.saturating_sub(coming).min(room);
                if ask > 0 {
                    self.in_flight[p].push((now + sc.provisioning_s, ask));
                    self.scale_down[p].added(now);
                }
                // A pool with pending pods it serves is not scaled down.
                continue;
            }
            // Scale-down: nodes under the threshold.
            let pool = &self.spec.pools[p];
            let alloc = pool.allocatable();
            let usage = self.sched.node_usage();
            let candidates: Vec<u32> = self
                .pool_nodes(p)
                .filter(|&n| {
                    let u = &usage[n as usize];
                    let util = ca::utilization(&u.requested, &alloc, alloc.gpus);
                    let threshold = if alloc.gpus > 0 {
                        cfg.gpu_utilization_threshold
                    } else {
                        cfg.utilization_threshold
                    };
                    util < threshold
                })
                .collect();
            let removable = (present + coming).saturating_sub(sc.min);
            for node in self.scale_down[p].scan(&cfg, now, &candidates, removable) {
                self.drain(p, node, now);
            }
        }
    }

    /// Moves the node's workload pods elsewhere and removes it, or leaves it as it was when
    /// some pod finds no other place.
    fn drain(&mut self, pool: usize, node: u32, now: u64) {
        let mut moved: Vec<(usize, Pod)> = Vec::new();
        for w in 0..self.bound.len() {
            let mut i = 0;
            while i < self.bound[w].len() {
                if self.bound[w][i].node == node {
                    let p = self.bound[w].remove(i);
                    let _ = self.sched.release(p.id);
                    moved.push((w, p));
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
        let mut failed = Vec::new();
        for (w, p) in moved {
            match self.sched.bind(self.w_specs[w]) {
                Ok(Some(b)) => self.bound[w].push(Pod {
                    id: b.pod,
                    node: b.node.0,
                    // A moved pod starts again.
                    ready_at: now + self.spec.workloads[w].readiness_s,
                }),
                _ => failed.push((w, p)),
            }
        }
        self.changed = true;
        if failed.is_empty() {
            self.run.nodes_removed[pool] += 1;
            return;
        }
        // The autoscaler's simulation would have kept the node: it comes back (a fresh node of
        // the same pool, interchangeable with the one taken) with the pods that found no place.
        let ids = self.sched.add_nodes(PoolId::from_index(pool), 1);
        let back = ids[0].0;
        self.node_pool.push(pool as u32);
        self.present.push(true);
        self.node_ds.push(Vec::new());
        self.place_daemonsets(back);
        for (w, p) in failed {
            match self.sched.bind_to(self.w_specs[w], NodeId(back), true) {
                Ok(b) => self.bound[w].push(Pod {
                    id: b.pod,
                    node: back,
                    ready_at: p.ready_at,
                }),
                Err(_) => self.pending[w] += 1,
            }
        }
    }
}

/// Runs the fleet over the horizon.
pub fn simulate(spec: &FleetSpec<'_>) -> FleetRun {
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
    let mut f = Fleet {
        spec,
        sched,
        ds_specs,
        w_specs,
        bound: vec![Vec::new(); nw],
        pending: spec.workloads.iter().map(|w| w.replicas).collect(),
        desired: spec.workloads.iter().map(|w| w.replicas).collect(),
        node_pool,
        present: vec![true; n_nodes as usize],
        node_ds: vec![Vec::new(); n_nodes as usize],
        in_flight: vec![Vec::new(); pools],
        scale_down: vec![ScaleDown::default(); pools],
        templates: Vec::new(),
        changed: true,
        run: FleetRun {
            node_seconds: vec![0; pools],
            placed_pod_seconds: vec![0; nw],
            pending_pod_seconds: vec![0; nw],
            demanded_pod_seconds: vec![0; nw],
            nodes_added: vec![0; pools],
            nodes_removed: vec![0; pools],
            samples: Vec::new(),
        },
    };
    for n in 0..n_nodes {
        f.place_daemonsets(n);
    }
    // A template node's room: allocatable less the DaemonSet pods that would land on it.
    f.templates = spec
        .pools
        .iter()
        .map(|p| {
            let mut free = p.allocatable();
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
    let tick = gcd(
        gcd(spec.hpa_sync_s.max(1), spec.ca.scan_interval_s.max(1)),
        spec.sample_s.max(1),
    );
    let mut t = 0;
    while t < spec.horizon_s {
        // 1. Nodes that join now.
        for p in 0..pools {
            let (due, later): (Vec<_>, Vec<_>) = f.in_flight[p].iter().partition(|x| x.0 <= t);
            f.in_flight[p] = later;
            let n: u32 = due.iter().map(|x| x.1).sum();
            if n > 0 {
                f.add_nodes(p, n);
                f.run.nodes_added[p] += n;
            }
        }
        // 2. Pending pods.
        if f.changed && f.pending.iter().any(|&p| p > 0) {
            f.changed = false;
            f.bind_pending(t);
        }
        // 3. HPA.
        if t % spec.hpa_sync_s.max(1) == 0 {
            f.hpa_sync(&mut states, t);
            f.bind_pending(t);
        }
        // 4. Cluster autoscaler.
        if t % spec.ca.scan_interval_s.max(1) == 0 {
            f.ca_scan(t);
            if f.changed {
                f.bind_pending(t);
            }
        }
        if t % spec.sample_s.max(1) == 0 {
            f.run.samples.push(Sample {
                t_s: t,
                nodes: (0..pools).map(|p| f.pool_nodes(p).count() as u32).collect(),
                replicas: f.desired.clone(),
                ready: f
                    .bound
                    .iter()
                    .map(|b| b.iter().filter(|p| p.ready_at <= t).count() as u32)
                    .collect(),
                pending: f.pending.clone(),
            });
        }
        let dt = tick.min(spec.horizon_s - t);
        for p in 0..pools {
            f.run.node_seconds[p] += u64::from(f.pool_nodes(p).count() as u32) * dt;
        }
        for w in 0..nw {
            f.run.placed_pod_seconds[w] += f.bound[w].len() as u64 * dt;
            f.run.pending_pod_seconds[w] += u64::from(f.pending[w]) * dt;
            f.run.demanded_pod_seconds[w] += u64::from(f.desired[w]) * dt;
        }
        t += tick;
    }
    f.run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autoscale::hpa::{Metric, Target};
    use crate::resources::MIB;

    fn res(cpu_m: u64, mem_mib: u64) -> Resources {
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
        let at = |t: u64| run.samples.iter().find(|s| s.t_s == t).unwrap();
        assert_eq!((at(595).replicas[0], at(595).nodes[0]), (2, 1));
        assert_eq!((at(600).replicas[0], at(600).pending[0]), (6, 3));
        assert_eq!(
            (at(655).nodes[0], at(660).nodes[0], at(660).pending[0]),
            (1, 2, 0)
        );
        assert_eq!(at(690).ready[0], 6);
        assert_eq!((at(3880).replicas[0], at(3885).replicas[0]), (6, 2));
        assert_eq!((at(4485).nodes[0], at(4490).nodes[0]), (2, 1));
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
    }

    /// A fleet that cannot grow: the pods that do not fit stay pending, and the pod-seconds
    /// still add up; a fixed workload keeps its count.
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
        assert!(run.samples.iter().all(|s| s.pending == vec![1]));
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
    }
}
