//! The five stage boxes with arrows. Each box says its status in words and a mark as
//! well as colour; the stage where evidence stops carries `◀ stops here` on its bottom
//! border, where it never competes with the status words.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::{Areas, bold, contains, dim, status_style};
use crate::tui::app::{App, Pane};
use crate::vocabulary::{Risk, Stage};

/// Between stage boxes: a drawn arrow when there is room, a bare one when the
/// boxes need every column to show their status words whole.
const WIDE_ARROW: &str = " ─▶ ";
const NARROW_ARROW: &str = "▶";
/// Below this width the boxes take the narrow arrow.
const WIDE_LAYOUT_MIN: u16 = 131;

fn arrow_for(width: u16) -> &'static str {
    if width >= WIDE_LAYOUT_MIN {
        WIDE_ARROW
    } else {
        NARROW_ARROW
    }
}

/// Column start and width of each stage box in `area`.
fn stage_columns(area: Rect) -> [(u16, u16); 5] {
    let arrow = arrow_for(area.width).chars().count() as u16;
    let box_width = area.width.saturating_sub(4 * arrow) / 5;
    let mut columns = [(0, 0); 5];
    for (i, column) in columns.iter_mut().enumerate() {
        *column = (area.x + i as u16 * (box_width + arrow), box_width);
    }
    columns
}

/// The stage whose box is at a screen position (mouse clicks).
pub fn stage_at(areas: &Areas, column: u16, row: u16) -> Option<Stage> {
    if !contains(areas.pipeline, column, row) {
        return None;
    }
    stage_columns(areas.pipeline)
        .iter()
        .position(|&(x, w)| column >= x && column < x + w)
        .map(|i| Stage::ALL[i])
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let columns = stage_columns(area);
    let arrow_text = arrow_for(area.width);
    let focused = app.focus == Pane::Stages && app.overlay == crate::tui::app::Overlay::None;
    for (i, stage) in Stage::ALL.into_iter().enumerate() {
        let (x, w) = columns[i];
        let inner = w.saturating_sub(2) as usize;
        let rect = Rect::new(x, area.y, w, area.height);
        let status = app.status(stage);
        let stopped = app.diagnosis.stopped_at == Some(stage);
        let selected = app.selected == stage;
        let mut border = status_style(status);
        if selected {
            border = border.add_modifier(Modifier::BOLD);
        }
        // Long names where they fit whole, short labels where they would be cut.
        let name = if stage.title().chars().count() <= inner {
            stage.title()
        } else {
            stage.label()
        };
        let number = match (selected, focused) {
            (true, true) => format!("▶{}◀", i + 1),
            (true, false) => format!("▶{}", i + 1),
            _ => format!(" {}", i + 1),
        };
        let mut block = Block::new()
            .borders(Borders::ALL)
            .border_type(if selected {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(border)
            .title(Span::styled(number, border));
        if stopped {
            let mark = if inner >= 13 {
                "◀ stops here"
            } else {
                "◀ stops"
            };
            block = block.title_bottom(Span::styled(mark, border.add_modifier(Modifier::REVERSED)));
        } else if let Some(risk) = app
            .diagnosis
            .findings_on(stage)
            .filter_map(|f| f.risk)
            .max()
            .filter(|&r| r >= Risk::Medium)
        {
            // A path that works too well: the risk is as visible as a failure.
            let mark = if inner >= 13 {
                format!("⚠ risk {}", risk.name())
            } else {
                format!("⚠ {}", risk.name())
            };
            let style = match risk {
                Risk::High => Style::new()
                    .fg(Color::Red)
                    .add_modifier(Modifier::REVERSED | Modifier::BOLD),
                _ => Style::new()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::REVERSED),
            };
            block = block.title_bottom(Span::styled(mark, style));
        }
        let lines = vec![
            Line::from(Span::styled(name, bold())),
            Line::from(Span::styled(
                format!("{} {}", status.mark(), status.label()),
                status_style(status),
            )),
        ];
        frame.render_widget(Paragraph::new(lines).block(block), rect);
        if i < 4 {
            let arrow = Rect::new(x + w, area.y + 1, arrow_text.chars().count() as u16, 1);
            frame.render_widget(Paragraph::new(arrow_text).style(dim()), arrow);
        }
    }
}
