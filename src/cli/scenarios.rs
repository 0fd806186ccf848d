//! `oidc-triage scenarios list|show SLUG|verify`: the scenario library from the command
//! line. The library is the built-in scenarios (embedded in the binary) plus a user's
//! `--scenarios DIR` ([`oidc_triage::scenario::library`]). `show` keeps the explanation and
//! the answers back unless `--reveal` is given, because the scenarios double as
//! practice drills; `verify` is the library's own test, usable on a team's folder.
//!
//! Exit codes: `verify` exits 1 on any mismatch or scenario that does not load; an
//! unknown slug or an unreadable `--scenarios` folder is a usage error (2). `list` and
//! `show` report broken user scenarios on stderr and go on with the others.

use std::io::{self, Write};

use serde::Serialize;

use super::{DecodeFormat, Exit, ScenariosArgs, ScenariosCommand, Streams, finish_output};
use oidc_triage::evidence::{recognise, sources};
use oidc_triage::report::{Palette, json};
use oidc_triage::scenario::{Scenario, ScenarioError, ScenarioOrigin, closest_slugs, library};
use oidc_triage::text::escape_control as esc;

/// Schema name of every `scenarios … --format json` document.
pub const SCENARIOS_SCHEMA: &str = "oidc-triage/scenarios/v1";

/// Run `scenarios`.
pub fn scenarios(args: &ScenariosArgs, streams: &mut Streams<'_>) -> Exit {
    if let Some(dir) = &args.scenarios
        && !dir.is_dir()
    {
        streams.error(&format!(
            "--scenarios {}: not a folder (give a folder of <slug>/scenario.toml folders)",
            dir.display()
        ));
        return Exit::Usage;
    }
    let (library, errors) = library(args.scenarios.as_deref());
    let palette = streams.palette(args.common.color);
    match &args.command {
        ScenariosCommand::List => list(&library, &errors, args.format, palette, streams),
        ScenariosCommand::Show { slug, reveal } => show(
            &library,
            &errors,
            slug,
            *reveal,
            args.format,
            palette,
            streams,
        ),
        ScenariosCommand::Verify => verify(&library, &errors, args.format, palette, streams),
    }
}

/// Where a scenario came from, as printed: `built-in` or the folder.
fn origin_label(s: &Scenario) -> String {
    match &s.origin {
        ScenarioOrigin::Builtin => "built-in".to_owned(),
        ScenarioOrigin::Folder(dir) => dir.display().to_string(),
    }
}

#[derive(Debug, Serialize)]
struct LoadError {
    path: String,
    error: String,
}

fn load_errors(errors: &[ScenarioError]) -> Vec<LoadError> {
    errors
        .iter()
        .map(|e| LoadError {
            path: esc(e.path()).into_owned(),
            error: esc(&e.to_string()).into_owned(),
        })
        .collect()
}

/// `list` and `show` go on without a broken user scenario, but say so.
fn warn_broken(errors: &[ScenarioError], streams: &mut Streams<'_>) {
    for e in errors {
        streams.error(&format!("skipped a scenario that does not load: {e}"));
    }
}

#[derive(Debug, Serialize)]
struct ListEntry<'a> {
    slug: &'a str,
    title: &'a str,
    platform: &'a str,
    cloud: &'a str,
    stopped_at: &'a str,
    max_risk: &'a str,
    builtin: bool,
    origin: String,
    questions: usize,
}

#[derive(Debug, Serialize)]
struct ListReport<'a> {
    schema: &'static str,
    scenarios: Vec<ListEntry<'a>>,
    errors: Vec<LoadError>,
}

fn list(
    library: &[Scenario],
    errors: &[ScenarioError],
    format: DecodeFormat,
    p: Palette,
    streams: &mut Streams<'_>,
) -> Exit {
    warn_broken(errors, streams);
    let entries: Vec<ListEntry<'_>> = library
        .iter()
        .map(|s| ListEntry {
            slug: &s.slug,
            title: &s.spec.title,
            platform: &s.spec.platform,
            cloud: &s.spec.cloud,
            stopped_at: &s.spec.expect.stopped_at,
            max_risk: &s.spec.expect.max_risk,
            builtin: s.is_builtin(),
            origin: origin_label(s),
            questions: s.spec.question.len(),
        })
        .collect();
    let written = match format {
        DecodeFormat::Json => json::write_json(
            &mut streams.stdout,
            &ListReport {
                schema: SCENARIOS_SCHEMA,
                scenarios: entries,
                errors: load_errors(errors),
            },
        ),
        DecodeFormat::Text => write_list(&mut streams.stdout, &entries, p),
    };
    finish_output(written, Exit::Ok, streams)
}

