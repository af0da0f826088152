//! The tables of `meshsim run`, built from a study's results by pure functions.

use super::{RunInfo, SCHEMA_VERSION, gib_f};
use crate::cluster::Cluster;
use crate::headline::ModeResult;
use crate::latency::ModeLatency;
use crate::migration::Step;
use crate::packing::Component;
use crate::resources::{GIB, HOURS_PER_MONTH};
use crate::study::{LatencyCells, MemberResults};

fn gib(bytes: u64) -> f64 {
    bytes as f64 / GIB as f64
}
fn vcpu(milli: u64) -> f64 {
    milli as f64 / 1000.0
}

crate::table_row! {
    /// `summary.csv`: one row per mode (and, in a multicluster fleet, per cluster and mode).
    pub struct SummaryRow: "summary" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub cluster: String,
        pub region: String,
        pub current_mode: String,
        pub is_current: bool,
        pub fits: bool,
        pub nodes: i64,
        pub gpu_nodes: i64,
        pub pods_placed: i64,
        pub pods_pending: i64,
        pub proxies: i64,
        pub proxy_memory_request_gib: f64,
        pub proxy_memory_usage_gib: f64,
        pub proxy_cpu_request_vcpu: f64,
        pub proxy_cpu_usage_vcpu: Option<f64>,
        pub proxy_memory_request_share: f64,
        pub proxy_cpu_request_share: f64,
        pub control_plane_memory_request_gib: Option<f64>,
        pub control_plane_cpu_request_vcpu: Option<f64>,
        pub inference_replicas: i64,
        pub replicas_recovered: Option<i64>,
        pub replicas_recovered_vs_none: Option<i64>,
        pub recovered_gpu_hours_per_month: Option<f64>,
        pub recovered_gpu_value_usd_per_month: Option<f64>,
        pub gpus_idle: f64,
        pub gpus_idle_reason: String,
        pub binding_resource: String,
        pub fleet_cost_usd_per_month: f64,
        pub nodes_required: Option<i64>,
        pub nodes_removable: Option<i64>,
        pub cost_usd_per_month: Option<f64>,
        pub mesh_savings_usd_per_month: Option<f64>,
        pub right_sizing_savings_usd_per_month: Option<f64>,
        pub engineering_cost_usd: Option<f64>,
        pub payback_months: Option<f64>,
        pub pays_back_within_horizon: Option<bool>,
        pub horizon_months: Option<i64>,
        pub net_12_months_usd: Option<f64>,
        pub net_horizon_usd: Option<f64>,
        pub hop_p50_ms: Option<f64>,
        pub hop_p50_ms_ci95: Option<f64>,
        pub hop_p50_significant: Option<bool>,
        pub hop_p90_ms: Option<f64>,
        pub hop_p90_ms_ci95: Option<f64>,
        pub hop_p90_significant: Option<bool>,
        pub hop_p99_ms: Option<f64>,
        pub hop_p99_ms_ci95: Option<f64>,
        pub hop_p99_significant: Option<bool>,
        pub chain_p99_ms: Option<f64>,
        pub chain_p99_ms_ci95: Option<f64>,
        pub latency_estimator: Option<String>,
        pub failed_requests: Option<f64>,
        pub latency_saturated: Option<bool>,
        pub proxy_cpu_simulated_vcpu: Option<f64>,
        pub proxy_cpu_simulated_vcpu_ci95: Option<f64>,
        pub max_proxy_utilisation: Option<f64>,
    }
}

/// `cluster` of the rows that total the whole fleet (and of every row of a one-cluster fleet,
/// where the column is left out of the files).
pub const FLEET: &str = "fleet";

/// The rows of `summary.csv`: one per mode, for the whole fleet.
pub fn summary(
    info: &RunInfo<'_>,
    current: Option<crate::mesh::MeshMode>,
    results: &[ModeResult],
    latency: &[LatencyCells],
) -> Vec<SummaryRow> {
    summary_of(info, current, (FLEET, FLEET), results, latency)
}

