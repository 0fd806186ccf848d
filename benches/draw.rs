//! A full draw of the TUI on the sample diagnosis, at the two sizes the snapshot tests
//! use, and a keypress (next stage) followed by its redraw. The view is pure, so this
//! measures layout, wrapping and styling; `TestBackend` stands in for the terminal.
//! Run: `cargo bench --bench draw -- --warm-up-time 1 --measurement-time 3`.

// A bench that cannot set up its input should stop loudly, as a test does.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use oidc_triage::clock::Clock;
use oidc_triage::diagnosis::diagnose;
use oidc_triage::sample::{sample_inputs, sample_options};
use oidc_triage::tui::{App, Message, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn sample_app() -> App {
    let diagnosis = diagnose(&sample_inputs(), &sample_options(), || {
        Clock::fixed(1_772_446_500)
    });
    App::new(diagnosis, "sample")
}

fn draw(c: &mut Criterion) {
    let mut group = c.benchmark_group("draw");
    for (width, height) in [(160, 48), (80, 24)] {
        let app = sample_app();
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
        group.bench_function(format!("full-{width}x{height}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|frame| view(black_box(&app), frame))
                    .expect("drawing to a test terminal");
            })
        });
    }
    group.finish();
}

fn update_then_draw(c: &mut Criterion) {
    let mut app = sample_app();
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("a test terminal");
    // Every iteration moves to another stage (wrapping), so each frame differs from the
    // last and the backend receives a real diff, as it does on a keypress.
    c.bench_function("draw/next-stage-160x48", |b| {
        b.iter(|| {
            update(&mut app, black_box(Message::NextStage), 160);
            terminal
                .draw(|frame| view(&app, frame))
                .expect("drawing to a test terminal");
        })
    });
}

criterion_group!(benches, draw, update_then_draw);
criterion_main!(benches);
