//! The report of a sweep, from `sweep.csv` (the table itself, so a sweep, a merge of its shards
//! and `meshsim report DIR` give the same page): which mode answers best across the points, how
//! much its headline figure moves with each parameter, and, for a two-parameter grid, the figure
//! over both.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use polars::prelude::{DataFrame, DataType};

use crate::chart::save;
use crate::cost_chart::usd_label;
use crate::report::{Chart, Report, Table};
use crate::sweep_chart::{Heat, Response, Spread};

/// What the page says of the sweep besides its table.
pub struct SweepInfo<'a> {
    /// Sweep name.
    pub name: &'a str,
    /// Its description.
    pub description: &'a str,
    /// The base scenario, as the sweep file names it.
    pub base_scenario: &'a str,
    /// Seed.
    pub seed: u64,
    /// Parameter names, in order.
    pub parameters: Vec<String>,
}

/// A mode and its figure's spread at each value of a parameter.
type Series = (String, Vec<Option<Spread>>);

/// One row of `sweep.csv` as the page reads it.
struct Point {
    values: Vec<String>,
    mode: String,
    current: bool,
    figure: Option<f64>,
}

fn strings(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

fn floats(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

/// The figure the page is about: the mesh saving in dollars when some point prices one other
/// than 0, otherwise the inference replicas recovered.
struct Figure {
    column: &'static str,
    what: &'static str,
    unit: &'static str,
    label: fn(f64) -> String,
}

fn replicas(v: f64) -> String {
    format!("{v:.1}")
}

const SAVING: Figure = Figure {
    column: "mesh_savings_usd_per_month",
    what: "mesh saving",
    unit: "$ a month",
    label: usd_label,
};
const RECOVERED: Figure = Figure {
    column: "replicas_recovered",
    what: "inference replicas recovered",
    unit: "replicas",
    label: replicas,
};

fn spread(v: &[f64]) -> Option<Spread> {
    if v.is_empty() {
        return None;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let (lo, hi) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    Some((mean, lo, hi))
}

/// Values in order of first appearance.
fn ordered<'a>(it: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in it {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

/// Builds the page of a sweep whose `sweep.csv` is `df`, drawing its charts into `dir` when
/// `plots`.
pub fn page(info: &SweepInfo<'_>, df: &DataFrame, dir: &Path, plots: bool) -> Result<Report> {
    let modes = strings(df, "mode")?;
    let current = strings(df, "is_current")?;
    let mut params = Vec::new();
    for p in &info.parameters {
        params.push(strings(df, p)?);
    }
    let saving = floats(df, SAVING.column)?;
    let figure = if saving
        .iter()
        .zip(&current)
        .any(|(v, c)| c != "true" && v.is_some_and(|v| v != 0.0))
    {
        SAVING
    } else {
        RECOVERED
    };
    let values = floats(df, figure.column)?;
    let points: Vec<Point> = (0..df.height())
        .map(|i| Point {
            values: params.iter().map(|p| p[i].clone()).collect(),
            mode: modes[i].clone(),
            current: current[i] == "true",
            figure: values[i],
        })
        .collect();
    let n_points = points
        .iter()
        .map(|p| &p.values)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let current_mode = points
        .iter()
        .find(|p| p.current)
        .map_or("the current mode".to_string(), |p| p.mode.clone());
    let compared = ordered(points.iter().filter(|p| !p.current).map(|p| &p.mode));
    let of_mode = |m: &str| -> Vec<f64> {
        points
            .iter()
            .filter(|p| p.mode == m)
            .filter_map(|p| p.figure)
            .collect()
    };
    let best = compared
        .iter()
        .filter_map(|m| spread(&of_mode(m)).map(|s| (m.clone(), s)))
        .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.0.cmp(&a.0)));
    let label = figure.label;
    // Per parameter, per value: the spread of each mode's figure.
    let response = |k: usize| -> (Vec<String>, Vec<Series>) {
        let vals = ordered(points.iter().map(|p| &p.values[k]));
        let series = compared
            .iter()
            .map(|m| {
                let per: Vec<Option<Spread>> = vals
                    .iter()
                    .map(|v| {
                        let xs: Vec<f64> = points
                            .iter()
                            .filter(|p| &p.mode == m && &p.values[k] == v)
                            .filter_map(|p| p.figure)
                            .collect();
                        spread(&xs)
                    })
                    .collect();
                (m.clone(), per)
            })
            .collect();
        (vals, series)
    };
    let mut charts = Vec::new();
    let mut rows = Vec::new();
    let mut moves_most: Option<(String, f64, String, String, f64, f64)> = None;
    for (k, name) in info.parameters.iter().enumerate() {
        let (vals, series) = response(k);
        if let Some((b, _)) = &best {
            let s = &series
                .iter()
                .find(|s| &s.0 == b)
                .expect("best is compared")
                .1;
            for (v, sp) in vals.iter().zip(s) {
                let n = points
                    .iter()
                    .filter(|p| &p.mode == b && &p.values[k] == v)
                    .count();
                rows.push(vec![
                    name.clone(),
                    v.clone(),
                    n.to_string(),
                    sp.map_or("n/m".into(), |s| label(s.0)),
                    sp.map_or("n/m".into(), |s| label(s.1)),
                    sp.map_or("n/m".into(), |s| label(s.2)),
                ]);
            }
            let means: Vec<(usize, f64)> = s
                .iter()
                .enumerate()
                .filter_map(|(i, x)| x.map(|x| (i, x.0)))
                .collect();
            if let (Some(lo), Some(hi)) = (
                means.iter().min_by(|a, b| a.1.total_cmp(&b.1)),
                means.iter().max_by(|a, b| a.1.total_cmp(&b.1)),
            ) {
                let range = hi.1 - lo.1;
                if moves_most.as_ref().is_none_or(|m| range > m.1) {
                    moves_most = Some((
                        name.clone(),
                        range,
                        vals[lo.0].clone(),
                        vals[hi.0].clone(),
                        lo.1,
                        hi.1,
                    ));
                }
            }
        }
        let stem = format!("sweep-response-{k}");
        if plots {
            save(
                dir,
                &stem,
                (900, 480),
                &Response {
                    title: format!("{}: {} by {name}", info.name, figure.what),
                    y_desc: format!(
                        "{}, mean over the other parameters (bar: min–max)",
                        figure.unit
                    ),
                    values: vals.clone(),
                    series: series.clone(),
                    label,
                },
            )?;
            let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg")))?;
            charts.push(Chart {
                title: format!("The {} by {name}", figure.what),
                caption: format!(
                    "Per mode against {current_mode}, the mean {} at each value of {name} over the sweep's other points, with their range: a steep line is a parameter the answer hangs on.",
                    figure.what
                ),
                alt: series
                    .iter()
                    .map(|(m, s)| {
                        format!(
                            "{m}: {}",
                            vals.iter()
                                .zip(s)
                                .map(|(v, x)| format!("{v} {}", x.map_or("n/m".into(), |x| label(x.0))))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                svg,
            });
        }
    }
    if let (true, 2, Some((b, _))) = (plots, info.parameters.len(), &best) {
        let xs = ordered(points.iter().map(|p| &p.values[0]));
        let ys = ordered(points.iter().map(|p| &p.values[1]));
        let mut acc: BTreeMap<(usize, usize), Vec<f64>> = BTreeMap::new();
        for p in points.iter().filter(|p| &p.mode == b) {
            let xi = xs.iter().position(|v| v == &p.values[0]).expect("listed");
            let yi = ys.iter().position(|v| v == &p.values[1]).expect("listed");
            acc.entry((xi, yi)).or_default().extend(p.figure);
        }
        let cells: Vec<Vec<Option<f64>>> = (0..ys.len())
            .map(|yi| {
                (0..xs.len())
                    .map(|xi| acc.get(&(xi, yi)).and_then(|v| spread(v)).map(|s| s.0))
                    .collect()
            })
            .collect();
        let heat = Heat {
            title: format!("{}: {} of {b} over both parameters", info.name, figure.what),
            x: (info.parameters[0].clone(), xs.clone()),
            y: (info.parameters[1].clone(), ys.clone()),
            cells: cells.clone(),
            label,
        };
        save(dir, "sweep-heatmap", (900, 520), &heat)?;
        let svg = std::fs::read_to_string(dir.join("sweep-heatmap.svg"))?;
        charts.push(Chart {
            title: format!("The {} of {b} over the grid", figure.what),
            caption: format!(
                "Each cell is {b}'s mean {} against {current_mode} at one pair of values (darker is less); n/m where it is not computed.",
                figure.what
            ),
            alt: ys
                .iter()
                .zip(&cells)
                .map(|(y, row)| {
                    format!(
                        "{} {y}: {}",
                        info.parameters[1],
                        xs.iter()
                            .zip(row)
                            .map(|(x, v)| format!("{} {x} {}", info.parameters[0], v.map_or("n/m".into(), label)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            svg,
        });
    }
    let headline = match &best {
        None => format!(
            "No mode's {} is computed at any of the {n_points} point(s) against {current_mode}",
            figure.what
        ),
        Some((b, s)) => {
            let mut h = format!(
                "Over {n_points} point(s), {b} against {current_mode} gives a {} of {} on average (from {} to {} across the points)",
                figure.what,
                label(s.0),
                label(s.1),
                label(s.2)
            );
            if let Some((name, range, vlo, vhi, lo, hi)) = &moves_most
                && *range > 0.0
            {
                h += &format!(
                    "; {name} moves it most: {} at {vlo}, {} at {vhi}",
                    label(*lo),
                    label(*hi)
                );
            }
            h + "."
        }
    };
    let mut warnings = Vec::new();
    if let Some((b, _)) = &best {
        let missing = points
            .iter()
            .filter(|p| &p.mode == b && p.figure.is_none())
            .count();
        if missing > 0 {
            warnings.push(format!(
                "{b}: the {} is not computed at {missing} point(s) (a mode that does not fit there, or no price): they are left out of the means, never counted as 0",
                figure.what
            ));
        }
    }
    Ok(Report {
        title: format!("meshsim sweep — {}", info.name),
        question: info.description.to_string(),
        headline,
        tables: best
            .as_ref()
            .map(|(b, _)| Table {
                caption: format!("The {} of {b} by parameter value", figure.what),
                header: ["parameter", "value", "points", "mean", "min", "max"]
                    .map(String::from)
                    .to_vec(),
                rows,
            })
            .into_iter()
            .collect(),
        charts,
        assumptions: vec![
            format!("every point is the base scenario {} with the parameters set as sweep.csv lists them; figures are against {current_mode}, as in meshsim run", info.base_scenario),
            format!("the {} is {}", figure.what, if figure.column == SAVING.column {
                "the cash a month from nodes removed at equal replicas (meshsim run's mesh saving)"
            } else {
                "the inference replicas a mode places beyond the current mode on the same fleet (no point prices a saving other than $0)"
            }),
            "a mean over a parameter's value averages the other parameters' values with equal weight, as the sweep's points sample them".into(),
        ],
        warnings,
        not_modelled: Vec::new(),
        footer: format!(
            "meshsim {} · meshsim sweep · base scenario {} · seed {} · {n_points} point(s) · sweep.csv and sweep-summary.csv beside this page hold every figure (columns in cli/SCHEMA.md)",
            env!("CARGO_PKG_VERSION"),
            info.base_scenario,
            info.seed
        ),
    })
}
