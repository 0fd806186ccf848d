//! The triage TUI, in The Elm Architecture: one [`App`] state, one [`Message`] enum,
//! [`update`] (which returns the [`Effect`]s it wants) and a pure [`view()`]. `run` owns
//! the terminal, the background [`worker`] and the [`clipboard`]: it restores the
//! terminal on every exit path (ratatui's init installs a panic hook that does so; ours
//! turns mouse reporting and bracketed paste off first).

mod app;
pub mod clipboard;
pub mod editor;
pub mod practice;
mod strings;
pub mod view;
pub mod worker;

use std::io::{self, Write};
use std::time::{Duration, Instant};

pub use app::{
    App, Effect, Message, Overlay, Pane, Running, Search, Status, WhatIfEditor, focus_stage,
    human_bytes, one_line_summary, update,
};
use crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use crossterm::execute;
pub use strings::KEYS;
pub use view::view;

use clipboard::Clipboard;
use worker::Worker;

/// Options for a TUI session.
#[derive(Clone, Copy, Debug, Default)]
pub struct TuiOptions {
    /// Leave the mouse to the terminal (text selection).
    pub no_mouse: bool,
}

/// How often the screen refreshes while nothing happens (spinner, progress).
const TICK: Duration = Duration::from_millis(100);
/// This many keys arriving in one read are a paste from a terminal without bracketed
/// paste, not typing: they become one paste rather than commands (a token's `q` must
/// never quit).
pub const PASTE_BURST_KEYS: usize = 12;
/// Input that pauses this long has ended (one burst, or one keypress).
const BURST_GAP: Duration = Duration::from_millis(5);
/// Within a burst, a pause shorter than this is the next chunk of the same paste.
const BURST_CONTINUES: Duration = Duration::from_millis(60);
/// A bound on one read, so a paste of megabytes still lets the screen redraw.
const MAX_EVENTS_PER_READ: usize = 1 << 20;

/// Translate a terminal event to a message, given what has the keyboard.
pub fn message_for(app: &App, event: &Event) -> Option<Message> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => key_message(app, key),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Message::Click {
                column: mouse.column,
                row: mouse.row,
            }),
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => Some(Message::Wheel {
                column: mouse.column,
                row: mouse.row,
                down: mouse.kind == MouseEventKind::ScrollDown,
            }),
            _ => None,
        },
        Event::Paste(text) => Some(Message::Paste(text.clone())),
        Event::Resize(width, height) => Some(Message::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}

