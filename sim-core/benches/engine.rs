//! Engine throughput: meshsim's M/M/16 station at ρ = 0.8 against a bare `BinaryHeap` loop.
//!
//! ```text
//! cargo bench -p meshsim-core --bench engine                      # 10^7 events, both loops
//! cargo bench -p meshsim-core --bench engine -- --events 100000000 --only meshsim   # peak RSS at 10^8
//! bash sim-core/benches/engine-vs-simpy.sh                       # all of it, with SimPy
//! ```
//!
//! An "event" is one popped and handled event: in the M/M/16 model every customer is two events
//! (arrival, departure). The baseline pops the earliest of 16 pending `(time, seq)` keys and
//! pushes a new key a pseudo-random increment later (xorshift64), the same number of times: the
//! heap traffic of the model with nothing else — the practical limit for a heap-based engine.
//! Peak RSS (`VmHWM` from /proc/self/status) is printed last; it is per process, so compare runs
//! with different `--events`.

#![allow(clippy::print_stdout, reason = "a benchmark binary reports on stdout")]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

use meshsim_core::dist::Dist;
use meshsim_core::tandem::{self, TandemSpec};

fn bare_heap(events: u64) -> f64 {
    let mut heap: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::with_capacity(32);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut seq = 0u64;
    for _ in 0..16 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        heap.push(Reverse((x % 1_000_000, seq)));
        seq += 1;
    }
    let start = Instant::now();
    for _ in 0..events {
        let Reverse((t, _)) = heap.pop().expect("heap never empties");
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        heap.push(Reverse((t + (x % 1_000_000), seq)));
        seq += 1;
    }
    black_box(&heap);
    events as f64 / start.elapsed().as_secs_f64()
}

fn mm16(events: u64, histograms: bool) -> f64 {
    // ρ = 0.8: λ = 0.8 × 16 × μ with a 1 ms mean service time.
    let spec = TandemSpec {
        interarrival: Dist::exponential(1e-3 / (0.8 * 16.0)).expect("valid mean"),
        stations: vec![(16, Dist::exponential(1e-3).expect("valid mean"))],
        histograms,
    };
    let mut sim = tandem::simulation(&spec, 1);
    let start = Instant::now();
    let r = sim.run_events(events).expect("runs");
    let rate = r.events as f64 / start.elapsed().as_secs_f64();
    let util = sim.model().stations()[0].report(sim.now()).utilisation;
    assert!((util - 0.8).abs() < 0.01, "utilisation {util}");
    rate
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let events: u64 = arg("--events")
        .map(|s| s.parse::<f64>().expect("--events takes a number") as u64)
        .unwrap_or(10_000_000);
    let only = arg("--only");
    let reps: usize = arg("--reps").map_or(5, |s| s.parse().expect("--reps takes a count"));
    println!("events: {events}, repetitions: {reps} (interleaved; medians reported)");
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    match only.as_deref() {
        None => {
            let (mut heap, mut sim, mut sim_h) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..reps {
                heap.push(bare_heap(events));
                sim.push(mm16(events, false));
                sim_h.push(mm16(events, true));
            }
            let (heap, sim, sim_h) = (median(heap), median(sim), median(sim_h));
            println!(
                "bare BinaryHeap loop:           {:>7.2} M events/s",
                heap / 1e6
            );
            println!(
                "meshsim M/M/16 rho=0.8:         {:>7.2} M events/s  ({:.2}x the bare heap)",
                sim / 1e6,
                sim / heap
            );
            println!(
                "  with wait/sojourn histograms: {:>7.2} M events/s  ({:.2}x the bare heap)",
                sim_h / 1e6,
                sim_h / heap
            );
        }
        Some(which) => {
            let rate = match which {
                "heap" => bare_heap(events),
                "meshsim" => mm16(events, false),
                "meshsim-hist" => mm16(events, true),
                other => panic!("--only takes heap, meshsim or meshsim-hist, not {other}"),
            };
            println!("{which}: {:>7.2} M events/s", rate / 1e6);
        }
    }
    if let Some(rss) = peak_rss_mib() {
        println!("peak RSS: {rss:.1} MiB");
    }
}
