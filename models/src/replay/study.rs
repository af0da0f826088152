//! Every run of a replay study (overlays × policies × seeds), in parallel, in a fixed order, and
//! the aggregates over seeds: median curves and the allocation the mesh costs each policy.

use meshsim_core::time::SimDuration;
use rayon::prelude::*;

use super::dynamics::{self, LogLine, ReplayRun};
use super::report::{self, CurvePoint};
use super::{DaemonSetPod, Overlay, Protocol, ReplayNode, ReplayPod, ReplaySpec};
use crate::scheduler::policies::Policy;
use crate::study::Progress;

/// What to replay and compare.
#[derive(Clone, Copy, Debug)]
pub struct ReplayStudy<'a> {
    /// Nodes.
    pub nodes: &'a [ReplayNode],
    /// Pods.
    pub pods: &'a [ReplayPod],
    /// How pods arrive.
    pub protocol: Protocol,
    /// Policies.
    pub policies: &'a [Policy],
    /// Seeds.
    pub seeds: &'a [u64],
    /// Mesh overlays.
    pub overlays: &'a [Overlay],
    /// Most pods per node, where a node does not say.
    pub max_pods: u32,
    /// The cluster's own DaemonSets.
    pub daemonsets: &'a [DaemonSetPod],
    /// Time-series period (trace protocol).
    pub sample_every: Option<SimDuration>,
    /// Curves run from 0 to this arrived share, %.
    pub max_pct: u32,
}

/// One run and its curve.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Index into the study's overlays.
    pub overlay: usize,
    /// Policy.
    pub policy: Policy,
    /// Seed.
    pub seed: u64,
    /// The run, its log emptied once the curve was taken from it (a log holds a line per
    /// scheduling attempt; keeping every run's would grow memory with runs × pods).
    pub run: ReplayRun,
    /// The run's last log line: the cluster at the end.
    pub last: LogLine,
    /// Its curve, steps `0..=max_pct`.
    pub curve: Vec<CurvePoint>,
}

/// The median curve of one (overlay, policy) over the seeds.
#[derive(Clone, Debug)]
pub struct MedianCurve {
    /// Index into the study's overlays.
    pub overlay: usize,
    /// Policy.
    pub policy: Policy,
    /// Seeds aggregated.
    pub seeds: usize,
    /// The curve.
    pub curve: Vec<CurvePoint>,
}

/// Everything a replay study computed.
#[derive(Clone, Debug)]
pub struct ReplayResult {
    /// Runs in order: overlays, then policies, then seeds, as given.
    pub runs: Vec<RunResult>,
    /// Median curves in the same order of overlays and policies.
    pub medians: Vec<MedianCurve>,
}

impl ReplayResult {
    /// The runs of one overlay and policy.
    pub fn runs_of(&self, overlay: usize, policy: Policy) -> impl Iterator<Item = &RunResult> {
        self.runs
            .iter()
            .filter(move |r| r.overlay == overlay && r.policy == policy)
    }

    /// The median curve of one overlay and policy.
    pub fn median_of(&self, overlay: usize, policy: Policy) -> Option<&MedianCurve> {
        self.medians
            .iter()
            .find(|m| m.overlay == overlay && m.policy == policy)
    }
}

/// Runs in a study.
pub fn steps(s: &ReplayStudy<'_>) -> u64 {
    (s.overlays.len() * s.policies.len() * s.seeds.len()) as u64
}

/// Runs every replay of the study (in parallel; the results do not depend on the thread count).
pub fn run(s: &ReplayStudy<'_>, progress: &dyn Progress) -> ReplayResult {
    progress.phase("replaying");
    let jobs: Vec<(usize, Policy, u64)> = (0..s.overlays.len())
        .flat_map(|o| {
            s.policies
                .iter()
                .flat_map(move |&p| s.seeds.iter().map(move |&seed| (o, p, seed)))
        })
        .collect();
    let runs: Vec<RunResult> = jobs
        .into_par_iter()
        .map(|(overlay, policy, seed)| {
            let spec = ReplaySpec {
                nodes: s.nodes,
                pods: s.pods,
                protocol: s.protocol,
                policy,
                seed,
                overlay: &s.overlays[overlay],
                max_pods: s.max_pods,
                daemonsets: s.daemonsets,
            };
            let mut run = dynamics::run(&spec, s.sample_every);
            let curve = report::curve(&run, s.max_pct);
            let last = run.log.last().copied().unwrap_or_default();
            run.log = Vec::new();
            progress.step();
            RunResult {
                overlay,
                policy,
                seed,
                run,
                last,
                curve,
            }
        })
        .collect();
    let mut medians = Vec::new();
    for o in 0..s.overlays.len() {
        for &p in s.policies {
            let curves: Vec<Vec<CurvePoint>> = runs
                .iter()
                .filter(|r| r.overlay == o && r.policy == p)
                .map(|r| r.curve.clone())
                .collect();
            medians.push(MedianCurve {
                overlay: o,
                policy: p,
                seeds: curves.len(),
                curve: report::median_curve(&curves),
            });
        }
    }
    ReplayResult { runs, medians }
}