/// The per-cluster rows of `summary.csv` for a multicluster fleet: one per cluster and mode,
/// without latency (the request simulation is the fleet's).
pub fn member_summaries(
    info: &RunInfo<'_>,
    current: Option<crate::mesh::MeshMode>,
    members: &[MemberResults],
) -> Vec<SummaryRow> {
    members
        .iter()
        .flat_map(|m| {
            let none = vec![LatencyCells::default(); m.results.len()];
            summary_of(info, current, (&m.name, &m.region), &m.results, &none)
        })
        .collect()
}

fn summary_of(
    info: &RunInfo<'_>,
    current: Option<crate::mesh::MeshMode>,
    (cluster, region): (&str, &str),
    results: &[ModeResult],
    latency: &[LatencyCells],
) -> Vec<SummaryRow> {
    results
        .iter()
        .zip(latency)
        .map(|(r, lat)| {
            let nodes: u64 = r.pools.iter().map(|p| u64::from(p.nodes)).sum();
            let gpu_nodes: u64 = r
                .pools
                .iter()
                .filter(|p| p.gpus_per_node > 0)
                .map(|p| u64::from(p.nodes))
                .sum();
            let v = |c: crate::study::EstCell| c.map(|x| x.0);
            let h = |c: crate::study::EstCell| c.and_then(|x| x.1);
            let nm = r.unmodelled;
            SummaryRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: r.mode.as_str().to_string(),
                seed: info.seed as i64,
                cluster: cluster.to_string(),
                region: region.to_string(),
                current_mode: current.map_or_else(String::new, |m| m.as_str().to_string()),
                is_current: r.is_current,
                fits: r.fits,
                nodes: nodes as i64,
                gpu_nodes: gpu_nodes as i64,
                pods_placed: r.pods_placed as i64,
                pods_pending: r.pods_pending as i64,
                proxies: r.proxies as i64,
                proxy_memory_request_gib: gib(r.data_plane_request.memory_bytes),
                proxy_memory_usage_gib: gib_f(r.data_plane_usage.memory_bytes),
                proxy_cpu_request_vcpu: vcpu(r.data_plane_request.cpu_milli),
                proxy_cpu_usage_vcpu: (!nm.proxy_cpu)
                    .then_some(r.data_plane_usage.cpu_milli / 1000.0),
                proxy_memory_request_share: r.data_plane_memory_share(),
                proxy_cpu_request_share: r.data_plane_cpu_share(),
                control_plane_memory_request_gib: (!nm.control_plane)
                    .then(|| gib(r.control_plane_request.memory_bytes)),
                control_plane_cpu_request_vcpu: (!nm.control_plane)
                    .then(|| vcpu(r.control_plane_request.cpu_milli)),
                inference_replicas: r.inference_replicas as i64,
                replicas_recovered: r.replicas_recovered,
                replicas_recovered_vs_none: r.replicas_recovered_vs_none,
                recovered_gpu_hours_per_month: r.recovered_gpu_hours_per_month,
                recovered_gpu_value_usd_per_month: r.recovered_gpu_value_usd_per_month,
                gpus_idle: r.gpus_idle,
                gpus_idle_reason: r
                    .gpus_idle_by_reason
                    .iter()
                    .map(|(k, v)| format!("{k}:{}", super::r6(*v)))
                    .collect::<Vec<_>>()
                    .join(";"),
                binding_resource: r.binding_resource.clone(),
                fleet_cost_usd_per_month: r.fleet_cost_usd_per_month,
                nodes_required: r.nodes_required.map(i64::from),
                nodes_removable: r.nodes_removable,
                cost_usd_per_month: r.cost_usd_per_month,
                mesh_savings_usd_per_month: r.mesh_savings_usd_per_month,
                right_sizing_savings_usd_per_month: r.right_sizing_savings_usd_per_month,
                engineering_cost_usd: r.roi.map(|x| x.engineering_cost_usd),
                payback_months: r.roi.and_then(|x| x.payback_months),
                pays_back_within_horizon: r.roi.map(|x| x.payback_months.is_some()),
                horizon_months: r.roi.map(|x| i64::from(x.horizon_months)),
                net_12_months_usd: r.roi.map(|x| x.net_12_months_usd),
                net_horizon_usd: r.roi.map(|x| x.net_horizon_usd),
                hop_p50_ms: v(lat.hop_p50_ms),
                hop_p50_ms_ci95: h(lat.hop_p50_ms),
                hop_p50_significant: lat.hop_p50_significant,
                hop_p90_ms: v(lat.hop_p90_ms),
                hop_p90_ms_ci95: h(lat.hop_p90_ms),
                hop_p90_significant: lat.hop_p90_significant,
                hop_p99_ms: v(lat.hop_p99_ms),
                hop_p99_ms_ci95: h(lat.hop_p99_ms),
                hop_p99_significant: lat.hop_p99_significant,
                chain_p99_ms: v(lat.chain_p99_ms),
                chain_p99_ms_ci95: h(lat.chain_p99_ms),
                latency_estimator: lat.estimator.map(|e| e.as_str().to_string()),
                failed_requests: lat.failed_requests,
                latency_saturated: lat.saturated,
                proxy_cpu_simulated_vcpu: v(lat.proxy_cpu_simulated_vcpu),
                proxy_cpu_simulated_vcpu_ci95: h(lat.proxy_cpu_simulated_vcpu),
                max_proxy_utilisation: lat.max_proxy_utilisation,
            }
        })
        .collect()
}

