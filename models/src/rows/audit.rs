//! The tables of `meshsim audit`. Usage columns are null (n/m) where usage was not measured for
//! every pod or sidecar they sum; limit columns are null where any sidecar has no limit
//! (unbounded).

use super::{SCHEMA_VERSION, r6};
use crate::audit::analysis::{Audit, SidecarTotals};
use crate::audit::usage::Measured;
use crate::resources::{GIB, Resources};

fn g(b: u64) -> f64 {
    r6(b as f64 / GIB as f64)
}
fn v(m: u64) -> f64 {
    r6(m as f64 / 1000.0)
}
fn gf(b: f64) -> f64 {
    r6(b / GIB as f64)
}
fn vf(m: f64) -> f64 {
    r6(m / 1000.0)
}
fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| r6(100.0 * part as f64 / whole as f64))
}
fn used(m: Option<Measured>) -> [Option<f64>; 4] {
    match m {
        None => [None; 4],
        Some(m) => [
            m.has_cpu.then(|| vf(m.cpu_p50_milli)),
            m.has_memory.then(|| gf(m.memory_p50_bytes)),
            m.has_cpu.then(|| vf(m.cpu_p95_milli)),
            m.has_memory.then(|| gf(m.memory_p95_bytes)),
        ],
    }
}

crate::table_row! {
    /// `audit.csv`: one row per namespace × node pool (workload pods; gateways included).
    pub struct AuditRow: "audit" {
        pub schema_version: i64,
        pub cluster: String,
        pub namespace: String,
        pub pool: String,
        pub namespace_mode: String,
        pub pods: i64,
        pub sidecars: i64,
        pub native_sidecars: i64,
        pub pod_cpu_request_vcpu: f64,
        pub pod_memory_request_gib: f64,
        pub sidecar_cpu_request_vcpu: f64,
        pub sidecar_memory_request_gib: f64,
        pub sidecar_cpu_limit_vcpu: Option<f64>,
        pub sidecar_memory_limit_gib: Option<f64>,
        pub sidecars_measured: i64,
        pub sidecar_cpu_used_p50_vcpu: Option<f64>,
        pub sidecar_memory_used_p50_gib: Option<f64>,
        pub sidecar_cpu_used_p95_vcpu: Option<f64>,
        pub sidecar_memory_used_p95_gib: Option<f64>,
        pub reclaimable_cpu_request_vcpu: f64,
        pub reclaimable_memory_request_gib: f64,
        pub sidecar_cpu_request_share_of_pool_pct: Option<f64>,
        pub sidecar_memory_request_share_of_pool_pct: Option<f64>,
    }
}

crate::table_row! {
    /// `audit-pools.csv`: one row per node pool found.
    pub struct AuditPoolRow: "audit-pools" {
        pub schema_version: i64,
        pub cluster: String,
        pub pool: String,
        pub instance_type: Option<String>,
        pub gpu_model: Option<String>,
        pub nodes: i64,
        pub gpus_per_node: i64,
        pub taints: String,
        pub zones: String,
        pub cpu_allocatable_vcpu: f64,
        pub memory_allocatable_gib: f64,
        pub pods: i64,
        pub cpu_requested_vcpu: f64,
        pub memory_requested_gib: f64,
        pub gpus_requested: i64,
        pub sidecars: i64,
        pub sidecar_cpu_request_vcpu: f64,
        pub sidecar_memory_request_gib: f64,
        pub sidecar_memory_used_p50_gib: Option<f64>,
        pub sidecar_memory_request_share_pct: Option<f64>,
        pub reclaimable_cpu_request_vcpu: f64,
        pub reclaimable_memory_request_gib: f64,
        pub node_agents_memory_request_gib: f64,
        pub inference_workload: Option<String>,
        pub inference_pods: Option<i64>,
        pub extra_inference_replicas_now: Option<i64>,
        pub extra_inference_replicas_without_sidecars: Option<i64>,
        pub inference_replicas_made_room_for: Option<i64>,
        pub binding_resource_now: Option<String>,
    }
}

crate::table_row! {
    /// `audit-namespaces.csv`: one row per namespace: mesh mode, L7 use, migration order.
    pub struct AuditNamespaceRow: "audit-namespaces" {
        pub schema_version: i64,
        pub cluster: String,
        pub namespace: String,
        pub labelled_mode: Option<String>,
        pub observed_mode: String,
        pub evidence: String,
        pub pods: i64,
        pub sidecars: i64,
        pub ambient_pods: i64,
        pub pods_without_sidecar: i64,
        pub gpu_pods: i64,
        pub l7_features: String,
        pub other_features: String,
        pub needs_waypoint: bool,
        pub has_waypoint: bool,
        pub envoyfilter: bool,
        pub migration_order: Option<i64>,
        pub recommendation: String,
    }
}

