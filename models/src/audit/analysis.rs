//! The audit of one cluster: node pools, what each namespace × pool holds in sidecars, the mesh
//! components already running, which namespaces use L7 features, and the workloads (grouped by
//! their top owner) that a scenario reproducing the cluster needs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::cluster::{Taint, Toleration};
use crate::mesh::NamespaceMode;
use crate::resources::Resources;

use super::classify::{self, PodRole, SidecarKind, requests_of, sidecar_of};
use super::records::{Declared, Dump, NodeRecord, Owner, PodRecord, UsageSample};
use super::usage::{Measured, SeriesKey, reduce};

/// Node labels that name a node pool, in the order they are tried (Karpenter, GKE, EKS, AKS,
/// meshsim's own).
pub const POOL_LABELS: &[&str] = &[
    "meshsim.io/pool",
    "karpenter.sh/nodepool",
    "cloud.google.com/gke-nodepool",
    "eks.amazonaws.com/nodegroup",
    "kubernetes.azure.com/agentpool",
    "agentpool",
];
/// Node labels giving the instance type (current, then deprecated).
pub const INSTANCE_TYPE_LABELS: &[&str] = &[
    "node.kubernetes.io/instance-type",
    "beta.kubernetes.io/instance-type",
];
/// Node label giving the zone.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// Node label giving the GPU model (NVIDIA GPU feature discovery).
pub const GPU_PRODUCT_LABEL: &str = "nvidia.com/gpu.product";
/// Pool of pods not bound to a node.
pub const PENDING_POOL: &str = "(pending)";
/// Pool of pods when the inputs hold no nodes.
pub const UNKNOWN_POOL: &str = "(no nodes in the inputs)";

/// Options of one audit.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    /// Istio's root namespace: policies there apply to the whole mesh.
    pub root_namespace: String,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            root_namespace: "istio-system".into(),
        }
    }
}

/// Sums over a set of sidecars.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SidecarTotals {
    /// Sidecars.
    pub sidecars: u64,
    /// Of which native (init container with `restartPolicy: Always`).
    pub native: u64,
    /// Of which Linkerd's.
    pub linkerd: u64,
    /// The sidecar containers' own requests.
    pub request: Resources,
    /// CPU limits summed; `None` when any sidecar has none (unbounded).
    pub cpu_limit_milli: Option<u64>,
    /// Memory limits summed; `None` when any sidecar has none.
    pub memory_limit_bytes: Option<u64>,
    /// What the pods' effective requests drop by without their mesh containers.
    pub reclaimable: Resources,
    /// Sidecars with measured usage.
    pub measured: u64,
    /// Their measured usage, summed.
    pub used: Measured,
}

impl Default for SidecarTotals {
    fn default() -> Self {
        SidecarTotals {
            sidecars: 0,
            native: 0,
            linkerd: 0,
            request: Resources::ZERO,
            cpu_limit_milli: Some(0),
            memory_limit_bytes: Some(0),
            reclaimable: Resources::ZERO,
            measured: 0,
            used: Measured::default(),
        }
    }
}

impl SidecarTotals {
    fn add(&mut self, s: &PodSidecar, count: u64) {
        self.sidecars += count;
        if s.kind == SidecarKind::IstioNative {
            self.native += count;
        }
        if s.kind == SidecarKind::Linkerd {
            self.linkerd += count;
        }
        self.request += s.request * count;
        self.cpu_limit_milli = self
            .cpu_limit_milli
            .zip(s.limit.cpu_milli)
            .map(|(a, b)| a + b * count);
        self.memory_limit_bytes = self
            .memory_limit_bytes
            .zip(s.limit.memory_bytes)
            .map(|(a, b)| a + b * count);
        self.reclaimable += s.reclaimable * count;
        if let Some(u) = s.used {
            self.measured += count;
            self.used = self.used.plus(scale(u, count as f64));
        }
    }

    /// Measured usage when every sidecar was measured; otherwise `None` (n/m) — a partial sum
    /// would understate.
    pub fn used_if_complete(&self) -> Option<Measured> {
        (self.sidecars > 0 && self.measured == self.sidecars).then_some(self.used)
    }
}

fn scale(m: Measured, k: f64) -> Measured {
    Measured {
        samples: m.samples,
        cpu_p50_milli: m.cpu_p50_milli * k,
        cpu_p95_milli: m.cpu_p95_milli * k,
        memory_p50_bytes: m.memory_p50_bytes * k,
        memory_p95_bytes: m.memory_p95_bytes * k,
        ..m
    }
}

/// One pod's sidecar, as the audit accounts it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct PodSidecar {
    kind: SidecarKind,
    request: Resources,
    limit: Declared,
    reclaimable: Resources,
    used: Option<Measured>,
}

/// How many more of an inference pod fit on a pool's nodes where they are, before and after the
/// sidecars leave (each node's free room, no re-packing: `meshsim run` on the emitted scenario
/// re-packs).
#[derive(Clone, Debug, PartialEq)]
pub struct InferenceRoom {
    /// The pool's most common GPU-requesting pod: `namespace/workload`.
    pub workload: String,
    /// Its effective request without the mesh.
    pub shape: Resources,
    /// Its pods in the pool.
    pub pods: u64,
    /// Copies that fit in the free room today.
    pub extra_now: u64,
    /// Copies that fit once every sidecar on the pool's nodes is gone.
    pub extra_without_sidecars: u64,
    /// What stops more today: `gpu`, `cpu`, `memory` or `pods`.
    pub binding_now: &'static str,
}

