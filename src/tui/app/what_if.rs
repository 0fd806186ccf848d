//! What-if: edit a claim of the loaded token and re-run trust on the edited claims,
//! so a denied pull-request path can be retested without a pipeline run.

use serde_json::Value;

use super::{App, Effect, Message, Overlay, WhatIfEditor};
use crate::diagnosis::ClaimEdit;
use crate::tui::editor::LineEditor;
use crate::tui::strings;
use crate::vocabulary::Stage;

pub(super) fn what_if_command(app: &mut App, message: Message) -> Option<Effect> {
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
pub(super) fn current_value(edits: &[ClaimEdit], w: &WhatIfEditor) -> Option<Value> {
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

pub(super) fn set_claim(app: &mut App, w: &WhatIfEditor, typed: &str) -> Option<Effect> {
    let (name, original) = w.original.get(w.cursor)?;
    // A claim issued as a string stays a string whatever is typed; others parse as
    // JSON (a number, a list), falling back to a string.
    let value = match original {
        Value::String(_) => Value::String(typed.to_owned()),
        _ => serde_json::from_str(typed).unwrap_or_else(|_| Value::String(typed.to_owned())),
    };
    edit_claim(app, name.clone(), Some(value))
}

pub(super) fn edit_claim(app: &mut App, claim: String, value: Option<Value>) -> Option<Effect> {
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
pub(super) fn pull_request_subject(app: &mut App, w: &WhatIfEditor) -> Option<Effect> {
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

pub(super) fn reset_what_if(app: &mut App) -> Option<Effect> {
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

pub(super) fn open_what_if(app: &mut App) {
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
