//! The pure view of practice mode: draws the [`Practice`] state and changes nothing.
//! Every string from scenarios, the bank or the learner goes through `Doc` (which
//! escapes control characters) or `esc`; status is carried by words and marks
//! (`✓ passed`, `✗ failed`, `◀ stops here`) as well as colour.

use crate::tui::view::wrap::{Row, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Gauge, Paragraph};

use super::doc::Doc;
use super::{
    CountdownState, DRILL_SECONDS, DrillPhase, DrillState, MenuItem, PROMPT_EVERY, PlayPhase,
    PlayState, Practice, Purpose, Screen, WordsState, WrapUpState, lesson_pages,
};
use crate::practice::{DrawnQuestion, DrillStep, PASS_PERCENT, key_finding};
use crate::vocabulary::{Outcome, Stage, StageStatus};

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

fn good() -> Style {
    Style::new().fg(Color::Green)
}

fn bad() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

fn accent() -> Style {
    Style::new().fg(Color::Cyan)
}

fn status_style(status: StageStatus) -> Style {
    match status {
        StageStatus::Passed => good(),
        StageStatus::Failed => bad(),
        StageStatus::NoEvidence => Style::new().fg(Color::Yellow),
        StageStatus::NotReached => dim(),
    }
}

/// Right or wrong, in words and colour.
fn verdict(right: bool) -> (&'static str, Style) {
    if right {
        ("✓ ", good())
    } else {
        ("✗ ", bad())
    }
}

/// What each stage does on a healthy path (the play animation's captions and the
/// 90-second drill's prompts).
pub fn stage_caption(stage: Stage) -> &'static str {
    match stage {
        Stage::Workflow => {
            "the job runs and is allowed to ask for a token (id-token: write, id_tokens:, an environment gate)"
        }
        Stage::Token => "the CI platform signs a short-lived OIDC token: iss, aud, sub, exp",
        Stage::Trust => {
            "the cloud verifies the signature (JWKS) and checks issuer, audience and subject against the trust policy"
        }
        Stage::Role => "the cloud issues temporary credentials for the role or service account",
        Stage::Audit => "the deploy runs with them and the audit log records every call",
    }
}

/// The last prompt of the 90-second drill.
pub const RCA_PROMPT: &str = "Now the RCA: where evidence stops, the line that proves it, health state, cause, fix, and the user test.";

/// Draw practice mode.
pub fn view(p: &Practice, frame: &mut Frame) {
    let area = frame.area();
    let notice = p.status.clone().or_else(|| p.notices.first().cloned());
    let [title, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(u16::from(notice.is_some())),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_title(p, frame, title);
    let inner = Rect::new(
        body.x + 1,
        body.y,
        body.width.saturating_sub(2),
        body.height,
    );
    match &p.screen {
        Screen::Menu => draw_menu(p, frame, inner),
        Screen::Lesson { page } => draw_lesson(p, *page, frame, inner),
        Screen::Picker { purpose, cursor } => draw_picker(p, *purpose, *cursor, frame, inner),
        Screen::Play(s) => draw_play(p, s, frame, inner),
        Screen::Drill(s) => draw_drill(p, s, frame, inner),
        Screen::WrapUp(s) => draw_wrap_up(p, s, frame, inner),
        Screen::Words(s) => draw_words(p, s, frame, inner),
        Screen::Countdown(s) => draw_countdown(p, s, frame, inner),
        Screen::ConfirmReset => draw_reset(p, frame, inner),
    }
    if let Some(text) = notice {
        let mut d = Doc::new(status.width);
        d.text(&text, Style::new().fg(Color::Yellow));
        d.render(frame, status, 0);
    }
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {}", footer_keys(p)), dim())),
        footer,
    );
    if p.help {
        draw_help(frame, area);
    }
}

