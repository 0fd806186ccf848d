//! The message catalogue as the knowledge files define it: every entry reads, every
//! sample is recognised as its own entry, and no two entries read one message
//! differently.

use super::*;
use std::collections::HashSet;

#[test]
fn every_entry_of_the_knowledge_reads() {
    assert_eq!(load_errors(), &[] as &[String]);
    let raw = knowledge().messages.len();
    assert_eq!(messages().len(), raw, "two entries share an id");
    assert!(raw > 100, "{raw}");
}

#[test]
fn ids_are_unique_and_failures_carry_a_rule_on_their_stage() {
    let mut seen = HashSet::new();
    for m in messages() {
        assert!(seen.insert(m.key), "duplicate id {}", m.key);
        match m.outcome {
            Outcome::Fail => {
                let rule = m.rule.unwrap_or_else(|| panic!("{} has no rule", m.key));
                assert_eq!(rule.stage, m.stage, "{}", m.key);
                assert!(!m.fix.is_empty(), "{}", m.key);
            }
            _ => assert!(m.rule.is_none(), "{}", m.key),
        }
        assert!(!m.sample.is_empty(), "{} has no sample", m.key);
    }
}

/// Every entry's sample is matched by its own entry (the fallback for unlisted Entra
/// codes, which no line matches, through the sign-in reader's lookup).
#[test]
fn every_sample_is_recognised_as_its_own_entry() {
    for m in messages() {
        if matches!(m.pattern, Pattern::AadstsFallback) {
            let code = aadsts_codes(&m.sample.to_ascii_lowercase())[0];
            let info = crate::evidence::aadsts::code_info(i64::from(code));
            assert!(info.closest && Some(info.rule) == m.rule, "{}", m.key);
            continue;
        }
        let found = classify(m.sample).unwrap_or_else(|| panic!("{}: nothing matched", m.key));
        assert_eq!(found.key, m.key, "{:?}", m.sample);
    }
}

/// No two entries read the same sample differently: any other entry that matches a
/// sample says the same (stage, outcome, finding), or is a wrapper of it, or the
/// catch-all for Entra codes, or comes later in the catalogue (the general text after
/// the specific one, which the order lets win).
#[test]
fn no_two_entries_read_one_sample_differently() {
    let all = messages();
    for (i, m) in all.iter().enumerate() {
        let lower = m.sample.to_ascii_lowercase();
        let codes = aadsts_codes(&lower);
        for (j, other) in all.iter().enumerate() {
            let later = j > i && !matches!(other.pattern, Pattern::Aadsts(_));
            if other.key == m.key || later {
                continue;
            }
            let hit = match other.pattern {
                Pattern::Aadsts(c) => codes.contains(&c),
                _ => matches(&other.pattern, &lower),
            };
            if !hit || other.wrapper || other.key == "azure.aadsts.other" {
                continue;
            }
            assert_eq!(
                (other.stage, other.outcome, other.rule.map(|r| r.id)),
                (m.stage, m.outcome, m.rule.map(|r| r.id)),
                "`{}` and `{}` both match {:?}",
                m.key,
                other.key,
                m.sample
            );
        }
    }
}

#[test]
fn the_trigger_admits_every_entry() {
    assert!(TRIGGER.is_some());
    for m in messages() {
        if let Pattern::Text { .. } | Pattern::Aadsts(_) = m.pattern {
            assert!(
                TRIGGER.as_ref().is_some_and(|t| t.is_match(m.sample)),
                "{}",
                m.key
            );
        }
    }
}

#[test]
fn entra_codes_compare_as_numbers() {
    assert_eq!(classify("Error: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:a/b:ref:refs/heads/main'.").map(|m| m.key), Some("azure.aadsts700213"));
    assert_eq!(classify("ERROR: AADSTS70021: No matching federated identity record found for presented assertion.").map(|m| m.key), Some("azure.aadsts70021"));
    assert_eq!(classify("AADSTS7002138: No matching federated identity record found for presented assertion subject 'x'. The subject matches with case-insensitive comparison").map(|m| m.key), Some("azure.aadsts7002138"));
    assert_eq!(
        classify("AADSTS9999999: something new").map(|m| m.key),
        Some("azure.aadsts.other")
    );
}

#[test]
fn the_reason_inside_a_wrapper_wins() {
    let m = classify(
        "Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity",
    );
    assert_eq!(m.map(|m| m.key), Some("aws.sts.not-authorized"));
    let m = classify(
        "Error: Could not assume role with OIDC: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
    assert_eq!(m.map(|m| m.key), Some("aws.sts.max-session-duration"));
    let m = classify("Error: Could not assume role with OIDC: Something else entirely");
    assert_eq!(
        m.map(|m| (m.key, m.wrapper)),
        Some(("aws.cac.assume-role-failed", true))
    );
}

#[test]
fn plain_lines_match_nothing() {
    for line in [
        "Run actions/checkout@v4",
        "Switched to a new branch 'main'",
        "",
        "token",
        "aws s3 ls",
    ] {
        assert!(classify(line).is_none(), "{line}");
    }
    assert!(by_key("aws.sts.not-authorized").is_some());
}

/// A user's folder can add a message of its own wrapper; a malformed entry is named.
#[test]
fn a_user_file_adds_a_message_and_a_bad_one_is_named() {
    let dir = std::env::temp_dir().join(format!("oidc-triage-messages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ours.toml"),
        r#"
[[message]]
id = "acme.deploy-wrapper.denied"
finding = "trust.aws.not-authorized"
cloud = "aws"
match.all = ["acme-deploy: role refused"]
meaning = "our deploy wrapper could not assume the role"
resolution = "check the role's trust policy"
sample = "acme-deploy: role refused (exit 3)"

[[message]]
id = "acme.broken"
stage = "nowhere"
meaning = "x"
match.all = ["x"]
"#,
    )
    .unwrap();
    let k = Knowledge::with_folder(&dir).unwrap();
    let (all, errors) = load(&k);
    let _ = std::fs::remove_dir_all(&dir);
    let ours = all
        .iter()
        .find(|m| m.key == "acme.deploy-wrapper.denied")
        .unwrap();
    assert_eq!(ours.stage, Stage::Trust);
    assert!(ours.origin.ends_with("ours.toml"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("acme.broken") && errors[0].contains("nowhere"),
        "{errors:?}"
    );
}