crate::table_row! {
    /// `pools.csv`: mode × pool.
    pub struct PoolRow: "pools" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub cluster: String,
        pub region: String,
        pub pool: String,
        pub nodes: i64,
        pub nodes_used: i64,
        pub nodes_required: Option<i64>,
        pub gpus_per_node: i64,
        pub cpu_allocatable_vcpu: f64,
        pub cpu_requested_vcpu: f64,
        pub cpu_utilisation: Option<f64>,
        pub memory_allocatable_gib: f64,
        pub memory_requested_gib: f64,
        pub memory_utilisation: Option<f64>,
        pub gpus_allocatable: f64,
        pub gpus_requested: f64,
        pub gpu_utilisation: Option<f64>,
        pub pods: i64,
        pub pod_capacity: i64,
        pub binding_resource: String,
        pub price_usd_per_hour: f64,
        pub cost_usd_per_month: f64,
        pub required_cost_usd_per_month: Option<f64>,
    }
}

/// The rows of `pools.csv`: mode × pool, each pool with its cluster.
pub fn pools(info: &RunInfo<'_>, cluster: &Cluster, results: &[ModeResult]) -> Vec<PoolRow> {
    let frac = |a: f64, b: f64| if b > 0.0 { Some(a / b) } else { None };
    let mut out = Vec::new();
    for r in results {
        for (i, p) in r.pools.iter().enumerate() {
            let (ca, cr) = (vcpu(p.allocatable.cpu_milli), vcpu(p.requested.cpu_milli));
            let (ma, mr) = (
                gib(p.allocatable.memory_bytes),
                gib(p.requested.memory_bytes),
            );
            let (ga, gr) = (
                f64::from(p.allocatable.gpus),
                f64::from(p.requested.gpu_milli) / 1000.0,
            );
            out.push(PoolRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: r.mode.as_str().to_string(),
                seed: info.seed as i64,
                cluster: member_label(cluster, cluster.pools[i].member),
                region: region_label(cluster, cluster.pools[i].member),
                pool: p.name.clone(),
                nodes: i64::from(p.nodes),
                nodes_used: i64::from(p.nodes_used),
                nodes_required: p.nodes_required.map(i64::from),
                gpus_per_node: i64::from(p.gpus_per_node),
                cpu_allocatable_vcpu: ca,
                cpu_requested_vcpu: cr,
                cpu_utilisation: frac(cr, ca),
                memory_allocatable_gib: ma,
                memory_requested_gib: mr,
                memory_utilisation: frac(mr, ma),
                gpus_allocatable: ga,
                gpus_requested: gr,
                gpu_utilisation: frac(gr, ga),
                pods: p.pods as i64,
                pod_capacity: p.pod_capacity as i64,
                binding_resource: p.binding_resource.clone(),
                price_usd_per_hour: p.price_per_hour_usd,
                cost_usd_per_month: f64::from(p.nodes) * p.price_per_hour_usd * HOURS_PER_MONTH,
                required_cost_usd_per_month: p
                    .nodes_required
                    .map(|n| f64::from(n) * p.price_per_hour_usd * HOURS_PER_MONTH),
            });
        }
    }
    out
}

