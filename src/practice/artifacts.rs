//! The raw evidence of a case, as a learner reads it before answering: the ticket, then
//! every attachment line by line (a `.gz` export decompressed, a token followed by its
//! decoded header and claims, since nobody reads base64), and the hints that point at
//! it — first which artifact proves where evidence stops, then which line.
//!
//! Everything here leaves the tool as text on a screen, so each line is escaped and
//! redacted (`text::redact_secrets`): a token shows as `header.payload.<redacted>`.
//! The cited line comes from the engine: the evidence item of the drill's key finding
//! (or the failing stage), its artifact and locator.

use std::io::Read;

use super::drill::{Case, key_finding};
use crate::text::{escape_control, redact_secrets};
use crate::vocabulary::{Evidence, Outcome};

/// The most lines shown of one artifact (a large export is cut, and says so).
pub const MAX_LINES: usize = 2_000;

/// The longest line kept whole; longer ones are cut with a note.
const MAX_LINE_CHARS: usize = 2_000;

/// One readable artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactText {
    /// `ticket` or the file name.
    pub name: String,
    /// The kind the engine recognised (`aws-trust-policy`…), or `ticket`.
    pub kind: String,
    /// Lines as shown (escaped and redacted), numbered from 1 on screen.
    pub lines: Vec<String>,
}

/// Where a hint points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    /// Index into [`case_artifacts`].
    pub artifact: usize,
    /// 0-based line within it.
    pub line: usize,
    /// The engine's locator, as it cites the evidence (`line 42`, `event 3`).
    pub locator: String,
}

fn clean(line: &str) -> String {
    let line: String = if line.chars().count() > MAX_LINE_CHARS {
        let cut: String = line.chars().take(MAX_LINE_CHARS).collect();
        format!("{cut} … (line cut)")
    } else {
        line.to_owned()
    };
    escape_control(&redact_secrets(&line)).into_owned()
}

fn text_of(bytes: &[u8]) -> Option<String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = String::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .take(8 * 1024 * 1024)
            .read_to_string(&mut out)
            .ok()?;
        return Some(out);
    }
    std::str::from_utf8(bytes).ok().map(str::to_owned)
}

/// Pretty-print JSON objects one per line when a file is a single long line (as CLI
/// exports often are), so line numbers mean something.
fn readable(text: &str) -> String {
    let single = text.trim().lines().count() <= 1 && text.len() > 200;
    if single
        && let Ok(value) = serde_json::from_str::<serde_json::Value>(text.trim())
        && let Ok(pretty) = serde_json::to_string_pretty(&value)
    {
        return pretty;
    }
    text.to_owned()
}

/// The ticket (index 0) and every attachment of `case`, in the scenario's order.
pub fn case_artifacts(case: &Case) -> Vec<ArtifactText> {
    let spec = &case.scenario.spec;
    let mut out = vec![ArtifactText {
        name: "ticket".to_owned(),
        kind: "ticket".to_owned(),
        lines: spec.ticket.lines().map(clean).collect(),
    }];
    for input in &case.scenario.inputs {
        let kind = case
            .diagnosis
            .artifacts
            .iter()
            .find(|a| a.name == input.name)
            .map(|a| a.kind.name().to_owned())
            .unwrap_or_else(|| "unrecognised".to_owned());
        let mut lines: Vec<String> = match text_of(&input.bytes) {
            Some(text) => readable(&text).lines().map(clean).collect(),
            None => vec![format!(
                "(binary, {} bytes: the triage view reads it; here it cannot be shown)",
                input.bytes.len()
            )],
        };
        if lines.len() > MAX_LINES {
            let more = lines.len() - MAX_LINES;
            lines.truncate(MAX_LINES);
            lines.push(format!("… {more} more lines not shown"));
        }
        for view in case
            .diagnosis
            .tokens
            .iter()
            .filter(|t| t.artifact == input.name)
        {
            lines.push(String::new());
            lines.push("── decoded (the signature is never shown) ──".to_owned());
            let header = serde_json::to_string_pretty(&view.report.header).unwrap_or_default();
            let claims = serde_json::to_string_pretty(&view.report.claims.0).unwrap_or_default();
            lines.push("header:".to_owned());
            lines.extend(header.lines().map(clean));
            lines.push("claims:".to_owned());
            lines.extend(claims.lines().map(clean));
        }
        out.push(ArtifactText {
            name: input.name.clone(),
            kind,
            lines,
        });
    }
    out
}

