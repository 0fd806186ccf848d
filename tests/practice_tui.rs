//! Practice mode's screens, drawn by the pure `view` into ratatui's `TestBackend`.
//!
//! Index:
//! - snapshots of every practice screen at 80×24 and 160×48
//!   (`tests/snapshots/practice_tui__*.snap`): menu, lesson page, glossary, pickers
//!   (the drill's hides titles), play/break (healthy, a fault applied and the flow
//!   stopped, the claim editor, the line editor, repaired), drill (ticket with numbered
//!   attachments, the artifact viewer, a hint on the cited line, a question, locked,
//!   reveal, the scenario's own question asked and answered), wrap-up (question,
//!   answered wrong with the right option marked in place, a scenario's question,
//!   result with the review), own words (prompts, typing, checked with the model
//!   answer), the recall drill (a stage pick, an evidence pick, a slot revealed, done),
//!   progress, reset, help;
//! - cell styles where colour carries meaning (✗ failed red, ✓ passed green);
//! - number keys move the choice and never confirm: only Enter records an answer;
//! - effects: `update` writes nothing and reads no clock — saving is an effect
//!   carried out by `perform_store` (as the run loop does), time comes in ticks; `t`
//!   traces with the engine's diagnosis, `c` copies a redacted summary, Esc on the
//!   menu leaves, `q` quits but types a q in a text box;
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
    DrillPhase, PlayMode, Practice, PracticeEffect, Screen, handle_event, perform_store, tick, view,
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
    "github-aws-environment-healthy-cloudtrail",
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

/// Press keys; effects on the progress file are carried out as the run loop does, the
/// others returned.
fn press(p: &mut Practice, keys: &[KeyCode]) -> Vec<PracticeEffect> {
    let mut out = Vec::new();
    for k in keys {
        let effects = handle_event(p, &key(*k));
        out.extend(perform_store(p, effects));
    }
    out
}

/// A number key then Enter: choose option `n` (1-based) and confirm it.
fn pick(p: &mut Practice, n: u8) -> Vec<PracticeEffect> {
    press(p, &[KeyCode::Char(char::from(b'0' + n)), KeyCode::Enter])
}

