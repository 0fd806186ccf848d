//! Practice mode's screens, over `crate::practice`, in The Elm Architecture like the
//! triage screen: one [`Practice`] state, one [`PracticeMessage`] enum, [`update`]
//! returning the [`PracticeEffect`]s it wants, and a pure [`view`].
//!
//! `update` is pure in the sense the triage screen is: it writes no file and reads no
//! clock. Time arrives in [`PracticeMessage::Tick`] (an `Instant` for animations and the
//! recall drill's timer, Unix seconds for the progress file's dates), sent by the host
//! about every 100 ms; saving and resetting the progress file are effects
//! ([`PracticeEffect::Save`], [`PracticeEffect::ResetProgress`]) that [`perform_store`]
//! carries out and answers with [`PracticeMessage::Saved`] / [`PracticeMessage::ResetDone`].
//! The host (in `tui`) owns the terminal, the clipboard and the triage screen.
//!
//! Keys: everywhere, a number key moves the choice to that option and Enter confirms it,
//! so a stray digit never records an answer.
//!
//! Screens: the menu, the lesson, pickers, play/break on the real engine, drill a ticket
//! (with the raw artifact viewer and hints, then the scenario's own questions), the
//! wrap-up (with a review of what was missed), "in your own words", the recall-first
//! 90-second drill, progress (mastery by topic and stage) and the reset confirmation.

mod doc;
mod drill;
mod play;
mod screens;
mod view;
mod view_drill;
mod view_play;
mod view_words;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};

use crate::diagnosis::Diagnosis;
use crate::practice::{
    ArtifactText, Bank, Bench, Casebook, Drill, DrillAnswers, Fault, Lesson, OwnWordsPrompt,
    Progress, ProgressStore, Recall, RubricCheck, WrapUp, builtin_bank, builtin_lesson,
    builtin_prompts,
};
use crate::scenario::Scenario;

pub use drill::DrillPhase;
pub use play::PlayMode;
pub use view::view;

/// How long each stage takes to light up in play/break.
pub const PLAY_STEP: Duration = Duration::from_millis(400);
/// The longest typed answer or edit kept (a sentence or a policy line, generously).
const MAX_INPUT: usize = 600;

/// What the host should do after a message.
#[derive(Debug)]
pub enum PracticeEffect {
    Quit,
    /// Back to the triage screen when practice was opened from it.
    Leave,
    /// Open the real triage view on this diagnosis; Esc there returns to practice.
    Trace {
        diagnosis: Box<Diagnosis>,
        source: String,
    },
    /// Put `text` on the clipboard; `what` names it for the status line.
    Copy {
        text: String,
        what: String,
    },
    /// Write this progress to the progress file; answered with [`PracticeMessage::Saved`].
    Save(Box<Progress>),
    /// Remove the progress file; answered with [`PracticeMessage::ResetDone`].
    ResetProgress,
}

/// The menu, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuItem {
    Learn,
    PlayBreak,
    Drill,
    RandomDrill,
    WrapUp,
    OwnWords,
    Recall,
    Progress,
    TeachFriend,
    Reset,
}

impl MenuItem {
    pub const ALL: [MenuItem; 10] = [
        MenuItem::Learn,
        MenuItem::PlayBreak,
        MenuItem::Drill,
        MenuItem::RandomDrill,
        MenuItem::WrapUp,
        MenuItem::OwnWords,
        MenuItem::Recall,
        MenuItem::Progress,
        MenuItem::TeachFriend,
        MenuItem::Reset,
    ];

