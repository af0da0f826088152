//! A validated scenario written back in the file's schema with every default filled in: the
//! `scenario` of `run.json`. Parsing the rendered form gives the same scenario (tested), so any
//! run can be reproduced from its `run.json`.

use std::collections::BTreeMap;

use meshsim_core::time::SimDuration;
use meshsim_models::cluster::{Replicas, Toleration};
use meshsim_models::delay::DelaySpec;
use meshsim_models::mesh::{
    ControlPlaneCosts, FixedCosts, NodeProxyCosts, RequestPolicy, SidecarCosts, WaypointCosts,
};
use meshsim_models::resources::{Resources, Usage};
use toml::Spanned;

use crate::Scenario;
use crate::file::*;
use crate::units::{Cpu, Duration, Memory};
use meshsim_models::latency::{Arrival, Locality};

fn sp<T>(v: T) -> Spanned<T> {
    Spanned::new(0..0, v)
}

fn cm(r: Resources) -> CpuMem {
    CpuMem {
        cpu: Some(Cpu(r.cpu_milli)),
        memory: Some(Memory(r.memory_bytes)),
    }
}

fn usage(u: Usage) -> CpuMem {
    CpuMem {
        cpu: Some(Cpu(u.cpu_milli.ceil() as u64)),
        memory: Some(Memory(u.memory_bytes.ceil() as u64)),
    }
}

fn mem(v: f64) -> Option<Memory> {
    Some(Memory(v.ceil() as u64))
}

fn cpu(v: f64) -> Option<Cpu> {
    Some(Cpu(v.ceil() as u64))
}

fn tolerations(ts: &[Toleration]) -> Vec<TolerationSection> {
    ts.iter()
        .map(|t| TolerationSection {
            key: t.key.clone(),
            operator: Some(sp(t.operator)),
            value: t.value.clone(),
            effect: t.effect,
        })
        .collect()
}

/// The file form of a distribution.
pub fn render_delay(d: &DelaySpec) -> DistSection {
    let mut s = DistSection {
        dist: None,
        mean: None,
        p99: None,
        cv: None,
        min: None,
        max: None,
    };
    let sp = Some;
    match *d {
        DelaySpec::LogNormal { mean, p99 } => {
            s.dist = sp(DistKind::Lognormal);
            s.mean = Some(Duration(mean));
            s.p99 = Some(Duration(p99));
        }
        DelaySpec::LogNormalCv { mean, cv } => {
            s.dist = sp(DistKind::Lognormal);
            s.mean = Some(Duration(mean));
            s.cv = Some(cv);
        }
        DelaySpec::Gamma { mean, cv } => {
            s.dist = sp(DistKind::Gamma);
            s.mean = Some(Duration(mean));
            s.cv = Some(cv);
        }
        DelaySpec::Exponential { mean } => {
            s.dist = sp(DistKind::Exponential);
            s.mean = Some(Duration(mean));
        }
        DelaySpec::Constant { value } => {
            s.dist = sp(DistKind::Constant);
            s.mean = Some(Duration(value));
        }
        DelaySpec::Uniform { min, max } => {
            s.dist = sp(DistKind::Uniform);
            s.min = Some(Duration(min));
            s.max = Some(Duration(max));
        }
    }
    s
}

fn sidecar(c: &SidecarCosts) -> SidecarSection {
    SidecarSection {
        request: Some(cm(c.request)),
        limit: Some(cm(c.limit)),
        base_memory: mem(c.base_memory_bytes),
        memory_per_cluster: mem(c.memory_per_cluster_bytes),
        memory_per_endpoint: mem(c.memory_per_endpoint_bytes),
        base_cpu: cpu(c.base_cpu_milli),
        cpu_per_1000_rps: cpu(c.cpu_milli_per_1000_rps),
        workers: Some(sp(i64::from(c.workers))),
        service_time: Some(sp(render_delay(&c.service_time))),
    }
}

