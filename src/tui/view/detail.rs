//! The selected stage's detail, most decisive first: its evidence (each line with
//! artifact and locator), the findings with cause and fix, the trust conditions with
//! ✓/✗ and the near miss, what to collect next, and the token's claims with meanings
//! and relative times.
//! Rows wrap with a hanging indent; search matches are marked in the gutter and
//! highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::wrap::{Row, wrap};
use super::{bold, dim, status_style};
use crate::text::escape_control as esc;
use crate::token::claims::display_value;
use crate::tui::app::{App, Overlay, Pane};
use crate::tui::strings;
use crate::vocabulary::{Outcome, Severity, Stage, StageStatus};

fn heading(text: impl Into<String>) -> Row {
    Row::new(vec![Span::styled(text.into(), bold())], 0)
}

fn fail() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

fn pass() -> Style {
    Style::new().fg(Color::Green)
}

fn cyan() -> Style {
    Style::new().fg(Color::Cyan)
}

/// The logical rows of one stage's detail.
fn rows(app: &App, stage: Stage) -> Vec<Row> {
    let d = &app.diagnosis;
    let report = d.stage(stage);
    let mut rows = vec![heading("Evidence")];
    if report.evidence.is_empty() {
        rows.push(Row::new(
            vec![Span::styled(format!("  {}", strings::NO_EVIDENCE), dim())],
            2,
        ));
    }
    for e in &report.evidence {
        let (word, style) = match e.outcome {
            Outcome::Pass => ("pass", pass()),
            Outcome::Fail => ("FAIL", fail()),
            Outcome::Info => ("info", dim()),
        };
        rows.push(Row::new(
            vec![
                Span::styled(format!("  {word} "), style),
                Span::styled(format!("{} {} ", esc(&e.artifact), esc(&e.locator)), cyan()),
                Span::raw(esc(&e.summary).into_owned()),
            ],
            7,
        ));
    }
    let findings: Vec<_> = d.findings_on(stage).collect();
    if !findings.is_empty() {
        rows.push(Row::blank());
        rows.push(heading("Findings"));
    }
    for f in findings {
        let style = match f.severity {
            Severity::Error => fail(),
            Severity::Warning => Style::new().fg(Color::Yellow),
            Severity::Info => dim(),
        };
        let risk = f
            .risk
            .map(|r| format!(" [risk {}]", r.name()))
            .unwrap_or_default();
        rows.push(Row::new(
            vec![
                Span::styled(format!("  {} ", f.severity.name()), style),
                Span::styled(f.id, bold()),
                Span::raw(format!("  {}", esc(f.title))),
                Span::styled(risk, fail()),
            ],
            4,
        ));
        rows.push(Row::new(
            vec![
                Span::styled("    cause: ", dim()),
                Span::raw(esc(&f.cause).into_owned()),
            ],
            11,
        ));
        rows.push(Row::new(
            vec![
                Span::styled("    fix:   ", dim()),
                Span::raw(esc(&f.fix).into_owned()),
            ],
            11,
        ));
        for e in f.evidence.iter().take(3) {
            rows.push(Row::new(
                vec![
                    Span::styled("    proof: ", dim()),
                    Span::styled(format!("{} {}", esc(&e.artifact), esc(&e.locator)), cyan()),
                ],
                11,
            ));
        }
    }
    if stage == Stage::Trust {
        trust_rows(app, &mut rows);
    }
    if report.status != StageStatus::Passed
        && d.stopped_at == Some(stage)
        && !d.next_evidence.is_empty()
    {
        rows.push(Row::blank());
        rows.push(heading("Next evidence"));
        for n in &d.next_evidence {
            rows.push(Row::new(
                vec![Span::raw(format!("  - {}", esc(&n.what)))],
                4,
            ));
            rows.push(Row::new(
                vec![Span::styled(format!("    $ {}", esc(&n.command)), cyan())],
                6,
            ));
        }
    }
    if stage == Stage::Token {
        claims_rows(app, &mut rows);
    }
    rows
}

/// The token stage: each token's claims with their meaning, and its times.
fn claims_rows(app: &App, rows: &mut Vec<Row>) {
    for view in &app.diagnosis.tokens {
        let r = &view.report;
        rows.push(Row::blank());
        rows.push(Row::new(
            vec![
                Span::styled("Claims", bold()),
                Span::styled(
                    format!("  {} · {}", esc(&view.artifact), r.platform.name()),
                    dim(),
                ),
            ],
            2,
        ));
        let width = r.claims.names().map(str::len).max().unwrap_or(3).min(24);
        for (name, value) in &r.claims.0 {
            let mut spans = vec![
                Span::styled(format!("  {:<width$} ", esc(name)), cyan()),
                Span::raw(esc(&display_value(value)).into_owned()),
            ];
            let time = match name.as_str() {
                "exp" => r.times.exp.as_ref(),
                "iat" => r.times.iat.as_ref(),
                "nbf" => r.times.nbf.as_ref(),
                _ => None,
            };
            if let Some(t) = time {
                spans.push(Span::styled(format!("  {} ({})", t.utc, t.relative), dim()));
            }
            if let Some(note) = r.claim_notes.iter().find(|n| &n.claim == name) {
                spans.push(Span::styled(format!("  — {}", esc(&note.meaning)), dim()));
            }
            rows.push(Row::new(spans, width as u16 + 3));
        }
        rows.push(Row::new(
            vec![
                Span::styled("  times: ", dim()),
                Span::raw(esc(&r.times.summary).into_owned()),
            ],
            9,
        ));
    }
}

