//! GCP workload identity federation: a workload identity pool provider (the JSON of
//! `gcloud iam workload-identity-pools providers describe --format=json`, resource
//! <https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers>)
//! evaluated against a token the way the Security Token Service admits it: the
//! provider must be enabled, `iss` must equal `oidc.issuerUri`, an `aud` must be in
//! `oidc.allowedAudiences` (or, when that is empty, be the provider's own resource
//! name), the attribute mapping (CEL over `assertion`) must give a `google.subject`
//! of at most 127 bytes, and the attribute condition (CEL over `assertion`, `google`,
//! `attribute`) must be true
//! (<https://cloud.google.com/iam/docs/workload-identity-federation#mapping> ,
//! <https://cloud.google.com/iam/docs/workload-identity-federation#conditions>). The CEL
//! environment, with GCP's `extract()`, is in `cel`; the service account's IAM policy
//! (who may impersonate it, the role stage) is in `iam`.
//!
//! Error texts are google-github-actions/auth's wrappers around the STS answers
//! (`src/client/workload_identity_federation.ts`, `docs/TROUBLESHOOTING.md`).

mod cel;
pub mod iam;

use std::collections::BTreeMap;

use serde_json::Value;

use self::cel::{Bindings, CompareKind, Compiled, Path, Worker};
use super::budget::{self, Exceeded};
use super::glob::Dialect;
use super::near_miss::{NearMiss, nearest};
use super::{
    ConditionCheck, Effect, PolicyError, RuleEvaluation, TrustConfig, TrustEvaluation, Verdict,
};
use crate::token::{Claims, Cloud};
use crate::vocabulary::catalog::{
    Rule, TRUST_GCP_AUDIENCE_MISMATCH, TRUST_GCP_CONDITION_REJECTED, TRUST_GCP_ISSUER_MISMATCH,
    TRUST_GCP_MAPPING_FAILED, TRUST_GCP_PROVIDER_DISABLED, TRUST_GCP_SUBJECT_TOO_LONG,
};

pub use iam::{GcpIamPolicy, IamCheck};

const WHAT: &str = "GCP workload identity pool provider";

/// `google.subject` may not exceed 127 bytes (attributeMapping in the REST reference;
/// google-github-actions/auth TROUBLESHOOTING "Subject exceeds the 127 byte limit").
pub const SUBJECT_LIMIT: usize = 127;

/// The parts of a provider's resource name
/// `projects/<NUMBER>/locations/<LOCATION>/workloadIdentityPools/<POOL>/providers/<PROVIDER>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderName {
    /// The project number (the API names providers by number, never by project ID).
    pub project: String,
    pub location: String,
    pub pool: String,
    pub provider: String,
}

impl ProviderName {
    /// Parse a resource name, or a name inside an audience (`//iam.googleapis.com/…`);
    /// `provider` is empty when the name stops at the pool.
    fn parse(name: &str) -> Option<ProviderName> {
        let parts: Vec<&str> = name.split('/').collect();
        match parts.as_slice() {
            [
                "projects",
                project,
                "locations",
                location,
                "workloadIdentityPools",
                pool,
                "providers",
                provider,
            ] => Some(ProviderName {
                project: (*project).to_owned(),
                location: (*location).to_owned(),
                pool: (*pool).to_owned(),
                provider: (*provider).to_owned(),
            }),
            [
                "projects",
                project,
                "locations",
                location,
                "workloadIdentityPools",
                pool,
            ] => Some(ProviderName {
                project: (*project).to_owned(),
                location: (*location).to_owned(),
                pool: (*pool).to_owned(),
                provider: String::new(),
            }),
            _ => None,
        }
    }

    fn pool_resource(&self) -> String {
        format!(
            "projects/{}/locations/{}/workloadIdentityPools/{}",
            self.project, self.location, self.pool
        )
    }

    fn resource(&self) -> String {
        format!("{}/providers/{}", self.pool_resource(), self.provider)
    }
}

/// Which Google attribute a mapping sets.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Subject,
    Groups,
    Attribute(String),
}

#[derive(Clone, Debug)]
struct Mapping {
    /// As written: `google.subject`, `attribute.repository`.
    key: String,
    target: Target,
    expression: Compiled,
}

impl Mapping {
    fn locator(&self) -> String {
        format!(
            "$.attributeMapping[{}]",
            serde_json::Value::String(self.key.clone())
        )
    }
}

/// What the attribute mapping gives for one token (the values IAM principals are made
/// of).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappedAttributes {
    /// `google.subject`.
    pub subject: String,
    /// `google.groups`.
    pub groups: Vec<String>,
    /// Custom attributes by name (`repository` for `attribute.repository`).
    pub attributes: BTreeMap<String, String>,
}

/// A workload identity pool provider.
#[derive(Clone, Debug)]
pub struct GcpProvider {
    name: Option<ProviderName>,
    display_name: Option<String>,
    state: Option<String>,
    disabled: bool,
    issuer_uri: String,
    allowed_audiences: Vec<String>,
    /// Whether `$.oidc.allowedAudiences` is in the document (for locators).
    audiences_written: bool,
    jwks_json: Option<String>,
    mappings: Vec<Mapping>,
    condition: Option<Compiled>,
}

/// Recognise the provider JSON: a provider resource name, an `oidc.issuerUri`, or an
/// attribute mapping with `google.subject`. No other cloud's document, JWKS or claim
/// set has these camel-case keys.
pub fn sniff(bytes: &[u8]) -> bool {
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return false;
    }
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return false;
    };
    let provider_name = map
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| n.contains("/workloadIdentityPools/") && n.contains("/providers/"));
    let oidc = map
        .get("oidc")
        .and_then(Value::as_object)
        .is_some_and(|o| o.contains_key("issuerUri"));
    let mapping = map
        .get("attributeMapping")
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key("google.subject"));
    provider_name || oidc || mapping
}

/// Parse the provider JSON, compiling every CEL expression.
pub fn parse(bytes: &[u8]) -> Result<GcpProvider, PolicyError> {
    GcpProvider::parse(bytes)
}

fn string_field(
    object: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, PolicyError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(PolicyError::field(
            WHAT,
            path,
            format!(
                "expected a string, found {}",
                crate::token::claims::json_type_name(other)
            ),
        )),
    }
}

fn expression_error(field: String, e: cel::CompileError) -> PolicyError {
    PolicyError::Expression {
        what: WHAT,
        field,
        offset: e.offset,
        message: e.message,
    }
}

