//! Practice mode's core (`oidc_triage::practice`), through its public API.
//!
//! Index:
//! - the question bank: at least 40 questions, every one with a non-empty `why`, four
//!   distinct options and an answer in range; a bad bank is named by id and field;
//! - the wrap-up: ten distinct questions spread over topics, seeded, scored, pass at 70%;
//!   with the scenarios' own questions, two of the ten are theirs (topic `scenario`)
//!   and the other eight still cover eight bank topics;
//! - the scenarios' own questions: every scenario has one or two, each becomes a
//!   question with a why; a drill asks them in order with shuffled options, and their
//!   score is recorded in the scenario's progress (older files still load);
//! - drills on every scenario: the right stage/cause/fix come from the engine's own
//!   diagnosis, the wrong causes and fixes from other scenarios, all distinct; grading;
//! - the rubric: a full sentence covers every concept, a vague one lists what is missing;
//!   the per-scenario rubric names the stage;
//! - teach a friend: the summary names the path, cause and fix, and carries no token
//!   signature;
//! - the progress file: atomic write, corrupt file set aside and reported, reset, missing
//!   file, unreadable path is an error not a panic.

// Helpers outside `#[test]` functions are test code too (clippy.toml allows unwrap in tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use oidc_triage::practice::{
    Bank, BankError, Casebook, DrillAnswers, DrillStep, HEALTHY_CAUSE, HEALTHY_FIX,
    MAX_SCENARIO_QUESTIONS, PASS_PERCENT, Progress, ProgressStore, ProgressWarning, SCENARIO_TOPIC,
    WRAP_UP_SIZE, WrapUp, WrapUpScore, builtin_bank, check_explanation, federation_rubric,
    key_finding, parse_bank, scenario_questions, scenario_rubric, teach_a_friend,
};
use oidc_triage::scenario::Scenario;
use oidc_triage::vocabulary::Stage;

/// The whole library: the built-in scenarios, embedded byte for byte from `scenarios/`
/// (a test in `tests/scenarios.rs` checks that).
fn scenarios() -> Vec<Scenario> {
    let (scenarios, errors) = oidc_triage::scenario::library(None);
    assert!(errors.is_empty(), "{errors:?}");
    scenarios
}

fn bank() -> Bank {
    builtin_bank().unwrap()
}

// ── the bank ──────────────────────────────────────────────────────────────────────────

#[test]
fn bank_has_at_least_forty_questions_each_with_a_why() {
    let bank = bank();
    assert!(bank.len() >= 40, "only {} questions", bank.len());
    for q in bank.questions() {
        assert!(!q.why.trim().is_empty(), "question {} has no why", q.id);
        assert_eq!(q.options.len(), 4, "question {}", q.id);
        assert!(q.answer < q.options.len(), "question {}", q.id);
        let distinct: HashSet<_> = q.options.iter().collect();
        assert_eq!(distinct.len(), 4, "question {} repeats an option", q.id);
    }
}

#[test]
fn bank_covers_the_topics_the_issue_names() {
    let bank = bank();
    let topics = bank.topics();
    for topic in [
        "components",
        "path-order",
        "trace-first",
        "rollout",
        "claims",
        "risk",
        "cloudtrail",
        "gcp",
        "azure",
        "vault",
    ] {
        assert!(topics.contains(&topic), "no {topic} questions: {topics:?}");
    }
}

#[test]
fn a_question_without_why_is_rejected_by_id() {
    let mut text = String::new();
    for i in 0..40 {
        let why = if i == 7 { "" } else { "because" };
        text.push_str(&format!(
            "[[question]]\nid = \"q-{i}\"\ntopic = \"t\"\nprompt = \"p\"\noptions = [\"a\", \"b\", \"c\", \"d\"]\nanswer = 2\nwhy = \"{why}\"\n"
        ));
    }
    let err = parse_bank(&text).unwrap_err();
    assert!(
        matches!(&err, BankError::Invalid { id, field: "why", .. } if id == "q-7"),
        "{err}"
    );
    assert!(err.to_string().contains("q-7"), "{err}");
}

// ── the wrap-up ───────────────────────────────────────────────────────────────────────

