//! A scenario's day (`[autoscaling]`) through `meshsim run`'s study, against figures computed
//! by hand: an application HPA's step response, a waypoint's HPA on its namespace's inbound
//! load, and istiod's HPA on the proxies connected to it.

use meshsim_models::autoscale::day::{ModeDay, Role};
use meshsim_models::mesh::MeshMode;
use meshsim_models::study::{self, NoProgress, Options};

const SCENARIO: &str = r#"
[scenario]
name = "day-by-hand"
modes = ["none", "ambient-waypoint"]
current = "none"
nodes_required = false

[mesh]
preset = "istio-1.24"
waypoint_namespaces = ["web"]
waypoint = { request = { cpu = "100m", memory = "128Mi" }, base_cpu = "0", cpu_per_1000_rps = "250m", replicas = 1 }
istiod = { request = { cpu = "100m", memory = "512Mi" }, base_cpu = "0", cpu_per_1000_proxies = "60", min_replicas = 1, max_replicas = 8, hpa_target = 0.5 }

[[pools]]
name = "web"
count = 2
cpu = "16"
memory = "64Gi"

[[workloads]]
name = "api"
namespace = "web"
replicas = 2
requests = { cpu = "500m", memory = "512Mi" }
usage = { cpu = "250m", memory = "256Mi" }
rps = 50

[autoscaling]
horizon = "2h"
sample = "60s"
waypoint_hpa = { min = 1, max = 10, target_utilization = 50 }

[autoscaling.workloads.api]
hpa = { min = 1, max = 20, target_utilization = 50, metric = "container-resource" }
load = { schedule = [{ at = "0s", rate = 100 }, { at = "1h", rate = 400 }], period = "2h" }
"#;

/// The study `meshsim run` makes of `s` (the namespace ranking apart).
fn study_of(s: &meshsim_scenarios::Scenario) -> study::StudyResult {
    study::run(
        &s.study(),
        Options {
            rank_namespaces: false,
        },
        &NoProgress,
    )
    .unwrap()
}

fn days() -> Vec<ModeDay> {
    let s = meshsim_scenarios::parse("day-by-hand", SCENARIO).unwrap();
    let rr = study_of(&s);
    rr.days
}

/// Pods of the fleet workload named `name` placed at time `t_s` (sampled every 60 s).
fn placed(d: &ModeDay, name: &str, t_s: u64) -> u32 {
    let n = d.workloads.len();
    let w = d.workloads.iter().position(|x| x.0 == name).unwrap();
    d.fleet.placed_at_samples[(t_s / 60) as usize * n + w]
}

/// `api`: 5m of CPU per request (250m at 50 rps), HPA at 50 % of 500m (50 rps a pod).
/// - 100 rps on 2 pods: 500m / 1,000m = 50 % → 2.
/// - 400 rps from 1 h: 2,000m / 1,000m = 200 %, ratio 4 → 8 wanted; the scale-up policies
///   allow max(100 % = 2, 4 pods) per 15 s → 6 at 3,600 s; at 3,615 s the first event is one
///   period old, 2,000m / 3,000m = 66.7 % → ceil(1.333 × 6) = 8.
#[test]
fn an_hpa_step_response_through_a_scenario() {
    for d in days() {
        assert_eq!(placed(&d, "api", 3540), 2, "{}", d.mode.as_str());
        assert_eq!(placed(&d, "api", 3600), 6, "{}", d.mode.as_str());
        assert_eq!(placed(&d, "api", 3660), 8, "{}", d.mode.as_str());
        assert_eq!(
            d.fleet.demanded_pod_seconds[0],
            2 * 3600 + 6 * 15 + 8 * (3600 - 15)
        );
    }
}

/// The waypoint of `web` serves api's inbound load: 250m per 1,000 rps over a 100m request,
/// HPA at 50 %. At 100 rps, 25 % → ratio 0.5 → ceil(0.5) = 1; at 400 rps, 100 % → 2.
/// istiod: 60m per connected proxy over 100m, HPA at 50 %. Proxies are the waypoint's replicas
/// and one ztunnel per node: 1 + 2 = 3 → 180m → ceil(180 / 50) = 4 replicas (at 4, 45 %: ratio
/// 0.9, within the 10 % tolerance); from 1 h, 2 + 2 = 4 → 240m over 4 × 100m = 60 %, ratio 1.2
/// → ceil(4.8) = 5. Without a mesh there is neither.
#[test]
fn waypoint_and_istiod_hpas_follow_their_load() {
    let d = days();
    let (none, wp) = (&d[0], &d[1]);
    assert_eq!(none.mode, MeshMode::None);
    assert!(none.workloads.iter().all(|w| matches!(w.1, Role::App(_))));
    assert_eq!(wp.mode, MeshMode::AmbientWaypoint);
    assert_eq!(placed(wp, "waypoint/web", 3540), 1);
    assert_eq!(placed(wp, "waypoint/web", 3660), 2);
    assert_eq!(placed(wp, "istiod", 3540), 4);
    assert_eq!(placed(wp, "istiod", 3660), 5);
}

