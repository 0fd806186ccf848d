//! The one catalogue of finding ids (DESIGN.md: lowercase, dot-separated, first segment
//! the stage, then the cloud or platform where specific, then the check). A finding can
//! only be made from a [`Rule`] listed here, so an unlisted id cannot exist; the tests
//! check ids are unique and well-formed, and that no source file invents one.

use super::model::{Evidence, Finding, Risk, Severity, Stage};

/// A kind of finding: its stable id, stage, default severity, risk and title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub stage: Stage,
    pub severity: Severity,
    pub risk: Option<Risk>,
    pub title: &'static str,
}

impl Rule {
    /// A finding of this rule.
    pub fn finding(&self, cause: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            id: self.id,
            stage: self.stage,
            severity: self.severity,
            risk: self.risk,
            title: self.title,
            cause: cause.into(),
            fix: fix.into(),
            evidence: Vec::new(),
        }
    }
}

impl Finding {
    /// Attach the evidence that proves the finding.
    pub fn with_evidence(mut self, evidence: Evidence) -> Finding {
        self.evidence.push(evidence);
        self
    }

    /// Override the rule's default severity (an expired token is only a warning when the
    /// clock is the machine's own).
    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }
}

macro_rules! catalog {
    ($( $(#[$doc:meta])* $name:ident = $id:literal, $stage:ident, $severity:ident, $risk:expr, $title:literal; )*) => {
        $( $(#[$doc])* pub const $name: Rule = Rule {
            id: $id, stage: Stage::$stage, severity: Severity::$severity, risk: $risk, title: $title,
        }; )*
        /// Every rule, in catalogue order.
        pub const CATALOG: &[Rule] = &[ $( $name ),* ];
    };
}

catalog! {
    // --- workflow ---
    /// The token comes from a `pull_request` run: code under review asked for it.
    WORKFLOW_GITHUB_PULL_REQUEST_RUN = "workflow.github.pull-request-run", Workflow, Info, None,
        "Token issued to a pull request run";
    /// `pull_request_target` runs with the base repository's privileges on a fork's event.
    WORKFLOW_GITHUB_PULL_REQUEST_TARGET = "workflow.github.pull-request-target", Workflow, Warning, Some(Risk::Medium),
        "Token issued to a pull_request_target run";

    // --- token ---
    TOKEN_EXPIRED = "token.expired", Token, Error, None,
        "Token expired";
    TOKEN_NOT_YET_VALID = "token.not-yet-valid", Token, Error, None,
        "Token not yet valid";
    TOKEN_MISSING_EXPIRY = "token.missing-expiry", Token, Error, None,
        "Token has no expiry";
    TOKEN_MISSING_CLAIM = "token.missing-claim", Token, Error, None,
        "Required claim missing";
    TOKEN_BAD_TIME_CLAIM = "token.bad-time-claim", Token, Error, None,
        "Time claim is not a number";
    TOKEN_SIGNATURE_UNCHECKED = "token.signature-unchecked", Token, Info, None,
        "Signature not checked";
    TOKEN_SIGNATURE_INVALID = "token.signature-invalid", Token, Error, None,
        "Bad signature";
    TOKEN_KEY_NOT_FOUND = "token.key-not-found", Token, Error, None,
        "No key for the token's kid";
    TOKEN_ALGORITHM_NOT_ALLOWED = "token.algorithm-not-allowed", Token, Error, None,
        "Algorithm not allowed by the key";
    TOKEN_UNSIGNED = "token.unsigned", Token, Warning, None,
        "Unsigned token (alg none)";
    TOKEN_HMAC_SIGNED = "token.hmac-signed", Token, Warning, None,
        "HMAC-signed token";
    TOKEN_UNKNOWN_ISSUER = "token.unknown-issuer", Token, Info, None,
        "Issuer is not a known CI platform";
    TOKEN_DEFAULT_AUDIENCE = "token.github.default-audience", Token, Info, None,
        "Token has GitHub's default audience";
    TOKEN_ISSUER_WHITESPACE = "token.issuer-whitespace", Token, Warning, None,
        "Issuer has leading or trailing whitespace";
    TOKEN_SEVERAL_TOKENS = "token.several-tokens", Token, Info, None,
        "Several tokens in one input";

    // --- trust ---
    /// Runtime evidence and a static evaluation of the trust configuration disagree.
    TRUST_RUNTIME_DISAGREES = "trust.runtime-disagrees", Trust, Warning, None,
        "The given trust configuration disagrees with what happened";

    // --- role ---
    ROLE_RUNTIME_DISAGREES = "role.runtime-disagrees", Role, Warning, None,
        "The given role binding disagrees with what happened";
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    CATALOG.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique() {
        let mut seen = HashSet::new();
        for r in CATALOG {
            assert!(seen.insert(r.id), "duplicate finding id {}", r.id);
        }
    }

    #[test]
    fn ids_are_well_formed_and_start_with_their_stage() {
        for r in CATALOG {
            let mut segments = r.id.split('.');
            assert_eq!(
                segments.next(),
                Some(r.stage.name()),
                "{} is not on stage {}",
                r.id,
                r.stage.name()
            );
            assert!(r.id.split('.').count() >= 2, "{}", r.id);
            for seg in r.id.split('.') {
                assert!(
                    !seg.is_empty()
                        && seg
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "{}",
                    r.id
                );
            }
        }
    }

    #[test]
    fn only_security_findings_carry_risk() {
        for r in CATALOG {
            if r.risk.is_some() {
                assert_ne!(
                    r.severity,
                    Severity::Error,
                    "{}: a risk is not a failure",
                    r.id
                );
            }
        }
    }

    /// No source file may build a finding with an id the catalogue does not list:
    /// outside this file, an `id: "…"` literal must name a catalogued rule.
    #[test]
    fn no_source_file_invents_an_id() {
        let known: HashSet<&str> = CATALOG.iter().map(|r| r.id).collect();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("catalog.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (_, rest) in text
                    .match_indices("id: \"")
                    .map(|(i, m)| (i, &text[i + m.len()..]))
                {
                    let literal = rest.split('"').next().unwrap_or_default();
                    let on_stage = literal
                        .split_once('.')
                        .is_some_and(|(head, _)| Stage::from_name(head).is_some());
                    if on_stage {
                        assert!(
                            known.contains(literal),
                            "{} uses unlisted finding id {literal:?}",
                            path.display()
                        );
                    }
                }
            }
        }
    }
}