crate::table_row! {
    /// `pending.csv`: mode × workload (or mesh component) with pending pods.
    pub struct PendingRow: "pending" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub cluster: String,
        pub region: String,
        pub workload: String,
        pub count: i64,
        pub reason: String,
    }
}

/// The rows of `pending.csv`: of the fleet, or — in a multicluster fleet — of each cluster.
pub fn pending(
    info: &RunInfo<'_>,
    results: &[ModeResult],
    members: &[MemberResults],
) -> Vec<PendingRow> {
    if members.is_empty() {
        return pending_of(info, (FLEET, FLEET), results);
    }
    members
        .iter()
        .flat_map(|m| pending_of(info, (&m.name, &m.region), &m.results))
        .collect()
}

fn pending_of(
    info: &RunInfo<'_>,
    (cluster, region): (&str, &str),
    results: &[ModeResult],
) -> Vec<PendingRow> {
    results
        .iter()
        .flat_map(|r| {
            r.pending.iter().map(move |p| PendingRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: r.mode.as_str().to_string(),
                seed: info.seed as i64,
                cluster: cluster.to_string(),
                region: region.to_string(),
                workload: p.workload.clone(),
                count: p.count as i64,
                reason: p.reason.clone(),
            })
        })
        .collect()
}

crate::table_row! {
    /// `components.csv`: mode × mesh component.
    pub struct ComponentRow: "components" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub cluster: String,
        pub region: String,
        pub component: String,
        pub count: i64,
        pub memory_request_gib: f64,
        pub memory_usage_gib: f64,
        pub cpu_request_vcpu: f64,
        pub cpu_usage_vcpu: f64,
    }
}

/// The rows of `components.csv`: the fleet's, then — in a multicluster fleet — each cluster's.
pub fn components(
    info: &RunInfo<'_>,
    results: &[ModeResult],
    members: &[MemberResults],
) -> Vec<ComponentRow> {
    let mut out = components_of(info, (FLEET, FLEET), results);
    for m in members {
        out.extend(components_of(info, (&m.name, &m.region), &m.results));
    }
    out
}

fn components_of(
    info: &RunInfo<'_>,
    (cluster, region): (&str, &str),
    results: &[ModeResult],
) -> Vec<ComponentRow> {
    let mut out = Vec::new();
    for r in results {
        for c in <Component as strum::IntoEnumIterator>::iter() {
            let Some(x) = r.components.get(&c) else {
                continue;
            };
            out.push(ComponentRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: r.mode.as_str().to_string(),
                seed: info.seed as i64,
                cluster: cluster.to_string(),
                region: region.to_string(),
                component: c.as_str().to_string(),
                count: x.count as i64,
                memory_request_gib: gib(x.request.memory_bytes),
                memory_usage_gib: gib_f(x.usage.memory_bytes),
                cpu_request_vcpu: vcpu(x.request.cpu_milli),
                cpu_usage_vcpu: x.usage.cpu_milli / 1000.0,
            });
        }
    }
    out
}

/// A pool's `cluster`: its member's name in a multicluster fleet, else [`FLEET`].
fn member_label(c: &Cluster, k: usize) -> String {
    if c.is_multicluster() {
        c.members[k].name.clone()
    } else {
        FLEET.to_string()
    }
}

/// A pool's `region`: its member's region in a multicluster fleet, else [`FLEET`].
fn region_label(c: &Cluster, k: usize) -> String {
    if c.is_multicluster() {
        c.members[k].region.clone()
    } else {
        FLEET.to_string()
    }
}

/// Fleet-average price of one vCPU for a month (Σ node price ÷ Σ node vCPUs × 730 h): how proxy
/// CPU is priced in `proxies.csv`.
pub fn usd_per_vcpu_month(c: &Cluster) -> f64 {
    let usd: f64 = c
        .pools
        .iter()
        .map(|p| f64::from(p.count) * p.price_per_hour_usd)
        .sum();
    let vcpus: f64 = c
        .pools
        .iter()
        .map(|p| f64::from(p.count) * p.capacity.cpu_milli as f64 / 1000.0)
        .sum();
    if vcpus > 0.0 {
        usd / vcpus * HOURS_PER_MONTH
    } else {
        0.0
    }
}

