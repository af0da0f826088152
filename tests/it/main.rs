//! meshsim's workspace-level integration tests: the shipped scenarios through the libraries,
//! against the published figures they are meant to reproduce. One binary, one module per area.

mod architecture;
mod audit;
mod autoscale;
mod bookinfo;
mod data;
mod day;
mod fuzz;
mod plan;
mod public_arithmetic;
mod replay;
mod traces;
mod validation;
