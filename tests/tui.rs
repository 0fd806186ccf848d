//! The triage screen, drawn by the pure `view` into ratatui's `TestBackend`, and its
//! `update` driven by messages (no terminal, no threads: effects are inspected, and a
//! job is run with `worker::run` where its result matters).
//!
//! Index:
//! - snapshots of each screen and state at 80×24 and 160×48 (`tests/snapshots/tui__*.snap`):
//!   the built-in sample (failing trust), empty (nothing loaded), no usable input, token
//!   only, an expired token, a healthy path with a high-risk finding, the help overlay,
//!   a paste in progress, the add-evidence field, the what-if editor, a search, the
//!   artifacts pane focused, a copy status, the sample after two `NextStage`;
//! - cell styles where colour carries the status (✗ red, ✓ green, ? yellow, · grey);
//! - each stage box reads whole at every width from 80 to 200;
//! - the detail pane wraps with a hanging indent and never cuts silently;
//! - control characters in evidence never reach the buffer;
//! - paste → diagnose → result; the newest job wins; remove an artifact; what-if
//!   edits re-run trust; copy effects carry the redacted RCA; search jumps;
//! - `message_for`/`messages_for`: keys by mode, mouse, a burst of keys is a paste;
//! - clicks select stages and artifacts; scrolling is bounded.
//!
//! Every diagnosis runs on a fixed clock so the snapshots are stable.

#![cfg(feature = "tui")]
// Helpers outside `#[test]` functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use oidc_triage::clock::{Clock, parse_rfc3339};
use oidc_triage::diagnosis::{DiagnoseOptions, Diagnosis, diagnose};
use oidc_triage::evidence::Input;
use oidc_triage::sample::{SAMPLE_NOW, sample_inputs, sample_options};
use oidc_triage::tui::worker::{self, JobProgress};
use oidc_triage::tui::{
    App, Effect, Message, Overlay, Pane, message_for, messages_for, update, view,
};
use oidc_triage::vocabulary::{Risk, Stage, StageStatus};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

/// The screen's first row is the title, the second the summary; the stage boxes take
/// the next four (the sample's summary fits on one row at 80 columns).
const PIPELINE_ROWS: std::ops::Range<u16> = 2..6;

/// A time after the sample token's `exp` (2026-03-02T10:19:20Z).
const AFTER_EXPIRY: &str = "2026-03-02T11:00:00Z";

/// The sample's role, trusting every repository of the organisation: the sample
/// token gets in, and the rule is a high risk.
const ORG_WIDE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
"Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
"Action":"sts:AssumeRoleWithWebIdentity","Condition":{
"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},
"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}}]}"#;

fn at(time: &str) -> i64 {
    parse_rfc3339(time).unwrap()
}

fn fixed(inputs: &[Input], options: &DiagnoseOptions) -> Diagnosis {
    let now = options.now.unwrap_or(at(SAMPLE_NOW));
    diagnose(inputs, options, || Clock::fixed(now))
}

/// The sample's token with the issuer's keys (no trust configuration).
fn token_only() -> Vec<Input> {
    sample_inputs()
        .into_iter()
        .filter(|i| i.name == "id-token.json" || i.name == "jwks.json")
        .collect()
}

/// An app on `inputs`, diagnosed now, at `width`×`height`.
fn app_on(inputs: Vec<Input>, options: DiagnoseOptions, source: &str, size: (u16, u16)) -> App {
    let diagnosis = fixed(&inputs, &options);
    at_size(App::new(diagnosis, source, inputs, options), size)
}

/// The app after the terminal reports `width`×`height`.
fn at_size(mut app: App, size: (u16, u16)) -> App {
    update(
        &mut app,
        Message::Resize {
            width: size.0,
            height: size.1,
        },
    );
    app
}

fn sample_app(size: (u16, u16)) -> App {
    app_on(
        sample_inputs(),
        sample_options(),
        "built-in sample incident",
        size,
    )
}

fn expired_app(size: (u16, u16)) -> App {
    let options = DiagnoseOptions {
        now: Some(at(AFTER_EXPIRY)),
        ..sample_options()
    };
    app_on(token_only(), options, "1 input", size)
}

fn healthy_risky_app(size: (u16, u16)) -> App {
    let mut inputs = token_only();
    inputs.push(Input::pasted("trust-policy.json", ORG_WIDE_POLICY));
    app_on(inputs, sample_options(), "2 inputs", size)
}

fn empty_app(size: (u16, u16)) -> App {
    app_on(Vec::new(), DiagnoseOptions::default(), "no input", size)
}

/// Run the effects' diagnosis jobs synchronously and feed the results back.
fn settle(app: &mut App, effects: Vec<Effect>) {
    let mut effects = effects;
    while let Some(effect) = effects.pop() {
        if let Effect::Diagnose(mut job) = effect {
            job.options.now = job.options.now.or(Some(at(SAMPLE_NOW)));
            let done = worker::run(job);
            effects.extend(update(app, Message::Diagnosed(Box::new(done))));
        }
    }
}

fn draw(app: &App) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(app.width, app.height)).unwrap();
    terminal.draw(|frame| view(app, frame)).unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer as text, one line per row, trailing blanks trimmed.
fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        for x in area.left()..area.right() {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One row of the buffer as text.
fn row(buffer: &Buffer, y: u16) -> String {
    (buffer.area.left()..buffer.area.right())
        .map(|x| buffer[(x, y)].symbol())
        .collect()
}

/// The rows of the stage boxes (after the title and the summary).
fn pipeline_rows(buffer: &Buffer) -> std::ops::Range<u16> {
    let top = (0..buffer.area.height)
        .find(|&y| row(buffer, y).trim_start().starts_with(['┌', '┏']))
        .unwrap_or(PIPELINE_ROWS.start);
    top..top + 4
}

/// The first cell in the stage boxes holding `symbol`, as (column, row).
fn find_in_pipeline(buffer: &Buffer, symbol: &str) -> Option<(u16, u16)> {
    pipeline_rows(buffer)
        .flat_map(|y| (buffer.area.left()..buffer.area.right()).map(move |x| (x, y)))
        .find(|&pos| buffer[pos].symbol() == symbol)
}

/// Assert that the mark of `status` is drawn in the stage boxes in `colour`.
fn assert_status_cell(buffer: &Buffer, status: StageStatus, colour: Color) {
    let pos = find_in_pipeline(buffer, status.mark()).unwrap_or_else(|| {
        panic!(
            "no `{}` mark in the stage boxes:\n{}",
            status.mark(),
            text(buffer)
        )
    });
    assert_eq!(
        buffer[pos].fg,
        colour,
        "the `{}` ({}) mark at {pos:?} should be {colour:?}",
        status.mark(),
        status.label()
    );
}

/// All five stages are drawn, named in full or by label.
fn assert_five_stages(buffer: &Buffer) {
    let pipeline: String = pipeline_rows(buffer)
        .map(|y| row(buffer, y))
        .collect::<Vec<_>>()
        .join("\n");
    for stage in Stage::ALL {
        assert!(
            pipeline.contains(stage.title()) || pipeline.contains(stage.label()),
            "stage {} missing from the pipeline:\n{pipeline}",
            stage.name()
        );
    }
}

/// A stage's whole detail pane as text.
fn detail(app: &App, stage: Stage) -> String {
    oidc_triage::tui::view::detail_lines(app, stage)
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snapshot(name: &str, app: &App) -> Buffer {
    let buffer = draw(app);
    assert_five_stages(&buffer);
    insta::assert_snapshot!(
        format!("{name}_{}x{}", app.width, app.height),
        text(&buffer)
    );
    buffer
}

// ---- snapshots ----------------------------------------------------------------------

#[test]
fn sample_incident() {
    for size in SIZES {
        let app = sample_app(size);
        assert_eq!(app.diagnosis.stopped_at, Some(Stage::Trust));
        assert_eq!(app.selected, Stage::Trust);
        let buffer = snapshot("sample", &app);
        assert_status_cell(&buffer, StageStatus::Passed, Color::Green);
        assert_status_cell(&buffer, StageStatus::Failed, Color::Red);
        assert_status_cell(&buffer, StageStatus::NotReached, Color::DarkGray);
        let bottom = pipeline_rows(&buffer).end - 1;
        assert!(
            row(&buffer, bottom).contains("◀ stops here"),
            "the stopped stage is not marked:\n{}",
            text(&buffer)
        );
        // The near miss and the proving condition are on the first screen.
        assert!(text(&buffer).contains("FAIL"), "{}", text(&buffer));
    }
}

#[test]
fn empty_session() {
    for size in SIZES {
        let app = empty_app(size);
        let buffer = snapshot("empty", &app);
        let screen = text(&buffer);
        assert!(screen.contains("nothing loaded yet"), "{screen}");
        assert_status_cell(&buffer, StageStatus::NoEvidence, Color::Yellow);
    }
}

#[test]
fn no_usable_input() {
    for size in SIZES {
        let app = app_on(
            vec![Input::pasted("notes.txt", "hello")],
            DiagnoseOptions::default(),
            "1 input",
            size,
        );
        assert!(!app.diagnosis.has_usable_input());
        let buffer = snapshot("no_usable_input", &app);
        assert_status_cell(&buffer, StageStatus::NoEvidence, Color::Yellow);
        assert!(
            text(&buffer).contains("not recognised"),
            "{}",
            text(&buffer)
        );
    }
}

#[test]
fn token_only_shows_the_claims_table_with_meanings_and_times() {
    for size in SIZES {
        let mut app = app_on(token_only(), sample_options(), "1 input", size);
        update(&mut app, Message::SelectStage(Stage::Token));
        let buffer = snapshot("token_only", &app);
        let detail = detail(&app, Stage::Token);
        assert!(detail.contains("Claims"), "{detail}");
        assert!(detail.contains("exp"), "{detail}");
        assert!(detail.contains("in 4m20s"), "relative expiry: {detail}");
        assert!(detail.contains("job_workflow_ref"), "{detail}");
        assert_status_cell(&buffer, StageStatus::Passed, Color::Green);
    }
}

#[test]
fn expired_token() {
    for size in SIZES {
        let app = expired_app(size);
        assert_eq!(app.diagnosis.stopped_at, Some(Stage::Token));
        assert_eq!(app.selected, Stage::Token, "the failed stage is selected");
        let buffer = snapshot("expired_token", &app);
        assert_status_cell(&buffer, StageStatus::Failed, Color::Red);
        assert_status_cell(&buffer, StageStatus::Passed, Color::Green);
        assert_status_cell(&buffer, StageStatus::NotReached, Color::DarkGray);
        assert!(detail(&app, Stage::Token).contains("token.expired"));
    }
}

#[test]
fn healthy_path_with_a_high_risk_finding_selects_the_risk() {
    for size in SIZES {
        let app = healthy_risky_app(size);
        assert!(!app.diagnosis.failed(), "{}", app.diagnosis.summary);
        assert_eq!(app.diagnosis.max_risk(), Some(Risk::High));
        assert_eq!(app.selected, Stage::Trust, "the risky stage is selected");
        let buffer = snapshot("healthy_high_risk", &app);
        assert!(text(&buffer).contains("⚠ risk high"), "{}", text(&buffer));
        assert!(detail(&app, Stage::Trust).contains("[risk high]"));
        assert_status_cell(&buffer, StageStatus::Passed, Color::Green);
    }
}

#[test]
fn help_overlay_lists_every_key() {
    for size in SIZES {
        let mut app = sample_app(size);
        update(&mut app, Message::ToggleHelp);
        let buffer = draw(&app);
        insta::assert_snapshot!(format!("help_{}x{}", app.width, app.height), text(&buffer));
        let screen = text(&buffer);
        for needle in [
            "Keys",
            "quit",
            "what-if",
            "copy the RCA",
            "search",
            "remove",
        ] {
            assert!(screen.contains(needle), "{needle}:\n{screen}");
        }
        update(&mut app, Message::Back);
        assert!(!text(&draw(&app)).contains("Keys ("));
    }
}

#[test]
fn paste_in_progress_shows_the_progress() {
    for size in SIZES {
        let mut app = sample_app(size);
        let log = "2026-03-02T10:15:02.0000000Z ##[error]Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\n".repeat(40_000);
        let effects = update(&mut app, Message::Paste(log));
        let Some(Effect::Diagnose(job)) = effects.first() else {
            panic!("a paste starts a diagnosis: {effects:?}");
        };
        let id = job.id;
        update(
            &mut app,
            Message::Progress(JobProgress {
                id,
                read: 2_000_000,
                expected: None,
            }),
        );
        update(&mut app, Message::Tick);
        let buffer = snapshot("paste_in_progress", &app);
        let screen = text(&buffer);
        assert!(screen.contains("diagnosing paste 1"), "{screen}");
        assert!(screen.contains("%"), "{screen}");
        assert!(screen.contains("working"), "{screen}");
    }
}

#[test]
fn add_evidence_field() {
    for size in SIZES {
        let mut app = sample_app(size);
        update(&mut app, Message::OpenAddEvidence);
        for c in "./exports/trail.json".chars() {
            update(&mut app, Message::Char(c));
        }
        let buffer = snapshot("add_evidence", &app);
        assert!(text(&buffer).contains("./exports/trail.json"));
    }
}

#[test]
fn what_if_editor_re_evaluates_trust() {
    for size in SIZES {
        let mut app = sample_app(size);
        assert_eq!(app.diagnosis.trust.allowed, Some(false));
        update(&mut app, Message::OpenWhatIf);
        let Overlay::WhatIf(editor) = &app.overlay else {
            panic!("the claim editor opens");
        };
        assert_eq!(editor.original[editor.cursor].0, "sub", "opens on `sub`");
        // Set sub to the branch the policy pins: the trust stage now admits.
        update(&mut app, Message::Open);
        update(&mut app, Message::ClearField);
        for c in "repo:acme/payments-api:ref:refs/heads/main".chars() {
            update(&mut app, Message::Char(c));
        }
        let effects = update(&mut app, Message::Submit);
        settle(&mut app, effects);
        assert_eq!(
            app.diagnosis.trust.allowed,
            Some(true),
            "{}",
            app.diagnosis.summary
        );
        assert!(app.diagnosis.summary.starts_with("what-if (sub = "));
        let buffer = snapshot("what_if", &app);
        assert!(text(&buffer).contains("WHAT-IF"), "{}", text(&buffer));
        // The pull-request subject is refused by the branch-pinned policy.
        let effects = update(&mut app, Message::PullRequestSubject);
        settle(&mut app, effects);
        assert_eq!(app.diagnosis.trust.allowed, Some(false));
        // Reset: the claims as issued.
        let effects = update(&mut app, Message::ResetWhatIf);
        settle(&mut app, effects);
        assert!(app.edits.is_empty());
        assert!(!app.diagnosis.summary.starts_with("what-if"));
    }
}

#[test]
fn what_if_without_a_token_says_why() {
    let mut app = empty_app((80, 24));
    update(&mut app, Message::OpenWhatIf);
    assert_eq!(app.overlay, Overlay::None);
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("what-if needs a token")
    );
}

#[test]
fn search_marks_and_jumps_to_matches() {
    for size in SIZES {
        let mut app = sample_app(size);
        update(&mut app, Message::StartSearch);
        for c in "job_workflow_ref".chars() {
            update(&mut app, Message::Char(c));
        }
        update(&mut app, Message::Submit);
        // The claim is on the token stage: the search moved there.
        assert_eq!(app.selected, Stage::Token);
        let buffer = snapshot("search", &app);
        let screen = text(&buffer);
        assert!(screen.contains("/job_workflow_ref"), "{screen}");
        assert!(
            screen.contains('›'),
            "the match is marked in the gutter:\n{screen}"
        );
        update(&mut app, Message::Back);
        assert!(app.search.is_none());
    }
}

#[test]
fn artifacts_pane_focused() {
    for size in SIZES {
        let mut app = sample_app(size);
        update(&mut app, Message::FocusPrevious);
        assert_eq!(app.focus, Pane::Artifacts);
        update(&mut app, Message::ScrollDown);
        assert_eq!(app.artifact_cursor, 1);
        let buffer = snapshot("artifacts_focused", &app);
        assert!(
            text(&buffer).contains("▶ get-role.json"),
            "{}",
            text(&buffer)
        );
        // Enter: the artifact's stage.
        update(&mut app, Message::Open);
        assert_eq!(app.selected, Stage::Trust);
        assert_eq!(app.focus, Pane::Detail);
    }
}

#[test]
fn copy_status_says_which_way_it_went() {
    for size in SIZES {
        let mut app = sample_app(size);
        update(
            &mut app,
            Message::Copied {
                what: "the RCA report".to_owned(),
                result: Ok("with OSC 52 to your terminal's clipboard".to_owned()),
            },
        );
        let buffer = snapshot("copied", &app);
        assert!(text(&buffer).contains("copied the RCA report with OSC 52"));
    }
}

#[test]
fn after_next_stage_twice() {
    for size in SIZES {
        let mut app = sample_app(size);
        update(&mut app, Message::ScrollDown);
        update(&mut app, Message::NextStage);
        update(&mut app, Message::NextStage);
        assert_eq!(app.selected, Stage::Audit);
        assert_eq!(app.scroll, 0, "changing stage scrolls back to the top");
        let buffer = snapshot("next_stage_twice", &app);
        assert!(text(&buffer).contains(Stage::Audit.title()));
        update(&mut app, Message::NextStage);
        assert_eq!(app.selected, Stage::Workflow, "wraps around");
        update(&mut app, Message::PreviousStage);
        assert_eq!(app.selected, Stage::Audit);
    }
}

// ---- layout ------------------------------------------------------------------------------

/// What is wrong with the stage boxes: a stage name that is neither its title nor its
/// label, a status that is not its whole mark and word, a stopped stage without `◀`.
fn stage_box_problems(app: &App) -> Vec<String> {
    let buffer = draw(app);
    let width = app.width;
    let top = pipeline_rows(&buffer).start;
    let corners: Vec<u16> = (0..width)
        .filter(|&x| matches!(buffer[(x, top)].symbol(), "┌" | "┏"))
        .collect();
    if corners.len() != 5 {
        return vec![format!("{width} columns: {} boxes", corners.len())];
    }
    let inside = |x: u16, y: u16| -> String {
        let right = (x + 1..width)
            .find(|&r| matches!(buffer[(r, top)].symbol(), "┐" | "┓"))
            .unwrap_or(width);
        (x + 1..right)
            .map(|c| buffer[(c, y)].symbol())
            .collect::<String>()
            .trim_end()
            .to_owned()
    };
    let mut problems = Vec::new();
    for (&x, stage) in corners.iter().zip(Stage::ALL) {
        let name = inside(x, top + 1);
        if name != stage.title() && name != stage.label() {
            problems.push(format!("{width}: {} box reads `{name}`", stage.name()));
        }
        let status = app.status(stage);
        let word = format!("{} {}", status.mark(), status.label());
        let shown = inside(x, top + 2);
        if shown != word {
            problems.push(format!(
                "{width}: {} reads `{shown}`, not `{word}`",
                stage.name()
            ));
        }
        let bottom = inside(x, top + 3);
        if bottom.contains("◀ stops") != (app.diagnosis.stopped_at == Some(stage)) {
            problems.push(format!("{width}: {} bottom reads `{bottom}`", stage.name()));
        }
    }
    problems
}

/// Regression: below 131 columns the boxes used to cut `? no evidence`, `· not reached`,
/// the full titles and the `◀` stop mark. Every width from 80 up must read whole.
#[test]
fn stage_boxes_read_whole_at_every_width_from_80() {
    let mut problems = Vec::new();
    for make in [sample_app, expired_app, empty_app, healthy_risky_app] {
        for width in 80..=200 {
            problems.extend(stage_box_problems(&make((width, 30))));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Regression: the title used to be cut at 80 columns and wrapped detail lines started
/// at column 0. The summary wraps whole; continuation lines hang under their text.
#[test]
fn long_lines_wrap_with_a_hanging_indent_and_are_never_cut_silently() {
    let app = sample_app((80, 24));
    let lines: Vec<String> = oidc_triage::tui::view::detail_lines(&app, Stage::Trust)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let fail = lines.iter().position(|l| l.starts_with("  FAIL")).unwrap();
    assert!(lines[fail + 1].starts_with("       "), "{lines:#?}");
    assert!(lines.iter().all(|l| l.chars().count() <= 78), "{lines:#?}");
    // Every word of the proving evidence is on screen somewhere in the pane.
    let joined: String = lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
    assert!(joined.contains("repo:acme/payments-api:environment:production"));
    // A long summary wraps under the title instead of running off the edge.
    let mut long = sample_app((80, 24));
    long.diagnosis.summary = "word ".repeat(40);
    let screen = text(&draw(&long));
    assert!(screen.lines().nth(2).unwrap().contains("word"), "{screen}");
}

#[test]
fn control_characters_in_evidence_never_reach_the_screen() {
    let mut app = sample_app((160, 48));
    let effects = update(
        &mut app,
        Message::Paste("\x1b]52;c;ZXZpbA==\x07\x1b[2J hostile \u{9b}31m log\n".to_owned()),
    );
    settle(&mut app, effects);
    let buffer = draw(&app);
    for cell in buffer.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "a control character reached the buffer: {:?}",
            cell.symbol()
        );
    }
}

/// Tiny terminals: the view must draw without panicking.
#[test]
fn draws_at_tiny_sizes_without_panicking() {
    for width in 0..=40 {
        for height in 0..=12 {
            for overlay in [
                Message::ToggleHelp,
                Message::OpenWhatIf,
                Message::OpenAddEvidence,
            ] {
                let mut app = sample_app((width, height));
                update(&mut app, overlay);
                draw(&app);
            }
        }
    }
}

// ---- update --------------------------------------------------------------------------

#[test]
fn a_paste_is_diagnosed_and_lands_as_an_artifact() {
    let mut app = empty_app((80, 24));
    let token = String::from_utf8(sample_inputs()[0].bytes.clone()).unwrap();
    let effects = update(&mut app, Message::Paste(token));
    assert!(app.running.is_some());
    settle(&mut app, effects);
    assert!(app.running.is_none());
    assert_eq!(app.diagnosis.artifacts.len(), 1);
    assert_eq!(app.diagnosis.artifacts[0].name, "paste 1");
    assert_eq!(
        app.diagnosis.stage(Stage::Token).status,
        StageStatus::Passed
    );
    assert_eq!(app.source, "1 input");
}

#[test]
fn only_the_newest_job_result_is_shown() {
    let mut app = empty_app((80, 24));
    let first = update(
        &mut app,
        Message::Paste(
            "AADSTS70021: No matching federated identity record found for presented assertion."
                .to_owned(),
        ),
    );
    let second = update(&mut app, Message::Paste("hello".to_owned()));
    let (Some(Effect::Diagnose(old)), Some(Effect::Diagnose(new))) =
        (first.into_iter().next(), second.into_iter().next())
    else {
        panic!("two diagnoses");
    };
    // The older result arrives last: it is ignored.
    let new_done = worker::run(new);
    let old_done = worker::run(old);
    update(&mut app, Message::Diagnosed(Box::new(new_done)));
    update(&mut app, Message::Diagnosed(Box::new(old_done)));
    assert_eq!(
        app.diagnosis.artifacts.len(),
        2,
        "the newest job had both pastes"
    );
}

#[test]
fn removing_an_artifact_re_diagnoses_without_it() {
    let mut app = sample_app((80, 24));
    update(&mut app, Message::FocusPrevious);
    update(&mut app, Message::ScrollDown);
    let effects = update(&mut app, Message::RemoveArtifact);
    settle(&mut app, effects);
    let names: Vec<&str> = app
        .diagnosis
        .artifacts
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["id-token.json", "jwks.json"]);
    assert!(!app.diagnosis.trust.evaluated, "no trust policy left");
    // `u` puts it back where it was.
    let effects = update(&mut app, Message::Undo);
    settle(&mut app, effects);
    let names: Vec<&str> = app
        .diagnosis
        .artifacts
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["id-token.json", "get-role.json", "jwks.json"]);
    assert!(app.diagnosis.trust.evaluated);
    let effects = update(&mut app, Message::Undo);
    assert!(effects.is_empty(), "nothing more to undo");
}

