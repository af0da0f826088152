//! Assembling the request simulation of one (mode, replication) from a placement.

use std::collections::BTreeMap;

use meshsim_core::dist::Dist;
use meshsim_core::rng::RngStreams;
use meshsim_core::station::Station;
use meshsim_core::stats::LatencyRecorder;
use meshsim_core::time::SimTime;

use super::model::{Group, LatencyModel, MAX_IN_FLIGHT, NONE, Proxy, Service, Source, Waypoint};
use super::node_cpu::{NodeCpu, UNLIMITED};
use super::{CallMode, LatencyError, LatencySpec, ProxyKind};
use crate::cluster::Cluster;
use crate::mesh::{MeshConfig, NamespaceMode, cpu_s_per_request};
use crate::packing::ModeRun;

/// Each name's id: equal names, equal ids (numbered in order of first appearance).
fn ids_of<'a>(names: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut ids: BTreeMap<&str, u32> = BTreeMap::new();
    names
        .map(|n| {
            let next = ids.len() as u32;
            *ids.entry(n).or_insert(next)
        })
        .collect()
}

fn dist(d: &crate::delay::DelaySpec) -> Result<Dist, LatencyError> {
    d.dist().map_err(|e| LatencyError::Dist(e.0))
}

/// The model of one replication of one mode: proxy stations for every placed proxy, services on
/// their placed replicas, traffic sources with their streams.
pub(super) fn build(
    cluster: &Cluster,
    mesh: &MeshConfig,
    run: &ModeRun,
    spec: &LatencySpec,
    seed: u64,
) -> Result<LatencyModel, LatencyError> {
    let streams = RngStreams::new(seed);
    let c = &mesh.costs;
    // Proxy timing per kind: distribution index and κ.
    let kinds = [
        (
            ProxyKind::Sidecar,
            &c.sidecar.service_time,
            c.sidecar.cpu_milli_per_1000_rps,
        ),
        (
            ProxyKind::LinkerdProxy,
            &c.linkerd_proxy.service_time,
            c.linkerd_proxy.cpu_milli_per_1000_rps,
        ),
        (
            ProxyKind::Ztunnel,
            &c.ztunnel.service_time,
            c.ztunnel.cpu_milli_per_1000_rps,
        ),
        (
            ProxyKind::Waypoint,
            &c.waypoint.service_time,
            c.waypoint.cpu_milli_per_1000_rps,
        ),
    ];
    let mut dists = Vec::new();
    let mut kappa = BTreeMap::new();
    for (k, d, cpu) in kinds {
        let dd = dist(d)?;
        let m = dd.mean();
        kappa.insert(
            k,
            if m > 0.0 {
                cpu_s_per_request(cpu) / m
            } else {
                1.0
            },
        );
        dists.push(dd);
    }
    /// Mean time a visit holds a worker (κ·E[S]), per distribution index.
    fn kinds_hold(dists: &[Dist], kappa: &BTreeMap<ProxyKind, f64>) -> Vec<f64> {
        [
            ProxyKind::Sidecar,
            ProxyKind::LinkerdProxy,
            ProxyKind::Ztunnel,
            ProxyKind::Waypoint,
        ]
        .iter()
        .zip(dists)
        .map(|(k, d)| kappa[k] * d.mean())
        .collect()
    }
    // An east-west gateway is timed as a waypoint (an assumption: no source measures one).
    kappa.insert(ProxyKind::EastWestGateway, kappa[&ProxyKind::Waypoint]);
    let dist_index = |k: ProxyKind| match k {
        ProxyKind::Sidecar => 0,
        ProxyKind::LinkerdProxy => 1,
        ProxyKind::Ztunnel => 2,
        ProxyKind::Waypoint | ProxyKind::EastWestGateway => 3,
    };

    // Zones, interned by name.
    let mut zone_ids: BTreeMap<&str, u32> = BTreeMap::new();
    let node_zone: Vec<u32> = run
        .nodes
        .iter()
        .map(|n| {
            let p = &cluster.pools[n.pool.index()];
            let name = p.zones.get(n.zone as usize).map_or("", String::as_str);
            let next = zone_ids.len() as u32;
            *zone_ids.entry(name).or_insert(next)
        })
        .collect();

    // A station is saturated once its queue holds more work than its workers could serve in
    // the whole simulated run (warm-up included): waiting alone would outlast the run.
    let horizon_s = (spec.warmup + spec.duration).as_secs_f64();
    let hold_s: Vec<f64> = kinds_hold(&dists, &kappa);
    let mut stations: Vec<Proxy> = Vec::new();
    let mut add_station = |kind: ProxyKind, workers: u32, label: String, index: u64, node: u32| {
        let workers = workers.max(1);
        let hold = hold_s[dist_index(kind)];
        let queue_limit = if hold > 0.0 {
            (f64::from(workers) * horizon_s / hold).clamp(1_000.0, MAX_IN_FLIGHT as f64) as usize
        } else {
            MAX_IN_FLIGHT
        };
        stations.push(Proxy {
            node,
            st: Station::new(workers, SimTime::ZERO, false),
            queue_limit,
            kind,
            dist: dist_index(kind),
            kappa: kappa[&kind],
            rng: streams.stream_indexed(&format!("proxy/{}", kind.as_str()), index),
            cpu_s: 0.0,
            label,
        });
        (stations.len() - 1) as u32
    };

    // ztunnel per node that runs one.
    let mut ztunnel = vec![NONE; run.nodes.len()];
    for &n in &run.ztunnel_nodes {
        let node = &run.nodes[n.index()];
        let cores = cluster.pools[node.pool.index()]
            .capacity
            .cpu_milli
            .div_ceil(1000) as u32;
        let workers = c
            .ztunnel
            .workers
            .unwrap_or_else(|| cores.div_ceil(4).max(2));
        ztunnel[n.index()] = add_station(
            ProxyKind::Ztunnel,
            workers,
            format!("node-{n}"),
            u64::from(n.0),
            n.0,
        );
    }
    // Member clusters: each node's, each member's network, each member's east-west gateways.
    let node_member: Vec<u32> = if cluster.is_multicluster() {
        run.nodes
            .iter()
            .map(|n| cluster.pools[n.pool.index()].member as u32)
            .collect()
    } else {
        Vec::new()
    };
    let member_network = ids_of(cluster.members.iter().map(|m| m.network.as_str()));
    let mut gateways: Vec<Waypoint> = (0..cluster.members.len())
        .map(|_| Waypoint {
            stations: Vec::new(),
            nodes: Vec::new(),
            rr: 0,
        })
        .collect();
    for &n in &run.gateway_nodes {
        let k = node_member[n.index()] as usize;
        let g = &mut gateways[k];
        let label = format!("{}/{}", cluster.members[k].name, g.stations.len());
        let index = ((k as u64) << 20) | g.stations.len() as u64;
        g.stations.push(add_station(
            ProxyKind::EastWestGateway,
            c.waypoint.workers,
            label,
            index,
            n.0,
        ));
        g.nodes.push(n.0);
    }
    // Waypoints per namespace.
    let mut waypoints = Vec::new();
    let mut wp_of_ns: BTreeMap<(usize, &str), u32> = BTreeMap::new();
    for (wi, wp) in run.waypoints.iter().enumerate() {
        let mut w = Waypoint {
            stations: Vec::new(),
            nodes: wp.nodes.iter().map(|n| n.0).collect(),
            rr: 0,
        };
        for (ri, n) in wp.nodes.iter().enumerate() {
            w.stations.push(add_station(
                ProxyKind::Waypoint,
                c.waypoint.workers,
                format!("{}/{ri}", wp.namespace),
                ((wi as u64) << 20) | ri as u64,
                n.0,
            ));
        }
        wp_of_ns.insert((wp.member, wp.namespace.as_str()), wi as u32);
        waypoints.push(w);
    }
    // Each node's cores, and a CFS group for every replica whose container has a CPU limit.
    let mut node_cpu: Vec<NodeCpu> = if spec.cpu_contention {
        run.nodes
            .iter()
            .map(|n| NodeCpu::new(cluster.pools[n.pool.index()].capacity.cpu_milli as f64 / 1000.0))
            .collect()
    } else {
        Vec::new()
    };
    // Services and their sidecars.
    let mut services = Vec::new();
    for (i, (w, out)) in cluster.workloads.iter().zip(&run.workloads).enumerate() {
        let mode = run.namespace_modes[i];
        let sspec = &spec.services[i];
        let sidecar_kind = match mode {
            NamespaceMode::Sidecar => Some((ProxyKind::Sidecar, c.sidecar.workers)),
            NamespaceMode::Linkerd => Some((ProxyKind::LinkerdProxy, c.linkerd_proxy.workers)),
            _ => None,
        };
        let sidecars: Vec<u32> = out
            .nodes
            .iter()
            .enumerate()
            .map(|(r, node)| match sidecar_kind {
                Some((k, default_workers)) => {
                    let workers = w
                        .sidecar
                        .cpu_limit_milli
                        .map_or(default_workers, |l| l.div_ceil(1000).max(1) as u32);
                    add_station(
                        k,
                        workers,
                        format!("{}/{r}", w.name),
                        ((i as u64) << 24) | r as u64,
                        node.0,
                    )
                }
                None => NONE,
            })
            .collect();
        services.push(Service {
            mode,
            nodes: out.nodes.iter().map(|n| n.0).collect(),
            sidecars,
            in_flight: vec![0; out.nodes.len()],
            rr: 0,
            waypoint: if mode == NamespaceMode::AmbientWaypoint {
                wp_of_ns
                    .get(&(w.member, w.namespace.as_str()))
                    .copied()
                    .unwrap_or(NONE)
            } else {
                NONE
            },
            waypoint_in: (0..cluster.members.len().max(1))
                .map(|k| {
                    wp_of_ns
                        .get(&(k, w.namespace.as_str()))
                        .copied()
                        .unwrap_or(NONE)
                })
                .collect(),
            processing: dist(&sspec.processing)?,
            cpu_groups: out
                .nodes
                .iter()
                .map(|n| match node_cpu.get_mut(n.index()) {
                    Some(cpu) if w.limits.cpu_milli > 0 => {
                        cpu.add_group(w.limits.cpu_milli as f64 / 1000.0)
                    }
                    _ => UNLIMITED,
                })
                .collect(),
            calls: sspec
                .calls
                .iter()
                .filter(|c| c.count > 0)
                .map(|c| (c.target as u32, c.count))
                .collect(),
            parallel: sspec.mode == CallMode::Parallel,
            member: w.member as u32,
            group: NONE,
        });
    }
    // Services several clusters back.
    let mut groups = Vec::new();
    if cluster.is_multicluster() {
        for r in &spec.replicated {
            let workloads: Vec<u32> = r
                .workloads
                .iter()
                .filter(|&&w| w < services.len())
                .map(|&w| w as u32)
                .collect();
            if workloads.len() < 2 {
                continue;
            }
            for &w in &workloads {
                services[w as usize].group = groups.len() as u32;
            }
            groups.push(Group { workloads, rr: 0 });
        }
    }
    let member_region = ids_of(cluster.members.iter().map(|m| m.region.as_str()));
    let sources: Vec<Source> = spec
        .traffic
        .iter()
        .enumerate()
        .map(|(i, t)| Source {
            target: t.target as u32,
            from: t.from.map_or(NONE, |f| f as u32),
            from_rr: 0,
            arrival: if spec.compress_schedules {
                t.arrival.compressed_to(spec.duration)
            } else {
                t.arrival.clone()
            },
            rng: streams.stream_indexed("arrivals", i as u64),
            phase_rng: streams.stream_indexed("arrival-phases", i as u64),
            pending: None,
            rate: 0.0,
            state: 0,
            cycle_start: SimTime::ZERO,
            count: 0,
            trace_pos: 0,
            trace_base: 0,
        })
        .collect();
    let n_src = sources.len();
    let mut net = vec![
        dist(&spec.network.same_node)?,
        dist(&spec.network.same_zone)?,
        dist(&spec.network.cross_zone)?,
        dist(&spec.network.cross_cluster)?,
    ];
    let members = cluster.members.len();
    let mut pair_net = if cluster.is_multicluster() {
        vec![super::model::CROSS_CLUSTER; members * members]
    } else {
        Vec::new()
    };
    for p in spec.cluster_pairs.iter().take(super::MAX_CLUSTER_PAIRS) {
        let (a, b) = p.clusters;
        if a >= members || b >= members || pair_net.is_empty() {
            continue;
        }
        let leg = net.len() as u8;
        net.push(dist(&p.delay)?);
        pair_net[a * members + b] = leg;
        pair_net[b * members + a] = leg;
    }
    let model = LatencyModel {
        key_seed: streams.child_seed("request-keys", 0),
        lb: spec.load_balancing,
        lb_rng: streams.stream("load-balancing"),
        net,
        pair_net,
        member_region,
        groups,
        locality: spec.locality,
        dists,
        hop_reference: dist(&super::model::HOP_REFERENCE)?,
        node_cpu,
        node_zone,
        node_member,
        member_network,
        gateways,
        ztunnel,
        stations,
        services,
        waypoints,
        sources,
        frames: Vec::new(),
        free: Vec::new(),
        hops: LatencyRecorder::new(),
        cross_hops: LatencyRecorder::new(),
        e2e: (0..n_src).map(|_| LatencyRecorder::new()).collect(),
        failed_requests: vec![0; n_src],
        unreachable: vec![Vec::new(); n_src],
        arrivals: vec![0; n_src],
        completed: 0,
        failed: 0,
        saturated: None,
    };
    Ok(model)
}