/// A node pool found from the nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolAudit {
    /// Name: the node-pool label's value, else the instance type, else `nodes`.
    pub name: String,
    /// The label the name came from, with its value.
    pub pool_label: Option<(String, String)>,
    /// Instance type, when labelled (the most common one).
    pub instance_type: Option<String>,
    /// GPU model, when labelled.
    pub gpu_model: Option<String>,
    /// Nodes.
    pub nodes: u64,
    /// GPUs per node (`nvidia.com/gpu` allocatable).
    pub gpus_per_node: u32,
    /// Taints.
    pub taints: Vec<Taint>,
    /// Zones, sorted.
    pub zones: Vec<String>,
    /// kubelet max pods (the smallest).
    pub max_pods: u32,
    /// Smallest allocatable CPU and memory of a node.
    pub min_allocatable: Resources,
    /// Largest allocatable CPU and memory of a node.
    pub max_allocatable: Resources,
    /// Allocatable summed over the nodes.
    pub allocatable: Resources,
    /// Pods bound to the pool's nodes.
    pub pods: u64,
    /// Their effective requests.
    pub requested: Resources,
    /// Sidecars there.
    pub sidecar: SidecarTotals,
    /// ztunnel and istio-cni pods' requests there.
    pub node_agents_request: Resources,
    /// Inference room (GPU pools with GPU pods only).
    pub inference: Option<InferenceRoom>,
}

/// One namespace × pool.
#[derive(Clone, Debug, PartialEq)]
pub struct CellAudit {
    /// Namespace.
    pub namespace: String,
    /// Pool.
    pub pool: String,
    /// Workload pods.
    pub pods: u64,
    /// Their effective requests.
    pub requested: Resources,
    /// Their measured usage (pods measured in full).
    pub used: Measured,
    /// Pods measured.
    pub pods_measured: u64,
    /// Sidecars.
    pub sidecar: SidecarTotals,
}

/// One namespace: mesh mode (labelled and observed), L7 use, where it stands in the migration.
#[derive(Clone, Debug, PartialEq)]
pub struct NamespaceAudit {
    /// Name.
    pub name: String,
    /// Mode its labels ask for (`None`: no mesh label).
    pub labelled: Option<NamespaceMode>,
    /// Mode its pods are in (sidecars found, ambient capture, or none).
    pub observed: NamespaceMode,
    /// How the mode was decided, in a few words.
    pub evidence: String,
    /// Workload pods.
    pub pods: u64,
    /// Pods with a sidecar.
    pub sidecars: u64,
    /// Pods in ambient capture.
    pub ambient_pods: u64,
    /// Pods without a sidecar in a namespace whose others have one (opted out, or started
    /// before injection was enabled).
    pub pods_without_sidecar: u64,
    /// Pods requesting GPUs.
    pub gpu_pods: u64,
    /// Features that need a waypoint in ambient (sorted).
    pub l7_features: BTreeSet<String>,
    /// Other mesh features found, which ztunnel keeps or ambient does not need (sorted).
    pub other_features: BTreeSet<String>,
    /// Whether ambient needs a waypoint here to keep them.
    pub needs_waypoint: bool,
    /// An EnvoyFilter applies (no ambient equivalent).
    pub envoyfilter: bool,
    /// A waypoint runs or is declared here today.
    pub has_waypoint: bool,
    /// A `Sidecar` resource scopes the sidecars.
    pub sidecar_scoped: bool,
    /// Migration order (1 = first), meshed namespaces only.
    pub order: Option<u32>,
    /// What to do with it, in a few words.
    pub hint: String,
}

impl NamespaceAudit {
    /// A namespace with nothing counted yet.
    fn new(name: String) -> Self {
        NamespaceAudit {
            name,
            labelled: None,
            observed: NamespaceMode::Outside,
            evidence: String::new(),
            pods: 0,
            sidecars: 0,
            ambient_pods: 0,
            pods_without_sidecar: 0,
            gpu_pods: 0,
            l7_features: BTreeSet::new(),
            other_features: BTreeSet::new(),
            needs_waypoint: false,
            envoyfilter: false,
            has_waypoint: false,
            sidecar_scoped: false,
            order: None,
            hint: String::new(),
        }
    }
}

/// One workload: pods of one top owner in one pool with the same requests.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadAudit {
    /// Namespace.
    pub namespace: String,
    /// Top owner's name (a bare pod's own name).
    pub owner: String,
    /// Top owner's kind (`Deployment`, `StatefulSet`, `DaemonSet`, `CronJob`, `Job`, `Pod`, …).
    pub owner_kind: String,
    /// Pool (or [`PENDING_POOL`] / [`UNKNOWN_POOL`]).
    pub pool: String,
    /// What the pods are.
    pub role: PodRole,
    /// Pods.
    pub replicas: u64,
    /// Effective request per pod without mesh containers.
    pub request_without_mesh: Resources,
    /// What the mesh containers add to the effective request, per pod.
    pub mesh_request: Resources,
    /// The sidecar, if the pods carry one.
    pub sidecar_kind: Option<SidecarKind>,
    /// The sidecar container's own request.
    pub sidecar_request: Resources,
    /// The sidecar container's limits.
    pub sidecar_limit: Declared,
    /// Limits of the app containers summed, when every one has them.
    pub app_limit: Declared,
    /// Mean measured usage per pod of the non-mesh containers (pods measured in full).
    pub app_used: Option<Measured>,
    /// Mean measured usage per sidecar.
    pub sidecar_used: Option<Measured>,
    /// Pods with measured usage.
    pub measured: u64,
    /// The pods opted out of the mesh, or are outside it where their namespace is meshed.
    pub unmeshed_in_meshed_namespace: bool,
    /// In ambient capture.
    pub ambient: bool,
    /// Tolerations (of the first pod).
    pub tolerations: Vec<Toleration>,
}

/// A mesh component already running.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentAudit {
    /// Pods.
    pub pods: u64,
    /// Effective request per pod (the most common).
    pub request: Resources,
    /// Mean measured usage per pod.
    pub used: Option<Measured>,
}

/// The mesh's own components as found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeshAudit {
    /// Istio version from the proxy image tag (the most common).
    pub istio_version: Option<String>,
    /// ztunnel.
    pub ztunnel: Option<ComponentAudit>,
    /// istio-cni.
    pub istio_cni: Option<ComponentAudit>,
    /// istiod.
    pub istiod: Option<ComponentAudit>,
    /// Waypoints per namespace.
    pub waypoints: BTreeMap<String, ComponentAudit>,
    /// Gateway pods (ingress/egress/east-west).
    pub gateways: u64,
}