    pub fn label(self) -> &'static str {
        match self {
            MenuItem::Learn => "Learn",
            MenuItem::PlayBreak => "Play / Break",
            MenuItem::Drill => "Drill a ticket",
            MenuItem::RandomDrill => "Random ticket",
            MenuItem::WrapUp => "Wrap-up assessment",
            MenuItem::OwnWords => "In your own words",
            MenuItem::Recall => "90-second drill",
            MenuItem::Progress => "Progress",
            MenuItem::TeachFriend => "Teach a friend",
            MenuItem::Reset => "Reset progress",
        }
    }

    pub fn blurb(self) -> &'static str {
        match self {
            MenuItem::Learn => {
                "the path as a short lesson: why federation, five components, glossary, safe rollout"
            }
            MenuItem::PlayBreak => {
                "break a path yourself (a fault, a claim, a policy line); the engine says where it stops"
            }
            MenuItem::Drill => {
                "read a ticket and its raw attachments, pick stage, cause and fix, then the reveal"
            }
            MenuItem::RandomDrill => "a ticket you have not solved yet, chosen for you",
            MenuItem::WrapUp => "10 questions, missed topics first, pass at 70%, then a review",
            MenuItem::OwnWords => "explain it in a sentence; the check reads negation and order",
            MenuItem::Recall => {
                "name the five stages in order and what proves each, against the clock"
            }
            MenuItem::Progress => "mastery by topic and by stage, and what is due for review",
            MenuItem::TeachFriend => "copy a paste-ready summary of a scenario",
            MenuItem::Reset => "forget drill results, mastery and wrap-up scores",
        }
    }
}

/// What a scenario picker leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Play,
    Drill,
    Teach,
}

/// The raw artifact viewer over a drill's ticket and attachments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewerState {
    /// Index into the drill's artifacts (0: the ticket).
    pub artifact: usize,
    /// First line shown (0-based).
    pub top: usize,
    /// The cited line, highlighted (a hint put it there).
    pub mark: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct DrillState {
    pub case: usize,
    pub drill: Drill,
    /// The ticket and attachments as text, for the viewer.
    pub artifacts: Vec<ArtifactText>,
    pub phase: DrillPhase,
    pub answers: DrillAnswers,
    pub cursor: usize,
    /// Open over the ticket or a question.
    pub viewer: Option<ViewerState>,
    /// Hints taken (0–2: which artifact, then which line).
    pub hints: u8,
    /// The scenario's own questions, asked after the reveal (may be empty).
    pub questions: WrapUp,
    /// The current own question was answered: its why is showing.
    pub answered: bool,
    /// Chosen by "random ticket": the next one is random too.
    pub random: bool,
}

#[derive(Clone, Debug)]
pub struct WrapUpState {
    pub quiz: WrapUp,
    pub index: usize,
    pub cursor: usize,
    /// The current question was answered: its why is showing.
    pub answered: bool,
    pub done: bool,
}

/// What "in your own words" asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordsSource {
    /// One of the built-in prompts.
    Prompt(usize),
    /// Where this drilled scenario stops, and why.
    Case(usize),
}

#[derive(Clone, Debug)]
pub struct WordsState {
    pub source: WordsSource,
    pub input: String,
    pub result: Option<RubricCheck>,
}

#[derive(Clone, Debug)]
pub struct PlayState {
    pub case: usize,
    pub bench: Bench,
    pub faults: Vec<Fault>,
    /// The engine's diagnosis of the path as it is now.
    pub diagnosis: Box<Diagnosis>,
    /// The row under the cursor (faults, then the edit rows).
    pub cursor: usize,
    /// Stages shown so far of the current run (0–5): the flow advancing.
    pub lit: usize,
    /// When the next stage lights (set by the first tick after a run).
    pub next: Option<Instant>,
    pub mode: PlayMode,
    /// The path has been broken at least once on this bench.
    pub broken_once: bool,
}

#[derive(Clone, Debug)]
pub struct RecallState {
    pub recall: Recall,
    pub cursor: usize,
    pub elapsed: Duration,
    pub last: Option<Instant>,
    /// Recorded in progress once finished.
    pub recorded: bool,
}

/// The screen on show.
#[derive(Clone, Debug)]
pub enum Screen {
    Menu,
    /// Lesson pages, then the glossary as the last page.
    Lesson {
        page: usize,
    },
    Picker {
        purpose: Purpose,
        cursor: usize,
    },
    /// The own-words prompts.
    Prompts {
        cursor: usize,
    },
    Play(Box<PlayState>),
    Drill(Box<DrillState>),
    WrapUp(Box<WrapUpState>),
    Words(WordsState),
    Recall(RecallState),
    Progress,
    ConfirmReset,
}