fn key_message(app: &App, key: &KeyEvent) -> Option<Message> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Message::Quit);
    }
    if ctrl && key.code == KeyCode::Char('v') {
        return Some(Message::PasteFromClipboard);
    }
    if ctrl && key.code == KeyCode::Char('n') && !app.typing() {
        return Some(Message::NewIncident);
    }
    if app.typing() {
        return Some(match key.code {
            KeyCode::Char('u') if ctrl => Message::ClearField,
            KeyCode::Char('a') if ctrl => Message::CursorHome,
            KeyCode::Char('e') if ctrl => Message::CursorEnd,
            KeyCode::Char(c) => Message::Char(c),
            KeyCode::Backspace => Message::Backspace,
            KeyCode::Delete => Message::Delete,
            KeyCode::Left => Message::CursorLeft,
            KeyCode::Right => Message::CursorRight,
            KeyCode::Home => Message::CursorHome,
            KeyCode::End => Message::CursorEnd,
            KeyCode::Enter => Message::Submit,
            KeyCode::Esc => Message::Back,
            _ => return None,
        });
    }
    if let Overlay::NewIncident(_) = app.overlay {
        return Some(match key.code {
            KeyCode::Enter | KeyCode::Char('n') => Message::Open,
            KeyCode::Char('s') => Message::AddToSample,
            KeyCode::Esc => Message::Back,
            KeyCode::Char('q') => Message::Quit,
            _ => return None,
        });
    }
    if let Overlay::WhatIf(_) = app.overlay {
        return Some(match key.code {
            KeyCode::Char('p') => Message::PullRequestSubject,
            KeyCode::Char('x') | KeyCode::Delete => Message::RemoveClaim,
            KeyCode::Char('r') => Message::ResetWhatIf,
            KeyCode::Char('w') | KeyCode::Esc => Message::Back,
            KeyCode::Char('q') => Message::Quit,
            KeyCode::Down | KeyCode::Char('j') => Message::ScrollDown,
            KeyCode::Up | KeyCode::Char('k') => Message::ScrollUp,
            KeyCode::Enter => Message::Open,
            KeyCode::Char('?') => Message::ToggleHelp,
            _ => return None,
        });
    }
    Some(match key.code {
        KeyCode::Char('q') => Message::Quit,
        KeyCode::Left | KeyCode::Char('h') => Message::PreviousStage,
        KeyCode::Right | KeyCode::Char('l') => Message::NextStage,
        KeyCode::Char(c @ '1'..='5') => {
            Message::SelectStage(crate::vocabulary::Stage::ALL[usize::from(c as u8 - b'1')])
        }
        KeyCode::Tab => Message::FocusNext,
        KeyCode::BackTab => Message::FocusPrevious,
        KeyCode::Down | KeyCode::Char('j') => Message::ScrollDown,
        KeyCode::Up | KeyCode::Char('k') => Message::ScrollUp,
        KeyCode::PageDown | KeyCode::Char(' ') => Message::PageDown,
        KeyCode::PageUp => Message::PageUp,
        KeyCode::Home | KeyCode::Char('g') => Message::Top,
        KeyCode::End | KeyCode::Char('G') => Message::Bottom,
        KeyCode::Enter => Message::Open,
        KeyCode::Esc => Message::Back,
        KeyCode::Char('?') => Message::ToggleHelp,
        KeyCode::Char('a') => Message::OpenAddEvidence,
        KeyCode::Char('v') => Message::PasteFromClipboard,
        KeyCode::Char('d') | KeyCode::Delete => Message::RemoveArtifact,
        KeyCode::Char('u') => Message::Undo,
        KeyCode::Char('c') => Message::CopyReport,
        KeyCode::Char('y') => Message::CopySummary,
        KeyCode::Char('/') => Message::StartSearch,
        KeyCode::Char('n') => Message::NextMatch,
        KeyCode::Char('N') => Message::PreviousMatch,
        KeyCode::Char('w') => Message::OpenWhatIf,
        KeyCode::Char('r') => Message::ResetWhatIf,
        KeyCode::Char('p') => Message::OpenPractice,
        _ => return None,
    })
}

/// A bracketed paste is data up to its end marker, and so is whatever follows that
/// marker in the same read: a paste holding `ESC[201~q` ends early in the terminal's
/// parser, and the `q` after it must not quit. Keys after a paste in one read join
/// it (as the characters they type); mouse and resize events stay events.
pub fn coalesce_paste(events: &[Event]) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut paste_at: Option<usize> = None;
    for event in events {
        match (event, paste_at) {
            (Event::Paste(text), None) => {
                paste_at = Some(out.len());
                out.push(Event::Paste(text.clone()));
            }
            (Event::Paste(more), Some(i)) => {
                if let Some(Event::Paste(text)) = out.get_mut(i) {
                    text.push_str(more);
                }
            }
            (Event::Key(key), Some(i)) => {
                let typed = match key.code {
                    _ if key.kind == KeyEventKind::Release => None,
                    KeyCode::Char(c) => Some(c),
                    KeyCode::Enter => Some('\n'),
                    KeyCode::Tab => Some('\t'),
                    _ => None,
                };
                if let (Some(c), Some(Event::Paste(text))) = (typed, out.get_mut(i)) {
                    text.push(c);
                }
            }
            (other, _) => out.push(other.clone()),
        }
    }
    out
}

