//! A scrolling, word-wrapped document for practice screens. Screens describe content as
//! paragraphs and hanging-indent items; this wraps them to the pane's width itself (so
//! it knows how many rows there are), keeps a focused item in view, and marks more
//! content above or below with `▲`/`▼` — text is never cut silently.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text::escape_control;
use crate::tui::view::wrap::{Row, wrap};

/// Display width of a string (as ratatui measures it).
fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// The document being built for one pane.
pub struct Doc {
    width: usize,
    lines: Vec<Line<'static>>,
    focus: Option<(usize, usize)>,
}

impl Doc {
    pub fn new(width: u16) -> Doc {
        Doc {
            width: usize::from(width).max(8),
            lines: Vec::new(),
            focus: None,
        }
    }

    pub fn blank(&mut self) {
        self.lines.push(Line::raw(""));
    }

    /// Rows added so far (after wrapping).
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// A bold heading.
    pub fn heading(&mut self, text: &str) {
        self.text(text, Style::new().add_modifier(Modifier::BOLD));
    }

    /// Plain text (escaped), one paragraph per `\n`-separated line.
    pub fn text(&mut self, text: &str, style: Style) {
        self.item("", Style::new(), text, style);
    }

    /// An item with a prefix (`"  2. "`, `"✓ "`) and a body wrapped under it, later rows
    /// indented by the prefix's width.
    pub fn item(&mut self, prefix: &str, prefix_style: Style, body: &str, body_style: Style) {
        let prefix = escape_control(prefix).into_owned();
        let indent = width(&prefix);
        for (p, paragraph) in body.split('\n').enumerate() {
            let lead = if p == 0 {
                Span::styled(prefix.clone(), prefix_style)
            } else {
                Span::raw(" ".repeat(indent))
            };
            let body = Span::styled(escape_control(paragraph).into_owned(), body_style);
            let row = Row::new(vec![lead, body], u16::try_from(indent).unwrap_or(u16::MAX));
            self.lines
                .extend(wrap(&row, u16::try_from(self.width).unwrap_or(u16::MAX)));
        }
    }

    /// A line of spans drawn as given (callers keep it within the width).
    pub fn spans(&mut self, spans: Vec<Span<'static>>) {
        self.lines.push(Line::from(spans));
    }

    /// Keep what is added inside `f` in view (the selected option).
    pub fn focused(&mut self, f: impl FnOnce(&mut Doc)) {
        let start = self.lines.len();
        f(self);
        self.focus = Some((start, self.lines.len()));
    }

    /// Draw into `area` from row `scroll` (clamped), moved so the focus is visible,
    /// with `▲`/`▼` in the right column when rows are hidden above or below.
    pub fn render(self, frame: &mut Frame, area: Rect, scroll: u16) {
        let height = usize::from(area.height);
        if height == 0 {
            return;
        }
        let total = self.lines.len();
        let max_scroll = total.saturating_sub(height);
        let mut top = usize::from(scroll).min(max_scroll);
        if let Some((start, end)) = self.focus {
            if end > top + height {
                top = end.saturating_sub(height).min(start);
            }
            if start < top {
                top = start;
            }
        }
        let visible: Vec<Line<'static>> = self.lines.into_iter().skip(top).take(height).collect();
        frame.render_widget(Paragraph::new(visible), area);
        let marker = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
        let x = area.x + area.width.saturating_sub(1);
        if top > 0 {
            frame.render_widget(
                Paragraph::new(Span::styled("▲", marker)),
                Rect::new(x, area.y, 1, 1),
            );
        }
        if top + height < total {
            frame.render_widget(
                Paragraph::new(Span::styled("▼", marker)),
                Rect::new(x, area.y + area.height - 1, 1, 1),
            );
        }
    }
}
