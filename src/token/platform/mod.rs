//! CI platforms as OIDC issuers: which platform issued a token (from `iss`, falling
//! back to its claim set), the grammar of its `sub`, and what each claim means for
//! trust. One file per platform; each cites the platform's documentation.
//!
//! Nothing here fails: an unknown issuer is `Platform::Generic`, a subject that does
//! not follow the platform's grammar is reported as such (`SubjectContext::Unparsed`).
//!
//! This file holds what the platforms share: detection order, the grammar helpers
//! (`key:value` splitting, issuer URLs, git refs), the registered claims (`iss`, `aud`,
//! `exp`…) and the generic issuer. Each platform file holds its knowledge as one
//! claim table (`ClaimDoc`s) plus the trust notes that depend on a claim's value.

use serde::Serialize;
use serde_json::Value;

use super::claims::Claims;

mod azure_devops;
mod bitbucket;
mod buildkite;
mod circleci;
mod github;
mod gitlab;
mod terraform_cloud;

/// The CI platform that issued a token. JSON names are DESIGN.md's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    GithubActions,
    Gitlab,
    AzureDevops,
    Circleci,
    Bitbucket,
    Buildkite,
    TerraformCloud,
    Generic,
}

/// One `key:value` (or `key/value`) component of a subject, in subject order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectPart {
    pub key: String,
    pub value: String,
}

/// What kind of job a subject binds the trust to: the question a reviewer of a trust
/// rule asks first ("would a pull request match this?").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SubjectContext {
    /// A push or dispatch on a branch (`ref:refs/heads/NAME`, GitLab `ref_type:branch`).
    Branch { name: String },
    /// A tag (`ref:refs/tags/NAME`, GitLab `ref_type:tag`).
    Tag { name: String },
    /// A pull request (GitHub `:pull_request`): unreviewed code can carry this subject.
    PullRequest,
    /// A job bound to a deployment environment (GitHub `environment:NAME`, GitLab environment).
    Environment { name: String },
    /// An Azure DevOps service connection (`sc://ORG/PROJECT/CONNECTION`).
    ServiceConnection { name: String },
    /// A Terraform Cloud run phase (`plan` or `apply`).
    RunPhase { phase: String },
    /// A subject from a customised template that names no ref, environment or PR.
    Custom,
    /// The subject does not follow the platform's documented grammar.
    Unparsed { reason: String },
}

/// A parsed `sub` claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The subject exactly as in the token.
    pub raw: String,
    /// Which grammar matched, e.g. `github-classic`, `github-immutable`, `github-custom`,
    /// `gitlab`, `azure-devops-sc`, `azure-devops-entra`, `circleci-v1`, `circleci-v2`,
    /// `bitbucket`, `buildkite`, `buildkite-subject-claim`, `terraform-cloud-workspace`,
    /// `terraform-cloud-module`, `generic`, `unparsed`.
    pub format: &'static str,
    /// Components in subject order (values percent-decoded where the platform encodes).
    pub parts: Vec<SubjectPart>,
    pub context: SubjectContext,
    /// One sentence on what a trust rule that admits this subject admits.
    pub meaning: String,
}

/// What one claim means, and what it means for trust when it matters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClaimNote {
    pub claim: String,
    pub meaning: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<String>,
}

impl Platform {
    /// Every platform, `Generic` last.
    pub const ALL: [Platform; 8] = [
        Platform::GithubActions,
        Platform::Gitlab,
        Platform::AzureDevops,
        Platform::Circleci,
        Platform::Bitbucket,
        Platform::Buildkite,
        Platform::TerraformCloud,
        Platform::Generic,
    ];

