//! Practice mode's screens, drawn by the pure `view` into ratatui's `TestBackend`.
//!
//! Index:
//! - snapshots of every practice screen at 80×24 and 160×48
//!   (`tests/snapshots/practice_tui__*.snap`): menu, lesson page, glossary, picker,
//!   play (healthy, then broken), drill (ticket, a question, locked, reveal, then the
//!   scenario's own question, asked and answered), wrap-up (question, answered with its
//!   why, a scenario's own question with its ticket, result), own words (typing,
//!   checked), the 90-second drill, reset, help;
//! - cell styles where colour carries meaning (✗ failed red, ✓ passed green), always
//!   next to the word;
//! - actions: `t` traces with the engine's diagnosis, `c` copies a redacted summary,
//!   Esc on the menu leaves, `q` quits but types a q in the own-words box;
//! - progress is saved after a drill's reveal, its own questions and a wrap-up;
//! - tiny terminals draw without panicking.
//!
//! A fixed seed and fixed `Instant`s make every snapshot stable.

#![cfg(feature = "tui")]
// Helpers outside `#[test]` functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use oidc_triage::scenario::Scenario;
use oidc_triage::tui::practice::{
    DrillPhase, Practice, PracticeAction, Screen, handle_event, tick, view,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

const SEED: u64 = 7;
/// A scenario that stops at trust with a proven failure.
const SLUG: &str = "aws-environment-subject-vs-branch-policy";

/// A fixed set of scenarios, so new scenarios elsewhere do not change these snapshots.
const SLUGS: &[&str] = &[
    "aws-audience-default-github",
    "aws-environment-subject-vs-branch-policy",
    "aws-pull-request-gets-production-role",
    "azure-aadsts70021-subject",
    "gcp-audit-exchange-ok-impersonation-denied",
    "log-azure-devops-token-expired-long-job",
    "log-github-missing-id-token-permission",
    "vault-bound-claims-glob-as-string",
];

fn scenarios() -> Vec<Scenario> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
    SLUGS
        .iter()
        .map(|slug| Scenario::load(&root.join(slug)).unwrap())
        .collect()
}

fn practice(dir: &Path, start: Option<&str>) -> Practice {
    Practice::new(scenarios(), Some(dir.join("progress.json")), start, SEED)
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(p: &mut Practice, now: Instant, keys: &[KeyCode]) -> Vec<PracticeAction> {
    keys.iter()
        .map(|k| handle_event(p, &key(*k), now))
        .collect()
}

fn chars(s: &str) -> Vec<KeyCode> {
    s.chars().map(KeyCode::Char).collect()
}

fn draw(p: &Practice, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view(p, frame)).unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer as text, trailing blanks trimmed; the progress path (a temp dir) masked.
fn text(buffer: &Buffer, dir: &Path) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let line: String = (area.left()..area.right())
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.replace(dir.to_str().unwrap(), "$DATA")
}

