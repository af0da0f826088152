//! One mesh mode applied to a cluster: which pods exist, where they land, and what the mesh costs.
//!
//! [`evaluate`] expands the cluster under a mode — sidecars added to meshed pods' requests, mesh
//! DaemonSets (ztunnel, istio-cni, Cilium agent), waypoints and istiod — places everything with
//! the [`Scheduler`], and accounts the mesh's requests and modelled usage per component.
//!
//! Placement order: mesh DaemonSets (ztunnel and istio-cni are `system-node-critical`), then the
//! scenario's DaemonSets, then istiod and waypoints (installed before the workloads they serve),
//! then workloads by priority. After placement istiod is scaled by its HPA to the CPU its
//! connected proxies need, as it would be in a running cluster.
//!
//! With the right-sized request policy, placement runs twice: once with chart defaults to learn
//! each proxy's load, then with requests set to modelled usage × headroom.

use std::collections::BTreeMap;

use meshsim_core::rng::RngStreams;

use crate::cluster::{Cluster, Replicas, Toleration, Workload};
use crate::mesh::{
    self, MeshConfig, MeshMode, NamespaceMode, NodeLoad, RequestPolicy, SidecarScope, Visibility,
};
use crate::resources::{Resources, Usage};
use crate::scheduler::{Failure, Group, NodeUsage, Outcome, PodSpec, Scheduler, SchedulerConfig};

/// A component of the mesh's footprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// Istio sidecar (per pod).
    Sidecar,
    /// Linkerd proxy (per pod).
    LinkerdProxy,
    /// ztunnel (per node).
    Ztunnel,
    /// Cilium agent (per node).
    CiliumAgent,
    /// Waypoint replica (per namespace).
    Waypoint,
    /// istio-cni node agent (per node).
    IstioCni,
    /// istiod replica.
    Istiod,
}

impl Component {
    /// Every component, in report order.
    pub const ALL: [Component; 7] = [
        Component::Sidecar,
        Component::LinkerdProxy,
        Component::Ztunnel,
        Component::CiliumAgent,
        Component::Waypoint,
        Component::IstioCni,
        Component::Istiod,
    ];

    /// Name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Sidecar => "sidecar",
            Component::LinkerdProxy => "linkerd-proxy",
            Component::Ztunnel => "ztunnel",
            Component::CiliumAgent => "cilium-agent",
            Component::Waypoint => "waypoint",
            Component::IstioCni => "istio-cni",
            Component::Istiod => "istiod",
        }
    }

    /// Whether it is a proxy on the data path (as opposed to a node helper or control plane).
    pub fn is_proxy(self) -> bool {
        matches!(
            self,
            Component::Sidecar
                | Component::LinkerdProxy
                | Component::Ztunnel
                | Component::CiliumAgent
                | Component::Waypoint
        )
    }

    /// Whether it counts in "proxy + mesh DaemonSet" totals (everything but the control plane).
    pub fn is_data_plane(self) -> bool {
        self != Component::Istiod
    }
}

/// Instances, total request and total modelled usage of one component.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ComponentCost {
    /// Placed instances.
    pub count: u64,
    /// Sum of requests.
    pub request: Resources,
    /// Sum of modelled usage.
    pub usage: Usage,
}

/// A waypoint's placement.
#[derive(Clone, Debug, PartialEq)]
pub struct WaypointPlacement {
    /// Namespace it serves.
    pub namespace: String,
    /// Nodes of its replicas.
    pub nodes: Vec<u32>,
}

/// Everything one mode produced.
#[derive(Clone, Debug)]
pub struct ModeRun {
    /// The mode.
    pub mode: MeshMode,
    /// Mesh mode of each workload's namespace, in workload order.
    pub namespace_modes: Vec<NamespaceMode>,
    /// Placement of each workload, in workload order.
    pub workloads: Vec<Outcome>,
    /// Placement of each of the scenario's DaemonSets, in order.
    pub daemonsets: Vec<Outcome>,
    /// Nodes running ztunnel (empty if none).
    pub ztunnel_nodes: Vec<u32>,
    /// Nodes running the Cilium agent.
    pub cilium_nodes: Vec<u32>,
    /// Placement of mesh pods that did not fit: `(component, pending, reason)`.
    pub mesh_pending: Vec<(Component, u64, String)>,
    /// Waypoints.
    pub waypoints: Vec<WaypointPlacement>,
    /// istiod replicas' nodes.
    pub istiod_nodes: Vec<u32>,
    /// Per component.
    pub costs: BTreeMap<Component, ComponentCost>,
    /// Sidecar request per workload (zero without a sidecar).
    pub sidecar_requests: Vec<Resources>,
    /// Per node, what it holds.
    pub nodes: Vec<NodeUsage>,
    /// Per pool: nodes where one more replica of the primary inference workload fits, and the
    /// failure sets elsewhere.
    pub inference_probe: Option<crate::scheduler::Probe>,
    /// Per pool: unallocated GPU capacity (thousandths) by what blocks one more inference replica.
    pub idle_gpus: Vec<BTreeMap<Failure, u64>>,
}