/// The whole audit.
#[derive(Clone, Debug, PartialEq)]
pub struct Audit {
    /// Node pools.
    pub pools: Vec<PoolAudit>,
    /// Namespace × pool cells (workload pods only).
    pub cells: Vec<CellAudit>,
    /// Namespaces.
    pub namespaces: Vec<NamespaceAudit>,
    /// Workloads.
    pub workloads: Vec<WorkloadAudit>,
    /// L7 findings (root-namespace ones flagged mesh-wide by their namespace).
    pub l7: Vec<super::records::L7Finding>,
    /// Mesh components.
    pub mesh: MeshAudit,
    /// All sidecars.
    pub sidecars: SidecarTotals,
    /// Sidecars on GPU nodes.
    pub gpu_sidecars: SidecarTotals,
    /// Pods audited (every role).
    pub pods: u64,
    /// Whether the pods came from workload templates (no live pods in the inputs).
    pub from_templates: bool,
    /// Usage samples that matched no pod container.
    pub unmatched_samples: u64,
    /// What the reader of the audit should know.
    pub warnings: Vec<String>,
}

/// Why an audit cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// No pods and no workload templates.
    #[error(
        "the inputs hold no pods: give `kubectl get pods -A -o json` (or nodes,pods,namespaces) output"
    )]
    NoPods,
}

fn top_owner(pod: &PodRecord, owners: &HashMap<(&str, &str, &str), Option<&Owner>>) -> Owner {
    let Some(o) = &pod.owner else {
        return Owner {
            kind: "Pod".into(),
            name: pod.name.clone(),
        };
    };
    let mut cur = o.clone();
    for _ in 0..4 {
        match owners.get(&(pod.namespace.as_str(), cur.kind.as_str(), cur.name.as_str())) {
            Some(Some(up)) => cur = (*up).clone(),
            Some(None) => return cur,
            None => break,
        }
    }
    if cur.kind == "ReplicaSet"
        && let Some(h) = &pod.pod_template_hash
        && let Some(base) = cur.name.strip_suffix(&format!("-{h}"))
    {
        return Owner {
            kind: "Deployment".into(),
            name: base.to_string(),
        };
    }
    cur
}

/// Mode a namespace's labels ask for (`istio-injection` wins over `istio.io/rev`, as Istio's
/// webhook selectors say; `istio.io/dataplane-mode=ambient`; Linkerd's `linkerd.io/inject`).
pub fn labelled_mode(labels: &BTreeMap<String, String>) -> Option<NamespaceMode> {
    let l = |k: &str| labels.get(k).map(String::as_str);
    match l("istio-injection") {
        Some("enabled") => return Some(NamespaceMode::Sidecar),
        Some(_) => {}
        None if l("istio.io/rev").is_some() => return Some(NamespaceMode::Sidecar),
        None => {}
    }
    if l("istio.io/dataplane-mode") == Some("ambient") {
        return Some(if l("istio.io/use-waypoint").is_some() {
            NamespaceMode::AmbientWaypoint
        } else {
            NamespaceMode::Ambient
        });
    }
    if l("linkerd.io/inject") == Some("enabled") {
        return Some(NamespaceMode::Linkerd);
    }
    if l("istio-injection").is_some() || l("istio.io/dataplane-mode") == Some("none") {
        return Some(NamespaceMode::Outside);
    }
    None
}

fn opted_out(pod: &PodRecord) -> bool {
    let l = |k: &str| {
        pod.labels
            .get(k)
            .or_else(|| pod.annotations.get(k))
            .map(String::as_str)
    };
    l("sidecar.istio.io/inject") == Some("false")
        || l("istio.io/dataplane-mode") == Some("none")
        || pod.host_network
}

fn in_ambient(pod: &PodRecord, ns_labels: Option<&BTreeMap<String, String>>) -> bool {
    if pod
        .annotations
        .get("ambient.istio.io/redirection")
        .map(String::as_str)
        == Some("enabled")
    {
        return true;
    }
    let pod_mode = pod
        .labels
        .get("istio.io/dataplane-mode")
        .map(String::as_str);
    let ns_mode = ns_labels
        .and_then(|l| l.get("istio.io/dataplane-mode"))
        .map(String::as_str);
    (pod_mode == Some("ambient") || (ns_mode == Some("ambient") && pod_mode != Some("none")))
        && !pod.annotations.contains_key("sidecar.istio.io/status")
        && !pod.host_network
}

/// Per-pod facts the aggregation uses.
struct PodFacts {
    role: PodRole,
    pool: usize,
    with: Resources,
    without: Resources,
    sidecar: Option<PodSidecar>,
    app_used: Option<Measured>,
    pod_used: Option<Measured>,
    ambient: bool,
}

fn fits(free: Resources, shape: Resources, slots: u64) -> (u64, &'static str) {
    let div = |f: u64, s: u64| f.checked_div(s).unwrap_or(u64::MAX);
    let opts = [
        (div(free.gpus as u64, shape.gpus as u64), "gpu"),
        (div(free.cpu_milli, shape.cpu_milli), "cpu"),
        (div(free.memory_bytes, shape.memory_bytes), "memory"),
        (slots, "pods"),
    ];
    opts.into_iter().min_by_key(|o| o.0).unwrap_or((0, "pods"))
}