impl GcpProvider {
    /// Parse the provider JSON, compiling every CEL expression: one that does not
    /// compile is a [`PolicyError::Expression`] naming its field.
    pub fn parse(bytes: &[u8]) -> Result<GcpProvider, PolicyError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| PolicyError::json(WHAT, &e))?;
        let Value::Object(root) = value else {
            return Err(PolicyError::field(
                WHAT,
                "$",
                "expected a JSON object (the output of `gcloud iam workload-identity-pools providers describe --format=json`)",
            ));
        };
        let name = match string_field(&root, "name", "$.name")? {
            Some(n) => Some(ProviderName::parse(&n).filter(|p| !p.provider.is_empty()).ok_or_else(|| {
                PolicyError::field(WHAT, "$.name", format!("`{n}` is not a provider name (projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER)"))
            })?),
            None => None,
        };
        let disabled = match root.get("disabled") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(PolicyError::field(
                    WHAT,
                    "$.disabled",
                    format!(
                        "expected a boolean, found {}",
                        crate::token::claims::json_type_name(other)
                    ),
                ));
            }
        };
        let oidc = match root.get("oidc") {
            Some(Value::Object(o)) => o,
            Some(other) => {
                return Err(PolicyError::field(
                    WHAT,
                    "$.oidc",
                    format!(
                        "expected an object, found {}",
                        crate::token::claims::json_type_name(other)
                    ),
                ));
            }
            None => {
                let kind = ["aws", "saml", "x509"]
                    .into_iter()
                    .find(|k| root.contains_key(*k));
                let message = match kind {
                    Some(k) => format!(
                        "missing: this is an `{k}` provider, which accepts no CI/CD OIDC tokens; use the pool's OIDC provider"
                    ),
                    None => {
                        "missing: an OIDC provider has an `oidc` object with `issuerUri`".to_owned()
                    }
                };
                return Err(PolicyError::field(WHAT, "$.oidc", message));
            }
        };
        let issuer_uri = string_field(oidc, "issuerUri", "$.oidc.issuerUri")?.ok_or_else(|| {
            PolicyError::field(
                WHAT,
                "$.oidc.issuerUri",
                "missing: the issuer the provider trusts",
            )
        })?;
        let (allowed_audiences, audiences_written) = match oidc.get("allowedAudiences") {
            None | Some(Value::Null) => (Vec::new(), false),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        other => {
                            return Err(PolicyError::field(
                                WHAT,
                                format!("$.oidc.allowedAudiences[{i}]"),
                                format!(
                                    "expected a string, found {}",
                                    crate::token::claims::json_type_name(other)
                                ),
                            ));
                        }
                    }
                }
                (out, true)
            }
            Some(other) => {
                return Err(PolicyError::field(
                    WHAT,
                    "$.oidc.allowedAudiences",
                    format!(
                        "expected an array of strings, found {}",
                        crate::token::claims::json_type_name(other)
                    ),
                ));
            }
        };
        let jwks_json = string_field(oidc, "jwksJson", "$.oidc.jwksJson")?;
        let mut mappings = Vec::new();
        match root.get("attributeMapping") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    let field = format!("$.attributeMapping[{}]", Value::String(key.clone()));
                    let Value::String(source) = value else {
                        return Err(PolicyError::field(
                            WHAT,
                            field,
                            format!(
                                "expected a CEL expression as a string, found {}",
                                crate::token::claims::json_type_name(value)
                            ),
                        ));
                    };
                    let target = match key.as_str() {
                        "google.subject" => Target::Subject,
                        "google.groups" => Target::Groups,
                        other => match other.strip_prefix("attribute.") {
                            // Keys are `attribute.` + at most 100 of [a-z0-9_] (REST reference).
                            Some(name)
                                if !name.is_empty()
                                    && name.len() <= 100
                                    && name.bytes().all(|b| {
                                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
                                    }) =>
                            {
                                Target::Attribute(name.to_owned())
                            }
                            _ => {
                                return Err(PolicyError::field(
                                    WHAT,
                                    field,
                                    format!(
                                        "`{key}` is not a mapping key: use `google.subject`, `google.groups` or `attribute.NAME` (NAME of [a-z0-9_], at most 100 characters)"
                                    ),
                                ));
                            }
                        },
                    };
                    let expression = cel::compile(source, cel::MAPPING_VARIABLES)
                        .map_err(|e| expression_error(field, e))?;
                    mappings.push(Mapping {
                        key: key.clone(),
                        target,
                        expression,
                    });
                }
            }
            Some(other) => {
                return Err(PolicyError::field(
                    WHAT,
                    "$.attributeMapping",
                    format!(
                        "expected an object, found {}",
                        crate::token::claims::json_type_name(other)
                    ),
                ));
            }
        }
        let condition = match string_field(&root, "attributeCondition", "$.attributeCondition")? {
            Some(source) if !source.trim().is_empty() => Some(
                cel::compile(&source, cel::CONDITION_VARIABLES)
                    .map_err(|e| expression_error("$.attributeCondition".to_owned(), e))?,
            ),
            _ => None,
        };
        Ok(GcpProvider {
            name,
            display_name: string_field(&root, "displayName", "$.displayName")?,
            state: string_field(&root, "state", "$.state")?,
            disabled,
            issuer_uri,
            allowed_audiences,
            audiences_written,
            jwks_json,
            mappings,
            condition,
        })
    }

    /// The provider's resource name (`projects/N/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`).
    pub fn resource_name(&self) -> Option<String> {
        self.name.as_ref().map(ProviderName::resource)
    }

    /// The pool's resource name (`projects/N/locations/global/workloadIdentityPools/POOL`),
    /// the stem of every principal the provider's tokens map to.
    pub fn pool_resource(&self) -> Option<String> {
        self.name.as_ref().map(ProviderName::pool_resource)
    }

    /// The parsed resource name.
    pub fn name(&self) -> Option<&ProviderName> {
        self.name.as_ref()
    }

    /// `oidc.issuerUri`.
    pub fn issuer_uri(&self) -> &str {
        &self.issuer_uri
    }

    /// `oidc.jwksJson`, when the provider carries its keys inline.
    pub fn jwks_json(&self) -> Option<&str> {
        self.jwks_json.as_deref()
    }

    /// The attribute condition as written, if there is one.
    pub fn attribute_condition(&self) -> Option<&str> {
        self.condition.as_ref().map(|c| c.source.as_str())
    }

    /// The audience google-github-actions/auth asks GitHub for: `https://iam.googleapis.com/<name>`.
    fn default_audiences(&self) -> Vec<String> {
        self.resource_name()
            .map(|n| {
                vec![
                    format!("https://iam.googleapis.com/{n}"),
                    format!("//iam.googleapis.com/{n}"),
                ]
            })
            .unwrap_or_default()
    }

    /// `Failed to generate Google Cloud federated token for //iam.googleapis.com/<name>: `
    /// (google-github-actions/auth `src/client/workload_identity_federation.ts`).
    fn sts_prefix(&self) -> String {
        let name = self.resource_name().unwrap_or_else(|| "projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER".to_owned());
        format!("Failed to generate Google Cloud federated token for //iam.googleapis.com/{name}: ")
    }

    /// The `gcloud … update-oidc` command stem for this provider.
    fn update_command(&self) -> String {
        match &self.name {
            Some(n) => format!("gcloud iam workload-identity-pools providers update-oidc {} --project={} --location={} --workload-identity-pool={}", n.provider, n.project, n.location, n.pool),
            None => "gcloud iam workload-identity-pools providers update-oidc PROVIDER --project=PROJECT_NUMBER --location=global --workload-identity-pool=POOL".to_owned(),
        }
    }

    fn label(&self) -> String {
        match (&self.name, &self.display_name) {
            (Some(n), _) => format!(
                "provider {} (pool {}, project {})",
                n.provider, n.pool, n.project
            ),
            (None, Some(d)) => format!("provider {d}"),
            (None, None) => "the provider".to_owned(),
        }
    }

    /// The expressions with where they are and how to name them.
    fn expressions(&self) -> impl Iterator<Item = (String, String, &Compiled)> {
        self.mappings
            .iter()
            .map(|m| {
                (
                    m.locator(),
                    format!("the attribute mapping `{}`", m.key),
                    &m.expression,
                )
            })
            .chain(self.condition.iter().map(|c| {
                (
                    "$.attributeCondition".to_owned(),
                    "the attribute condition".to_owned(),
                    c,
                )
            }))
    }

    /// Evaluate every expression for these claims, on one worker, within the budgets
    /// (`budget::CEL_*`): an expression over one is not evaluated.
    fn run(&self, claims: &Claims) -> Run {
        let assertion = Value::Object(claims.0.clone());
        for (locator, what, compiled) in self.expressions() {
            if let Some(o) = compiled.over_budget(&assertion) {
                return self.not_run(Exceeded::new(what, o.size, o.unit, o.limit, locator));
            }
        }
        let provider = self.clone();
        match cel::on_worker_within(budget::CEL_TIME, move || provider.run_here(&assertion)) {
            Worker::Done(run) => run,
            Worker::TimedOut => self.not_run(Exceeded::new(
                "evaluating the provider's expressions",
                budget::CEL_TIME.as_secs(),
                "seconds",
                budget::CEL_TIME.as_secs(),
                "$",
            )),
            Worker::Failed => {
                let failed = "the CEL interpreter failed on this expression".to_owned();
                Run {
                    mapped: self.mappings.iter().map(|_| Err(failed.clone())).collect(),
                    condition: self.condition.as_ref().map(|_| Err(failed.clone())),
                    operands: Vec::new(),
                    budget: None,
                }
            }
        }
    }

    /// The run that did not happen because of a budget.
    fn not_run(&self, exceeded: Exceeded) -> Run {
        let skipped = "not evaluated: over an evaluation budget".to_owned();
        Run {
            mapped: self.mappings.iter().map(|_| Err(skipped.clone())).collect(),
            condition: None,
            operands: Vec::new(),
            budget: Some(exceeded),
        }
    }

    /// The evaluation itself (on the worker).
    fn run_here(&self, assertion: &Value) -> Run {
        let mut bindings = Bindings {
            assertion: cel::from_json(assertion),
            google: None,
            attribute: None,
        };
        let mapped: Vec<Result<Value, String>> = self
            .mappings
            .iter()
            .map(|m| m.expression.evaluate(&bindings).map(|v| cel::to_json(&v)))
            .collect();
        let mut google = Vec::new();
        let mut attribute = Vec::new();
        for (m, result) in self.mappings.iter().zip(&mapped) {
            let Ok(value) = result else { continue };
            match &m.target {
                Target::Subject => google.push(("subject".to_owned(), cel::from_json(value))),
                Target::Groups => google.push(("groups".to_owned(), cel::from_json(value))),
                Target::Attribute(name) => attribute.push((name.clone(), cel::from_json(value))),
            }
        }
        bindings.google = Some(cel::string_map(google));
        bindings.attribute = Some(cel::string_map(attribute));
        let condition = self
            .condition
            .as_ref()
            .map(|c| c.evaluate(&bindings).map(|v| cel::to_json(&v)));
        let operands = match (&self.condition, &condition) {
            (Some(_), Some(Ok(Value::Bool(true)))) | (None, _) => Vec::new(),
            (Some(c), _) => c.operand_values(&bindings),
        };
        Run {
            mapped,
            condition,
            operands,
            budget: None,
        }
    }

    /// The mapped attributes, or the verdict when `google.subject` cannot be mapped.
    // The verdict is the error value the callers want whole (it becomes a finding);
    // it is made once per evaluation, so its size costs nothing.
    #[allow(clippy::result_large_err)]
    fn interpret(&self, claims: &Claims, run: &Run) -> Result<MappedAttributes, Verdict> {
        if let Some(exceeded) = &run.budget {
            return Err(exceeded.verdict());
        }
        let mut subject: Option<(usize, &Result<Value, String>)> = None;
        let mut groups = Vec::new();
        let mut attributes = BTreeMap::new();
        for (i, (m, result)) in self.mappings.iter().zip(&run.mapped).enumerate() {
            match (&m.target, result) {
                (Target::Subject, r) => subject = Some((i, r)),
                // A list of strings; one string is taken as one group (a guess: the
                // documentation only shows lists).
                (Target::Groups, Ok(Value::Array(items))) => {
                    groups = items
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                }
                (Target::Groups, Ok(Value::String(s))) => groups = vec![s.clone()],
                // A custom attribute whose expression fails or is not a string is
                // absent (a guess: GCP does not document it).
                (Target::Attribute(name), Ok(Value::String(s))) => {
                    attributes.insert(name.clone(), s.clone());
                }
                _ => {}
            }
        }
        let claim_names: Vec<&str> = claims.names().collect();
        let Some((index, result)) = subject else {
            // "For OIDC providers, you must supply a custom mapping, which must include
            // the google.subject attribute" (attributeMapping, REST reference).
            return Err(self.verdict(
                TRUST_GCP_MAPPING_FAILED,
                "the provider's `attributeMapping` has no `google.subject`; GCP requires one for OIDC providers, so no token is admitted".to_owned(),
                format!("map the subject: `{} --attribute-mapping=google.subject=assertion.sub,…`", self.update_command()),
                "$.attributeMapping".to_owned(),
                None,
            ));
        };
        let mapping = self.mappings.get(index);
        let locator = mapping
            .map(Mapping::locator)
            .unwrap_or_else(|| "$.attributeMapping".to_owned());
        let source = mapping
            .map(|m| m.expression.source.as_str())
            .unwrap_or_default();
        let fix_mapping = format!(
            "map `google.subject` from a claim every token carries (`assertion.sub`), or make the job's token carry what `{source}` reads; the token's claims are {}",
            claim_names.join(", ")
        );
        match result {
            Err(e) => Err(self.verdict(
                TRUST_GCP_MAPPING_FAILED,
                format!("the mapping `google.subject` = `{source}` fails on this token: {e}; without a subject the token is refused"),
                fix_mapping,
                locator,
                None,
            )),
            Ok(Value::String(s)) if s.is_empty() => Err(self.verdict(
                TRUST_GCP_MAPPING_FAILED,
                format!("the mapping `google.subject` = `{source}` gives an empty string for this token"),
                fix_mapping,
                locator,
                None,
            )),
            Ok(Value::String(s)) if s.len() > SUBJECT_LIMIT => Err(self.verdict(
                TRUST_GCP_SUBJECT_TOO_LONG,
                format!(
                    "`google.subject` = `{source}` maps to `{s}`, {} bytes; GCP refuses a subject over {SUBJECT_LIMIT} bytes. Long repository or branch names do this",
                    s.len()
                ),
                "map `google.subject` to something shorter (for GitHub, e.g. `assertion.repository_id + ':' + assertion.ref` instead of `assertion.sub`, and grant IAM on custom attributes such as `attribute.repository`), or shorten the branch or repository name".to_owned(),
                locator,
                // google-github-actions/auth TROUBLESHOOTING, errors.md.
                Some("The size of mapped attribute exceeds the 127 bytes limit.".to_owned()),
            )),
            Ok(Value::String(s)) => Ok(MappedAttributes {
                subject: s.clone(),
                groups,
                attributes,
            }),
            Ok(other) => Err(self.verdict(
                TRUST_GCP_MAPPING_FAILED,
                format!("the mapping `google.subject` = `{source}` gives {} (`{other}`), not a string", crate::token::claims::json_type_name(other)),
                fix_mapping,
                locator,
                None,
            )),
        }
    }

    fn verdict(
        &self,
        rule: Rule,
        cause: String,
        fix: String,
        locator: String,
        cloud_error: Option<String>,
    ) -> Verdict {
        Verdict {
            rule,
            cause,
            fix,
            locator,
            cloud_error,
        }
    }

    /// The attribute mapping evaluated for these claims: what the token's principals are
    /// made of. A verdict when `google.subject` cannot be mapped.
    #[allow(clippy::result_large_err)]
    pub fn map_attributes(&self, claims: &Claims) -> Result<MappedAttributes, Verdict> {
        let run = self.run(claims);
        self.interpret(claims, &run)
    }

    /// The claim a custom attribute copies, when its mapping is a bare claim.
    fn attribute_claim(&self, attribute: &str) -> Option<&str> {
        self.mappings
            .iter()
            .find(|m| m.target == Target::Attribute(attribute.to_owned()))
            .and_then(|m| match &m.expression.bare {
                Some(Path::Claim(c)) => Some(c.as_str()),
                _ => None,
            })
    }

    /// Why an audience is not accepted, in the words of the usual mistakes
    /// (google-github-actions/auth TROUBLESHOOTING: the pool instead of the provider, the
    /// project ID instead of the number).
    fn audience_hint(&self, audience: &str) -> Option<String> {
        let own = self.name.as_ref()?;
        if audience.starts_with("https://github.com/") {
            return Some(format!(
                "`{audience}` is GitHub's default audience (the job asked for a token without an audience); google-github-actions/auth asks for `https://iam.googleapis.com/{}`",
                own.resource()
            ));
        }
        let rest = audience
            .strip_prefix("https:")
            .unwrap_or(audience)
            .strip_prefix("//iam.googleapis.com/")?;
        let theirs = ProviderName::parse(rest)?;
        if theirs.project != own.project {
            if !theirs.project.bytes().all(|b| b.is_ascii_digit()) {
                return Some(format!(
                    "the audience names the project by its ID `{}`; workload identity federation names projects by number (`{}`): use the provider name with the project number",
                    theirs.project, own.project
                ));
            }
            return Some(format!(
                "the audience names project {}, but this provider is in project {}",
                theirs.project, own.project
            ));
        }
        if theirs.pool != own.pool {
            return Some(format!(
                "the audience names pool `{}`, but this provider is in pool `{}`",
                theirs.pool, own.pool
            ));
        }
        if theirs.provider.is_empty() {
            return Some(format!(
                "the audience names the pool, not the provider: `workload_identity_provider` must be the full provider name `{}`",
                own.resource()
            ));
        }
        if theirs.provider != own.provider {
            return Some(format!(
                "the audience names provider `{}`, but this is provider `{}`",
                theirs.provider, own.provider
            ));
        }
        if !self.allowed_audiences.is_empty() {
            return Some("the audience is the provider's default, but `allowedAudiences` is set and replaces the default: add it there or request one of the allowed audiences".to_owned());
        }
        None
    }

    /// The whole evaluation: the checks in the order STS applies them, and the refusal.
    fn evaluation(&self, claims: &Claims) -> (RuleEvaluation, Option<Verdict>) {
        let mut checks = Vec::new();
        let mut refusals: Vec<Verdict> = Vec::new();
        let sts = self.sts_prefix();

        // Disabled or deleted: "blocks new exchanges" (REST reference, `disabled`).
        let deleted = self.state.as_deref() == Some("DELETED");
        if self.disabled || deleted {
            let (locator, key, expected, actual) = if self.disabled {
                ("$.disabled", "disabled", "false", "true".to_owned())
            } else {
                ("$.state", "state", "ACTIVE", "DELETED".to_owned())
            };
            checks.push(ConditionCheck {
                locator: locator.to_owned(),
                key: key.to_owned(),
                operator: "equals".to_owned(),
                expected: vec![expected.to_owned()],
                actual: Some(actual),
                matched: false,
                near_miss: None,
            });
            refusals.push(self.verdict(
                TRUST_GCP_PROVIDER_DISABLED,
                format!("{} is {}: it accepts no token exchanges", self.label(), if self.disabled { "disabled" } else { "deleted (state DELETED)" }),
                if self.disabled {
                    format!("enable it: `{} --no-disabled`", self.update_command())
                } else {
                    format!("restore it within 30 days: `{}`", self.update_command().replace("update-oidc", "undelete"))
                },
                locator.to_owned(),
                // STS's answer for a disabled or deleted provider (unverified).
                Some(format!(
                    "{sts}{{\"error\":\"invalid_target\",\"error_description\":\"The target service indicated by the \\\"audience\\\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.\"}}"
                )),
            ));
        }

        // Issuer: exact equality with `oidc.issuerUri`.
        let iss = claims.issuer();
        let issuer_ok = iss == Some(self.issuer_uri.as_str());
        checks.push(ConditionCheck {
            locator: "$.oidc.issuerUri".to_owned(),
            key: "iss".to_owned(),
            operator: "equals".to_owned(),
            expected: vec![self.issuer_uri.clone()],
            actual: iss.map(str::to_owned),
            matched: issuer_ok,
            near_miss: if issuer_ok {
                None
            } else {
                iss.and_then(|i| {
                    nearest(std::slice::from_ref(&self.issuer_uri), i, Dialect::StarOnly)
                })
            },
        });
        if !issuer_ok {
            let actual = iss.unwrap_or("(none)");
            let hint = match iss {
                None => " (the token has no `iss` claim)".to_owned(),
                Some(i) if i.trim_end_matches('/') == self.issuer_uri.trim_end_matches('/') => "; they differ only by a trailing slash, and the comparison is exact".to_owned(),
                Some(i) if i.contains("/_services/token") || (i.starts_with("https://token.actions.githubusercontent.com/") && self.issuer_uri == "https://token.actions.githubusercontent.com") => {
                    "; the token comes from a GitHub Enterprise issuer (GHES, or a GHEC unique token URL): set `oidc.issuerUri` to that issuer".to_owned()
                }
                Some(_) => String::new(),
            };
            refusals.push(self.verdict(
                TRUST_GCP_ISSUER_MISMATCH,
                format!("the token's issuer `{actual}` is not the provider's `oidc.issuerUri` `{}`{hint}", self.issuer_uri),
                format!("set the issuer the token really has: `{} --issuer-uri={actual}` (or use a provider for that issuer)", self.update_command()),
                "$.oidc.issuerUri".to_owned(),
                // errors.md; google-github-actions/auth TROUBLESHOOTING.
                Some(format!("The issuer in ID Token {actual} does not match the expected ones: {}", self.issuer_uri)),
            ));
        }

        // Audience: any `aud` in allowedAudiences, or the provider's own name when empty.
        let expected = if self.allowed_audiences.is_empty() {
            self.default_audiences()
        } else {
            self.allowed_audiences.clone()
        };
        let audiences = claims.audiences();
        let audience_ok = audiences.iter().any(|a| expected.iter().any(|e| e == a));
        let audience_locator = if self.audiences_written || self.name.is_none() {
            "$.oidc.allowedAudiences"
        } else {
            "$.name"
        };
        let near = if audience_ok {
            None
        } else {
            audiences
                .iter()
                .filter_map(|a| nearest(&expected, a, Dialect::StarOnly))
                .max_by_key(|m| m.first_difference)
        };
        checks.push(ConditionCheck {
            locator: audience_locator.to_owned(),
            key: "aud".to_owned(),
            operator: "in".to_owned(),
            expected: expected.clone(),
            actual: (!audiences.is_empty()).then(|| audiences.join(", ")),
            matched: audience_ok,
            near_miss: near,
        });
        if !audience_ok {
            let shown = if audiences.is_empty() {
                "(none)".to_owned()
            } else {
                audiences
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let configured = if self.allowed_audiences.is_empty() {
                match self.resource_name() {
                    Some(n) => format!("`allowedAudiences` is empty, so the audience must be the provider's name: `https://iam.googleapis.com/{n}` or `//iam.googleapis.com/{n}`"),
                    None => "`allowedAudiences` is empty and the document has no `name`, so the default audience cannot be computed (paste the `describe` output)".to_owned(),
                }
            } else {
                format!(
                    "`allowedAudiences` is {}",
                    self.allowed_audiences
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let hint = audiences
                .iter()
                .find_map(|a| self.audience_hint(a))
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            let fix = match self.resource_name() {
                Some(n) => format!(
                    "request the audience the provider accepts (google-github-actions/auth: `workload_identity_provider: {n}`; elsewhere `https://iam.googleapis.com/{n}`), or add the token's audience: `{} --allowed-audiences=…`",
                    self.update_command()
                ),
                None => format!(
                    "request an audience the provider accepts, or add the token's: `{} --allowed-audiences=…`",
                    self.update_command()
                ),
            };
            refusals.push(self.verdict(
                TRUST_GCP_AUDIENCE_MISMATCH,
                format!("the token's audience {shown} is not accepted: {configured}{hint}"),
                fix,
                audience_locator.to_owned(),
                // STS's text for an audience mismatch is not in the documentation we
                // have: the wrapper is google-github-actions/auth's, the body unverified.
                Some(format!(
                    "{sts}{{\"error\":\"invalid_grant\",\"error_description\":\"The audience in ID Token [{}] does not match the expected audience.\"}}",
                    audiences.join(", ")
                )),
            ));
        }

        // Attribute mapping.
        let run = self.run(claims);
        let mapped = self.interpret(claims, &run);
        for (m, result) in self.mappings.iter().zip(&run.mapped) {
            let actual = result
                .as_ref()
                .ok()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
            let matched = match m.target {
                Target::Subject => mapped.is_ok(),
                // Other attributes never refuse a token: a failing one is absent.
                _ => true,
            };
            checks.push(ConditionCheck {
                locator: m.locator(),
                key: m.key.clone(),
                operator: "CEL".to_owned(),
                expected: vec![m.expression.source.clone()],
                actual,
                matched,
                near_miss: None,
            });
        }
        if let Err(v) = &mapped {
            if !self.mappings.iter().any(|m| m.target == Target::Subject) {
                checks.push(ConditionCheck {
                    locator: "$.attributeMapping".to_owned(),
                    key: "google.subject".to_owned(),
                    operator: "CEL".to_owned(),
                    expected: Vec::new(),
                    actual: None,
                    matched: false,
                    near_miss: None,
                });
            }
            refusals.push(v.clone());
        }
        if let Some(exceeded) = &run.budget {
            checks.push(ConditionCheck {
                locator: exceeded.locator.clone(),
                key: exceeded.what.clone(),
                operator: format!(
                    "not evaluated: {} {}; limit {}",
                    budget::grouped(exceeded.size),
                    exceeded.unit,
                    budget::grouped(exceeded.limit)
                ),
                expected: Vec::new(),
                actual: None,
                matched: false,
                near_miss: None,
            });
        }

        // Attribute condition.
        if let (Some(condition), Some(result)) = (&self.condition, &run.condition) {
            let values = self.read_values(condition, claims, &run);
            let matched = matches!(result, Ok(Value::Bool(true)));
            let failing = if matched {
                None
            } else {
                self.failing_comparison(condition, &run)
            };
            checks.push(ConditionCheck {
                locator: "$.attributeCondition".to_owned(),
                key: if condition.reads.is_empty() {
                    "attributeCondition".to_owned()
                } else {
                    condition
                        .reads
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                operator: "CEL".to_owned(),
                expected: vec![condition.source.clone()],
                actual: (!values.is_empty()).then(|| values.join("; ")),
                matched,
                near_miss: failing.as_ref().and_then(|f| f.near_miss.clone()),
            });
            if !matched {
                let outcome = match result {
                    Ok(Value::Bool(_)) => "is false for this token".to_owned(),
                    Ok(other) => format!("gives `{other}`, not a boolean, which rejects the token"),
                    Err(e) => format!("fails to evaluate ({e}), which rejects the token"),
                };
                let read = if values.is_empty() {
                    String::new()
                } else {
                    format!("; it reads {}", values.join(", "))
                };
                let deciding = failing
                    .as_ref()
                    .map(|f| {
                        format!(
                            "; `{}` is `{}` where the condition expects {}",
                            f.operand, f.actual, f.expected
                        )
                    })
                    .unwrap_or_default();
                let fix = match &failing {
                    Some(f) => format!(
                        "if this job should be trusted, change the condition to accept `{}` for `{}` (`{} --attribute-condition=\"…\"`); if not, run the deploy from where `{}` is {}. Conditions are case-sensitive, and changes take up to 5 minutes",
                        f.actual,
                        f.operand,
                        self.update_command(),
                        f.operand,
                        f.expected
                    ),
                    None => format!(
                        "compare the condition with the token's claims; if this job should be trusted, update it (`{} --attribute-condition=\"…\"`). Conditions are case-sensitive, and a claim the token lacks makes the condition fail",
                        self.update_command()
                    ),
                };
                refusals.push(self.verdict(
                    TRUST_GCP_CONDITION_REJECTED,
                    format!("the attribute condition `{}` {outcome}{deciding}{read}", condition.source),
                    fix,
                    "$.attributeCondition".to_owned(),
                    // The STS body is in errors.md as unverified.
                    Some(format!("{sts}{{\"error\":\"unauthorized_client\",\"error_description\":\"The given credential is rejected by the attribute condition.\"}}")),
                ));
            }
        }

        let evaluation = RuleEvaluation {
            locator: "$".to_owned(),
            label: self.label(),
            effect: Effect::Allow,
            applies: checks.iter().all(|c| c.matched),
            checks,
        };
        (evaluation, refusals.into_iter().next())
    }

    /// `assertion.ref = refs/heads/main`, for each claim or attribute the condition reads.
    fn read_values(&self, condition: &Compiled, claims: &Claims, run: &Run) -> Vec<String> {
        condition
            .reads
            .iter()
            .map(|path| {
                let value = match path {
                    Path::Claim(c) => claims.get(c).map(crate::token::claims::display_value),
                    Path::Attribute(a) => self
                        .mappings
                        .iter()
                        .zip(&run.mapped)
                        .find(|(m, _)| m.target == Target::Attribute(a.clone()))
                        .and_then(|(_, r)| r.as_ref().ok())
                        .map(crate::token::claims::display_value),
                    Path::Google(g) => {
                        let target = match g.as_str() {
                            "subject" => Some(Target::Subject),
                            "groups" => Some(Target::Groups),
                            _ => None,
                        };
                        self.mappings
                            .iter()
                            .zip(&run.mapped)
                            .find(|(m, _)| Some(&m.target) == target.as_ref())
                            .and_then(|(_, r)| r.as_ref().ok())
                            .map(crate::token::claims::display_value)
                    }
                };
                match value {
                    Some(v) => format!("{path} = `{v}`"),
                    None => format!("{path} (absent)"),
                }
            })
            .collect()
    }

    /// The first operand whose comparisons all fail, with the token's value and the
    /// nearest literal.
    fn failing_comparison(&self, condition: &Compiled, run: &Run) -> Option<Failing> {
        let mut seen: Vec<&str> = Vec::new();
        for (i, comparison) in condition.comparisons.iter().enumerate() {
            let text = comparison.operand_text.as_str();
            if seen.contains(&text) {
                continue;
            }
            seen.push(text);
            let group: Vec<(usize, &cel::Comparison)> = condition
                .comparisons
                .iter()
                .enumerate()
                .filter(|(_, c)| c.operand_text == text)
                .collect();
            let Some(Some(actual)) = run.operands.get(i) else {
                continue;
            };
            if group.iter().any(|(_, c)| c.holds(actual)) {
                continue;
            }
            let actual_text = crate::token::claims::display_value(actual);
            let literals: Vec<String> = group
                .iter()
                .map(|(_, c)| match c.kind {
                    CompareKind::Prefix => format!("{}*", c.literal),
                    _ => c.literal.clone(),
                })
                .collect();
            let expected = match group.first().map(|(_, c)| c.kind) {
                Some(CompareKind::Contains) => format!(
                    "it to contain {}",
                    literals
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                Some(CompareKind::Prefix) => format!(
                    "it to start with {}",
                    literals
                        .iter()
                        .map(|l| format!("`{}`", l.trim_end_matches('*')))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                _ => literals
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let near_miss = match actual {
                Value::String(s) => nearest(&literals, s, Dialect::StarOnly),
                _ => None,
            };
            return Some(Failing {
                operand: text.to_owned(),
                actual: actual_text,
                expected,
                near_miss,
            });
        }
        None
    }
}

/// One comparison of the condition that the token fails.
struct Failing {
    operand: String,
    actual: String,
    expected: String,
    near_miss: Option<NearMiss>,
}

/// The results of one evaluation of the provider's expressions.
struct Run {
    /// Per mapping, in document order: the value as JSON, or the error.
    mapped: Vec<Result<Value, String>>,
    /// The condition's value, when there is a condition.
    condition: Option<Result<Value, String>>,
    /// The value of each comparison's operand, when the condition is not true.
    operands: Vec<Option<Value>>,
    /// The budget that stopped the evaluation, if one did.
    budget: Option<Exceeded>,
}

impl TrustConfig for GcpProvider {
    fn cloud(&self) -> Cloud {
        Cloud::Gcp
    }

    fn describe(&self) -> String {
        let state = if self.disabled { ", disabled" } else { "" };
        let condition = if self.condition.is_some() {
            "with an attribute condition"
        } else {
            "without an attribute condition"
        };
        format!(
            "GCP workload identity {}{state}, issuer {}, {condition}",
            self.label(),
            self.issuer_uri
        )
    }

    fn issuers(&self) -> Vec<String> {
        vec![self.issuer_uri.clone()]
    }

    fn audiences(&self) -> Vec<String> {
        if self.allowed_audiences.is_empty() {
            self.default_audiences().into_iter().take(1).collect()
        } else {
            self.allowed_audiences.clone()
        }
    }

    /// The provider is one rule.
    fn rule_count(&self) -> usize {
        1
    }

    fn evaluate_rule(&self, index: usize, claims: &Claims) -> RuleEvaluation {
        if index != 0 {
            return RuleEvaluation {
                locator: "$".to_owned(),
                label: self.label(),
                effect: Effect::Allow,
                applies: false,
                checks: Vec::new(),
            };
        }
        self.evaluation(claims).0
    }

    fn evaluate(&self, claims: &Claims) -> TrustEvaluation {
        let (rule, refusal) = self.evaluation(claims);
        TrustEvaluation {
            cloud: Cloud::Gcp,
            allowed: refusal.is_none(),
            rules: vec![rule],
            refusal,
        }
    }

    /// The string literals the attribute condition compares claims with. A comparison
    /// with `repository_owner` is given as `OWNER/*` and a `startsWith` literal gets a
    /// trailing `*`, so that the review reads the organization and the prefix right.
    fn subject_patterns(&self, index: usize) -> Vec<String> {
        let Some(condition) = self.condition.as_ref().filter(|_| index == 0) else {
            return Vec::new();
        };
        let mut patterns: Vec<String> = Vec::new();
        for c in &condition.comparisons {
            let claim = match &c.path {
                Some(Path::Claim(name)) => Some(name.as_str()),
                Some(Path::Attribute(name)) => self.attribute_claim(name),
                _ => None,
            };
            let pattern = match (claim, c.kind) {
                (Some("repository_owner"), _) => format!("{}/*", c.literal),
                (_, CompareKind::Prefix) => format!("{}*", c.literal),
                _ => c.literal.clone(),
            };
            if !patterns.contains(&pattern) {
                patterns.push(pattern);
            }
        }
        patterns
    }

    // `pattern_findings`: the default (none) — the review derives the risk from what
    // the provider admits (an empty condition admits every token of the issuer).
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Context;
    use crate::vocabulary::catalog::*;
    use serde_json::json;

    const SAMPLE: &[u8] =
        include_bytes!("../../tests/fixtures/policies/gcp/provider-describe.json");
    const PINNED: &[u8] = include_bytes!("../../tests/fixtures/policies/gcp/provider-pinned.json");
    const BROAD: &[u8] = include_bytes!("../../tests/fixtures/policies/gcp/provider-broad.json");
    const GITHUB_CLAIMS: &[u8] =
        include_bytes!("../../tests/fixtures/policies/gcp/github-claims.json");
    const NAME: &str =
        "projects/1234567890/locations/global/workloadIdentityPools/my-pool/providers/my-provider";

    fn claims(v: Value) -> Claims {
        match v {
            Value::Object(m) => Claims(m),
            _ => unreachable!(),
        }
    }

    /// A GitHub Actions token for `acme/api`, as google-github-actions/auth requests it.
    fn github(sub_tail: &str, git_ref: &str) -> Claims {
        claims(json!({
            "iss": "https://token.actions.githubusercontent.com",
            "aud": format!("https://iam.googleapis.com/{NAME}"),
            "sub": format!("repo:acme/api:{sub_tail}"),
            "repository": "acme/api",
            "repository_owner": "acme",
            "ref": git_ref,
            "event_name": "push",
        }))
    }

    fn provider(v: Value) -> GcpProvider {
        GcpProvider::parse(v.to_string().as_bytes()).unwrap()
    }

    fn with(condition: &str) -> GcpProvider {
        provider(json!({
            "name": NAME,
            "state": "ACTIVE",
            "attributeMapping": {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository", "attribute.ref": "assertion.ref"},
            "attributeCondition": condition,
            "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
        }))
    }

    fn refusal(p: &GcpProvider, c: &Claims) -> Verdict {
        let e = p.evaluate(c);
        assert!(!e.allowed, "{:?}", e.rules);
        e.refusal.unwrap()
    }

    /// The illustrative `describe` output (samples/gcp-provider-describe.illustrative-unverified.json,
    /// values from google-github-actions/auth README).
    #[test]
    fn the_sample_provider_parses_and_admits_its_organization() {
        assert!(sniff(SAMPLE));
        let p = parse(SAMPLE).unwrap();
        assert_eq!(
            p.pool_resource().as_deref(),
            Some("projects/1234567890/locations/global/workloadIdentityPools/my-pool")
        );
        assert_eq!(p.issuers(), ["https://token.actions.githubusercontent.com"]);
        assert_eq!(
            p.audiences(),
            [format!("https://iam.googleapis.com/{NAME}")]
        );
        assert_eq!(p.rule_count(), 1);
        assert_eq!(p.subject_patterns(0), ["octo-org/*"]);
        // The sample claims carry GitHub's default audience: refused on aud.
        let mut c = claims(serde_json::from_slice(GITHUB_CLAIMS).unwrap());
        let v = refusal(&p, &c);
        assert_eq!(v.rule, TRUST_GCP_AUDIENCE_MISMATCH);
        assert!(v.cause.contains("GitHub's default audience"), "{}", v.cause);
        c.0.insert(
            "aud".to_owned(),
            json!(format!("https://iam.googleapis.com/{NAME}")),
        );
        let e = p.evaluate(&c);
        assert!(e.allowed, "{:?}", e.refusal);
        let rule = &e.rules[0];
        assert!(rule.applies);
        let keys: Vec<&str> = rule.checks.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "iss",
                "aud",
                "google.subject",
                "attribute.actor",
                "attribute.repository",
                "attribute.repository_owner",
                "assertion.repository_owner"
            ]
        );
        let subject = &rule.checks[2];
        assert_eq!(subject.locator, "$.attributeMapping[\"google.subject\"]");
        assert_eq!(
            subject.actual.as_deref(),
            Some("repo:octo-org/octo-repo:environment:prod")
        );
        let mapped = p.map_attributes(&c).unwrap();
        assert_eq!(mapped.subject, "repo:octo-org/octo-repo:environment:prod");
        assert_eq!(
            mapped.attributes.get("repository").map(String::as_str),
            Some("octo-org/octo-repo")
        );
        assert!(p.describe().contains("my-provider"), "{}", p.describe());
    }

    #[test]
    fn sniff_claims_no_other_document() {
        for other in [
            &br#"{"Version":"2012-10-17","Statement":[]}"#[..],
            br#"{"issuer":"https://token.actions.githubusercontent.com","subject":"repo:a/b:ref:refs/heads/main","audiences":["api://AzureADTokenExchange"]}"#,
            br#"{"keys":[{"kty":"RSA","kid":"x","n":"AQAB","e":"AQAB"}]}"#,
            br#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:a/b:ref:refs/heads/main","aud":"x"}"#,
            br#"{"bindings":[{"role":"roles/iam.workloadIdentityUser","members":[]}],"etag":"BwX"}"#,
            br#"{"bound_audiences":["x"],"bound_claims":{},"user_claim":"sub","role_type":"jwt"}"#,
            br#"{"protoPayload":{"resourceName":"projects/1/locations/global/workloadIdentityPools/p/providers/x"}}"#,
            br#"{"name":"projects/1/locations/global/workloadIdentityPools/p","state":"ACTIVE"}"#,
            b"not json",
        ] {
            assert!(!sniff(other), "{}", String::from_utf8_lossy(other));
        }
        assert!(sniff(PINNED) && sniff(BROAD));
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let e = GcpProvider::parse(b"{\n  \"name\": \"x\",\n  oops\n}").unwrap_err();
        assert!(
            matches!(
                e,
                PolicyError::Json {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn wrong_field_types_name_the_json_path() {
        let cases = [
            (json!([]), "$"),
            (json!({"name": 5, "oidc": {"issuerUri": "x"}}), "$.name"),
            (
                json!({"name": "projects/1/locations/global/workloadIdentityPools/p", "oidc": {"issuerUri": "x"}}),
                "$.name",
            ),
            (
                json!({"disabled": "no", "oidc": {"issuerUri": "x"}}),
                "$.disabled",
            ),
            (
                json!({"oidc": {"issuerUri": "x", "allowedAudiences": ["a", 3]}}),
                "$.oidc.allowedAudiences[1]",
            ),
            (
                json!({"oidc": {"issuerUri": "x", "allowedAudiences": "a"}}),
                "$.oidc.allowedAudiences",
            ),
            (json!({"oidc": {}}), "$.oidc.issuerUri"),
            (json!({"aws": {"accountId": "1"}}), "$.oidc"),
            (
                json!({"oidc": {"issuerUri": "x"}, "attributeMapping": {"google.subject": 1}}),
                "$.attributeMapping[\"google.subject\"]",
            ),
            (
                json!({"oidc": {"issuerUri": "x"}, "attributeMapping": {"attribute.Repo": "assertion.repository"}}),
                "$.attributeMapping[\"attribute.Repo\"]",
            ),
            (
                json!({"oidc": {"issuerUri": "x"}, "attributeCondition": true}),
                "$.attributeCondition",
            ),
        ];
        for (doc, path) in cases {
            match GcpProvider::parse(doc.to_string().as_bytes()) {
                Err(PolicyError::Field { field, .. }) => assert_eq!(field, path, "{doc}"),
                other => panic!("{doc}: {other:?}"),
            }
        }
    }

    /// CEL that does not compile is an error naming the field, the offset and the
    /// crate's message — never a panic.
    #[test]
    fn cel_compile_errors_name_the_field_and_offset() {
        let bad_syntax = json!({"oidc": {"issuerUri": "x"}, "attributeMapping": {"google.subject": "assertion.sub", "attribute.repo": "assertion.repository =="}});
        match GcpProvider::parse(bad_syntax.to_string().as_bytes()) {
            Err(PolicyError::Expression {
                field,
                offset,
                message,
                ..
            }) => {
                assert_eq!(field, "$.attributeMapping[\"attribute.repo\"]");
                assert_eq!(offset, "assertion.repository ==".len());
                assert!(message.contains("Syntax error"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let unknown = json!({"oidc": {"issuerUri": "x"}, "attributeMapping": {"google.subject": "assertion.sub"}, "attributeCondition": "assertion.sub.glob('repo:*')"});
        match GcpProvider::parse(unknown.to_string().as_bytes()) {
            Err(PolicyError::Expression {
                field,
                offset,
                message,
                ..
            }) => {
                assert_eq!(field, "$.attributeCondition");
                assert_eq!(offset, "assertion.sub.".len());
                assert!(message.contains("glob"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let e = GcpProvider::parse(
            json!({"oidc": {"issuerUri": "x"}, "attributeCondition": "assertion.a == ("})
                .to_string()
                .as_bytes(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("$.attributeCondition"), "{e}");
    }

    /// <https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers> (`disabled`).
    #[test]
    fn a_disabled_provider_refuses_everything() {
        let mut doc: Value = serde_json::from_slice(PINNED).unwrap();
        doc["disabled"] = json!(true);
        let p = provider(doc);
        let v = refusal(&p, &github("ref:refs/heads/main", "refs/heads/main"));
        assert_eq!(v.rule, TRUST_GCP_PROVIDER_DISABLED);
        assert_eq!(v.locator, "$.disabled");
        assert!(v.cloud_error.unwrap().starts_with(&format!(
            "Failed to generate Google Cloud federated token for //iam.googleapis.com/{NAME}: "
        )));
        assert!(v.fix.contains("--no-disabled"), "{}", v.fix);
        // A deleted provider (state DELETED, restorable for 30 days) refuses too.
        let mut doc: Value = serde_json::from_slice(PINNED).unwrap();
        doc["state"] = json!("DELETED");
        let v = refusal(
            &provider(doc),
            &github("ref:refs/heads/main", "refs/heads/main"),
        );
        assert_eq!(
            (v.rule, v.locator.as_str()),
            (TRUST_GCP_PROVIDER_DISABLED, "$.state")
        );
        assert!(v.fix.contains("undelete"), "{}", v.fix);
    }

    /// The issuer must equal `oidc.issuerUri` exactly (errors.md; GGA TROUBLESHOOTING).
    #[test]
    fn the_issuer_must_match_exactly() {
        let p = with("");
        let mut c = github("ref:refs/heads/main", "refs/heads/main");
        c.0.insert(
            "iss".to_owned(),
            json!("https://token.actions.githubusercontent.com/acme-enterprise"),
        );
        let v = refusal(&p, &c);
        assert_eq!(v.rule, TRUST_GCP_ISSUER_MISMATCH);
        assert_eq!(v.locator, "$.oidc.issuerUri");
        assert_eq!(
            v.cloud_error.as_deref(),
            Some(
                "The issuer in ID Token https://token.actions.githubusercontent.com/acme-enterprise does not match the expected ones: https://token.actions.githubusercontent.com"
            )
        );
        assert!(v.cause.contains("GitHub Enterprise"), "{}", v.cause);
        let check = &p.evaluate(&c).rules[0].checks[0];
        assert!(!check.matched);
        assert_eq!(
            check.near_miss.as_ref().unwrap().first_difference,
            "https://token.actions.githubusercontent.com".len()
        );
        c.0.insert(
            "iss".to_owned(),
            json!("https://token.actions.githubusercontent.com/"),
        );
        assert!(refusal(&p, &c).cause.contains("trailing slash"));
    }

    /// Empty allowedAudiences: the audience must be the provider's full name, with or
    /// without `https:` (REST reference `oidc.allowedAudiences`).
    #[test]
    fn default_audiences_are_the_provider_name_in_both_forms() {
        let p = with("");
        let mut c = github("ref:refs/heads/main", "refs/heads/main");
        for aud in [
            json!(format!("https://iam.googleapis.com/{NAME}")),
            json!(format!("//iam.googleapis.com/{NAME}")),
            json!(["other", format!("//iam.googleapis.com/{NAME}")]),
        ] {
            c.0.insert("aud".to_owned(), aud.clone());
            assert!(p.evaluate(&c).allowed, "{aud}");
        }
        c.0.insert(
            "aud".to_owned(),
            json!(format!("iam.googleapis.com/{NAME}")),
        );
        let v = refusal(&p, &c);
        assert_eq!(v.rule, TRUST_GCP_AUDIENCE_MISMATCH);
        assert_eq!(v.locator, "$.name");
        assert!(v.cloud_error.unwrap().starts_with(
            "Failed to generate Google Cloud federated token for //iam.googleapis.com/"
        ));
    }

    /// google-github-actions/auth TROUBLESHOOTING: the pool name instead of the
    /// provider's, and the project ID instead of the number.
    #[test]
    fn audience_mistakes_are_named() {
        let p = with("");
        let mut c = github("ref:refs/heads/main", "refs/heads/main");
        c.0.insert("aud".to_owned(), json!("https://iam.googleapis.com/projects/my-project/locations/global/workloadIdentityPools/my-pool/providers/my-provider"));
        let v = refusal(&p, &c);
        assert!(
            v.cause.contains("project by its ID `my-project`"),
            "{}",
            v.cause
        );
        assert!(v.cause.contains("1234567890"), "{}", v.cause);
        let near = p.evaluate(&c).rules[0].checks[1].near_miss.clone().unwrap();
        assert_eq!(
            near.first_difference,
            "https://iam.googleapis.com/projects/".len()
        );
        c.0.insert("aud".to_owned(), json!("https://iam.googleapis.com/projects/1234567890/locations/global/workloadIdentityPools/my-pool"));
        let v = refusal(&p, &c);
        assert!(
            v.cause.contains("names the pool, not the provider"),
            "{}",
            v.cause
        );
    }

    #[test]
    fn allowed_audiences_replace_the_default() {
        let p = provider(json!({
            "name": NAME,
            "attributeMapping": {"google.subject": "assertion.sub"},
            "oidc": {"issuerUri": "https://token.actions.githubusercontent.com", "allowedAudiences": ["gcp-deploy"]}
        }));
        assert_eq!(p.audiences(), ["gcp-deploy"]);
        let mut c = github("ref:refs/heads/main", "refs/heads/main");
        let v = refusal(&p, &c);
        assert_eq!(v.rule, TRUST_GCP_AUDIENCE_MISMATCH);
        assert_eq!(v.locator, "$.oidc.allowedAudiences");
        assert!(v.cause.contains("replaces the default"), "{}", v.cause);
        c.0.insert("aud".to_owned(), json!(["x", "gcp-deploy"]));
        assert!(p.evaluate(&c).allowed);
    }

    /// google.subject may not exceed 127 bytes (GGA TROUBLESHOOTING: long repository or
    /// branch names).
    #[test]
    fn a_long_branch_makes_the_subject_too_long() {
        let p = with("");
        let branch = format!("refs/heads/feature/{}", "very-long-branch-name-".repeat(5));
        let c = github(&format!("ref:{branch}"), &branch);
        assert!(c.subject().unwrap().len() > 127);
        let v = refusal(&p, &c);
        assert_eq!(v.rule, TRUST_GCP_SUBJECT_TOO_LONG);
        assert_eq!(
            v.cloud_error.as_deref(),
            Some("The size of mapped attribute exceeds the 127 bytes limit.")
        );
        assert_eq!(v.locator, "$.attributeMapping[\"google.subject\"]");
        // Exactly 127 bytes is fine.
        let mut c = github("x", "refs/heads/main");
        c.0.insert("sub".to_owned(), json!("s".repeat(127)));
        assert!(p.evaluate(&c).allowed);
        // Multi-byte characters count as bytes.
        c.0.insert("sub".to_owned(), json!("é".repeat(64)));
        assert_eq!(refusal(&p, &c).rule, TRUST_GCP_SUBJECT_TOO_LONG);
    }

    #[test]
    fn a_subject_mapping_that_fails_refuses_and_other_attributes_go_absent() {
        let p = provider(json!({
            "name": NAME,
            "attributeMapping": {"google.subject": "assertion.sub", "attribute.env": "assertion.environment"},
            "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
        }));
        let c = github("ref:refs/heads/main", "refs/heads/main");
        let mapped = p.map_attributes(&c).unwrap();
        assert!(mapped.attributes.is_empty(), "{mapped:?}");
        let e = p.evaluate(&c);
        assert!(e.allowed);
        let env = e.rules[0]
            .checks
            .iter()
            .find(|c| c.key == "attribute.env")
            .unwrap();
        assert!(env.matched && env.actual.is_none());

        let p = provider(json!({
            "name": NAME,
            "attributeMapping": {"google.subject": "assertion.subject"},
            "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
        }));
        let v = refusal(&p, &c);
        assert_eq!(v.rule, TRUST_GCP_MAPPING_FAILED);
        assert!(v.cause.contains("`subject`"), "{}", v.cause);
        assert_eq!(
            p.map_attributes(&c).unwrap_err().rule,
            TRUST_GCP_MAPPING_FAILED
        );

        let p = provider(
            json!({"name": NAME, "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}}),
        );
        let v = refusal(&p, &c);
        assert_eq!(v.rule, TRUST_GCP_MAPPING_FAILED);
        assert_eq!(v.locator, "$.attributeMapping");
    }

    #[test]
    fn mappings_may_use_extract_and_groups() {
        let p = provider(json!({
            "name": NAME,
            "attributeMapping": {
                "google.subject": "assertion.sub.extract('repo:{repo}:')",
                "google.groups": "assertion.teams",
                "attribute.branch": "assertion.ref.extract('refs/heads/{branch}')"
            },
            "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}
        }));
        let mut c = github("ref:refs/heads/main", "refs/heads/main");
        c.0.insert("teams".to_owned(), json!(["deployers", "admins"]));
        let m = p.map_attributes(&c).unwrap();
        assert_eq!(m.subject, "acme/api");
        assert_eq!(m.groups, ["deployers", "admins"]);
        assert_eq!(m.attributes.get("branch").map(String::as_str), Some("main"));
        // A subject that extracts to nothing is refused.
        c.0.insert(
            "sub".to_owned(),
            json!("project_path:g/p:ref_type:branch:ref:main"),
        );
        let v = p.map_attributes(&c).unwrap_err();
        assert!(v.cause.contains("empty string"), "{}", v.cause);
    }

    /// <https://cloud.google.com/iam/docs/workload-identity-federation#conditions> : the
    /// condition sees `assertion`, `google` and `attribute`.
    #[test]
    fn the_condition_reads_assertion_google_and_attribute() {
        let c = github("ref:refs/heads/main", "refs/heads/main");
        for condition in [
            "assertion.repository == 'acme/api'",
            "attribute.repository == 'acme/api' && attribute.ref == 'refs/heads/main'",
            "google.subject.startsWith('repo:acme/')",
            "assertion.sub.extract('repo:{repo}:') == 'acme/api'",
            "has(assertion.ref) && assertion.event_name in ['push', 'workflow_dispatch']",
        ] {
            assert!(with(condition).evaluate(&c).allowed, "{condition}");
        }
    }

    #[test]
    fn a_false_condition_names_the_claim_and_the_nearest_literal() {
        let p = with("assertion.repository == 'acme/api' && assertion.ref == 'refs/heads/main'");
        let c = github("ref:refs/heads/mian", "refs/heads/mian");
        let v = refusal(&p, &c);
        assert_eq!(v.rule, TRUST_GCP_CONDITION_REJECTED);
        assert_eq!(v.locator, "$.attributeCondition");
        assert!(
            v.cause.contains("`assertion.ref` is `refs/heads/mian`"),
            "{}",
            v.cause
        );
        assert!(
            v.cause.contains("assertion.repository = `acme/api`"),
            "{}",
            v.cause
        );
        assert_eq!(
            v.cloud_error.as_deref(),
            Some(
                "Failed to generate Google Cloud federated token for //iam.googleapis.com/projects/1234567890/locations/global/workloadIdentityPools/my-pool/providers/my-provider: {\"error\":\"unauthorized_client\",\"error_description\":\"The given credential is rejected by the attribute condition.\"}"
            )
        );
        let check = p.evaluate(&c).rules[0].checks.last().cloned().unwrap();
        assert_eq!(check.key, "assertion.repository, assertion.ref");
        assert_eq!(check.operator, "CEL");
        let near = check.near_miss.unwrap();
        assert_eq!(near.expected, "refs/heads/main");
        assert_eq!(near.first_difference, "refs/heads/m".len());
        // Case matters (GGA TROUBLESHOOTING).
        let v = refusal(&with("assertion.repository == 'Acme/API'"), &c);
        assert!(
            v.cause.contains("`assertion.repository` is `acme/api`"),
            "{}",
            v.cause
        );
    }

    #[test]
    fn a_condition_that_errors_or_is_not_boolean_rejects() {
        let c = github("ref:refs/heads/main", "refs/heads/main");
        let v = refusal(&with("assertion.environment == 'prod'"), &c);
        assert_eq!(v.rule, TRUST_GCP_CONDITION_REJECTED);
        assert!(v.cause.contains("fails to evaluate"), "{}", v.cause);
        assert!(v.cause.contains("`environment`"), "{}", v.cause);
        assert!(
            v.cause.contains("assertion.environment (absent)"),
            "{}",
            v.cause
        );
        let v = refusal(&with("assertion.repository"), &c);
        assert!(v.cause.contains("not a boolean"), "{}", v.cause);
    }

    #[test]
    fn an_empty_condition_admits_every_token_of_the_issuer() {
        let p = parse(BROAD).unwrap();
        assert!(p.attribute_condition().is_none());
        assert!(p.subject_patterns(0).is_empty());
        let mut c = github("pull_request", "refs/pull/1/merge");
        c.0.insert("aud".to_owned(), json!(p.audiences()[0]));
        assert!(p.evaluate(&c).allowed);
        assert!(p.pattern_findings("p.json").is_empty());
    }

    #[test]
    fn subject_patterns_are_the_compared_literals() {
        let p = with(
            "assertion.sub == 'repo:acme/api:ref:refs/heads/main' || (attribute.repository == 'acme/api' && assertion.ref.startsWith('refs/heads/release/')) && assertion.actor != 'bot'",
        );
        assert_eq!(
            p.subject_patterns(0),
            [
                "repo:acme/api:ref:refs/heads/main",
                "acme/api",
                "refs/heads/release/*"
            ]
        );
        assert!(p.subject_patterns(1).is_empty());
    }

    fn admitted(p: &GcpProvider) -> Vec<Context> {
        let reviews = crate::policy::review(p, "provider.json");
        assert_eq!(reviews.len(), 1);
        reviews[0].admitted_contexts()
    }

    #[test]
    fn review_of_a_broad_provider_flags_any_repository() {
        let p = parse(BROAD).unwrap();
        assert_eq!(admitted(&p), Context::ALL);
        let reviews = crate::policy::review(&p, "provider.json");
        let ids: Vec<&str> = reviews[0].findings.iter().map(|f| f.id).collect();
        assert!(ids.contains(&TRUST_RISK_SUBJECT_WILDCARD.id), "{ids:?}");
    }

    #[test]
    fn review_of_a_pinned_provider_admits_the_default_branch_only() {
        let p = parse(PINNED).unwrap();
        assert_eq!(p.subject_patterns(0), ["acme/api", "refs/heads/main"]);
        // A job with `environment:` on main carries `ref: refs/heads/main` too.
        assert_eq!(
            admitted(&p),
            [Context::DefaultBranchPush, Context::Environment]
        );
        let reviews = crate::policy::review(&p, "provider.json");
        assert!(
            reviews[0].findings.iter().all(|f| f.risk.is_none()),
            "{:?}",
            reviews[0].findings
        );
    }

    #[test]
    fn review_of_the_sample_flags_the_whole_organization() {
        let p = parse(SAMPLE).unwrap();
        let admitted = admitted(&p);
        assert!(
            admitted.contains(&Context::OtherRepoSameOrg) && !admitted.contains(&Context::OtherOrg),
            "{admitted:?}"
        );
        let reviews = crate::policy::review(&p, "provider.json");
        let ids: Vec<&str> = reviews[0].findings.iter().map(|f| f.id).collect();
        assert!(ids.contains(&TRUST_RISK_ORG_WIDE_SUBJECT.id), "{ids:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whatever the condition text, parsing returns (an error or a provider).
        #[test]
        fn arbitrary_conditions_never_panic(condition in "[ -~éü\\n]{0,80}", tokens in proptest::collection::vec(proptest::sample::select(vec!["assertion", ".", "sub", "==", "'x'", "(", ")", "[", "]", "&&", "||", "!", "in", "extract(", "'{a}'", "has(", ",", "?", ":", "1", "{", "}"]), 0..40)) {
            for text in [condition, tokens.concat()] {
                let doc = json!({"name": NAME, "attributeMapping": {"google.subject": "assertion.sub"}, "attributeCondition": text, "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"}});
                if let Ok(p) = GcpProvider::parse(doc.to_string().as_bytes()) {
                    let _ = p.evaluate(&github("ref:refs/heads/main", "refs/heads/main"));
                    let _ = p.subject_patterns(0);
                }
            }
        }
    }
}
