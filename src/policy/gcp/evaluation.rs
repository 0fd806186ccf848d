//! Running the provider's expressions for one token, within the budgets, and the
//! attributes they map.

use super::*;

impl GcpProvider {
    /// The expressions with where they are and how to name them.
    pub(super) fn expressions(&self) -> impl Iterator<Item = (String, String, &Compiled)> {
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
    pub(super) fn run(&self, claims: &Claims) -> Run {
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
    pub(super) fn not_run(&self, exceeded: Exceeded) -> Run {
        let skipped = "not evaluated: over an evaluation budget".to_owned();
        Run {
            mapped: self.mappings.iter().map(|_| Err(skipped.clone())).collect(),
            condition: None,
            operands: Vec::new(),
            budget: Some(exceeded),
        }
    }

    /// The evaluation itself (on the worker).
    pub(super) fn run_here(&self, assertion: &Value) -> Run {
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
    pub(super) fn interpret(
        &self,
        claims: &Claims,
        run: &Run,
    ) -> Result<MappedAttributes, Verdict> {
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
            let reason = TRUST_GCP_MAPPING_FAILED
                .reason()
                .with("update", self.update_command())
                .cause("no-subject")
                .fix("no-subject");
            return Err(self.refusal(reason, "$.attributeMapping", None));
        };
        let mapping = self.mappings.get(index);
        let locator = mapping
            .map(Mapping::locator)
            .unwrap_or_else(|| "$.attributeMapping".to_owned());
        let source = mapping
            .map(|m| m.expression.source.as_str())
            .unwrap_or_default();
        let failed = TRUST_GCP_MAPPING_FAILED
            .reason()
            .with("source", source)
            .with("claims", claim_names.join(", "));
        match result {
            Err(e) => Err(self.refusal(failed.with("error", e).cause("error"), &locator, None)),
            Ok(Value::String(s)) if s.is_empty() => {
                Err(self.refusal(failed.cause("empty"), &locator, None))
            }
            Ok(Value::String(s)) if s.len() > SUBJECT_LIMIT => {
                let reason = TRUST_GCP_SUBJECT_TOO_LONG
                    .reason()
                    .with("source", source)
                    .with("subject", s)
                    .with("bytes", s.len())
                    .with("limit", SUBJECT_LIMIT);
                Err(self.refusal(
                    reason,
                    &locator,
                    // google-github-actions/auth TROUBLESHOOTING, errors.md.
                    Some("The size of mapped attribute exceeds the 127 bytes limit.".to_owned()),
                ))
            }
            Ok(Value::String(s)) => Ok(MappedAttributes {
                subject: s.clone(),
                groups,
                attributes,
            }),
            Ok(other) => Err(self.refusal(
                failed
                    .with("type", crate::token::claims::json_type_name(other))
                    .with("value", other)
                    .cause("not-string"),
                &locator,
                None,
            )),
        }
    }

    /// The attribute mapping evaluated for these claims: what the token's principals are
    /// made of. A verdict when `google.subject` cannot be mapped.
    #[allow(clippy::result_large_err)]
    pub fn map_attributes(&self, claims: &Claims) -> Result<MappedAttributes, Verdict> {
        let run = self.run(claims);
        self.interpret(claims, &run)
    }
}

/// The results of one evaluation of the provider's expressions.
pub(super) struct Run {
    /// Per mapping, in document order: the value as JSON, or the error.
    pub(super) mapped: Vec<Result<Value, String>>,
    /// The condition's value, when there is a condition.
    pub(super) condition: Option<Result<Value, String>>,
    /// The value of each comparison's operand, when the condition is not true.
    pub(super) operands: Vec<Option<Value>>,
    /// The budget that stopped the evaluation, if one did.
    pub(super) budget: Option<Exceeded>,
}
