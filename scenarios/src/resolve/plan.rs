//! `[migration]`: the headline's effort, and what `meshsim plan` needs — effort per namespace,
//! L7 features, team capacity, money and time. A plan's keys that are missing are not an error
//! for `meshsim run`; they are kept as a located diagnostic that `meshsim plan` reports.

use std::collections::{BTreeMap, BTreeSet};

use meshsim_models::cluster::Cluster;
use meshsim_models::headline::Migration;
use meshsim_models::mesh::MeshConfig;
use meshsim_models::plan::{self, Capacity, NamespaceEffort, PlanInput, PlanSpec, YearMonth};
use toml::Spanned;

use crate::ctx::Ctx;
use crate::diag::{Diagnostic, closest};
use crate::file::*;

/// Most L7 features listed for one namespace.
const MAX_FEATURES: usize = 64;

const PLAN_KEYS: &str = "`cost_per_sprint`, `namespace_sprints` and `sprints_per_month` (or `namespaces_per_wave`); optionally `l7_feature_sprints`, `setup_sprints`, `horizon_months`, `start_month`, `discount_rate`, `order` and [migration.namespaces.NAME] tables (see scenarios/SCHEMA.md)";

fn effort(ctx: &mut Ctx<'_>, v: &Option<Spanned<f64>>, what: &str) -> Option<f64> {
    v.as_ref().and_then(|x| ctx.num_in(x, 0.0, 1e6, what))
}

fn namespace_known(
    ctx: &mut Ctx<'_>,
    span: std::ops::Range<usize>,
    ns: &str,
    known: &BTreeSet<String>,
) -> bool {
    if known.contains(ns) {
        return true;
    }
    let list: Vec<&str> = known.iter().map(String::as_str).collect();
    ctx.err(
        span,
        format!("no workload runs in namespace `{ns}`"),
        Some(match closest(ns, &list) {
            Some(c) => format!(
                "did you mean `{c}`? namespaces with workloads: {}",
                list.join(", ")
            ),
            None => format!("namespaces with workloads: {}", list.join(", ")),
        }),
    );
    false
}

/// What `[migration]` resolves to: the headline's effort (if any) and the plan (or why there
/// is none).
pub(super) struct Resolved {
    pub migration: Option<Migration>,
    pub plan: Result<PlanSpec, Box<Diagnostic>>,
}

