//! From the file as written to a validated [`Scenario`]: defaults applied, references checked,
//! numbers bounded before they size anything. Every problem becomes a located [`Diagnostic`];
//! all of them are collected, not just the first.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use meshsim_models::cluster::{
    Cluster, DaemonSet, NodePool, Replicas, SidecarOverride, Taint, TaintEffect, Toleration,
    TolerationOperator, Workload,
};
use meshsim_models::headline::Migration;
use meshsim_models::mesh::{
    ControlPlaneCosts, FixedCosts, MeshCosts, MeshMode, NamespaceMode, NodeProxyCosts,
    RequestPolicy, SidecarCosts, SidecarScope, WaypointCosts,
};
use meshsim_models::presets;
use meshsim_models::resources::{MIB, Resources, Usage};
use meshsim_models::scheduler::{SchedulerConfig, Strategy, TieBreak};
use toml::Spanned;

use crate::diag::{Diagnostic, Source, choice_help, closest};
use crate::file::*;
use crate::limits;
use crate::{POOL_LABEL, Scenario};

/// Collects diagnostics while resolving.
pub(crate) struct Ctx<'a> {
    pub src: &'a Source<'a>,
    pub errors: Vec<Diagnostic>,
}

impl Ctx<'_> {
    pub fn err(&mut self, span: Range<usize>, msg: impl Into<String>, help: Option<String>) {
        let mut d = self.src.at(Some(span), msg);
        d.help = help;
        self.errors.push(d);
    }

    /// An integer within `lo..=hi`, or an error naming the range.
    pub fn int_in(&mut self, v: &Spanned<i64>, lo: i64, hi: i64, what: &str) -> Option<i64> {
        let x = *v.get_ref();
        if x < lo || x > hi {
            let msg = if x > hi {
                format!("{x} {what} is beyond meshsim's limit of {hi}")
            } else if lo == 1 && x <= 0 {
                format!("{x} {what}: must be at least 1")
            } else {
                format!("{x} {what}: must be between {lo} and {hi}")
            };
            self.err(v.span(), msg, None);
            None
        } else {
            Some(x)
        }
    }

    /// A finite number within `lo..=hi`.
    pub fn num_in(&mut self, v: &Spanned<f64>, lo: f64, hi: f64, what: &str) -> Option<f64> {
        let x = *v.get_ref();
        if !x.is_finite() || x < lo || x > hi {
            self.err(
                v.span(),
                format!("{x} is not a valid {what}: must be a number from {lo} to {hi}"),
                None,
            );
            None
        } else {
            Some(x)
        }
    }

    /// One of `allowed`, or an error suggesting the closest.
    pub fn choice<'c>(
        &mut self,
        v: &Spanned<String>,
        allowed: &[&'c str],
        what: &str,
    ) -> Option<&'c str> {
        let got = v.get_ref().as_str();
        match allowed.iter().find(|a| **a == got) {
            Some(a) => Some(a),
            None => {
                self.err(
                    v.span(),
                    format!("unknown {what} `{got}`"),
                    Some(choice_help(got, allowed)),
                );
                None
            }
        }
    }
}

const MODES: [&str; 7] = [
    "none",
    "sidecar",
    "ambient",
    "ambient-waypoint",
    "mixed",
    "linkerd",
    "cilium",
];
const NS_MODES: [&str; 6] = [
    "none",
    "sidecar",
    "ambient",
    "ambient-waypoint",
    "linkerd",
    "cilium",
];
const EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

fn ns_mode(s: &str) -> NamespaceMode {
    match s {
        "sidecar" => NamespaceMode::Sidecar,
        "ambient" => NamespaceMode::Ambient,
        "ambient-waypoint" => NamespaceMode::AmbientWaypoint,
        "linkerd" => NamespaceMode::Linkerd,
        "cilium" => NamespaceMode::Cilium,
        _ => NamespaceMode::Outside,
    }
}

fn effect(s: &str) -> TaintEffect {
    match s {
        "NoExecute" => TaintEffect::NoExecute,
        "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
        _ => TaintEffect::NoSchedule,
    }
}

/// What a pod uses: the stated usage, each resource defaulting to its request.
fn usage_or_requests(usage: Option<CpuMem>, req: Resources) -> Usage {
    let u = usage.unwrap_or_default();
    Usage {
        cpu_milli: u.cpu.map_or(req.cpu_milli, |c| c.0) as f64,
        memory_bytes: u.memory.map_or(req.memory_bytes, |m| m.0) as f64,
    }
}