/// Audits `dump`. Pods bound to nodes missing from the dump must have been refused by the
/// reader; here they count in [`UNKNOWN_POOL`].
pub fn audit(dump: &Dump, opts: &AuditOptions) -> Result<Audit, AuditError> {
    let from_templates = dump.pods.is_empty();
    let pods: &[PodRecord] = if from_templates {
        &dump.templates
    } else {
        &dump.pods
    };
    if pods.is_empty() {
        return Err(AuditError::NoPods);
    }
    let mut warnings = Vec::new();

    // Pools.
    let mut pool_index: BTreeMap<(String, u32, Vec<String>, u32), usize> = BTreeMap::new();
    let mut pools: Vec<PoolAudit> = Vec::new();
    let mut node_pool: HashMap<&str, usize> = HashMap::new();
    let mut instance_counts: Vec<BTreeMap<String, u64>> = Vec::new();
    for n in &dump.nodes {
        let (name, label) = pool_name(n);
        let mut taint_key: Vec<String> = n
            .taints
            .iter()
            .map(|t| format!("{}={}:{}", t.key, t.value, t.effect.as_str()))
            .collect();
        taint_key.sort();
        let key = (name.clone(), n.gpus, taint_key, n.max_pods);
        let idx = *pool_index.entry(key).or_insert_with(|| {
            pools.push(PoolAudit {
                name: name.clone(),
                pool_label: label.clone(),
                instance_type: None,
                gpu_model: n.labels.get(GPU_PRODUCT_LABEL).cloned(),
                nodes: 0,
                gpus_per_node: n.gpus,
                taints: n.taints.clone(),
                zones: vec![],
                max_pods: n.max_pods,
                min_allocatable: Resources::cpu_mem(u64::MAX, u64::MAX),
                max_allocatable: Resources::ZERO,
                allocatable: Resources::ZERO,
                pods: 0,
                requested: Resources::ZERO,
                sidecar: SidecarTotals::default(),
                node_agents_request: Resources::ZERO,
                inference: None,
            });
            instance_counts.push(BTreeMap::new());
            pools.len() - 1
        });
        let p = &mut pools[idx];
        p.nodes += 1;
        let a = Resources {
            cpu_milli: n.cpu_milli,
            memory_bytes: n.memory_bytes,
            gpus: n.gpus,
            gpu_milli: 0,
        };
        p.allocatable += a;
        p.min_allocatable.cpu_milli = p.min_allocatable.cpu_milli.min(a.cpu_milli);
        p.min_allocatable.memory_bytes = p.min_allocatable.memory_bytes.min(a.memory_bytes);
        p.max_allocatable.cpu_milli = p.max_allocatable.cpu_milli.max(a.cpu_milli);
        p.max_allocatable.memory_bytes = p.max_allocatable.memory_bytes.max(a.memory_bytes);
        if let Some(z) = n.labels.get(ZONE_LABEL)
            && !p.zones.contains(z)
        {
            p.zones.push(z.clone());
        }
        if let Some(t) = INSTANCE_TYPE_LABELS.iter().find_map(|k| n.labels.get(*k)) {
            *instance_counts[idx].entry(t.clone()).or_default() += 1;
        }
        node_pool.insert(n.name.as_str(), idx);
    }
    // Pools of one name split by GPUs, taints or max pods get a suffix.
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for (p, counts) in pools.iter_mut().zip(&instance_counts) {
        p.zones.sort();
        p.instance_type = counts
            .iter()
            .max_by_key(|(t, c)| (**c, std::cmp::Reverse((*t).clone())))
            .map(|(t, _)| t.clone());
        let k = seen.entry(p.name.clone()).or_default();
        *k += 1;
        if *k > 1 {
            p.name = format!("{}-{}", p.name, k);
        }
    }
    let pending_pool = pools.len();
    let unknown_pool = pools.len() + 1;

    let ns_labels: HashMap<&str, &BTreeMap<String, String>> = dump
        .namespaces
        .iter()
        .map(|n| (n.name.as_str(), &n.labels))
        .collect();
    let owners: HashMap<(&str, &str, &str), Option<&Owner>> = dump
        .owners
        .iter()
        .map(|o| {
            (
                (o.namespace.as_str(), o.kind.as_str(), o.name.as_str()),
                o.owner.as_ref(),
            )
        })
        .collect();

    // Usage joined to pods.
    let (usage, unmatched_samples, namespace_less) = join_usage(pods, &dump.usage);
    if namespace_less > 0 {
        warnings.push(format!(
            "{namespace_less} usage row(s) had no namespace and were joined by pod name"
        ));
    }

    // Per-pod facts.
    let mut facts = Vec::with_capacity(pods.len());
    for pod in pods {
        let role = classify::pod_role(pod);
        let pool = match &pod.node {
            Some(n) => node_pool.get(n.as_str()).copied().unwrap_or(unknown_pool),
            None if from_templates || dump.nodes.is_empty() => unknown_pool,
            None => pending_pool,
        };
        let (with, without) = classify::requests_with_and_without_mesh(pod);
        let key = |c: &str| {
            (
                Some(pod.namespace.clone()),
                pod.name.clone(),
                Some(c.to_string()),
            )
        };
        let sc = if role == PodRole::Workload {
            sidecar_of(pod)
        } else {
            None
        };
        let sidecar = sc.map(|(kind, c)| PodSidecar {
            kind,
            request: requests_of(c),
            limit: Declared {
                cpu_milli: c.limits.cpu_milli,
                memory_bytes: c.limits.memory_bytes,
                gpus: None,
            },
            reclaimable: with.saturating_sub(without),
            used: usage.get(&key(&c.name)).copied(),
        });
        // The pod's running containers (app and native sidecars) measured in full, or a whole-pod
        // sample.
        let running: Vec<_> = pod
            .containers
            .iter()
            .filter(|c| c.slot != super::records::Slot::Init)
            .collect();
        let all: Option<Measured> = running.iter().try_fold(Measured::default(), |acc, c| {
            usage.get(&key(&c.name)).map(|m| acc.plus(*m))
        });
        let pod_used = all.or_else(|| {
            usage
                .get(&(Some(pod.namespace.clone()), pod.name.clone(), None))
                .copied()
        });
        let app_used = running
            .iter()
            .filter(|c| !classify::is_mesh_container(pod, c))
            .try_fold(Measured::default(), |acc, c| {
                usage.get(&key(&c.name)).map(|m| acc.plus(*m))
            });
        let ambient =
            sc.is_none() && in_ambient(pod, ns_labels.get(pod.namespace.as_str()).copied());
        facts.push(PodFacts {
            role,
            pool,
            with,
            without,
            sidecar,
            app_used,
            pod_used,
            ambient,
        });
    }

    // Aggregates.
    let pool_names: Vec<String> = pools.iter().map(|p| p.name.clone()).collect();
    let pool_name_of = |i: usize| -> String {
        if i < pool_names.len() {
            pool_names[i].clone()
        } else if i == pending_pool {
            PENDING_POOL.into()
        } else {
            UNKNOWN_POOL.into()
        }
    };
    let mut cells: BTreeMap<(String, String), CellAudit> = BTreeMap::new();
    let mut ns: BTreeMap<String, NamespaceAudit> = BTreeMap::new();
    let mut sidecars = SidecarTotals::default();
    let mut gpu_sidecars = SidecarTotals::default();
    let mut mesh = MeshAudit::default();
    let mut versions: BTreeMap<String, u64> = BTreeMap::new();
    let mut comp: BTreeMap<(PodRole, String), Vec<ComponentPod>> = BTreeMap::new();
    let mut total_pods = 0u64;
    for (pod, f) in pods.iter().zip(&facts) {
        let count = pod.count as u64;
        total_pods += count;
        if f.pool < pools.len() {
            let p = &mut pools[f.pool];
            p.pods += count;
            p.requested += f.with * count;
            if matches!(f.role, PodRole::Ztunnel | PodRole::IstioCni) {
                p.node_agents_request += f.with * count;
            }
            if let Some(s) = &f.sidecar {
                p.sidecar.add(s, count);
                if p.gpus_per_node > 0 {
                    gpu_sidecars.add(s, count);
                }
            }
        }
        for c in &pod.containers {
            if c.name == "istio-proxy"
                && let Some(t) = &c.image_tag
            {
                *versions.entry(t.clone()).or_default() += count;
            }
        }
        if f.role != PodRole::Workload {
            if f.role == PodRole::Gateway {
                mesh.gateways += count;
            }
            let key_ns = if f.role == PodRole::Waypoint {
                pod.namespace.clone()
            } else {
                String::new()
            };
            comp.entry((f.role, key_ns))
                .or_default()
                .push((f.with, f.pod_used, count));
            if f.role != PodRole::Gateway {
                continue;
            }
        }
        if let Some(s) = &f.sidecar {
            sidecars.add(s, count);
        }
        let cell = cells
            .entry((pod.namespace.clone(), pool_name_of(f.pool)))
            .or_insert_with(|| CellAudit {
                namespace: pod.namespace.clone(),
                pool: pool_name_of(f.pool),
                pods: 0,
                requested: Resources::ZERO,
                used: Measured::default(),
                pods_measured: 0,
                sidecar: SidecarTotals::default(),
            });
        cell.pods += count;
        cell.requested += f.with * count;
        if let Some(u) = f.pod_used {
            cell.pods_measured += count;
            cell.used = cell.used.plus(scale(u, count as f64));
        }
        if let Some(s) = &f.sidecar {
            cell.sidecar.add(s, count);
        }
        let n = ns
            .entry(pod.namespace.clone())
            .or_insert_with(|| NamespaceAudit::new(pod.namespace.clone()));
        n.pods += count;
        if f.sidecar.is_some() {
            n.sidecars += count;
        }
        if f.ambient {
            n.ambient_pods += count;
        }
        if f.with.gpus > 0 {
            n.gpu_pods += count;
        }
    }
    mesh.istio_version = versions
        .iter()
        .max_by_key(|(v, c)| (**c, std::cmp::Reverse((*v).clone())))
        .map(|(v, _)| v.clone());
    for ((role, wns), list) in comp {
        let c = component(&list);
        match role {
            PodRole::Ztunnel => mesh.ztunnel = Some(c),
            PodRole::IstioCni => mesh.istio_cni = Some(c),
            PodRole::Istiod => mesh.istiod = Some(c),
            PodRole::Waypoint => {
                mesh.waypoints.insert(wns, c);
            }
            _ => {}
        }
    }

    // Namespaces: modes, L7, order.
    for nr in &dump.namespaces {
        ns.entry(nr.name.clone())
            .or_insert_with(|| NamespaceAudit::new(nr.name.clone()));
    }
    let mut l7 = dump.l7.clone();
    l7.sort();
    for w in &dump.waypoints {
        if let Some(n) = ns.get_mut(&w.namespace) {
            n.has_waypoint = true;
        }
    }
    for s in &dump.sidecar_resources {
        if let Some(n) = ns.get_mut(s) {
            n.sidecar_scoped = true;
        }
    }
    let mesh_wide: Vec<&super::records::L7Finding> = l7
        .iter()
        .filter(|f| f.namespace == opts.root_namespace)
        .collect();
    for n in ns.values_mut() {
        n.labelled = ns_labels
            .get(n.name.as_str())
            .and_then(|l| labelled_mode(l));
        if mesh.waypoints.contains_key(&n.name) {
            n.has_waypoint = true;
        }
        n.observed = if n.sidecars > 0 {
            n.pods_without_sidecar = n.pods - n.sidecars;
            let linkerd = cells
                .values()
                .filter(|c| c.namespace == n.name)
                .map(|c| c.sidecar.linkerd)
                .sum::<u64>();
            if linkerd * 2 > n.sidecars {
                NamespaceMode::Linkerd
            } else {
                NamespaceMode::Sidecar
            }
        } else if n.ambient_pods > 0 {
            let waypoint_label = ns_labels
                .get(n.name.as_str())
                .is_some_and(|l| l.contains_key("istio.io/use-waypoint"));
            if n.has_waypoint || waypoint_label {
                NamespaceMode::AmbientWaypoint
            } else {
                NamespaceMode::Ambient
            }
        } else {
            NamespaceMode::Outside
        };
        n.evidence = match (n.observed, n.labelled) {
            (NamespaceMode::Outside, None) => "no mesh label, no sidecar, no ambient pod".into(),
            (o, Some(l)) if o == l => format!("labelled {} and its pods agree", l.as_str()),
            (o, Some(l)) => format!(
                "labelled {} but its pods are {} (restart them, or the label is stale)",
                l.as_str(),
                o.as_str()
            ),
            (o, None) => format!("{} from its pods (no namespace label)", o.as_str()),
        };
        for f in l7.iter().filter(|f| f.namespace == n.name) {
            if f.needs_waypoint {
                n.l7_features.insert(f.feature.clone());
            } else {
                n.other_features.insert(f.feature.clone());
            }
            n.needs_waypoint |= f.needs_waypoint;
            n.envoyfilter |= f.kind == "EnvoyFilter";
        }
        if n.observed != NamespaceMode::Outside && n.name != opts.root_namespace {
            for f in &mesh_wide {
                let set = if f.needs_waypoint {
                    &mut n.l7_features
                } else {
                    &mut n.other_features
                };
                set.insert(format!("{} (mesh-wide)", f.feature));
                n.needs_waypoint |= f.needs_waypoint;
                n.envoyfilter |= f.kind == "EnvoyFilter";
            }
        }
    }
    // Order: meshed namespaces not yet ambient; GPU first, then L4-only, then L7, then by pods.
    let mut order: Vec<&mut NamespaceAudit> = ns
        .values_mut()
        .filter(|n| n.observed.has_sidecar())
        .collect();
    order.sort_by_key(|n| {
        (
            n.gpu_pods == 0,
            n.needs_waypoint,
            n.envoyfilter,
            std::cmp::Reverse(n.sidecars),
            n.name.clone(),
        )
    });
    for (i, n) in order.into_iter().enumerate() {
        n.order = Some(i as u32 + 1);
    }
    for n in ns.values_mut() {
        n.hint = hint(n);
    }

    // Workloads.
    let workloads = group_workloads(pods, &facts, &owners, &ns, &pool_name_of);

    // Inference room per GPU pool.
    inference_room(
        &mut pools,
        pods,
        &facts,
        &workloads,
        &dump.nodes,
        &node_pool,
    );

    if from_templates {
        warnings.push(
            "no live pods in the inputs: workload templates are audited at their spec.replicas \
             (no placement, no usage)"
                .into(),
        );
    }
    if unmatched_samples > 0 {
        warnings.push(format!(
            "{unmatched_samples} usage series matched no container of a pod in the dump (pods gone \
             since, or a dump of another cluster)"
        ));
    }
    let partial = sidecars.sidecars - sidecars.measured;
    if sidecars.measured > 0 && partial > 0 {
        warnings.push(format!(
            "{partial} of {} sidecars have no measured usage: used figures are n/m where they are \
             missing",
            sidecars.sidecars
        ));
    }
    if pools.iter().any(|p| p.min_allocatable != p.max_allocatable) {
        warnings.push(
            "some pools' nodes differ in allocatable; the emitted scenario uses the smallest"
                .into(),
        );
    }

    Ok(Audit {
        pools,
        cells: cells.into_values().collect(),
        namespaces: ns.into_values().collect(),
        workloads,
        l7,
        mesh,
        sidecars,
        gpu_sidecars,
        pods: total_pods,
        from_templates,
        unmatched_samples,
        warnings,
    })
}

