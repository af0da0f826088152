//! Kubernetes objects (real `k8s-openapi` types) reduced to the audit's records. Only the fields
//! the audit uses are copied: names, the labels and annotations it keys on, resources, owners,
//! tolerations and node bindings. Environment values, other annotations, volumes, config and the
//! rest of the object are dropped here, so they cannot reach an output.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Namespace, Node, Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use meshsim_models::audit::analysis::{
    GPU_PRODUCT_LABEL, INSTANCE_TYPE_LABELS, POOL_LABELS, ZONE_LABEL,
};
use meshsim_models::audit::records::{
    ContainerRecord, Declared, NamespaceRecord, NodeRecord, Owner, OwnerRecord, PodRecord, Slot,
};
use meshsim_models::cluster::{Taint, TaintEffect, Toleration, TolerationOperator};

use crate::units::{parse_bytes, parse_cpu_milli};

/// GPU resource name.
pub const GPU: &str = "nvidia.com/gpu";
/// Most GPUs a container or node may declare (meshsim's per-node limit).
pub const MAX_GPUS: u64 = crate::limits::MAX_GPUS_PER_NODE;
/// Most replicas a workload template may declare.
pub const MAX_TEMPLATE_REPLICAS: i32 = 1_000_000;

/// Pod labels the audit reads.
pub const POD_LABELS: &[&str] = &[
    "sidecar.istio.io/inject",
    "istio.io/dataplane-mode",
    "istio.io/rev",
    "istio.io/use-waypoint",
    "gateway.istio.io/managed",
    "app",
    "k8s-app",
];
/// Pod annotations the audit reads (`sidecar.istio.io/status` for its presence only).
pub const POD_ANNOTATIONS: &[&str] = &[
    "sidecar.istio.io/inject",
    "ambient.istio.io/redirection",
    "linkerd.io/inject",
];
/// Namespace labels and annotations the audit reads.
pub const NAMESPACE_LABELS: &[&str] = &[
    "istio-injection",
    "istio.io/rev",
    "istio.io/dataplane-mode",
    "istio.io/use-waypoint",
    "linkerd.io/inject",
];

/// A field that could not be used: its path in the object and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Path, e.g. `spec.containers[0].resources.requests.cpu`.
    pub field: String,
    /// Why.
    pub message: String,
}

type R<T> = Result<T, FieldError>;

