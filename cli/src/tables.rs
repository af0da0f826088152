//! The output tables, built as polars DataFrames by pure functions. Column names carry their
//! unit; the columns and units are documented in `cli/SCHEMA.md` and versioned by
//! `schema_version`.

use anyhow::Result;
use meshsim_models::headline::ModeResult;
use meshsim_models::packing::Component;
use meshsim_models::resources::{gib, vcpu};
use meshsim_models::study::LatencyCells;
use polars::prelude::{Column, DataFrame};

/// Columns of `summary.csv` (with and without intervals) and of `capacity.csv`, plus `point`:
/// names a sweep parameter may not take. A test checks the list against real output.
pub const RESERVED_SWEEP_COLUMNS: &[&str] = &[
    "point",
    "schema_version",
    "scenario",
    "mode",
    "seed",
    "nodes",
    "gpu_nodes",
    "pods_placed",
    "pods_pending",
    "proxies",
    "proxy_memory_request_gib",
    "proxy_memory_usage_gib",
    "proxy_cpu_request_vcpu",
    "proxy_cpu_usage_vcpu",
    "proxy_memory_request_share",
    "proxy_cpu_request_share",
    "control_plane_memory_request_gib",
    "control_plane_cpu_request_vcpu",
    "inference_replicas",
    "replicas_recovered",
    "replicas_recovered_vs_none",
    "gpus_idle",
    "gpus_idle_reason",
    "binding_resource",
    "nodes_required",
    "nodes_removable",
    "fleet_cost_usd_per_month",
    "cost_usd_per_month",
    "savings_usd_per_month",
    "engineering_cost_usd",
    "payback_months",
    "net_12_months_usd",
    "hop_p50_ms",
    "hop_p90_ms",
    "hop_p99_ms",
    "chain_p99_ms",
    "proxy_cpu_simulated_vcpu",
    "max_proxy_utilisation",
    "hop_p50_ms_ci95",
    "hop_p90_ms_ci95",
    "hop_p99_ms_ci95",
    "chain_p99_ms_ci95",
    "proxy_cpu_simulated_vcpu_ci95",
    "pool",
    "feasible",
    "chain_p99_slo_ms",
];

/// Version of the output schema; bump on any change to columns or their meaning.
pub const SCHEMA_VERSION: i64 = 1;

/// Rounds to 6 decimal places, so outputs carry no float noise (0.30000000000000004).
pub fn r6(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e6).round() / 1e6
    } else {
        x
    }
}

/// Columns collected row by row.
#[derive(Default)]
pub struct Builder {
    cols: Vec<(String, Col)>,
}

enum Col {
    Str(Vec<String>),
    F64(Vec<Option<f64>>),
    I64(Vec<Option<i64>>),
}

impl Builder {
    fn col(&mut self, name: &str, make: impl FnOnce() -> Col) -> &mut Col {
        if let Some(i) = self.cols.iter().position(|(n, _)| n == name) {
            &mut self.cols[i].1
        } else {
            self.cols.push((name.to_string(), make()));
            &mut self.cols.last_mut().expect("just pushed").1
        }
    }
    /// Appends a string cell.
    pub fn s(&mut self, name: &str, v: impl Into<String>) {
        if let Col::Str(c) = self.col(name, || Col::Str(Vec::new())) {
            c.push(v.into());
        }
    }
    /// Appends a float cell (rounded to 6 decimals), or null.
    pub fn f(&mut self, name: &str, v: Option<f64>) {
        if let Col::F64(c) = self.col(name, || Col::F64(Vec::new())) {
            c.push(v.map(r6));
        }
    }
    /// Appends an integer cell, or null.
    pub fn i(&mut self, name: &str, v: Option<i64>) {
        if let Col::I64(c) = self.col(name, || Col::I64(Vec::new())) {
            c.push(v);
        }
    }
    /// The table.
    pub fn build(self) -> Result<DataFrame> {
        let cols: Vec<Column> = self
            .cols
            .into_iter()
            .map(|(n, c)| match c {
                Col::Str(v) => Column::new(n.into(), v),
                Col::F64(v) => Column::new(n.into(), v),
                Col::I64(v) => Column::new(n.into(), v),
            })
            .collect();
        Ok(DataFrame::new_infer_height(cols)?)
    }
}

/// One cell of a row-built table.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    /// Text.
    S(String),
    /// A float (already rounded), or null.
    F(Option<f64>),
    /// An integer, or null.
    I(Option<i64>),
}

/// A table row: named cells in column order. Rows serialize to JSON, which is how a sweep logs
/// each finished point.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Row(pub Vec<(String, Cell)>);