/// Snapshot the screen at both sizes; the temp dir's path is cut from the text (it may
/// also be wrapped, so the directory name is short and masked before wrapping matters).
fn snap(name: &str, p: &Practice, dir: &Path) {
    for (w, h) in [(80, 24), (160, 48)] {
        let screen = text(&draw(p, w, h), dir);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

/// A data dir whose path is the same on every run, so snapshots that show it are stable.
fn data_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("oidc-practice-tui-{test}"));
    let _ = std::fs::remove_file(dir.join("progress.json"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        let cells: Vec<&str> = (area.left()..area.right())
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        let line = cells.concat();
        if let Some(byte) = line.find(needle) {
            let col = line[..byte].chars().count() as u16;
            return Some((col, y));
        }
    }
    None
}

#[test]
fn menu_lesson_glossary_and_picker() {
    let dir = data_dir("menu");
    let now = Instant::now();
    let mut p = practice(&dir, None);
    snap("menu", &p, &dir);
    press(&mut p, now, &[KeyCode::Enter]);
    snap("lesson_page_1", &p, &dir);
    press(&mut p, now, &[KeyCode::Right, KeyCode::Right]);
    snap("lesson_page_3_components", &p, &dir);
    for _ in 0..10 {
        press(&mut p, now, &[KeyCode::Right]);
    }
    snap("lesson_glossary", &p, &dir);
    press(&mut p, now, &[KeyCode::Esc, KeyCode::Char('3')]);
    snap("picker_drill", &p, &dir);
    press(&mut p, now, &[KeyCode::Char('?')]);
    snap("help", &p, &dir);
}

#[test]
fn play_break_animates_then_stops_at_the_failing_stage() {
    let dir = data_dir("play");
    let t0 = Instant::now();
    let mut p = practice(&dir, Some(SLUG));
    // From the drill's ticket, `p` is not play; go through the menu.
    press(
        &mut p,
        t0,
        &[KeyCode::Esc, KeyCode::Esc, KeyCode::Char('2')],
    );
    // The picker starts on the scenario last worked on.
    press(&mut p, t0, &[KeyCode::Enter]);
    let step = Duration::from_millis(700);
    tick(&mut p, t0 + step * 3);
    snap("play_healthy_three_lit", &p, &dir);
    tick(&mut p, t0 + step * 20);
    snap("play_broken_done", &p, &dir);
    let buffer = draw(&p, 160, 48);
    // The failing stage: mark and word, in red; the stop marker on its box.
    let (x, y) = find(&buffer, "✗ failed").expect("✗ failed on a stage box");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    assert!(find(&buffer, "◀ stops here").is_some());
    let (x, y) = find(&buffer, "✓ passed").unwrap();
    assert_eq!(buffer[(x, y)].fg, Color::Green);
}

#[test]
fn drill_ticket_questions_trace_and_reveal() {
    let dir = data_dir("drill");
    let now = Instant::now();
    let mut p = practice(&dir, Some(SLUG));
    snap("drill_ticket", &p, &dir);
    press(&mut p, now, &[KeyCode::Enter]);
    snap("drill_stage_question", &p, &dir);
    // Stage: Trust is option 3.
    press(&mut p, now, &[KeyCode::Char('3')]);
    snap("drill_cause_question", &p, &dir);
    press(&mut p, now, &[KeyCode::Char('1'), KeyCode::Char('1')]);
    snap("drill_locked", &p, &dir);
    let actions = press(&mut p, now, &[KeyCode::Char('t')]);
    match &actions[0] {
        PracticeAction::Trace { diagnosis, source } => {
            assert_eq!(
                diagnosis.stopped_at.map(|s| s.name()),
                Some("trust"),
                "the engine's own diagnosis"
            );
            assert!(source.contains(SLUG));
        }
        other => panic!("expected Trace, got {other:?}"),
    }
    snap("drill_reveal", &p, &dir);
    let buffer = draw(&p, 160, 48);
    let (x, y) = find(&buffer, "✓ stage: Trust").expect("stage right");
    assert_eq!(buffer[(x, y)].fg, Color::Green);
    // Saved.
    let json = std::fs::read_to_string(dir.join("progress.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["scenarios"][SLUG]["attempts"], 1);
    // `c` copies a redacted summary.
    let actions = press(&mut p, now, &[KeyCode::Char('c')]);
    match &actions[0] {
        PracticeAction::Copy { text, what } => {
            assert!(
                text.contains("Where evidence stops: Trust policy checks"),
                "{text}"
            );
            assert!(what.contains(SLUG));
        }
        other => panic!("expected Copy, got {other:?}"),
    }
    p.set_status("copied with OSC 52".to_owned());
    assert!(text(&draw(&p, 80, 24), &dir).contains("copied with OSC 52"));
}

#[test]
fn drill_reveal_then_the_scenarios_own_question() {
    let dir = data_dir("own-question");
    let now = Instant::now();
    let mut p = practice(&dir, Some(SLUG));
    let keys = [
        KeyCode::Enter,
        KeyCode::Char('3'),
        KeyCode::Char('1'),
        KeyCode::Char('1'),
        KeyCode::Enter,
    ];
    press(&mut p, now, &keys);
    assert!(text(&draw(&p, 80, 24), &dir).contains("Reveal ·"));
    // Enter on the reveal asks the scenario's own question (it has one).
    press(&mut p, now, &[KeyCode::Enter]);
    snap("drill_own_question", &p, &dir);
    let Screen::Drill(s) = &p.screen else {
        panic!("not a drill: {:?}", p.screen);
    };
    assert_eq!(s.phase, DrillPhase::Question(0));
    let q = &s.questions.questions[0];
    assert!(q.question.prompt.contains("environment: production"));
    let right = q.answer;
    let right_text = q.options[right].clone();
    assert_eq!(right_text, "repo:acme/payments-api:environment:production");
    // Answer it wrong: the why shows, the right option is marked ✓ in green.
    let wrong = (right + 1) % q.options.len();
    press(
        &mut p,
        now,
        &[KeyCode::Char(char::from(b'1' + wrong as u8))],
    );
    snap("drill_own_question_answered", &p, &dir);
    let buffer = draw(&p, 160, 48);
    let screen = text(&buffer, &dir);
    assert!(
        screen.contains("Why: GitHub builds the subject"),
        "{screen}"
    );
    assert!(
        screen.contains("This ticket's questions: 0/1 right."),
        "{screen}"
    );
    let (x, y) = find(&buffer, &format!("✓ {}. ", right + 1)).expect("the right option");
    assert_eq!(buffer[(x, y)].fg, Color::Green);
    // Recorded in the scenario's progress, beside the drill's result.
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("progress.json")).unwrap()).unwrap();
    assert_eq!(v["scenarios"][SLUG]["attempts"], 1);
    assert_eq!(v["scenarios"][SLUG]["questions_last"]["correct"], 0);
    assert_eq!(v["scenarios"][SLUG]["questions_last"]["total"], 1);
    // After the last question, Enter opens the next ticket.
    press(&mut p, now, &[KeyCode::Enter]);
    let Screen::Drill(s) = &p.screen else {
        panic!("not a drill: {:?}", p.screen);
    };
    assert_eq!(s.phase, DrillPhase::Ticket);
    assert_ne!(s.drill.slug, SLUG);
}

/// Through a drill to its reveal, whatever the answers.
fn to_reveal(p: &mut Practice, now: Instant) {
    let keys = [
        KeyCode::Enter,
        KeyCode::Char('1'),
        KeyCode::Char('1'),
        KeyCode::Char('1'),
        KeyCode::Enter,
    ];
    press(p, now, &keys);
}

fn drill_phase(p: &Practice) -> (String, DrillPhase) {
    match &p.screen {
        Screen::Drill(s) => (s.drill.slug.clone(), s.phase),
        other => panic!("not a drill: {other:?}"),
    }
}

#[test]
fn drill_own_questions_go_in_order_and_n_skips_them() {
    let dir = data_dir("own-question-order");
    let now = Instant::now();
    // Two questions: Enter answers with the cursor, Enter again goes to the next.
    let two = "gcp-audit-exchange-ok-impersonation-denied";
    let mut p = practice(&dir, Some(two));
    to_reveal(&mut p, now);
    press(&mut p, now, &[KeyCode::Enter]);
    assert_eq!(drill_phase(&p), (two.to_owned(), DrillPhase::Question(0)));
    press(&mut p, now, &[KeyCode::Down, KeyCode::Enter]);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("Why: "), "{screen}");
    assert!(screen.contains("Enter next question"), "{screen}");
    assert!(!screen.contains("This ticket's questions"), "{screen}");
    press(&mut p, now, &[KeyCode::Enter]);
    assert_eq!(drill_phase(&p), (two.to_owned(), DrillPhase::Question(1)));
    press(&mut p, now, &[KeyCode::Char('2')]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("progress.json")).unwrap()).unwrap();
    assert_eq!(v["scenarios"][two]["questions_last"]["total"], 2);

    // `n` on the reveal skips them, and nothing is recorded for them.
    let mut p = practice(&dir, Some(SLUG));
    to_reveal(&mut p, now);
    press(&mut p, now, &[KeyCode::Char('n')]);
    let (slug, phase) = drill_phase(&p);
    assert_eq!(phase, DrillPhase::Ticket);
    assert_ne!(slug, SLUG);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("progress.json")).unwrap()).unwrap();
    assert!(v["scenarios"][SLUG].get("questions_last").is_none(), "{v}");

    // So does `n` during a question, answered or not.
    let mut p = practice(&dir, Some(two));
    to_reveal(&mut p, now);
    press(&mut p, now, &[KeyCode::Enter, KeyCode::Char('n')]);
    let (slug, phase) = drill_phase(&p);
    assert_eq!(phase, DrillPhase::Ticket);
    assert_ne!(slug, two);
}

