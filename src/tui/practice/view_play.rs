//! Play/break and the recall drill. Play/break draws five stage boxes from the engine's
//! diagnosis of the changed path, lit one by one up to where the flow stops, then the
//! faults and edits (a check mark on those in effect), the editor when one is open, and
//! the engine's verdict. The recall drill shows only what the learner has attempted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Gauge, Paragraph};

use super::doc::Doc;
use super::play::{PlayRow, play_end, play_rows};
use super::view::{bad, bold, dim, good, stage_caption, status_style};
use super::view_drill::draw_proof;
use super::{PlayMode, PlayState, Practice, RecallState};
use crate::practice::{RECALL_SECONDS, stage_evidence};
use crate::tui::view::wrap::{Row, wrap};
use crate::vocabulary::Stage;

fn selected_style(selected: bool) -> Style {
    if selected {
        bold().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    }
}

/// Five stage boxes: the statuses of `s.diagnosis` for stages lit so far.
fn draw_boxes(s: &PlayState, frame: &mut Frame, area: Rect) {
    // The boxes take the full width (the text pane keeps its margin): at 80 columns
    // that is what lets "· not reached" fit whole.
    let area = Rect::new(
        area.x.saturating_sub(1),
        area.y,
        area.width.saturating_add(2).min(frame.area().width),
        area.height,
    );
    let d = &s.diagnosis;
    let end = play_end(s);
    let stop = d.stopped_at.filter(|st| st.index() < s.lit);
    let box_w = area.width.saturating_sub(4) / 5;
    for stage in Stage::ALL {
        let i = stage.index() as u16;
        let x = area.x + i * (box_w + 1);
        let rect = Rect::new(x, area.y, box_w, area.height);
        let status = (stage.index() < s.lit || (s.lit >= end && stage.index() >= end))
            .then(|| d.stage(stage).status);
        let (line, style) = match status {
            Some(st) => (format!("{} {}", st.mark(), st.label()), status_style(st)),
            None => ("· waiting".to_owned(), dim()),
        };
        let inner = usize::from(box_w.saturating_sub(2));
        let name = if stage.title().chars().count() <= inner {
            stage.title()
        } else {
            stage.label()
        };
        let mut block = Block::new()
            .borders(Borders::ALL)
            .border_type(if stop == Some(stage) {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(style)
            .title(Span::styled(format!("{}", i + 1), style));
        if stop == Some(stage) {
            let mark = if inner >= 12 {
                "◀ stops here"
            } else {
                "◀ stops"
            };
            block = block.title_bottom(Span::styled(mark, style.add_modifier(Modifier::REVERSED)));
        }
        // A status too wide for the box takes both rows rather than being cut.
        let lines = if Span::raw(&line).width() <= inner {
            vec![
                Line::from(Span::styled(name, bold())),
                Line::from(Span::styled(line, style)),
            ]
        } else {
            let row = Row::new(vec![Span::styled(line, style)], 0);
            wrap(&row, u16::try_from(inner.max(1)).unwrap_or(u16::MAX))
                .into_iter()
                .take(2)
                .collect()
        };
        frame.render_widget(Paragraph::new(lines).block(block), rect);
        if i < 4 {
            frame.render_widget(
                Paragraph::new(Span::styled("▶", dim())),
                Rect::new(x + box_w, area.y + 1, 1, 1),
            );
        }
    }
}

/// The engine's verdict on the current path, in one line.
fn verdict_line(s: &PlayState) -> (String, Style) {
    let d = &s.diagnosis;
    let finding = crate::practice::key_finding(d);
    match (d.stopped_at, finding) {
        (Some(stage), f) if d.failed() => (
            format!(
                "✗ The engine stops the flow at {} ({}){}",
                stage.label(),
                stage.title(),
                f.map(|f| format!(": {} — {}", f.id, f.title))
                    .unwrap_or_default()
            ),
            bad(),
        ),
        (Some(stage), _) => (
            format!(
                "? Nothing failed, but evidence stops at {} ({}): no evidence beyond it",
                stage.label(),
                stage.title()
            ),
            Style::new().fg(Color::Yellow),
        ),
        (None, _) if s.broken_once && s.bench.pristine() => (
            "✓ Repaired: every stage passes again, as the engine computes it".to_owned(),
            good().add_modifier(Modifier::BOLD),
        ),
        (None, _) if s.broken_once => (
            "✓ Repaired: every stage passes with your changes".to_owned(),
            good().add_modifier(Modifier::BOLD),
        ),
        (None, _) => (
            "✓ Every stage passes: now break it (pick a fault, or edit a claim or a line)"
                .to_owned(),
            good(),
        ),
    }
}

pub(super) fn draw_play(p: &Practice, s: &PlayState, frame: &mut Frame, area: Rect) {
    let [boxes, _, rest] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    draw_boxes(s, frame, boxes);
    let mut d = Doc::new(rest.width);
    d.heading(&format!("Break it: {}", s.bench.scenario().spec.title));
    let changes = s.bench.changes();
    if !changes.is_empty() {
        d.item("Changed: ", dim(), &changes.join(" · "), Style::new());
    }
    let aside = s.bench.set_aside();
    if !aside.is_empty() {
        d.item(
            "Set aside: ",
            dim(),
            &format!(
                "{} (they record the original run, not this one)",
                aside.join(", ")
            ),
            dim(),
        );
    }
    match &s.mode {
        PlayMode::Choose => {
            let rows = play_rows(s);
            for (i, row) in rows.iter().enumerate() {
                let selected = i == s.cursor;
                let (on, text) = match row {
                    PlayRow::Fault(f) => match s.faults.get(*f) {
                        Some(fault) => (s.bench.has(&fault.change), fault.label.clone()),
                        None => continue,
                    },
                    PlayRow::EditClaim => (false, "edit a claim of the token yourself…".to_owned()),
                    PlayRow::EditLine(input) => (
                        false,
                        format!(
                            "edit a line of {} yourself…",
                            s.bench
                                .scenario()
                                .inputs
                                .get(*input)
                                .map_or("?", |i| i.name.as_str())
                        ),
                    ),
                    PlayRow::UndoAll => (false, "repair everything: undo every change".to_owned()),
                };
                let mark = if matches!(row, PlayRow::Fault(_)) {
                    if on { "[x] " } else { "[ ] " }
                } else {
                    ""
                };
                let prefix = format!("{} {}. {mark}", if selected { "▶" } else { " " }, i + 1);
                let style = selected_style(selected);
                if selected {
                    d.focused(|d| d.item(&prefix, style, &text, style));
                } else {
                    d.item(&prefix, style, &text, style);
                }
            }
        }
        PlayMode::PickClaim { cursor } => {
            d.text("Which claim do you change?", bold());
            for (i, claim) in s.bench.editable_claims().iter().enumerate() {
                let value = s
                    .bench
                    .claim(claim)
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                let style = selected_style(i == *cursor);
                d.item(
                    &format!("  {}. ", i + 1),
                    style,
                    &format!("{claim} = {value}"),
                    style,
                );
            }
        }
        PlayMode::EditClaim { claim, input } => {
            d.text(
                &format!("New value of {claim} (empty removes it; JSON for lists):"),
                bold(),
            );
            d.focused(|d| d.item("> ", bold(), &format!("{input}█"), Style::new()));
        }
        PlayMode::PickLine { input, cursor } => {
            d.text("Which line do you change?", bold());
            for (n, line) in s.bench.lines(*input).iter().enumerate() {
                let style = selected_style(n == *cursor);
                let add = |d: &mut Doc| d.item(&format!("{:>3} │ ", n + 1), style, line, style);
                if n == *cursor {
                    d.focused(add);
                } else {
                    add(&mut d);
                }
            }
        }
        PlayMode::EditLine { line, text, .. } => {
            d.text(&format!("Line {} as it should read:", line + 1), bold());
            d.focused(|d| d.item("> ", bold(), &format!("{text}█"), Style::new()));
        }
    }
    d.blank();
    if s.lit < play_end(s) {
        d.text("… the engine's flow is advancing", dim());
    } else {
        let (text, style) = verdict_line(s);
        d.text(&text, style);
        if s.diagnosis.stopped_at.is_some() {
            let stage = s
                .diagnosis
                .stopped_at
                .unwrap_or(crate::vocabulary::Stage::Audit);
            draw_proof(&s.diagnosis, stage, &mut d);
        }
    }
    d.render(frame, rest, p.scroll);
}

pub(super) fn draw_recall(p: &Practice, s: &RecallState, frame: &mut Frame, area: Rect) {
    let [top, gauge, _, rest] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let limit = std::time::Duration::from_secs(RECALL_SECONDS);
    let left = limit.saturating_sub(s.elapsed).as_secs();
    let mut d = Doc::new(top.width);
    d.blank();
    let state = if s.recall.timed_out {
        "time!".to_owned()
    } else if s.recall.finished() {
        format!("done in {} s", s.elapsed.as_secs())
    } else {
        format!("{left} s left · recall the path: each stage, then what proves it")
    };
    d.item(
        &format!(
            "{:02}:{:02} ",
            s.elapsed.as_secs() / 60,
            s.elapsed.as_secs() % 60
        ),
        bold(),
        &state,
        Style::new(),
    );
    d.render(frame, top, 0);
    let ratio = (s.elapsed.as_secs_f64() / RECALL_SECONDS as f64).clamp(0.0, 1.0);
    frame.render_widget(
        Gauge::default()
            .ratio(ratio)
            .gauge_style(Style::new().fg(Color::Cyan))
            .label(format!("{left} s left")),
        gauge,
    );
    let mut d = Doc::new(rest.width);
    // Slots attempted, each revealed only now.
    for (i, a) in s.recall.attempts.iter().enumerate() {
        let right_stage = Stage::ALL[i];
        let (sm, ss) = if s.recall.stage_right(i) {
            ("✓", good())
        } else {
            ("✗", bad())
        };
        let (em, es) = if s.recall.evidence_right(i) {
            ("✓", good())
        } else {
            ("✗", bad())
        };
        d.item(
            &format!("{}. {sm} ", i + 1),
            ss,
            &format!(
                "you: {}{}",
                a.stage.label(),
                if s.recall.stage_right(i) {
                    String::new()
                } else {
                    format!(" — stage {} is {}", i + 1, right_stage.label())
                }
            ),
            Style::new(),
        );
        d.item(
            &format!("   {em} "),
            es,
            &format!(
                "proof: {}{}",
                stage_evidence(a.evidence),
                if s.recall.evidence_right(i) {
                    String::new()
                } else {
                    format!(
                        " — {} is proved by: {}",
                        a.stage.label(),
                        stage_evidence(a.stage)
                    )
                }
            ),
            Style::new(),
        );
    }
    if let Some(slot) = s.recall.slot() {
        d.blank();
        match s.recall.pending {
            None => {
                d.heading(&format!("Stage {} of 5: which stage comes here?", slot + 1));
                for (i, stage) in s.recall.stage_order.iter().enumerate() {
                    let style = selected_style(i == s.cursor);
                    d.item(&format!("  {}. ", i + 1), style, stage.label(), style);
                }
            }
            Some(stage) => {
                d.heading(&format!("What evidence proves {} passed?", stage.label()));
                for (i, ev) in s.recall.evidence_order.iter().enumerate() {
                    let style = selected_style(i == s.cursor);
                    let add = |d: &mut Doc| {
                        d.item(&format!("  {}. ", i + 1), style, stage_evidence(*ev), style)
                    };
                    if i == s.cursor {
                        d.focused(add);
                    } else {
                        add(&mut d);
                    }
                }
            }
        }
    } else {
        let score = s.recall.score();
        d.blank();
        let style = if score.perfect() {
            good().add_modifier(Modifier::BOLD)
        } else {
            bad()
        };
        d.text(
            &format!(
                "Score: {}/5 stages in order, {}/5 evidence, {} s{}",
                score.order,
                score.evidence,
                score.seconds,
                if score.perfect() {
                    " — the whole path, recalled"
                } else {
                    ""
                }
            ),
            style,
        );
        d.blank();
        d.heading("The path");
        for (i, stage) in Stage::ALL.iter().enumerate() {
            d.item(
                &format!("{}. {:<9}", i + 1, stage.label()),
                bold(),
                stage_caption(*stage),
                Style::new(),
            );
        }
        if let Some(note) = &p.save_note {
            d.blank();
            d.text(&format!("Result {note}."), dim());
        }
    }
    d.render(frame, rest, p.scroll);
}
