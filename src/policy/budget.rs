//! Evaluation budgets: bounds on the work any trust configuration can cause, so that
//! no input makes the tool hang or exhaust memory (issue 13, "budgets on all
//! evaluation"). A configuration over a budget is not evaluated; it becomes the
//! `trust.evaluation-budget` finding, which names the size and the limit.
//!
//! The limits sit well above what the clouds themselves accept (GCP bounds an
//! attribute condition to 4096 characters, Entra an application to 20 credentials),
//! so a configuration a cloud accepted is never refused here.

use super::Verdict;
use crate::vocabulary::catalog::TRUST_EVALUATION_BUDGET;

/// Comparisons in one Azure claims matching expression.
pub const AZURE_COMPARISONS: usize = 10_000;

/// Characters of one CEL expression (GCP accepts 4096 for the condition, 2048 for a
/// mapping). The CEL parser's time and memory grow with the text, so the length is
/// checked before parsing.
pub const CEL_CHARACTERS: usize = 16_384;

/// Nodes of one CEL syntax tree.
pub const CEL_NODES: usize = 10_000;

/// Estimated evaluation steps of one CEL expression against one token: each node
/// counts once, a comprehension's body once per element of its range (see
/// `gcp::cel::Compiled::steps`).
pub const CEL_STEPS: u64 = 100_000;

/// Wall-clock time for one CEL evaluation, a backstop behind the step estimate.
pub const CEL_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Deny statement evaluations in one review (AWS): beyond it, the review stops
/// checking Deny statements against synthetic tokens and says so, so that the work is
/// linear in the statements.
pub const DENY_EVALUATIONS: usize = 20_000;

/// A budget that was exceeded: what, how large, the limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exceeded {
    /// What was too large, as a sentence subject: `the claims matching expression of
    /// credential 'flex'`, `the attribute condition`.
    pub what: String,
    /// The measured size (or, for a step estimate, the estimate).
    pub size: u64,
    /// The unit: `comparisons`, `characters`, `nodes`, `evaluation steps`.
    pub unit: &'static str,
    pub limit: u64,
    /// Where it is in the configuration.
    pub locator: String,
    /// The cause variant: `default` (nothing was evaluated), `deny` (the review
    /// stopped checking Deny statements).
    pub variant: &'static str,
}

impl Exceeded {
    pub fn new(
        what: impl Into<String>,
        size: impl TryInto<u64>,
        unit: &'static str,
        limit: impl TryInto<u64>,
        locator: impl Into<String>,
    ) -> Exceeded {
        Exceeded {
            what: what.into(),
            size: size.try_into().unwrap_or(u64::MAX),
            unit,
            limit: limit.try_into().unwrap_or(u64::MAX),
            locator: locator.into(),
            variant: crate::vocabulary::knowledge::DEFAULT_VARIANT,
        }
    }

    /// The same, for the review's Deny checks.
    pub fn deny(mut self) -> Exceeded {
        self.variant = "deny";
        self
    }

    /// The finding-to-be: "the condition is too large to evaluate: 100 000
    /// comparisons; limit 10 000".
    pub fn verdict(&self) -> Verdict {
        let reason = TRUST_EVALUATION_BUDGET
            .reason()
            .with("what", &self.what)
            .with("size", grouped(self.size))
            .with("unit", self.unit)
            .with("limit", grouped(self.limit))
            .cause(self.variant);
        let (cause, fix) = reason.texts();
        Verdict {
            rule: TRUST_EVALUATION_BUDGET,
            cause,
            fix,
            locator: self.locator.clone(),
            cloud_error: None,
        }
    }
}

/// A number with its thousands grouped by spaces: `100 000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1 000");
        assert_eq!(grouped(100_000), "100 000");
        assert_eq!(grouped(1_234_567), "1 234 567");
    }

    #[test]
    fn the_verdict_names_size_and_limit() {
        let v = Exceeded::new(
            "the condition",
            100_000usize,
            "comparisons",
            10_000usize,
            "$.x",
        )
        .verdict();
        assert_eq!(v.rule, TRUST_EVALUATION_BUDGET);
        assert!(
            v.cause.starts_with(
                "the condition is too large to evaluate: 100 000 comparisons; limit 10 000"
            ),
            "{}",
            v.cause
        );
        assert!(!v.cause.contains('‹') && !v.fix.contains('‹'));
        assert_eq!(v.locator, "$.x");
    }
}
