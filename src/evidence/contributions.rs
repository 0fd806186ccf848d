//! What the token and trust stages contribute to a diagnosis besides evidence: the
//! tokens as decoded for the claims table, and the trust stage's static result: whether the
//! configuration admits the token, the conditions as checked, and the what-if answers.
//! Built here from `policy`'s evaluation so that `policy` itself knows nothing of stages.

use serde::Serialize;

use crate::policy::ConditionCheck;
use crate::token::Cloud;

/// A what-if evaluation: the same trust configuration against the token with one
/// claim changed ("would a pull request get in?").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WhatIf {
    pub question: String,
    pub claim: String,
    pub value: String,
    pub allowed: bool,
    /// The rule or condition that decides it.
    pub deciding: String,
}

/// The trust stage's static evaluation, when a trust configuration was given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrustSummary {
    pub evaluated: bool,
    /// `null` when no trust configuration was given.
    pub allowed: Option<bool>,
    pub cloud: Option<Cloud>,
    pub conditions: Vec<ConditionCheck>,
}

impl TrustSummary {
    /// No trust configuration was given.
    pub fn not_evaluated() -> TrustSummary {
        TrustSummary {
            evaluated: false,
            allowed: None,
            cloud: None,
            conditions: Vec::new(),
        }
    }
}

/// A token or claim set as decoded for the diagnosis: the claims table of the token
/// stage (meanings, relative times) without decoding twice.
#[derive(Clone, Debug)]
pub struct TokenView {
    /// The artifact it came from.
    pub artifact: String,
    pub report: crate::token::TokenReport,
}