#[test]
fn copy_effects_carry_the_redacted_report_and_the_one_line_summary() {
    let mut app = sample_app((80, 24));
    let token = String::from_utf8(sample_inputs()[0].bytes.clone()).unwrap();
    let signature = token
        .split('.')
        .nth(2)
        .map(|s| {
            s.trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
                .to_owned()
        })
        .unwrap();
    let [Effect::Copy { text: rca, what }] = &update(&mut app, Message::CopyReport)[..] else {
        panic!("copy report");
    };
    assert_eq!(what, "the RCA report");
    assert!(rca.starts_with("# OIDC federation RCA"), "{rca}");
    assert!(!rca.contains(&signature[..20]), "the signature is redacted");
    let [Effect::Copy { text: line, .. }] = &update(&mut app, Message::CopySummary)[..] else {
        panic!("copy summary");
    };
    assert!(!line.contains('\n'));
    assert!(line.contains("evidence stops at trust"), "{line}");
    assert!(line.contains("✗ Trust"), "{line}");
}

#[test]
fn typed_text_in_a_field_never_runs_commands() {
    let mut app = sample_app((80, 24));
    update(&mut app, Message::OpenAddEvidence);
    let q = Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
    assert!(matches!(message_for(&app, &q), Some(Message::Char('q'))));
    update(&mut app, Message::Char('q'));
    assert!(!app.quit);
    // Esc closes the field, then q quits.
    update(&mut app, Message::Back);
    assert!(matches!(message_for(&app, &q), Some(Message::Quit)));
}

