//! Mesh modes and what their proxies cost.
//!
//! Every proxy model separates the **request** (what blocks scheduling) from the **usage** (what is
//! consumed). Requests come from the mesh's charts (or are right-sized from usage); usage comes from
//! linear models whose coefficients are in [`crate::presets`], each with its source.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::Workload;
use crate::delay::DelaySpec;
use crate::resources::{MIB, Resources, Usage};

/// A mesh mode compared in a run.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum MeshMode {
    /// No mesh: the baseline for latency and for "replicas recovered against no mesh".
    None,
    /// Istio sidecars: one Envoy per meshed pod.
    Sidecar,
    /// Istio ambient, L4 only: one ztunnel per node.
    Ambient,
    /// Istio ambient with waypoints (L7) in the named namespaces.
    AmbientWaypoint,
    /// Per-namespace modes as the scenario assigns them (a half-migrated cluster).
    Mixed,
    /// Linkerd: one linkerd2-proxy per meshed pod.
    Linkerd,
    /// Cilium: the per-node agent's share of mesh duties.
    Cilium,
}
crate::named_enum!(MeshMode, "mesh mode");

/// How one namespace is meshed.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum NamespaceMode {
    /// Not in the mesh.
    #[strum(serialize = "none")]
    Outside,
    /// Istio sidecars.
    Sidecar,
    /// Istio ambient (ztunnel).
    Ambient,
    /// Istio ambient with a waypoint for the namespace.
    AmbientWaypoint,
    /// Linkerd proxies.
    Linkerd,
    /// Cilium node agent.
    Cilium,
}
crate::named_enum!(NamespaceMode, "namespace mode");

impl NamespaceMode {
    /// Whether pods of the namespace carry a per-pod proxy.
    pub fn has_sidecar(self) -> bool {
        matches!(self, NamespaceMode::Sidecar | NamespaceMode::Linkerd)
    }

    /// Whether the namespace's traffic goes through the node's ztunnel.
    pub fn uses_ztunnel(self) -> bool {
        matches!(
            self,
            NamespaceMode::Ambient | NamespaceMode::AmbientWaypoint
        )
    }
}

/// How much of the mesh a sidecar is told about.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum SidecarScope {
    /// Every service in the cluster (Istio's default).
    #[default]
    Mesh,
    /// Only services in the pod's own namespace (a namespace-wide `Sidecar` resource with
    /// `egress: ["./*"]`), plus the control plane.
    Namespace,
}
crate::named_enum!(SidecarScope, "sidecar scope");

/// How proxy requests are set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RequestPolicy {
    /// The charts' defaults (and per-workload overrides).
    ChartDefaults,
    /// Request = modelled usage × headroom (per workload for sidecars, per namespace for
    /// waypoints, the maximum over nodes for DaemonSets).
    RightSized {
        /// Multiplier on usage, ≥ 1.
        headroom: f64,
    },
}

/// A per-pod proxy (Istio sidecar, Linkerd proxy).
#[derive(Clone, Debug, PartialEq)]
pub struct SidecarCosts {
    /// Request of the proxy container.
    pub request: Resources,
    /// Limit of the proxy container.
    pub limit: Resources,
    /// Memory with an empty configuration, bytes.
    pub base_memory_bytes: f64,
    /// Memory per visible cluster (service × port), bytes.
    pub memory_per_cluster_bytes: f64,
    /// Memory per visible endpoint (pod behind a visible service), bytes.
    pub memory_per_endpoint_bytes: f64,
    /// Idle CPU, millicores.
    pub base_cpu_milli: f64,
    /// CPU per 1000 requests per second through the proxy, millicores.
    pub cpu_milli_per_1000_rps: f64,
    /// Worker threads (Envoy runs ceil(CPU limit) workers).
    pub workers: u32,
    /// On-path time per request through the proxy (request and response): the latency it adds
    /// before queueing. A worker is held for this time × (CPU per request ÷ its mean).
    pub service_time: DelaySpec,
}

