use super::*;
use serde_json::json;

fn eval(source: &str, assertion: serde_json::Value) -> Result<serde_json::Value, String> {
    let compiled = compile(source, CONDITION_VARIABLES).map_err(|e| e.message)?;
    let bindings = Bindings {
        assertion: from_json(&assertion),
        google: Some(string_map([(
            "subject".to_owned(),
            Value::String(Arc::new("s".to_owned())),
        )])),
        attribute: Some(string_map([])),
    };
    on_worker(|| compiled.evaluate(&bindings).map(|v| to_json(&v))).unwrap()
}

/// <https://cloud.google.com/iam/docs/workload-identity-federation#attribute-mapping> :
/// `assertion.sub.extract('repo:{repo}:')`, `assertion.email.extract('{name}@example.com')`,
/// `assertion.arn.extract('assumed-role/{role_name}/')`.
#[test]
fn extract_returns_the_text_where_the_placeholder_stands() {
    let claims = json!({
        "sub": "repo:acme/api:ref:refs/heads/main",
        "email": "alice@example.com",
        "arn": "arn:aws:sts::123456789012:assumed-role/deployer/session-1",
    });
    assert_eq!(
        eval("assertion.sub.extract('repo:{repo}:')", claims.clone()),
        Ok(json!("acme/api"))
    );
    assert_eq!(
        eval(
            "assertion.email.extract('{name}@example.com')",
            claims.clone()
        ),
        Ok(json!("alice"))
    );
    assert_eq!(
        eval(
            "assertion.arn.extract('assumed-role/{role_name}/')",
            claims.clone()
        ),
        Ok(json!("deployer"))
    );
    assert_eq!(
        eval(
            "assertion.arn.extract('{account_arn}assumed-role/')",
            claims.clone()
        ),
        Ok(json!("arn:aws:sts::123456789012:"))
    );
    assert_eq!(
        eval("assertion.sub.extract(':ref:{ref}')", claims.clone()),
        Ok(json!("refs/heads/main"))
    );
}

#[test]
fn extract_is_empty_when_the_value_does_not_fit() {
    let claims =
        json!({"sub": "project_path:g/p:ref_type:branch:ref:main", "email": "bob@other.org"});
    assert_eq!(
        eval("assertion.sub.extract('repo:{repo}:')", claims.clone()),
        Ok(json!(""))
    );
    assert_eq!(
        eval(
            "assertion.email.extract('{name}@example.com')",
            claims.clone()
        ),
        Ok(json!(""))
    );
    assert_eq!(
        eval("assertion.sub.extract('ref:{r}:nothing')", claims),
        Ok(json!(""))
    );
}

#[test]
fn extract_templates_need_exactly_one_placeholder() {
    let e = compile("assertion.sub.extract('repo:')", MAPPING_VARIABLES).unwrap_err();
    assert!(e.message.contains("placeholder"), "{e:?}");
    assert_eq!(e.offset, "assertion.sub.extract(".len());
    assert!(compile("assertion.sub.extract('{a}:{b}')", MAPPING_VARIABLES).is_err());
    // A template computed at run time is checked when it runs.
    let r = eval(
        "assertion.sub.extract(assertion.t)",
        json!({"sub": "x", "t": "no placeholder"}),
    );
    assert!(r.unwrap_err().contains("placeholder"));
}

#[test]
fn syntax_errors_carry_the_character_offset() {
    let e = compile("assertion.sub == ", MAPPING_VARIABLES).unwrap_err();
    assert_eq!(e.offset, "assertion.sub == ".len());
    assert!(e.message.contains("Syntax error"), "{e:?}");
    let e = compile("'ééé' == (", MAPPING_VARIABLES).unwrap_err();
    assert_eq!(e.offset, "'ééé' == (".chars().count());
    let e = compile("assertion.a &&\n  assertion.b ==", CONDITION_VARIABLES).unwrap_err();
    assert_eq!(e.offset, "assertion.a &&\n  assertion.b ==".chars().count());
}

#[test]
fn unknown_functions_and_variables_do_not_compile() {
    let e = compile("assertion.sub.frobnicate('x')", MAPPING_VARIABLES).unwrap_err();
    assert!(e.message.contains("frobnicate"), "{e:?}");
    assert_eq!(e.offset, "assertion.sub.".len());
    let e = compile("'é' == lookup(assertion.sub)", MAPPING_VARIABLES).unwrap_err();
    assert_eq!(e.offset, "'é' == ".chars().count());
    let e = compile("assertoin.sub", MAPPING_VARIABLES).unwrap_err();
    assert!(e.message.contains("assertoin"), "{e:?}");
    assert_eq!(e.offset, 0);
    // `attribute` is the condition's, not a mapping's.
    assert!(compile("attribute.repo", MAPPING_VARIABLES).is_err());
    assert!(
        compile(
            "attribute.repo == 'x' && google.subject != ''",
            CONDITION_VARIABLES
        )
        .is_ok()
    );
    // Comprehension variables, macros and standard functions are declared.
    assert!(compile("assertion.groups.exists(g, g.startsWith('a')) && has(assertion.x) && size(assertion.sub) < 10", CONDITION_VARIABLES).is_ok());
    assert!(
        compile(
            "assertion.sub.matches('^repo:') && assertion.sub.lowerAscii() == 'x'",
            CONDITION_VARIABLES
        )
        .is_ok()
    );
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    assert!(compile(&deep, MAPPING_VARIABLES).is_err());
    let long = vec!["assertion.a"; 600].join(" + ");
    let e = compile(&long, MAPPING_VARIABLES).unwrap_err();
    assert!(e.message.contains("levels deep"), "{e:?}");
}

#[test]
fn comparisons_and_reads_are_read_from_the_tree() {
    let c = compile(
        "assertion.repository == 'acme/api' && 'refs/heads/main' == assertion['ref'] && assertion.sub.startsWith('repo:acme/') && attribute.env in ['prod', 'stage'] && 'admins' in google.groups && !(assertion.actor == 'mallory') && assertion.x != 'y'",
        CONDITION_VARIABLES,
    )
    .unwrap();
    let lits: Vec<(&str, &str, CompareKind)> = c
        .comparisons
        .iter()
        .map(|c| (c.operand_text.as_str(), c.literal.as_str(), c.kind))
        .collect();
    assert_eq!(
        lits,
        vec![
            ("assertion.repository", "acme/api", CompareKind::Equals),
            ("assertion['ref']", "refs/heads/main", CompareKind::Equals),
            ("assertion.sub", "repo:acme/", CompareKind::Prefix),
            ("attribute.env", "prod", CompareKind::OneOf),
            ("attribute.env", "stage", CompareKind::OneOf),
            ("google.groups", "admins", CompareKind::Contains),
        ]
    );
    let reads: Vec<String> = c.reads.iter().map(ToString::to_string).collect();
    assert_eq!(
        reads,
        [
            "assertion.repository",
            "assertion.ref",
            "assertion.sub",
            "attribute.env",
            "google.groups",
            "assertion.actor",
            "assertion.x"
        ]
    );
    assert_eq!(
        compile("assertion.repository_owner", MAPPING_VARIABLES)
            .unwrap()
            .bare,
        Some(Path::Claim("repository_owner".to_owned()))
    );
}

#[test]
fn a_missing_claim_is_an_evaluation_error_naming_it() {
    let e = eval("assertion.environment == 'prod'", json!({"sub": "x"})).unwrap_err();
    assert!(e.contains("`environment`"), "{e}");
}