fn err(field: String, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

fn keep(map: Option<&BTreeMap<String, String>>, keys: &[&str]) -> BTreeMap<String, String> {
    map.map(|m| {
        keys.iter()
            .filter_map(|k| m.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect()
    })
    .unwrap_or_default()
}

fn cpu(q: &Quantity, field: String) -> R<u64> {
    parse_cpu_milli(&q.0).map_err(|e| err(field, format!("{e} (a CPU quantity such as `500m`)")))
}

fn bytes(q: &Quantity, field: String) -> R<u64> {
    parse_bytes(&q.0).map_err(|e| err(field, format!("{e} (a memory quantity such as `128Mi`)")))
}

fn gpus(q: &Quantity, field: String) -> R<u32> {
    let milli = cpu(q, field.clone())?;
    if milli % 1000 != 0 || milli / 1000 > MAX_GPUS {
        return Err(err(
            field,
            format!("`{}` is not a whole number of GPUs up to {MAX_GPUS}", q.0),
        ));
    }
    Ok((milli / 1000) as u32)
}

fn declared(map: Option<&BTreeMap<String, Quantity>>, at: &str) -> R<Declared> {
    let Some(m) = map else {
        return Ok(Declared::default());
    };
    Ok(Declared {
        cpu_milli: m
            .get("cpu")
            .map(|q| cpu(q, format!("{at}.cpu")))
            .transpose()?,
        memory_bytes: m
            .get("memory")
            .map(|q| bytes(q, format!("{at}.memory")))
            .transpose()?,
        gpus: m
            .get(GPU)
            .map(|q| gpus(q, format!("{at}.{GPU}")))
            .transpose()?,
    })
}

fn image(s: Option<&str>) -> (String, Option<String>) {
    let s = s.unwrap_or("");
    let s = s.split('@').next().unwrap_or("");
    let last = s.rsplit('/').next().unwrap_or("");
    match last.split_once(':') {
        Some((n, t)) => (n.to_string(), Some(t.to_string())),
        None => (last.to_string(), None),
    }
}

fn container(c: &Container, slot: Slot, at: String) -> R<ContainerRecord> {
    let res = c.resources.as_ref();
    let (image_name, image_tag) = image(c.image.as_deref());
    Ok(ContainerRecord {
        name: c.name.clone(),
        slot,
        args_head: c.args.iter().flatten().take(2).cloned().collect(),
        image_name,
        image_tag,
        requests: declared(
            res.and_then(|r| r.requests.as_ref()),
            &format!("{at}.resources.requests"),
        )?,
        limits: declared(
            res.and_then(|r| r.limits.as_ref()),
            &format!("{at}.resources.limits"),
        )?,
    })
}

fn effect(s: Option<&str>, field: String) -> R<Option<TaintEffect>> {
    match s {
        None | Some("") => Ok(None),
        Some(e) => TaintEffect::parse(e).map(Some).ok_or_else(|| {
            err(
                field,
                format!("unknown effect `{e}`; expected NoSchedule, PreferNoSchedule or NoExecute"),
            )
        }),
    }
}

fn spec_records(
    spec: &PodSpec,
    at: &str,
) -> R<(Vec<ContainerRecord>, Vec<Toleration>, Declared, Declared)> {
    let mut containers = Vec::new();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        let slot = if c.restart_policy.as_deref() == Some("Always") {
            Slot::NativeSidecar
        } else {
            Slot::Init
        };
        containers.push(container(c, slot, format!("{at}.initContainers[{i}]"))?);
    }
    for (i, c) in spec.containers.iter().enumerate() {
        containers.push(container(c, Slot::App, format!("{at}.containers[{i}]"))?);
    }
    let mut tolerations = Vec::new();
    for (i, t) in spec.tolerations.iter().flatten().enumerate() {
        let operator = match t.operator.as_deref() {
            None | Some("Equal") => TolerationOperator::Equal,
            Some("Exists") => TolerationOperator::Exists,
            Some(o) => {
                return Err(err(
                    format!("{at}.tolerations[{i}].operator"),
                    format!("unknown operator `{o}`; expected Equal or Exists"),
                ));
            }
        };
        let key = t.key.clone().filter(|k| !k.is_empty());
        if key.is_none() && operator == TolerationOperator::Equal {
            // Kubernetes' validation refuses it too (`ValidateTolerations`).
            return Err(err(
                format!("{at}.tolerations[{i}].operator"),
                "a toleration without a key must use operator `Exists`",
            ));
        }
        tolerations.push(Toleration {
            key,
            operator,
            value: t.value.clone().unwrap_or_default(),
            effect: effect(t.effect.as_deref(), format!("{at}.tolerations[{i}].effect"))?,
        });
    }
    let overhead = declared(spec.overhead.as_ref(), &format!("{at}.overhead"))?;
    let pod_level = declared(
        spec.resources.as_ref().and_then(|r| r.requests.as_ref()),
        &format!("{at}.resources.requests"),
    )?;
    Ok((containers, tolerations, overhead, pod_level))
}

fn pod_record(
    meta: &ObjectMeta,
    spec: &PodSpec,
    extra_meta: Option<&ObjectMeta>,
    at: &str,
    count: u32,
    owner: Option<Owner>,
) -> R<PodRecord> {
    let (containers, tolerations, overhead, pod_level) = spec_records(spec, at)?;
    let mut labels = keep(meta.labels.as_ref(), POD_LABELS);
    let mut annotations = keep(meta.annotations.as_ref(), POD_ANNOTATIONS);
    let mut status = meta
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("sidecar.istio.io/status"));
    if let Some(x) = extra_meta {
        labels.extend(keep(x.labels.as_ref(), POD_LABELS));
        annotations.extend(keep(x.annotations.as_ref(), POD_ANNOTATIONS));
        status |= x
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("sidecar.istio.io/status"));
    }
    if status {
        // Presence only: the value (the injected containers' names) is not needed.
        annotations.insert("sidecar.istio.io/status".into(), String::new());
    }
    Ok(PodRecord {
        namespace: meta.namespace.clone().unwrap_or_else(|| "default".into()),
        name: meta.name.clone().unwrap_or_default(),
        count,
        node: spec.node_name.clone().filter(|n| !n.is_empty()),
        owner,
        pod_template_hash: meta
            .labels
            .as_ref()
            .and_then(|l| l.get("pod-template-hash").cloned()),
        labels,
        annotations,
        containers,
        overhead,
        pod_level,
        tolerations,
        node_selector: spec.node_selector.clone().unwrap_or_default(),
        host_network: spec.host_network.unwrap_or(false),
    })
}

fn controller(meta: &ObjectMeta) -> Option<Owner> {
    let refs = meta.owner_references.as_ref()?;
    let r = refs
        .iter()
        .find(|r| r.controller == Some(true))
        .or(refs.first())?;
    Some(Owner {
        kind: r.kind.clone(),
        name: r.name.clone(),
    })
}

/// A live pod; `None` for a pod that has finished (`Succeeded`/`Failed` pods hold no resources:
/// kube-scheduler does not count them).
pub fn pod(p: &Pod) -> R<Option<PodRecord>> {
    let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
    if matches!(phase, Some("Succeeded" | "Failed")) {
        return Ok(None);
    }
    let Some(spec) = &p.spec else {
        return Err(err("spec".into(), "a Pod without a spec"));
    };
    pod_record(&p.metadata, spec, None, "spec", 1, controller(&p.metadata)).map(Some)
}

