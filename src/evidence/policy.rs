//! Trust configurations as evidence. Each cloud's configuration is recognised by
//! content and evaluated against the loaded token (or bare claims): the deciding rule
//! or condition becomes static evidence on the trust stage, a refusal becomes the
//! finding that names it, and every rule's risk is reported whether or not a token was
//! given. A GCP service account's IAM policy is evaluated with the provider's mapping
//! and placed on the role stage.

use std::sync::Arc;

use serde_json::Value;

use super::{
    ArtifactKind, EvidenceSource, Input, LoadedArtifact, Observations, Recognition, SharedFacts,
};
use super::{TrustSummary, WhatIf};
use crate::policy::ConditionCheck;
use crate::policy::aws::AwsTrustPolicy;
use crate::policy::gcp::{GcpIamPolicy, GcpProvider};
use crate::policy::review::{AdmittedContext, RuleReview};
use crate::policy::vault::VaultRole;
use crate::policy::{PolicyError, RuleFinding, TrustConfig, TrustEvaluation, review};
use crate::text::escape_control;
use crate::token::Claims;
use crate::token::platform::{Platform, SubjectContext, parse_subject};
use crate::vocabulary::{Evidence, Finding, Outcome, Stage};

type Parse = fn(&[u8]) -> Result<Box<dyn TrustConfig>, PolicyError>;

/// One cloud's trust configuration format.
pub struct TrustSource {
    kind: ArtifactKind,
    sniff: fn(&[u8]) -> bool,
    parse: Parse,
    /// Key names that identify the format when its JSON is broken (any group whose
    /// every key appears), so a truncated policy is reported with its line and column
    /// rather than as "not recognised".
    markers: &'static [&'static [&'static str]],
}

const AWS_MARKERS: &[&[&str]] = &[
    &["\"Statement\"", "\"Principal\""],
    &["\"AssumeRolePolicyDocument\""],
];
const AZURE_MARKERS: &[&[&str]] = &[
    &["\"issuer\"", "\"audiences\""],
    &["\"claimsMatchingExpression\""],
];
const VAULT_MARKERS: &[&[&str]] = &[
    &["\"bound_audiences\""],
    &["\"bound_claims\""],
    &["\"user_claim\""],
];
const GCP_MARKERS: &[&[&str]] = &[&["\"attributeMapping\""], &["\"issuerUri\""]];

/// True when the input is not valid JSON but carries a format's key names.
fn broken_but_recognisable(bytes: &[u8], markers: &[&[&str]]) -> bool {
    // A damaged JSON document still starts like one.
    if !matches!(bytes.trim_ascii_start().first(), Some(b'{' | b'[')) {
        return false;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 20)]);
    markers
        .iter()
        .any(|group| group.iter().all(|m| head.contains(m)))
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err()
}

/// The trust configuration sources, one per cloud.
pub fn trust_sources() -> Vec<TrustSource> {
    vec![
        TrustSource {
            kind: ArtifactKind::AwsTrustPolicy,
            sniff: AwsTrustPolicy::sniff,
            parse: |b| AwsTrustPolicy::parse(b).map(|p| Box::new(p) as Box<dyn TrustConfig>),
            markers: AWS_MARKERS,
        },
        TrustSource {
            kind: ArtifactKind::AzureFederatedCredential,
            sniff: crate::policy::azure::sniff,
            parse: |b| crate::policy::azure::parse(b).map(|p| Box::new(p) as Box<dyn TrustConfig>),
            markers: AZURE_MARKERS,
        },
        TrustSource {
            kind: ArtifactKind::VaultRole,
            sniff: VaultRole::sniff,
            parse: |b| VaultRole::parse(b).map(|p| Box::new(p) as Box<dyn TrustConfig>),
            markers: VAULT_MARKERS,
        },
    ]
}

/// Every trust configuration format, for `lint` (which takes no token): the evidence
/// registry loads GCP providers through [`GcpProviderSource`] instead, so they can share.
pub fn lint_sources() -> Vec<TrustSource> {
    let mut sources = trust_sources();
    sources.push(TrustSource {
        kind: ArtifactKind::GcpProvider,
        sniff: crate::policy::gcp::sniff,
        parse: |b| GcpProvider::parse(b).map(|p| Box::new(p) as Box<dyn TrustConfig>),
        markers: GCP_MARKERS,
    });
    sources
}

