//! meshsim-scenarios' integration tests: one binary, one module per area.

mod library;
