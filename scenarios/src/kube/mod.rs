//! Offline cluster dumps for `meshsim audit`: `kubectl get … -o json` (a `List` mixing kinds,
//! `PodList`, `NodeList`, a single object), workload objects, `kubectl top` text, the metrics
//! API's `PodMetricsList`, Prometheus query results, and Istio / Gateway API resources. Each
//! file is detected by its content, streamed item by item, hashed (SHA-256) as it is read, and
//! reduced to the audit's records; every problem names the file, the item (`namespace/name`)
//! and the field.
//!
//! | file | what |
//! |---|---|
//! | `stream.rs` | items of a JSON document, one at a time, each bounded |
//! | `objects.rs` | Pod, Node, Namespace and workload objects (k8s-openapi) to records |
//! | `top.rs` | `kubectl top pods|nodes` text |
//! | `metrics.rs` | `PodMetrics`, Prometheus results |
//! | `istio.rs` | Istio and Gateway API resources to L7 findings |

pub mod istio;
pub mod metrics;
pub mod objects;
pub mod stream;
pub mod top;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use meshsim_models::audit::records::{Dump, PodRecord};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use metrics::PromMetric;

/// Most pods (Kubernetes supports 150,000 per cluster).
pub const MAX_PODS: usize = 2_000_000;
/// Most nodes (Kubernetes supports 5,000 per cluster).
pub const MAX_NODES: usize = 100_000;
/// Most usage samples over all inputs.
pub const MAX_SAMPLES: usize = 50_000_000;
/// Most other objects (namespaces, workload objects, Istio resources) over all inputs.
pub const MAX_OBJECTS: usize = 5_000_000;
/// Largest `kubectl top` text file.
pub const MAX_TEXT_BYTES: u64 = 1 << 30;
/// Most input files.
pub const MAX_FILES: usize = 10_000;

/// What the user says a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Detected from the content.
    Auto,
    /// A Prometheus result of CPU cores (a `rate()`).
    PrometheusCpu,
    /// A Prometheus result of working-set bytes.
    PrometheusMemory,
}

/// One input: a path (`-` is standard input) and its role.
#[derive(Clone, Debug)]
pub struct InputSpec {
    /// Path, or `-`.
    pub path: PathBuf,
    /// Role.
    pub role: Role,
}

/// What was read from one input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputSummary {
    /// As given.
    pub path: String,
    /// SHA-256 of the bytes read.
    pub sha256: String,
    /// `kubectl-json`, `kubectl-top`, `prometheus`.
    pub format: String,
    /// Items used, per kind.
    pub used: BTreeMap<String, u64>,
    /// Items skipped, per kind (kinds the audit does not read: Services, Secrets, …; their
    /// content is not parsed).
    pub skipped: BTreeMap<String, u64>,
    /// Pods that have finished (`Succeeded`/`Failed`): hold nothing, not counted.
    pub finished_pods: u64,
}

/// Everything read.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Records.
    pub dump: Dump,
    /// Per input.
    pub inputs: Vec<InputSummary>,
}

/// A problem with an input: file, item, field, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// File as given.
    pub file: String,
    /// `namespace/name` of the item, `line N`, or `item #N`.
    pub item: Option<String>,
    /// Field path in the item.
    pub field: Option<String>,
    /// Why, and what is allowed.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A dump's names and values are quoted cut short: a message stays bounded whatever the
        // file holds.
        use meshsim_models::names::truncate;
        write!(f, "{}", self.file)?;
        if let Some(i) = &self.item {
            write!(f, ": {}", truncate(i, 120))?;
        }
        if let Some(k) = &self.field {
            write!(f, ": `{}`", truncate(k, 120))?;
        }
        write!(f, ": {}", truncate(&self.message, 400))
    }
}

impl std::error::Error for InputError {}

#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default, rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default)]
    metadata: Option<PeekMeta>,
}

#[derive(Deserialize)]
struct PeekMeta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
}

/// Hashes what passes through.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

struct Reader<'a> {
    dump: &'a mut Dump,
    pod_files: &'a mut Vec<u32>,
    file_index: u32,
    file: String,
    summary: InputSummary,
    role: Role,
    snapshot: &'a mut u32,
    seen_pods: &'a mut HashMap<(String, String), u32>,
    objects: &'a mut usize,
}