#[test]
fn wrap_up_draws_ten_distinct_questions_over_ten_topics() {
    let bank = bank();
    for seed in [0, 1, 99, u64::MAX] {
        let w = WrapUp::draw(&bank, seed, WRAP_UP_SIZE);
        assert_eq!(w.questions.len(), 10);
        let ids: HashSet<_> = w.questions.iter().map(|q| &q.question.id).collect();
        assert_eq!(ids.len(), 10, "seed {seed} repeats a question");
        let topics: HashSet<_> = w.questions.iter().map(|q| &q.question.topic).collect();
        assert_eq!(topics.len(), 10, "seed {seed} covers {topics:?}");
    }
    assert_eq!(
        WrapUp::draw(&bank, 5, 10).questions,
        WrapUp::draw(&bank, 5, 10).questions
    );
}

#[test]
fn wrap_up_scores_and_passes_at_seventy_percent() {
    assert_eq!(PASS_PERCENT, 70);
    let mut w = WrapUp::draw(&bank(), 3, WRAP_UP_SIZE);
    assert!(!w.finished());
    for i in 0..10 {
        let right = w.questions[i].answer;
        let choice = if i < 7 { right } else { (right + 1) % 4 };
        assert_eq!(w.answer(i, choice), Some(i < 7));
    }
    assert!(w.finished());
    assert_eq!(w.score().correct, 7);
    assert!(w.score().passed());
    let wrong = (w.questions[6].answer + 1) % 4;
    w.answer(6, wrong);
    assert_eq!(w.score().correct, 6);
    assert!(!w.score().passed());
    assert_eq!(w.answer(0, 4), None, "no fifth option");
    assert_eq!(w.answer(10, 0), None, "no eleventh question");
}

#[test]
fn wrap_up_with_scenario_questions_takes_two_and_keeps_eight_bank_topics() {
    let bank = bank();
    let own = Casebook::new(scenarios()).all_questions();
    assert!(own.len() > MAX_SCENARIO_QUESTIONS);
    for seed in [0, 1, 7, 99, u64::MAX] {
        let w = WrapUp::draw_with(&bank, &own, seed, WRAP_UP_SIZE);
        assert_eq!(w.questions.len(), WRAP_UP_SIZE);
        let ids: HashSet<_> = w.questions.iter().map(|q| &q.question.id).collect();
        assert_eq!(ids.len(), WRAP_UP_SIZE, "seed {seed} repeats a question");
        let (theirs, banks): (Vec<_>, Vec<_>) = w
            .questions
            .iter()
            .partition(|q| q.question.topic == SCENARIO_TOPIC);
        assert_eq!(theirs.len(), MAX_SCENARIO_QUESTIONS, "seed {seed}");
        // From two different scenarios, when there are several.
        let slugs: HashSet<_> = theirs.iter().map(|q| &q.question.scenario).collect();
        assert_eq!(slugs.len(), 2, "seed {seed}: {slugs:?}");
        let topics: HashSet<_> = banks.iter().map(|q| &q.question.topic).collect();
        assert_eq!(
            topics.len(),
            WRAP_UP_SIZE - MAX_SCENARIO_QUESTIONS,
            "seed {seed}"
        );
        for q in &w.questions {
            assert_eq!(q.options[q.answer], q.question.options[q.question.answer]);
        }
    }
    assert_eq!(
        WrapUp::draw_with(&bank, &own, 5, 10).questions,
        WrapUp::draw_with(&bank, &own, 5, 10).questions
    );
    // Without scenario questions the draw is the bank-only draw, question for question.
    assert_eq!(
        WrapUp::draw_with(&bank, &[], 5, 10).questions,
        WrapUp::draw(&bank, 5, 10).questions
    );
    // One scenario question available: one is asked, nine come from the bank.
    let w = WrapUp::draw_with(&bank, &own[..1], 3, WRAP_UP_SIZE);
    let theirs = w
        .questions
        .iter()
        .filter(|q| q.question.topic == SCENARIO_TOPIC);
    assert_eq!(theirs.count(), 1);
    assert_eq!(w.questions.len(), WRAP_UP_SIZE);
}

// ── the scenarios' own questions ──────────────────────────────────────────────────────

