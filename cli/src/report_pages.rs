//! What `report.html` says for a run and for a plan: the headline sentence, the tables and the
//! captions, from the same rows the CSV files hold (so the page and the tables never disagree).

use std::path::Path;

use meshsim_models::plan::{Plan, PlanSpec, Strategy};
use meshsim_models::resources::GIB;
use meshsim_models::rows::run::SummaryRow;
use meshsim_models::study::StudyResult;
use meshsim_scenarios::Scenario;

use crate::report::{Chart, Report, Table};
use crate::terminal::money;

fn usd(v: Option<f64>) -> String {
    match v {
        None => "n/m".into(),
        Some(x) if x < 0.0 => format!("-${}", money(-x)),
        Some(x) => format!("${}", money(x)),
    }
}

fn ci(v: Option<f64>, h: Option<f64>) -> String {
    match (v, h) {
        (Some(x), Some(h)) => format!("{x:.3} ± {h:.3}"),
        (Some(x), None) => format!("{x:.3}"),
        (None, _) => "n/m".into(),
    }
}

fn int(v: Option<i64>) -> String {
    v.map_or_else(|| "n/m".into(), |x| format!("{x:+}"))
}

/// A multicluster fleet whose calls cross clusters: per mode, how many hops crossed and what a
/// crossing takes, and adds against no mesh (with its interval; "n.s." where it contains 0).
fn cross_cluster_table(rr: &StudyResult) -> Option<Table> {
    use meshsim_models::latency::{CROSS_CLUSTER_HOP, lookup};
    let k = rr
        .latency_detail
        .first()?
        .dists
        .iter()
        .position(|d| d.scope == CROSS_CLUSTER_HOP)?;
    let rows = rr
        .latency_detail
        .iter()
        .map(|m| {
            let hop = &m.dists[0];
            let d = &m.dists[k];
            let share = if d.saturated || hop.count + d.count == 0.0 {
                "n/m".to_string()
            } else {
                format!("{:.1}", 100.0 * d.count / (hop.count + d.count))
            };
            let stat = |q: &str| {
                if d.valid() {
                    lookup(&d.stats, q).map_or_else(|| "n/m".into(), |e| ci(Some(e.mean), e.ci()))
                } else {
                    "n/m".into()
                }
            };
            let added = |q: &str| {
                if m.mode == meshsim_models::mesh::MeshMode::None {
                    return "–".to_string();
                }
                match lookup(&d.added_vs_none, q).filter(|_| d.valid()) {
                    None => "n/m".into(),
                    Some(e) => {
                        let ns = if e.significant() == Some(false) {
                            " (n.s.)"
                        } else {
                            ""
                        };
                        format!("{}{ns}", ci(Some(e.mean), e.ci()))
                    }
                }
            };
            vec![
                m.mode.as_str().to_string(),
                share,
                stat("p50"),
                stat("p99"),
                added("p50"),
                added("p99"),
            ]
        })
        .collect();
    Some(Table {
        caption: "Calls between clusters: the hops from one cluster to another (through the callee cluster's east-west gateway where the networks differ), each measured as a hop is, with 95 % intervals over replications".into(),
        header: [
            "mode",
            "hops across clusters (% of hops)",
            "cross-cluster hop P50 (ms)",
            "cross-cluster hop P99 (ms)",
            "added vs none P50 (ms)",
            "added vs none P99 (ms)",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    })
}

/// The SVG of chart `stem` in `dir`, if it was drawn.
fn svg(dir: &Path, stem: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(format!("{stem}.svg"))).ok()
}

fn footer(s: &Scenario, path: &Path, what: &str) -> String {
    format!(
        "meshsim {} · {what} · scenario file {} · seed {} · {} replication(s) · the CSV and Parquet tables beside this page hold every figure (columns in cli/SCHEMA.md)",
        env!("CARGO_PKG_VERSION"),
        path.display(),
        s.seed,
        s.replications
    )
}