impl Row {
    /// Appends a string cell.
    pub fn s(&mut self, name: &str, v: impl Into<String>) {
        self.0.push((name.to_string(), Cell::S(v.into())));
    }
    /// Appends a float cell (rounded to 6 decimals), or null.
    pub fn f(&mut self, name: &str, v: Option<f64>) {
        self.0.push((name.to_string(), Cell::F(v.map(r6))));
    }
    /// Appends an integer cell, or null.
    pub fn i(&mut self, name: &str, v: Option<i64>) {
        self.0.push((name.to_string(), Cell::I(v)));
    }
}

/// A table from rows that share their columns (the first row's).
pub fn frame(rows: &[Row]) -> Result<DataFrame> {
    let mut b = Builder::default();
    for r in rows {
        for (n, c) in &r.0 {
            match c {
                Cell::S(v) => b.s(n, v.clone()),
                Cell::F(v) => b.f(n, *v),
                Cell::I(v) => b.i(n, *v),
            }
        }
    }
    b.build()
}

/// Context shared by every row.
#[derive(Clone, Copy, Debug)]
pub struct RunInfo<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Seed.
    pub seed: u64,
}

fn head(b: &mut Builder, info: &RunInfo<'_>, mode: &str) {
    b.i("schema_version", Some(SCHEMA_VERSION));
    b.s("scenario", info.scenario);
    b.s("mode", mode);
    b.i("seed", Some(info.seed as i64));
}

/// `summary.csv`: one row per mode.
pub fn summary(
    info: &RunInfo<'_>,
    results: &[ModeResult],
    latency: &[LatencyCells],
    with_ci: bool,
) -> Result<DataFrame> {
    frame(&summary_rows(info, results, latency, with_ci))
}

/// The rows of `summary.csv`.
pub fn summary_rows(
    info: &RunInfo<'_>,
    results: &[ModeResult],
    latency: &[LatencyCells],
    with_ci: bool,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (r, lat) in results.iter().zip(latency) {
        let mut b = Row::default();
        b.i("schema_version", Some(SCHEMA_VERSION));
        b.s("scenario", info.scenario);
        b.s("mode", r.mode.as_str());
        b.i("seed", Some(info.seed as i64));
        let nodes: u64 = r.pools.iter().map(|p| u64::from(p.nodes)).sum();
        let gpu_nodes: u64 = r
            .pools
            .iter()
            .filter(|p| p.gpus_per_node > 0)
            .map(|p| u64::from(p.nodes))
            .sum();
        b.i("nodes", Some(nodes as i64));
        b.i("gpu_nodes", Some(gpu_nodes as i64));
        b.i("pods_placed", Some(r.pods_placed as i64));
        b.i("pods_pending", Some(r.pods_pending as i64));
        b.i("proxies", Some(r.proxies as i64));
        b.f(
            "proxy_memory_request_gib",
            Some(gib(r.data_plane_request.memory_bytes)),
        );
        b.f(
            "proxy_memory_usage_gib",
            Some(r.data_plane_usage.memory_bytes / (1u64 << 30) as f64),
        );
        b.f(
            "proxy_cpu_request_vcpu",
            Some(vcpu(r.data_plane_request.cpu_milli)),
        );
        b.f(
            "proxy_cpu_usage_vcpu",
            Some(r.data_plane_usage.cpu_milli / 1000.0),
        );
        b.f(
            "proxy_memory_request_share",
            Some(r.data_plane_memory_share()),
        );
        b.f("proxy_cpu_request_share", Some(r.data_plane_cpu_share()));
        b.f(
            "control_plane_memory_request_gib",
            Some(gib(r.control_plane_request.memory_bytes)),
        );
        b.f(
            "control_plane_cpu_request_vcpu",
            Some(vcpu(r.control_plane_request.cpu_milli)),
        );
        b.i("inference_replicas", Some(r.inference_replicas as i64));
        b.i("replicas_recovered", r.replicas_recovered_vs_sidecar);
        b.i("replicas_recovered_vs_none", r.replicas_recovered_vs_none);
        b.f("gpus_idle", Some(r.gpus_idle));
        b.s(
            "gpus_idle_reason",
            r.gpus_idle_by_reason
                .iter()
                .map(|(k, v)| format!("{k}:{}", r6(*v)))
                .collect::<Vec<_>>()
                .join(";"),
        );
        b.s("binding_resource", r.binding_resource.clone());
        b.i(
            "nodes_required",
            Some(r.pools.iter().map(|p| i64::from(p.nodes_required)).sum()),
        );
        b.i("nodes_removable", Some(i64::from(r.nodes_removable)));
        b.f("fleet_cost_usd_per_month", Some(r.fleet_cost_usd_per_month));
        b.f("cost_usd_per_month", Some(r.cost_usd_per_month));
        b.f("savings_usd_per_month", r.savings_usd_per_month);
        b.f(
            "engineering_cost_usd",
            r.roi.map(|x| x.engineering_cost_usd),
        );
        b.f("payback_months", r.roi.and_then(|x| x.payback_months));
        b.f("net_12_months_usd", r.roi.map(|x| x.net_12_months_usd));
        let cells = [
            ("hop_p50_ms", lat.hop_p50_ms),
            ("hop_p90_ms", lat.hop_p90_ms),
            ("hop_p99_ms", lat.hop_p99_ms),
            ("chain_p99_ms", lat.chain_p99_ms),
            ("proxy_cpu_simulated_vcpu", lat.proxy_cpu_simulated_vcpu),
        ];
        for (name, v) in cells {
            b.f(name, v.map(|x| x.0));
            if with_ci {
                b.f(&format!("{name}_ci95"), v.and_then(|x| x.1));
            }
        }
        b.f("max_proxy_utilisation", lat.max_proxy_utilisation);
        rows.push(b);
    }
    rows
}

