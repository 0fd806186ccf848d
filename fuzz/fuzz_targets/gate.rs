//! Arbitrary bytes through the output gate (issue 13), the one door every output passes:
//! it must never panic, never let a control or invisible character through (a styled
//! gate only the report palette's SGR sequences), keep one-line text on one line, and
//! never let a GitHub token planted between spaces survive, whatever surrounds it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use oidc_triage::text::{PALETTE_SGR, gate, gate_line, gate_styled, is_unsafe_char, redact_secrets};

const PLANTED: &str = "ghp_Fz9Qm2Lw8Xr4Tb6Yc1Vn5Hk3Jd7Sa0GpUeWi";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = redact_secrets(&text);

    let g = gate(&text);
    if let Some(c) = g.chars().find(|&c| c != '\n' && c != '\t' && is_unsafe_char(c)) {
        panic!("gate let U+{:04X} through", c as u32);
    }
    let line = gate_line(&text);
    assert!(!line.contains('\n'), "gate_line kept a line break");

    let styled = gate_styled(&text);
    let mut rest = styled.as_str();
    while let Some(at) = rest.find('\u{1b}') {
        rest = &rest[at..];
        let sgr = PALETTE_SGR
            .iter()
            .find(|s| rest.starts_with(**s))
            .unwrap_or_else(|| panic!("styled gate let an escape through: {:?}", &rest[..rest.len().min(12)]));
        rest = &rest[sgr.len()..];
    }

    let half = text.len() / 2;
    let cut = (0..=half).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let planted = format!("{} {PLANTED} {}", &text[..cut], &text[cut..]);
    let shown = gate(&planted);
    assert!(!shown.contains(&PLANTED[4..]), "a planted token survived: {shown:?}");
});
