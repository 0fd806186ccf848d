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
/// Between stage boxes: a drawn arrow when there is room, a bare one when the
/// boxes need every column to show their status words whole.
const WIDE_ARROW: &str = " ─▶ ";
const NARROW_ARROW: &str = "▶";
/// Below this width the boxes take the narrow arrow.
const WIDE_LAYOUT_MIN: u16 = 131;

fn arrow_for(width: u16) -> &'static str {
    if width >= WIDE_LAYOUT_MIN {
        WIDE_ARROW
    } else {
        NARROW_ARROW
    }
}

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
    let arrow = arrow_for(width).chars().count() as u16;
    let box_width = width.saturating_sub(4 * arrow) / 5;
    let mut columns = [(0, 0); 5];
    for (i, column) in columns.iter_mut().enumerate() {
        *column = (i as u16 * (box_width + arrow), box_width);
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
    let arrow_text = arrow_for(area.width);
    for (i, stage) in Stage::ALL.into_iter().enumerate() {
        let (x, w) = columns[i];
        let inner = w.saturating_sub(2) as usize;
        let rect = Rect::new(area.x + x, area.y, w, area.height);
        let status = app.status(stage);
        let stopped = app.diagnosis.stopped_at == Some(stage);
        let selected = app.selected == stage;
        let mut border = status_style(status);
        if selected {
            border = border.add_modifier(Modifier::BOLD);
        }
        // Long names where they fit whole, short labels where they would be cut.
        let name = if stage.title().chars().count() <= inner {
            stage.title()
        } else {
            stage.label()
        };
        let number = if selected {
            format!("▶{}", i + 1)
        } else {
            format!(" {}", i + 1)
        };
        let mut block = Block::new()
            .borders(Borders::ALL)
            .border_type(if selected {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(border)
            .title(Span::styled(number, border));
        if stopped {
            // On the bottom border, where it never competes with the status words.
            let mark = if inner >= 13 {
                "◀ stops here"
            } else {
                "◀ stops"
            };
            block = block.title_bottom(Span::styled(mark, border.add_modifier(Modifier::REVERSED)));
        }
        let lines = vec![
            Line::from(Span::styled(
                name,
                Style::new().add_modifier(Modifier::BOLD),
            )),
            Line::from(Span::styled(
                format!("{} {}", status.mark(), status.label()),
                status_style(status),
            )),
        ];
        frame.render_widget(Paragraph::new(lines).block(block), rect);
        if i < 4 {
            let arrow = Rect::new(
                area.x + x + w,
                area.y + 1,
                arrow_text.chars().count() as u16,
                1,
            );
            frame.render_widget(
                Paragraph::new(arrow_text).style(Style::new().fg(Color::DarkGray)),
                arrow,
            );
        }
    }
}

/// Lines of the detail pane before wrapping: bounds scrolling.
pub fn detail_line_count(app: &App) -> u16 {
    let stage = app.diagnosis.stage(app.selected);
    let findings = app.diagnosis.findings_on(app.selected).count();
    let trust = if app.selected == Stage::Trust {
        app.diagnosis.trust.conditions.len() * 2 + app.diagnosis.what_if.len() + 2
    } else {
        0
    };
    let total = 2
        + stage.evidence.len()
        + findings * 4
        + trust
        + app.diagnosis.next_evidence.len() * 2
        + app.diagnosis.artifacts.len()
        + 4;
    u16::try_from(total).unwrap_or(u16::MAX)
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
    if app.selected == Stage::Trust && app.diagnosis.trust.evaluated {
        let trust = &app.diagnosis.trust;
        lines.push(Line::raw(""));
        let verdict = match trust.allowed {
            Some(true) => Span::styled("✓ admits the token", Style::new().fg(Color::Green)),
            Some(false) => Span::styled(
                "✗ refuses the token",
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
            None => Span::styled("not evaluated", Style::new().fg(Color::DarkGray)),
        };
        lines.push(Line::from(vec![
            Span::styled("Conditions  ", Style::new().add_modifier(Modifier::BOLD)),
            verdict,
        ]));
        for c in &trust.conditions {
            let (mark, style) = if c.matched {
                ("✓", Style::new().fg(Color::Green))
            } else {
                (
                    "✗",
                    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                )
            };
            let expected = c
                .expected
                .iter()
                .map(|e| esc(e).into_owned())
                .collect::<Vec<_>>()
                .join(" | ");
            let actual = c
                .actual
                .as_deref()
                .map(|a| esc(a).into_owned())
                .unwrap_or_else(|| "(absent)".to_owned());
            lines.push(Line::from(vec![
                Span::styled(format!("  {mark} "), style),
                Span::raw(format!("{} {} {expected}", esc(&c.key), esc(&c.operator))),
                Span::styled(format!("  token: {actual}"), Style::new().fg(Color::Cyan)),
            ]));
            if let Some(n) = &c.near_miss {
                lines.push(Line::from(Span::styled(
                    format!("    near miss: {}", esc(&n.explanation)),
                    Style::new().fg(Color::Yellow),
                )));
            }
        }
        for w in &app.diagnosis.what_if {
            let answer = if w.allowed { "admitted" } else { "refused" };
            lines.push(Line::raw(format!(
                "  what if: {} → {answer}",
                esc(&w.question)
            )));
        }
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
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        "Artifacts",
        Style::new().add_modifier(Modifier::BOLD),
    )));
    for a in &app.diagnosis.artifacts {
        let mut spans = vec![
            Span::raw(format!("  {}  ", esc(&a.name))),
            Span::styled(a.kind.name(), Style::new().fg(Color::Cyan)),
            Span::styled(
                format!("  {} bytes", a.size),
                Style::new().fg(Color::DarkGray),
            ),
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
            spans.push(Span::styled(
                format!("  {}", esc(note)),
                Style::new().fg(Color::DarkGray),
            ));
        }
        lines.push(Line::from(spans));
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
    let height = area.height.min(9);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let keys = [
        ("←/→ h/l", "select the previous/next stage"),
        ("Tab S-Tab", "next/previous stage"),
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