    /// Recognise the issuing platform from `iss`, falling back to the claim set.
    ///
    /// The issuer decides when it is one a platform documents. Self-managed and
    /// self-hosted issuers (GitLab self-managed, Terraform Enterprise) can have any
    /// host, so their claim sets decide next. A token with no `iss` at all (a claim
    /// set pasted by hand) is recognised by its subject grammar as a last resort.
    pub fn detect(claims: &Claims) -> Platform {
        let subject = claims.subject();
        let known = claims
            .issuer()
            .and_then(|issuer| Self::from_issuer(issuer, subject))
            .or_else(|| Self::from_claim_set(claims));
        if let Some(platform) = known {
            return platform;
        }
        match (claims.issuer(), subject) {
            (None, Some(sub)) => Self::from_subject(sub).unwrap_or(Platform::Generic),
            // `sc://` is Azure DevOps' own scheme: no other issuer writes it, so it
            // identifies the platform even behind an issuer URL we do not know.
            (Some(_), Some(sub)) if azure_devops::is_service_connection_subject(sub) => {
                Platform::AzureDevops
            }
            _ => Platform::Generic,
        }
    }

    /// The platform whose documented issuer this is.
    fn from_issuer(issuer: &str, subject: Option<&str>) -> Option<Platform> {
        let url = IssuerUrl::parse(issuer)?;
        if github::is_issuer(&url) {
            Some(Platform::GithubActions)
        } else if gitlab::is_issuer(&url) {
            Some(Platform::Gitlab)
        } else if azure_devops::is_issuer(&url, subject) {
            Some(Platform::AzureDevops)
        } else if circleci::is_issuer(&url) {
            Some(Platform::Circleci)
        } else if bitbucket::is_issuer(&url) {
            Some(Platform::Bitbucket)
        } else if buildkite::is_issuer(&url) {
            Some(Platform::Buildkite)
        } else if terraform_cloud::is_issuer(&url) {
            Some(Platform::TerraformCloud)
        } else {
            None
        }
    }

    /// The platform whose characteristic claims the token carries. Terraform and
    /// GitLab come first: their self-hosted editions are the usual reason to get here.
    fn from_claim_set(claims: &Claims) -> Option<Platform> {
        if terraform_cloud::has_claim_set(claims) {
            Some(Platform::TerraformCloud)
        } else if gitlab::has_claim_set(claims) {
            Some(Platform::Gitlab)
        } else if circleci::has_claim_set(claims) {
            Some(Platform::Circleci)
        } else if bitbucket::has_claim_set(claims) {
            Some(Platform::Bitbucket)
        } else if buildkite::has_claim_set(claims) {
            Some(Platform::Buildkite)
        } else if github::has_claim_set(claims) {
            Some(Platform::GithubActions)
        } else {
            None
        }
    }

    /// The platform whose grammar the subject follows, for claim sets with no issuer.
    fn from_subject(sub: &str) -> Option<Platform> {
        [
            Platform::GithubActions,
            Platform::Gitlab,
            Platform::AzureDevops,
            Platform::Circleci,
            Platform::Buildkite,
            Platform::TerraformCloud,
        ]
        .into_iter()
        .find(|&platform| {
            let subject = parse_subject(platform, sub);
            // A Buildkite `--subject-claim` subject is any bare value: too weak to
            // identify the platform.
            !matches!(subject.context, SubjectContext::Unparsed { .. })
                && subject.format != buildkite::SUBJECT_CLAIM_FORMAT
        })
    }

