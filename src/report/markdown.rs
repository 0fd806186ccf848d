//! The RCA report (DESIGN.md's one template), for tickets and the TUI's copy. Markdown
//! leaves the machine by design, so it is made only as [`Gated`] text (the output
//! gate: no token signature, key or password survives into it), and text from inputs
//! cannot turn into markup: raw HTML is entity-escaped and link, image and reference
//! brackets are backslash-escaped, so a log line `<img src=…>` or
//! `[docs](https://evil)` shows as the text it is.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::diagnosis::Diagnosis;
use crate::text::{GateWriter, Gated, escape_control, gate};
use crate::vocabulary::{Outcome, Severity, Stage, StageStatus};

/// Escape for a markdown table cell or inline text: controls, pipes, backticks, raw
/// HTML and link syntax.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape_control(s).chars() {
        match c {
            '|' => out.push_str("\\|"),
            '`' => out.push('\''),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    // A link or image needs `](` or `][` (a reference definition would have to start
    // a line, and a cell is one line): break that pair, keep brackets readable.
    out.replace("](", "]\\(").replace("][", "]\\[")
}

/// Escape for inside a code span: nothing is markup there but the backtick (and a
/// pipe, which still ends a table cell).
fn code(s: &str) -> String {
    escape_control(s).replace('|', "\\|").replace('`', "'")
}

/// A command for a fenced block: a run of backticks could close the fence early.
fn fenced(s: &str) -> String {
    escape_control(s).replace("```", "\u{27}\u{27}\u{27}")
}

fn health_state(d: &Diagnosis) -> String {
    let risk = d.max_risk();
    match (d.failed(), d.stopped_at, risk) {
        (true, _, _) => "**Unhealthy** — a stage failed; deploys on this path do not get credentials (or fail after getting them).".to_owned(),
        (false, None, None) => "**Healthy** — all five stages passed.".to_owned(),
        (false, None, Some(risk)) => format!("**Healthy but insecure** — all stages passed, with a {}-risk finding.", risk.name()),
        (false, Some(stage), Some(risk)) if risk >= crate::vocabulary::Risk::Medium => format!(
            "**Healthy but insecure** — nothing failed (evidence stops at {}, before the deploy is proven), and a {}-risk finding shows jobs that should not get these credentials can.",
            stage.name(),
            risk.name()
        ),
        (false, Some(stage), _) => format!("**Unknown** — no stage failed, but evidence stops at {} before the deploy is proven.", stage.name()),
    }
}

