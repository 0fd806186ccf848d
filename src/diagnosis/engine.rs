//! The engine: recognise inputs, let artifacts share facts, fix the clock, collect
//! evidence, then compute each stage's status and `stopped_at` (docs/design.md "Stage
//! status"): runtime beats static, the latest attempt decides, a silent stage before
//! a passed one is implied, stages after a failure are not reached.

use std::borrow::Borrow;
use std::sync::Arc;

use super::catalog::{ROLE_RUNTIME_DISAGREES, TRUST_RUNTIME_DISAGREES};
use super::{DIAGNOSIS_SCHEMA, Diagnosis, TrustSummary};
use crate::clock::{Clock, ClockSource, format_utc};
use crate::evidence::{ArtifactKind, Input, Observations, SharedFacts, recognise, sources};
use crate::text::escape_control;
use crate::token::{Cloud, Jwks};
use crate::vocabulary::{
    Basis, Evidence, Health, Outcome, Risk, Severity, Stage, StageReport, StageStatus,
};

/// Settings of one diagnosis, already validated (the CLI's flags become this).
#[derive(Clone, Debug)]
pub struct DiagnoseOptions {
    /// `--now`: fixes the clock.
    pub now: Option<i64>,
    /// Allowed clock skew, seconds (default 60).
    pub skew: i64,
    /// `--jwks FILE`, with the name to cite.
    pub jwks: Option<(String, Arc<Jwks>)>,
    /// `--role`, `--subject`, `--since`, `--until`.
    pub filters: crate::evidence::Filters,
    /// What-if: claims changed in every token and claim set before trust is evaluated
    /// (the token stage still judges the token as issued).
    pub claim_edits: Vec<super::ClaimEdit>,
}

impl Default for DiagnoseOptions {
    fn default() -> DiagnoseOptions {
        DiagnoseOptions {
            now: None,
            skew: 60,
            jwks: None,
            filters: crate::evidence::Filters::default(),
            claim_edits: Vec::new(),
        }
    }
}

/// Diagnose a set of inputs.
pub fn diagnose_inputs<I: Borrow<Input>>(inputs: &[I], options: &DiagnoseOptions) -> Diagnosis {
    diagnose(inputs, options, Clock::wall)
}

/// Diagnose with an injectable wall clock (tests, replays).
pub fn diagnose<I: Borrow<Input>>(
    inputs: &[I],
    options: &DiagnoseOptions,
    wall_clock: impl FnOnce() -> Clock,
) -> Diagnosis {
    let sources = sources();
    let recognised: Vec<_> = inputs
        .iter()
        .map(|input| recognise(input.borrow(), &sources))
        .collect();

    let mut facts = SharedFacts {
        tokens: Vec::new(),
        claims: Vec::new(),
        jwks: options
            .jwks
            .iter()
            .map(|(name, jwks)| (format!("--jwks {name}"), Arc::clone(jwks)))
            .collect(),
        event_times: Vec::new(),
        gcp_providers: Vec::new(),
        filters: options.filters.clone(),
        clock: Clock::fixed(0),
        skew: options.skew,
    };
    // Tokens, claims and keys share first, whatever the input order: logs and exports
    // correlate their events with them when they share.
    let primary = |kind: ArtifactKind| {
        matches!(
            kind,
            ArtifactKind::Token | ArtifactKind::Claims | ArtifactKind::Jwks
        )
    };
    for first in [true, false] {
        for r in recognised
            .iter()
            .filter(|r| primary(r.summary.kind) == first)
        {
            if let Some(loaded) = &r.loaded {
                loaded.share(&r.summary.name, &mut facts);
            }
        }
    }
    apply_claim_edits(&mut facts, &options.claim_edits);
    facts.clock = match (options.now, facts.event_times.iter().max()) {
        (Some(now), _) => Clock::fixed(now),
        (None, Some(&event)) => Clock {
            now: event,
            source: ClockSource::Event,
        },
        (None, None) => wall_clock(),
    };

    let mut out = Observations::default();
    for r in &recognised {
        if let Some(loaded) = &r.loaded {
            loaded.contribute(&r.summary.name, &facts, &mut out);
        }
    }

    let artifacts = recognised.into_iter().map(|r| r.summary).collect();
    let mut diagnosis = finish(out, artifacts, facts.clock);
    if !options.claim_edits.is_empty() {
        let edits: Vec<String> = options
            .claim_edits
            .iter()
            .map(|e| match &e.value {
                Some(v) => format!("{} = {}", e.claim, crate::token::claims::display_value(v)),
                None => format!("{} removed", e.claim),
            })
            .collect();
        diagnosis.summary = format!("what-if ({}): {}", edits.join(", "), diagnosis.summary);
        diagnosis.edits = options.claim_edits.clone();
    }
    diagnosis
}