    /// The vocabulary name (DESIGN.md), as used in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Platform::GithubActions => "github-actions",
            Platform::Gitlab => "gitlab",
            Platform::AzureDevops => "azure-devops",
            Platform::Circleci => "circleci",
            Platform::Bitbucket => "bitbucket",
            Platform::Buildkite => "buildkite",
            Platform::TerraformCloud => "terraform-cloud",
            Platform::Generic => "generic",
        }
    }

    /// The platform's name for people.
    pub fn display(self) -> &'static str {
        match self {
            Platform::GithubActions => "GitHub Actions",
            Platform::Gitlab => "GitLab CI",
            Platform::AzureDevops => "Azure DevOps",
            Platform::Circleci => "CircleCI",
            Platform::Bitbucket => "Bitbucket Pipelines",
            Platform::Buildkite => "Buildkite",
            Platform::TerraformCloud => "HCP Terraform",
            Platform::Generic => "generic OIDC",
        }
    }

    /// The platform's documentation of its OIDC token and claims.
    pub fn docs_url(self) -> Option<&'static str> {
        match self {
            Platform::GithubActions => Some(github::DOCS_URL),
            Platform::Gitlab => Some(gitlab::DOCS_URL),
            Platform::AzureDevops => Some(azure_devops::DOCS_URL),
            Platform::Circleci => Some(circleci::DOCS_URL),
            Platform::Bitbucket => Some(bitbucket::DOCS_URL),
            Platform::Buildkite => Some(buildkite::DOCS_URL),
            Platform::TerraformCloud => Some(terraform_cloud::DOCS_URL),
            Platform::Generic => None,
        }
    }

    /// What this platform's documentation says about its claims.
    fn claim_knowledge(self) -> ClaimKnowledge {
        match self {
            Platform::GithubActions => github::CLAIM_KNOWLEDGE,
            Platform::Gitlab => gitlab::CLAIM_KNOWLEDGE,
            Platform::AzureDevops => azure_devops::CLAIM_KNOWLEDGE,
            Platform::Circleci => circleci::CLAIM_KNOWLEDGE,
            Platform::Bitbucket => bitbucket::CLAIM_KNOWLEDGE,
            Platform::Buildkite => buildkite::CLAIM_KNOWLEDGE,
            Platform::TerraformCloud => terraform_cloud::CLAIM_KNOWLEDGE,
            Platform::Generic => ClaimKnowledge {
                claims: &[],
                value_trust: no_value_trust,
            },
        }
    }
}

/// Parse `sub` with the platform's grammar. Never fails: a subject that does not
/// follow the grammar comes back with `SubjectContext::Unparsed` and the reason.
pub fn parse_subject(platform: Platform, sub: &str) -> Subject {
    if sub.is_empty() {
        return Subject::unparsed(platform, sub, "the subject is empty");
    }
    // No issuer writes control characters into `sub` (git refs cannot hold them
    // either): one here means the value was altered on its way to us.
    if let Some(control) = sub.chars().find(|c| c.is_control()) {
        return Subject::unparsed(
            platform,
            sub,
            format!(
                "the subject contains the control character U+{:04X}, which no issuer writes",
                u32::from(control)
            ),
        );
    }
    match platform {
        Platform::GithubActions => github::parse_subject(sub),
        Platform::Gitlab => gitlab::parse_subject(sub),
        Platform::AzureDevops => azure_devops::parse_subject(sub),
        Platform::Circleci => circleci::parse_subject(sub),
        Platform::Bitbucket => bitbucket::parse_subject(sub),
        Platform::Buildkite => buildkite::parse_subject(sub),
        Platform::TerraformCloud => terraform_cloud::parse_subject(sub),
        Platform::Generic => Subject {
            raw: sub.to_owned(),
            format: "generic",
            parts: Vec::new(),
            context: SubjectContext::Custom,
            meaning: GENERIC_SUBJECT_MEANING.to_owned(),
        },
    }
}

/// One note per claim present in the token, in the token's claim order: what the
/// claim means and, where it matters, what it means for trust. `subject` is the
/// parsed `sub` when the caller has it; otherwise `sub` is parsed here.
pub fn claim_notes(
    platform: Platform,
    claims: &Claims,
    subject: Option<&Subject>,
) -> Vec<ClaimNote> {
    let knowledge = platform.claim_knowledge();
    claims
        .names()
        .filter_map(|name| claims.get(name).map(|value| (name, value)))
        .map(|(name, value)| {
            if name == "sub" {
                let meaning = subject.map_or_else(
                    || {
                        value
                            .as_str()
                            .map(|sub| parse_subject(platform, sub).meaning)
                    },
                    |s| Some(s.meaning.clone()),
                );
                return ClaimNote {
                    claim: name.to_owned(),
                    meaning: SUBJECT_CLAIM_MEANING.to_owned(),
                    trust: meaning,
                };
            }
            let platform_doc = knowledge.lookup(name);
            let standard_doc = STANDARD_CLAIMS.iter().find(|doc| doc.claim == name);
            let meaning = platform_doc
                .or(standard_doc)
                .map_or(UNKNOWN_CLAIM_MEANING, |doc| doc.meaning);
            let trust = (knowledge.value_trust)(name, value)
                .or_else(|| platform_doc.and_then(|doc| doc.trust))
                .or_else(|| standard_doc.and_then(|doc| doc.trust));
            ClaimNote {
                claim: name.to_owned(),
                meaning: meaning.to_owned(),
                trust: trust.map(str::to_owned),
            }
        })
        .collect()
}

