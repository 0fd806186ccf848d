//! The drill's screens: the ticket (title hidden, attachments numbered so a key opens
//! them), the three questions, the lock, the reveal with the engine's proof, the
//! scenario's own questions, and the raw artifact viewer with line numbers and the
//! cited line highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

use super::doc::Doc;
use super::view::{accent, bad, bold, dim, draw_choice, good, status_style, verdict};
use super::{DrillPhase, DrillState, Practice, ViewerState};
use crate::practice::{DrillStep, key_finding};
use crate::text::escape_control;
use crate::vocabulary::Outcome;

/// "Ticket 7 · github-actions → aws": the drill's name before the reveal.
pub(super) fn ticket_label(p: &Practice, s: &DrillState) -> String {
    let spec = p.book.cases().get(s.case).map(|c| &c.scenario.spec);
    match spec {
        Some(spec) => format!(
            "Ticket {} of {} · {} → {}",
            s.case + 1,
            p.book.cases().len(),
            spec.platform,
            spec.cloud
        ),
        None => format!("Ticket {}", s.case + 1),
    }
}

pub(super) fn draw_drill(p: &Practice, s: &DrillState, frame: &mut Frame, area: Rect) {
    if let Some(v) = &s.viewer {
        draw_viewer(s, v, frame, area);
        return;
    }
    let mut d = Doc::new(area.width);
    let drill = &s.drill;
    d.blank();
    if s.phase.before_reveal() {
        d.heading(&ticket_label(p, s));
        d.item("Ticket: ", bold(), &drill.ticket, Style::new());
        for (i, a) in s.artifacts.iter().enumerate().skip(1) {
            d.item(
                &format!("  {i}. "),
                accent(),
                &format!("{} ({}, {} lines)", a.name, a.kind, a.lines.len()),
                accent(),
            );
        }
        if s.hints > 0 {
            d.text(
                &format!(
                    "{} hint{} taken",
                    s.hints,
                    if s.hints == 1 { "" } else { "s" }
                ),
                dim(),
            );
        }
        d.blank();
    }
    match s.phase {
        DrillPhase::Ticket => {
            d.text(
                "Read the ticket and open the attachments (press a number): the evidence is in them. Then pick (1) the stage where the evidence stops, (2) the cause and (3) the fix, and trace it with the real triage view.",
                Style::new(),
            );
            d.blank();
            d.text("Press Enter to start answering.", bold());
        }
        DrillPhase::Ask(step) => {
            let n = DrillStep::ALL.iter().position(|x| *x == step).unwrap_or(0) + 1;
            for earlier in DrillStep::ALL.iter().take(n - 1) {
                if let Some(a) = s.answers.get(*earlier) {
                    let text = drill.options(*earlier).get(a).cloned().unwrap_or_default();
                    d.item(
                        &format!("  your {}: ", earlier.label()),
                        dim(),
                        &text,
                        dim(),
                    );
                }
            }
            d.heading(&format!("Step {n}/3 · {}", step.prompt()));
            for (i, option) in drill.options(step).iter().enumerate() {
                let selected = i == s.cursor;
                let prefix = format!("{} {}. ", if selected { "▶" } else { " " }, i + 1);
                let style = if selected {
                    bold().add_modifier(Modifier::REVERSED)
                } else {
                    Style::new()
                };
                if selected {
                    d.focused(|d| d.item(&prefix, style, option, style));
                } else {
                    d.item(&prefix, style, option, style);
                }
            }
        }
        DrillPhase::Locked => {
            d.heading("Your answers are in:");
            for step in DrillStep::ALL {
                let text = s
                    .answers
                    .get(step)
                    .and_then(|a| drill.options(step).get(a).cloned())
                    .unwrap_or_default();
                d.item(
                    &format!("  {:<6} ", step.label()),
                    bold(),
                    &text,
                    Style::new(),
                );
            }
            d.blank();
            d.focused(|d| {
                d.text(
                    "Press t to trace it with the real triage view (Esc there comes back here, to the reveal), or Enter to reveal now.",
                    bold(),
                )
            });
        }
        DrillPhase::Reveal => draw_reveal(p, s, &mut d),
        DrillPhase::Question(i) => draw_own_question(s, i, &mut d),
    }
    d.render(frame, area, p.scroll);
}

/// The raw artifact viewer: a tab row of artifacts, then numbered lines.
fn draw_viewer(s: &DrillState, v: &ViewerState, frame: &mut Frame, area: Rect) {
    let Some(a) = s.artifacts.get(v.artifact) else {
        return;
    };
    let tabs: Vec<Span<'static>> = s
        .artifacts
        .iter()
        .enumerate()
        .flat_map(|(i, art)| {
            let style = if i == v.artifact {
                bold().add_modifier(Modifier::REVERSED)
            } else {
                dim()
            };
            [
                Span::styled(format!(" {i} {} ", escape_control(&art.name)), style),
                Span::raw(" "),
            ]
        })
        .collect();
    let mut head = Doc::new(area.width);
    head.spans(tabs);
    let title = format!(" {} · {} · {} lines ", a.name, a.kind, a.lines.len());
    let block = Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(escape_control(&title).into_owned(), bold()));
    let tab_rows = 1u16;
    let body = Rect::new(
        area.x,
        area.y + tab_rows,
        area.width,
        area.height.saturating_sub(tab_rows),
    );
    head.render(frame, Rect::new(area.x, area.y, area.width, tab_rows), 0);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let number_width = a.lines.len().to_string().len().max(2);
    let mut d = Doc::new(inner.width);
    for (n, line) in a.lines.iter().enumerate().skip(v.top) {
        let marked = v.mark == Some(n);
        let prefix = format!(
            "{}{:>number_width$} │ ",
            if marked { "▶" } else { " " },
            n + 1
        );
        let style = if marked {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        d.item(&prefix, if marked { style } else { dim() }, line, style);
        if d_full(&d, inner) {
            break;
        }
    }
    d.render(frame, inner, 0);
}

