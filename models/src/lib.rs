//! # meshsim-models
//!
//! What meshsim simulates: the fleet (node pools, workloads, DaemonSets), the mesh modes and the
//! cost of their proxies, a kube-scheduler-like packer, and the headline results a platform
//! team decides on. Built on `meshsim-core`; knows nothing of files (that is
//! `meshsim-scenarios`) or of terminals and output formats (that is the `meshsim` binary).

pub mod audit;
pub mod autoscale;
pub mod calibrate;
pub mod capacity;
pub mod cluster;
pub mod delay;
pub mod fleet_search;
pub mod headline;
pub mod ids;
pub mod latency;
pub mod mesh;
pub mod migration;
pub mod names;
pub mod packing;
pub mod plan;
pub mod presets;
pub mod proxy_fit;
pub mod replay;
pub mod resources;
pub mod rows;
pub mod scheduler;
pub mod study;
pub mod topology;
