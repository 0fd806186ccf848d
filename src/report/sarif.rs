//! SARIF 2.1.0 output (`--format sarif`) for code-scanning uploads. One run, one tool
//! (`oidc-triage`); rule ids are finding ids; each rule carries its title, help text and
//! help URI from the knowledge (the finding's first source) and a `security-severity`
//! from its risk:
//!
//! | risk   | `security-severity` | level (from severity) |
//! |--------|---------------------|-----------------------|
//! | high   | `8.0`               | error → `error`       |
//! | medium | `5.0`               | warning → `warning`   |
//! | low    | `2.0`               | info → `note`         |
//!
//! A finding with no risk (a failed stage, not a security weakness) has no
//! `security-severity`. Evidence whose locator is `line N` becomes a physical location
//! with a region; a JSON path (`$.Statement[0]`) becomes a logical location beside the
//! artifact. `partialFingerprints` hash the rule, artifact and locator, so a result keeps
//! its identity across runs. A suppressed finding is still a result, with
//! `suppressions` saying who accepted it and why. Every input-derived string is escaped
//! of control characters and redacted of secrets on the way out.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::text::{escape_control, escape_control_multiline, redact_secrets};
use crate::vocabulary::catalog::rule;
use crate::vocabulary::knowledge::knowledge;
use crate::vocabulary::{Evidence, Finding, Risk, Severity};

/// The schema URI a SARIF 2.1.0 log names.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The fingerprint key of [`write_sarif`]'s results.
pub const FINGERPRINT_KEY: &str = "oidcTriage/v1";

/// Why a finding is accepted (a `.oidc-triage.toml` suppression that applies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub reason: String,
    /// `YYYY-MM-DD`, when the acceptance ends.
    pub expires: Option<String>,
    /// Where it was declared (the config file's path).
    pub source: String,
}

/// One result: a finding, and the suppression that accepts it, if any.
#[derive(Clone, Debug)]
pub struct SarifResult<'a> {
    pub finding: &'a Finding,
    pub suppression: Option<&'a Suppression>,
    /// A note to add to the message (an expired suppression that no longer applies).
    pub note: Option<String>,
}

/// `security-severity` for a risk (the table above).
pub fn security_severity(risk: Risk) -> &'static str {
    match risk {
        Risk::High => "8.0",
        Risk::Medium => "5.0",
        Risk::Low => "2.0",
    }
}

/// The SARIF level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn clean(s: &str) -> String {
    escape_control(&redact_secrets(s)).into_owned()
}

