//! `meshsim audit`: reads offline cluster dumps, prints the sidecar tax in the terms of the
//! question, writes the audit tables, and optionally a scenario that reproduces the cluster.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use meshsim_models::audit::analysis::Audit;
use meshsim_models::audit::{AuditOptions, audit as run_audit};
use meshsim_models::mesh::NamespaceMode;
use meshsim_models::resources::GIB;
use meshsim_models::rows::SCHEMA_VERSION;
use meshsim_models::rows::audit as rows;
use meshsim_scenarios::audit_scenario::{UsageQuantile, emit};
use meshsim_scenarios::kube::{InputSpec, Loaded, Role, load};

use crate::Failure;
use crate::output::Staged;
use crate::tables;

/// Which usage figure the emitted scenario uses.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Quantile {
    /// The median over the snapshots.
    P50,
    /// The 95th percentile.
    P95,
}

/// Arguments of `meshsim audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Dumps, each a file or `-` (standard input, once): `kubectl get nodes,pods,namespaces -A -o
    /// json`, workload objects, Istio / Gateway API resources, `kubectl top pods -A --containers`
    /// text, PodMetricsList JSON, Prometheus results. Detected by content.
    #[arg(required = true, value_name = "FILES")]
    pub inputs: Vec<PathBuf>,
    /// A Prometheus query result of CPU cores per container (`rate(container_cpu_usage_seconds_total[5m])`).
    #[arg(long, value_name = "FILE")]
    pub prometheus_cpu: Vec<PathBuf>,
    /// A Prometheus query result of `container_memory_working_set_bytes` (when its `__name__` was dropped).
    #[arg(long, value_name = "FILE")]
    pub prometheus_memory: Vec<PathBuf>,
    /// Output directory [default: meshsim-out/audit-<name>/]. Replaced whole and atomically.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write a commented scenario that reproduces the cluster.
    #[arg(long, value_name = "FILE")]
    pub emit_scenario: Option<PathBuf>,
    /// Name of the cluster (names the output directory and the emitted scenario).
    #[arg(long, value_name = "NAME", default_value = "audited-cluster")]
    pub name: String,
    /// Replace namespace, workload and resource names with stable hashes in every output.
    #[arg(long)]
    pub redact: bool,
    /// Salt for --redact's hashes (keep it private: without one, short names can be guessed).
    #[arg(long, value_name = "TEXT", requires = "redact", default_value = "")]
    pub redact_salt: String,
    /// Measured figure the emitted scenario uses as usage.
    #[arg(long, value_enum, default_value = "p50")]
    pub usage: Quantile,
    /// Istio's root namespace (policies there apply mesh-wide).
    #[arg(long, value_name = "NS", default_value = "istio-system")]
    pub root_namespace: String,
    /// No summary on the terminal (files are still written).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `meshsim audit`.