/// The shipped diurnal scenario, every mode: pod-seconds conserve (placed + pending =
/// demanded, per workload), a pool's cost is its node-hours at its price scaled to 730 hours,
/// the fleet's saving is the sum of its pools', and the application sees the same load — so,
/// with `container-resource` HPAs, the same replica-hours — in every mode.
#[test]
fn the_shipped_day_conserves_and_adds_up() {
    use meshsim_models::rows::{RunInfo, autoscale};
    let s = meshsim_tests::shipped("diurnal-gpu-inference");
    let rr = study_of(&s);
    let a = s.autoscaling.as_ref().unwrap();
    assert_eq!(a.spec.horizon_s, 86_400);
    for d in &rr.days {
        let f = &d.fleet;
        for w in 0..d.workloads.len() {
            assert_eq!(
                f.placed_pod_seconds[w] + f.pending_pod_seconds[w],
                f.demanded_pod_seconds[w],
                "{} {}",
                d.mode.as_str(),
                d.workloads[w].0
            );
        }
        for (i, w) in s.cluster.workloads.iter().enumerate() {
            assert_eq!(
                f.demanded_pod_seconds[i],
                rr.days[0].fleet.demanded_pod_seconds[i],
                "{}: {}",
                d.mode.as_str(),
                w.name
            );
        }
    }
    let info = RunInfo {
        scenario: &s.name,
        seed: s.seed,
    };
    let rows = autoscale::summary(&info, &s.cluster, s.current, a.spec.horizon_s, &rr.days);
    for m in ["none", "sidecar", "ambient", "ambient-waypoint"] {
        let of = |p: &str| rows.iter().find(|r| r.mode == m && r.pool == p).unwrap();
        for (p, pool) in s.cluster.pools.iter().enumerate() {
            let r = of(&pool.name);
            let hours = rr
                .days
                .iter()
                .find(|d| d.mode.as_str() == m)
                .unwrap()
                .fleet
                .node_seconds[p] as f64
                / 3600.0;
            assert!((r.node_hours - hours).abs() < 1e-6);
            assert!(
                (r.cost_usd_per_month - hours * pool.price_per_hour_usd * 730.0 / 24.0).abs()
                    < 1e-3
            );
        }
        let sum: f64 = s
            .cluster
            .pools
            .iter()
            .map(|p| of(&p.name).savings_usd_per_month.unwrap())
            .sum();
        assert!(
            (of("all").savings_usd_per_month.unwrap() - sum).abs() < 1e-3,
            "{m}"
        );
    }
    // Sidecars cost one replica per memory-bound GPU node: more GPU node-hours than ambient.
    let gpu = |m: &str| {
        rows.iter()
            .find(|r| r.mode == m && r.pool == "gpu-a100")
            .unwrap()
            .node_hours
    };
    assert!(gpu("sidecar") > gpu("ambient"));
}

/// With a `Resource` metric the sidecar's request and usage are in the HPA's average, so the
/// inference replicas differ between modes and the day's savings compare different counts:
/// the run says so; with `container-resource` (the shipped file) it has nothing to say.
#[test]
fn replica_hours_that_differ_between_modes_are_named() {
    let path = meshsim_tests::root().join("scenarios/diurnal-gpu-inference.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let run = |text: &str| {
        let s = meshsim_scenarios::parse_in("d", text, path.parent()).unwrap();
        study_of(&s).warnings
    };
    let named = |w: &[String]| {
        w.iter()
            .filter(|x| x.contains("`llm-7b` runs") && x.contains("replica-hours against sidecar"))
            .count()
    };
    assert_eq!(named(&run(&text)), 0);
    let resource = text.replace(", metric = \"container-resource\"", "");
    assert_ne!(resource, text);
    let w = run(&resource);
    // none, ambient and ambient-waypoint each run more inference replica-hours than sidecar.
    assert_eq!(named(&w), 3, "{w:#?}");
    assert!(w.iter().any(|x| x.starts_with("ambient: `llm-7b` runs +")));
}