/// How requests are set for one placement pass.
#[derive(Clone, Debug, Default)]
struct SizedRequests {
    /// Per workload: sidecar request (when it has one).
    sidecar: Vec<Option<Resources>>,
    ztunnel: Option<Resources>,
    cilium: Option<Resources>,
    /// Per namespace.
    waypoint: BTreeMap<String, Resources>,
}

/// The primary inference workload: the first flagged `inference`.
pub fn primary_inference(cluster: &Cluster) -> Option<usize> {
    cluster.workloads.iter().position(|w| w.inference)
}

fn workload_spec(w: &Workload, sidecar: Option<Resources>) -> PodSpec {
    PodSpec {
        requests: w.requests + sidecar.unwrap_or(Resources::ZERO),
        node_selector: w.node_selector.clone(),
        tolerations: w.tolerations.clone(),
        max_per_node: w.max_per_node,
    }
}

fn everywhere(requests: Resources) -> PodSpec {
    PodSpec {
        requests,
        node_selector: BTreeMap::new(),
        tolerations: vec![Toleration::everything()],
        max_per_node: None,
    }
}

fn deployment(requests: Resources) -> PodSpec {
    PodSpec {
        requests,
        node_selector: BTreeMap::new(),
        tolerations: Vec::new(),
        max_per_node: None,
    }
}

/// Priority given to mesh Deployments (istiod, waypoints): above any workload.
const MESH_PRIORITY: i32 = 2_000_000_000;

/// Evaluates one mode: places everything and accounts the mesh's costs. The scheduler's tie
/// breaks come from the `scheduler` stream of `seed`, the same for every mode.
pub fn evaluate(
    cluster: &Cluster,
    mesh_cfg: &MeshConfig,
    mode: MeshMode,
    sched: SchedulerConfig,
    seed: u64,
) -> ModeRun {
    let ns_modes: Vec<NamespaceMode> = cluster
        .workloads
        .iter()
        .map(|w| mesh_cfg.namespace_mode(mode, &w.namespace))
        .collect();
    let defaults = chart_defaults(cluster, mesh_cfg, &ns_modes);
    match mesh_cfg.request_policy {
        RequestPolicy::ChartDefaults => {
            place(cluster, mesh_cfg, mode, sched, seed, &ns_modes, &defaults)
        }
        RequestPolicy::RightSized { headroom } => {
            let first = place(cluster, mesh_cfg, mode, sched, seed, &ns_modes, &defaults);
            let sized = right_sized(cluster, mesh_cfg, &ns_modes, &first, headroom);
            place(cluster, mesh_cfg, mode, sched, seed, &ns_modes, &sized)
        }
    }
}

fn chart_defaults(cluster: &Cluster, m: &MeshConfig, ns_modes: &[NamespaceMode]) -> SizedRequests {
    let mut s = SizedRequests {
        sidecar: cluster
            .workloads
            .iter()
            .zip(ns_modes)
            .map(|(w, ns)| m.sidecar_costs(*ns).map(|c| mesh::sidecar_request(c, w)))
            .collect(),
        ..Default::default()
    };
    if ns_modes.iter().any(|n| n.uses_ztunnel()) {
        s.ztunnel = Some(m.costs.ztunnel.request);
    }
    if ns_modes.contains(&NamespaceMode::Cilium) {
        s.cilium = Some(m.costs.cilium_agent.request);
    }
    for (w, ns) in cluster.workloads.iter().zip(ns_modes) {
        if *ns == NamespaceMode::AmbientWaypoint {
            s.waypoint
                .insert(w.namespace.clone(), m.costs.waypoint.request);
        }
    }
    s
}