fn write_list(out: &mut dyn Write, entries: &[ListEntry<'_>], p: Palette) -> io::Result<()> {
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|e| {
            let slug = if e.builtin {
                esc(e.slug).into_owned()
            } else {
                // A user's scenario is marked, so a replaced built-in is visible.
                format!("{}*", esc(e.slug))
            };
            [
                slug,
                esc(e.platform).into_owned(),
                esc(e.cloud).into_owned(),
                esc(e.stopped_at).into_owned(),
                esc(e.title).into_owned(),
            ]
        })
        .collect();
    let header = ["SLUG", "PLATFORM", "CLOUD", "STOPS AT", "TITLE"];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                text.push_str(cell);
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        text
    };
    writeln!(out, "{}", p.bold(&line(header)))?;
    for row in &rows {
        writeln!(
            out,
            "{}",
            line([&row[0], &row[1], &row[2], &row[3], &row[4]])
        )?;
    }
    let users = entries.iter().filter(|e| !e.builtin).count();
    let summary = if users == 0 {
        format!("{} scenarios", entries.len())
    } else {
        format!(
            "{} scenarios ({users} from --scenarios, marked *)",
            entries.len()
        )
    };
    writeln!(out, "{}", p.dim(&summary))
}

#[derive(Debug, Serialize)]
struct ArtifactEntry {
    name: String,
    kind: String,
    size: u64,
}

#[derive(Debug, Serialize)]
struct QuestionEntry<'a> {
    prompt: &'a str,
    options: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct ShowReport<'a> {
    schema: &'static str,
    slug: &'a str,
    title: &'a str,
    ticket: &'a str,
    platform: &'a str,
    cloud: &'a str,
    now: &'a str,
    origin: String,
    artifacts: Vec<ArtifactEntry>,
    sources: &'a [String],
    /// What the diagnosis must show: the drill's answer, so only with `--reveal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<&'a oidc_triage::scenario::Expect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a str>,
    questions: Vec<QuestionEntry<'a>>,
    revealed: bool,
}

fn show_report<'a>(s: &'a Scenario, reveal: bool) -> ShowReport<'a> {
    let sources = sources();
    let artifacts = s
        .inputs
        .iter()
        .map(|input| ArtifactEntry {
            name: esc(&input.name).into_owned(),
            kind: recognise(input, &sources).summary.kind.name(),
            size: input.size,
        })
        .collect();
    ShowReport {
        schema: SCENARIOS_SCHEMA,
        slug: &s.slug,
        title: &s.spec.title,
        ticket: &s.spec.ticket,
        platform: &s.spec.platform,
        cloud: &s.spec.cloud,
        now: &s.spec.now,
        origin: origin_label(s),
        artifacts,
        sources: &s.spec.sources,
        expect: reveal.then_some(&s.spec.expect),
        explanation: reveal.then_some(s.spec.explanation.as_str()),
        questions: s
            .spec
            .question
            .iter()
            .map(|q| QuestionEntry {
                prompt: &q.prompt,
                options: &q.options,
                answer: reveal.then_some(q.answer),
                why: reveal.then_some(q.why.as_str()),
            })
            .collect(),
        revealed: reveal,
    }
}

fn show(
    library: &[Scenario],
    errors: &[ScenarioError],
    slug: &str,
    reveal: bool,
    format: DecodeFormat,
    p: Palette,
    streams: &mut Streams<'_>,
) -> Exit {
    warn_broken(errors, streams);
    let Some(scenario) = library.iter().find(|s| s.slug == slug) else {
        let near = closest_slugs(slug, library.iter().map(|s| s.slug.as_str()));
        let hint = if near.is_empty() {
            "`oidc-triage scenarios list` shows them".to_owned()
        } else {
            format!("did you mean {}?", near.join(", "))
        };
        streams.error(&format!("no scenario `{slug}`: {hint}"));
        return Exit::Usage;
    };
    let report = show_report(scenario, reveal);
    let written = match format {
        DecodeFormat::Json => json::write_json(&mut streams.stdout, &report),
        DecodeFormat::Text => write_show(&mut streams.stdout, &report, p),
    };
    finish_output(written, Exit::Ok, streams)
}

