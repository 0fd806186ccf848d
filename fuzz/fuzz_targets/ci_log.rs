//! Arbitrary bytes as a CI job log and as a pasted error text: recognising, reading
//! (line prefixes, escape cleaning, the message catalogue, claim blocks, tokens) and
//! placing must never panic, and every summary, cause, fix and next-evidence command
//! must be free of raw control characters (log lines are attacker-controlled).

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use oidc_triage::clock::Clock;
use oidc_triage::evidence::ci_log::CiLogSource;
use oidc_triage::evidence::error_text::ErrorTextSource;
use oidc_triage::evidence::{
    EvidenceSource, Filters, Input, Observations, Recognition, SharedFacts,
};

fuzz_target!(|data: &[u8]| {
    let input = Input::pasted("fuzz.log", data);
    let facts = SharedFacts {
        tokens: Vec::new(),
        claims: Vec::new(),
        jwks: Vec::new(),
        event_times: Vec::new(),
        gcp_providers: Vec::new(),
        filters: Filters {
            role: Some("arn:aws:iam::123456789012:role/deploy".to_owned()),
            subject: None,
            since: Some(common::NOW - 3600),
            until: None,
        },
        clock: Clock::fixed(common::NOW),
        skew: common::SKEW,
    };
    let sources: [&dyn EvidenceSource; 2] = [&CiLogSource, &ErrorTextSource];
    for source in sources {
        let Recognition::Loaded(loaded) = source.recognise(&input) else {
            continue;
        };
        let mut shared = facts.clone();
        loaded.share("fuzz.log", &mut shared);
        if let Some(note) = loaded.note() {
            common::assert_terminal_safe("note", &note);
        }
        let mut out = Observations::default();
        loaded.contribute("fuzz.log", &shared, &mut out);
        for e in &out.evidence {
            common::assert_terminal_safe("evidence", &e.summary);
            common::assert_terminal_safe("locator", &e.locator);
        }
        for f in &out.findings {
            common::assert_terminal_safe("cause", &f.cause);
            common::assert_terminal_safe("fix", &f.fix);
        }
        for n in &out.next_evidence {
            common::assert_terminal_safe("next evidence", &n.what);
            common::assert_terminal_safe("next evidence", &n.command);
        }
    }
});