/// Change the claims every later artifact sees: trust policies evaluate the edited
/// claims, while the token's own evidence (signature, times) stays as issued.
fn apply_claim_edits(facts: &mut SharedFacts, edits: &[super::ClaimEdit]) {
    if edits.is_empty() {
        return;
    }
    let apply = |claims: &mut crate::token::claims::Claims| {
        for edit in edits {
            match &edit.value {
                Some(v) => {
                    claims.0.insert(edit.claim.clone(), v.clone());
                }
                None => {
                    claims.0.remove(&edit.claim);
                }
            }
        }
    };
    for shared in &mut facts.tokens {
        let mut token = (*shared.token).clone();
        apply(&mut token.claims);
        shared.token = Arc::new(token);
    }
    for (_, claims) in &mut facts.claims {
        apply(claims);
    }
}

/// What runtime evidence of one stage says: an untimed failure is a property of an
/// artifact (a bad signature) and always counts; timed evidence records attempts, of
/// which the latest decides.
fn runtime_verdict(items: &[&Evidence]) -> Option<Outcome> {
    let decisive: Vec<&&Evidence> = items
        .iter()
        .filter(|e| e.basis == Basis::Runtime && e.outcome != Outcome::Info)
        .collect();
    if decisive.is_empty() {
        return None;
    }
    if decisive
        .iter()
        .any(|e| e.time.is_none() && e.outcome == Outcome::Fail)
    {
        return Some(Outcome::Fail);
    }
    let latest_time = decisive.iter().filter_map(|e| e.time).max();
    if let Some(t) = latest_time {
        let at_latest = decisive.iter().filter(|e| e.time == Some(t));
        // Several events at the same second: a failure among them is not superseded.
        return Some(if at_latest.clone().any(|e| e.outcome == Outcome::Fail) {
            Outcome::Fail
        } else {
            Outcome::Pass
        });
    }
    Some(Outcome::Pass)
}

fn static_verdict(items: &[&Evidence]) -> Option<Outcome> {
    let decisive: Vec<&&Evidence> = items
        .iter()
        .filter(|e| e.basis == Basis::Static && e.outcome != Outcome::Info)
        .collect();
    if decisive.is_empty() {
        None
    } else if decisive.iter().any(|e| e.outcome == Outcome::Fail) {
        Some(Outcome::Fail)
    } else {
        Some(Outcome::Pass)
    }
}

/// Each stage's status from its own evidence: runtime beats static, and a disagreement
/// between them on the trust or role stage is a finding of its own.
fn stage_verdicts(out: &mut Observations) -> [StageStatus; 5] {
    let mut statuses = [StageStatus::NoEvidence; 5];
    let mut disagreements = Vec::new();
    for stage in Stage::ALL {
        let items: Vec<&Evidence> = out.evidence.iter().filter(|e| e.stage == stage).collect();
        let runtime = runtime_verdict(&items);
        let predicted = static_verdict(&items);
        if let (Some(r), Some(s)) = (runtime, predicted)
            && r != s
        {
            let rule = match stage {
                Stage::Role => Some(ROLE_RUNTIME_DISAGREES),
                Stage::Trust => Some(TRUST_RUNTIME_DISAGREES),
                _ => None,
            };
            if let Some(rule) = rule {
                let variant = match r {
                    Outcome::Fail => "refused-at-runtime",
                    _ => "succeeded-at-runtime",
                };
                let proof = items
                    .iter()
                    .find(|e| e.basis == Basis::Runtime && e.outcome == r)
                    .map(|e| (*e).clone());
                let mut finding = rule.reason().cause(variant).finding();
                if let Some(p) = proof {
                    finding = finding.with_evidence(p);
                }
                disagreements.push(finding);
            }
        }
        statuses[stage.index()] = status_of(runtime.or(predicted));
    }

    out.findings.extend(disagreements);
    statuses
}