/// Turn one read of events into messages. A burst of plain keys is a paste from a
/// terminal that has no bracketed paste: it becomes one [`Message::Paste`]; keys that
/// follow a bracketed paste in the same read are part of it ([`coalesce_paste`]).
pub fn messages_for(app: &App, events: &[Event]) -> Vec<Message> {
    let coalesced;
    let events = if events.iter().any(|e| matches!(e, Event::Paste(_))) {
        coalesced = coalesce_paste(events);
        &coalesced[..]
    } else {
        events
    };
    if is_burst(events) {
        let text: String = events
            .iter()
            .filter_map(|e| match e {
                Event::Key(k) if k.kind != KeyEventKind::Release => Some(match k.code {
                    KeyCode::Char(c) => c,
                    KeyCode::Tab => '\t',
                    _ => '\n',
                }),
                _ => None,
            })
            .collect();
        return vec![Message::Paste(text)];
    }
    events.iter().filter_map(|e| message_for(app, e)).collect()
}

/// Many plain keys at once: a paste, not typing.
fn is_burst(events: &[Event]) -> bool {
    let typed: Vec<&KeyEvent> = events
        .iter()
        .filter_map(|e| match e {
            Event::Key(k) if k.kind != KeyEventKind::Release => Some(k),
            _ => None,
        })
        .collect();
    let plain = |k: &KeyEvent| {
        matches!(k.code, KeyCode::Char(_) | KeyCode::Enter | KeyCode::Tab)
            && !k.modifiers.contains(KeyModifiers::CONTROL)
    };
    typed.len() >= PASTE_BURST_KEYS && typed.iter().all(|k| plain(k))
}

/// Which screen has the keyboard.
enum Screen {
    Triage,
    Practice,
}

/// The screens of one session: the triage app, practice mode once opened, and the
/// triage app a practice trace replaced (Esc brings practice back).
struct Session {
    app: App,
    practice: Option<Box<practice::Practice>>,
    screen: Screen,
    /// Practice was opened from the triage screen (its Esc goes back there).
    practice_from_triage: bool,
    /// The triage app under a practice trace.
    traced_over: Option<App>,
}

/// Run the TUI until the user quits. `initial` are effects to perform first (the
/// diagnosis of the inputs named on the command line).
pub fn run(app: App, initial: Vec<Effect>, options: TuiOptions) -> io::Result<()> {
    let session = Session {
        app,
        practice: None,
        screen: Screen::Triage,
        practice_from_triage: false,
        traced_over: None,
    };
    run_session(session, initial, options)
}

/// Run practice mode (`oidc-triage practice`) until the user quits.
pub fn run_practice(practice: practice::Practice, options: TuiOptions) -> io::Result<()> {
    let options_for_app = crate::diagnosis::DiagnoseOptions::default();
    let empty =
        crate::diagnosis::diagnose(&[] as &[crate::evidence::Input], &options_for_app, || {
            crate::clock::Clock::fixed(0)
        });
    let session = Session {
        app: App::new(empty, "practice", Vec::new(), options_for_app),
        practice: Some(Box::new(practice)),
        screen: Screen::Practice,
        practice_from_triage: false,
        traced_over: None,
    };
    run_session(session, Vec::new(), options)
}

/// A practice session's seed: different every run, so drills and the wrap-up vary.
pub fn practice_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
}

