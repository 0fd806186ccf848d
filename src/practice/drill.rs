//! Drill a ticket: a scenario becomes three multiple-choice steps — the stage where
//! evidence stops, the cause, the fix. The right answers come from the engine's own
//! diagnosis of the scenario ([`key_finding`]); the wrong ones are real causes and fixes
//! from the diagnoses of *other* scenarios, so a learner cannot win by spotting the odd
//! one out. A [`Casebook`] holds every scenario with its diagnosis, computed once.
//!
//! Options read alike: distractors are taken closest in length to the right answer
//! ([`options`]), and none repeats a run of [`COPY_RUN`] words of the ticket, so the
//! answer is not "the one that echoes the error text".

use std::cmp::Reverse;
use std::collections::HashSet;

use super::bank::{Question, scenario_questions};
use super::rng::SplitMix64;
use crate::diagnosis::Diagnosis;
use crate::scenario::Scenario;
use crate::vocabulary::{Finding, Severity, Stage};

/// The cause and fix of a path with no finding at all.
pub const HEALTHY_CAUSE: &str = "Nothing is wrong: every stage has passing evidence";
pub const HEALTHY_FIX: &str = "No fix needed: keep the trust rule as narrow as it is";

/// Wrong options per cause/fix question.
const DISTRACTORS: usize = 3;

/// An option sharing this many consecutive words with the ticket copies it.
pub const COPY_RUN: usize = 4;

/// Lowercase words of `s`, punctuation dropped.
fn word_list(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// True when `option` repeats [`COPY_RUN`] consecutive words of `ticket`.
pub fn copies_ticket(option: &str, ticket: &str) -> bool {
    let o = word_list(option);
    let t = word_list(ticket);
    if o.len() < COPY_RUN {
        return false;
    }
    o.windows(COPY_RUN)
        .any(|run| t.windows(COPY_RUN).any(|tr| tr == run))
}

/// A scenario with the engine's diagnosis of it.
#[derive(Clone, Debug)]
pub struct Case {
    pub scenario: Scenario,
    pub diagnosis: Diagnosis,
}

impl Case {
    /// Diagnose a scenario (the same engine as `oidc-triage diagnose`).
    pub fn new(scenario: Scenario) -> Case {
        let diagnosis = scenario.diagnose();
        Case {
            scenario,
            diagnosis,
        }
    }

    /// Where evidence stops (`None`: all five stages passed) — the drill's first answer.
    pub fn stopped_at(&self) -> Option<Stage> {
        self.diagnosis.stopped_at
    }

    /// The stage to point at: where evidence stops, else the stage of the finding that
    /// matters most (a risk on a healthy path), else the last stage.
    pub fn focus_stage(&self) -> Stage {
        self.diagnosis
            .stopped_at
            .or_else(|| key_finding(&self.diagnosis).map(|f| f.stage))
            .unwrap_or(Stage::Audit)
    }
}

/// Every scenario, diagnosed.
#[derive(Clone, Debug, Default)]
pub struct Casebook {
    cases: Vec<Case>,
}

impl Casebook {
    pub fn new(scenarios: Vec<Scenario>) -> Casebook {
        Casebook {
            cases: scenarios.into_iter().map(Case::new).collect(),
        }
    }

    pub fn cases(&self) -> &[Case] {
        &self.cases
    }

    /// The index of the scenario with this slug.
    pub fn find(&self, slug: &str) -> Option<usize> {
        self.cases.iter().position(|c| c.scenario.slug == slug)
    }

    /// The own questions of case `index` (none for an index out of range), asked after
    /// its drill's reveal.
    pub fn questions(&self, index: usize) -> Vec<Question> {
        self.cases
            .get(index)
            .map(|c| scenario_questions(&c.scenario))
            .unwrap_or_default()
    }

    /// Every scenario's own questions, in case order: the wrap-up draws a few of them.
    pub fn all_questions(&self) -> Vec<Question> {
        self.cases
            .iter()
            .flat_map(|c| scenario_questions(&c.scenario))
            .collect()
    }

    /// A drill on case `index`, distractors from all the others.
    pub fn drill(&self, index: usize, seed: u64) -> Option<Drill> {
        let case = self.cases.get(index)?;
        let others = self
            .cases
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != index)
            .map(|(_, c)| c);
        Some(Drill::build(case, others, seed))
    }
}

