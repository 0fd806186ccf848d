//! TUI state and its one update function (The Elm Architecture). `update` changes the
//! state and returns the side effects it wants ([`Effect`]: run a diagnosis, copy,
//! read the clipboard); the run loop performs them and feeds results back as
//! messages, so every behaviour here is testable without a terminal or a thread.

use std::sync::Arc;

use serde_json::Value;

mod evidence;
mod what_if;

pub use evidence::named_path;
use evidence::{
    add_paste, add_path, add_pending, looks_like_a_path, new_incident_command, paste, quit,
    remove_artifact, start_new_incident, undo_remove,
};
pub use what_if::editable_text;
use what_if::{open_what_if, reset_what_if, set_claim, what_if_command};

use super::editor::LineEditor;
use super::strings;
use super::view;
use super::worker::{Job, JobDone, JobProgress};
use crate::diagnosis::{ClaimEdit, DiagnoseOptions, Diagnosis};
use crate::evidence::{Input, Origin};
use crate::report::{Palette, markdown, text};
use crate::text::{Gated, escape_control, gate_line};
use crate::vocabulary::{Stage, StageStatus};

/// The pane that arrows and Enter act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Stages,
    Detail,
    Artifacts,
}

/// A window over the screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    None,
    Help,
    /// Type a path or paste evidence.
    AddEvidence(LineEditor),
    WhatIf(WhatIfEditor),
    /// The first evidence given in the sample session: start a new incident with it
    /// (the default) or add it to the sample, so the sample's clock and keys are
    /// never applied to the user's own token by accident.
    NewIncident(PendingEvidence),
}

/// Evidence held while the user chooses where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingEvidence {
    Paste(String),
    Path(std::path::PathBuf),
}

/// The claim editor: the loaded token's claims, as edited so far.
#[derive(Clone, Debug, PartialEq)]
pub struct WhatIfEditor {
    pub artifact: String,
    /// The claims as issued.
    pub original: Vec<(String, Value)>,
    pub cursor: usize,
    /// The value being typed for the claim under the cursor.
    pub editing: Option<LineEditor>,
}

/// `/` search over the evidence of every stage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Search {
    pub editor: LineEditor,
    /// Keys go to the query until Enter.
    pub typing: bool,
}

/// The diagnosis running in the background.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Running {
    pub id: u64,
    pub label: String,
    pub read: u64,
    /// Bytes it will read, when known.
    pub expected: Option<u64>,
    /// Animation frame of the spinner.
    pub frame: u64,
}

/// A line for the footer: what just happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// Everything the screen shows.
pub struct App {
    pub diagnosis: Diagnosis,
    /// Where the inputs came from ("built-in sample incident", "2 inputs").
    pub source: String,
    /// The inputs behind `diagnosis`, for the next diagnosis (add, remove, what-if).
    pub inputs: Vec<Arc<Input>>,
    pub options: DiagnoseOptions,
    /// The options of the command line, for a new incident (the sample runs on its own).
    pub user_options: DiagnoseOptions,
    pub selected: Stage,
    pub focus: Pane,
    /// First visible line of the detail pane.
    pub scroll: u16,
    pub artifact_cursor: usize,
    pub overlay: Overlay,
    pub search: Option<Search>,
    pub running: Option<Running>,
    pub status: Option<Status>,
    /// What-if claim edits in force.
    pub edits: Vec<ClaimEdit>,
    /// The terminal's size, for clicks and scroll bounds.
    pub width: u16,
    pub height: u16,
    pub quit: bool,
    next_job: u64,
    pastes: u32,
    /// Files named but not yet opened by a finished job: a newer job (a paste while a
    /// large file loads) opens them too, so nothing the user gave is lost.
    unopened: Vec<std::path::PathBuf>,
    /// The user chose a stage while the job ran: its result does not move the selection.
    navigated: bool,
    /// The session is the built-in sample incident (its inputs and clock are the
    /// sample's): new evidence asks first.
    pub sample: bool,
    /// Inputs removed with `d`, newest last, for `u`.
    removed: Vec<(usize, Arc<Input>)>,
    /// `q` was pressed once with pastes that exist nowhere else.
    quit_armed: bool,
}

