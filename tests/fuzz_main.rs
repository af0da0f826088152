//! `meshsim-fuzz`: the mutation fuzzer of [`meshsim_tests::fuzz`] from the command line.
//!
//! ```text
//! cargo run --release -p meshsim-tests --bin meshsim-fuzz -- --inputs 1000000 --seed 7 [--found DIR]
//! ```
//!
//! Exit code 0 when every input passed, 1 when some failed (each written to `--found`,
//! default `fuzz-found/`, as `<seed>-<index>.<toml|csv>`).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool"
)]

use std::path::PathBuf;
use std::time::Instant;

use meshsim_tests::fuzz::{self, Kind};

fn main() {
    let mut inputs = 10_000u64;
    let mut seed = 1u64;
    let mut found = PathBuf::from("fuzz-found");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{a} needs a value")))
        };
        match a.as_str() {
            "--inputs" => inputs = value().parse().unwrap_or_else(|_| usage("--inputs N")),
            "--seed" => seed = value().parse().unwrap_or_else(|_| usage("--seed N")),
            "--found" => found = PathBuf::from(value()),
            _ => usage(&format!("unknown argument {a}")),
        }
    }
    let start = Instant::now();
    let report = fuzz::run(seed, inputs, |done| {
        if done % 10_000 == 0 {
            eprintln!("{done} inputs, {:.0} s", start.elapsed().as_secs_f64());
        }
    });
    let secs = start.elapsed().as_secs_f64();
    let [refused, valid, ran] = report.outcomes;
    println!(
        "meshsim-fuzz: {} inputs (seed {seed}) in {secs:.1} s ({:.0}/s): {refused} refused with located errors, {valid} valid, {ran} valid and run; slowest input {} took {:.3} s; {} failed",
        report.inputs,
        report.inputs as f64 / secs.max(1e-9),
        report.slowest.0,
        report.slowest.1.as_secs_f64(),
        report.findings.len()
    );
    if report.findings.is_empty() {
        return;
    }
    std::fs::create_dir_all(&found).expect("creating the found directory");
    for (i, kind, f, bytes) in &report.findings {
        let ext = match kind {
            Kind::Trace | Kind::PodTable | Kind::NodeTable | Kind::Measurements => "csv",
            Kind::Dump => "json",
            Kind::Top => "txt",
            _ => "toml",
        };
        let prefix = match kind {
            Kind::Sweep => "sweep-",
            Kind::Replay => "replay-",
            Kind::PodTable => "pods-",
            Kind::NodeTable => "nodes-",
            Kind::Dump => "dump-",
            Kind::Top => "top-",
            Kind::Measurements => "measurements-",
            _ => "",
        };
        let p = found.join(format!("{prefix}{seed}-{i}.{ext}"));
        std::fs::write(&p, bytes).expect("writing a failing input");
        println!("input {i} ({kind:?}, {}): {}", p.display(), f.what);
    }
    std::process::exit(1);
}

fn usage(why: &str) -> ! {
    eprintln!("meshsim-fuzz: {why}\nusage: meshsim-fuzz [--inputs N] [--seed N] [--found DIR]");
    std::process::exit(2);
}