fn node_proxy(c: &NodeProxyCosts) -> NodeProxySection {
    NodeProxySection {
        request: Some(cm(c.request)),
        base_memory: mem(c.base_memory_bytes),
        memory_per_local_pod: mem(c.memory_per_local_pod_bytes),
        memory_per_cluster_pod: mem(c.memory_per_cluster_pod_bytes),
        memory_per_connection: mem(c.memory_per_connection_bytes),
        memory_per_1000_rps: mem(c.memory_per_1000_rps_bytes),
        base_cpu: cpu(c.base_cpu_milli),
        cpu_per_1000_rps: cpu(c.cpu_milli_per_1000_rps),
        cpu_per_new_connection: Some(Duration(SimDuration::from_nanos(
            (c.cpu_ms_per_new_connection * 1e6).round() as u64,
        ))),
        workers: Some(sp(match c.workers {
            Some(n) => toml::Value::Integer(i64::from(n)),
            None => toml::Value::String("auto".into()),
        })),
        service_time: Some(sp(render_delay(&c.service_time))),
    }
}

fn waypoint(c: &WaypointCosts) -> WaypointSection {
    WaypointSection {
        request: Some(cm(c.request)),
        limit: Some(cm(c.limit)),
        replicas: Some(sp(i64::from(c.replicas))),
        base_memory: mem(c.base_memory_bytes),
        memory_per_1000_rps: mem(c.memory_per_1000_rps_bytes),
        base_cpu: cpu(c.base_cpu_milli),
        cpu_per_1000_rps: cpu(c.cpu_milli_per_1000_rps),
        workers: Some(sp(i64::from(c.workers))),
        service_time: Some(sp(render_delay(&c.service_time))),
    }
}

fn fixed(c: &FixedCosts) -> FixedSection {
    FixedSection {
        request: Some(cm(c.request)),
        usage: Some(usage(c.usage)),
    }
}

fn control_plane(c: &ControlPlaneCosts) -> ControlPlaneSection {
    ControlPlaneSection {
        request: Some(cm(c.request)),
        min_replicas: Some(sp(i64::from(c.min_replicas))),
        max_replicas: Some(sp(i64::from(c.max_replicas))),
        hpa_target: Some(sp(c.hpa_target)),
        base_cpu: cpu(c.base.cpu_milli),
        base_memory: mem(c.base.memory_bytes),
        cpu_per_1000_proxies: Some(Cpu((c.per_proxy.cpu_milli * 1000.0).round() as u64)),
        memory_per_1000_proxies: Some(Memory((c.per_proxy.memory_bytes * 1000.0).round() as u64)),
    }
}

fn requests(r: Resources) -> Spanned<RequestSection> {
    sp(RequestSection {
        cpu: Some(Cpu(r.cpu_milli)),
        memory: Some(Memory(r.memory_bytes)),
        gpu: Some(sp(i64::from(r.gpus))),
        gpu_fraction: (r.gpu_milli > 0).then(|| sp(f64::from(r.gpu_milli) / 1000.0)),
    })
}

/// The Linkerd figures no source gives are left out, so the resolved scenario reads them as
/// placeholders again ("not modelled") rather than as figures the user stated.
fn unsourced_left_out(
    mut s: SidecarSection,
    c: &meshsim_models::mesh::MeshCosts,
) -> SidecarSection {
    use meshsim_models::mesh::Unsourced;
    if c.unsourced.contains(&Unsourced::LinkerdProxyCpu) {
        s.base_cpu = None;
        s.cpu_per_1000_rps = None;
    }
    if c.unsourced.contains(&Unsourced::LinkerdProxyLatency) {
        s.service_time = None;
    }
    s
}

/// As [`unsourced_left_out`], for the Cilium agent.
fn node_proxy_unsourced_left_out(
    mut s: NodeProxySection,
    c: &meshsim_models::mesh::MeshCosts,
) -> NodeProxySection {
    use meshsim_models::mesh::Unsourced;
    if c.unsourced.contains(&Unsourced::CiliumAgentCpu) {
        s.base_cpu = None;
        s.cpu_per_1000_rps = None;
        s.cpu_per_new_connection = None;
    }
    if c.unsourced.contains(&Unsourced::CiliumLatency) {
        s.service_time = None;
    }
    s
}

fn pool_rules(r: &meshsim_models::fleet_search::PoolRules) -> PoolRulesSection {
    PoolRulesSection {
        cpu_headroom: Some(sp(r.cpu_headroom)),
        memory_headroom: Some(sp(r.memory_headroom)),
        min_nodes: Some(sp(i64::from(r.min_nodes))),
        min_nodes_per_zone: Some(sp(i64::from(r.min_nodes_per_zone))),
        n_plus_one: Some(r.n_plus_one),
    }
}