/// Everything that can happen to the state.
#[derive(Clone, Debug)]
pub enum Message {
    NextStage,
    PreviousStage,
    SelectStage(Stage),
    ScrollDown,
    ScrollUp,
    PageDown,
    PageUp,
    Top,
    Bottom,
    FocusNext,
    FocusPrevious,
    /// Enter: open what the focused pane points at.
    Open,
    /// Esc: close the overlay, end the search, or go back to the stages.
    Back,
    ToggleHelp,
    Click {
        column: u16,
        row: u16,
    },
    /// The mouse wheel: scrolls the pane under the pointer.
    Wheel {
        column: u16,
        row: u16,
        down: bool,
    },
    Resize {
        width: u16,
        height: u16,
    },
    Quit,
    // Evidence in and out.
    OpenAddEvidence,
    /// Bracketed paste (or a burst of keys the run loop recognised as one).
    Paste(String),
    /// Read the system clipboard (terminals without bracketed paste).
    PasteFromClipboard,
    ClipboardText(Result<String, String>),
    RemoveArtifact,
    /// Put back the input removed last.
    Undo,
    /// Drop every input and start a clean incident (the sample's clock and keys too).
    NewIncident,
    /// In the new-incident question: add the pending evidence to the sample instead.
    AddToSample,
    CopyReport,
    CopySummary,
    Copied {
        what: String,
        result: Result<String, String>,
    },
    // Text fields.
    Char(char),
    Backspace,
    Delete,
    CursorLeft,
    CursorRight,
    CursorHome,
    CursorEnd,
    ClearField,
    Submit,
    // Search.
    StartSearch,
    NextMatch,
    PreviousMatch,
    // What-if.
    OpenWhatIf,
    /// In the claim editor: drop the claim under the cursor.
    RemoveClaim,
    /// In the claim editor: set `sub` to the pull-request form.
    PullRequestSubject,
    ResetWhatIf,
    // The worker.
    Progress(JobProgress),
    Diagnosed(Box<JobDone>),
    Tick,
    OpenPractice,
}

/// Side effects `update` asks the run loop for.
#[derive(Debug)]
pub enum Effect {
    Diagnose(Job),
    /// Only gated text reaches the clipboard.
    Copy {
        text: Gated,
        what: String,
    },
    ReadClipboard,
    OpenPractice,
}

impl App {
    /// A session on a finished diagnosis of `inputs`: the stage where evidence stops
    /// (or the stage of the riskiest finding on a healthy path) is selected.
    pub fn new(
        diagnosis: Diagnosis,
        source: impl Into<String>,
        inputs: Vec<Input>,
        options: DiagnoseOptions,
    ) -> App {
        let selected = focus_stage(&diagnosis);
        App {
            diagnosis,
            source: source.into(),
            inputs: inputs.into_iter().map(Arc::new).collect(),
            user_options: options.clone(),
            options,
            selected,
            focus: Pane::Stages,
            scroll: 0,
            artifact_cursor: 0,
            overlay: Overlay::None,
            search: None,
            running: None,
            status: None,
            edits: Vec::new(),
            width: 80,
            height: 24,
            quit: false,
            next_job: 1,
            pastes: 0,
            unopened: Vec::new(),
            navigated: false,
            sample: false,
            removed: Vec::new(),
            quit_armed: false,
        }
    }

    /// The built-in sample incident: new evidence asks whether to start a new incident.
    pub fn sample(
        diagnosis: Diagnosis,
        inputs: Vec<Input>,
        options: DiagnoseOptions,
        user_options: DiagnoseOptions,
    ) -> App {
        let mut app = App::new(diagnosis, strings::SAMPLE_SOURCE, inputs, options);
        app.sample = true;
        app.user_options = user_options;
        app
    }

