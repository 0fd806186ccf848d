//! The pure view: draws the [`App`] into a frame and changes nothing. Every string
//! from input is escaped before it is drawn; status is carried by words and marks as
//! well as colour, so the screen reads under NO_COLOR and for colour-blind users.
//!
//! Layout, top to bottom: the title, the one-line summary (wrapped, at most three
//! rows), the five stage boxes, the selected stage's detail, the artifacts, a status
//! row (progress, search, what just happened) and the footer of keys.

mod artifacts;
mod detail;
mod overlay;
mod pipeline;
pub mod wrap;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub use detail::{detail_lines, search_hits};
pub use pipeline::stage_at;

use super::app::{App, Overlay, Pane, human_bytes};
use super::strings;
use crate::text::escape_control as esc;
use crate::vocabulary::StageStatus;
use wrap::Row;

const PIPELINE_ROWS: u16 = 4;
/// The summary wraps to at most this many rows; the RCA copy has it whole.
const SUMMARY_MAX_ROWS: usize = 3;
/// Spinner frames for the running diagnosis.
const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

/// Where each part of the screen goes at the app's size: the view draws into it and
/// `update` maps clicks with it, so the two never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub summary: Rect,
    pub pipeline: Rect,
    pub detail: Rect,
    pub artifacts: Rect,
    pub status: Rect,
    pub footer: Rect,
}

impl Areas {
    pub fn compute(app: &App) -> Areas {
        Areas::for_area(app, Rect::new(0, 0, app.width, app.height))
    }

    fn for_area(app: &App, area: Rect) -> Areas {
        let summary_rows = summary_lines(app, area.width).len() as u16;
        let fixed = 1 + summary_rows + PIPELINE_ROWS + 2;
        let rest = area.height.saturating_sub(fixed);
        let wanted = app.diagnosis.artifacts.len().max(1) as u16 + 2;
        let artifacts_rows = wanted.min((rest / 3).max(3)).min(rest);
        let detail_rows = rest - artifacts_rows;
        let mut y = area.y;
        let mut take = |h: u16| {
            let h = h.min(area.y + area.height - y);
            let r = Rect::new(area.x, y, area.width, h);
            y += h;
            r
        };
        Areas {
            title: take(1),
            summary: take(summary_rows),
            pipeline: take(PIPELINE_ROWS),
            detail: take(detail_rows),
            artifacts: take(artifacts_rows),
            status: take(1),
            footer: take(1),
        }
    }
}

/// Rows inside the detail pane's border.
pub fn detail_height(app: &App) -> u16 {
    Areas::compute(app).detail.height.saturating_sub(2)
}

/// The artifact whose row is at a screen position.
pub fn artifact_at(app: &App, areas: &Areas, column: u16, row: u16) -> Option<usize> {
    artifacts::artifact_at(app, areas.artifacts, column, row)
}

fn status_style(status: StageStatus) -> Style {
    match status {
        StageStatus::Passed => Style::new().fg(Color::Green),
        StageStatus::Failed => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        StageStatus::NoEvidence => Style::new().fg(Color::Yellow),
        StageStatus::NotReached => Style::new().fg(Color::DarkGray),
    }
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// Draw the whole screen.
pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let areas = Areas::for_area(app, area);
    draw_title(app, frame, areas.title);
    frame.render_widget(
        Paragraph::new(summary_lines(app, area.width)),
        areas.summary,
    );
    pipeline::draw(app, frame, areas.pipeline);
    detail::draw(app, frame, areas.detail);
    artifacts::draw(app, frame, areas.artifacts);
    draw_status(app, frame, areas.status);
    draw_footer(app, frame, areas.footer);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => overlay::help(frame, area),
        Overlay::AddEvidence(editor) => overlay::add_evidence(frame, area, editor),
        Overlay::WhatIf(editor) => overlay::what_if(app, editor, frame, areas),
        Overlay::NewIncident(pending) => overlay::new_incident(frame, area, pending),
    }
    gate_buffer(frame.buffer_mut());
}

/// The output gate over a drawn frame: the last step of every draw, so whatever a
/// panel put on screen, no control or invisible character reaches the terminal (a
/// cell holding one shows `�`) and no secret a row spells out is shown (the row is
/// rewritten with it redacted, its styles kept). Panels escape and redact their own
/// text already; this makes it hold for any panel added later.
pub fn gate_buffer(buf: &mut ratatui::buffer::Buffer) {
    let area = buf.area;
    let mut row = String::with_capacity(usize::from(area.width) * 2);
    for y in area.top()..area.bottom() {
        row.clear();
        for x in area.left()..area.right() {
            let cell = &mut buf[(x, y)];
            if cell.symbol().chars().any(crate::text::is_unsafe_char) {
                cell.set_symbol("\u{fffd}");
            }
            row.push_str(cell.symbol());
        }
        if let std::borrow::Cow::Owned(redacted) = crate::text::redact_secrets(&row) {
            let (end, _) = buf.set_stringn(
                area.left(),
                y,
                &redacted,
                usize::from(area.width),
                Style::default(),
            );
            for x in end..area.right() {
                buf[(x, y)].set_symbol(" ");
            }
        }
    }
}