/// A silent stage before a stage that passed is implied by it (never after a failure).
fn infer_silent_stages(out: &mut Observations, statuses: &mut [StageStatus; 5]) {
    let mut inferred = Vec::new();
    for stage in Stage::ALL {
        if statuses[stage.index()] != StageStatus::NoEvidence {
            continue;
        }
        let later_pass = Stage::ALL[stage.index() + 1..]
            .iter()
            .find(|s| statuses[s.index()] == StageStatus::Passed);
        let first_failed = Stage::ALL
            .iter()
            .position(|s| statuses[s.index()] == StageStatus::Failed);
        let before_failure = first_failed.is_none_or(|f| stage.index() < f);
        if let Some(later) = later_pass
            && before_failure
            && let Some(proof) = out
                .evidence
                .iter()
                .find(|e| e.stage == *later && e.outcome == Outcome::Pass)
        {
            inferred.push(Evidence {
                stage,
                outcome: Outcome::Pass,
                artifact: proof.artifact.clone(),
                locator: proof.locator.clone(),
                summary: format!(
                    "implied by the {} stage passing ({} {})",
                    later.name(),
                    escape_control(&proof.artifact),
                    proof.locator
                ),
                basis: Basis::Inferred,
                time: proof.time,
            });
            statuses[stage.index()] = StageStatus::Passed;
        }
    }
    out.evidence.extend(inferred);
}

fn status_of(outcome: Option<Outcome>) -> StageStatus {
    match outcome {
        Some(Outcome::Pass) => StageStatus::Passed,
        Some(Outcome::Fail) => StageStatus::Failed,
        _ => StageStatus::NoEvidence,
    }
}

/// Compute the verdicts from collected observations.
pub(crate) fn finish(
    mut out: Observations,
    artifacts: Vec<crate::evidence::ArtifactSummary>,
    clock: Clock,
) -> Diagnosis {
    let mut statuses = stage_verdicts(&mut out);
    infer_silent_stages(&mut out, &mut statuses);

    if let Some(first) = statuses.iter().position(|s| *s == StageStatus::Failed) {
        for status in statuses.iter_mut().skip(first + 1) {
            if *status == StageStatus::NoEvidence {
                *status = StageStatus::NotReached;
            }
        }
    }
    let stopped_at = statuses
        .iter()
        .position(|s| *s == StageStatus::Failed)
        .or_else(|| statuses.iter().position(|s| *s != StageStatus::Passed))
        .map(|i| Stage::ALL[i]);

    let stages = Stage::ALL
        .iter()
        .map(|&stage| StageReport {
            stage,
            status: statuses[stage.index()],
            evidence: out
                .evidence
                .iter()
                .filter(|e| e.stage == stage)
                .cloned()
                .collect(),
        })
        .collect::<Vec<_>>();

    out.findings
        .sort_by_key(|f| (f.severity, std::cmp::Reverse(f.risk), f.stage));
    add_default_next_evidence(&mut out, &stages, stopped_at);
    let summary = summarise(stopped_at, &stages, &out, &artifacts);
    let max_risk = out.findings.iter().filter_map(|f| f.risk).max();
    let failed = stages.iter().any(|s| s.status == StageStatus::Failed);
    Diagnosis {
        schema: DIAGNOSIS_SCHEMA,
        stopped_at,
        stages,
        health: Health::of(failed, stopped_at.is_none(), max_risk),
        max_risk,
        findings: out.findings,
        trust: out.trust.unwrap_or_else(TrustSummary::not_evaluated),
        next_evidence: out.next_evidence,
        what_if: out.what_if,
        artifacts,
        clock,
        summary,
        edits: Vec::new(),
        tokens: out.tokens,
    }
}

