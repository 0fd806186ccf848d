//! Write a synthetic CloudTrail export (the benchmark's generator) for
//! `benches/compare-jq.sh` and manual tests:
//! `cargo run --release --example gen-cloudtrail -- --shape records|lines --mib 100 [--seed N] [--gzip] OUT`
//! (`-` or no OUT writes to standard output). Prints what it wrote to stderr.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

#[path = "../benches/support/generator.rs"]
mod generator;

use generator::{Shape, write_export};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-cloudtrail: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut shape = Shape::Records;
    let mut mib: u64 = 100;
    let mut seed: u64 = 42;
    let mut gzip = false;
    let mut out = "-".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--shape" => {
                shape = match value("--shape")?.as_str() {
                    "records" => Shape::Records,
                    "lines" => Shape::Lines,
                    other => return Err(format!("--shape {other}: expected records or lines")),
                }
            }
            "--mib" => mib = value("--mib")?.parse().map_err(|e| format!("--mib: {e}"))?,
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--gzip" => gzip = true,
            other if other.starts_with("--") => return Err(format!("unknown flag {other}")),
            path => out = path.to_owned(),
        }
    }
    let sink: Box<dyn Write> = if out == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::fs::File::create(&out).map_err(|e| format!("{out}: {e}"))?)
    };
    let mut sink = BufWriter::with_capacity(1 << 20, sink);
    let written = if gzip {
        let mut gz = flate2::write::GzEncoder::new(&mut sink, flate2::Compression::default());
        let w = write_export(&mut gz, shape, mib << 20, seed).map_err(|e| e.to_string())?;
        gz.finish().map_err(|e| e.to_string())?;
        w
    } else {
        write_export(&mut sink, shape, mib << 20, seed).map_err(|e| e.to_string())?
    };
    sink.flush().map_err(|e| e.to_string())?;
    eprintln!(
        "gen-cloudtrail: {} bytes, {} events, {} AssumeRoleWithWebIdentity ({} failed), {} web-identity session calls ({} denied)",
        written.bytes,
        written.events,
        written.web_identity,
        written.web_identity_failed,
        written.session_calls,
        written.session_denied
    );
    Ok(())
}
