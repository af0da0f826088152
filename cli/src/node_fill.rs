//! The node-fill picture of a run: per pool and mode, one strip per resource (CPU, memory, GPU)
//! with a cell per node coloured by the share of the node's allocatable its pods request — so a
//! GPU left idle on a node whose memory is full shows as a light GPU cell under a dark memory
//! cell. Nodes are sorted by GPU, then memory, then CPU fill (fullest first); a pool of more
//! than [`MAX_CELLS`] nodes is drawn in [`MAX_CELLS`] cells, each the mean of consecutive
//! sorted nodes (the caption says so). Each strip's range (or its one value) is written at its
//! end. Colours: viridis (colour-blind-safe, prints in grey).

use anyhow::{Result, anyhow};
use meshsim_models::study::StudyResult;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::chart::Draw;

/// Most cells per strip.
pub const MAX_CELLS: usize = 120;

/// One strip: a resource of one pool under one mode.
struct Strip {
    label: String,
    cells: Vec<f64>,
}

/// One pool's strips, and how many nodes a cell stands for.
struct Panel {
    title: String,
    strips: Vec<Strip>,
}

/// The chart's data.
pub struct NodeFill {
    title: String,
    panels: Vec<Panel>,
    /// The most nodes one cell stands for (1 when every node has its own cell).
    pub nodes_per_cell: usize,
}