/// A per-node proxy (ztunnel, Cilium agent).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeProxyCosts {
    /// DaemonSet pod request.
    pub request: Resources,
    /// Memory with nothing to do, bytes.
    pub base_memory_bytes: f64,
    /// Memory per meshed pod on the node (identities, certificates), bytes.
    pub memory_per_local_pod_bytes: f64,
    /// Memory per pod in the whole cluster (workload discovery), bytes.
    pub memory_per_cluster_pod_bytes: f64,
    /// Memory per open connection, bytes.
    pub memory_per_connection_bytes: f64,
    /// Memory per 1000 requests per second through the node, bytes.
    pub memory_per_1000_rps_bytes: f64,
    /// Idle CPU, millicores.
    pub base_cpu_milli: f64,
    /// CPU per 1000 requests per second through the node, millicores.
    pub cpu_milli_per_1000_rps: f64,
    /// CPU time per new connection, milliseconds (so per new connection per second, millicores).
    pub cpu_ms_per_new_connection: f64,
    /// Fixed worker threads, or `None` for max(2, ¼ of the node's cores) as ztunnel ≥ 1.31 does.
    pub workers: Option<u32>,
    /// On-path time per request through the proxy.
    pub service_time: DelaySpec,
}

/// A per-namespace L7 proxy Deployment (Istio waypoint).
#[derive(Clone, Debug, PartialEq)]
pub struct WaypointCosts {
    /// Pod request.
    pub request: Resources,
    /// Pod limit.
    pub limit: Resources,
    /// Replicas per waypoint.
    pub replicas: u32,
    /// Memory with the namespace's configuration, bytes (plus per-cluster/endpoint terms as a
    /// sidecar scoped to the namespace).
    pub base_memory_bytes: f64,
    /// Memory per 1000 requests per second, bytes.
    pub memory_per_1000_rps_bytes: f64,
    /// Idle CPU, millicores.
    pub base_cpu_milli: f64,
    /// CPU per 1000 requests per second, millicores.
    pub cpu_milli_per_1000_rps: f64,
    /// Worker threads per replica.
    pub workers: u32,
    /// On-path time per request through the proxy.
    pub service_time: DelaySpec,
}

/// A per-node helper with fixed cost (istio-cni node agent).
#[derive(Clone, Debug, PartialEq)]
pub struct FixedCosts {
    /// Pod request.
    pub request: Resources,
    /// Pod usage.
    pub usage: Usage,
}

/// A control plane Deployment (istiod).
#[derive(Clone, Debug, PartialEq)]
pub struct ControlPlaneCosts {
    /// Pod request.
    pub request: Resources,
    /// Fewest replicas.
    pub min_replicas: u32,
    /// Most replicas (HPA maximum).
    pub max_replicas: u32,
    /// HPA target CPU utilisation of the request (0.8 = 80 %).
    pub hpa_target: f64,
    /// Usage with nothing connected.
    pub base: Usage,
    /// Usage per connected proxy.
    pub per_proxy: Usage,
    /// Memory per pod known to the mesh, bytes.
    pub memory_per_pod_bytes: f64,
}

/// Every figure a mesh mode needs: one named preset, each value overridable.
#[derive(Clone, Debug, PartialEq)]
pub struct MeshCosts {
    /// Preset name, e.g. `istio-1.24`, or the path of a preset file.
    pub preset: String,
    /// Where a preset file's figures come from (its base preset and, for one `meshsim
    /// calibrate` wrote, the points it was fitted on and its errors); `None` for a built-in.
    pub origin: Option<String>,
    /// Istio sidecar.
    pub sidecar: SidecarCosts,
    /// ztunnel.
    pub ztunnel: NodeProxyCosts,
    /// Waypoint.
    pub waypoint: WaypointCosts,
    /// istio-cni node agent.
    pub istio_cni: FixedCosts,
    /// istiod.
    pub istiod: ControlPlaneCosts,
    /// Linkerd proxy.
    pub linkerd_proxy: SidecarCosts,
    /// Linkerd control plane.
    pub linkerd_control_plane: ControlPlaneCosts,
    /// Cilium agent.
    pub cilium_agent: NodeProxyCosts,
    /// Figures no source gives (keys from [`Unsourced`]): their values are placeholders, so the
    /// outputs that depend on them are "not modelled". A scenario that sets the figure removes
    /// its key.
    pub unsourced: BTreeSet<Unsourced>,
}

