//! A node's cores under CPU contention, with CPU limits enforced as CFS quota throttling.
//!
//! Busy proxy workers on the node hold a core each — while more are busy than the node has
//! cores, they share the cores equally, so each visit stretches by busy ÷ cores — and the
//! processing of the requests on it shares what is left: processor sharing with at most one
//! core per request, kept in virtual time (`v`: CPU seconds every runnable request on the node
//! has received), so a request is done when `v` reaches its tag. The proxies' steps are kept
//! the same way in their own virtual time (`proxy_v`).
//!
//! An application container with a CPU limit is a CFS group: in every period of
//! [`CFS_PERIOD_NS`] (the kernel's and Kubernetes' default `cpu.cfs_period_us`, 100 ms) it may
//! use `limit × period` CPU seconds. Its requests share the node like any other while it has
//! quota left; when the quota is spent the group is throttled — its requests stop (they leave
//! the node's sharing, so the others speed up) until the next period refills the quota. Unused
//! quota does not carry over (no `cpu.cfs_burst_us`). Periods are aligned to the start of the
//! run, the same for every group; the kernel's 5 ms slices of quota handed to each CPU are not
//! modelled (the quota is one pool per group).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use meshsim_core::time::{SimDuration, SimTime};

/// The CFS period, nanoseconds: 100 ms, the default `cpu.cfs_period_us` the kubelet sets.
pub(super) const CFS_PERIOD_NS: u64 = 100_000_000;

/// No CPU limit: the request's container is never throttled.
pub(super) const UNLIMITED: u32 = u32::MAX;

/// Below a nanosecond of CPU a figure is taken as reached (event times are whole nanoseconds).
const EPS_S: f64 = 1e-9;

/// A request's finishing point in the node's virtual time, its frame, and its CFS group
/// ([`UNLIMITED`] for none). Ordered by tag, ties by frame, so the order is total.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Tag(f64, u32, u32);

impl Eq for Tag {}
impl PartialOrd for Tag {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Tag {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0).then(self.1.cmp(&o.1))
    }
}

/// What a proxy visit on the node reaches when its work is done (see the model's events).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ProxyStep {
    /// The request leaves the proxy; its worker stays busy (CPU beyond the path).
    Path {
        /// The request's frame.
        frame: u32,
    },
    /// The request leaves the proxy and its worker is free.
    PathFree {
        /// The request's frame.
        frame: u32,
        /// The proxy station.
        station: u32,
        /// When the request arrived at the station.
        arrived: SimTime,
    },
    /// The worker is free (the request left earlier).
    Free {
        /// The proxy station.
        station: u32,
        /// When the request arrived at the station.
        arrived: SimTime,
    },
}

/// A proxy step's point in the proxies' virtual time and its sequence number (ties in the
/// order the steps were pushed, so the order is total).
#[derive(Clone, Copy, Debug, PartialEq)]
struct ProxyTag(f64, u64, ProxyStep);

impl Eq for ProxyTag {}
impl PartialOrd for ProxyTag {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for ProxyTag {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0).then(self.1.cmp(&o.1))
    }
}

/// One CPU-limited container on the node.
#[derive(Debug)]
struct CfsGroup {
    /// CPU seconds it may use per period.
    quota_s: f64,
    /// CPU seconds used in period `period`.
    used_s: f64,
    period: u64,
    /// Its requests in the node's sharing.
    runnable: u32,
    throttled: bool,
    /// While throttled: each stopped request's CPU seconds still to do, and its frame.
    parked: Vec<(f64, u32)>,
}

#[derive(Debug)]
pub(super) struct NodeCpu {
    cores: f64,
    busy: u32,
    v: f64,
    last: SimTime,
    jobs: BinaryHeap<Reverse<Tag>>,
    groups: Vec<CfsGroup>,
    /// CPU seconds every busy proxy worker on the node has received.
    proxy_v: f64,
    proxy: BinaryHeap<Reverse<ProxyTag>>,
    proxy_seq: u64,
    /// Bumped at every reschedule, so an earlier scheduled event is known to be stale.
    pub(super) generation: u32,
}