/// `pools.csv`: mode × pool.
pub fn pools(info: &RunInfo<'_>, results: &[ModeResult]) -> Result<DataFrame> {
    let mut b = Builder::default();
    for r in results {
        for p in &r.pools {
            head(&mut b, info, r.mode.as_str());
            b.s("pool", p.name.clone());
            b.i("nodes", Some(i64::from(p.nodes)));
            b.i("nodes_used", Some(i64::from(p.nodes_used)));
            b.i("nodes_required", Some(i64::from(p.nodes_required)));
            b.i("gpus_per_node", Some(i64::from(p.gpus_per_node)));
            let frac = |a: f64, b: f64| if b > 0.0 { Some(a / b) } else { None };
            let (ca, cr) = (vcpu(p.allocatable.cpu_milli), vcpu(p.requested.cpu_milli));
            let (ma, mr) = (
                gib(p.allocatable.memory_bytes),
                gib(p.requested.memory_bytes),
            );
            let (ga, gr) = (
                f64::from(p.allocatable.gpus),
                f64::from(p.requested.gpu_milli) / 1000.0,
            );
            b.f("cpu_allocatable_vcpu", Some(ca));
            b.f("cpu_requested_vcpu", Some(cr));
            b.f("cpu_utilisation", frac(cr, ca));
            b.f("memory_allocatable_gib", Some(ma));
            b.f("memory_requested_gib", Some(mr));
            b.f("memory_utilisation", frac(mr, ma));
            b.f("gpus_allocatable", Some(ga));
            b.f("gpus_requested", Some(gr));
            b.f("gpu_utilisation", frac(gr, ga));
            b.i("pods", Some(p.pods as i64));
            b.i("pod_capacity", Some(p.pod_capacity as i64));
            b.s("binding_resource", p.binding_resource.clone());
            b.f("price_usd_per_hour", Some(p.price_per_hour_usd));
            b.f(
                "cost_usd_per_month",
                Some(
                    f64::from(p.nodes)
                        * p.price_per_hour_usd
                        * meshsim_models::resources::HOURS_PER_MONTH,
                ),
            );
            b.f(
                "required_cost_usd_per_month",
                Some(
                    f64::from(p.nodes_required)
                        * p.price_per_hour_usd
                        * meshsim_models::resources::HOURS_PER_MONTH,
                ),
            );
        }
    }
    b.build()
}

/// `pending.csv`: mode × workload with pending pods.
pub fn pending(info: &RunInfo<'_>, results: &[ModeResult]) -> Result<DataFrame> {
    let mut b = Builder::default();
    for r in results {
        for p in &r.pending {
            head(&mut b, info, r.mode.as_str());
            b.s("workload", p.workload.clone());
            b.i("count", Some(p.count as i64));
            b.s("reason", p.reason.clone());
        }
    }
    if b.cols.is_empty() {
        return empty(
            b,
            &[
                ("schema_version", 'i'),
                ("scenario", 's'),
                ("mode", 's'),
                ("seed", 'i'),
                ("workload", 's'),
                ("count", 'i'),
                ("reason", 's'),
            ],
        );
    }
    b.build()
}

