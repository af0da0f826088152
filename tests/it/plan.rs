//! `meshsim plan` against answers computed by hand, against `meshsim run`'s full-migration
//! figures, and the GPU-first claim on the shipped GPU scenario.

use meshsim_models::mesh::MeshMode;
use meshsim_models::plan::{self, Plan, Strategy};
use meshsim_models::study::{self, NoProgress, Options};
use meshsim_scenarios::Scenario;
use meshsim_tests::{root, shipped};

/// Three namespaces, each alone on its own pool so that every pool's node count follows from
/// one division. CPU binds: nodes of 4 vCPU (4000m allocatable), pods of 450m, sidecars 500m
/// (950m a pod with its sidecar: 4 per node; 450m without: 8 per node, 9 would need 4050m);
/// ztunnel 1m on every node (the node agents fit beside either). No headroom, no spare node.
///
/// | namespace | pool | pods | $/node-hour | nodes with sidecars | on ambient | saving $/month |
/// |---|---|---|---|---|---|---|
/// | a | pa | 16 | 1 | 4 | 2 | 2 × 730 = 1,460 |
/// | b | pb | 8 | 2 | 2 | 1 | 1 × 1,460 = 1,460 |
/// | c | pc | 4 | 3 | 1 | 1 | 0 |
///
/// Effort 1 sprint per namespace at $10,000, 1 sprint a month, no setup: the recommended order
/// (no GPUs: by replicas, then memory freed — a frees 16 × 64Mi, b 8, c 4) is a, b, c, one wave a
/// month. Savings: 1,460 from month 2, 2,920 from month 3. Cumulative net: m1 −10,000; m2
/// −18,540; m3 −25,620; then +2,920 a month: m11 −2,260, m12 +660 → payback month 12;
/// 12-month net 660; 24-month net 660 + 12 × 2,920 = 35,700.
/// Big bang (one wave at the end of month 3, 2,920 from month 4): m3 −30,000, m13 −800, m14
/// +2,120 → month 14. The user's order c, b, a: m3 −20,000 + 1,460 − 10,000 = −28,540, m13
/// +660 → month 13.
const HAND: &str = r#"
[scenario]
name = "plan-hand"
modes = ["sidecar", "ambient"]
nodes_required = true

[mesh]
preset = "istio-1.24"
[mesh.sidecar]
request = { cpu = "500m", memory = "64Mi" }
[mesh.ztunnel]
request = { cpu = "1m", memory = "1Mi" }
[mesh.istio_cni]
request = { cpu = "0", memory = "0" }
[mesh.istiod]
request = { cpu = "0", memory = "0" }

[capacity_rules.cpu_pools]
cpu_headroom = 0
memory_headroom = 0
n_plus_one = false

[[pools]]
name = "pa"
count = 4
cpu = "4"
memory = "64Gi"
price_per_hour = 1.0

[[pools]]
name = "pb"
count = 2
cpu = "4"
memory = "64Gi"
price_per_hour = 2.0

[[pools]]
name = "pc"
count = 1
cpu = "4"
memory = "64Gi"
price_per_hour = 3.0

[[workloads]]
name = "wa"
namespace = "a"
replicas = 16
pool = "pa"
requests = { cpu = "450m", memory = "1Gi" }

[[workloads]]
name = "wb"
namespace = "b"
replicas = 8
pool = "pb"
requests = { cpu = "450m", memory = "1Gi" }

[[workloads]]
name = "wc"
namespace = "c"
replicas = 4
pool = "pc"
requests = { cpu = "450m", memory = "1Gi" }

[migration]
cost_per_sprint = 10000
namespace_sprints = 1
sprints_per_month = 1
order = ["c", "b", "a"]
"#;

fn parse(text: &str) -> Scenario {
    meshsim_scenarios::parse("plan-test.toml", text).unwrap_or_else(|d| panic!("{d}"))
}

fn plan_of(s: &Scenario) -> Plan {
    let mut input = s.plan_input().unwrap_or_else(|d| panic!("{d}"));
    input.latency = None;
    plan::plan(&input, &NoProgress).unwrap()
}