/// A figure that no calibration source gives.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Unsourced {
    /// Linkerd proxy CPU (`linkerd_proxy.base_cpu`, `cpu_per_1000_rps`).
    LinkerdProxyCpu,
    /// Linkerd proxy on-path time (`linkerd_proxy.service_time`).
    LinkerdProxyLatency,
    /// Linkerd's control plane (never configurable: not modelled).
    LinkerdControlPlane,
    /// Cilium agent CPU (`cilium_agent.base_cpu`, `cpu_per_1000_rps`, …).
    CiliumAgentCpu,
    /// Cilium's data path latency (`cilium_agent.service_time`; meshsim puts no station on
    /// the path by default).
    CiliumLatency,
    /// Cilium's control plane (operator): not modelled.
    CiliumControlPlane,
}
crate::named_enum!(Unsourced, "unsourced figure");

/// Which of a mode's outputs rest on figures no source gives: shown as "n/m" (not modelled) and
/// left empty in tables, never as 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unmodelled {
    /// Proxy CPU usage (modelled and simulated).
    pub proxy_cpu: bool,
    /// Added latency (per hop and per call graph).
    pub latency: bool,
    /// Control plane requests and usage.
    pub control_plane: bool,
}

impl MeshCosts {
    /// What is not modelled for a cluster whose namespaces run `modes`.
    pub fn unmodelled(&self, modes: impl IntoIterator<Item = NamespaceMode>) -> Unmodelled {
        let has = |k: Unsourced| self.unsourced.contains(&k);
        let mut u = Unmodelled::default();
        for m in modes {
            match m {
                NamespaceMode::Linkerd => {
                    u.proxy_cpu |= has(Unsourced::LinkerdProxyCpu);
                    u.latency |= has(Unsourced::LinkerdProxyLatency);
                    u.control_plane |= has(Unsourced::LinkerdControlPlane);
                }
                NamespaceMode::Cilium => {
                    u.proxy_cpu |= has(Unsourced::CiliumAgentCpu);
                    u.latency |= has(Unsourced::CiliumLatency);
                    u.control_plane |= has(Unsourced::CiliumControlPlane);
                }
                _ => {}
            }
        }
        u
    }
}

/// The scenario's mesh: costs, who is meshed, how, and how requests are set.
#[derive(Clone, Debug, PartialEq)]
pub struct MeshConfig {
    /// Costs.
    pub costs: MeshCosts,
    /// Namespaces never meshed (e.g. `kube-system`).
    pub exclude_namespaces: BTreeSet<String>,
    /// Namespaces that get a waypoint in `ambient-waypoint` mode (empty: every meshed namespace).
    pub waypoint_namespaces: BTreeSet<String>,
    /// Per-namespace modes for `mixed` (unlisted meshed namespaces take `mixed_default`).
    pub namespace_modes: BTreeMap<String, NamespaceMode>,
    /// Mode of meshed namespaces not listed in `namespace_modes`, in `mixed`.
    pub mixed_default: NamespaceMode,
    /// Sidecar visibility.
    pub sidecar_scope: SidecarScope,
    /// Request policy.
    pub request_policy: RequestPolicy,
    /// Run the istio-cni node agent in sidecar mode too (ambient always needs it).
    pub cni_in_sidecar_mode: bool,
    /// What this cluster's proxies and control plane carry of the fleet's other clusters
    /// (nothing in a single-cluster fleet; set per member by the packer).
    pub remote: RemoteView,
}