/// One mesh component pod: effective request, measured usage, count.
type ComponentPod = (Resources, Option<Measured>, u64);

fn component(list: &[ComponentPod]) -> ComponentAudit {
    let mut counts: BTreeMap<(u64, u64, u32), u64> = BTreeMap::new();
    let mut pods = 0;
    let mut used = Measured::default();
    let mut measured = 0u64;
    for (r, u, c) in list {
        pods += c;
        *counts
            .entry((r.cpu_milli, r.memory_bytes, r.gpus))
            .or_default() += c;
        if let Some(u) = u {
            measured += c;
            used = used.plus(scale(*u, *c as f64));
        }
    }
    let (cpu, mem, gpus) = counts
        .iter()
        .max_by_key(|(k, c)| (**c, std::cmp::Reverse(**k)))
        .map(|(k, _)| *k)
        .unwrap_or_default();
    ComponentAudit {
        pods,
        request: Resources {
            cpu_milli: cpu,
            memory_bytes: mem,
            gpus,
            gpu_milli: 0,
        },
        used: (measured > 0).then(|| scale(used, 1.0 / measured as f64)),
    }
}

fn hint(n: &NamespaceAudit) -> String {
    let l7: Vec<&str> = n.l7_features.iter().map(String::as_str).collect();
    match n.observed {
        NamespaceMode::Outside => "not meshed today".into(),
        NamespaceMode::Ambient | NamespaceMode::AmbientWaypoint => {
            if n.needs_waypoint && !n.has_waypoint {
                format!(
                    "ambient without a waypoint, but uses {}: add one",
                    l7.join(", ")
                )
            } else {
                "already ambient".into()
            }
        }
        _ => {
            let mut s = String::from("ambient (L4) first");
            if n.gpu_pods > 0 {
                s.push_str(", GPU namespace: early");
            }
            if n.envoyfilter {
                s.push_str("; EnvoyFilter has no ambient equivalent: rework it first");
            }
            if n.needs_waypoint {
                s.push_str(&format!("; then a waypoint for {}", l7.join(", ")));
            }
            s
        }
    }
}