#[test]
fn every_scenario_has_own_questions_that_become_valid_questions() {
    let mut ids = HashSet::new();
    for scenario in scenarios() {
        let questions = scenario_questions(&scenario);
        assert!(
            (1..=2).contains(&questions.len()),
            "{}: {} questions",
            scenario.slug,
            questions.len()
        );
        for (q, own) in questions.iter().zip(&scenario.spec.question) {
            assert!(ids.insert(q.id.clone()), "id {} twice", q.id);
            assert!(q.id.starts_with(&scenario.slug), "{}", q.id);
            assert_eq!(q.topic, SCENARIO_TOPIC);
            assert_eq!(q.scenario.as_deref(), Some(scenario.slug.as_str()));
            assert_eq!((&q.prompt, &q.why), (&own.prompt, &own.why));
            assert!(
                !q.prompt.trim().is_empty() && !q.why.trim().is_empty(),
                "{}",
                q.id
            );
            assert_eq!(q.options[q.answer], own.options[own.answer], "{}", q.id);
            let distinct: HashSet<_> = q.options.iter().map(|o| o.trim().to_lowercase()).collect();
            assert_eq!(
                distinct.len(),
                q.options.len(),
                "{} repeats an option",
                q.id
            );
        }
    }
}

#[test]
fn a_drill_asks_its_scenarios_questions_in_order_with_shuffled_options() {
    let book = Casebook::new(scenarios());
    let mut moved = 0;
    for (i, case) in book.cases().iter().enumerate() {
        let own = book.questions(i);
        assert_eq!(own, scenario_questions(&case.scenario));
        let mut quiz = WrapUp::in_order(&own, 11);
        assert_eq!(
            quiz.questions,
            WrapUp::in_order(&own, 11).questions,
            "seeded"
        );
        assert_eq!(quiz.questions.len(), own.len());
        for (k, (drawn, q)) in quiz.questions.iter().zip(&own).enumerate() {
            assert_eq!(
                &drawn.question, q,
                "{} question {k} out of order",
                case.scenario.slug
            );
            assert_eq!(drawn.options[drawn.answer], q.options[q.answer]);
            moved += usize::from(drawn.answer != q.answer);
        }
        for k in 0..own.len() {
            let right = quiz.questions[k].answer;
            assert_eq!(quiz.answer(k, right), Some(true));
        }
        assert!(quiz.finished());
        assert_eq!(quiz.score().correct, own.len());
    }
    assert!(moved > 0, "options are shuffled, not shown in file order");
    assert!(book.questions(book.cases().len()).is_empty());
}

#[test]
fn own_questions_are_recorded_in_the_scenarios_progress() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.json");
    let store = ProgressStore::new(&path);
    let mut progress = Progress::default();
    progress.record_questions(
        "s",
        WrapUpScore {
            correct: 1,
            total: 2,
        },
    );
    progress.record_questions(
        "s",
        WrapUpScore {
            correct: 2,
            total: 2,
        },
    );
    progress.record_questions(
        "s",
        WrapUpScore {
            correct: 0,
            total: 2,
        },
    );
    store.save(&progress).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["scenarios"]["s"]["questions_last"]["correct"], 0);
    assert_eq!(json["scenarios"]["s"]["questions_best"]["correct"], 2);
    assert_eq!(json["scenarios"]["s"]["questions_best"]["total"], 2);
    assert_eq!(store.load().unwrap(), (progress, None));

    // A file written before these fields existed loads, and writes back without them.
    std::fs::write(
        &path,
        r#"{"version":1,"scenarios":{"x":{"attempts":2,"best":{"correct":3,"total":3},"completed":true}},"wrap_ups":[]}"#,
    )
    .unwrap();
    let (old, warning) = store.load().unwrap();
    assert_eq!(warning, None);
    assert_eq!(old.scenarios["x"].questions_last, None);
    store.save(&old).unwrap();
    assert!(
        !std::fs::read_to_string(&path)
            .unwrap()
            .contains("questions_")
    );
}

// ── drills ────────────────────────────────────────────────────────────────────────────

