//! "In your own words": an explanation checked for meaning, not for keywords. Each
//! [`Concept`] is mentioned through phrasings (case-insensitive regexes), and every
//! mention has a polarity: a negation before it in its clause ("no stored keys",
//! "instead of long-lived keys", "without a trust policy"), a "not" after a copula
//! ("the subject is not checked"), or an opposite phrasing ("long-lived" for
//! "short-lived") denies it. A concept is then stated, missing, stated the wrong way
//! round ([`Verdict::Opposite`]) or both ([`Verdict::Contradicted`]); concepts with a
//! place on the path must come in that order; and the answer must say what happens
//! (verbs outside the concept words), so a list of terms does not pass.
//!
//! The prompts, their concepts and model answers are data: `assets/practice/own_words.toml`,
//! embedded ([`builtin_prompts`]). A scenario's "where does this ticket stop and why"
//! rubric is derived from its diagnosis ([`scenario_rubric`]). It is a coach: the check
//! names what is missing or wrong, with a hint for each.

use regex::Regex;
use serde::Deserialize;

use super::drill::{Case, key_finding};
use crate::vocabulary::Stage;

const BUILTIN: &str = include_str!("../../assets/practice/own_words.toml");

/// Words that deny what follows them in the same clause.
const NEGATORS: &[&str] = &[
    "no",
    "not",
    "never",
    "without",
    "none",
    "nor",
    "neither",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "doesn't",
    "don't",
    "didn't",
    "cannot",
    "can't",
    "won't",
    "instead",
    "rather",
    "replace",
    "replaces",
    "replaced",
    "replacing",
    "eliminates",
    "eliminating",
    "removes",
    "removing",
    "avoids",
    "avoiding",
    "zero",
    "free",
];

/// How far back (in words) a negation reaches.
const NEGATION_REACH: usize = 5;

/// Words that start a new clause after a comma (so "Instead of keys, the token…" does
/// not carry the negation over, while "no keys, secrets or passwords" does).
const CLAUSE_STARTERS: &[&str] = &[
    "the", "a", "an", "it", "its", "this", "that", "then", "and", "so", "but", "while", "which",
    "whose", "who", "they", "we", "you", "i", "there", "only", "because", "since", "after",
    "before", "once", "when", "if", "first", "finally",
];

/// Verb stems that say what happens (a relation between concepts).
const RELATIONS: &[&str] = &[
    "sign", "issu", "mint", "present", "send", "sent", "exchang", "check", "verif", "validat",
    "match", "compar", "accept", "admit", "reject", "refus", "return", "grant", "hand", "give",
    "gave", "get", "got", "assum", "record", "show", "prov", "call", "use", "deploy", "ask",
    "request", "let", "allow", "pin", "stop", "fail", "decod", "read", "confirm", "switch", "run",
    "ran", "do", "does", "did", "mean", "lead", "need", "trace", "link", "tie", "start", "move",
    "test", "receiv", "obtain", "make", "made", "could", "can", "should", "must", "would",
];

/// Verbs that carry a negation on to their object ("no need for keys", "does not use
/// stored keys").
const PASS_THROUGH: &[&str] = &[
    "use", "need", "requir", "keep", "stor", "have", "has", "hold", "rely", "involv", "put", "sav",
    "copy", "ship", "get", "got", "give", "gave", "issu", "return", "grant", "hand",
];

/// Whether a right answer states the concept or denies it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Want {
    #[default]
    Stated,
    Denied,
}

/// One idea an explanation should contain.
#[derive(Clone, Debug)]
pub struct Concept {
    /// Short name shown as covered or missing ("short-lived token").
    pub name: String,
    /// What to add when it is missing.
    pub hint: String,
    patterns: Vec<Regex>,
    antonyms: Vec<Regex>,
    pub want: Want,
    /// Its place on the path: stated steps must come in non-decreasing order.
    pub step: Option<u8>,
}

impl Concept {
    /// A concept to be stated, from case-insensitive patterns; a pattern that does not
    /// compile is dropped (the built-in ones are covered by the tests, derived ones
    /// are escaped).
    pub fn new(name: &str, hint: &str, patterns: &[&str]) -> Concept {
        Concept {
            name: name.to_owned(),
            hint: hint.to_owned(),
            patterns: compile(patterns),
            antonyms: Vec::new(),
            want: Want::Stated,
            step: None,
        }
    }

    /// True when any phrasing appears in `text` (whatever its polarity).
    pub fn matches(&self, text: &str) -> bool {
        self.patterns.iter().any(|p| p.is_match(text))
    }

    /// How many of its patterns compiled (for the tests).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len() + self.antonyms.len()
    }
}

