//! The comparison table `meshsim run` prints, in the terms of the question, with every figure
//! qualified: a mode that does not fit says so, a figure no source gives reads `n/m`, a
//! difference whose interval contains 0 reads `n.s.`, a scope whose requests failed reads
//! `failed`, and the current mode has no saving or payback.

use std::io::Write;
use std::path::Path;

use meshsim_models::headline::ModeResult;
use meshsim_models::latency::{Estimate, lookup};
use meshsim_models::mesh::MeshMode;
use meshsim_models::resources::GIB;
use meshsim_models::rows::r6;
use meshsim_models::study::{EstCell, StudyResult};
use meshsim_scenarios::Scenario;

/// Most namespaces listed under the table; the rest are counted (all are in namespaces.csv).
const NAMESPACE_LINES: usize = 10;
/// Most pending lines under the table; the rest are counted (all are in pending.csv).
const PENDING_LINES: usize = 5;
/// Most call graphs shown in the table; the rest are counted (all are in latency.csv).
const GRAPHS: usize = 3;

fn signed(v: Option<i64>) -> String {
    match v {
        Some(x) if x > 0 => format!("+{x}"),
        Some(x) => x.to_string(),
        None => "–".into(),
    }
}

/// Dollars with thousands separators, no cents.
pub fn money(v: f64) -> String {
    let neg = v < 0.0;
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if neg && out != "0" {
        format!("-{out}")
    } else {
        out
    }
}

fn est(e: Option<&Estimate>) -> EstCell {
    e.map(Estimate::cell)
}

/// A value with its interval; `n.s.` when the interval (of a difference) contains 0.
fn cell(v: EstCell, difference: bool) -> String {
    match v {
        Some((x, Some(h))) if difference && x.abs() <= h => format!("{x:.3}±{h:.3} n.s."),
        Some((x, Some(h))) => format!("{x:.3}±{h:.3}"),
        Some((x, None)) => format!("{x:.3}"),
        None => "–".into(),
    }
}

fn mode_header(r: &ModeResult) -> String {
    let name = r.mode.as_str();
    if r.is_current {
        format!("{name} (current)")
    } else if r.mode == MeshMode::None {
        format!("{name} (remove the mesh)")
    } else {
        name.to_string()
    }
}

/// The comparison table on stdout.
/// One line per cluster of a multicluster fleet: per mode, what its mesh requests there.
fn print_members(out: &mut impl Write, s: &Scenario, rr: &StudyResult) -> std::io::Result<()> {
    use meshsim_models::cluster::ControlPlane;
    use meshsim_models::mesh::SidecarScope;
    use meshsim_models::packing::Component;
    if rr.members.is_empty() {
        return Ok(());
    }
    writeln!(out, "per cluster (summary.csv rows by `cluster`):")?;
    for (k, m) in rr.members.iter().enumerate() {
        let member = &s.cluster.members[k];
        let cp = match member.control_plane {
            ControlPlane::Primary => "primary".to_string(),
            ControlPlane::RemoteOf(p) => format!("remote of {}", s.cluster.members[p].name),
        };
        let modes: Vec<String> = m
            .results
            .iter()
            .zip(&rr.runs)
            .map(|(r, run)| {
                let own = run.members[k].mode;
                let pinned = if own == r.mode {
                    String::new()
                } else {
                    format!(" (runs {})", own.as_str())
                };
                // What the other clusters add to each sidecar here (mesh-wide visibility).
                let view = &run.members[k].view;
                let c = &s.mesh.costs.sidecar;
                let remote = match r.components.get(&Component::Sidecar) {
                    Some(x) if x.count > 0 && s.mesh.sidecar_scope == SidecarScope::Mesh => {
                        format!(
                            ", each sidecar +{:.1} MiB for the other clusters ({:.0} Envoy clusters, {:.0} endpoints)",
                            (c.memory_per_cluster_bytes * view.mesh.clusters
                                + c.memory_per_endpoint_bytes * view.mesh.endpoints)
                                / (1024.0 * 1024.0),
                            view.mesh.clusters,
                            view.mesh.endpoints
                        )
                    }
                    _ => String::new(),
                };
                format!(
                    "{}{pinned}: {} proxies, {:.1} GiB proxy memory requested, istiod ×{}, {} pending{remote}",
                    r.mode.as_str(),
                    r.proxies,
                    r.data_plane_request.memory_bytes as f64 / GIB as f64,
                    r.components.get(&Component::Istiod).map_or(0, |c| c.count),
                    r.pods_pending
                )
            })
            .collect();
        writeln!(
            out,
            "  {} (region {}, network {}, {cp}): {}",
            m.name,
            m.region,
            member.network,
            modes.join("; ")
        )?;
    }
    Ok(())
}

