//! When each move is done, which moves are cut over together (waves), and when the work is
//! paid for.
//!
//! The team works through the moves in the strategy's order, the one-off setup first. With
//! `sprints_per_month` = c, a move finishes at (setup + the effort of every move up to and
//! including it) ÷ c months, in the month that time falls in; its wave is cut over at the end of
//! that month. Without `namespaces_per_wave`, the moves finishing in the same month form one
//! wave (a monthly release train); with it, every `namespaces_per_wave` moves form one wave that
//! ends when its last move is done. With `namespaces_per_wave` alone (no sprint rate), the team
//! cuts over one wave a month. "Big bang" is one wave that ends when all the work is done.
//! Engineering is spent as it is done: c sprints a month until the work is finished (with no
//! sprint rate, each wave's effort in its month, the setup in month 1).

use super::spec::Capacity;

/// Months are counted from 1; a time `t` (months since the start) falls in month ⌈t⌉ (≥ 1).
fn month_of(t: f64) -> u32 {
    // A tolerance for sums of decimal efforts (0.1 + 0.2) that land a hair past a month's end.
    ((t - 1e-9).ceil().max(1.0)) as u32
}

/// One wave: consecutive moves of the order, cut over together.
#[derive(Clone, Debug, PartialEq)]
pub struct WaveTiming {
    /// First move (index in the order) and one past the last.
    pub moves: std::ops::Range<usize>,
    /// Month at whose end the wave is cut over; it saves from the month after.
    pub end_month: u32,
    /// Sprints of its moves (the setup counted in the first wave).
    pub sprints: f64,
}

/// Waves of `efforts` (sprints per move, in order). `breaks` are move indices that must start
/// a wave (the recommended strategy's waypoints come after every L4 move); `one_wave` puts
/// everything in one wave.
pub fn waves(
    efforts: &[f64],
    breaks: &[usize],
    setup: f64,
    cap: Capacity,
    one_wave: bool,
) -> Vec<WaveTiming> {
    let n = efforts.len();
    if n == 0 {
        return Vec::new();
    }
    // Month each move finishes in (with a sprint rate) or its slot (without).
    let mut done = Vec::with_capacity(n);
    let mut t = setup;
    for e in efforts {
        t += e;
        done.push(t);
    }
    let mut out: Vec<WaveTiming> = Vec::new();
    let mut start = 0;
    for i in 0..n {
        let last = i + 1 == n;
        let cut = if one_wave {
            last
        } else {
            let next_breaks = !last && breaks.contains(&(i + 1));
            let full = cap
                .namespaces_per_wave
                .is_some_and(|k| (i + 1 - start) as u32 >= k);
            let month_changes = cap.namespaces_per_wave.is_none()
                && !last
                && cap
                    .sprints_per_month
                    .is_some_and(|c| month_of(done[i] / c) != month_of(done[i + 1] / c));
            last || next_breaks || full || month_changes
        };
        if cut {
            let end_month = match cap.sprints_per_month {
                Some(c) => month_of(done[i] / c),
                None => {
                    // One wave a month; big bang takes as many months as its waves would.
                    let k = cap.namespaces_per_wave.unwrap_or(1).max(1) as usize;
                    if one_wave {
                        n.div_ceil(k) as u32
                    } else {
                        out.len() as u32 + 1
                    }
                }
            };
            let sprints: f64 =
                efforts[start..=i].iter().sum::<f64>() + if out.is_empty() { setup } else { 0.0 };
            out.push(WaveTiming {
                moves: start..i + 1,
                end_month,
                sprints,
            });
            start = i + 1;
        }
    }
    out
}

/// Sprints spent in each month `1..=months` (index 0 = month 1), and the sprints left after
/// the last month (work beyond the horizon).
pub fn spend(waves: &[WaveTiming], cap: Capacity, months: u32) -> (Vec<f64>, f64) {
    let total: f64 = waves.iter().map(|w| w.sprints).sum();
    let mut v = vec![0.0; months as usize];
    match cap.sprints_per_month {
        Some(c) => {
            for (m, x) in v.iter_mut().enumerate() {
                *x = (total - c * m as f64).clamp(0.0, c);
            }
        }
        None => {
            for w in waves {
                if let Some(x) = v.get_mut(w.end_month as usize - 1) {
                    *x += w.sprints;
                }
            }
        }
    }
    let spent: f64 = v.iter().sum();
    (v, (total - spent).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE_2: Capacity = Capacity {
        sprints_per_month: Some(2.0),
        namespaces_per_wave: None,
    };

    #[test]
    fn moves_finishing_in_one_month_form_one_wave() {
        // Setup 1, efforts 1, 2, 0.5, 3 at 2 sprints/month: work done 2, 4, 4.5, 7.5 sprints
        // = 1, 2, 2.25, 3.75 months → months 1, 2, 3, 4.
        let w = waves(&[1.0, 2.0, 0.5, 3.0], &[], 1.0, RATE_2, false);
        let ends: Vec<u32> = w.iter().map(|w| w.end_month).collect();
        assert_eq!(ends, [1, 2, 3, 4]);
        assert_eq!(w[0].sprints, 2.0, "the setup is paid in the first wave");
        // Efforts 0.5 × 4 at 2/month: work 0.5, 1, 1.5, 2 → all in month 1: one wave.
        let w = waves(&[0.5; 4], &[], 0.0, RATE_2, false);
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].moves.clone(), w[0].end_month), (0..4, 1));
    }

    #[test]
    fn a_break_starts_a_wave_and_namespaces_per_wave_caps_it() {
        let w = waves(&[0.5; 4], &[2], 0.0, RATE_2, false);
        assert_eq!(
            w.iter().map(|w| w.moves.clone()).collect::<Vec<_>>(),
            [0..2, 2..4]
        );
        assert_eq!(w.iter().map(|w| w.end_month).collect::<Vec<_>>(), [1, 1]);
        let cap = Capacity {
            sprints_per_month: None,
            namespaces_per_wave: Some(3),
        };
        let w = waves(&[1.0; 7], &[], 2.0, cap, false);
        assert_eq!(
            w.iter()
                .map(|w| (w.moves.clone(), w.end_month))
                .collect::<Vec<_>>(),
            [(0..3, 1), (3..6, 2), (6..7, 3)]
        );
        let bang = waves(&[1.0; 7], &[], 2.0, cap, true);
        assert_eq!(
            (bang.len(), bang[0].end_month, bang[0].sprints),
            (1, 3, 9.0)
        );
    }

    #[test]
    fn work_is_spent_at_the_team_rate_and_what_passes_the_horizon_is_reported() {
        let w = waves(&[1.0, 2.0, 0.5, 3.0], &[], 1.0, RATE_2, false);
        let (v, left) = spend(&w, RATE_2, 6);
        assert_eq!(v, [2.0, 2.0, 2.0, 1.5, 0.0, 0.0]);
        assert_eq!(left, 0.0);
        let (v, left) = spend(&w, RATE_2, 2);
        assert_eq!((v, left), (vec![2.0, 2.0], 3.5));
    }
}