/// Latency over the day: with `[[traffic]]` the request simulation runs again at the day's
/// trough, median and peak. The load is 100 rps for the first hour and 400 for the second,
/// sampled every minute: the trough is the first instant (0 s), the median the 60th lowest of
/// 120 (3,540 s, still 100 rps) and the peak the first at 400 rps (3,600 s); the traffic's 100
/// rps stand for 2 replicas × 50 rps, so the factors are 1, 1 and 4. The sidecars' simulated
/// CPU follows the requests: at the peak 4 × the trough's, within what 20 s of Poisson arrivals
/// (2,000 and 8,000 requests, log-normal service times) allow — ±10 %.
#[test]
fn latency_is_simulated_at_the_days_trough_median_and_peak() {
    let text = SCENARIO.replace(
        "modes = [\"none\", \"ambient-waypoint\"]",
        "modes = [\"none\", \"sidecar\"]",
    ) + r#"
[latency]
duration = "20s"
warmup = "1s"

[[traffic]]
service = "api"
arrival = "poisson"
rate = 100
"#;
    let s = meshsim_scenarios::parse("windows", &text).unwrap();
    let rr = study_of(&s);
    let got: Vec<(&str, u64, f64)> = rr
        .windows
        .iter()
        .map(|(w, _)| (w.label, w.t_s, w.load_factor))
        .collect();
    assert_eq!(
        got,
        vec![
            ("trough", 0, 1.0),
            ("median", 3540, 1.0),
            ("peak", 3600, 4.0)
        ]
    );
    let cpu = |k: usize| rr.windows[k].1[1].proxy_cpu_simulated_vcpu.unwrap().0;
    let ratio = cpu(2) / cpu(0);
    assert!(
        (ratio - 4.0).abs() < 0.4,
        "peak / trough sidecar CPU {ratio}"
    );
    // Without a mesh nothing is added per hop; with sidecars something is, at every window.
    for (_, cells) in &rr.windows {
        assert!(cells[1].hop_p50_ms.unwrap().0 > 0.0);
    }
}

/// The windows' request count is bounded at the day's highest load, located at [autoscaling].
#[test]
fn the_windows_request_count_is_bounded() {
    let text = SCENARIO.replace("rate = 400 }", "rate = 4e8 }")
        + "\n[latency]\nduration = \"20s\"\n\n[[traffic]]\nservice = \"api\"\narrival = \"poisson\"\nrate = 100\n";
    let e = meshsim_scenarios::parse("bound", &text)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("autoscaling") && e.contains("beyond meshsim's limit of 2e9"),
        "{e}"
    );
}

/// A pool that cannot grow enough: at 400 rps `api` wants 8 pods of 500m, and two 1-vCPU
/// nodes (the pool's maximum) hold 4. The waiting pods are no autoscaling's to place: the mode
/// does not fit the day, and no saving is computed for it or against it.
#[test]
fn a_mode_that_outgrows_its_pools_has_no_saving() {
    use meshsim_models::rows::{RunInfo, autoscale};
    let text = SCENARIO
        .replace("cpu = \"16\"", "cpu = \"1\"")
        .replace("current = \"none\"", "current = \"ambient-waypoint\"")
        .replace(
            "[autoscaling.workloads.api]",
            "[autoscaling.pools.web]\nmin = 1\nmax = 2\n\n[autoscaling.workloads.api]",
        );
    let s = meshsim_scenarios::parse("capped", &text).unwrap();
    let rr = study_of(&s);
    let none = &rr.days[0];
    assert!(none.fleet.capped_pending_pod_seconds[0] > 0);
    assert!(
        rr.warnings
            .iter()
            .any(|w| w.starts_with("none: does not fit the day")
                && w.contains("pool `web` unable to grow (at its maximum of 2 nodes)")),
        "{:#?}",
        rr.warnings
    );
    let info = RunInfo {
        scenario: &s.name,
        seed: s.seed,
    };
    let rows = autoscale::summary(&info, &s.cluster, s.current, 7200, &rr.days);
    for r in &rows {
        assert!(!r.fits, "{} {}", r.mode, r.pool);
        assert_eq!(r.savings_usd_per_month, None, "{} {}", r.mode, r.pool);
        assert!(
            r.capped_pending_pod_hours > 0.0 && r.capped_pending_pod_hours <= r.pending_pod_hours
        );
    }
}