fn pool_name(n: &NodeRecord) -> (String, Option<(String, String)>) {
    for k in POOL_LABELS {
        if let Some(v) = n.labels.get(*k) {
            return (v.clone(), Some((k.to_string(), v.clone())));
        }
    }
    if let Some(t) = INSTANCE_TYPE_LABELS.iter().find_map(|k| n.labels.get(*k)) {
        return (t.clone(), None);
    }
    ("nodes".into(), None)
}

fn join_usage(
    pods: &[PodRecord],
    samples: &[UsageSample],
) -> (BTreeMap<SeriesKey, Measured>, u64, u64) {
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in pods {
        by_name
            .entry(p.name.as_str())
            .or_default()
            .push(p.namespace.as_str());
    }
    let mut namespace_less = 0u64;
    let resolved: Vec<UsageSample> = samples
        .iter()
        .filter_map(|s| {
            if s.namespace.is_some() {
                return Some(s.clone());
            }
            namespace_less += 1;
            match by_name.get(s.pod.as_str()) {
                Some(v) if v.len() == 1 => Some(UsageSample {
                    namespace: Some(v[0].to_string()),
                    ..s.clone()
                }),
                _ => None,
            }
        })
        .collect();
    let reduced = reduce(&resolved);
    let mut known: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for p in pods {
        known.insert((p.namespace.as_str(), p.name.as_str()));
    }
    let unmatched = reduced
        .keys()
        .filter(|(ns, pod, _)| !known.contains(&(ns.as_deref().unwrap_or(""), pod.as_str())))
        .count() as u64
        + (samples.len() - resolved.len()) as u64;
    (reduced, unmatched, namespace_less)
}