fn share(used: f64, of: f64) -> f64 {
    if of > 0.0 {
        (used / of).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Means of `v` in `k` consecutive groups as equal as possible.
fn binned(v: &[f64], k: usize) -> Vec<f64> {
    if v.len() <= k {
        return v.to_vec();
    }
    (0..k)
        .map(|j| {
            let (a, b) = (j * v.len() / k, (j + 1) * v.len() / k);
            v[a..b].iter().sum::<f64>() / (b - a) as f64
        })
        .collect()
}

impl NodeFill {
    /// From the study's placements; `None` without nodes.
    pub fn of(scenario: &str, rr: &StudyResult) -> Option<NodeFill> {
        let mut panels = Vec::new();
        let mut nodes_per_cell = 1;
        let pools = rr.results.first().map_or(0, |m| m.pools.len());
        for p in 0..pools {
            let pool = &rr.results[0].pools[p];
            let n = f64::from(pool.nodes.max(1));
            let cpu = pool.allocatable.cpu_milli as f64 / n;
            let mem = pool.allocatable.memory_bytes as f64 / n;
            let gpu = f64::from(pool.gpus_per_node) * 1000.0;
            let mut strips = Vec::new();
            for (m, run) in rr.results.iter().zip(&rr.runs) {
                let mut fills: Vec<[f64; 3]> = run
                    .nodes
                    .iter()
                    .filter(|u| u.present && u.pool.index() == p)
                    .map(|u| {
                        [
                            share(f64::from(u.requested.gpu_milli), gpu),
                            share(u.requested.memory_bytes as f64, mem),
                            share(u.requested.cpu_milli as f64, cpu),
                        ]
                    })
                    .collect();
                if fills.is_empty() {
                    continue;
                }
                fills.sort_by(|a, b| {
                    b[0].total_cmp(&a[0])
                        .then(b[1].total_cmp(&a[1]))
                        .then(b[2].total_cmp(&a[2]))
                });
                nodes_per_cell = nodes_per_cell.max(fills.len().div_ceil(MAX_CELLS));
                let resources: &[(usize, &str)] = if pool.gpus_per_node > 0 {
                    &[(2, "CPU"), (1, "memory"), (0, "GPU")]
                } else {
                    &[(2, "CPU"), (1, "memory")]
                };
                for &(k, name) in resources {
                    let v: Vec<f64> = fills.iter().map(|f| f[k]).collect();
                    strips.push(Strip {
                        label: format!("{} {name}", m.mode.as_str()),
                        cells: binned(&v, MAX_CELLS),
                    });
                }
            }
            if !strips.is_empty() {
                panels.push(Panel {
                    title: format!(
                        "pool {} — {} node(s){}",
                        pool.name,
                        pool.nodes,
                        if pool.gpus_per_node > 0 {
                            format!(", {} GPU(s) each", pool.gpus_per_node)
                        } else {
                            String::new()
                        }
                    ),
                    strips,
                });
            }
        }
        (!panels.is_empty()).then(|| NodeFill {
            title: format!("{scenario}: requested share of each node, per pool and mode"),
            panels,
            nodes_per_cell,
        })
    }

    /// Pixel size of the chart.
    pub fn size(&self) -> (u32, u32) {
        let strips: usize = self.panels.iter().map(|p| p.strips.len()).sum();
        (900, (90 + strips * 18 + self.panels.len() * 30) as u32)
    }
}

impl Draw for NodeFill {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing {}: {e:?}", self.title);
        root.fill(&WHITE).map_err(err)?;
        let (w, _) = self.size();
        let font = ("sans-serif", 13).into_font();
        root.draw(&Text::new(
            self.title.clone(),
            (12, 8),
            ("sans-serif", 20).into_font(),
        ))
        .map_err(err)?;
        let (x0, x1) = (190i32, w as i32 - 110);
        let mut y = 44i32;
        for panel in &self.panels {
            root.draw(&Text::new(panel.title.clone(), (12, y), font.clone()))
                .map_err(err)?;
            y += 22;
            for s in &panel.strips {
                root.draw(&Text::new(s.label.clone(), (24, y + 1), font.clone()))
                    .map_err(err)?;
                let k = s.cells.len().max(1) as i32;
                for (j, &v) in s.cells.iter().enumerate() {
                    let a = x0 + (x1 - x0) * j as i32 / k;
                    let b = x0 + (x1 - x0) * (j as i32 + 1) / k;
                    let c: RGBColor = ViridisRGB.get_color(v as f32);
                    root.draw(&Rectangle::new(
                        [(a, y), (b.max(a + 1), y + 15)],
                        c.filled(),
                    ))
                    .map_err(err)?;
                }
                let mean = s.cells.iter().sum::<f64>() / s.cells.len().max(1) as f64;
                let (lo, hi) = s
                    .cells
                    .iter()
                    .fold((1.0f64, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
                let text = if hi - lo < 0.005 {
                    format!("{:.0} %", mean * 100.0)
                } else {
                    format!("{:.0}–{:.0} %", lo * 100.0, hi * 100.0)
                };
                root.draw(&Text::new(text, (x1 + 8, y + 1), font.clone()))
                    .map_err(err)?;
                y += 18;
            }
            y += 8;
        }
        // The colour scale.
        y += 4;
        root.draw(&Text::new("0 %", (x0 - 34, y + 1), font.clone()))
            .map_err(err)?;
        for j in 0..100 {
            let a = x0 + (x1 - x0) / 2 * j / 100;
            let b = x0 + (x1 - x0) / 2 * (j + 1) / 100;
            let c: RGBColor = ViridisRGB.get_color(j as f32 / 99.0);
            root.draw(&Rectangle::new([(a, y), (b, y + 12)], c.filled()))
                .map_err(err)?;
        }
        root.draw(&Text::new(
            format!(
                "100 % of the node's allocatable requested{}",
                if self.nodes_per_cell > 1 {
                    format!(
                        " · a cell is the mean of up to {} sorted nodes",
                        self.nodes_per_cell
                    )
                } else {
                    " · a cell per node".into()
                }
            ),
            (x0 + (x1 - x0) / 2 + 8, y + 1),
            font,
        ))
        .map_err(err)?;
        root.present().map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_means_of_consecutive_groups() {
        assert_eq!(binned(&[1.0, 2.0, 3.0], 5), vec![1.0, 2.0, 3.0]);
        assert_eq!(binned(&[1.0, 3.0, 5.0, 7.0], 2), vec![2.0, 6.0]);
        // 5 into 2: groups [0,2) and [2,5).
        assert_eq!(binned(&[1.0, 1.0, 4.0, 4.0, 4.0], 2), vec![1.0, 4.0]);
        assert_eq!(share(5.0, 0.0), 0.0);
        assert_eq!(share(15.0, 10.0), 1.0);
    }

    /// Each strip, a cell per node, averages to the pool's requested share that `pools.csv`
    /// reports: the picture and the table are the same placement. On the memory-bound shipped
    /// scenario the GPU pool's memory is full while a quarter of its GPUs stay unrequested
    /// (6 of 8 GPUs per node hold a replica without a mesh).
    #[test]
    fn strips_average_to_the_pools_requested_share() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios/gpu-inference-memory-bound.toml");
        let s = crate::run::load_scenario(&path).unwrap();
        let rr = crate::run::compute(&s, &indicatif::ProgressBar::hidden(), false).unwrap();
        let f = NodeFill::of("t", &rr).unwrap();
        assert_eq!(f.nodes_per_cell, 1);
        assert_eq!(f.panels.len(), 2);
        for (p, panel) in f.panels.iter().enumerate() {
            let per_mode = if rr.results[0].pools[p].gpus_per_node > 0 {
                3
            } else {
                2
            };
            assert_eq!(panel.strips.len(), rr.results.len() * per_mode);
            for (m, r) in rr.results.iter().enumerate() {
                let pool = &r.pools[p];
                let n = f64::from(pool.nodes);
                let strips = &panel.strips[m * per_mode..(m + 1) * per_mode];
                let total = |k: usize| strips[k].cells.iter().sum::<f64>();
                assert_eq!(strips[0].cells.len(), pool.nodes as usize);
                let cpu = pool.requested.cpu_milli as f64 / pool.allocatable.cpu_milli as f64;
                let mem = pool.requested.memory_bytes as f64 / pool.allocatable.memory_bytes as f64;
                assert!((total(0) / n - cpu).abs() < 1e-9, "{} cpu", strips[0].label);
                assert!(
                    (total(1) / n - mem).abs() < 1e-9,
                    "{} memory",
                    strips[1].label
                );
                if per_mode == 3 {
                    let gpu = f64::from(pool.requested.gpu_milli)
                        / (n * f64::from(pool.gpus_per_node) * 1000.0);
                    assert!((total(2) / n - gpu).abs() < 1e-9, "{} gpu", strips[2].label);
                }
            }
            if p == 0 {
                let none = &panel.strips[..3];
                assert_eq!(none[0].label, "none CPU");
                assert!(none[1].cells.iter().all(|&v| v > 0.99), "memory full");
                assert!(
                    none[2].cells.iter().all(|&v| (v - 0.75).abs() < 1e-9),
                    "6 of 8 GPUs"
                );
            }
        }
    }
}
