use super::*;
use crate::vocabulary::catalog::{CATALOG, TOKEN_EXPIRED};

fn builtin() -> Knowledge {
    Knowledge::builtin().unwrap()
}

#[test]
fn every_rule_has_knowledge_and_every_entry_a_rule() {
    let k = builtin();
    for r in CATALOG {
        let t = k
            .finding(r.id)
            .unwrap_or_else(|| panic!("{} has no knowledge", r.id));
        assert_eq!(t.title, r.title);
    }
    for t in k.findings() {
        assert!(k.rule(&t.id).is_some(), "{} is not a rule", t.id);
    }
}

#[test]
fn every_source_is_an_https_url() {
    let k = builtin();
    let sources = k
        .findings()
        .into_iter()
        .flat_map(|t| t.sources.iter().map(move |s| (t.id.clone(), s)))
        .chain(
            k.commands()
                .into_iter()
                .flat_map(|c| c.sources.iter().map(move |s| (c.id.clone(), s))),
        );
    for (id, s) in sources {
        assert!(
            s.starts_with("https://") && s.len() > "https://".len() + 3 && !s.contains(' '),
            "{id}: source {s:?} is not an https URL"
        );
    }
}

#[test]
fn every_next_evidence_id_names_a_command() {
    let k = builtin();
    for t in k.findings() {
        for n in &t.next {
            assert!(k.command(n).is_some(), "{}: next {n:?} is no command", t.id);
        }
    }
}

/// Values no command may let out of their word or literal.
const HOSTILE: &[&str] = &[
    "deploy;touch${IFS}PROOF;#",
    "$(curl https://example.invalid)",
    "`id`",
    "a'b\"c\\d",
    "line\nbreak",
    "x' OR '1'='1",
    "",
];

#[test]
fn every_command_renders_with_every_value_and_keeps_hostile_values_whole() {
    let k = builtin();
    for c in k.commands() {
        let names = c.placeholders();
        for hostile in HOSTILE {
            let values: Vec<(&str, String)> = names
                .iter()
                .map(|n| (n.as_str(), (*hostile).to_owned()))
                .collect();
            let line = c
                .render(&values)
                .unwrap_or_else(|e| panic!("{}: {e}", c.id));
            assert!(!line.contains('‹'), "{}: {line}", c.id);
            if !c.argv.is_empty() {
                let words = shlex::split(&line)
                    .unwrap_or_else(|| panic!("{}: does not split: {line}", c.id));
                // No hostile value ever spans or creates words: the word count is
                // the template's own.
                let plain: Vec<(&str, String)> =
                    names.iter().map(|n| (n.as_str(), "v".to_owned())).collect();
                let reference = shlex::split(&c.render(&plain).unwrap()).unwrap();
                assert_eq!(words.len(), reference.len(), "{}: {line}", c.id);
            }
        }
    }
}

#[test]
fn a_reason_fills_its_templates_and_shows_what_is_missing() {
    let mut k = builtin();
    k.add_file(
        Path::new("test.toml"),
        r#"
[[finding]]
id = "token.expired"
severity = "error"
title = "Token expired"
cause = "expired {ago} ago at {when}"
fix = { default = "mint a new one", replay = "replay with --now {when}" }
"#,
        false,
    )
    .unwrap();
    let reason = TOKEN_EXPIRED.reason().with("ago", "4m").fix("replay");
    let (cause, fix) = reason.texts_in(&k);
    assert_eq!(cause, "expired 4m ago at ‹when?›");
    assert_eq!(fix, "replay with --now ‹when?›");
    let (_, fix) = TOKEN_EXPIRED.reason().fix("unknown").texts_in(&k);
    assert_eq!(fix, "mint a new one");
}

#[test]
fn placeholders_are_names_and_braces_escape() {
    assert_eq!(placeholders("a {b} {{c}} {d_2}").unwrap(), ["b", "d_2"]);
    assert!(placeholders("a {B}").is_err());
    assert!(placeholders("a {b").is_err());
    assert!(placeholders("a } b").is_err());
}

#[test]
fn optional_groups_and_clauses_drop_without_their_values() {
    let mut k = Knowledge::default();
    k.add_file(
        Path::new("c.toml"),
        r#"
[[command]]
id = "t.lookup"
what = "events for {role}"
argv = ["aws", "cloudtrail", "lookup-events", ["--region", "{region}"]]

[[command]]
id = "t.sql"
what = "events"
lang = "sql"
text = "SELECT * FROM t WHERE {clauses}"
clauses = ["a = 1", "role = {role}"]

[[command]]
id = "t.lake"
what = "events"
lang = "sql"
text = "SELECT 1 WHERE {clauses}"
clauses = ["role = {role}"]
argv = ["aws", "cloudtrail", "start-query", "--query-statement", "{query}"]
"#,
        true,
    )
    .unwrap();
    let n = k
        .next_evidence("t.lookup", &[("role", "r".to_owned())])
        .unwrap();
    assert_eq!(n.command, "aws cloudtrail lookup-events");
    assert_eq!(n.what, "events for r");
    let n = k
        .next_evidence(
            "t.lookup",
            &[("role", "r".into()), ("region", "eu west".into())],
        )
        .unwrap();
    assert_eq!(n.command, "aws cloudtrail lookup-events --region 'eu west'");
    let sql = k.next_evidence("t.sql", &[("role", "o'x".into())]).unwrap();
    assert_eq!(sql.command, "SELECT * FROM t WHERE a = 1 AND role = 'o''x'");
    let sql = k.next_evidence("t.sql", &[]).unwrap();
    assert_eq!(sql.command, "SELECT * FROM t WHERE a = 1");
    let lake = k.next_evidence("t.lake", &[("role", "x".into())]).unwrap();
    assert_eq!(
        shlex::split(&lake.command).unwrap(),
        [
            "aws",
            "cloudtrail",
            "start-query",
            "--query-statement",
            "SELECT 1 WHERE role = 'x'"
        ]
    );
}