type WorkloadKey = (
    String,
    Owner,
    usize,
    Resources,
    Resources,
    Option<SidecarKind>,
    bool,
    bool,
);

fn group_workloads(
    pods: &[PodRecord],
    facts: &[PodFacts],
    owners: &HashMap<(&str, &str, &str), Option<&Owner>>,
    ns: &BTreeMap<String, NamespaceAudit>,
    pool_name_of: &dyn Fn(usize) -> String,
) -> Vec<WorkloadAudit> {
    let mut index: HashMap<WorkloadKey, usize> = HashMap::new();
    let mut out: Vec<WorkloadAudit> = Vec::new();
    let mut sums: Vec<(Measured, u64, Measured, u64)> = Vec::new();
    for (pod, f) in pods.iter().zip(facts) {
        if !matches!(f.role, PodRole::Workload | PodRole::Gateway) {
            continue;
        }
        let owner = top_owner(pod, owners);
        let meshed_ns = ns
            .get(&pod.namespace)
            .is_some_and(|n| n.observed != NamespaceMode::Outside);
        let unmeshed = meshed_ns && f.sidecar.is_none() && !f.ambient;
        let key: WorkloadKey = (
            pod.namespace.clone(),
            owner.clone(),
            f.pool,
            f.without,
            f.with.saturating_sub(f.without),
            f.sidecar.map(|s| s.kind),
            unmeshed || opted_out(pod),
            f.ambient,
        );
        let count = pod.count as u64;
        let i = *index.entry(key).or_insert_with(|| {
            let app_limit = pod
                .containers
                .iter()
                .filter(|c| {
                    c.slot == super::records::Slot::App && !classify::is_mesh_container(pod, c)
                })
                .try_fold(Declared::default(), |acc, c| {
                    Some(Declared {
                        cpu_milli: Some(acc.cpu_milli.unwrap_or(0) + c.limits.cpu_milli?),
                        memory_bytes: Some(acc.memory_bytes.unwrap_or(0) + c.limits.memory_bytes?),
                        gpus: None,
                    })
                })
                .unwrap_or_default();
            out.push(WorkloadAudit {
                namespace: pod.namespace.clone(),
                owner: owner.name.clone(),
                owner_kind: owner.kind.clone(),
                pool: pool_name_of(f.pool),
                role: f.role,
                replicas: 0,
                request_without_mesh: f.without,
                mesh_request: f.with.saturating_sub(f.without),
                sidecar_kind: f.sidecar.map(|s| s.kind),
                sidecar_request: f.sidecar.map_or(Resources::ZERO, |s| s.request),
                sidecar_limit: f.sidecar.map_or(Declared::default(), |s| s.limit),
                app_limit,
                app_used: None,
                sidecar_used: None,
                measured: 0,
                unmeshed_in_meshed_namespace: unmeshed || opted_out(pod),
                ambient: f.ambient,
                tolerations: pod.tolerations.clone(),
            });
            sums.push(Default::default());
            out.len() - 1
        });
        out[i].replicas += count;
        let s = &mut sums[i];
        if let Some(u) = f.app_used {
            s.0 = s.0.plus(scale(u, count as f64));
            s.1 += count;
        }
        if let Some(u) = f.sidecar.and_then(|s| s.used) {
            s.2 = s.2.plus(scale(u, count as f64));
            s.3 += count;
        }
    }
    for (w, s) in out.iter_mut().zip(&sums) {
        w.measured = s.1;
        w.app_used = (s.1 > 0).then(|| scale(s.0, 1.0 / s.1 as f64));
        w.sidecar_used = (s.3 > 0).then(|| scale(s.2, 1.0 / s.3 as f64));
    }
    out
}

