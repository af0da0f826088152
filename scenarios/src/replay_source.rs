//! A meshsim scenario as the cluster and workload of a replay (`[replay] scenario = "…"`): each
//! pool's nodes with their allocatable CPU and memory, GPUs, GPU model, labels, taints and max
//! pods; each workload's replicas as pods with their requests, node selector and tolerations;
//! the scenario's DaemonSets placed on every node first. All pods exist from time 0 and never
//! leave (the FGD protocol draws from them with replacement).
//!
//! Not carried over, so refused rather than silently dropped: `fill` workloads (a replay needs a
//! pod count) and `max_per_node`. Carried over as the replay defines it instead: the mesh (the
//! replay's `[mesh]` overlays apply one sidecar to every pod; per-workload sidecar overrides
//! and `[mesh.namespaces]` do not enter), priorities (arrivals follow the protocol).

use meshsim_models::cluster::Replicas;
use meshsim_models::replay::{DaemonSetPod, ReplayNode, ReplayPod};

use crate::Scenario;
use crate::openb::{MAX_NODES, MAX_PODS};

/// The cluster and workload of a scenario, ready to replay.
#[derive(Clone, Debug, Default)]
pub struct ReplayInputs {
    /// Nodes, pool by pool, named `<pool>-<index>`.
    pub nodes: Vec<ReplayNode>,
    /// Pods, workload by workload, named `<namespace>/<workload>-<index>`.
    pub pods: Vec<ReplayPod>,
    /// The scenario's DaemonSets.
    pub daemonsets: Vec<DaemonSetPod>,
}

/// The replay inputs of `s`, or why it cannot be replayed (one message per workload).
pub fn from_scenario(s: &Scenario) -> Result<ReplayInputs, Vec<String>> {
    let mut errors = Vec::new();
    let nodes_total: u64 = s.cluster.pools.iter().map(|p| u64::from(p.count)).sum();
    if nodes_total > MAX_NODES as u64 {
        errors.push(format!(
            "{nodes_total} nodes, beyond a replay's limit of {MAX_NODES}"
        ));
    }
    let mut pods_total = 0u64;
    for w in &s.cluster.workloads {
        match w.replicas {
            Replicas::Fill => errors.push(format!(
                "workload `{}` has replicas = \"fill\": a replay needs a pod count",
                w.name
            )),
            Replicas::Count(n) => pods_total += u64::from(n),
        }
        if w.max_per_node.is_some() {
            errors.push(format!(
                "workload `{}` has max_per_node, which a replay does not model",
                w.name
            ));
        }
    }
    if pods_total > MAX_PODS as u64 {
        errors.push(format!(
            "{pods_total} pods, beyond a replay's limit of {MAX_PODS}"
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = ReplayInputs::default();
    for p in &s.cluster.pools {
        let a = p.allocatable();
        for i in 0..p.count {
            out.nodes.push(ReplayNode {
                name: format!("{}-{i:07}", p.name),
                cpu_milli: a.cpu_milli,
                memory_bytes: a.memory_bytes,
                gpus: a.gpus,
                model: p.gpu_model.clone(),
                labels: p.labels.clone(),
                taints: p.taints.clone(),
                max_pods: Some(p.max_pods),
            });
        }
    }
    for w in &s.cluster.workloads {
        let Replicas::Count(n) = w.replicas else {
            continue;
        };
        for i in 0..n {
            out.pods.push(ReplayPod {
                name: format!("{}/{}-{i:08}", w.namespace, w.name),
                cpu_milli: w.requests.cpu_milli,
                memory_bytes: w.requests.memory_bytes,
                gpus: w.requests.gpus,
                gpu_milli: if w.requests.gpus > 0 {
                    0
                } else {
                    w.requests.gpu_milli
                },
                models: Vec::new(),
                created_s: 0,
                deleted_s: None,
                node_selector: w.node_selector.clone(),
                tolerations: w.tolerations.clone(),
            });
        }
    }
    out.daemonsets = s
        .cluster
        .daemonsets
        .iter()
        .map(|d| DaemonSetPod {
            requests: d.requests,
            node_selector: d.node_selector.clone(),
            tolerations: d.tolerations.clone(),
        })
        .collect();
    Ok(out)
}