/// What a subject means when the issuer is not one whose grammar we know.
const GENERIC_SUBJECT_MEANING: &str = "`sub` has no grammar known to oidc-triage: a trust rule \
     that admits it admits every token this issuer writes with the same subject";

/// The meaning of the `sub` claim itself; its trust note is the parsed subject's meaning.
const SUBJECT_CLAIM_MEANING: &str = "subject: the job's identity in the platform's grammar — \
     what a trust rule's subject condition is matched against";

/// The meaning of a claim no table knows.
const UNKNOWN_CLAIM_MEANING: &str = "platform-specific claim";

/// The registered claims (RFC 7519 §4.1), as every platform writes them. A platform
/// table may give a claim a more precise meaning; these trust notes still apply.
const STANDARD_CLAIMS: &[ClaimDoc] = &[
    ClaimDoc {
        claim: "iss",
        meaning: "issuer: who signed the token; its signing keys are found through \
                  `<iss>/.well-known/openid-configuration`",
        trust: Some(
            "the cloud's trust configuration (AWS OIDC provider, Azure credential issuer, GCP \
             issuer URI, Vault bound_issuer) must name this exact string, scheme and path included",
        ),
    },
    ClaimDoc {
        claim: "aud",
        meaning: "audience: who the token is meant for",
        trust: Some(
            "only the cloud's trust configuration checks it (AWS provider client IDs, Azure \
             credential audiences, GCP allowed audiences, Vault bound_audiences); the CI \
             platform writes whatever the job asked for",
        ),
    },
    ClaimDoc {
        claim: "exp",
        meaning: "expires at (seconds since 1970): the token is refused from this time on",
        trust: None,
    },
    ClaimDoc {
        claim: "nbf",
        meaning: "not before (seconds since 1970): the token is refused before this time",
        trust: None,
    },
    ClaimDoc {
        claim: "iat",
        meaning: "issued at (seconds since 1970)",
        trust: None,
    },
    ClaimDoc {
        claim: "jti",
        meaning: "token ID: unique to this token",
        trust: Some("ties an audit-log entry to this exact token"),
    },
];

/// What a platform's documentation says about one claim.
#[derive(Clone, Copy, Debug)]
struct ClaimDoc {
    /// The claim name; a trailing `*` matches every claim with that prefix.
    claim: &'static str,
    meaning: &'static str,
    /// What the claim means for trust whatever its value; `None` when nothing.
    trust: Option<&'static str>,
}

/// A platform's claim table, and its notes that depend on a claim's value (an
/// `event_name` of `pull_request_target`, a `self-hosted` runner…).
#[derive(Clone, Copy)]
struct ClaimKnowledge {
    claims: &'static [ClaimDoc],
    /// A trust note for this value of this claim, replacing the table's.
    value_trust: fn(&str, &Value) -> Option<&'static str>,
}

impl ClaimKnowledge {
    /// The table entry for `name`: an exact entry first, then a prefix (`name*`) entry.
    fn lookup(&self, name: &str) -> Option<&'static ClaimDoc> {
        let claims: &'static [ClaimDoc] = self.claims;
        claims.iter().find(|doc| doc.claim == name).or_else(|| {
            claims.iter().find(|doc| {
                doc.claim
                    .strip_suffix('*')
                    .is_some_and(|prefix| name.starts_with(prefix))
            })
        })
    }

    /// Whether the table documents `name` (exactly or by prefix).
    fn knows(&self, name: &str) -> bool {
        self.lookup(name).is_some()
    }
}