    /// A session that opens while its files are still being read: the screen shows
    /// the progress, and the diagnosis arrives as a message.
    pub fn loading(
        source: impl Into<String>,
        paths: Vec<std::path::PathBuf>,
        inputs: Vec<Input>,
        options: DiagnoseOptions,
    ) -> (App, Effect) {
        let empty =
            crate::diagnosis::diagnose(&[] as &[Input], &options, || crate::clock::Clock::fixed(0));
        let mut app = App::new(empty, source, inputs, options);
        let label = match paths.len() {
            0 => "reading input".to_owned(),
            1 => format!("reading {}", paths[0].display()),
            n => format!("reading {n} files"),
        };
        let effect = app.start_job(label.clone(), paths, None);
        // Until the diagnosis arrives, say so rather than "evidence stops at workflow".
        app.diagnosis.summary = format!("{label}… the stages fill in when it is done");
        (app, effect)
    }

    /// The status of a stage.
    pub fn status(&self, stage: Stage) -> StageStatus {
        self.diagnosis.stage(stage).status
    }

    /// Keys go to a text field rather than commands.
    pub fn typing(&self) -> bool {
        matches!(&self.overlay, Overlay::AddEvidence(_))
            || matches!(&self.overlay, Overlay::WhatIf(w) if w.editing.is_some())
            || self.search.as_ref().is_some_and(|s| s.typing)
    }

    /// Queue a diagnosis; the worker measures what it will read (a directory walk does
    /// not belong on the UI thread) and reports it with its progress.
    /// `known` is the size of what is already in memory (a paste).
    fn start_job(
        &mut self,
        label: String,
        paths: Vec<std::path::PathBuf>,
        known: Option<u64>,
    ) -> Effect {
        let id = self.next_job;
        self.next_job += 1;
        self.unopened.extend(paths);
        let paths = self.unopened.clone();
        self.navigated = false;
        self.running = Some(Running {
            id,
            label,
            read: 0,
            expected: known,
            frame: 0,
        });
        let mut options = self.options.clone();
        options.claim_edits = self.edits.clone();
        Effect::Diagnose(Job {
            id,
            inputs: self.inputs.clone(),
            paths,
            options,
        })
    }

    fn say(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    fn warn(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
        });
    }
}

/// The stage to show first: a failed stage; else a high-risk finding's (a path that
/// works too well matters more than evidence not yet collected); else where evidence
/// stops; else the riskiest finding's.
pub fn focus_stage(diagnosis: &Diagnosis) -> Stage {
    let riskiest = diagnosis
        .findings
        .iter()
        .filter(|f| f.risk.is_some())
        .max_by_key(|f| f.risk);
    if diagnosis.failed() {
        return diagnosis.stopped_at.unwrap_or(Stage::Workflow);
    }
    if let Some(f) = riskiest.filter(|f| f.risk == Some(crate::vocabulary::Risk::High)) {
        return f.stage;
    }
    diagnosis
        .stopped_at
        .or(riskiest.map(|f| f.stage))
        .unwrap_or(Stage::Workflow)
}

/// Apply a message; the effects it returns are for the run loop.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    let mut effects = Vec::new();
    if !matches!(
        message,
        Message::Quit
            | Message::NewIncident
            | Message::Tick
            | Message::Progress(_)
            | Message::Resize { .. }
    ) {
        app.quit_armed = false;
    }
    match message {
        Message::Quit => quit(app),
        Message::Resize { width, height } => {
            app.width = width;
            app.height = height;
            clamp_scroll(app);
        }
        Message::Tick => {
            if let Some(r) = &mut app.running {
                r.frame += 1;
            }
        }
        Message::Progress(p) => {
            if let Some(r) = &mut app.running
                && r.id == p.id
            {
                r.read = p.read;
                if p.expected.is_some() {
                    r.expected = p.expected;
                }
            }
        }
        Message::Diagnosed(done) => finish_job(app, *done),
        Message::Paste(text) => effects.extend(paste(app, text)),
        Message::ClipboardText(Ok(text)) => effects.extend(paste(app, text)),
        Message::ClipboardText(Err(why)) => app.warn(format!("clipboard: {why}")),
        Message::Copied { what, result } => match result {
            Ok(route) => app.say(format!("copied {what} {route}")),
            Err(why) => app.warn(format!("could not copy {what}: {why}")),
        },
        Message::OpenPractice => effects.push(Effect::OpenPractice),
        message if app.typing() => effects.extend(type_into_field(app, message)),
        message => effects.extend(command(app, message)),
    }
    effects
}