/// The one-sentence answer of a run: the mode that saves the most against the current one.
pub fn run_headline(rows: &[SummaryRow]) -> String {
    let Some(cur) = rows.iter().find(|r| r.is_current) else {
        return "the current mode is not compared: nothing is recovered or saved against it".into();
    };
    let best = rows
        .iter()
        .filter(|r| !r.is_current && r.fits && r.mode != "none")
        .max_by(|a, b| {
            let s = |r: &SummaryRow| r.mesh_savings_usd_per_month.unwrap_or(f64::NEG_INFINITY);
            s(a).total_cmp(&s(b))
                .then(a.replicas_recovered.cmp(&b.replicas_recovered))
                .then(b.mode.cmp(&a.mode))
        });
    let Some(b) = best else {
        return format!("no other mode that fits is compared against {}", cur.mode);
    };
    let mem = cur.proxy_memory_request_gib - b.proxy_memory_request_gib;
    let replicas = b.replicas_recovered.unwrap_or(0);
    let mut s = format!(
        "{} against {} (today): {} inference replica(s) recovered, {mem:.1} GiB of proxy memory requests freed",
        b.mode,
        cur.mode,
        if replicas >= 0 {
            format!("{replicas}")
        } else {
            format!("{replicas} (fewer)")
        }
    );
    match b.mesh_savings_usd_per_month {
        Some(x) if x > 0.0 => {
            s += &format!(
                ", {} fewer node(s) at equal replicas worth {} a month",
                b.nodes_removable
                    .zip(cur.nodes_removable)
                    .map_or_else(|| "n/m".into(), |(x, y)| (x - y).to_string()),
                usd(Some(x))
            );
            s += &match (b.payback_months, b.engineering_cost_usd) {
                (Some(m), Some(c)) => format!(
                    "; a migration costing {} pays back in {m:.1} months (meshsim plan counts the months the work takes)",
                    usd(Some(c))
                ),
                (None, Some(_)) => "; the migration does not pay back within the horizon".into(),
                _ => String::new(),
            };
        }
        Some(_) => s += ", and no node to remove at equal replicas ($0 mesh saving)",
        None if b.fits && b.nodes_required.is_none() => {
            s += "; nodes at equal replicas are not computed (the scenario sets nodes_required = false), so neither is a saving"
        }
        None => s += "; its saving is not computed (see the warnings)",
    }
    s
}