crate::table_row! {
    /// `audit-workloads.csv`: one row per workload (top owner × pool × request shape).
    pub struct AuditWorkloadRow: "audit-workloads" {
        pub schema_version: i64,
        pub cluster: String,
        pub namespace: String,
        pub workload: String,
        pub owner_kind: String,
        pub role: String,
        pub pool: String,
        pub replicas: i64,
        pub sidecar: Option<String>,
        pub pod_cpu_request_vcpu: f64,
        pub pod_memory_request_gib: f64,
        pub gpus: i64,
        pub mesh_cpu_request_vcpu: f64,
        pub mesh_memory_request_gib: f64,
        pub pods_measured: i64,
        pub app_cpu_used_p50_vcpu: Option<f64>,
        pub app_memory_used_p50_gib: Option<f64>,
        pub sidecar_cpu_used_p50_vcpu: Option<f64>,
        pub sidecar_memory_used_p50_gib: Option<f64>,
    }
}

crate::table_row! {
    /// `audit-l7.csv`: one row per Istio / Gateway API resource feature found.
    pub struct AuditL7Row: "audit-l7" {
        pub schema_version: i64,
        pub cluster: String,
        pub namespace: String,
        pub kind: String,
        pub name: String,
        pub feature: String,
        pub needs_waypoint: bool,
        pub detail: String,
    }
}

fn sidecar_cols(s: &SidecarTotals) -> (f64, f64, Option<f64>, Option<f64>, [Option<f64>; 4]) {
    (
        v(s.request.cpu_milli),
        g(s.request.memory_bytes),
        (s.sidecars > 0).then_some(()).and(s.cpu_limit_milli.map(v)),
        (s.sidecars > 0)
            .then_some(())
            .and(s.memory_limit_bytes.map(g)),
        used(s.used_if_complete()),
    )
}

/// `audit.csv`.
pub fn cells(cluster: &str, a: &Audit) -> Vec<AuditRow> {
    a.cells
        .iter()
        .map(|c| {
            let pool = a.pools.iter().find(|p| p.name == c.pool);
            let alloc = pool.map_or(Resources::ZERO, |p| p.allocatable);
            let mode = a
                .namespaces
                .iter()
                .find(|n| n.name == c.namespace)
                .map_or("none", |n| n.observed.as_str());
            let (cr, mr, cl, ml, u) = sidecar_cols(&c.sidecar);
            AuditRow {
                schema_version: SCHEMA_VERSION,
                cluster: cluster.into(),
                namespace: c.namespace.clone(),
                pool: c.pool.clone(),
                namespace_mode: mode.into(),
                pods: c.pods as i64,
                sidecars: c.sidecar.sidecars as i64,
                native_sidecars: c.sidecar.native as i64,
                pod_cpu_request_vcpu: v(c.requested.cpu_milli),
                pod_memory_request_gib: g(c.requested.memory_bytes),
                sidecar_cpu_request_vcpu: cr,
                sidecar_memory_request_gib: mr,
                sidecar_cpu_limit_vcpu: cl,
                sidecar_memory_limit_gib: ml,
                sidecars_measured: c.sidecar.measured as i64,
                sidecar_cpu_used_p50_vcpu: u[0],
                sidecar_memory_used_p50_gib: u[1],
                sidecar_cpu_used_p95_vcpu: u[2],
                sidecar_memory_used_p95_gib: u[3],
                reclaimable_cpu_request_vcpu: v(c.sidecar.reclaimable.cpu_milli),
                reclaimable_memory_request_gib: g(c.sidecar.reclaimable.memory_bytes),
                sidecar_cpu_request_share_of_pool_pct: pool
                    .and_then(|_| pct(c.sidecar.request.cpu_milli, alloc.cpu_milli)),
                sidecar_memory_request_share_of_pool_pct: pool
                    .and_then(|_| pct(c.sidecar.request.memory_bytes, alloc.memory_bytes)),
            }
        })
        .collect()
}