/// What one cluster of a multicluster fleet carries of the others, per Istio's multi-primary and
/// primary-remote models (<https://istio.io/latest/docs/ops/deployment/deployment-models/>):
///
/// - every sidecar holds the services (Envoy clusters) of every member;
/// - endpoints on its own network appear pod by pod; a service whose pods are on another
///   network appears as one endpoint per port, the address of that network's east-west gateway
///   ("split horizon EDS": `EndpointsByNetworkFilter` in istio/istio's
///   `pilot/pkg/xds/endpoints/ep_filters.go` drops a remote network's pods and adds its gateway);
/// - ztunnel holds every pod of the fleet (an assumption: the ambient multicluster docs say each
///   istiod watches every member's API server, not which workloads it sends to ztunnel);
/// - an istiod serves its own cluster's proxies plus those of the remote clusters that use it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RemoteView {
    /// Per namespace: services × ports and endpoints in the other members.
    pub namespaces: BTreeMap<String, Visibility>,
    /// Their sum over namespaces.
    pub mesh: Visibility,
    /// Pods placed in the other members.
    pub pods: f64,
    /// Proxies of remote clusters whose istiod runs here.
    pub served_proxies: u64,
    /// This cluster runs no istiod: a primary elsewhere serves its proxies.
    pub control_plane_elsewhere: bool,
    /// This cluster runs an east-west gateway (every cluster of a multicluster fleet whose
    /// namespaces use Istio).
    pub east_west_gateway: bool,
}

/// Request of one east-west gateway replica: the Istio `gateway` chart's default resources
/// (`manifests/charts/gateway/values.yaml`: requests 100m CPU, 128Mi), one replica (its HPA's
/// `minReplicas`). Its usage is modelled as a waypoint's Envoy holding the whole mesh's services:
/// an assumption, as no source measures an east-west gateway's memory.
pub const EAST_WEST_GATEWAY_REQUEST: crate::resources::Resources =
    crate::resources::Resources::cpu_mem(100, 128 * crate::resources::MIB);

impl MeshConfig {
    /// How `namespace` is meshed in `mode`.
    pub fn namespace_mode(&self, mode: MeshMode, namespace: &str) -> NamespaceMode {
        if self.exclude_namespaces.contains(namespace) {
            return NamespaceMode::Outside;
        }
        match mode {
            MeshMode::None => NamespaceMode::Outside,
            MeshMode::Sidecar => NamespaceMode::Sidecar,
            MeshMode::Ambient => NamespaceMode::Ambient,
            MeshMode::AmbientWaypoint => {
                if self.waypoint_namespaces.is_empty()
                    || self.waypoint_namespaces.contains(namespace)
                {
                    NamespaceMode::AmbientWaypoint
                } else {
                    NamespaceMode::Ambient
                }
            }
            MeshMode::Mixed => self
                .namespace_modes
                .get(namespace)
                .copied()
                .unwrap_or(self.mixed_default),
            MeshMode::Linkerd => NamespaceMode::Linkerd,
            MeshMode::Cilium => NamespaceMode::Cilium,
        }
    }

    /// How `w` is meshed in `mode`: its namespace's mode, or outside when it opted out.
    pub fn workload_mode(&self, mode: MeshMode, w: &Workload) -> NamespaceMode {
        if w.meshed {
            self.namespace_mode(mode, &w.namespace)
        } else {
            NamespaceMode::Outside
        }
    }

    /// The sidecar costs for a namespace mode (`None` without a per-pod proxy).
    pub fn sidecar_costs(&self, ns: NamespaceMode) -> Option<&SidecarCosts> {
        match ns {
            NamespaceMode::Sidecar => Some(&self.costs.sidecar),
            NamespaceMode::Linkerd => Some(&self.costs.linkerd_proxy),
            _ => None,
        }
    }
}

