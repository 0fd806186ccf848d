//! The pure view: draws the App into a frame and changes nothing. Every string from
//! input is escaped before it is drawn; status is carried by words and marks as well as
//! colour, so the screen reads under NO_COLOR and for colour-blind users.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::app::App;
use crate::diagnosis::{Outcome, Severity, Stage, StageStatus};
use crate::text::escape_control as esc;

const TITLE_ROWS: u16 = 1;
const PIPELINE_ROWS: u16 = 4;
const ARROW: &str = " ─▶ ";

fn status_style(status: StageStatus) -> Style {
    match status {
        StageStatus::Passed => Style::new().fg(Color::Green),
        StageStatus::Failed => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        StageStatus::NoEvidence => Style::new().fg(Color::Yellow),
        StageStatus::NotReached => Style::new().fg(Color::DarkGray),
    }
}

/// Column start and width of each stage box for a terminal `width` wide.
fn stage_columns(width: u16) -> [(u16, u16); 5] {
    let arrows = 4 * ARROW.chars().count() as u16;
    let box_width = width.saturating_sub(arrows) / 5;
    let mut columns = [(0, 0); 5];
    for (i, column) in columns.iter_mut().enumerate() {
        let i = i as u16;
        *column = (i * (box_width + ARROW.chars().count() as u16), box_width);
    }
    columns
}

/// The stage whose box is at a screen position (mouse clicks).
pub fn stage_at(width: u16, column: u16, row: u16) -> Option<Stage> {
    if !(TITLE_ROWS..TITLE_ROWS + PIPELINE_ROWS).contains(&row) {
        return None;
    }
    stage_columns(width)
        .iter()
        .position(|&(x, w)| column >= x && column < x + w)
        .map(|i| Stage::ALL[i])
}

/// Draw the whole screen.
pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let [title, pipeline, detail, footer] = Layout::vertical([
        Constraint::Length(TITLE_ROWS),
        Constraint::Length(PIPELINE_ROWS),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);

    let summary = esc(&app.diagnosis.summary).into_owned();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                " oidc-triage ",
                Style::new().add_modifier(Modifier::REVERSED),
            ),
            Span::raw(" "),
            Span::styled(summary, Style::new().add_modifier(Modifier::BOLD)),
            Span::styled(
                format!("  ({})", esc(&app.source)),
                Style::new().fg(Color::DarkGray),
            ),
        ])),
        title,
    );
    draw_pipeline(app, frame, pipeline);
    draw_detail(app, frame, detail);
    frame.render_widget(
        Paragraph::new(Line::from(vec![Span::styled(
            " ←/→ stage  ↑/↓ scroll  ? help  q quit",
            Style::new().fg(Color::DarkGray),
        )])),
        footer,
    );
    if app.help {
        draw_help(frame, area);
    }
}

fn draw_pipeline(app: &App, frame: &mut Frame, area: Rect) {
    let columns = stage_columns(area.width);
    let narrow = columns[0].1 < 18;
    for (i, stage) in Stage::ALL.into_iter().enumerate() {
        let (x, w) = columns[i];
        let rect = Rect::new(area.x + x, area.y, w, area.height);
        let status = app.status(stage);
        let stopped = app.diagnosis.stopped_at == Some(stage);
        let selected = app.selected == stage;
        let mut border = status_style(status);
        if selected {
            border = border.add_modifier(Modifier::BOLD);
        }
        let name = if narrow { stage.label() } else { stage.title() };
        let block = Block::new()
            .borders(Borders::ALL)
            .border_type(if selected {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(border)
            .title(Span::styled(
                if selected {
                    format!("▶{}", i + 1)
                } else {
                    format!(" {}", i + 1)
                },
                border,
            ));
        let mut lines = vec![Line::from(Span::styled(
            name,
            Style::new().add_modifier(Modifier::BOLD),
        ))];
        let mut status_line = format!("{} {}", status.mark(), status.label());
        if stopped {
            status_line.push_str(if narrow { " ◀" } else { " ◀ stops" });
        }
        lines.push(Line::from(Span::styled(status_line, status_style(status))));
        frame.render_widget(Paragraph::new(lines).block(block), rect);
        if i < 4 {
            let arrow = Rect::new(area.x + x + w, area.y + 1, ARROW.chars().count() as u16, 1);
            frame.render_widget(
                Paragraph::new(ARROW).style(Style::new().fg(Color::DarkGray)),
                arrow,
            );
        }
    }
}

fn draw_detail(app: &App, frame: &mut Frame, area: Rect) {
    let stage = app.diagnosis.stage(app.selected);
    let mut lines: Vec<Line<'_>> = Vec::new();
    lines.push(Line::from(Span::styled(
        "Evidence",
        Style::new().add_modifier(Modifier::BOLD),
    )));
    if stage.evidence.is_empty() {
        lines.push(Line::from(Span::styled(
            "  (no evidence for this stage)",
            Style::new().fg(Color::DarkGray),
        )));
    }
    for e in &stage.evidence {
        let (word, style) = match e.outcome {
            Outcome::Pass => ("pass", Style::new().fg(Color::Green)),
            Outcome::Fail => (
                "FAIL",
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
            Outcome::Info => ("info", Style::new().fg(Color::DarkGray)),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {word} "), style),
            Span::styled(
                format!("{} {} ", esc(&e.artifact), esc(&e.locator)),
                Style::new().fg(Color::Cyan),
            ),
            Span::raw(esc(&e.summary).into_owned()),
        ]));
    }
    let findings: Vec<_> = app.diagnosis.findings_on(app.selected).collect();
    if !findings.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            "Findings",
            Style::new().add_modifier(Modifier::BOLD),
        )));
    }
    for f in findings {
        let style = match f.severity {
            Severity::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Severity::Warning => Style::new().fg(Color::Yellow),
            Severity::Info => Style::new().fg(Color::DarkGray),
        };
        let risk = f
            .risk
            .map(|r| format!(" [risk {}]", r.name()))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", f.severity.name()), style),
            Span::styled(f.id, Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!("  {}{risk}", f.title)),
        ]));
        lines.push(Line::raw(format!("    cause: {}", esc(&f.cause))));
        lines.push(Line::raw(format!("    fix:   {}", esc(&f.fix))));
    }
    let next: Vec<_> =
        if stage.status != StageStatus::Passed && app.diagnosis.stopped_at == Some(app.selected) {
            app.diagnosis.next_evidence.iter().collect()
        } else {
            Vec::new()
        };
    if !next.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            "Next evidence",
            Style::new().add_modifier(Modifier::BOLD),
        )));
        for n in next {
            lines.push(Line::raw(format!("  - {}", esc(&n.what))));
            lines.push(Line::from(Span::styled(
                format!("    $ {}", esc(&n.command)),
                Style::new().fg(Color::Cyan),
            )));
        }
    }
    let title = format!(
        " {} — {} {} ",
        app.selected.title(),
        stage.status.mark(),
        stage.status.label()
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .title(Span::styled(title, status_style(stage.status)));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((app.scroll, 0)),
        area,
    );
}

fn draw_help(frame: &mut Frame, area: Rect) {
    let width = area.width.min(54);
    let height = area.height.min(12);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let keys = [
        ("←/→ h/l Tab", "select the previous/next stage"),
        ("↑/↓ j/k", "scroll the detail pane"),
        ("click", "select a stage"),
        ("?", "show or hide this help"),
        ("Esc", "close this help"),
        ("q Ctrl-C", "quit"),
    ];
    let lines: Vec<Line<'_>> = keys
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {k:<13}"),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::ALL).title(" Keys ")),
        rect,
    );
}