impl TrustSource {
    /// Parse a configuration of this kind (for `lint`, which takes no token).
    pub fn load(&self, input: &Input) -> Option<Result<Box<dyn TrustConfig>, PolicyError>> {
        let mine =
            (self.sniff)(&input.bytes) || broken_but_recognisable(&input.bytes, self.markers);
        mine.then(|| (self.parse)(&input.bytes))
    }

    pub fn kind(&self) -> ArtifactKind {
        self.kind
    }
}

impl EvidenceSource for TrustSource {
    fn kind(&self) -> ArtifactKind {
        self.kind
    }

    fn recognise_damaged(&self, input: &Input) -> Recognition {
        if !broken_but_recognisable(&input.bytes, self.markers) {
            return Recognition::NotMine;
        }
        match (self.parse)(&input.bytes) {
            Ok(config) => Recognition::Loaded(Box::new(LoadedTrust {
                kind: self.kind,
                config: Arc::from(config),
            })),
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }

    fn recognise(&self, input: &Input) -> Recognition {
        if !(self.sniff)(&input.bytes) {
            return Recognition::NotMine;
        }
        match (self.parse)(&input.bytes) {
            Ok(config) => Recognition::Loaded(Box::new(LoadedTrust {
                kind: self.kind,
                config: Arc::from(config),
            })),
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }
}

struct LoadedTrust {
    kind: ArtifactKind,
    config: Arc<dyn TrustConfig>,
}

impl LoadedArtifact for LoadedTrust {
    fn kind(&self) -> ArtifactKind {
        self.kind
    }

    fn note(&self) -> Option<String> {
        Some(escape_control(&self.config.describe()).into_owned())
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        contribute_trust(self.config.as_ref(), artifact, facts, out);
    }
}

/// GCP providers also share themselves: the service account's IAM policy needs the
/// provider's attribute mapping to know which principal the token becomes.
pub struct GcpProviderSource;

impl EvidenceSource for GcpProviderSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::GcpProvider
    }

