//! The pure view of practice mode: draws the [`Practice`] state and changes nothing.
//! Every string from scenarios, the bank or the learner goes through `Doc` (which
//! escapes control characters) or `esc`; status is carried by words and marks
//! (`✓ passed`, `✗ failed`, `◀ stops here`) as well as colour. This file holds the
//! frame (title, footer, help) and the question screens; `view_drill` the drill and
//! its artifact viewer, `view_play` play/break and the recall drill.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::doc::Doc;
use super::{DrillPhase, MenuItem, PlayMode, Practice, Purpose, Screen, WrapUpState, lesson_pages};
use crate::practice::{DrawnQuestion, PASS_PERCENT};
use crate::vocabulary::{Stage, StageStatus};

pub(super) fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub(super) fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub(super) fn good() -> Style {
    Style::new().fg(Color::Green)
}

pub(super) fn bad() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub(super) fn accent() -> Style {
    Style::new().fg(Color::Cyan)
}

pub(super) fn status_style(status: StageStatus) -> Style {
    match status {
        StageStatus::Passed => good(),
        StageStatus::Failed => bad(),
        StageStatus::NoEvidence => Style::new().fg(Color::Yellow),
        StageStatus::NotReached => dim(),
    }
}

/// Right or wrong, in words and colour.
pub(super) fn verdict(right: bool) -> (&'static str, Style) {
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
        Screen::Prompts { cursor } => draw_prompts(p, *cursor, frame, inner),
        Screen::Play(s) => super::view_play::draw_play(p, s, frame, inner),
        Screen::Drill(s) => super::view_drill::draw_drill(p, s, frame, inner),
        Screen::WrapUp(s) => draw_wrap_up(p, s, frame, inner),
        Screen::Words(s) => super::view_words::draw_words(p, s, frame, inner),
        Screen::Recall(s) => super::view_play::draw_recall(p, s, frame, inner),
        Screen::Progress => super::view_words::draw_progress(p, frame, inner),
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
        Screen::Prompts { .. } => "in your own words: pick a prompt".to_owned(),
        Screen::Play(_) => "play / break".to_owned(),
        Screen::Drill(s) if s.viewer.is_some() => "drill a ticket · attachments".to_owned(),
        Screen::Drill(s) if s.random => "random ticket".to_owned(),
        Screen::Drill(_) => "drill a ticket".to_owned(),
        Screen::WrapUp(_) => "wrap-up".to_owned(),
        Screen::Words(_) => "in your own words".to_owned(),
        Screen::Recall(_) => "90-second drill".to_owned(),
        Screen::Progress => "progress".to_owned(),
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
        Screen::Menu => "↑/↓ or 1-9, 0 choose · Enter open · Esc leave · ? help · q quit",
        Screen::Lesson { .. } => "←/→ page · ↑/↓ scroll · Esc menu · q quit",
        Screen::Picker {
            purpose: Purpose::Teach,
            ..
        } => "↑/↓ or a number choose · Enter copy summary · Esc menu",
        Screen::Picker { .. } | Screen::Prompts { .. } => {
            "↑/↓ or a number choose · Enter open · Esc menu · q quit"
        }
        Screen::Play(s) => match s.mode {
            PlayMode::Choose => {
                "↑/↓ or a number choose · Enter apply/undo · r repair all · t trace · Esc back"
            }
            PlayMode::PickClaim { .. } | PlayMode::PickLine { .. } => {
                "↑/↓ choose · Enter edit · Esc back"
            }
            PlayMode::EditClaim { .. } | PlayMode::EditLine { .. } => {
                "type · Backspace delete · Ctrl-U clear · Enter run the engine · Esc cancel"
            }
        },
        Screen::Drill(s) if s.viewer.is_some() => {
            "←/→ or a number artifact · ↑/↓ PgUp/PgDn scroll · h hint · Esc back"
        }
        Screen::Drill(s) => match s.phase {
            DrillPhase::Ticket => {
                "1-9 open an attachment · v viewer · h hint · Enter start · Esc back"
            }
            DrillPhase::Ask(_) => {
                "↑/↓ or a number choose · Enter confirm · v attachments · h hint · Esc back"
            }
            DrillPhase::Locked => {
                "t trace in the triage view · Enter reveal · v attachments · Esc back"
            }
            DrillPhase::Reveal => "t trace · c copy · w own words · p play · Enter next · Esc back",
            DrillPhase::Question(_) if !s.answered => {
                "↑/↓ or a number choose · Enter confirm · t trace · n next ticket · Esc back"
            }
            DrillPhase::Question(i) if i + 1 < s.questions.questions.len() => {
                "Enter next question · n next ticket · t trace · PgUp/PgDn scroll · Esc back"
            }
            DrillPhase::Question(_) => "Enter next ticket · t trace · PgUp/PgDn scroll · Esc back",
        },
        Screen::WrapUp(s) if s.done => "↑/↓ scroll the review · r retake · Enter/Esc menu",
        Screen::WrapUp(s) if s.answered => "Enter next · PgUp/PgDn scroll · Esc menu",
        Screen::WrapUp(_) => "↑/↓ or 1-4 choose · Enter confirm · Esc menu",
        Screen::Words(s) if s.result.is_some() => {
            "Enter edit again · n next prompt · ↑/↓ scroll · Esc menu"
        }
        Screen::Words(_) => "type · Backspace delete · Ctrl-U clear · Enter check · Esc menu",
        Screen::Recall(s) if s.recall.finished() => "Enter or r go again · Esc menu",
        Screen::Recall(_) => "↑/↓ or a number choose · Enter confirm · r restart · Esc menu",
        Screen::Progress => "↑/↓ scroll · Esc menu",
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
        // Key 0 picks the tenth item.
        let prefix = format!("{} {}. ", if selected { "▶" } else { " " }, (i + 1) % 10);
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
        // A drill's title and slug name the cause: they stay hidden until its reveal.
        let add = |d: &mut Doc| {
            let spec = &case.scenario.spec;
            if purpose == Purpose::Drill {
                d.item(
                    &prefix,
                    style,
                    &format!("Ticket {} · {} → {}", i + 1, spec.platform, spec.cloud),
                    style,
                );
                d.item("   ", Style::new(), &first_words(&spec.ticket, 12), dim());
            } else {
                d.item(&prefix, style, &spec.title, style);
                d.item(
                    "   ",
                    Style::new(),
                    &format!("{slug} · {} · {}{best}", spec.platform, spec.cloud),
                    dim(),
                );
            }
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

/// The first `n` words of `text`, with `…` when there is more.
fn first_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= n {
        words.join(" ")
    } else {
        format!("{} …", words[..n].join(" "))
    }
}

fn draw_prompts(p: &Practice, cursor: usize, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    d.blank();
    d.heading("Explain it in your own words: which prompt?");
    d.blank();
    for (i, prompt) in p.prompts.iter().enumerate() {
        let selected = i == cursor;
        let prefix = format!("{} {}. ", if selected { "▶" } else { " " }, i + 1);
        let style = if selected {
            bold().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        if selected {
            d.focused(|d| d.item(&prefix, style, &prompt.prompt, style));
        } else {
            d.item(&prefix, style, &prompt.prompt, style);
        }
    }
    d.blank();
    d.text(
        "The check reads meaning: \"no stored keys\" is not \"stored keys\", the path must come in order, and a list of terms is not an explanation.",
        dim(),
    );
    d.render(frame, area, p.scroll);
}

/// A multiple-choice question: the prompt, then the options (the choice marked ▶;
/// once answered, the right option ✓ in place with its why under it, a wrong pick ✗).
pub(super) fn draw_choice(
    d: &mut Doc,
    q: &DrawnQuestion,
    cursor: usize,
    answered: bool,
    right: bool,
) {
    d.text(&q.question.prompt, bold());
    d.blank();
    for (i, option) in q.options.iter().enumerate() {
        let selected = i == cursor;
        let is_answer = answered && i == q.answer;
        let lead = if is_answer {
            "✓"
        } else if answered && selected {
            "✗"
        } else if selected {
            "▶"
        } else {
            " "
        };
        let style = if is_answer {
            good().add_modifier(Modifier::BOLD)
        } else if answered && selected {
            bad()
        } else if selected {
            bold().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        let prefix = format!("{lead} {}. ", i + 1);
        let tag = if is_answer && !right {
            "  ← the right answer"
        } else if answered && selected && !right {
            "  ← your answer"
        } else {
            ""
        };
        let body = format!("{option}{tag}");
        if (selected && !answered) || is_answer {
            d.focused(|d| {
                d.item(&prefix, style, &body, style);
                if is_answer {
                    d.item("     Why: ", bold(), &q.question.why, Style::new());
                }
            });
        } else {
            d.item(&prefix, style, &body, style);
        }
    }
    if answered {
        d.blank();
        if right {
            d.text("✓ Right.", good().add_modifier(Modifier::BOLD));
        } else {
            d.text(
                "✗ Not quite: the right answer is marked ✓ above, with why.",
                bad(),
            );
        }
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
        if let Some(note) = &p.save_note {
            d.text(&format!("Result {note}."), dim());
        }
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
        let missed = s.quiz.missed();
        d.blank();
        if missed.is_empty() {
            d.text("Nothing to review: every answer was right.", good());
        } else {
            d.heading(&format!(
                "Review: the {} you missed (they come back first next time)",
                if missed.len() == 1 {
                    "question".to_owned()
                } else {
                    format!("{} questions", missed.len())
                }
            ));
            for i in missed {
                let Some(q) = s.quiz.questions.get(i) else {
                    continue;
                };
                d.blank();
                d.item("✗ ", bad(), &q.question.prompt, bold());
                if let Some(Some(yours)) = s.quiz.answers.get(i)
                    && let Some(text) = q.options.get(*yours)
                {
                    d.item("  you said ", dim(), text, Style::new());
                }
                if let Some(text) = q.options.get(q.answer) {
                    d.item("  right:   ", good(), text, good());
                }
                d.item("  why:     ", bold(), &q.question.why, Style::new());
            }
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
    // A scenario's own question may say "this ticket": show the ticket (not its title,
    // which would name the answer).
    if let Some(case) = q
        .question
        .scenario
        .as_deref()
        .and_then(|slug| p.book.find(slug))
        .and_then(|i| p.book.cases().get(i))
    {
        d.item("Ticket: ", dim(), &case.scenario.spec.ticket, dim());
    }
    d.blank();
    draw_choice(&mut d, q, s.cursor, s.answered, s.quiz.is_right(s.index));
    d.render(frame, area, p.scroll);
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
            "This deletes {path}: {} drilled scenarios, {} wrap-ups and all mastery.",
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
        ("1-9", "move the choice to an option"),
        ("Enter", "confirm the choice / next"),
        ("v h", "drill: attachments, hint"),
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
