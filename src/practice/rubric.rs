//! "In your own words": a one-sentence explanation checked against a rubric of key
//! concepts. Each [`Concept`] accepts several phrasings (case-insensitive regexes), so
//! "no long-lived keys" and "keyless" both count; the check says which concepts the
//! sentence covers and which are missing, with a hint for each missing one. It is a
//! coach, not a grader: it looks for ideas, not exact words.

use regex::Regex;

use super::drill::{Case, key_finding};
use crate::vocabulary::Stage;

/// One idea an explanation should contain.
#[derive(Clone, Debug)]
pub struct Concept {
    /// Short name shown as covered or missing ("short-lived token").
    pub name: String,
    /// What to add when it is missing.
    pub hint: String,
    patterns: Vec<Regex>,
}

impl Concept {
    /// A concept from case-insensitive patterns; a pattern that does not compile is
    /// dropped (the built-in ones are covered by the tests, derived ones are escaped).
    pub fn new(name: &str, hint: &str, patterns: &[&str]) -> Concept {
        Concept {
            name: name.to_owned(),
            hint: hint.to_owned(),
            patterns: patterns
                .iter()
                .filter_map(|p| Regex::new(&format!("(?i){p}")).ok())
                .collect(),
        }
    }

    /// True when any phrasing appears in `text`.
    pub fn matches(&self, text: &str) -> bool {
        self.patterns.iter().any(|p| p.is_match(text))
    }

    /// How many of its patterns compiled (for the tests).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }
}

/// The result of checking an explanation.
#[derive(Clone, Debug)]
pub struct RubricCheck {
    pub matched: Vec<Concept>,
    pub missing: Vec<Concept>,
}

impl RubricCheck {
    pub fn total(&self) -> usize {
        self.matched.len() + self.missing.len()
    }

    pub fn complete(&self) -> bool {
        self.missing.is_empty() && !self.matched.is_empty()
    }

    pub fn matched_names(&self) -> Vec<&str> {
        self.matched.iter().map(|c| c.name.as_str()).collect()
    }