/// `audit-pools.csv`.
pub fn pools(cluster: &str, a: &Audit) -> Vec<AuditPoolRow> {
    a.pools
        .iter()
        .map(|p| {
            let inf = p.inference.as_ref();
            AuditPoolRow {
                schema_version: SCHEMA_VERSION,
                cluster: cluster.into(),
                pool: p.name.clone(),
                instance_type: p.instance_type.clone(),
                gpu_model: p.gpu_model.clone(),
                nodes: p.nodes as i64,
                gpus_per_node: p.gpus_per_node as i64,
                taints: p
                    .taints
                    .iter()
                    .map(|t| format!("{}={}:{}", t.key, t.value, t.effect.as_str()))
                    .collect::<Vec<_>>()
                    .join(" "),
                zones: p.zones.join(" "),
                cpu_allocatable_vcpu: v(p.allocatable.cpu_milli),
                memory_allocatable_gib: g(p.allocatable.memory_bytes),
                pods: p.pods as i64,
                cpu_requested_vcpu: v(p.requested.cpu_milli),
                memory_requested_gib: g(p.requested.memory_bytes),
                gpus_requested: p.requested.gpus as i64,
                sidecars: p.sidecar.sidecars as i64,
                sidecar_cpu_request_vcpu: v(p.sidecar.request.cpu_milli),
                sidecar_memory_request_gib: g(p.sidecar.request.memory_bytes),
                sidecar_memory_used_p50_gib: used(p.sidecar.used_if_complete())[1],
                sidecar_memory_request_share_pct: pct(
                    p.sidecar.request.memory_bytes,
                    p.allocatable.memory_bytes,
                ),
                reclaimable_cpu_request_vcpu: v(p.sidecar.reclaimable.cpu_milli),
                reclaimable_memory_request_gib: g(p.sidecar.reclaimable.memory_bytes),
                node_agents_memory_request_gib: g(p.node_agents_request.memory_bytes),
                inference_workload: inf.map(|i| i.workload.clone()),
                inference_pods: inf.map(|i| i.pods as i64),
                extra_inference_replicas_now: inf.map(|i| i.extra_now as i64),
                extra_inference_replicas_without_sidecars: inf
                    .map(|i| i.extra_without_sidecars as i64),
                inference_replicas_made_room_for: inf
                    .map(|i| i.extra_without_sidecars.saturating_sub(i.extra_now) as i64),
                binding_resource_now: inf.map(|i| i.binding_now.to_string()),
            }
        })
        .collect()
}

/// `audit-namespaces.csv`.
pub fn namespaces(cluster: &str, a: &Audit) -> Vec<AuditNamespaceRow> {
    a.namespaces
        .iter()
        .map(|n| AuditNamespaceRow {
            schema_version: SCHEMA_VERSION,
            cluster: cluster.into(),
            namespace: n.name.clone(),
            labelled_mode: n.labelled.map(|m| m.as_str().to_string()),
            observed_mode: n.observed.as_str().into(),
            evidence: n.evidence.clone(),
            pods: n.pods as i64,
            sidecars: n.sidecars as i64,
            ambient_pods: n.ambient_pods as i64,
            pods_without_sidecar: n.pods_without_sidecar as i64,
            gpu_pods: n.gpu_pods as i64,
            l7_features: n.l7_features.iter().cloned().collect::<Vec<_>>().join(" "),
            other_features: n
                .other_features
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
            needs_waypoint: n.needs_waypoint,
            has_waypoint: n.has_waypoint,
            envoyfilter: n.envoyfilter,
            migration_order: n.order.map(i64::from),
            recommendation: n.hint.clone(),
        })
        .collect()
}

/// `audit-workloads.csv`.
pub fn workloads(cluster: &str, a: &Audit) -> Vec<AuditWorkloadRow> {
    a.workloads
        .iter()
        .map(|w| {
            let with = w.request_without_mesh + w.mesh_request;
            let au = used(w.app_used);
            let su = used(w.sidecar_used);
            AuditWorkloadRow {
                schema_version: SCHEMA_VERSION,
                cluster: cluster.into(),
                namespace: w.namespace.clone(),
                workload: w.owner.clone(),
                owner_kind: w.owner_kind.clone(),
                role: w.role.as_str().into(),
                pool: w.pool.clone(),
                replicas: w.replicas as i64,
                sidecar: w.sidecar_kind.map(|k| {
                    match k {
                        crate::audit::classify::SidecarKind::IstioClassic => "istio-classic",
                        crate::audit::classify::SidecarKind::IstioNative => "istio-native",
                        crate::audit::classify::SidecarKind::Linkerd => "linkerd",
                    }
                    .to_string()
                }),
                pod_cpu_request_vcpu: v(with.cpu_milli),
                pod_memory_request_gib: g(with.memory_bytes),
                gpus: with.gpus as i64,
                mesh_cpu_request_vcpu: v(w.mesh_request.cpu_milli),
                mesh_memory_request_gib: g(w.mesh_request.memory_bytes),
                pods_measured: w.measured as i64,
                app_cpu_used_p50_vcpu: au[0],
                app_memory_used_p50_gib: au[1],
                sidecar_cpu_used_p50_vcpu: su[0],
                sidecar_memory_used_p50_gib: su[1],
            }
        })
        .collect()
}

/// `audit-l7.csv`.
pub fn l7(cluster: &str, a: &Audit) -> Vec<AuditL7Row> {
    a.l7.iter()
        .map(|f| AuditL7Row {
            schema_version: SCHEMA_VERSION,
            cluster: cluster.into(),
            namespace: f.namespace.clone(),
            kind: f.kind.clone(),
            name: f.name.clone(),
            feature: f.feature.clone(),
            needs_waypoint: f.needs_waypoint,
            detail: f.detail.clone(),
        })
        .collect()
}
