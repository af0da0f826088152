//! A sweep as a Kubernetes Indexed Job, built with the real API types (k8s-openapi): a
//! `ConfigMap` with the sweep's input files, a `PersistentVolumeClaim` for the shard results,
//! the Indexed `Job` whose pod K runs shard K (`JOB_COMPLETION_INDEX`), a merge `Job` that
//! writes the final tables onto the same volume, and a small `Pod` to copy them out with
//! `kubectl cp`. The Job controller distributes and retries; meshsim adds no scheduler.
//!
//! The ConfigMap holds every input (the sweep file, its base scenario, the traces they read)
//! at its path relative to the sweep file, so the pods see the same relative layout and the
//! same bytes: the fingerprint a shard records is the one a local run computes. A ConfigMap is
//! limited to 1 MiB (etcd's object size); larger inputs go on a volume (see the README).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use k8s_openapi::ByteString;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, KeyToPath, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, Pod, PodSecurityContext, PodSpec,
    PodTemplateSpec, ResourceRequirements, SecurityContext, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::Sweep;

/// Largest ConfigMap meshsim writes (Kubernetes refuses objects past about 1 MiB).
pub const MAX_CONFIG_BYTES: u64 = 1_000_000;
/// Where the pods see the inputs.
pub const CONFIG_DIR: &str = "/config";
/// Where the pods write shard results (the volume's root).
pub const RESULTS_DIR: &str = "/results";
/// The user id of the distroless `nonroot` image.
const NONROOT: i64 = 65_532;

/// What the manifests are made with.
#[derive(Clone, Debug, PartialEq)]
pub struct JobOptions {
    /// Container image with the `meshsim` binary.
    pub image: String,
    /// Shards (`completions`).
    pub shards: u64,
    /// Pods at once.
    pub parallelism: u64,
    /// Retries per shard (`backoffLimitPerIndex`).
    pub retries_per_shard: i32,
    /// Size of the results volume.
    pub storage: String,
    /// Its storage class (`None`: the cluster's default).
    pub storage_class: Option<String>,
    /// Namespace of every object (`None`: kubectl's current one).
    pub namespace: Option<String>,
}

/// The manifest set.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifests {
    /// The inputs.
    pub config_map: ConfigMap,
    /// The results volume.
    pub volume_claim: PersistentVolumeClaim,
    /// The Indexed Job: pod K runs shard K.
    pub job: Job,
    /// Merges the shards into the final tables on the volume (run after `job` completes).
    pub merge_job: Job,
    /// Mounts the volume for `kubectl cp`.
    pub collector: Pod,
    /// Memory requested per shard pod, and why.
    pub memory_request: String,
}

/// Why the manifests cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// An input outside the sweep file's directory.
    #[error("{}: not under the sweep file's directory {}: the ConfigMap holds the inputs at their paths relative to the sweep file, so move the sweep beside its inputs (or put them on a volume: see the README)", .0.display(), .1.display())]
    Outside(PathBuf, PathBuf),
    /// Inputs too large for a ConfigMap.
    #[error(
        "the sweep's inputs are {0} bytes, more than a ConfigMap holds ({MAX_CONFIG_BYTES}): put them on a volume (see the README, \"Running a sweep on a Kubernetes cluster\")"
    )]
    TooLarge(u64),
    /// An input cannot be read.
    #[error("{}: {}", .0.display(), .1)]
    Read(PathBuf, String),
}

/// A DNS-1123 label from the sweep's name: lower case, `-` for anything else, at most `max`.
pub fn dns_label(name: &str, max: usize) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.truncate(max);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "sweep".into() } else { s }
}

/// The path of `file` relative to `dir`, if it is below it (no `..`).
fn relative(dir: &Path, file: &Path) -> Option<PathBuf> {
    let rel = file.strip_prefix(dir).ok()?;
    rel.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| rel.to_path_buf())
}

/// Memory to request per shard pod: 256 MiB plus 16 KiB per node and pod of the base scenario,
/// rounded up to 64 MiB — a margin over what `BENCHMARKS.md` measures (51 MiB peak for a run of
/// 1,000 nodes and 18,000 pods; a plan 74 MiB).
pub fn memory_request(nodes: u64, pods: u64) -> String {
    let mib = 256 + (nodes + pods) * 16 / 1024;
    format!("{}Mi", mib.div_ceil(64) * 64)
}