#[test]
fn wrap_up_question_why_and_result() {
    let dir = data_dir("wrapup");
    let now = Instant::now();
    let mut p = practice(&dir, None);
    press(&mut p, now, &[KeyCode::Char('4')]);
    snap("wrapup_question", &p, &dir);
    press(&mut p, now, &[KeyCode::Char('2')]);
    snap("wrapup_answered", &p, &dir);
    let mut scenario_questions = 0;
    for _ in 0..9 {
        press(&mut p, now, &[KeyCode::Enter]);
        // A scenario's own question comes with the ticket it is about.
        if let Screen::WrapUp(w) = &p.screen
            && w.quiz.questions[w.index].question.topic == "scenario"
        {
            if scenario_questions == 0 {
                snap("wrapup_scenario_question", &p, &dir);
                let screen = text(&draw(&p, 160, 48), &dir);
                assert!(screen.contains("Ticket: "), "{screen}");
            }
            scenario_questions += 1;
        }
        press(&mut p, now, &[KeyCode::Char('1')]);
    }
    assert!(scenario_questions > 0, "no scenario question to snapshot");
    let Screen::WrapUp(w) = &p.screen else {
        panic!("not the wrap-up: {:?}", p.screen);
    };
    let own = w.quiz.questions.iter();
    assert_eq!(own.filter(|q| q.question.topic == "scenario").count(), 2);
    press(&mut p, now, &[KeyCode::Enter]);
    snap("wrapup_result", &p, &dir);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("progress.json")).unwrap()).unwrap();
    assert_eq!(v["wrap_ups"][0]["total"], 10);
}