fn run_session(mut session: Session, initial: Vec<Effect>, options: TuiOptions) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let _ = execute!(io::stdout(), EnableBracketedPaste);
    if !options.no_mouse {
        let _ = execute!(io::stdout(), EnableMouseCapture);
    }
    // ratatui's hook restores the screen; mouse reporting and bracketed paste are ours
    // to turn off, on a panic too, before that hook runs.
    let restore = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
        restore(info);
    }));
    let result = (|| -> io::Result<()> {
        let worker = Worker::start()?;
        let mut clipboard = Clipboard::new();
        let size = terminal.size()?;
        update(
            &mut session.app,
            Message::Resize {
                width: size.width,
                height: size.height,
            },
        );
        let mut pending: Vec<Effect> = initial;
        let mut last_tick = Instant::now();
        loop {
            for effect in std::mem::take(&mut pending) {
                if let Effect::OpenPractice = effect {
                    open_practice(&mut session);
                    continue;
                }
                let follow = perform(effect, &worker, &mut clipboard);
                for message in follow {
                    pending.extend(update(&mut session.app, message));
                }
            }
            if !pending.is_empty() {
                continue;
            }
            let quit = match (&session.screen, &session.practice) {
                (Screen::Practice, Some(p)) => {
                    terminal.draw(|frame| {
                        practice::view(p, frame);
                        view::gate_buffer(frame.buffer_mut());
                    })?;
                    false
                }
                _ => {
                    terminal.draw(|frame| view(&session.app, frame))?;
                    session.app.quit
                }
            };
            if quit {
                return Ok(());
            }
            let mut events = Vec::new();
            if event::poll(TICK)? {
                events.push(event::read()?);
                // A paste without bracketed paste arrives as keys in chunks a few
                // milliseconds apart: gather until the input pauses, so the chunks make
                // one paste (people type tens of milliseconds apart).
                while events.len() < MAX_EVENTS_PER_READ && event::poll(BURST_GAP)? {
                    events.push(event::read()?);
                }
                // A burst continues across the terminal's write chunks: keep gathering
                // while it keeps coming.
                if is_burst(&events) {
                    while events.len() < MAX_EVENTS_PER_READ && event::poll(BURST_CONTINUES)? {
                        events.push(event::read()?);
                    }
                }
            }
            match session.screen {
                Screen::Practice => {
                    if practice_events(&mut session, &events, &mut clipboard, &mut pending) {
                        return Ok(());
                    }
                }
                Screen::Triage => {
                    for message in messages_for(&session.app, &events) {
                        if back_to_practice(&session, &message) {
                            if let Some(app) = session.traced_over.take() {
                                session.app = app;
                            }
                            session.screen = Screen::Practice;
                            continue;
                        }
                        pending.extend(update(&mut session.app, message));
                    }
                }
            }
            if let Some(progress) = worker.progress() {
                update(&mut session.app, Message::Progress(progress));
            }
            while let Some(done) = worker.try_done() {
                pending.extend(update(&mut session.app, Message::Diagnosed(Box::new(done))));
            }
            if last_tick.elapsed() >= TICK {
                last_tick = Instant::now();
                update(&mut session.app, Message::Tick);
                // The run loop reads the clock; practice's update only receives it.
                let effects = match session.practice.as_deref_mut() {
                    Some(p) => practice::tick(p, Instant::now(), unix_now()),
                    None => Vec::new(),
                };
                if practice_effects(&mut session, effects, &mut clipboard, &mut pending) {
                    return Ok(());
                }
            }
        }
    })();
    let _ = execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
    result
}

/// `p` on the triage screen: practice mode on the built-in scenarios.
fn open_practice(session: &mut Session) {
    if session.practice.is_none() {
        let (scenarios, _errors) = crate::scenario::library(None);
        session.practice = Some(Box::new(practice::Practice::new(
            scenarios,
            crate::practice::default_progress_path(),
            None,
            practice_seed(),
        )));
    }
    session.practice_from_triage = session.traced_over.is_none();
    session.screen = Screen::Practice;
}

/// On a practice trace, Esc (with nothing left to close) or `p` returns to practice.
fn back_to_practice(session: &Session, message: &Message) -> bool {
    let app = &session.app;
    let nothing_open = app.overlay == Overlay::None && app.search.is_none();
    session.traced_over.is_some()
        && nothing_open
        && (matches!(message, Message::OpenPractice)
            || (matches!(message, Message::Back) && app.focus == Pane::Stages))
}

/// Events on the practice screen; true when the session should end.
fn practice_events(
    session: &mut Session,
    events: &[Event],
    clipboard: &mut Clipboard,
    pending: &mut Vec<Effect>,
) -> bool {
    for event in &coalesce_paste(events) {
        if let Event::Resize(width, height) = event {
            update(
                &mut session.app,
                Message::Resize {
                    width: *width,
                    height: *height,
                },
            );
        }
        let Some(p) = session.practice.as_deref_mut() else {
            return true;
        };
        let effects = practice::handle_event(p, event);
        if practice_effects(session, effects, clipboard, pending) {
            return true;
        }
    }
    false
}

