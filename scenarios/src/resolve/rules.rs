//! `[capacity_rules]`: what a right-sized fleet keeps free and spare, per kind of pool and per
//! pool.

use meshsim_models::cluster::NodePool;
use meshsim_models::fleet_search::{CapacityRules, PoolRules};

use crate::ctx::Ctx;
use crate::diag::choice_help;
use crate::file::{CapacityRulesSection, PoolRulesSection};

/// `base` with the keys `s` sets.
fn pool_rules(ctx: &mut Ctx<'_>, base: PoolRules, s: &PoolRulesSection) -> PoolRules {
    let mut r = base;
    if let Some(h) = &s.cpu_headroom
        && let Some(v) = ctx.num_in(h, 0.0, 0.9, "CPU headroom (share of allocatable)")
    {
        r.cpu_headroom = v;
    }
    if let Some(h) = &s.memory_headroom
        && let Some(v) = ctx.num_in(h, 0.0, 0.9, "memory headroom (share of allocatable)")
    {
        r.memory_headroom = v;
    }
    if let Some(n) = &s.min_nodes
        && let Some(v) = ctx.int_in(n, 0, crate::limits::MAX_NODES_PER_POOL as i64, "nodes")
    {
        r.min_nodes = v as u32;
    }
    if let Some(n) = &s.min_nodes_per_zone
        && let Some(v) = ctx.int_in(n, 0, 10_000, "nodes per zone")
    {
        r.min_nodes_per_zone = v as u32;
    }
    if let Some(b) = s.n_plus_one {
        r.n_plus_one = b;
    }
    r
}

/// The rules, defaults first, then the file's kinds, then its pools (by name).
pub(super) fn resolve(
    ctx: &mut Ctx<'_>,
    s: Option<&CapacityRulesSection>,
    pools: &[NodePool],
) -> CapacityRules {
    let mut rules = CapacityRules::default();
    let Some(s) = s else {
        return rules;
    };
    if let Some(c) = &s.cpu_pools {
        rules.cpu_pools = pool_rules(ctx, rules.cpu_pools, c);
    }
    if let Some(g) = &s.gpu_pools {
        rules.gpu_pools = pool_rules(ctx, rules.gpu_pools, g);
    }
    for (name, ps) in s.pools.iter().flatten() {
        let Some(i) = pools.iter().position(|p| &p.name == name) else {
            let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
            ctx.err(
                ps.span(),
                format!("capacity_rules.pools: no pool `{name}`"),
                Some(choice_help(name, &names)),
            );
            continue;
        };
        let base = rules.of(i, &pools[i]);
        let r = pool_rules(ctx, base, ps.get_ref());
        rules.overrides.push((i, r));
    }
    rules
}