/// For platforms whose trust notes never depend on a value.
fn no_value_trust(_claim: &str, _value: &Value) -> Option<&'static str> {
    None
}

/// An `https://` issuer split into host and path (no trailing `/`). Hosts compare
/// case-insensitively, as DNS does; paths compare exactly.
#[derive(Clone, Copy, Debug)]
struct IssuerUrl<'a> {
    host: &'a str,
    path: &'a str,
}

impl<'a> IssuerUrl<'a> {
    fn parse(issuer: &'a str) -> Option<IssuerUrl<'a>> {
        let scheme = issuer.get(..8)?;
        if !scheme.eq_ignore_ascii_case("https://") {
            return None;
        }
        let rest = issuer.get(8..)?;
        let (host, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, ""),
        };
        if host.is_empty() {
            return None;
        }
        Some(IssuerUrl {
            host,
            path: path.trim_end_matches('/'),
        })
    }

    fn host_is(&self, host: &str) -> bool {
        self.host.eq_ignore_ascii_case(host)
    }

    /// The path's segments after the leading `/`.
    fn segments(&self) -> Vec<&'a str> {
        match self.path.strip_prefix('/') {
            Some(path) => path.split('/').collect(),
            None => Vec::new(),
        }
    }
}

impl Subject {
    /// A subject that does not follow `platform`'s grammar.
    fn unparsed(platform: Platform, raw: &str, reason: impl Into<String>) -> Subject {
        Subject {
            raw: raw.to_owned(),
            format: "unparsed",
            parts: Vec::new(),
            context: SubjectContext::Unparsed {
                reason: reason.into(),
            },
            meaning: format!(
                "`sub` does not follow the {} grammar, so what it admits is unknown: a trust \
                 rule can only match it literally",
                platform.display()
            ),
        }
    }
}

fn part(key: impl Into<String>, value: impl Into<String>) -> SubjectPart {
    SubjectPart {
        key: key.into(),
        value: value.into(),
    }
}

/// Splits a `key:value:key:value…` subject into its pairs, in order. Keys listed in
/// `valueless` stand alone (GitHub's `pull_request`) and get an empty value.
fn key_value_pairs<'s>(
    sub: &'s str,
    valueless: &[&str],
) -> Result<Vec<(&'s str, &'s str)>, String> {
    let mut tokens = sub.split(':');
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    while let Some(key) = tokens.next() {
        if key.is_empty() {
            return Err(match pairs.last() {
                None => "the subject starts with `:`".to_owned(),
                Some((previous, _)) => {
                    format!("an empty component follows `{previous}` (a stray `:`?)")
                }
            });
        }
        if valueless.contains(&key) {
            pairs.push((key, ""));
            continue;
        }
        match tokens.next() {
            Some(value) => pairs.push((key, value)),
            None if pairs.is_empty() => {
                return Err(format!("`{key}` is not a `key:value` subject"));
            }
            None => {
                return Err(format!(
                    "`{key}` has no value (an unencoded `:` inside a value, or extra text?)"
                ));
            }
        }
    }
    Ok(pairs)
}

/// Reads `k1:v1:k2:v2…` with exactly these keys in this order. Values end at the
/// next `:`, except the last, which takes the rest of the subject.
fn fixed_pairs<'s>(
    sub: &'s str,
    keys: &[&'static str],
) -> Result<Vec<(&'static str, &'s str)>, String> {
    let mut rest = sub;
    let mut pairs = Vec::with_capacity(keys.len());
    let mut previous: Option<&str> = None;
    for (index, &key) in keys.iter().enumerate() {
        let Some(after_key) = rest.strip_prefix(key).and_then(|r| r.strip_prefix(':')) else {
            return Err(match previous {
                None => format!("expected `{key}:` at the start"),
                Some(previous) => format!("expected `{key}:` after the {previous}"),
            });
        };
        if index + 1 == keys.len() {
            pairs.push((key, after_key));
        } else {
            let Some((value, next)) = after_key.split_once(':') else {
                return Err(format!("the subject ends after the {key}"));
            };
            pairs.push((key, value));
            rest = next;
        }
        previous = Some(key);
    }
    Ok(pairs)
}

