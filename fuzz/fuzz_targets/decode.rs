//! Arbitrary bytes as pasted input: locating and decoding a token, inspecting it at a
//! fixed clock, and sniffing a bare claim set must never panic, and the token report
//! must render without raw control characters.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use oidc_triage::clock::Clock;
use oidc_triage::report::{Palette, json, text};
use oidc_triage::token::{Claims, Provenance, Token, inspect_claims, inspect_token};

const FROM: Provenance<'static> = Provenance {
    artifact: "fuzz",
    jwks_name: None,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = Token::from_input(data) {
        let _ = token.redacted();
        let report = inspect_token(&token, None, Clock::fixed(common::NOW), common::SKEW, &FROM);
        render(&report);
    }
    if let Some(claims) = Claims::sniff(data) {
        let report = inspect_claims(&claims, Clock::fixed(common::NOW), common::SKEW, &FROM);
        render(&report);
    }
});

fn render(report: &oidc_triage::token::TokenReport) {
    let mut out = Vec::new();
    text::write_token_report(&mut out, report, Palette::PLAIN).expect("writing to a Vec");
    common::assert_terminal_safe(
        "token report (text)",
        std::str::from_utf8(&out).expect("output is UTF-8"),
    );
    let mut out = Vec::new();
    json::write_json(&mut out, report).expect("writing to a Vec");
    common::assert_terminal_safe(
        "token report (json)",
        std::str::from_utf8(&out).expect("output is UTF-8"),
    );
}
