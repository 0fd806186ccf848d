//! Text output for people: aligned sections, marks that carry meaning without colour,
//! every value from input escaped, and the whole passed through the output gate
//! ([`GateWriter::styled`]: only the palette's colours pass) before it reaches the
//! caller's writer.

use std::io::{self, Write};

use super::Palette;
use crate::diagnosis::Diagnosis;
use crate::evidence::ArtifactKind;
use crate::text::GateWriter;
use crate::text::escape_control as esc;
use crate::token::TokenReport;
use crate::token::claims::display_value;
use crate::token::platform::SubjectContext;
use crate::vocabulary::{Finding, Outcome, Severity, Stage, StageStatus};

fn severity_word(p: Palette, severity: Severity) -> String {
    let word = format!("{:<7}", severity.name());
    match severity {
        Severity::Error => p.fail(&word),
        Severity::Warning => p.warn(&word),
        Severity::Info => p.dim(&word),
    }
}

fn status_word(p: Palette, status: StageStatus) -> String {
    let word = format!("{} {}", status.mark(), status.label());
    match status {
        StageStatus::Passed => p.pass(&word),
        StageStatus::Failed => p.fail(&word),
        StageStatus::NoEvidence => p.warn(&word),
        StageStatus::NotReached => p.dim(&word),
    }
}

fn outcome_word(p: Palette, outcome: Outcome) -> String {
    match outcome {
        Outcome::Pass => p.pass("pass"),
        Outcome::Fail => p.fail("FAIL"),
        Outcome::Info => p.dim("info"),
    }
}

/// Rows of `label  value`, labels padded to the widest.
fn rows(out: &mut impl Write, indent: &str, rows: &[(String, String)]) -> io::Result<()> {
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    for (label, value) in rows {
        writeln!(out, "{indent}{label:<width$}  {value}")?;
    }
    Ok(())
}

fn write_findings(out: &mut impl Write, p: Palette, findings: &[Finding]) -> io::Result<()> {
    for f in findings {
        let risk = f
            .risk
            .map(|r| format!(" [risk {}]", r.name()))
            .unwrap_or_default();
        writeln!(
            out,
            "  {} {}  {}{}",
            severity_word(p, f.severity),
            p.bold(f.id),
            f.title,
            p.warn(&risk)
        )?;
        writeln!(out, "          cause: {}", esc(&f.cause))?;
        writeln!(out, "          fix:   {}", esc(&f.fix))?;
        for e in &f.evidence {
            writeln!(
                out,
                "          proof: {} {} — {}",
                esc(&e.artifact),
                esc(&e.locator),
                esc(&e.summary)
            )?;
        }
    }
    Ok(())
}

/// `decode` as text.
pub fn write_token_report(out: impl Write, report: &TokenReport, p: Palette) -> io::Result<()> {
    let mut gated = GateWriter::styled(out);
    token_report(&mut gated, report, p)?;
    gated.finish()
}

