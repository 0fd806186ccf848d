//! Practice mode's screens, over `crate::practice`, in The Elm Architecture like the
//! triage screen: one [`Practice`] state, one [`PracticeMessage`] enum, `update`, and a
//! pure [`view`]. The host's run loop (in `tui`) owns the terminal, the clipboard and
//! the triage screen: it feeds events to [`handle_event`], calls [`tick`] about every
//! 100 ms for the animation and countdown, and acts on the returned [`PracticeAction`]
//! (copy text, open the triage view on a diagnosis, leave, quit).
//!
//! Screens: the menu, the lesson, a scenario picker, play/break, drill a ticket (then
//! the scenario's own questions), the wrap-up, "in your own words", the 90-second
//! drill and the reset confirmation. Time comes in as `Instant`s from the host, so
//! tests replay a session exactly.

mod doc;
mod view;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};

use crate::diagnosis::Diagnosis;
use crate::practice::{
    Bank, Casebook, Drill, DrillAnswers, DrillStep, Lesson, Progress, ProgressStore, RubricCheck,
    WRAP_UP_SIZE, WrapUp, builtin_bank, builtin_lesson, check_explanation, federation_rubric,
    scenario_rubric, teach_a_friend,
};
use crate::scenario::Scenario;

pub use view::view;

/// How long each stage takes to light up in play/break.
pub const PLAY_STEP: Duration = Duration::from_millis(700);
/// The spoken drill's length.
pub const DRILL_SECONDS: u64 = 90;
/// Seconds between stage prompts in the 90-second drill (five stages, then the RCA).
pub const PROMPT_EVERY: u64 = 15;
/// The longest own-words answer kept (one sentence, generously).
const MAX_INPUT: usize = 600;

/// What the host should do after an event.
#[derive(Debug)]
pub enum PracticeAction {
    None,
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
}

/// The menu, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuItem {
    Learn,
    PlayBreak,
    Drill,
    WrapUp,
    OwnWords,
    SpokenDrill,
    TeachFriend,
    Reset,
}

impl MenuItem {
    pub const ALL: [MenuItem; 8] = [
        MenuItem::Learn,
        MenuItem::PlayBreak,
        MenuItem::Drill,
        MenuItem::WrapUp,
        MenuItem::OwnWords,
        MenuItem::SpokenDrill,
        MenuItem::TeachFriend,
        MenuItem::Reset,
    ];

    pub fn label(self) -> &'static str {
        match self {
            MenuItem::Learn => "Learn",
            MenuItem::PlayBreak => "Play / Break",
            MenuItem::Drill => "Drill a ticket",
            MenuItem::WrapUp => "Wrap-up assessment",
            MenuItem::OwnWords => "In your own words",
            MenuItem::SpokenDrill => "90-second drill",
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
                "watch the healthy path light up, then break it with a real fault"
            }
            MenuItem::Drill => "read a ticket, pick stage, cause and fix, trace it, see the reveal",
            MenuItem::WrapUp => "10 questions, pass at 70%, with the why for each answer",
            MenuItem::OwnWords => "type one sentence; see which key concepts it covers",
            MenuItem::SpokenDrill => "say the path out loud against the clock",
            MenuItem::TeachFriend => "copy a paste-ready summary of a scenario",
            MenuItem::Reset => "forget drill results and wrap-up scores",
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

/// Play/break's phases: the healthy path lighting up, then the broken one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlayPhase {
    Healthy,
    Broken,
    Done,
}

#[derive(Clone, Debug)]
pub struct PlayState {
    pub case: usize,
    pub phase: PlayPhase,
    /// Stages shown so far in this phase (0–5).
    pub lit: usize,
    pub next: Option<Instant>,
}

/// Where a drill is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrillPhase {
    Ticket,
    Ask(DrillStep),
    /// All three picked; trace or reveal.
    Locked,
    Reveal,
    /// The scenario's own question `n` (0-based), after the reveal.
    Question(usize),
}

#[derive(Clone, Debug)]
pub struct DrillState {
    pub case: usize,
    pub drill: Drill,
    pub phase: DrillPhase,
    pub answers: DrillAnswers,
    pub cursor: usize,
    /// What saving the result said (`None` before the reveal).
    pub saved: Option<String>,
    /// The scenario's own questions, asked after the reveal (may be empty).
    pub questions: WrapUp,
    /// The current own question was answered: its why is showing.
    pub answered: bool,
    /// What saving the own questions' score said (`None` until all are answered).
    pub questions_saved: Option<String>,
}