/// The sidecar container's request for `w`, honouring its overrides.
pub fn sidecar_request(costs: &SidecarCosts, w: &Workload) -> Resources {
    Resources::cpu_mem(
        w.sidecar
            .cpu_request_milli
            .unwrap_or(costs.request.cpu_milli),
        w.sidecar
            .memory_request_bytes
            .unwrap_or(costs.request.memory_bytes),
    )
}

/// One sidecar's usage for `w` in namespace mode `ns`: the workload's measured Istio sidecar
/// usage where it has one (from `meshsim audit`), else the model's.
pub fn workload_sidecar_usage(
    costs: &SidecarCosts,
    vis: Visibility,
    rps: f64,
    w: &Workload,
    ns: NamespaceMode,
) -> Usage {
    match (ns, w.sidecar.usage) {
        (NamespaceMode::Sidecar, Some(u)) => u,
        _ => sidecar_usage(costs, vis, rps),
    }
}

/// What a sidecar can see: clusters (services × ports) and endpoints (their pods).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Visibility {
    /// Envoy clusters.
    pub clusters: f64,
    /// Endpoints.
    pub endpoints: f64,
}

/// Modelled usage of one sidecar.
pub fn sidecar_usage(costs: &SidecarCosts, vis: Visibility, rps: f64) -> Usage {
    Usage {
        cpu_milli: costs.base_cpu_milli + costs.cpu_milli_per_1000_rps * rps / 1000.0,
        memory_bytes: costs.base_memory_bytes
            + costs.memory_per_cluster_bytes * vis.clusters
            + costs.memory_per_endpoint_bytes * vis.endpoints,
    }
}

/// Load on one node proxy.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NodeLoad {
    /// Meshed pods on the node.
    pub local_pods: f64,
    /// Pods in the cluster.
    pub cluster_pods: f64,
    /// Requests per second through the node's proxy (in plus out).
    pub rps: f64,
    /// Open connections.
    pub connections: f64,
    /// New connections per second.
    pub new_connections_per_second: f64,
}

/// Modelled usage of one node proxy.
pub fn node_proxy_usage(costs: &NodeProxyCosts, load: NodeLoad) -> Usage {
    Usage {
        cpu_milli: costs.base_cpu_milli
            + costs.cpu_milli_per_1000_rps * load.rps / 1000.0
            + costs.cpu_ms_per_new_connection * load.new_connections_per_second,
        memory_bytes: costs.base_memory_bytes
            + costs.memory_per_local_pod_bytes * load.local_pods
            + costs.memory_per_cluster_pod_bytes * load.cluster_pods
            + costs.memory_per_connection_bytes * load.connections
            + costs.memory_per_1000_rps_bytes * load.rps / 1000.0,
    }
}

/// Modelled usage of one waypoint replica handling `rps` and configured for `vis`.
pub fn waypoint_usage(
    costs: &WaypointCosts,
    sidecar: &SidecarCosts,
    vis: Visibility,
    rps: f64,
) -> Usage {
    Usage {
        cpu_milli: costs.base_cpu_milli + costs.cpu_milli_per_1000_rps * rps / 1000.0,
        memory_bytes: costs.base_memory_bytes
            + costs.memory_per_1000_rps_bytes * rps / 1000.0
            + sidecar.memory_per_cluster_bytes * vis.clusters
            + sidecar.memory_per_endpoint_bytes * vis.endpoints,
    }
}

/// CPU seconds per request through a proxy whose CPU is `cpu_milli_per_1000_rps`.
pub fn cpu_s_per_request(cpu_milli_per_1000_rps: f64) -> f64 {
    cpu_milli_per_1000_rps / 1e6
}

/// Replicas an HPA settles on for a control plane using `cpu_milli` in total.
pub fn hpa_replicas(costs: &ControlPlaneCosts, cpu_milli: f64) -> u32 {
    let per_replica = costs.request.cpu_milli as f64 * costs.hpa_target;
    let want = if per_replica > 0.0 {
        (cpu_milli / per_replica).ceil() as u32
    } else {
        costs.min_replicas
    };
    want.clamp(costs.min_replicas.max(1), costs.max_replicas.max(1))
}

