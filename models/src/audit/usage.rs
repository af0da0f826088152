//! Measured usage per container: every snapshot of `kubectl top`, the metrics API or a
//! Prometheus range joined to its pod, reduced to the median and 95th percentile.

use std::collections::BTreeMap;

use super::records::UsageSample;

/// Nearest-rank quantile of sorted values (`q` in 0–1): the smallest value with at least `q` of
/// the sample at or below it.
pub fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// Median and P95 of one container's CPU (millicores) and memory (bytes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    /// Snapshots seen.
    pub samples: u32,
    /// CPU median.
    pub cpu_p50_milli: f64,
    /// CPU 95th percentile.
    pub cpu_p95_milli: f64,
    /// Memory median.
    pub memory_p50_bytes: f64,
    /// Memory 95th percentile.
    pub memory_p95_bytes: f64,
    /// CPU was measured (else the CPU figures are n/m).
    pub has_cpu: bool,
    /// Memory was measured.
    pub has_memory: bool,
}

impl Default for Measured {
    fn default() -> Self {
        Measured {
            samples: 0,
            cpu_p50_milli: 0.0,
            cpu_p95_milli: 0.0,
            memory_p50_bytes: 0.0,
            memory_p95_bytes: 0.0,
            has_cpu: true,
            has_memory: true,
        }
    }
}

impl Measured {
    /// The sum of two containers' figures (a pod's, from its containers').
    pub fn plus(self, o: Measured) -> Measured {
        Measured {
            samples: self.samples.max(o.samples),
            cpu_p50_milli: self.cpu_p50_milli + o.cpu_p50_milli,
            cpu_p95_milli: self.cpu_p95_milli + o.cpu_p95_milli,
            memory_p50_bytes: self.memory_p50_bytes + o.memory_p50_bytes,
            memory_p95_bytes: self.memory_p95_bytes + o.memory_p95_bytes,
            has_cpu: self.has_cpu && o.has_cpu,
            has_memory: self.has_memory && o.has_memory,
        }
    }
}

/// Key of one container's series: namespace (if known), pod, container (`None`: whole pod).
pub type SeriesKey = (Option<String>, String, Option<String>);

/// Reduces samples to per-container figures. Two samples of one container in one snapshot (the
/// same file given twice) count once: the last one wins.
pub fn reduce(samples: &[UsageSample]) -> BTreeMap<SeriesKey, Measured> {
    type Snapshots = BTreeMap<u32, (Option<f64>, Option<f64>)>;
    let mut series: BTreeMap<SeriesKey, Snapshots> = BTreeMap::new();
    for s in samples {
        let e = series
            .entry((s.namespace.clone(), s.pod.clone(), s.container.clone()))
            .or_default()
            .entry(s.snapshot)
            .or_default();
        e.0 = s.cpu_milli.or(e.0);
        e.1 = s.memory_bytes.or(e.1);
    }
    series
        .into_iter()
        .map(|(k, by_snap)| {
            let mut cpu: Vec<f64> = by_snap.values().filter_map(|v| v.0).collect();
            let mut mem: Vec<f64> = by_snap.values().filter_map(|v| v.1).collect();
            cpu.sort_by(f64::total_cmp);
            mem.sort_by(f64::total_cmp);
            let m = Measured {
                samples: by_snap.len() as u32,
                has_cpu: !cpu.is_empty(),
                has_memory: !mem.is_empty(),
                cpu_p50_milli: nearest_rank(&cpu, 0.5).unwrap_or(0.0),
                cpu_p95_milli: nearest_rank(&cpu, 0.95).unwrap_or(0.0),
                memory_p50_bytes: nearest_rank(&mem, 0.5).unwrap_or(0.0),
                memory_p95_bytes: nearest_rank(&mem, 0.95).unwrap_or(0.0),
            };
            (k, m)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_by_hand() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(nearest_rank(&v, 0.5), Some(5.0));
        assert_eq!(nearest_rank(&v, 0.95), Some(10.0));
        assert_eq!(nearest_rank(&v[..1], 0.95), Some(1.0));
        assert_eq!(nearest_rank(&[], 0.5), None);
    }

    #[test]
    fn repeated_snapshot_counts_once() {
        let s = |snap, cpu| UsageSample {
            namespace: Some("a".into()),
            pod: "p".into(),
            container: Some("c".into()),
            snapshot: snap,
            cpu_milli: Some(cpu),
            memory_bytes: Some(1.0),
        };
        let r = reduce(&[s(0, 1.0), s(0, 3.0), s(1, 5.0)]);
        let m = r.values().next().unwrap();
        assert_eq!(m.samples, 2);
        assert_eq!(m.cpu_p50_milli, 3.0);
        assert_eq!(m.cpu_p95_milli, 5.0);
    }
}
