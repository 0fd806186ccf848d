//! The next evidence, from the knowledge's `[[command]]` templates: a reader names the
//! command and gives the values it read; the builder quotes them.

use crate::evidence::Observations;
use crate::vocabulary::knowledge::knowledge;

/// Ask for the next evidence command `id` collects, filled with `values`. An id the
/// knowledge lacks, or a required value missing, prints nothing (the knowledge tests
/// check every id a reader names).
pub(crate) fn next(out: &mut Observations, id: &str, values: &[(&str, String)]) {
    if let Some(n) = knowledge().next_evidence(id, values) {
        out.next(n.what, n.command);
    }
}

/// Several commands printed as one step (`a && b`, `a; b`), described by the first.
pub(crate) fn next_chain(
    out: &mut Observations,
    ids: &[&str],
    sep: &str,
    values: &[(&str, String)],
) {
    let k = knowledge();
    let Some(first) = ids.first().and_then(|id| k.next_evidence(id, values)) else {
        return;
    };
    let mut command = first.command;
    for id in &ids[1..] {
        match k.next_evidence(id, values) {
            Some(n) => {
                command.push_str(sep);
                command.push_str(&n.command);
            }
            None => return,
        }
    }
    out.next(first.what, command);
}
