//! Wildcard matching as the clouds define it. AWS `StringLike` and Azure `matches`:
//! `*` any run of characters (including `/` and `:`), `?` exactly one character,
//! case-sensitive. Vault `bound_claims_type=glob` (ryanuber/go-glob): only `*`.

/// Which wildcard dialect a pattern is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `*` and `?` (AWS StringLike, Azure claimsMatchingExpression `matches`).
    StarAndQuestion,
    /// `*` only; `?` is a literal (Vault glob, go-glob).
    StarOnly,
}

/// True when the pattern has a wildcard in this dialect.
pub fn has_wildcard(pattern: &str, dialect: Dialect) -> bool {
    match dialect {
        Dialect::StarAndQuestion => pattern.contains(['*', '?']),
        Dialect::StarOnly => pattern.contains('*'),
    }
}

/// Match `text` against `pattern`, iteratively (no recursion, no backtracking blow-up:
/// O(len(text) × len(pattern)) worst case).
pub fn matches(pattern: &str, text: &str, dialect: Dialect) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len()
            && (p[pi] == t[ti] || (p[pi] == '?' && dialect == Dialect::StarAndQuestion))
        {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SQ: Dialect = Dialect::StarAndQuestion;

    #[test]
    fn star_spans_slashes_and_colons_as_aws_documents() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
        assert!(matches(
            "repo:octo-org/*",
            "repo:octo-org/octo-repo:ref:refs/heads/main",
            SQ
        ));
        assert!(matches(
            "repo:octo-org/octo-repo:*",
            "repo:octo-org/octo-repo:pull_request",
            SQ
        ));
        assert!(matches(
            "repo:o/r:ref:refs/heads/*",
            "repo:o/r:ref:refs/heads/feature/x",
            SQ
        ));
        assert!(!matches(
            "repo:o/r:ref:refs/heads/main",
            "repo:o/r:ref:refs/heads/main2",
            SQ
        ));
        assert!(matches("*", "", SQ));
        assert!(!matches("a", "", SQ));
    }

    #[test]
    fn question_mark_is_one_character_except_in_go_glob() {
        assert!(matches("v?.0", "v1.0", SQ));
        assert!(!matches("v?.0", "v10.0", SQ));
        assert!(!matches("v?.0", "v1.0", Dialect::StarOnly));
        assert!(matches("v?.0", "v?.0", Dialect::StarOnly));
    }

    #[test]
    fn matching_is_case_sensitive() {
        assert!(!matches("repo:Octo-Org/*", "repo:octo-org/x", SQ));
    }

    #[test]
    fn many_stars_do_not_blow_up() {
        let pattern = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
        let text = "a".repeat(5000);
        assert!(!matches(pattern, &text, SQ));
    }

    proptest! {
        /// A pattern without wildcards behaves as string equality (StringLike = StringEquals).
        #[test]
        fn no_wildcard_means_equality(p in "[^*?]{0,20}", t in "[^*?]{0,20}") {
            prop_assert_eq!(matches(&p, &t, SQ), p == t);
            prop_assert_eq!(matches(&p, &t, Dialect::StarOnly), p == t);
        }

        #[test]
        fn a_string_matches_itself_and_star(t in ".{0,40}") {
            let literal = t.replace(['*', '?'], "x");
            prop_assert!(matches(&literal, &literal, SQ));
            prop_assert!(matches("*", &t, SQ));
        }

        #[test]
        fn prefix_star_matches_every_extension(prefix in "[a-z:/]{0,12}", rest in ".{0,20}") {
            let text = format!("{prefix}{rest}");
            let pattern = format!("{prefix}*");
            prop_assert!(matches(&pattern, &text, SQ));
        }
    }
}
