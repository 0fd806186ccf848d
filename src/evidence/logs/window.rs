//! The time window a next-evidence query asks for: around the path's own records,
//! else around the token's validity, else the whole export — the same choice for
//! every log reader, each with its own margins.

/// How far a query reaches before and after what it is centred on, in seconds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Margins {
    /// Around the path's records.
    pub before: i64,
    pub after: i64,
    /// After the token's validity window (before it: `before`).
    pub after_token: i64,
}

/// `[from, until]` for a query: the path's record times widened by the margins, else
/// the token's window, else the span of every record; `None` when nothing is timed.
pub(crate) fn query_window(
    path_times: &[i64],
    token_window: Option<(i64, i64)>,
    all_times: impl Iterator<Item = i64>,
    m: Margins,
) -> Option<(i64, i64)> {
    let span = |times: &mut dyn Iterator<Item = i64>| {
        times.fold(None, |acc: Option<(i64, i64)>, t| {
            Some(acc.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))
        })
    };
    if let Some((a, b)) = span(&mut path_times.iter().copied()) {
        return Some((a - m.before, b + m.after));
    }
    if let Some((a, b)) = token_window {
        return Some((a - m.before, b + m.after_token));
    }
    span(&mut { all_times })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_then_the_token_then_the_export_centre_the_window() {
        let m = Margins {
            before: 10,
            after: 20,
            after_token: 30,
        };
        assert_eq!(
            query_window(&[100, 50], Some((0, 1)), [1, 2].into_iter(), m),
            Some((40, 120))
        );
        assert_eq!(
            query_window(&[], Some((0, 1)), [1, 2].into_iter(), m),
            Some((-10, 31))
        );
        assert_eq!(
            query_window(&[], None, [5, 2, 9].into_iter(), m),
            Some((2, 9))
        );
        assert_eq!(query_window(&[], None, std::iter::empty(), m), None);
    }
}
