//! `meshsim plan`: the migration in waves, and its business case month by month.
//!
//! Today's cluster is the scenario's per-namespace modes (all-sidecar when it has none). Each
//! strategy ([`strategy`]) orders the namespaces' moves; [`schedule`] groups them into waves by
//! the team's capacity; after every wave the half-migrated cluster is placed again for real
//! (mixed mode, [`state`]), so each wave shows what the packer does — memory and CPU freed,
//! inference replicas recovered, the nodes it needs at equal replicas under the scenario's
//! capacity rules and what they cost — not a sum of per-pod deltas. The node agents ambient
//! needs on every node (ztunnel, istio-cni) arrive with the first ambient wave and are reported
//! as their own line. Where the scenario has traffic, each wave's cluster is simulated too, and
//! each call graph's P99 before and after the wave is reported with the paired difference's
//! interval. [`cashflow`] turns waves into a month-by-month timeline.
//!
//! Results do not depend on the thread count: every state is a pure function of its
//! configuration and the scenario's seed, and is the same whichever strategy reaches it.

pub mod cashflow;
pub mod schedule;
pub mod spec;
pub mod state;
pub mod strategy;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::cluster::Cluster;
use crate::fleet_search::CapacityRules;
use crate::latency::{self, LatencyError, LatencyRun, LatencySpec};
use crate::mesh::{MeshConfig, MeshMode, NamespaceMode};
use crate::scheduler::SchedulerConfig;
use crate::study::{EstCell, Progress};

pub use cashflow::{Cashflow, Month};
pub use spec::{Capacity, NamespaceEffort, PlanSpec, YearMonth};
pub use state::State;
pub use strategy::{Candidate, Move, Strategy};

/// Everything a plan needs, borrowed from a validated scenario.
#[derive(Clone, Copy, Debug)]
pub struct PlanInput<'a> {
    /// The fleet.
    pub cluster: &'a Cluster,
    /// The scenario's mesh (today's modes in `namespace_modes`).
    pub mesh: &'a MeshConfig,
    /// Scheduler settings.
    pub scheduler: SchedulerConfig,
    /// Run seed.
    pub seed: u64,
    /// Capacity rules for nodes at equal replicas.
    pub rules: &'a CapacityRules,
    /// Request simulation, when the scenario has traffic (and latency is wanted).
    pub latency: Option<&'a LatencySpec>,
    /// Replications of the request simulation.
    pub replications: u32,
    /// The plan's inputs.
    pub spec: &'a PlanSpec,
}

/// One call graph's P99 across a wave.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainChange {
    /// Traffic source name.
    pub call_graph: String,
    /// P99 before the wave, ms (with its 95 % half-width).
    pub before_p99_ms: EstCell,
    /// P99 after it.
    pub after_p99_ms: EstCell,
    /// After − before, paired by replication.
    pub change_p99_ms: EstCell,
    /// Whether the change's interval excludes 0 (`None` without an interval).
    pub significant: Option<bool>,
}

/// One wave of a strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Wave {
    /// 1-based.
    pub number: u32,
    /// Its moves.
    pub moves: Vec<Move>,
    /// Month at whose end it is cut over.
    pub end_month: u32,
    /// Sprints of its moves (and of the setup, in the first wave).
    pub sprints: f64,
    /// Of which the one-off setup.
    pub setup_sprints: f64,
    /// Pods that lose their per-pod proxy.
    pub pods: u64,
    /// Data-plane request freed by this wave, node agents left out, (millicores, bytes).
    pub request_freed: (i64, i64),
    /// Data-plane usage freed, node agents left out, (millicores, bytes).
    pub usage_freed: (f64, f64),
    /// Node agents (ztunnel, istio-cni on every node) this wave adds: request, (millicores,
    /// bytes) — the first ambient wave's one-off cost.
    pub node_agents_request: (i64, i64),
    /// Their usage, (millicores, bytes).
    pub node_agents_usage: (f64, f64),
    /// Inference replicas this wave recovers.
    pub replicas_gained: i64,
    /// Since today, after this wave.
    pub cumulative_replicas_gained: i64,
    /// Since today, after this wave: data-plane request freed, node agents included.
    pub cumulative_request_freed: (i64, i64),
    /// Nodes fewer than today's cluster needs at equal replicas, after this wave.
    pub nodes_removable: Option<i64>,
    /// Mesh saving per month against today, after this wave, USD.
    pub savings_usd_per_month: Option<f64>,
    /// This wave's part of it.
    pub wave_savings_usd_per_month: Option<f64>,
    /// Pods pending after this wave.
    pub pods_pending: u64,
    /// The first of them and why.
    pub first_pending: Option<String>,
    /// Call graphs' P99 before → after (empty without traffic).
    pub latency: Vec<ChainChange>,
}