/// The evidence that proves the drill's answer: the key finding's first evidence item,
/// else the first failing item of the focus stage, else any item there.
fn proving_evidence(case: &Case) -> Option<&Evidence> {
    let d = &case.diagnosis;
    if let Some(e) = key_finding(d).and_then(|f| f.evidence.first()) {
        return Some(e);
    }
    let stage = d.stage(case.focus_stage());
    stage
        .evidence
        .iter()
        .find(|e| e.outcome == Outcome::Fail)
        .or_else(|| stage.evidence.first())
}

/// The number after `word` in a locator ("line 42", "event 3").
fn number_after(locator: &str, word: &str) -> Option<usize> {
    let lower = locator.to_lowercase();
    let at = lower.find(word)? + word.len();
    let digits: String = lower[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The line an evidence item points at, in an artifact's shown lines.
fn line_for(e: &Evidence, lines: &[String]) -> usize {
    if let Some(n) = number_after(&e.locator, "line") {
        return n.saturating_sub(1).min(lines.len().saturating_sub(1));
    }
    // A structural locator (`Statement[0].Condition`, `claim sub`, `event 2`): the
    // first line holding its most specific word, else one the summary quotes.
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':' || c == '-'))
            .filter(|w| w.len() >= 3)
            .map(str::to_lowercase)
            .collect()
    };
    let mut probes = words(&e.locator);
    probes.reverse();
    let quoted: Vec<String> = e
        .summary
        .split(['`', '"', '\''])
        .skip(1)
        .step_by(2)
        .filter(|q| q.len() >= 3)
        .map(str::to_lowercase)
        .collect();
    probes.extend(quoted);
    let probes: Vec<String> = probes
        .into_iter()
        .filter(|p| !["line", "event", "record", "claim", "entry"].contains(&p.as_str()))
        .collect();
    for probe in &probes {
        if let Some(i) = lines.iter().position(|l| l.to_lowercase().contains(probe)) {
            return i;
        }
    }
    if let Some(n) =
        number_after(&e.locator, "event").or_else(|| number_after(&e.locator, "record"))
    {
        // The n-th line that opens a record.
        if let Some(i) = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.contains("eventName") || l.contains("\"protoPayload\""))
            .map(|(i, _)| i)
            .nth(n.saturating_sub(1))
        {
            return i;
        }
    }
    0
}

/// Where the proof is: the artifact and line of the engine's proving evidence.
/// `None` when the proof is not in an attachment (an inferred stage).
pub fn citation(case: &Case, artifacts: &[ArtifactText]) -> Option<Citation> {
    let e = proving_evidence(case)?;
    let artifact = artifacts.iter().position(|a| a.name == e.artifact)?;
    let line = line_for(e, &artifacts[artifact].lines);
    Some(Citation {
        artifact,
        line,
        locator: e.locator.clone(),
    })
}

/// The hint at `level` (1: which artifact; 2: which line), as text.
pub fn hint(case: &Case, artifacts: &[ArtifactText], level: u8) -> String {
    let Some(c) = citation(case, artifacts) else {
        return "No single line proves it: read which stages have evidence at all, and where it runs out.".to_owned();
    };
    let name = &artifacts[c.artifact].name;
    match level {
        0 => String::new(),
        1 => format!("Hint: the proof is in {name} (attachment {}).", c.artifact),
        _ => format!(
            "Hint: {name}, line {} ({}) — the viewer is open on it.",
            c.line + 1,
            escape_control(&c.locator)
        ),
    }
}