#[test]
fn drill_answers_come_from_the_engine_and_distractors_from_other_scenarios() {
    let book = Casebook::new(scenarios());
    assert!(book.cases().len() >= 4);
    for (i, case) in book.cases().iter().enumerate() {
        let drill = book.drill(i, 11).unwrap();
        let d = &case.diagnosis;
        // Stage: where the engine says evidence stops; the five stages in path order,
        // then "nowhere".
        let mut stages: Vec<Option<Stage>> = Stage::ALL.into_iter().map(Some).collect();
        stages.push(None);
        assert_eq!(drill.stage_options, stages);
        assert_eq!(drill.stage_options[drill.stage_answer], d.stopped_at);
        assert_eq!(
            d.stopped_at.map(Stage::name).unwrap_or("none"),
            case.scenario.spec.expect.stopped_at,
            "{}",
            case.scenario.slug
        );
        for (what, options) in [("cause", &drill.cause_options), ("fix", &drill.fix_options)] {
            assert_eq!(
                options.len(),
                4,
                "{} {what}: {options:#?}",
                case.scenario.slug
            );
            let distinct: HashSet<_> = options.iter().collect();
            assert_eq!(
                distinct.len(),
                4,
                "{} {what} options repeat",
                case.scenario.slug
            );
        }
        // Cause and fix: the key finding's; a path with no finding is healthy.
        let Some(key) = key_finding(d) else {
            assert_eq!(drill.cause_options[drill.cause_answer], HEALTHY_CAUSE);
            assert_eq!(drill.fix_options[drill.fix_answer], HEALTHY_FIX);
            continue;
        };
        // The cause is asked as the finding's one-line title; the reveal shows its cause.
        assert_eq!(drill.cause_options[drill.cause_answer], key.title);
        assert_eq!(drill.fix_options[drill.fix_answer], key.fix);
        // Every wrong cause is a real cause from another scenario's diagnosis, and
        // never the right finding under another name.
        for (j, cause) in drill.cause_options.iter().enumerate() {
            if j == drill.cause_answer {
                continue;
            }
            let from_other = book.cases().iter().enumerate().any(|(k, other)| {
                k != i
                    && other
                        .diagnosis
                        .findings
                        .iter()
                        .any(|f| f.title == cause && f.id != key.id)
            });
            assert!(
                from_other,
                "{}: distractor {cause:?} not from another scenario",
                case.scenario.slug
            );
        }
        for (j, fix) in drill.fix_options.iter().enumerate() {
            if j == drill.fix_answer {
                continue;
            }
            assert!(
                book.cases()
                    .iter()
                    .enumerate()
                    .any(|(k, o)| k != i && o.diagnosis.findings.iter().any(|f| &f.fix == fix)),
                "{}: fix distractor {fix:?} not from another scenario",
                case.scenario.slug
            );
        }
    }
}

#[test]
fn drill_is_seeded_and_grading_says_what_was_right() {
    let book = Casebook::new(scenarios());
    let a = book.drill(0, 1).unwrap();
    assert_eq!(a, book.drill(0, 1).unwrap());
    let mut answers = DrillAnswers::default();
    assert_eq!(a.grade(&answers).correct(), 0, "unanswered is wrong");
    answers.set(DrillStep::Stage, a.answer(DrillStep::Stage));
    answers.set(DrillStep::Cause, (a.answer(DrillStep::Cause) + 1) % 4);
    answers.set(DrillStep::Fix, a.answer(DrillStep::Fix));
    let grade = a.grade(&answers);
    assert!(grade.stage && !grade.cause && grade.fix);
    assert_eq!(grade.correct(), 2);
    assert!(!grade.perfect());
    assert!(book.drill(book.cases().len(), 1).is_none());
}

// ── rubric ────────────────────────────────────────────────────────────────────────────

#[test]
fn rubric_reports_matched_and_missing_concepts() {
    let rubric = federation_rubric();
    let full = "Instead of storing long-lived keys, the job's short-lived OIDC token is checked by the cloud's TRUST POLICY (subject and audience) and exchanged for temporary role credentials, which CloudTrail audits.";
    let check = check_explanation(&rubric, full);
    assert!(check.complete(), "missing {:?}", check.missing_names());

    let vague = "the pipeline logs in to the cloud";
    let check = check_explanation(&rubric, vague);
    assert!(!check.complete());
    for concept in [
        "short-lived",
        "trust policy",
        "no stored keys",
        "subject and audience",
    ] {
        assert!(
            check.missing_names().contains(&concept),
            "{:?}",
            check.missing_names()
        );
    }
    assert_eq!(check.total(), rubric.len());
}

#[test]
fn scenario_rubric_names_the_stage_and_the_cause() {
    let book = Casebook::new(scenarios());
    let i = book.find("azure-aadsts70021-subject").unwrap();
    let rubric = scenario_rubric(&book.cases()[i]);
    assert!(rubric[0].name.contains("trust"), "{:?}", rubric[0].name);
    let good = check_explanation(
        &rubric,
        "It stops at trust: the federated credential's subject does not match the token's sub.",
    );
    assert!(good.complete(), "missing {:?}", good.missing_names());
    let bad = check_explanation(&rubric, "The role lacks permissions.");
    assert!(bad.missing_names().iter().any(|n| n.contains("trust")));
}