/// One strategy's plan.
#[derive(Clone, Debug, PartialEq)]
pub struct StrategyPlan {
    /// Which.
    pub strategy: Strategy,
    /// Its waves.
    pub waves: Vec<Wave>,
    /// Its timeline and figures.
    pub cashflow: Cashflow,
    /// Total effort, sprints (setup included).
    pub sprints: f64,
    /// Effort not done within the horizon.
    pub sprints_beyond_horizon: f64,
    /// Whether every wave's saving is known (priced pools, every wave fits): without it the
    /// payback is not modelled rather than "not within the horizon".
    pub savings_known: bool,
}

impl StrategyPlan {
    /// Month the last wave is cut over.
    pub fn months_to_complete(&self) -> u32 {
        self.waves.last().map_or(0, |w| w.end_month)
    }
}

/// A plan: every strategy, and what the reader must know.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Namespaces that move, with what each gives moved alone.
    pub candidates: Vec<Candidate>,
    /// Per strategy, in [`Strategy`] order.
    pub strategies: Vec<StrategyPlan>,
    /// Today's cluster: nodes needed at equal replicas and their cost.
    pub today_nodes_required: Option<u32>,
    /// Their cost, USD per month.
    pub today_cost_usd_per_month: Option<f64>,
    /// Assumptions behind the figures.
    pub assumptions: Vec<String>,
    /// Figures that are not computed, and why.
    pub warnings: Vec<String>,
}

impl Plan {
    /// The strategy called `s`, if planned.
    pub fn get(&self, s: Strategy) -> Option<&StrategyPlan> {
        self.strategies.iter().find(|p| p.strategy == s)
    }
}

/// Why a plan could not finish.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The request simulation stopped.
    #[error("request simulation: {0}")]
    Latency(#[from] LatencyError),
}

fn freed(a: &state::Eval, b: &state::Eval) -> (i64, i64) {
    (
        a.data_plane_request.cpu_milli as i64 - b.data_plane_request.cpu_milli as i64,
        a.data_plane_request.memory_bytes as i64 - b.data_plane_request.memory_bytes as i64,
    )
}

fn agents_added(a: &state::Eval, b: &state::Eval) -> (i64, i64) {
    (
        b.agents_request.cpu_milli as i64 - a.agents_request.cpu_milli as i64,
        b.agents_request.memory_bytes as i64 - a.agents_request.memory_bytes as i64,
    )
}

/// Today's configuration: the scenario's per-namespace modes, or all-sidecar.
pub fn today(mesh: &MeshConfig) -> MeshConfig {
    crate::migration::current(mesh)
}

/// Namespaces that move, their modes and effort, from today's placement.
pub fn movable(input: &PlanInput<'_>) -> Vec<(String, NamespaceMode, NamespaceMode)> {
    let now = today(input.mesh);
    let modes: Vec<NamespaceMode> = input
        .cluster
        .workloads
        .iter()
        .map(|w| now.workload_mode(MeshMode::Mixed, w))
        .collect();
    let placed = vec![0; input.cluster.workloads.len()];
    strategy::movable(
        input.cluster,
        &modes,
        &placed,
        &input.mesh.waypoint_namespaces,
    )
    .into_iter()
    .map(|(n, f, t, _, _)| (n, f, t))
    .collect()
}

/// Total effort of moving every namespace (setup included), sprints.
pub fn total_sprints(input: &PlanInput<'_>) -> f64 {
    input.spec.setup_sprints
        + movable(input)
            .iter()
            .map(|(n, from, to)| {
                let l4 = if *from == NamespaceMode::Ambient {
                    0.0
                } else {
                    input.spec.l4_sprints(n)
                };
                let wp = if *to == NamespaceMode::AmbientWaypoint {
                    input.spec.waypoint_sprints(n)
                } else {
                    0.0
                };
                l4 + wp
            })
            .sum::<f64>()
}