fn screen_name(p: &Practice) -> String {
    match &p.screen {
        Screen::Menu => "menu".to_owned(),
        Screen::Lesson { page } => format!("learn {}/{}", page + 1, lesson_pages(p)),
        Screen::Picker { purpose, .. } => match purpose {
            Purpose::Play => "play / break: pick a scenario",
            Purpose::Drill => "drill: pick a ticket",
            Purpose::Teach => "teach a friend: pick a scenario",
        }
        .to_owned(),
        Screen::Play(_) => "play / break".to_owned(),
        Screen::Drill(_) => "drill a ticket".to_owned(),
        Screen::WrapUp(_) => "wrap-up".to_owned(),
        Screen::Words(_) => "in your own words".to_owned(),
        Screen::Countdown(_) => "90-second drill".to_owned(),
        Screen::ConfirmReset => "reset progress".to_owned(),
    }
}

fn draw_title(p: &Practice, frame: &mut Frame, area: Rect) {
    let total = p.book.cases().len();
    let best = p
        .progress
        .best_wrap_up()
        .map(|w| format!(" · best wrap-up {}/{}", w.score, w.total))
        .unwrap_or_default();
    let right = format!("drills {}/{total}{best} ", p.progress.completed());
    let left = vec![
        Span::styled(
            " oidc-triage practice ",
            Style::new().add_modifier(Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(screen_name(p), bold()),
    ];
    let used: usize = left.iter().map(Span::width).sum();
    let mut spans = left;
    let room = usize::from(area.width).saturating_sub(used);
    if Span::raw(&right).width() < room {
        spans.push(Span::raw(" ".repeat(room - Span::raw(&right).width())));
        spans.push(Span::styled(right, dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn footer_keys(p: &Practice) -> String {
    let keys = match &p.screen {
        Screen::Menu => "↑/↓ or 1-8 choose · Enter open · Esc leave · ? help · q quit",
        Screen::Lesson { .. } => "←/→ page · ↑/↓ scroll · Esc menu · q quit",
        Screen::Picker {
            purpose: Purpose::Teach,
            ..
        } => "↑/↓ choose · Enter copy summary · Esc menu",
        Screen::Picker { .. } => "↑/↓ choose · Enter open · Esc menu · q quit",
        Screen::Play(_) => "Enter skip · r replay · d drill · t trace · c copy summary · Esc back",
        Screen::Drill(s) => match s.phase {
            DrillPhase::Ticket => "Enter start · PgUp/PgDn scroll · c copy summary · Esc back",
            DrillPhase::Ask(_) => "↑/↓ or a number pick · Enter confirm · Esc back",
            DrillPhase::Locked => "t trace in the triage view · Enter reveal · Esc back",
            DrillPhase::Reveal => "t trace · c copy · w own words · p play · Enter next · Esc back",
            DrillPhase::Question(_) if !s.answered => {
                "↑/↓ or a number answer · Enter confirm · t trace · n next ticket · Esc back"
            }
            DrillPhase::Question(i) if i + 1 < s.questions.questions.len() => {
                "Enter next question · n next ticket · t trace · PgUp/PgDn scroll · Esc back"
            }
            DrillPhase::Question(_) => "Enter next ticket · t trace · PgUp/PgDn scroll · Esc back",
        },
        Screen::WrapUp(s) if s.done => "r retake · Enter/Esc menu · q quit",
        Screen::WrapUp(s) if s.answered => "Enter next · PgUp/PgDn scroll · Esc menu",
        Screen::WrapUp(_) => "↑/↓ or 1-4 answer · Enter confirm · Esc menu",
        Screen::Words(s) if s.result.is_some() => "Enter edit again · Esc menu · q quit",
        Screen::Words(_) => "type · Backspace delete · Ctrl-U clear · Enter check · Esc menu",
        Screen::Countdown(_) => "Enter pause/resume · r restart · Esc menu",
        Screen::ConfirmReset => "y reset · n keep",
    };
    keys.to_owned()
}

fn draw_menu(p: &Practice, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    d.blank();
    d.heading("Say the path in order: Workflow → Token → Trust → Role → Audit");
    d.blank();
    for (i, item) in MenuItem::ALL.iter().enumerate() {
        let selected = i == p.menu;
        let prefix = format!("{} {}. ", if selected { "▶" } else { " " }, i + 1);
        let style = if selected {
            bold().add_modifier(Modifier::REVERSED)
        } else {
            bold()
        };
        let add = |d: &mut Doc| {
            d.item(&prefix, style, item.label(), style);
            d.item("      ", Style::new(), item.blurb(), dim());
        };
        if selected {
            d.focused(add);
        } else {
            add(&mut d);
        }
    }
    d.blank();
    d.heading("Progress");
    let attempted = p.progress.scenarios.len();
    d.item(
        "  ",
        Style::new(),
        &format!(
            "Drills: {} of {} scenarios right in full, {attempted} attempted",
            p.progress.completed(),
            p.book.cases().len()
        ),
        Style::new(),
    );
    let wraps = &p.progress.wrap_ups;
    let wrap_line = match (wraps.last(), p.progress.best_wrap_up()) {
        (Some(last), Some(best)) => format!(
            "Wrap-ups: {} taken; last {}/{} ({}), best {}/{}",
            wraps.len(),
            last.score,
            last.total,
            if last.passed { "passed" } else { "not passed" },
            best.score,
            best.total
        ),
        _ => format!("Wrap-ups: none yet (pass mark {PASS_PERCENT}%)"),
    };
    d.item("  ", Style::new(), &wrap_line, Style::new());
    if let Some(store) = &p.store {
        d.item(
            "  ",
            Style::new(),
            &format!("Saved in {}", store.path().display()),
            dim(),
        );
    }
    d.render(frame, area, p.scroll);
}

fn draw_lesson(p: &Practice, page: usize, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    d.blank();
    let Some(lesson) = &p.lesson else {
        d.text("The lesson did not load.", bad());
        d.render(frame, area, p.scroll);
        return;
    };
    let pages = lesson.pages.len() + 1;
    match lesson.pages.get(page) {
        Some(pg) => {
            d.heading(&format!("{} ({}/{pages})", pg.title, page + 1));
            d.blank();
            d.text(&pg.body, Style::new());
        }
        None => {
            d.heading(&format!("Glossary ({pages}/{pages})"));
            d.blank();
            for g in &lesson.glossary {
                d.item("• ", accent(), &g.term, bold());
                d.item("  ", Style::new(), &g.meaning, Style::new());
            }
        }
    }
    d.blank();
    let next = if page + 1 < pages {
        "→ next page"
    } else {
        "Enter back to the menu"
    };
    d.text(next, dim());
    d.render(frame, area, p.scroll);
}

fn draw_picker(p: &Practice, purpose: Purpose, cursor: usize, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    d.blank();
    d.heading(match purpose {
        Purpose::Play => "Which incident should break the path?",
        Purpose::Drill => "Which ticket do you want to drill?",
        Purpose::Teach => "Which scenario should the summary explain? (copied to the clipboard)",
    });
    d.blank();
    for (i, case) in p.book.cases().iter().enumerate() {
        let slug = &case.scenario.slug;
        let mark = match p.progress.scenarios.get(slug) {
            Some(s) if s.completed => "✓",
            Some(_) => "•",
            None => " ",
        };
        let best = p
            .progress
            .scenarios
            .get(slug)
            .and_then(|s| s.best)
            .map(|b| format!(" · best {}/{}", b.correct, b.total))
            .unwrap_or_default();
        let selected = i == cursor;
        let prefix = format!("{}{mark} ", if selected { "▶" } else { " " });
        let style = if selected {
            bold().add_modifier(Modifier::REVERSED)
        } else {
            bold()
        };
        let add = |d: &mut Doc| {
            d.item(&prefix, style, &case.scenario.spec.title, style);
            d.item(
                "   ",
                Style::new(),
                &format!(
                    "{slug} · {} · {}{best}",
                    case.scenario.spec.platform, case.scenario.spec.cloud
                ),
                dim(),
            );
        };
        if selected {
            d.focused(add);
        } else {
            add(&mut d);
        }
    }
    d.blank();
    d.text("✓ all three right once · • attempted", dim());
    d.render(frame, area, p.scroll);
}

/// What one stage box shows in play/break: its status or "waiting".
fn play_status(p: &Practice, s: &PlayState, stage: Stage) -> Option<StageStatus> {
    let i = stage.index();
    match s.phase {
        PlayPhase::Healthy => (i < s.lit).then_some(StageStatus::Passed),
        PlayPhase::Broken | PlayPhase::Done => (i < s.lit || s.phase == PlayPhase::Done)
            .then(|| p.book.cases()[s.case].diagnosis.stage(stage).status),
    }
}

fn draw_play(p: &Practice, s: &PlayState, frame: &mut Frame, area: Rect) {
    let Some(case) = p.book.cases().get(s.case) else {
        return;
    };
    let [pipeline, _, rest] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    // The boxes take the full width (the text pane keeps its margin): at 80 columns
    // that is what lets "· not reached" fit whole.
    let pipeline = Rect::new(
        pipeline.x.saturating_sub(1),
        pipeline.y,
        pipeline.width.saturating_add(2).min(frame.area().width),
        pipeline.height,
    );
    let d = &case.diagnosis;
    let revealed = s.phase != PlayPhase::Healthy;
    let stop = d.stopped_at.filter(|st| revealed && st.index() < s.lit);
    let risk_at = key_finding(d)
        .filter(|f| f.risk.is_some() && s.phase == PlayPhase::Done)
        .map(|f| (f.stage, f.risk));
    // Five boxes with a one-column arrow between them.
    let box_w = pipeline.width.saturating_sub(4) / 5;
    for stage in Stage::ALL {
        let i = stage.index() as u16;
        let x = pipeline.x + i * (box_w + 1);
        let rect = Rect::new(x, pipeline.y, box_w, pipeline.height);
        let status = play_status(p, s, stage);
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
        } else if let Some((rs, Some(risk))) = risk_at
            && rs == stage
        {
            let mark = format!("⚠ risk {}", risk.name());
            block = block.title_bottom(Span::styled(
                mark,
                Style::new()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::REVERSED),
            ));
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
                Rect::new(x + box_w, pipeline.y + 1, 1, 1),
            );
        }
    }

    let mut doc = Doc::new(rest.width);
    match s.phase {
        PlayPhase::Healthy => {
            doc.heading("The healthy path, stage by stage");
            doc.blank();
            for stage in Stage::ALL.iter().take(s.lit) {
                doc.item(
                    &format!("✓ {:<9}", stage.label()),
                    good(),
                    stage_caption(*stage),
                    Style::new(),
                );
            }
            if s.lit > 5 {
                doc.blank();
                doc.text(
                    &format!("Now break it: {}", case.scenario.spec.title),
                    bold(),
                );
            }
        }
        PlayPhase::Broken | PlayPhase::Done => {
            doc.heading(&format!("Broken: {}", case.scenario.spec.title));
            doc.blank();
            for stage in Stage::ALL.iter().take(s.lit) {
                let st = d.stage(*stage);
                let proof = st
                    .evidence
                    .iter()
                    .find(|e| e.outcome == Outcome::Fail)
                    .or_else(|| st.evidence.first())
                    .map(|e| e.summary.as_str())
                    .unwrap_or("(no evidence for this stage)");
                doc.item(
                    &format!("{} {:<9}", st.status.mark(), stage.label()),
                    status_style(st.status),
                    proof,
                    Style::new(),
                );
            }
            if s.phase == PlayPhase::Done {
                doc.blank();
                draw_proof(p, s.case, &mut doc);
            }
        }
    }
    doc.render(frame, rest, p.scroll);
}

/// Where evidence stops and the evidence that proves it, then cause and fix.
fn draw_proof(p: &Practice, case: usize, doc: &mut Doc) {
    let Some(c) = p.book.cases().get(case) else {
        return;
    };
    let d = &c.diagnosis;
    let stage = c.focus_stage();
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

fn draw_drill(p: &Practice, s: &DrillState, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    let drill = &s.drill;
    d.blank();
    match s.phase {
        DrillPhase::Ticket | DrillPhase::Ask(_) | DrillPhase::Locked => {
            d.heading(&format!("Ticket: {}", drill.title));
            d.item("  ", Style::new(), &drill.ticket, Style::new());
            d.item("  Attached: ", dim(), &drill.artifacts.join(", "), accent());
            d.blank();
        }
        DrillPhase::Reveal | DrillPhase::Question(_) => {}
    }
    match s.phase {
        DrillPhase::Ticket => {
            d.text(
                "Read the ticket and the attachments. You will pick (1) the stage where the evidence stops, (2) the cause and (3) the fix, then trace it with the real triage view.",
                Style::new(),
            );
            d.blank();
            d.text("Press Enter to start.", bold());
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
        if let Some(saved) = &s.questions_saved {
            d.text(&format!("Result {saved}."), dim());
        }
    }
}

/// A multiple-choice question: the prompt, the options (the cursor's marked; once
/// answered, the right one ✓ and a wrong pick ✗), then the verdict and the why.
fn draw_choice(d: &mut Doc, q: &DrawnQuestion, cursor: usize, answered: bool, right: bool) {
    d.text(&q.question.prompt, bold());
    d.blank();
    for (i, option) in q.options.iter().enumerate() {
        let selected = i == cursor;
        let lead = if answered && i == q.answer {
            "✓"
        } else if answered && selected {
            "✗"
        } else if selected {
            "▶"
        } else {
            " "
        };
        let style = if answered && i == q.answer {
            good().add_modifier(Modifier::BOLD)
        } else if answered && selected {
            bad()
        } else if selected {
            bold().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        let prefix = format!("{lead} {}. ", i + 1);
        if selected && !answered {
            d.focused(|d| d.item(&prefix, style, option, style));
        } else {
            d.item(&prefix, style, option, style);
        }
    }
    if answered {
        d.blank();
        d.focused(|d| {
            if right {
                d.text("✓ Right.", good().add_modifier(Modifier::BOLD));
            } else {
                d.text(
                    &format!("✗ Not quite — the answer is {}.", q.answer + 1),
                    bad(),
                );
            }
            d.item("Why: ", bold(), &q.question.why, Style::new());
        });
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
    d.item(
        "Reveal · ",
        bold(),
        &format!("{} — {}/3 right", drill.title, grade.correct()),
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
    }
    draw_proof(p, s.case, d);
    d.blank();
    d.heading("What happened");
    d.text(&drill.explanation, Style::new());
    if let Some(saved) = &s.saved {
        d.blank();
        d.text(&format!("Result {saved}."), dim());
    }
}

fn draw_wrap_up(p: &Practice, s: &WrapUpState, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    d.blank();
    let total = s.quiz.questions.len();
    if s.done {
        let score = s.quiz.score();
        let (word, style) = if score.passed() {
            ("PASSED", good().add_modifier(Modifier::BOLD))
        } else {
            ("NOT PASSED", bad())
        };
        d.item(
            "Score ",
            bold(),
            &format!(
                "{}/{} ({}%) — {word} (pass mark {PASS_PERCENT}%)",
                score.correct,
                score.total,
                score.percent()
            ),
            style,
        );
        d.blank();
        for (i, q) in s.quiz.questions.iter().enumerate() {
            let (mark, style) = verdict(s.quiz.is_right(i));
            d.item(
                mark,
                style,
                &format!("{} [{}]", q.question.prompt, q.question.topic),
                Style::new(),
            );
        }
        if let Some(saved) = &s.saved {
            d.blank();
            d.text(&format!("Result {saved}."), dim());
        }
        d.render(frame, area, p.scroll);
        return;
    }
    let Some(q) = s.quiz.questions.get(s.index) else {
        return;
    };
    d.item(
        &format!("Question {}/{total} ", s.index + 1),
        bold(),
        &format!("· {}", q.question.topic),
        dim(),
    );
    // A scenario's own question may say "this ticket": show the ticket it is about.
    if let Some(case) = q
        .question
        .scenario
        .as_deref()
        .and_then(|slug| p.book.find(slug))
        .and_then(|i| p.book.cases().get(i))
    {
        d.item("Ticket: ", dim(), &case.scenario.spec.title, dim());
        d.item("  ", Style::new(), &case.scenario.spec.ticket, dim());
    }
    d.blank();
    draw_choice(&mut d, q, s.cursor, s.answered, s.quiz.is_right(s.index));
    d.render(frame, area, p.scroll);
}

fn draw_words(p: &Practice, s: &WordsState, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    d.blank();
    let case = s.case.and_then(|i| p.book.cases().get(i));
    match case {
        Some(c) => d.heading(&format!(
            "In one sentence: where does \"{}\" stop, and why?",
            c.scenario.spec.title
        )),
        None => d.heading(
            "In one sentence: how does OIDC workload identity federation get a CI job into the cloud?",
        ),
    }
    d.blank();
    let cursor = if s.result.is_none() { "█" } else { "" };
    d.focused(|d| {
        d.item(
            "> ",
            accent(),
            &format!("{}{cursor}", s.input),
            Style::new(),
        )
    });
    d.blank();
    match &s.result {
        None => d.text("Press Enter to check it against the key concepts.", dim()),
        Some(check) => {
            d.heading(&format!(
                "{} of {} key concepts covered",
                check.matched.len(),
                check.total()
            ));
            for c in &check.matched {
                d.item("✓ ", good(), &c.name, Style::new());
            }
            for c in &check.missing {
                d.item(
                    "✗ ",
                    bad(),
                    &format!("{} — {}", c.name, c.hint),
                    Style::new(),
                );
            }
            if check.complete() {
                d.blank();
                d.text("Complete. Now say it out loud without reading it.", good());
            }
        }
    }
    d.render(frame, area, p.scroll);
}

fn draw_countdown(p: &Practice, s: &CountdownState, frame: &mut Frame, area: Rect) {
    let [top, gauge, _, rest] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let remaining =
        s.remaining().as_secs() + u64::from(s.remaining().subsec_millis() > 0 && !s.finished());
    let state = if s.finished() {
        "time!"
    } else if s.running {
        "running"
    } else {
        "paused"
    };
    let mut d = Doc::new(top.width);
    d.blank();
    d.item(
        &format!("{:02}:{:02} ", remaining / 60, remaining % 60),
        bold(),
        &format!("{state} · say the path out loud, in order"),
        Style::new(),
    );
    d.render(frame, top, 0);
    let ratio = (s.elapsed.as_secs_f64() / DRILL_SECONDS as f64).clamp(0.0, 1.0);
    frame.render_widget(
        Gauge::default()
            .ratio(ratio)
            .gauge_style(accent())
            .label(format!("{} s left", remaining)),
        gauge,
    );
    let mut d = Doc::new(rest.width);
    let shown = s.prompts();
    for (i, stage) in Stage::ALL.iter().enumerate().take(shown) {
        d.item(
            &format!("{}. {:<9}", i + 1, stage.label()),
            bold(),
            stage_caption(*stage),
            Style::new(),
        );
    }
    if shown == 6 {
        d.blank();
        d.item("6. ", bold(), RCA_PROMPT, Style::new());
    }
    if shown < 6 && !s.finished() {
        let next = (shown as u64) * PROMPT_EVERY;
        let wait = next.saturating_sub(s.elapsed.as_secs());
        d.blank();
        d.text(&format!("next prompt in {wait} s"), dim());
    }
    if s.finished() {
        d.blank();
        d.text(
            "Time! Did you name all five stages in order, and what each one proves? Enter or r to go again.",
            bold(),
        );
    }
    d.render(frame, rest, p.scroll);
}

fn draw_reset(p: &Practice, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    d.blank();
    d.heading("Reset all practice progress?");
    d.blank();
    let path = p
        .store
        .as_ref()
        .map(|s| s.path().display().to_string())
        .unwrap_or_else(|| "(no progress file)".to_owned());
    d.item(
        "  ",
        Style::new(),
        &format!(
            "This deletes {path}: {} drilled scenarios and {} wrap-ups.",
            p.progress.scenarios.len(),
            p.progress.wrap_ups.len()
        ),
        Style::new(),
    );
    d.blank();
    d.text("Press y to reset, n to keep it.", bold());
    d.render(frame, area, p.scroll);
}

fn draw_help(frame: &mut Frame, area: Rect) {
    let keys = [
        ("↑/↓ j/k", "move the choice, or scroll"),
        ("1-9", "pick an option"),
        ("Enter", "confirm / next"),
        ("←/→ h/l", "lesson pages"),
        ("PgUp/PgDn", "scroll long text"),
        ("t", "trace in the triage view"),
        ("c", "copy a summary for a friend"),
        ("Esc", "back"),
        ("q Ctrl-C", "quit (Ctrl-C while typing)"),
    ];
    let width = area.width.min(52);
    let height = area.height.min(keys.len() as u16 + 2);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let lines: Vec<Line<'_>> = keys
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<11}"), bold()),
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
