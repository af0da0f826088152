//! The replay on the `meshsim-core` engine: arrival and departure events drive the incremental
//! scheduler; after every event the log records what has arrived, what is allocated and how
//! fragmented the free GPU capacity is; with a sampling period, a time series too.

use std::collections::{BTreeMap, HashSet, VecDeque};

use meshsim_core::engine::{Model, Scheduler as Events, Simulation};
use meshsim_core::rng::RngStreams;
use meshsim_core::time::{SimDuration, SimTime};

use super::protocol::{self, Protocol};
use super::{ReplaySpec, gpu_capacity};
use crate::cluster::{NodePool, Toleration};
use crate::ids::{NodeId, PodId, SpecId};
use crate::resources::Resources;
use crate::scheduler::frag::{Shape, TypicalPods};
use crate::scheduler::{PodSpec, Scheduler};

/// The cluster after one event.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LogLine {
    /// GPU thousandths asked for by every pod arrived so far (placed or not).
    pub arrived_milli: u64,
    /// GPU thousandths allocated now.
    pub used_milli: u64,
    /// Fragmented GPU thousandths now (the typical pods' measure, summed over nodes).
    pub frag_milli: f64,
    /// Free GPU thousandths now.
    pub idle_milli: u64,
}

/// The cluster at one sampling instant (the trace protocol's time series).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sample {
    /// Simulated time, seconds from the first arrival's clock zero.
    pub t_s: f64,
    /// Pods running.
    pub running: u64,
    /// Pods waiting (with `retry`).
    pub pending: u64,
    /// Allocated GPU thousandths.
    pub gpu_used_milli: u64,
    /// Requested CPU, millicores.
    pub cpu_used_milli: u64,
    /// Requested memory, bytes.
    pub memory_used_bytes: u64,
    /// Fragmented GPU thousandths.
    pub frag_milli: f64,
}

/// What one replay did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplayRun {
    /// One line before the first pod, then one after every arrival and departure.
    pub log: Vec<LogLine>,
    /// Samples at each sampling instant (empty without a sampling period).
    pub samples: Vec<Sample>,
    /// GPU thousandths of the cluster.
    pub capacity_milli: u64,
    /// Pods that arrived.
    pub arrived: u64,
    /// Pods placed.
    pub placed: u64,
    /// Pods that fit nowhere (and, with `retry`, never got a place before their deletion time or
    /// the end).
    pub failed: u64,
    /// Pods that departed.
    pub departed: u64,
    /// Mesh node agents (overlay DaemonSet pods) that did not fit their node.
    pub agents_unplaced: u64,
    /// Events handled.
    pub events: u64,
    /// Trace pods running at the end.
    pub running: u64,
    /// Requests of the trace pods running at the end (their sidecars included), millicores.
    pub cpu_requested_milli: u64,
    /// The same, bytes.
    pub memory_requested_bytes: u64,
    /// Requests of the placed mesh node agents, millicores.
    pub agents_cpu_milli: u64,
    /// The same, bytes.
    pub agents_memory_bytes: u64,
    /// CPU of the cluster, millicores.
    pub cluster_cpu_milli: u64,
    /// Memory of the cluster, bytes.
    pub cluster_memory_bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ev {
    Arrive(u32),
    Depart(u32),
    Sample,
}

struct Replay {
    sched: Scheduler,
    typical: TypicalPods,
    /// Per arrival: the pod's spec, its GPU thousandths, its deletion time (ns), its binding.
    spec_of: Vec<SpecId>,
    gpu_of: Vec<u64>,
    delete_at: Vec<Option<u64>>,
    bound: Vec<Option<PodId>>,
    retry: bool,
    waiting: VecDeque<u32>,
    frag: Vec<f64>,
    frag_total: f64,
    arrived_milli: u64,
    used_milli: u64,
    capacity_milli: u64,
    cpu_used: u64,
    mem_used: u64,
    requests: Vec<Resources>,
    run: ReplayRun,
    sample_every: Option<SimDuration>,
    last_event: SimTime,
}