fn compile<S: AsRef<str>>(patterns: &[S]) -> Vec<Regex> {
    patterns
        .iter()
        .filter_map(|p| Regex::new(&format!("(?i){}", p.as_ref())).ok())
        .collect()
}

/// How an explanation treats one concept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Said as a right answer says it.
    Stated,
    Missing,
    /// Said the wrong way round ("stored keys", "not short-lived").
    Opposite,
    /// Said both ways.
    Contradicted,
}

/// One concept's verdict.
#[derive(Clone, Debug)]
pub struct ConceptResult {
    pub concept: Concept,
    pub verdict: Verdict,
    /// Where its first right mention starts (bytes), for the order check.
    at: Option<usize>,
}

/// The result of checking an explanation.
#[derive(Clone, Debug)]
pub struct RubricCheck {
    pub results: Vec<ConceptResult>,
    /// Two stated concepts in the wrong order of the path (the later one said first).
    pub out_of_order: Option<(String, String)>,
    /// Verbs outside the concept words: does it say what happens?
    pub relations: usize,
    pub min_relations: usize,
}

impl RubricCheck {
    pub fn total(&self) -> usize {
        self.results.len()
    }

    fn named(&self, verdicts: &[Verdict]) -> Vec<&str> {
        self.results
            .iter()
            .filter(|r| verdicts.contains(&r.verdict))
            .map(|r| r.concept.name.as_str())
            .collect()
    }

    pub fn matched_names(&self) -> Vec<&str> {
        self.named(&[Verdict::Stated])
    }

    pub fn missing_names(&self) -> Vec<&str> {
        self.named(&[Verdict::Missing])
    }

    /// Concepts said the wrong way round or both ways.
    pub fn wrong_names(&self) -> Vec<&str> {
        self.named(&[Verdict::Opposite, Verdict::Contradicted])
    }

    pub fn matched(&self) -> usize {
        self.matched_names().len()
    }

    /// Enough verbs to be an explanation rather than a list of terms.
    pub fn explains(&self) -> bool {
        self.relations >= self.min_relations
    }

    /// Every concept stated, none wrong, in path order, as an explanation.
    pub fn complete(&self) -> bool {
        !self.results.is_empty()
            && self.results.iter().all(|r| r.verdict == Verdict::Stated)
            && self.out_of_order.is_none()
            && self.explains()
    }
}

/// A word of the text with its byte span.
struct Word {
    start: usize,
    end: usize,
    lower: String,
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let part = c.is_alphanumeric() || c == '\'' || c == '’' || c == '-' || c == '_';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word {
                    start: s,
                    end: i,
                    lower: text[s..i].to_lowercase().replace('’', "'"),
                });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            end: text.len(),
            lower: text[s..].to_lowercase().replace('’', "'"),
        });
    }
    out
}