fn write_show(out: &mut dyn Write, r: &ShowReport<'_>, p: Palette) -> io::Result<()> {
    writeln!(out, "{} — {}", p.bold(&esc(r.slug)), esc(r.title))?;
    writeln!(out)?;
    writeln!(out, "{}", p.bold("Ticket"))?;
    writeln!(out, "  {}", esc(r.ticket))?;
    writeln!(out)?;
    writeln!(out, "  platform  {}", esc(r.platform))?;
    writeln!(out, "  cloud     {}", esc(r.cloud))?;
    writeln!(out, "  clock     {}", esc(r.now))?;
    writeln!(out, "  origin    {}", esc(&r.origin))?;
    writeln!(out)?;
    writeln!(out, "{}", p.bold("Artifacts"))?;
    let name_width = r
        .artifacts
        .iter()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(0);
    let kind_width = r
        .artifacts
        .iter()
        .map(|a| a.kind.chars().count())
        .max()
        .unwrap_or(0);
    for a in &r.artifacts {
        writeln!(
            out,
            "  {:<name_width$}  {:<kind_width$}  {} bytes",
            a.name, a.kind, a.size
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", p.bold("Sources"))?;
    for source in r.sources {
        writeln!(out, "  {}", esc(source))?;
    }
    writeln!(out)?;
    if let Some(expect) = r.expect {
        writeln!(out, "{}", p.bold("Expect"))?;
        writeln!(out, "  stopped_at  {}", esc(&expect.stopped_at))?;
        let ids = |ids: &[String]| {
            if ids.is_empty() {
                "—".to_owned()
            } else {
                esc(&ids.join(", ")).into_owned()
            }
        };
        writeln!(out, "  findings    {}", ids(&expect.findings))?;
        writeln!(out, "  absent      {}", ids(&expect.absent))?;
        writeln!(out, "  max_risk    {}", esc(&expect.max_risk))?;
    }
    if !r.questions.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", p.bold("Questions"))?;
        for (i, q) in r.questions.iter().enumerate() {
            writeln!(out, "  {}. {}", i + 1, esc(q.prompt))?;
            for (j, option) in q.options.iter().enumerate() {
                let mark = if q.answer == Some(j) {
                    p.pass("✓")
                } else {
                    " ".to_owned()
                };
                writeln!(out, "     {mark} {}) {}", option_letter(j), esc(option))?;
            }
            if let Some(why) = q.why {
                writeln!(out, "       why: {}", esc(why))?;
            }
        }
    }
    writeln!(out)?;
    match r.explanation {
        Some(explanation) => {
            writeln!(out, "{}", p.bold("Explanation"))?;
            writeln!(out, "  {}", esc(explanation))
        }
        None => writeln!(
            out,
            "{}",
            p.dim(
                "Where it stops, the findings, the explanation and the answers are hidden; --reveal shows them."
            )
        ),
    }
}

fn option_letter(index: usize) -> char {
    u8::try_from(index)
        .ok()
        .and_then(|i| b'a'.checked_add(i))
        .filter(u8::is_ascii_lowercase)
        .map_or('?', char::from)
}

#[derive(Debug, Serialize)]
struct VerifyEntry<'a> {
    slug: &'a str,
    origin: String,
    ok: bool,
    mismatches: Vec<String>,
}

#[derive(Debug, Serialize)]
struct VerifyReport<'a> {
    schema: &'static str,
    ok: bool,
    passed: usize,
    mismatched: usize,
    results: Vec<VerifyEntry<'a>>,
    errors: Vec<LoadError>,
}

fn verify(
    library: &[Scenario],
    errors: &[ScenarioError],
    format: DecodeFormat,
    p: Palette,
    streams: &mut Streams<'_>,
) -> Exit {
    let results: Vec<VerifyEntry<'_>> = library
        .iter()
        .map(|s| {
            let mismatches: Vec<String> = s.verify().iter().map(|m| esc(m).into_owned()).collect();
            VerifyEntry {
                slug: &s.slug,
                origin: origin_label(s),
                ok: mismatches.is_empty(),
                mismatches,
            }
        })
        .collect();
    let mismatched = results.iter().filter(|r| !r.ok).count();
    let report = VerifyReport {
        schema: SCENARIOS_SCHEMA,
        ok: mismatched == 0 && errors.is_empty(),
        passed: results.len() - mismatched,
        mismatched,
        results,
        errors: load_errors(errors),
    };
    let written = match format {
        DecodeFormat::Json => json::write_json(&mut streams.stdout, &report),
        DecodeFormat::Text => write_verify(&mut streams.stdout, &report, p),
    };
    let exit = if report.ok { Exit::Ok } else { Exit::Failure };
    finish_output(written, exit, streams)
}

fn write_verify(out: &mut dyn Write, r: &VerifyReport<'_>, p: Palette) -> io::Result<()> {
    let width = r
        .results
        .iter()
        .map(|e| e.slug.chars().count())
        .max()
        .unwrap_or(0);
    for e in &r.results {
        let slug = esc(e.slug);
        if e.ok {
            writeln!(out, "{}  {slug}", p.pass("ok      "))?;
        } else {
            writeln!(out, "{}  {slug:<width$}", p.fail("MISMATCH"))?;
            for m in &e.mismatches {
                writeln!(out, "            {m}")?;
            }
        }
    }
    for e in &r.errors {
        writeln!(out, "{}  {}", p.fail("ERROR   "), e.error)?;
    }
    let summary = format!(
        "{} scenarios: {} ok, {} mismatched, {} failed to load",
        r.results.len() + r.errors.len(),
        r.passed,
        r.mismatched,
        r.errors.len()
    );
    writeln!(out)?;
    if r.ok {
        writeln!(out, "{}", p.pass(&summary))
    } else {
        writeln!(out, "{}", p.fail(&summary))
    }
}
