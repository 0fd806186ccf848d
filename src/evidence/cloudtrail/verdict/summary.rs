//! The artifact note of a CloudTrail export: its shape, counts, every path (the selected one among them), and what went wrong while reading.

use super::*;

/// The artifact note: shape, counts, every path (the selected one among them), and
/// what went wrong while reading.
pub(crate) fn note(export: &Export) -> String {
    let mut s = String::from("CloudTrail ");
    s.push_str(export.form.map_or("export", |f| f.describe()));
    if export.gzip {
        s.push_str(", gzip");
    }
    if export.directory {
        let _ = write!(s, ", {} file(s)", export.files_read);
        if export.files_skipped > 0 {
            let _ = write!(
                s,
                " ({} other file(s) skipped: not CloudTrail logs)",
                export.files_skipped
            );
        }
    }
    let _ = write!(
        s,
        ": {} event(s), {} AssumeRoleWithWebIdentity",
        export.events, export.attempts_seen
    );
    let failed: u64 =
        export.paths.values().map(|p| p.failed()).sum::<u64>() + export.other_paths.failed();
    if failed > 0 {
        let _ = write!(s, " ({failed} failed)");
    }
    if export.attempts_dropped() > 0 {
        let _ = write!(s, ", the latest {} kept in full", export.attempts.len());
    }
    let mut paths: Vec<(&(Text, Text), &super::super::export::PathStats)> =
        export.paths.iter().collect();
    paths.sort_by(|a, b| b.1.last.cmp(&a.1.last).then_with(|| a.0.cmp(b.0)));
    if !paths.is_empty() {
        s.push_str("; per role and subject:");
    }
    for ((role, subject), p) in paths.iter().take(8) {
        let _ = write!(
            s,
            " {} ← {}: {} attempt(s)",
            esc(role),
            esc(subject),
            p.attempts
        );
        if !p.failures.is_empty() {
            let codes: Vec<String> = p
                .failures
                .iter()
                .map(|(c, n)| format!("{}×{n}", esc(c)))
                .collect();
            let _ = write!(s, ", {} failed ({})", p.failed(), codes.join(", "));
        }
        match (p.first, p.last) {
            (Some(f), Some(l)) if f != l => {
                let _ = write!(s, ", {} … {}", format_utc(f), format_utc(l));
            }
            (Some(f), _) => {
                let _ = write!(s, ", {}", format_utc(f));
            }
            _ => {}
        }
        s.push(';');
    }
    let more = paths.len().saturating_sub(8) as u64 + export.other_path_count;
    if more > 0 {
        let _ = write!(s, " and {more} more path(s);");
    }
    if s.ends_with(';') {
        s.pop();
    }
    if export.calls_seen > 0 {
        let denied = export.calls.iter().filter(|c| c.refused()).count();
        let _ = write!(
            s,
            "; {} call(s) by assumed-role sessions read in full ({denied} denied)",
            export.calls_seen
        );
    }
    if !export.unmapped.is_empty() {
        let _ = write!(
            s,
            "; columns not understood: {}",
            esc(&export.unmapped.join(", "))
        );
    }
    if let Some(first) = export.damage.first() {
        let _ = write!(s, "; problem: {}", esc(&first.to_string()));
        if export.damage_count > 1 {
            let _ = write!(s, " (and {} more)", export.damage_count - 1);
        }
        s.push_str("; events read before it are kept");
    }
    s
}
