//! The Entra ID (`AADSTS…`) error codes met in workload identity federation: what each
//! means and which finding it proves, read from the knowledge's `[[message]]` entries
//! with an `aadsts` code (`assets/knowledge/messages/entra.toml`). Both readers of Entra
//! errors use them — job logs and pasted error text (`ci_log::messages`, which matches
//! the code in a line) and sign-in log exports (`azure_signin`, which reads
//! `errorCode`) — so a code means the same thing whichever way it arrives, and a new
//! code is one entry in a knowledge file.

use std::sync::LazyLock;

use crate::evidence::ci_log::messages::{self, Message, Pattern, resolution};
use crate::vocabulary::Stage;
use crate::vocabulary::catalog::{Rule, TRUST_AZURE_NO_MATCHING_CREDENTIAL};

/// What an AADSTS code means and which finding it proves.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Code {
    pub code: i64,
    pub rule: Rule,
    /// What the code says happened, as the start of a sentence.
    pub meaning: &'static str,
    /// The resolution with `APP_ID` for the application (client) id.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fix: &'static str,
    /// The resolution template (`{client_id}`, `{code}`).
    template: &'static str,
    /// The catalogue has no finding for exactly this code: the closest is used.
    pub closest: bool,
}

impl Code {
    pub fn stage(&self) -> Stage {
        self.rule.stage
    }

    /// The resolution, with the app id and code filled in.
    pub fn fix_for(&self, app_id: &str) -> String {
        resolution(self.template, app_id, u32::try_from(self.code).unwrap_or(0))
    }

    fn of(m: &Message, code: i64) -> Code {
        Code {
            code,
            rule: m.rule.unwrap_or(TRUST_AZURE_NO_MATCHING_CREDENTIAL),
            meaning: m.meaning,
            fix: m.fix,
            template: m.fix_template,
            closest: m.closest || matches!(m.pattern, Pattern::AadstsFallback),
        }
    }
}

static LISTED: LazyLock<Vec<Code>> = LazyLock::new(|| {
    messages::messages()
        .iter()
        .filter_map(|m| match m.pattern {
            Pattern::Aadsts(c) => Some(Code::of(m, i64::from(c))),
            _ => None,
        })
        .collect()
});

/// Every code the knowledge lists (`for c in CODES`).
#[cfg(test)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Codes;

#[cfg(test)]
pub(crate) const CODES: Codes = Codes;

#[cfg(test)]
impl IntoIterator for Codes {
    type Item = &'static Code;
    type IntoIter = std::slice::Iter<'static, Code>;
    fn into_iter(self) -> Self::IntoIter {
        LISTED.iter()
    }
}

/// The entry for codes the knowledge does not list, should its file lack one.
const UNKNOWN: Code = Code {
    code: 0,
    rule: TRUST_AZURE_NO_MATCHING_CREDENTIAL,
    meaning: "an Entra sign-in error this tool has no entry for",
    fix: "",
    template: "",
    closest: true,
};

/// What `code` means; a code the knowledge does not list gets the fallback entry's
/// generic finding, marked closest.
pub(crate) fn code_info(code: i64) -> Code {
    if let Some(c) = LISTED.iter().find(|c| c.code == code) {
        return *c;
    }
    messages::messages()
        .iter()
        .find(|m| matches!(m.pattern, Pattern::AadstsFallback))
        .map_or(Code { code, ..UNKNOWN }, |m| Code::of(m, code))
}

/// True when the knowledge lists `code`.
#[cfg(test)]
pub(crate) fn is_listed(code: i64) -> bool {
    LISTED.iter().any(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::catalog::{
        TRUST_AZURE_ISSUER_UNREACHABLE, TRUST_AZURE_SUBJECT_MISMATCH,
    };
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_fixes_name_the_app_where_they_name_a_command() {
        let mut seen = HashSet::new();
        for c in CODES {
            assert!(seen.insert(c.code), "duplicate AADSTS{}", c.code);
            assert!(
                c.fix.contains("APP_ID") || !c.fix.contains("--id"),
                "{}",
                c.code
            );
            assert!(!c.meaning.is_empty() && !c.fix.is_empty(), "{}", c.code);
        }
        assert!(seen.len() >= 19);
    }

    #[test]
    fn unknown_codes_say_closest_and_keep_their_number() {
        assert_eq!(code_info(700213).rule.id, TRUST_AZURE_SUBJECT_MISMATCH.id);
        assert_eq!(code_info(700024).stage(), Stage::Token);
        let unknown = code_info(7000215);
        assert!(unknown.closest);
        assert_eq!(unknown.code, 7000215);
        assert!(!is_listed(7000215));
        assert!(unknown.fix_for("0f1e").contains("error?code=7000215"));
        assert!(unknown.fix_for("0f1e").contains("--id 0f1e"));
    }

    #[test]
    fn external_oidc_endpoint_failures_are_the_issuer_being_unreachable() {
        for code in [50166, 90061, 501661] {
            let c = code_info(code);
            assert_eq!(c.rule.id, TRUST_AZURE_ISSUER_UNREACHABLE.id, "{code}");
            assert!(!c.closest);
            assert!(c.fix.contains(".well-known/openid-configuration"));
        }
    }

    /// AADSTS90002 was added as one knowledge entry (messages/entra.toml): both
    /// readers know it.
    #[test]
    fn a_code_added_in_the_knowledge_is_known_to_both_readers() {
        let c = code_info(90002);
        assert!(is_listed(90002) && c.closest);
        assert_eq!(c.rule.id, "workflow.action-misconfigured");
        assert!(c.fix_for("0f1e").contains("--id 0f1e"));
        let line = "Error: AADSTS90002: Tenant 'contoso-typo' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.";
        let m = messages::classify(line).map(|m| (m.key, m.stage));
        assert_eq!(m, Some(("azure.aadsts90002", Stage::Workflow)));
    }
}
