//! Windows over the triage screen: the key help, the add-evidence field and the
//! what-if claim editor (drawn below the stage boxes, so the trust stage is seen
//! changing as claims are edited).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{Areas, bold, dim};
use crate::text::escape_control as esc;
use crate::token::claims::display_value;
use crate::tui::app::{App, PendingEvidence, WhatIfEditor, editable_text};
use crate::tui::editor::LineEditor;
use crate::tui::strings;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// Every key, in one column; at 24 rows it still fits whole.
pub fn help(frame: &mut Frame, area: Rect) {
    let key_width = strings::KEYS
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(8)
        + 2;
    let text_width = strings::KEYS
        .iter()
        .map(|(_, w)| w.chars().count())
        .max()
        .unwrap_or(20);
    let rect = centered(
        area,
        (key_width + text_width + 4) as u16,
        strings::KEYS.len() as u16 + 2,
    );
    let lines: Vec<Line<'_>> = strings::KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<key_width$}"), bold()),
                Span::raw(*what),
            ])
        })
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::new()
                .borders(Borders::ALL)
                .title(" Keys (? or Esc closes) "),
        ),
        rect,
    );
}

/// The field: its text and a cursor, scrolled so the cursor is visible.
fn field_line(editor: &LineEditor, width: u16) -> Line<'static> {
    let text: Vec<char> = esc(editor.text()).chars().collect();
    let room = usize::from(width).saturating_sub(4).max(1);
    let cursor = editor.cursor().min(text.len());
    let start = (cursor + 1).saturating_sub(room);
    let shown: String = text.iter().skip(start).take(room).collect();
    let before: String = text.iter().skip(start).take(cursor - start).collect();
    let after: String = shown.chars().skip(before.chars().count()).collect();
    let mut spans = vec![Span::styled("› ", bold())];
    if start > 0 {
        spans[0] = Span::styled("…", bold());
    }
    spans.push(Span::raw(before));
    spans.push(Span::styled("▏", Style::new().fg(Color::Cyan)));
    spans.push(Span::raw(after));
    Line::from(spans)
}

pub fn add_evidence(frame: &mut Frame, area: Rect, editor: &LineEditor) {
    let rect = centered(area, 76, 7);
    let lines = vec![
        Line::from(Span::raw(strings::ADD_EVIDENCE_HINT)),
        Line::default(),
        field_line(editor, rect.width.saturating_sub(2)),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::new().borders(Borders::ALL).title(" Add evidence ")),
        rect,
    );
}

/// The question asked of the first evidence given in the sample session.
pub fn new_incident(frame: &mut Frame, area: Rect, pending: &PendingEvidence) {
    let rect = centered(area, 76, 9);
    let what = match pending {
        PendingEvidence::Paste(text) => format!(
            "Your paste: {} line(s), {} byte(s).",
            text.lines().count(),
            text.len()
        ),
        PendingEvidence::Path(path) => {
            format!("Your file: {}", esc(&path.display().to_string()))
        }
    };
    let lines = vec![
        Line::from(Span::raw(strings::NEW_INCIDENT_QUESTION)),
        Line::default(),
        Line::from(Span::raw(what)),
        Line::default(),
        Line::from(Span::styled(
            strings::FOOTER_NEW_INCIDENT,
            Style::new().add_modifier(Modifier::BOLD),
        )),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::new().borders(Borders::ALL).title(" New incident? ")),
        rect,
    );
}

/// The claim editor over the lower part of the screen.
pub fn what_if(app: &App, w: &WhatIfEditor, frame: &mut Frame, areas: Areas) {
    let top = areas.detail.y + areas.detail.height / 3;
    let bottom = areas.status.y;
    let rect = Rect::new(
        areas.detail.x,
        top,
        areas.detail.width,
        bottom.saturating_sub(top),
    );
    let rows = usize::from(rect.height.saturating_sub(3));
    let first = (w.cursor + 1).saturating_sub(rows.max(1));
    let name_width = w
        .original
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(3)
        .min(22);
    let verdict = match app.diagnosis.trust.allowed {
        Some(true) => Span::styled("trust ✓ admits", Style::new().fg(Color::Green)),
        Some(false) => Span::styled(
            "trust ✗ refuses",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        None => Span::styled(
            "no trust configuration loaded: add one to see the verdict",
            dim(),
        ),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("Now: ", bold()),
        verdict,
        Span::styled(
            if app.running.is_some() {
                "  (re-evaluating…)"
            } else {
                ""
            },
            Style::new().fg(Color::Cyan),
        ),
    ])];
    for (i, (name, original)) in w.original.iter().enumerate().skip(first).take(rows) {
        let edit = app.edits.iter().find(|e| &e.claim == name);
        let cursor = i == w.cursor;
        let marker = if cursor { "▶ " } else { "  " };
        let mut spans = vec![
            Span::raw(marker),
            Span::styled(
                format!("{:<name_width$} ", esc(name)),
                if cursor {
                    Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
                } else {
                    Style::new().fg(Color::Cyan)
                },
            ),
        ];
        match (edit, cursor, &w.editing) {
            (_, true, Some(editor)) => {
                spans.extend(
                    field_line(editor, rect.width.saturating_sub(name_width as u16 + 6)).spans,
                );
            }
            (Some(e), _, _) => {
                let now = e
                    .value
                    .as_ref()
                    .map_or_else(|| "(removed)".to_owned(), display_value);
                spans.push(Span::styled(
                    format!("✎ {}", esc(&now)),
                    Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
                ));
                spans.push(Span::styled(
                    format!("  was {}", esc(&editable_text(original))),
                    dim(),
                ));
            }
            _ => spans.push(Span::raw(esc(&display_value(original)).into_owned())),
        }
        lines.push(super::wrap::fit(spans, rect.width.saturating_sub(2)));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::new()
                .borders(Borders::ALL)
                .border_style(Style::new().fg(Color::Magenta))
                .title(Span::styled(
                    format!(" What-if: edit a claim of {} ", esc(&w.artifact)),
                    bold(),
                )),
        ),
        rect,
    );
}