impl Replay {
    fn refrag(&mut self, node: NodeId) {
        let f = self
            .sched
            .node_view(node)
            .map_or(0.0, |v| self.typical.view_frag(&v));
        self.frag_total += f - self.frag[node.index()];
        self.frag[node.index()] = f;
    }

    fn log(&mut self) {
        self.run.log.push(LogLine {
            arrived_milli: self.arrived_milli,
            used_milli: self.used_milli,
            // Summed incrementally; clamp the rounding error of a long sum at zero.
            frag_milli: self.frag_total.max(0.0),
            idle_milli: self.capacity_milli - self.used_milli,
        });
    }

    /// Tries to place arrival `k` now; true if placed.
    fn try_bind(&mut self, k: u32, ev: &mut Events<Ev>) -> bool {
        let i = k as usize;
        let Ok(Some(b)) = self.sched.bind(self.spec_of[i]) else {
            return false;
        };
        self.bound[i] = Some(b.pod);
        self.used_milli += self.gpu_of[i];
        self.cpu_used += self.requests[i].cpu_milli;
        self.mem_used += self.requests[i].memory_bytes;
        self.run.placed += 1;
        self.refrag(b.node);
        if let Some(t) = self.delete_at[i] {
            let at = SimTime::from_nanos(t).max(ev.now());
            ev.schedule_at(at, Ev::Depart(k));
        }
        true
    }

    fn arrive(&mut self, k: u32, ev: &mut Events<Ev>) {
        let i = k as usize;
        self.run.arrived += 1;
        self.arrived_milli += self.gpu_of[i];
        if !self.try_bind(k, ev) {
            if self.retry {
                self.waiting.push_back(k);
            } else {
                self.run.failed += 1;
            }
        }
        self.log();
    }

    fn depart(&mut self, k: u32, ev: &mut Events<Ev>) {
        let i = k as usize;
        let Some(pod) = self.bound[i].take() else {
            return;
        };
        let node = self.sched.binding_of(pod).map(|b| b.node);
        if self.sched.release(pod).is_ok() {
            self.used_milli -= self.gpu_of[i];
            self.cpu_used -= self.requests[i].cpu_milli;
            self.mem_used -= self.requests[i].memory_bytes;
            self.run.departed += 1;
            if let Some(n) = node {
                self.refrag(n);
            }
        }
        if self.retry {
            self.retry_waiting(ev);
        }
        self.log();
    }

    /// Tries the waiting pods in arrival order; a spec that failed in this pass is not tried
    /// again in it (nothing was freed since). Pods whose deletion time has passed leave.
    fn retry_waiting(&mut self, ev: &mut Events<Ev>) {
        let now = ev.now().as_nanos();
        let mut failed_specs: HashSet<SpecId> = HashSet::new();
        let mut still = VecDeque::with_capacity(self.waiting.len());
        while let Some(k) = self.waiting.pop_front() {
            let i = k as usize;
            if self.delete_at[i].is_some_and(|t| t <= now) {
                self.run.failed += 1;
                continue;
            }
            if failed_specs.contains(&self.spec_of[i]) || !self.try_bind(k, ev) {
                failed_specs.insert(self.spec_of[i]);
                still.push_back(k);
            }
        }
        self.waiting = still;
    }

    fn sample(&mut self, ev: &mut Events<Ev>) {
        self.run.samples.push(Sample {
            t_s: ev.now().as_secs_f64(),
            running: self.sched.pods_bound(),
            pending: self.waiting.len() as u64,
            gpu_used_milli: self.used_milli,
            cpu_used_milli: self.cpu_used,
            memory_used_bytes: self.mem_used,
            frag_milli: self.frag_total.max(0.0),
        });
        if let Some(d) = self.sample_every
            && ev.now() < self.last_event
        {
            ev.schedule_in(d, Ev::Sample);
        }
    }
}

impl Model for Replay {
    type Event = Ev;
    fn handle(&mut self, e: Ev, ev: &mut Events<Ev>) {
        match e {
            Ev::Arrive(k) => self.arrive(k, ev),
            Ev::Depart(k) => self.depart(k, ev),
            Ev::Sample => self.sample(ev),
        }
    }
}

