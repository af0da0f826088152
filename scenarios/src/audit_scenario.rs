//! The scenario `meshsim audit --emit-scenario` writes: a commented TOML file that reproduces the
//! audited cluster — its pools (from the nodes' allocatable), its workloads (from their owners,
//! with the requests, measured usage and tolerations found), its DaemonSets, the namespaces'
//! mesh modes today (`current = "mixed"`), the waypoint namespaces the L7 findings call for, and
//! the mesh components' requests as they run. `meshsim run` on it gives, for the current mode, the
//! audited requests and the measured usage.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use meshsim_models::audit::analysis::{Audit, PENDING_POOL, UNKNOWN_POOL, WorkloadAudit};
use meshsim_models::audit::classify::{PodRole, SidecarKind};
use meshsim_models::audit::usage::Measured;
use meshsim_models::cluster::{Toleration, TolerationOperator};
use meshsim_models::mesh::NamespaceMode;
use meshsim_models::resources::{MIB, Resources};

use crate::ctx::valid_name;

/// Which measured figure becomes a workload's `usage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsageQuantile {
    /// The median over snapshots.
    P50,
    /// The 95th percentile.
    P95,
}

/// Why no scenario can be emitted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// No nodes: there are no pools to write.
    #[error(
        "a scenario needs the cluster's nodes: add `kubectl get nodes -o json` output to the inputs"
    )]
    NoNodes,
    /// The cluster passes a limit of scenario files (workloads, pools, replicas…).
    #[error("the cluster cannot be written as a scenario: {0}")]
    Invalid(String),
    /// The scenario name is not valid.
    #[error("`{0}` is not a valid scenario name: use 1–100 letters, digits, `-`, `_` or `.`")]
    BadName(String),
}

/// Text for a comment: one line, control characters shown as `?`, at most 120 characters.
fn comment(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|ch| if ch.is_control() { '?' } else { ch })
        .collect();
    meshsim_models::names::truncate(&t, 120)
}

/// A TOML basic string (valid as a value and as a key): quotes, backslashes and control
/// characters escaped.
fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// CPU as Kubernetes writes it: whole cores, else millicores.
pub fn cpu_str(m: u64) -> String {
    if m.is_multiple_of(1000) {
        format!("{}", m / 1000)
    } else {
        format!("{m}m")
    }
}

/// Memory exactly: `Gi`/`Mi`/`Ki` when whole, else bytes.
pub fn mem_str(b: u64) -> String {
    for (unit, k) in [("Gi", 1u64 << 30), ("Mi", MIB), ("Ki", 1024)] {
        if b >= k && b.is_multiple_of(k) {
            return format!("{}{unit}", b / k);
        }
    }
    format!("{b}")
}

fn cpu_mem(r: Resources) -> String {
    format!(
        "{{ cpu = {}, memory = {} }}",
        q(&cpu_str(r.cpu_milli)),
        q(&mem_str(r.memory_bytes))
    )
}

fn measured(m: &Measured, which: UsageQuantile) -> (u64, u64) {
    let (c, b) = match which {
        UsageQuantile::P50 => (m.cpu_p50_milli, m.memory_p50_bytes),
        UsageQuantile::P95 => (m.cpu_p95_milli, m.memory_p95_bytes),
    };
    (c.ceil().max(0.0) as u64, b.ceil().max(0.0) as u64)
}