/// Practice mode's whole state.
pub struct Practice {
    pub book: Casebook,
    pub bank: Option<Bank>,
    pub lesson: Option<Lesson>,
    pub prompts: Vec<OwnWordsPrompt>,
    /// Where progress is saved (the host writes it; `update` only asks).
    pub store: Option<ProgressStore>,
    pub progress: Progress,
    /// Problems worth showing (a corrupt progress file, a bank that failed to load).
    pub notices: Vec<String>,
    pub status: Option<String>,
    /// What the last save said ("saved to …", "not saved: …").
    pub save_note: Option<String>,
    pub seed: u64,
    /// Counts drills and wrap-ups started, so each one gets its own order.
    pub runs: u64,
    pub screen: Screen,
    pub menu: usize,
    /// The scenario last worked on (pickers start there).
    pub current: usize,
    pub scroll: u16,
    pub help: bool,
    pub quit: bool,
    /// The time of the last tick (`None` before the first).
    pub now: Option<Instant>,
    /// Unix seconds of the last tick, for dates in the progress file.
    pub unix: i64,
}

/// Everything that can happen to practice mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PracticeMessage {
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Select,
    /// A digit key: move the choice to option `n` (0-based); Enter confirms.
    Choose(usize),
    /// A screen-specific letter (`t` trace, `c` copy, `v` view, `h` hint…).
    Letter(char),
    /// Typed into a text box.
    Type(char),
    Backspace,
    ClearInput,
    Tab,
    Back,
    Help,
    Quit,
    /// Time passes: `at` for durations, `unix` for dates.
    Tick {
        at: Instant,
        unix: i64,
    },
    /// What saving the progress file said (`Ok`: the path).
    Saved(Result<String, String>),
    /// What removing it said (`Ok(false)`: there was none).
    ResetDone(Result<bool, String>),
}

impl Practice {
    /// Practice over `scenarios`. Reading the progress file happens here, before the
    /// session's loop starts; writing it is the host's job.
    pub fn new(
        scenarios: Vec<Scenario>,
        progress_path: Option<PathBuf>,
        start: Option<&str>,
        seed: u64,
    ) -> Practice {
        let mut notices = Vec::new();
        let bank = builtin_bank().map_err(|e| notices.push(e.to_string())).ok();
        let lesson = builtin_lesson()
            .map_err(|e| notices.push(e.to_string()))
            .ok();
        let prompts = builtin_prompts()
            .map_err(|e| notices.push(e.to_string()))
            .unwrap_or_default();
        let store = progress_path.map(ProgressStore::new);
        let progress = match store.as_ref().map(ProgressStore::load) {
            Some(Ok((progress, warning))) => {
                notices.extend(warning.map(|w| w.to_string()));
                progress
            }
            Some(Err(e)) => {
                notices.push(format!("{e}; progress will not be saved"));
                Progress::default()
            }
            None => Progress::default(),
        };
        let book = Casebook::new(scenarios);
        let mut p = Practice {
            book,
            bank,
            lesson,
            prompts,
            store,
            progress,
            notices,
            status: None,
            save_note: None,
            seed,
            runs: 0,
            screen: Screen::Menu,
            menu: 0,
            current: 0,
            scroll: 0,
            help: false,
            quit: false,
            now: None,
            unix: 0,
        };
        if let Some(slug) = start {
            match p.book.find(slug) {
                Some(i) => drill::open(&mut p, i, false),
                None => p.status = Some(format!("no scenario called `{slug}`; pick one below")),
            }
        }
        p
    }

    /// A status line from the host (e.g. "copied with OSC 52").
    pub fn set_status(&mut self, text: String) {
        self.status = Some(text);
    }

    /// True while a text box takes keystrokes (so `q` types a q).
    pub fn typing(&self) -> bool {
        match &self.screen {
            Screen::Words(w) => w.result.is_none(),
            Screen::Play(s) => s.mode.typing(),
            _ => false,
        }
    }

