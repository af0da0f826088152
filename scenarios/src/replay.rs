//! Replay scenarios (`meshsim replay`): a cluster and a workload from openb tables, how the
//! pods arrive, the policies and seeds to compare, and optionally the mesh overlays.
//!
//! ```toml
//! [scenario]
//! name = "fgd-openb-default"
//!
//! [replay]
//! nodes = "../data/openb/openb_node_list_gpu_node.csv"   # relative to this file
//! pods = "../data/openb/openb_pod_list_default.csv"
//! protocol = "fgd"             # or "trace"
//! tune_ratio = 1.3             # fgd: GPU requests arrived, as a share of GPU capacity
//! policies = ["random", "dot-prod", "gpu-clustering", "gpu-packing", "best-fit", "fgd"]
//! seeds = [42, 43, 44, 45, 46, 47, 48, 49, 50, 51]
//!
//! [mesh]                       # optional
//! preset = "istio-1.24"
//! overlays = ["none", "sidecar", "sidecar-right-sized", "ambient"]
//! ```

use std::path::{Path, PathBuf};

use meshsim_core::time::SimDuration;
use meshsim_models::presets;
use meshsim_models::replay::study::ReplayStudy;
use meshsim_models::replay::{DaemonSetPod, Overlay, OverlayKind, Protocol, ReplayNode, ReplayPod};
use meshsim_models::scheduler::policies::Policy;
use serde::Deserialize;
use toml::Spanned;

use crate::ctx::{Ctx, NAME_HELP, valid_name};
use crate::diag::{Diagnostics, Source, choice_help, from_toml_error};
use crate::units::Duration;

/// Most seeds of one replay.
pub const MAX_SEEDS: usize = 1000;
/// Most runs (policies × seeds × overlays) of one replay.
pub const MAX_RUNS: usize = 10_000;
/// Most timeline samples over all runs (runs × trace span / `sample_every`).
pub const MAX_SAMPLES: u64 = 10_000_000;
/// Highest arrived share reported, %.
pub const MAX_PCT: i64 = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    scenario: Spanned<Meta>,
    replay: Spanned<Section>,
    #[serde(default)]
    mesh: Option<Spanned<MeshSection>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    #[serde(default)]
    nodes: Option<Spanned<String>>,
    #[serde(default)]
    pods: Option<Spanned<String>>,
    #[serde(default)]
    scenario: Option<Spanned<String>>,
    #[serde(default)]
    protocol: Option<Spanned<String>>,
    #[serde(default)]
    tune_ratio: Option<Spanned<f64>>,
    #[serde(default)]
    retry: Option<Spanned<bool>>,
    #[serde(default)]
    sample_every: Option<Spanned<Duration>>,
    policies: Spanned<Vec<Spanned<String>>>,
    seeds: Spanned<Vec<Spanned<i64>>>,
    #[serde(default)]
    max_pods: Option<Spanned<i64>>,
    #[serde(default)]
    report_pct: Option<Spanned<Vec<Spanned<i64>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeshSection {
    #[serde(default)]
    preset: Option<Spanned<String>>,
    overlays: Spanned<Vec<Spanned<String>>>,
}

/// A file a replay read its cluster or workload from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputFile {
    /// `nodes`, `pods` or `scenario`.
    pub role: &'static str,
    /// Where it was read.
    pub path: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// A validated replay scenario with its tables read.
#[derive(Clone, Debug)]
pub struct ReplayScenario {
    /// Name (names the output directory).
    pub name: String,
    /// What it answers.
    pub description: String,
    /// The files the cluster and workload were read from: (`nodes`, `pods`) or `scenario`,
    /// each with its path and SHA-256.
    pub inputs: Vec<InputFile>,
    /// The cluster's own DaemonSets (from a scenario source).
    pub daemonsets: Vec<DaemonSetPod>,
    /// Nodes.
    pub nodes: Vec<ReplayNode>,
    /// Pods.
    pub pods: Vec<ReplayPod>,
    /// How pods arrive.
    pub protocol: Protocol,
    /// Sampling period of the time series (trace protocol).
    pub sample_every: Option<SimDuration>,
    /// Policies, in the order given.
    pub policies: Vec<Policy>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Mesh preset the overlays take their requests from: a built-in's name, or a preset file's
    /// absolute path.
    pub preset: String,
    /// Where a preset file's figures come from (`None` for a built-in).
    pub preset_origin: Option<String>,
    /// Overlays, in the order given (`none` alone without `[mesh]`).
    pub overlays: Vec<Overlay>,
    /// Most pods per node.
    pub max_pods: u32,
    /// Arrived shares the summary reports, %.
    pub report_pct: Vec<u32>,
}