/// The branch or tag a full git ref names; `None` for other refs and empty names.
fn git_ref_context(git_ref: &str) -> Option<SubjectContext> {
    if let Some(name) = git_ref.strip_prefix("refs/heads/") {
        (!name.is_empty()).then(|| SubjectContext::Branch {
            name: name.to_owned(),
        })
    } else if let Some(name) = git_ref.strip_prefix("refs/tags/") {
        (!name.is_empty()).then(|| SubjectContext::Tag {
            name: name.to_owned(),
        })
    } else {
        None
    }
}

/// Whether a string claim is present and not empty.
fn has_text(claims: &Claims, name: &str) -> bool {
    claims.str(name).is_some_and(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Claims {
        match value {
            Value::Object(map) => Claims(map),
            _ => unreachable!("test claims are objects"),
        }
    }

    #[test]
    fn names_and_display_names_follow_the_vocabulary() {
        let names: Vec<&str> = Platform::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(
            names,
            [
                "github-actions",
                "gitlab",
                "azure-devops",
                "circleci",
                "bitbucket",
                "buildkite",
                "terraform-cloud",
                "generic"
            ]
        );
        for platform in Platform::ALL {
            // The JSON name is the vocabulary name.
            assert_eq!(
                serde_json::to_value(platform).ok(),
                Some(json!(platform.name()))
            );
            assert!(!platform.display().is_empty());
            assert_eq!(platform.docs_url().is_none(), platform == Platform::Generic);
            assert!(
                platform
                    .docs_url()
                    .is_none_or(|url| url.starts_with("https://"))
            );
        }
        assert_eq!(Platform::TerraformCloud.display(), "HCP Terraform");
        assert_eq!(Platform::Generic.display(), "generic OIDC");
    }

    #[test]
    fn unknown_issuers_are_generic() {
        for value in [
            json!({}),
            json!({"iss": "https://accounts.google.com", "sub": "1234567890"}),
            json!({"iss": "not a url", "sub": "repo:o/r:pull_request"}),
            json!({"iss": 42}),
        ] {
            assert_eq!(
                Platform::detect(&claims(value.clone())),
                Platform::Generic,
                "{value}"
            );
        }
    }

    #[test]
    fn claim_sets_without_an_issuer_are_recognised_by_their_subject() {
        for (sub, platform) in [
            ("repo:o/r:ref:refs/heads/main", Platform::GithubActions),
            (
                "project_path:g/p:ref_type:branch:ref:main",
                Platform::Gitlab,
            ),
            ("sc://org/project/connection", Platform::AzureDevops),
            ("org/o/project/p/user/u", Platform::Circleci),
            (
                "organization:o:pipeline:p:ref:refs/heads/main:commit:c:step:s",
                Platform::Buildkite,
            ),
            (
                "organization:o:project:p:workspace:w:run_phase:plan",
                Platform::TerraformCloud,
            ),
            ("some-opaque-id", Platform::Generic),
        ] {
            assert_eq!(
                Platform::detect(&claims(json!({"sub": sub}))),
                platform,
                "{sub}"
            );
        }
    }

    #[test]
    fn generic_subjects_have_no_parts() {
        let s = parse_subject(Platform::Generic, "auth0|1234");
        assert_eq!(s.format, "generic");
        assert!(s.parts.is_empty());
        assert_eq!(s.context, SubjectContext::Custom);
        assert_eq!(s.meaning, GENERIC_SUBJECT_MEANING);
        let s = parse_subject(Platform::Generic, "");
        assert_eq!(s.format, "unparsed");
    }

    #[test]
    fn generic_claim_notes_cover_the_standard_claims_and_nothing_else() {
        let c = claims(json!({
            "iss": "https://idp.example", "sub": "x", "aud": ["a", "b"], "exp": 1, "nbf": 1,
            "iat": 1, "jti": "j", "email": "e@example.com"
        }));
        let notes = claim_notes(Platform::Generic, &c, None);
        let names: Vec<&str> = notes.iter().map(|n| n.claim.as_str()).collect();
        assert_eq!(
            names,
            ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "email"]
        );
        for note in &notes[..7] {
            assert_ne!(note.meaning, UNKNOWN_CLAIM_MEANING, "{}", note.claim);
        }
        assert_eq!(notes[1].trust.as_deref(), Some(GENERIC_SUBJECT_MEANING));
        assert!(
            notes[2]
                .trust
                .as_deref()
                .is_some_and(|t| t.contains("trust configuration"))
        );
        assert_eq!(notes[7].meaning, UNKNOWN_CLAIM_MEANING);
        assert_eq!(notes[7].trust, None);
    }

    #[test]
    fn every_platform_keeps_the_standard_audience_note() {
        let c = claims(json!({"aud": "x"}));
        for platform in Platform::ALL {
            let notes = claim_notes(platform, &c, None);
            assert!(
                notes[0]
                    .trust
                    .as_deref()
                    .is_some_and(|t| t.contains("trust configuration")),
                "{platform:?}"
            );
        }
    }

    #[test]
    fn claim_tables_have_no_duplicates() {
        for platform in Platform::ALL {
            let table = platform.claim_knowledge().claims;
            for (index, doc) in table.iter().enumerate() {
                assert!(
                    table[index + 1..]
                        .iter()
                        .all(|other| other.claim != doc.claim),
                    "{platform:?} documents {} twice",
                    doc.claim
                );
            }
        }
    }

    #[test]
    fn issuer_urls_split_into_host_and_path() {
        let url = IssuerUrl::parse("HTTPS://Example.com/a/b/");
        assert!(url.is_some_and(|u| u.host_is("example.com") && u.path == "/a/b"));
        assert!(IssuerUrl::parse("https://").is_none());
        assert!(IssuerUrl::parse("http://example.com").is_none());
        assert!(IssuerUrl::parse("https:/ü").is_none());
        assert!(IssuerUrl::parse("ü").is_none());
    }

    proptest! {
        #[test]
        fn parse_subject_never_panics(sub in any::<String>(), index in 0..Platform::ALL.len()) {
            let platform = Platform::ALL[index];
            let subject = parse_subject(platform, &sub);
            prop_assert_eq!(&subject.raw, &sub);
            prop_assert!(!subject.meaning.is_empty());
            if let SubjectContext::Unparsed { reason } = &subject.context {
                prop_assert!(!reason.is_empty());
                prop_assert_eq!(subject.format, "unparsed");
            }
        }

        #[test]
        fn parse_subject_never_panics_on_near_grammatical_input(
            sub in concat!(
                "(repo|project_path|organization|org|sc|ref|environment|pull_request",
                "|[:/{}@%3A ]|refs/heads/|[a-zé0-9]){0,24}"
            ),
            index in 0..Platform::ALL.len(),
        ) {
            let subject = parse_subject(Platform::ALL[index], &sub);
            prop_assert_eq!(&subject.raw, &sub);
        }

        #[test]
        fn github_branch_names_round_trip(
            owner in "[A-Za-z0-9-]{1,20}",
            repo in "[A-Za-z0-9._-]{1,20}",
            // Git forbids `:` and control characters in ref names; a literal `%3A`
            // would be read back as GitHub's encoding of `:`.
            branch in "[^:\\p{Cc}]{1,40}"
                .prop_filter("no literal %3A", |b| !b.to_ascii_lowercase().contains("%3a")),
        ) {
            let sub = format!("repo:{owner}/{repo}:ref:refs/heads/{branch}");
            let subject = parse_subject(Platform::GithubActions, &sub);
            prop_assert_eq!(subject.format, "github-classic");
            prop_assert_eq!(subject.context, SubjectContext::Branch { name: branch });
        }
    }
}