    fn next_seed(&mut self) -> u64 {
        self.runs += 1;
        self.seed
            .wrapping_add(self.runs.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    fn go(&mut self, screen: Screen) {
        self.screen = screen;
        self.scroll = 0;
    }

    /// Ask the host to save progress.
    fn save(&mut self) -> PracticeEffect {
        self.save_note = Some("saving…".to_owned());
        PracticeEffect::Save(Box::new(self.progress.clone()))
    }

    fn teach(&self, case: usize) -> Option<PracticeEffect> {
        self.book.cases().get(case).map(|c| PracticeEffect::Copy {
            text: crate::practice::teach_a_friend(c),
            what: format!("summary of {}", c.scenario.slug),
        })
    }

    fn trace(&self, case: usize) -> Option<PracticeEffect> {
        self.book.cases().get(case).map(|c| PracticeEffect::Trace {
            diagnosis: Box::new(c.diagnosis.clone()),
            source: format!("practice: {}", c.scenario.slug),
        })
    }
}

/// Translate a terminal event to a message (a text box takes printable keys).
pub fn message_for(p: &Practice, event: &Event) -> Option<PracticeMessage> {
    let Event::Key(key) = event else {
        return None;
    };
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(PracticeMessage::Quit);
    }
    if p.typing() {
        return match key.code {
            KeyCode::Char('u') if ctrl => Some(PracticeMessage::ClearInput),
            KeyCode::Char(c) if !ctrl => Some(PracticeMessage::Type(c)),
            KeyCode::Backspace => Some(PracticeMessage::Backspace),
            KeyCode::Enter => Some(PracticeMessage::Select),
            KeyCode::Esc => Some(PracticeMessage::Back),
            _ => None,
        };
    }
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => Some(PracticeMessage::Up),
        KeyCode::Down | KeyCode::Char('j') => Some(PracticeMessage::Down),
        KeyCode::Left => Some(PracticeMessage::Left),
        KeyCode::Right => Some(PracticeMessage::Right),
        KeyCode::Tab => Some(PracticeMessage::Tab),
        KeyCode::PageUp => Some(PracticeMessage::PageUp),
        KeyCode::PageDown => Some(PracticeMessage::PageDown),
        KeyCode::Enter | KeyCode::Char(' ') => Some(PracticeMessage::Select),
        KeyCode::Esc | KeyCode::Backspace => Some(PracticeMessage::Back),
        KeyCode::Char('?') => Some(PracticeMessage::Help),
        KeyCode::Char('q') => Some(PracticeMessage::Quit),
        KeyCode::Char('0') => Some(PracticeMessage::Choose(9)),
        KeyCode::Char(c @ '1'..='9') => Some(PracticeMessage::Choose(c as usize - '1' as usize)),
        KeyCode::Char(c) if c.is_ascii_lowercase() => Some(PracticeMessage::Letter(c)),
        _ => None,
    }
}

/// Handle one terminal event.
pub fn handle_event(p: &mut Practice, event: &Event) -> Vec<PracticeEffect> {
    match message_for(p, event) {
        Some(message) => update(p, message),
        None => Vec::new(),
    }
}

/// Time passes (the host calls this about every 100 ms with the clock it read).
pub fn tick(p: &mut Practice, at: Instant, unix: i64) -> Vec<PracticeEffect> {
    update(p, PracticeMessage::Tick { at, unix })
}

/// Carry out the effects that touch the progress file, as the host's run loop does,
/// and feed their answers back; the others (quit, leave, trace, copy) are returned for
/// the host. Tests call this too, so they exercise the same path.
pub fn perform_store(p: &mut Practice, effects: Vec<PracticeEffect>) -> Vec<PracticeEffect> {
    let mut rest = Vec::new();
    let mut queue = effects;
    while !queue.is_empty() {
        for effect in std::mem::take(&mut queue) {
            let answer = match effect {
                PracticeEffect::Save(progress) => Some(PracticeMessage::Saved(match &p.store {
                    Some(store) => store
                        .save(&progress)
                        .map(|()| store.path().display().to_string())
                        .map_err(|e| e.to_string()),
                    None => Err("no data directory (set XDG_DATA_HOME or HOME)".to_owned()),
                })),
                PracticeEffect::ResetProgress => Some(PracticeMessage::ResetDone(match &p.store {
                    Some(store) => store.reset().map_err(|e| e.to_string()),
                    None => Ok(false),
                })),
                other => {
                    rest.push(other);
                    None
                }
            };
            if let Some(message) = answer {
                queue.extend(update(p, message));
            }
        }
    }
    rest
}