#[test]
fn a_user_folder_adds_and_overrides_but_cannot_change_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("team.toml"),
        r#"
[[finding]]
id = "token.expired"
severity = "error"
title = "Token expired"
cause = "our wrapper's words"
fix = "rerun the job"

[[finding]]
id = "trust.acme.wrapper-refused"
severity = "error"
title = "The acme login wrapper refused the token"
cause = "acme said {what}"
fix = "ask the platform team"
sources = ["https://example.com/acme/wrapper"]
"#,
    )
    .unwrap();
    let k = Knowledge::with_folder(dir.path()).unwrap();
    assert_eq!(TOKEN_EXPIRED.reason().texts_in(&k).0, "our wrapper's words");
    let rule = k.rule("trust.acme.wrapper-refused").unwrap();
    assert_eq!(rule.stage, crate::vocabulary::Stage::Trust);
    assert_eq!(
        rule.reason().with("what", "no").texts_in(&k).0,
        "acme said no"
    );

    std::fs::write(
        dir.path().join("worse.toml"),
        "[[finding]]\nid = \"token.expired\"\nseverity = \"info\"\ntitle = \"x\"\n",
    )
    .unwrap();
    let e = Knowledge::with_folder(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("worse.toml") && e.contains("token.expired"),
        "{e}"
    );

    std::fs::write(dir.path().join("worse.toml"), "[[finding]]\nid = \n").unwrap();
    let e = Knowledge::with_folder(dir.path()).unwrap_err().to_string();
    assert!(e.contains("worse.toml") && e.contains("line 2"), "{e}");
}

#[test]
fn a_builtin_id_is_defined_once() {
    let mut k = builtin();
    let again =
        "[[command]]\nid = \"aws.iam.get-role.trust-policy\"\nwhat = \"x\"\nargv = [\"aws\"]\n";
    let e = k
        .add_file(Path::new("b.toml"), again, true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("already defined in commands/fetch.toml"), "{e}");
    let again =
        "[[finding]]\nid = \"token.expired\"\nseverity = \"error\"\ntitle = \"Token expired\"\n";
    let e = k
        .add_file(Path::new("b.toml"), again, true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("already defined in findings/token.toml"), "{e}");
}

/// Findings whose cause and fix are still written in Rust (issue 10: their readers and
/// evaluators do not yet return reasons). The list may only shrink: a new finding must
/// come with its templates, and a converted one must leave the list.
const PROSE_STILL_IN_RUST: &[&str] = &[
    "audit.azure.authorization-failed",
    "role.aws.account-mismatch",
    "role.aws.credentials-unverified",
    "role.aws.max-session-duration",
    "role.azure.no-subscriptions",
    "token.request-failed",
    "trust.aws.action-not-allowed",
    "trust.aws.audience-mismatch",
    "trust.aws.condition-mismatch",
    "trust.aws.explicit-deny",
    "trust.aws.invalid-identity-token",
    "trust.aws.keys-unreachable",
    "trust.aws.not-authorized",
    "trust.aws.provider-mismatch",
    "trust.aws.provider-not-found",
    "trust.aws.string-like-without-wildcard",
    "trust.aws.subject-mismatch",
    "trust.aws.wildcard-with-string-equals",
    "trust.azure.app-not-found",
    "trust.azure.audience-mismatch",
    "trust.azure.expression-mismatch",
    "trust.azure.federation-blocked",
    "trust.azure.issuer-mismatch",
    "trust.azure.issuer-unreachable",
    "trust.azure.no-credentials",
    "trust.azure.no-matching-credential",
    "trust.azure.subject-mismatch",
    "trust.gcp.federated-token-failed",
    "trust.gcp.issuer-unreachable",
    "trust.gcp.org-policy-blocked",
    "trust.risk.any-branch",
    "trust.risk.any-workspace",
    "trust.risk.audience-not-pinned",
    "trust.risk.for-all-values-single-valued",
    "trust.risk.name-based-subject",
    "trust.risk.org-wide-subject",
    "trust.risk.plan-phase",
    "trust.risk.pull-request-subject",
    "trust.risk.repo-wide-subject",
    "trust.risk.subject-wildcard",
    "trust.vault.login-failed",
    "workflow.azure-devops.task-without-wif",
    "workflow.cli-too-old",
    "workflow.vault.role-not-found",
];

#[test]
fn every_finding_has_cause_and_fix_templates_but_the_listed_ones() {
    let k = builtin();
    for t in k.findings() {
        let templated = !t.causes.is_empty() && !t.fixes.is_empty();
        let listed = PROSE_STILL_IN_RUST.contains(&t.id.as_str());
        assert!(
            templated != listed,
            "{}: {}",
            t.id,
            if templated {
                "has templates now: take it off PROSE_STILL_IN_RUST"
            } else {
                "has no cause or fix template (a new finding needs both)"
            }
        );
    }
}
