//! The Azure LLM inference traces (Patel et al., "Splitwise", ISCA 2024; CC-BY) load, and
//! replaying one reproduces its request count and mean rate.

use meshsim_models::latency::Arrival;
use meshsim_models::mesh::MeshMode;
use meshsim_scenarios::trace::load_trace;
use meshsim_tests::{data_file, shipped, simulate};

#[test]
fn azure_traces_load_with_their_published_shape() {
    // 8,819 requests over ≈ 57 min (≈ 2.57/s) and 19,366 over ≈ 58 min (≈ 5.53/s).
    for (file, rows, rate) in [
        ("AzureLLMInferenceTrace_code.csv", 8_819, 2.57),
        ("AzureLLMInferenceTrace_conv.csv", 19_366, 5.53),
    ] {
        let offsets = load_trace(&data_file(&format!("azure-llm/{file}")), "TIMESTAMP").unwrap();
        assert_eq!(offsets.len(), rows, "{file}");
        let a = Arrival::Trace {
            offsets: offsets.clone(),
            scale: 1.0,
        };
        let span_s = *offsets.last().unwrap() as f64 / 1e9;
        assert!(
            (rows as f64 / span_s - rate).abs() < 0.02,
            "{file}: {}",
            rows as f64 / span_s
        );
        assert!((a.mean_rate() - rate).abs() < 0.02);
    }
}

#[test]
fn replaying_the_code_trace_reproduces_count_and_rate() {
    let mut s = shipped("istio-benchmark");
    let offsets = load_trace(
        &data_file("azure-llm/AzureLLMInferenceTrace_code.csv"),
        "TIMESTAMP",
    )
    .unwrap();
    let span = meshsim_models::latency::arrivals::trace_span_ns(&offsets);
    let spec = s.latency.as_mut().unwrap();
    spec.traffic[0].arrival = Arrival::Trace {
        offsets: offsets.clone(),
        scale: 1.0,
    };
    spec.warmup = meshsim_core::time::SimDuration::ZERO;
    spec.duration = meshsim_core::time::SimDuration::from_nanos(span);
    s.replications = 1;
    let runs = simulate(&s, &[MeshMode::Ambient]);
    let r = &runs[0][0];
    assert_eq!(r.arrivals[0], 8_819);
    let rate = r.arrivals[0] as f64 / r.window_s;
    assert!((rate - 2.57).abs() < 0.02, "{rate}");
    // The window ends a mean gap after the last arrival: every request has answered.
    assert_eq!(r.completed, 8_819);
}

/// The conversation trace as a fleet's load (models::autoscale::fleet::Load): per-minute rates
/// whose integral is the trace's request count times the scale, and whose peak is the busiest
/// minute counted here independently.
#[test]
fn the_conversation_trace_becomes_a_per_minute_load() {
    use meshsim_models::autoscale::fleet::Load;
    let offsets = load_trace(
        &data_file("azure-llm/AzureLLMInferenceTrace_conv.csv"),
        "TIMESTAMP",
    )
    .unwrap();
    let load = Load::from_arrivals(&offsets, 60, 50.0, None);
    let mut integral = 0.0;
    for w in load.steps.windows(2) {
        integral += w[0].1 * (w[1].0 - w[0].0) as f64;
    }
    assert_eq!(load.steps.last().unwrap().1, 0.0, "nothing after the trace");
    assert!(
        (integral - 50.0 * offsets.len() as f64).abs() < 1e-6 * integral,
        "{integral}"
    );
    let mut per_minute = std::collections::BTreeMap::<u64, u64>::new();
    for &t in offsets.iter() {
        *per_minute.entry(t / 60_000_000_000).or_default() += 1;
    }
    let busiest = *per_minute.values().max().unwrap() as f64 * 50.0 / 60.0;
    let peak = load.steps.iter().map(|s| s.1).fold(0.0, f64::max);
    assert_eq!(peak, busiest);
    // About an hour of trace: 58 one-minute bins or so, at ≈ 5.53 × 50 ≈ 277 rps on average.
    assert!(
        (57..=59).contains(&per_minute.len()),
        "{}",
        per_minute.len()
    );
}
