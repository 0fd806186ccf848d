//! `oidc-triage lint`: the static review of trust configurations, with no token. For
//! each rule: what it admits (the blast-radius table), its risk findings and the fix.
//! Exit 1 when a finding's risk reaches `--fail-on`.

use std::io::{self, Write};

use serde::Serialize;

use super::config::{self, Config};
use super::{Exit, FailOn, LintArgs, LintFormat, Streams, finish_output, read_input};
use oidc_triage::diagnosis::{Risk, Severity};
use oidc_triage::evidence::ArtifactKind;
use oidc_triage::evidence::policy::lint_sources;
use oidc_triage::evidence::policy::{ReviewedRule, reviewed};
use oidc_triage::report::{Palette, json, sarif};
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
    rules: Vec<ReviewedRule>,
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

/// The lowest risk that fails the run at `--fail-on` (`None`: none does).
pub(super) fn threshold(fail_on: FailOn) -> Option<Risk> {
    match fail_on {
        FailOn::High => Some(Risk::High),
        FailOn::Medium => Some(Risk::Medium),
        FailOn::Low => Some(Risk::Low),
        FailOn::Never => None,
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

fn config_risk(c: &Configuration) -> Option<Risk> {
    c.rules
        .iter()
        .flat_map(|r| &r.findings)
        .filter_map(|f| f.risk)
        .max()
}

/// One line per configuration, riskiest first (org-wide lint).
fn write_table(out: &mut dyn Write, report: &LintReport, p: Palette) -> io::Result<()> {
    writeln!(out, "{}", p.bold("risk    findings  configuration"))?;
    for c in &report.configurations {
        let risk = config_risk(c).map_or("none", Risk::name);
        let n: usize = c.rules.iter().map(|r| r.findings.len()).sum();
        writeln!(out, "{risk:<7} {n:>8}  {}", esc(&c.description))?;
    }
    writeln!(out)
}

/// Run `lint`.
pub fn lint(args: &LintArgs, config: &Config, streams: &mut Streams<'_>) -> Exit {
    let sources = lint_sources();
    let mut report = LintReport {
        schema: LINT_SCHEMA,
        max_risk: None,
        configurations: Vec::new(),
        errors: Vec::new(),
    };
    let (mut org, mut org_skipped) = (false, 0usize);
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
        if let Some(export) = super::org::expand(&input) {
            org_skipped += export.skipped;
            org = true;
            for role in export.roles {
                let loaded = sources
                    .iter()
                    .find_map(|s| s.load(&role.input).map(|r| (s.kind(), r)));
                match loaded {
                    Some((kind, Ok(config))) => {
                        let mut rules = reviewed(config.as_ref(), &input.name);
                        for rule in &mut rules {
                            rule.locator = super::org::relocate(&rule.locator, &role.path);
                            for e in rule.findings.iter_mut().flat_map(|f| &mut f.evidence) {
                                e.locator = super::org::relocate(&e.locator, &role.path);
                            }
                        }
                        report.configurations.push(Configuration {
                            artifact: input.name.clone(),
                            kind,
                            cloud: config.cloud(),
                            description: config.describe(),
                            rules,
                        });
                    }
                    Some((_, Err(e))) => report.errors.push(InputError {
                        artifact: format!("{} {}", input.name, role.path),
                        error: esc(&e.to_string()).into_owned(),
                    }),
                    None => report.errors.push(InputError {
                        artifact: format!("{} {}", input.name, role.path),
                        error: "not a trust policy".into(),
                    }),
                }
            }
            continue;
        }
        let loaded = sources
            .iter()
            .find_map(|s| s.load(&input).map(|r| (s.kind(), r)));
        match loaded {
            Some((kind, Ok(config))) => report.configurations.push(Configuration {
                artifact: input.name.clone(),
                kind,
                cloud: config.cloud(),
                description: config.describe(),
                rules: reviewed(config.as_ref(), &input.name),
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
    if org {
        // An account export: riskiest roles first (stable within a risk).
        report
            .configurations
            .sort_by_key(|c| std::cmp::Reverse(config_risk(c)));
        if org_skipped > 0 {
            streams.error(&format!(
                "{org_skipped} role(s) without a federated trust statement skipped"
            ));
        }
    }
    if report.configurations.is_empty() {
        streams.error("no trust configuration to lint");
        return Exit::Usage;
    }
    let palette = streams.palette(args.common.color);
    let judged = config::Judged::new(config, config::today(args.common.now));
    let findings = || {
        report
            .configurations
            .iter()
            .flat_map(|c| &c.rules)
            .flat_map(|r| &r.findings)
    };
    let suppressions = judged.report(findings());
    let written = match args.format {
        LintFormat::Text => (if org {
            write_table(&mut streams.stdout, &report, palette)
        } else {
            Ok(())
        })
        .and_then(|()| write_text(&mut streams.stdout, &report, palette))
        .and_then(|()| config::write_text(&mut streams.stdout, &suppressions)),
        LintFormat::Json => super::with_suppressions(&report, &suppressions)
            .and_then(|value| json::write_json(&mut streams.stdout, &value)),
        LintFormat::Sarif => {
            let results = super::sarif_results(&judged, findings());
            sarif::write_sarif(&mut streams.stdout, &results, env!("CARGO_PKG_VERSION"))
        }
    };
    let counted_risk = findings()
        .filter(|f| !judged.suppressed(f))
        .filter_map(|f| f.risk)
        .max();
    let fail_on = args.fail_on.unwrap_or(FailOn::High);
    let exit = if threshold(fail_on).is_some_and(|t| counted_risk >= Some(t)) {
        Exit::Failure
    } else {
        Exit::Ok
    };
    finish_output(written, exit, streams)
}
