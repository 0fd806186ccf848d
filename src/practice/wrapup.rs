//! The wrap-up assessment: [`WRAP_UP_SIZE`] questions drawn from the bank with a seeded
//! shuffle, spread over as many topics as the bank has, options shuffled too (the bank
//! lists the answer wherever it likes), scored, and passed at [`PASS_PERCENT`]. Up to
//! [`MAX_SCENARIO_QUESTIONS`] of them may be the scenarios' own questions.
//!
//! Spaced repetition: [`WrapUp::draw_due`] first asks up to [`MAX_DUE`] questions the
//! progress file says are due (missed last time, or not yet mastered), from different
//! topics, then fills up round-robin as before; the learner's missed topics come back.
//!
//! A [`WrapUp`] is any scored run of multiple-choice questions: a drill asks its
//! scenario's own questions with one too ([`WrapUp::in_order`]).

use super::bank::{Bank, Question};
use super::rng::SplitMix64;

/// Questions per wrap-up.
pub const WRAP_UP_SIZE: usize = 10;

/// The pass mark, in percent of questions answered right.
pub const PASS_PERCENT: usize = 70;

/// The most scenario questions one wrap-up asks. Few, because the bank's topics (ten
/// in the built-in bank) are what the wrap-up assesses: with two scenario questions,
/// eight of the ten still come one per bank topic.
pub const MAX_SCENARIO_QUESTIONS: usize = 2;

/// The most due questions one wrap-up asks again: half, so it still spreads.
pub const MAX_DUE: usize = WRAP_UP_SIZE / 2;

/// A question as drawn: its options in the order shown and where the answer went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnQuestion {
    pub question: Question,
    /// Options in display order.
    pub options: Vec<String>,
    /// Index of the right answer in `options`.
    pub answer: usize,
}

impl DrawnQuestion {
    fn shuffled(question: &Question, rng: &mut SplitMix64) -> DrawnQuestion {
        let mut order: Vec<usize> = (0..question.options.len()).collect();
        rng.shuffle(&mut order);
        let options = order.iter().map(|&i| question.options[i].clone()).collect();
        let answer = order
            .iter()
            .position(|&i| i == question.answer)
            .unwrap_or_default();
        DrawnQuestion {
            question: question.clone(),
            options,
            answer,
        }
    }
}

/// The score of a wrap-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrapUpScore {
    pub correct: usize,
    pub total: usize,
}

impl WrapUpScore {
    /// True at or above [`PASS_PERCENT`].
    pub fn passed(self) -> bool {
        self.total > 0 && self.correct * 100 >= PASS_PERCENT * self.total
    }