    pub fn missing_names(&self) -> Vec<&str> {
        self.missing.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Check `text` against `rubric`.
pub fn check_explanation(rubric: &[Concept], text: &str) -> RubricCheck {
    let (matched, missing) = rubric.iter().cloned().partition(|c| c.matches(text));
    RubricCheck { matched, missing }
}

/// The rubric for "explain workload identity federation in one sentence".
pub fn federation_rubric() -> Vec<Concept> {
    vec![
        Concept::new(
            "OIDC token from the CI issuer",
            "say what the job presents: an OIDC token (JWT) signed by the CI platform's issuer",
            &[
                r"\boidc\b",
                r"\bjwts?\b",
                r"\bid[- ]tokens?\b",
                r"\bissuer",
                r"identity token",
                r"signed token",
            ],
        ),
        Concept::new(
            "short-lived",
            "say the token and credentials are short-lived (minutes, per job)",
            &[
                r"short[- ]?lived",
                r"\bephemeral\b",
                r"\bexpir",
                r"\btemporary\b",
                r"\bper[- ](job|run)\b",
                r"\bminutes?\b",
                r"\btime[- ]limited\b",
            ],
        ),
        Concept::new(
            "trust policy",
            "say the cloud checks the token against a trust policy (its conditions)",
            &[
                r"\btrust",
                r"federated (identity )?credentials?",
                r"attribute conditions?",
                r"bound[_ ]claims",
                r"\bconditions?\b",
            ],
        ),
        Concept::new(
            "subject and audience",
            "name the claims trust checks: the subject (which job) and audience (which cloud)",
            &[r"\bsub(ject)?s?\b", r"\baud(ience)?s?\b", r"\bclaims?\b"],
        ),
        Concept::new(
            "cloud role and temporary credentials",
            "say what comes back: credentials for a cloud role (or service account)",
            &[
                r"\broles?\b",
                r"\bcredentials?\b",
                r"service account",
                r"\bassum",
                r"access tokens?",
            ],
        ),
        Concept::new(
            "audit log",
            "say how you prove it: the audit log (CloudTrail, audit logs) records the exchange and the deploy",
            &[
                r"\baudit",
                r"cloudtrail",
                r"\blog(s|ged)?\b",
                r"sign-?in logs?",
                r"\btrail\b",
            ],
        ),
        Concept::new(
            "no stored keys",
            "say what it replaces: no long-lived cloud keys stored in CI secrets",
            &[
                // A negation or replacement near "keys"/"secrets": "no stored keys",
                // "instead of storing long-lived keys", "replaces static secrets".
                r"\b(no|not|never|without|instead of|replac\w*|remov\w*|eliminat\w*|avoid\w*|no need)\b[^.;]{0,40}\b(keys?|secrets?|passwords?)\b",
                r"\b(no|not|never|without|instead of|replac\w*|remov\w*|eliminat\w*|avoid\w*)\b[^.;]{0,20}\b(stored|static|long[- ]lived) credentials?\b",
                r"\b(keyless|secretless)\b",
                r"(keys?|secrets?) (are|is) (not|never) stored",
                r"nothing (secret )?(is )?stored",
            ],
        ),
    ]
}

/// Phrasings for words of finding ids (the id's last segment names the check).
fn term_patterns(word: &str) -> Option<Vec<String>> {
    const STOPWORDS: &[&str] = &[
        "no",
        "not",
        "the",
        "and",
        "for",
        "with",
        "max",
        "any",
        "wide",
        "run",
        "aws",
        "gcp",
        "azure",
        "github",
        "gitlab",
        "vault",
        "runtime",
        "several",
        "write",
        "everywhere",
        "id",
        "based",
        "disagrees",
        "without",
        "like",
    ];
    if word.len() < 3 || STOPWORDS.contains(&word) {
        return None;
    }
    let patterns: &[&str] = match word {
        "subject" => &[r"\bsub(ject)?s?\b"],
        "audience" => &[r"\baud(ience)?s?\b"],
        "issuer" => &[r"\biss(uer)?s?\b"],
        "mismatch" => &[
            r"mismatch",
            r"(does ?n[o']t|did ?n[o']t|not|never) match",
            r"\bwrong\b",
            r"\bdiffer",
        ],
        "denied" => &[
            r"\bden(y|ies|ied|ial)\b",
            r"refus",
            r"reject",
            r"forbidden",
            r"not allowed",
            r"not authori[sz]ed",
        ],
        "expired" => &[r"expir", r"too late", r"\bstale\b", r"time range"],
        "missing" => &[r"missing", r"absent", r"\black", r"\bwithout\b", r"\bno\b"],
        "permission" => &[r"permission", r"id-token", r"id_token"],
        "pull" | "request" => &[r"pull[ _-]?requests?", r"\bprs?\b"],
        "wildcard" => &[r"wildcard", r"\*"],
        "condition" => &[r"condition"],
        "rejects" | "rejected" => &[r"reject", r"refus", r"\bden(y|ied)"],
        "duration" => &[r"duration", r"\bhours?\b", r"session length", r"too long"],
        "session" => &[r"session"],
        _ => &[],
    };
    if !patterns.is_empty() {
        return Some(patterns.iter().map(|p| (*p).to_owned()).collect());
    }
    // Anything else: the word's stem, so "impersonation" also accepts "impersonate".
    let stem: String = word.chars().take(6).collect();
    Some(vec![format!(r"\b{}", regex::escape(&stem))])
}

fn stage_patterns(stage: Stage) -> &'static [&'static str] {
    match stage {
        Stage::Workflow => &[r"\bworkflow", r"\bjob\b", r"\bpipeline"],
        Stage::Token => &[r"\btoken\b", r"\bjwt\b", r"\bclaims?\b"],
        Stage::Trust => &[
            r"\btrust",
            r"federated credential",
            r"\bprovider\b",
            r"attribute condition",
        ],
        Stage::Role => &[
            r"\brole\b",
            r"\bcredentials\b",
            r"service account",
            r"impersonat",
        ],
        Stage::Audit => &[r"\baudit", r"cloudtrail", r"deploy call", r"\bapi call"],
    }
}

/// The rubric for "in one sentence, where does this ticket stop and why": the stage
/// where evidence stops, and up to three key terms of the cause (from the id of the
/// finding the drill asks about).
pub fn scenario_rubric(case: &Case) -> Vec<Concept> {
    let mut rubric = vec![match case.stopped_at() {
        Some(stage) => Concept::new(
            &format!("the {} stage", stage.name()),
            &format!("name the stage where evidence stops: {}", stage.title()),
            stage_patterns(stage),
        ),
        None => Concept::new(
            "all five stages pass",
            "say that evidence does not stop: every stage passed",
            &[
                r"\ball (five|5|the)? ?stages\b",
                r"\bhealthy\b",
                r"\bpass(es|ed)?\b",
                r"\bworks?\b",
                r"nothing (is )?(wrong|broken|fail)",
            ],
        ),
    }];
    if let Some(f) = key_finding(&case.diagnosis) {
        let check = f.id.rsplit('.').next().unwrap_or(f.id);
        let mut seen: Vec<Vec<String>> = Vec::new();
        for word in check.split('-') {
            let Some(patterns) = term_patterns(word) else {
                continue;
            };
            if seen.contains(&patterns) || seen.len() == 3 {
                continue;
            }
            let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
            rubric.push(Concept::new(
                &format!("\"{word}\""),
                &format!("say what went wrong: {} ({})", f.title, f.id),
                &refs,
            ));
            seen.push(patterns);
        }
    }
    rubric
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_pattern_compiles() {
        for concept in federation_rubric() {
            assert!(concept.pattern_count() > 0, "{}", concept.name);
        }
        for word in ["subject", "mismatch", "impersonation", "denied"] {
            for p in term_patterns(word).unwrap() {
                Regex::new(&p).unwrap();
            }
        }
    }

    #[test]
    fn a_complete_sentence_covers_every_concept() {
        let text = "Instead of stored keys, the CI platform's issuer signs a short-lived OIDC token whose subject and audience the cloud's trust policy checks before handing out temporary role credentials, and the audit log (CloudTrail) records it.";
        let check = check_explanation(&federation_rubric(), text);
        assert!(check.complete(), "missing {:?}", check.missing_names());
    }

    #[test]
    fn a_vague_sentence_misses_concepts_case_insensitively() {
        let check = check_explanation(
            &federation_rubric(),
            "GitHub gives AWS a JWT and gets a ROLE.",
        );
        assert_eq!(
            check.matched_names(),
            [
                "OIDC token from the CI issuer",
                "cloud role and temporary credentials"
            ]
        );
        assert!(check.missing_names().contains(&"no stored keys"));
        assert!(check.missing_names().contains(&"audit log"));
    }
}