/// Right-sizes a request from usage: `ceil(usage × headroom)` in millicores and whole MiB.
pub fn right_size(usage: Usage, headroom: f64) -> Resources {
    let mem_mib = (usage.memory_bytes * headroom / MIB as f64).ceil().max(1.0) as u64;
    Resources::cpu_mem(
        (usage.cpu_milli * headroom).ceil().max(1.0) as u64,
        mem_mib * MIB,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;

    #[test]
    fn sidecar_memory_is_linear_in_what_it_sees() {
        let c = presets::istio_1_24().sidecar;
        let small = sidecar_usage(
            &c,
            Visibility {
                clusters: 10.0,
                endpoints: 20.0,
            },
            1000.0,
        );
        let big = sidecar_usage(
            &c,
            Visibility {
                clusters: 1010.0,
                endpoints: 5020.0,
            },
            1000.0,
        );
        let d = big.memory_bytes - small.memory_bytes;
        let expected = 1000.0 * c.memory_per_cluster_bytes + 5000.0 * c.memory_per_endpoint_bytes;
        assert!((d - expected).abs() < 1e-6);
        // Istio 1.24: 0.20 vCPU at 1000 rps.
        assert!((small.cpu_milli - 200.0).abs() < 1e-9);
    }

    #[test]
    fn hpa_and_right_sizing() {
        let c = presets::istio_1_24().istiod;
        assert_eq!(hpa_replicas(&c, 0.0), 1);
        // 500m request at 80 %: 400m per replica; 1000m needs 3, capped at 5.
        assert_eq!(hpa_replicas(&c, 1000.0), 3);
        assert_eq!(hpa_replicas(&c, 1e6), 5);
        let r = right_size(
            Usage {
                cpu_milli: 10.2,
                memory_bytes: 60.0 * MIB as f64,
            },
            1.25,
        );
        assert_eq!(r.cpu_milli, 13);
        assert_eq!(r.memory_bytes, 75 * MIB);
    }

    #[test]
    fn mode_resolution_per_namespace() {
        let mut m = presets::default_mesh_config(presets::istio_1_24());
        m.exclude_namespaces.insert("kube-system".into());
        m.waypoint_namespaces.insert("shop".into());
        m.namespace_modes
            .insert("ml".into(), NamespaceMode::Ambient);
        m.mixed_default = NamespaceMode::Sidecar;
        assert_eq!(
            m.namespace_mode(MeshMode::Sidecar, "kube-system"),
            NamespaceMode::Outside
        );
        assert_eq!(
            m.namespace_mode(MeshMode::AmbientWaypoint, "shop"),
            NamespaceMode::AmbientWaypoint
        );
        assert_eq!(
            m.namespace_mode(MeshMode::AmbientWaypoint, "ml"),
            NamespaceMode::Ambient
        );
        assert_eq!(
            m.namespace_mode(MeshMode::Mixed, "ml"),
            NamespaceMode::Ambient
        );
        assert_eq!(
            m.namespace_mode(MeshMode::Mixed, "shop"),
            NamespaceMode::Sidecar
        );
        assert_eq!(
            m.namespace_mode(MeshMode::None, "shop"),
            NamespaceMode::Outside
        );
        assert_eq!(
            MeshMode::parse("ambient-waypoint"),
            Some(MeshMode::AmbientWaypoint)
        );
        assert_eq!(NamespaceMode::Outside.as_str(), "none");
        assert_eq!(NamespaceMode::parse("none"), Some(NamespaceMode::Outside));
        assert_eq!(
            MeshMode::names(),
            [
                "none",
                "sidecar",
                "ambient",
                "ambient-waypoint",
                "mixed",
                "linkerd",
                "cilium"
            ]
        );
    }
}
