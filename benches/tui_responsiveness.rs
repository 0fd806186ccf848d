//! Is the UI responsive while a large export is ingested? This writes a 500 MB
//! CloudTrail export (JSON lines, seeded, mostly unrelated events) to a temporary file,
//! opens it as the TUI does (`App::loading` → the background worker), and runs the UI
//! loop's work meanwhile at 60 frames a second: a keypress (`NextStage`), the progress
//! poll, a tick and a full 160×48 draw. It prints the frame times (median, p99, max),
//! how many progress updates the user saw, and the ingest time and rate.
//!
//! Run: `cargo bench --bench tui_responsiveness` (release; about 500 MB of /tmp for a
//! minute). `OIDC_TRIAGE_BENCH_MB=100` makes it smaller.

#![allow(clippy::expect_used, clippy::print_stdout, clippy::unwrap_used)]

use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

use oidc_triage::diagnosis::DiagnoseOptions;
use oidc_triage::tui::worker::Worker;
use oidc_triage::tui::{App, Effect, Message, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "support/generator.rs"]
mod generator;

const FRAME: Duration = Duration::from_millis(16);

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then only say so.
    if !std::env::args().any(|a| a == "--bench") {
        println!("tui_responsiveness: run with `cargo bench --bench tui_responsiveness`");
        return;
    }
    let megabytes: u64 = std::env::var("OIDC_TRIAGE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("cloudtrail-export.jsonl");
    let started = Instant::now();
    let written = {
        let mut out = BufWriter::new(std::fs::File::create(&path).expect("create the export"));
        let w =
            generator::write_export(&mut out, generator::Shape::Lines, megabytes * 1_000_000, 7)
                .expect("write the export");
        out.flush().expect("flush the export");
        w
    };
    println!(
        "wrote {} bytes ({} web-identity events) in {:.1} s",
        written.bytes,
        written.web_identity,
        started.elapsed().as_secs_f64()
    );

    let (mut app, effect) = App::loading(
        "1 input",
        vec![path.clone()],
        Vec::new(),
        DiagnoseOptions::default(),
    );
    update(
        &mut app,
        Message::Resize {
            width: 160,
            height: 48,
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("a test terminal");
    let worker = Worker::start().expect("the worker thread");
    let Effect::Diagnose(job) = effect else {
        panic!("loading starts a diagnosis");
    };
    let ingest_started = Instant::now();
    worker.submit(job);

    let mut frames: Vec<Duration> = Vec::new();
    let mut progress_seen = Vec::new();
    let ingest_time;
    loop {
        let frame_started = Instant::now();
        update(&mut app, Message::NextStage);
        if let Some(p) = worker.progress() {
            update(&mut app, Message::Progress(p));
            if progress_seen.last() != Some(&p.read) {
                progress_seen.push(p.read);
            }
        }
        update(&mut app, Message::Tick);
        let done = worker.try_done();
        let finished = done.is_some();
        if let Some(done) = done {
            update(&mut app, Message::Diagnosed(Box::new(done)));
        }
        terminal.draw(|frame| view(&app, frame)).expect("draw");
        frames.push(frame_started.elapsed());
        if finished {
            ingest_time = ingest_started.elapsed();
            break;
        }
        std::thread::sleep(FRAME.saturating_sub(frame_started.elapsed()));
    }
    frames.sort();
    let at = |q: f64| frames[((frames.len() - 1) as f64 * q) as usize];
    println!(
        "ingest: {:.2} s, {:.0} MB/s on the worker thread; result: {}",
        ingest_time.as_secs_f64(),
        written.bytes as f64 / 1e6 / ingest_time.as_secs_f64(),
        app.diagnosis.summary
    );
    println!(
        "UI frames while ingesting: {} frames; frame time median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        frames.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        frames.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "progress updates the user saw: {} (last {} of {} bytes)",
        progress_seen.len(),
        progress_seen.last().copied().unwrap_or(0),
        written.bytes
    );
}