fn draw_title(app: &App, frame: &mut Frame, area: Rect) {
    let mut spans = vec![
        Span::styled(
            " oidc-triage ",
            Style::new().add_modifier(Modifier::REVERSED),
        ),
        Span::styled(format!(" {}", esc(&app.source)), dim()),
    ];
    if !app.edits.is_empty() {
        spans.push(Span::styled(
            "  WHAT-IF: edited claims, not a real token ",
            Style::new()
                .fg(Color::Magenta)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        ));
    }
    if let Some(r) = &app.running {
        spans.push(Span::styled(
            format!("  {} working", SPINNER[(r.frame % 4) as usize]),
            Style::new().fg(Color::Cyan),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The summary, wrapped; a fourth row would be cut, so the third ends with `…`.
fn summary_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let row = Row::new(
        vec![Span::styled(
            format!(" {}", esc(&app.diagnosis.summary)),
            bold(),
        )],
        1,
    );
    let mut lines = wrap::wrap(&row, width.max(10));
    if lines.len() > SUMMARY_MAX_ROWS {
        lines.truncate(SUMMARY_MAX_ROWS);
        if let Some(last) = lines.last_mut() {
            let text: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            let keep: String = text
                .chars()
                .take(usize::from(width).saturating_sub(2))
                .collect();
            *last = Line::from(Span::styled(format!("{keep}…"), bold()));
        }
    }
    lines
}

fn draw_status(app: &App, frame: &mut Frame, area: Rect) {
    let line = if let Some(search) = app.search.as_ref() {
        let query = search.editor.text().to_lowercase();
        let hits = if query.is_empty() {
            0
        } else {
            search_hits(app, &query).len()
        };
        let cursor = if search.typing { "▏" } else { "" };
        Line::from(vec![
            Span::styled(" /", bold()),
            Span::raw(format!("{}{cursor}", esc(search.editor.text()))),
            Span::styled(
                match hits {
                    0 if query.is_empty() => String::new(),
                    0 => "  no match".to_owned(),
                    1 => "  1 match".to_owned(),
                    n => format!("  {n} matches  n/N next/previous"),
                },
                dim(),
            ),
        ])
    } else if let Some(r) = &app.running {
        progress_line(r, area.width)
    } else if let Some(status) = &app.status {
        let style = if status.error {
            Style::new().fg(Color::Red)
        } else {
            Style::new().fg(Color::Green)
        };
        let mark = if status.error { "✗" } else { "✓" };
        Line::from(Span::styled(
            format!(" {mark} {}", esc(&status.text)),
            style,
        ))
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// `◐ reading export.json  123.4 MiB of 500.0 MiB  24% [████░░░░░░]`; without a
/// known size, the bytes read so far.
fn progress_line(r: &super::app::Running, width: u16) -> Line<'static> {
    let spinner = SPINNER[(r.frame % 4) as usize];
    let mut spans = vec![Span::styled(
        format!(" {spinner} {}", esc(&r.label)),
        Style::new().fg(Color::Cyan),
    )];
    match r.expected {
        // Not every reader is counted (a small log is scanned in memory): show a
        // fraction only once bytes are being counted, never a bar stuck at 0%.
        Some(total) if total > 0 && r.read > 0 => {
            let fraction = (r.read as f64 / total as f64).min(1.0);
            let text = format!(
                "  {} of {}  {:>3}% ",
                human_bytes(r.read.min(total)),
                human_bytes(total),
                (fraction * 100.0) as u32
            );
            let used: usize = spans.iter().map(|s| s.width()).sum::<usize>() + text.chars().count();
            let bar = usize::from(width).saturating_sub(used + 3).min(30);
            let filled = (fraction * bar as f64).round() as usize;
            spans.push(Span::raw(text));
            if bar >= 5 {
                spans.push(Span::styled(
                    format!("[{}{}]", "█".repeat(filled), "░".repeat(bar - filled)),
                    Style::new().fg(Color::Cyan),
                ));
            }
        }
        _ if r.read > 0 => spans.push(Span::raw(format!("  {} read", human_bytes(r.read)))),
        _ => {}
    }
    Line::from(spans)
}

fn draw_footer(app: &App, frame: &mut Frame, area: Rect) {
    let hint = match &app.overlay {
        Overlay::Help => strings::FOOTER_HELP,
        Overlay::AddEvidence(_) => strings::FOOTER_ADD,
        Overlay::WhatIf(w) if w.editing.is_some() => strings::FOOTER_WHAT_IF_EDIT,
        Overlay::WhatIf(_) => strings::FOOTER_WHAT_IF,
        Overlay::NewIncident(_) => strings::FOOTER_NEW_INCIDENT,
        Overlay::None if app.search.as_ref().is_some_and(|s| s.typing) => strings::FOOTER_SEARCH,
        Overlay::None => match app.focus {
            Pane::Stages => strings::FOOTER_STAGES,
            Pane::Detail => strings::FOOTER_DETAIL,
            Pane::Artifacts => strings::FOOTER_ARTIFACTS,
        },
    };
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(format!(" {hint}"), dim()))),
        area,
    );
}

/// True when a screen position is inside a rectangle.
fn contains(rect: Rect, column: u16, row: u16) -> bool {
    rect.contains(Position { x: column, y: row })
}
