//! The request-level simulation model: requests, their frames, proxy stations and arrivals, and
//! what happens at each event. [`super::build`] assembles one from a placement;
//! [`LatencyModel::run`] runs it and reports.

use meshsim_core::dist::Dist;
use meshsim_core::engine::{EventId, Model, Scheduler, Simulation};
use meshsim_core::rng::{SimRng, SplitMix64, splitmix64};
use meshsim_core::station::{Started, Station};
use meshsim_core::stats::LatencyRecorder;
use meshsim_core::time::{SimDuration, SimTime};
use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::arrivals::{Arrival, trace_span_ns};
use super::node_cpu::{NodeCpu, ProxyStep};
use super::{LatencyError, LatencySpec, LoadBalancing, Locality};
use crate::mesh::NamespaceMode;

/// A kind of proxy station.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum ProxyKind {
    /// Istio sidecar.
    Sidecar,
    /// Linkerd proxy.
    LinkerdProxy,
    /// ztunnel.
    Ztunnel,
    /// Waypoint replica.
    Waypoint,
    /// East-west gateway replica (a multicluster fleet's clusters): modelled as a waypoint's
    /// Envoy (its service time, CPU and workers), an assumption.
    EastWestGateway,
}

crate::named_enum!(ProxyKind, "proxy kind");

/// One proxy station over one replication, after warm-up.
#[derive(Clone, Debug, PartialEq)]
pub struct StationReport {
    /// Kind.
    pub kind: ProxyKind,
    /// Which one (`node-3`, `web/2`, `shop/0`).
    pub label: String,
    /// Worker time over worker capacity.
    pub utilisation: f64,
    /// CPU, vCPU.
    pub cpu_vcpu: f64,
    /// Requests that arrived.
    pub visits: u64,
    /// Mean wait for a worker, ms.
    pub mean_wait_ms: f64,
    /// Relative gap between L and λW over the window (Little's law).
    pub little_gap: f64,
}

/// One replication of one mode.
#[derive(Clone, Debug)]
pub struct LatencyRun {
    /// Time per hop within a cluster (every hop, in a one-cluster fleet): the request leg
    /// (caller sends → callee receives) plus the reference server's reply ([`HOP_REFERENCE`]),
    /// as the published benchmarks measure a hop.
    pub hops: LatencyRecorder,
    /// The same, for hops from one cluster of a multicluster fleet to another.
    pub cross_hops: LatencyRecorder,
    /// End-to-end time per traffic source (call graph), of requests that did not fail.
    pub end_to_end: Vec<LatencyRecorder>,
    /// Per traffic source: requests that failed (a call found no placed replica), after
    /// warm-up. They enter no latency statistic.
    pub failed_requests: Vec<u64>,
    /// Per traffic source: the services its failed requests could not reach (workload indices).
    pub unreachable: Vec<Vec<usize>>,
    /// Proxy stations (only those that saw traffic or exist).
    pub stations: Vec<StationReport>,
    /// Arrivals per traffic source after warm-up.
    pub arrivals: Vec<u64>,
    /// Completed root requests after warm-up.
    pub completed: u64,
    /// Calls to services without a placed replica (all sources).
    pub failed_calls: u64,
    /// Events handled, warm-up included.
    pub events: u64,
    /// Measured window, seconds.
    pub window_s: f64,
    /// Why the run stopped early, if it did: the figures above cover only the time before.
    pub saturated: Option<Saturation>,
}

/// Most requests (call frames) in flight at once: past it a run is saturated, so memory stays
/// bounded (a frame is about 112 bytes: 2^21 of them about 235 MB) whatever the load.
pub const MAX_IN_FLIGHT: usize = 1 << 21;

/// Why a run stopped before its end: the load is more than the proxies can serve, so queues
/// grow without limit and no latency figure would mean anything.
#[derive(Clone, Debug, PartialEq)]
pub struct Saturation {
    /// Simulated time it was detected, seconds from the start (warm-up included).
    pub at_s: f64,
    /// What was over its bound.
    pub cause: SaturationCause,
}

/// Busy fraction of a station's workers at or above which the station is saturated.
pub const BUSY_SATURATED: f64 = 0.995;

/// The bound a saturated run crossed.
#[derive(Clone, Debug, PartialEq)]
pub enum SaturationCause {
    /// A proxy station's workers were busy for at least [`BUSY_SATURATED`] of the window: its
    /// queue never drained, so its waits grow with the run's length.
    Busy {
        /// The station's kind.
        kind: ProxyKind,
        /// The station.
        label: String,
        /// Its busy fraction.
        utilisation: f64,
    },
    /// More than [`MAX_IN_FLIGHT`] calls in flight.
    InFlight,
    /// A proxy station's queue held more work than its workers can do in the whole run.
    Queue {
        /// The station's kind.
        kind: ProxyKind,
        /// The station.
        label: String,
        /// Visits waiting.
        queued: usize,
    },
}

impl std::fmt::Display for Saturation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cause {
            SaturationCause::InFlight => write!(
                f,
                "more than {MAX_IN_FLIGHT} calls in flight at t = {:.3} s",
                self.at_s
            ),
            SaturationCause::Busy {
                kind,
                label,
                utilisation,
            } => write!(
                f,
                "{} {label} was busy {:.1} % of the measured window: its queue never drained",
                kind.as_str(),
                100.0 * utilisation
            ),
            SaturationCause::Queue {
                kind,
                label,
                queued,
            } => write!(
                f,
                "{} {label} had {queued} visits waiting at t = {:.3} s, more than its workers serve in the whole run",
                kind.as_str(),
                self.at_s
            ),
        }
    }
}