impl NodeCpu {
    pub(super) fn new(cores: f64) -> Self {
        NodeCpu {
            cores,
            busy: 0,
            v: 0.0,
            last: SimTime::ZERO,
            jobs: BinaryHeap::new(),
            groups: Vec::new(),
            proxy_v: 0.0,
            proxy: BinaryHeap::new(),
            proxy_seq: 0,
            generation: 0,
        }
    }

    /// Adds a container limited to `limit_cores`; returns its group for [`NodeCpu::push`].
    pub(super) fn add_group(&mut self, limit_cores: f64) -> u32 {
        self.groups.push(CfsGroup {
            quota_s: limit_cores * CFS_PERIOD_NS as f64 / 1e9,
            used_s: 0.0,
            period: 0,
            runnable: 0,
            throttled: false,
            parked: Vec::new(),
        });
        (self.groups.len() - 1) as u32
    }

    /// CPU seconds per second each runnable request on the node receives now.
    fn rate(&self) -> f64 {
        let n = self.jobs.len();
        if n == 0 {
            return 0.0;
        }
        let free = (self.cores - f64::from(self.busy)).max(0.0);
        (free / n as f64).min(1.0)
    }

    /// CPU seconds per second each busy proxy worker receives now: a whole core, or an equal
    /// share of the cores while more workers are busy than the node has.
    fn proxy_rate(&self) -> f64 {
        if self.busy == 0 {
            1.0
        } else {
            (self.cores / f64::from(self.busy)).min(1.0)
        }
    }

