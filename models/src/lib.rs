//! meshsim models (placeholder until the packing model lands).
