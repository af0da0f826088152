//! `meshsim audit`: the sidecar tax of a real cluster, from offline kubectl dumps.
//!
//! | file | what |
//! |---|---|
//! | `records.rs` | what is read from a dump, reduced to the fields used (nothing else is kept) |
//! | `classify.rs` | container and pod roles (sidecar classic/native, gateway, waypoint, ztunnel…), effective requests by Kubernetes' rules |
//! | `usage.rs` | usage snapshots to per-container median and P95 |
//! | `analysis.rs` | pools, namespace × pool sums, namespace modes and L7 use, workloads, inference room |

pub mod analysis;
pub mod classify;
pub mod records;
pub mod redact;
pub mod usage;

pub use analysis::{Audit, AuditError, AuditOptions, audit};
