//! `report.html`: written next to every run and plan, self-contained (no script, no address
//! outside the page), with the headline, the tables, every chart of the directory inline with
//! its text alternative and caption, and the warnings and assumptions.

use std::path::Path;

use crate::{meshsim, scenario, text};

/// What must hold of any report: one page, nothing fetched, every chart present and described.
fn check_self_contained(html: &str, dir: &Path) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for banned in [
        "<script", "<link", "<iframe", "<img", "@import", "<object", "<embed",
    ] {
        assert!(!html.contains(banned), "{banned} in the report");
    }
    // Every address is the page's own: `url(`, `href=` and `src=` only with data: URLs; the
    // one http string allowed is SVG's namespace name (an identifier, never fetched).
    for (i, _) in html.match_indices("url(") {
        assert!(html[i..].starts_with("url(data:"), "external url( at {i}");
    }
    for attr in ["href=", "src="] {
        for (i, _) in html.match_indices(attr) {
            assert!(
                html[i + attr.len()..].starts_with("\"data:"),
                "{attr} at {i}"
            );
        }
    }
    let stripped = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !stripped.contains("http://") && !stripped.contains("https://"),
        "an external address"
    );
    // Every chart drawn in the directory is in the page, with a text alternative and a caption.
    let svgs = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "svg"))
        .count();
    assert!(svgs > 0);
    assert_eq!(
        html.matches("<figure>").count(),
        svgs,
        "one figure per chart"
    );
    assert_eq!(
        html.matches("<svg role=\"img\" aria-label=\"").count(),
        svgs
    );
    assert_eq!(html.matches("<figcaption>").count(), svgs);
    for alt in html.split("aria-label=\"").skip(1) {
        let alt = &alt[..alt.find('"').unwrap()];
        assert!(
            alt.chars().any(|c| c.is_ascii_digit()),
            "a text alternative without figures: {alt}"
        );
    }
    // The embedded font: the page does not depend on the reader's fonts.
    assert!(html.contains(
        "@font-face { font-family: \"DejaVu Sans\"; src: url(data:font/ttf;base64,AAEAAA"
    ));
    assert!(html.contains("@page { size: A4"));
}

