//! Arbitrary bytes as a workflow file (GitHub Actions or GitLab CI): recognising and
//! loading must never panic, hang or blow the stack (aliases, anchors, deep nesting,
//! duplicate keys), and the evidence it places must not carry raw control characters.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use oidc_triage::clock::Clock;
use oidc_triage::evidence::workflow::WorkflowFile;
use oidc_triage::evidence::{Filters, Observations, SharedFacts};

fuzz_target!(|data: &[u8]| {
    let Ok(Some(file)) = WorkflowFile::from_bytes(data) else {
        return;
    };
    let facts = SharedFacts {
        tokens: Vec::new(),
        claims: Vec::new(),
        jwks: Vec::new(),
        event_times: Vec::new(),
        gcp_providers: Vec::new(),
        filters: Filters::default(),
        clock: Clock::fixed(common::NOW),
        skew: common::SKEW,
    };
    let mut out = Observations::default();
    file.observe("fuzz.yml", &facts, &mut out);
    for e in &out.evidence {
        common::assert_terminal_safe("workflow evidence summary", &e.summary);
        common::assert_terminal_safe("workflow evidence locator", &e.locator);
    }
    for f in &out.findings {
        common::assert_terminal_safe("workflow finding cause", &f.cause);
        common::assert_terminal_safe("workflow finding fix", &f.fix);
    }
});