/// Keys while a text field has the focus.
fn type_into_field(app: &mut App, message: Message) -> Option<Effect> {
    let editor = match &mut app.overlay {
        Overlay::AddEvidence(e) => e,
        Overlay::WhatIf(WhatIfEditor {
            editing: Some(e), ..
        }) => e,
        _ => match &mut app.search {
            Some(s) => &mut s.editor,
            None => return None,
        },
    };
    match message {
        Message::Char(c) => editor.insert(c.encode_utf8(&mut [0; 4])),
        Message::Backspace => editor.backspace(),
        Message::Delete => editor.delete(),
        Message::CursorLeft => editor.left(),
        Message::CursorRight => editor.right(),
        Message::CursorHome => editor.home(),
        Message::CursorEnd => editor.end(),
        Message::ClearField => editor.clear(),
        Message::Submit => return submit_field(app),
        Message::Back => {
            match &mut app.overlay {
                Overlay::AddEvidence(_) => app.overlay = Overlay::None,
                Overlay::WhatIf(w) => w.editing = None,
                _ => app.search = None,
            }
            return None;
        }
        _ => {}
    }
    if app.search.as_ref().is_some_and(|s| s.typing) && matches!(app.overlay, Overlay::None) {
        // Incremental: the view follows the first match as the query grows.
        jump_to_match(app, 0, true);
    }
    None
}

fn submit_field(app: &mut App) -> Option<Effect> {
    match std::mem::replace(&mut app.overlay, Overlay::None) {
        Overlay::AddEvidence(editor) => {
            let text = editor.text().trim().to_owned();
            if text.is_empty() {
                return None;
            }
            if let Some(path) = named_path(&text) {
                add_path(app, path)
            } else if looks_like_a_path(&text) {
                app.warn(format!("no such file: {}", escape_control(&text)));
                None
            } else {
                add_paste(app, text)
            }
        }
        Overlay::NewIncident(pending) => {
            start_new_incident(app);
            add_pending(app, pending)
        }
        Overlay::WhatIf(mut w) => {
            let effect = w
                .editing
                .take()
                .and_then(|editor| set_claim(app, &w, editor.text()));
            app.overlay = Overlay::WhatIf(w);
            effect
        }
        other => {
            app.overlay = other;
            if let Some(s) = &mut app.search {
                s.typing = false;
                if s.editor.is_empty() {
                    app.search = None;
                } else {
                    jump_to_match(app, 0, true);
                }
            }
            None
        }
    }
}