crate::table_row! {
    /// `latency.csv`: mode × scope (hop, call graph) × statistic.
    pub struct LatencyRow: "latency" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub scope: String,
        pub statistic: String,
        pub valid: bool,
        pub failed_requests: f64,
        pub saturated: bool,
        pub estimator: String,
        pub value_ms: Option<f64>,
        pub value_ci95_ms: Option<f64>,
        pub added_vs_none_ms: Option<f64>,
        pub added_vs_none_ci95_ms: Option<f64>,
        pub added_vs_none_significant: Option<bool>,
        pub vs_current_ms: Option<f64>,
        pub vs_current_ci95_ms: Option<f64>,
        pub vs_current_significant: Option<bool>,
        pub observations_per_replication: f64,
        pub throughput_rps: Option<f64>,
        pub throughput_ci95_rps: Option<f64>,
    }
}

/// The rows of `latency.csv`. A scope whose requests failed, or a mode whose latency rests on
/// figures no source gives, has its statistics left empty (`valid` false).
pub fn latency(
    info: &RunInfo<'_>,
    modes: &[ModeLatency],
    results: &[ModeResult],
) -> Vec<LatencyRow> {
    let mut out = Vec::new();
    for m in modes {
        let unmodelled = results
            .iter()
            .find(|r| r.mode == m.mode)
            .is_some_and(|r| r.unmodelled.latency);
        for d in &m.dists {
            let valid = d.valid() && !unmodelled;
            for (name, e) in &d.stats {
                let added = crate::latency::lookup(&d.added_vs_none, name).filter(|_| valid);
                let vs = crate::latency::lookup(&d.vs_current, name).filter(|_| valid);
                out.push(LatencyRow {
                    schema_version: SCHEMA_VERSION,
                    scenario: info.scenario.to_string(),
                    mode: m.mode.as_str().to_string(),
                    seed: info.seed as i64,
                    scope: d.scope.clone(),
                    statistic: name.clone(),
                    valid,
                    failed_requests: d.failed_requests,
                    saturated: d.saturated,
                    estimator: d.estimator.as_str().to_string(),
                    value_ms: valid.then_some(e.mean),
                    value_ci95_ms: e.ci().filter(|_| valid),
                    added_vs_none_ms: added.map(|a| a.mean),
                    added_vs_none_ci95_ms: added.and_then(|a| a.ci()),
                    added_vs_none_significant: added.and_then(|a| a.significant()),
                    vs_current_ms: vs.map(|a| a.mean),
                    vs_current_ci95_ms: vs.and_then(|a| a.ci()),
                    vs_current_significant: vs.and_then(|a| a.significant()),
                    observations_per_replication: d.count,
                    throughput_rps: valid.then_some(d.throughput.mean),
                    throughput_ci95_rps: d.throughput.ci().filter(|_| valid),
                });
            }
        }
    }
    out
}

crate::table_row! {
    /// `proxies.csv`: mode × proxy kind, from the request simulation.
    pub struct ProxyRow: "proxies" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub proxy: String,
        pub cpu_vcpu: Option<f64>,
        pub cpu_vcpu_ci95: Option<f64>,
        pub cpu_usd_per_month: Option<f64>,
        pub utilisation_mean: f64,
        pub utilisation_max: f64,
    }
}

/// The rows of `proxies.csv` (CPU empty where it rests on figures no source gives).
pub fn proxies(
    info: &RunInfo<'_>,
    modes: &[ModeLatency],
    results: &[ModeResult],
    usd_per_vcpu_month: f64,
) -> Vec<ProxyRow> {
    let mut out = Vec::new();
    for m in modes {
        let modelled = !results
            .iter()
            .find(|r| r.mode == m.mode)
            .is_some_and(|r| r.unmodelled.proxy_cpu);
        for (kind, cpu) in &m.cpu_vcpu {
            let (mean_u, max_u) = m.utilisation[kind];
            out.push(ProxyRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: m.mode.as_str().to_string(),
                seed: info.seed as i64,
                proxy: kind.as_str().to_string(),
                cpu_vcpu: modelled.then_some(cpu.mean),
                cpu_vcpu_ci95: cpu.ci().filter(|_| modelled),
                cpu_usd_per_month: modelled.then_some(cpu.mean * usd_per_vcpu_month),
                utilisation_mean: mean_u.mean,
                utilisation_max: max_u.mean,
            });
        }
    }
    out
}