/// Node pools of identical nodes (CPU, memory, GPUs, model), in order of first appearance, and
/// each node's scheduler id.
fn pools_of(spec: &ReplaySpec<'_>) -> (Vec<NodePool>, Vec<NodeId>) {
    type Key = (
        u64,
        u64,
        u32,
        Option<String>,
        BTreeMap<String, String>,
        String,
        Option<u32>,
    );
    let mut shape_of: BTreeMap<Key, usize> = BTreeMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut pools = Vec::new();
    for (i, n) in spec.nodes.iter().enumerate() {
        let key = (
            n.cpu_milli,
            n.memory_bytes,
            n.gpus,
            n.model.clone(),
            n.labels.clone(),
            format!("{:?}", n.taints),
            n.max_pods,
        );
        let p = *shape_of.entry(key).or_insert_with(|| {
            let mut pool = NodePool::new(
                &format!("shape-{}", pools.len()),
                0,
                Resources {
                    cpu_milli: n.cpu_milli,
                    memory_bytes: n.memory_bytes,
                    gpus: n.gpus,
                    gpu_milli: 0,
                },
            );
            pool.max_pods = n.max_pods.unwrap_or(spec.max_pods);
            pool.gpu_model = n.model.clone();
            pool.labels = n.labels.clone();
            pool.taints = n.taints.clone();
            pools.push(pool);
            members.push(Vec::new());
            pools.len() - 1
        });
        members[p].push(i);
        pools[p].count += 1;
    }
    let mut ids = vec![NodeId(0); spec.nodes.len()];
    let mut next = 0u32;
    for m in &members {
        for &i in m {
            ids[i] = NodeId(next);
            next += 1;
        }
    }
    (pools, ids)
}

