//! meshsim-core's integration tests: one binary, one module per area.

mod determinism;
mod validation;