#[derive(Clone, Debug)]
pub struct WrapUpState {
    pub quiz: WrapUp,
    pub index: usize,
    pub cursor: usize,
    /// The current question was answered: its why is showing.
    pub answered: bool,
    pub done: bool,
    pub saved: Option<String>,
}

#[derive(Clone, Debug)]
pub struct WordsState {
    /// `None`: explain federation; `Some(case)`: explain this scenario.
    pub case: Option<usize>,
    pub input: String,
    pub result: Option<RubricCheck>,
}

#[derive(Clone, Debug)]
pub struct CountdownState {
    pub elapsed: Duration,
    pub running: bool,
    pub last: Option<Instant>,
}

impl CountdownState {
    pub fn remaining(&self) -> Duration {
        Duration::from_secs(DRILL_SECONDS).saturating_sub(self.elapsed)
    }

    /// Prompts shown so far (0–6): one per stage every [`PROMPT_EVERY`] s, then the RCA.
    pub fn prompts(&self) -> usize {
        if !self.running && self.elapsed.is_zero() {
            return 0;
        }
        ((self.elapsed.as_secs() / PROMPT_EVERY) as usize + 1).min(6)
    }

    pub fn finished(&self) -> bool {
        self.remaining().is_zero()
    }
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
    Play(PlayState),
    Drill(Box<DrillState>),
    WrapUp(Box<WrapUpState>),
    Words(WordsState),
    Countdown(CountdownState),
    ConfirmReset,
}

/// Practice mode's whole state.
pub struct Practice {
    pub book: Casebook,
    pub bank: Option<Bank>,
    pub lesson: Option<Lesson>,
    pub store: Option<ProgressStore>,
    pub progress: Progress,
    /// Problems worth showing (a corrupt progress file, a bank that failed to load).
    pub notices: Vec<String>,
    pub status: Option<String>,
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
}

/// Everything that can happen to practice mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PracticeMessage {
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Select,
    /// A digit key: option `n` (0-based).
    Choose(usize),
    /// A screen-specific letter (`t` trace, `c` copy, `r` replay…).
    Letter(char),
    /// Typed into the own-words box.
    Type(char),
    Backspace,
    ClearInput,
    Back,
    Help,
    Quit,
    Tick,
}