crate::table_row! {
    /// `stations.csv`: mode × proxy station, from the request simulation.
    pub struct StationRow: "stations" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub proxy: String,
        pub station: String,
        pub rps: f64,
        pub utilisation: f64,
        pub utilisation_ci95: Option<f64>,
        pub cpu_vcpu: f64,
        pub cpu_vcpu_ci95: Option<f64>,
        pub mean_wait_ms: f64,
        pub mean_wait_ms_ci95: Option<f64>,
    }
}

/// The rows of `stations.csv`.
pub fn stations(info: &RunInfo<'_>, modes: &[ModeLatency]) -> Vec<StationRow> {
    let mut out = Vec::new();
    for m in modes {
        for st in &m.stations {
            out.push(StationRow {
                schema_version: SCHEMA_VERSION,
                scenario: info.scenario.to_string(),
                mode: m.mode.as_str().to_string(),
                seed: info.seed as i64,
                proxy: st.kind.as_str().to_string(),
                station: st.label.clone(),
                rps: st.rps,
                utilisation: st.utilisation.mean,
                utilisation_ci95: st.utilisation.ci(),
                cpu_vcpu: st.cpu_vcpu.mean,
                cpu_vcpu_ci95: st.cpu_vcpu.ci(),
                mean_wait_ms: st.mean_wait_ms.mean,
                mean_wait_ms_ci95: st.mean_wait_ms.ci(),
            });
        }
    }
    out
}

crate::table_row! {
    /// `namespaces.csv`: which namespaces to move first, from the current state (`mode`).
    pub struct NamespaceRow: "namespaces" {
        pub schema_version: i64,
        pub scenario: String,
        pub mode: String,
        pub seed: i64,
        pub rank: i64,
        pub namespace: String,
        pub from_mode: String,
        pub to_mode: String,
        pub pods: i64,
        pub memory_request_freed_gib: f64,
        pub cpu_request_freed_vcpu: f64,
        pub memory_usage_freed_gib: f64,
        pub cpu_usage_freed_vcpu: f64,
        pub node_agents_memory_request_gib: f64,
        pub node_agents_cpu_request_vcpu: f64,
        pub inference_replicas_gained: i64,
        pub pods_pending_change: i64,
        pub cumulative_memory_request_freed_gib: f64,
        pub cumulative_cpu_request_freed_vcpu: f64,
        pub cumulative_inference_replicas_gained: i64,
    }
}

/// The rows of `namespaces.csv`.
pub fn namespaces(info: &RunInfo<'_>, mode: &str, steps: &[Step]) -> Vec<NamespaceRow> {
    let g = |bytes: i64| bytes as f64 / GIB as f64;
    steps
        .iter()
        .map(|st| NamespaceRow {
            schema_version: SCHEMA_VERSION,
            scenario: info.scenario.to_string(),
            mode: mode.to_string(),
            seed: info.seed as i64,
            rank: st.rank as i64,
            namespace: st.namespace.clone(),
            from_mode: st.from.as_str().to_string(),
            to_mode: st.to.as_str().to_string(),
            pods: st.pods as i64,
            memory_request_freed_gib: g(st.request_freed.1),
            cpu_request_freed_vcpu: st.request_freed.0 as f64 / 1000.0,
            memory_usage_freed_gib: gib_f(st.usage_freed.1),
            cpu_usage_freed_vcpu: st.usage_freed.0 / 1000.0,
            node_agents_memory_request_gib: g(st.node_agents_request.1),
            node_agents_cpu_request_vcpu: st.node_agents_request.0 as f64 / 1000.0,
            inference_replicas_gained: st.replicas_gained,
            pods_pending_change: st.pending_change,
            cumulative_memory_request_freed_gib: g(st.cumulative_request_freed.1),
            cumulative_cpu_request_freed_vcpu: st.cumulative_request_freed.0 as f64 / 1000.0,
            cumulative_inference_replicas_gained: st.cumulative_replicas_gained,
        })
        .collect()
}