/// The finding a drill asks about: at the stage where evidence stops, the one that
/// proves it (errors first, then warnings, riskiest first); when that stage has only
/// informational findings (a healthy path whose evidence ends early), the riskiest
/// finding anywhere, as the triage screen highlights it; else the first non-info one.
pub fn key_finding(d: &Diagnosis) -> Option<&Finding> {
    let rank = |f: &&Finding| (f.severity, Reverse(f.risk));
    if let Some(stage) = d.stopped_at
        && let Some(f) = d
            .findings_on(stage)
            .filter(|f| f.severity != Severity::Info)
            .min_by_key(rank)
    {
        return Some(f);
    }
    d.findings
        .iter()
        .filter(|f| f.risk.is_some())
        .max_by_key(|f| f.risk)
        .or_else(|| {
            d.findings
                .iter()
                .filter(|f| f.severity != Severity::Info)
                .min_by_key(rank)
        })
}

/// The finding a drill asks the cause of: the [`key_finding`], unless its title repeats
/// the ticket's own words (an STS error title for a ticket that quotes the error) —
/// then the next finding on the same stage that does not (the mismatch behind the
/// refusal), so the right cause is never the one that echoes the ticket.
pub fn drill_finding(case: &Case) -> Option<&Finding> {
    let d = &case.diagnosis;
    let key = key_finding(d)?;
    let ticket = &case.scenario.spec.ticket;
    if !copies_ticket(key.title, ticket) {
        return Some(key);
    }
    let rank = |f: &&Finding| (f.severity, Reverse(f.risk));
    d.findings_on(key.stage)
        .filter(|f| f.severity != Severity::Info && !copies_ticket(f.title, ticket))
        .min_by_key(rank)
        .or(Some(key))
}

/// One of the three questions of a drill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrillStep {
    Stage,
    Cause,
    Fix,
}

impl DrillStep {
    pub const ALL: [DrillStep; 3] = [DrillStep::Stage, DrillStep::Cause, DrillStep::Fix];

    /// The question as the learner reads it.
    pub fn prompt(self) -> &'static str {
        match self {
            DrillStep::Stage => "Where does the evidence stop?",
            DrillStep::Cause => "What is the cause?",
            DrillStep::Fix => "What is the fix?",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DrillStep::Stage => "stage",
            DrillStep::Cause => "cause",
            DrillStep::Fix => "fix",
        }
    }
}

/// A drill built from one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drill {
    pub slug: String,
    pub title: String,
    pub ticket: String,
    /// The artifacts as `name (kind)`, as the ticket would attach them.
    pub artifacts: Vec<String>,
    /// The five stages in path order (the order is part of what is learned), then
    /// `None`: "nowhere — all five passed".
    pub stage_options: Vec<Option<Stage>>,
    pub stage_answer: usize,
    pub cause_options: Vec<String>,
    pub cause_answer: usize,
    pub fix_options: Vec<String>,
    pub fix_answer: usize,
    /// The finding the cause and fix come from.
    pub finding_id: Option<&'static str>,
    /// The scenario's explanation, for the reveal.
    pub explanation: String,
}

/// The learner's three picks (indices into the options).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrillAnswers {
    pub stage: Option<usize>,
    pub cause: Option<usize>,
    pub fix: Option<usize>,
}

impl DrillAnswers {
    pub fn get(&self, step: DrillStep) -> Option<usize> {
        match step {
            DrillStep::Stage => self.stage,
            DrillStep::Cause => self.cause,
            DrillStep::Fix => self.fix,
        }
    }

    pub fn set(&mut self, step: DrillStep, choice: usize) {
        match step {
            DrillStep::Stage => self.stage = Some(choice),
            DrillStep::Cause => self.cause = Some(choice),
            DrillStep::Fix => self.fix = Some(choice),
        }
    }
}

/// What was right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrillGrade {
    pub stage: bool,
    pub cause: bool,
    pub fix: bool,
}

impl DrillGrade {
    pub fn get(self, step: DrillStep) -> bool {
        match step {
            DrillStep::Stage => self.stage,
            DrillStep::Cause => self.cause,
            DrillStep::Fix => self.fix,
        }
    }

    pub fn correct(self) -> u32 {
        u32::from(self.stage) + u32::from(self.cause) + u32::from(self.fix)
    }

    pub const TOTAL: u32 = 3;

    pub fn perfect(self) -> bool {
        self.correct() == Self::TOTAL
    }
}

/// FNV-1a, to turn a slug into seed bits.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The right answer plus up to [`DISTRACTORS`] distinct candidates, shuffled; returns
/// the options and where the right one landed. Candidates that copy the ticket are
/// skipped; among the rest, those closest in length to the right answer are taken
/// (ties keep the candidates' shuffled order), so length does not single it out.
fn options(
    right: String,
    candidates: Vec<String>,
    ticket: &str,
    rng: &mut SplitMix64,
) -> (Vec<String>, usize) {
    let mut seen: HashSet<String> = HashSet::from([normalise(&right)]);
    let mut pool: Vec<String> = Vec::new();
    for c in candidates {
        if !c.trim().is_empty() && !copies_ticket(&c, ticket) && seen.insert(normalise(&c)) {
            pool.push(c);
        }
    }
    let len = right.chars().count();
    pool.sort_by_key(|c| c.chars().count().abs_diff(len));
    let mut options = vec![right];
    options.extend(pool.into_iter().take(DISTRACTORS));
    let mut order: Vec<usize> = (0..options.len()).collect();
    rng.shuffle(&mut order);
    let answer = order.iter().position(|&i| i == 0).unwrap_or_default();
    let shuffled = order.into_iter().map(|i| options[i].clone()).collect();
    (shuffled, answer)
}