/// The reference server of the per-hop figure: the fortio server of the istio/tools
/// benchmark as `scenarios/istio-benchmark.toml` fits it (log-normal, mean 284 µs, P99 600 µs;
/// with it the no-mesh hop reproduces the istio/tools 2020 baseline). Every hop is measured as
/// its request leg plus this reply, so "added per hop" is what that benchmark would report for
/// the hop's proxies, network and load, whatever the callee's own processing.
pub const HOP_REFERENCE: crate::delay::DelaySpec = crate::delay::lognormal_us(284, 600);

pub(super) const NONE: u32 = u32::MAX;
const MAX_LEGS: usize = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Leg {
    #[default]
    End,
    Proxy(u32),
    Net(u8),
}

const SAME_NODE: u8 = 0;
const SAME_ZONE: u8 = 1;
const CROSS_ZONE: u8 = 2;
pub(super) const CROSS_CLUSTER: u8 = 3;

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Frame {
    key: u64,
    parent: u32,
    service: u32,
    replica: u32,
    node: u32,
    src: u32,
    /// The root frame of this request (itself for a root).
    root: u32,
    /// On a root: a call of the request found no replica.
    failed: bool,
    start: SimTime,
    hop_start: SimTime,
    path: [Leg; MAX_LEGS],
    path_len: u8,
    leg: u8,
    net_draws: u8,
    /// The hop goes from one cluster to another.
    crossed: bool,
    call_idx: u16,
    repeat_left: u32,
    pending: u32,
    next_ordinal: u32,
}

/// The caller's side of a hop.
#[derive(Clone, Copy, Debug)]
struct Caller {
    node: u32,
    mode: NamespaceMode,
    sidecar: u32,
}

