//! Property tests for the front ends' own handling of untrusted input: what a user
//! pastes or types into the TUI, the practice progress file left on disk, and the
//! scenario folders users add with `--scenarios`.
//!
//! Index: what each property protects.
//! - `wrap_fits_the_width_and_loses_nothing`: the detail pane's wrapper never draws
//!   past the pane and never drops a character (nothing cut silently).
//! - `any_session_of_messages_never_panics_or_leaks_controls`: random keys, pastes
//!   (including escape sequences and binary noise), clicks, wheel and resizes — to tiny
//!   sizes too — on the sample incident, with the diagnoses run: `update` and `view`
//!   never panic and no control character reaches the screen buffer.
//! - `a_progress_file_of_any_bytes_loads_or_is_set_aside`: a damaged progress file is
//!   a warning and set aside, never a crash and never lost.
//! - `a_scenario_of_any_text_is_an_error_not_a_panic`: a user's broken `scenario.toml`
//!   is reported.

#![cfg(feature = "tui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use oidc_triage::clock::Clock;
use oidc_triage::diagnosis::diagnose;
use oidc_triage::practice::ProgressStore;
use oidc_triage::sample::{sample_inputs, sample_options};
use oidc_triage::scenario::Scenario;
use oidc_triage::tui::view::wrap::{Row, wrap};
use oidc_triage::tui::worker;
use oidc_triage::tui::{App, Effect, Message, update, view};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::text::Span;
use unicode_width::UnicodeWidthStr;

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        Just(Message::NextStage),
        Just(Message::PreviousStage),
        Just(Message::ScrollDown),
        Just(Message::PageDown),
        Just(Message::Bottom),
        Just(Message::FocusNext),
        Just(Message::FocusPrevious),
        Just(Message::Open),
        Just(Message::Back),
        Just(Message::ToggleHelp),
        Just(Message::OpenAddEvidence),
        Just(Message::RemoveArtifact),
        Just(Message::StartSearch),
        Just(Message::NextMatch),
        Just(Message::PreviousMatch),
        Just(Message::OpenWhatIf),
        Just(Message::PullRequestSubject),
        Just(Message::RemoveClaim),
        Just(Message::ResetWhatIf),
        Just(Message::Submit),
        Just(Message::Backspace),
        Just(Message::ClearField),
        Just(Message::Tick),
        any::<char>().prop_map(Message::Char),
        ".{0,200}".prop_map(Message::Paste),
        prop::collection::vec(any::<u8>(), 0..300)
            .prop_map(|b| Message::Paste(String::from_utf8_lossy(&b).into_owned())),
        Just(Message::Paste(
            "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{9b}31m\u{202e}evil".to_owned()
        )),
        (0u16..200, 0u16..60).prop_map(|(column, row)| Message::Click { column, row }),
        (0u16..200, 0u16..60, any::<bool>()).prop_map(|(column, row, down)| Message::Wheel {
            column,
            row,
            down
        }),
        (0u16..200, 0u16..60).prop_map(|(width, height)| Message::Resize { width, height }),
    ]
}

fn sample_app() -> App {
    let inputs = sample_inputs();
    let diagnosis = diagnose(&inputs, &sample_options(), || Clock::fixed(1_772_446_500));
    App::new(diagnosis, "sample", inputs, sample_options())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn wrap_fits_the_width_and_loses_nothing(
        text in "[ a-zA-Z0-9:/._\\-é日本→]{0,300}",
        width in 2u16..120,
        indent in 0u16..40,
    ) {
        let row = Row::new(vec![Span::raw(text.clone())], indent);
        let lines = wrap(&row, width);
        let mut kept = String::new();
        for line in &lines {
            let drawn: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            prop_assert!(drawn.width() <= usize::from(width), "{drawn:?} wider than {width}");
            kept.push_str(&drawn);
        }
        let visible = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
        prop_assert_eq!(visible(&kept), visible(&text));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_session_of_messages_never_panics_or_leaks_controls(
        messages in prop::collection::vec(message(), 1..40)
    ) {
        let mut app = sample_app();
        for message in messages {
            for effect in update(&mut app, message) {
                if let Effect::Diagnose(mut job) = effect {
                    job.options.now = Some(1_772_446_500);
                    update(&mut app, Message::Diagnosed(Box::new(worker::run(job))));
                }
            }
            let (w, h) = (app.width.min(200), app.height.min(60));
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal.draw(|frame| view(&app, frame)).unwrap();
            for cell in terminal.backend().buffer().content() {
                prop_assert!(
                    !cell.symbol().chars().any(char::is_control),
                    "control character {:?} on screen", cell.symbol()
                );
            }
        }
    }

    #[test]
    fn a_progress_file_of_any_bytes_loads_or_is_set_aside(
        bytes in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        std::fs::write(&path, &bytes).unwrap();
        let store = ProgressStore::new(path.clone());
        let (_progress, warning) = store.load().expect("a damaged file is a warning, not an error");
        if warning.is_some() {
            // Set aside, with its bytes, never deleted.
            let aside: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with("progress.json.corrupt-"))
                .collect();
            prop_assert_eq!(aside.len(), 1);
            prop_assert_eq!(std::fs::read(aside[0].path()).unwrap(), bytes);
        }
    }

    #[test]
    fn a_scenario_of_any_text_is_an_error_not_a_panic(
        toml_text in ".{0,400}",
        artifact in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = Scenario::from_files("user-case", &toml_text, vec![("token.txt".to_owned(), artifact)]);
    }
}
