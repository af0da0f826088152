//! meshsim scenarios (placeholder until the scenario format lands).