#[test]
fn three_namespaces_pay_back_in_the_months_worked_by_hand() {
    let p = plan_of(&parse(HAND));
    assert_eq!(p.today_nodes_required, Some(7));
    assert_eq!(p.today_cost_usd_per_month, Some((4.0 + 4.0 + 3.0) * 730.0));
    let rec = p.get(Strategy::Recommended).unwrap();
    let order: Vec<&str> = rec
        .waves
        .iter()
        .map(|w| w.moves[0].namespace.as_str())
        .collect();
    assert_eq!(order, ["a", "b", "c"]);
    assert_eq!(
        rec.waves.iter().map(|w| w.end_month).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let savings: Vec<Option<f64>> = rec.waves.iter().map(|w| w.savings_usd_per_month).collect();
    assert_eq!(savings, [Some(1460.0), Some(2920.0), Some(2920.0)]);
    assert_eq!(
        rec.waves
            .iter()
            .map(|w| w.nodes_removable)
            .collect::<Vec<_>>(),
        [Some(2), Some(3), Some(3)]
    );
    let cum: Vec<f64> = rec
        .cashflow
        .months
        .iter()
        .map(|m| m.cumulative_net_usd.unwrap())
        .collect();
    assert_eq!(&cum[..4], [-10_000.0, -18_540.0, -25_620.0, -22_700.0]);
    assert_eq!((cum[10], cum[11]), (-2_260.0, 660.0));
    assert_eq!(rec.cashflow.payback_month, Some(12));
    assert_eq!(rec.cashflow.net_12_months_usd, Some(660.0));
    assert_eq!(rec.cashflow.net_24_months_usd, Some(35_700.0));
    assert_eq!(rec.cashflow.npv_usd, None, "no discount rate given");

    let bang = p.get(Strategy::BigBang).unwrap();
    assert_eq!((bang.waves.len(), bang.waves[0].end_month), (1, 3));
    assert_eq!(bang.cashflow.payback_month, Some(14));
    let user = p.get(Strategy::UserOrder).unwrap();
    assert_eq!(user.waves[0].moves[0].namespace, "c");
    assert_eq!(user.cashflow.payback_month, Some(13));
    // The node agents arrive with the first wave, once: 7 ztunnels of 1m / 1Mi.
    assert_eq!(rec.waves[0].node_agents_request, (7, 7 << 20));
    assert!(
        rec.waves[1..]
            .iter()
            .all(|w| w.node_agents_request == (0, 0))
    );
    // Each wave frees its pods' sidecars: 16, 8, 4 × 500m / 64Mi.
    assert_eq!(
        rec.waves
            .iter()
            .map(|w| w.request_freed)
            .collect::<Vec<_>>(),
        [(8000, 16 << 26), (4000, 8 << 26), (2000, 4 << 26)]
    );
}

#[test]
fn a_discount_rate_gives_the_npv_of_the_monthly_nets() {
    let p = plan_of(&parse(&format!("{HAND}discount_rate = 0.12\n")));
    let rec = p.get(Strategy::Recommended).unwrap();
    let npv: f64 = rec
        .cashflow
        .months
        .iter()
        .map(|m| m.net_usd.unwrap() / 1.12f64.powf(f64::from(m.month) / 12.0))
        .sum();
    assert!((rec.cashflow.npv_usd.unwrap() - npv).abs() < 1e-6);
    // Below the undiscounted 24-month net, above the 12-month one.
    assert!(npv < 35_700.0 && npv > 660.0, "{npv}");
}

/// The full migration as `meshsim run` measures it: the current mode's data-plane request
/// minus the final mode's.
fn full_migration(s: &Scenario, current: MeshMode, last: MeshMode) -> (i64, i64) {
    let modes = [current, last];
    let spec = study::StudySpec {
        modes: &modes,
        nodes_required: false,
        latency: None,
        autoscaling: None,
        ..s.study()
    };
    let r = study::run(
        &spec,
        Options {
            rank_namespaces: false,
        },
        &NoProgress,
    )
    .unwrap()
    .results;
    (
        r[0].data_plane_request.cpu_milli as i64 - r[1].data_plane_request.cpu_milli as i64,
        r[0].data_plane_request.memory_bytes as i64 - r[1].data_plane_request.memory_bytes as i64,
    )
}

fn with_plan_keys(name: &str, keys: &str) -> Scenario {
    let text = std::fs::read_to_string(root().join(format!("scenarios/{name}.toml"))).unwrap();
    parse(&format!("{text}\n{keys}"))
}

/// Plan keys for `gpu-inference-memory-bound` (its [migration] is the file's last table), with
/// a user order if given.
fn gpu_plan_keys(order: Option<[&str; 2]>) -> String {
    let order = order.map_or(String::new(), |[a, b]| {
        format!("order = [\"{a}\", \"{b}\"]\n")
    });
    format!(
        "namespace_sprints = 1.5\nl7_feature_sprints = 0.5\nsetup_sprints = 1\nsprints_per_month = 2\n{order}\n[migration.namespaces.gateway]\nl7_features = [\"retries\", \"header-routing\"]\n"
    )
}

#[test]
fn the_waves_add_up_to_the_full_migration_of_meshsim_run() {
    for (s, current, last) in [
        (
            with_plan_keys("gpu-inference-memory-bound", &gpu_plan_keys(None)),
            MeshMode::Sidecar,
            MeshMode::AmbientWaypoint,
        ),
        (
            shipped("migration-plan"),
            MeshMode::Mixed,
            MeshMode::AmbientWaypoint,
        ),
        (parse(HAND), MeshMode::Sidecar, MeshMode::Ambient),
    ] {
        let full = full_migration(&s, current, last);
        let p = plan_of(&s);
        for sp in &p.strategies {
            // Per wave: what its moves free, minus the node agents it adds (the first ambient
            // wave's one-off, counted once).
            let sum = sp.waves.iter().fold((0, 0), |a, w| {
                (
                    a.0 + w.request_freed.0 - w.node_agents_request.0,
                    a.1 + w.request_freed.1 - w.node_agents_request.1,
                )
            });
            assert_eq!(sum, full, "{}: {}", s.name, sp.strategy.as_str());
            assert_eq!(
                sp.waves
                    .iter()
                    .filter(|w| w.node_agents_request.1 > 0)
                    .count(),
                usize::from(current == MeshMode::Sidecar),
                "{}: {}: the node agents arrive once (already there when a namespace is on ambient today)",
                s.name,
                sp.strategy.as_str()
            );
            assert_eq!(sp.waves.last().unwrap().cumulative_request_freed, full);
        }
    }
}

#[test]
fn gpu_first_pays_back_no_later_than_any_other_order_on_the_memory_bound_fleet() {
    let base = with_plan_keys("gpu-inference-memory-bound", &gpu_plan_keys(None));
    let p = plan_of(&base);
    let rec = p.get(Strategy::Recommended).unwrap();
    assert_eq!(rec.waves[0].moves[0].namespace, "inference");
    let first = rec
        .cashflow
        .payback_month
        .expect("the recommended order pays back");
    // Hand check: 5 sprints at 2 a month ($45,000 each); the first wave (setup + inference,
    // 2.5 sprints) cuts over at the end of month 2 and recovers 24 replicas = one A100 node,
    // $29.39 × 730 = $21,454.70 a month from month 3. Spend 90k, 90k, 45k: −203,545.30 after
    // month 3, +21,454.70 a month: payback in month 13.
    assert_eq!(first, 13);
    let saving = rec.waves[0].savings_usd_per_month.unwrap();
    assert!((saving - 29.39 * 730.0).abs() < 1e-6, "{saving}");
    for other in &p.strategies {
        let m = other.cashflow.payback_month.unwrap_or(u32::MAX);
        assert!(m >= first, "{} pays back in {m}", other.strategy.as_str());
    }
    // Every user order of the two namespaces, too.
    for order in [["inference", "gateway"], ["gateway", "inference"]] {
        let s = with_plan_keys("gpu-inference-memory-bound", &gpu_plan_keys(Some(order)));
        let q = plan_of(&s);
        let u = q.get(Strategy::UserOrder).unwrap();
        assert_eq!(u.waves[0].moves[0].namespace, order[0]);
        assert!(
            u.cashflow.payback_month.unwrap_or(u32::MAX) >= first,
            "{order:?}"
        );
    }
}