/// The trust stage: the verdict, each condition with ✓/✗ and the near miss, the
/// what-if evaluations.
fn trust_rows(app: &App, rows: &mut Vec<Row>) {
    let trust = &app.diagnosis.trust;
    if !app.edits.is_empty() {
        let edits: Vec<String> = app
            .edits
            .iter()
            .map(|e| match &e.value {
                Some(v) => format!("{} = {}", e.claim, display_value(v)),
                None => format!("{} removed", e.claim),
            })
            .collect();
        rows.push(Row::blank());
        rows.push(Row::new(
            vec![
                Span::styled(
                    "What-if  ",
                    Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
                ),
                Span::raw(esc(&edits.join(", ")).into_owned()),
                Span::styled("  (w edit · r reset)", dim()),
            ],
            9,
        ));
    }
    if !trust.evaluated {
        return;
    }
    rows.push(Row::blank());
    let verdict = match trust.allowed {
        Some(true) => Span::styled("✓ admits the token", pass()),
        Some(false) => Span::styled("✗ refuses the token", fail()),
        None => Span::styled("not evaluated", dim()),
    };
    rows.push(Row::new(
        vec![Span::styled("Conditions  ", bold()), verdict],
        2,
    ));
    for c in &trust.conditions {
        let (mark, style) = if c.matched {
            ("✓", pass())
        } else {
            ("✗", fail())
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
        rows.push(Row::new(
            vec![
                Span::styled(format!("  {mark} "), style),
                Span::raw(format!("{} {} {expected}", esc(&c.key), esc(&c.operator))),
                Span::styled(format!("  token: {actual}"), cyan()),
            ],
            4,
        ));
        if let Some(n) = &c.near_miss {
            rows.push(Row::new(
                vec![Span::styled(
                    format!("    near miss: {}", esc(&n.explanation)),
                    Style::new().fg(Color::Yellow),
                )],
                15,
            ));
        }
    }
    for w in &app.diagnosis.what_if {
        let (answer, style) = if w.allowed {
            ("✓ admitted", Style::new().fg(Color::Yellow))
        } else {
            ("✗ refused", pass())
        };
        rows.push(Row::new(
            vec![
                Span::raw(format!("  what if: {} → ", esc(&w.question))),
                Span::styled(answer, style),
            ],
            4,
        ));
    }
}

/// The search query's matches, for highlighting: row indices.
fn matching_rows(rows: &[Row], query: &str) -> Vec<usize> {
    if query.is_empty() {
        return Vec::new();
    }
    rows.iter()
        .enumerate()
        .filter(|(_, r)| r.plain().to_lowercase().contains(query))
        .map(|(i, _)| i)
        .collect()
}

fn query(app: &App) -> String {
    app.search
        .as_ref()
        .map(|s| s.editor.text().to_lowercase())
        .unwrap_or_default()
}

/// Width of the text inside the detail pane's border.
fn inner_width(app: &App) -> u16 {
    app.width.saturating_sub(2).max(10)
}

/// One stage's detail, wrapped to the pane (matches highlighted): the lines scrolling
/// moves over.
pub fn detail_lines(app: &App, stage: Stage) -> Vec<Line<'static>> {
    wrapped(app, stage, inner_width(app)).0
}

/// Lines of every stage and where each row starts: for search and the view.
fn wrapped(app: &App, stage: Stage, width: u16) -> (Vec<Line<'static>>, Vec<usize>) {
    let rows = rows(app, stage);
    let hits = matching_rows(&rows, &query(app));
    let highlight = Style::new()
        .bg(Color::Yellow)
        .fg(Color::Black)
        .add_modifier(Modifier::UNDERLINED);
    let mut lines = Vec::new();
    let mut starts = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        starts.push(lines.len());
        // The gutter mark says "match" without colour.
        let row = if hits.contains(&i) {
            let mut row = row.patched(highlight);
            if let Some(first) = row.spans.first_mut()
                && first.content.starts_with(' ')
            {
                let rest: String = first.content.chars().skip(1).collect();
                first.content = format!("›{rest}").into();
            }
            row
        } else {
            row
        };
        lines.extend(wrap(&row, width));
    }
    (lines, starts)
}

/// Every match of `query` (lower case): the stage and the line its row starts on.
pub fn search_hits(app: &App, query: &str) -> Vec<(Stage, usize)> {
    let width = inner_width(app);
    let mut hits = Vec::new();
    for stage in Stage::ALL {
        let rows = rows(app, stage);
        let matched = matching_rows(&rows, query);
        if matched.is_empty() {
            continue;
        }
        let mut line = 0usize;
        for (i, row) in rows.iter().enumerate() {
            if matched.contains(&i) {
                hits.push((stage, line));
            }
            line += wrap(row, width).len();
        }
    }
    hits
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let stage = app.diagnosis.stage(app.selected);
    let lines = wrapped(app, app.selected, area.width.saturating_sub(2).max(10)).0;
    let total = lines.len();
    let visible = usize::from(area.height.saturating_sub(2));
    let scroll = usize::from(app.scroll).min(total.saturating_sub(visible.max(1)));
    let focused = app.focus == Pane::Detail && app.overlay == Overlay::None;
    // Where the view is in a long detail, so nothing is hidden without a sign.
    let position = if total > visible {
        format!(
            " {}-{} of {} ",
            scroll + 1,
            (scroll + visible).min(total),
            total
        )
    } else {
        String::new()
    };
    let title = format!(
        " {} — {} {} ",
        app.selected.title(),
        stage.status.mark(),
        stage.status.label()
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .title(Span::styled(title, status_style(stage.status)))
        .title_bottom(Line::from(Span::styled(position, dim())).right_aligned());
    let shown: Vec<Line<'static>> = lines.into_iter().skip(scroll).take(visible).collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