/// `components.csv`: mode × mesh component.
pub fn components(info: &RunInfo<'_>, results: &[ModeResult]) -> Result<DataFrame> {
    let mut b = Builder::default();
    for r in results {
        for c in <Component as strum::IntoEnumIterator>::iter() {
            let Some(x) = r.components.get(&c) else {
                continue;
            };
            head(&mut b, info, r.mode.as_str());
            b.s("component", c.as_str());
            b.i("count", Some(x.count as i64));
            b.f("memory_request_gib", Some(gib(x.request.memory_bytes)));
            b.f(
                "memory_usage_gib",
                Some(x.usage.memory_bytes / (1u64 << 30) as f64),
            );
            b.f("cpu_request_vcpu", Some(vcpu(x.request.cpu_milli)));
            b.f("cpu_usage_vcpu", Some(x.usage.cpu_milli / 1000.0));
        }
    }
    if b.cols.is_empty() {
        return empty(
            b,
            &[
                ("schema_version", 'i'),
                ("scenario", 's'),
                ("mode", 's'),
                ("seed", 'i'),
                ("component", 's'),
                ("count", 'i'),
                ("memory_request_gib", 'f'),
                ("memory_usage_gib", 'f'),
                ("cpu_request_vcpu", 'f'),
                ("cpu_usage_vcpu", 'f'),
            ],
        );
    }
    b.build()
}

/// Fleet-average price of one vCPU for a month (Σ node price ÷ Σ node vCPUs × 730 h): how proxy
/// CPU is priced in `proxies.csv`.
pub fn usd_per_vcpu_month(c: &meshsim_models::cluster::Cluster) -> f64 {
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
        usd / vcpus * meshsim_models::resources::HOURS_PER_MONTH
    } else {
        0.0
    }
}

fn empty(mut b: Builder, cols: &[(&str, char)]) -> Result<DataFrame> {
    for (n, c) in cols {
        b.cols.push((
            n.to_string(),
            match c {
                's' => Col::Str(Vec::new()),
                'i' => Col::I64(Vec::new()),
                _ => Col::F64(Vec::new()),
            },
        ));
    }
    b.build()
}

/// `latency.csv`: mode × scope (hop, call graph) × statistic.
pub fn latency(
    info: &RunInfo<'_>,
    modes: &[meshsim_models::latency::ModeLatency],
) -> Result<DataFrame> {
    let mut b = Builder::default();
    for m in modes {
        for d in &m.dists {
            for (name, e) in &d.stats {
                head(&mut b, info, m.mode.as_str());
                b.s("scope", d.scope.clone());
                b.s("statistic", name.clone());
                // Estimates are already in milliseconds.
                b.f("value_ms", Some(e.mean));
                b.f("value_ci95_ms", e.ci());
                let added = d.added_vs_none.iter().find(|x| &x.0 == name).map(|x| x.1);
                b.f("added_vs_none_ms", added.map(|a| a.mean));
                b.f("added_vs_none_ci95_ms", added.and_then(|a| a.ci()));
                let vs = d.vs_sidecar.iter().find(|x| &x.0 == name).map(|x| x.1);
                b.f("vs_sidecar_ms", vs.map(|a| a.mean));
                b.f("vs_sidecar_ci95_ms", vs.and_then(|a| a.ci()));
                b.f("observations_per_replication", Some(d.count));
            }
        }
    }
    if b.cols.is_empty() {
        return empty(
            b,
            &[
                ("schema_version", 'i'),
                ("scenario", 's'),
                ("mode", 's'),
                ("seed", 'i'),
                ("scope", 's'),
                ("statistic", 's'),
                ("value_ms", 'f'),
                ("value_ci95_ms", 'f'),
                ("added_vs_none_ms", 'f'),
                ("added_vs_none_ci95_ms", 'f'),
                ("vs_sidecar_ms", 'f'),
                ("vs_sidecar_ci95_ms", 'f'),
                ("observations_per_replication", 'f'),
            ],
        );
    }
    b.build()
}

/// `proxies.csv`: mode × proxy kind, from the request simulation.
pub fn proxies(
    info: &RunInfo<'_>,
    modes: &[meshsim_models::latency::ModeLatency],
    usd_per_vcpu_month: f64,
) -> Result<DataFrame> {
    let mut b = Builder::default();
    for m in modes {
        for (kind, cpu) in &m.cpu_vcpu {
            let (mean_u, max_u) = m.utilisation[kind];
            head(&mut b, info, m.mode.as_str());
            b.s("proxy", kind.as_str());
            b.f("cpu_vcpu", Some(cpu.mean));
            b.f("cpu_vcpu_ci95", cpu.ci());
            b.f("cpu_usd_per_month", Some(cpu.mean * usd_per_vcpu_month));
            b.f("utilisation_mean", Some(mean_u.mean));
            b.f("utilisation_max", Some(max_u.mean));
        }
    }
    if b.cols.is_empty() {
        return empty(
            b,
            &[
                ("schema_version", 'i'),
                ("scenario", 's'),
                ("mode", 's'),
                ("seed", 'i'),
                ("proxy", 's'),
                ("cpu_vcpu", 'f'),
                ("cpu_vcpu_ci95", 'f'),
                ("cpu_usd_per_month", 'f'),
                ("utilisation_mean", 'f'),
                ("utilisation_max", 'f'),
            ],
        );
    }
    b.build()
}