/// The markdown RCA, through the output gate.
pub fn render_rca(d: &Diagnosis) -> Gated {
    let mut md = String::new();
    let _ = writeln!(md, "# OIDC federation RCA\n");
    let _ = writeln!(md, "## Summary\n\n{}\n", cell(&d.summary));

    let _ = writeln!(
        md,
        "## Where evidence stops\n\n| Stage | Status |\n|---|---|"
    );
    for s in &d.stages {
        let stop = if Some(s.stage) == d.stopped_at {
            " ← evidence stops here"
        } else {
            ""
        };
        let _ = writeln!(
            md,
            "| {} | {} {}{stop} |",
            s.stage.title(),
            s.status.mark(),
            s.status.label()
        );
    }

    let _ = writeln!(
        md,
        "\n## Evidence\n\n| Stage | Outcome | Artifact | Locator | What it shows |\n|---|---|---|---|---|"
    );
    for s in &d.stages {
        for e in &s.evidence {
            let outcome = match e.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "FAIL",
                Outcome::Info => "info",
            };
            let _ = writeln!(
                md,
                "| {} | {outcome} | {} | `{}` | {} |",
                s.stage.name(),
                cell(&e.artifact),
                code(&e.locator),
                cell(&e.summary)
            );
        }
    }

    let _ = writeln!(md, "\n## Health state\n\n{}\n", health_state(d));

    let causes: Vec<_> = d
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .collect();
    let _ = writeln!(md, "## Likely cause\n");
    if causes.is_empty() {
        let _ = writeln!(md, "No failure or risk was proven by the evidence given.\n");
    }
    for f in &causes {
        let risk = f
            .risk
            .map(|r| format!(", risk {}", r.name()))
            .unwrap_or_default();
        let _ = writeln!(
            md,
            "- **{}** (`{}`, {}{risk}): {}",
            cell(f.title),
            f.id,
            f.severity.name(),
            cell(&f.cause)
        );
    }
    let _ = writeln!(md, "\n## Fix\n");
    if causes.is_empty() {
        let _ = writeln!(
            md,
            "Nothing to fix on the evidence given; collect the next evidence below.\n"
        );
    }
    for f in &causes {
        let _ = writeln!(md, "- `{}`: {}", f.id, cell(&f.fix));
    }

    if d.trust.evaluated && !d.trust.conditions.is_empty() {
        let _ = writeln!(
            md,
            "\n## Trust conditions\n\n| | Key | Operator | Expected | Token | Locator |\n|---|---|---|---|---|---|"
        );
        for c in &d.trust.conditions {
            let mark = if c.matched { "✓" } else { "✗" };
            let expected = c
                .expected
                .iter()
                .map(|e| cell(e))
                .collect::<Vec<_>>()
                .join(" or ");
            let actual = c
                .actual
                .as_deref()
                .map(cell)
                .unwrap_or_else(|| "(absent)".to_owned());
            let _ = writeln!(
                md,
                "| {mark} | {} | {} | {expected} | {actual} | `{}` |",
                cell(&c.key),
                cell(&c.operator),
                code(&c.locator)
            );
        }
        for n in d
            .trust
            .conditions
            .iter()
            .filter_map(|c| c.near_miss.as_ref())
        {
            let _ = writeln!(md, "\nNear miss: {}", cell(&n.explanation));
        }
    }

    let _ = writeln!(md, "\n## User test\n");
    let _ = writeln!(
        md,
        "1. Re-run the failing job once the fix is in place and run `oidc-triage diagnose` on its log and token: every stage should pass."
    );
    let trust_involved = d.stopped_at == Some(Stage::Trust)
        || d.findings.iter().any(|f| f.stage == Stage::Trust)
        || d.trust.evaluated;
    if d.what_if.is_empty()
        && (trust_involved || d.stage(Stage::Trust).status == StageStatus::Passed)
    {
        let _ = writeln!(
            md,
            "2. Retest the denied path: open a pull request (or run from an unprotected branch) and confirm the exchange is refused for it."
        );
    }
    for w in &d.what_if {
        let now = if w.allowed {
            format!(
                "today it is **admitted** (`{}`): after the fix, a pull request run must be refused",
                code(&w.deciding)
            )
        } else {
            format!(
                "today it is refused at `{}` (what-if with `{}` = `{}`); keep it so",
                code(&w.deciding),
                code(&w.claim),
                code(&w.value)
            )
        };
        let _ = writeln!(
            md,
            "2. Retest the denied pull request path — {}: {now}. Open a pull request and confirm the exchange fails.",
            cell(&w.question)
        );
    }

    let _ = writeln!(md, "\n## Next evidence\n");
    if d.next_evidence.is_empty() {
        let _ = writeln!(md, "None needed.");
    }
    for n in &d.next_evidence {
        let _ = writeln!(
            md,
            "- {}\n  ```\n  {}\n  ```",
            cell(&n.what),
            fenced(&n.command)
        );
    }
    let _ = writeln!(md, "\n## Artifacts\n");
    for a in &d.artifacts {
        let _ = writeln!(
            md,
            "- {} — {} ({} bytes)",
            cell(&a.name),
            a.kind.name(),
            a.size
        );
        if let Some(token) = &a.token {
            let _ = writeln!(md, "  - token `{}`", code(token));
        }
    }
    gate(&md)
}

/// Write the markdown RCA.
pub fn write_rca(out: impl Write, d: &Diagnosis) -> io::Result<()> {
    let mut out = GateWriter::new(out);
    out.write_gated(&render_rca(d))?;
    out.finish()
}
