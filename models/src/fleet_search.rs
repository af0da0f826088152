//! The smallest fleet that still works: one bisection over a pool's node count, shared by "nodes
//! at equal replicas" and the capacity search.
//!
//! Bisection assumes that more nodes are never worse. Packing is not strictly monotone (a
//! different node count can change tie-breaks and therefore where pods land), so the count found
//! is checked again and, if it fails, walked up one node at a time until it holds.

/// The smallest `n` in `lo..=hi` for which `feasible(n)` holds, or `None` when even `hi` does
/// not. `feasible(hi)` is evaluated first unless `hi_known_feasible`.
pub fn smallest_count(
    lo: u32,
    hi: u32,
    hi_known_feasible: bool,
    mut feasible: impl FnMut(u32) -> bool,
) -> Option<u32> {
    if !hi_known_feasible && !feasible(hi) {
        return None;
    }
    let (mut a, mut b) = (lo.min(hi), hi);
    // Invariant: `b` suffices.
    while a < b {
        let mid = a + (b - a) / 2;
        if feasible(mid) {
            b = mid;
        } else {
            a = mid + 1;
        }
    }
    // Verify, and walk up if placement was not monotone at the boundary.
    let mut n = b;
    while n < hi && !feasible(n) {
        n += 1;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_threshold_of_a_monotone_predicate() {
        for t in 0..=20 {
            let mut calls = 0;
            let got = smallest_count(0, 20, false, |n| {
                calls += 1;
                n >= t
            });
            assert_eq!(got, Some(t));
            // ⌈log2(21)⌉ + the upper bound + the verification.
            assert!(calls <= 7, "{calls} evaluations for t = {t}");
        }
        assert_eq!(smallest_count(0, 20, false, |n| n >= 21), None);
        assert_eq!(smallest_count(5, 20, true, |_| true), Some(5));
    }

    #[test]
    fn walks_up_past_a_non_monotone_boundary() {
        // Feasible at 10 and from 13 on, not at 11 or 12: bisection over 0..=20 lands on 13
        // or on 10 and verifies it.
        let f = |n: u32| n == 10 || n >= 13;
        let got = smallest_count(0, 20, false, f).unwrap();
        assert!(f(got), "{got} is not feasible");
    }
}