/// A node.
pub fn node(n: &Node) -> R<NodeRecord> {
    let alloc = n.status.as_ref().and_then(|s| s.allocatable.as_ref());
    let Some(alloc) = alloc else {
        return Err(err(
            "status.allocatable".into(),
            "a Node without allocatable resources",
        ));
    };
    let need = |k: &str| {
        alloc
            .get(k)
            .ok_or_else(|| err(format!("status.allocatable.{k}"), "missing"))
    };
    let cpu_milli = cpu(need("cpu")?, "status.allocatable.cpu".into())?;
    let memory_bytes = bytes(need("memory")?, "status.allocatable.memory".into())?;
    let gpus = alloc
        .get(GPU)
        .map(|q| gpus(q, format!("status.allocatable.{GPU}")))
        .transpose()?
        .unwrap_or(0);
    let max_pods = match alloc.get("pods") {
        None => 110,
        Some(q) => {
            let m = cpu(q, "status.allocatable.pods".into())?;
            if m % 1000 != 0 || m / 1000 > crate::limits::MAX_PODS_PER_NODE {
                return Err(err(
                    "status.allocatable.pods".into(),
                    format!(
                        "not a pod count from 0 to {} (meshsim's limit per node)",
                        crate::limits::MAX_PODS_PER_NODE
                    ),
                ));
            }
            (m / 1000) as u32
        }
    };
    let mut taints = Vec::new();
    for (i, t) in n
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(e) = effect(Some(&t.effect), format!("spec.taints[{i}].effect"))? else {
            continue;
        };
        taints.push(Taint {
            key: t.key.clone(),
            value: t.value.clone().unwrap_or_default(),
            effect: e,
        });
    }
    let mut label_keys: Vec<&str> = POOL_LABELS.to_vec();
    label_keys.extend(INSTANCE_TYPE_LABELS);
    label_keys.push(ZONE_LABEL);
    label_keys.push(GPU_PRODUCT_LABEL);
    Ok(NodeRecord {
        name: n.metadata.name.clone().unwrap_or_default(),
        labels: keep(n.metadata.labels.as_ref(), &label_keys),
        cpu_milli,
        memory_bytes,
        gpus,
        max_pods,
        taints,
    })
}

/// A namespace's mesh labels (and Linkerd's annotation).
pub fn namespace(n: &Namespace) -> NamespaceRecord {
    let mut labels = keep(n.metadata.labels.as_ref(), NAMESPACE_LABELS);
    labels.extend(keep(
        n.metadata.annotations.as_ref(),
        &["linkerd.io/inject"],
    ));
    NamespaceRecord {
        name: n.metadata.name.clone().unwrap_or_default(),
        labels,
    }
}

/// A workload object: its owner record, and its template as pods (`count` of them).
pub fn workload(
    kind: &str,
    meta: &ObjectMeta,
    template: Option<&PodTemplateSpec>,
    extra_meta: Option<&ObjectMeta>,
    at: &str,
    replicas: Option<i32>,
) -> R<(OwnerRecord, Option<PodRecord>)> {
    let owner = controller(meta);
    let rec = OwnerRecord {
        kind: kind.to_string(),
        namespace: meta.namespace.clone().unwrap_or_else(|| "default".into()),
        name: meta.name.clone().unwrap_or_default(),
        owner: owner.clone(),
    };
    // A ReplicaSet or Job with an owner stands for nothing of its own: its owner's template does.
    let Some(t) = template.filter(|_| owner.is_none()) else {
        return Ok((rec, None));
    };
    let Some(spec) = &t.spec else {
        return Ok((rec, None));
    };
    let n = replicas.unwrap_or(1);
    if !(0..=MAX_TEMPLATE_REPLICAS).contains(&n) {
        return Err(err(
            "spec.replicas".into(),
            format!("{n} is not a replica count from 0 to {MAX_TEMPLATE_REPLICAS}"),
        ));
    }
    let empty = ObjectMeta::default();
    let tm = t.metadata.as_ref().unwrap_or(&empty);
    let mut m = tm.clone();
    m.namespace = meta.namespace.clone();
    m.name = meta.name.clone();
    let mut pod = pod_record(
        &m,
        spec,
        extra_meta,
        &format!("{at}.spec"),
        n as u32,
        Some(Owner {
            kind: kind.to_string(),
            name: rec.name.clone(),
        }),
    )?;
    pod.pod_template_hash = None;
    Ok((rec, Some(pod)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_and_tags() {
        assert_eq!(
            image(Some("registry.istio.io/testing/proxyv2:1.24.2")),
            ("proxyv2".into(), Some("1.24.2".into()))
        );
        assert_eq!(
            image(Some("host:5000/ztunnel@sha256:ab")),
            ("ztunnel".into(), None)
        );
        assert_eq!(image(None), (String::new(), None));
    }
}