/// Unix seconds now, for practice's dates (the wall clock is read here, in the run
/// loop, never in practice's `update`).
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Carry out practice's effects: the progress file (through `perform_store`), the
/// clipboard, a trace in the triage view, leaving; true when the session should end.
fn practice_effects(
    session: &mut Session,
    effects: Vec<practice::PracticeEffect>,
    clipboard: &mut Clipboard,
    pending: &mut Vec<Effect>,
) -> bool {
    let Some(p) = session.practice.as_deref_mut() else {
        return false;
    };
    for effect in practice::perform_store(p, effects) {
        match effect {
            practice::PracticeEffect::Quit => return true,
            practice::PracticeEffect::Leave => {
                if session.practice_from_triage {
                    session.screen = Screen::Triage;
                } else {
                    return true;
                }
            }
            practice::PracticeEffect::Trace { diagnosis, source } => {
                let (width, height) = (session.app.width, session.app.height);
                let mut traced = App::new(
                    *diagnosis,
                    source,
                    Vec::new(),
                    crate::diagnosis::DiagnoseOptions::default(),
                );
                update(&mut traced, Message::Resize { width, height });
                traced.status = Some(Status {
                    text: "tracing a practice ticket: Esc returns to the drill".to_owned(),
                    error: false,
                });
                let previous = std::mem::replace(&mut session.app, traced);
                session.traced_over.get_or_insert(previous);
                session.screen = Screen::Triage;
                pending.clear();
            }
            practice::PracticeEffect::Copy { text, what } => {
                let mut stdout = io::stdout();
                let said = match clipboard.copy(&crate::text::gate(&text), &mut stdout) {
                    Ok(route) => format!("copied {what} {}", route.describe()),
                    Err(why) => format!("could not copy {what}: {why}"),
                };
                let _ = stdout.flush();
                if let Some(p) = session.practice.as_deref_mut() {
                    p.set_status(said);
                }
            }
            // `perform_store` carried these out.
            practice::PracticeEffect::Save(_) | practice::PracticeEffect::ResetProgress => {}
        }
    }
    false
}

/// Carry out one effect; what it yields comes back as messages.
fn perform(effect: Effect, worker: &Worker, clipboard: &mut Clipboard) -> Vec<Message> {
    match effect {
        Effect::Diagnose(job) => {
            worker.submit(job);
            Vec::new()
        }
        Effect::Copy { text, what } => {
            let mut stdout = io::stdout();
            let result = clipboard
                .copy(&text, &mut stdout)
                .map(|route| route.describe().to_owned());
            let _ = stdout.flush();
            vec![Message::Copied { what, result }]
        }
        Effect::ReadClipboard => vec![Message::ClipboardText(clipboard.paste())],
        Effect::OpenPractice => vec![Message::Copied {
            what: "practice".to_owned(),
            result: Err("start it with `oidc-triage practice`".to_owned()),
        }],
    }
}

#[cfg(test)]
mod paste_tests {
    use super::*;

    fn key(c: char) -> Event {
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn app() -> App {
        let inputs = crate::sample::sample_inputs();
        let options = crate::sample::sample_options();
        App::new(
            crate::diagnosis::diagnose_inputs(&inputs, &options),
            "sample",
            inputs,
            options,
        )
    }

    #[test]
    fn a_key_after_a_paste_end_marker_in_the_same_read_is_data() {
        // The terminal's parser ends the paste at an `ESC[201~` inside it; the `q` that
        // follows in the same read must not quit.
        let events = [Event::Paste("eyJhbGciOi".to_owned()), key('q'), key('x')];
        let messages = messages_for(&app(), &events);
        assert!(
            !messages.iter().any(|m| matches!(m, Message::Quit)),
            "a key after the paste ran as a command"
        );
        assert!(matches!(&messages[..], [Message::Paste(t)] if t == "eyJhbGciOiqx"));
    }

    #[test]
    fn a_key_in_its_own_read_is_still_a_command() {
        assert!(matches!(
            &messages_for(&app(), &[key('q')])[..],
            [Message::Quit]
        ));
    }

    #[test]
    fn resize_after_a_paste_is_still_a_resize() {
        let events = [
            Event::Paste("x".to_owned()),
            Event::Resize(100, 30),
            key('q'),
        ];
        let out = coalesce_paste(&events);
        assert!(matches!(&out[..], [Event::Paste(t), Event::Resize(100, 30)] if t == "xq"));
    }
}
