//! What the mesh's proxies carry after a placement: per node (meshed pods, requests per second,
//! connections) and per namespace, and what each sidecar or waypoint can see.

use super::ModeRun;
use crate::cluster::{Cluster, Workload};
use crate::ids::NodeId;
use crate::mesh::{MeshConfig, NamespaceMode, NodeLoad, SidecarScope, Visibility};

/// Requests per second through a replica's own proxy: what it serves plus what it sends.
pub fn rps_of(w: &Workload) -> f64 {
    w.rps_per_replica + w.outbound_rps_per_replica
}

/// Per-node and per-namespace loads after a placement.
pub(super) struct Loads {
    /// Per node: (meshed ambient pods, rps, connections, new connections per second).
    node: Vec<NodeLoad>,
    /// Placed replicas per workload.
    placed: Vec<u64>,
}

/// Two views added.
fn plus(a: Visibility, b: Visibility) -> Visibility {
    Visibility {
        clusters: a.clusters + b.clusters,
        endpoints: a.endpoints + b.endpoints,
    }
}

impl Loads {
    pub fn new(
        cluster: &Cluster,
        m: &MeshConfig,
        run: &ModeRun,
        ns_modes: &[NamespaceMode],
    ) -> Self {
        let cluster_pods: u64 = run.nodes.iter().map(|n| u64::from(n.pods)).sum();
        let mut node = vec![
            NodeLoad {
                cluster_pods: cluster_pods as f64 + m.remote.pods,
                ..Default::default()
            };
            run.nodes.len()
        ];
        for ((w, out), ns) in cluster.workloads.iter().zip(&run.workloads).zip(ns_modes) {
            if !(ns.uses_ztunnel() || *ns == NamespaceMode::Cilium) {
                continue;
            }
            for &n in &out.nodes {
                let l = &mut node[n.index()];
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

    pub fn node_load(&self, n: NodeId) -> NodeLoad {
        self.node[n.index()]
    }

    pub fn sidecar_visibility(&self, cluster: &Cluster, m: &MeshConfig, i: usize) -> Visibility {
        match m.sidecar_scope {
            SidecarScope::Mesh => self.mesh_visibility(cluster, m),
            SidecarScope::Namespace => {
                let ns = &cluster.workloads[i].namespace;
                self.namespace_visibility(cluster, m, ns)
            }
        }
    }

    /// What a proxy that sees the whole mesh holds: every service here and in the other clusters.
    pub fn mesh_visibility(&self, cluster: &Cluster, m: &MeshConfig) -> Visibility {
        plus(self.visibility(cluster, |_| true), m.remote.mesh)
    }

    /// What a proxy scoped to `ns` sees: the namespace's services here and in the fleet's other
    /// clusters.
    pub fn namespace_visibility(&self, cluster: &Cluster, m: &MeshConfig, ns: &str) -> Visibility {
        let remote = m.remote.namespaces.get(ns).copied().unwrap_or_default();
        plus(self.visibility(cluster, |w| w.namespace == ns), remote)
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

    pub fn namespace_rps(&self, cluster: &Cluster, ns: &str) -> f64 {
        cluster
            .workloads
            .iter()
            .zip(&self.placed)
            .filter(|(w, _)| w.namespace == ns)
            .map(|(w, &p)| w.rps_per_replica * p as f64)
            .sum()
    }
}
