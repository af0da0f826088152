//! What each pod is in mesh terms, and what it requests by Kubernetes' rules.
//!
//! Istio names every proxy container `istio-proxy`, whatever it does; its first two arguments
//! say which (`proxy sidecar`, `proxy router` for gateways, `proxy waypoint`, `proxy ztunnel`:
//! Istio's injection template, `files/waypoint.yaml` and the ztunnel chart). A sidecar may be
//! classic (in `spec.containers`) or native (an init container with `restartPolicy: Always`,
//! Istio's default from kubelet 1.33). Linkerd's proxy is `linkerd-proxy`.

use crate::resources::Resources;

use super::records::{ContainerRecord, Declared, PodRecord, Slot};

/// What a container is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerRole {
    /// The application (or anything not below).
    App,
    /// An Istio sidecar (`istio-proxy` with `proxy sidecar`).
    IstioSidecar,
    /// Linkerd's sidecar (`linkerd-proxy`).
    LinkerdSidecar,
    /// `istio-init` / `istio-validation` (sidecar mode's traffic set-up), `linkerd-init`.
    MeshInit,
    /// A gateway's proxy (`proxy router`).
    Gateway,
    /// A waypoint's proxy (`proxy waypoint`).
    Waypoint,
    /// ztunnel.
    Ztunnel,
    /// istio-cni's node agent.
    IstioCni,
    /// istiod.
    Istiod,
}

/// What a pod is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodRole {
    /// An application pod (with or without a sidecar).
    Workload,
    /// An Istio gateway (ingress, egress, east-west): runs in every mode, never a sidecar.
    Gateway,
    /// A waypoint (ambient's L7 proxy).
    Waypoint,
    /// ztunnel (ambient's node proxy).
    Ztunnel,
    /// istio-cni (node agent).
    IstioCni,
    /// istiod (control plane).
    Istiod,
}

impl PodRole {
    /// Name in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            PodRole::Workload => "workload",
            PodRole::Gateway => "gateway",
            PodRole::Waypoint => "waypoint",
            PodRole::Ztunnel => "ztunnel",
            PodRole::IstioCni => "istio-cni",
            PodRole::Istiod => "istiod",
        }
    }
}

/// The role of one container of `pod`.
pub fn container_role(pod: &PodRecord, c: &ContainerRecord) -> ContainerRole {
    let args: Vec<&str> = c.args_head.iter().map(String::as_str).collect();
    match c.name.as_str() {
        "istio-proxy" => match args.as_slice() {
            ["proxy", "sidecar", ..] => ContainerRole::IstioSidecar,
            ["proxy", "router", ..] => ContainerRole::Gateway,
            ["proxy", "waypoint", ..] => ContainerRole::Waypoint,
            ["proxy", "ztunnel", ..] => ContainerRole::Ztunnel,
            _ if c.image_name == "ztunnel" => ContainerRole::Ztunnel,
            // No arguments to go by: the injector's status annotation says it was injected.
            _ if pod.annotations.contains_key("sidecar.istio.io/status") => {
                ContainerRole::IstioSidecar
            }
            _ => ContainerRole::Gateway,
        },
        "istio-init" | "istio-validation" | "linkerd-init" if c.slot == Slot::Init => {
            ContainerRole::MeshInit
        }
        "linkerd-proxy" => ContainerRole::LinkerdSidecar,
        "install-cni" => ContainerRole::IstioCni,
        "discovery" if c.image_name == "pilot" => ContainerRole::Istiod,
        _ if c.image_name == "ztunnel" => ContainerRole::Ztunnel,
        _ => ContainerRole::App,
    }
}