impl Reader<'_> {
    fn at(
        &self,
        item: Option<String>,
        field: Option<String>,
        message: impl Into<String>,
    ) -> InputError {
        InputError {
            file: self.file.clone(),
            item,
            field,
            message: message.into(),
        }
    }

    fn bump_objects(&mut self, item: &Option<String>) -> Result<(), InputError> {
        *self.objects += 1;
        if *self.objects > MAX_OBJECTS {
            return Err(self.at(
                item.clone(),
                None,
                format!("more than {MAX_OBJECTS} objects in the inputs"),
            ));
        }
        Ok(())
    }

    fn item(
        &mut self,
        index: u64,
        raw: &RawValue,
        default_kind: Option<&str>,
        peeked: Option<Peek>,
    ) -> Result<(), InputError> {
        let text = raw.get();
        let peek: Peek = match peeked {
            Some(p) => p,
            None => serde_json::from_str(text).map_err(|e| {
                self.at(
                    Some(format!("item #{index}")),
                    None,
                    format!("not a Kubernetes object: {e}"),
                )
            })?,
        };
        let name = |p: &Peek| {
            p.metadata.as_ref().map(|m| match (&m.namespace, &m.name) {
                (Some(ns), Some(n)) => format!("{ns}/{n}"),
                (None, Some(n)) => n.clone(),
                _ => format!("item #{index}"),
            })
        };
        let item = name(&peek).or(Some(format!("item #{index}")));
        let kind = peek
            .kind
            .clone()
            .or(default_kind.map(str::to_string))
            .unwrap_or_default();
        let api = peek.api_version.clone().unwrap_or_default();
        let typed = |e: serde_json::Error| {
            // Line and column within the item.
            format!("{e}")
        };
        macro_rules! parse {
            ($t:ty) => {
                serde_json::from_str::<$t>(text)
                    .map_err(|e| self.at(item.clone(), None, typed(e)))?
            };
        }
        let field_err =
            |s: &Self, f: objects::FieldError| s.at(item.clone(), Some(f.field), f.message);
        match kind.as_str() {
            "Pod" => {
                let p = parse!(Pod);
                match objects::pod(&p).map_err(|f| field_err(self, f))? {
                    Some(rec) => {
                        if self.dump.pods.len() >= MAX_PODS {
                            return Err(self.at(
                                item,
                                None,
                                format!("more than {MAX_PODS} pods in the inputs"),
                            ));
                        }
                        let key = (rec.namespace.clone(), rec.name.clone());
                        if self.seen_pods.insert(key, self.file_index).is_some() {
                            return Err(self.at(item, None, "this pod appears twice in the inputs (the same dump given twice?): it would be counted twice"));
                        }
                        self.dump.pods.push(rec);
                        self.pod_files.push(self.file_index);
                        *self.summary.used.entry(kind).or_default() += 1;
                    }
                    None => self.summary.finished_pods += 1,
                }
            }
            "Node" => {
                let n = parse!(Node);
                if self.dump.nodes.len() >= MAX_NODES {
                    return Err(self.at(
                        item,
                        None,
                        format!("more than {MAX_NODES} nodes in the inputs"),
                    ));
                }
                let rec = objects::node(&n).map_err(|f| field_err(self, f))?;
                if self.dump.nodes.iter().any(|x| x.name == rec.name)
                    && self.dump.nodes.len() < 20_000
                {
                    return Err(self.at(item, None, "this node appears twice in the inputs"));
                }
                self.dump.nodes.push(rec);
                *self.summary.used.entry(kind).or_default() += 1;
            }
            "Namespace" => {
                self.bump_objects(&item)?;
                let n = parse!(Namespace);
                self.dump.namespaces.push(objects::namespace(&n));
                *self.summary.used.entry(kind).or_default() += 1;
            }
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" => {
                self.bump_objects(&item)?;
                // `spec.template` of each kind (a CronJob's under `spec.jobTemplate`), and the
                // pods it stands for: `replicas`, a Job's `parallelism`, one per DaemonSet.
                let (owner, template) = match kind.as_str() {
                    "Deployment" => {
                        let d = parse!(Deployment);
                        let t = Some(&d.spec.template);
                        objects::workload(
                            &kind,
                            &d.metadata,
                            t,
                            None,
                            "spec.template",
                            d.spec.replicas,
                        )
                    }
                    "ReplicaSet" => {
                        let d = parse!(ReplicaSet);
                        let t = d.spec.template.as_ref();
                        objects::workload(
                            &kind,
                            &d.metadata,
                            t,
                            None,
                            "spec.template",
                            d.spec.replicas,
                        )
                    }
                    "StatefulSet" => {
                        let d = parse!(StatefulSet);
                        let t = Some(&d.spec.template);
                        objects::workload(
                            &kind,
                            &d.metadata,
                            t,
                            None,
                            "spec.template",
                            d.spec.replicas,
                        )
                    }
                    "DaemonSet" => {
                        let d = parse!(DaemonSet);
                        let t = Some(&d.spec.template);
                        objects::workload(&kind, &d.metadata, t, None, "spec.template", Some(1))
                    }
                    "Job" => {
                        let d = parse!(Job);
                        let s = d.spec.as_ref();
                        let t = s.map(|s| &s.template);
                        objects::workload(
                            &kind,
                            &d.metadata,
                            t,
                            None,
                            "spec.template",
                            s.and_then(|s| s.parallelism),
                        )
                    }
                    _ => {
                        let d = parse!(CronJob);
                        let j = &d.spec.job_template;
                        let s = j.spec.as_ref();
                        let t = s.map(|s| &s.template);
                        let at = "spec.jobTemplate.spec.template";
                        objects::workload(
                            &kind,
                            &d.metadata,
                            t,
                            j.metadata.as_ref(),
                            at,
                            s.and_then(|s| s.parallelism),
                        )
                    }
                }
                .map_err(|f| field_err(self, f))?;
                self.dump.owners.push(owner);
                if let Some(t) = template {
                    self.dump.templates.push(t);
                }
                *self.summary.used.entry(kind).or_default() += 1;
            }
            "PodMetrics" => {
                let m = parse!(metrics::PodMetrics);
                let samples = metrics::pod_metrics(&m, *self.snapshot)
                    .map_err(|(f, e)| self.at(item.clone(), Some(f), e))?;
                if self.dump.usage.len() + samples.len() > MAX_SAMPLES {
                    return Err(self.at(
                        item,
                        None,
                        format!("more than {MAX_SAMPLES} usage samples in the inputs"),
                    ));
                }
                self.dump.usage.extend(samples);
                *self.summary.used.entry(kind).or_default() += 1;
            }
            k if istio::KINDS.contains(&k)
                && (api.starts_with("networking.istio.io")
                    || api.starts_with("security.istio.io")
                    || api.starts_with("telemetry.istio.io")
                    || api.starts_with("extensions.istio.io")
                    || api.starts_with("gateway.networking.k8s.io")) =>
            {
                self.bump_objects(&item)?;
                let v: serde_json::Value = parse!(serde_json::Value);
                let r = istio::read(k, &api, &v);
                self.dump.l7.extend(r.findings);
                self.dump.waypoints.extend(r.waypoint);
                self.dump.sidecar_resources.extend(r.sidecar_namespace);
                *self.summary.used.entry(kind).or_default() += 1;
            }
            _ => {
                let k = if kind.is_empty() {
                    "(no kind)".to_string()
                } else {
                    kind
                };
                *self.summary.skipped.entry(k).or_default() += 1;
            }
        }
        Ok(())
    }

    fn json(&mut self, r: impl Read) -> Result<(), InputError> {
        let mut pending: Vec<(u64, Box<RawValue>)> = Vec::new();
        let mut list_kind: Option<String> = None;
        let res = stream::stream(r, &mut |i, raw: &RawValue| {
            let peek = serde_json::from_str::<Peek>(raw.get()).ok();
            if peek.as_ref().and_then(|p| p.kind.as_ref()).is_none() && list_kind.is_none() {
                pending.push((i, raw.to_owned()));
                if pending.len() > MAX_PODS {
                    return Err(self.at(
                        None,
                        Some("items".into()),
                        "too many items without a kind",
                    ));
                }
                return Ok(());
            }
            self.item(i, raw, list_kind.as_deref(), peek)
        });
        let top = match res {
            Ok(t) => t,
            Err(stream::StreamError::Item(e)) => return Err(e),
            Err(stream::StreamError::Json(m)) => {
                return Err(self.at(
                    None,
                    None,
                    format!("not valid JSON as kubectl writes it: {m}"),
                ));
            }
        };
        list_kind = top
            .kind
            .as_deref()
            .and_then(|k| k.strip_suffix("List"))
            .map(str::to_string);
        for (i, raw) in pending {
            self.item(i, &raw, list_kind.as_deref(), None)?;
        }
        let _ = &list_kind;
        if top.had_items {
            self.summary.format = if top.kind.as_deref() == Some("PodMetricsList") {
                "metrics-api".into()
            } else {
                "kubectl-json".into()
            };
            return Ok(());
        }
        // Not a list: a Prometheus response, or a single object.
        let field = |k: &str| top.fields.iter().find(|(n, _)| n == k).map(|(_, v)| v);
        if let (Some(status), Some(data)) = (field("status"), field("data"))
            && status.get().trim_start().starts_with('"')
        {
            self.summary.format = "prometheus".into();
            let status: String = serde_json::from_str(status.get()).unwrap_or_default();
            if status != "success" {
                return Err(self.at(
                    None,
                    Some("status".into()),
                    format!("the query failed (`{status}`); give a successful result"),
                ));
            }
            let data: metrics::PromData = serde_json::from_str(data.get()).map_err(|e| {
                self.at(
                    None,
                    Some("data".into()),
                    format!("not a Prometheus result: {e}"),
                )
            })?;
            let metric = match self.role {
                Role::PrometheusCpu => Some(PromMetric::Cpu),
                Role::PrometheusMemory => Some(PromMetric::Memory),
                Role::Auto => None,
            };
            let room = MAX_SAMPLES.saturating_sub(self.dump.usage.len());
            let p = metrics::prometheus(&data, metric, *self.snapshot, room)
                .map_err(|m| self.at(None, Some("data.result".into()), m))?;
            *self.snapshot += p.snapshots;
            self.summary
                .used
                .insert("series samples".into(), p.samples.len() as u64);
            if p.skipped_series > 0 {
                self.summary
                    .skipped
                    .insert("pod-level or pause series".into(), p.skipped_series);
            }
            if p.skipped_values > 0 {
                self.summary
                    .skipped
                    .insert("non-finite values".into(), p.skipped_values);
            }
            self.dump.usage.extend(p.samples);
            return Ok(());
        }
        if top.kind.is_none() {
            return Err(self.at(None, Some("kind".into()), "a JSON object with neither `items` nor `kind`: not kubectl -o json output, nor a Prometheus result"));
        }
        self.summary.format = "kubectl-json".into();
        let mut obj = String::from("{");
        obj.push_str(&format!(
            "\"kind\":{}",
            serde_json::to_string(&top.kind).unwrap_or_default()
        ));
        if let Some(a) = &top.api_version {
            obj.push_str(&format!(
                ",\"apiVersion\":{}",
                serde_json::to_string(a).unwrap_or_default()
            ));
        }
        for (k, v) in &top.fields {
            obj.push_str(&format!(
                ",{}:{}",
                serde_json::to_string(k).unwrap_or_default(),
                v.get()
            ));
        }
        obj.push('}');
        let raw: Box<RawValue> =
            RawValue::from_string(obj).map_err(|e| self.at(None, None, e.to_string()))?;
        self.item(0, &raw, None, None)
    }
}