/// Commands: keys outside text fields.
fn command(app: &mut App, message: Message) -> Option<Effect> {
    if let Overlay::WhatIf(_) = app.overlay {
        return what_if_command(app, message);
    }
    if app.overlay == Overlay::Help {
        match message {
            Message::ToggleHelp | Message::Back => app.overlay = Overlay::None,
            _ => {}
        }
        return None;
    }
    if let Overlay::NewIncident(_) = &app.overlay {
        return new_incident_command(app, message);
    }
    match message {
        Message::NextStage => select(app, Stage::ALL[(app.selected.index() + 1) % 5]),
        Message::PreviousStage => select(app, Stage::ALL[(app.selected.index() + 4) % 5]),
        Message::SelectStage(stage) => select(app, stage),
        Message::ScrollDown if app.focus == Pane::Artifacts => move_artifact(app, 1),
        Message::ScrollUp if app.focus == Pane::Artifacts => move_artifact(app, -1),
        Message::ScrollDown => scroll_by(app, 1),
        Message::ScrollUp => scroll_by(app, -1),
        Message::PageDown => scroll_by(app, i32::from(view::detail_height(app).max(2)) - 1),
        Message::PageUp => scroll_by(app, 1 - i32::from(view::detail_height(app).max(2))),
        Message::Top => app.scroll = 0,
        Message::Bottom => {
            app.scroll = u16::MAX;
            clamp_scroll(app);
        }
        Message::FocusNext => {
            app.focus = match app.focus {
                Pane::Stages => Pane::Detail,
                Pane::Detail => Pane::Artifacts,
                Pane::Artifacts => Pane::Stages,
            }
        }
        Message::FocusPrevious => {
            app.focus = match app.focus {
                Pane::Stages => Pane::Artifacts,
                Pane::Detail => Pane::Stages,
                Pane::Artifacts => Pane::Detail,
            }
        }
        Message::Open => match app.focus {
            Pane::Stages => app.focus = Pane::Detail,
            Pane::Detail => {}
            Pane::Artifacts => open_artifact(app),
        },
        Message::Back => {
            if app.search.is_some() {
                app.search = None;
            } else {
                app.focus = Pane::Stages;
            }
        }
        Message::ToggleHelp => app.overlay = Overlay::Help,
        Message::Click { column, row } => click(app, column, row),
        Message::Wheel { column, row, down } => {
            let step = if down { 1 } else { -1 };
            let areas = view::Areas::compute(app);
            if areas
                .artifacts
                .contains(ratatui::layout::Position { x: column, y: row })
            {
                move_artifact(app, step as isize);
            } else {
                scroll_by(app, step);
            }
        }
        Message::OpenAddEvidence => app.overlay = Overlay::AddEvidence(LineEditor::default()),
        Message::PasteFromClipboard => return Some(Effect::ReadClipboard),
        Message::RemoveArtifact => return remove_artifact(app),
        Message::Undo => return undo_remove(app),
        Message::NewIncident => {
            if app
                .inputs
                .iter()
                .any(|i| matches!(i.origin, Origin::Pasted))
                && !app.quit_armed
            {
                app.quit_armed = true;
                app.warn("Ctrl-N again drops every input, pastes too, and starts a clean incident");
            } else {
                start_new_incident(app);
                app.say("new incident: paste or add evidence (a)");
            }
        }
        Message::CopyReport => {
            return Some(Effect::Copy {
                text: markdown::render_rca(&app.diagnosis),
                what: "the RCA report".to_owned(),
            });
        }
        Message::CopySummary => {
            return Some(Effect::Copy {
                text: one_line_summary(&app.diagnosis),
                what: "the one-line summary".to_owned(),
            });
        }
        Message::StartSearch => {
            app.search = Some(Search {
                editor: LineEditor::default(),
                typing: true,
            })
        }
        Message::NextMatch => jump_to_match(app, 1, false),
        Message::PreviousMatch => jump_to_match(app, -1, false),
        Message::OpenWhatIf => open_what_if(app),
        Message::ResetWhatIf => return reset_what_if(app),
        _ => {}
    }
    None
}

fn finish_job(app: &mut App, done: JobDone) {
    if app.running.as_ref().is_none_or(|r| r.id != done.id) {
        return; // a superseded job's result
    }
    app.running = None;
    app.unopened.clear();
    let what_if = !app.edits.is_empty();
    app.diagnosis = *done.diagnosis;
    app.inputs = done.inputs;
    if app
        .inputs
        .iter()
        .any(|i| !matches!(i.origin, Origin::Builtin))
    {
        app.source = match app.inputs.len() {
            1 => "1 input".to_owned(),
            n => format!("{n} inputs"),
        };
    }
    if !app.navigated {
        app.selected = if what_if {
            Stage::Trust
        } else {
            focus_stage(&app.diagnosis)
        };
        app.scroll = 0;
    }
    app.artifact_cursor = app
        .artifact_cursor
        .min(app.diagnosis.artifacts.len().saturating_sub(1));
    if done.errors.is_empty() {
        app.say(format!(
            "diagnosed {} artifact(s) in {} ms",
            app.diagnosis.artifacts.len(),
            done.elapsed.as_millis()
        ));
    } else {
        let errors = done.errors.join("; ");
        app.warn(escape_control(&errors).into_owned());
    }
}

/// The summary and the five stages on one line, for a ticket or a chat.
pub fn one_line_summary(d: &Diagnosis) -> Gated {
    let line = format!(
        "oidc-triage: {} | {}",
        d.summary,
        text::pipeline_line(d, Palette { color: false })
    );
    gate_line(&line)
}