pub fn audit(a: &AuditArgs) -> Result<(), Failure> {
    crate::name_arg(&a.name)?;
    let mut specs: Vec<InputSpec> = a
        .inputs
        .iter()
        .map(|p| InputSpec {
            path: p.clone(),
            role: Role::Auto,
        })
        .collect();
    specs.extend(a.prometheus_cpu.iter().map(|p| InputSpec {
        path: p.clone(),
        role: Role::PrometheusCpu,
    }));
    specs.extend(a.prometheus_memory.iter().map(|p| InputSpec {
        path: p.clone(),
        role: Role::PrometheusMemory,
    }));
    let loaded = load(&specs).map_err(|e| Failure::Input(format!("error: {e}")))?;
    let opts = AuditOptions {
        root_namespace: a.root_namespace.clone(),
    };
    let mut result = run_audit(&loaded.dump, &opts).map_err(|e| {
        let files: Vec<&str> = loaded.inputs.iter().map(|i| i.path.as_str()).collect();
        Failure::Input(format!("error: {}: {e}", files.join(", ")))
    })?;
    if a.redact {
        meshsim_models::audit::redact::redact(&mut result, &a.redact_salt);
    }
    let inputs: Vec<(String, String)> = loaded
        .inputs
        .iter()
        .map(|i| (i.path.clone(), i.sha256.clone()))
        .collect();
    let scenario = match &a.emit_scenario {
        None => None,
        Some(_) => Some(
            emit(
                &result,
                &a.name,
                &inputs,
                match a.usage {
                    Quantile::P50 => UsageQuantile::P50,
                    Quantile::P95 => UsageQuantile::P95,
                },
            )
            .map_err(|e| Failure::Input(format!("error: --emit-scenario: {e}")))?,
        ),
    };
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("meshsim-out").join(format!("audit-{}", a.name)));
    let mut staged = Staged::new(&dir).map_err(|e| Failure::Input(e.to_string()))?;
    write_outputs(&mut staged, a, &loaded, &result).map_err(Failure::Other)?;
    // The scenario first (a failure leaves the output directory as it was), then the set.
    if let (Some(path), Some(text)) = (&a.emit_scenario, &scenario) {
        write_atomic(path, text.as_bytes()).map_err(|e| {
            Failure::Input(format!("error: --emit-scenario {}: {e}", path.display()))
        })?;
    }
    let out_dir = staged.dir().to_path_buf();
    staged.commit().map_err(Failure::Other)?;
    if !a.quiet {
        let mut out = std::io::stdout().lock();
        let _ = print_summary(
            &mut out,
            &loaded,
            &result,
            &out_dir,
            a.emit_scenario.as_deref(),
        );
    }
    Ok(())
}

fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|f| f.to_str())
            .unwrap_or("scenario"),
        std::process::id()
    ));
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn write_outputs(staged: &mut Staged, a: &AuditArgs, l: &Loaded, r: &Audit) -> Result<()> {
    let c = a.name.as_str();
    staged.table("audit", &mut tables::frame(&rows::cells(c, r))?)?;
    staged.table("audit-pools", &mut tables::frame(&rows::pools(c, r))?)?;
    staged.table(
        "audit-namespaces",
        &mut tables::frame(&rows::namespaces(c, r))?,
    )?;
    staged.table(
        "audit-workloads",
        &mut tables::frame(&rows::workloads(c, r))?,
    )?;
    staged.table("audit-l7", &mut tables::frame(&rows::l7(c, r))?)?;
    let inputs: Vec<serde_json::Value> = l
        .inputs
        .iter()
        .map(|i| {
            serde_json::json!({
                "path": i.path, "sha256": i.sha256, "format": i.format,
                "used": i.used, "skipped": i.skipped, "finished_pods": i.finished_pods,
            })
        })
        .collect();
    let json = serde_json::json!({
        "schema_version": SCHEMA_VERSION,
        "meshsim_version": env!("CARGO_PKG_VERSION"),
        "cluster": a.name,
        "inputs": inputs,
        "options": { "root_namespace": a.root_namespace, "redacted": a.redact,
                     "emit_usage": format!("{:?}", a.usage).to_lowercase() },
        "pods": r.pods,
        "from_templates": r.from_templates,
        "sidecars": r.sidecars.sidecars,
        "istio_version": r.mesh.istio_version,
        "unmatched_usage_series": r.unmatched_samples,
        "warnings": r.warnings,
    });
    staged.bytes(
        "audit.json",
        serde_json::to_string_pretty(&json)?.as_bytes(),
    )?;
    Ok(())
}

fn gib(b: f64) -> String {
    format!("{:.1} GiB", b / GIB as f64)
}

