//! meshsim-models' integration tests: one binary, one module per area.

mod decision;
mod latency;
mod multicluster;
mod packing;