fn meta(name: &str, o: &JobOptions, sweep: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: o.namespace.clone(),
        labels: Some(BTreeMap::from([
            ("app.kubernetes.io/name".to_string(), "meshsim".to_string()),
            ("meshsim.io/sweep".to_string(), sweep.to_string()),
        ])),
        ..Default::default()
    }
}

fn pod_spec(
    o: &JobOptions,
    args: Vec<String>,
    config: Option<(&str, Vec<KeyToPath>)>,
    claim: &str,
    memory: &str,
) -> PodSpec {
    let mut volumes = vec![Volume {
        name: "results".into(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: claim.to_string(),
            read_only: None,
        }),
        ..Default::default()
    }];
    let mut mounts = vec![VolumeMount {
        name: "results".into(),
        mount_path: RESULTS_DIR.into(),
        ..Default::default()
    }];
    if let Some((cm, items)) = config {
        volumes.push(Volume {
            name: "config".into(),
            config_map: Some(ConfigMapVolumeSource {
                name: cm.to_string(),
                items: Some(items),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: "config".into(),
            mount_path: CONFIG_DIR.into(),
            read_only: Some(true),
            ..Default::default()
        });
    }
    let q = |s: &str| Quantity(s.to_string());
    PodSpec {
        restart_policy: Some("Never".into()),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(NONROOT),
            fs_group: Some(NONROOT),
            ..Default::default()
        }),
        containers: vec![Container {
            name: "meshsim".into(),
            image: Some(o.image.clone()),
            args: Some(args),
            resources: Some(ResourceRequirements {
                requests: Some(BTreeMap::from([
                    ("cpu".to_string(), q("1")),
                    ("memory".to_string(), q(memory)),
                ])),
                limits: Some(BTreeMap::from([("memory".to_string(), q(memory))])),
                ..Default::default()
            }),
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(false),
                read_only_root_filesystem: Some(true),
                ..Default::default()
            }),
            volume_mounts: Some(mounts),
            ..Default::default()
        }],
        volumes: Some(volumes),
        ..Default::default()
    }
}