/// Options on the current choice screen, for cursor bounds (0: not a choice screen).
fn option_count(p: &Practice) -> usize {
    match &p.screen {
        Screen::Menu => MenuItem::ALL.len(),
        Screen::Picker { .. } => p.book.cases().len(),
        Screen::Prompts { .. } => p.prompts.len(),
        _ => 0,
    }
}

/// Apply a message.
pub fn update(p: &mut Practice, message: PracticeMessage) -> Vec<PracticeEffect> {
    match message {
        PracticeMessage::Tick { at, unix } => {
            p.now = Some(at);
            p.unix = unix;
            return screens::on_tick(p, at);
        }
        PracticeMessage::Saved(result) => {
            p.save_note = Some(match result {
                Ok(path) => format!("saved to {path}"),
                Err(e) => format!("not saved: {e}"),
            });
            return Vec::new();
        }
        PracticeMessage::ResetDone(result) => {
            screens::reset_done(p, result);
            return Vec::new();
        }
        _ => {}
    }
    if p.help {
        // Any key closes help; `q` still quits.
        p.help = false;
        if message == PracticeMessage::Quit {
            p.quit = true;
            return vec![PracticeEffect::Quit];
        }
        return Vec::new();
    }
    // A status message is for the screen it was set on.
    p.status = None;
    match message {
        PracticeMessage::Quit => {
            p.quit = true;
            return vec![PracticeEffect::Quit];
        }
        PracticeMessage::Help => {
            p.help = true;
            return Vec::new();
        }
        _ => {}
    }
    let count = option_count(p);
    if count > 0 {
        let moved = |c: usize| match message {
            PracticeMessage::Up => Some((c + count - 1) % count),
            PracticeMessage::Down => Some((c + 1) % count),
            PracticeMessage::Choose(n) if n < count => Some(n),
            _ => None,
        };
        let cursor = match &mut p.screen {
            Screen::Menu => Some(&mut p.menu),
            Screen::Picker { cursor, .. } | Screen::Prompts { cursor } => Some(cursor),
            _ => None,
        };
        if let Some(cursor) = cursor
            && let Some(next) = moved(*cursor)
        {
            *cursor = next;
            return Vec::new();
        }
    }
    let screen = std::mem::replace(&mut p.screen, Screen::Menu);
    let (screen, effects) = match screen {
        Screen::Drill(s) => drill::update(p, s, message),
        Screen::Play(s) => play::update(p, s, message),
        Screen::Recall(s) => play::update_recall(p, s, message),
        other => screens::update(p, other, message),
    };
    // Handlers that switched screens already reset the scroll via `go`; put the
    // screen back unless they did.
    if let Some(screen) = screen {
        p.screen = screen;
    }
    effects
}

/// A handler's result: the screen to put back (`None`: it called `go`), and effects.
type Step = (Option<Screen>, Vec<PracticeEffect>);

fn stay(screen: Screen) -> Step {
    (Some(screen), Vec::new())
}

/// The handler called `go` (or wants the menu): leave `p.screen` as it is now.
fn moved() -> Step {
    (None, Vec::new())
}

fn back_to_menu(p: &mut Practice) -> Step {
    p.go(Screen::Menu);
    moved()
}

/// Scroll text screens with ↑/↓ and PgUp/PgDn; true when `message` scrolled.
fn scrolled(p: &mut Practice, message: &PracticeMessage) -> bool {
    let by = match message {
        PracticeMessage::Up => -1,
        PracticeMessage::Down => 1,
        PracticeMessage::PageUp => -10,
        PracticeMessage::PageDown => 10,
        _ => return false,
    };
    p.scroll = p.scroll.saturating_add_signed(by);
    true
}

/// Lesson pages plus the glossary page.
pub fn lesson_pages(p: &Practice) -> usize {
    p.lesson.as_ref().map_or(1, |l| l.pages.len() + 1)
}

/// A text box's edit; true when `message` was one.
fn edit_text(input: &mut String, message: &PracticeMessage) -> bool {
    match message {
        PracticeMessage::Type(c) => {
            if input.chars().count() < MAX_INPUT && !c.is_control() {
                input.push(*c);
            }
            true
        }
        PracticeMessage::Backspace => {
            input.pop();
            true
        }
        PracticeMessage::ClearInput => {
            input.clear();
            true
        }
        _ => false,
    }
}
