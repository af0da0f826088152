//! What a mesh adds to a replay: a proxy container in every pod (sidecar mode) or node agents
//! on every node (ambient mode: ztunnel and istio-cni), with requests from a mesh preset.

use crate::mesh::{MeshCosts, Visibility, right_size, sidecar_usage};
use crate::resources::Resources;

/// Headroom over modelled usage when right-sizing a request (as `[mesh] requests =
/// "right-sized"` defaults to).
pub const RIGHT_SIZED_HEADROOM: f64 = 1.25;

/// The mesh overlays a replay can compare.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum OverlayKind {
    /// No mesh.
    None,
    /// An Istio sidecar in every pod with the chart's default request (100m, 128Mi in
    /// istio-1.24).
    Sidecar,
    /// An Istio sidecar in every pod, its request right-sized to an idle proxy that sees no
    /// services (modelled usage × 1.25): the least a sidecar can reserve.
    SidecarRightSized,
    /// Ambient: ztunnel and istio-cni on every node, with their charts' requests.
    Ambient,
}
crate::named_enum!(OverlayKind, "mesh overlay");

/// What a mesh adds to the replay: a container per pod, pods per node.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overlay {
    /// Name in outputs (`none`, `sidecar`, `sidecar-right-sized`, `ambient`).
    pub name: String,
    /// Added to every pod's request (a sidecar container).
    pub per_pod: Resources,
    /// Pods placed on every node before the replay (DaemonSets: ztunnel, istio-cni).
    pub per_node: Vec<Resources>,
}

impl Overlay {
    /// No mesh.
    pub fn none() -> Overlay {
        Overlay {
            name: "none".into(),
            ..Default::default()
        }
    }

    /// The overlay of `kind` with `costs`' requests.
    pub fn of(kind: OverlayKind, costs: &MeshCosts) -> Overlay {
        let name = kind.as_str().to_string();
        match kind {
            OverlayKind::None => Overlay::none(),
            OverlayKind::Sidecar => Overlay {
                name,
                per_pod: costs.sidecar.request,
                per_node: Vec::new(),
            },
            OverlayKind::SidecarRightSized => Overlay {
                name,
                per_pod: right_size(
                    sidecar_usage(&costs.sidecar, Visibility::default(), 0.0),
                    RIGHT_SIZED_HEADROOM,
                ),
                per_node: Vec::new(),
            },
            OverlayKind::Ambient => Overlay {
                name,
                per_pod: Resources::ZERO,
                per_node: vec![costs.ztunnel.request, costs.istio_cni.request],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets;
    use crate::resources::MIB;

    #[test]
    fn istio_overlays_carry_the_charts_requests() {
        let c = presets::istio_1_24();
        let s = Overlay::of(OverlayKind::Sidecar, &c);
        assert_eq!(s.per_pod, Resources::cpu_mem(100, 128 * MIB));
        let a = Overlay::of(OverlayKind::Ambient, &c);
        assert_eq!(
            a.per_node,
            vec![
                Resources::cpu_mem(200, 512 * MIB),
                Resources::cpu_mem(100, 100 * MIB)
            ]
        );
        let r = Overlay::of(OverlayKind::SidecarRightSized, &c);
        // Smaller than the chart's request, and at least 1m / 1Mi.
        assert!(
            r.per_pod.cpu_milli < 100 && r.per_pod.cpu_milli >= 1,
            "{:?}",
            r.per_pod
        );
        assert!(r.per_pod.memory_bytes < 128 * MIB && r.per_pod.memory_bytes >= MIB);
    }
}
