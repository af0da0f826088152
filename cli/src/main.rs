//! The `meshsim` command line.

use clap::Parser;

/// Discrete-event cluster simulator for capacity planning of Kubernetes service meshes.
#[derive(Debug, Parser)]
#[command(name = "meshsim", version, about, long_about = None)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
