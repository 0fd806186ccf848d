//! What every fuzz target asserts about rendered output: the promise in `report` and
//! `text` that no character a terminal would act on leaves the tool raw.

// Each target is its own crate and uses only some of these.
#![allow(dead_code)]

/// The instant every target checks tokens at: 2026-03-02T10:15:00Z, the sample
/// incident's clock, so that the sample token and its neighbours are in their window.
pub const NOW: i64 = 1_772_446_500;

/// Allowed clock skew, seconds (the CLI default).
pub const SKEW: i64 = 60;

/// Panics (so libFuzzer records the input) if `rendered` holds a raw control character
/// other than `\n`, a bidi control or a line/paragraph separator.
pub fn assert_terminal_safe(what: &str, rendered: &str) {
    if let Some((at, c)) = rendered.char_indices().find(|&(_, c)| is_unsafe(c)) {
        let from = rendered[..at]
            .char_indices()
            .rev()
            .nth(40)
            .map_or(0, |(i, _)| i);
        let context: String = rendered[from..].chars().take(80).collect();
        panic!(
            "{what}: raw U+{:04X} at byte {at} in output: {context:?}",
            c as u32
        );
    }
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// Run a loaded artifact through both passes of the engine, once alone and once beside
/// `claims` (so correlation code runs), and check every text it places is terminal-safe.
pub fn exercise_loaded(
    loaded: &dyn oidc_triage::evidence::LoadedArtifact,
    claims: &oidc_triage::token::Claims,
) {
    use oidc_triage::clock::Clock;
    use oidc_triage::evidence::{Filters, Observations, SharedFacts};

    if let Some(note) = loaded.note() {
        assert_terminal_safe("note", &note);
    }
    for claims in [Vec::new(), vec![("claims.json".to_owned(), claims.clone())]] {
        let mut facts = SharedFacts {
            tokens: Vec::new(),
            claims,
            jwks: Vec::new(),
            event_times: Vec::new(),
            gcp_providers: Vec::new(),
            filters: Filters::default(),
            clock: Clock::fixed(NOW),
            skew: SKEW,
        };
        loaded.share("fuzz.json", &mut facts);
        let mut out = Observations::default();
        loaded.contribute("fuzz.json", &facts, &mut out);
        for e in &out.evidence {
            assert_terminal_safe("evidence", &e.summary);
            assert_terminal_safe("locator", &e.locator);
        }
        for f in &out.findings {
            assert_terminal_safe("cause", &f.cause);
        }
        for n in &out.next_evidence {
            assert_terminal_safe("next evidence", &n.what);
        }
    }
}
