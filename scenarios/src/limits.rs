//! Bounds on numbers read from files, checked before they size any allocation. A value past a
//! limit is reported as an error naming the limit; the limits are far above any real cluster.

/// Nodes in one pool.
pub const MAX_NODES_PER_POOL: u64 = 1_000_000;
/// Nodes in the fleet.
pub const MAX_NODES: u64 = 1_000_000;
/// Node pools.
pub const MAX_POOLS: usize = 1_000;

/// Most member clusters in one fleet (`[[clusters]]`).
pub const MAX_CLUSTERS: usize = 64;
/// Workloads (and, separately, DaemonSets).
pub const MAX_WORKLOADS: usize = 10_000;
/// Replicas of one workload.
pub const MAX_REPLICAS: u64 = 10_000_000;
/// Replicas of all fixed-count workloads.
pub const MAX_TOTAL_REPLICAS: u64 = 20_000_000;
/// Pod slots (nodes × max pods) in the fleet: bounds what `fill` can place.
pub const MAX_POD_SLOTS: u64 = 50_000_000;
/// GPUs per node.
pub const MAX_GPUS_PER_NODE: u64 = 64;
/// Max pods per node.
pub const MAX_PODS_PER_NODE: u64 = 10_000;
/// Zones per pool.
pub const MAX_ZONES: usize = 100;
/// Replications.
pub const MAX_REPLICATIONS: u64 = 1_000;
/// Size of a scenario or sweep file read into memory, bytes.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Most errors reported for one file; the rest are counted in a last line.
pub const MAX_ERRORS: usize = 50;
