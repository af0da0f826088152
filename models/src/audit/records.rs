//! What the audit reads from a cluster dump, reduced to the fields it uses. The parsers in
//! `meshsim-scenarios` fill these from real Kubernetes objects; nothing else from the dump (env
//! values, annotations other than the few named here, config) is kept, so nothing else can reach
//! an output.

use std::collections::BTreeMap;

use crate::cluster::{Taint, Toleration};

/// Requests or limits of one container, as declared (`None` = not set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Declared {
    /// CPU, millicores (rounded up, as Kubernetes does).
    pub cpu_milli: Option<u64>,
    /// Memory, bytes.
    pub memory_bytes: Option<u64>,
    /// `nvidia.com/gpu`.
    pub gpus: Option<u32>,
}

/// Where a container sits in the pod spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// `spec.containers`.
    App,
    /// `spec.initContainers`, run to completion before the pod starts.
    Init,
    /// `spec.initContainers` with `restartPolicy: Always`: a native sidecar, running for the
    /// pod's life.
    NativeSidecar,
}

/// One container of a pod spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerRecord {
    /// Container name.
    pub name: String,
    /// Where it sits.
    pub slot: Slot,
    /// The first two arguments (`proxy sidecar`, `proxy router`, …), the only args read.
    pub args_head: Vec<String>,
    /// The image's last path segment without tag (`proxyv2`, `ztunnel`, `install-cni`).
    pub image_name: String,
    /// The image tag (`1.24.2`), when there is one.
    pub image_tag: Option<String>,
    /// Requests as declared.
    pub requests: Declared,
    /// Limits as declared.
    pub limits: Declared,
}

/// The owner of a pod, as its controller reference says.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Owner {
    /// `ReplicaSet`, `StatefulSet`, `DaemonSet`, `Job`, …
    pub kind: String,
    /// Owner name.
    pub name: String,
}

/// One pod (live, or a workload's template counted `count` times).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodRecord {
    /// Namespace.
    pub namespace: String,
    /// Pod name (live pods) or the template's workload name.
    pub name: String,
    /// How many identical pods this record stands for (1 for live pods).
    pub count: u32,
    /// `spec.nodeName` (`None`: not bound — pending, or a template).
    pub node: Option<String>,
    /// The controller owner.
    pub owner: Option<Owner>,
    /// `metadata.labels["pod-template-hash"]`.
    pub pod_template_hash: Option<String>,
    /// The labels the audit reads (Istio's, Linkerd's, `app`, `k8s-app`), others dropped.
    pub labels: BTreeMap<String, String>,
    /// The annotations the audit reads: only their presence or these exact keys.
    pub annotations: BTreeMap<String, String>,
    /// Containers, init containers included.
    pub containers: Vec<ContainerRecord>,
    /// `spec.overhead` (RuntimeClass), added to the pod's requests.
    pub overhead: Declared,
    /// `spec.resources` (pod-level resources, Kubernetes ≥ 1.34): when set, they are the pod's.
    pub pod_level: Declared,
    /// Tolerations.
    pub tolerations: Vec<Toleration>,
    /// `spec.nodeSelector`.
    pub node_selector: BTreeMap<String, String>,
    /// `spec.hostNetwork` (Istio never injects such pods).
    pub host_network: bool,
}

/// One node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRecord {
    /// Node name (used to join pods; never written to an output).
    pub name: String,
    /// The labels used to group nodes into pools and zones.
    pub labels: BTreeMap<String, String>,
    /// `status.allocatable`: CPU millicores.
    pub cpu_milli: u64,
    /// `status.allocatable`: memory bytes.
    pub memory_bytes: u64,
    /// `status.allocatable["nvidia.com/gpu"]`.
    pub gpus: u32,
    /// `status.allocatable.pods`.
    pub max_pods: u32,
    /// `spec.taints`.
    pub taints: Vec<Taint>,
}

/// One namespace's mesh labels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamespaceRecord {
    /// Name.
    pub name: String,
    /// The labels and annotations the audit reads (`istio-injection`, `istio.io/rev`,
    /// `istio.io/dataplane-mode`, `istio.io/use-waypoint`, `linkerd.io/inject`).
    pub labels: BTreeMap<String, String>,
}

/// A workload object (`Deployment`, `ReplicaSet`, …): joins pods to their top owner, and stands
/// in for its pods when a dump has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerRecord {
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Its own controller owner (a ReplicaSet's Deployment, a Job's CronJob).
    pub owner: Option<Owner>,
}

/// One usage observation of one container (or of a whole pod when `container` is `None`: a
/// `kubectl top pods` file without `--containers`).
#[derive(Clone, Debug, PartialEq)]
pub struct UsageSample {
    /// Namespace (`None` when the file had no NAMESPACE column: joined by pod name).
    pub namespace: Option<String>,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: Option<String>,
    /// Which snapshot (file, or a timestamp of a range) this belongs to.
    pub snapshot: u32,
    /// CPU, millicores (a rate); `None` when the source gives memory only.
    pub cpu_milli: Option<f64>,
    /// Memory working set, bytes; `None` when the source gives CPU only.
    pub memory_bytes: Option<f64>,
}

/// An L7 feature found in an Istio or Gateway API resource.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct L7Finding {
    /// Namespace of the resource.
    pub namespace: String,
    /// Kind (`VirtualService`, `AuthorizationPolicy`, `HTTPRoute`, …).
    pub kind: String,
    /// Resource name.
    pub name: String,
    /// The feature (`http-routing`, `l7-authorization`, `jwt`, `envoyfilter`, …).
    pub feature: String,
    /// Whether ambient needs a waypoint to keep it (false: ztunnel enforces it, or it only
    /// configures an ingress gateway).
    pub needs_waypoint: bool,
    /// What was seen, in a few words (never a value from the resource beyond field names).
    pub detail: String,
}

/// A waypoint declared as a Gateway API `Gateway` of class `istio-waypoint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaypointGateway {
    /// Namespace.
    pub namespace: String,
    /// Gateway name.
    pub name: String,
}

/// Everything read from the inputs.
#[derive(Clone, Debug, Default)]
pub struct Dump {
    /// Pods (or templates).
    pub pods: Vec<PodRecord>,
    /// Nodes.
    pub nodes: Vec<NodeRecord>,
    /// Namespaces.
    pub namespaces: Vec<NamespaceRecord>,
    /// Workload objects.
    pub owners: Vec<OwnerRecord>,
    /// Usage samples.
    pub usage: Vec<UsageSample>,
    /// L7 findings.
    pub l7: Vec<L7Finding>,
    /// Waypoint gateways.
    pub waypoints: Vec<WaypointGateway>,
    /// `Sidecar` resources per namespace (they scope what the sidecars see).
    pub sidecar_resources: Vec<String>,
    /// Workload objects whose templates stand for pods (a dump without live pods).
    pub templates: Vec<PodRecord>,
}
