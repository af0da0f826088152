//! meshsim's FGD replay against a node-by-node reference written from the FGD study's
//! description (Weng et al., "Beware of Fragmentation", USENIX ATC'23). The study's published
//! medians on the openb default trace are checked on the validation page
//! (`tests/validation.rs`, `tests/it/validation.rs`, `VALIDATION.md`).

use meshsim_models::replay::{self, Overlay, Protocol, ReplaySpec};
use meshsim_models::scheduler::policies::Policy;
use meshsim_scenarios::openb;
use meshsim_tests::data_file;
use meshsim_tests::fgd_reference::{self, Node};

/// meshsim's FGD (node classes, incremental views, the engine) places exactly what a node-by-node
/// FGD written from the study's description places, pod for pod in count and GPU thousandths:
/// on the first 150 openb nodes with arrivals to 130 % of their GPUs, two seeds.
#[test]
fn incremental_fgd_equals_the_node_by_node_reference() {
    let all = openb::load_nodes(&data_file("openb/openb_node_list_gpu_node.csv")).unwrap();
    let pods = openb::load_pods(&data_file("openb/openb_pod_list_default.csv")).unwrap();
    let nodes = &all[..150];
    let capacity = replay::gpu_capacity(nodes);
    let typical = meshsim_models::scheduler::frag::TypicalPods::of(
        &pods.iter().map(fgd_reference::shape).collect::<Vec<_>>(),
    );
    let none = Overlay::none();
    for seed in [42, 43] {
        let arrivals = replay::protocol::fgd_arrivals(&pods, capacity, 1.3, seed);
        let keys = replay::protocol::node_keys(nodes, seed);
        let mut state = Node::all(nodes, &keys);
        let (used, placed) = fgd_reference::node_by_node(&mut state, &pods, &arrivals, &typical);
        let spec = ReplaySpec {
            nodes,
            pods: &pods,
            protocol: Protocol::Fgd { tune_ratio: 1.3 },
            policy: Policy::Fgd,
            seed,
            overlay: &none,
            max_pods: 1001,
            daemonsets: &[],
        };
        let r = replay::dynamics::run(&spec, None);
        assert_eq!(r.arrived, arrivals.len() as u64);
        assert!(r.failed > 0, "seed {seed}: 130 % must leave pods unplaced");
        assert_eq!(
            (r.log.last().unwrap().used_milli, r.placed),
            (used, placed),
            "seed {seed}: meshsim against the reference (GPU thousandths, pods placed)"
        );
    }
}