// ── teach a friend ────────────────────────────────────────────────────────────────────

#[test]
fn teach_a_friend_summary_is_paste_ready_and_redacted() {
    let book = Casebook::new(scenarios());
    for case in book.cases() {
        let text = teach_a_friend(case);
        assert!(
            text.contains("Workflow → Token → Trust → Role → Audit"),
            "{text}"
        );
        assert!(text.contains("Where evidence stops:"), "{text}");
        assert!(text.contains("Cause ("), "{}: {text}", case.scenario.slug);
        assert!(text.contains("Fix: "), "{text}");
        assert!(text.contains("Retest:"), "{text}");
        assert!(!text.contains('\x1b'), "{text}");
        // No JWT survives with a signature: every eyJ… run ends in <redacted>.
        for word in text.split(|c: char| c.is_whitespace() || c == '`' || c == '"') {
            if word.starts_with("eyJ") && word.matches('.').count() >= 2 {
                assert!(word.contains("<redacted>"), "{word}");
            }
        }
    }
}

// ── progress ──────────────────────────────────────────────────────────────────────────

#[test]
fn missing_progress_file_is_empty_progress() {
    let dir = tempfile::tempdir().unwrap();
    let store = ProgressStore::new(dir.path().join("oidc-triage/progress.json"));
    assert_eq!(store.load().unwrap(), (Progress::default(), None));
    assert!(!store.reset().unwrap(), "nothing to reset");
}

#[test]
fn progress_is_written_atomically_and_reset_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oidc-triage/progress.json");
    let store = ProgressStore::new(&path);
    let book = Casebook::new(scenarios());
    let drill = book.drill(0, 1).unwrap();
    let mut answers = DrillAnswers::default();
    for step in DrillStep::ALL {
        answers.set(step, drill.answer(step));
    }
    let mut progress = Progress::default();
    progress.record_drill(&drill.slug, drill.grade(&answers));
    let mut w = WrapUp::draw(&bank(), 1, 10);
    for i in 0..10 {
        w.answer(i, w.questions[i].answer);
    }
    progress.record_wrap_up(1_780_000_000, w.score());
    store.save(&progress).unwrap();

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(json["scenarios"][&drill.slug]["attempts"], 1);
    assert_eq!(json["scenarios"][&drill.slug]["completed"], true);
    assert_eq!(json["wrap_ups"][0]["score"], 10);
    assert_eq!(json["wrap_ups"][0]["passed"], true);
    // Only the file itself: the temporary file was renamed over it.
    let entries: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(entries, ["progress.json"]);
    // A second save replaces it whole.
    progress.record_drill(&drill.slug, drill.grade(&DrillAnswers::default()));
    store.save(&progress).unwrap();
    assert_eq!(store.load().unwrap().0.scenarios[&drill.slug].attempts, 2);

    assert!(store.reset().unwrap());
    assert!(!path.exists());
    assert_eq!(store.load().unwrap().0, Progress::default());
}

#[test]
fn corrupt_progress_file_is_set_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.json");
    std::fs::write(&path, b"{\"scenarios\": {\"x\": {\"attempts\": \"many\"}").unwrap();
    let store = ProgressStore::new(&path);
    let (progress, warning) = store.load().unwrap();
    assert_eq!(progress, Progress::default());
    let Some(ProgressWarning::Corrupt {
        moved_to: Some(aside),
        ..
    }) = &warning
    else {
        panic!("expected a corrupt-file warning, got {warning:?}");
    };
    assert!(!path.exists(), "the corrupt file is moved away");
    let name = aside.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("progress.json.corrupt-"), "{name}");
    assert_eq!(
        std::fs::read(aside).unwrap(),
        b"{\"scenarios\": {\"x\": {\"attempts\": \"many\"}",
        "the original bytes are kept for the learner"
    );
    assert!(warning.unwrap().to_string().contains("set aside"));
    // The next load starts clean, and a save works.
    assert_eq!(store.load().unwrap(), (Progress::default(), None));
    store.save(&Progress::default()).unwrap();
}

#[test]
fn unreadable_progress_path_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be.
    let path = dir.path().join("progress.json");
    std::fs::create_dir(&path).unwrap();
    let store = ProgressStore::new(&path);
    assert!(store.load().is_err());
    assert!(store.save(&Progress::default()).is_err());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "the temporary file is cleaned up: {leftovers:?}"
    );
}
