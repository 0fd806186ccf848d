//! Wrapping styled rows to a width with a hanging indent, so a long evidence line
//! continues under its text rather than at column 0, and a value longer than the
//! line (a locator, a token) is broken, never cut.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// One logical line of a pane before wrapping.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub spans: Vec<Span<'static>>,
    /// Columns continuation lines start at.
    pub indent: u16,
}

impl Row {
    pub fn new(spans: Vec<Span<'static>>, indent: u16) -> Row {
        Row { spans, indent }
    }

    pub fn blank() -> Row {
        Row::default()
    }

    /// The row's text, for search.
    pub fn plain(&self) -> String {
        self.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    /// The same row drawn with `style` over every span (a search match).
    pub fn patched(mut self, style: Style) -> Row {
        for span in &mut self.spans {
            span.style = span.style.patch(style);
        }
        self
    }
}

/// Wrap `row` to `width` columns.
pub fn wrap(row: &Row, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let indent = usize::from(row.indent).min(width / 2);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut current: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    let mut pending_word: Vec<(char, Style)> = Vec::new();

    // Words (runs of non-spaces with the spaces after them) are kept together when
    // they fit on a line; longer ones break at the width.
    let flush_line = |lines: &mut Vec<Line<'static>>, current: &mut Vec<Span<'static>>| {
        lines.push(Line::from(std::mem::take(current)));
    };
    let place = |word: &mut Vec<(char, Style)>,
                 lines: &mut Vec<Line<'static>>,
                 current: &mut Vec<Span<'static>>,
                 used: &mut usize| {
        if word.is_empty() {
            return;
        }
        let trimmed: usize = word
            .iter()
            .rev()
            .skip_while(|(c, _)| *c == ' ')
            .map(|(c, _)| c.width().unwrap_or(0))
            .sum();
        if *used > indent_of(lines, indent) && *used + trimmed > width {
            flush_line(lines, current);
            current.push(Span::raw(" ".repeat(indent)));
            *used = indent;
            // A continuation never starts with the spaces that separated words.
        }
        for &(c, style) in word.iter() {
            let w = c.width().unwrap_or(0);
            if *used + w > width {
                if c == ' ' {
                    continue;
                }
                // A line holding only its hang is not flushed: it gives up the hang.
                let only_hang = !lines.is_empty() && *used == indent;
                if *used > 0 && !only_hang {
                    flush_line(lines, current);
                }
                current.clear();
                // The hang is kept only if the character still fits after it.
                let hang = if indent + w <= width { indent } else { 0 };
                if hang > 0 {
                    current.push(Span::raw(" ".repeat(hang)));
                }
                *used = hang;
            }
            if c == ' ' && *used == indent && !lines.is_empty() {
                continue;
            }
            push_char(current, c, style);
            *used += w;
        }
        word.clear();
    };

    for span in &row.spans {
        for c in span.content.chars() {
            let starts_word = c != ' ' && pending_word.last().is_some_and(|(p, _)| *p == ' ');
            if starts_word {
                place(&mut pending_word, &mut lines, &mut current, &mut used);
            }
            pending_word.push((c, span.style));
        }
    }
    place(&mut pending_word, &mut lines, &mut current, &mut used);
    lines.push(Line::from(current));
    lines
}

/// One line that must not wrap (a list row): cut to `width` columns with `…` at the
/// end, so a cut is always visible.
pub fn fit(spans: Vec<Span<'static>>, width: u16) -> Line<'static> {
    let width = usize::from(width);
    let total: usize = spans.iter().map(Span::width).sum();
    if total <= width {
        return Line::from(spans);
    }
    let mut out = Vec::new();
    let mut used = 0;
    let room = width.saturating_sub(1);
    'spans: for span in spans {
        let mut kept = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > room {
                if !kept.is_empty() {
                    out.push(Span::styled(kept, span.style));
                }
                break 'spans;
            }
            kept.push(c);
            used += w;
        }
        out.push(Span::styled(kept, span.style));
    }
    out.push(Span::styled(
        "…",
        Style::new().add_modifier(ratatui::style::Modifier::BOLD),
    ));
    Line::from(out)
}

/// Where text starts on the current line: column 0 on the first, `indent` after.
fn indent_of(lines: &[Line<'static>], indent: usize) -> usize {
    if lines.is_empty() { 0 } else { indent }
}

fn push_char(spans: &mut Vec<Span<'static>>, c: char, style: Style) {
    if let Some(last) = spans.last_mut()
        && last.style == style
    {
        last.content.to_mut().push(c);
        return;
    }
    spans.push(Span::styled(c.to_string(), style));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                let line: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                line.trim_end().to_owned()
            })
            .collect()
    }

    #[test]
    fn continuation_lines_hang_under_the_text() {
        let row = Row::new(
            vec![
                Span::raw("  FAIL "),
                Span::raw("the token's sub is environment production"),
            ],
            7,
        );
        assert_eq!(
            text(&wrap(&row, 24)),
            [
                "  FAIL the token's sub",
                "       is environment",
                "       production"
            ]
        );
    }

    #[test]
    fn a_word_longer_than_the_line_breaks_and_loses_nothing() {
        let long = "$.Statement[0].Condition.StringEquals";
        let row = Row::new(vec![Span::raw(format!("  x {long}"))], 4);
        let lines = text(&wrap(&row, 16));
        // Continuations start at the indent; the break itself adds nothing.
        let joined: String = lines.iter().map(|l| l.trim_start()).collect();
        assert_eq!(
            joined,
            format!("x{long}"),
            "(the line ends are trimmed here)"
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 16), "{lines:?}");
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let row = Row::new(vec![Span::raw("日本語日本語")], 0);
        assert_eq!(text(&wrap(&row, 6)), ["日本語", "日本語"]);
    }

    #[test]
    fn a_fitted_line_shows_where_it_was_cut() {
        let line = fit(vec![Span::raw("abcdef"), Span::raw("ghij")], 8);
        assert_eq!(text(&[line]), ["abcdefg…"]);
        let short = fit(vec![Span::raw("abc")], 8);
        assert_eq!(text(&[short]), ["abc"]);
    }

    /// Moved from the practice screens' own wrapper, which this one replaced.
    #[test]
    fn wrap_breaks_at_spaces_and_splits_long_words() {
        let plain = |s: &str, w: u16| text(&wrap(&Row::new(vec![Span::raw(s.to_owned())], 0), w));
        assert_eq!(plain("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(plain("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(plain("", 4), [""]);
        for row in plain("the quick brown fox jumps over the lazy dog", 7) {
            assert!(row.chars().count() <= 7, "{row}");
        }
    }

    /// Regression (found by `tests/tui_properties.rs`): a wide character after a hang
    /// ran one column past a very narrow pane.
    #[test]
    fn regression_a_wide_character_never_hangs_past_the_width() {
        let row = Row::new(vec![Span::raw("é日")], 1);
        let lines = text(&wrap(&row, 2));
        assert_eq!(lines, ["é", "日"]);
    }

    #[test]
    fn an_empty_row_is_one_empty_line() {
        assert_eq!(wrap(&Row::blank(), 10).len(), 1);
    }
}