/// What to collect when evidence stops for lack of it. Sources add specific commands
/// (filled with the role, subject, time); these are the generic ones per stage.
fn add_default_next_evidence(
    out: &mut Observations,
    stages: &[StageReport],
    stopped_at: Option<Stage>,
) {
    let Some(stop) = stopped_at else { return };
    if stages[stop.index()].status != StageStatus::NoEvidence {
        return;
    }
    match stop {
        Stage::Workflow => out.next(
            "the failing job's log and the workflow file (does the job have `permissions: id-token: write`, or GitLab `id_tokens:`?)",
            "gh run view RUN_ID --log-failed",
        ),
        Stage::Token => out.next(
            "the token the job received: print its claims (never the token itself) or decode it with `oidc-triage decode -`",
            "gh run view RUN_ID --log | grep -i 'token'",
        ),
        Stage::Trust => {
            out.next("AWS: the role's trust policy", "aws iam get-role --role-name ROLE");
            out.next("Azure: the app's federated identity credentials", "az ad app federated-credential list --id APP_ID");
            out.next(
                "GCP: the workload identity pool provider",
                "gcloud iam workload-identity-pools providers describe PROVIDER --location=global --workload-identity-pool=POOL --format=json",
            );
            out.next("Vault: the JWT auth role", "vault read -format=json auth/jwt/role/ROLE");
        }
        Stage::Role | Stage::Audit => {
            let cloud = out.trust.as_ref().and_then(|t| t.cloud);
            let wanted = |c: Cloud| cloud.is_none_or(|known| known == c);
            let role = stop == Stage::Role;
            if wanted(Cloud::Aws) {
                if role {
                    out.next(
                        "AWS: CloudTrail's record of the exchange (AssumeRoleWithWebIdentity; key-fetch failures are not recorded)",
                        "aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRoleWithWebIdentity --max-results 50",
                    );
                } else {
                    out.next(
                        "AWS: the deploy's calls made with the assumed-role session",
                        "aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=SESSION_NAME",
                    );
                }
            }
            if wanted(Cloud::Azure) {
                if role {
                    out.next(
                        "Azure: the service principal's sign-ins",
                        "AADServicePrincipalSignInLogs | where AppId == \"APP_ID\" | project TimeGenerated, ResultType, ResultDescription, FederatedCredentialId",
                    );
                } else {
                    out.next("Azure: the deploy's calls in the activity log", "az monitor activity-log list --caller APP_ID --offset 1d");
                }
            }
            if wanted(Cloud::Gcp) {
                if role {
                    out.next(
                        "GCP: the token exchange and the impersonation (Data Access audit logs for IAM and STS)",
                        "gcloud logging read 'protoPayload.serviceName=(\"sts.googleapis.com\" OR \"iamcredentials.googleapis.com\")' --freshness=1d --format=json",
                    );
                } else {
                    out.next(
                        "GCP: the deploy's calls by the service account",
                        "gcloud logging read 'protoPayload.authenticationInfo.principalEmail=\"SERVICE_ACCOUNT_EMAIL\"' --freshness=1d --format=json",
                    );
                }
            }
            if wanted(Cloud::Vault) {
                out.next(
                    "Vault: the audit device's record of the JWT login and the secrets read with its token",
                    "vault audit list -detailed   # then search the audit log for auth/jwt/login",
                );
            }
        }
    }
}

fn summarise(
    stopped_at: Option<Stage>,
    stages: &[StageReport],
    out: &Observations,
    artifacts: &[crate::evidence::ArtifactSummary],
) -> String {
    if !artifacts
        .iter()
        .any(crate::evidence::ArtifactSummary::usable)
    {
        return "no usable input: nothing recognised as evidence".to_owned();
    }
    let Some(stop) = stopped_at else {
        return format!("all five stages passed{}", risk_clause(out));
    };
    let status = stages[stop.index()].status;
    let lead = out
        .findings
        .iter()
        .find(|f| f.stage == stop && f.severity == Severity::Error)
        .map(|f| format!(": {}", f.title))
        .unwrap_or_default();
    match status {
        StageStatus::Failed => format!("evidence stops at {} — failed{lead}", stop.name()),
        _ => format!(
            "evidence stops at {} — {}{}",
            stop.name(),
            status.label(),
            risk_clause(out)
        ),
    }
}

/// On a path that did not fail, the riskiest medium or high finding, so a path that
/// works too well never reads as plainly healthy: " — but pull requests can match
/// (risk high)".
fn risk_clause(out: &Observations) -> String {
    let riskiest = out
        .findings
        .iter()
        .filter(|f| f.risk >= Some(Risk::Medium))
        .max_by_key(|f| f.risk);
    let Some(f) = riskiest else {
        return String::new();
    };
    // "Pull requests can match" reads on as "pull requests can match"; a first word
    // with capitals inside (`ForAllValues`, `HCP`) is a name and keeps them.
    let mut title = f.title.to_owned();
    let first_word = title.split(' ').next().unwrap_or_default();
    if first_word.chars().skip(1).all(|c| !c.is_uppercase())
        && let Some(first) = title.get(..1)
    {
        title = first.to_lowercase() + &title[1..];
    }
    format!(
        " — but {title} (risk {})",
        f.risk.map_or("none", Risk::name)
    )
}

/// The instant as people read it, for reports.
pub fn describe_clock(clock: &Clock) -> String {
    let source = match clock.source {
        ClockSource::Flag => "--now",
        ClockSource::Event => "the latest runtime event",
        ClockSource::WallClock => "this machine's clock",
    };
    format!("{} ({source})", format_utc(clock.now))
}

#[cfg(test)]
mod tests;
