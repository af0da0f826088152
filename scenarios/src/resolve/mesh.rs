//! The mesh as written: a preset, per-figure overrides, who is meshed and how.

use std::collections::BTreeSet;
use std::path::Path;

use meshsim_models::mesh::{
    ControlPlaneCosts, FixedCosts, MeshCosts, NodeProxyCosts, RequestPolicy, SidecarCosts,
    Unsourced, WaypointCosts,
};
use meshsim_models::presets;
use meshsim_models::resources::Usage;
use toml::Spanned;

use super::cluster::cpu_mem;
use crate::ctx::Ctx;
use crate::diag::{Source, choice_help, closest};
use crate::file::*;
use crate::preset_file::PresetFile;

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

/// Whether a `preset` value names a preset file rather than a built-in.
pub(crate) fn is_preset_file(p: &str) -> bool {
    p.ends_with(".toml")
}

/// The costs of the preset file at `p` (relative to `base_dir`): its base preset with its
/// figures applied. Problems in the file are reported against the file itself.
fn preset_file(
    ctx: &mut Ctx<'_>,
    p: &Spanned<String>,
    base_dir: Option<&Path>,
) -> Option<MeshCosts> {
    let rel = Path::new(p.get_ref());
    let path = match base_dir {
        Some(d) if rel.is_relative() => d.join(rel),
        _ => rel.to_path_buf(),
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    let name = path.display().to_string();
    let text = match crate::read_bounded(&path) {
        Ok(t) => t,
        Err(e) => {
            let why = e.0.first().map_or(String::new(), |d| d.message.clone());
            ctx.err(
                p.span(),
                format!("the preset file cannot be read: {why}"),
                Some(format!(
                    "a path relative to the scenario, or a built-in: {}",
                    presets::NAMES.join(", ")
                )),
            );
            return None;
        }
    };
    let src = Source {
        name: &name,
        text: &text,
    };
    let file: PresetFile = match toml::from_str(&text) {
        Ok(f) => f,
        Err(e) => {
            ctx.push(crate::diag::from_toml_error(&src, &e));
            return None;
        }
    };
    let mut sub = Ctx::new(&src);
    let base = file.preset.base.get_ref();
    let mut costs = match presets::by_name(base) {
        Some(c) => c,
        None => {
            sub.err(
                file.preset.base.span(),
                format!("unknown base preset `{base}`"),
                Some(choice_help(base, &presets::NAMES)),
            );
            presets::istio_1_24()
        }
    };
    apply_overrides(&mut sub, &mut costs, &file.as_mesh_section());
    let failed = sub.failed();
    for d in sub.into_errors() {
        ctx.push(d);
    }
    if failed {
        return None;
    }
    costs.preset = name.clone();
    costs.origin = Some(file.origin(&name));
    Some(costs)
}

/// The costs of the preset file at `path` on its own (for `meshsim presets FILE.toml`): its
/// base preset with its figures applied, or every problem in it.
pub fn load_preset_file(path: &Path) -> Result<MeshCosts, crate::Diagnostics> {
    let name = path.display().to_string();
    let src = Source {
        name: "meshsim presets",
        text: &name,
    };
    let mut ctx = Ctx::new(&src);
    let p = Spanned::new(0..name.len(), name.clone());
    match preset_file(&mut ctx, &p, None) {
        Some(c) if !ctx.failed() => Ok(c),
        _ => Err(crate::Diagnostics(ctx.into_errors())),
    }
}

/// The costs a `preset` value names: a built-in, or a preset file (relative to `base_dir`) as
/// `meshsim calibrate` writes. An unknown name or a bad file is reported, and istio-1.24 stands
/// in so checking goes on.
pub(crate) fn named_preset(
    ctx: &mut Ctx<'_>,
    p: &Spanned<String>,
    base_dir: Option<&Path>,
) -> MeshCosts {
    if is_preset_file(p.get_ref()) {
        return preset_file(ctx, p, base_dir).unwrap_or_else(presets::istio_1_24);
    }
    presets::by_name(p.get_ref()).unwrap_or_else(|| {
        ctx.err(
            p.span(),
            format!("unknown preset `{}`", p.get_ref()),
            Some(format!(
                "{}, or a preset file (a path ending in .toml, as meshsim calibrate writes)",
                choice_help(p.get_ref(), &presets::NAMES)
            )),
        );
        presets::istio_1_24()
    })
}

pub(super) fn resolve(
    ctx: &mut Ctx<'_>,
    m: &MeshSection,
    namespaces: &BTreeSet<String>,
    base_dir: Option<&Path>,
) -> meshsim_models::mesh::MeshConfig {
    let preset = m
        .preset
        .as_ref()
        .map_or_else(presets::istio_1_24, |p| named_preset(ctx, p, base_dir));
    let mut cfg = presets::default_mesh_config(preset);
    apply_overrides(ctx, &mut cfg.costs, m);
    if m.requests == Some(RequestPolicyKind::RightSized) {
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
    if let Some(s) = m.sidecar_scope {
        cfg.sidecar_scope = s;
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
        if known {
            cfg.namespace_modes.insert(ns.clone(), *mode.get_ref());
        }
    }
    if let Some(d) = m.mixed_default {
        cfg.mixed_default = d;
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
        && let Some(x) = super::dist::delay(ctx, d, "service_time")
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
    // A figure the scenario gives is sourced by the scenario.
    if let Some(l) = &m.linkerd_proxy {
        if l.base_cpu.is_some() || l.cpu_per_1000_rps.is_some() {
            c.unsourced.remove(&Unsourced::LinkerdProxyCpu);
        }
        if l.service_time.is_some() {
            c.unsourced.remove(&Unsourced::LinkerdProxyLatency);
        }
    }
    if let Some(a) = &m.cilium_agent {
        if a.base_cpu.is_some()
            || a.cpu_per_1000_rps.is_some()
            || a.cpu_per_new_connection.is_some()
        {
            c.unsourced.remove(&Unsourced::CiliumAgentCpu);
        }
        if a.service_time.is_some() {
            c.unsourced.remove(&Unsourced::CiliumLatency);
        }
    }
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
