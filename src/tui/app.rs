//! TUI state and its one update function (The Elm Architecture). `update` changes the
//! state and returns the side effects it wants ([`Effect`]: run a diagnosis, copy,
//! read the clipboard); the run loop performs them and feeds results back as
//! messages, so every behaviour here is testable without a terminal or a thread.

use std::sync::Arc;

use serde_json::Value;

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
        }
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
        let expected = expected_bytes(&paths);
        let label = match paths.len() {
            0 => "reading input".to_owned(),
            1 => format!("reading {}", paths[0].display()),
            n => format!("reading {n} files"),
        };
        let effect = app.start_job(label.clone(), paths, expected);
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

    fn start_job(
        &mut self,
        label: String,
        paths: Vec<std::path::PathBuf>,
        expected_bytes: Option<u64>,
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
            expected: expected_bytes,
            frame: 0,
        });
        let mut options = self.options.clone();
        options.claim_edits = self.edits.clone();
        Effect::Diagnose(Job {
            id,
            inputs: self.inputs.clone(),
            paths,
            options,
            expected_bytes,
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

/// The bytes a job will stream: the sizes of large files and of files in directories.
fn expected_bytes(paths: &[std::path::PathBuf]) -> Option<u64> {
    let mut total = 0u64;
    for path in paths {
        let meta = std::fs::metadata(path).ok()?;
        if meta.is_dir() {
            total += directory_bytes(path, 4);
        } else {
            total += meta.len();
        }
    }
    (total > 0).then_some(total)
}

fn directory_bytes(dir: &std::path::Path, depth: u8) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() && depth > 0 => directory_bytes(&e.path(), depth - 1),
            Ok(m) if m.is_file() => m.len(),
            _ => 0,
        })
        .sum()
}

