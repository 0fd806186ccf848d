//! "In your own words" (the prompt, the answer box, each concept's verdict — stated,
//! missing, the wrong way round, contradicted — the order of the path, and the model
//! answer shown after the check) and the progress screen (mastery by stage and topic).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::doc::Doc;
use super::view::{accent, bad, bold, dim, good};
use super::{Practice, WordsSource, WordsState};
use crate::practice::{Mastery, SCENARIO_TOPIC, Verdict, key_finding};
use crate::vocabulary::Stage;

/// The prompt and the model answer of an own-words screen.
fn words_prompt(p: &Practice, source: WordsSource) -> (String, String) {
    match source {
        WordsSource::Prompt(i) => p
            .prompts
            .get(i)
            .map(|pr| (pr.prompt.clone(), pr.model.clone()))
            .unwrap_or_default(),
        WordsSource::Case(i) => match p.book.cases().get(i) {
            Some(case) => (
                format!(
                    "In one sentence: where does \"{}\" stop, and why?",
                    case.scenario.spec.title
                ),
                case_model_answer(case),
            ),
            None => Default::default(),
        },
    }
}

/// A model answer for "where does this ticket stop and why", from the engine's
/// diagnosis.
pub fn case_model_answer(case: &crate::practice::Case) -> String {
    let d = &case.diagnosis;
    let finding = key_finding(d);
    match (d.stopped_at, finding) {
        (Some(stage), Some(f)) => format!(
            "It stops at the {} stage ({}): {}; {}",
            stage.name(),
            stage.title(),
            f.title,
            f.cause
        ),
        (Some(stage), None) => format!(
            "It stops at the {} stage ({}): no evidence shows that stage passed.",
            stage.name(),
            stage.title()
        ),
        (None, Some(f)) => format!(
            "All five stages pass, so the deploy works; the risk is {} ({}): {}",
            f.title, f.id, f.cause
        ),
        (None, None) => "All five stages pass: the deploy works and nothing is wrong.".to_owned(),
    }
}

pub(super) fn draw_words(p: &Practice, s: &WordsState, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    d.blank();
    let (prompt, model) = words_prompt(p, s.source);
    d.heading(&prompt);
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
    let Some(check) = &s.result else {
        d.text("Press Enter to check what it says.", dim());
        d.render(frame, area, p.scroll);
        return;
    };
    let verdict_line = if check.complete() {
        (
            "✓ It holds together.".to_owned(),
            good().add_modifier(Modifier::BOLD),
        )
    } else {
        (
            format!(
                "{} of {} ideas stated right — not there yet.",
                check.matched(),
                check.total()
            ),
            bad(),
        )
    };
    d.text(&verdict_line.0, verdict_line.1);
    for r in &check.results {
        let (mark, style, extra) = match r.verdict {
            Verdict::Stated => ("✓ ", good(), String::new()),
            Verdict::Missing => ("✗ ", bad(), format!(" — missing: {}", r.concept.hint)),
            Verdict::Opposite => (
                "⇄ ",
                bad(),
                format!(" — said the wrong way round: {}", r.concept.hint),
            ),
            Verdict::Contradicted => ("⇄ ", bad(), " — said both ways: pick one".to_owned()),
        };
        d.item(
            mark,
            style,
            &format!("{}{extra}", r.concept.name),
            Style::new(),
        );
    }
    if let Some((first, second)) = &check.out_of_order {
        d.item(
            "↕ ",
            bad(),
            &format!("out of order: \"{second}\" comes before \"{first}\" on the path"),
            Style::new(),
        );
    }
    if !check.explains() {
        d.item(
            "… ",
            bad(),
            &format!(
                "say more of what happens — who signs, who checks, what comes back ({} of {} verbs)",
                check.relations, check.min_relations
            ),
            Style::new(),
        );
    }
    d.blank();
    d.item("Model answer: ", bold(), &model, Style::new());
    d.render(frame, area, p.scroll);
}

/// A ten-cell bar and the percentage of a mastery.
fn mastery_line(m: Mastery) -> String {
    let filled = (m.percent() / 10) as usize;
    format!(
        "{}{} {:>3}% ({}/{})",
        "█".repeat(filled),
        "░".repeat(10 - filled.min(10)),
        m.percent(),
        m.right,
        m.asked
    )
}

pub(super) fn draw_progress(p: &Practice, frame: &mut Frame, area: Rect) {
    let mut d = Doc::new(area.width);
    d.blank();
    d.heading("Mastery by stage");
    for stage in Stage::ALL {
        let m = p
            .progress
            .stages
            .get(stage.name())
            .copied()
            .unwrap_or_default();
        d.item(
            &format!("  {:<9} ", stage.label()),
            bold(),
            &if m.asked == 0 {
                "not asked yet".to_owned()
            } else {
                mastery_line(m)
            },
            if m.asked == 0 { dim() } else { Style::new() },
        );
    }
    d.blank();
    d.heading("Mastery by topic (weakest first)");
    let mut topics: Vec<(String, Mastery)> = p
        .progress
        .weakest_topics()
        .into_iter()
        .map(|(t, m)| (t.to_owned(), m))
        .collect();
    if let Some(bank) = &p.bank {
        for t in bank.topics() {
            if !topics.iter().any(|(n, _)| n == t) {
                topics.push((t.to_owned(), Mastery::default()));
            }
        }
    }
    for (topic, m) in &topics {
        let name = if topic == SCENARIO_TOPIC {
            "tickets"
        } else {
            topic.as_str()
        };
        d.item(
            &format!("  {name:<12} "),
            bold(),
            &if m.asked == 0 {
                "not asked yet".to_owned()
            } else {
                mastery_line(*m)
            },
            if m.asked == 0 { dim() } else { Style::new() },
        );
    }
    d.blank();
    let due = p.progress.due_questions().len();
    d.text(
        &format!(
            "{due} question{} due for review: the next wrap-up asks them first.",
            if due == 1 { "" } else { "s" }
        ),
        Style::new(),
    );
    d.text(
        &format!(
            "Drills: {} of {} tickets right in full, {} attempted.",
            p.progress.completed(),
            p.book.cases().len(),
            p.progress.scenarios.len()
        ),
        Style::new(),
    );
    if let Some(best) = p
        .progress
        .recalls
        .iter()
        .max_by_key(|r| (r.order + r.evidence, std::cmp::Reverse(r.seconds)))
    {
        d.text(
            &format!(
                "90-second drill: best {}/5 in order, {}/5 evidence, {} s ({} taken).",
                best.order,
                best.evidence,
                best.seconds,
                p.progress.recalls.len()
            ),
            Style::new(),
        );
    }
    d.render(frame, area, p.scroll);
}