/// The role of a pod: its proxy containers and Istio's own labels decide.
pub fn pod_role(pod: &PodRecord) -> PodRole {
    let label = |k: &str| pod.labels.get(k).map(String::as_str);
    if label("gateway.istio.io/managed") == Some("istio.io-mesh-controller")
        && pod
            .containers
            .iter()
            .any(|c| container_role(pod, c) == ContainerRole::Waypoint)
    {
        return PodRole::Waypoint;
    }
    let mut role = PodRole::Workload;
    for c in &pod.containers {
        match container_role(pod, c) {
            ContainerRole::Waypoint => return PodRole::Waypoint,
            ContainerRole::Ztunnel => return PodRole::Ztunnel,
            ContainerRole::IstioCni => return PodRole::IstioCni,
            ContainerRole::Istiod => return PodRole::Istiod,
            ContainerRole::Gateway => role = PodRole::Gateway,
            _ => {}
        }
    }
    if role == PodRole::Workload {
        match label("app").or(label("k8s-app")) {
            Some("ztunnel") => return PodRole::Ztunnel,
            Some("istio-cni-node") => return PodRole::IstioCni,
            Some("istiod") => return PodRole::Istiod,
            _ => {}
        }
    }
    role
}

/// The proxy sidecar a pod carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SidecarKind {
    /// Istio, in `spec.containers`.
    IstioClassic,
    /// Istio, as a native sidecar (`restartPolicy: Always` init container).
    IstioNative,
    /// Linkerd.
    Linkerd,
}

/// The sidecar of `pod`, if it has one (a workload pod only).
pub fn sidecar_of(pod: &PodRecord) -> Option<(SidecarKind, &ContainerRecord)> {
    pod.containers
        .iter()
        .find_map(|c| match (container_role(pod, c), c.slot) {
            (ContainerRole::IstioSidecar, Slot::NativeSidecar) => {
                Some((SidecarKind::IstioNative, c))
            }
            (ContainerRole::IstioSidecar, _) => Some((SidecarKind::IstioClassic, c)),
            (ContainerRole::LinkerdSidecar, _) => Some((SidecarKind::Linkerd, c)),
            _ => None,
        })
}

/// A container's effective requests per Kubernetes' defaulting (`SetDefaults_Pod`, kubernetes
/// `pkg/apis/core/v1/defaults.go`): a resource with a limit and no request requests its limit.
pub fn requests_of(c: &ContainerRecord) -> Resources {
    let pick = |r: Option<u64>, l: Option<u64>| r.or(l).unwrap_or(0);
    Resources {
        cpu_milli: pick(c.requests.cpu_milli, c.limits.cpu_milli),
        memory_bytes: pick(c.requests.memory_bytes, c.limits.memory_bytes),
        gpus: c.requests.gpus.or(c.limits.gpus).unwrap_or(0),
        gpu_milli: 0,
    }
}

fn max_res(a: Resources, b: Resources) -> Resources {
    Resources {
        cpu_milli: a.cpu_milli.max(b.cpu_milli),
        memory_bytes: a.memory_bytes.max(b.memory_bytes),
        gpus: a.gpus.max(b.gpus),
        gpu_milli: 0,
    }
}

fn add(a: Resources, b: Resources) -> Resources {
    Resources {
        cpu_milli: a.cpu_milli.saturating_add(b.cpu_milli),
        memory_bytes: a.memory_bytes.saturating_add(b.memory_bytes),
        gpus: a.gpus.saturating_add(b.gpus),
        gpu_milli: 0,
    }
}

fn declared(d: Declared) -> Resources {
    Resources {
        cpu_milli: d.cpu_milli.unwrap_or(0),
        memory_bytes: d.memory_bytes.unwrap_or(0),
        gpus: d.gpus.unwrap_or(0),
        gpu_milli: 0,
    }
}

/// The pod's effective request, as kube-scheduler computes it (KEP-753, sidecar containers):
/// the larger of (every app container + every native sidecar) and, for each regular init
/// container, (its request + the native sidecars started before it); plus `spec.overhead`.
/// Pod-level resources (`spec.resources`, KEP-2837), where set, replace the containers' sum for
/// that resource. Containers for which `keep` is false are left out (the pod without its mesh).
pub fn effective_request(pod: &PodRecord, keep: impl Fn(&ContainerRecord) -> bool) -> Resources {
    let mut running = Resources::ZERO;
    let mut init_peak = Resources::ZERO;
    let mut sidecars_before = Resources::ZERO;
    for c in pod.containers.iter().filter(|c| keep(c)) {
        let r = requests_of(c);
        match c.slot {
            Slot::App => running = add(running, r),
            Slot::NativeSidecar => {
                running = add(running, r);
                sidecars_before = add(sidecars_before, r);
            }
            Slot::Init => init_peak = max_res(init_peak, add(r, sidecars_before)),
        }
    }
    let mut eff = max_res(running, init_peak);
    if let Some(cpu) = pod.pod_level.cpu_milli {
        eff.cpu_milli = cpu;
    }
    if let Some(mem) = pod.pod_level.memory_bytes {
        eff.memory_bytes = mem;
    }
    add(eff, declared(pod.overhead))
}