impl Practice {
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
            store,
            progress,
            notices,
            status: None,
            seed,
            runs: 0,
            screen: Screen::Menu,
            menu: 0,
            current: 0,
            scroll: 0,
            help: false,
            quit: false,
        };
        if let Some(slug) = start {
            match p.book.find(slug) {
                Some(i) => p.open_drill(i),
                None => p.status = Some(format!("no scenario called `{slug}`; pick one below")),
            }
        }
        p
    }

    /// A status line from the host (e.g. "copied with OSC 52").
    pub fn set_status(&mut self, text: String) {
        self.status = Some(text);
    }

    /// True while the own-words box takes keystrokes (so `q` types a q).
    pub fn typing(&self) -> bool {
        matches!(&self.screen, Screen::Words(w) if w.result.is_none())
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

    fn open_drill(&mut self, case: usize) {
        let seed = self.next_seed();
        if let Some(drill) = self.book.drill(case, seed) {
            self.current = case;
            let questions = WrapUp::in_order(&self.book.questions(case), seed);
            self.go(Screen::Drill(Box::new(DrillState {
                case,
                drill,
                phase: DrillPhase::Ticket,
                answers: DrillAnswers::default(),
                cursor: 0,
                saved: None,
                questions,
                answered: false,
                questions_saved: None,
            })));
        }
    }

    fn open_play(&mut self, case: usize, now: Instant) {
        self.current = case;
        self.go(Screen::Play(PlayState {
            case,
            phase: PlayPhase::Healthy,
            lit: 0,
            next: Some(now + PLAY_STEP),
        }));
    }

    fn open_wrap_up(&mut self) {
        let seed = self.next_seed();
        match &self.bank {
            Some(bank) => {
                let own = self.book.all_questions();
                let quiz = WrapUp::draw_with(bank, &own, seed, WRAP_UP_SIZE);
                self.go(Screen::WrapUp(Box::new(WrapUpState {
                    quiz,
                    index: 0,
                    cursor: 0,
                    answered: false,
                    done: false,
                    saved: None,
                })));
            }
            None => self.status = Some("the question bank did not load".to_owned()),
        }
    }

    /// Save progress and say how it went.
    fn save(&mut self) -> String {
        match &self.store {
            Some(store) => match store.save(&self.progress) {
                Ok(()) => format!("saved to {}", store.path().display()),
                Err(e) => format!("not saved: {e}"),
            },
            None => "not saved: no data directory (set XDG_DATA_HOME or HOME)".to_owned(),
        }
    }

    fn teach(&self, case: usize) -> PracticeAction {
        match self.book.cases().get(case) {
            Some(c) => PracticeAction::Copy {
                text: teach_a_friend(c),
                what: format!("summary of {}", c.scenario.slug),
            },
            None => PracticeAction::None,
        }
    }

    fn trace(&self, case: usize) -> PracticeAction {
        match self.book.cases().get(case) {
            Some(c) => PracticeAction::Trace {
                diagnosis: Box::new(c.diagnosis.clone()),
                source: format!("practice: {}", c.scenario.slug),
            },
            None => PracticeAction::None,
        }
    }

    /// Options on the current choice screen, for cursor bounds.
    fn option_count(&self) -> usize {
        match &self.screen {
            Screen::Menu => MenuItem::ALL.len(),
            Screen::Picker { .. } => self.book.cases().len(),
            Screen::Drill(d) => match d.phase {
                DrillPhase::Ask(step) => d.drill.options(step).len(),
                DrillPhase::Question(i) if !d.answered => {
                    d.questions.questions.get(i).map_or(0, |q| q.options.len())
                }
                _ => 0,
            },
            Screen::WrapUp(w) => w.quiz.questions.get(w.index).map_or(0, |q| q.options.len()),
            _ => 0,
        }
    }
}

/// Translate a terminal event to a message (the own-words box takes printable keys).
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
        KeyCode::Left | KeyCode::Char('h') => Some(PracticeMessage::Left),
        KeyCode::Right | KeyCode::Char('l') => Some(PracticeMessage::Right),
        KeyCode::PageUp => Some(PracticeMessage::PageUp),
        KeyCode::PageDown => Some(PracticeMessage::PageDown),
        KeyCode::Enter | KeyCode::Char(' ') => Some(PracticeMessage::Select),
        KeyCode::Esc | KeyCode::Backspace => Some(PracticeMessage::Back),
        KeyCode::Char('?') => Some(PracticeMessage::Help),
        KeyCode::Char('q') => Some(PracticeMessage::Quit),
        KeyCode::Char(c @ '1'..='9') => Some(PracticeMessage::Choose(c as usize - '1' as usize)),
        KeyCode::Char(c) if c.is_ascii_lowercase() => Some(PracticeMessage::Letter(c)),
        _ => None,
    }
}

/// Handle one terminal event.
pub fn handle_event(p: &mut Practice, event: &Event, now: Instant) -> PracticeAction {
    match message_for(p, event) {
        Some(message) => update(p, message, now),
        None => PracticeAction::None,
    }
}

