//! The triage screen, drawn by the pure `view` into ratatui's `TestBackend`.
//!
//! Index:
//! - snapshots of each screen and state at 80×24 and 160×48 (`tests/snapshots/tui__*.snap`):
//!   the built-in sample, the help overlay, a diagnosis with no usable input, an expired
//!   token, and the sample after two `NextStage` messages;
//! - cell styles where colour carries the status (✗ red, ✓ green, ? yellow, · grey);
//! - each stage box reads whole: its name, its mark *and* status word, and `◀` on the
//!   stage where evidence stops, so status never rests on colour alone (at 160 columns;
//!   and the check over every width from 80 to 200);
//! - the view draws at tiny sizes without panicking;
//! - `message_for`: keys and mouse to messages;
//! - `update`: clicks on stage boxes select them, clicks elsewhere do not.
//!
//! Every diagnosis runs on a fixed clock so the snapshots are stable.

#![cfg(feature = "tui")]
// Helpers outside `#[test]` functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use oidc_triage::clock::{Clock, parse_rfc3339};
use oidc_triage::diagnosis::{DiagnoseOptions, Diagnosis, Stage, StageStatus, diagnose};
use oidc_triage::evidence::Input;
use oidc_triage::sample::{SAMPLE_NOW, sample_inputs, sample_options};
use oidc_triage::tui::{App, Message, message_for, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

/// The screen's first row is the title; the stage boxes take the next four.
const PIPELINE_ROWS: std::ops::Range<u16> = 1..5;

/// A time after the sample token's `exp` (2026-03-02T10:19:20Z).
const AFTER_EXPIRY: &str = "2026-03-02T11:00:00Z";

fn at(time: &str) -> i64 {
    parse_rfc3339(time).unwrap()
}

/// The built-in sample incident, as the TUI shows it with no input.
fn sample_diagnosis() -> Diagnosis {
    diagnose(&sample_inputs(), &sample_options(), || {
        Clock::fixed(at(SAMPLE_NOW))
    })
}

/// Only unusable input: nothing to place on any stage.
fn no_usable_input_diagnosis() -> Diagnosis {
    let inputs = [Input::pasted("notes.txt", "hello")];
    diagnose(&inputs, &DiagnoseOptions::default(), || {
        Clock::fixed(at(SAMPLE_NOW))
    })
}

/// The sample token alone, judged 40 minutes after it expired.
fn expired_token_diagnosis() -> Diagnosis {
    let options = DiagnoseOptions {
        now: Some(at(AFTER_EXPIRY)),
        ..sample_options()
    };
    let token_only: Vec<Input> = sample_inputs()
        .into_iter()
        .filter(|i| i.name == "id-token.json")
        .collect();
    diagnose(&token_only, &options, || Clock::fixed(at(AFTER_EXPIRY)))
}

fn draw(app: &App, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
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

/// The first cell in the stage boxes holding `symbol`, as (column, row).
fn find_in_pipeline(buffer: &Buffer, symbol: &str) -> Option<(u16, u16)> {
    PIPELINE_ROWS
        .flat_map(|y| (buffer.area.left()..buffer.area.right()).map(move |x| (x, y)))
        .find(|&pos| buffer[pos].symbol() == symbol)
}

/// Assert that the mark of `status` is drawn in the stage boxes in `colour`. (That the
/// word is there too is checked by `stage_boxes_read_whole_*`.)
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
    let pipeline: String = PIPELINE_ROWS
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

fn snapshot(name: &str, app: &App, width: u16, height: u16) -> Buffer {
    let buffer = draw(app, width, height);
    assert_five_stages(&buffer);
    insta::assert_snapshot!(format!("{name}_{width}x{height}"), text(&buffer));
    buffer
}

// ---- snapshots ----------------------------------------------------------------------

#[test]
fn sample_incident() {
    let diagnosis = sample_diagnosis();
    assert_eq!(diagnosis.stopped_at, Some(Stage::Trust));
    let app = App::new(diagnosis, "built-in sample incident");
    for (width, height) in [(80, 24), (160, 48)] {
        let buffer = snapshot("sample", &app, width, height);
        assert_status_cell(&buffer, StageStatus::Passed, Color::Green);
        assert_status_cell(&buffer, StageStatus::Failed, Color::Red);
        assert_status_cell(&buffer, StageStatus::NotReached, Color::DarkGray);
        assert!(
            row(&buffer, 4).contains("◀ stops here"),
            "the stopped stage is not marked:\n{}",
            text(&buffer)
        );
    }
}

#[test]
fn help_overlay() {
    let mut app = App::new(sample_diagnosis(), "built-in sample incident");
    update(&mut app, Message::ToggleHelp, 80);
    for (width, height) in [(80, 24), (160, 48)] {
        let buffer = snapshot("help", &app, width, height);
        let screen = text(&buffer);
        assert!(screen.contains("Keys"), "{screen}");
        assert!(screen.contains("quit"), "{screen}");
    }
    update(&mut app, Message::CloseOverlay, 80);
    assert!(!text(&draw(&app, 80, 24)).contains("Keys"));
}

#[test]
fn no_usable_input() {
    let diagnosis = no_usable_input_diagnosis();
    assert!(!diagnosis.has_usable_input());
    let app = App::new(diagnosis, "1 input");
    for (width, height) in [(80, 24), (160, 48)] {
        let buffer = snapshot("no_usable_input", &app, width, height);
        assert_status_cell(&buffer, StageStatus::NoEvidence, Color::Yellow);
        assert!(find_in_pipeline(&buffer, StageStatus::Passed.mark()).is_none());
        assert!(find_in_pipeline(&buffer, StageStatus::Failed.mark()).is_none());
    }
}

#[test]
fn expired_token() {
    let diagnosis = expired_token_diagnosis();
    assert_eq!(diagnosis.stopped_at, Some(Stage::Token));
    assert_eq!(diagnosis.stage(Stage::Token).status, StageStatus::Failed);
    for stage in [Stage::Trust, Stage::Role, Stage::Audit] {
        assert_eq!(
            diagnosis.stage(stage).status,
            StageStatus::NotReached,
            "{}",
            stage.name()
        );
    }
    let app = App::new(diagnosis, "1 input");
    assert_eq!(
        app.selected,
        Stage::Token,
        "the failed stage is selected first"
    );
    for (width, height) in [(80, 24), (160, 48)] {
        let buffer = snapshot("expired_token", &app, width, height);
        assert_status_cell(&buffer, StageStatus::Failed, Color::Red);
        assert_status_cell(&buffer, StageStatus::Passed, Color::Green);
        assert_status_cell(&buffer, StageStatus::NotReached, Color::DarkGray);
        assert!(text(&buffer).contains("token.expired"), "{}", text(&buffer));
    }
}

#[test]
fn after_next_stage_twice() {
    let mut app = App::new(sample_diagnosis(), "built-in sample incident");
    assert_eq!(app.selected, Stage::Trust);
    update(&mut app, Message::ScrollDown, 80);
    update(&mut app, Message::NextStage, 80);
    update(&mut app, Message::NextStage, 80);
    assert_eq!(app.selected, Stage::Audit);
    assert_eq!(
        app.scroll, 0,
        "changing stage scrolls the detail pane back to the top"
    );
    for (width, height) in [(80, 24), (160, 48)] {
        let buffer = snapshot("next_stage_twice", &app, width, height);
        // The selected box is titled `▶5`, the detail pane is the Audit stage's.
        assert!(row(&buffer, 1).contains("▶5"), "{}", text(&buffer));
        assert!(
            text(&buffer).contains(Stage::Audit.title()),
            "{}",
            text(&buffer)
        );
    }
    // Wraps around to the first stage.
    update(&mut app, Message::NextStage, 80);
    assert_eq!(app.selected, Stage::Workflow);
    update(&mut app, Message::PreviousStage, 80);
    assert_eq!(app.selected, Stage::Audit);
}

// ---- each stage box reads whole -------------------------------------------------------

/// What is wrong with the stage boxes at `width`: a stage name that is neither its
/// title nor its short label, a status that is not its whole mark and word, a stopped
/// stage without a whole `◀` mark. Empty when every box reads whole.
fn stage_box_problems(app: &App, width: u16) -> Vec<String> {
    let buffer = draw(app, width, 24);
    let corners: Vec<u16> = (0..width)
        .filter(|&x| matches!(buffer[(x, 1)].symbol(), "┌" | "┏"))
        .collect();
    if corners.len() != 5 {
        return vec![format!("{width} columns: {} boxes", corners.len())];
    }
    let inside = |x: u16, y: u16| -> String {
        let right = (x + 1..width)
            .find(|&r| matches!(buffer[(r, 1)].symbol(), "┐" | "┓"))
            .unwrap_or(width);
        (x + 1..right)
            .map(|c| buffer[(c, y)].symbol())
            .collect::<String>()
            .trim_end()
            .to_owned()
    };
    let mut problems = Vec::new();
    for (&x, stage) in corners.iter().zip(Stage::ALL) {
        let name = inside(x, 2);
        if name != stage.title() && name != stage.label() {
            problems.push(format!(
                "{width} columns: {} box reads `{name}`",
                stage.name()
            ));
        }
        let status = app.status(stage);
        let word = format!("{} {}", status.mark(), status.label());
        let shown = inside(x, 3);
        if shown != word {
            problems.push(format!(
                "{width} columns: {} box reads `{shown}`, not `{word}`",
                stage.name()
            ));
        }
        // The stop mark sits on the box's bottom border.
        let bottom = inside(x, 4);
        let marked = bottom.contains("◀ stops");
        if marked != (app.diagnosis.stopped_at == Some(stage)) {
            problems.push(format!(
                "{width} columns: {} box bottom border reads `{bottom}`",
                stage.name()
            ));
        }
    }
    problems
}

fn all_diagnoses() -> [Diagnosis; 3] {
    [
        sample_diagnosis(),
        expired_token_diagnosis(),
        no_usable_input_diagnosis(),
    ]
}

#[test]
fn stage_boxes_read_whole_at_160_columns() {
    for diagnosis in all_diagnoses() {
        let problems = stage_box_problems(&App::new(diagnosis, "test"), 160);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

/// Regression: below 131 columns the boxes used to cut `? no evidence`, `· not reached`,
/// the full titles and the `◀` stop mark. Every width from 80 up must read whole.
#[test]
fn stage_boxes_read_whole_at_every_width_from_80() {
    let mut problems = Vec::new();
    for diagnosis in all_diagnoses() {
        let app = App::new(diagnosis, "test");
        for width in 80..=200 {
            problems.extend(stage_box_problems(&app, width));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Tiny terminals: the view must draw without panicking (a panic in `view` would leave
/// the terminal to the panic hook).
#[test]
fn draws_at_tiny_sizes_without_panicking() {
    let mut apps = all_diagnoses().map(|d| App::new(d, "test"));
    apps[0].help = true;
    for app in &apps {
        for width in 0..=40 {
            for height in 0..=12 {
                draw(app, width, height);
            }
        }
    }
}

// ---- keys and mouse -------------------------------------------------------------------

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
fn message_for_keys() {
    let cases = [
        (key(KeyCode::Char('q')), Some(Message::Quit)),
        (
            Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Message::Quit),
        ),
        (key(KeyCode::Left), Some(Message::PreviousStage)),
        (key(KeyCode::Char('h')), Some(Message::PreviousStage)),
        (
            Event::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Message::PreviousStage),
        ),
        (key(KeyCode::Right), Some(Message::NextStage)),
        (key(KeyCode::Char('l')), Some(Message::NextStage)),
        (key(KeyCode::Tab), Some(Message::NextStage)),
        (key(KeyCode::Down), Some(Message::ScrollDown)),
        (key(KeyCode::Char('j')), Some(Message::ScrollDown)),
        (key(KeyCode::Up), Some(Message::ScrollUp)),
        (key(KeyCode::Char('k')), Some(Message::ScrollUp)),
        (key(KeyCode::Char('?')), Some(Message::ToggleHelp)),
        (key(KeyCode::Esc), Some(Message::CloseOverlay)),
        // Plain `c` is not a quit key, and unbound keys do nothing.
        (key(KeyCode::Char('c')), None),
        (key(KeyCode::Char('x')), None),
        (key(KeyCode::Enter), None),
        (Event::Resize(100, 30), Some(Message::Redraw)),
        (Event::FocusGained, None),
    ];
    for (event, expected) in cases {
        assert_eq!(message_for(&event), expected, "{event:?}");
    }
}

#[test]
fn key_releases_are_ignored() {
    let release = KeyEvent::new_with_kind(
        KeyCode::Char('q'),
        KeyModifiers::NONE,
        KeyEventKind::Release,
    );
    assert_eq!(message_for(&Event::Key(release)), None);
    let repeat = KeyEvent::new_with_kind(KeyCode::Right, KeyModifiers::NONE, KeyEventKind::Repeat);
    assert_eq!(message_for(&Event::Key(repeat)), Some(Message::NextStage));
}

#[test]
fn message_for_mouse() {
    assert_eq!(
        message_for(&mouse(MouseEventKind::Down(MouseButton::Left), 20, 2)),
        Some(Message::Click { column: 20, row: 2 })
    );
    assert_eq!(
        message_for(&mouse(MouseEventKind::Down(MouseButton::Right), 20, 2)),
        None
    );
    assert_eq!(
        message_for(&mouse(MouseEventKind::Up(MouseButton::Left), 20, 2)),
        None
    );
    assert_eq!(message_for(&mouse(MouseEventKind::Moved, 20, 2)), None);
    assert_eq!(
        message_for(&mouse(MouseEventKind::ScrollDown, 0, 10)),
        Some(Message::ScrollDown)
    );
    assert_eq!(
        message_for(&mouse(MouseEventKind::ScrollUp, 0, 10)),
        Some(Message::ScrollUp)
    );
}

/// The (column, row) of the centre of each stage box as drawn at `width`.
fn box_centres(app: &App, width: u16) -> Vec<(Stage, u16, u16)> {
    let buffer = draw(app, width, 24);
    // Each box's top border begins with a corner at row 1; the selected box is thick.
    let corners: Vec<u16> = (0..width)
        .filter(|&x| matches!(buffer[(x, 1)].symbol(), "┌" | "┏"))
        .collect();
    assert_eq!(
        corners.len(),
        5,
        "five boxes at {width} columns:\n{}",
        text(&buffer)
    );
    corners
        .iter()
        .zip(Stage::ALL)
        .map(|(&x, stage)| (stage, x + 3, 3))
        .collect()
}

#[test]
fn click_on_a_stage_box_selects_it() {
    for width in [80, 120, 160] {
        let mut app = App::new(sample_diagnosis(), "built-in sample incident");
        for (stage, column, row) in box_centres(&app, width) {
            update(&mut app, Message::Click { column, row }, width);
            assert_eq!(
                app.selected, stage,
                "click at ({column}, {row}) on {width} columns"
            );
            let buffer = draw(&app, width, 24);
            assert!(
                row_contains_at(&buffer, 1, column - 3, &format!("▶{}", stage.index() + 1)),
                "the clicked box is drawn as selected:\n{}",
                text(&buffer)
            );
        }
    }
}

fn row_contains_at(buffer: &Buffer, y: u16, from: u16, needle: &str) -> bool {
    let rest: String = (from..buffer.area.right())
        .map(|x| buffer[(x, y)].symbol())
        .collect();
    rest.chars().take(8).collect::<String>().contains(needle)
}

#[test]
fn click_outside_the_stage_boxes_changes_nothing() {
    let mut app = App::new(sample_diagnosis(), "built-in sample incident");
    update(&mut app, Message::ScrollDown, 80);
    let before = (app.selected, app.scroll);
    // The title row, the arrow gap between boxes 1 and 2, the detail pane, the footer,
    // and the blank strip right of the last box.
    for (column, row) in [(20, 0), (15, 2), (20, 10), (20, 23), (79, 2)] {
        update(&mut app, Message::Click { column, row }, 80);
        assert_eq!(
            (app.selected, app.scroll),
            before,
            "click at ({column}, {row})"
        );
    }
}

#[test]
fn scroll_saturates_at_the_top() {
    let mut app = App::new(sample_diagnosis(), "built-in sample incident");
    update(&mut app, Message::ScrollUp, 80);
    assert_eq!(app.scroll, 0);
    update(&mut app, Message::ScrollDown, 80);
    update(&mut app, Message::ScrollDown, 80);
    assert_eq!(app.scroll, 2);
}

#[test]
fn quit_sets_the_flag_and_help_toggles() {
    let mut app = App::new(sample_diagnosis(), "built-in sample incident");
    assert!(!app.help && !app.quit);
    update(&mut app, Message::ToggleHelp, 80);
    assert!(app.help);
    update(&mut app, Message::ToggleHelp, 80);
    assert!(!app.help);
    update(&mut app, Message::Quit, 80);
    assert!(app.quit);
}