/// Replays one workload with one policy, seed and overlay. `sample_every` adds a time series
/// (the trace protocol).
pub fn run(spec: &ReplaySpec<'_>, sample_every: Option<SimDuration>) -> ReplayRun {
    let capacity_milli = gpu_capacity(spec.nodes);
    let (pools, ids) = pools_of(spec);
    let extra = spec.overlay.per_pod;
    let pod_spec = |p: &super::ReplayPod| PodSpec {
        requests: Resources {
            cpu_milli: p.cpu_milli + extra.cpu_milli,
            memory_bytes: p.memory_bytes + extra.memory_bytes,
            gpus: p.gpus,
            gpu_milli: if p.gpus > 0 { 0 } else { p.gpu_milli },
        },
        gpu_models: p.models.clone(),
        node_selector: p.node_selector.clone(),
        tolerations: p.tolerations.clone(),
        ..Default::default()
    };
    let specs: Vec<PodSpec> = spec.pods.iter().map(pod_spec).collect();
    // The typical pods are the workload's (with the mesh's container in each request), from
    // the trace as given, not the drawn arrival list: as the study computes them.
    let shapes: Vec<Shape> = specs.iter().map(Shape::of).collect();
    let typical = TypicalPods::of(&shapes);
    let streams = RngStreams::new(spec.seed);
    let mut sched = Scheduler::with_scorer(
        &pools,
        spec.policy.scorer(&typical),
        spec.policy.tie_break(),
        streams.stream("replay/policy"),
    );
    let keys = protocol::node_keys(spec.nodes, spec.seed);
    let mut by_id = vec![0u32; spec.nodes.len()];
    for (i, id) in ids.iter().enumerate() {
        by_id[id.index()] = keys[i];
    }
    sched.set_tie_keys(by_id);
    for d in spec.daemonsets {
        sched.place_daemonset(&PodSpec {
            requests: d.requests,
            node_selector: d.node_selector.clone(),
            tolerations: d.tolerations.clone(),
            ..Default::default()
        });
    }
    let mut agents_unplaced = 0;
    let (mut agents_cpu_milli, mut agents_memory_bytes) = (0u64, 0u64);
    for r in &spec.overlay.per_node {
        let ds = PodSpec {
            requests: *r,
            tolerations: vec![Toleration::everything()],
            ..Default::default()
        };
        let out = sched.place_daemonset(&ds);
        let placed = out.pods.len() as u64;
        agents_cpu_milli += r.cpu_milli * placed;
        agents_memory_bytes += r.memory_bytes * placed;
        agents_unplaced += out.pending;
    }

    let (arrivals, times): (Vec<usize>, Vec<u64>) = match spec.protocol {
        Protocol::Fgd { tune_ratio } => {
            let a = protocol::fgd_arrivals(spec.pods, capacity_milli, tune_ratio, spec.seed);
            let t = (1..=a.len() as u64).collect();
            (a, t)
        }
        Protocol::Trace { .. } => {
            let mut a: Vec<usize> = (0..spec.pods.len()).collect();
            a.sort_by_key(|&i| (spec.pods[i].created_s, i));
            let t = a
                .iter()
                .map(|&i| spec.pods[i].created_s.saturating_mul(1_000_000_000))
                .collect();
            (a, t)
        }
    };
    let trace = matches!(spec.protocol, Protocol::Trace { .. });
    let mut interned: BTreeMap<usize, SpecId> = BTreeMap::new();
    let spec_of: Vec<SpecId> = arrivals
        .iter()
        .map(|&i| *interned.entry(i).or_insert_with(|| sched.intern(&specs[i])))
        .collect();
    let n = arrivals.len();
    let last_event = times
        .iter()
        .copied()
        .chain(arrivals.iter().filter_map(|&i| {
            spec.pods[i]
                .deleted_s
                .filter(|_| trace)
                .map(|d| d.saturating_mul(1_000_000_000))
        }))
        .max()
        .unwrap_or(0);
    let mut model = Replay {
        typical,
        spec_of,
        gpu_of: arrivals.iter().map(|&i| spec.pods[i].gpu_total()).collect(),
        delete_at: arrivals
            .iter()
            .map(|&i| {
                spec.pods[i]
                    .deleted_s
                    .filter(|_| trace)
                    .map(|d| d.saturating_mul(1_000_000_000))
            })
            .collect(),
        requests: arrivals.iter().map(|&i| specs[i].requests).collect(),
        bound: vec![None; n],
        retry: matches!(spec.protocol, Protocol::Trace { retry: true }),
        waiting: VecDeque::new(),
        frag: vec![0.0; sched.node_count() as usize],
        frag_total: 0.0,
        arrived_milli: 0,
        used_milli: 0,
        capacity_milli,
        cpu_used: 0,
        mem_used: 0,
        sched,
        run: ReplayRun {
            capacity_milli,
            agents_unplaced,
            agents_cpu_milli,
            agents_memory_bytes,
            cluster_cpu_milli: spec.nodes.iter().map(|n| n.cpu_milli).sum(),
            cluster_memory_bytes: spec.nodes.iter().map(|n| n.memory_bytes).sum(),
            ..Default::default()
        },
        sample_every: sample_every.filter(|d| *d > SimDuration::ZERO),
        last_event: SimTime::from_nanos(last_event),
    };
    for node in 0..model.sched.node_count() {
        model.refrag(NodeId(node));
    }
    model.log();
    let mut sim = Simulation::new(model);
    {
        let (_, ev) = sim.parts_mut();
        for (k, &t) in times.iter().enumerate() {
            ev.schedule_at(SimTime::from_nanos(t), Ev::Arrive(k as u32));
        }
        if sample_every.is_some_and(|d| d > SimDuration::ZERO) {
            ev.schedule_at(SimTime::ZERO, Ev::Sample);
        }
    }
    // Every event is scheduled at a time the trace gives (bounded), so the run ends.
    let _ = sim.run();
    let events = sim.events_handled();
    let mut m = sim.into_model();
    m.run.failed += m.waiting.len() as u64;
    m.run.events = events;
    m.run.running = m.bound.iter().filter(|b| b.is_some()).count() as u64;
    m.run.cpu_requested_milli = m.cpu_used;
    m.run.memory_requested_bytes = m.mem_used;
    m.run
}

#[cfg(test)]
mod tests {
    use super::super::{Overlay, ReplayNode, ReplayPod};
    use super::*;
    use crate::scheduler::policies::Policy;

