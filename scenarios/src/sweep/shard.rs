//! Shards of a sweep: which points shard K of N runs, and whether a set of shard results covers
//! every point exactly once.
//!
//! Point `i` belongs to shard `i mod N` (round robin): points are pure functions of their index,
//! so the assignment needs no coordination, and neighbouring points — which in a grid differ in
//! the fastest parameter only and cost about the same — land on different shards, balancing
//! the shards' work. Shard K of a sweep with n points runs ⌈(n − K) / N⌉ points (none when K ≥ n).

use std::collections::BTreeMap;
use std::fmt;

/// Most shards a sweep may be cut into (a Kubernetes Indexed Job allows up to 100,000
/// completions with a per-index backoff limit).
pub const MAX_SHARDS: u64 = 100_000;

/// Shard `index` of `count`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Shard {
    /// 0-based index (`JOB_COMPLETION_INDEX` in an Indexed Job).
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Parses `K/N` (0 ≤ K < N ≤ [`MAX_SHARDS`]).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not K/N (shard K of N, K from 0)"))?;
        let count = Self::count(n)?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("`{k}` is not a shard index (0 to {})", count - 1))?;
        Self::new(index, count)
    }

    /// Parses a shard count (1 to [`MAX_SHARDS`]).
    pub fn count(n: &str) -> Result<u64, String> {
        match n.trim().parse::<u64>() {
            Ok(c) if (1..=MAX_SHARDS).contains(&c) => Ok(c),
            _ => Err(format!("`{n}` is not a shard count (1 to {MAX_SHARDS})")),
        }
    }

    /// Shard `index` of `count`, checked.
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!("{count} shards: must be 1 to {MAX_SHARDS}"));
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is not below the shard count {count} (indices start at 0)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The points of this shard among `n`, in order.
    pub fn points(self, n: u64) -> impl Iterator<Item = u64> {
        (self.index..n).step_by(self.count as usize)
    }

    /// How many points of `n` this shard runs.
    pub fn len(self, n: u64) -> u64 {
        if self.index >= n {
            0
        } else {
            (n - self.index).div_ceil(self.count)
        }
    }

    /// Whether it runs no point.
    pub fn is_empty(self, n: u64) -> bool {
        self.len(n) == 0
    }
}

/// What is wrong with a set of shards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// Points no shard holds, as inclusive ranges.
    pub missing: Vec<(u64, u64)>,
    /// Points more than one shard holds, with those shards' names.
    pub duplicated: Vec<(u64, Vec<String>)>,
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 10;
        if !self.missing.is_empty() {
            let total: u64 = self.missing.iter().map(|(a, b)| b - a + 1).sum();
            let list: Vec<String> = self
                .missing
                .iter()
                .take(SHOWN)
                .map(|(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}–{b}")
                    }
                })
                .collect();
            write!(
                f,
                "{total} point(s) are in no shard: {}{}",
                list.join(", "),
                if self.missing.len() > SHOWN {
                    ", …"
                } else {
                    ""
                }
            )?;
        }
        if !self.duplicated.is_empty() {
            if !self.missing.is_empty() {
                write!(f, "; ")?;
            }
            let list: Vec<String> = self
                .duplicated
                .iter()
                .take(SHOWN)
                .map(|(p, s)| format!("{p} (in {})", s.join(" and ")))
                .collect();
            write!(
                f,
                "{} point(s) are in more than one shard: {}{}",
                self.duplicated.len(),
                list.join(", "),
                if self.duplicated.len() > SHOWN {
                    ", …"
                } else {
                    ""
                }
            )?;
        }
        Ok(())
    }
}

/// Checks that `held` (each shard's name and the points it holds) covers `0..n` exactly once.
pub fn coverage<'a>(
    n: u64,
    held: impl IntoIterator<Item = (&'a str, &'a [u64])>,
) -> Result<(), Coverage> {
    let mut seen: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut beyond = Vec::new();
    for (name, points) in held {
        for &p in points {
            if p >= n {
                beyond.push((p, vec![name.to_string()]));
            } else {
                seen.entry(p).or_default().push(name.to_string());
            }
        }
    }
    let mut missing = Vec::new();
    let mut next = 0;
    for &p in seen.keys() {
        if p > next {
            missing.push((next, p - 1));
        }
        next = p + 1;
    }
    if next < n {
        missing.push((next, n - 1));
    }
    let mut duplicated: Vec<(u64, Vec<String>)> =
        seen.into_iter().filter(|(_, s)| s.len() > 1).collect();
    duplicated.extend(beyond);
    if missing.is_empty() && duplicated.is_empty() {
        Ok(())
    } else {
        Err(Coverage {
            missing,
            duplicated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_covers_every_point_once_for_any_shard_count() {
        for n in [0u64, 1, 7, 10, 101] {
            for count in [1u64, 2, 3, 7, 10, 150] {
                let mut all: Vec<u64> = (0..count)
                    .flat_map(|k| Shard::new(k, count).unwrap().points(n).collect::<Vec<_>>())
                    .collect();
                let lens: Vec<u64> = (0..count)
                    .map(|k| Shard::new(k, count).unwrap().len(n))
                    .collect();
                assert_eq!(lens.iter().sum::<u64>(), n);
                // Balanced: shard sizes differ by at most one.
                let (lo, hi) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
                assert!(hi - lo <= 1, "n {n} count {count}: {lens:?}");
                all.sort_unstable();
                assert_eq!(all, (0..n).collect::<Vec<_>>(), "n {n} count {count}");
            }
        }
        assert_eq!(
            Shard::new(2, 3).unwrap().points(8).collect::<Vec<_>>(),
            [2, 5]
        );
        assert!(Shard::new(9, 10).unwrap().is_empty(5));
    }

    #[test]
    fn shards_parse_and_refuse_what_is_not_a_shard() {
        assert_eq!(Shard::parse("3/8"), Ok(Shard { index: 3, count: 8 }));
        for bad in ["8/8", "-1/4", "1", "a/4", "1/0", "0/100001", "1/x"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn coverage_names_missing_ranges_and_duplicated_points_with_their_shards() {
        let a: &[u64] = &[0, 2, 4];
        let b: &[u64] = &[4, 5];
        let e = coverage(9, [("a", a), ("b", b)]).unwrap_err();
        assert_eq!(e.missing, [(1, 1), (3, 3), (6, 8)]);
        assert_eq!(e.duplicated, [(4, vec!["a".to_string(), "b".to_string()])]);
        assert_eq!(
            e.to_string(),
            "5 point(s) are in no shard: 1, 3, 6–8; 1 point(s) are in more than one shard: 4 (in a and b)"
        );
        let all: &[u64] = &[0, 1, 2];
        assert_eq!(coverage(3, [("x", all)]), Ok(()));
        let beyond: &[u64] = &[0, 1, 2, 3];
        assert!(
            coverage(3, [("x", beyond)]).is_err(),
            "a point past the sweep"
        );
    }
}