impl ReplayScenario {
    /// The highest arrived share the curves run to: the largest reported one, and at least
    /// the FGD protocol's target.
    pub fn max_pct(&self) -> u32 {
        let target = match self.protocol {
            Protocol::Fgd { tune_ratio } => (tune_ratio * 100.0).round() as u32,
            Protocol::Trace { .. } => 100,
        };
        self.report_pct
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(target)
    }

    /// The study this scenario describes: every (overlay, policy, seed) run.
    pub fn study(&self) -> ReplayStudy<'_> {
        ReplayStudy {
            nodes: &self.nodes,
            pods: &self.pods,
            protocol: self.protocol,
            policies: &self.policies,
            seeds: &self.seeds,
            overlays: &self.overlays,
            max_pods: self.max_pods,
            daemonsets: &self.daemonsets,
            sample_every: self.sample_every,
            max_pct: self.max_pct(),
        }
    }
}

fn named<T: Copy>(
    ctx: &mut Ctx<'_>,
    v: &Spanned<String>,
    parse: fn(&str) -> Option<T>,
    names: &[&str],
    what: &str,
) -> Option<T> {
    let s = v.get_ref();
    let r = parse(s);
    if r.is_none() {
        ctx.err(
            v.span(),
            format!("unknown {what} `{s}`"),
            Some(choice_help(s, names)),
        );
    }
    r
}

/// Reads and validates a replay scenario file and the tables it names.
pub fn load(path: &Path) -> Result<ReplayScenario, Diagnostics> {
    let name = path.display().to_string();
    let text = crate::read_bounded(path)?;
    parse_in(&name, &text, path.parent())
}

/// Whether scenario text is a replay scenario (has a `[replay]` table).
pub fn is_replay(text: &str) -> bool {
    toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("replay"))
}