    fn recognise_damaged(&self, input: &Input) -> Recognition {
        if !broken_but_recognisable(&input.bytes, GCP_MARKERS) {
            return Recognition::NotMine;
        }
        match GcpProvider::parse(&input.bytes) {
            Ok(provider) => Recognition::Loaded(Box::new(LoadedGcpProvider(Arc::new(provider)))),
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }

    fn recognise(&self, input: &Input) -> Recognition {
        if !crate::policy::gcp::sniff(&input.bytes) {
            return Recognition::NotMine;
        }
        match GcpProvider::parse(&input.bytes) {
            Ok(provider) => Recognition::Loaded(Box::new(LoadedGcpProvider(Arc::new(provider)))),
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }
}

struct LoadedGcpProvider(Arc<GcpProvider>);

impl LoadedArtifact for LoadedGcpProvider {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::GcpProvider
    }

    fn note(&self) -> Option<String> {
        Some(escape_control(&self.0.describe()).into_owned())
    }

    fn share(&self, artifact: &str, facts: &mut SharedFacts) {
        facts
            .gcp_providers
            .push((artifact.to_owned(), Arc::clone(&self.0)));
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        contribute_trust(self.0.as_ref(), artifact, facts, out);
    }
}

/// The claims a configuration is evaluated against: the first token's, else the first
/// bare claim set, with the artifact that carried them.
fn subject_claims(facts: &SharedFacts) -> Option<(String, Claims)> {
    facts
        .tokens
        .first()
        .map(|t| (t.artifact.clone(), t.token.claims.clone()))
        .or_else(|| facts.claims.first().cloned())
}

fn condition_rows(evaluation: &TrustEvaluation) -> Vec<ConditionCheck> {
    let decisive_locator = evaluation
        .refusal
        .as_ref()
        .map(|v| v.locator.clone())
        .or_else(|| evaluation.admitting_rule().map(|r| r.locator.clone()));
    let rules: Vec<_> = match &decisive_locator {
        Some(locator) => {
            let chosen: Vec<_> = evaluation
                .rules
                .iter()
                .filter(|r| locator.starts_with(&r.locator))
                .collect();
            if chosen.is_empty() {
                evaluation.rules.iter().collect()
            } else {
                chosen
            }
        }
        None => evaluation.rules.iter().collect(),
    };
    rules.into_iter().flat_map(|r| &r.checks).cloned().collect()
}

/// The pull request variant of a GitHub token's claims, for "would a PR get in?".
fn pull_request_variant(claims: &Claims) -> Option<(String, Claims)> {
    if Platform::detect(claims) != Platform::GithubActions {
        return None;
    }
    let subject = parse_subject(Platform::GithubActions, claims.subject()?);
    if subject.context == SubjectContext::PullRequest {
        return None;
    }
    let repo = subject
        .parts
        .iter()
        .find(|p| p.key == "repo")?
        .value
        .clone();
    let sub = format!("repo:{repo}:pull_request");
    let mut edited = claims.clone();
    for (claim, value) in [
        ("sub", sub.as_str()),
        ("event_name", "pull_request"),
        ("ref", "refs/pull/1/merge"),
    ] {
        edited
            .0
            .insert(claim.to_owned(), Value::String(value.to_owned()));
    }
    edited.0.remove("environment");
    Some((sub, edited))
}

/// A rule finding of the policy layer as a finding with its evidence: each place it
/// shows, static evidence of the finding's stage in `artifact`.
pub fn rule_finding(f: RuleFinding, artifact: &str) -> Finding {
    let stage = f.finding.stage;
    f.proofs.into_iter().fold(f.finding, |finding, p| {
        finding.with_evidence(Evidence::statics(
            stage,
            Outcome::Info,
            artifact,
            p.locator,
            p.summary,
        ))
    })
}

/// One rule's review with its findings as evidence-carrying findings (what `lint`
/// prints and writes as JSON).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReviewedRule {
    pub locator: String,
    pub label: String,
    pub subject_patterns: Vec<String>,
    /// Empty when the platform's subject grammar is not one the review models.
    pub admits: Vec<AdmittedContext>,
    pub findings: Vec<Finding>,
    /// The safer rule, when one is suggested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The review of every rule of `config`, read from `artifact`.
pub fn reviewed(config: &dyn TrustConfig, artifact: &str) -> Vec<ReviewedRule> {
    review(config)
        .into_iter()
        .map(|r: RuleReview| ReviewedRule {
            locator: r.locator,
            label: r.label,
            subject_patterns: r.subject_patterns,
            admits: r.admits,
            findings: r
                .findings
                .into_iter()
                .map(|f| rule_finding(f, artifact))
                .collect(),
            fix: r.fix,
        })
        .collect()
}

/// Evaluate one trust configuration and place what it proves.
pub fn contribute_trust(
    config: &dyn TrustConfig,
    artifact: &str,
    facts: &SharedFacts,
    out: &mut Observations,
) {
    for rule_review in review(config) {
        for finding in rule_review.findings {
            out.finding(rule_finding(finding, artifact));
        }
    }

    let Some((token_artifact, claims)) = subject_claims(facts) else {
        out.trust.get_or_insert(TrustSummary {
            evaluated: false,
            allowed: None,
            cloud: Some(config.cloud()),
            conditions: Vec::new(),
        });
        out.next(
            "the token (or its claims) of the failing run, to evaluate this trust configuration against",
            "oidc-triage decode -   # paste the token; in the job: echo the decoded claims, never the token",
        );
        return;
    };

    let evaluation = config.evaluate(&claims);
    let summary_of = |allowed: bool| {
        if allowed {
            let rule = evaluation
                .admitting_rule()
                .map(|r| r.label.clone())
                .unwrap_or_else(|| "a rule".to_owned());
            format!(
                "{} admits the token of {} ({rule})",
                config.describe(),
                escape_control(&token_artifact)
            )
        } else {
            format!(
                "{} refuses the token of {}",
                config.describe(),
                escape_control(&token_artifact)
            )
        }
    };
    match &evaluation.refusal {
        None => {
            let locator = evaluation
                .admitting_rule()
                .map(|r| r.locator.clone())
                .unwrap_or_else(|| "$".to_owned());
            out.evidence(Evidence::statics(
                Stage::Trust,
                Outcome::Pass,
                artifact,
                locator,
                summary_of(true),
            ));
        }
        Some(verdict) => {
            let mut cause = verdict.cause.clone();
            if let Some(error) = &verdict.cloud_error {
                cause.push_str(&format!(" (the cloud answers: {error})"));
            }
            let proof = Evidence::statics(
                Stage::Trust,
                Outcome::Fail,
                artifact,
                verdict.locator.clone(),
                escape_control(&verdict.cause).into_owned(),
            );
            out.finding(
                verdict
                    .rule
                    .finding(escape_control(&cause).into_owned(), verdict.fix.clone())
                    .with_evidence(proof),
            );
        }
    }

    if let Some((sub, pr)) = pull_request_variant(&claims) {
        let pr_evaluation = config.evaluate(&pr);
        let deciding = match (&pr_evaluation.refusal, pr_evaluation.admitting_rule()) {
            (Some(v), _) => v.locator.clone(),
            (None, Some(rule)) => rule.locator.clone(),
            (None, None) => "$".to_owned(),
        };
        out.what_if.push(WhatIf {
            question: format!("would a pull request run (`{sub}`) get in?"),
            claim: "sub".to_owned(),
            value: sub,
            allowed: pr_evaluation.allowed,
            deciding,
        });
    }

    if out.trust.as_ref().is_none_or(|t| !t.evaluated) {
        out.trust = Some(TrustSummary {
            evaluated: true,
            allowed: Some(evaluation.allowed),
            cloud: Some(config.cloud()),
            conditions: condition_rows(&evaluation),
        });
    }
}

/// A service account's IAM policy (GCP): does the mapped principal hold
/// `roles/iam.workloadIdentityUser`?
pub struct GcpIamPolicySource;

impl EvidenceSource for GcpIamPolicySource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::GcpIamPolicy
    }

    fn recognise(&self, input: &Input) -> Recognition {
        if !crate::policy::gcp::iam::sniff(&input.bytes) {
            return Recognition::NotMine;
        }
        match GcpIamPolicy::parse(&input.bytes) {
            Ok(policy) => Recognition::Loaded(Box::new(LoadedIamPolicy(policy))),
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }
}