fn print_summary(
    out: &mut impl Write,
    l: &Loaded,
    r: &Audit,
    dir: &Path,
    scenario: Option<&Path>,
) -> std::io::Result<()> {
    let nodes: u64 = r.pools.iter().map(|p| p.nodes).sum();
    writeln!(
        out,
        "meshsim audit: {} input(s); {} pods on {} nodes in {} pool(s){}",
        l.inputs.len(),
        r.pods,
        nodes,
        r.pools.len(),
        if r.from_templates {
            " (workload templates at their replicas)"
        } else {
            ""
        }
    )?;
    let s = &r.sidecars;
    let used = if s.measured == 0 {
        "used n/m (no usage input)".to_string()
    } else if s.measured == s.sidecars {
        format!("{} used (P50)", gib(s.used.memory_p50_bytes))
    } else {
        format!(
            "{} used (P50) by the {} sidecars measured ({} not)",
            gib(s.used.memory_p50_bytes),
            s.measured,
            s.sidecars - s.measured
        )
    };
    writeln!(
        out,
        "sidecar memory tax: {} requested, {used}, across {} sidecars ({} native); {} of it on GPU nodes",
        gib(s.request.memory_bytes as f64),
        s.sidecars,
        s.native,
        gib(r.gpu_sidecars.request.memory_bytes as f64),
    )?;
    writeln!(
        out,
        "sidecar CPU: {:.1} vCPU requested{}; the pods' requests drop by {:.1} vCPU / {} without their mesh containers",
        s.request.cpu_milli as f64 / 1000.0,
        if s.measured > 0 {
            format!(
                ", {:.2} vCPU used (P50, measured sidecars)",
                s.used.cpu_p50_milli / 1000.0
            )
        } else {
            String::new()
        },
        s.reclaimable.cpu_milli as f64 / 1000.0,
        gib(s.reclaimable.memory_bytes as f64)
    )?;
    for p in r.pools.iter().filter(|p| p.gpus_per_node > 0) {
        write!(
            out,
            "GPU pool {} ({} nodes × {} GPUs): sidecars hold {} and {:.1} vCPU",
            p.name,
            p.nodes,
            p.gpus_per_node,
            gib(p.sidecar.request.memory_bytes as f64),
            p.sidecar.request.cpu_milli as f64 / 1000.0
        )?;
        match &p.inference {
            Some(i) => writeln!(
                out,
                "; room for {} more replicas of {} today, {} without sidecars (binding now: {}; before ztunnel's own request)",
                i.extra_now, i.workload, i.extra_without_sidecars, i.binding_now
            )?,
            None => writeln!(out, "; no GPU pods there to count replicas of")?,
        }
    }
    let meshed: Vec<_> = r
        .namespaces
        .iter()
        .filter(|n| n.observed != NamespaceMode::Outside)
        .collect();
    let l4: Vec<&str> = meshed
        .iter()
        .filter(|n| n.observed.has_sidecar() && !n.needs_waypoint)
        .map(|n| n.name.as_str())
        .collect();
    let l7: Vec<String> = meshed
        .iter()
        .filter(|n| n.needs_waypoint)
        .map(|n| {
            format!(
                "{} ({})",
                n.name,
                n.l7_features.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    let list = |v: Vec<String>, sep: &str| -> String {
        match v.len() {
            0 => "none".into(),
            n if n > 8 => format!(
                "{}{sep}… and {} more (see audit-namespaces.csv)",
                v[..8].join(sep),
                n - 8
            ),
            _ => v.join(sep),
        }
    };
    writeln!(
        out,
        "namespaces: {} meshed; L4 only (migrate first): {}; need a waypoint: {}",
        meshed.len(),
        list(l4.iter().map(|s| s.to_string()).collect(), ", "),
        list(l7, "; ")
    )?;
    for w in &r.warnings {
        writeln!(out, "note: {w}")?;
    }
    let skipped: u64 = l.inputs.iter().flat_map(|i| i.skipped.values()).sum();
    if skipped > 0 {
        writeln!(
            out,
            "skipped {skipped} item(s) of kinds the audit does not read (see audit.json)"
        )?;
    }
    writeln!(out, "wrote {}", dir.display())?;
    if let Some(p) = scenario {
        writeln!(
            out,
            "wrote {} (run it: meshsim run {})",
            p.display(),
            p.display()
        )?;
    }
    Ok(())
}
