//! The FGD replay (the openb default trace on its 1,213 GPU nodes, arrivals to 130 % of GPU
//! capacity, seed 42), one core: meshsim's replay (`meshsim_models::replay::dynamics::run`, the
//! incremental scheduler on the engine) for each policy, against a same-run baseline that
//! schedules FGD node by node — for every pod, filter every node and compute the fragmentation
//! of every feasible node before and after, as the study's simulator does.
//!
//! ```text
//! cargo bench -p meshsim-tests --bench replay
//! ```

#![allow(clippy::print_stdout, reason = "a benchmark binary reports on stdout")]

use std::time::Instant;

use meshsim_models::replay::{self, Overlay, Protocol, ReplaySpec, protocol};
use meshsim_models::scheduler::frag::TypicalPods;
use meshsim_models::scheduler::policies::Policy;
use meshsim_scenarios::openb;
use meshsim_tests::data_file;
use meshsim_tests::fgd_reference::{Node, node_by_node, shape};

const SEED: u64 = 42;

fn main() {
    let nodes = openb::load_nodes(&data_file("openb/openb_node_list_gpu_node.csv")).unwrap();
    let pods = openb::load_pods(&data_file("openb/openb_pod_list_default.csv")).unwrap();
    let capacity = replay::gpu_capacity(&nodes);
    let arrivals = protocol::fgd_arrivals(&pods, capacity, 1.3, SEED);
    println!(
        "openb default: {} nodes, {} pods, {} arrivals (seed {SEED}, 130 % of {} GPUs)",
        nodes.len(),
        pods.len(),
        arrivals.len(),
        capacity / 1000
    );
    let none = Overlay::none();
    let mut fgd_time = 0.0;
    for policy in Policy::names().iter().filter_map(|n| Policy::parse(n)) {
        let spec = ReplaySpec {
            nodes: &nodes,
            pods: &pods,
            protocol: Protocol::Fgd { tune_ratio: 1.3 },
            policy,
            seed: SEED,
            overlay: &none,
            max_pods: 1001,
            daemonsets: &[],
        };
        let t = Instant::now();
        let r = replay::dynamics::run(&spec, None);
        let secs = t.elapsed().as_secs_f64();
        if policy == Policy::Fgd {
            fgd_time = secs;
        }
        let used = r.log.last().map_or(0, |l| l.used_milli);
        println!(
            "meshsim {:<15} {:>7.3} s  {:>8.0} arrivals/s  final allocation {:.2} %",
            policy.as_str(),
            secs,
            arrivals.len() as f64 / secs,
            100.0 * used as f64 / capacity as f64
        );
    }
    let typical = TypicalPods::of(&pods.iter().map(shape).collect::<Vec<_>>());
    let keys = protocol::node_keys(&nodes, SEED);
    let mut state = Node::all(&nodes, &keys);
    let t = Instant::now();
    let (used, _) = node_by_node(&mut state, &pods, &arrivals, &typical);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "node-by-node fgd        {secs:>7.3} s  {:>8.0} arrivals/s  final allocation {:.2} %   (meshsim fgd {:.1}x faster)",
        arrivals.len() as f64 / secs,
        100.0 * used as f64 / capacity as f64,
        secs / fgd_time
    );
}