    /// Rounded down.
    pub fn percent(self) -> usize {
        (self.correct * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// One wrap-up in progress: the drawn questions and the learner's answers.
#[derive(Clone, Debug)]
pub struct WrapUp {
    pub questions: Vec<DrawnQuestion>,
    /// The learner's choice per question (an index into its shown options).
    pub answers: Vec<Option<usize>>,
}

impl WrapUp {
    /// Draw `count` questions: topics in a shuffled order, then round-robin over them,
    /// taking each topic's questions in shuffled order, so ten questions cover ten topics
    /// when the bank has them. The drawn set is shuffled once more so topics do not come
    /// in a fixed rhythm.
    pub fn draw(bank: &Bank, seed: u64, count: usize) -> WrapUp {
        WrapUp::draw_with(bank, &[], seed, count)
    }

    /// [`WrapUp::draw`], with [`MAX_SCENARIO_QUESTIONS`] of the `count` (or as many as
    /// there are) taken from `scenario` — scenarios' own questions — from different
    /// scenarios where possible. With no scenario questions it draws exactly what
    /// [`WrapUp::draw`] always drew for the seed.
    pub fn draw_with(bank: &Bank, scenario: &[Question], seed: u64, count: usize) -> WrapUp {
        WrapUp::draw_due(bank, scenario, &[], seed, count)
    }

    /// [`WrapUp::draw_with`], asking first up to [`MAX_DUE`] of `due` (question ids,
    /// most urgent first; unknown ids are skipped), one per topic.
    pub fn draw_due(
        bank: &Bank,
        scenario: &[Question],
        due: &[&str],
        seed: u64,
        count: usize,
    ) -> WrapUp {
        let extra = MAX_SCENARIO_QUESTIONS.min(scenario.len()).min(count);
        let from_bank = count - extra;
        let mut rng = SplitMix64::new(seed);
        let mut picked: Vec<&Question> = Vec::with_capacity(count);
        for id in due {
            if picked.len() >= MAX_DUE.min(from_bank) {
                break;
            }
            if let Some(q) = bank.get(id)
                && picked.iter().all(|p| p.topic != q.topic)
            {
                picked.push(q);
            }
        }
        let mut topics: Vec<Vec<&Question>> = bank
            .topics()
            .into_iter()
            .map(|t| bank.questions().iter().filter(|q| q.topic == t).collect())
            .collect();
        rng.shuffle(&mut topics);
        for group in &mut topics {
            rng.shuffle(group);
        }
        // Topics already asked through a due question go last, and nothing is asked twice.
        for group in &mut topics {
            group.retain(|q| !picked.iter().any(|p| std::ptr::eq(*p, *q)));
        }
        topics.sort_by_key(|g| {
            g.first()
                .is_some_and(|q| picked.iter().any(|p| p.topic == q.topic))
        });
        let mut round = 0;
        while picked.len() < from_bank {
            let before = picked.len();
            for group in &topics {
                if picked.len() == from_bank {
                    break;
                }
                if let Some(q) = group.get(round) {
                    picked.push(q);
                }
            }
            if picked.len() == before {
                // The bank is smaller than `count`.
                break;
            }
            round += 1;
        }
        // Shuffling an empty list draws nothing from `rng`, which keeps `draw` as it was.
        let mut candidates: Vec<&Question> = scenario.iter().collect();
        rng.shuffle(&mut candidates);
        let mut taken: Vec<&Question> = Vec::with_capacity(extra);
        for q in &candidates {
            if taken.len() < extra && taken.iter().all(|t| t.scenario != q.scenario) {
                taken.push(q);
            }
        }
        // Fewer scenarios than questions wanted: a second question of one of them.
        for q in &candidates {
            if taken.len() < extra && !taken.iter().any(|t| std::ptr::eq(*t, *q)) {
                taken.push(q);
            }
        }
        picked.extend(taken);
        rng.shuffle(&mut picked);
        let questions: Vec<DrawnQuestion> = picked
            .into_iter()
            .map(|q| DrawnQuestion::shuffled(q, &mut rng))
            .collect();
        let answers = vec![None; questions.len()];
        WrapUp { questions, answers }
    }

    /// `questions` in their own order, each with its options shuffled: a drill's
    /// scenario questions, asked after the reveal.
    pub fn in_order(questions: &[Question], seed: u64) -> WrapUp {
        let mut rng = SplitMix64::new(seed);
        let questions: Vec<DrawnQuestion> = questions
            .iter()
            .map(|q| DrawnQuestion::shuffled(q, &mut rng))
            .collect();
        let answers = vec![None; questions.len()];
        WrapUp { questions, answers }
    }

    /// Record an answer; returns whether it is right (`None`: no such question/option).
    pub fn answer(&mut self, index: usize, choice: usize) -> Option<bool> {
        let q = self.questions.get(index)?;
        if choice >= q.options.len() {
            return None;
        }
        let right = choice == q.answer;
        self.answers[index] = Some(choice);
        Some(right)
    }

    /// True when question `index` was answered right.
    pub fn is_right(&self, index: usize) -> bool {
        matches!((self.questions.get(index), self.answers.get(index)),
            (Some(q), Some(Some(a))) if q.answer == *a)
    }

    /// True when every question has an answer.
    pub fn finished(&self) -> bool {
        self.answers.iter().all(Option::is_some)
    }

    /// The questions answered wrong (or not at all), in the order asked: the review.
    pub fn missed(&self) -> Vec<usize> {
        (0..self.questions.len())
            .filter(|&i| !self.is_right(i))
            .collect()
    }

    pub fn score(&self) -> WrapUpScore {
        WrapUpScore {
            correct: (0..self.questions.len())
                .filter(|&i| self.is_right(i))
                .count(),
            total: self.questions.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::bank::builtin_bank;
    use super::*;

    #[test]
    fn draw_is_seeded_distinct_and_spread_over_topics() {
        let bank = builtin_bank().unwrap();
        let a = WrapUp::draw(&bank, 1, WRAP_UP_SIZE);
        let b = WrapUp::draw(&bank, 1, WRAP_UP_SIZE);
        let c = WrapUp::draw(&bank, 2, WRAP_UP_SIZE);
        assert_eq!(a.questions, b.questions);
        assert_ne!(a.questions, c.questions);
        let ids: std::collections::HashSet<_> =
            a.questions.iter().map(|q| &q.question.id).collect();
        assert_eq!(ids.len(), WRAP_UP_SIZE);
        let topics: std::collections::HashSet<_> =
            a.questions.iter().map(|q| &q.question.topic).collect();
        assert_eq!(topics.len(), WRAP_UP_SIZE.min(bank.topics().len()));
        for q in &a.questions {
            assert_eq!(q.options[q.answer], q.question.options[q.question.answer]);
        }
    }

    #[test]
    fn due_questions_come_first_and_spread_over_topics() {
        let bank = builtin_bank().unwrap();
        let qs = bank.questions();
        // Two due questions of one topic and one of another: one per topic is asked.
        let same: Vec<&str> = qs
            .iter()
            .filter(|q| q.topic == "vault")
            .take(2)
            .map(|q| q.id.as_str())
            .collect();
        let other = qs.iter().find(|q| q.topic == "gcp").unwrap().id.as_str();
        let due = [same[0], same[1], other];
        for seed in 0..20 {
            let w = WrapUp::draw_due(&bank, &[], &due, seed, WRAP_UP_SIZE);
            let ids: Vec<&str> = w.questions.iter().map(|q| q.question.id.as_str()).collect();
            assert!(ids.contains(&same[0]) && ids.contains(&other), "{ids:?}");
            assert!(
                !ids.contains(&same[1]),
                "one due question per topic: {ids:?}"
            );
            let distinct: std::collections::HashSet<_> = ids.iter().collect();
            assert_eq!(distinct.len(), WRAP_UP_SIZE);
        }
        let mut w = WrapUp::draw(&bank, 3, WRAP_UP_SIZE);
        w.answer(0, w.questions[0].answer);
        assert_eq!(w.missed(), (1..WRAP_UP_SIZE).collect::<Vec<_>>());
    }

    #[test]
    fn pass_mark_is_seventy_percent() {
        assert!(
            WrapUpScore {
                correct: 7,
                total: 10
            }
            .passed()
        );
        assert!(
            !WrapUpScore {
                correct: 6,
                total: 10
            }
            .passed()
        );
        assert!(
            !WrapUpScore {
                correct: 0,
                total: 0
            }
            .passed()
        );
        assert_eq!(
            WrapUpScore {
                correct: 7,
                total: 10
            }
            .percent(),
            70
        );
    }
}
