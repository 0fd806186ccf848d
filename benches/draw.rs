//! The TUI's frame cost: a full draw of the sample diagnosis at the two snapshot sizes,
//! a keypress (next stage) and its redraw, and a paste: the update that queues the
//! diagnosis, the diagnosis itself (run inline here; the TUI runs it on its worker
//! thread), applying the result and the redraw. The view is pure, so this measures
//! layout, wrapping and styling; `TestBackend` stands in for the terminal.
//! Run: `cargo bench --bench draw -- --warm-up-time 1 --measurement-time 3`.

// A bench that cannot set up its input should stop loudly, as a test does.
#![allow(clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use oidc_triage::clock::Clock;
use oidc_triage::diagnosis::diagnose;
use oidc_triage::sample::{sample_inputs, sample_options};
use oidc_triage::tui::worker;
use oidc_triage::tui::{App, Effect, Message, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn sample_app(width: u16, height: u16) -> App {
    let inputs = sample_inputs();
    let diagnosis = diagnose(&inputs, &sample_options(), || Clock::fixed(1_772_446_500));
    let mut app = App::new(diagnosis, "sample", inputs, sample_options());
    update(&mut app, Message::Resize { width, height });
    app
}

fn draw(c: &mut Criterion) {
    let mut group = c.benchmark_group("draw");
    for (width, height) in [(160, 48), (80, 24)] {
        let app = sample_app(width, height);
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
    let mut app = sample_app(160, 48);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("a test terminal");
    // Every iteration moves to another stage (wrapping), so each frame differs from the
    // last and the backend receives a real diff, as it does on a keypress.
    c.bench_function("draw/next-stage-160x48", |b| {
        b.iter(|| {
            update(&mut app, black_box(Message::NextStage));
            terminal
                .draw(|frame| view(&app, frame))
                .expect("drawing to a test terminal");
        })
    });
}

fn paste_then_draw(c: &mut Criterion) {
    let token = String::from_utf8(sample_inputs()[0].bytes.clone()).expect("the sample is text");
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("a test terminal");
    let mut group = c.benchmark_group("paste-160x48");
    // What the UI thread does when a paste arrives: queue the job and redraw with the
    // progress line (the diagnosis runs elsewhere).
    group.bench_function("update+draw", |b| {
        b.iter_batched(
            || sample_app(160, 48),
            |mut app| {
                let effects = update(&mut app, Message::Paste(token.clone()));
                terminal
                    .draw(|frame| view(&app, frame))
                    .expect("drawing to a test terminal");
                effects
            },
            criterion::BatchSize::SmallInput,
        )
    });
    // The whole round trip: queue, diagnose three inputs, apply, redraw.
    group.bench_function("update+diagnose+apply+draw", |b| {
        b.iter_batched(
            || sample_app(160, 48),
            |mut app| {
                let effects = update(&mut app, Message::Paste(token.clone()));
                for effect in effects {
                    if let Effect::Diagnose(job) = effect {
                        update(&mut app, Message::Diagnosed(Box::new(worker::run(job))));
                    }
                }
                terminal
                    .draw(|frame| view(&app, frame))
                    .expect("drawing to a test terminal");
                app
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, draw, update_then_draw, paste_then_draw);
criterion_main!(benches);
