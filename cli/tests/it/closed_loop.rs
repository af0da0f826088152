//! Closed-loop traffic (`arrival = "closed"`) through the binary: the throughput is an output,
//! exact where nothing queues, and lower where the mesh adds time to every request.

use crate::{meshsim, text};

const SCENARIO: &str = r#"[scenario]
name = "closed"
modes = ["none", "sidecar"]
replications = 2

[latency]
duration = "10s"
warmup = "1s"
same_node = { dist = "constant", mean = "100us" }
same_zone = { dist = "constant", mean = "100us" }
cross_zone = { dist = "constant", mean = "100us" }
# 16 cores for at most 8 requests and 2 busy sidecar workers: contention never binds, so the
# figures below are exact with it on; on, the key is parsed, rendered and reproduced.
cpu_contention = true

[[pools]]
name = "cpu"
count = 1
cpu = "16"
memory = "64Gi"

[[workloads]]
name = "web"
namespace = "shop"
replicas = 1
requests = { cpu = "500m", memory = "1Gi" }
processing_time = { dist = "constant", mean = "1ms" }

[[traffic]]
service = "web"
arrival = "closed"
connections = 8
think = "0s"
"#;

fn throughput(csv: &str, mode: &str) -> f64 {
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let row: Vec<&str> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| {
            c[col("mode")] == mode
                && c[col("scope")] == "call-graph:web"
                && c[col("statistic")] == "mean"
        })
        .unwrap();
    row[col("throughput_rps")].parse().unwrap()
}

/// Without a mesh a request takes exactly 1.1 ms (100 µs of network, 1 ms of processing, no
/// queue), so 8 clients complete 8 / 1.1 ms = 7,272.7 requests a second — up to the requests
/// cut by the window's edges (at most 8 in 10 s: 0.01 %). Sidecars add their traversal to
/// every request, so the same clients complete fewer. run.json reproduces the run.
#[test]
fn closed_loop_throughput_is_an_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("closed.toml"), SCENARIO).unwrap();
    let o = meshsim(
        d,
        &["run", "closed.toml", "--out", "a", "--quiet", "--no-plots"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let lat = std::fs::read_to_string(d.join("a/latency.csv")).unwrap();
    let none = throughput(&lat, "none");
    let exact = 8.0 / 1.1e-3;
    assert!((none - exact).abs() / exact < 2e-4, "{none} vs {exact}");
    let sidecar = throughput(&lat, "sidecar");
    assert!(sidecar < 0.97 * none, "{sidecar} vs {none}");
    let o = meshsim(
        d,
        &["run", "a/run.json", "--out", "b", "--quiet", "--no-plots"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert_eq!(
        lat,
        std::fs::read_to_string(d.join("b/latency.csv")).unwrap()
    );
    let resolved = std::fs::read_to_string(d.join("a/run.json")).unwrap();
    assert!(
        resolved.contains("\"arrival\": \"closed\"")
            && resolved.contains("\"connections\": 8")
            && resolved.contains("\"cpu_contention\": true"),
        "{resolved}"
    );
}
