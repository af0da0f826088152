//! Shared helpers for meshsim integration tests.