/// Whether a container belongs to the mesh's per-pod footprint (sidecar and its init).
pub fn is_mesh_container(pod: &PodRecord, c: &ContainerRecord) -> bool {
    matches!(
        container_role(pod, c),
        ContainerRole::IstioSidecar | ContainerRole::LinkerdSidecar | ContainerRole::MeshInit
    )
}

/// A pod's effective request with its mesh containers and without them; their difference is what
/// leaving sidecar mode gives back (it may be less than the sidecar's own request when an init
/// container dominates).
pub fn requests_with_and_without_mesh(pod: &PodRecord) -> (Resources, Resources) {
    let with = effective_request(pod, |_| true);
    let without = effective_request(pod, |c| !is_mesh_container(pod, c));
    (with, without)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::MIB;

    fn c(name: &str, slot: Slot, cpu: u64, mem_mib: u64, args: &[&str]) -> ContainerRecord {
        ContainerRecord {
            name: name.into(),
            slot,
            args_head: args.iter().map(|s| s.to_string()).collect(),
            image_name: "img".into(),
            image_tag: None,
            requests: Declared {
                cpu_milli: Some(cpu),
                memory_bytes: Some(mem_mib * MIB),
                gpus: None,
            },
            limits: Declared::default(),
        }
    }

    fn pod(containers: Vec<ContainerRecord>) -> PodRecord {
        PodRecord {
            namespace: "ns".into(),
            name: "p".into(),
            count: 1,
            node: None,
            owner: None,
            pod_template_hash: None,
            labels: Default::default(),
            annotations: Default::default(),
            containers,
            overhead: Declared::default(),
            pod_level: Declared::default(),
            tolerations: vec![],
            node_selector: Default::default(),
            host_network: false,
        }
    }

    #[test]
    fn native_sidecar_rule_by_hand() {
        // KEP-753 example shape: init 1 (500m) before the sidecar, sidecar 100m, init 2 (300m)
        // after it, app 200m. Running = 200 + 100 = 300; init peaks: 500 + 0, 300 + 100 = 400.
        let p = pod(vec![
            c("init-1", Slot::Init, 500, 10, &[]),
            c(
                "istio-proxy",
                Slot::NativeSidecar,
                100,
                128,
                &["proxy", "sidecar"],
            ),
            c("init-2", Slot::Init, 300, 300, &[]),
            c("app", Slot::App, 200, 64, &[]),
        ]);
        let (with, without) = requests_with_and_without_mesh(&p);
        assert_eq!(with.cpu_milli, 500);
        // Memory: running 64 + 128 = 192; init peaks 10, 300 + 128 = 428.
        assert_eq!(with.memory_bytes, 428 * MIB);
        // Without the proxy: running 200, init peaks 500 and 300 → 500m; memory max(64, 10, 300).
        assert_eq!(without.cpu_milli, 500);
        assert_eq!(without.memory_bytes, 300 * MIB);
        assert_eq!(sidecar_of(&p).map(|s| s.0), Some(SidecarKind::IstioNative));
    }

    #[test]
    fn gateway_is_not_a_sidecar() {
        let p = pod(vec![c(
            "istio-proxy",
            Slot::App,
            100,
            128,
            &["proxy", "router"],
        )]);
        assert_eq!(pod_role(&p), PodRole::Gateway);
        assert!(sidecar_of(&p).is_none());
    }

    #[test]
    fn limit_only_requests_its_limit() {
        let mut k = c("app", Slot::App, 0, 0, &[]);
        k.requests = Declared::default();
        k.limits = Declared {
            cpu_milli: Some(2000),
            memory_bytes: Some(MIB),
            gpus: Some(1),
        };
        assert_eq!(
            requests_of(&k),
            Resources {
                cpu_milli: 2000,
                memory_bytes: MIB,
                gpus: 1,
                gpu_milli: 0
            }
        );
    }
}