    fn node(name: &str, gpus: u32) -> ReplayNode {
        ReplayNode {
            name: name.into(),
            cpu_milli: 32_000,
            memory_bytes: 128 << 30,
            gpus,
            model: Some("G2".into()),
            ..Default::default()
        }
    }

    fn pod(name: &str, gpus: u32, gpu_milli: u32, created: u64, deleted: Option<u64>) -> ReplayPod {
        ReplayPod {
            name: name.into(),
            cpu_milli: 2000,
            memory_bytes: 4 << 30,
            gpus,
            gpu_milli,
            models: vec![],
            created_s: created,
            deleted_s: deleted,
            ..Default::default()
        }
    }

    fn spec<'a>(
        nodes: &'a [ReplayNode],
        pods: &'a [ReplayPod],
        protocol: Protocol,
        policy: Policy,
        overlay: &'a Overlay,
    ) -> ReplaySpec<'a> {
        ReplaySpec {
            nodes,
            pods,
            protocol,
            policy,
            seed: 42,
            overlay,
            max_pods: 1001,
            daemonsets: &[],
        }
    }

    #[test]
    fn after_every_pod_departs_the_fleet_is_empty() {
        let nodes: Vec<ReplayNode> = (0..6).map(|i| node(&format!("n{i}"), 4)).collect();
        let mut pods = Vec::new();
        for i in 0..400u64 {
            let (g, m) = match i % 4 {
                0 => (0, 250),
                1 => (1, 0),
                2 => (0, 0),
                _ => (2, 0),
            };
            pods.push(pod(&format!("p{i:03}"), g, m, i, Some(i + 3 + i % 17)));
        }
        let none = Overlay::none();
        for policy in [
            Policy::Fgd,
            Policy::BestFit,
            Policy::Random,
            Policy::GpuPacking,
        ] {
            for retry in [false, true] {
                let s = spec(&nodes, &pods, Protocol::Trace { retry }, policy, &none);
                let r = run(&s, Some(SimDuration::from_secs(10)));
                let last = r.log.last().unwrap();
                assert_eq!(last.used_milli, 0, "{policy:?} retry {retry}");
                assert_eq!(last.idle_milli, 24_000);
                assert_eq!(r.arrived, 400);
                assert_eq!(r.placed, r.departed, "{policy:?}");
                assert_eq!(r.placed + r.failed, 400);
                assert!(r.placed > 300, "{policy:?}: {} placed", r.placed);
                // Back to the empty fleet's fragmentation (summed incrementally all along).
                assert!((last.frag_milli - r.log[0].frag_milli).abs() < 1e-6);
                assert!(r.samples.len() >= 40, "{} samples", r.samples.len());
                assert_eq!(r.samples.last().unwrap().running, 0);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Departures return exactly what arrivals took: whatever the pods, times, policy,
        /// overlay and retry rule, once every pod has left the fleet is empty again (no GPU
        /// share left on a device, no CPU or memory held, the empty fleet's fragmentation).
        #[test]
        fn departures_return_exactly_what_arrivals_took(
            gpus in proptest::collection::vec(0u32..4, 2..6),
            pods in proptest::collection::vec(
                (0u32..4, 0u32..1000, 0u64..8000, 0u64..50, 1u64..30), 1..120),
            policy in 0usize..6,
            retry in proptest::bool::ANY,
            sidecar in proptest::bool::ANY,
            seed in 0u64..1000,
        ) {
            let nodes: Vec<ReplayNode> = gpus
                .iter()
                .enumerate()
                .map(|(i, &g)| node(&format!("n{i}"), g))
                .collect();
            let pods: Vec<ReplayPod> = pods
                .iter()
                .enumerate()
                .map(|(i, &(g, m, cpu, created, life))| {
                    // Whole GPUs, a share, or none.
                    let (g, m) = if g == 3 { (0, m.max(1)) } else { (g, 0) };
                    let mut p = pod(&format!("p{i:03}"), g, m, created, Some(created + life));
                    p.cpu_milli = cpu;
                    p
                })
                .collect();
            let overlay = if sidecar {
                Overlay {
                    name: "sidecar".into(),
                    per_pod: Resources::cpu_mem(100, 128 << 20),
                    per_node: vec![Resources::cpu_mem(200, 512 << 20)],
                }
            } else {
                Overlay::none()
            };
            let policy = Policy::parse(Policy::names()[policy]).unwrap();
            let mut s = spec(&nodes, &pods, Protocol::Trace { retry }, policy, &overlay);
            s.seed = seed;
            let r = run(&s, None);
            let last = r.log.last().unwrap();
            proptest::prop_assert_eq!(last.used_milli, 0);
            proptest::prop_assert_eq!(last.idle_milli, r.capacity_milli);
            proptest::prop_assert!((last.frag_milli - r.log[0].frag_milli).abs() < 1e-6);
            proptest::prop_assert_eq!(r.placed, r.departed);
            proptest::prop_assert_eq!(r.placed + r.failed, pods.len() as u64);
            proptest::prop_assert_eq!(r.running, 0);
            proptest::prop_assert_eq!((r.cpu_requested_milli, r.memory_requested_bytes), (0, 0));
        }
    }

    #[test]
    fn the_fgd_protocol_tops_up_to_the_target_and_never_departs() {
        let nodes: Vec<ReplayNode> = (0..4).map(|i| node(&format!("n{i}"), 2)).collect();
        // 8 GPUs; pods ask for 0.5 GPU each: 4 pods = 2 GPUs, top-up to 130 % = 10.4 GPUs.
        let pods: Vec<ReplayPod> = (0..4)
            .map(|i| pod(&format!("p{i}"), 0, 500, 0, Some(1)))
            .collect();
        let none = Overlay::none();
        let r = run(
            &spec(
                &nodes,
                &pods,
                Protocol::Fgd { tune_ratio: 1.3 },
                Policy::Fgd,
                &none,
            ),
            None,
        );
        // 10.4 GPUs / 0.5 = 20.8: 20 pods arrive (20.5 would overshoot).
        assert_eq!(r.arrived, 20);
        assert_eq!(r.log.last().unwrap().arrived_milli, 10_000);
        // 16 half-GPU pods fill 8 GPUs; the other 4 fail. Nothing departs.
        assert_eq!(r.placed, 16);
        assert_eq!(r.failed, 4);
        assert_eq!(r.departed, 0);
        assert_eq!(r.log.last().unwrap().used_milli, 8000);
        assert_eq!(r.log.len(), 21);
    }

    #[test]
    fn a_mesh_overlay_takes_its_share_of_every_node() {
        let nodes: Vec<ReplayNode> = (0..2).map(|i| node(&format!("n{i}"), 1)).collect();
        // Each pod asks for 15 of the node's 32 cores: two fit per node without a mesh.
        let mut pods: Vec<ReplayPod> = (0..4)
            .map(|i| pod(&format!("p{i}"), 0, 100, 0, None))
            .collect();
        for p in &mut pods {
            p.cpu_milli = 15_500;
        }
        let none = Overlay::none();
        let fgd = Protocol::Fgd { tune_ratio: 0.0 };
        let r = run(&spec(&nodes, &pods, fgd, Policy::BestFit, &none), None);
        assert_eq!(r.placed, 4);
        // A 1-core sidecar per pod: 16.5 cores each, one per node.
        let sidecar = Overlay {
            name: "sidecar".into(),
            per_pod: Resources::cpu_mem(1000, 0),
            per_node: vec![],
        };
        let r = run(&spec(&nodes, &pods, fgd, Policy::BestFit, &sidecar), None);
        assert_eq!(r.placed, 2);
        // Node agents of 1.5 cores: 30.5 left, two 15.5-core pods no longer fit.
        let ambient = Overlay {
            name: "ambient".into(),
            per_pod: Resources::ZERO,
            per_node: vec![Resources::cpu_mem(1500, 0)],
        };
        let r = run(&spec(&nodes, &pods, fgd, Policy::BestFit, &ambient), None);
        assert_eq!((r.placed, r.agents_unplaced), (2, 0));
    }
}