#[test]
fn own_words_typing_and_check() {
    let dir = data_dir("words");
    let now = Instant::now();
    let mut p = practice(&dir, None);
    press(&mut p, now, &[KeyCode::Char('5')]);
    let typed =
        "GitHub signs a short-lived OIDC token and the cloud trust policy checks its subject; q";
    let actions = press(&mut p, now, &chars(typed));
    assert!(
        actions.iter().all(|a| matches!(a, PracticeAction::None)),
        "q types, it does not quit"
    );
    press(
        &mut p,
        now,
        &[KeyCode::Backspace, KeyCode::Backspace, KeyCode::Backspace],
    );
    snap("words_typing", &p, &dir);
    press(&mut p, now, &[KeyCode::Enter]);
    snap("words_checked", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("✗ no stored keys"), "{screen}");
    assert!(screen.contains("✓ trust policy"), "{screen}");
}

#[test]
fn ninety_second_drill_shows_prompts_in_order() {
    let dir = data_dir("countdown");
    let t0 = Instant::now();
    let mut p = practice(&dir, None);
    press(&mut p, t0, &[KeyCode::Char('6')]);
    tick(&mut p, t0 + Duration::from_secs(31));
    snap("countdown_31s", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    let w = screen.find("1. Workflow").unwrap();
    let t = screen.find("2. Token").unwrap();
    let tr = screen.find("3. Trust").unwrap();
    assert!(w < t && t < tr);
    assert!(!screen.contains("4. Role"), "{screen}");
    tick(&mut p, t0 + Duration::from_secs(95));
    snap("countdown_done", &p, &dir);
}

#[test]
fn reset_confirm_and_leave_and_quit() {
    let dir = data_dir("reset");
    let now = Instant::now();
    let mut p = practice(&dir, None);
    press(&mut p, now, &[KeyCode::Char('8')]);
    snap("reset_confirm", &p, &dir);
    press(&mut p, now, &[KeyCode::Char('y')]);
    assert!(text(&draw(&p, 80, 24), &dir).contains("no progress to reset"));
    assert!(matches!(
        press(&mut p, now, &[KeyCode::Esc])[0],
        PracticeAction::Leave
    ));
    assert!(matches!(
        press(&mut p, now, &[KeyCode::Char('q')])[0],
        PracticeAction::Quit
    ));
}

#[test]
fn corrupt_progress_is_reported_on_screen() {
    let dir = data_dir("corrupt");
    std::fs::write(dir.join("progress.json"), "not json").unwrap();
    let p = practice(&dir, None);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("set aside"), "{screen}");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let _ = std::fs::remove_file(entry.unwrap().path());
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    let dir = data_dir("tiny");
    let now = Instant::now();
    let mut p = practice(&dir, Some(SLUG));
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10)] {
        draw(&p, w, h);
    }
    press(
        &mut p,
        now,
        &[
            KeyCode::Enter,
            KeyCode::Char('3'),
            KeyCode::Char('1'),
            KeyCode::Char('1'),
            KeyCode::Enter,
        ],
    );
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10)] {
        draw(&p, w, h);
    }
}