/// Advance the animation and the countdown.
pub fn tick(p: &mut Practice, now: Instant) {
    update(p, PracticeMessage::Tick, now);
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Apply a message.
pub fn update(p: &mut Practice, message: PracticeMessage, now: Instant) -> PracticeAction {
    if message == PracticeMessage::Tick {
        on_tick(p, now);
        return PracticeAction::None;
    }
    if p.help {
        // Any key closes help; `q` still quits.
        p.help = false;
        return if message == PracticeMessage::Quit {
            p.quit = true;
            PracticeAction::Quit
        } else {
            PracticeAction::None
        };
    }
    // A status message is for the screen it was set on.
    p.status = None;
    match message {
        PracticeMessage::Quit => {
            p.quit = true;
            return PracticeAction::Quit;
        }
        PracticeMessage::Help => {
            p.help = true;
            return PracticeAction::None;
        }
        PracticeMessage::PageDown => {
            p.scroll = p.scroll.saturating_add(10);
            return PracticeAction::None;
        }
        PracticeMessage::PageUp => {
            p.scroll = p.scroll.saturating_sub(10);
            return PracticeAction::None;
        }
        _ => {}
    }
    let count = p.option_count();
    // Cursor movement on choice screens.
    if count > 0 && matches!(message, PracticeMessage::Up | PracticeMessage::Down) {
        let step = |c: usize| {
            if message == PracticeMessage::Up {
                (c + count - 1) % count
            } else {
                (c + 1) % count
            }
        };
        match &mut p.screen {
            Screen::Menu => p.menu = step(p.menu),
            Screen::Picker { cursor, .. } => *cursor = step(*cursor),
            Screen::Drill(d) => d.cursor = step(d.cursor),
            Screen::WrapUp(w) if !w.answered => w.cursor = step(w.cursor),
            _ => {}
        }
        return PracticeAction::None;
    }
    // Scrolling on text screens.
    if matches!(message, PracticeMessage::Up | PracticeMessage::Down) {
        p.scroll = if message == PracticeMessage::Up {
            p.scroll.saturating_sub(1)
        } else {
            p.scroll.saturating_add(1)
        };
        return PracticeAction::None;
    }
    let screen = std::mem::replace(&mut p.screen, Screen::Menu);
    let (screen, action) = match screen {
        Screen::Menu => menu(p, message, now),
        Screen::Lesson { page } => lesson(p, page, message),
        Screen::Picker { purpose, cursor } => picker(p, purpose, cursor, message, now),
        Screen::Play(s) => play(p, s, message, now),
        Screen::Drill(s) => drill(p, s, message, now),
        Screen::WrapUp(s) => wrap_up(p, s, message),
        Screen::Words(s) => words(p, s, message),
        Screen::Countdown(s) => countdown(p, s, message, now),
        Screen::ConfirmReset => confirm_reset(p, message),
    };
    // Handlers that switched screens already reset the scroll via `go`; put the
    // screen back unless they did.
    if let Some(screen) = screen {
        p.screen = screen;
    }
    action
}

type Step = (Option<Screen>, PracticeAction);

fn stay(screen: Screen) -> Step {
    (Some(screen), PracticeAction::None)
}

/// The handler called `go` (or wants the menu): leave `p.screen` as it is now.
fn moved() -> Step {
    (None, PracticeAction::None)
}

fn back_to_menu(p: &mut Practice) -> Step {
    p.go(Screen::Menu);
    moved()
}

fn menu(p: &mut Practice, message: PracticeMessage, now: Instant) -> Step {
    let item = match message {
        PracticeMessage::Select => MenuItem::ALL[p.menu.min(MenuItem::ALL.len() - 1)],
        PracticeMessage::Choose(n) if n < MenuItem::ALL.len() => {
            p.menu = n;
            MenuItem::ALL[n]
        }
        PracticeMessage::Back => return (Some(Screen::Menu), PracticeAction::Leave),
        _ => return stay(Screen::Menu),
    };
    let cursor = p.current.min(p.book.cases().len().saturating_sub(1));
    let has_cases = !p.book.cases().is_empty();
    match item {
        MenuItem::Learn => p.go(Screen::Lesson { page: 0 }),
        MenuItem::PlayBreak | MenuItem::Drill | MenuItem::TeachFriend if !has_cases => {
            p.status = Some("no scenarios loaded".to_owned());
            return stay(Screen::Menu);
        }
        MenuItem::PlayBreak => p.go(Screen::Picker {
            purpose: Purpose::Play,
            cursor,
        }),
        MenuItem::Drill => p.go(Screen::Picker {
            purpose: Purpose::Drill,
            cursor,
        }),
        MenuItem::TeachFriend => p.go(Screen::Picker {
            purpose: Purpose::Teach,
            cursor,
        }),
        MenuItem::WrapUp => {
            p.open_wrap_up();
            if matches!(p.screen, Screen::Menu) {
                return stay(Screen::Menu);
            }
        }
        MenuItem::OwnWords => p.go(Screen::Words(WordsState {
            case: None,
            input: String::new(),
            result: None,
        })),
        MenuItem::SpokenDrill => p.go(Screen::Countdown(CountdownState {
            elapsed: Duration::ZERO,
            running: true,
            last: Some(now),
        })),
        MenuItem::Reset => p.go(Screen::ConfirmReset),
    }
    moved()
}

/// Lesson pages plus the glossary page.
pub fn lesson_pages(p: &Practice) -> usize {
    p.lesson.as_ref().map_or(1, |l| l.pages.len() + 1)
}

fn lesson(p: &mut Practice, page: usize, message: PracticeMessage) -> Step {
    let last = lesson_pages(p) - 1;
    match message {
        PracticeMessage::Right | PracticeMessage::Select if page < last => {
            p.go(Screen::Lesson { page: page + 1 });
            moved()
        }
        PracticeMessage::Left if page > 0 => {
            p.go(Screen::Lesson { page: page - 1 });
            moved()
        }
        PracticeMessage::Choose(n) if n <= last => {
            p.go(Screen::Lesson { page: n });
            moved()
        }
        PracticeMessage::Back | PracticeMessage::Select => back_to_menu(p),
        _ => stay(Screen::Lesson { page }),
    }
}

fn picker(
    p: &mut Practice,
    purpose: Purpose,
    cursor: usize,
    message: PracticeMessage,
    now: Instant,
) -> Step {
    let chosen = match message {
        PracticeMessage::Select => cursor,
        PracticeMessage::Back => return back_to_menu(p),
        _ => return stay(Screen::Picker { purpose, cursor }),
    };
    match purpose {
        Purpose::Play => p.open_play(chosen, now),
        Purpose::Drill => p.open_drill(chosen),
        Purpose::Teach => {
            p.current = chosen;
            return (Some(Screen::Picker { purpose, cursor }), p.teach(chosen));
        }
    }
    moved()
}

fn on_tick(p: &mut Practice, now: Instant) {
    match &mut p.screen {
        Screen::Play(s) => {
            while let Some(next) = s.next
                && now >= next
            {
                advance_play(s);
                s.next = (s.phase != PlayPhase::Done).then_some(next + PLAY_STEP);
            }
        }
        Screen::Countdown(c) if c.running => {
            if let Some(last) = c.last {
                c.elapsed += now.saturating_duration_since(last);
            }
            c.last = Some(now);
            if c.finished() {
                c.elapsed = Duration::from_secs(DRILL_SECONDS);
                c.running = false;
                c.last = None;
            }
        }
        _ => {}
    }
}

/// One animation step: light the next stage; after five, a pause step, then the next phase.
fn advance_play(s: &mut PlayState) {
    match s.phase {
        PlayPhase::Healthy if s.lit <= 5 => s.lit += 1,
        PlayPhase::Healthy => {
            s.phase = PlayPhase::Broken;
            s.lit = 1;
        }
        PlayPhase::Broken if s.lit < 5 => s.lit += 1,
        PlayPhase::Broken | PlayPhase::Done => {
            s.phase = PlayPhase::Done;
            s.lit = 5;
        }
    }
}

fn play(p: &mut Practice, mut s: PlayState, message: PracticeMessage, now: Instant) -> Step {
    match message {
        PracticeMessage::Select => {
            // Skip to the end of the animation.
            s.phase = PlayPhase::Done;
            s.lit = 5;
            s.next = None;
            stay(Screen::Play(s))
        }
        PracticeMessage::Letter('r') => {
            p.open_play(s.case, now);
            moved()
        }
        PracticeMessage::Letter('d') => {
            p.open_drill(s.case);
            moved()
        }
        PracticeMessage::Letter('c') => {
            let action = p.teach(s.case);
            (Some(Screen::Play(s)), action)
        }
        PracticeMessage::Letter('t') => {
            let action = p.trace(s.case);
            (Some(Screen::Play(s)), action)
        }
        PracticeMessage::Back => {
            p.go(Screen::Picker {
                purpose: Purpose::Play,
                cursor: s.case,
            });
            moved()
        }
        _ => stay(Screen::Play(s)),
    }
}

fn drill(p: &mut Practice, mut s: Box<DrillState>, message: PracticeMessage, now: Instant) -> Step {
    match (s.phase, message) {
        (_, PracticeMessage::Back) => {
            p.go(Screen::Picker {
                purpose: Purpose::Drill,
                cursor: s.case,
            });
            moved()
        }
        (DrillPhase::Ticket, PracticeMessage::Select) => {
            s.phase = DrillPhase::Ask(DrillStep::Stage);
            s.cursor = 0;
            p.scroll = 0;
            stay(Screen::Drill(s))
        }
        (DrillPhase::Ask(step), PracticeMessage::Select | PracticeMessage::Choose(_)) => {
            let choice = match message {
                PracticeMessage::Choose(n) => n,
                _ => s.cursor,
            };
            if choice >= s.drill.options(step).len() {
                return stay(Screen::Drill(s));
            }
            s.answers.set(step, choice);
            s.cursor = 0;
            p.scroll = 0;
            s.phase = match step {
                DrillStep::Stage => DrillPhase::Ask(DrillStep::Cause),
                DrillStep::Cause => DrillPhase::Ask(DrillStep::Fix),
                DrillStep::Fix => DrillPhase::Locked,
            };
            stay(Screen::Drill(s))
        }
        (DrillPhase::Locked, PracticeMessage::Letter('t')) => {
            reveal(p, &mut s);
            let action = p.trace(s.case);
            (Some(Screen::Drill(s)), action)
        }
        (DrillPhase::Locked, PracticeMessage::Select) => {
            reveal(p, &mut s);
            stay(Screen::Drill(s))
        }
        (DrillPhase::Reveal | DrillPhase::Question(_), PracticeMessage::Letter('t')) => {
            let action = p.trace(s.case);
            (Some(Screen::Drill(s)), action)
        }
        (_, PracticeMessage::Letter('c')) => {
            let action = p.teach(s.case);
            (Some(Screen::Drill(s)), action)
        }
        (DrillPhase::Reveal, PracticeMessage::Letter('w')) => {
            p.go(Screen::Words(WordsState {
                case: Some(s.case),
                input: String::new(),
                result: None,
            }));
            moved()
        }
        (DrillPhase::Reveal, PracticeMessage::Letter('p')) => {
            p.open_play(s.case, now);
            moved()
        }
        // Enter goes on to the scenario's own questions; `n`, here or during them, skips
        // to the next ticket.
        (DrillPhase::Reveal, PracticeMessage::Select) if !s.questions.questions.is_empty() => {
            s.phase = DrillPhase::Question(0);
            s.cursor = 0;
            s.answered = false;
            p.scroll = 0;
            stay(Screen::Drill(s))
        }
        (DrillPhase::Reveal | DrillPhase::Question(_), PracticeMessage::Letter('n'))
        | (DrillPhase::Reveal, PracticeMessage::Select) => next_drill(p, s.case),
        (DrillPhase::Question(i), PracticeMessage::Select | PracticeMessage::Choose(_))
            if !s.answered =>
        {
            let choice = match message {
                PracticeMessage::Choose(n) => n,
                _ => s.cursor,
            };
            if s.questions.answer(i, choice).is_some() {
                s.cursor = choice;
                s.answered = true;
                if s.questions.finished() && s.questions_saved.is_none() {
                    p.progress
                        .record_questions(&s.drill.slug, s.questions.score());
                    s.questions_saved = Some(p.save());
                }
            }
            stay(Screen::Drill(s))
        }
        (DrillPhase::Question(i), PracticeMessage::Select | PracticeMessage::Right)
            if s.answered =>
        {
            if i + 1 < s.questions.questions.len() {
                s.phase = DrillPhase::Question(i + 1);
                s.cursor = 0;
                s.answered = false;
                p.scroll = 0;
                stay(Screen::Drill(s))
            } else {
                next_drill(p, s.case)
            }
        }
        _ => stay(Screen::Drill(s)),
    }
}

/// The ticket after `case`, wrapping round.
fn next_drill(p: &mut Practice, case: usize) -> Step {
    let next = (case + 1) % p.book.cases().len().max(1);
    p.open_drill(next);
    moved()
}

/// Grade the drill and record it, once.
fn reveal(p: &mut Practice, s: &mut DrillState) {
    if s.phase == DrillPhase::Reveal {
        return;
    }
    s.phase = DrillPhase::Reveal;
    p.scroll = 0;
    let grade = s.drill.grade(&s.answers);
    p.progress.record_drill(&s.drill.slug, grade);
    s.saved = Some(p.save());
}

fn wrap_up(p: &mut Practice, mut s: Box<WrapUpState>, message: PracticeMessage) -> Step {
    if s.done {
        return match message {
            PracticeMessage::Letter('r') => {
                p.open_wrap_up();
                moved()
            }
            PracticeMessage::Back | PracticeMessage::Select => back_to_menu(p),
            _ => stay(Screen::WrapUp(s)),
        };
    }
    match message {
        PracticeMessage::Back => back_to_menu(p),
        PracticeMessage::Select | PracticeMessage::Choose(_) | PracticeMessage::Right
            if s.answered =>
        {
            if matches!(message, PracticeMessage::Choose(_)) {
                return stay(Screen::WrapUp(s));
            }
            if s.index + 1 < s.quiz.questions.len() {
                s.index += 1;
                s.cursor = 0;
                s.answered = false;
            } else {
                s.done = true;
                p.progress.record_wrap_up(unix_now(), s.quiz.score());
                s.saved = Some(p.save());
            }
            p.scroll = 0;
            stay(Screen::WrapUp(s))
        }
        PracticeMessage::Select | PracticeMessage::Choose(_) => {
            let choice = match message {
                PracticeMessage::Choose(n) => n,
                _ => s.cursor,
            };
            if s.quiz.answer(s.index, choice).is_some() {
                s.cursor = choice;
                s.answered = true;
            }
            stay(Screen::WrapUp(s))
        }
        _ => stay(Screen::WrapUp(s)),
    }
}

fn words(p: &mut Practice, mut s: WordsState, message: PracticeMessage) -> Step {
    if s.result.is_some() {
        return match message {
            PracticeMessage::Select | PracticeMessage::Letter('e') => {
                // Edit the sentence again.
                s.result = None;
                stay(Screen::Words(s))
            }
            PracticeMessage::Back => back_to_menu(p),
            _ => stay(Screen::Words(s)),
        };
    }
    match message {
        PracticeMessage::Type(c) if s.input.chars().count() < MAX_INPUT && !c.is_control() => {
            s.input.push(c);
        }
        PracticeMessage::Backspace => {
            s.input.pop();
        }
        PracticeMessage::ClearInput => s.input.clear(),
        PracticeMessage::Select if !s.input.trim().is_empty() => {
            let rubric = match s.case.and_then(|i| p.book.cases().get(i)) {
                Some(case) => scenario_rubric(case),
                None => federation_rubric(),
            };
            s.result = Some(check_explanation(&rubric, &s.input));
        }
        PracticeMessage::Back => return back_to_menu(p),
        _ => {}
    }
    stay(Screen::Words(s))
}

fn countdown(
    p: &mut Practice,
    mut s: CountdownState,
    message: PracticeMessage,
    now: Instant,
) -> Step {
    match message {
        PracticeMessage::Select if !s.finished() => {
            // Pause or resume; the time paused does not count.
            s.running = !s.running;
            s.last = s.running.then_some(now);
        }
        PracticeMessage::Letter('r') | PracticeMessage::Select => {
            s = CountdownState {
                elapsed: Duration::ZERO,
                running: true,
                last: Some(now),
            };
        }
        PracticeMessage::Back => return back_to_menu(p),
        _ => {}
    }
    stay(Screen::Countdown(s))
}

fn confirm_reset(p: &mut Practice, message: PracticeMessage) -> Step {
    match message {
        PracticeMessage::Letter('y') => {
            let result = match &p.store {
                Some(store) => store.reset().map_err(|e| e.to_string()),
                None => Ok(false),
            };
            p.status = Some(match &result {
                Ok(true) => "progress reset".to_owned(),
                Ok(false) => "no progress to reset".to_owned(),
                Err(e) => format!("could not reset: {e}"),
            });
            if result.is_ok() {
                p.progress = Progress::default();
            }
            let status = p.status.take();
            p.go(Screen::Menu);
            p.status = status;
            moved()
        }
        PracticeMessage::Letter('n') | PracticeMessage::Back | PracticeMessage::Select => {
            back_to_menu(p)
        }
        _ => stay(Screen::ConfirmReset),
    }
}