impl Drill {
    /// Build a drill on `case`; distractors come from `others` (other scenarios).
    pub fn build<'a>(case: &Case, others: impl Iterator<Item = &'a Case>, seed: u64) -> Drill {
        // The slug is mixed in so one session seed gives each scenario its own order.
        let mut rng = SplitMix64::new(seed ^ fnv1a(&case.scenario.slug));
        let d = &case.diagnosis;
        let key = drill_finding(case);
        let key_id = key.map(|f| f.id);
        // Each other scenario's own key finding first (the cause an engineer would give
        // for that ticket), then its other non-info findings; never the same finding id
        // as the right answer, whose cause would read as a second right answer.
        let mut primary: Vec<&Finding> = Vec::new();
        let mut secondary: Vec<&Finding> = Vec::new();
        for other in others {
            let other_key = key_finding(&other.diagnosis);
            if let Some(f) = other_key
                && Some(f.id) != key_id
            {
                primary.push(f);
            }
            secondary.extend(other.diagnosis.findings.iter().filter(|f| {
                f.severity != Severity::Info
                    && Some(f.id) != key_id
                    && other_key.is_none_or(|k| !std::ptr::eq(k, *f))
            }));
        }
        rng.shuffle(&mut primary);
        rng.shuffle(&mut secondary);
        let pool: Vec<&Finding> = primary.into_iter().chain(secondary).collect();

        // The cause is asked as the finding's title (the catalogue's one-line cause:
        // "Subject does not match the trust policy"), which reads as a choice at 80
        // columns; the reveal shows the engine's full, specific cause. A path with no
        // finding at all is healthy, and saying so is the right answer.
        let (cause, fix) = match key {
            Some(f) => (f.title.to_owned(), f.fix.clone()),
            None => (HEALTHY_CAUSE.to_owned(), HEALTHY_FIX.to_owned()),
        };
        let ticket = &case.scenario.spec.ticket;
        let (cause_options, cause_answer) = options(
            cause,
            pool.iter().map(|f| f.title.to_owned()).collect(),
            ticket,
            &mut rng,
        );
        let (fix_options, fix_answer) = options(
            fix,
            pool.iter().map(|f| f.fix.clone()).collect(),
            ticket,
            &mut rng,
        );

        let mut stage_options: Vec<Option<Stage>> = Stage::ALL.into_iter().map(Some).collect();
        stage_options.push(None);
        let stage_answer = stage_options
            .iter()
            .position(|s| *s == case.stopped_at())
            .unwrap_or_default();
        Drill {
            slug: case.scenario.slug.clone(),
            title: case.scenario.spec.title.clone(),
            ticket: case.scenario.spec.ticket.clone(),
            artifacts: d
                .artifacts
                .iter()
                .map(|a| format!("{} ({})", a.name, a.kind.name()))
                .collect(),
            stage_options,
            stage_answer,
            cause_options,
            cause_answer,
            fix_options,
            fix_answer,
            finding_id: key_id,
            explanation: case.scenario.spec.explanation.clone(),
        }
    }

    /// The options of one step, as text.
    pub fn options(&self, step: DrillStep) -> Vec<String> {
        match step {
            DrillStep::Stage => self
                .stage_options
                .iter()
                .map(|s| match s {
                    Some(s) => format!("{} — {}", s.label(), s.title()),
                    None => "Nowhere — all five stages passed".to_owned(),
                })
                .collect(),
            DrillStep::Cause => self.cause_options.clone(),
            DrillStep::Fix => self.fix_options.clone(),
        }
    }

    /// The right option of one step.
    pub fn answer(&self, step: DrillStep) -> usize {
        match step {
            DrillStep::Stage => self.stage_answer,
            DrillStep::Cause => self.cause_answer,
            DrillStep::Fix => self.fix_answer,
        }
    }

    /// Grade the learner's picks (an unanswered step is wrong).
    pub fn grade(&self, answers: &DrillAnswers) -> DrillGrade {
        let right = |step| answers.get(step) == Some(self.answer(step));
        DrillGrade {
            stage: right(DrillStep::Stage),
            cause: right(DrillStep::Cause),
            fix: right(DrillStep::Fix),
        }
    }
}