/// A stable 64-bit FNV-1a hash, hex (the same on every platform and run).
fn fnv1a(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.as_bytes().iter().chain(std::iter::once(&0u8)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// An artifact name as a URI reference: relative paths stay relative, with `\` as
/// `/`, and anything outside the unreserved set and `/` percent-encoded.
pub fn artifact_uri(name: &str) -> String {
    let name = name.replace('\\', "/");
    let name = name.strip_prefix("./").unwrap_or(&name);
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The line a locator names (`line 42`, `line 42, …`), if any.
pub fn locator_line(locator: &str) -> Option<u64> {
    let rest = locator.trim().strip_prefix("line ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n| *n > 0)
}

fn location(e: &Evidence) -> Value {
    let mut physical = Map::new();
    physical.insert(
        "artifactLocation".into(),
        json!({ "uri": artifact_uri(&clean(&e.artifact)) }),
    );
    if let Some(line) = locator_line(&e.locator) {
        physical.insert("region".into(), json!({ "startLine": line }));
    }
    let mut loc = Map::new();
    loc.insert("physicalLocation".into(), Value::Object(physical));
    if locator_line(&e.locator).is_none() && !e.locator.is_empty() {
        loc.insert(
            "logicalLocations".into(),
            json!([{ "fullyQualifiedName": clean(&e.locator), "kind": "object" }]),
        );
    }
    loc.insert("message".into(), json!({ "text": clean(&e.summary) }));
    Value::Object(loc)
}

fn rule_descriptor(id: &str, f: &Finding) -> Value {
    let text = knowledge().finding(id);
    let title = text.map_or(f.title, |t| t.title.as_str());
    let sources: Vec<&str> = text.map_or(Vec::new(), |t| {
        t.sources.iter().map(String::as_str).collect()
    });
    let mut help = format!("{title}.");
    if !sources.is_empty() {
        help.push_str("\n\nSources:");
        for s in &sources {
            help.push_str("\n- ");
            help.push_str(s);
        }
    }
    let (severity, risk) = rule(id).map_or((f.severity, f.risk), |r| (r.severity, r.risk));
    let mut properties = Map::new();
    let mut tags = vec![json!(f.stage.name())];
    if let Some(risk) = risk {
        properties.insert("security-severity".into(), json!(security_severity(risk)));
        tags.insert(0, json!("security"));
    }
    properties.insert("tags".into(), Value::Array(tags));
    let mut descriptor = Map::new();
    descriptor.insert("id".into(), json!(id));
    descriptor.insert("shortDescription".into(), json!({ "text": clean(title) }));
    let help = escape_control_multiline(&redact_secrets(&help)).into_owned();
    descriptor.insert("help".into(), json!({ "text": help }));
    if let Some(uri) = sources.iter().find(|s| s.starts_with("https://")) {
        descriptor.insert("helpUri".into(), json!(uri));
    }
    descriptor.insert(
        "defaultConfiguration".into(),
        json!({ "level": level(severity) }),
    );
    descriptor.insert("properties".into(), Value::Object(properties));
    Value::Object(descriptor)
}

/// The SARIF 2.1.0 log of these results, from a tool of this version.
pub fn sarif_log(results: &[SarifResult<'_>], tool_version: &str) -> Value {
    let mut rule_ids: Vec<&str> = Vec::new();
    let mut rules = Vec::new();
    for r in results {
        if !rule_ids.contains(&r.finding.id) {
            rule_ids.push(r.finding.id);
            rules.push(rule_descriptor(r.finding.id, r.finding));
        }
    }
    let out: Vec<Value> = results
        .iter()
        .map(|r| {
            let f = r.finding;
            let index = rule_ids.iter().position(|id| *id == f.id).unwrap_or(0);
            let mut text = format!("{}: {} — fix: {}", f.title, f.cause, f.fix);
            if let Some(note) = &r.note {
                text.push_str(" (");
                text.push_str(note);
                text.push(')');
            }
            let mut locations: Vec<Value> = Vec::new();
            for e in &f.evidence {
                let l = location(e);
                if !locations.contains(&l) {
                    locations.push(l);
                }
            }
            let (artifact, locator) = f
                .evidence
                .first()
                .map_or(("", ""), |e| (e.artifact.as_str(), e.locator.as_str()));
            let mut result = Map::new();
            result.insert("ruleId".into(), json!(f.id));
            result.insert("ruleIndex".into(), json!(index));
            result.insert("level".into(), json!(level(f.severity)));
            result.insert("message".into(), json!({ "text": clean(&text) }));
            result.insert("locations".into(), Value::Array(locations));
            result.insert(
                "partialFingerprints".into(),
                json!({ FINGERPRINT_KEY: fnv1a(&[f.id, &clean(artifact), &clean(locator)]) }),
            );
            if let Some(s) = r.suppression {
                let mut justification = clean(&s.reason);
                if let Some(until) = &s.expires {
                    justification.push_str(&format!(" (until {})", clean(until)));
                }
                result.insert(
                    "suppressions".into(),
                    json!([{
                        "kind": "external",
                        "status": "accepted",
                        "justification": justification,
                        "location": { "physicalLocation": { "artifactLocation": { "uri": artifact_uri(&clean(&s.source)) } } },
                    }]),
                );
            }
            let mut properties = Map::new();
            properties.insert("stage".into(), json!(f.stage.name()));
            if let Some(risk) = f.risk {
                properties.insert("risk".into(), json!(risk.name()));
                properties.insert("security-severity".into(), json!(security_severity(risk)));
            }
            result.insert("properties".into(), Value::Object(properties));
            Value::Object(result)
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "oidc-triage",
                "semanticVersion": tool_version,
                "version": tool_version,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": out,
        }],
    })
}

/// Write the SARIF log of these results (pretty JSON, terminal-safe, then a newline).
pub fn write_sarif<W: Write>(
    out: W,
    results: &[SarifResult<'_>],
    tool_version: &str,
) -> io::Result<()> {
    super::json::write_json(out, &sarif_log(results, tool_version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators_with_a_line_become_regions_paths_do_not() {
        assert_eq!(locator_line("line 42"), Some(42));
        assert_eq!(locator_line("line 7, column 3"), Some(7));
        assert_eq!(locator_line("line 0"), None);
        assert_eq!(locator_line("$.Statement[0]"), None);
    }

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(artifact_uri("./a b/c.json"), "a%20b/c.json");
        assert_eq!(artifact_uri(r"dir\x.log"), "dir/x.log");
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fnv1a(&["a", "b"]), fnv1a(&["a", "b"]));
        assert_ne!(fnv1a(&["ab", ""]), fnv1a(&["a", "b"]));
    }
}
