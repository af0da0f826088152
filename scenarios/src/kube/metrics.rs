//! Usage from the metrics API (`PodMetrics` / `PodMetricsList`, `metrics.k8s.io/v1beta1` or `v1`:
//! kubernetes/metrics `pkg/apis/metrics/v1beta1/types.go`; not part of k8s-openapi, so declared
//! here with exactly the fields used) and from a Prometheus HTTP API query result
//! (`container_memory_working_set_bytes`, or a `rate()` of `container_cpu_usage_seconds_total`;
//! `resultType` `vector` or `matrix`).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use meshsim_models::audit::records::UsageSample;
use serde::Deserialize;

use crate::units::parse_bytes;

/// One `PodMetrics`.
#[derive(Debug, Deserialize)]
pub struct PodMetrics {
    /// Pod name and namespace.
    pub metadata: Meta,
    /// End of the sampling window (RFC 3339), used to tell snapshots apart.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Containers.
    #[serde(default)]
    pub containers: Vec<ContainerMetrics>,
}

/// Name and namespace.
#[derive(Debug, Default, Deserialize)]
pub struct Meta {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Namespace.
    #[serde(default)]
    pub namespace: Option<String>,
}

/// One container's usage.
#[derive(Debug, Deserialize)]
pub struct ContainerMetrics {
    /// Container name.
    pub name: String,
    /// `cpu` (nanocores, e.g. `9559630n`) and `memory` (working set).
    #[serde(default)]
    pub usage: BTreeMap<String, Quantity>,
}

/// Samples of one `PodMetrics`; errors name the field.
pub fn pod_metrics(m: &PodMetrics, snapshot: u32) -> Result<Vec<UsageSample>, (String, String)> {
    let mut out = Vec::new();
    for (i, c) in m.containers.iter().enumerate() {
        let cpu = c
            .usage
            .get("cpu")
            .map(|q| {
                // Nanocores: keep the fraction (kubectl would round up to millicores).
                crate::units::parse_cpu_nano(&q.0)
                    .map(|n| n as f64 / 1e6)
                    .map_err(|e| (format!("containers[{i}].usage.cpu"), e.to_string()))
            })
            .transpose()?;
        let mem = c
            .usage
            .get("memory")
            .map(|q| {
                parse_bytes(&q.0)
                    .map(|b| b as f64)
                    .map_err(|e| (format!("containers[{i}].usage.memory"), e.to_string()))
            })
            .transpose()?;
        out.push(UsageSample {
            namespace: m.metadata.namespace.clone(),
            pod: m.metadata.name.clone().unwrap_or_default(),
            container: Some(c.name.clone()),
            snapshot,
            cpu_milli: cpu,
            memory_bytes: mem,
        });
    }
    Ok(out)
}

/// Which metric a Prometheus result holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromMetric {
    /// CPU cores (a rate of `container_cpu_usage_seconds_total`).
    Cpu,
    /// Working-set bytes (`container_memory_working_set_bytes`).
    Memory,
}

/// The `data` of a Prometheus query response.
#[derive(Debug, Deserialize)]
pub struct PromData {
    /// `vector` or `matrix`.
    #[serde(rename = "resultType")]
    pub result_type: String,
    /// Series.
    pub result: Vec<PromSeries>,
}

/// One series.
#[derive(Debug, Deserialize)]
pub struct PromSeries {
    /// Labels.
    #[serde(default)]
    pub metric: BTreeMap<String, String>,
    /// Instant value `[time, "v"]`.
    #[serde(default)]
    pub value: Option<(f64, String)>,
    /// Range values.
    #[serde(default)]
    pub values: Option<Vec<(f64, String)>>,
}

/// Result of reading a Prometheus response.
#[derive(Debug, Default)]
pub struct PromFile {
    /// Samples.
    pub samples: Vec<UsageSample>,
    /// Series skipped: pod-level cgroups (`container=""`) and pause containers (`POD`).
    pub skipped_series: u64,
    /// Values that were not finite numbers (NaN, ±Inf, stale markers).
    pub skipped_values: u64,
    /// Distinct timestamps (snapshots).
    pub snapshots: u32,
}

/// Reads a Prometheus `data` object. `metric` is what the caller says it is; without it the
/// series' `__name__` decides. Snapshots are numbered from `first_snapshot`, one per timestamp.
pub fn prometheus(
    data: &PromData,
    metric: Option<PromMetric>,
    first_snapshot: u32,
    max_samples: usize,
) -> Result<PromFile, String> {
    if data.result_type != "vector" && data.result_type != "matrix" {
        return Err(format!(
            "`data.resultType` is `{}`; meshsim reads `vector` (an instant query) or `matrix` (a \
             range query)",
            data.result_type
        ));
    }
    let names: std::collections::BTreeSet<&str> = data
        .result
        .iter()
        .filter_map(|s| s.metric.get("__name__").map(String::as_str))
        .collect();
    let metric = match metric {
        Some(m) => m,
        None => match names.iter().next().copied() {
            Some("container_memory_working_set_bytes") if names.len() == 1 => PromMetric::Memory,
            Some("container_cpu_usage_seconds_total") => {
                return Err(
                    "holds the raw counter `container_cpu_usage_seconds_total`; query its \
                     rate, e.g. `rate(container_cpu_usage_seconds_total[5m])`, and pass the \
                     result with --prometheus-cpu"
                        .into(),
                );
            }
            _ => {
                return Err(
                    "cannot tell which metric this result holds (rate() drops the name): \
                     pass it with --prometheus-cpu or --prometheus-memory"
                        .into(),
                );
            }
        },
    };
    let mut times: Vec<i64> = Vec::new();
    for s in &data.result {
        for (t, _) in s.value.iter().chain(s.values.iter().flatten()) {
            times.push((t * 1000.0).round() as i64);
        }
    }
    times.sort_unstable();
    times.dedup();
    let mut out = PromFile {
        snapshots: times.len() as u32,
        ..Default::default()
    };
    for s in &data.result {
        let l = |a: &str, b: &str| s.metric.get(a).or_else(|| s.metric.get(b)).cloned();
        let container = l("container", "container_name").unwrap_or_default();
        let (Some(ns), Some(pod)) = (l("namespace", "namespace"), l("pod", "pod_name")) else {
            out.skipped_series += 1;
            continue;
        };
        if container.is_empty() || container == "POD" {
            out.skipped_series += 1;
            continue;
        }
        for (t, v) in s.value.iter().chain(s.values.iter().flatten()) {
            let Ok(x) = v.parse::<f64>() else {
                return Err(format!(
                    "series {ns}/{pod}/{container}: value `{v}` is not a number"
                ));
            };
            if !x.is_finite() || x < 0.0 {
                out.skipped_values += 1;
                continue;
            }
            if out.samples.len() >= max_samples {
                return Err(format!("more than {max_samples} samples"));
            }
            let snap = times
                .binary_search(&((t * 1000.0).round() as i64))
                .unwrap_or(0) as u32;
            out.samples.push(UsageSample {
                namespace: Some(ns.clone()),
                pod: pod.clone(),
                container: Some(container.clone()),
                snapshot: first_snapshot + snap,
                cpu_milli: (metric == PromMetric::Cpu).then_some(x * 1000.0),
                memory_bytes: (metric == PromMetric::Memory).then_some(x),
            });
        }
    }
    Ok(out)
}
