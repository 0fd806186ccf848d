//! The artifacts pane: every input with its sniffed kind and size, why an unusable one
//! is unusable, and the cursor for Enter (its stage) and `d` (remove).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::{contains, dim};
use crate::text::escape_control as esc;
use crate::tui::app::{App, Overlay, Pane, human_bytes};

/// First artifact shown, so the cursor stays in view.
fn first_visible(app: &App, rows: usize) -> usize {
    (app.artifact_cursor + 1).saturating_sub(rows.max(1))
}

/// The artifact on a screen row of the pane.
pub fn artifact_at(app: &App, area: Rect, column: u16, row: u16) -> Option<usize> {
    if !contains(area, column, row) || row <= area.y || row + 1 >= area.y + area.height {
        return None;
    }
    let rows = usize::from(area.height.saturating_sub(2));
    let index = first_visible(app, rows) + usize::from(row - area.y - 1);
    (index < app.diagnosis.artifacts.len()).then_some(index)
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Pane::Artifacts && app.overlay == Overlay::None;
    let artifacts = &app.diagnosis.artifacts;
    let rows = usize::from(area.height.saturating_sub(2));
    let first = first_visible(app, rows);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if artifacts.is_empty() {
        lines.push(Line::from(Span::styled(
            "  nothing loaded yet: paste evidence, or press a to add a file",
            dim(),
        )));
    }
    for (i, a) in artifacts.iter().enumerate().skip(first).take(rows) {
        let cursor = focused && i == app.artifact_cursor;
        let marker = if cursor { "▶ " } else { "  " };
        let name_style = if cursor {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
        };
        let size = if a.size == 0 {
            String::new()
        } else {
            format!("  {}", human_bytes(a.size as u64))
        };
        let mut spans = vec![
            Span::raw(marker),
            Span::styled(esc(&a.name).into_owned(), name_style),
            Span::styled(format!("  {}", a.kind.name()), Style::new().fg(Color::Cyan)),
            Span::styled(size, dim()),
        ];
        if let Some(error) = &a.error {
            spans.push(Span::styled(
                format!("  unusable: {}", esc(error)),
                Style::new().fg(Color::Red),
            ));
        } else if !a.usable() {
            let tried = a
                .tried
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", ");
            spans.push(Span::styled(
                format!(
                    "  not recognised (tried {tried}); starts \"{}\"",
                    a.preview.as_deref().unwrap_or_default()
                ),
                Style::new().fg(Color::Yellow),
            ));
        } else if let Some(note) = &a.note {
            spans.push(Span::styled(format!("  {}", esc(note)), dim()));
        }
        lines.push(super::wrap::fit(spans, area.width.saturating_sub(2)));
    }
    let more = artifacts.len().saturating_sub(first + rows);
    let title = format!(" Artifacts ({}) ", artifacts.len());
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .title(Span::styled(
            title,
            Style::new().add_modifier(Modifier::BOLD),
        ));
    if more > 0 || first > 0 {
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(" {first} above, {more} below "),
                dim(),
            ))
            .right_aligned(),
        );
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