/// Apply a message; the effects it returns are for the run loop.
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    let mut effects = Vec::new();
    match message {
        Message::Quit => app.quit = true,
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
            let path = std::path::Path::new(&text);
            if path.exists() {
                app.edits.clear();
                let expected = expected_bytes(&[path.to_owned()]);
                Some(app.start_job(format!("reading {text}"), vec![path.to_owned()], expected))
            } else if looks_like_a_path(&text) {
                app.warn(format!("no such file: {}", escape_control(&text)));
                None
            } else {
                add_paste(app, text)
            }
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

/// A typed line that names a file rather than pasting evidence.
fn looks_like_a_path(text: &str) -> bool {
    !text.contains(char::is_whitespace)
        && (text.starts_with('/')
            || text.starts_with("./")
            || text.starts_with("../")
            || text.starts_with('~'))
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

fn what_if_command(app: &mut App, message: Message) -> Option<Effect> {
    let Overlay::WhatIf(w) = &mut app.overlay else {
        return None;
    };
    let count = w.original.len().max(1);
    match message {
        Message::ScrollDown | Message::NextStage | Message::Wheel { down: true, .. } => {
            w.cursor = (w.cursor + 1) % count
        }
        Message::ScrollUp | Message::PreviousStage | Message::Wheel { down: false, .. } => {
            w.cursor = (w.cursor + count - 1) % count
        }
        Message::Open | Message::Submit => {
            let value = current_value(&app.edits, w).map(|v| editable_text(&v));
            w.editing = Some(LineEditor::with_text(value.unwrap_or_default()));
        }
        Message::Back | Message::OpenWhatIf => app.overlay = Overlay::None,
        Message::RemoveClaim | Message::RemoveArtifact => {
            let claim = w.original.get(w.cursor).map(|(name, _)| name.clone())?;
            return edit_claim(app, claim, None);
        }
        Message::PullRequestSubject => {
            let w = w.clone();
            return pull_request_subject(app, &w);
        }
        Message::ResetWhatIf => return reset_what_if(app),
        Message::ToggleHelp => app.overlay = Overlay::Help,
        _ => {}
    }
    None
}

/// The claim's value with the edits applied; `None` when removed.
fn current_value(edits: &[ClaimEdit], w: &WhatIfEditor) -> Option<Value> {
    let (name, original) = w.original.get(w.cursor)?;
    match edits.iter().find(|e| &e.claim == name) {
        Some(edit) => edit.value.clone(),
        None => Some(original.clone()),
    }
}

/// A value as the user edits it: strings bare, everything else as JSON.
pub fn editable_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn set_claim(app: &mut App, w: &WhatIfEditor, typed: &str) -> Option<Effect> {
    let (name, original) = w.original.get(w.cursor)?;
    // A claim issued as a string stays a string whatever is typed; others parse as
    // JSON (a number, a list), falling back to a string.
    let value = match original {
        Value::String(_) => Value::String(typed.to_owned()),
        _ => serde_json::from_str(typed).unwrap_or_else(|_| Value::String(typed.to_owned())),
    };
    edit_claim(app, name.clone(), Some(value))
}

fn edit_claim(app: &mut App, claim: String, value: Option<Value>) -> Option<Effect> {
    let original = match &app.overlay {
        Overlay::WhatIf(w) => w
            .original
            .iter()
            .find(|(name, _)| *name == claim)
            .map(|(_, v)| v.clone()),
        _ => None,
    };
    app.edits.retain(|e| e.claim != claim);
    if value != original {
        app.edits.push(ClaimEdit {
            claim: claim.clone(),
            value,
        });
    }
    app.selected = Stage::Trust;
    app.scroll = 0;
    Some(app.start_job(
        format!("what-if: re-evaluating trust ({claim})"),
        Vec::new(),
        None,
    ))
}

/// GitHub's pull-request subject for the token's repository: the path the trust
/// policy must refuse (`repo:OWNER/REPO:pull_request`, GitHub OIDC reference).
fn pull_request_subject(app: &mut App, w: &WhatIfEditor) -> Option<Effect> {
    let repository = w
        .original
        .iter()
        .find(|(name, _)| name == "repository")
        .and_then(|(_, v)| v.as_str().map(str::to_owned));
    match repository {
        Some(repo) => edit_claim(
            app,
            "sub".to_owned(),
            Some(Value::String(format!("repo:{repo}:pull_request"))),
        ),
        None => {
            app.warn("the pull-request subject needs a GitHub token (its `repository` claim)");
            None
        }
    }
}

fn reset_what_if(app: &mut App) -> Option<Effect> {
    if app.edits.is_empty() {
        return None;
    }
    app.edits.clear();
    Some(app.start_job(
        "what-if: back to the claims as issued".to_owned(),
        Vec::new(),
        None,
    ))
}

fn open_what_if(app: &mut App) {
    if app.inputs.is_empty() && !app.diagnosis.tokens.is_empty() {
        // A practice trace shows a finished diagnosis without its inputs.
        app.warn("what-if re-runs the inputs, and this view has none: open the scenario's files with `oidc-triage FILE…`");
        return;
    }
    match app.diagnosis.tokens.first() {
        Some(view) => {
            let original: Vec<(String, Value)> = view
                .report
                .claims
                .0
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            // `sub` is what trust policies test first and what a what-if usually edits.
            let cursor = original.iter().position(|(k, _)| k == "sub").unwrap_or(0);
            app.overlay = Overlay::WhatIf(WhatIfEditor {
                artifact: view.artifact.clone(),
                original,
                cursor,
                editing: None,
            })
        }
        None => app.warn(strings::WHAT_IF_NEEDS_TOKEN),
    }
}

fn paste(app: &mut App, text: String) -> Option<Effect> {
    // Into the field being typed in, if any (one line: controls become spaces).
    let field = match &mut app.overlay {
        Overlay::WhatIf(WhatIfEditor {
            editing: Some(e), ..
        }) => Some(e),
        Overlay::None => app
            .search
            .as_mut()
            .filter(|s| s.typing)
            .map(|s| &mut s.editor),
        _ => None,
    };
    if let Some(editor) = field {
        editor.insert(text.trim_end_matches(['\r', '\n']));
        return None;
    }
    if matches!(app.overlay, Overlay::AddEvidence(_)) {
        app.overlay = Overlay::None;
    }
    add_paste(app, text)
}

fn add_paste(app: &mut App, text: String) -> Option<Effect> {
    if text.trim().is_empty() {
        app.warn("nothing was pasted");
        return None;
    }
    app.pastes += 1;
    let name = format!("paste {}", app.pastes);
    let size = text.len() as u64;
    app.inputs
        .push(Arc::new(Input::pasted(name.clone(), text.into_bytes())));
    // Edits were made against the old token; a new paste starts from what was issued.
    app.edits.clear();
    let label = format!("diagnosing {name} ({})", human_bytes(size));
    Some(app.start_job(label, Vec::new(), (size > 0).then_some(size)))
}

fn remove_artifact(app: &mut App) -> Option<Effect> {
    if app.focus != Pane::Artifacts {
        app.say("select an artifact first: Tab to the artifacts pane");
        return None;
    }
    let name = app
        .diagnosis
        .artifacts
        .get(app.artifact_cursor)?
        .name
        .clone();
    let Some(index) = app.inputs.iter().position(|i| i.name == name) else {
        app.warn(format!(
            "{} is not an input of this session",
            escape_control(&name)
        ));
        return None;
    };
    app.inputs.remove(index);
    app.edits.clear();
    Some(app.start_job(
        format!("removed {}; re-diagnosing", escape_control(&name)),
        Vec::new(),
        None,
    ))
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