    /// Brings the node to `now`: virtual time and each group's quota at the rate that held since
    /// the last change; a new period refills the quotas and releases the throttled groups; a
    /// group that has spent its quota is throttled. The caller reschedules afterwards.
    pub(super) fn sync(&mut self, now: SimTime) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        let r = self.rate();
        self.v += r * dt;
        self.proxy_v += self.proxy_rate() * dt;
        self.last = now;
        if self.groups.is_empty() {
            return;
        }
        let p_now = now.as_nanos() / CFS_PERIOD_NS;
        let since_start_s = (now.as_nanos() - p_now * CFS_PERIOD_NS) as f64 / 1e9;
        let mut stop = false;
        for (gi, g) in self.groups.iter_mut().enumerate() {
            let ran = f64::from(g.runnable) * r;
            if g.period < p_now {
                // The period `g.period` ended (a throttled group always gets an event at its
                // end, so nothing it could have run in between is lost); what ran since the
                // new one began counts against the refilled quota.
                g.used_s = ran * since_start_s.min(dt);
                g.period = p_now;
                if g.throttled {
                    g.throttled = false;
                    for (rest, f) in g.parked.drain(..) {
                        self.jobs.push(Reverse(Tag(self.v + rest, f, gi as u32)));
                        g.runnable += 1;
                    }
                }
            } else {
                g.used_s += ran * dt;
            }
            if g.runnable > 0 && g.used_s >= g.quota_s - EPS_S {
                g.throttled = true;
                stop = true;
            }
        }
        if stop {
            let v = self.v;
            let jobs = std::mem::take(&mut self.jobs).into_vec();
            let mut keep = Vec::with_capacity(jobs.len());
            for Reverse(t @ Tag(tag, f, gi)) in jobs {
                // A request done as the quota runs out is done, not stopped.
                match self.groups.get_mut(gi as usize) {
                    Some(g) if g.throttled && tag - v > EPS_S => {
                        g.parked.push(((tag - v).max(0.0), f));
                        g.runnable -= 1;
                    }
                    _ => keep.push(Reverse(t)),
                }
            }
            // The parked order is the heap's, which depends only on the run's history.
            for g in &mut self.groups {
                g.parked
                    .sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            }
            self.jobs = BinaryHeap::from(keep);
        }
    }

    /// A request of `work_s` CPU seconds for `frame` starts processing (after [`NodeCpu::sync`]).
    pub(super) fn push(&mut self, frame: u32, group: u32, work_s: f64) {
        if let Some(g) = self.groups.get_mut(group as usize) {
            if g.throttled {
                g.parked.push((work_s, frame));
                return;
            }
            g.runnable += 1;
        }
        self.jobs.push(Reverse(Tag(self.v + work_s, frame, group)));
    }

    /// A proxy visit's `step` is reached after `work_s` more CPU seconds of its worker (after
    /// [`NodeCpu::sync`]).
    pub(super) fn push_proxy(&mut self, work_s: f64, step: ProxyStep) {
        self.proxy.push(Reverse(ProxyTag(
            self.proxy_v + work_s,
            self.proxy_seq,
            step,
        )));
        self.proxy_seq += 1;
    }

    /// The next proxy step reached now (after [`NodeCpu::sync`]).
    pub(super) fn pop_proxy_done(&mut self) -> Option<ProxyStep> {
        let Reverse(ProxyTag(tag, _, step)) = *self.proxy.peek()?;
        if tag > self.proxy_v + EPS_S {
            return None;
        }
        self.proxy.pop();
        Some(step)
    }

    /// A proxy worker on the node took (`true`) or gave back a core (after [`NodeCpu::sync`]).
    pub(super) fn set_busy(&mut self, took: bool) {
        if took {
            self.busy += 1;
        } else {
            self.busy = self.busy.saturating_sub(1);
        }
    }

    /// The next request whose processing is done now (after [`NodeCpu::sync`]).
    pub(super) fn pop_done(&mut self) -> Option<u32> {
        let Reverse(Tag(tag, f, gi)) = *self.jobs.peek()?;
        if tag > self.v + EPS_S {
            return None;
        }
        self.jobs.pop();
        if let Some(g) = self.groups.get_mut(gi as usize) {
            g.runnable -= 1;
        }
        Some(f)
    }

    /// Time from `now` to the node's next change at the current rates — a request done, a
    /// proxy step reached, a group's quota spent, a throttled group's period over — or `None` when nothing is pending.
    /// A quota is spent at most a nanosecond late; a new period never comes late.
    pub(super) fn next_change(&self, now: SimTime) -> Option<SimDuration> {
        let r = self.rate();
        let mut next_s = f64::INFINITY;
        if let Some(Reverse(Tag(tag, _, _))) = self.jobs.peek()
            && r > 0.0
        {
            next_s = (tag - self.v).max(0.0) / r;
        }
        if let Some(Reverse(ProxyTag(tag, _, _))) = self.proxy.peek() {
            next_s = next_s.min((tag - self.proxy_v).max(0.0) / self.proxy_rate());
        }
        let mut next = None::<SimDuration>;
        for g in &self.groups {
            if g.throttled {
                let end = (g.period + 1) * CFS_PERIOD_NS;
                let d = SimDuration::from_nanos(end.saturating_sub(now.as_nanos()));
                next = Some(next.map_or(d, |n| n.min(d)));
            } else if g.runnable > 0 && r > 0.0 {
                // Rounded up to a whole nanosecond, at least one: the quota is spent by then (a
                // group can use several cores, so a rounded-down instant could leave more than
                // [`EPS_S`] of it and come back at the same time forever).
                let s_left = (g.quota_s - g.used_s).max(0.0) / (f64::from(g.runnable) * r);
                let d = SimDuration::from_nanos(((s_left * 1e9).ceil() as u64).clamp(1, 1 << 60));
                next = Some(next.map_or(d, |n| n.min(d)));
            }
        }
        let by_rate = next_s
            .is_finite()
            .then(|| SimDuration::from_secs_f64_saturating(next_s.min(1e9)));
        match (next, by_rate) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