const EXTERNAL: Caller = Caller {
    node: NONE,
    mode: NamespaceMode::Outside,
    sidecar: NONE,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ev {
    Arrive {
        src: u32,
    },
    SourceChange {
        src: u32,
    },
    ProxyDone {
        frame: u32,
    },
    NodeDone {
        node: u32,
        generation: u32,
    },
    WorkerFree {
        station: u32,
        arrived: SimTime,
    },
    ProxyDoneFree {
        frame: u32,
        station: u32,
        arrived: SimTime,
    },
    LegDone {
        frame: u32,
    },
    Processed {
        frame: u32,
    },
}

pub(super) struct Proxy {
    /// The node the proxy runs on (`NONE` when not known).
    pub(super) node: u32,
    pub(super) st: Station<u32>,
    /// Visits waiting past which the station is saturated.
    pub(super) queue_limit: usize,
    pub(super) kind: ProxyKind,
    pub(super) dist: usize,
    pub(super) kappa: f64,
    pub(super) rng: SimRng,
    pub(super) cpu_s: f64,
    pub(super) label: String,
}

pub(super) struct Service {
    pub(super) mode: NamespaceMode,
    pub(super) nodes: Vec<u32>,
    pub(super) sidecars: Vec<u32>,
    pub(super) in_flight: Vec<u32>,
    pub(super) rr: u64,
    pub(super) waypoint: u32,
    /// Per member cluster, the waypoint of this service's namespace there (`NONE` where it has
    /// none; one entry in a one-cluster fleet).
    pub(super) waypoint_in: Vec<u32>,
    pub(super) processing: Dist,
    /// Per replica: its container's CFS group on its node ([`super::node_cpu::UNLIMITED`] when
    /// it has no CPU limit or CPU contention is off).
    pub(super) cpu_groups: Vec<u32>,
    pub(super) calls: Vec<(u32, u32)>,
    pub(super) parallel: bool,
    /// Its member cluster (0 in a one-cluster fleet).
    pub(super) member: u32,
    /// The Service it backs with workloads in other clusters (index in
    /// [`LatencyModel::groups`]), or `NONE`.
    pub(super) group: u32,
}

/// The workloads that back one Service in several clusters.
pub(super) struct Group {
    pub(super) workloads: Vec<u32>,
    /// Round-robin position over the endpoints of all of them.
    pub(super) rr: u64,
}

pub(super) struct Waypoint {
    pub(super) stations: Vec<u32>,
    pub(super) nodes: Vec<u32>,
    pub(super) rr: u64,
}

pub(super) struct Source {
    pub(super) target: u32,
    pub(super) from: u32,
    pub(super) from_rr: u64,
    pub(super) arrival: Arrival,
    pub(super) rng: SimRng,
    pub(super) phase_rng: SimRng,
    pub(super) pending: Option<EventId>,
    pub(super) rate: f64,
    pub(super) state: usize,
    pub(super) cycle_start: SimTime,
    pub(super) count: u64,
    pub(super) trace_pos: usize,
    pub(super) trace_base: u64,
}

pub(super) struct LatencyModel {
    pub(super) key_seed: u64,
    pub(super) lb: LoadBalancing,
    pub(super) lb_rng: SimRng,
    /// Network legs: same node, same zone, cross zone, cross cluster, then each cluster pair
    /// with a delay of its own.
    pub(super) net: Vec<Dist>,
    /// Per ordered pair of member clusters (`from × members + to`), its leg in `net` (empty in
    /// a one-cluster fleet).
    pub(super) pair_net: Vec<u8>,
    pub(super) dists: Vec<Dist>,
    pub(super) node_zone: Vec<u32>,
    /// Per node, its member cluster (empty in a one-cluster fleet).
    pub(super) node_member: Vec<u32>,
    /// Per member cluster, its network's id.
    pub(super) member_network: Vec<u32>,
    /// Per member cluster, its east-west gateway replicas.
    pub(super) gateways: Vec<Waypoint>,
    /// Per member cluster, its region's id.
    pub(super) member_region: Vec<u32>,
    /// Services backed in several clusters.
    pub(super) groups: Vec<Group>,
    /// Where a call to one of `groups` goes.
    pub(super) locality: Locality,
    pub(super) ztunnel: Vec<u32>,
    pub(super) stations: Vec<Proxy>,
    pub(super) services: Vec<Service>,
    pub(super) waypoints: Vec<Waypoint>,
    pub(super) sources: Vec<Source>,
    pub(super) frames: Vec<Frame>,
    pub(super) free: Vec<u32>,
    /// The reference server's reply time every hop is measured with (see [`HOP_REFERENCE`]).
    pub(super) hop_reference: Dist,
    /// Per node, its cores under CPU contention (empty when it is off).
    pub(super) node_cpu: Vec<NodeCpu>,
    pub(super) hops: LatencyRecorder,
    pub(super) cross_hops: LatencyRecorder,
    pub(super) e2e: Vec<LatencyRecorder>,
    pub(super) failed_requests: Vec<u64>,
    pub(super) unreachable: Vec<Vec<usize>>,
    pub(super) arrivals: Vec<u64>,
    pub(super) completed: u64,
    pub(super) failed: u64,
    pub(super) saturated: Option<Saturation>,
}

/// A generator seeded from `(run key, request key, purpose)`: a counter-based stream, so a draw
/// depends on which request asks, not on when.
#[inline]
fn keyed(seed: u64, key: u64, purpose: u64) -> SplitMix64 {
    SplitMix64::keyed(seed, key, purpose)
}

#[inline]
fn mix(a: u64, b: u64) -> u64 {
    let mut s = a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    splitmix64(&mut s)
}

impl LatencyModel {
    /// Marks the run saturated and stops it (once).
    fn saturate(&mut self, cause: SaturationCause, s: &mut Scheduler<Ev>) {
        if self.saturated.is_none() {
            self.saturated = Some(Saturation {
                at_s: s.now().as_secs_f64(),
                cause,
            });
        }
        s.stop();
    }

    fn alloc(&mut self, f: Frame) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.frames[i as usize] = f;
                i
            }
            None => {
                self.frames.push(f);
                (self.frames.len() - 1) as u32
            }
        }
    }

    fn locality(&self, a: u32, b: u32) -> u8 {
        if a == NONE || b == NONE {
            SAME_ZONE
        } else if a == b {
            SAME_NODE
        } else if self.node_zone[a as usize] == self.node_zone[b as usize] {
            SAME_ZONE
        } else {
            CROSS_ZONE
        }
    }

    /// The member clusters of two nodes, in a multicluster fleet when both are known.
    fn members_of(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        if self.node_member.is_empty() || a == NONE || b == NONE {
            return None;
        }
        Some((self.node_member[a as usize], self.node_member[b as usize]))
    }

    /// The network leg from cluster `from` to cluster `to`.
    fn cross_leg(&self, from: u32, to: u32) -> u8 {
        let members = self.member_network.len();
        self.pair_net
            .get(from as usize * members + to as usize)
            .copied()
            .unwrap_or(CROSS_CLUSTER)
    }

    /// The next replica of a waypoint or gateway, round robin: its station and node.
    fn next_replica(w: &mut Waypoint) -> (u32, u32) {
        let i = (w.rr % w.stations.len() as u64) as usize;
        w.rr += 1;
        (w.stations[i], w.nodes[i])
    }

    /// The workload of `svc`'s Service that a call from `caller_node` goes to: `svc` itself
    /// unless several clusters back the Service; then by [`Locality`] (a caller outside the
    /// fleet has no cluster, so its calls spread).
    fn route(&mut self, svc: usize, caller_node: u32) -> usize {
        let g = self.services[svc].group;
        if g == NONE {
            return svc;
        }
        let here = (caller_node != NONE && !self.node_member.is_empty())
            .then(|| self.node_member[caller_node as usize]);
        let picked = match (self.locality, here) {
            (
                Locality::PreferLocal {
                    cross_cluster_share,
                },
                Some(k),
            ) => {
                let local = self.groups[g as usize]
                    .workloads
                    .iter()
                    .copied()
                    .find(|&w| {
                        let s = &self.services[w as usize];
                        s.member == k && !s.nodes.is_empty()
                    });
                match local {
                    Some(l) => {
                        let away = cross_cluster_share > 0.0
                            && self.lb_rng.random::<f64>() < cross_cluster_share;
                        away.then(|| self.spread(g, |m| m != k))
                            .flatten()
                            .unwrap_or(l)
                    }
                    None => {
                        // Failover: the caller's region first, then any other cluster.
                        let region = self.member_region[k as usize];
                        let regions = std::mem::take(&mut self.member_region);
                        let near = self.spread(g, |m| m != k && regions[m as usize] == region);
                        self.member_region = regions;
                        match near {
                            Some(w) => w,
                            None => self.spread(g, |m| m != k).unwrap_or(svc as u32),
                        }
                    }
                }
            }
            _ => self.spread(g, |_| true).unwrap_or(svc as u32),
        };
        picked as usize
    }

    /// A workload of group `g` in a cluster `keep` accepts, chosen in proportion to its
    /// placed replicas (every endpoint alike: round robin over them, or at random); `None`
    /// when those clusters have no endpoint.
    fn spread(&mut self, g: u32, keep: impl Fn(u32) -> bool) -> Option<u32> {
        let group = &self.groups[g as usize];
        let total: usize = group
            .workloads
            .iter()
            .map(|&w| &self.services[w as usize])
            .filter(|s| keep(s.member))
            .map(|s| s.nodes.len())
            .sum();
        if total == 0 {
            return None;
        }
        let mut i = match self.lb {
            LoadBalancing::RoundRobin => {
                let group = &mut self.groups[g as usize];
                let i = (group.rr % total as u64) as usize;
                group.rr += 1;
                i
            }
            LoadBalancing::Random | LoadBalancing::LeastRequest => {
                self.lb_rng.random_range(0..total)
            }
        };
        for &w in &self.groups[g as usize].workloads {
            let s = &self.services[w as usize];
            if !keep(s.member) {
                continue;
            }
            if i < s.nodes.len() {
                return Some(w);
            }
            i -= s.nodes.len();
        }
        None
    }

    fn pick_replica(&mut self, svc: usize) -> usize {
        let s = &mut self.services[svc];
        let n = s.nodes.len();
        match self.lb {
            LoadBalancing::RoundRobin => {
                let r = (s.rr % n as u64) as usize;
                s.rr += 1;
                r
            }
            LoadBalancing::Random => self.lb_rng.random_range(0..n),
            LoadBalancing::LeastRequest => {
                if n == 1 {
                    return 0;
                }
                let a = self.lb_rng.random_range(0..n);
                let mut b = self.lb_rng.random_range(0..n - 1);
                if b >= a {
                    b += 1;
                }
                if s.in_flight[b] < s.in_flight[a] {
                    b
                } else {
                    a
                }
            }
        }
    }

    fn node_proxy(&self, mode: NamespaceMode, node: u32, sidecar: u32) -> u32 {
        match mode {
            NamespaceMode::Sidecar | NamespaceMode::Linkerd => sidecar,
            NamespaceMode::Ambient | NamespaceMode::AmbientWaypoint if node != NONE => {
                self.ztunnel[node as usize]
            }
            _ => NONE,
        }
    }

    /// Starts a call from `caller` to a replica of `svc`; `false` if `svc` has no replica.
    fn spawn(
        &mut self,
        parent: u32,
        caller: Caller,
        svc: usize,
        key: u64,
        src: u32,
        s: &mut Scheduler<Ev>,
    ) -> bool {
        let svc = self.route(svc, caller.node);
        if self.services[svc].nodes.is_empty() {
            // Envoy answers 503 "no healthy upstream": the request has failed. A caller goes on
            // with its other calls (the load stays realistic); the request's result is dropped.
            self.failed += 1;
            if parent == NONE {
                self.fail_root(src, svc);
            } else {
                let root = self.frames[parent as usize].root;
                self.frames[root as usize].failed = true;
                self.note_unreachable(src, svc);
            }
            return false;
        }
        let r = self.pick_replica(svc);
        let callee = &self.services[svc];
        let callee_node = callee.nodes[r];
        let callee_mode = callee.mode;
        let callee_sidecar = callee.sidecars[r];
        let wp = callee.waypoint;
        self.services[svc].in_flight[r] += 1;
        let mut path = [Leg::End; MAX_LEGS];
        let mut n = 0;
        let mut push = |l: Leg| {
            path[n] = l;
            n += 1;
        };
        let client = self.node_proxy(caller.mode, caller.node, caller.sidecar);
        if client != NONE {
            push(Leg::Proxy(client));
        }
        let members = self.members_of(caller.node, callee_node);
        if let Some((from, to)) = members.filter(|(a, b)| a != b) {
            // Across clusters: the callee namespace's waypoint in the caller's cluster when it
            // has one, then — across networks, for a meshed callee — the callee cluster's
            // east-west gateway, then the callee cluster's waypoint if none was taken before.
            let mut at = caller.node;
            let mut crossed = false;
            let waypoint_in = |m: &Self, k: u32| {
                let w = m.services[svc]
                    .waypoint_in
                    .get(k as usize)
                    .copied()
                    .unwrap_or(NONE);
                (w != NONE && !m.waypoints[w as usize].stations.is_empty()).then_some(w)
            };
            let local_wp = if wp != NONE {
                waypoint_in(self, from)
            } else {
                None
            };
            if let Some(w) = local_wp {
                let (wst, wnode) = Self::next_replica(&mut self.waypoints[w as usize]);
                push(Leg::Net(self.locality(at, wnode)));
                push(Leg::Proxy(wst));
                at = wnode;
            }
            let via_gateway = self.member_network[from as usize]
                != self.member_network[to as usize]
                && matches!(
                    callee_mode,
                    NamespaceMode::Sidecar
                        | NamespaceMode::Ambient
                        | NamespaceMode::AmbientWaypoint
                )
                && !self.gateways[to as usize].stations.is_empty();
            if via_gateway {
                let (gst, gnode) = Self::next_replica(&mut self.gateways[to as usize]);
                push(Leg::Net(self.cross_leg(from, to)));
                push(Leg::Proxy(gst));
                at = gnode;
                crossed = true;
            }
            if local_wp.is_none()
                && wp != NONE
                && let Some(w) = waypoint_in(self, to)
            {
                let (wst, wnode) = Self::next_replica(&mut self.waypoints[w as usize]);
                push(Leg::Net(if crossed {
                    self.locality(at, wnode)
                } else {
                    self.cross_leg(from, to)
                }));
                push(Leg::Proxy(wst));
                at = wnode;
                crossed = true;
            }
            push(Leg::Net(if crossed {
                self.locality(at, callee_node)
            } else {
                self.cross_leg(from, to)
            }));
        } else if wp != NONE && !self.waypoints[wp as usize].stations.is_empty() {
            let (wst, wnode) = Self::next_replica(&mut self.waypoints[wp as usize]);
            push(Leg::Net(self.locality(caller.node, wnode)));
            push(Leg::Proxy(wst));
            push(Leg::Net(self.locality(wnode, callee_node)));
        } else {
            push(Leg::Net(self.locality(caller.node, callee_node)));
        }
        let server = self.node_proxy(callee_mode, callee_node, callee_sidecar);
        if server != NONE {
            push(Leg::Proxy(server));
        }
        let now = s.now();
        let root = if parent == NONE {
            NONE
        } else {
            self.frames[parent as usize].root
        };
        let f = self.alloc(Frame {
            key,
            parent,
            service: svc as u32,
            replica: r as u32,
            node: callee_node,
            src,
            root,
            start: now,
            hop_start: now,
            path,
            path_len: n as u8,
            crossed: members.is_some_and(|(a, b)| a != b),
            ..Frame::default()
        });
        if parent == NONE {
            self.frames[f as usize].root = f;
        }
        self.advance(f, s);
        true
    }

    fn note_unreachable(&mut self, src: u32, svc: usize) {
        let u = &mut self.unreachable[src as usize];
        if !u.contains(&svc) {
            u.push(svc);
        }
    }

    /// A root request failed (its entry service, or a call below it, had no replica).
    fn fail_root(&mut self, src: u32, svc: usize) {
        self.failed_requests[src as usize] += 1;
        self.note_unreachable(src, svc);
    }

    /// Moves a request along its hop: the next proxy or network leg, or arrival at the callee.
    fn advance(&mut self, f: u32, s: &mut Scheduler<Ev>) {
        let now = s.now();
        let fr = &mut self.frames[f as usize];
        if fr.leg == fr.path_len {
            let hop = now.saturating_duration_since(fr.hop_start);
            let key = fr.key;
            let svc = fr.service as usize;
            let (node, replica) = (fr.node, fr.replica as usize);
            let mut rng = keyed(self.key_seed, key, 1);
            let mut reference_rng = rng;
            let d = self.services[svc].processing.sample_duration(&mut rng);
            // A hop as the published benchmarks measure one: this hop's request leg (its
            // proxies, network and queues under the scenario's load) plus the reply of a
            // reference server — the fortio server of the Istio benchmark — drawn from the same
            // keyed stream as the callee's processing, so it is the same in every mode and, on
            // the benchmark itself, the callee's own draw.
            let reference = self.hop_reference.sample_duration(&mut reference_rng);
            if fr.crossed {
                self.cross_hops.record(hop.saturating_add(reference));
            } else {
                self.hops.record(hop.saturating_add(reference));
            }
            if self.node_cpu.is_empty() || node == NONE {
                s.schedule_in_saturating(d, Ev::Processed { frame: f });
            } else {
                let group = self.services[svc].cpu_groups[replica];
                let n = &mut self.node_cpu[node as usize];
                n.sync(s.now());
                n.push(f, group, d.as_secs_f64());
                self.node_reschedule(node, s);
            }
            return;
        }
        let leg = fr.path[fr.leg as usize];
        fr.leg += 1;
        match leg {
            Leg::Proxy(st) => {
                let p = &mut self.stations[st as usize];
                if let Some(started) = p.st.arrive(now, f) {
                    self.start_service(st, started, true, s);
                } else if p.st.queued() > p.queue_limit {
                    let cause = SaturationCause::Queue {
                        kind: p.kind,
                        label: p.label.clone(),
                        queued: p.st.queued(),
                    };
                    self.saturate(cause, s);
                }
            }
            Leg::Net(loc) => {
                let k = fr.net_draws;
                fr.net_draws += 1;
                let mut rng = keyed(self.key_seed, fr.key, 16 + u64::from(k));
                let d = self.net[loc as usize].sample_duration(&mut rng);
                s.schedule_in_saturating(d, Ev::LegDone { frame: f });
            }
            Leg::End => {}
        }
    }

    /// A worker of station `st` starts serving `started`; `took_core` when it was idle (it takes a
    /// core of its node).
    fn start_service(
        &mut self,
        st: u32,
        started: Started<u32>,
        took_core: bool,
        s: &mut Scheduler<Ev>,
    ) {
        let p = &mut self.stations[st as usize];
        let d = self.dists[p.dist].sample(&mut p.rng).max(0.0);
        p.cpu_s += p.kappa * d;
        if !self.node_cpu.is_empty() && p.node != NONE {
            // Under contention the node paces the visit: its steps are reached after this much
            // of the worker's CPU, which the node hands out (a core each while it has enough).
            let (node, kappa) = (p.node, p.kappa);
            let n = &mut self.node_cpu[node as usize];
            n.sync(s.now());
            if took_core {
                n.set_busy(true);
            }
            if (kappa - 1.0).abs() < 1e-12 {
                n.push_proxy(
                    d,
                    ProxyStep::PathFree {
                        frame: started.job,
                        station: st,
                        arrived: started.arrived,
                    },
                );
            } else {
                n.push_proxy(d, ProxyStep::Path { frame: started.job });
                n.push_proxy(
                    d * kappa,
                    ProxyStep::Free {
                        station: st,
                        arrived: started.arrived,
                    },
                );
            }
            self.node_reschedule(node, s);
            return;
        }
        let on_path = SimDuration::from_secs_f64_saturating(d);
        if (p.kappa - 1.0).abs() < 1e-12 {
            s.schedule_in_saturating(
                on_path,
                Ev::ProxyDoneFree {
                    frame: started.job,
                    station: st,
                    arrived: started.arrived,
                },
            );
        } else {
            s.schedule_in_saturating(on_path, Ev::ProxyDone { frame: started.job });
            s.schedule_in_saturating(
                SimDuration::from_secs_f64_saturating(d * p.kappa),
                Ev::WorkerFree {
                    station: st,
                    arrived: started.arrived,
                },
            );
        }
    }

    fn worker_free(&mut self, st: u32, arrived: SimTime, s: &mut Scheduler<Ev>) {
        if let Some(next) = self.stations[st as usize].st.depart(s.now(), arrived) {
            self.start_service(st, next, false, s);
        } else {
            self.node_busy(st, false, s);
        }
    }

    /// A worker of station `st` took (or gave back) a core of its node.
    fn node_busy(&mut self, st: u32, took: bool, s: &mut Scheduler<Ev>) {
        let node = self.stations[st as usize].node;
        if self.node_cpu.is_empty() || node == NONE {
            return;
        }
        let n = &mut self.node_cpu[node as usize];
        n.sync(s.now());
        n.set_busy(took);
        self.node_reschedule(node, s);
    }

    /// Schedules the node's next change at the current rates; earlier schedules are made stale
    /// by the generation.
    fn node_reschedule(&mut self, node: u32, s: &mut Scheduler<Ev>) {
        let n = &mut self.node_cpu[node as usize];
        n.generation = n.generation.wrapping_add(1);
        if let Some(dt) = n.next_change(s.now()) {
            s.schedule_in_saturating(
                dt,
                Ev::NodeDone {
                    node,
                    generation: n.generation,
                },
            );
        }
    }

    /// The node changes now: requests done, a quota spent or refilled.
    fn node_done(&mut self, node: u32, generation: u32, s: &mut Scheduler<Ev>) {
        let n = &mut self.node_cpu[node as usize];
        if n.generation != generation {
            return;
        }
        n.sync(s.now());
        while let Some(f) = n.pop_done() {
            s.schedule_in_saturating(SimDuration::ZERO, Ev::Processed { frame: f });
        }
        // The proxies' steps reached now are handled here (each may change the node: a worker
        // freed or starting its next visit), one at a time, the node brought to now before each.
        loop {
            let n = &mut self.node_cpu[node as usize];
            n.sync(s.now());
            let Some(step) = n.pop_proxy_done() else {
                break;
            };
            match step {
                ProxyStep::Path { frame } => self.advance(frame, s),
                ProxyStep::PathFree {
                    frame,
                    station,
                    arrived,
                } => {
                    self.worker_free(station, arrived, s);
                    self.advance(frame, s);
                }
                ProxyStep::Free { station, arrived } => self.worker_free(station, arrived, s),
            }
        }
        self.node_reschedule(node, s);
    }

    fn caller_of(&self, f: u32) -> Caller {
        let fr = &self.frames[f as usize];
        let svc = &self.services[fr.service as usize];
        Caller {
            node: fr.node,
            mode: svc.mode,
            sidecar: svc.sidecars[fr.replica as usize],
        }
    }

    fn spawn_child(&mut self, p: u32, target: u32, s: &mut Scheduler<Ev>) -> bool {
        let caller = self.caller_of(p);
        let fr = &mut self.frames[p as usize];
        let key = mix(fr.key, u64::from(fr.next_ordinal));
        fr.next_ordinal += 1;
        let src = fr.src;
        self.spawn(p, caller, target as usize, key, src, s)
    }

    /// The callee finished processing: make its calls, or answer.
    fn processed(&mut self, f: u32, s: &mut Scheduler<Ev>) {
        let svc = self.frames[f as usize].service as usize;
        if self.services[svc].calls.is_empty() {
            self.finish_chain(f, s);
            return;
        }
        if self.services[svc].parallel {
            let calls = self.services[svc].calls.clone();
            let mut spawned = 0u32;
            // Children may finish only through later events, so counting first is safe.
            self.frames[f as usize].pending = u32::MAX;
            for (target, count) in calls {
                for _ in 0..count {
                    if self.spawn_child(f, target, s) {
                        spawned += 1;
                    }
                }
            }
            self.frames[f as usize].pending = spawned;
            if spawned == 0 {
                self.finish_chain(f, s);
            }
        } else {
            let first = self.services[svc].calls[0];
            let fr = &mut self.frames[f as usize];
            fr.call_idx = 0;
            fr.repeat_left = first.1;
            if !self.spawn_child(f, first.0, s) {
                self.child_done(f, s);
            }
        }
    }

    /// A child of `p` answered (or failed at once): the next sequential call, or answer.
    fn child_done(&mut self, mut p: u32, s: &mut Scheduler<Ev>) {
        loop {
            let svc = self.frames[p as usize].service as usize;
            if self.services[svc].parallel {
                let fr = &mut self.frames[p as usize];
                fr.pending -= 1;
                if fr.pending > 0 {
                    return;
                }
            } else {
                let calls_len = self.services[svc].calls.len();
                let fr = &mut self.frames[p as usize];
                fr.repeat_left -= 1;
                if fr.repeat_left == 0 {
                    fr.call_idx += 1;
                    if usize::from(fr.call_idx) < calls_len {
                        fr.repeat_left = self.services[svc].calls[usize::from(fr.call_idx)].1;
                    }
                }
                let idx = usize::from(self.frames[p as usize].call_idx);
                if idx < calls_len {
                    let target = self.services[svc].calls[idx].0;
                    if self.spawn_child(p, target, s) {
                        return;
                    }
                    continue; // failed at once: count it and go on
                }
            }
            match self.finish(p, s) {
                Some(parent) => p = parent,
                None => return,
            }
        }
    }

    fn finish_chain(&mut self, f: u32, s: &mut Scheduler<Ev>) {
        if let Some(parent) = self.finish(f, s) {
            self.child_done(parent, s);
        }
    }

    /// Frees a finished frame; returns its parent, or records the end-to-end time of a root.
    fn finish(&mut self, f: u32, s: &mut Scheduler<Ev>) -> Option<u32> {
        let fr = self.frames[f as usize];
        self.services[fr.service as usize].in_flight[fr.replica as usize] -= 1;
        self.free.push(f);
        if fr.parent == NONE {
            if fr.failed {
                self.failed_requests[fr.src as usize] += 1;
            } else {
                let d = s.now().saturating_duration_since(fr.start);
                self.e2e[fr.src as usize].record(d);
                self.completed += 1;
            }
            // A closed-loop client sends its next request after its think time.
            if let Arrival::Closed { think, .. } = self.sources[fr.src as usize].arrival {
                s.schedule_in_saturating(think, Ev::Arrive { src: fr.src });
            }
            None
        } else {
            Some(fr.parent)
        }
    }

    // ---- arrivals ----

    fn schedule_next_arrival(&mut self, i: usize, s: &mut Scheduler<Ev>) {
        let src = &mut self.sources[i];
        src.pending = None;
        if src.rate > 0.0 {
            let e: f64 = Exp1.sample(&mut src.rng);
            let gap = SimDuration::from_secs_f64_saturating(e / src.rate);
            src.pending = Some(s.schedule_in_saturating(gap, Ev::Arrive { src: i as u32 }));
        }
    }

    pub(super) fn start_source(&mut self, i: usize, s: &mut Scheduler<Ev>) {
        let now = s.now();
        let arrival = self.sources[i].arrival.clone();
        match arrival {
            Arrival::Poisson { rate } => {
                self.sources[i].rate = rate;
                self.schedule_next_arrival(i, s);
            }
            Arrival::Schedule { steps, period } => {
                let src = &mut self.sources[i];
                src.state = 0;
                src.cycle_start = now;
                src.rate = steps[0].1;
                let next = steps.get(1).map_or(period, |x| x.0);
                s.schedule_at(now + next, Ev::SourceChange { src: i as u32 });
                self.schedule_next_arrival(i, s);
            }
            Arrival::Mmpp {
                rates,
                mean_durations,
            } => {
                let src = &mut self.sources[i];
                src.state = 0;
                src.rate = rates[0];
                let e: f64 = Exp1.sample(&mut src.phase_rng);
                let d = SimDuration::from_secs_f64_saturating(e * mean_durations[0].as_secs_f64());
                s.schedule_in_saturating(d, Ev::SourceChange { src: i as u32 });
                self.schedule_next_arrival(i, s);
            }
            Arrival::Closed { connections, .. } => {
                // Every client sends its first request at the start, as a load generator does.
                for _ in 0..connections {
                    s.schedule_at(now, Ev::Arrive { src: i as u32 });
                }
            }
            Arrival::Trace { offsets, scale } => {
                if let Some(&first) = offsets.first() {
                    let src = &mut self.sources[i];
                    src.trace_pos = 0;
                    src.trace_base = 0;
                    let at = SimTime::from_nanos((first as f64 / scale) as u64);
                    src.pending = Some(s.schedule_at(at, Ev::Arrive { src: i as u32 }));
                }
            }
        }
    }

    fn source_change(&mut self, i: usize, s: &mut Scheduler<Ev>) {
        if let Some(p) = self.sources[i].pending.take() {
            s.cancel(p);
        }
        let arrival = self.sources[i].arrival.clone();
        match arrival {
            Arrival::Schedule { steps, period } => {
                let src = &mut self.sources[i];
                src.state += 1;
                if src.state == steps.len() {
                    src.state = 0;
                    src.cycle_start += period;
                }
                src.rate = steps[src.state].1;
                let end = steps.get(src.state + 1).map_or(period, |x| x.0);
                s.schedule_at(src.cycle_start + end, Ev::SourceChange { src: i as u32 });
            }
            Arrival::Mmpp {
                rates,
                mean_durations,
            } => {
                let src = &mut self.sources[i];
                src.state ^= 1;
                src.rate = rates[src.state];
                let e: f64 = Exp1.sample(&mut src.phase_rng);
                let d = SimDuration::from_secs_f64_saturating(
                    e * mean_durations[src.state].as_secs_f64(),
                );
                s.schedule_in_saturating(d, Ev::SourceChange { src: i as u32 });
            }
            _ => {}
        }
        self.schedule_next_arrival(i, s);
    }

    fn arrive(&mut self, i: usize, s: &mut Scheduler<Ev>) {
        if self.frames.len() - self.free.len() > MAX_IN_FLIGHT {
            self.saturate(SaturationCause::InFlight, s);
            return;
        }
        let src = &mut self.sources[i];
        src.pending = None;
        let k = src.count;
        src.count += 1;
        self.arrivals[i] += 1;
        let target = src.target as usize;
        let caller = if src.from == NONE {
            EXTERNAL
        } else {
            let from = &self.services[src.from as usize];
            if from.nodes.is_empty() {
                EXTERNAL
            } else {
                let r = (src.from_rr % from.nodes.len() as u64) as usize;
                src.from_rr += 1;
                Caller {
                    node: from.nodes[r],
                    mode: from.mode,
                    sidecar: from.sidecars[r],
                }
            }
        };
        let key = mix(
            self.key_seed ^ (i as u64).wrapping_mul(0xa076_1d64_78bd_642f),
            k,
        );
        self.spawn(NONE, caller, target, key, i as u32, s);
        // Next arrival.
        let arrival = &self.sources[i].arrival;
        if let Arrival::Closed { .. } = arrival {
            // The client sends again when this request ends (see `finish`). A request that
            // cannot be sent at all (its entry has no placed replica) closes the client: with
            // no think time it would resend at the same instant forever.
        } else if let Arrival::Trace { offsets, scale } = arrival {
            let (offsets, scale) = (offsets.clone(), *scale);
            let src = &mut self.sources[i];
            src.trace_pos += 1;
            if src.trace_pos == offsets.len() {
                src.trace_pos = 0;
                src.trace_base += trace_span_ns(&offsets);
            }
            let t = (src.trace_base + offsets[src.trace_pos]) as f64 / scale;
            src.pending = Some(s.schedule_at(
                SimTime::from_nanos(t as u64).max(s.now()),
                Ev::Arrive { src: i as u32 },
            ));
        } else {
            self.schedule_next_arrival(i, s);
        }
    }

    pub(super) fn reset_stats(&mut self, now: SimTime) {
        self.hops.reset();
        self.cross_hops.reset();
        for h in &mut self.e2e {
            h.reset();
        }
        for p in &mut self.stations {
            p.st.reset_stats(now);
            p.cpu_s = 0.0;
        }
        self.arrivals.iter_mut().for_each(|a| *a = 0);
        self.failed_requests.iter_mut().for_each(|a| *a = 0);
        self.unreachable.iter_mut().for_each(Vec::clear);
        self.completed = 0;
        self.failed = 0;
    }
}

