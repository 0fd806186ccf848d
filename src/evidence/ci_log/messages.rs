//! The catalogue of messages that place a job log line (or a pasted error) on a stage,
//! read from the knowledge's `[[message]]` entries (`assets/knowledge/messages/*.toml`,
//! and a user's `--knowledge DIR`): each names what it matches, the stage and outcome
//! it proves, the finding a failure makes, what the line means and how to resolve it,
//! and a real sample of the message. The format is described in
//! `assets/knowledge/README.md`; this module only reads and matches it.
//!
//! Matching is by case-insensitive substrings (wrappers such as google-github-actions
//! lower-case the first letter of what they wrap), except Entra codes, which compare as
//! numbers so that `AADSTS70021` never matches `AADSTS700213`. A line's listed Entra
//! code decides first; otherwise the first text entry that matches wins, so the
//! specific text inside a wrapper (`Could not assume role with OIDC: <STS error>`) is
//! listed before the wrapper.

use std::sync::LazyLock;

use regex::Regex;

use crate::token::Cloud;
use crate::vocabulary::catalog::Rule;
use crate::vocabulary::knowledge::{Knowledge, knowledge};
use crate::vocabulary::{Outcome, Stage};

/// How an entry recognises its line.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pattern {
    /// Every `all` needle occurs, and one of `any` when it is not empty (lower case).
    Text {
        all: &'static [&'static str],
        any: &'static [&'static str],
    },
    /// An Entra error code (`AADSTS700213` is 700213).
    Aadsts(u32),
    /// The entry for Entra codes no other entry lists (sign-in logs); never matches a
    /// line.
    AadstsFallback,
}

/// One catalogued message.
#[derive(Debug)]
pub(crate) struct Message {
    /// Stable name (`id` in the knowledge file), for tests and the fuzz corpus.
    pub key: &'static str,
    pub pattern: Pattern,
    pub stage: Stage,
    /// `Fail` entries carry the rule that explains them; `Pass` and `Info` none.
    pub outcome: Outcome,
    pub rule: Option<Rule>,
    pub cloud: Option<Cloud>,
    /// What the line means, as the start of a sentence.
    pub meaning: &'static str,
    /// How to resolve it, as printed from a log (an Entra entry's `{client_id}` shows
    /// as `APP_ID`).
    pub fix: &'static str,
    /// The resolution template (`{client_id}`, `{code}`), for readers that know the app.
    pub fix_template: &'static str,
    /// A wrapper names a failure without its reason: when a specific failure of the same
    /// cloud sits next to it, the wrapper adds nothing.
    pub wrapper: bool,
    /// The catalogue has no finding for exactly this message: the closest is used.
    pub closest: bool,
    /// The real message, as a tool prints it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub sample: &'static str,
    /// Where the entry came from (`messages/ci-log.toml`, or a user file).
    #[cfg_attr(not(test), allow(dead_code))]
    pub origin: &'static str,
}

/// The fields an entry may have (anything else is a mistake worth naming).
const FIELDS: &[&str] = &[
    "id",
    "outcome",
    "finding",
    "stage",
    "cloud",
    "match",
    "aadsts",
    "fallback",
    "closest",
    "wrapper",
    "meaning",
    "resolution",
    "sample",
    "source",
    "note",
];

