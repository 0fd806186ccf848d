//! Arbitrary bytes as one pasted input to the whole engine (every evidence source
//! sniffs it), then every renderer. The property: a diagnosis renders as text (plain
//! palette), JSON and markdown with no raw control character other than `\n`.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use oidc_triage::clock::Clock;
use oidc_triage::diagnosis::{DiagnoseOptions, diagnose};
use oidc_triage::evidence::Input;
use oidc_triage::report::{Palette, json, markdown, text};

fuzz_target!(|data: &[u8]| {
    let input = Input::pasted("paste 1", data);
    let diagnosis = diagnose(&[input], &DiagnoseOptions::default(), || {
        Clock::fixed(common::NOW)
    });

    let mut out = Vec::new();
    text::write_diagnosis(&mut out, &diagnosis, Palette::PLAIN).expect("writing to a Vec");
    common::assert_terminal_safe(
        "diagnosis (text)",
        std::str::from_utf8(&out).expect("output is UTF-8"),
    );

    let mut out = Vec::new();
    json::write_json(&mut out, &diagnosis).expect("writing to a Vec");
    common::assert_terminal_safe(
        "diagnosis (json)",
        std::str::from_utf8(&out).expect("output is UTF-8"),
    );

    common::assert_terminal_safe("diagnosis (markdown)", &markdown::render_rca(&diagnosis));
});
