//! TUI state and its one update function. The state holds a finished diagnosis; the
//! view reads it and never changes it.

use crate::diagnosis::{Diagnosis, Stage, StageStatus};

/// Everything the screen shows.
pub struct App {
    pub diagnosis: Diagnosis,
    /// Where the inputs came from ("built-in sample incident", "2 inputs").
    pub source: String,
    pub selected: Stage,
    /// First visible line of the detail pane.
    pub scroll: u16,
    pub help: bool,
    pub quit: bool,
}

/// Everything that can happen to the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    NextStage,
    PreviousStage,
    SelectStage(Stage),
    ScrollDown,
    ScrollUp,
    ToggleHelp,
    CloseOverlay,
    Click { column: u16, row: u16 },
    Redraw,
    Quit,
}

impl App {
    /// A new session on a diagnosis: the stage where evidence stops (or the stage of
    /// the riskiest finding on a healthy path) is selected.
    pub fn new(diagnosis: Diagnosis, source: impl Into<String>) -> App {
        let selected = diagnosis
            .stopped_at
            .or_else(|| {
                diagnosis
                    .findings
                    .iter()
                    .filter(|f| f.risk.is_some())
                    .max_by_key(|f| f.risk)
                    .map(|f| f.stage)
            })
            .unwrap_or(Stage::Workflow);
        App {
            diagnosis,
            source: source.into(),
            selected,
            scroll: 0,
            help: false,
            quit: false,
        }
    }

    /// The status of a stage.
    pub fn status(&self, stage: Stage) -> StageStatus {
        self.diagnosis.stage(stage).status
    }
}

/// Apply a message. `width` is the terminal width, for mapping clicks to stages.
pub fn update(app: &mut App, message: Message, width: u16) {
    match message {
        Message::NextStage => select(app, Stage::ALL[(app.selected.index() + 1) % 5]),
        Message::PreviousStage => select(app, Stage::ALL[(app.selected.index() + 4) % 5]),
        Message::SelectStage(stage) => select(app, stage),
        Message::ScrollDown => {
            app.scroll = app
                .scroll
                .saturating_add(1)
                .min(super::view::detail_line_count(app).saturating_sub(1))
        }
        Message::ScrollUp => app.scroll = app.scroll.saturating_sub(1),
        Message::ToggleHelp => app.help = !app.help,
        Message::CloseOverlay => app.help = false,
        Message::Click { column, row } => {
            if let Some(stage) = super::view::stage_at(width, column, row) {
                select(app, stage);
            }
        }
        Message::Redraw => {}
        Message::Quit => app.quit = true,
    }
}

fn select(app: &mut App, stage: Stage) {
    if app.selected != stage {
        app.selected = stage;
        app.scroll = 0;
    }
}