/// Loaded once per process, a bounded number of entries: leaking gives them the
/// `'static` life the log events that point at them need.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn string<'t>(t: &'t toml::Table, key: &str) -> Result<Option<&'t str>, String> {
    match t.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{key}` is not a string")),
    }
}

fn flag(t: &toml::Table, key: &str) -> Result<bool, String> {
    match t.get(key) {
        None => Ok(false),
        Some(toml::Value::Boolean(b)) => Ok(*b),
        Some(_) => Err(format!("`{key}` is not true or false")),
    }
}

fn needles(t: &toml::Table, key: &str) -> Result<&'static [&'static str], String> {
    let Some(v) = t.get(key) else {
        return Ok(&[]);
    };
    let list = v
        .as_array()
        .ok_or_else(|| format!("`match.{key}` is not a list"))?;
    let mut out = Vec::new();
    for n in list {
        let n = n
            .as_str()
            .ok_or_else(|| format!("`match.{key}` holds a non-string"))?;
        if n != n.to_lowercase() || n.is_empty() {
            return Err(format!("`match.{key}` needle {n:?} is not lower case"));
        }
        out.push(leak(n));
    }
    Ok(Box::leak(out.into_boxed_slice()))
}

fn cloud(name: &str) -> Result<Cloud, String> {
    Cloud::ALL
        .into_iter()
        .find(|c| format!("{c:?}").eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("cloud {name:?} is not aws, azure, gcp or vault"))
}

/// The resolution with the values a log reader has (none: placeholders stay visible).
pub(crate) fn resolution(template: &str, client_id: &str, code: u32) -> String {
    template
        .replace("{client_id}", client_id)
        .replace("{code}", &code.to_string())
}

/// One `[[message]]` table.
fn parse(k: &Knowledge, origin: &str, t: &toml::Table) -> Result<Message, String> {
    if let Some(unknown) = t.keys().find(|key| !FIELDS.contains(&key.as_str())) {
        return Err(format!("unknown field `{unknown}`"));
    }
    let key = string(t, "id")?.ok_or("no `id`")?;
    let named = |e: String| format!("`{key}`: {e}");
    let outcome = match string(t, "outcome").map_err(named)?.unwrap_or("fail") {
        "fail" => Outcome::Fail,
        "pass" => Outcome::Pass,
        "info" => Outcome::Info,
        other => {
            return Err(named(format!(
                "outcome {other:?} is not fail, pass or info"
            )));
        }
    };
    let rule = match string(t, "finding").map_err(named)? {
        Some(id) => Some(
            k.rule(id)
                .ok_or_else(|| named(format!("no finding `{id}`")))?,
        ),
        None => None,
    };
    let stage = match (rule, string(t, "stage").map_err(named)?) {
        (Some(r), None) => r.stage,
        (None, Some(name)) => {
            Stage::from_name(name).ok_or_else(|| named(format!("no stage {name:?}")))?
        }
        (Some(_), Some(_)) => {
            return Err(named(
                "a finding's entry takes its stage from the finding".into(),
            ));
        }
        (None, None) => return Err(named("neither `finding` nor `stage`".into())),
    };
    if (outcome == Outcome::Fail) != rule.is_some() {
        return Err(named(
            "a failure names its `finding`; a pass or info entry none".into(),
        ));
    }
    let code = match t.get("aadsts") {
        None => None,
        Some(toml::Value::Integer(c)) => {
            Some(u32::try_from(*c).map_err(|_| named(format!("aadsts {c} is not a code")))?)
        }
        Some(_) => return Err(named("`aadsts` is not a number".into())),
    };
    let pattern = match (code, flag(t, "fallback").map_err(named)?, t.get("match")) {
        (Some(c), false, None) => Pattern::Aadsts(c),
        (None, true, None) => Pattern::AadstsFallback,
        (None, false, Some(toml::Value::Table(m))) => {
            if let Some(unknown) = m.keys().find(|k| *k != "all" && *k != "any") {
                return Err(named(format!("unknown field `match.{unknown}`")));
            }
            let (all, any) = (
                needles(m, "all").map_err(named)?,
                needles(m, "any").map_err(named)?,
            );
            if all.is_empty() && any.is_empty() {
                return Err(named("`match` has no needle".into()));
            }
            Pattern::Text { all, any }
        }
        _ => {
            return Err(named(
                "one of `match`, `aadsts` or `fallback = true`".into(),
            ));
        }
    };
    let cloud = match (string(t, "cloud").map_err(named)?, pattern) {
        (Some(name), _) => Some(cloud(name).map_err(named)?),
        (None, Pattern::Aadsts(_) | Pattern::AadstsFallback) => Some(Cloud::Azure),
        (None, _) => None,
    };
    let meaning = string(t, "meaning")
        .map_err(named)?
        .ok_or_else(|| named("no `meaning`".into()))?;
    let template = string(t, "resolution").map_err(named)?.unwrap_or_default();
    if outcome == Outcome::Fail && template.is_empty() {
        return Err(named("a failure has a `resolution`".into()));
    }
    let shown = match pattern {
        Pattern::Aadsts(c) => resolution(template, "APP_ID", c),
        _ => template.to_owned(),
    };
    Ok(Message {
        key: leak(key),
        pattern,
        stage,
        outcome,
        rule,
        cloud,
        meaning: leak(meaning),
        fix: leak(&shown),
        fix_template: leak(template),
        wrapper: flag(t, "wrapper").map_err(named)?,
        closest: flag(t, "closest").map_err(named)?,
        sample: leak(string(t, "sample").map_err(named)?.unwrap_or_default()),
        origin: leak(origin),
    })
}

/// Every entry of the knowledge, in load order, and what was wrong with the others.
fn load(k: &Knowledge) -> (Vec<Message>, Vec<String>) {
    let mut messages = Vec::new();
    let mut errors = Vec::new();
    for (origin, table) in &k.messages {
        match parse(k, origin, table) {
            Ok(m) => {
                messages.retain(|old: &Message| old.key != m.key);
                messages.push(m);
            }
            Err(e) => errors.push(format!("{origin}: {e}")),
        }
    }
    (messages, errors)
}

static CATALOGUE: LazyLock<(Vec<Message>, Vec<String>)> = LazyLock::new(|| load(knowledge()));

/// The catalogue, in matching order.
pub(crate) fn messages() -> &'static [Message] {
    &CATALOGUE.0
}

/// Entries of the knowledge that could not be read (the tests require none).
#[cfg(test)]
pub(crate) fn load_errors() -> &'static [String] {
    &CATALOGUE.1
}

/// A cheap first look: a line that contains none of these cannot match any entry.
static TRIGGER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let mut needles: Vec<String> = Vec::new();
    for m in messages() {
        if let Pattern::Text { all, any } = m.pattern {
            // One needle every match must contain: the first of `all`, else each of `any`.
            match all.first() {
                Some(first) => needles.push(regex::escape(first)),
                None => needles.extend(any.iter().map(|n| regex::escape(n))),
            }
        }
    }
    needles.push("aadsts".to_owned());
    needles.sort();
    needles.dedup();
    Regex::new(&format!("(?i){}", needles.join("|"))).ok()
});

/// The Entra codes in a (lower-cased) line.
fn aadsts_codes(lower: &str) -> Vec<u32> {
    lower
        .match_indices("aadsts")
        .filter_map(|(i, m)| {
            let digits: String = lower[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

fn matches(pattern: &Pattern, lower: &str) -> bool {
    match *pattern {
        Pattern::Text { all, any } => {
            all.iter().all(|n| lower.contains(n))
                && (any.is_empty() || any.iter().any(|n| lower.contains(n)))
        }
        Pattern::Aadsts(_) | Pattern::AadstsFallback => false,
    }
}

/// The catalogued message a line carries, if any.
pub(crate) fn classify(line: &str) -> Option<&'static Message> {
    if let Some(trigger) = TRIGGER.as_ref()
        && !trigger.is_match(line)
    {
        return None;
    }
    let lower = line.to_ascii_lowercase();
    let codes = aadsts_codes(&lower);
    let all = messages();
    all.iter()
        .find(|m| matches!(m.pattern, Pattern::Aadsts(c) if codes.contains(&c)))
        .or_else(|| all.iter().find(|m| matches(&m.pattern, &lower)))
}

/// The entry with this key (tests, corpus).
#[cfg(test)]
pub(crate) fn by_key(key: &str) -> Option<&'static Message> {
    messages().iter().find(|m| m.key == key)
}

#[cfg(test)]
mod tests;