#[test]
fn a_run_writes_a_self_contained_report_with_its_headline() {
    let d = tempfile::tempdir().unwrap();
    let f = scenario("gpu-inference-memory-bound");
    let o = meshsim(
        d.path(),
        &["run", f.to_str().unwrap(), "--out", "out", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let html = std::fs::read_to_string(d.path().join("out/report.html")).unwrap();
    check_self_contained(&html, &d.path().join("out"));
    // The headline, from the same rows as summary.csv.
    assert!(
        html.contains("<p class=\"headline\">Ambient against sidecar (today): 24 inference replica(s) recovered, 52.3 GiB of proxy memory requests freed, 1 fewer node(s) at equal replicas worth $21,455 a month; a migration costing $270,000 pays back in 12.6 months"),
        "{}",
        &html[html.find("class=\"headline\"").unwrap()..][..400]
    );
    for s in [
        "<caption>Modes compared: none, sidecar, ambient, ambient-waypoint</caption>",
        "<th scope=\"row\">sidecar (current)</th>",
        "<h2>Inference replicas placed</h2>",
        "<h2>Dollars a month against the current mode</h2>",
        "aria-label=\"Mesh saving, $ a month: none $21,455, sidecar reference, ambient $21,455, ambient-waypoint $21,455\"",
        "<h2>How full each node is</h2>",
        "<h2>Assumptions</h2>",
        "the current mode is sidecar",
    ] {
        assert!(html.contains(s), "{s}");
    }
    // Memory full and GPUs idle on the GPU pool: the node-fill strips say so in figures.
    let fill = std::fs::read_to_string(d.path().join("out/node-fill.svg")).unwrap();
    for s in [
        "pool gpu-a100 — 24 node(s), 8 GPU(s) each",
        "sidecar GPU",
        "72 %",
        "100 %",
    ] {
        assert!(fill.contains(s), "{s} in node-fill.svg");
    }
}

/// Against an ambient fleet, going back to sidecars costs money: the bar goes below zero with
/// its negative label (never clamped to $0). At equal replicas sidecars place 23 replicas per
/// GPU node (552 on 24), so ambient's 576 need ⌈576 / 23⌉ = 26 GPU nodes against ambient's 24:
/// two more A100 nodes, −$42,909 a month.
#[test]
fn a_mode_that_costs_more_is_drawn_below_zero() {
    let d = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(scenario("gpu-inference-memory-bound")).unwrap();
    let f = d.path().join("ambient-today.toml");
    std::fs::write(
        &f,
        base.replacen("[scenario]\n", "[scenario]\ncurrent = \"ambient\"\n", 1),
    )
    .unwrap();
    let o = meshsim(
        d.path(),
        &["run", f.to_str().unwrap(), "--out", "out", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let html = std::fs::read_to_string(d.path().join("out/report.html")).unwrap();
    check_self_contained(&html, &d.path().join("out"));
    assert!(
        html.contains("sidecar -$42,909, ambient reference"),
        "{}",
        &html[html.find("Mesh saving").unwrap()..][..200]
    );
    let svg = std::fs::read_to_string(d.path().join("out/savings-per-month.svg")).unwrap();
    assert!(svg.contains("\n-$42,909\n"), "negative label");
    assert!(svg.contains("\ncurrent (reference)\n"));
}

/// With traffic, latency charts: added per hop with intervals and "n.s." marks, the chain's
/// end-to-end P99 on an axis around its values, and the hop distribution at the kept quantiles.
#[test]
fn a_run_with_traffic_draws_latency_with_intervals_and_its_distribution() {
    let d = tempfile::tempdir().unwrap();
    let f = scenario("agent-chain-20-calls");
    let o = meshsim(
        d.path(),
        &["run", f.to_str().unwrap(), "--out", "out", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let out = d.path().join("out");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    check_self_contained(&html, &out);
    for s in [
        "<h2>Latency added per hop</h2>",
        "<h2>Latency of the deepest call graph</h2>",
        "<h2>The distribution of one hop&#39;s latency</h2>",
    ] {
        assert!(html.contains(s), "{s}");
    }
    // A chart of $0 and n/m says nothing: not drawn when no mode saves or costs a dollar.
    assert!(!out.join("savings-per-month.svg").exists());
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let chain = std::fs::read_to_string(out.join("chain-latency.svg")).unwrap();
    assert!(chain.contains("not 0)"), "the axis says where it starts");
    let hop = std::fs::read_to_string(out.join("added-latency-per-hop.svg")).unwrap();
    assert!(hop.contains("\nreference (0 by definition)\n"));
    // Every mode's P99 added per hop from summary.csv is written on the chart (3 decimals).
    let head: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let col = head.iter().position(|h| *h == "hop_p99_ms").unwrap();
    let mode = head.iter().position(|h| *h == "mode").unwrap();
    for line in summary.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[mode] == "none" || cells[col].is_empty() {
            continue;
        }
        let v: f64 = cells[col].parse().unwrap();
        assert!(
            hop.contains(&format!("\n{v:.3}\n")),
            "{} P99 {v:.3}",
            cells[mode]
        );
    }
    let dist = std::fs::read_to_string(out.join("latency-distribution.svg")).unwrap();
    for q in ["\nP50\n", "\nP90\n", "\nP99\n", "\nP99.9\n"] {
        assert!(dist.contains(q), "{q}");
    }
}

#[test]
fn a_plan_writes_a_report_and_without_charts_it_says_nothing_of_them() {
    let d = tempfile::tempdir().unwrap();
    let f = scenario("migration-plan");
    let o = meshsim(
        d.path(),
        &[
            "plan",
            f.to_str().unwrap(),
            "--out",
            "out",
            "-q",
            "--no-latency",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let html = std::fs::read_to_string(d.path().join("out/report.html")).unwrap();
    check_self_contained(&html, &d.path().join("out"));
    for s in [
        "<p class=\"headline\">The recommended plan moves 3 namespace(s) in 3 wave(s) over 4 month(s)",
        "pays back in month 15 (2028-03)",
        "<caption>Strategies compared</caption>",
        "<caption>The recommended strategy, wave by wave</caption>",
        "<th scope=\"row\">big-bang</th>",
        "<h2>Cumulative net, month by month</h2>",
        "<h2>Memory freed, wave by wave</h2>",
    ] {
        assert!(html.contains(s), "{s}");
    }
    let o = meshsim(
        d.path(),
        &[
            "plan",
            f.to_str().unwrap(),
            "--out",
            "bare",
            "-q",
            "--no-plots",
            "--no-latency",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let html = std::fs::read_to_string(d.path().join("bare/report.html")).unwrap();
    assert_eq!(html.matches("<figure>").count(), 0);
    assert!(html.contains("<caption>Strategies compared</caption>"));
    // Rebuilt from plan.json (computed again, without latency as plan-latency.csv shows): the
    // charts come back and the page is the one the plan with charts wrote.
    let o = meshsim(d.path(), &["report", "bare"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert_eq!(
        std::fs::read_to_string(d.path().join("bare/report.html")).unwrap(),
        std::fs::read_to_string(d.path().join("out/report.html")).unwrap()
    );
}

/// A sweep's page: the best mode's mean figure over the points (recomputed here from
/// sweep.csv), the parameter it moves with most, a response chart per parameter and, for a
/// two-parameter grid, a heat map.
#[test]
fn a_sweep_writes_a_report_with_its_response_and_heat_map() {
    let d = tempfile::tempdir().unwrap();
    let f = scenario("sweep-gpu-fleet-x-sidecar-memory");
    let o = meshsim(
        d.path(),
        &["sweep", f.to_str().unwrap(), "--out", "out", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let out = d.path().join("out");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    check_self_contained(&html, &out);
    // The mean saving of ambient over the 9 points, from the table.
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let head: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = |c: &str| head.iter().position(|h| *h == c).unwrap();
    let (mode, saving) = (at("mode"), at("mesh_savings_usd_per_month"));
    let v: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[mode] == "ambient")
        .map(|c| c[saving].parse().unwrap())
        .collect();
    assert_eq!(v.len(), 9);
    let mean = v.iter().sum::<f64>() / 9.0;
    assert!((mean - 14_303.13).abs() < 0.01, "{mean}");
    for s in [
        "<p class=\"headline\">Over 9 point(s), ambient against sidecar gives a mesh saving of $14,303 on average (from $0 to $21,455 across the points); gpu_pool_nodes moves it most: $0 at 16, $21,455 at 32.</p>",
        "<h2>The mesh saving by gpu_pool_nodes</h2>",
        "<h2>The mesh saving by sidecar_memory_request</h2>",
        "<h2>The mesh saving of ambient over the grid</h2>",
        "<caption>The mesh saving of ambient by parameter value</caption>",
        "GPU pool size × sidecar memory request",
    ] {
        assert!(html.contains(s), "{s}");
    }
    let heat = std::fs::read_to_string(out.join("sweep-heatmap.svg")).unwrap();
    assert_eq!(
        heat.matches("\n$21,455\n").count(),
        6,
        "6 of 9 cells save a node"
    );
    assert_eq!(heat.matches("\n$0\n").count(), 3);
    // Rebuilt from the directory: the same page.
    let o = meshsim(d.path(), &["report", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        html
    );
}

/// `meshsim report DIR` on a run made without charts computes it again from run.json (its
/// seed included), draws the charts, and gives the page a run with charts writes; the tables
/// stay byte for byte.
#[test]
fn report_rebuilds_a_run_directory_and_refuses_one_whose_tables_differ() {
    let d = tempfile::tempdir().unwrap();
    let f = scenario("gpu-inference-memory-bound");
    let f = f.to_str().unwrap();
    let o = meshsim(d.path(), &["run", f, "--out", "a", "-q", "--seed", "9"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let o = meshsim(
        d.path(),
        &["run", f, "--out", "b", "-q", "--seed", "9", "--no-plots"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let b = d.path().join("b");
    let summary = std::fs::read(b.join("summary.csv")).unwrap();
    assert!(!b.join("node-fill.svg").exists());
    let o = meshsim(d.path(), &["report", "b"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert_eq!(
        std::fs::read_to_string(b.join("report.html")).unwrap(),
        std::fs::read_to_string(d.path().join("a/report.html")).unwrap()
    );
    assert!(b.join("node-fill.svg").exists());
    assert_eq!(std::fs::read(b.join("summary.csv")).unwrap(), summary);
    // An edited table: refused, named, nothing changed.
    let edited = String::from_utf8(summary)
        .unwrap()
        .replacen("21454.7", "99999.9", 1);
    std::fs::write(b.join("summary.csv"), &edited).unwrap();
    let page = std::fs::read(b.join("report.html")).unwrap();
    let o = meshsim(d.path(), &["report", "b"]);
    assert_eq!(o.status.code(), Some(2));
    let (_, err) = text(&o);
    assert!(err.contains("summary.csv differs"), "{err}");
    assert!(err.contains("the directory is left as it was"), "{err}");
    assert_eq!(std::fs::read(b.join("report.html")).unwrap(), page);
    assert_eq!(
        std::fs::read_to_string(b.join("summary.csv")).unwrap(),
        edited
    );
    // Not a meshsim directory, or no directory at all.
    std::fs::create_dir(d.path().join("mine")).unwrap();
    for dir in ["mine", "nowhere"] {
        let o = meshsim(d.path(), &["report", dir]);
        assert_eq!(o.status.code(), Some(2), "{dir}");
        assert!(text(&o).1.contains("error: "), "{dir}");
    }
}

/// A replay's page: the allocation each policy reaches (median over seeds, as
/// replay-summary.csv holds it), what the sidecar changes, one chart per overlay; rebuilt by
/// `meshsim report` by replaying again, to the same page.
#[test]
fn a_replay_writes_a_report_and_report_rebuilds_it() {
    let d = tempfile::tempdir().unwrap();
    let data = crate::root().join("data/openb");
    let f = d.path().join("two-seeds.toml");
    std::fs::write(
        &f,
        format!(
            "[scenario]\nname = \"two-seeds\"\ndescription = \"best-fit or FGD, with sidecars?\"\n\n[replay]\nnodes = \"{}\"\npods = \"{}\"\n\
             policies = [\"best-fit\", \"fgd\"]\nseeds = [42, 43]\nreport_pct = [100, 130]\n\n[mesh]\noverlays = [\"none\", \"sidecar\"]\n",
            data.join("openb_node_list_gpu_node.csv").display(),
            data.join("openb_pod_list_default.csv").display(),
        ),
    )
    .unwrap();
    let o = meshsim(
        d.path(),
        &["replay", f.to_str().unwrap(), "--out", "out", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let out = d.path().join("out");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    check_self_contained(&html, &out);
    // The headline's figures are replay-summary.csv's, at the last arrival point.
    let csv = std::fs::read_to_string(out.join("replay-summary.csv")).unwrap();
    let head: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = |c: &str| head.iter().position(|h| *h == c).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 8, "2 overlays × 2 policies × 2 points");
    let cell = |mode: &str, policy: &str, c: &str| -> f64 {
        let r = rows
            .iter()
            .find(|r| {
                r[at("mode")] == mode && r[at("policy")] == policy && r[at("arrived_pct")] == "130"
            })
            .unwrap();
        r[at(c)].parse().unwrap()
    };
    let (fgd, bf) = (
        cell("none", "fgd", "gpu_allocation_median_pct"),
        cell("none", "best-fit", "gpu_allocation_median_pct"),
    );
    assert!(
        fgd > bf,
        "FGD allocates more than best-fit at 130 %: {fgd} vs {bf}"
    );
    let change = cell("sidecar", "fgd", "change_vs_none_pct");
    let headline = format!(
        "<p class=\"headline\">When GPU requests worth 130 % of the cluster&#39;s GPUs have arrived, fgd allocates {fgd:.2} % of its GPUs and best-fit {bf:.2} % (median over 2 seed(s)); under fgd, the sidecar mesh changes that by {change:+.2} points"
    );
    assert!(
        html.contains(&headline),
        "{headline}\n{}",
        &html[html.find("class=\"headline\"").unwrap()..][..400]
    );
    for s in [
        "<h2>GPU allocation as the trace arrives, mesh none</h2>",
        "<h2>GPU allocation as the trace arrives, mesh sidecar</h2>",
        "<caption>GPU allocation per mesh, policy and arrival point</caption>",
        "best-fit or FGD, with sidecars?",
        "the FGD protocol",
    ] {
        assert!(html.contains(s), "{s}");
    }
    assert_eq!(html.matches("<tr><th scope=\"row\">").count(), 8);
    let o = meshsim(d.path(), &["report", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        html
    );
}

/// A day (`[autoscaling]`): the page's headline gives ambient's and sidecar's node-hours and
/// dollars a month as `autoscaling.csv` holds them, its table one row per mode over the fleet,
/// and the chart of nodes and replicas with their ranges in its text alternative.
#[test]
fn a_day_adds_its_headline_table_and_chart_to_the_run_page() {
    let d = tempfile::tempdir().unwrap();
    let f = scenario("diurnal-gpu-inference");
    let o = meshsim(
        d.path(),
        &["run", f.to_str().unwrap(), "--out", "out", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o).1);
    let out = d.path().join("out");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    check_self_contained(&html, &out);
    let csv = std::fs::read_to_string(out.join("autoscaling.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let all = |mode: &str| -> Vec<String> {
        csv.lines()
            .map(|l| l.split(',').map(String::from).collect::<Vec<_>>())
            .find(|c| c[col("mode")] == mode && c[col("pool")] == "all")
            .unwrap()
    };
    let num = |c: &[String], n: &str| c[col(n)].parse::<f64>().unwrap();
    let money = |x: f64| {
        let s = format!("{:.0}", x);
        let mut o = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                o.push(',');
            }
            o.push(ch);
        }
        o
    };
    let (amb, side) = (all("ambient"), all("sidecar"));
    let want = format!(
        "Over 24h of autoscaled load, ambient needs {:.1} node-hours against sidecar&#39;s {:.1}: ${} a month against ${} (saving ${}).",
        num(&amb, "node_hours"),
        num(&side, "node_hours"),
        money(num(&amb, "cost_usd_per_month")),
        money(num(&side, "cost_usd_per_month")),
        money(num(&amb, "savings_usd_per_month")),
    );
    assert!(
        want.contains("211.9 node-hours against sidecar&#39;s 216.8"),
        "{want}"
    );
    assert!(html.contains(&want), "{want}");
    for s in [
        "<caption>The fleet over 24h (all pools; per pool in autoscaling.csv, every 5m",
        "<th scope=\"row\">sidecar (current)</th>",
        "<h2>Nodes and replicas over 24h</h2>",
        "pool gpu-a100: none 2–14 nodes, 44–313 replicas",
        "<caption>Latency at the day&#39;s trough, median and peak",
        "latency between the three windows",
    ] {
        assert!(html.contains(s), "{s}");
    }
    // Every window's added P99 per hop, as latency-windows.csv holds it.
    let w = std::fs::read_to_string(out.join("latency-windows.csv")).unwrap();
    let wh: Vec<&str> = w.lines().next().unwrap().split(',').collect();
    let wc = |n: &str| wh.iter().position(|h| *h == n).unwrap();
    let mut seen = 0;
    for l in w.lines().skip(1) {
        let c: Vec<&str> = l.split(',').collect();
        if c[wc("mode")] == "none" {
            continue;
        }
        let v: f64 = c[wc("hop_p99_ms")].parse().unwrap();
        let h: f64 = c[wc("hop_p99_ms_ci95")].parse().unwrap();
        let cell = format!("{v:.3} ± {h:.3}");
        assert!(html.contains(&cell), "{cell} ({l})");
        seen += 1;
    }
    assert_eq!(seen, 9, "three windows × three meshed modes");
    let svg = std::fs::read_to_string(out.join("nodes-over-time.svg")).unwrap();
    for s in ["gpu-a100: nodes", "cpu: replicas", "ambient-waypoint"] {
        assert!(svg.contains(s), "{s} in nodes-over-time.svg");
    }
}
