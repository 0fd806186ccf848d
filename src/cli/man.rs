//! The man page: clap's NAME, SYNOPSIS, DESCRIPTION and OPTIONS, then each command
//! with its own options on this one page (there are no per-command pages to refer
//! to), and the sections a man page owes its reader: EXIT STATUS, ENVIRONMENT, FILES
//! and the TUI's KEYS.

use std::io::{self, Write};

use clap::CommandFactory;

use super::Cli;

/// Exit codes, as `Exit` defines them (docs/design.md).
const EXIT_STATUS: &[(&str, &str)] = &[
    (
        "0",
        "all good: every stage passed (diagnose), the token decoded and verified (decode), no risk at or above --fail-on (lint)",
    ),
    (
        "1",
        "a failure proven: a failed stage, a bad signature, an expired token, a risk at or above --fail-on, a scenario mismatch",
    ),
    (
        "2",
        "usage error, or no input with readable text at all; the message names the input and what was wrong",
    ),
    (
        "3",
        "diagnose only: no failure seen, but evidence stops before the audit stage",
    ),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "NO_COLOR",
        "when set and not empty, --color auto prints no colour",
    ),
    (
        "XDG_DATA_HOME",
        "where practice keeps its progress file (default ~/.local/share)",
    ),
    (
        "HOME",
        "the default data folder's parent, and `~` in pasted paths",
    ),
    (
        "DISPLAY, WAYLAND_DISPLAY",
        "the TUI copies to the system clipboard through them; without one it sends OSC 52 to the terminal",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "$XDG_DATA_HOME/oidc-triage/progress.json",
        "practice progress (the only file the tool writes unasked for)",
    ),
    (
        "DIR/*.toml (--knowledge DIR)",
        "a team's own knowledge: messages, causes, fixes and commands, in the format of assets/knowledge/",
    ),
    (
        "DIR/<slug>/scenario.toml (--scenarios DIR)",
        "a team's own scenarios for practice and verify",
    ),
];

/// Write the man page (roff).
pub fn render(out: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        writeln!(
            out,
            ".SS {}",
            roff(&format!("oidc-triage {}", sub.get_name()))
        )?;
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            writeln!(out, "{}", roff(&about.to_string()))?;
        }
        for nested in sub.get_subcommands().filter(|s| s.get_name() != "help") {
            writeln!(out, ".TP\n\\fB{}\\fR", roff(nested.get_name()))?;
            if let Some(about) = nested.get_about() {
                writeln!(out, "{}", roff(&about.to_string()))?;
            }
        }
        for arg in sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set())
        {
            let name = match (arg.get_long(), arg.get_value_names()) {
                (Some(long), Some(values)) => format!(
                    "--{long} {}",
                    values
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                (Some(long), None) => format!("--{long}"),
                (None, Some(values)) => values
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
                (None, None) => arg.get_id().to_string(),
            };
            writeln!(out, ".TP\n\\fB{}\\fR", roff(&name))?;
            if let Some(help) = arg.get_help() {
                writeln!(out, "{}", roff(&help.to_string()))?;
            }
        }
    }
    table(out, "EXIT STATUS", EXIT_STATUS)?;
    table(out, "ENVIRONMENT", ENVIRONMENT)?;
    table(out, "FILES", FILES)?;
    #[cfg(feature = "tui")]
    table(out, "KEYS", oidc_triage::tui::KEYS)?;
    man.render_version_section(out)
}

fn table(out: &mut dyn Write, title: &str, rows: &[(&str, &str)]) -> io::Result<()> {
    writeln!(out, ".SH {title}")?;
    for (term, text) in rows {
        writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(term), roff(text))?;
    }
    Ok(())
}

/// Text made safe for roff: backslashes doubled, and a line that would start with a
/// control character (`.` or `'`) guarded.
fn roff(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('-', "\\-")
        .lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