/// Parses a replay scenario; its tables are read relative to `base_dir`.
pub fn parse_in(
    name: &str,
    text: &str,
    base_dir: Option<&Path>,
) -> Result<ReplayScenario, Diagnostics> {
    let src = Source { name, text };
    if text.trim().is_empty() {
        return Err(Diagnostics(vec![src.whole("the file is empty")]));
    }
    let f: File = toml::from_str(text).map_err(|e| Diagnostics(vec![from_toml_error(&src, &e)]))?;
    let mut ctx = Ctx::new(&src);
    let meta = f.scenario.get_ref();
    if !valid_name(meta.name.get_ref()) {
        ctx.err(
            meta.name.span(),
            format!("invalid scenario name `{}`", meta.name.get_ref()),
            Some(NAME_HELP.into()),
        );
    }
    let r = f.replay.get_ref();
    let protocol_kind = r.protocol.as_ref().map_or(Some("fgd"), |p| {
        let s = p.get_ref().as_str();
        if matches!(s, "fgd" | "trace") {
            Some(if s == "fgd" { "fgd" } else { "trace" })
        } else {
            ctx.err(
                p.span(),
                format!("unknown protocol `{s}`"),
                Some(choice_help(s, &["fgd", "trace"])),
            );
            None
        }
    });
    let protocol = match protocol_kind {
        Some("fgd") => {
            if let Some(x) = &r.retry {
                ctx.err(x.span(), "`retry` applies to protocol = \"trace\"", None);
            }
            if let Some(x) = &r.sample_every {
                ctx.err(
                    x.span(),
                    "`sample_every` applies to protocol = \"trace\"",
                    None,
                );
            }
            let tune = r.tune_ratio.as_ref().map_or(1.3, |t| *t.get_ref());
            if !(tune > 0.0 && tune <= 10.0) {
                let span = r.tune_ratio.as_ref().map_or(f.replay.span(), Spanned::span);
                ctx.err(
                    span,
                    format!("tune_ratio {tune} must be above 0 and at most 10"),
                    None,
                );
            }
            Some(Protocol::Fgd { tune_ratio: tune })
        }
        Some(_) => {
            if let Some(x) = &r.tune_ratio {
                ctx.err(x.span(), "`tune_ratio` applies to protocol = \"fgd\"", None);
            }
            Some(Protocol::Trace {
                retry: r.retry.as_ref().is_some_and(|x| *x.get_ref()),
            })
        }
        None => None,
    };
    let mut policies = Vec::new();
    if r.policies.get_ref().is_empty() {
        ctx.err(
            r.policies.span(),
            "give at least one policy",
            Some(choice_help("", Policy::names())),
        );
    }
    for p in r.policies.get_ref() {
        if let Some(x) = named(&mut ctx, p, Policy::parse, Policy::names(), "policy") {
            if policies.contains(&x) {
                ctx.err(
                    p.span(),
                    format!("policy `{}` is listed twice", p.get_ref()),
                    None,
                );
            }
            policies.push(x);
        }
    }
    let mut seeds = Vec::new();
    if r.seeds.get_ref().is_empty() || r.seeds.get_ref().len() > MAX_SEEDS {
        ctx.err(
            r.seeds.span(),
            format!(
                "give 1 to {MAX_SEEDS} seeds ({} given)",
                r.seeds.get_ref().len()
            ),
            None,
        );
    }
    for s in r.seeds.get_ref().iter().take(MAX_SEEDS) {
        if let Some(x) = ctx.int_in(s, 0, i64::MAX, "seed") {
            if seeds.contains(&(x as u64)) {
                ctx.err(s.span(), format!("seed {x} is listed twice"), None);
            }
            seeds.push(x as u64);
        }
    }
    let max_pods = r
        .max_pods
        .as_ref()
        .map_or(Some(1001), |m| ctx.int_in(m, 1, 10_000, "max pods"))
        .unwrap_or(1001) as u32;
    let mut report_pct = Vec::new();
    match &r.report_pct {
        None => report_pct.extend([100, 130]),
        Some(v) => {
            for x in v.get_ref().iter().take(100) {
                if let Some(p) = ctx.int_in(x, 0, MAX_PCT, "%") {
                    report_pct.push(p as u32);
                }
            }
        }
    }
    let sample_every = r.sample_every.as_ref().and_then(|d| {
        let v = d.get_ref().0;
        if v < SimDuration::from_secs(1) {
            ctx.err(d.span(), "sample_every must be at least 1s", None);
            None
        } else {
            Some(v)
        }
    });
    let mut preset_file = None;
    let (costs, overlay_kinds) = match &f.mesh {
        None => (presets::istio_1_24(), vec![OverlayKind::None]),
        Some(m) => {
            let m = m.get_ref();
            let costs = match &m.preset {
                None => presets::istio_1_24(),
                Some(p) => {
                    let c = crate::resolve::named_preset(&mut ctx, p, base_dir);
                    if crate::resolve::is_preset_file(p.get_ref()) {
                        preset_file = Some(PathBuf::from(&c.preset));
                    }
                    c
                }
            };
            let mut kinds = Vec::new();
            for o in m.overlays.get_ref() {
                if let Some(k) = named(
                    &mut ctx,
                    o,
                    OverlayKind::parse,
                    OverlayKind::names(),
                    "mesh overlay",
                ) {
                    if kinds.contains(&k) {
                        ctx.err(
                            o.span(),
                            format!("overlay `{}` is listed twice", o.get_ref()),
                            None,
                        );
                    }
                    kinds.push(k);
                }
            }
            if m.overlays.get_ref().is_empty() {
                ctx.err(
                    m.overlays.span(),
                    "give at least one overlay",
                    Some(choice_help("", OverlayKind::names())),
                );
            }
            (costs, kinds)
        }
    };
    let runs = policies.len() * seeds.len() * overlay_kinds.len().max(1);
    if runs > MAX_RUNS {
        ctx.err(
            f.replay.span(),
            format!("this replay makes {runs} runs (policies × seeds × overlays), beyond meshsim's limit of {MAX_RUNS}"),
            None,
        );
    }
    let base = base_dir.unwrap_or(Path::new("."));
    // (role, path, SHA-256 of the bytes parsed when the reader gives it).
    let mut inputs: Vec<(&'static str, PathBuf, Option<String>)> = Vec::new();
    if let Some(p) = preset_file {
        inputs.push(("preset", p, None));
    }
    let mut daemonsets = Vec::new();
    let (nodes, pods) = match (&r.nodes, &r.pods, &r.scenario) {
        (Some(n), Some(p), None) => {
            let nodes_path = base.join(n.get_ref());
            let pods_path = base.join(p.get_ref());
            let mut hashes = (None, None);
            let nodes = match crate::openb::load_nodes_hashed(&nodes_path) {
                Ok((x, h)) => {
                    hashes.0 = Some(h);
                    Some(x)
                }
                Err(e) => {
                    ctx.err(
                        n.span(),
                        format!("node list {}: {e}", nodes_path.display()),
                        None,
                    );
                    None
                }
            };
            let pods = match crate::openb::load_pods_hashed(&pods_path) {
                Ok((x, h)) => {
                    hashes.1 = Some(h);
                    Some(x)
                }
                Err(e) => {
                    ctx.err(
                        p.span(),
                        format!("pod list {}: {e}", pods_path.display()),
                        None,
                    );
                    None
                }
            };
            inputs.push(("nodes", nodes_path, hashes.0));
            inputs.push(("pods", pods_path, hashes.1));
            (nodes, pods)
        }
        (None, None, Some(sc)) => {
            let path = base.join(sc.get_ref());
            match crate::load(&path) {
                Err(d) => {
                    let first = d
                        .0
                        .first()
                        .map_or_else(String::new, |e| format!(": line {}: {}", e.line, e.message));
                    ctx.err(
                        sc.span(),
                        format!(
                            "scenario {} is not valid ({} error(s)){first}",
                            path.display(),
                            d.0.len()
                        ),
                        Some(format!("`meshsim validate {}` shows each", path.display())),
                    );
                    (None, None)
                }
                Ok(scen) => match crate::replay_source::from_scenario(&scen) {
                    Ok(x) => {
                        daemonsets = x.daemonsets;
                        inputs.push(("scenario", path, None));
                        (Some(x.nodes), Some(x.pods))
                    }
                    Err(why) => {
                        for w in why.iter().take(10) {
                            ctx.err(sc.span(), format!("scenario {}: {w}", path.display()), None);
                        }
                        (None, None)
                    }
                },
            }
        }
        _ => {
            ctx.err(
                f.replay.span(),
                "give the cluster and workload either as `nodes` and `pods` (openb tables) or as `scenario` (a meshsim scenario)",
                None,
            );
            (None, None)
        }
    };
    if let Some(n) = &nodes
        && n.iter().all(|x| x.gpus == 0)
    {
        let span = r
            .nodes
            .as_ref()
            .or(r.scenario.as_ref())
            .map_or(f.replay.span(), Spanned::span);
        ctx.err(
            span,
            "the cluster has no GPU: a replay measures GPU allocation",
            None,
        );
    }
    if let (Some(p), Some(d)) = (&pods, &r.sample_every)
        && let Some(every) = sample_every
    {
        let span_s = p
            .iter()
            .map(|x| x.created_s.max(x.deleted_s.unwrap_or(0)))
            .max()
            .unwrap_or(0);
        let per_run = span_s.saturating_mul(1_000_000_000) / every.as_nanos().max(1) + 1;
        let total = per_run.saturating_mul(runs as u64);
        if total > MAX_SAMPLES {
            ctx.err(
                d.span(),
                format!(
                    "sample_every {} over the trace's {span_s} s makes {per_run} samples per run, \
                     {total} over {runs} runs, beyond meshsim's limit of {MAX_SAMPLES}",
                    d.get_ref().0
                ),
                Some("sample less often, or compare fewer policies, seeds or overlays".into()),
            );
        }
    }
    if ctx.failed() {
        return Err(Diagnostics(ctx.into_errors()));
    }
    let (Some(protocol), Some(nodes), Some(pods)) = (protocol, nodes, pods) else {
        return Err(Diagnostics(ctx.into_errors()));
    };
    let sha = |p: &Path| -> String {
        use sha2::{Digest, Sha256};
        crate::read::read_capped(p, crate::trace::MAX_TRACE_BYTES)
            .map(|b| {
                Sha256::digest(&b)
                    .iter()
                    .map(|x| format!("{x:02x}"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let inputs = inputs
        .into_iter()
        .map(|(role, path, hash)| InputFile {
            role,
            sha256: hash.unwrap_or_else(|| sha(&path)),
            path,
        })
        .collect();
    Ok(ReplayScenario {
        inputs,
        daemonsets,
        name: meta.name.get_ref().clone(),
        description: meta.description.clone().unwrap_or_default(),
        nodes,
        pods,
        protocol,
        sample_every,
        policies,
        seeds,
        preset: costs.preset.clone(),
        preset_origin: costs.origin.clone(),
        overlays: overlay_kinds
            .into_iter()
            .map(|k| Overlay::of(k, &costs))
            .collect(),
        max_pods,
        report_pct,
    })
}
