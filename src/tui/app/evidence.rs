//! Evidence in and out of the session: pastes (line breaks normalised, a pasted path
//! loaded as the file it names), the sample session's new-incident question, removing
//! and putting back an artifact, and quitting without losing a paste.

use std::sync::Arc;

use super::{
    App, DiagnoseOptions, Effect, Message, Origin, Overlay, Pane, PendingEvidence, WhatIfEditor,
    human_bytes,
};
use crate::evidence::Input;
use crate::text::escape_control;
use crate::tui::strings;
use crate::vocabulary::Stage;

/// A pasted or typed line that names an existing file or directory, as terminals and
/// file managers write it: quoted, with `~`, or as a `file://` URL (what drag and drop
/// pastes).
pub fn named_path(text: &str) -> Option<std::path::PathBuf> {
    let line = text.trim();
    if line.is_empty() || line.contains('\n') || line.len() > 4096 {
        return None;
    }
    let unquoted = ['\'', '"']
        .iter()
        .find_map(|q| line.strip_prefix(*q).and_then(|l| l.strip_suffix(*q)))
        .unwrap_or(line);
    let unurl = match unquoted.strip_prefix("file://") {
        Some(rest) => percent_decode(rest.strip_prefix("localhost").unwrap_or(rest))?,
        None => unquoted.to_owned(),
    };
    let expanded = match unurl.strip_prefix("~/") {
        Some(rest) => std::path::PathBuf::from(std::env::var_os("HOME")?).join(rest),
        None => std::path::PathBuf::from(unurl),
    };
    // One stat, no walk: cheap enough on the UI thread.
    expanded.exists().then_some(expanded)
}

/// `%20` and friends in a `file://` URL; `None` when it is not valid UTF-8 after.
pub(super) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A typed line that names a file rather than pasting evidence.
pub(super) fn looks_like_a_path(text: &str) -> bool {
    !text.contains(char::is_whitespace)
        && (text.starts_with('/')
            || text.starts_with("./")
            || text.starts_with("../")
            || text.starts_with('~'))
}

/// The question asked of the first evidence in the sample session.
pub(super) fn new_incident_command(app: &mut App, message: Message) -> Option<Effect> {
    let Overlay::NewIncident(pending) = std::mem::replace(&mut app.overlay, Overlay::None) else {
        return None;
    };
    match message {
        Message::Open | Message::Submit | Message::NewIncident => {
            start_new_incident(app);
            add_pending(app, pending)
        }
        Message::AddToSample => {
            app.sample = false;
            add_pending(app, pending)
        }
        Message::Back => {
            app.say("not added: paste or add it again when you are ready");
            None
        }
        Message::Quit => {
            app.quit = true;
            None
        }
        _ => {
            app.overlay = Overlay::NewIncident(pending);
            None
        }
    }
}

pub(super) fn paste(app: &mut App, text: String) -> Option<Effect> {
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

pub(super) fn add_paste(app: &mut App, text: String) -> Option<Effect> {
    if text.trim().is_empty() {
        app.warn("nothing was pasted");
        return None;
    }
    // What drag and drop pastes: the path of a file, which is the evidence.
    if let Some(path) = named_path(&text) {
        return add_path(app, path);
    }
    // tmux and many terminals send line breaks as CR: a log must keep its lines.
    let text = normalise_line_breaks(text);
    if app.sample {
        app.overlay = Overlay::NewIncident(PendingEvidence::Paste(text));
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

/// CR and CRLF become LF.
pub fn normalise_line_breaks(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

pub(super) fn add_path(app: &mut App, path: std::path::PathBuf) -> Option<Effect> {
    if app.sample {
        app.overlay = Overlay::NewIncident(PendingEvidence::Path(path));
        return None;
    }
    app.edits.clear();
    let label = format!("reading {}", escape_control(&path.display().to_string()));
    Some(app.start_job(label, vec![path], None))
}

pub(super) fn add_pending(app: &mut App, pending: PendingEvidence) -> Option<Effect> {
    match pending {
        PendingEvidence::Paste(text) => add_paste(app, text),
        PendingEvidence::Path(path) => add_path(app, path),
    }
}

/// A clean incident: no inputs, no what-if, and the clock and keys of the command
/// line (never the sample's).
pub(super) fn start_new_incident(app: &mut App) {
    app.sample = false;
    app.inputs.clear();
    app.unopened.clear();
    app.removed.clear();
    app.edits.clear();
    app.options = DiagnoseOptions {
        filters: app.options.filters.clone(),
        ..app.user_options.clone()
    };
    app.source = strings::NEW_INCIDENT_SOURCE.to_owned();
    app.diagnosis = crate::diagnosis::diagnose(&[] as &[Input], &app.options, || {
        crate::clock::Clock::fixed(0)
    });
    app.selected = Stage::Workflow;
    app.scroll = 0;
    app.artifact_cursor = 0;
}

/// `q`: once more when pastes would be lost (they exist nowhere else).
pub(super) fn quit(app: &mut App) {
    let pastes = app
        .inputs
        .iter()
        .filter(|i| matches!(i.origin, Origin::Pasted))
        .count();
    if pastes == 0 || app.quit_armed {
        app.quit = true;
        return;
    }
    app.quit_armed = true;
    app.warn(format!(
        "{pastes} paste(s) exist only in this session: q again to quit (c copies the RCA first)"
    ));
}

pub(super) fn undo_remove(app: &mut App) -> Option<Effect> {
    let Some((index, input)) = app.removed.pop() else {
        app.say("nothing to undo");
        return None;
    };
    let name = escape_control(&input.name).into_owned();
    app.inputs.insert(index.min(app.inputs.len()), input);
    Some(app.start_job(format!("put back {name}; re-diagnosing"), Vec::new(), None))
}

pub(super) fn remove_artifact(app: &mut App) -> Option<Effect> {
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
    let removed = app.inputs.remove(index);
    app.removed.push((index, removed));
    app.edits.clear();
    Some(app.start_job(
        format!(
            "removed {}; re-diagnosing (u puts it back)",
            escape_control(&name)
        ),
        Vec::new(),
        None,
    ))
}