/// Plans every strategy. Progress is reported by phase, with a step per placement or
/// replication (their number is only known once the moves are ordered).
pub fn plan(input: &PlanInput<'_>, progress: &dyn Progress) -> Result<Plan, PlanError> {
    let spec = input.spec;
    let now_cfg = today(input.mesh);
    let ctx = state::Ctx {
        cluster: input.cluster,
        now: &now_cfg,
        scheduler: input.scheduler,
        seed: input.seed,
        rules: input.rules,
    };
    let mut warnings = Vec::new();
    let mut assumptions = Vec::new();
    progress.phase("placing today's cluster");
    let empty = State::new();
    let first = state::evaluate(&ctx, &empty, None);
    let reference = crate::headline::placed_counts(&first.run);
    let today_eval = state::evaluate(&ctx, &empty, Some(&reference));
    if !today_eval.fits() {
        warnings.push(format!(
            "today's cluster does not fit ({} pod(s) pending: {}): no saving, payback or NPV is computed against it",
            today_eval.pending,
            today_eval.first_pending.clone().unwrap_or_default()
        ));
    } else if today_eval.nodes_required.is_none() {
        warnings.push(
            "no fleet up to 4 × each pool's size places today's pods under the capacity rules: no saving is computed".into(),
        );
    }
    let reference = today_eval.fits().then_some(reference);

    // Candidates and their effect alone.
    let raw = strategy::movable(
        input.cluster,
        &today_eval.run.namespace_modes,
        &crate::headline::placed_counts(&today_eval.run),
        &input.mesh.waypoint_namespaces,
    );
    progress.phase("measuring each namespace alone");
    let alone: Vec<(state::Eval, Option<state::Eval>)> = raw
        .par_iter()
        .map(|(ns, from, target, _, _)| {
            let full = state::evaluate(
                &ctx,
                &State::from([(ns.clone(), *target)]),
                reference.as_deref(),
            );
            let l4 = (*target == NamespaceMode::AmbientWaypoint && *from != NamespaceMode::Ambient)
                .then(|| {
                    state::evaluate(
                        &ctx,
                        &State::from([(ns.clone(), NamespaceMode::Ambient)]),
                        None,
                    )
                });
            progress.step();
            (full, l4)
        })
        .collect();
    // Without a price on any pool, dollars are not modelled: n/m, not $0.
    let priced = input
        .cluster
        .pools
        .iter()
        .any(|p| p.price_per_hour_usd > 0.0);
    if !priced {
        warnings.push(
            "no pool has a price_per_hour: savings, payback, nets and NPV are not computed (n/m); set each pool's price for dollar figures".into(),
        );
    } else if let Some(p) = input
        .cluster
        .pools
        .iter()
        .find(|p| p.price_per_hour_usd == 0.0)
    {
        assumptions.push(format!(
            "pool `{}` has no price_per_hour: its nodes count as free in every saving",
            p.name
        ));
    }
    let saving = |e: &state::Eval| match (today_eval.cost_usd_per_month, e.cost_usd_per_month) {
        (Some(a), Some(b)) if priced => Some(a - b),
        _ => None,
    };
    let candidates: Vec<Candidate> = raw
        .iter()
        .zip(&alone)
        .map(|((ns, from, target, pods, gpu), (full, l4))| {
            let agents = agents_added(&today_eval, full);
            let mem = freed(&today_eval, full).1 + agents.1;
            let replicas = full.inference_replicas as i64 - today_eval.inference_replicas as i64;
            let (l4_replicas, l4_memory_freed) = match l4 {
                Some(e) => (
                    e.inference_replicas as i64 - today_eval.inference_replicas as i64,
                    freed(&today_eval, e).1 + agents_added(&today_eval, e).1,
                ),
                None => (replicas, mem),
            };
            Candidate {
                namespace: ns.clone(),
                from: *from,
                target: *target,
                pods: *pods,
                gpu_inference: *gpu,
                l4_sprints: if *from == NamespaceMode::Ambient {
                    0.0
                } else {
                    spec.l4_sprints(ns)
                },
                waypoint_sprints: if *target == NamespaceMode::AmbientWaypoint {
                    spec.waypoint_sprints(ns)
                } else {
                    0.0
                },
                alone_replicas: replicas,
                alone_memory_freed: mem,
                alone_savings: saving(full),
                l4_replicas,
                l4_memory_freed,
            }
        })
        .collect();
    for c in &candidates {
        if c.target == NamespaceMode::AmbientWaypoint && spec.l7_features(&c.namespace).is_empty() {
            assumptions.push(format!(
                "namespace `{}` gets a waypoint (mesh.waypoint_namespaces) but [migration.namespaces.{}] lists no l7_features: its waypoint adds no effort",
                c.namespace, c.namespace
            ));
        }
    }

    // Strategies, their waves and the states after each wave.
    let mut wanted = vec![
        Strategy::Recommended,
        Strategy::GreedyUsdPerSprint,
        Strategy::ByReplicas,
        Strategy::BigBang,
    ];
    if !spec.order.is_empty() {
        wanted.push(Strategy::UserOrder);
    }
    struct Draft {
        strategy: Strategy,
        moves: Vec<Move>,
        timing: Vec<schedule::WaveTiming>,
        states: Vec<State>,
    }
    let drafts: Vec<Draft> = wanted
        .iter()
        .map(|&s| {
            let (moves, breaks) = strategy::moves(s, &candidates, &spec.order);
            let efforts: Vec<f64> = moves.iter().map(|m| m.sprints).collect();
            let timing = schedule::waves(
                &efforts,
                &breaks,
                spec.setup_sprints,
                spec.capacity,
                s == Strategy::BigBang,
            );
            let mut st = State::new();
            let states = timing
                .iter()
                .map(|w| {
                    for m in &moves[w.moves.clone()] {
                        st.insert(m.namespace.clone(), m.to);
                    }
                    st.clone()
                })
                .collect();
            Draft {
                strategy: s,
                moves,
                timing,
                states,
            }
        })
        .collect();
    let mut keys: BTreeMap<String, State> = BTreeMap::new();
    for d in &drafts {
        for s in &d.states {
            keys.entry(state::key(s)).or_insert_with(|| s.clone());
        }
    }
    keys.remove(&state::key(&empty));
    progress.phase("placing each wave");
    let evals: BTreeMap<String, state::Eval> = keys
        .par_iter()
        .map(|(k, s)| {
            let e = state::evaluate(&ctx, s, reference.as_deref());
            progress.step();
            (k.clone(), e)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    let get = |s: &State| -> &state::Eval {
        if s.is_empty() {
            &today_eval
        } else {
            &evals[&state::key(s)]
        }
    };

    // Latency per state (today's included), every replication in parallel.
    let mut sims: BTreeMap<String, Vec<LatencyRun>> = BTreeMap::new();
    if let Some(lspec) = input.latency {
        progress.phase("simulating requests per wave");
        let mut all: Vec<(&str, &state::Eval)> = vec![("", &today_eval)];
        all.extend(evals.iter().map(|(k, e)| (k.as_str(), e)));
        let tasks: Vec<(usize, u32)> = (0..all.len())
            .flat_map(|i| (0..input.replications).map(move |r| (i, r)))
            .collect();
        let out: Vec<Result<LatencyRun, LatencyError>> = tasks
            .par_iter()
            .map(|&(i, r)| {
                let x = state::simulate(&ctx, all[i].1, lspec, r);
                progress.step();
                x
            })
            .collect();
        for ((i, _), res) in tasks.iter().zip(out) {
            sims.entry(all[*i].0.to_string()).or_default().push(res?);
        }
    }

    let mut strategies = Vec::new();
    for d in drafts {
        let mut waves = Vec::new();
        let mut prev = &today_eval;
        let mut prev_key = String::new();
        for (i, (t, s)) in d.timing.iter().zip(&d.states).enumerate() {
            let e = get(s);
            let k = state::key(s);
            let (fc, fm) = freed(prev, e);
            let agents = agents_added(prev, e);
            let cum = freed(&today_eval, e);
            let moves: Vec<Move> = d.moves[t.moves.clone()].to_vec();
            let pods = moves
                .iter()
                .filter(|m| m.from.has_sidecar())
                .filter_map(|m| candidates.iter().find(|c| c.namespace == m.namespace))
                .map(|c| c.pods)
                .sum();
            let sav = saving(e);
            let prev_sav = if i == 0 { Some(0.0) } else { saving(prev) };
            let latency = match input.latency {
                Some(lspec) => {
                    chain_changes(lspec, &sims[&prev_key], &sims[&k], input.mesh, prev, e)
                }
                None => Vec::new(),
            };
            waves.push(Wave {
                number: i as u32 + 1,
                moves,
                end_month: t.end_month,
                sprints: t.sprints,
                setup_sprints: if i == 0 { spec.setup_sprints } else { 0.0 },
                pods,
                request_freed: (fc + agents.0, fm + agents.1),
                usage_freed: (
                    prev.data_plane_usage.cpu_milli - e.data_plane_usage.cpu_milli
                        + e.agents_usage.cpu_milli
                        - prev.agents_usage.cpu_milli,
                    prev.data_plane_usage.memory_bytes - e.data_plane_usage.memory_bytes
                        + e.agents_usage.memory_bytes
                        - prev.agents_usage.memory_bytes,
                ),
                node_agents_request: agents,
                node_agents_usage: (
                    e.agents_usage.cpu_milli - prev.agents_usage.cpu_milli,
                    e.agents_usage.memory_bytes - prev.agents_usage.memory_bytes,
                ),
                replicas_gained: e.inference_replicas as i64 - prev.inference_replicas as i64,
                cumulative_replicas_gained: e.inference_replicas as i64
                    - today_eval.inference_replicas as i64,
                cumulative_request_freed: cum,
                nodes_removable: today_eval
                    .nodes_required
                    .zip(e.nodes_required)
                    .map(|(a, b)| i64::from(a) - i64::from(b)),
                savings_usd_per_month: sav,
                wave_savings_usd_per_month: sav.zip(prev_sav).map(|(a, b)| a - b),
                pods_pending: e.pending,
                first_pending: e.first_pending.clone(),
                latency,
            });
            if !e.fits() {
                warnings.push(format!(
                    "{}: after wave {} the cluster does not fit ({} pod(s) pending: {}): savings from then on are not computed",
                    d.strategy.as_str(),
                    i + 1,
                    e.pending,
                    e.first_pending.clone().unwrap_or_default()
                ));
            }
            prev = e;
            prev_key = k;
        }
        let (spend, beyond) = schedule::spend(&d.timing, spec.capacity, spec.horizon_months);
        if beyond > 0.0 {
            warnings.push(format!(
                "{}: {beyond:.2} sprint(s) of work fall after the {}-month horizon and are not in its figures",
                d.strategy.as_str(),
                spec.horizon_months
            ));
        }
        let sav: Vec<(u32, Option<f64>)> = waves
            .iter()
            .map(|w| (w.end_month, w.savings_usd_per_month))
            .collect();
        let cashflow =
            cashflow::cashflow(&spend, spec.cost_per_sprint_usd, &sav, spec.discount_rate);
        strategies.push(StrategyPlan {
            savings_known: waves.iter().all(|w| w.savings_usd_per_month.is_some()),
            strategy: d.strategy,
            sprints: d.timing.iter().map(|w| w.sprints).sum(),
            sprints_beyond_horizon: beyond,
            waves,
            cashflow,
        });
    }
    assumptions.push(match (spec.capacity.sprints_per_month, spec.capacity.namespaces_per_wave) {
        (Some(c), None) => format!(
            "the team works {c} sprint(s) a month through the moves in order; the moves done in the same month are cut over together at its end"
        ),
        (Some(c), Some(k)) => format!(
            "the team works {c} sprint(s) a month; every {k} move(s) are cut over together when the last of them is done"
        ),
        (None, Some(k)) => format!(
            "the team cuts over one wave of {k} move(s) a month, paying each wave's effort in its month"
        ),
        (None, None) => "no team capacity given".into(),
    });
    assumptions.push(
        "the payback of meshsim run divides the whole cost by the final saving, as if every namespace moved on day one; the payback month here counts the months the work takes".into(),
    );
    assumptions.push(
        "a wave saves from the month after its cut-over; savings are the mesh saving at equal replicas (nodes the cluster no longer needs under the capacity rules, at their price), not the value of recovered GPU capacity".into(),
    );
    Ok(Plan {
        candidates,
        strategies,
        today_nodes_required: today_eval.nodes_required,
        today_cost_usd_per_month: today_eval.cost_usd_per_month.filter(|_| priced),
        assumptions,
        warnings,
    })
}

/// Each call graph's P99 before and after a wave (paired by replication).
fn chain_changes(
    spec: &LatencySpec,
    before: &[LatencyRun],
    after: &[LatencyRun],
    mesh: &MeshConfig,
    a: &state::Eval,
    b: &state::Eval,
) -> Vec<ChainChange> {
    let modes = [MeshMode::Mixed, MeshMode::Mixed];
    let s = latency::summarise(
        &modes,
        &[before.to_vec(), after.to_vec()],
        &spec.traffic,
        spec.utilisation_warning,
        Some(MeshMode::Mixed),
    );
    let unmodelled = |e: &state::Eval| {
        mesh.costs
            .unmodelled(e.run.namespace_modes.iter().copied())
            .latency
    };
    let ok = !unmodelled(a) && !unmodelled(b);
    spec.traffic
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let (x, y) = (&s[0].dists[1 + k], &s[1].dists[1 + k]);
            let valid = ok && x.valid() && y.valid();
            let p99 = |d: &latency::DistSummary| {
                latency::lookup(&d.stats, "p99")
                    .filter(|_| valid)
                    .map(latency::Estimate::cell)
            };
            let change = latency::lookup(&y.vs_current, "p99").filter(|_| valid);
            ChainChange {
                call_graph: t.name.clone(),
                before_p99_ms: p99(x),
                after_p99_ms: p99(y),
                change_p99_ms: change.map(latency::Estimate::cell),
                significant: change.and_then(latency::Estimate::significant),
            }
        })
        .collect()
}