/// True when a document already fills `area` (the viewer stops adding lines).
fn d_full(d: &Doc, area: Rect) -> bool {
    d.rows() > usize::from(area.height)
}

/// One of the scenario's own questions, after the reveal; under the last one answered,
/// the score on them and where it was saved.
fn draw_own_question(s: &DrillState, index: usize, d: &mut Doc) {
    let Some(q) = s.questions.questions.get(index) else {
        return;
    };
    let total = s.questions.questions.len();
    d.item(
        &format!("Question {}/{total} ", index + 1),
        bold(),
        "· about this ticket",
        dim(),
    );
    d.item("Ticket: ", dim(), &s.drill.title, dim());
    d.blank();
    draw_choice(d, q, s.cursor, s.answered, s.questions.is_right(index));
    if s.answered && s.questions.finished() && index + 1 == total {
        let score = s.questions.score();
        d.blank();
        d.text(
            &format!(
                "This ticket's questions: {}/{} right.",
                score.correct, score.total
            ),
            bold(),
        );
    }
}

/// Where evidence stops and the evidence that proves it, then cause and fix.
pub(super) fn draw_proof(
    d: &crate::diagnosis::Diagnosis,
    stage: crate::vocabulary::Stage,
    doc: &mut Doc,
) {
    match d.stopped_at {
        Some(s) => doc.heading(&format!(
            "Evidence stops at {} ({}) — the proof:",
            s.title(),
            d.stage(s).status.label()
        )),
        None => doc.heading(&format!(
            "All five stages passed — the finding that matters is at {}:",
            stage.title()
        )),
    }
    let report = d.stage(stage);
    if report.evidence.is_empty() {
        doc.item(
            "  ",
            Style::new(),
            "(no evidence for this stage: that is why it stops here)",
            dim(),
        );
    }
    for e in &report.evidence {
        let (word, style) = match e.outcome {
            Outcome::Pass => ("pass", good()),
            Outcome::Fail => ("FAIL", bad()),
            Outcome::Info => ("info", dim()),
        };
        doc.item(
            &format!("  {word} "),
            style,
            &format!("{} {} — {}", e.artifact, e.locator, e.summary),
            Style::new(),
        );
    }
    if let Some(f) = key_finding(d) {
        doc.blank();
        let risk = f
            .risk
            .map(|r| format!(" [risk {}]", r.name()))
            .unwrap_or_default();
        doc.item(
            "Finding ",
            bold(),
            &format!("{} — {}{risk}", f.id, f.title),
            accent(),
        );
        doc.item("Cause   ", bold(), &f.cause, Style::new());
        doc.item("Fix     ", bold(), &f.fix, Style::new());
    }
}

fn draw_reveal(p: &Practice, s: &DrillState, d: &mut Doc) {
    let drill = &s.drill;
    let grade = drill.grade(&s.answers);
    let score_style = if grade.perfect() {
        good()
    } else {
        Style::new().fg(Color::Yellow)
    };
    let hints = match s.hints {
        0 => String::new(),
        n => format!(" · {n} hint{}", if n == 1 { "" } else { "s" }),
    };
    d.item(
        "Reveal · ",
        bold(),
        &format!("{} — {}/3 right{hints}", drill.title, grade.correct()),
        score_style.add_modifier(Modifier::BOLD),
    );
    d.blank();
    for step in DrillStep::ALL {
        let options = drill.options(step);
        let right = grade.get(step);
        let (mark, style) = verdict(right);
        let correct = options.get(drill.answer(step)).cloned().unwrap_or_default();
        let text = if right {
            format!("{}: {correct}", step.label())
        } else {
            let yours = s
                .answers
                .get(step)
                .and_then(|a| options.get(a).cloned())
                .unwrap_or_else(|| "(none)".to_owned());
            format!(
                "{}: you said \"{yours}\"; the engine says \"{correct}\"",
                step.label()
            )
        };
        d.item(mark, style, &text, Style::new());
    }
    d.blank();
    if let Some(c) = p.book.cases().get(s.case) {
        let path: Vec<Span<'static>> = c
            .diagnosis
            .stages
            .iter()
            .enumerate()
            .flat_map(|(i, st)| {
                let mut v = vec![Span::styled(
                    format!("{} {}", st.status.mark(), st.stage.label()),
                    status_style(st.status),
                )];
                if i < 4 {
                    v.push(Span::styled(" → ", dim()));
                }
                v
            })
            .collect();
        d.spans(path);
        d.blank();
        draw_proof(&c.diagnosis, c.focus_stage(), d);
    }
    d.blank();
    d.heading("What happened");
    d.text(&drill.explanation, Style::new());
    if let Some(note) = &p.save_note {
        d.blank();
        d.text(&format!("Result {note}."), dim());
    }
}