fn capacity_rules(s: &Scenario) -> CapacityRulesSection {
    let r = &s.rules;
    CapacityRulesSection {
        cpu_pools: Some(pool_rules(&r.cpu_pools)),
        gpu_pools: Some(pool_rules(&r.gpu_pools)),
        pools: (!r.overrides.is_empty()).then(|| {
            r.overrides
                .iter()
                .map(|(i, pr)| (s.cluster.pools[*i].name.clone(), sp(pool_rules(pr))))
                .collect()
        }),
    }
}

/// The scenario with every default written out.
/// The name of member `k`, when the scenario has `[[clusters]]`.
fn member_name(s: &Scenario, k: usize) -> Option<Spanned<String>> {
    s.cluster.members.get(k).map(|m| sp(m.name.clone()))
}

fn member(s: &Scenario, k: &meshsim_models::cluster::Member) -> ClusterSection {
    use meshsim_models::cluster::ControlPlane;
    let (kind, primary) = match k.control_plane {
        ControlPlane::Primary => (ControlPlaneKind::Primary, None),
        ControlPlane::RemoteOf(p) => (
            ControlPlaneKind::Remote,
            Some(sp(s.cluster.members[p].name.clone())),
        ),
    };
    ClusterSection {
        name: sp(k.name.clone()),
        region: Some(sp(k.region.clone())),
        network: Some(sp(k.network.clone())),
        control_plane: Some(sp(kind)),
        primary,
        mode: k.pinned.map(sp),
    }
}

