//! The Kubernetes clusters a fleet spans (`[[clusters]]`): each one's region, Istio network,
//! control-plane topology and, optionally, a mode it keeps.

use crate::mesh::MeshMode;

/// How a member cluster's proxies get their configuration (Istio's multicluster topologies,
/// <https://istio.io/latest/docs/setup/install/multicluster/>).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlPlane {
    /// The cluster runs its own istiod, which watches every member's API server for endpoints
    /// (multi-primary).
    Primary,
    /// The cluster runs no istiod: its proxies connect to the istiod of this member
    /// (primary-remote).
    RemoteOf(usize),
}

/// One Kubernetes cluster of a fleet that spans several (`[[clusters]]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// Name, unique in the fleet.
    pub name: String,
    /// Region (prices and network delays are per region).
    pub region: String,
    /// Istio network: pods on one network reach each other directly; across networks traffic
    /// goes through the destination's east-west gateway.
    pub network: String,
    /// Where its proxies' configuration comes from.
    pub control_plane: ControlPlane,
    /// A mode this cluster keeps whatever the fleet's compared mode (e.g. already migrated to
    /// ambient); `None` follows the compared mode. The `none` baseline is never pinned.
    pub pinned: Option<MeshMode>,
}

impl Member {
    /// This member's mode when the fleet is compared in `mode`.
    pub fn mode_in(&self, mode: MeshMode) -> MeshMode {
        match (mode, self.pinned) {
            (MeshMode::None, _) | (_, None) => mode,
            (_, Some(p)) => p,
        }
    }
}