impl Ctx<'_> {
    /// `false` (with an error) when there are more than `max` items.
    fn within_count<T>(&mut self, items: &[Spanned<T>], max: usize, what: &str) -> bool {
        if items.len() > max {
            self.err(
                items[max].span(),
                format!("{} {what} is beyond meshsim's limit of {max}", items.len()),
                None,
            );
            return false;
        }
        true
    }

    /// Checks that `name` is a valid name not seen before among `what`s; returns it.
    fn unique_name(
        &mut self,
        name: &Spanned<String>,
        what: &str,
        seen: &mut BTreeSet<String>,
    ) -> String {
        let n = name.get_ref().clone();
        if !valid_name(&n) {
            self.err(
                name.span(),
                format!("invalid {what} name `{n}`"),
                Some("use 1–100 letters, digits, `-`, `_` or `.`".into()),
            );
        }
        if !seen.insert(n.clone()) {
            self.err(name.span(), format!("{what} `{n}` is defined twice"), None);
        }
        n
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

/// Resolves a parsed file into a scenario, or every problem found.
pub(crate) fn resolve(
    ctx: &mut Ctx<'_>,
    f: &ScenarioFile,
    base_dir: Option<&std::path::Path>,
) -> Option<Scenario> {
    let meta = &f.scenario;
    let name = meta.name.get_ref().clone();
    if !valid_name(&name) {
        ctx.err(
            meta.name.span(),
            format!("invalid scenario name `{name}`"),
            Some(
                "use 1–100 letters, digits, `-`, `_` or `.`: it names the output directory".into(),
            ),
        );
    }
    let seed = meta
        .seed
        .as_ref()
        .and_then(|s| ctx.int_in(s, 0, i64::MAX, "(seed)"))
        .unwrap_or(1) as u64;
    let replications = meta
        .replications
        .as_ref()
        .and_then(|r| ctx.int_in(r, 1, limits::MAX_REPLICATIONS as i64, "replications"))
        .unwrap_or(1) as u32;

    let scheduler = resolve_scheduler(ctx, &f.scheduler);
    let pools = resolve_pools(ctx, &f.pools);
    let any_gpu_pool = pools.iter().any(|p| p.capacity.gpus > 0);
    let workloads = resolve_workloads(ctx, &f.workloads, &pools, any_gpu_pool);
    let daemonsets = resolve_daemonsets(ctx, &f.daemonsets, &pools, &workloads);
    let namespaces: BTreeSet<String> = workloads.iter().map(|w| w.namespace.clone()).collect();
    let mesh = resolve_mesh(ctx, &f.mesh, &namespaces);

    // Modes.
    let modes = match &meta.modes {
        None => {
            let mut m = vec![
                MeshMode::None,
                MeshMode::Sidecar,
                MeshMode::Ambient,
                MeshMode::AmbientWaypoint,
            ];
            if f.mesh.namespaces.as_ref().is_some_and(|n| !n.is_empty()) {
                m.push(MeshMode::Mixed);
            }
            m
        }
        Some(list) => {
            if list.get_ref().is_empty() {
                ctx.err(
                    list.span(),
                    "no modes to compare",
                    Some(format!("list one or more of: {}", MODES.join(", "))),
                );
            }
            let mut seen = BTreeSet::new();
            let mut out = Vec::new();
            for m in list.get_ref() {
                if let Some(name) = ctx.choice(m, &MODES, "mesh mode") {
                    if !seen.insert(name) {
                        ctx.err(m.span(), format!("mode `{name}` is listed twice"), None);
                    }
                    out.extend(MeshMode::parse(name));
                }
            }
            out
        }
    };

    let migration = f.migration.as_ref().and_then(|m| {
        let sprints = ctx.num_in(&m.sprints, 0.0, 1e6, "sprint count");
        let cost = ctx.num_in(&m.cost_per_sprint, 0.0, 1e12, "cost per sprint (USD)");
        Some(Migration {
            sprints: sprints?,
            cost_per_sprint_usd: cost?,
        })
    });

    // Fleet-wide bounds, checked before anything is sized from them.
    let total_nodes: u64 = pools.iter().map(|p| u64::from(p.count)).sum();
    if total_nodes > limits::MAX_NODES {
        ctx.err(
            f.pools.first().map_or(0..0, |p| p.span()),
            format!(
                "{total_nodes} nodes in all pools is beyond meshsim's limit of {}",
                limits::MAX_NODES
            ),
            None,
        );
    }
    let slots: u64 = pools
        .iter()
        .map(|p| u64::from(p.count) * u64::from(p.max_pods))
        .sum();
    if slots > limits::MAX_POD_SLOTS {
        ctx.err(
            f.pools.first().map_or(0..0, |p| p.span()),
            format!(
                "the fleet has {slots} pod slots (nodes × max pods), beyond meshsim's limit of {}",
                limits::MAX_POD_SLOTS
            ),
            Some("lower max_pods or the node counts".into()),
        );
    }
    let fixed: u64 = workloads
        .iter()
        .map(|w| match w.replicas {
            Replicas::Count(n) => u64::from(n),
            Replicas::Fill => 0,
        })
        .sum();
    if fixed > limits::MAX_TOTAL_REPLICAS {
        ctx.err(
            f.workloads.first().map_or(0..0, |w| w.span()),
            format!(
                "{fixed} replicas in all workloads is beyond meshsim's limit of {}",
                limits::MAX_TOTAL_REPLICAS
            ),
            None,
        );
    }
    if pools.is_empty() && f.pools.is_empty() {
        ctx.errors.push(Diagnostic {
            help: Some("add at least one [[pools]] table with name, count, cpu and memory".into()),
            ..ctx.src.whole("the scenario has no node pools")
        });
    }
    let cluster = Cluster {
        pools,
        workloads,
        daemonsets,
    };
    let latency = crate::latency::resolve(ctx, f, &cluster, base_dir, modes.len(), replications);
    if !ctx.errors.is_empty() {
        return None;
    }
    let (latency, traces) = match latency {
        Some((l, t)) => (Some(l), t),
        None => (None, Vec::new()),
    };
    Some(Scenario {
        name,
        description: meta.description.clone().unwrap_or_default(),
        seed,
        modes,
        replications,
        nodes_required: meta.nodes_required.unwrap_or(true),
        cluster,
        mesh,
        scheduler,
        migration,
        latency,
        traces,
    })
}

fn resolve_scheduler(ctx: &mut Ctx<'_>, s: &SchedulerSection) -> SchedulerConfig {
    let strategy = s
        .strategy
        .as_ref()
        .and_then(|v| {
            ctx.choice(
                v,
                &[
                    "kube-default",
                    "least-allocated",
                    "most-allocated",
                    "balanced-allocation",
                ],
                "scheduler strategy",
            )
        })
        .map_or(Strategy::KubeDefault, |v| match v {
            "least-allocated" => Strategy::LeastAllocated,
            "most-allocated" => Strategy::MostAllocated,
            "balanced-allocation" => Strategy::BalancedAllocation,
            _ => Strategy::KubeDefault,
        });
    let gpu_weight = s
        .gpu_weight
        .as_ref()
        .and_then(|w| ctx.int_in(w, 0, 100, "(GPU weight)"))
        .unwrap_or(0) as u32;
    let tie_break = s
        .tie_break
        .as_ref()
        .and_then(|v| ctx.choice(v, &["random", "first"], "tie-break"))
        .map_or(TieBreak::Random, |v| {
            if v == "first" {
                TieBreak::First
            } else {
                TieBreak::Random
            }
        });
    SchedulerConfig {
        strategy,
        gpu_weight,
        tie_break,
    }
}

fn cpu_mem(c: Option<CpuMem>, default: Resources) -> Resources {
    match c {
        None => default,
        Some(c) => Resources::cpu_mem(
            c.cpu.map_or(default.cpu_milli, |x| x.0),
            c.memory.map_or(default.memory_bytes, |x| x.0),
        ),
    }
}

fn resolve_pools(ctx: &mut Ctx<'_>, pools: &[Spanned<PoolSection>]) -> Vec<NodePool> {
    if !ctx.within_count(pools, limits::MAX_POOLS, "pools") {
        return Vec::new();
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for sp in pools {
        let p = sp.get_ref();
        let name = ctx.unique_name(&p.name, "pool", &mut names);
        let count = ctx.int_in(&p.count, 1, limits::MAX_NODES_PER_POOL as i64, "nodes");
        let gpus = p
            .gpus
            .as_ref()
            .and_then(|g| ctx.int_in(g, 0, limits::MAX_GPUS_PER_NODE as i64, "GPUs per node"))
            .unwrap_or(0);
        let max_pods = p
            .max_pods
            .as_ref()
            .and_then(|m| ctx.int_in(m, 1, limits::MAX_PODS_PER_NODE as i64, "max pods per node"))
            .unwrap_or(110);
        if p.cpu.get_ref().0 == 0 {
            ctx.err(p.cpu.span(), "a node needs some CPU: 0 given", None);
        }
        if p.memory.get_ref().0 == 0 {
            ctx.err(p.memory.span(), "a node needs some memory: 0 given", None);
        }
        let zones = match &p.zones {
            None => vec!["zone-a".to_string()],
            Some(z) => {
                let v = z.get_ref();
                if v.is_empty() || v.len() > limits::MAX_ZONES {
                    ctx.err(
                        z.span(),
                        format!(
                            "{} zones: give between 1 and {}",
                            v.len(),
                            limits::MAX_ZONES
                        ),
                        None,
                    );
                }
                let uniq: BTreeSet<&String> = v.iter().collect();
                if uniq.len() != v.len() {
                    ctx.err(z.span(), "a zone is listed twice", None);
                }
                v.clone()
            }
        };
        let price = p
            .price_per_hour
            .as_ref()
            .and_then(|x| ctx.num_in(x, 0.0, 1e6, "price per node-hour (USD)"))
            .unwrap_or(0.0);
        let mut taints = Vec::new();
        for t in p.taints.iter().flatten() {
            let tr = t.get_ref();
            if let Some(e) = ctx.choice(&tr.effect, &EFFECTS, "taint effect") {
                taints.push(Taint {
                    key: tr.key.clone(),
                    value: tr.value.clone(),
                    effect: effect(e),
                });
            }
        }
        let mut labels = p.labels.clone().unwrap_or_default();
        labels.insert(POOL_LABEL.to_string(), name.clone());
        let pool = NodePool {
            name: name.clone(),
            count: count.unwrap_or(1) as u32,
            capacity: Resources {
                cpu_milli: p.cpu.get_ref().0,
                memory_bytes: p.memory.get_ref().0,
                gpus: gpus as u32,
                gpu_milli: 0,
            },
            max_pods: max_pods as u32,
            kube_reserved: cpu_mem(p.kube_reserved, Resources::ZERO),
            system_reserved: cpu_mem(p.system_reserved, Resources::ZERO),
            eviction_threshold_bytes: p.eviction_threshold.map_or(100 * MIB, |m| m.0),
            gpu_model: p.gpu_model.clone(),
            gpu_memory_bytes: p.gpu_memory.map_or(0, |m| m.0),
            labels,
            taints,
            zones,
            price_per_hour_usd: price,
        };
        let a = pool.allocatable();
        let reserved = pool.kube_reserved + pool.system_reserved;
        if a.cpu_milli == 0 || reserved.cpu_milli >= pool.capacity.cpu_milli {
            ctx.err(
                sp.span(),
                format!("pool `{name}` has no allocatable CPU once reservations are subtracted"),
                None,
            );
        }
        if a.memory_bytes == 0 {
            ctx.err(
                sp.span(),
                format!(
                    "pool `{name}` has no allocatable memory once reservations and the eviction threshold are subtracted"
                ),
                None,
            );
        }
        out.push(pool);
    }
    out
}

fn tolerations(ctx: &mut Ctx<'_>, ts: &Option<Vec<TolerationSection>>) -> Vec<Toleration> {
    let mut out = Vec::new();
    for t in ts.iter().flatten() {
        let operator = match &t.operator {
            None => Some(TolerationOperator::Equal),
            Some(o) => ctx
                .choice(o, &["Equal", "Exists"], "toleration operator")
                .map(|o| {
                    if o == "Exists" {
                        TolerationOperator::Exists
                    } else {
                        TolerationOperator::Equal
                    }
                }),
        };
        let eff = match &t.effect {
            None => Some(None),
            Some(e) => ctx
                .choice(e, &EFFECTS, "taint effect")
                .map(|e| Some(effect(e))),
        };
        if let (Some(operator), Some(effect)) = (operator, eff) {
            if operator == TolerationOperator::Equal
                && t.key.is_none()
                && let Some(o) = &t.operator
            {
                ctx.err(
                    o.span(),
                    "a toleration without a key must use operator `Exists`",
                    None,
                );
            }
            out.push(Toleration {
                key: t.key.clone(),
                operator,
                value: t.value.clone(),
                effect,
            });
        }
    }
    out
}

fn pool_selector(
    ctx: &mut Ctx<'_>,
    pool: &Option<Spanned<String>>,
    pools: &[NodePool],
    selector: &mut BTreeMap<String, String>,
) -> Option<usize> {
    let p = pool.as_ref()?;
    let name = p.get_ref();
    match pools.iter().position(|x| &x.name == name) {
        Some(i) => {
            selector.insert(POOL_LABEL.to_string(), name.clone());
            Some(i)
        }
        None => {
            let names: Vec<&str> = pools.iter().map(|x| x.name.as_str()).collect();
            ctx.err(
                p.span(),
                format!("unknown pool `{name}`"),
                Some(choice_help(name, &names)),
            );
            None
        }
    }
}

fn requests(ctx: &mut Ctx<'_>, r: &Spanned<RequestSection>) -> Resources {
    let rr = r.get_ref();
    let gpus = rr
        .gpu
        .as_ref()
        .and_then(|g| ctx.int_in(g, 0, limits::MAX_GPUS_PER_NODE as i64, "GPUs"))
        .unwrap_or(0) as u32;
    let mut gpu_milli = 0;
    if let Some(f) = &rr.gpu_fraction {
        let x = *f.get_ref();
        if !(x.is_finite() && x > 0.0 && x < 1.0) {
            ctx.err(
                f.span(),
                format!("gpu_fraction {x} must be between 0 and 1 (exclusive)"),
                Some(
                    "use `gpu` for whole GPUs; gpu_fraction = 0.25 asks for a quarter of one GPU"
                        .into(),
                ),
            );
        } else if gpus > 0 {
            ctx.err(
                f.span(),
                "a pod asks for whole GPUs (`gpu`) or a share of one (`gpu_fraction`), not both",
                None,
            );
        } else {
            gpu_milli = ((x * 1000.0).round() as u32).clamp(1, 999);
        }
    }
    Resources {
        cpu_milli: rr.cpu.map_or(0, |c| c.0),
        memory_bytes: rr.memory.map_or(0, |m| m.0),
        gpus,
        gpu_milli,
    }
}

fn rate(ctx: &mut Ctx<'_>, v: &Option<Spanned<f64>>, what: &str) -> f64 {
    v.as_ref()
        .and_then(|x| ctx.num_in(x, 0.0, 1e9, what))
        .unwrap_or(0.0)
}

fn resolve_workloads(
    ctx: &mut Ctx<'_>,
    ws: &[Spanned<WorkloadSection>],
    pools: &[NodePool],
    any_gpu_pool: bool,
) -> Vec<Workload> {
    if !ctx.within_count(ws, limits::MAX_WORKLOADS, "workloads") {
        return Vec::new();
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for sw in ws {
        let w = sw.get_ref();
        let name = ctx.unique_name(&w.name, "workload", &mut names);
        let replicas = match w.replicas.get_ref() {
            toml::Value::String(s) if s == "fill" => Some(Replicas::Fill),
            toml::Value::Integer(n) => {
                let v = Spanned::new(w.replicas.span(), *n);
                ctx.int_in(&v, 1, limits::MAX_REPLICAS as i64, "replicas")
                    .map(|n| Replicas::Count(n as u32))
            }
            other => {
                ctx.err(
                    w.replicas.span(),
                    format!("replicas must be a whole number or \"fill\", not {other}"),
                    Some("\"fill\" places as many replicas as fit".into()),
                );
                None
            }
        };
        let mut node_selector = w.node_selector.clone().unwrap_or_default();
        let pool = pool_selector(ctx, &w.pool, pools, &mut node_selector);
        let req = requests(ctx, &w.requests);
        if req.wants_gpu() {
            let span = w.requests.span();
            match pool {
                Some(i) if pools[i].capacity.gpus == 0 => ctx.err(
                    span,
                    format!(
                        "workload `{name}` requests GPUs but its pool `{}` has none",
                        pools[i].name
                    ),
                    Some("set `gpus` on the pool, or choose a GPU pool".into()),
                ),
                None if !any_gpu_pool && !pools.is_empty() => ctx.err(
                    span,
                    format!("workload `{name}` requests GPUs but no pool has GPUs"),
                    Some("add `gpus = 8` (for example) to a pool".into()),
                ),
                _ => {}
            }
        }
        let usage = usage_or_requests(w.usage, req);
        let ports = w
            .ports
            .as_ref()
            .and_then(|p| ctx.int_in(p, 1, 1000, "service ports"))
            .unwrap_or(1) as u32;
        let max_per_node = w
            .max_per_node
            .as_ref()
            .and_then(|m| ctx.int_in(m, 1, limits::MAX_PODS_PER_NODE as i64, "replicas per node"))
            .map(|m| m as u32);
        let sc = w.sidecar.clone().unwrap_or_default();
        let namespace = w
            .namespace
            .as_ref()
            .map_or_else(|| "default".to_string(), |n| n.get_ref().clone());
        let tols = tolerations(ctx, &w.tolerations);
        out.push(Workload {
            name: name.clone(),
            namespace,
            replicas: replicas.unwrap_or(Replicas::Count(1)),
            requests: req,
            limits: cpu_mem(w.limits, Resources::ZERO),
            usage,
            rps_per_replica: rate(ctx, &w.rps, "rate (requests per second)"),
            outbound_rps_per_replica: rate(ctx, &w.outbound_rps, "rate (requests per second)"),
            connections_per_replica: rate(ctx, &w.connections, "connection count"),
            new_connections_per_second: rate(
                ctx,
                &w.new_connections_per_second,
                "rate (connections per second)",
            ),
            ports,
            node_selector,
            tolerations: tols,
            max_per_node,
            priority: w.priority.unwrap_or(0),
            inference: w.inference.unwrap_or(req.wants_gpu()),
            sidecar: SidecarOverride {
                cpu_request_milli: sc.cpu.map(|c| c.0),
                memory_request_bytes: sc.memory.map(|m| m.0),
                cpu_limit_milli: sc.cpu_limit.map(|c| c.0),
                memory_limit_bytes: sc.memory_limit.map(|m| m.0),
            },
        });
    }
    out
}

fn resolve_daemonsets(
    ctx: &mut Ctx<'_>,
    ds: &[Spanned<DaemonSetSection>],
    pools: &[NodePool],
    workloads: &[Workload],
) -> Vec<DaemonSet> {
    let mut names: BTreeSet<String> = workloads.iter().map(|w| w.name.clone()).collect();
    let mut out = Vec::new();
    for sd in ds.iter().take(limits::MAX_WORKLOADS) {
        let d = sd.get_ref();
        let name = d.name.get_ref().clone();
        if !names.insert(name.clone()) {
            ctx.err(
                d.name.span(),
                format!("`{name}` is already the name of a workload or DaemonSet"),
                None,
            );
        }
        let mut node_selector = d.node_selector.clone().unwrap_or_default();
        pool_selector(ctx, &d.pool, pools, &mut node_selector);
        let req = requests(ctx, &d.requests);
        let usage = usage_or_requests(d.usage, req);
        let tols = tolerations(ctx, &d.tolerations);
        out.push(DaemonSet {
            name,
            namespace: d.namespace.clone().unwrap_or_else(|| "kube-system".into()),
            requests: req,
            usage,
            node_selector,
            tolerations: tols,
        });
    }
    out
}

fn namespace_ref(ctx: &mut Ctx<'_>, ns: &Spanned<String>, known: &BTreeSet<String>) -> bool {
    if known.contains(ns.get_ref()) {
        return true;
    }
    let list: Vec<&str> = known.iter().map(String::as_str).collect();
    ctx.err(
        ns.span(),
        format!("no workload runs in namespace `{}`", ns.get_ref()),
        Some(match closest(ns.get_ref(), &list) {
            Some(c) => format!(
                "did you mean `{c}`? namespaces with workloads: {}",
                list.join(", ")
            ),
            None => format!("namespaces with workloads: {}", list.join(", ")),
        }),
    );
    false
}

fn resolve_mesh(
    ctx: &mut Ctx<'_>,
    m: &MeshSection,
    namespaces: &BTreeSet<String>,
) -> meshsim_models::mesh::MeshConfig {
    let preset = match &m.preset {
        None => presets::istio_1_24(),
        Some(p) => match presets::by_name(p.get_ref()) {
            Some(c) => c,
            None => {
                ctx.err(
                    p.span(),
                    format!("unknown preset `{}`", p.get_ref()),
                    Some(choice_help(p.get_ref(), &presets::NAMES)),
                );
                presets::istio_1_24()
            }
        },
    };
    let mut cfg = presets::default_mesh_config(preset);
    apply_overrides(ctx, &mut cfg.costs, m);
    if let Some(r) = &m.requests
        && ctx.choice(r, &["chart-defaults", "right-sized"], "request policy")
            == Some("right-sized")
    {
        let headroom = m
            .headroom
            .as_ref()
            .and_then(|h| ctx.num_in(h, 1.0, 10.0, "headroom"))
            .unwrap_or(1.25);
        cfg.request_policy = RequestPolicy::RightSized { headroom };
    }
    if let (Some(h), RequestPolicy::ChartDefaults) = (&m.headroom, cfg.request_policy) {
        ctx.err(
            h.span(),
            "`headroom` applies only with requests = \"right-sized\"",
            None,
        );
    }
    if let Some(s) = &m.sidecar_scope
        && let Some(v) = ctx.choice(s, &["mesh", "namespace"], "sidecar scope")
    {
        cfg.sidecar_scope = if v == "namespace" {
            SidecarScope::Namespace
        } else {
            SidecarScope::Mesh
        };
    }
    if let Some(ex) = &m.exclude_namespaces {
        cfg.exclude_namespaces = ex.iter().map(|s| s.get_ref().clone()).collect();
    }
    if let Some(wp) = &m.waypoint_namespaces {
        for ns in wp {
            if namespace_ref(ctx, ns, namespaces) {
                cfg.waypoint_namespaces.insert(ns.get_ref().clone());
            }
        }
    }
    if let Some(c) = m.cni_in_sidecar_mode {
        cfg.cni_in_sidecar_mode = c;
    }
    for (ns, mode) in m.namespaces.iter().flatten() {
        let known = namespaces.contains(ns);
        if !known {
            let list: Vec<&str> = namespaces.iter().map(String::as_str).collect();
            ctx.err(
                mode.span(),
                format!("no workload runs in namespace `{ns}`"),
                Some(match closest(ns, &list) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("namespaces with workloads: {}", list.join(", ")),
                }),
            );
        }
        if let Some(v) = ctx.choice(mode, &NS_MODES, "namespace mode")
            && known
        {
            cfg.namespace_modes.insert(ns.clone(), ns_mode(v));
        }
    }
    if let Some(d) = &m.mixed_default
        && let Some(v) = ctx.choice(d, &NS_MODES, "namespace mode")
    {
        cfg.mixed_default = ns_mode(v);
    }
    cfg
}

fn set_mem(dst: &mut f64, v: Option<crate::units::Memory>) {
    if let Some(v) = v {
        *dst = v.0 as f64;
    }
}

fn set_cpu(dst: &mut f64, v: Option<crate::units::Cpu>) {
    if let Some(v) = v {
        *dst = v.0 as f64;
    }
}

fn set_workers(ctx: &mut Ctx<'_>, dst: &mut u32, v: &Option<Spanned<i64>>) {
    if let Some(w) = v
        && let Some(w) = ctx.int_in(w, 1, 256, "worker threads")
    {
        *dst = w as u32;
    }
}

fn set_service_time(
    ctx: &mut Ctx<'_>,
    dst: &mut meshsim_models::delay::DelaySpec,
    v: &Option<Spanned<DistSection>>,
) {
    if let Some(d) = v
        && let Some(x) = crate::latency::delay(ctx, d, "service_time")
    {
        *dst = x;
    }
}

fn sidecar_over(ctx: &mut Ctx<'_>, c: &mut SidecarCosts, s: &Option<SidecarSection>) {
    let Some(s) = s else { return };
    c.request = cpu_mem(s.request, c.request);
    c.limit = cpu_mem(s.limit, c.limit);
    set_mem(&mut c.base_memory_bytes, s.base_memory);
    set_mem(&mut c.memory_per_cluster_bytes, s.memory_per_cluster);
    set_mem(&mut c.memory_per_endpoint_bytes, s.memory_per_endpoint);
    set_cpu(&mut c.base_cpu_milli, s.base_cpu);
    set_cpu(&mut c.cpu_milli_per_1000_rps, s.cpu_per_1000_rps);
    set_workers(ctx, &mut c.workers, &s.workers);
    set_service_time(ctx, &mut c.service_time, &s.service_time);
}

fn node_proxy_over(ctx: &mut Ctx<'_>, c: &mut NodeProxyCosts, s: &Option<NodeProxySection>) {
    let Some(s) = s else { return };
    c.request = cpu_mem(s.request, c.request);
    set_mem(&mut c.base_memory_bytes, s.base_memory);
    set_mem(&mut c.memory_per_local_pod_bytes, s.memory_per_local_pod);
    set_mem(
        &mut c.memory_per_cluster_pod_bytes,
        s.memory_per_cluster_pod,
    );
    set_mem(&mut c.memory_per_connection_bytes, s.memory_per_connection);
    set_mem(&mut c.memory_per_1000_rps_bytes, s.memory_per_1000_rps);
    set_cpu(&mut c.base_cpu_milli, s.base_cpu);
    set_cpu(&mut c.cpu_milli_per_1000_rps, s.cpu_per_1000_rps);
    if let Some(v) = s.cpu_per_new_connection {
        c.cpu_ms_per_new_connection = v.0.as_nanos() as f64 / 1e6;
    }
    if let Some(w) = &s.workers {
        match w.get_ref() {
            toml::Value::String(a) if a == "auto" => c.workers = None,
            toml::Value::Integer(n) => {
                let v = Spanned::new(w.span(), *n);
                if let Some(n) = ctx.int_in(&v, 1, 256, "worker threads") {
                    c.workers = Some(n as u32);
                }
            }
            other => ctx.err(
                w.span(),
                format!("workers must be a number or \"auto\", not {other}"),
                Some(
                    "\"auto\" is max(2, ¼ of the node's cores), as ztunnel does from Istio 1.31"
                        .into(),
                ),
            ),
        }
    }
    set_service_time(ctx, &mut c.service_time, &s.service_time);
}

fn apply_overrides(ctx: &mut Ctx<'_>, c: &mut MeshCosts, m: &MeshSection) {
    sidecar_over(ctx, &mut c.sidecar, &m.sidecar);
    sidecar_over(ctx, &mut c.linkerd_proxy, &m.linkerd_proxy);
    node_proxy_over(ctx, &mut c.ztunnel, &m.ztunnel);
    node_proxy_over(ctx, &mut c.cilium_agent, &m.cilium_agent);
    if let Some(w) = &m.waypoint {
        let wc: &mut WaypointCosts = &mut c.waypoint;
        wc.request = cpu_mem(w.request, wc.request);
        wc.limit = cpu_mem(w.limit, wc.limit);
        if let Some(r) = &w.replicas
            && let Some(r) = ctx.int_in(r, 1, 1000, "waypoint replicas")
        {
            wc.replicas = r as u32;
        }
        set_mem(&mut wc.base_memory_bytes, w.base_memory);
        set_mem(&mut wc.memory_per_1000_rps_bytes, w.memory_per_1000_rps);
        set_cpu(&mut wc.base_cpu_milli, w.base_cpu);
        set_cpu(&mut wc.cpu_milli_per_1000_rps, w.cpu_per_1000_rps);
        set_workers(ctx, &mut wc.workers, &w.workers);
        set_service_time(ctx, &mut wc.service_time, &w.service_time);
    }
    if let Some(f) = &m.istio_cni {
        let fc: &mut FixedCosts = &mut c.istio_cni;
        fc.request = cpu_mem(f.request, fc.request);
        if let Some(u) = f.usage {
            fc.usage = Usage {
                cpu_milli: u.cpu.map_or(fc.usage.cpu_milli, |x| x.0 as f64),
                memory_bytes: u.memory.map_or(fc.usage.memory_bytes, |x| x.0 as f64),
            };
        }
    }
    if let Some(i) = &m.istiod {
        let ic: &mut ControlPlaneCosts = &mut c.istiod;
        ic.request = cpu_mem(i.request, ic.request);
        if let Some(v) = &i.min_replicas
            && let Some(v) = ctx.int_in(v, 1, 100, "istiod replicas")
        {
            ic.min_replicas = v as u32;
        }
        if let Some(v) = &i.max_replicas
            && let Some(v) = ctx.int_in(v, 1, 100, "istiod replicas")
        {
            ic.max_replicas = v as u32;
        }
        if ic.max_replicas < ic.min_replicas
            && let Some(v) = &i.max_replicas
        {
            ctx.err(v.span(), "max_replicas is below min_replicas", None);
        }
        if let Some(v) = &i.hpa_target
            && let Some(v) = ctx.num_in(v, 0.01, 1.0, "HPA target")
        {
            ic.hpa_target = v;
        }
        if let Some(v) = i.base_cpu {
            ic.base.cpu_milli = v.0 as f64;
        }
        if let Some(v) = i.base_memory {
            ic.base.memory_bytes = v.0 as f64;
        }
        if let Some(v) = i.cpu_per_1000_proxies {
            ic.per_proxy.cpu_milli = v.0 as f64 / 1000.0;
        }
        if let Some(v) = i.memory_per_1000_proxies {
            ic.per_proxy.memory_bytes = v.0 as f64 / 1000.0;
        }
    }
}