pub fn render(s: &Scenario) -> ScenarioFile {
    let m = &s.mesh;
    let c = &m.costs;
    let (policy, headroom) = match m.request_policy {
        RequestPolicy::ChartDefaults => (RequestPolicyKind::ChartDefaults, None),
        RequestPolicy::RightSized { headroom } => {
            (RequestPolicyKind::RightSized, Some(sp(headroom)))
        }
    };
    ScenarioFile {
        scenario: ScenarioMeta {
            name: sp(s.name.clone()),
            description: Some(s.description.clone()),
            seed: Some(sp(s.seed as i64)),
            modes: Some(sp(s.modes.iter().map(|m| sp(*m)).collect())),
            replications: Some(sp(i64::from(s.replications))),
            nodes_required: Some(s.nodes_required),
            current: s.current.map(sp),
        },
        scheduler: SchedulerSection {
            strategy: Some(s.scheduler.strategy),
            gpu_weight: Some(sp(i64::from(s.scheduler.gpu_weight))),
            tie_break: Some(s.scheduler.tie_break),
        },
        mesh: MeshSection {
            preset: Some(sp(c.preset.clone())),
            requests: Some(policy),
            headroom,
            sidecar_scope: Some(m.sidecar_scope),
            exclude_namespaces: Some(m.exclude_namespaces.iter().cloned().map(sp).collect()),
            waypoint_namespaces: Some(m.waypoint_namespaces.iter().cloned().map(sp).collect()),
            cni_in_sidecar_mode: Some(m.cni_in_sidecar_mode),
            namespaces: Some(
                m.namespace_modes
                    .iter()
                    .map(|(k, v)| (k.clone(), sp(*v)))
                    .collect::<BTreeMap<_, _>>(),
            ),
            mixed_default: Some(m.mixed_default),
            sidecar: Some(sidecar(&c.sidecar)),
            ztunnel: Some(node_proxy(&c.ztunnel)),
            waypoint: Some(waypoint(&c.waypoint)),
            istio_cni: Some(fixed(&c.istio_cni)),
            istiod: Some(control_plane(&c.istiod)),
            linkerd_proxy: Some(unsourced_left_out(sidecar(&c.linkerd_proxy), c)),
            cilium_agent: Some(node_proxy_unsourced_left_out(
                node_proxy(&c.cilium_agent),
                c,
            )),
        },
        clusters: s.cluster.members.iter().map(|k| sp(member(s, k))).collect(),
        pools: s
            .cluster
            .pools
            .iter()
            .map(|p| {
                sp(PoolSection {
                    name: sp(p.name.clone()),
                    cluster: member_name(s, p.member),
                    count: sp(i64::from(p.count)),
                    cpu: sp(Cpu(p.capacity.cpu_milli)),
                    memory: sp(Memory(p.capacity.memory_bytes)),
                    gpus: Some(sp(i64::from(p.capacity.gpus))),
                    gpu_model: p.gpu_model.clone(),
                    gpu_memory: Some(Memory(p.gpu_memory_bytes)),
                    max_pods: Some(sp(i64::from(p.max_pods))),
                    kube_reserved: Some(cm(p.kube_reserved)),
                    system_reserved: Some(cm(p.system_reserved)),
                    eviction_threshold: Some(Memory(p.eviction_threshold_bytes)),
                    labels: Some(p.labels.clone()),
                    taints: Some(
                        p.taints
                            .iter()
                            .map(|t| {
                                sp(TaintSection {
                                    key: t.key.clone(),
                                    value: t.value.clone(),
                                    effect: t.effect,
                                })
                            })
                            .collect(),
                    ),
                    zones: Some(sp(p.zones.clone())),
                    price_per_hour: Some(sp(p.price_per_hour_usd)),
                })
            })
            .collect(),
        workloads: s
            .cluster
            .workloads
            .iter()
            .enumerate()
            .map(|(wi, w)| {
                sp(WorkloadSection {
                    name: sp(w.name.clone()),
                    service: w.service.clone().map(sp),
                    namespace: Some(sp(w.namespace.clone())),
                    replicas: sp(match w.replicas {
                        Replicas::Count(n) => toml::Value::Integer(i64::from(n)),
                        Replicas::Fill => toml::Value::String("fill".into()),
                    }),
                    inference: Some(w.inference),
                    pool: None,
                    cluster: member_name(s, w.member),
                    requests: requests(w.requests),
                    limits: Some(cm(w.limits)),
                    usage: Some(usage(w.usage)),
                    rps: Some(sp(w.rps_per_replica)),
                    outbound_rps: Some(sp(w.outbound_rps_per_replica)),
                    connections: Some(sp(w.connections_per_replica)),
                    new_connections_per_second: Some(sp(w.new_connections_per_second)),
                    ports: Some(sp(i64::from(w.ports))),
                    node_selector: Some(w.node_selector.clone()),
                    tolerations: Some(tolerations(&w.tolerations)),
                    max_per_node: w.max_per_node.map(|m| sp(i64::from(m))),
                    priority: Some(w.priority),
                    sidecar: Some(SidecarOverrideSection {
                        cpu: w.sidecar.cpu_request_milli.map(Cpu),
                        memory: w.sidecar.memory_request_bytes.map(Memory),
                        cpu_limit: w.sidecar.cpu_limit_milli.map(Cpu),
                        memory_limit: w.sidecar.memory_limit_bytes.map(Memory),
                    }),
                    sidecar_usage: w.sidecar.usage.map(usage),
                    meshed: (!w.meshed).then_some(false),
                    processing_time: s
                        .latency
                        .as_ref()
                        .map(|l| sp(render_delay(&l.services[wi].processing))),
                    calls: s.latency.as_ref().map(|l| {
                        l.services[wi]
                            .calls
                            .iter()
                            .map(|c| {
                                sp(CallSection {
                                    service: sp(s.cluster.workloads[c.target]
                                        .service_name()
                                        .to_string()),
                                    count: Some(sp(i64::from(c.count))),
                                })
                            })
                            .collect()
                    }),
                    call_mode: s.latency.as_ref().map(|l| l.services[wi].mode),
                })
            })
            .collect(),
        daemonsets: s
            .cluster
            .daemonsets
            .iter()
            .map(|d| {
                sp(DaemonSetSection {
                    name: sp(d.name.clone()),
                    namespace: Some(d.namespace.clone()),
                    pool: None,
                    cluster: member_name(s, d.member),
                    requests: requests(d.requests),
                    usage: Some(usage(d.usage)),
                    node_selector: Some(d.node_selector.clone()),
                    tolerations: Some(tolerations(&d.tolerations)),
                })
            })
            .collect(),
        migration: migration(s),
        capacity_rules: Some(capacity_rules(s)),
        latency: s.latency.as_ref().map(|l| {
            sp(LatencySection {
                duration: Some(Duration(l.duration)),
                warmup: Some(Duration(l.warmup)),
                load_balancing: Some(l.load_balancing),
                same_node: Some(sp(render_delay(&l.network.same_node))),
                same_zone: Some(sp(render_delay(&l.network.same_zone))),
                cross_zone: Some(sp(render_delay(&l.network.cross_zone))),
                // Only a fleet of several clusters takes it (a one-cluster fleet refuses it).
                cross_cluster: s
                    .cluster
                    .is_multicluster()
                    .then(|| sp(render_delay(&l.network.cross_cluster))),
                between: (!l.cluster_pairs.is_empty()).then(|| {
                    l.cluster_pairs
                        .iter()
                        .map(|p| {
                            let name = |k: usize| sp(s.cluster.members[k].name.clone());
                            sp(BetweenSection {
                                clusters: sp(vec![name(p.clusters.0), name(p.clusters.1)]),
                                delay: sp(render_delay(&p.delay)),
                            })
                        })
                        .collect()
                }),
                locality: Some(sp(match l.locality {
                    Locality::Spread => LocalityKind::Spread,
                    Locality::PreferLocal { .. } => LocalityKind::PreferLocal,
                })),
                cross_cluster_share: match l.locality {
                    Locality::PreferLocal {
                        cross_cluster_share,
                    } => Some(sp(cross_cluster_share)),
                    Locality::Spread => None,
                },
                utilisation_warning: Some(sp(l.utilisation_warning)),
                compress_schedules: Some(l.compress_schedules),
                cpu_contention: Some(l.cpu_contention),
            })
        }),
        traffic: s
            .latency
            .as_ref()
            .map(|l| {
                l.traffic
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        sp(render_traffic(
                            s,
                            t,
                            s.traces.get(i).and_then(Option::as_ref),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        autoscaling: s.autoscaling.as_ref().map(|a| sp(autoscaling(s, a))),
    }
}

fn dur_s(secs: u64) -> Spanned<Duration> {
    sp(Duration(meshsim_core::time::SimDuration::from_secs(secs)))
}

fn hpa(h: &meshsim_models::autoscale::hpa::HpaSpec) -> HpaSection {
    use meshsim_models::autoscale::hpa::{Metric, Target};
    let (u, v) = match h.target {
        Target::Utilization(p) => (Some(sp(i64::from(p))), None),
        Target::AverageValue(m) => (None, Some(sp(Cpu(m.round() as u64)))),
    };
    HpaSection {
        min: sp(i64::from(h.min_replicas)),
        max: sp(i64::from(h.max_replicas)),
        metric: Some(match h.metric {
            Metric::Resource => HpaMetricKind::Resource,
            Metric::ContainerResource => HpaMetricKind::ContainerResource,
        }),
        target_utilization: u,
        target_average_value: v,
        tolerance: Some(sp(h.tolerance)),
        scale_up_stabilization: Some(dur_s(u64::from(h.up.stabilization_s))),
        scale_down_stabilization: Some(dur_s(u64::from(h.down.stabilization_s))),
    }
}

/// `[autoscaling]` with every default written out.
fn autoscaling(s: &Scenario, a: &crate::Autoscaling) -> AutoscalingSection {
    let d = &a.spec;
    AutoscalingSection {
        horizon: dur_s(d.horizon_s),
        hpa_sync: Some(dur_s(d.hpa_sync_s)),
        sample: Some(dur_s(d.sample_s)),
        istiod_hpa: Some(d.istiod_hpa),
        waypoint_hpa: d.waypoint_hpa.as_ref().map(|h| sp(hpa(h))),
        cluster_autoscaler: Some(ClusterAutoscalerSection {
            scan_interval: Some(dur_s(d.ca.scan_interval_s)),
            utilization_threshold: Some(sp(d.ca.utilization_threshold)),
            gpu_utilization_threshold: Some(sp(d.ca.gpu_utilization_threshold)),
            unneeded_time: Some(dur_s(d.ca.unneeded_time_s)),
            delay_after_add: Some(dur_s(d.ca.delay_after_add_s)),
        }),
        pools: Some(
            s.cluster
                .pools
                .iter()
                .zip(&d.pools)
                .filter_map(|(p, sc)| {
                    sc.map(|sc| {
                        (
                            p.name.clone(),
                            sp(PoolScalingSection {
                                min: sp(i64::from(sc.min)),
                                max: sp(i64::from(sc.max)),
                                provisioning: Some(dur_s(sc.provisioning_s)),
                            }),
                        )
                    })
                })
                .collect(),
        ),
        workloads: Some(
            s.cluster
                .workloads
                .iter()
                .zip(&d.workloads)
                .filter(|(w, wd)| {
                    wd.hpa.is_some() || wd.readiness_s > 0 || a.loads.contains_key(&w.name)
                })
                .map(|(w, wd)| {
                    (
                        w.name.clone(),
                        sp(WorkloadScalingSection {
                            hpa: wd.hpa.as_ref().map(|h| sp(hpa(h))),
                            readiness: Some(dur_s(wd.readiness_s)),
                            load: a.loads.get(&w.name).cloned().map(sp),
                        }),
                    )
                })
                .collect(),
        ),
    }
}

fn render_traffic(
    s: &Scenario,
    t: &meshsim_models::latency::TrafficSpec,
    trace: Option<&crate::trace::TraceSource>,
) -> TrafficSection {
    let mut out = TrafficSection {
        service: sp(s.cluster.workloads[t.target].service_name().to_string()),
        from: t.from.map(|f| sp(s.cluster.workloads[f].name.clone())),
        arrival: ArrivalKind::Poisson,
        connections: None,
        think: None,
        rate: None,
        schedule: None,
        period: None,
        rates: None,
        mean_durations: None,
        path: None,
        column: None,
        scale: None,
        name: Some(t.name.clone()),
    };
    match &t.arrival {
        Arrival::Poisson { rate } => {
            out.arrival = ArrivalKind::Poisson;
            out.rate = Some(sp(*rate));
        }
        Arrival::Schedule { steps, period } => {
            out.arrival = ArrivalKind::Schedule;
            out.schedule = Some(
                steps
                    .iter()
                    .map(|(at, rate)| {
                        sp(ScheduleStep {
                            at: Duration(*at),
                            rate: *rate,
                        })
                    })
                    .collect(),
            );
            out.period = Some(Duration(*period));
        }
        Arrival::Mmpp {
            rates,
            mean_durations,
        } => {
            out.arrival = ArrivalKind::Mmpp;
            out.rates = Some(sp(rates.to_vec()));
            out.mean_durations = Some(sp(mean_durations.iter().map(|d| Duration(*d)).collect()));
        }
        Arrival::Closed { connections, think } => {
            out.arrival = ArrivalKind::Closed;
            out.connections = Some(sp(i64::from(*connections)));
            out.think = Some(Duration(*think));
        }
        Arrival::Trace { scale, .. } => {
            out.arrival = ArrivalKind::Trace;
            out.scale = Some(sp(*scale));
            if let Some(tr) = trace {
                out.path = Some(sp(tr.path.display().to_string()));
                out.column = Some(tr.column.clone());
            }
        }
    }
    out
}

/// The rendered scenario as TOML text.
pub fn to_toml(s: &Scenario) -> Result<String, toml::ser::Error> {
    toml::to_string(&render(s))
}

/// `[migration]`: the headline's effort and the plan's inputs.
fn migration(s: &Scenario) -> Option<Spanned<MigrationSection>> {
    let plan = s.plan.as_ref().ok();
    let cost = s
        .migration
        .map(|m| m.cost_per_sprint_usd)
        .or(plan.map(|p| p.cost_per_sprint_usd))?;
    let horizon = s
        .migration
        .map(|m| m.horizon_months)
        .or(plan.map(|p| p.horizon_months))?;
    let mut m = MigrationSection {
        sprints: s.migration.map(|m| sp(m.sprints)),
        cost_per_sprint: sp(cost),
        horizon_months: Some(sp(i64::from(horizon))),
        namespace_sprints: None,
        l7_feature_sprints: None,
        setup_sprints: None,
        sprints_per_month: None,
        namespaces_per_wave: None,
        start_month: None,
        discount_rate: None,
        order: None,
        namespaces: None,
    };
    if let Some(p) = plan {
        m.namespace_sprints = Some(sp(p.namespace_sprints));
        m.l7_feature_sprints = Some(sp(p.l7_feature_sprints));
        m.setup_sprints = Some(sp(p.setup_sprints));
        m.sprints_per_month = p.capacity.sprints_per_month.map(sp);
        m.namespaces_per_wave = p.capacity.namespaces_per_wave.map(|k| sp(i64::from(k)));
        m.start_month = p.start_month.map(|x| sp(x.to_string()));
        m.discount_rate = p.discount_rate.map(sp);
        m.order = (!p.order.is_empty()).then(|| p.order.iter().map(|n| sp(n.clone())).collect());
        m.namespaces = (!p.namespaces.is_empty()).then(|| {
            p.namespaces
                .iter()
                .map(|(n, e)| {
                    (
                        n.clone(),
                        sp(MigrationNamespaceSection {
                            sprints: e.sprints.map(sp),
                            l7_features: (!e.l7_features.is_empty())
                                .then(|| e.l7_features.iter().map(|f| sp(f.clone())).collect()),
                        }),
                    )
                })
                .collect()
        });
    }
    Some(sp(m))
}