pub fn print_summary(
    out: &mut impl Write,
    s: &Scenario,
    rr: &StudyResult,
    dir: &Path,
    files: &str,
) -> std::io::Result<()> {
    let r = &rr.results;
    writeln!(
        out,
        "meshsim {} · scenario {} · seed {}",
        env!("CARGO_PKG_VERSION"),
        s.name,
        s.seed
    )?;
    if !s.description.is_empty() {
        writeln!(out, "{}", s.description.trim())?;
    }
    writeln!(out)?;
    let current = s.current.filter(|c| s.modes.contains(c));
    let cur = current.map_or("the current mode".to_string(), |c| c.as_str().to_string());
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |label: &str, f: &dyn Fn(usize) -> String| {
        rows.push((label.to_string(), (0..r.len()).map(f).collect()));
    };
    row("mode", &|i| mode_header(&r[i]));
    row("fits the fleet", &|i| {
        if r[i].fits {
            "yes".into()
        } else {
            format!("no: {} pods pending (pending.csv)", r[i].pods_pending)
        }
    });
    row("proxies", &|i| r[i].proxies.to_string());
    row("proxy memory requested (GiB)", &|i| {
        format!(
            "{:.1}",
            r[i].data_plane_request.memory_bytes as f64 / GIB as f64
        )
    });
    row("proxy memory used (GiB)", &|i| {
        format!("{:.1}", r[i].data_plane_usage.memory_bytes / GIB as f64)
    });
    row("proxy CPU requested (vCPU)", &|i| {
        format!("{:.1}", r[i].data_plane_request.cpu_milli as f64 / 1000.0)
    });
    row("proxy CPU used, from workload rps (vCPU)", &|i| {
        if r[i].unmodelled.proxy_cpu {
            "n/m".into()
        } else {
            format!("{:.2}", r[i].data_plane_usage.cpu_milli / 1000.0)
        }
    });
    row("share of fleet memory", &|i| {
        format!("{:.1}%", 100.0 * r[i].data_plane_memory_share())
    });
    let inference = s.cluster.workloads.iter().any(|w| w.inference);
    let gpus = s.cluster.pools.iter().any(|p| p.capacity.gpus > 0);
    if inference {
        row("inference replicas", &|i| {
            r[i].inference_replicas.to_string()
        });
        row(&format!("replicas recovered vs {cur}"), &|i| {
            signed(r[i].replicas_recovered)
        });
        row("replicas recovered vs no mesh", &|i| {
            signed(r[i].replicas_recovered_vs_none)
        });
        if gpus {
            row("recovered GPU-hours per month", &|i| {
                r[i].recovered_gpu_hours_per_month
                    .filter(|_| !r[i].is_current)
                    .map_or("–".into(), |x| format!("{x:+.0}"))
            });
            row("recovered GPU capacity, value ($/month, not cash)", &|i| {
                r[i].recovered_gpu_value_usd_per_month
                    .filter(|_| !r[i].is_current)
                    .map_or("–".into(), money)
            });
        }
    }
    if gpus {
        row("GPUs idle", &|i| {
            let why = r[i]
                .gpus_idle_by_reason
                .first()
                .map(|(k, _)| format!(" ({k})"))
                .unwrap_or_default();
            format!("{}{why}", r6(r[i].gpus_idle))
        });
    }
    if inference {
        row("binding resource", &|i| r[i].binding_resource.clone());
    }
    row("pods pending", &|i| r[i].pods_pending.to_string());
    row("current fleet cost ($/month)", &|i| {
        money(r[i].fleet_cost_usd_per_month)
    });
    if s.nodes_required {
        let na = |i: usize| -> Option<String> { (!r[i].fits).then(|| "does not fit".to_string()) };
        row("nodes at equal replicas (capacity rules)", &|i| {
            na(i).unwrap_or_else(|| match r[i].nodes_required {
                Some(req) => {
                    let all: u32 = r[i].pools.iter().map(|p| p.nodes).sum();
                    format!("{req}/{all}")
                }
                None => "not reachable".into(),
            })
        });
        row("cost at equal replicas ($/month)", &|i| {
            na(i).unwrap_or_else(|| r[i].cost_usd_per_month.map_or("–".into(), money))
        });
        row(&format!("mesh saving vs {cur} ($/month)"), &|i| {
            if r[i].is_current {
                "–".into()
            } else {
                na(i).unwrap_or_else(|| r[i].mesh_savings_usd_per_month.map_or("–".into(), money))
            }
        });
        row("right-sizing saving, no migration ($/month)", &|i| {
            r[i].right_sizing_savings_usd_per_month
                .map_or("–".into(), money)
        });
    }
    if let Some(mig) = s.migration {
        row("payback (months)", &|i| match r[i].roi {
            _ if r[i].is_current => "–".into(),
            Some(x) => x.payback_months.map_or_else(
                || format!("not within {} months", x.horizon_months),
                |m| format!("{m:.1}"),
            ),
            None => "–".into(),
        });
        row("12-month net ($)", &|i| {
            r[i].roi.map_or("–".into(), |x| money(x.net_12_months_usd))
        });
        row(&format!("{}-month net ($)", mig.horizon_months), &|i| {
            r[i].roi.map_or("–".into(), |x| money(x.net_horizon_usd))
        });
    }
    if let Some(a) = &s.autoscaling
        && rr.days.len() == r.len()
    {
        let info = meshsim_models::rows::RunInfo {
            scenario: &s.name,
            seed: s.seed,
        };
        let all: Vec<_> = meshsim_models::rows::autoscale::summary(
            &info,
            &s.cluster,
            s.current,
            a.spec.horizon_s,
            &rr.days,
        )
        .into_iter()
        .filter(|x| x.pool == "all")
        .collect();
        let h = meshsim_scenarios::units::format_duration(
            meshsim_core::time::SimDuration::from_secs(a.spec.horizon_s),
        );
        row(&format!("autoscaled over {h}: node-hours"), &|i| {
            format!("{:.1}", all[i].node_hours)
        });
        row("  peak nodes", &|i| all[i].peak_nodes.to_string());
        row("  pod-hours waiting for a node", &|i| {
            format!("{:.1}", all[i].pending_pod_hours)
        });
        row("  cost, scaled to a month ($/month)", &|i| {
            money(all[i].cost_usd_per_month)
        });
        row(&format!("  saving vs {cur} ($/month)"), &|i| {
            if r[i].is_current {
                "–".into()
            } else if !all[i].fits {
                "does not fit".into()
            } else {
                all[i].savings_usd_per_month.map_or("n/m".into(), money)
            }
        });
        for (w, cells) in &rr.windows {
            row(
                &format!(
                    "  added per hop P99 at the {} ({:.1} h, load ×{:.2}) (ms)",
                    w.label,
                    w.t_s as f64 / 3600.0,
                    w.load_factor
                ),
                &|i| match cells.get(i) {
                    _ if r[i].mode == MeshMode::None => "–".into(),
                    Some(c) if c.saturated == Some(true) => "saturated".into(),
                    Some(c) => cell(c.hop_p99_ms, true),
                    None => "–".into(),
                },
            );
        }
    }
    let lat = &rr.latency;
    let detail = &rr.latency_detail;
    if !detail.is_empty() {
        let nm = |i: usize| r[i].unmodelled.latency;
        let saturated = |i: usize| detail[i].saturation.is_some();
        let failed = |i: usize, k: usize| detail[i].dists[k].failed_requests > 0.0;
        let hop_cell = |i: usize, v: EstCell| {
            if r[i].mode == MeshMode::None {
                "–".into()
            } else if nm(i) {
                "n/m".into()
            } else if saturated(i) {
                "saturated".into()
            } else if failed(i, 0) {
                "failed requests".into()
            } else {
                cell(v, true)
            }
        };
        if detail.iter().any(|d| d.dists[0].failed_requests > 0.0) {
            row("failed requests per replication", &|i| {
                format!("{:.0}", detail[i].dists[0].failed_requests)
            });
        }
        row("added per hop P50 (ms)", &|i| {
            hop_cell(i, lat[i].hop_p50_ms)
        });
        row("added per hop P90 (ms)", &|i| {
            hop_cell(i, lat[i].hop_p90_ms)
        });
        row("added per hop P99 (ms)", &|i| {
            hop_cell(i, lat[i].hop_p99_ms)
        });
        // A multicluster fleet's hops between clusters (the rows above are within one).
        if let Some(k) = detail[0]
            .dists
            .iter()
            .position(|d| d.scope == meshsim_models::latency::CROSS_CLUSTER_HOP)
        {
            for q in ["p50", "p99"] {
                row(
                    &format!("added per cross-cluster hop {} (ms)", q.to_uppercase()),
                    &|i| hop_cell(i, est(lookup(&detail[i].dists[k].added_vs_none, q))),
                );
                row(
                    &format!("cross-cluster hop {} (ms)", q.to_uppercase()),
                    &|i| {
                        if saturated(i) {
                            "saturated".into()
                        } else {
                            cell(est(lookup(&detail[i].dists[k].stats, q)), false)
                        }
                    },
                );
            }
            // Where a Service is served in several clusters, how many of the calls cross.
            row("hops across clusters (% of hops)", &|i| {
                let d = &detail[i].dists;
                let all = d[0].count + d[k].count;
                if saturated(i) || all == 0.0 {
                    "–".into()
                } else {
                    format!("{:.1}", 100.0 * d[k].count / all)
                }
            });
        }
        let graphs = detail[0]
            .dists
            .iter()
            .filter(|d| d.scope.starts_with("call-graph:"))
            .count();
        for g in 0..graphs.min(GRAPHS) {
            let scope = detail[0].dists[1 + g]
                .scope
                .trim_start_matches("call-graph:")
                .to_string();
            let graph = |i: usize, f: &dyn Fn(usize) -> String| {
                if nm(i) {
                    "n/m".into()
                } else if saturated(i) {
                    "saturated".into()
                } else if failed(i, 1 + g) {
                    format!("{:.0} failed/rep", detail[i].dists[1 + g].failed_requests)
                } else {
                    f(i)
                }
            };
            for q in ["p50", "p90", "p99"] {
                row(&format!("{scope} added {} (ms)", q.to_uppercase()), &|i| {
                    if r[i].mode == MeshMode::None {
                        return "–".into();
                    }
                    graph(i, &|i| {
                        cell(est(lookup(&detail[i].dists[1 + g].added_vs_none, q)), true)
                    })
                });
            }
            if current.is_some() {
                for q in ["p50", "p99"] {
                    row(
                        &format!("{scope} {} vs {cur} (ms)", q.to_uppercase()),
                        &|i| {
                            if r[i].is_current {
                                return "–".into();
                            }
                            graph(i, &|i| {
                                cell(est(lookup(&detail[i].dists[1 + g].vs_current, q)), true)
                            })
                        },
                    );
                }
            }
            row(&format!("{scope} P99 (ms)"), &|i| {
                graph(i, &|i| {
                    cell(est(lookup(&detail[i].dists[1 + g].stats, "p99")), false)
                })
            });
            // A closed loop's rate is an outcome: what its clients got through.
            let closed = s
                .latency
                .as_ref()
                .and_then(|l| l.traffic.get(g))
                .is_some_and(|t| t.arrival.is_closed());
            if closed {
                row(&format!("{scope} throughput, closed loop (req/s)"), &|i| {
                    graph(i, &|i| {
                        let t = &detail[i].dists[1 + g].throughput;
                        match t.ci() {
                            Some(h) => format!("{:.1}±{:.1}", t.mean, h),
                            None => format!("{:.1}", t.mean),
                        }
                    })
                });
            }
        }
        if graphs > GRAPHS {
            let n = graphs - GRAPHS;
            rows.push((
                format!("(+{n} more call graph(s) in latency.csv)"),
                vec![String::new(); r.len()],
            ));
        }
        let mut row = |label: &str, f: &dyn Fn(usize) -> String| {
            rows.push((label.to_string(), (0..r.len()).map(f).collect()));
        };
        row("proxy CPU simulated, from [[traffic]] (vCPU)", &|i| {
            if r[i].unmodelled.proxy_cpu {
                "n/m".into()
            } else if saturated(i) {
                "saturated".into()
            } else {
                cell(lat[i].proxy_cpu_simulated_vcpu, false)
            }
        });
    }
    let w0 = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = (0..r.len())
        .map(|i| {
            rows.iter()
                .map(|(_, v)| v[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(8)
        })
        .collect();
    for (k, (label, vals)) in rows.iter().enumerate() {
        write!(out, "{label:<w0$}")?;
        for (v, w) in vals.iter().zip(&widths) {
            write!(out, "  {v:>w$}")?;
        }
        writeln!(out)?;
        if k == 0 {
            writeln!(
                out,
                "{}",
                "-".repeat(w0 + widths.iter().map(|w| w + 2).sum::<usize>())
            )?;
        }
    }
    print_members(out, s, rr)?;
    if s.latency.as_ref().is_some_and(|l| l.cpu_contention) {
        writeln!(
            out,
            "per hop: the proxies and network of one hop; with cpu_contention the mesh also slows the applications' processing by the CPU its proxies take from their nodes, which only the call-graph rows include"
        )?;
    }
    let g = |b: i64| b as f64 / GIB as f64;
    if let Some(first) = rr.migration.first()
        && first.node_agents_request != (0, 0)
    {
        writeln!(
            out,
            "node agents for ambient (ztunnel + istio-cni on every node): {:.1} GiB and {:.1} vCPU requested, a one-off cost paid by the first namespace moved",
            g(first.node_agents_request.1),
            first.node_agents_request.0 as f64 / 1000.0,
        )?;
    }
    let frees = |gib: f64| {
        if gib < 0.0 {
            format!("adds {:.1} GiB", -gib)
        } else {
            format!("frees {gib:.1} GiB")
        }
    };
    for st in rr.migration.iter().take(NAMESPACE_LINES) {
        writeln!(
            out,
            "migrate #{}: {} ({} pods, {} → {}): alone {} and {:.1} vCPU of requests, {:+} inference replicas; #1–#{} together (node agents included) {}",
            st.rank,
            st.namespace,
            st.pods,
            st.from.as_str(),
            st.to.as_str(),
            frees(g(st.request_freed.1)),
            st.request_freed.0 as f64 / 1000.0,
            st.replicas_gained,
            st.rank,
            frees(g(st.cumulative_request_freed.1)),
        )?;
    }
    if rr.migration.len() > NAMESPACE_LINES {
        writeln!(
            out,
            "… and {} more namespace(s) in namespaces.csv",
            rr.migration.len() - NAMESPACE_LINES
        )?;
    }
    let pending: Vec<_> = r
        .iter()
        .flat_map(|m| m.pending.iter().map(move |p| (m.mode, p)))
        .collect();
    for p in pending.iter().take(PENDING_LINES) {
        writeln!(
            out,
            "pending in {}: {} × {}: {}",
            p.0.as_str(),
            p.1.count,
            p.1.workload,
            p.1.reason
        )?;
    }
    if pending.len() > PENDING_LINES {
        writeln!(
            out,
            "… and {} more pending line(s) in pending.csv",
            pending.len() - PENDING_LINES
        )?;
    }
    if !rr.warnings.is_empty() {
        writeln!(
            out,
            "{} warning(s), printed above on stderr and in run.json: read them before using these figures",
            rr.warnings.len()
        )?;
    }
    writeln!(out)?;
    writeln!(out, "wrote {}/ {files}", dir.display())?;
    Ok(())
}
