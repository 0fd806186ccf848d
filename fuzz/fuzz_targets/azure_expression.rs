//! Arbitrary text as an Entra `claimsMatchingExpression`: the tokenizer and the
//! recursive-descent parser must never panic (nor overflow the stack on deep nesting),
//! and a parsed expression must evaluate against a fixed claim set.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use oidc_triage::policy::azure::ClaimsExpression;
use oidc_triage::token::Claims;

static CLAIMS: LazyLock<Claims> = LazyLock::new(|| {
    Claims::sniff(br#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:acme/api:ref:refs/heads/main","aud":"api://AzureADTokenExchange"}"#).unwrap_or_default()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(expression) = ClaimsExpression::parse(text) {
        let _ = expression.evaluate(|claim| CLAIMS.str(claim).map(str::to_owned));
    }
});
