//! Why a node cannot take a pod: a set of reasons, and the kube-scheduler texts for them.

/// Why a node cannot take a pod (a set of reasons, as a bit mask).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Failure(u16);

impl Failure {
    /// An untolerated taint (the text names it).
    pub const TAINT: Failure = Failure(1);
    /// Node selector (or GPU model affinity) does not match.
    pub const SELECTOR: Failure = Failure(2);
    /// The node already runs the group's maximum per node.
    pub const MAX_PER_NODE: Failure = Failure(4);
    /// Not enough CPU.
    pub const CPU: Failure = Failure(8);
    /// Not enough memory.
    pub const MEMORY: Failure = Failure(16);
    /// Pod count at `maxPods`.
    pub const PODS: Failure = Failure(32);
    /// Not enough whole GPUs.
    pub const GPU: Failure = Failure(64);
    /// No GPU with enough free share.
    pub const GPU_SHARE: Failure = Failure(128);
    /// None: the pod fits.
    pub const NONE: Failure = Failure(0);

    const ALL: [Failure; 8] = [
        Failure::TAINT,
        Failure::SELECTOR,
        Failure::MAX_PER_NODE,
        Failure::CPU,
        Failure::MEMORY,
        Failure::PODS,
        Failure::GPU,
        Failure::GPU_SHARE,
    ];

    /// Whether no reason is set.
    pub fn is_none(self) -> bool {
        self.0 == 0
    }
    /// Whether every reason of `o` is set.
    pub fn contains(self, o: Failure) -> bool {
        self.0 & o.0 == o.0 && o.0 != 0
    }
    pub(crate) fn with(self, o: Failure) -> Failure {
        Failure(self.0 | o.0)
    }
    /// The reasons one by one.
    pub fn iter(self) -> impl Iterator<Item = Failure> {
        Failure::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// The short name of one reason.
    fn label(self) -> &'static str {
        match self {
            Failure::TAINT => "taint",
            Failure::SELECTOR => "selector",
            Failure::MAX_PER_NODE => "max-per-node",
            Failure::CPU => "cpu",
            Failure::MEMORY => "memory",
            Failure::PODS => "pods",
            Failure::GPU => "gpu",
            _ => "gpu-share",
        }
    }

    /// The short name of the binding resource(s): `gpu`, `memory`, `cpu+memory`, `pods`, …
    pub fn resource_label(self) -> String {
        if self.is_none() {
            return "none".into();
        }
        let names: Vec<&str> = self.iter().map(Failure::label).collect();
        names.join("+")
    }

    /// kube-scheduler's text for one reason; `taint` names the untolerated taint and `max` the
    /// per-node maximum where they apply.
    pub(crate) fn kube_text(self, taint: &str, max: u32) -> String {
        match self {
            Failure::TAINT => format!("node(s) had untolerated taint {taint}"),
            Failure::SELECTOR => "node(s) didn't match Pod's node affinity/selector".into(),
            Failure::MAX_PER_NODE => {
                format!("node(s) already run the maximum of {max} replica(s) per node")
            }
            Failure::CPU => "Insufficient cpu".into(),
            Failure::MEMORY => "Insufficient memory".into(),
            Failure::PODS => "Too many pods".into(),
            Failure::GPU => "Insufficient nvidia.com/gpu".into(),
            _ => "Insufficient shared nvidia.com/gpu capacity".into(),
        }
    }
}