/// The manifests for `sweep` (read from `sweep_path`) with `o`.
pub fn manifests(sw: &Sweep, sweep_path: &Path, o: &JobOptions) -> Result<Manifests, JobError> {
    let base = dns_label(&sw.name, 40);
    let name = format!("meshsim-{base}");
    let dir = sweep_path.parent().unwrap_or(Path::new("")).to_path_buf();
    // The inputs, at their paths relative to the sweep file.
    let mut data = BTreeMap::new();
    let mut binary = BTreeMap::new();
    let mut items = Vec::new();
    let mut total = 0u64;
    for (i, f) in sw.inputs(sweep_path).iter().enumerate() {
        let rel = relative(&dir, f).ok_or_else(|| JobError::Outside(f.clone(), dir.clone()))?;
        let bytes = crate::read::read_capped(f, MAX_CONFIG_BYTES + 1)
            .map_err(|e| JobError::Read(f.clone(), e.to_string()))?;
        total += bytes.len() as u64;
        if total > MAX_CONFIG_BYTES {
            return Err(JobError::TooLarge(total));
        }
        let key = format!("input-{i}");
        items.push(KeyToPath {
            key: key.clone(),
            path: rel.to_string_lossy().replace('\\', "/"),
            ..Default::default()
        });
        match String::from_utf8(bytes) {
            Ok(t) => {
                data.insert(key, t);
            }
            Err(e) => {
                binary.insert(key, ByteString(e.into_bytes()));
            }
        }
    }
    let sweep_rel = relative(&dir, sweep_path)
        .ok_or_else(|| JobError::Outside(sweep_path.to_path_buf(), dir.clone()))?;
    let sweep_in_pod = format!("{CONFIG_DIR}/{}", sweep_rel.to_string_lossy());
    // Size from the base scenario (as point 0 completes it).
    let (nodes, pods) = sw
        .apply(&sw.point(0))
        .ok()
        .and_then(|t| crate::parse_in("", &t, sw.scenario_path.parent()).ok())
        .map_or((0, 0), |s| {
            let nodes = s.cluster.node_count();
            let pods: u64 = s
                .cluster
                .workloads
                .iter()
                .map(|w| match w.replicas {
                    meshsim_models::cluster::Replicas::Count(n) => u64::from(n),
                    meshsim_models::cluster::Replicas::Fill => nodes * 8,
                })
                .sum();
            (nodes, pods)
        });
    let memory = memory_request(nodes, pods);
    let claim = format!("{name}-results");
    let config_map = ConfigMap {
        metadata: meta(&format!("{name}-inputs"), o, &base),
        data: Some(data),
        binary_data: (!binary.is_empty()).then_some(binary),
        ..Default::default()
    };
    let mut pvc_req = BTreeMap::new();
    pvc_req.insert("storage".to_string(), Quantity(o.storage.clone()));
    let volume_claim = PersistentVolumeClaim {
        metadata: meta(&claim, o, &base),
        spec: Some(PersistentVolumeClaimSpec {
            // Shard pods run on several nodes at once and write side by side.
            access_modes: Some(vec!["ReadWriteMany".into()]),
            storage_class_name: o.storage_class.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(pvc_req),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let shard_args = vec![
        "sweep".to_string(),
        sweep_in_pod.clone(),
        "--shards".into(),
        o.shards.to_string(),
        "--out".into(),
        RESULTS_DIR.into(),
        "--threads".into(),
        "1".into(),
        "--quiet".into(),
    ];
    let job = Job {
        metadata: meta(&name, o, &base),
        spec: Some(JobSpec {
            completion_mode: Some("Indexed".into()),
            completions: Some(o.shards as i32),
            parallelism: Some(o.parallelism.min(o.shards) as i32),
            backoff_limit_per_index: Some(o.retries_per_shard),
            template: PodTemplateSpec {
                metadata: Some(meta(&name, o, &base)),
                spec: Some(pod_spec(
                    o,
                    shard_args,
                    Some((&format!("{name}-inputs"), items.clone())),
                    &claim,
                    &memory,
                )),
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    let merge_args = vec![
        "sweep".to_string(),
        "merge".into(),
        RESULTS_DIR.into(),
        "--out".into(),
        format!("{RESULTS_DIR}/merged"),
        "--quiet".into(),
    ];
    let merge_job = Job {
        metadata: meta(&format!("{name}-merge"), o, &base),
        spec: Some(JobSpec {
            completions: Some(1),
            backoff_limit: Some(o.retries_per_shard),
            template: PodTemplateSpec {
                metadata: Some(meta(&format!("{name}-merge"), o, &base)),
                spec: Some(pod_spec(o, merge_args, None, &claim, &memory)),
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut collector_spec = pod_spec(
        o,
        vec!["sh".into(), "-c".into(), "sleep 3600".into()],
        None,
        &claim,
        "64Mi",
    );
    collector_spec.containers[0].name = "collect".into();
    collector_spec.containers[0].image = Some("busybox:1.36".into());
    collector_spec.containers[0].args = None;
    collector_spec.containers[0].command =
        Some(vec!["sh".into(), "-c".into(), "sleep 3600".into()]);
    collector_spec.containers[0].resources = Some(ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_string(), Quantity("10m".into())),
            ("memory".to_string(), Quantity("16Mi".into())),
        ])),
        ..Default::default()
    });
    let collector = Pod {
        metadata: meta(&format!("{name}-collect"), o, &base),
        spec: Some(collector_spec),
        ..Default::default()
    };
    Ok(Manifests {
        config_map,
        volume_claim,
        job,
        merge_job,
        collector,
        memory_request: memory,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_dns_labels() {
        assert_eq!(dns_label("GPU_fleet x Sidecar", 40), "gpu-fleet-x-sidecar");
        assert_eq!(dns_label("___", 40), "sweep");
        assert_eq!(dns_label(&"a".repeat(80), 40).len(), 40);
    }

    #[test]
    fn memory_grows_with_the_fleet_in_64_mib_steps() {
        assert_eq!(memory_request(0, 0), "256Mi");
        // 30 nodes + 1,000 pods: 256 + 16 = 272 → 320Mi.
        assert_eq!(memory_request(30, 1_000), "320Mi");
        // 1,000 nodes + 18,000 pods: 256 + 296 = 552 → 576Mi.
        assert_eq!(memory_request(1_000, 18_000), "576Mi");
    }

    #[test]
    fn only_inputs_below_the_sweep_directory_are_relative() {
        let d = Path::new("/s");
        assert_eq!(
            relative(d, Path::new("/s/a/b.csv")),
            Some(PathBuf::from("a/b.csv"))
        );
        assert_eq!(relative(d, Path::new("/t/b.csv")), None);
        assert_eq!(relative(d, Path::new("/s/../t/b.csv")), None);
    }
}