#[test]
fn a_missing_path_in_the_add_field_is_an_error_not_a_paste() {
    let mut app = sample_app((80, 24));
    update(&mut app, Message::OpenAddEvidence);
    for c in "./no/such/export.json".chars() {
        update(&mut app, Message::Char(c));
    }
    let effects = update(&mut app, Message::Submit);
    assert!(effects.is_empty());
    let status = app.status.clone().unwrap();
    assert!(
        status.error && status.text.contains("no such file"),
        "{status:?}"
    );
}

#[test]
fn scroll_is_bounded_by_the_wrapped_detail() {
    let mut app = sample_app((80, 24));
    update(&mut app, Message::ScrollUp);
    assert_eq!(app.scroll, 0);
    update(&mut app, Message::Bottom);
    let max = app.scroll;
    assert!(max > 0);
    update(&mut app, Message::ScrollDown);
    assert_eq!(app.scroll, max, "no scrolling past the last line");
    let lines = oidc_triage::tui::view::detail_lines(&app, Stage::Trust).len();
    let visible = usize::from(oidc_triage::tui::view::detail_height(&app));
    assert_eq!(usize::from(max), lines - visible);
}

// ---- events ----------------------------------------------------------------------------

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Event {
    Event::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

#[test]
fn message_for_keys_on_the_triage_screen() {
    let app = sample_app((80, 24));
    let cases: Vec<(Event, &str)> = vec![
        (key(KeyCode::Char('q')), "Quit"),
        (
            Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            "Quit",
        ),
        (key(KeyCode::Left), "PreviousStage"),
        (key(KeyCode::Char('h')), "PreviousStage"),
        (key(KeyCode::Right), "NextStage"),
        (key(KeyCode::Char('l')), "NextStage"),
        (key(KeyCode::Tab), "FocusNext"),
        (
            Event::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
            "FocusPrevious",
        ),
        (key(KeyCode::Down), "ScrollDown"),
        (key(KeyCode::Char('k')), "ScrollUp"),
        (key(KeyCode::Char('3')), "SelectStage(Trust)"),
        (key(KeyCode::Enter), "Open"),
        (key(KeyCode::Esc), "Back"),
        (key(KeyCode::Char('?')), "ToggleHelp"),
        (key(KeyCode::Char('/')), "StartSearch"),
        (key(KeyCode::Char('c')), "CopyReport"),
        (key(KeyCode::Char('y')), "CopySummary"),
        (key(KeyCode::Char('w')), "OpenWhatIf"),
        (key(KeyCode::Char('a')), "OpenAddEvidence"),
        (key(KeyCode::Char('d')), "RemoveArtifact"),
        (key(KeyCode::Char('p')), "OpenPractice"),
        (
            Event::Key(KeyEvent::new(KeyCode::Char('v'), KeyModifiers::CONTROL)),
            "PasteFromClipboard",
        ),
        (Event::Paste("eyJ".to_owned()), "Paste(\"eyJ\")"),
        (Event::Resize(100, 30), "Resize { width: 100, height: 30 }"),
    ];
    for (event, expected) in cases {
        let got = message_for(&app, &event).map(|m| format!("{m:?}"));
        assert_eq!(got.as_deref(), Some(expected), "{event:?}");
    }
    for unbound in [key(KeyCode::Char('x')), Event::FocusGained] {
        assert!(message_for(&app, &unbound).is_none(), "{unbound:?}");
    }
    let release = KeyEvent::new_with_kind(
        KeyCode::Char('q'),
        KeyModifiers::NONE,
        KeyEventKind::Release,
    );
    assert!(message_for(&app, &Event::Key(release)).is_none());
}

#[test]
fn a_burst_of_keys_is_a_paste_not_commands() {
    let app = sample_app((80, 24));
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJxIn0.qqqq";
    let events: Vec<Event> = token.chars().map(|c| key(KeyCode::Char(c))).collect();
    let messages = messages_for(&app, &events);
    assert_eq!(messages.len(), 1);
    assert!(matches!(&messages[0], Message::Paste(t) if t == token));
    // A few keys are typing.
    let typed = messages_for(&app, &[key(KeyCode::Char('l')), key(KeyCode::Char('l'))]);
    assert!(typed.iter().all(|m| matches!(m, Message::NextStage)));
}

#[test]
fn message_for_mouse() {
    let app = sample_app((80, 24));
    let click = message_for(&app, &mouse(MouseEventKind::Down(MouseButton::Left), 20, 2));
    assert!(matches!(click, Some(Message::Click { column: 20, row: 2 })));
    for ignored in [
        mouse(MouseEventKind::Down(MouseButton::Right), 20, 2),
        mouse(MouseEventKind::Up(MouseButton::Left), 20, 2),
        mouse(MouseEventKind::Moved, 20, 2),
    ] {
        assert!(message_for(&app, &ignored).is_none());
    }
    assert!(matches!(
        message_for(&app, &mouse(MouseEventKind::ScrollDown, 0, 10)),
        Some(Message::Wheel {
            column: 0,
            row: 10,
            down: true
        })
    ));
}

/// The (column, row) of the centre of each stage box as drawn.
fn box_centres(app: &App) -> Vec<(Stage, u16, u16)> {
    let buffer = draw(app);
    let top = pipeline_rows(&buffer).start;
    let corners: Vec<u16> = (0..app.width)
        .filter(|&x| matches!(buffer[(x, top)].symbol(), "┌" | "┏"))
        .collect();
    assert_eq!(corners.len(), 5, "{}", text(&buffer));
    corners
        .iter()
        .zip(Stage::ALL)
        .map(|(&x, stage)| (stage, x + 3, top + 2))
        .collect()
}

#[test]
fn click_on_a_stage_box_selects_it() {
    for width in [80, 120, 160] {
        let mut app = sample_app((width, 24));
        for (stage, column, row) in box_centres(&app) {
            update(&mut app, Message::Click { column, row });
            assert_eq!(app.selected, stage, "click at ({column}, {row}) on {width}");
        }
    }
}

#[test]
fn click_on_an_artifact_selects_it_and_elsewhere_changes_no_stage() {
    let mut app = sample_app((80, 24));
    let buffer = draw(&app);
    let y = (0..24)
        .find(|&y| row(&buffer, y).contains("get-role.json  aws"))
        .unwrap();
    update(&mut app, Message::Click { column: 5, row: y });
    assert_eq!((app.focus, app.artifact_cursor), (Pane::Artifacts, 1));
    let before = app.selected;
    for (column, row) in [(20, 0), (79, 3), (20, 23)] {
        update(&mut app, Message::Click { column, row });
        assert_eq!(app.selected, before, "click at ({column}, {row})");
    }
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer() {
    let mut app = sample_app((80, 24));
    let areas = oidc_triage::tui::view::Areas::compute(&app);
    let (x, detail_row) = (5, areas.detail.y + 2);
    update(
        &mut app,
        Message::Wheel {
            column: x,
            row: detail_row,
            down: true,
        },
    );
    assert_eq!((app.scroll, app.artifact_cursor), (1, 0));
    let artifact_row = areas.artifacts.y + 1;
    update(
        &mut app,
        Message::Wheel {
            column: x,
            row: artifact_row,
            down: true,
        },
    );
    assert_eq!((app.scroll, app.artifact_cursor), (1, 1));
    update(
        &mut app,
        Message::Wheel {
            column: x,
            row: detail_row,
            down: false,
        },
    );
    assert_eq!(app.scroll, 0);
}

#[test]
fn quit_sets_the_flag_and_help_toggles() {
    let mut app = sample_app((80, 24));
    update(&mut app, Message::ToggleHelp);
    assert_eq!(app.overlay, Overlay::Help);
    update(&mut app, Message::ToggleHelp);
    assert_eq!(app.overlay, Overlay::None);
    update(&mut app, Message::Quit);
    assert!(app.quit);
}

#[test]
fn inputs_are_shared_not_copied_between_jobs() {
    let mut app = sample_app((80, 24));
    let before = Arc::clone(&app.inputs[0]);
    let effects = update(&mut app, Message::CopySummary);
    drop(effects);
    let effects = update(&mut app, Message::Paste("hello".to_owned()));
    let [Effect::Diagnose(job)] = &effects[..] else {
        panic!()
    };
    assert!(
        Arc::ptr_eq(&job.inputs[0], &before),
        "a big input is never cloned"
    );
}

// ---- the on-call path: the sample never contaminates ---------------------------------

/// The sample session as `oidc-triage` opens it: new evidence asks first.
fn sample_session(size: (u16, u16)) -> App {
    let inputs = sample_inputs();
    let options = sample_options();
    let app = App::sample(
        fixed(&inputs, &options),
        inputs,
        options,
        DiagnoseOptions::default(),
    );
    at_size(app, size)
}

const A_LOG: &str = "2026-03-02T10:15:02.0000000Z ##[group]Run aws-actions/configure-aws-credentials@v4\r2026-03-02T10:15:03.0000000Z ##[error]Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity\r";

#[test]
fn a_paste_into_the_sample_asks_and_starts_a_new_incident_by_default() {
    for size in SIZES {
        let mut app = sample_session(size);
        let effects = update(&mut app, Message::Paste(A_LOG.to_owned()));
        assert!(effects.is_empty(), "nothing runs before the answer");
        assert!(matches!(app.overlay, Overlay::NewIncident(_)));
        let screen = text(&snapshot("new_incident_question", &app));
        assert!(screen.contains("New incident?"), "{screen}");
        // Enter: a new incident holding only the paste, on the user's clock and keys.
        let effects = update(&mut app, Message::Open);
        let Some(Effect::Diagnose(job)) = effects.first() else {
            panic!("the paste is diagnosed: {effects:?}");
        };
        assert_eq!(job.inputs.len(), 1, "the sample's artifacts left");
        assert_eq!(job.options.now, None, "the sample's clock left with it");
        assert!(job.options.jwks.is_none());
        let pasted = String::from_utf8(job.inputs[0].bytes.clone()).unwrap();
        assert_eq!(
            pasted.lines().count(),
            2,
            "CR line breaks are lines: {pasted:?}"
        );
        assert!(!pasted.contains('\r'));
        assert!(!app.sample);
        assert_eq!(app.source, "new incident");
    }
}

#[test]
fn s_adds_to_the_sample_and_esc_adds_nothing() {
    let mut app = sample_session((80, 24));
    update(&mut app, Message::Paste(A_LOG.to_owned()));
    let effects = update(&mut app, Message::AddToSample);
    let Some(Effect::Diagnose(job)) = effects.first() else {
        panic!("the paste is diagnosed: {effects:?}");
    };
    assert_eq!(
        job.inputs.len(),
        4,
        "the sample's three artifacts and the paste"
    );
    assert!(job.options.now.is_some(), "the sample keeps its clock");

    let mut app = sample_session((80, 24));
    update(&mut app, Message::Paste(A_LOG.to_owned()));
    let effects = update(&mut app, Message::Back);
    assert!(effects.is_empty());
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.inputs.len(), 3, "nothing was added");
    assert!(app.sample, "the next paste asks again");
}

#[test]
fn a_pasted_path_loads_the_file_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("job log.txt");
    std::fs::write(&file, A_LOG).unwrap();
    let forms = [
        file.display().to_string(),
        format!("'{}'", file.display()),
        format!("\"{}\"\n", file.display()),
        format!("file://{}", file.display().to_string().replace(' ', "%20")),
    ];
    for form in forms {
        let mut app = empty_app((80, 24));
        let effects = update(&mut app, Message::Paste(form.clone()));
        let Some(Effect::Diagnose(job)) = effects.first() else {
            panic!("{form}: a file is read: {effects:?}");
        };
        assert_eq!(job.paths, std::slice::from_ref(&file), "{form}");
        assert!(
            job.inputs.is_empty(),
            "{form}: the path is not evidence text"
        );
    }
    // A path that names nothing is pasted text, as before.
    let mut app = empty_app((80, 24));
    let effects = update(
        &mut app,
        Message::Paste("/no/such/aadsts70021.log".to_owned()),
    );
    let Some(Effect::Diagnose(job)) = effects.first() else {
        panic!("{effects:?}");
    };
    assert!(job.paths.is_empty());
    assert_eq!(job.inputs.len(), 1);
}

#[test]
fn q_with_pastes_asks_once_and_ctrl_n_starts_clean() {
    let mut app = empty_app((80, 24));
    let effects = update(&mut app, Message::Paste(A_LOG.to_owned()));
    settle(&mut app, effects);
    update(&mut app, Message::Quit);
    assert!(!app.quit, "a paste would be lost: ask first");
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("q again")),
        "{:?}",
        app.status
    );
    update(&mut app, Message::NextStage);
    update(&mut app, Message::Quit);
    assert!(!app.quit, "another key in between asks again");
    update(&mut app, Message::Quit);
    assert!(app.quit);

    let mut app = empty_app((80, 24));
    let effects = update(&mut app, Message::Paste(A_LOG.to_owned()));
    settle(&mut app, effects);
    update(&mut app, Message::NewIncident);
    assert_eq!(app.inputs.len(), 1, "the first Ctrl-N only warns");
    update(&mut app, Message::NewIncident);
    assert!(app.inputs.is_empty());
    assert!(app.diagnosis.artifacts.is_empty());
    update(&mut app, Message::Quit);
    assert!(app.quit, "nothing left to lose");
}