fn right_sized(
    cluster: &Cluster,
    m: &MeshConfig,
    ns_modes: &[NamespaceMode],
    first: &ModeRun,
    headroom: f64,
) -> SizedRequests {
    let loads = Loads::new(cluster, first, ns_modes);
    let mut s = chart_defaults(cluster, m, ns_modes);
    for (i, (w, ns)) in cluster.workloads.iter().zip(ns_modes).enumerate() {
        if let Some(c) = m.sidecar_costs(*ns) {
            let u = mesh::sidecar_usage(c, loads.sidecar_visibility(cluster, m, i), rps_of(w));
            // Explicit per-workload overrides win over right-sizing.
            let mut r = mesh::right_size(u, headroom);
            r.cpu_milli = w.sidecar.cpu_request_milli.unwrap_or(r.cpu_milli);
            r.memory_bytes = w.sidecar.memory_request_bytes.unwrap_or(r.memory_bytes);
            s.sidecar[i] = Some(r);
        }
    }
    let max_node_usage = |costs: &mesh::NodeProxyCosts, nodes: &[u32]| {
        nodes
            .iter()
            .map(|&n| mesh::node_proxy_usage(costs, loads.node_load(n)))
            .fold(Usage::default(), |a, u| Usage {
                cpu_milli: a.cpu_milli.max(u.cpu_milli),
                memory_bytes: a.memory_bytes.max(u.memory_bytes),
            })
    };
    if s.ztunnel.is_some() {
        s.ztunnel = Some(mesh::right_size(
            max_node_usage(&m.costs.ztunnel, &first.ztunnel_nodes),
            headroom,
        ));
    }
    if s.cilium.is_some() {
        s.cilium = Some(mesh::right_size(
            max_node_usage(&m.costs.cilium_agent, &first.cilium_nodes),
            headroom,
        ));
    }
    for (ns, req) in s.waypoint.iter_mut() {
        let wp = first.waypoints.iter().find(|w| &w.namespace == ns);
        let replicas = wp.map_or(1, |w| w.nodes.len().max(1)) as f64;
        let u = mesh::waypoint_usage(
            &m.costs.waypoint,
            &m.costs.sidecar,
            loads.namespace_visibility(cluster, ns),
            loads.namespace_rps(cluster, ns) / replicas,
        );
        *req = mesh::right_size(u, headroom);
    }
    s
}

/// Requests per second through a replica's own proxy: what it serves plus what it sends.
fn rps_of(w: &Workload) -> f64 {
    w.rps_per_replica + w.outbound_rps_per_replica
}

/// Per-node and per-namespace loads after a placement.
struct Loads {
    /// Per node: (meshed ambient pods, rps, connections, new connections per second).
    node: Vec<NodeLoad>,
    /// Placed replicas per workload.
    placed: Vec<u64>,
}

impl Loads {
    fn new(cluster: &Cluster, run: &ModeRun, ns_modes: &[NamespaceMode]) -> Self {
        let cluster_pods: u64 = run.nodes.iter().map(|n| u64::from(n.pods)).sum();
        let mut node = vec![
            NodeLoad {
                cluster_pods: cluster_pods as f64,
                ..Default::default()
            };
            run.nodes.len()
        ];
        for ((w, out), ns) in cluster.workloads.iter().zip(&run.workloads).zip(ns_modes) {
            if !(ns.uses_ztunnel() || *ns == NamespaceMode::Cilium) {
                continue;
            }
            for &n in &out.nodes {
                let l = &mut node[n as usize];
                l.local_pods += 1.0;
                l.rps += rps_of(w);
                l.connections += w.connections_per_replica;
                l.new_connections_per_second += w.new_connections_per_second;
            }
        }
        Loads {
            node,
            placed: run.workloads.iter().map(|o| o.nodes.len() as u64).collect(),
        }
    }

    fn node_load(&self, n: u32) -> NodeLoad {
        self.node[n as usize]
    }

    fn sidecar_visibility(&self, cluster: &Cluster, m: &MeshConfig, i: usize) -> Visibility {
        match m.sidecar_scope {
            SidecarScope::Mesh => self.visibility(cluster, |_| true),
            SidecarScope::Namespace => {
                let ns = &cluster.workloads[i].namespace;
                self.namespace_visibility(cluster, ns)
            }
        }
    }

    fn namespace_visibility(&self, cluster: &Cluster, ns: &str) -> Visibility {
        self.visibility(cluster, |w| w.namespace == ns)
    }

    /// Clusters and endpoints of the services passing `keep`, plus istiod's own service.
    fn visibility(&self, cluster: &Cluster, keep: impl Fn(&Workload) -> bool) -> Visibility {
        let mut v = Visibility {
            clusters: 1.0,
            endpoints: 1.0,
        };
        for (w, &placed) in cluster.workloads.iter().zip(&self.placed) {
            if keep(w) {
                v.clusters += f64::from(w.ports.max(1));
                v.endpoints += placed as f64 * f64::from(w.ports.max(1));
            }
        }
        v
    }

