//! The FGD study's curves from a replay's log (`scripts/analysis.py` and
//! `experiments/analysis/merge_*_discrete.py` of their simulator): GPU allocation, fragmented
//! GPU capacity and the fragmented share of free capacity, against the GPU requests arrived,
//! all as % of the cluster's GPU capacity, in 1 % steps; and medians over seeds.

use std::collections::BTreeMap;

use super::dynamics::ReplayRun;

/// One point of a curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurvePoint {
    /// Arrived GPU requests, % of GPU capacity (0, 1, 2, …).
    pub arrived_pct: u32,
    /// Allocated GPUs, % of capacity (2 decimals); `None` where no log line falls in or next
    /// to this step.
    pub gpu_allocation_pct: Option<f64>,
    /// Fragmented GPU capacity, % of capacity (2 decimals).
    pub frag_amount_pct: Option<f64>,
    /// Fragmented share of the free GPU capacity, % (mean of the lines' 2-decimal values).
    pub frag_ratio_pct: Option<f64>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round_ties_even() / 100.0
}

/// The curve of one run, steps `0..=max_pct`. Each step is the mean over every log line whose
/// arrived share rounds (half to even) to it — every line, not the last: CPU pods and failed
/// pods add lines at the same arrived share — or, with none there, over the lines within one
/// step of it.
pub fn curve(run: &ReplayRun, max_pct: u32) -> Vec<CurvePoint> {
    let cap = run.capacity_milli.max(1) as f64;
    let mut bins: BTreeMap<i64, (f64, f64, f64, u64)> = BTreeMap::new();
    for l in &run.log {
        let x = (100.0 * l.arrived_milli as f64 / cap).round_ties_even() as i64;
        let y = round2(100.0 * l.used_milli as f64 / cap);
        let ratio = if l.idle_milli > 0 {
            round2(100.0 * l.frag_milli / l.idle_milli as f64)
        } else {
            0.0
        };
        let e = bins.entry(x).or_default();
        e.0 += y;
        e.1 += l.frag_milli;
        e.2 += ratio;
        e.3 += 1;
    }
    (0..=max_pct)
        .map(|k| {
            let k64 = i64::from(k);
            let mut acc = bins.get(&k64).copied();
            if acc.is_none() {
                let near: Vec<_> = bins.range(k64 - 1..=k64 + 1).map(|(_, v)| *v).collect();
                if !near.is_empty() {
                    acc = Some(near.iter().fold((0.0, 0.0, 0.0, 0), |a, b| {
                        (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3)
                    }));
                }
            }
            let pt = acc.map(|(y, f, r, n)| {
                let n = n as f64;
                (round2(y / n), round2(100.0 * (f / n) / cap), r / n)
            });
            CurvePoint {
                arrived_pct: k,
                gpu_allocation_pct: pt.map(|p| p.0),
                frag_amount_pct: pt.map(|p| p.1),
                frag_ratio_pct: pt.map(|p| p.2),
            }
        })
        .collect()
}

/// The median (the mean of the two middle values of an even count); `None` for no values.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The median over seeds of each step of several curves of the same length.
pub fn median_curve(curves: &[Vec<CurvePoint>]) -> Vec<CurvePoint> {
    let len = curves.iter().map(Vec::len).min().unwrap_or(0);
    (0..len)
        .map(|k| {
            let pick = |f: fn(&CurvePoint) -> Option<f64>| -> Option<f64> {
                let v: Vec<f64> = curves.iter().filter_map(|c| f(&c[k])).collect();
                median(&v)
            };
            CurvePoint {
                arrived_pct: curves[0][k].arrived_pct,
                gpu_allocation_pct: pick(|p| p.gpu_allocation_pct),
                frag_amount_pct: pick(|p| p.frag_amount_pct),
                frag_ratio_pct: pick(|p| p.frag_ratio_pct),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::dynamics::LogLine;
    use super::*;

    fn line(arrived: u64, used: u64) -> LogLine {
        LogLine {
            arrived_milli: arrived,
            used_milli: used,
            frag_milli: 100.0,
            idle_milli: 10_000 - used,
        }
    }

    #[test]
    fn a_step_is_the_mean_of_every_line_in_it() {
        // Capacity 10 GPUs = 10,000 thousandths: 1 % = 100.
        let run = ReplayRun {
            capacity_milli: 10_000,
            log: vec![
                line(0, 0),
                line(100, 100), // x = 1
                line(100, 100), // a CPU pod: same x
                line(149, 100), // 1.49 % → 1
                line(250, 200), // 2.5 % → 2 (half to even)
                line(350, 300), // 3.5 % → 4 (half to even)
            ],
            ..Default::default()
        };
        let c = curve(&run, 6);
        assert_eq!(c[0].gpu_allocation_pct, Some(0.0));
        assert_eq!(c[1].gpu_allocation_pct, Some(1.0));
        assert_eq!(c[2].gpu_allocation_pct, Some(2.0));
        // Step 3 is empty: the mean of steps 2 and 4's lines.
        assert_eq!(c[3].gpu_allocation_pct, Some(2.5));
        assert_eq!(c[4].gpu_allocation_pct, Some(3.0));
        // Step 5: only step 4 is within one step.
        assert_eq!(c[5].gpu_allocation_pct, Some(3.0));
        assert_eq!(c[6].gpu_allocation_pct, None);
        // 100 fragmented thousandths of 10,000 = 1 %; of 9,900 free ≈ 1.01 %.
        assert_eq!(c[1].frag_amount_pct, Some(1.0));
        assert!((c[1].frag_ratio_pct.unwrap() - 1.01).abs() < 1e-12);
    }

    #[test]
    fn the_median_of_ten_seeds_is_the_mean_of_the_fifth_and_sixth() {
        let v = [9.0, 1.0, 8.0, 2.0, 7.0, 3.0, 6.0, 4.0, 5.0, 10.0];
        assert_eq!(median(&v), Some(5.5));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[]), None);
    }
}