fn token_report(out: &mut impl Write, report: &TokenReport, p: Palette) -> io::Result<()> {
    let mut top = Vec::new();
    if let Some(token) = &report.token {
        top.push(("token".to_owned(), esc(token).into_owned()));
    }
    if let Some(found) = &report.found {
        top.push(("found".to_owned(), esc(&found.locator()).into_owned()));
    }
    let issuer = report
        .claims
        .issuer()
        .map(|i| esc(i).into_owned())
        .unwrap_or_else(|| "(no iss)".to_owned());
    top.push((
        "platform".to_owned(),
        format!("{} — {issuer}", report.platform.display()),
    ));
    let signature = match report.signature.verified {
        Some(true) => p.pass(&format!("✓ {}", esc(&report.signature.reason))),
        Some(false) => p.fail(&format!("✗ {}", esc(&report.signature.reason))),
        None => p.warn(&format!("? {}", esc(&report.signature.reason))),
    };
    top.push(("signature".to_owned(), signature));
    rows(out, "", &top)?;

    if !report.header.is_empty() {
        writeln!(out, "\n{}", p.bold("Header"))?;
        let header: Vec<_> = report
            .header
            .iter()
            .map(|(k, v)| (esc(k).into_owned(), esc(&display_value(v)).into_owned()))
            .collect();
        rows(out, "  ", &header)?;
    }

    if let Some(subject) = &report.subject {
        writeln!(out, "\n{}  {}", p.bold("Subject"), esc(&subject.raw))?;
        let mut sub = vec![("format".to_owned(), subject.format.to_owned())];
        for part in &subject.parts {
            sub.push((esc(&part.key).into_owned(), esc(&part.value).into_owned()));
        }
        let context = match &subject.context {
            SubjectContext::Branch { name } => format!("branch {}", esc(name)),
            SubjectContext::Tag { name } => format!("tag {}", esc(name)),
            SubjectContext::PullRequest => p.warn("pull request"),
            SubjectContext::Environment { name } => format!("environment {}", esc(name)),
            SubjectContext::ServiceConnection { name } => {
                format!("service connection {}", esc(name))
            }
            SubjectContext::RunPhase { phase } => format!("run phase {}", esc(phase)),
            SubjectContext::Custom => "custom template".to_owned(),
            SubjectContext::Unparsed { reason } => {
                p.warn(&format!("not the platform's grammar: {}", esc(reason)))
            }
        };
        sub.push(("binds to".to_owned(), context));
        sub.push(("meaning".to_owned(), esc(&subject.meaning).into_owned()));
        rows(out, "  ", &sub)?;
    }

    let t = &report.times;
    let clock = match t.clock {
        crate::clock::ClockSource::Flag => "--now",
        crate::clock::ClockSource::Event => "runtime event",
        crate::clock::ClockSource::WallClock => "this machine's clock",
    };
    writeln!(
        out,
        "\n{}  now {} ({clock}), skew {}s",
        p.bold("Times"),
        t.now,
        t.skew_seconds
    )?;
    let mut times = Vec::new();
    for (name, claim) in [("iat", &t.iat), ("nbf", &t.nbf), ("exp", &t.exp)] {
        if let Some(c) = claim {
            times.push((name.to_owned(), format!("{}  {}", c.utc, c.relative)));
        }
    }
    if let Some(l) = t.lifetime_seconds {
        times.push(("lifetime".to_owned(), crate::clock::format_span(l)));
    }
    let status = match t.status {
        crate::token::inspect::TimeStatus::Valid => p.pass(&format!("✓ {}", t.summary)),
        _ => p.fail(&format!("✗ {}", t.summary)),
    };
    times.push(("status".to_owned(), status));
    rows(out, "  ", &times)?;

    let auds = if report.audience.values.is_empty() {
        "(no aud)".to_owned()
    } else {
        report
            .audience
            .values
            .iter()
            .map(|a| esc(a).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(out, "\n{}  {auds}", p.bold("Audience"))?;
    let clouds: Vec<_> = report
        .audience
        .clouds
        .iter()
        .map(|c| {
            let mark = match c.matches {
                Some(true) => p.pass("✓ matches"),
                Some(false) => p.dim("✗ differs"),
                None => p.dim("? role-specific"),
            };
            (
                c.cloud.display().to_owned(),
                format!("{mark}  expects {} — {}", c.expected, c.note),
            )
        })
        .collect();
    rows(out, "  ", &clouds)?;

    writeln!(out, "\n{}", p.bold("Claims"))?;
    let width = report
        .claim_notes
        .iter()
        .map(|n| n.claim.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    for note in &report.claim_notes {
        let value = report
            .claims
            .get(&note.claim)
            .map(display_value)
            .unwrap_or_default();
        writeln!(out, "  {:<width$}  {}", esc(&note.claim), esc(&value))?;
        writeln!(out, "  {:<width$}  {}", "", p.dim(&esc(&note.meaning)))?;
        if let Some(trust) = &note.trust {
            writeln!(
                out,
                "  {:<width$}  {}",
                "",
                p.warn(&format!("trust: {}", esc(trust)))
            )?;
        }
    }

    if !report.findings.is_empty() {
        writeln!(out, "\n{}", p.bold("Findings"))?;
        write_findings(out, p, &report.findings)?;
    }
    Ok(())
}

/// The five stages on one line: `✓ Workflow ─▶ ✗ Token ─▶ · Trust …`.
pub fn pipeline_line(d: &Diagnosis, p: Palette) -> String {
    d.stages
        .iter()
        .map(|s| {
            let cell = format!(
                "{} {} ({})",
                s.status.mark(),
                s.stage.label(),
                s.status.label()
            );
            let cell = if Some(s.stage) == d.stopped_at {
                format!("[{cell}]")
            } else {
                cell
            };
            match s.status {
                StageStatus::Passed => p.pass(&cell),
                StageStatus::Failed => p.fail(&cell),
                StageStatus::NoEvidence => p.warn(&cell),
                StageStatus::NotReached => p.dim(&cell),
            }
        })
        .collect::<Vec<_>>()
        .join(" ─▶ ")
}

/// `diagnose` as text.
pub fn write_diagnosis(out: impl Write, d: &Diagnosis, p: Palette) -> io::Result<()> {
    let mut gated = GateWriter::styled(out);
    diagnosis(&mut gated, d, p)?;
    gated.finish()
}

fn diagnosis(out: &mut impl Write, d: &Diagnosis, p: Palette) -> io::Result<()> {
    writeln!(out, "{}", p.bold(&esc(&d.summary)))?;
    writeln!(out, "{}", pipeline_line(d, p))?;
    writeln!(
        out,
        "{}",
        p.dim(&format!(
            "clock {}",
            crate::diagnosis::describe_clock(&d.clock)
        ))
    )?;

    for stage in &d.stages {
        writeln!(
            out,
            "\n{}  {}",
            p.bold(&format!("{:<20}", stage.stage.title())),
            status_word(p, stage.status)
        )?;
        for e in &stage.evidence {
            writeln!(
                out,
                "  {}  {} {}  {}",
                outcome_word(p, e.outcome),
                esc(&e.artifact),
                p.dim(&esc(&e.locator)),
                esc(&e.summary)
            )?;
        }
        if stage.evidence.is_empty() && stage.stage != Stage::Workflow {
            writeln!(out, "  {}", p.dim("(no evidence)"))?;
        }
    }

    if d.trust.evaluated {
        let verdict = match d.trust.allowed {
            Some(true) => p.pass("✓ admits the token"),
            Some(false) => p.fail("✗ refuses the token"),
            None => p.dim("not evaluated"),
        };
        let cloud = d.trust.cloud.map(|c| c.display()).unwrap_or("trust");
        writeln!(
            out,
            "\n{}  {verdict}",
            p.bold(&format!("{cloud} trust conditions"))
        )?;
        for c in &d.trust.conditions {
            let mark = if c.matched {
                p.pass("✓")
            } else {
                p.fail("✗")
            };
            let actual = c
                .actual
                .as_deref()
                .map(|a| esc(a).into_owned())
                .unwrap_or_else(|| "(absent)".to_owned());
            let expected = c
                .expected
                .iter()
                .map(|e| esc(e).into_owned())
                .collect::<Vec<_>>()
                .join(" | ");
            writeln!(
                out,
                "  {mark} {} {} {}  token: {actual}",
                esc(&c.key),
                p.dim(&esc(&c.operator)),
                expected
            )?;
            writeln!(out, "      {}", p.dim(&esc(&c.locator)))?;
            if let Some(n) = &c.near_miss {
                writeln!(
                    out,
                    "      {}",
                    p.warn(&format!("near miss: {}", esc(&n.explanation)))
                )?;
            }
        }
    }
    for w in &d.what_if {
        let answer = if w.allowed {
            p.fail("yes — admitted")
        } else {
            p.pass("no — refused")
        };
        writeln!(
            out,
            "\n{} {} {answer} ({})",
            p.bold("What if:"),
            esc(&w.question),
            p.dim(&esc(&w.deciding))
        )?;
    }

    if !d.findings.is_empty() {
        writeln!(out, "\n{}", p.bold("Findings"))?;
        write_findings(out, p, &d.findings)?;
    }
    if !d.next_evidence.is_empty() {
        writeln!(out, "\n{}", p.bold("Next evidence"))?;
        for n in &d.next_evidence {
            writeln!(out, "  - {}", esc(&n.what))?;
            writeln!(out, "    $ {}", esc(&n.command))?;
        }
    }
    writeln!(out, "\n{}", p.bold("Artifacts"))?;
    for a in &d.artifacts {
        let mut line = format!("  {}  {}  {} bytes", esc(&a.name), a.kind.name(), a.size);
        if let Some(note) = &a.note {
            line.push_str(&format!("  ({})", esc(note)));
        }
        if let Some(error) = &a.error {
            line.push_str(&format!(
                "  {}",
                p.fail(&format!("unusable: {}", esc(error)))
            ));
        }
        if a.kind == ArtifactKind::Unrecognised {
            let tried = a
                .tried
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", ");
            line.push_str(&format!(
                "  {}",
                p.warn(&format!(
                    "not recognised (tried {tried}); starts \"{}\"",
                    a.preview.as_deref().unwrap_or_default()
                ))
            ));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