struct LoadedIamPolicy(GcpIamPolicy);

impl LoadedArtifact for LoadedIamPolicy {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::GcpIamPolicy
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        let (Some((_, provider)), Some((token_artifact, claims))) =
            (facts.gcp_providers.first(), subject_claims(facts))
        else {
            out.next(
                "the workload identity provider (for its attribute mapping) and the token, to know which principal the token becomes",
                "gcloud iam workload-identity-pools providers describe PROVIDER --location=global --workload-identity-pool=POOL --format=json",
            );
            return;
        };
        let check = self.0.check(provider, &claims, artifact);
        match (&check.verdict, &check.matched_member) {
            (None, Some((locator, member))) => out.evidence(Evidence::statics(
                Stage::Role,
                Outcome::Pass,
                artifact,
                locator.clone(),
                format!(
                    "{} may impersonate the service account through {}",
                    escape_control(&check.principal),
                    escape_control(member)
                ),
            )),
            (Some(verdict), _) => {
                let proof = Evidence::statics(
                    Stage::Role,
                    Outcome::Fail,
                    artifact,
                    verdict.locator.clone(),
                    escape_control(&verdict.cause).into_owned(),
                );
                let mut cause = verdict.cause.clone();
                if let Some(error) = &verdict.cloud_error {
                    cause.push_str(&format!(" (the cloud answers: {error})"));
                }
                out.finding(
                    verdict
                        .rule
                        .finding(escape_control(&cause).into_owned(), verdict.fix.clone())
                        .with_evidence(proof),
                );
            }
            (None, None) => out.evidence(Evidence::statics(
                Stage::Role,
                Outcome::Info,
                artifact,
                "$.bindings",
                format!(
                    "the token of {} maps to {}",
                    escape_control(&token_artifact),
                    escape_control(&check.principal)
                ),
            )),
        }
    }
}