/// Byte offsets where a clause starts: after `.;:!?`, after a dash, and after a comma
/// that a clause-starting word follows.
fn clause_breaks(text: &str, words: &[Word]) -> Vec<usize> {
    let mut breaks = vec![0];
    for (i, c) in text.char_indices() {
        let hard = matches!(c, '.' | ';' | ':' | '!' | '?' | '—' | '(' | ')');
        // "." inside a token such as sts.amazonaws.com is not a clause end.
        let inside = hard
            && c == '.'
            && text[i + 1..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
        if (hard && !inside)
            || (c == ','
                && words
                    .iter()
                    .find(|w| w.start > i)
                    .is_some_and(|w| CLAUSE_STARTERS.contains(&w.lower.as_str())))
        {
            breaks.push(i + 1);
        }
    }
    breaks
}

/// True when the mention at `start..end` is denied. `others` are the other mentions'
/// spans: a negation with another mention between it and this one is that one's ("no
/// audit log stored keys" denies the audit log, not the keys).
fn denied(
    words: &[Word],
    breaks: &[usize],
    others: &[(usize, usize)],
    (start, end): (usize, usize),
    text_len: usize,
) -> bool {
    let clause = breaks
        .iter()
        .copied()
        .filter(|&b| b <= start)
        .max()
        .unwrap_or(0);
    let before: Vec<&Word> = words
        .iter()
        .filter(|w| w.start >= clause && w.end <= start)
        .collect();
    let reach = before.len().saturating_sub(NEGATION_REACH);
    let window = &before[reach..];
    let negator = window
        .iter()
        .rposition(|w| NEGATORS.contains(&w.lower.as_str()) || w.lower.ends_with("n't"));
    if let Some(at) = negator {
        // "does not match the sub" denies the matching, not the sub; "does not use
        // stored keys" denies the keys: a verb between blocks the negation unless it
        // passes it on to its object.
        let from = window[at].end;
        let blocked = window[at + 1..].iter().any(|w| {
            RELATIONS.iter().any(|r| w.lower.starts_with(r))
                && !PASS_THROUGH.iter().any(|v| w.lower.starts_with(v))
        }) || others
            .iter()
            .any(|&(s, e)| s >= from && e <= start && (s, e) != (start, end));
        if !blocked {
            return true;
        }
    }
    // "X is not …", "X policy is not …" (one word may sit between): within the clause.
    let next_clause = breaks
        .iter()
        .copied()
        .find(|&b| b > end)
        .unwrap_or(text_len);
    let after: Vec<&str> = words
        .iter()
        .filter(|w| w.start >= end && w.end <= next_clause)
        .take(3)
        .map(|w| w.lower.as_str())
        .collect();
    let copula = ["is", "are", "was", "were", "be"];
    let negated_copula = |ws: &[&str]| match ws {
        [c, n, ..] if copula.contains(c) && (*n == "not" || *n == "never") => true,
        [c, ..] => ["isn't", "aren't", "wasn't", "weren't"].contains(c),
        _ => false,
    };
    negated_copula(&after) || (after.len() > 1 && negated_copula(&after[1..]))
}

/// One mention: which concept, where, and whether it states the concept.
struct Mention {
    concept: usize,
    start: usize,
    end: usize,
    states: bool,
}

/// Check `text` against `rubric`, needing `min_relations` verbs of what happens.
pub fn check_with(rubric: &[Concept], text: &str, min_relations: usize) -> RubricCheck {
    let ws = words(text);
    let breaks = clause_breaks(text, &ws);
    let mut found: Vec<Mention> = Vec::new();
    for (ci, c) in rubric.iter().enumerate() {
        for (regexes, flip) in [(&c.patterns, false), (&c.antonyms, true)] {
            for re in regexes {
                for m in re.find_iter(text) {
                    if m.start() == m.end() {
                        continue;
                    }
                    found.push(Mention {
                        concept: ci,
                        start: m.start(),
                        end: m.end(),
                        // For now: whether it is an antonym; polarity comes below.
                        states: flip,
                    });
                }
            }
        }
    }
    // Where mentions overlap, the longest wins ("long-lived credentials" is the keys
    // concept, not the credentials one), then the earliest.
    found.sort_by_key(|m| (std::cmp::Reverse(m.end - m.start), m.start));
    let mut kept: Vec<Mention> = Vec::new();
    for m in found {
        if kept.iter().all(|k| m.end <= k.start || m.start >= k.end) {
            kept.push(m);
        }
    }
    let spans: Vec<(usize, usize)> = kept.iter().map(|m| (m.start, m.end)).collect();
    for m in &mut kept {
        let flip = m.states;
        let neg = denied(&ws, &breaks, &spans, (m.start, m.end), text.len());
        m.states = neg == flip;
    }
    let results: Vec<ConceptResult> = rubric
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let right = |m: &&&Mention| m.states == (c.want == Want::Stated);
            let mine: Vec<&Mention> = kept.iter().filter(|m| m.concept == ci).collect();
            let good = mine.iter().filter(right).count();
            let verdict = match (good, mine.len() - good) {
                (0, 0) => Verdict::Missing,
                (_, 0) => Verdict::Stated,
                (0, _) => Verdict::Opposite,
                _ => Verdict::Contradicted,
            };
            // A possessive names what it modifies ("the role's trust policy" is about
            // trust), so it does not place its concept on the path.
            let at = mine
                .iter()
                .filter(right)
                .filter(|m| !text[m.end..].starts_with("'s") && !text[m.end..].starts_with("’s"))
                .map(|m| m.start)
                .min();
            ConceptResult {
                concept: c.clone(),
                verdict,
                at,
            }
        })
        .collect();
    let mut steps: Vec<(usize, u8, &str)> = results
        .iter()
        .filter(|r| r.verdict == Verdict::Stated)
        .filter_map(|r| Some((r.at?, r.concept.step?, r.concept.name.as_str())))
        .collect();
    steps.sort();
    let out_of_order = steps
        .windows(2)
        .find(|w| w[1].1 < w[0].1)
        .map(|w| (w[0].2.to_owned(), w[1].2.to_owned()));
    let relations = ws
        .iter()
        .filter(|w| kept.iter().all(|m| w.end <= m.start || w.start >= m.end))
        .filter(|w| RELATIONS.iter().any(|r| w.lower.starts_with(r)))
        .count();
    RubricCheck {
        results,
        out_of_order,
        relations,
        min_relations,
    }
}

