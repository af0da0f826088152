//! From the file as written to a validated [`Scenario`]: defaults applied, references checked,
//! numbers bounded before they size anything. Every problem becomes a located diagnostic
//! (collected, not just the first; see [`Ctx`]).
//!
//! | file | what it checks |
//! |---|---|
//! | `clusters.rs` | `[[clusters]]`: member clusters, and each item's cluster |
//! | `cluster.rs` | pools, workloads, DaemonSets, tolerations, requests |
//! | `mesh.rs` | the preset, per-figure overrides, namespace modes |
//! | `latency.rs` | `[latency]`, services' processing and calls, `[[traffic]]` |
//! | `services.rs` | the Services calls name, and those several clusters back |
//! | `arrival.rs` | one validator per arrival process |
//! | `dist.rs` | one validator per distribution family |
//! | `plan.rs` | `[migration]`: the headline's effort and `meshsim plan`'s inputs |
//! | `autoscaling.rs` | `[autoscaling]`: load over time, HPAs, the cluster autoscaler |

mod arrival;
mod autoscaling;
mod cluster;
mod clusters;
pub(crate) mod dist;
mod latency;
mod mesh;
mod plan;
mod rules;
mod services;

use std::collections::BTreeSet;

use meshsim_models::cluster::{Cluster, Replicas};
use meshsim_models::mesh::MeshMode;
use meshsim_models::scheduler::SchedulerConfig;

use crate::Scenario;

use crate::ctx::{Ctx, valid_name};
use crate::file::*;
use crate::limits;
pub use mesh::load_preset_file;
pub(crate) use mesh::{is_preset_file, named_preset};

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
            Some(crate::ctx::NAME_HELP.to_string() + ": it names the output directory"),
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
    let members = clusters::members(ctx, &f.clusters);
    let pools = cluster::pools(ctx, &f.pools, &members);
    let any_gpu_pool = pools.iter().any(|p| p.capacity.gpus > 0);
    let workloads = cluster::workloads(ctx, &f.workloads, &pools, any_gpu_pool, &members);
    let daemonsets = cluster::daemonsets(ctx, &f.daemonsets, &pools, &workloads, &members);
    let namespaces: BTreeSet<String> = workloads.iter().map(|w| w.namespace.clone()).collect();
    let mesh = mesh::resolve(ctx, &f.mesh, &namespaces, base_dir);

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
                    Some(format!(
                        "list one or more of: {}",
                        MeshMode::names().join(", ")
                    )),
                );
            }
            let mut out = Vec::new();
            for m in list.get_ref() {
                let mode = *m.get_ref();
                if out.contains(&mode) {
                    ctx.err(
                        m.span(),
                        format!("mode `{}` is listed twice", mode.as_str()),
                        None,
                    );
                } else {
                    out.push(mode);
                }
            }
            out
        }
    };

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
        ctx.whole(
            "the scenario has no node pools",
            Some("add at least one [[pools]] table with name, count, cpu and memory".into()),
        );
    }
    let rules = rules::resolve(ctx, f.capacity_rules.as_ref(), &pools);
    let current = match &meta.current {
        Some(c) => Some(*c.get_ref()),
        None if !mesh.namespace_modes.is_empty() => Some(MeshMode::Mixed),
        None => Some(MeshMode::Sidecar),
    };
    let cluster = Cluster {
        pools,
        workloads,
        daemonsets,
        members,
    };
    let migration = plan::resolve(
        ctx,
        f.migration.as_ref(),
        &cluster,
        &mesh,
        &namespaces,
        scheduler,
        seed,
        &rules,
    );
    let latency = latency::resolve(ctx, f, &cluster, base_dir, modes.len(), replications);
    let autoscaling = autoscaling::resolve(ctx, f.autoscaling.as_ref(), &cluster, base_dir);
    if let (Some(a), true) = (&f.autoscaling, cluster.is_multicluster()) {
        ctx.err(
            a.span(),
            "[autoscaling] is not simulated for a fleet of several clusters yet: its day places pods with one scheduler over every pool",
            Some("run each cluster's day as a scenario of its own, or remove [autoscaling]".into()),
        );
    }
    if let (Some(a), Some((l, _))) = (&autoscaling, &latency) {
        autoscaling::check_windows(
            ctx,
            f.autoscaling.as_ref(),
            a,
            l,
            &cluster,
            modes.len(),
            replications,
        );
    }
    if ctx.failed() {
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
        migration: migration.migration,
        plan: migration.plan,
        current,
        rules,
        latency,
        traces,
        autoscaling,
    })
}

fn resolve_scheduler(ctx: &mut Ctx<'_>, s: &SchedulerSection) -> SchedulerConfig {
    let gpu_weight = s
        .gpu_weight
        .as_ref()
        .and_then(|w| ctx.int_in(w, 0, 100, "(GPU weight)"))
        .unwrap_or(0) as u32;
    SchedulerConfig {
        strategy: s.strategy.unwrap_or_default(),
        gpu_weight,
        tie_break: s.tie_break.unwrap_or_default(),
    }
}
