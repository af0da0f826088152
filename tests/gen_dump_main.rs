//! `meshsim-gen-dump`: writes the generated cluster dumps of [`meshsim_tests::dump_gen`].
//!
//! ```text
//! cargo run -p meshsim-tests --bin meshsim-gen-dump -- example DIR           # the shipped example
//! cargo run --release -p meshsim-tests --bin meshsim-gen-dump -- scaled DIR 5000 150000
//! ```

#![allow(clippy::print_stderr, reason = "a command-line tool")]

use std::io::BufWriter;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        eprintln!("usage: meshsim-gen-dump example DIR | scaled DIR NODES PODS");
        std::process::exit(2)
    };
    let (Some(kind), Some(dir)) = (args.first(), args.get(1)) else {
        usage()
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir)?;
    match kind.as_str() {
        "example" => {
            let (cluster, top, istio) = meshsim_tests::dump_gen::example();
            std::fs::write(dir.join("cluster.json"), cluster + "\n")?;
            std::fs::write(dir.join("top.txt"), top)?;
            std::fs::write(dir.join("istio.json"), istio + "\n")?;
        }
        "scaled" => {
            let n: u32 = args
                .get(2)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| usage());
            let p: u32 = args
                .get(3)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| usage());
            let mut out = BufWriter::new(std::fs::File::create(dir.join("cluster.json"))?);
            let mut top = BufWriter::new(std::fs::File::create(dir.join("top.txt"))?);
            meshsim_tests::dump_gen::scaled(n, p, &mut out, &mut top)?;
        }
        _ => usage(),
    }
    Ok(())
}