impl LatencyModel {
    /// Runs `warmup`, resets the statistics, runs `duration` and reports.
    pub(super) fn run(self, spec: &LatencySpec) -> Result<LatencyRun, LatencyError> {
        let n_src = self.sources.len();
        let mut sim = Simulation::new(self);
        {
            let (m, s) = sim.parts_mut();
            for i in 0..n_src {
                m.start_source(i, s);
            }
        }
        let t_warm = SimTime::ZERO + spec.warmup;
        let t_end = t_warm + spec.duration;
        sim.run_until(t_warm)?;
        sim.model_mut().reset_stats(t_warm);
        sim.run_until(t_end)?;
        // A stopped (saturated) run reports up to where it stopped.
        let t_report = if sim.model().saturated.is_some() {
            sim.now().max(t_warm)
        } else {
            t_end
        };
        let events = sim.events_handled();
        let mut m = sim.into_model();
        let mut hops = std::mem::take(&mut m.hops);
        hops.finish();
        let mut cross_hops = std::mem::take(&mut m.cross_hops);
        cross_hops.finish();
        let mut end_to_end = std::mem::take(&mut m.e2e);
        end_to_end.iter_mut().for_each(LatencyRecorder::finish);
        let window_s = t_report.saturating_duration_since(t_warm).as_secs_f64();
        let stations: Vec<StationReport> = m
            .stations
            .iter()
            .map(|p| {
                let r = p.st.report(t_report);
                StationReport {
                    kind: p.kind,
                    label: p.label.clone(),
                    utilisation: r.utilisation,
                    cpu_vcpu: if window_s > 0.0 {
                        p.cpu_s / window_s
                    } else {
                        0.0
                    },
                    visits: r.arrivals,
                    mean_wait_ms: r.mean_wait_s * 1e3,
                    little_gap: r.little_law_gap(),
                }
            })
            .collect();
        // A station busy through (almost) the whole window never drained its queue: it is
        // over its capacity even if the queue did not reach its bound in this run.
        if m.saturated.is_none()
            && window_s > 0.0
            && let Some(p) = stations
                .iter()
                .filter(|p| p.utilisation >= BUSY_SATURATED)
                .max_by(|a, b| a.utilisation.total_cmp(&b.utilisation))
        {
            m.saturated = Some(Saturation {
                at_s: t_end.as_secs_f64(),
                cause: SaturationCause::Busy {
                    kind: p.kind,
                    label: p.label.clone(),
                    utilisation: p.utilisation,
                },
            });
        }
        Ok(LatencyRun {
            hops,
            cross_hops,
            end_to_end,
            failed_requests: m.failed_requests,
            unreachable: m.unreachable,
            stations,
            arrivals: m.arrivals,
            completed: m.completed,
            failed_calls: m.failed,
            events,
            window_s,
            saturated: m.saturated,
        })
    }
}

impl Model for LatencyModel {
    type Event = Ev;

    #[inline]
    fn handle(&mut self, ev: Ev, s: &mut Scheduler<Ev>) {
        match ev {
            Ev::LegDone { frame } | Ev::ProxyDone { frame } => self.advance(frame, s),
            Ev::ProxyDoneFree {
                frame,
                station,
                arrived,
            } => {
                self.worker_free(station, arrived, s);
                self.advance(frame, s);
            }
            Ev::WorkerFree { station, arrived } => self.worker_free(station, arrived, s),
            Ev::Processed { frame } => self.processed(frame, s),
            Ev::NodeDone { node, generation } => self.node_done(node, generation, s),
            Ev::Arrive { src } => self.arrive(src as usize, s),
            Ev::SourceChange { src } => self.source_change(src as usize, s),
        }
    }
}
