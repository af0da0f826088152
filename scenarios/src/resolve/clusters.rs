//! `[[clusters]]`: the Kubernetes clusters a fleet spans, and which cluster each pool, workload
//! and DaemonSet belongs to.
//!
//! Rules: with no `[[clusters]]` the fleet is one cluster and no `cluster` key is allowed. With
//! one, every `cluster` key may be left out (it is that cluster) and the scenario runs exactly as
//! without the table. With several, every pool names its cluster; a workload or DaemonSet names
//! one or takes its pool's, and the two must agree.

use std::collections::BTreeSet;

use meshsim_models::cluster::{ControlPlane, Member, NodePool};
use toml::Spanned;

use crate::ctx::Ctx;
use crate::diag::choice_help;
use crate::file::{ClusterSection, ControlPlaneKind};
use crate::limits;

/// The member clusters, checked: unique names, a remote's primary a primary, pins only where
/// there is something left to compare.
pub(super) fn members(ctx: &mut Ctx<'_>, cs: &[Spanned<ClusterSection>]) -> Vec<Member> {
    if cs.len() > limits::MAX_CLUSTERS {
        ctx.err(
            cs[limits::MAX_CLUSTERS].span(),
            format!(
                "{} clusters is beyond meshsim's limit of {}",
                cs.len(),
                limits::MAX_CLUSTERS
            ),
            None,
        );
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    for c in cs {
        let n = c.get_ref().name.get_ref();
        if !crate::ctx::valid_name(n) {
            ctx.err(
                c.get_ref().name.span(),
                format!(
                    "invalid cluster name `{}`",
                    meshsim_models::names::truncate(n, 100)
                ),
                Some(crate::ctx::NAME_HELP.into()),
            );
        }
        if !seen.insert(n.clone()) {
            ctx.err(
                c.get_ref().name.span(),
                format!("cluster `{n}` is defined twice"),
                None,
            );
        }
    }
    let names: Vec<&str> = cs
        .iter()
        .map(|c| c.get_ref().name.get_ref().as_str())
        .collect();
    let kind = |c: &ClusterSection| {
        c.control_plane
            .as_ref()
            .map_or(ControlPlaneKind::Primary, |k| *k.get_ref())
    };
    let mut out = Vec::new();
    for c in cs.iter().map(Spanned::get_ref) {
        let name = c.name.get_ref().clone();
        let control_plane = match (kind(c), &c.primary) {
            (ControlPlaneKind::Primary, None) => ControlPlane::Primary,
            (ControlPlaneKind::Primary, Some(p)) => {
                ctx.err(
                    p.span(),
                    format!("cluster `{name}`: `primary` applies only to a remote cluster"),
                    Some("set control_plane = \"remote\", or remove `primary`".into()),
                );
                ControlPlane::Primary
            }
            (ControlPlaneKind::Remote, None) => {
                let span = c.control_plane.as_ref().map_or(c.name.span(), |k| k.span());
                ctx.err(
                    span,
                    format!("remote cluster `{name}` names no primary"),
                    Some("add primary = \"<the cluster whose istiod serves it>\"".into()),
                );
                ControlPlane::Primary
            }
            (ControlPlaneKind::Remote, Some(p)) => {
                let pn = p.get_ref();
                match names.iter().position(|n| n == pn) {
                    None => {
                        ctx.err(
                            p.span(),
                            format!("cluster `{name}`: unknown primary cluster `{pn}`"),
                            Some(choice_help(pn, &names)),
                        );
                        ControlPlane::Primary
                    }
                    Some(_) if *pn == name => {
                        ctx.err(
                            p.span(),
                            format!("cluster `{name}` cannot be its own primary"),
                            None,
                        );
                        ControlPlane::Primary
                    }
                    Some(i) if kind(cs[i].get_ref()) == ControlPlaneKind::Remote => {
                        ctx.err(
                            p.span(),
                            format!("cluster `{name}`: its primary `{pn}` is itself a remote cluster"),
                            Some("a remote cluster's primary runs its own istiod (control_plane = \"primary\")".into()),
                        );
                        ControlPlane::Primary
                    }
                    Some(i) => ControlPlane::RemoteOf(i),
                }
            }
        };
        let pinned = c.mode.as_ref().map(|m| *m.get_ref());
        if let Some(m) = &c.mode
            && cs.len() < 2
        {
            ctx.err(
                m.span(),
                format!(
                    "cluster `{name}` is the fleet's only cluster: pinning its mode leaves nothing to compare"
                ),
                Some("remove `mode`, or list the modes to compare in [scenario] modes".into()),
            );
        }
        out.push(Member {
            region: c
                .region
                .as_ref()
                .map_or_else(|| name.clone(), |r| r.get_ref().clone()),
            network: c
                .network
                .as_ref()
                .map_or_else(|| name.clone(), |r| r.get_ref().clone()),
            name,
            control_plane,
            pinned,
        });
    }
    out
}

/// The member named by `key` (of the item `what` called `item`), or `None` with an error.
fn named(
    ctx: &mut Ctx<'_>,
    members: &[Member],
    key: &Spanned<String>,
    what: &str,
    item: &str,
) -> Option<usize> {
    let n = key.get_ref();
    if members.is_empty() {
        ctx.err(
            key.span(),
            format!("{what} `{item}` names cluster `{n}`, but the scenario has no [[clusters]]"),
            Some("add a [[clusters]] table per cluster, or remove `cluster`".into()),
        );
        return None;
    }
    let found = members.iter().position(|m| &m.name == n);
    if found.is_none() {
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        ctx.err(
            key.span(),
            format!("{what} `{item}`: unknown cluster `{n}`"),
            Some(choice_help(n, &names)),
        );
    }
    found
}

/// The member of pool `name`.
pub(super) fn of_pool(
    ctx: &mut Ctx<'_>,
    members: &[Member],
    key: &Option<Spanned<String>>,
    name: &str,
    span: std::ops::Range<usize>,
) -> usize {
    match key {
        Some(k) => named(ctx, members, k, "pool", name).unwrap_or(0),
        None if members.len() > 1 => {
            let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
            ctx.err(
                span,
                format!("pool `{name}` names no cluster, and the fleet has several"),
                Some(format!("add cluster = \"…\", one of: {}", names.join(", "))),
            );
            0
        }
        None => 0,
    }
}

/// The member of a workload or DaemonSet (`what`, called `name`): the one it names, else its
/// pool's, else — in a one-cluster fleet — the only one.
pub(super) fn of_item(
    ctx: &mut Ctx<'_>,
    members: &[Member],
    key: &Option<Spanned<String>>,
    pool: Option<&NodePool>,
    what: &str,
    name: &str,
    span: std::ops::Range<usize>,
) -> usize {
    match (key, pool) {
        (Some(k), p) => {
            let m = named(ctx, members, k, what, name).unwrap_or(0);
            if let Some(p) = p
                && p.member != m
                && members.len() > 1
            {
                ctx.err(
                    k.span(),
                    format!(
                        "{what} `{name}` names cluster `{}`, but its pool `{}` is in cluster `{}`",
                        members[m].name, p.name, members[p.member].name
                    ),
                    Some("leave `cluster` out to take the pool's".into()),
                );
            }
            m
        }
        (None, Some(p)) => p.member,
        (None, None) if members.len() > 1 => {
            let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
            ctx.err(
                span,
                format!("{what} `{name}` names neither a cluster nor a pool, and the fleet has several clusters"),
                Some(format!("add cluster = \"…\", one of: {}", names.join(", "))),
            );
            0
        }
        (None, None) => 0,
    }
}