/// `1.5 MiB`, `320 B`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

fn select(app: &mut App, stage: Stage) {
    app.navigated = true;
    if app.selected != stage {
        app.selected = stage;
        app.scroll = 0;
    }
}

fn scroll_by(app: &mut App, delta: i32) {
    let scrolled = (i32::from(app.scroll) + delta).clamp(0, i32::from(u16::MAX));
    app.scroll = u16::try_from(scrolled).unwrap_or(0);
    clamp_scroll(app);
}

/// Keep the last line of the detail pane reachable and no further.
fn clamp_scroll(app: &mut App) {
    let lines = view::detail_lines(app, app.selected).len();
    let visible = usize::from(view::detail_height(app));
    let max = lines.saturating_sub(visible.max(1));
    app.scroll = app.scroll.min(u16::try_from(max).unwrap_or(u16::MAX));
}

fn move_artifact(app: &mut App, delta: isize) {
    let count = app.diagnosis.artifacts.len();
    if count > 0 {
        app.artifact_cursor = app
            .artifact_cursor
            .saturating_add_signed(delta)
            .min(count - 1);
    }
}

/// Enter on an artifact: the first stage its evidence lands on.
fn open_artifact(app: &mut App) {
    let Some(artifact) = app.diagnosis.artifacts.get(app.artifact_cursor) else {
        return;
    };
    let stage = app
        .diagnosis
        .stages
        .iter()
        .find(|s| s.evidence.iter().any(|e| e.artifact == artifact.name))
        .map(|s| s.stage);
    match stage {
        Some(stage) => {
            select(app, stage);
            app.focus = Pane::Detail;
        }
        None => app.say("this artifact placed no evidence on any stage"),
    }
}

fn click(app: &mut App, column: u16, row: u16) {
    let areas = view::Areas::compute(app);
    if let Some(stage) = view::stage_at(&areas, column, row) {
        select(app, stage);
        app.focus = Pane::Stages;
    } else if let Some(index) = view::artifact_at(app, &areas, column, row) {
        app.artifact_cursor = index;
        app.focus = Pane::Artifacts;
    } else if areas
        .detail
        .contains(ratatui::layout::Position { x: column, y: row })
    {
        app.focus = Pane::Detail;
    }
}

/// Move to a search match: `step` 0 is the first match at or after the current view,
/// 1/-1 the next/previous, wrapping across stages.
fn jump_to_match(app: &mut App, step: i32, from_start: bool) {
    let Some(query) = app.search.as_ref().map(|s| s.editor.text().to_lowercase()) else {
        return;
    };
    if query.is_empty() {
        return;
    }
    let hits = view::search_hits(app, &query);
    if hits.is_empty() {
        return;
    }
    let here = (app.selected.index(), usize::from(app.scroll));
    let position = match step {
        0 if from_start => hits
            .iter()
            .position(|&(s, line)| (s.index(), line) >= (here.0, 0))
            .unwrap_or(0),
        0 => hits
            .iter()
            .position(|&(s, line)| (s.index(), line) >= here)
            .unwrap_or(0),
        s if s > 0 => hits
            .iter()
            .position(|&(st, line)| (st.index(), line) > here)
            .unwrap_or(0),
        _ => hits
            .iter()
            .rposition(|&(st, line)| (st.index(), line) < here)
            .unwrap_or(hits.len() - 1),
    };
    let (stage, line) = hits[position];
    app.selected = stage;
    app.scroll = u16::try_from(line).unwrap_or(u16::MAX);
    clamp_scroll(app);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(human_bytes(320), "320 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(500 * 1024 * 1024), "500.0 MiB");
    }

    #[test]
    fn a_typed_path_is_told_from_a_pasted_token() {
        assert!(looks_like_a_path("./exports/trail.json"));
        assert!(looks_like_a_path("/tmp/x"));
        assert!(!looks_like_a_path("eyJhbGciOiJSUzI1NiJ9.e30.sig"));
        assert!(!looks_like_a_path(
            "AADSTS70021: No matching federated identity record"
        ));
    }
}