    fn namespace_rps(&self, cluster: &Cluster, ns: &str) -> f64 {
        cluster
            .workloads
            .iter()
            .zip(&self.placed)
            .filter(|(w, _)| w.namespace == ns)
            .map(|(w, &p)| w.rps_per_replica * p as f64)
            .sum()
    }
}

fn place(
    cluster: &Cluster,
    m: &MeshConfig,
    mode: MeshMode,
    sched_cfg: SchedulerConfig,
    seed: u64,
    ns_modes: &[NamespaceMode],
    req: &SizedRequests,
) -> ModeRun {
    let streams = RngStreams::new(seed);
    let mut sched = Scheduler::new(&cluster.pools, sched_cfg, streams.stream("scheduler"));
    let mut mesh_pending = Vec::new();
    let mut note_pending = |c: Component, o: &Outcome| {
        if o.pending > 0 {
            mesh_pending.push((c, o.pending, o.reason.clone().unwrap_or_default()));
        }
    };

    // Mesh DaemonSets first.
    let ztunnel = req.ztunnel.map(|r| sched.place_daemonset(&everywhere(r)));
    if let Some(o) = &ztunnel {
        note_pending(Component::Ztunnel, o);
    }
    let any_sidecar_istio = ns_modes.contains(&NamespaceMode::Sidecar);
    let cni = (ztunnel.is_some() || (any_sidecar_istio && m.cni_in_sidecar_mode))
        .then(|| sched.place_daemonset(&everywhere(m.costs.istio_cni.request)));
    if let Some(o) = &cni {
        note_pending(Component::IstioCni, o);
    }
    let cilium = req.cilium.map(|r| sched.place_daemonset(&everywhere(r)));
    if let Some(o) = &cilium {
        note_pending(Component::CiliumAgent, o);
    }
    let daemonsets: Vec<Outcome> = cluster
        .daemonsets
        .iter()
        .map(|d| {
            sched.place_daemonset(&PodSpec {
                requests: d.requests,
                node_selector: d.node_selector.clone(),
                tolerations: d.tolerations.clone(),
                max_per_node: None,
            })
        })
        .collect();

    // Control plane and waypoints, then workloads.
    let istio_in_use = ns_modes.iter().any(|n| {
        matches!(
            n,
            NamespaceMode::Sidecar | NamespaceMode::Ambient | NamespaceMode::AmbientWaypoint
        )
    });
    let mut groups: Vec<Group> = Vec::new();
    if istio_in_use {
        groups.push(Group {
            spec: deployment(m.costs.istiod.request),
            replicas: Replicas::Count(m.costs.istiod.min_replicas.max(1)),
            priority: MESH_PRIORITY,
        });
    }
    let waypoint_ns: Vec<String> = req.waypoint.keys().cloned().collect();
    for ns in &waypoint_ns {
        groups.push(Group {
            spec: deployment(req.waypoint[ns]),
            replicas: Replicas::Count(m.costs.waypoint.replicas.max(1)),
            priority: MESH_PRIORITY,
        });
    }
    let first_workload = groups.len();
    for (w, s) in cluster.workloads.iter().zip(&req.sidecar) {
        groups.push(Group {
            spec: workload_spec(w, *s),
            replicas: w.replicas,
            priority: w.priority,
        });
    }
    let mut outcomes = sched.place_groups(&groups);
    let mut istiod_nodes = if istio_in_use {
        std::mem::take(&mut outcomes[0].nodes)
    } else {
        Vec::new()
    };
    let waypoints: Vec<WaypointPlacement> = waypoint_ns
        .iter()
        .enumerate()
        .map(|(k, ns)| {
            let o = &outcomes[usize::from(istio_in_use) + k];
            note_pending(Component::Waypoint, o);
            WaypointPlacement {
                namespace: ns.clone(),
                nodes: o.nodes.clone(),
            }
        })
        .collect();
    if istio_in_use {
        note_pending(Component::Istiod, &outcomes[0]);
    }
    let workloads: Vec<Outcome> = outcomes.split_off(first_workload);

    let mut run = ModeRun {
        mode,
        namespace_modes: ns_modes.to_vec(),
        workloads,
        daemonsets,
        ztunnel_nodes: ztunnel.map(|o| o.nodes).unwrap_or_default(),
        cilium_nodes: cilium.map(|o| o.nodes).unwrap_or_default(),
        mesh_pending: Vec::new(),
        waypoints,
        istiod_nodes: Vec::new(),
        costs: BTreeMap::new(),
        sidecar_requests: req
            .sidecar
            .iter()
            .map(|s| s.unwrap_or(Resources::ZERO))
            .collect(),
        nodes: Vec::new(),
        inference_probe: None,
        idle_gpus: Vec::new(),
    };
    let cni_nodes = cni.map(|o| o.nodes).unwrap_or_default();
    run.nodes = sched.node_usage();
    let loads = Loads::new(cluster, &run, ns_modes);

    // Data-plane costs.
    let mut costs: BTreeMap<Component, ComponentCost> = BTreeMap::new();
    let mut add = |c: Component, n: u64, r: Resources, u: Usage| {
        let e = costs.entry(c).or_default();
        e.count += n;
        e.request += r * n;
        e.usage += u * n as f64;
    };
    for (i, (w, ns)) in cluster.workloads.iter().zip(ns_modes).enumerate() {
        let Some(c) = m.sidecar_costs(*ns) else {
            continue;
        };
        let comp = if *ns == NamespaceMode::Linkerd {
            Component::LinkerdProxy
        } else {
            Component::Sidecar
        };
        let n = run.workloads[i].nodes.len() as u64;
        let u = mesh::sidecar_usage(c, loads.sidecar_visibility(cluster, m, i), rps_of(w));
        add(comp, n, run.sidecar_requests[i], u);
    }
    if let Some(r) = req.ztunnel {
        for &n in &run.ztunnel_nodes {
            add(
                Component::Ztunnel,
                1,
                r,
                mesh::node_proxy_usage(&m.costs.ztunnel, loads.node_load(n)),
            );
        }
    }
    if let Some(r) = req.cilium {
        for &n in &run.cilium_nodes {
            add(
                Component::CiliumAgent,
                1,
                r,
                mesh::node_proxy_usage(&m.costs.cilium_agent, loads.node_load(n)),
            );
        }
    }
    add(
        Component::IstioCni,
        cni_nodes.len() as u64,
        m.costs.istio_cni.request,
        m.costs.istio_cni.usage,
    );
    for wp in &run.waypoints {
        let replicas = wp.nodes.len().max(1) as f64;
        let u = mesh::waypoint_usage(
            &m.costs.waypoint,
            &m.costs.sidecar,
            loads.namespace_visibility(cluster, &wp.namespace),
            loads.namespace_rps(cluster, &wp.namespace) / replicas,
        );
        add(
            Component::Waypoint,
            wp.nodes.len() as u64,
            req.waypoint[&wp.namespace],
            u,
        );
    }

    // istiod: scale to its connected proxies (an HPA on CPU), placing extra replicas if needed.
    if istio_in_use {
        let proxies: u64 = [Component::Sidecar, Component::Ztunnel, Component::Waypoint]
            .iter()
            .map(|c| costs.get(c).map_or(0, |x| x.count))
            .sum();
        let cp = &m.costs.istiod;
        let total = cp.base + cp.per_proxy * proxies as f64;
        let want = mesh::hpa_replicas(cp, total.cpu_milli);
        let have = istiod_nodes.len() as u32;
        if want > have {
            let extra = sched.place_groups(&[Group {
                spec: deployment(cp.request),
                replicas: Replicas::Count(want - have),
                priority: MESH_PRIORITY,
            }]);
            note_pending(Component::Istiod, &extra[0]);
            istiod_nodes.extend_from_slice(&extra[0].nodes);
            run.nodes = sched.node_usage();
        }
        let n = istiod_nodes.len() as u64;
        if n > 0 {
            let e = costs.entry(Component::Istiod).or_default();
            e.count = n;
            e.request = cp.request * n;
            e.usage = total;
        }
    }
    run.istiod_nodes = istiod_nodes;
    run.costs = costs;
    run.mesh_pending = mesh_pending;

    // What stops the next inference replica.
    if let Some(i) = primary_inference(cluster) {
        let spec = workload_spec(&cluster.workloads[i], req.sidecar[i]);
        run.inference_probe = Some(sched.probe(&spec));
        run.idle_gpus = sched.idle_gpus(&spec);
    } else {
        // No inference workload: idle GPUs are reported with reason "none".
        run.idle_gpus = sched.idle_gpus(&deployment(Resources::ZERO));
    }
    run
}
