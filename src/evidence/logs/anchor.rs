//! The token a diagnosis is about, as far as a log can be matched with it (its `sub`,
//! `iss`, `aud` and validity window, docs/design.md "one diagnosis covers one path"), and
//! the `--since/--until` window: what every log reader narrows its records with.

use crate::evidence::SharedFacts;

/// The token a diagnosis is about, as far as the logs can be matched with it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Anchor {
    /// The artifact the claims came from.
    pub artifact: String,
    pub sub: Option<String>,
    pub iss: Option<String>,
    pub aud: Vec<String>,
    /// When the token could have been presented: [nbf or iat − skew, exp + skew].
    pub window: Option<(i64, i64)>,
}

impl Anchor {
    /// The first loaded token's claims, else the first bare claim set.
    pub fn from_facts(facts: &SharedFacts) -> Option<Anchor> {
        let (artifact, claims) = facts
            .tokens
            .first()
            .map(|t| (t.artifact.clone(), &t.token.claims))
            .or_else(|| facts.claims.first().map(|(a, c)| (a.clone(), c)))?;
        let time = |name: &'static str| claims.time(name).ok().flatten();
        let skew = facts.skew.max(0);
        let start = time("nbf").or_else(|| time("iat"));
        let window = match (start, time("exp")) {
            (Some(s), Some(e)) if s <= e => Some((s - skew, e + skew)),
            (Some(s), None) => Some((s - skew, s + 3600 + skew)),
            (None, Some(e)) => Some((e - 3600 - skew, e + skew)),
            _ => None,
        };
        Some(Anchor {
            artifact,
            sub: claims.subject().map(str::to_owned),
            iss: claims.issuer().map(str::to_owned),
            aud: claims.audiences().into_iter().map(str::to_owned).collect(),
            window,
        })
    }

    /// True when `time` falls in the token's window.
    pub fn in_window(&self, time: Option<i64>) -> bool {
        match (self.window, time) {
            (Some((from, to)), Some(t)) => from <= t && t <= to,
            _ => false,
        }
    }
}

/// True when `time` is inside `--since/--until` (an untimed event always is).
pub(crate) fn within_filters(facts: &SharedFacts, time: Option<i64>) -> bool {
    let Some(t) = time else { return true };
    facts.filters.since.is_none_or(|s| t >= s) && facts.filters.until.is_none_or(|u| t <= u)
}