#[allow(
    clippy::too_many_arguments,
    reason = "the parts of a scenario the section refers to"
)]
pub(super) fn resolve(
    ctx: &mut Ctx<'_>,
    section: Option<&Spanned<MigrationSection>>,
    cluster: &Cluster,
    mesh: &MeshConfig,
    namespaces: &BTreeSet<String>,
    scheduler: meshsim_models::scheduler::SchedulerConfig,
    seed: u64,
    rules: &meshsim_models::fleet_search::CapacityRules,
) -> Resolved {
    let Some(sec) = section else {
        let mut d = ctx.src.whole("the scenario has no [migration] section: `meshsim plan` needs the effort and the team's capacity");
        d.help = Some(format!("add [migration] with {PLAN_KEYS}"));
        return Resolved {
            migration: None,
            plan: Err(Box::new(d)),
        };
    };
    let m = sec.get_ref();
    let cost = ctx.num_in(&m.cost_per_sprint, 0.0, 1e12, "cost per sprint (USD)");
    let horizon = match &m.horizon_months {
        None => Some(24),
        Some(h) => ctx.int_in(h, 1, 600, "months (horizon)"),
    };
    let total = effort(ctx, &m.sprints, "sprint count");
    let base = effort(
        ctx,
        &m.namespace_sprints,
        "sprint count (namespace_sprints)",
    );
    let l7 = effort(
        ctx,
        &m.l7_feature_sprints,
        "sprint count (l7_feature_sprints)",
    )
    .unwrap_or(0.0);
    let setup = effort(ctx, &m.setup_sprints, "sprint count (setup_sprints)").unwrap_or(0.0);
    let rate = m.sprints_per_month.as_ref().and_then(|v| {
        let x = *v.get_ref();
        if x.is_finite() && x > 0.0 && x <= 1e6 {
            Some(x)
        } else {
            ctx.err(
                v.span(),
                format!("{x} sprints per month: the team's capacity must be more than 0 (and at most 1000000)"),
                Some("a team of two engineers on two-week sprints does about 2 sprints a month".into()),
            );
            None
        }
    });
    let per_wave = m
        .namespaces_per_wave
        .as_ref()
        .and_then(|v| ctx.int_in(v, 1, 100_000, "namespaces per wave"))
        .map(|x| x as u32);
    let start = m.start_month.as_ref().and_then(|v| {
        let p = YearMonth::parse(v.get_ref());
        if p.is_none() {
            ctx.err(
                v.span(),
                format!("`{}` is not a month", v.get_ref()),
                Some(
                    "write the calendar month of plan month 1 as YYYY-MM, e.g. \"2027-01\"".into(),
                ),
            );
        }
        p
    });
    let discount = m
        .discount_rate
        .as_ref()
        .and_then(|v| ctx.num_in(v, 0.0, 1.0, "annual discount rate (0.08 = 8 %)"));

    // Per-namespace overrides.
    let mut per_ns: BTreeMap<String, NamespaceEffort> = BTreeMap::new();
    for (ns, t) in m.namespaces.iter().flatten() {
        if !namespace_known(ctx, t.span(), ns, namespaces) {
            continue;
        }
        let s = t.get_ref();
        let sprints = effort(ctx, &s.sprints, "sprint count");
        let mut features: Vec<String> = Vec::new();
        for f in s.l7_features.iter().flatten() {
            let name = f.get_ref().trim();
            if name.is_empty() || name.len() > 100 {
                ctx.err(
                    f.span(),
                    "an L7 feature is named by 1 to 100 characters",
                    None,
                );
            } else if features.iter().any(|x| x == name) {
                ctx.err(
                    f.span(),
                    format!("L7 feature `{name}` is listed twice"),
                    None,
                );
            } else {
                features.push(name.to_string());
            }
        }
        if features.len() > MAX_FEATURES {
            ctx.err(
                t.span(),
                format!(
                    "{} L7 features is beyond meshsim's limit of {MAX_FEATURES}",
                    features.len()
                ),
                None,
            );
        }
        if !features.is_empty() && !mesh.waypoint_namespaces.contains(ns) {
            ctx.err(
                t.span(),
                format!("namespace `{ns}` lists L7 features but is not in mesh.waypoint_namespaces"),
                Some(format!("in ambient, L7 features are kept by a waypoint: add \"{ns}\" to mesh.waypoint_namespaces, or drop its l7_features")),
            );
        }
        per_ns.insert(
            ns.clone(),
            NamespaceEffort {
                sprints,
                l7_features: features,
            },
        );
    }

    let spec = (|| {
        Some(PlanSpec {
            cost_per_sprint_usd: cost?,
            namespace_sprints: base.unwrap_or(0.0),
            l7_feature_sprints: l7,
            setup_sprints: setup,
            capacity: Capacity {
                sprints_per_month: rate,
                namespaces_per_wave: per_wave,
            },
            horizon_months: horizon? as u32,
            start_month: start,
            discount_rate: discount,
            namespaces: per_ns,
            order: Vec::new(),
        })
    })();
    let Some(mut spec) = spec else {
        return Resolved {
            migration: None,
            plan: Err(Box::new(ctx.src.whole("[migration] has errors"))),
        };
    };

    // The user's order: namespaces that move, each once.
    let input = PlanInput {
        cluster,
        mesh,
        scheduler,
        seed,
        rules,
        latency: None,
        replications: 1,
        spec: &spec,
    };
    let movable = plan::movable(&input);
    let total_plan = plan::total_sprints(&input);
    let mut order = Vec::new();
    for n in m.order.iter().flatten() {
        let ns = n.get_ref();
        if !namespace_known(ctx, n.span(), ns, namespaces) {
            continue;
        }
        if order.contains(ns) {
            ctx.err(
                n.span(),
                format!("namespace `{ns}` is listed twice in the order"),
                None,
            );
        } else if !movable.iter().any(|x| &x.0 == ns) {
            let moving: Vec<&str> = movable.iter().map(|x| x.0.as_str()).collect();
            ctx.err(
                n.span(),
                format!("namespace `{ns}` has nothing to move: it has no per-pod proxies today and needs no waypoint"),
                Some(format!("namespaces that move: {}", if moving.is_empty() { "none".to_string() } else { moving.join(", ") })),
            );
        } else {
            order.push(ns.clone());
        }
    }
    spec.order = order;

    let migration = match (total, cost, horizon) {
        (Some(t), Some(c), Some(h)) => Some(Migration {
            sprints: t,
            cost_per_sprint_usd: c,
            horizon_months: h as u32,
        }),
        (None, Some(_), Some(_)) if base.is_some() && total_plan > 1e6 => {
            ctx.err(
                sec.span(),
                format!("the plan's total effort, {total_plan} sprints (setup and every namespace), is beyond meshsim's limit of 1000000"),
                Some("lower the sprint figures, or give the total as `sprints`".into()),
            );
            None
        }
        (None, Some(c), Some(h)) if base.is_some() => Some(Migration {
            sprints: total_plan,
            cost_per_sprint_usd: c,
            horizon_months: h as u32,
        }),
        (None, _, _) if base.is_none() && m.sprints.is_none() => {
            ctx.err(
                sec.span(),
                "[migration] gives neither `sprints` (the total effort) nor `namespace_sprints` (the effort per namespace)",
                Some(format!("for the headline's payback give `sprints`; for `meshsim plan` give {PLAN_KEYS}")),
            );
            None
        }
        _ => None,
    };
    let plan = if base.is_none() {
        Err(Box::new(ctx.diag(
            sec.span(),
            "[migration] has no `namespace_sprints`: `meshsim plan` needs the effort of moving each namespace",
            Some(format!("give {PLAN_KEYS}")),
        )))
    } else if m.sprints_per_month.is_none() && m.namespaces_per_wave.is_none() {
        Err(Box::new(ctx.diag(
            sec.span(),
            "[migration] gives no team capacity: `meshsim plan` needs `sprints_per_month` or `namespaces_per_wave`",
            Some("e.g. sprints_per_month = 2 (two engineers on two-week sprints)".into()),
        )))
    } else {
        Ok(spec)
    };
    Resolved { migration, plan }
}