fn progress_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("progress.json")).unwrap()).unwrap()
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
fn menu_lesson_glossary_and_pickers() {
    let dir = data_dir("menu");
    let mut p = practice(&dir, None);
    snap("menu", &p, &dir);
    press(&mut p, &[KeyCode::Enter]);
    snap("lesson_page_1", &p, &dir);
    press(&mut p, &[KeyCode::Right, KeyCode::Right]);
    snap("lesson_page_3_components", &p, &dir);
    for _ in 0..10 {
        press(&mut p, &[KeyCode::Right]);
    }
    snap("lesson_glossary", &p, &dir);
    press(&mut p, &[KeyCode::Esc]);
    // A number moves the choice; it opens nothing until Enter.
    press(&mut p, &[KeyCode::Char('3')]);
    assert!(matches!(p.screen, Screen::Menu), "{:?}", p.screen);
    assert_eq!(p.menu, 2);
    press(&mut p, &[KeyCode::Enter]);
    snap("picker_drill", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(
        screen.contains("Ticket 1 · github-actions → aws"),
        "{screen}"
    );
    for c in &p.book.cases().to_vec() {
        assert!(
            !screen.contains(&c.scenario.spec.title),
            "title shown: {}",
            c.scenario.spec.title
        );
        assert!(
            !screen.contains(&c.scenario.slug),
            "slug shown: {}",
            c.scenario.slug
        );
    }
    press(&mut p, &[KeyCode::Char('?')]);
    snap("help", &p, &dir);
}

#[test]
fn play_break_applies_a_fault_stops_where_the_engine_says_then_repairs() {
    let dir = data_dir("play");
    let t0 = Instant::now();
    let healthy = "github-aws-environment-healthy-cloudtrail";
    let mut p = practice(&dir, None);
    p.current = p.book.find(healthy).unwrap();
    pick(&mut p, 2);
    press(&mut p, &[KeyCode::Enter]);
    let step = Duration::from_millis(400);
    for n in 0..8 {
        tick(&mut p, t0 + step * n, 0);
    }
    snap("play_healthy", &p, &dir);
    assert!(text(&draw(&p, 160, 48), &dir).contains("✓ Every stage passes: now break it"));
    // Fault 1 is the pull request subject: Enter applies it and the engine reruns.
    let Screen::Play(s) = &p.screen else {
        panic!("{:?}", p.screen)
    };
    assert!(
        s.faults[0].label.contains("pull request"),
        "{}",
        s.faults[0].label
    );
    pick(&mut p, 1);
    tick(&mut p, t0 + step * 9, 0);
    tick(&mut p, t0 + step * 10, 0);
    let flowing = text(&draw(&p, 160, 48), &dir);
    assert!(
        flowing.contains("the engine's flow is advancing"),
        "{flowing}"
    );
    for n in 11..20 {
        tick(&mut p, t0 + step * n, 0);
    }
    snap("play_fault_applied", &p, &dir);
    let buffer = draw(&p, 160, 48);
    let screen = text(&buffer, &dir);
    assert!(
        screen.contains("✗ The engine stops the flow at Trust"),
        "{screen}"
    );
    assert!(find(&buffer, "◀ stops here").is_some());
    let (x, y) = find(&buffer, "✗ failed").expect("✗ failed on a stage box");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    let (x, y) = find(&buffer, "✓ passed").unwrap();
    assert_eq!(buffer[(x, y)].fg, Color::Green);
    // The stop is the engine's own verdict on the changed path.
    let Screen::Play(s) = &p.screen else { panic!() };
    assert_eq!(s.diagnosis.stopped_at.map(|s| s.name()), Some("trust"));
    // Enter on it again undoes it: the repair.
    press(&mut p, &[KeyCode::Enter]);
    for n in 20..30 {
        tick(&mut p, t0 + step * n, 0);
    }
    snap("play_repaired", &p, &dir);
    assert!(text(&draw(&p, 160, 48), &dir).contains("✓ Repaired"));
}

#[test]
fn play_break_editors_for_a_claim_and_a_policy_line() {
    let dir = data_dir("play-edit");
    let t0 = Instant::now();
    let mut p = practice(&dir, None);
    p.current = p.book.find(SLUG).unwrap();
    pick(&mut p, 2);
    press(&mut p, &[KeyCode::Enter]);
    let rows = match &p.screen {
        Screen::Play(s) => s.faults.len(),
        other => panic!("{other:?}"),
    };
    // The row after the faults edits a claim.
    press(
        &mut p,
        &[KeyCode::Char(char::from(b'1' + rows as u8)), KeyCode::Enter],
    );
    snap("play_pick_claim", &p, &dir);
    press(&mut p, &[KeyCode::Enter]);
    assert!(p.typing(), "the claim editor takes keys");
    press(&mut p, &[KeyCode::Char('q')]);
    snap("play_edit_claim", &p, &dir);
    press(&mut p, &[KeyCode::Esc]);
    // The next row edits a line of the role's trust policy: repair it by hand.
    press(
        &mut p,
        &[KeyCode::Char(char::from(b'2' + rows as u8)), KeyCode::Enter],
    );
    let Screen::Play(s) = &p.screen else { panic!() };
    let PlayMode::PickLine { input, .. } = s.mode else {
        panic!("{:?}", s.mode)
    };
    let line = s
        .bench
        .lines(input)
        .iter()
        .position(|l| l.contains(":sub"))
        .unwrap();
    for _ in 0..line {
        press(&mut p, &[KeyCode::Down]);
    }
    snap("play_pick_line", &p, &dir);
    press(&mut p, &[KeyCode::Enter]);
    // Erase `ref:refs/heads/main"` (20 characters) and type the environment subject.
    for _ in 0.."ref:refs/heads/main\"".len() {
        press(&mut p, &[KeyCode::Backspace]);
    }
    press(&mut p, &chars("environment:production\""));
    snap("play_edit_line", &p, &dir);
    press(&mut p, &[KeyCode::Enter]);
    for n in 0..10 {
        tick(&mut p, t0 + Duration::from_millis(400) * n, 0);
    }
    let Screen::Play(s) = &p.screen else { panic!() };
    assert_ne!(
        s.diagnosis.stopped_at.map(|s| s.name()),
        Some("trust"),
        "{}",
        s.diagnosis.summary
    );
    snap("play_line_repaired", &p, &dir);
}

#[test]
fn drill_attachments_viewer_hints_questions_trace_and_reveal() {
    let dir = data_dir("drill");
    let mut p = practice(&dir, Some(SLUG));
    snap("drill_ticket", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    let title = p.book.cases()[p.book.find(SLUG).unwrap()]
        .scenario
        .spec
        .title
        .clone();
    assert!(
        !screen.contains(&title),
        "the title is hidden until the reveal"
    );
    assert!(screen.contains("1. get-role.json"), "{screen}");
    // A number opens that attachment in the raw viewer.
    press(&mut p, &[KeyCode::Char('1')]);
    snap("drill_viewer", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("AssumeRolePolicyDocument"), "{screen}");
    // Two hints: which artifact, then which line (the viewer jumps to it).
    press(&mut p, &[KeyCode::Char('h')]);
    assert!(
        p.status
            .as_deref()
            .unwrap_or("")
            .contains("Hint: the proof is in"),
        "{:?}",
        p.status
    );
    press(&mut p, &[KeyCode::Char('h')]);
    snap("drill_hint_line", &p, &dir);
    let Screen::Drill(s) = &p.screen else {
        panic!()
    };
    let v = s
        .viewer
        .clone()
        .expect("the viewer is open on the cited line");
    assert!(v.mark.is_some());
    press(&mut p, &[KeyCode::Esc, KeyCode::Enter]);
    snap("drill_stage_question", &p, &dir);
    // A number moves the choice only; Enter confirms it.
    press(&mut p, &[KeyCode::Char('3')]);
    let Screen::Drill(s) = &p.screen else {
        panic!()
    };
    assert_eq!(
        s.phase,
        DrillPhase::Ask(oidc_triage::practice::DrillStep::Stage)
    );
    assert_eq!(s.cursor, 2);
    press(&mut p, &[KeyCode::Enter]);
    snap("drill_cause_question", &p, &dir);
    pick(&mut p, 1);
    pick(&mut p, 1);
    snap("drill_locked", &p, &dir);
    let effects = press(&mut p, &[KeyCode::Char('t')]);
    match &effects[0] {
        PracticeEffect::Trace { diagnosis, source } => {
            assert_eq!(diagnosis.stopped_at.map(|s| s.name()), Some("trust"));
            assert!(source.contains(SLUG));
        }
        other => panic!("expected Trace, got {other:?}"),
    }
    snap("drill_reveal", &p, &dir);
    let buffer = draw(&p, 160, 48);
    let screen = text(&buffer, &dir);
    assert!(screen.contains(&title), "the reveal names it");
    assert!(screen.contains("2 hints"), "{screen}");
    let (x, y) = find(&buffer, "✓ stage: Trust").expect("stage right");
    assert_eq!(buffer[(x, y)].fg, Color::Green);
    assert_eq!(progress_json(&dir)["scenarios"][SLUG]["attempts"], 1);
    assert!(screen.contains("saved to $DATA"), "{screen}");
    let effects = press(&mut p, &[KeyCode::Char('c')]);
    match &effects[0] {
        PracticeEffect::Copy { text, what } => {
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
    let mut p = practice(&dir, Some(SLUG));
    press(&mut p, &[KeyCode::Enter]);
    pick(&mut p, 3);
    pick(&mut p, 1);
    pick(&mut p, 1);
    press(&mut p, &[KeyCode::Enter]);
    assert!(text(&draw(&p, 80, 24), &dir).contains("Reveal ·"));
    press(&mut p, &[KeyCode::Enter]);
    snap("drill_own_question", &p, &dir);
    let Screen::Drill(s) = &p.screen else {
        panic!("not a drill: {:?}", p.screen)
    };
    assert_eq!(s.phase, DrillPhase::Question(0));
    let q = &s.questions.questions[0];
    let right = q.answer;
    assert_eq!(
        q.options[right],
        "repo:acme/payments-api:environment:production"
    );
    let wrong = (right + 1) % q.options.len();
    pick(&mut p, wrong as u8 + 1);
    snap("drill_own_question_answered", &p, &dir);
    let buffer = draw(&p, 160, 48);
    let screen = text(&buffer, &dir);
    assert!(screen.contains("← the right answer"), "{screen}");
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
    let v = progress_json(&dir);
    assert_eq!(v["scenarios"][SLUG]["questions_last"]["correct"], 0);
    assert_eq!(v["topics"]["scenario"]["asked"], 1);
    press(&mut p, &[KeyCode::Enter]);
    let Screen::Drill(s) = &p.screen else {
        panic!()
    };
    assert_eq!(s.phase, DrillPhase::Ticket);
    assert_ne!(s.drill.slug, SLUG);
}

#[test]
fn random_ticket_picks_an_unsolved_one() {
    let dir = data_dir("random");
    let mut p = practice(&dir, None);
    pick(&mut p, 4);
    let Screen::Drill(s) = &p.screen else {
        panic!("{:?}", p.screen)
    };
    assert!(s.random);
    assert!(text(&draw(&p, 80, 24), &dir).contains("random ticket"));
}

#[test]
fn wrap_up_marks_the_right_option_in_place_and_reviews_the_misses() {
    let dir = data_dir("wrapup");
    let mut p = practice(&dir, None);
    pick(&mut p, 5);
    snap("wrapup_question", &p, &dir);
    // A number alone records nothing.
    press(&mut p, &[KeyCode::Char('2')]);
    let Screen::WrapUp(w) = &p.screen else {
        panic!("{:?}", p.screen)
    };
    assert!(!w.answered && w.quiz.answers[0].is_none());
    // Answer the first one wrong on purpose.
    let wrong = (w.quiz.questions[0].answer + 1) % 4;
    pick(&mut p, wrong as u8 + 1);
    snap("wrapup_answered_wrong", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("← the right answer"), "{screen}");
    assert!(screen.contains("← your answer"), "{screen}");
    assert!(screen.contains("Why: "), "{screen}");
    let mut scenario_questions = 0;
    for _ in 0..9 {
        press(&mut p, &[KeyCode::Enter]);
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
        pick(&mut p, 1);
    }
    assert!(scenario_questions > 0, "no scenario question to snapshot");
    press(&mut p, &[KeyCode::Enter]);
    snap("wrapup_result_review", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("Review: the"), "{screen}");
    assert!(screen.contains("right:"), "{screen}");
    let v = progress_json(&dir);
    assert_eq!(v["wrap_ups"][0]["total"], 10);
    assert!(v["boxes"].as_object().unwrap().len() >= 10, "{v}");
    // The next wrap-up asks a missed one first.
    let missed: Vec<String> = match &p.screen {
        Screen::WrapUp(w) => w
            .quiz
            .missed()
            .iter()
            .map(|&i| w.quiz.questions[i].question.id.clone())
            .collect(),
        _ => panic!(),
    };
    press(&mut p, &[KeyCode::Char('r')]);
    let Screen::WrapUp(w) = &p.screen else {
        panic!()
    };
    assert!(
        w.quiz
            .questions
            .iter()
            .any(|q| missed.contains(&q.question.id))
    );
}

#[test]
fn own_words_prompts_typing_check_and_model_answer() {
    let dir = data_dir("words");
    let mut p = practice(&dir, None);
    pick(&mut p, 6);
    snap("words_prompts", &p, &dir);
    press(&mut p, &[KeyCode::Enter]);
    let typed = "No keys are stored: GitHub signs a short-lived OIDC token and the cloud trust policy checks its subject; q";
    let effects = press(&mut p, &chars(typed));
    assert!(effects.is_empty(), "q types, it does not quit");
    press(
        &mut p,
        &[KeyCode::Backspace, KeyCode::Backspace, KeyCode::Backspace],
    );
    snap("words_typing", &p, &dir);
    press(&mut p, &[KeyCode::Enter]);
    snap("words_checked", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("✗ audit log"), "{screen}");
    assert!(screen.contains("✓ trust policy"), "{screen}");
    assert!(screen.contains("Model answer:"), "{screen}");
    // The salad does not pass.
    press(&mut p, &[KeyCode::Enter]);
    press(&mut p, &[KeyCode::Char('u')]);
    let mut p = practice(&dir, None);
    pick(&mut p, 6);
    press(&mut p, &[KeyCode::Enter]);
    press(
        &mut p,
        &chars(
            "not token not short-lived no trust policy no role no temporary credentials no subject no audience no audit log stored keys",
        ),
    );
    press(&mut p, &[KeyCode::Enter]);
    snap("words_salad", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("not there yet"), "{screen}");
    assert!(!screen.contains("✓ no stored keys"), "{screen}");
}

#[test]
fn recall_drill_reveals_each_slot_after_its_attempt_and_scores_time() {
    let dir = data_dir("recall");
    let t0 = Instant::now();
    let mut p = practice(&dir, None);
    tick(&mut p, t0, 1_700_000_000);
    pick(&mut p, 7);
    snap("recall_stage_pick", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(!screen.contains("1. ✓"), "nothing revealed yet");
    let order = |p: &Practice| match &p.screen {
        Screen::Recall(s) => (
            s.recall.stage_order.clone(),
            s.recall.evidence_order.clone(),
        ),
        other => panic!("{other:?}"),
    };
    let (stages, evidence) = order(&p);
    for (i, stage) in oidc_triage::vocabulary::Stage::ALL.iter().enumerate() {
        tick(
            &mut p,
            t0 + Duration::from_secs(8 * (i as u64 + 1)),
            1_700_000_000,
        );
        let s = stages.iter().position(|x| x == stage).unwrap() as u8 + 1;
        pick(&mut p, s);
        if i == 0 {
            snap("recall_evidence_pick", &p, &dir);
        }
        let e = evidence.iter().position(|x| x == stage).unwrap() as u8 + 1;
        pick(&mut p, e);
        if i == 0 {
            snap("recall_first_slot_revealed", &p, &dir);
            let screen = text(&draw(&p, 160, 48), &dir);
            assert!(screen.contains("1. ✓ you: Workflow"), "{screen}");
            assert!(!screen.contains("you: Token"), "{screen}");
        }
    }
    snap("recall_done", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(
        screen.contains("Score: 5/5 stages in order, 5/5 evidence, 40 s"),
        "{screen}"
    );
    let v = progress_json(&dir);
    assert_eq!(v["recalls"][0]["seconds"], 40);
    // Out of time: the rest stay empty.
    pick(&mut p, 1);
    tick(&mut p, t0 + Duration::from_secs(41), 0);
    tick(&mut p, t0 + Duration::from_secs(200), 0);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("time!"), "{screen}");
}

#[test]
fn progress_screen_shows_mastery_by_topic_and_stage() {
    let dir = data_dir("progress");
    let mut p = practice(&dir, Some(SLUG));
    press(&mut p, &[KeyCode::Enter]);
    pick(&mut p, 3);
    pick(&mut p, 1);
    pick(&mut p, 1);
    press(&mut p, &[KeyCode::Enter, KeyCode::Esc, KeyCode::Esc]);
    pick(&mut p, 8);
    snap("progress", &p, &dir);
    let screen = text(&draw(&p, 160, 48), &dir);
    assert!(screen.contains("Mastery by stage"), "{screen}");
    assert!(screen.contains("100% (1/1)"), "{screen}");
    assert!(screen.contains("Mastery by topic"), "{screen}");
}

#[test]
fn update_writes_nothing_until_the_host_performs_the_save() {
    let dir = data_dir("effects");
    let mut p = practice(&dir, Some(SLUG));
    let mut effects = Vec::new();
    for k in [
        KeyCode::Enter,
        KeyCode::Char('3'),
        KeyCode::Enter,
        KeyCode::Enter,
        KeyCode::Enter,
        KeyCode::Enter,
    ] {
        effects.extend(handle_event(&mut p, &key(k)));
    }
    assert!(
        matches!(effects.as_slice(), [PracticeEffect::Save(_)]),
        "{effects:?}"
    );
    assert!(
        !dir.join("progress.json").exists(),
        "update itself wrote a file"
    );
    let rest = perform_store(&mut p, effects);
    assert!(rest.is_empty());
    assert!(dir.join("progress.json").exists());
    assert!(p.save_note.as_deref().unwrap_or("").starts_with("saved to"));
}

#[test]
fn reset_confirm_and_leave_and_quit() {
    let dir = data_dir("reset");
    let mut p = practice(&dir, None);
    press(&mut p, &[KeyCode::Char('0'), KeyCode::Enter]);
    snap("reset_confirm", &p, &dir);
    press(&mut p, &[KeyCode::Char('y')]);
    assert!(text(&draw(&p, 80, 24), &dir).contains("no progress to reset"));
    assert!(matches!(
        press(&mut p, &[KeyCode::Esc])[0],
        PracticeEffect::Leave
    ));
    assert!(matches!(
        press(&mut p, &[KeyCode::Char('q')])[0],
        PracticeEffect::Quit
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
    let mut p = practice(&dir, Some(SLUG));
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10)] {
        draw(&p, w, h);
    }
    press(&mut p, &[KeyCode::Char('1')]);
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10)] {
        draw(&p, w, h);
    }
    press(&mut p, &[KeyCode::Esc, KeyCode::Enter]);
    pick(&mut p, 3);
    pick(&mut p, 1);
    pick(&mut p, 1);
    press(&mut p, &[KeyCode::Enter]);
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10)] {
        draw(&p, w, h);
    }
}