/// The page of a run whose outputs (tables and charts) are in `dir`.
pub fn run_page(
    s: &Scenario,
    path: &Path,
    rows: &[SummaryRow],
    cluster_rows: &[SummaryRow],
    rr: &StudyResult,
    dir: &Path,
    day: Option<crate::day_report::DaySection>,
) -> Report {
    let header = [
        "mode",
        "fits",
        "proxy memory requested (GiB)",
        "proxy memory used (GiB)",
        "inference replicas",
        "recovered",
        "nodes at equal replicas",
        "cost at equal replicas ($/month)",
        "mesh saving ($/month)",
        "payback (months)",
        "added per hop P99 (ms)",
    ]
    .map(String::from)
    .to_vec();
    let table_rows = rows
        .iter()
        .map(|r| {
            vec![
                if r.is_current {
                    format!("{} (current)", r.mode)
                } else {
                    r.mode.clone()
                },
                if r.fits { "yes".into() } else { "no".into() },
                format!("{:.1}", r.proxy_memory_request_gib),
                format!("{:.1}", r.proxy_memory_usage_gib),
                r.inference_replicas.to_string(),
                if r.is_current {
                    "–".into()
                } else {
                    int(r.replicas_recovered)
                },
                r.nodes_required
                    .map_or_else(|| "n/m".into(), |n| format!("{n}/{}", r.nodes)),
                usd(r.cost_usd_per_month),
                if r.is_current {
                    "–".into()
                } else {
                    usd(r.mesh_savings_usd_per_month)
                },
                if r.is_current {
                    "–".into()
                } else {
                    match (r.payback_months, r.pays_back_within_horizon) {
                        (Some(m), _) => format!("{m:.1}"),
                        (None, Some(false)) => "not within the horizon".into(),
                        _ => "n/m".into(),
                    }
                },
                match (r.hop_p99_ms, r.hop_p99_ms_ci95) {
                    (Some(x), Some(h)) => format!("{x:.3} ± {h:.3}"),
                    (Some(x), None) => format!("{x:.3}"),
                    (None, _) => "n/m".into(),
                },
            ]
        })
        .collect();
    let modes: Vec<&str> = rows.iter().map(|r| r.mode.as_str()).collect();
    let listed = |f: &dyn Fn(&SummaryRow) -> String| {
        rows.iter()
            .map(|r| format!("{} {}", r.mode, f(r)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut charts = Vec::new();
    if let Some(svg) = svg(dir, "memory-by-component") {
        charts.push(Chart {
            title: "Memory the mesh takes, by component".into(),
            caption: "Per mode, what the mesh requests (left bar: what the scheduler reserves and keeps from pods) beside what it uses (right bar), stacked by component — sidecars per pod, ztunnel and istio-cni per node, waypoints, istiod.".into(),
            alt: format!(
                "Mesh memory requested, GiB, proxies and node agents (istiod apart): {}",
                listed(&|r| format!("{:.1}", r.proxy_memory_request_gib))
            ),
            svg,
        });
    }
    if let Some(svg) = svg(dir, "inference-replicas") {
        charts.push(Chart {
            title: "Inference replicas placed".into(),
            caption: "How many inference replicas each mode fits on the same fleet: the difference from the current mode is serving capacity the mesh costs or gives back.".into(),
            alt: format!("Inference replicas: {}", listed(&|r| r.inference_replicas.to_string())),
            svg,
        });
    }
    if let Some(svg) = svg(dir, "savings-per-month") {
        charts.push(Chart {
            title: "Dollars a month against the current mode".into(),
            caption: "Per mode, the cash the mesh saves (nodes removed while placing today's replicas) beside the recovered GPU capacity valued at its node price — capacity, not cash, unless nodes go. Below zero costs more; n/m is not computed.".into(),
            alt: format!(
                "Mesh saving, $ a month: {}",
                listed(&|r| if r.is_current { "reference".into() } else { usd(r.mesh_savings_usd_per_month) })
            ),
            svg,
        });
    }
    if let Some(svg) = svg(dir, "node-fill") {
        charts.push(Chart {
            title: "How full each node is".into(),
            caption: "Per pool and mode, a cell per node (fullest first) coloured by the share of its allocatable that pods request: a light GPU cell under dark CPU or memory cells is a GPU stranded by what else the node holds.".into(),
            alt: format!(
                "Idle GPUs per mode: {}",
                listed(&|r| format!("{:.1} ({})", r.gpus_idle, if r.gpus_idle_reason.is_empty() { "none" } else { r.gpus_idle_reason.as_str() }))
            ),
            svg,
        });
    }
    if let Some(svg) = svg(dir, "added-latency-per-hop") {
        charts.push(Chart {
            title: "Latency added per hop".into(),
            caption: "What each mode adds to one hop against no mesh at P50, P90 and P99, with 95 % intervals over replications; a hollow dot marked n.s. is a difference whose interval contains 0.".into(),
            alt: format!("Added per hop P99, ms: {}", listed(&|r| ci(r.hop_p99_ms, r.hop_p99_ms_ci95))),
            svg,
        });
    }
    if let Some(svg) = svg(dir, "chain-latency") {
        charts.push(Chart {
            title: "Latency of the deepest call graph".into(),
            caption: "End-to-end P99 of the scenario's deepest chain of calls per mode, with its 95 % interval: what a user of an agent's chain of calls waits.".into(),
            alt: format!("Chain P99, ms: {}", listed(&|r| ci(r.chain_p99_ms, r.chain_p99_ms_ci95))),
            svg,
        });
    }
    if let Some(svg) = svg(dir, "latency-distribution") {
        charts.push(Chart {
            title: "The distribution of one hop's latency".into(),
            caption: "Per mode, a hop's latency at P50, P90, P99 and P99.9 (the quantiles meshsim keeps) on a tail axis where each step is ten times rarer: curves further right are slower, a widening gap is a heavier tail.".into(),
            alt: rr
                .latency_detail
                .iter()
                .filter_map(|m| {
                    let d = m.dists.iter().find(|d| d.scope == "hop" && d.valid())?;
                    let q = |n: &str| meshsim_models::latency::lookup(&d.stats, n).map_or_else(|| "n/m".into(), |e| format!("{:.3}", e.mean));
                    Some(format!("{}: P50 {} ms, P99 {} ms, P99.9 {} ms", m.mode.as_str(), q("p50"), q("p99"), q("p999")))
                })
                .collect::<Vec<_>>()
                .join("; "),
            svg,
        });
    }
    let mut not_modelled = Vec::new();
    for r in &rr.results {
        let u = r.unmodelled;
        let mut what = Vec::new();
        if u.proxy_cpu {
            what.push("proxy CPU");
        }
        if u.latency {
            what.push("added latency");
        }
        if u.control_plane {
            what.push("control plane");
        }
        if !what.is_empty() {
            not_modelled.push(format!(
                "{}: {} (no source gives the figures; the scenario may state them)",
                r.mode.as_str(),
                what.join(", ")
            ));
        }
    }
    let current = rows
        .iter()
        .find(|r| r.is_current)
        .map_or("none", |r| r.mode.as_str());
    let mut headline = {
        let h = run_headline(rows);
        format!("{}{}.", h[..1].to_uppercase(), &h[1..])
    };
    let mut tables = vec![Table {
        caption: format!("Modes compared: {}", modes.join(", ")),
        header,
        rows: table_rows,
    }];
    if !cluster_rows.is_empty() {
        tables.push(Table {
            caption: "Per cluster (each against its own runs; the migration's cost is the fleet's)"
                .into(),
            header: [
                "cluster",
                "region",
                "mode",
                "proxies",
                "proxy memory requested (GiB)",
                "inference replicas",
                "nodes at equal replicas",
                "cost at equal replicas ($/month)",
                "mesh saving ($/month)",
            ]
            .map(String::from)
            .to_vec(),
            rows: cluster_rows
                .iter()
                .map(|r| {
                    vec![
                        r.cluster.clone(),
                        r.region.clone(),
                        r.mode.clone(),
                        r.proxies.to_string(),
                        format!("{:.1}", r.proxy_memory_request_gib),
                        r.inference_replicas.to_string(),
                        r.nodes_required
                            .map_or_else(|| "n/m".into(), |n| format!("{n}/{}", r.nodes)),
                        usd(r.cost_usd_per_month),
                        if r.is_current {
                            "–".into()
                        } else {
                            usd(r.mesh_savings_usd_per_month)
                        },
                    ]
                })
                .collect(),
        });
    }
    if let Some(t) = cross_cluster_table(rr) {
        tables.push(t);
    }
    let mut assumptions = vec![
        format!("the current mode is {current}: every recovered, saving and payback figure is against it"),
        "savings are at equal replicas: the nodes each mode needs to place the current mode's replicas under the scenario's capacity rules (headroom, floors, N+1), at their price".into(),
        "recovered GPU capacity is valued as capacity, not cash: cash needs nodes to be removed".into(),
        "the payback divides the whole migration cost by the saving, as if every namespace moved at once; meshsim plan schedules the waves".into(),
    ];
    if let Some(origin) = &s.mesh.costs.origin {
        assumptions.push(origin.clone());
    }
    if let Some(l) = &s.latency {
        assumptions.push(if l.cpu_contention {
            "latency: each node's cores are shared (cpu_contention): busy proxy workers hold a core (sharing them when more are busy than the node has), the applications' processing shares the rest, and a container's limits.cpu is enforced as CFS quota throttling per 100 ms period. The per-hop figures count a hop's proxies and network; the processing the proxies' CPU slows shows only in the call-graph figures".into()
        } else {
            "latency: applications' processing is a pure delay, as if every node had cores to spare; the proxies' CPU does not slow the applications and CPU limits are not enforced ([latency] cpu_contention = true models both)".into()
        });
    }
    if let Some(d) = day {
        headline = format!("{headline} {}.", d.headline);
        tables.extend(d.tables);
        if let Some(c) = d.chart {
            // The day is what such a scenario asks: its chart comes first.
            charts.insert(0, c);
        }
        assumptions.extend(d.assumptions);
        not_modelled.extend(d.not_modelled);
    }
    Report {
        title: format!("meshsim run — {}", s.name),
        question: s.description.clone(),
        headline,
        tables,
        charts,
        assumptions,
        warnings: rr.warnings.clone(),
        not_modelled,
        footer: footer(s, path, "meshsim run"),
    }
}

/// The page of a plan whose outputs are in `dir`.
pub fn plan_page(
    s: &Scenario,
    path: &Path,
    spec: &PlanSpec,
    p: &Plan,
    headline: String,
    dir: &Path,
) -> Report {
    let month = |m: Option<u32>, known: bool| match (m, spec.start_month) {
        (Some(m), Some(st)) => format!("month {m} ({})", st.plus(m)),
        (Some(m), None) => format!("month {m}"),
        (None, _) if !known => "n/m".into(),
        (None, _) => "not within the horizon".into(),
    };
    let strategies = Table {
        caption: "Strategies compared".into(),
        header: [
            "strategy",
            "waves",
            "sprints",
            "engineering",
            "months",
            "payback",
            "net 12 months",
            "net 24 months",
            "NPV",
        ]
        .map(String::from)
        .to_vec(),
        rows: p
            .strategies
            .iter()
            .map(|x| {
                vec![
                    x.strategy.as_str().to_string(),
                    x.waves.len().to_string(),
                    format!("{:.2}", x.sprints),
                    usd(Some(x.sprints * spec.cost_per_sprint_usd)),
                    x.months_to_complete().to_string(),
                    month(x.cashflow.payback_month, x.savings_known),
                    usd(x.cashflow.net_12_months_usd),
                    usd(x.cashflow.net_24_months_usd),
                    if spec.discount_rate.is_some() {
                        usd(x.cashflow.npv_usd)
                    } else {
                        "–".into()
                    },
                ]
            })
            .collect(),
    };
    let mut tables = vec![strategies];
    if let Some(r) = p.get(Strategy::Recommended) {
        tables.push(Table {
            caption: "The recommended strategy, wave by wave".into(),
            header: [
                "wave",
                "moves",
                "cut over (end of month)",
                "memory freed (GiB)",
                "node agents added (GiB)",
                "replicas recovered",
                "nodes removable",
                "saving after it ($/month)",
            ]
            .map(String::from)
            .to_vec(),
            rows: r
                .waves
                .iter()
                .map(|w| {
                    vec![
                        w.number.to_string(),
                        w.moves
                            .iter()
                            .map(|m| format!("{} → {}", m.namespace, m.to.as_str()))
                            .collect::<Vec<_>>()
                            .join(", "),
                        w.end_month.to_string(),
                        format!("{:.2}", w.request_freed.1 as f64 / GIB as f64),
                        format!("{:.2}", w.node_agents_request.1 as f64 / GIB as f64),
                        format!("{:+}", w.replicas_gained),
                        w.nodes_removable
                            .map_or_else(|| "n/m".into(), |n| n.to_string()),
                        usd(w.savings_usd_per_month),
                    ]
                })
                .collect(),
        });
    }
    let mut charts = Vec::new();
    if let Some(svg) = svg(dir, "plan-cumulative-net") {
        charts.push(Chart {
            title: "Cumulative net, month by month".into(),
            caption: "Engineering spent and savings realised per strategy: where a curve crosses zero for good is its payback month (marked).".into(),
            alt: p
                .strategies
                .iter()
                .map(|x| format!("{}: payback {}", x.strategy.as_str(), month(x.cashflow.payback_month, x.savings_known)))
                .collect::<Vec<_>>()
                .join("; "),
            svg,
        });
    }
    if let Some(svg) = svg(dir, "plan-memory-waterfall") {
        charts.push(Chart {
            title: "Memory freed, wave by wave".into(),
            caption: "What each wave of the recommended strategy frees, the node agents' one-off cost as its own bar, and the net.".into(),
            alt: p.get(Strategy::Recommended).map_or_else(String::new, |r| {
                r.waves
                    .iter()
                    .map(|w| format!("wave {}: {:.2} GiB", w.number, w.request_freed.1 as f64 / GIB as f64))
                    .collect::<Vec<_>>()
                    .join("; ")
            }),
            svg,
        });
    }
    Report {
        title: format!("meshsim plan — {}", s.name),
        question: s.description.clone(),
        headline: format!("{}{}.", headline[..1].to_uppercase(), &headline[1..]),
        tables,
        charts,
        assumptions: p.assumptions.clone(),
        warnings: p.warnings.clone(),
        not_modelled: Vec::new(),
        footer: footer(s, path, "meshsim plan"),
    }
}