fn tolerations(ts: &[Toleration]) -> String {
    let items: Vec<String> = ts
        .iter()
        .map(|t| {
            let mut parts = Vec::new();
            if let Some(k) = &t.key {
                parts.push(format!("key = {}", q(k)));
            }
            parts.push(format!(
                "operator = {}",
                q(match t.operator {
                    TolerationOperator::Equal => "Equal",
                    TolerationOperator::Exists => "Exists",
                })
            ));
            if t.operator == TolerationOperator::Equal {
                parts.push(format!("value = {}", q(&t.value)));
            }
            if let Some(e) = t.effect {
                parts.push(format!("effect = {}", q(e.as_str())));
            }
            format!("{{ {} }}", parts.join(", "))
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// A workload name valid and unique in the scenario, from its owner (and namespace / pool when
/// needed to tell it apart).
fn names(ws: &[&WorkloadAudit]) -> Vec<String> {
    let mut per_owner: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut per_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for w in ws {
        *per_owner
            .entry((w.namespace.as_str(), w.owner.as_str()))
            .or_default() += 1;
        per_name
            .entry(w.owner.as_str())
            .or_default()
            .insert(w.namespace.as_str());
    }
    let mut used = BTreeSet::new();
    let mut out = Vec::new();
    for w in ws {
        let mut base = w.owner.clone();
        if per_owner[&(w.namespace.as_str(), w.owner.as_str())] > 1 {
            base = format!("{base}-{}", w.pool);
        }
        if per_name[w.owner.as_str()].len() > 1 {
            base = format!("{base}.{}", w.namespace);
        }
        base.retain(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if base.is_empty() || !base.as_bytes()[0].is_ascii_alphanumeric() {
            base.insert(0, 'w');
        }
        base.truncate(90);
        let mut name = base.clone();
        let mut k = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}-{k}");
            k += 1;
        }
        out.push(name);
    }
    out
}

/// The preset nearest below the proxies' Istio version.
pub fn preset_for(version: Option<&str>) -> (&'static str, String) {
    let presets = [
        ((1, 24), "istio-1.24"),
        ((1, 22), "istio-1.22.0"),
        ((1, 19), "istio-1.19"),
        ((1, 7), "istio-1.7"),
    ];
    let parsed = version.and_then(|v| {
        let mut it = v.trim_start_matches('v').split(['.', '-']);
        Some((
            it.next()?.parse::<u32>().ok()?,
            it.next()?.parse::<u32>().ok()?,
        ))
    });
    match parsed {
        Some(v) => {
            let p = presets
                .iter()
                .find(|(pv, _)| *pv <= v)
                .unwrap_or(&presets[presets.len() - 1]);
            (
                p.1,
                format!(
                    "the proxies run Istio {} (image tag); nearest preset at or below it",
                    version.unwrap_or("")
                ),
            )
        }
        None => (
            "istio-1.24",
            match version {
                Some(v) => {
                    format!("the proxies' image tag `{v}` names no version; the newest preset")
                }
                None => "no Istio proxy image found; the newest preset".into(),
            },
        ),
    }
}

/// Writes the scenario.
pub fn emit(
    a: &Audit,
    name: &str,
    inputs: &[(String, String)],
    which: UsageQuantile,
) -> Result<String, EmitError> {
    if !valid_name(name) {
        return Err(EmitError::BadName(name.to_string()));
    }
    if a.pools.is_empty() || a.workloads.iter().any(|w| w.pool == UNKNOWN_POOL) {
        return Err(EmitError::NoNodes);
    }
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# Emitted by `meshsim audit` from:");
    for (p, h) in inputs {
        let _ = writeln!(w, "#   {}  (sha256 {h})", comment(p));
    }
    let _ = writeln!(
        w,
        "#\n# It reproduces the cluster as audited: one pool per node group (allocatable as the nodes"
    );
    let _ = writeln!(
        w,
        "# report it), one workload per owner and pool, DaemonSets, and each namespace's mesh mode"
    );
    let _ = writeln!(
        w,
        "# today (`current = \"mixed\"`). `meshsim run` on it gives, for the current mode, the audited"
    );
    let _ = writeln!(
        w,
        "# requests and the measured usage. Edit freely: prices are not in a dump (set"
    );
    let _ = writeln!(
        w,
        "# `price_per_hour` per pool for dollar figures), nor is traffic (add `rps` and `[[traffic]]`)."
    );
    let _ = writeln!(
        w,
        "# Each workload is pinned to the pool its pods run in (`pool`), with their tolerations;\n# their own node selectors and affinities are not copied."
    );
    let _ = writeln!(w, "\n[scenario]\nname = {}", q(name));
    let _ = writeln!(
        w,
        "description = {}",
        q(&format!(
            "Audited cluster: {} pods, {} sidecars, {} pools",
            a.pods,
            a.sidecars.sidecars,
            a.pools.len()
        ))
    );
    let waypoint_ns: BTreeSet<String> = a
        .namespaces
        .iter()
        .filter(|n| n.observed != NamespaceMode::Outside && (n.needs_waypoint || n.has_waypoint))
        .map(|n| n.name.clone())
        .collect();
    let mut modes = vec!["none", "sidecar", "mixed", "ambient"];
    if !waypoint_ns.is_empty() {
        modes.push("ambient-waypoint");
    }
    let modes_q: Vec<String> = modes.iter().map(|m| q(m)).collect();
    let _ = writeln!(w, "modes = [{}]", modes_q.join(", "));
    if waypoint_ns.is_empty() {
        let _ = writeln!(
            w,
            "# No namespace uses an L7 feature that needs a waypoint: `ambient-waypoint` is left out."
        );
    }
    let _ = writeln!(w, "current = \"mixed\"");

    // Mesh.
    let (preset, why) = preset_for(a.mesh.istio_version.as_deref());
    let _ = writeln!(w, "\n[mesh]\npreset = {}   # {}", q(preset), comment(&why));
    let unmeshed: Vec<String> = a
        .namespaces
        .iter()
        .filter(|n| n.observed == NamespaceMode::Outside)
        .map(|n| q(&n.name))
        .collect();
    let _ = writeln!(
        w,
        "# Namespaces not meshed today stay out of every mode (remove one to mesh it in the what-ifs)."
    );
    let _ = writeln!(w, "exclude_namespaces = [{}]", unmeshed.join(", "));
    if !waypoint_ns.is_empty() {
        let v: Vec<String> = waypoint_ns.iter().map(|n| q(n)).collect();
        let _ = writeln!(
            w,
            "# Namespaces that use L7 features (or run a waypoint today): waypoints in `ambient-waypoint`."
        );
        let _ = writeln!(w, "waypoint_namespaces = [{}]", v.join(", "));
    }
    if a.mesh.istio_cni.is_some() && !a.namespaces.iter().any(|n| n.observed.uses_ztunnel()) {
        let _ = writeln!(
            w,
            "cni_in_sidecar_mode = true   # istio-cni runs today without ambient"
        );
    }
    if a.namespaces.iter().any(|n| n.sidecar_scoped) {
        let _ = writeln!(
            w,
            "# Some namespaces have a `Sidecar` resource: sidecars may see less than the whole mesh."
        );
        let _ = writeln!(w, "# sidecar_scope = \"namespace\"");
    }
    let _ = writeln!(w, "mixed_default = \"none\"\n\n[mesh.namespaces]");
    for n in a
        .namespaces
        .iter()
        .filter(|n| n.observed != NamespaceMode::Outside)
    {
        let _ = writeln!(
            w,
            "{} = {}   # {}",
            q(&n.name),
            q(n.observed.as_str()),
            comment(&n.evidence)
        );
    }
    if let Some(c) = &a.mesh.ztunnel {
        let _ = writeln!(
            w,
            "\n[mesh.ztunnel]   # as it runs today ({} pods)\nrequest = {}",
            c.pods,
            cpu_mem(c.request)
        );
    }
    if let Some(c) = &a.mesh.istio_cni {
        let _ = writeln!(
            w,
            "\n[mesh.istio_cni]   # as it runs today ({} pods)\nrequest = {}",
            c.pods,
            cpu_mem(c.request)
        );
        if let Some(u) = c.used.filter(|u| u.has_cpu && u.has_memory) {
            let (cpu, mem) = measured(&u, which);
            let _ = writeln!(w, "usage = {}", cpu_mem(Resources::cpu_mem(cpu, mem)));
        }
    }
    if let Some((_, c)) = a.mesh.waypoints.iter().max_by_key(|(_, c)| c.pods) {
        let replicas = a.mesh.waypoints.values().map(|c| c.pods).max().unwrap_or(1);
        let _ = writeln!(
            w,
            "\n[mesh.waypoint]   # as the waypoints run today\nrequest = {}\nreplicas = {replicas}",
            cpu_mem(c.request)
        );
    }
    if let Some(c) = &a.mesh.istiod {
        let _ = writeln!(
            w,
            "\n[mesh.istiod]   # as it runs today\nrequest = {}\nmin_replicas = {}",
            cpu_mem(c.request),
            c.pods.max(1)
        );
    }

    // Pools.
    for p in &a.pools {
        let _ = writeln!(w, "\n[[pools]]\nname = {}", q(&p.name));
        let mut about = Vec::new();
        if let Some(t) = &p.instance_type {
            about.push(format!("instance type {t}"));
        }
        if let Some((k, v)) = &p.pool_label {
            about.push(format!("{k}={v}"));
        }
        if !about.is_empty() {
            let _ = writeln!(w, "# {}", comment(&about.join(", ")));
        }
        let _ = writeln!(w, "count = {}", p.nodes);
        if p.min_allocatable != p.max_allocatable {
            let _ = writeln!(
                w,
                "# The nodes' allocatable differs (CPU {}–{}, memory {}–{}): the smallest is used.",
                cpu_str(p.min_allocatable.cpu_milli),
                cpu_str(p.max_allocatable.cpu_milli),
                mem_str(p.min_allocatable.memory_bytes),
                mem_str(p.max_allocatable.memory_bytes)
            );
        }
        let _ = writeln!(
            w,
            "# Allocatable as the nodes report it: nothing further reserved."
        );
        let _ = writeln!(
            w,
            "cpu = {}\nmemory = {}\neviction_threshold = \"0\"",
            q(&cpu_str(p.min_allocatable.cpu_milli)),
            q(&mem_str(p.min_allocatable.memory_bytes))
        );
        if p.gpus_per_node > 0 {
            let _ = writeln!(w, "gpus = {}", p.gpus_per_node);
        }
        if let Some(m) = &p.gpu_model {
            let _ = writeln!(w, "gpu_model = {}", q(m));
        }
        if p.max_pods != 110 {
            let _ = writeln!(w, "max_pods = {}", p.max_pods);
        }
        if !p.taints.is_empty() {
            let t: Vec<String> = p
                .taints
                .iter()
                .map(|t| {
                    format!(
                        "{{ key = {}, value = {}, effect = {} }}",
                        q(&t.key),
                        q(&t.value),
                        q(t.effect.as_str())
                    )
                })
                .collect();
            let _ = writeln!(w, "taints = [{}]", t.join(", "));
        }
        if !p.zones.is_empty() {
            let z: Vec<String> = p.zones.iter().map(|z| q(z)).collect();
            let _ = writeln!(w, "zones = [{}]", z.join(", "));
        }
        let _ = writeln!(
            w,
            "price_per_hour = 0   # not in a dump: set it for dollar figures"
        );
    }

    // DaemonSets and workloads.
    let listed: Vec<&WorkloadAudit> = a
        .workloads
        .iter()
        .filter(|x| matches!(x.role, PodRole::Workload | PodRole::Gateway))
        .collect();
    let names = names(&listed);
    for (x, n) in listed.iter().zip(&names) {
        let ds = x.owner_kind == "DaemonSet";
        let table = if ds { "daemonsets" } else { "workloads" };
        let _ = writeln!(
            w,
            "\n[[{table}]]\nname = {}   # {}",
            q(n),
            comment(&format!("{} {}/{}", x.owner_kind, x.namespace, x.owner))
        );
        let _ = writeln!(w, "namespace = {}", q(&x.namespace));
        if !ds {
            let _ = writeln!(w, "replicas = {}", x.replicas);
        } else {
            let _ = writeln!(w, "# {} pods found", x.replicas);
        }
        if x.pool != PENDING_POOL {
            let _ = writeln!(w, "pool = {}", q(&x.pool));
        } else if !ds {
            let _ = writeln!(
                w,
                "# Pending today (bound to no node): placed wherever it fits."
            );
        }
        // DaemonSets are never meshed by meshsim: their mesh containers stay in their requests.
        let req = if ds {
            x.request_without_mesh + x.mesh_request
        } else {
            x.request_without_mesh
        };
        let mut r = format!(
            "cpu = {}, memory = {}",
            q(&cpu_str(req.cpu_milli)),
            q(&mem_str(req.memory_bytes))
        );
        if req.gpus > 0 {
            let _ = write!(r, ", gpu = {}", req.gpus);
        }
        let _ = writeln!(
            w,
            "requests = {{ {r} }}   # the pod's effective request{}",
            if ds {
                ""
            } else {
                " without its mesh containers"
            }
        );
        if !ds && let (Some(c), Some(m)) = (x.app_limit.cpu_milli, x.app_limit.memory_bytes) {
            let _ = writeln!(w, "limits = {}", cpu_mem(Resources::cpu_mem(c, m)));
        }
        let used = if ds {
            match (x.app_used, x.sidecar_used, x.sidecar_kind) {
                (Some(a), Some(s), Some(_)) => Some(a.plus(s)),
                (Some(a), None, None) => Some(a),
                _ => None,
            }
        } else {
            x.app_used
        };
        match used.filter(|u| u.has_cpu && u.has_memory) {
            Some(u) => {
                let (cpu, mem) = measured(&u, which);
                let _ = writeln!(
                    w,
                    "usage = {}   # measured {} per pod, {} of {} pods",
                    cpu_mem(Resources::cpu_mem(cpu, mem)),
                    if which == UsageQuantile::P50 {
                        "P50"
                    } else {
                        "P95"
                    },
                    x.measured,
                    x.replicas
                );
            }
            None => {
                let _ = writeln!(w, "# No usage measured: usage defaults to the requests.");
            }
        }
        if !ds {
            if let Some(k) = x.sidecar_kind {
                let lim = |v: Option<u64>, f: fn(u64) -> String, key: &str| {
                    v.map(|v| format!(", {key} = {}", q(&f(v))))
                        .unwrap_or_default()
                };
                let _ = writeln!(
                    w,
                    "sidecar = {{ cpu = {}, memory = {}{}{} }}   # {} today: what its mesh containers add to the pod's request",
                    q(&cpu_str(x.mesh_request.cpu_milli)),
                    q(&mem_str(x.mesh_request.memory_bytes)),
                    lim(x.sidecar_limit.cpu_milli, cpu_str, "cpu_limit"),
                    lim(x.sidecar_limit.memory_bytes, mem_str, "memory_limit"),
                    match k {
                        SidecarKind::IstioClassic => "classic Istio sidecar",
                        SidecarKind::IstioNative => "native Istio sidecar",
                        SidecarKind::Linkerd => "Linkerd proxy",
                    }
                );
                if k != SidecarKind::Linkerd
                    && let Some(u) = x.sidecar_used.filter(|u| u.has_cpu && u.has_memory)
                {
                    let (cpu, mem) = measured(&u, which);
                    let _ = writeln!(
                        w,
                        "sidecar_usage = {}   # measured per sidecar",
                        cpu_mem(Resources::cpu_mem(cpu, mem))
                    );
                }
            }
            if x.unmeshed_in_meshed_namespace || x.role == PodRole::Gateway {
                let why = if x.role == PodRole::Gateway {
                    "a gateway: a proxy of its own, never a sidecar"
                } else {
                    "outside the mesh today although its namespace is meshed"
                };
                let _ = writeln!(w, "meshed = false   # {why}");
            }
        }
        if !x.tolerations.is_empty() {
            let _ = writeln!(w, "tolerations = {}", tolerations(&x.tolerations));
        }
    }
    // The migration plan: effort placeholders, and the L7 features the audit found where a
    // waypoint would keep them.
    let _ = writeln!(
        w,
        "\n# `meshsim plan` on this file plans the move to ambient. The effort and cost figures are\n# placeholders, not measurements: set your team's (see scenarios/SCHEMA.md, [migration])."
    );
    let _ = writeln!(
        w,
        "[migration]\ncost_per_sprint = 40000   # USD per sprint: placeholder\nnamespace_sprints = 1     # sprints to move one namespace to ambient (L4): placeholder\nl7_feature_sprints = 0.5  # extra sprints per L7 feature a waypoint keeps: placeholder\nsprints_per_month = 2     # team capacity: placeholder"
    );
    let workload_ns: BTreeSet<&str> = listed
        .iter()
        .filter(|x| x.owner_kind != "DaemonSet")
        .map(|x| x.namespace.as_str())
        .collect();
    for n in &a.namespaces {
        if waypoint_ns.contains(&n.name)
            && workload_ns.contains(n.name.as_str())
            && !n.l7_features.is_empty()
        {
            let f: Vec<String> = n.l7_features.iter().map(|x| q(x)).collect();
            let _ = writeln!(
                w,
                "\n[migration.namespaces.{}]\nl7_features = [{}]   # found by the audit",
                q(&n.name),
                f.join(", ")
            );
        }
    }
    // What is written must read back: a cluster past a scenario limit (more than 10,000
    // workloads, 1,000 pools, …) is refused here rather than written invalid.
    if let Err(d) = crate::parse_in("the emitted scenario", &s, None) {
        let first = d.to_string();
        let first: String = first.lines().take(3).collect::<Vec<_>>().join(" ");
        return Err(EmitError::Invalid(meshsim_models::names::truncate(
            &first, 400,
        )));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_as_keys_and_values() {
        let odd = "a\"b\\c\nd\u{7f}é";
        let text = format!("{} = {}\n", q(odd), q(odd));
        let t: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(t[odd].as_str(), Some(odd));
        assert_eq!(comment("x\ny"), "x?y");
    }

    #[test]
    fn quantities_are_written_exactly() {
        assert_eq!(
            (cpu_str(2000), cpu_str(250)),
            ("2".to_string(), "250m".to_string())
        );
        assert_eq!(mem_str(3 << 30), "3Gi");
        assert_eq!(mem_str(65_024 * 1024), "65024Ki");
        assert_eq!(mem_str(1_000_001), "1000001");
    }

    #[test]
    fn presets_follow_the_proxy_version() {
        assert_eq!(preset_for(Some("1.26.1")).0, "istio-1.24");
        assert_eq!(preset_for(Some("1.23.0-distroless")).0, "istio-1.22.0");
        assert_eq!(preset_for(Some("1.20.3")).0, "istio-1.19");
        assert_eq!(preset_for(Some("latest")).0, "istio-1.24");
    }
}
