//! The Services calls and traffic name: each workload backs one, its `service` (by default its
//! own name); workloads in several clusters that back one Service are merged into one, as
//! Istio merges a Service of the same name and namespace across the clusters of a mesh.

use std::collections::BTreeMap;

use meshsim_models::cluster::Cluster;
use meshsim_models::latency::ReplicatedService;
use toml::Spanned;

use crate::ctx::{Ctx, valid_name};
use crate::diag::choice_help;
use crate::file::ScenarioFile;

/// The fleet's Services.
pub(super) struct Services {
    /// Service name → its workloads, in workload order.
    by_name: BTreeMap<String, Vec<usize>>,
    /// Per workload, the Service it backs.
    of: Vec<String>,
}

impl Services {
    /// Reads every workload's `service`: the workloads of one Service must be in one
    /// namespace and in distinct clusters.
    pub(super) fn read(ctx: &mut Ctx<'_>, f: &ScenarioFile, cluster: &Cluster) -> Self {
        let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut of = Vec::with_capacity(cluster.workloads.len());
        for (i, (sw, w)) in f.workloads.iter().zip(&cluster.workloads).enumerate() {
            if let Some(s) = &sw.get_ref().service
                && !valid_name(s.get_ref())
            {
                ctx.err(
                    s.span(),
                    format!(
                        "invalid Service name `{}`",
                        meshsim_models::names::truncate(s.get_ref(), 100)
                    ),
                    Some(crate::ctx::NAME_HELP.into()),
                );
            }
            let name = w.service_name().to_string();
            let members = by_name.entry(name.clone()).or_default();
            if let Some(&other) = members.first() {
                let o = &cluster.workloads[other];
                let at = sw
                    .get_ref()
                    .service
                    .as_ref()
                    .map_or(sw.span(), Spanned::span);
                if o.namespace != w.namespace {
                    ctx.err(
                        at.clone(),
                        format!(
                            "Service `{name}` is backed by `{}` in namespace `{}` and by `{}` in `{}`: one Service lives in one namespace",
                            o.name, o.namespace, w.name, w.namespace
                        ),
                        Some("give the workloads one namespace, or Services of their own".into()),
                    );
                }
                if let Some(&same) = members
                    .iter()
                    .find(|&&k| cluster.workloads[k].member == w.member)
                {
                    let place = cluster
                        .members
                        .get(w.member)
                        .map_or("the cluster".to_string(), |m| {
                            format!("cluster `{}`", m.name)
                        });
                    ctx.err(
                        at,
                        format!(
                            "Service `{name}` is backed by `{}` and by `{}`, both in {place}: meshsim gives a Service one workload per cluster",
                            cluster.workloads[same].name, w.name
                        ),
                        Some("merge them into one workload with their replicas summed, or give one a Service of its own".into()),
                    );
                }
            }
            members.push(i);
            of.push(name);
        }
        Services { by_name, of }
    }

    /// The workload a call or traffic entry naming Service `name` targets (its first), or a
    /// located error.
    pub(super) fn target(
        &self,
        ctx: &mut Ctx<'_>,
        name: &Spanned<String>,
        cluster: &Cluster,
        what: &str,
    ) -> Option<usize> {
        let n = name.get_ref();
        if let Some(ws) = self.by_name.get(n) {
            return ws.first().copied();
        }
        if let Some(i) = cluster.workloads.iter().position(|w| &w.name == n) {
            ctx.err(
                name.span(),
                format!(
                    "{what} `{n}` is a workload that backs Service `{}`: calls name the Service",
                    self.of[i]
                ),
                Some(format!("write `{}`", self.of[i])),
            );
            return None;
        }
        let names: Vec<&str> = self.by_name.keys().map(String::as_str).collect();
        ctx.err(
            name.span(),
            format!("{what} `{n}` is not a workload or Service"),
            Some(choice_help(n, &names)),
        );
        None
    }

    /// Every workload of the Service `target` backs (`target` alone unless several do).
    pub(super) fn backing(&self, target: usize) -> &[usize] {
        self.of
            .get(target)
            .and_then(|n| self.by_name.get(n))
            .map_or(&[], Vec::as_slice)
    }

    /// The Services several workloads back.
    pub(super) fn replicated(&self) -> Vec<ReplicatedService> {
        self.by_name
            .iter()
            .filter(|(_, ws)| ws.len() > 1)
            .map(|(name, ws)| ReplicatedService {
                name: name.clone(),
                workloads: ws.clone(),
            })
            .collect()
    }
}