/// `stations.csv`: mode × proxy station, from the request simulation.
pub fn stations(
    info: &RunInfo<'_>,
    modes: &[meshsim_models::latency::ModeLatency],
) -> Result<DataFrame> {
    let mut b = Builder::default();
    for m in modes {
        for st in &m.stations {
            head(&mut b, info, m.mode.as_str());
            b.s("proxy", st.kind.as_str());
            b.s("station", st.label.clone());
            b.f("rps", Some(st.rps));
            b.f("utilisation", Some(st.utilisation.mean));
            b.f("utilisation_ci95", st.utilisation.ci());
            b.f("cpu_vcpu", Some(st.cpu_vcpu.mean));
            b.f("cpu_vcpu_ci95", st.cpu_vcpu.ci());
            b.f("mean_wait_ms", Some(st.mean_wait_ms.mean));
            b.f("mean_wait_ms_ci95", st.mean_wait_ms.ci());
        }
    }
    if b.cols.is_empty() {
        return empty(
            b,
            &[
                ("schema_version", 'i'),
                ("scenario", 's'),
                ("mode", 's'),
                ("seed", 'i'),
                ("proxy", 's'),
                ("station", 's'),
                ("rps", 'f'),
                ("utilisation", 'f'),
                ("utilisation_ci95", 'f'),
                ("cpu_vcpu", 'f'),
                ("cpu_vcpu_ci95", 'f'),
                ("mean_wait_ms", 'f'),
                ("mean_wait_ms_ci95", 'f'),
            ],
        );
    }
    b.build()
}

/// `namespaces.csv`: which namespaces to move first, from the current state (`mode`).
pub fn namespaces(
    info: &RunInfo<'_>,
    mode: &str,
    steps: &[meshsim_models::migration::Step],
) -> Result<DataFrame> {
    let mut b = Builder::default();
    let g = |bytes: i64| bytes as f64 / (1u64 << 30) as f64;
    for st in steps {
        head(&mut b, info, mode);
        b.i("rank", Some(st.rank as i64));
        b.s("namespace", st.namespace.clone());
        b.s("from_mode", st.from.as_str());
        b.s("to_mode", st.to.as_str());
        b.i("pods", Some(st.pods as i64));
        b.f("memory_request_freed_gib", Some(g(st.request_freed.1)));
        b.f(
            "cpu_request_freed_vcpu",
            Some(st.request_freed.0 as f64 / 1000.0),
        );
        b.f(
            "memory_usage_freed_gib",
            Some(st.usage_freed.1 / (1u64 << 30) as f64),
        );
        b.f("cpu_usage_freed_vcpu", Some(st.usage_freed.0 / 1000.0));
        b.i("inference_replicas_gained", Some(st.replicas_gained));
        b.i("pods_pending_change", Some(st.pending_change));
        b.f(
            "cumulative_memory_request_freed_gib",
            Some(g(st.cumulative_request_freed.1)),
        );
        b.f(
            "cumulative_cpu_request_freed_vcpu",
            Some(st.cumulative_request_freed.0 as f64 / 1000.0),
        );
        b.i(
            "cumulative_inference_replicas_gained",
            Some(st.cumulative_replicas_gained),
        );
    }
    if b.cols.is_empty() {
        return empty(
            b,
            &[
                ("schema_version", 'i'),
                ("scenario", 's'),
                ("mode", 's'),
                ("seed", 'i'),
                ("rank", 'i'),
                ("namespace", 's'),
                ("from_mode", 's'),
                ("to_mode", 's'),
                ("pods", 'i'),
                ("memory_request_freed_gib", 'f'),
                ("cpu_request_freed_vcpu", 'f'),
                ("memory_usage_freed_gib", 'f'),
                ("cpu_usage_freed_vcpu", 'f'),
                ("inference_replicas_gained", 'i'),
                ("pods_pending_change", 'i'),
                ("cumulative_memory_request_freed_gib", 'f'),
                ("cumulative_cpu_request_freed_vcpu", 'f'),
                ("cumulative_inference_replicas_gained", 'i'),
            ],
        );
    }
    b.build()
}