/// Check `text` against `rubric`: one verb of what happens is enough.
pub fn check_explanation(rubric: &[Concept], text: &str) -> RubricCheck {
    check_with(rubric, text, 1)
}

/// One "in your own words" prompt.
#[derive(Clone, Debug)]
pub struct OwnWordsPrompt {
    pub id: String,
    pub prompt: String,
    /// Shown after the check: one answer that passes.
    pub model: String,
    pub rubric: Vec<Concept>,
    pub min_relations: usize,
}

impl OwnWordsPrompt {
    pub fn check(&self, text: &str) -> RubricCheck {
        check_with(&self.rubric, text, self.min_relations)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromptsFile {
    prompt: Vec<PromptSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromptSpec {
    id: String,
    prompt: String,
    model: String,
    #[serde(default)]
    min_relations: usize,
    concept: Vec<ConceptSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptSpec {
    name: String,
    hint: String,
    #[serde(default)]
    want: Want,
    patterns: Vec<String>,
    #[serde(default)]
    antonyms: Vec<String>,
    #[serde(default)]
    step: Option<u8>,
}

/// A prompts file that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PromptsError {
    #[error("own-words prompts: {message}")]
    Toml { message: String },
    /// A pattern that is not a regex, or a prompt without concepts.
    #[error("own-words prompt `{id}`: {message}")]
    Invalid { id: String, message: String },
}

/// Parse own-words prompts; every pattern must compile.
pub fn parse_prompts(text: &str) -> Result<Vec<OwnWordsPrompt>, PromptsError> {
    let file: PromptsFile = toml::from_str(text).map_err(|e| PromptsError::Toml {
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for p in file.prompt {
        if p.concept.is_empty() || p.model.trim().is_empty() {
            return Err(PromptsError::Invalid {
                id: p.id,
                message: "a prompt needs concepts and a model answer".to_owned(),
            });
        }
        let mut rubric = Vec::new();
        for c in p.concept {
            for pattern in c.patterns.iter().chain(&c.antonyms) {
                if let Err(e) = Regex::new(pattern) {
                    return Err(PromptsError::Invalid {
                        id: p.id,
                        message: format!("concept `{}`: {e}", c.name),
                    });
                }
            }
            rubric.push(Concept {
                name: c.name,
                hint: c.hint,
                patterns: compile(&c.patterns),
                antonyms: compile(&c.antonyms),
                want: c.want,
                step: c.step,
            });
        }
        out.push(OwnWordsPrompt {
            id: p.id,
            prompt: p.prompt,
            model: p.model,
            rubric,
            min_relations: p.min_relations,
        });
    }
    Ok(out)
}

/// The prompts shipped with the tool (validated by the tests).
pub fn builtin_prompts() -> Result<Vec<OwnWordsPrompt>, PromptsError> {
    parse_prompts(BUILTIN)
}

/// The rubric for "explain workload identity federation in one sentence" (the first
/// built-in prompt's).
pub fn federation_rubric() -> Vec<Concept> {
    builtin_prompts()
        .ok()
        .and_then(|p| p.into_iter().next())
        .map(|p| p.rubric)
        .unwrap_or_default()
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
    fn every_builtin_prompt_parses_and_its_model_answer_passes() {
        let prompts = builtin_prompts().unwrap();
        assert!(prompts.len() >= 5);
        for p in &prompts {
            let check = p.check(&p.model);
            assert!(
                check.complete(),
                "{}: missing {:?} wrong {:?} order {:?} relations {}",
                p.id,
                check.missing_names(),
                check.wrong_names(),
                check.out_of_order,
                check.relations
            );
        }
        for word in ["subject", "mismatch", "impersonation", "denied"] {
            for p in term_patterns(word).unwrap() {
                Regex::new(&p).unwrap();
            }
        }
    }

    #[test]
    fn negation_reaches_back_in_its_clause_only() {
        let rubric = federation_rubric();
        let keys = |text: &str| {
            check_explanation(&rubric, text)
                .results
                .iter()
                .find(|r| r.concept.name == "no stored keys")
                .map(|r| r.verdict)
        };
        assert_eq!(keys("no stored keys"), Some(Verdict::Stated));
        assert_eq!(keys("it uses stored keys"), Some(Verdict::Opposite));
        assert_eq!(keys("it is keyless"), Some(Verdict::Stated));
        assert_eq!(
            keys("Instead of static keys, the token is used"),
            Some(Verdict::Stated)
        );
        assert_eq!(
            keys("no stored keys, but it still keeps stored keys"),
            Some(Verdict::Contradicted)
        );
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