fn inference_room(
    pools: &mut [PoolAudit],
    pods: &[PodRecord],
    facts: &[PodFacts],
    workloads: &[WorkloadAudit],
    nodes: &[NodeRecord],
    node_pool: &HashMap<&str, usize>,
) {
    struct NodeUse {
        free: Resources,
        slots: u64,
        sidecar_reclaim: Resources,
    }
    let mut by_node: HashMap<&str, NodeUse> = nodes
        .iter()
        .map(|n| {
            (
                n.name.as_str(),
                NodeUse {
                    free: Resources {
                        cpu_milli: n.cpu_milli,
                        memory_bytes: n.memory_bytes,
                        gpus: n.gpus,
                        gpu_milli: 0,
                    },
                    slots: n.max_pods as u64,
                    sidecar_reclaim: Resources::ZERO,
                },
            )
        })
        .collect();
    for (pod, f) in pods.iter().zip(facts) {
        if let Some(n) = pod.node.as_deref().and_then(|n| by_node.get_mut(n)) {
            n.free = n.free.saturating_sub(f.with);
            n.slots = n.slots.saturating_sub(1);
            if let Some(s) = &f.sidecar {
                n.sidecar_reclaim += s.reclaimable;
            }
        }
    }
    for (pi, p) in pools.iter_mut().enumerate() {
        if p.gpus_per_node == 0 {
            continue;
        }
        let Some(w) = workloads
            .iter()
            .filter(|w| w.pool == p.name && w.request_without_mesh.gpus > 0)
            .max_by_key(|w| {
                (
                    w.replicas,
                    std::cmp::Reverse((w.namespace.clone(), w.owner.clone())),
                )
            })
        else {
            continue;
        };
        let shape = w.request_without_mesh + w.mesh_request;
        let shape_after = w.request_without_mesh;
        let mut now = 0u64;
        let mut after = 0u64;
        let mut binding: BTreeMap<&'static str, u64> = BTreeMap::new();
        for (name, u) in &by_node {
            if node_pool.get(name) != Some(&pi) {
                continue;
            }
            let (a, b) = fits(u.free, shape, u.slots);
            now += a;
            *binding.entry(b).or_default() += 1;
            after += fits(u.free + u.sidecar_reclaim, shape_after, u.slots).0;
        }
        p.inference = Some(InferenceRoom {
            workload: format!("{}/{}", w.namespace, w.owner),
            shape: shape_after,
            pods: workloads
                .iter()
                .filter(|x| x.pool == p.name && x.namespace == w.namespace && x.owner == w.owner)
                .map(|x| x.replicas)
                .sum(),
            extra_now: now,
            extra_without_sidecars: after,
            binding_now: binding
                .iter()
                .max_by_key(|(k, c)| (**c, std::cmp::Reverse(**k)))
                .map_or("pods", |(k, _)| k),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::records::{ContainerRecord, Declared, NamespaceRecord, OwnerRecord, Slot};
    use crate::resources::MIB;

    fn c(name: &str, slot: Slot, cpu: u64, mem_mib: u64) -> ContainerRecord {
        ContainerRecord {
            name: name.into(),
            slot,
            args_head: vec![],
            image_name: String::new(),
            image_tag: None,
            requests: Declared {
                cpu_milli: Some(cpu),
                memory_bytes: Some(mem_mib * MIB),
                gpus: None,
            },
            limits: Declared::default(),
        }
    }

    fn pod(
        ns: &str,
        name: &str,
        owner: Option<(&str, &str)>,
        containers: Vec<ContainerRecord>,
    ) -> PodRecord {
        PodRecord {
            namespace: ns.into(),
            name: name.into(),
            count: 1,
            node: None,
            owner: owner.map(|(k, n)| Owner {
                kind: k.into(),
                name: n.into(),
            }),
            pod_template_hash: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            containers,
            overhead: Declared::default(),
            pod_level: Declared::default(),
            tolerations: vec![],
            node_selector: BTreeMap::new(),
            host_network: false,
        }
    }

    #[test]
    fn linkerd_proxies_are_sidecars_of_a_linkerd_namespace() {
        let mut labels = BTreeMap::new();
        labels.insert("linkerd.io/inject".to_string(), "enabled".to_string());
        let dump = Dump {
            pods: vec![pod(
                "emojivoto",
                "web-1",
                None,
                vec![
                    c("linkerd-init", Slot::Init, 100, 20),
                    c("web", Slot::App, 100, 64),
                    c("linkerd-proxy", Slot::App, 100, 20),
                ],
            )],
            namespaces: vec![NamespaceRecord {
                name: "emojivoto".into(),
                labels,
            }],
            ..Default::default()
        };
        let a = audit(&dump, &AuditOptions::default()).unwrap();
        assert_eq!((a.sidecars.sidecars, a.sidecars.linkerd), (1, 1));
        let n = &a.namespaces[0];
        assert_eq!(
            (n.labelled, n.observed),
            (Some(NamespaceMode::Linkerd), NamespaceMode::Linkerd)
        );
        // With the proxy: max(100 + 100, 100) = 200m; without proxy and init: 100m.
        assert_eq!(a.sidecars.reclaimable.cpu_milli, 100);
    }

    #[test]
    fn owners_from_workload_objects_lead_to_the_top_owner() {
        let dump = Dump {
            pods: vec![
                // No pod-template-hash label: only the ReplicaSet object names its Deployment.
                pod(
                    "a",
                    "api-x1",
                    Some(("ReplicaSet", "api-6f9")),
                    vec![c("api", Slot::App, 100, 64)],
                ),
                pod(
                    "a",
                    "api-x2",
                    Some(("ReplicaSet", "api-6f9")),
                    vec![c("api", Slot::App, 100, 64)],
                ),
                // A CronJob's Job, named by its own run.
                pod(
                    "a",
                    "report-29001-q",
                    Some(("Job", "report-29001")),
                    vec![c("r", Slot::App, 100, 64)],
                ),
            ],
            owners: vec![
                OwnerRecord {
                    kind: "ReplicaSet".into(),
                    namespace: "a".into(),
                    name: "api-6f9".into(),
                    owner: Some(Owner {
                        kind: "Deployment".into(),
                        name: "api".into(),
                    }),
                },
                OwnerRecord {
                    kind: "Job".into(),
                    namespace: "a".into(),
                    name: "report-29001".into(),
                    owner: Some(Owner {
                        kind: "CronJob".into(),
                        name: "report".into(),
                    }),
                },
            ],
            ..Default::default()
        };
        let a = audit(&dump, &AuditOptions::default()).unwrap();
        let got: Vec<(&str, &str, u64)> = a
            .workloads
            .iter()
            .map(|w| (w.owner_kind.as_str(), w.owner.as_str(), w.replicas))
            .collect();
        assert_eq!(got, [("Deployment", "api", 2), ("CronJob", "report", 1)]);
    }
}
