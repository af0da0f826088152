//! The feasible classes for one pod spec, bucketed by score. A class's state never changes, so
//! its fit and score for a spec are computed once; the index catches up with new and revived
//! classes through the class log and drops emptied classes lazily.

use std::collections::BTreeMap;

use super::classes::Classes;

#[derive(Debug, Default)]
pub(crate) struct ScoreIndex {
    synced: usize,
    buckets: BTreeMap<i64, Vec<usize>>,
    /// Per class id: already evaluated (and, if it fits, in a bucket).
    seen: Vec<bool>,
}

impl ScoreIndex {
    /// An empty index that will catch up from log position `synced`.
    pub fn new(synced: usize) -> Self {
        ScoreIndex {
            synced,
            ..Default::default()
        }
    }

    /// Marks class `c` evaluated; `false` if it already was.
    pub fn mark_seen(&mut self, c: usize) -> bool {
        if self.seen.len() <= c {
            self.seen.resize(c + 1, false);
        }
        !std::mem::replace(&mut self.seen[c], true)
    }

    pub fn insert(&mut self, score: i64, c: usize) {
        self.buckets.entry(score).or_default().push(c);
    }

    /// The next logged class not yet caught up with.
    pub fn next_change(&mut self, classes: &Classes) -> Option<usize> {
        let c = classes.logged(self.synced)?;
        self.synced += 1;
        Some(c)
    }

    /// Fills `tied` with the live classes of the best bucket, dropping emptied classes on the way
    /// (they are evaluated again if revived). `false` if no class fits.
    pub fn best_live(&mut self, classes: &Classes, tied: &mut Vec<usize>) -> bool {
        loop {
            let ScoreIndex { buckets, seen, .. } = self;
            let Some(mut top) = buckets.last_entry() else {
                return false;
            };
            top.get_mut().retain(|&c| {
                let live = !classes.class(c).nodes.is_empty();
                if !live {
                    seen[c] = false;
                }
                live
            });
            if top.get().is_empty() {
                top.remove();
                continue;
            }
            tied.extend_from_slice(top.get());
            return true;
        }
    }
}
