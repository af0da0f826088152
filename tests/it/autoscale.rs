//! The fleet run (models::autoscale) against `meshsim run`'s placement of a shipped scenario:
//! a mode's costs taken from its placement give every pod the requests the placement gave it,
//! and a fleet without HPAs or autoscaling, holding the replicas the placement placed, places
//! them all and keeps its nodes.

use meshsim_models::autoscale::cluster_autoscaler::CaConfig;
use meshsim_models::autoscale::fleet::{self, FleetSpec, Load};
use meshsim_models::autoscale::modes::{self, ModeCosts};
use meshsim_models::headline::placed_counts;
use meshsim_models::scheduler::PodSpec;
use meshsim_models::study::{self, NoProgress, Options};
use meshsim_tests::shipped;

#[test]
fn a_fleet_without_autoscaling_places_what_meshsim_run_places() {
    for name in ["gpu-inference-memory-bound", "sidecar-tax-500-pods"] {
        let s = shipped(name);
        let rr = study::run(
            &s.study(),
            Options {
                rank_namespaces: false,
            },
            &NoProgress,
        )
        .unwrap();
        let daemonsets: Vec<PodSpec> = s
            .cluster
            .daemonsets
            .iter()
            .map(PodSpec::of_daemonset)
            .collect();
        for (r, run) in rr.results.iter().zip(&rr.runs) {
            let placed = placed_counts(run);
            let base = FleetSpec {
                pools: &s.cluster.pools,
                scaling: vec![None; s.cluster.pools.len()],
                daemonsets: daemonsets.clone(),
                workloads: s
                    .cluster
                    .workloads
                    .iter()
                    .zip(&placed)
                    .map(|(w, n)| modes::fleet_workload(w, *n, 0, None, Load::constant(0.0), 0))
                    .collect(),
                horizon_s: 60,
                hpa_sync_s: 15,
                ca: CaConfig::default(),
                sample_s: 60,
                scheduler: s.scheduler,
                seed: s.seed,
            };
            let costs = ModeCosts::from_run(&s.cluster.workloads, &s.mesh, run);
            assert_eq!(costs.name, r.mode.as_str());
            let spec = modes::under_mode(&base, &costs);
            for (i, w) in spec.workloads.iter().enumerate() {
                assert_eq!(
                    w.spec.requests,
                    s.cluster.workloads[i].requests + run.sidecar_requests[i],
                    "{name} {}: {}",
                    r.mode.as_str(),
                    w.name
                );
            }
            // Node agents per node, as the placement counted them.
            let agents = if run.ztunnel_nodes.is_empty() { 0 } else { 1 };
            assert!(spec.daemonsets.len() >= daemonsets.len() + agents);
            let f = fleet::simulate(&spec);
            let pending: u64 = f.pending_pod_seconds.iter().sum();
            assert_eq!(
                pending,
                0,
                "{name} {}: the fleet left pods pending",
                r.mode.as_str()
            );
            let nodes: u32 = s.cluster.pools.iter().map(|p| p.count).sum();
            assert_eq!(
                f.node_seconds.iter().sum::<u64>(),
                u64::from(nodes) * 60,
                "{name} {}",
                r.mode.as_str()
            );
        }
    }
}
