//! The fleet as written: node pools, workloads and DaemonSets, with their references checked.

use std::collections::{BTreeMap, BTreeSet};

use meshsim_models::cluster::{
    DaemonSet, Member, NodePool, Replicas, SidecarOverride, Taint, Toleration, TolerationOperator,
    Workload,
};
use meshsim_models::resources::{MIB, Resources, Usage};
use toml::Spanned;

use crate::POOL_LABEL;
use crate::ctx::{Ctx, valid_name};
use crate::diag::choice_help;
use crate::file::*;
use crate::limits;

/// What a pod uses: the stated usage, each resource defaulting to its request.
fn usage_or_requests(usage: Option<CpuMem>, req: Resources) -> Usage {
    let u = usage.unwrap_or_default();
    Usage {
        cpu_milli: u.cpu.map_or(req.cpu_milli, |c| c.0) as f64,
        memory_bytes: u.memory.map_or(req.memory_bytes, |m| m.0) as f64,
    }
}

/// `false` (with an error) when there are more than `max` items.
fn within_count<T>(ctx: &mut Ctx<'_>, items: &[Spanned<T>], max: usize, what: &str) -> bool {
    if items.len() > max {
        ctx.err(
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
    ctx: &mut Ctx<'_>,
    name: &Spanned<String>,
    what: &str,
    seen: &mut BTreeSet<String>,
) -> String {
    let n = name.get_ref().clone();
    if !valid_name(&n) {
        ctx.err(
            name.span(),
            format!(
                "invalid {what} name `{}`",
                meshsim_models::names::truncate(&n, 100)
            ),
            Some(crate::ctx::NAME_HELP.into()),
        );
    }
    if !seen.insert(n.clone()) {
        ctx.err(name.span(), format!("{what} `{n}` is defined twice"), None);
    }
    n
}

pub(super) fn cpu_mem(c: Option<CpuMem>, default: Resources) -> Resources {
    match c {
        None => default,
        Some(c) => Resources::cpu_mem(
            c.cpu.map_or(default.cpu_milli, |x| x.0),
            c.memory.map_or(default.memory_bytes, |x| x.0),
        ),
    }
}

pub(super) fn pools(
    ctx: &mut Ctx<'_>,
    pools: &[Spanned<PoolSection>],
    members: &[Member],
) -> Vec<NodePool> {
    if !within_count(ctx, pools, limits::MAX_POOLS, "pools") {
        return Vec::new();
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for sp in pools {
        let p = sp.get_ref();
        let name = unique_name(ctx, &p.name, "pool", &mut names);
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
        let taints: Vec<Taint> = p
            .taints
            .iter()
            .flatten()
            .map(|t| {
                let tr = t.get_ref();
                Taint {
                    key: tr.key.clone(),
                    value: tr.value.clone(),
                    effect: tr.effect,
                }
            })
            .collect();
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
            member: super::clusters::of_pool(ctx, members, &p.cluster, &name, p.name.span()),
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
        let operator = t
            .operator
            .as_ref()
            .map_or(TolerationOperator::Equal, |o| *o.get_ref());
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
            effect: t.effect,
        });
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

pub(super) fn workloads(
    ctx: &mut Ctx<'_>,
    ws: &[Spanned<WorkloadSection>],
    pools: &[NodePool],
    any_gpu_pool: bool,
    members: &[Member],
) -> Vec<Workload> {
    if !within_count(ctx, ws, limits::MAX_WORKLOADS, "workloads") {
        return Vec::new();
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for sw in ws {
        let w = sw.get_ref();
        let name = unique_name(ctx, &w.name, "workload", &mut names);
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
        if let Some(u) = w.sidecar_usage
            && (u.cpu.is_none() || u.memory.is_none())
        {
            ctx.err(
                w.name.span(),
                format!("`{name}`: `sidecar_usage` needs both `cpu` and `memory`"),
                None,
            );
        }
        let member = super::clusters::of_item(
            ctx,
            members,
            &w.cluster,
            pool.map(|i| &pools[i]),
            "workload",
            &name,
            w.name.span(),
        );
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
                usage: w.sidecar_usage.map(|u| Usage {
                    cpu_milli: u.cpu.map_or(0, |c| c.0) as f64,
                    memory_bytes: u.memory.map_or(0, |m| m.0) as f64,
                }),
            },
            meshed: w.meshed.unwrap_or(true),
            member,
            service: w
                .service
                .as_ref()
                .map(|s| s.get_ref().clone())
                .filter(|s| *s != name),
        });
    }
    out
}

pub(super) fn daemonsets(
    ctx: &mut Ctx<'_>,
    ds: &[Spanned<DaemonSetSection>],
    pools: &[NodePool],
    workloads: &[Workload],
    members: &[Member],
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
        let pool = pool_selector(ctx, &d.pool, pools, &mut node_selector);
        let member = super::clusters::of_item(
            ctx,
            members,
            &d.cluster,
            pool.map(|i| &pools[i]),
            "DaemonSet",
            &name,
            d.name.span(),
        );
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
            member,
        });
    }
    out
}