fn open(path: &Path) -> Result<Box<dyn Read>, String> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::stdin()));
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the file: {e}"))?;
    if meta.is_dir() {
        return Err("is a directory, not a file".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file (a device, pipe or socket); give a file, or `-` for standard input".into());
    }
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read the file: {e}"))?;
    Ok(Box::new(f))
}

/// Reads every input. Standard input may be given once.
pub fn load(specs: &[InputSpec]) -> Result<Loaded, InputError> {
    if specs.is_empty() {
        return Err(InputError {
            file: "(no inputs)".into(),
            item: None,
            field: None,
            message: "give at least one dump: `kubectl get nodes,pods,namespaces -A -o json > cluster.json`".into(),
        });
    }
    if specs.len() > MAX_FILES {
        return Err(InputError {
            file: "(inputs)".into(),
            item: None,
            field: None,
            message: format!("more than {MAX_FILES} inputs"),
        });
    }
    if specs.iter().filter(|s| s.path == Path::new("-")).count() > 1 {
        return Err(InputError {
            file: "-".into(),
            item: None,
            field: None,
            message: "standard input can be given once".into(),
        });
    }
    let mut dump = Dump::default();
    let mut pod_files = Vec::new();
    let mut inputs = Vec::new();
    let mut snapshot = 0u32;
    let mut seen_pods = HashMap::new();
    let mut objects = 0usize;
    for (fi, spec) in specs.iter().enumerate() {
        let file = spec.path.display().to_string();
        let raw = open(&spec.path).map_err(|m| InputError {
            file: file.clone(),
            item: None,
            field: None,
            message: m,
        })?;
        let mut hashing = std::io::BufReader::with_capacity(
            1 << 16,
            Hashing {
                inner: raw,
                hash: Sha256::new(),
            },
        );
        let first = {
            let buf = hashing.fill_buf().map_err(|e| InputError {
                file: file.clone(),
                item: None,
                field: None,
                message: format!("cannot read the file: {e}"),
            })?;
            buf.iter().copied().find(|b| !b.is_ascii_whitespace())
        };
        let mut r = Reader {
            dump: &mut dump,
            pod_files: &mut pod_files,
            file_index: fi as u32,
            file: file.clone(),
            summary: InputSummary {
                path: file.clone(),
                ..Default::default()
            },
            role: spec.role,
            snapshot: &mut snapshot,
            seen_pods: &mut seen_pods,
            objects: &mut objects,
        };
        match first {
            None => return Err(r.at(
                None,
                None,
                "is empty: give kubectl -o json output, `kubectl top` text or a Prometheus result",
            )),
            Some(b'{') => r.json(&mut hashing)?,
            Some(_) if spec.role != Role::Auto => {
                return Err(r.at(None, None, "a Prometheus result is JSON (`{\"status\":\"success\",\"data\":…}`); this file is not"));
            }
            Some(_) => {
                let mut bytes = Vec::new();
                (&mut hashing)
                    .take(MAX_TEXT_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| r.at(None, None, format!("cannot read the file: {e}")))?;
                if bytes.len() as u64 > MAX_TEXT_BYTES {
                    return Err(r.at(None, None, format!("larger than {MAX_TEXT_BYTES} bytes")));
                }
                let text = String::from_utf8(bytes).map_err(|_| {
                    r.at(
                        None,
                        None,
                        "is neither JSON nor UTF-8 text (`kubectl top` output)",
                    )
                })?;
                if !top::looks_like_top(&text)
                    && text.split_whitespace().count() > 0
                    && text
                        .lines()
                        .next()
                        .is_some_and(|l| l.split_whitespace().count() < 3)
                {
                    return Err(r.at(
                        Some("line 1".into()),
                        None,
                        "is neither JSON (kubectl -o json) nor `kubectl top` output",
                    ));
                }
                let room = MAX_SAMPLES.saturating_sub(r.dump.usage.len());
                let t = top::parse(&text, *r.snapshot, room).map_err(|e| {
                    r.at(
                        Some(format!("line {}", e.line)),
                        e.column.clone(),
                        e.message.clone(),
                    )
                })?;
                *r.snapshot += 1;
                r.summary.format = "kubectl-top".into();
                r.summary.used.insert(
                    if t.node_rows > 0 {
                        "node rows".into()
                    } else {
                        "pod rows".into()
                    },
                    t.samples.len() as u64 + t.node_rows,
                );
                if t.node_rows > 0 {
                    r.summary
                        .skipped
                        .insert("node rows (node usage is not used)".into(), t.node_rows);
                }
                if t.unknown_rows > 0 {
                    r.summary
                        .skipped
                        .insert("<unknown> rows".into(), t.unknown_rows);
                }
                r.dump.usage.extend(t.samples);
            }
        }
        // PodMetrics files: one snapshot per file.
        if r.summary.format != "prometheus"
            && r.summary.format != "kubectl-top"
            && r.summary.used.contains_key("PodMetrics")
        {
            *r.snapshot += 1;
        }
        let mut summary = std::mem::take(&mut r.summary);
        // Drain to the end so the hash covers the whole file.
        let _ = std::io::copy(&mut hashing, &mut std::io::sink());
        summary.sha256 = hex(&hashing.into_inner().hash.finalize());
        inputs.push(summary);
    }
    // Pods bound to nodes the dump does not hold.
    if !dump.nodes.is_empty() {
        let nodes: std::collections::HashSet<&str> =
            dump.nodes.iter().map(|n| n.name.as_str()).collect();
        for (p, fi) in dump.pods.iter().zip(&pod_files) {
            if let Some(n) = &p.node
                && !nodes.contains(n.as_str())
            {
                return Err(InputError {
                    file: specs[*fi as usize].path.display().to_string(),
                    item: Some(format!("{}/{}", p.namespace, p.name)),
                    field: Some("spec.nodeName".into()),
                    message: format!(
                        "bound to node `{}`, which no input holds; dump nodes and pods together (`kubectl get nodes,pods,namespaces -A -o json`)",
                        meshsim_models::names::truncate(n, 64)
                    ),
                });
            }
        }
    }
    Ok(Loaded { dump, inputs })
}

/// The pods of a dump (live pods, or templates when there are none).
pub fn pods(d: &Dump) -> &[PodRecord] {
    if d.pods.is_empty() {
        &d.templates
    } else {
        &d.pods
    }
}
