//! `oidc-triage lint`: the static review of trust configurations, with no token. For
//! each rule: what it admits (the blast-radius table), its risk findings and the fix.
//! Exit 1 when a finding's risk reaches `--fail-on`.

use std::io::{self, Write};

use serde::Serialize;

use super::{DecodeFormat, Exit, FailOn, LintArgs, Streams, finish_output, read_input};
use oidc_triage::diagnosis::{Risk, Severity};
use oidc_triage::evidence::ArtifactKind;
use oidc_triage::evidence::policy::lint_sources;
use oidc_triage::policy::{RuleReview, review};
use oidc_triage::report::{Palette, json};
use oidc_triage::text::escape_control as esc;
use oidc_triage::token::Cloud;

/// Schema name of `lint --format json`.
pub const LINT_SCHEMA: &str = "oidc-triage/lint/v1";

#[derive(Debug, Serialize)]
struct Configuration {
    artifact: String,
    kind: ArtifactKind,
    cloud: Cloud,
    description: String,
    rules: Vec<RuleReview>,
}

#[derive(Debug, Serialize)]
struct InputError {
    artifact: String,
    error: String,
}

#[derive(Debug, Serialize)]
struct LintReport {
    schema: &'static str,
    max_risk: Option<Risk>,
    configurations: Vec<Configuration>,
    errors: Vec<InputError>,
}

fn threshold(fail_on: FailOn) -> Risk {
    match fail_on {
        FailOn::High => Risk::High,
        FailOn::Medium => Risk::Medium,
        FailOn::Low => Risk::Low,
    }
}

fn write_text(out: &mut dyn Write, report: &LintReport, p: Palette) -> io::Result<()> {
    for config in &report.configurations {
        writeln!(
            out,
            "{} — {}",
            p.bold(&esc(&config.artifact)),
            esc(&config.description)
        )?;
        for rule in &config.rules {
            writeln!(
                out,
                "\n  {}  {}",
                p.bold(&esc(&rule.label)),
                p.dim(&esc(&rule.locator))
            )?;
            if !rule.subject_patterns.is_empty() {
                writeln!(
                    out,
                    "    subject  {}",
                    rule.subject_patterns
                        .iter()
                        .map(|s| esc(s).into_owned())
                        .collect::<Vec<_>>()
                        .join(" | ")
                )?;
            }
            if rule.admits.is_empty() {
                writeln!(
                    out,
                    "    {}",
                    p.dim("blast radius: modelled for GitHub Actions, GitLab CI, HCP Terraform and CircleCI subjects only")
                )?;
            }
            for a in &rule.admits {
                let mark = if a.admitted {
                    p.fail("✓ admitted")
                } else {
                    p.pass("✗ refused ")
                };
                writeln!(
                    out,
                    "    {mark}  {:<32} {}",
                    a.context.label(),
                    p.dim(&esc(&a.subject))
                )?;
            }
            for f in &rule.findings {
                let risk = f
                    .risk
                    .map(|r| format!("{:<6}", r.name()))
                    .unwrap_or_else(|| format!("{:<6}", f.severity.name()));
                let risk = match (f.risk, f.severity) {
                    (Some(Risk::High), _) => p.fail(&risk),
                    (Some(Risk::Medium), _) | (None, Severity::Warning) => p.warn(&risk),
                    _ => p.dim(&risk),
                };
                writeln!(out, "    {risk} {}  {}", p.bold(f.id), f.title)?;
                writeln!(out, "           cause: {}", esc(&f.cause))?;
                writeln!(out, "           fix:   {}", esc(&f.fix))?;
            }
            if rule.findings.is_empty() {
                writeln!(out, "    {}", p.pass("no risk found"))?;
            }
        }
        writeln!(out)?;
    }
    let max = report.max_risk.map(Risk::name).unwrap_or("none");
    writeln!(out, "highest risk: {max}")
}

/// Run `lint`.
pub fn lint(args: &LintArgs, streams: &mut Streams<'_>) -> Exit {
    let sources = lint_sources();
    let mut report = LintReport {
        schema: LINT_SCHEMA,
        max_risk: None,
        configurations: Vec::new(),
        errors: Vec::new(),
    };
    for name in &args.inputs {
        let input = match read_input(name, &mut *streams.stdin) {
            Ok(input) => input,
            Err(e) => {
                report.errors.push(InputError {
                    artifact: name.clone(),
                    error: e.to_string(),
                });
                continue;
            }
        };
        let loaded = sources
            .iter()
            .find_map(|s| s.load(&input).map(|r| (s.kind(), r)));
        match loaded {
            Some((kind, Ok(config))) => report.configurations.push(Configuration {
                artifact: input.name.clone(),
                kind,
                cloud: config.cloud(),
                description: config.describe(),
                rules: review(config.as_ref(), &input.name),
            }),
            Some((_, Err(e))) => report.errors.push(InputError {
                artifact: input.name.clone(),
                error: esc(&e.to_string()).into_owned(),
            }),
            None => report.errors.push(InputError {
                artifact: input.name.clone(),
                error: format!(
                    "not a trust configuration (tried {}); starts \"{}\"",
                    sources
                        .iter()
                        .map(|s| s.kind().name())
                        .collect::<Vec<_>>()
                        .join(", "),
                    oidc_triage::text::escape_bytes_preview(&input.bytes, 16)
                ),
            }),
        }
    }
    report.max_risk = report
        .configurations
        .iter()
        .flat_map(|c| &c.rules)
        .flat_map(|r| &r.findings)
        .filter_map(|f| f.risk)
        .max();
    for e in &report.errors {
        streams.error(&format!("{}: {}", e.artifact, e.error));
    }
    if report.configurations.is_empty() {
        streams.error("no trust configuration to lint");
        return Exit::Usage;
    }
    let palette = streams.palette(args.common.color);
    let written = match args.format {
        DecodeFormat::Text => write_text(&mut streams.stdout, &report, palette),
        DecodeFormat::Json => json::write_json(&mut streams.stdout, &report),
    };
    let exit = if report
        .max_risk
        .is_some_and(|r| r >= threshold(args.fail_on))
    {
        Exit::Failure
    } else {
        Exit::Ok
    };
    finish_output(written, exit, streams)
}
