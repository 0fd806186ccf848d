//! The triage TUI, in The Elm Architecture: one [`App`] state, one [`Message`] enum,
//! [`update`] and a pure [`view`]. `run` owns the terminal: it restores it on every
//! exit path (ratatui's init installs a panic hook that does so).

mod app;
mod view;

use std::io;
use std::time::Duration;

pub use app::{App, Message, update};
use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEventKind, KeyModifiers,
    MouseButton, MouseEventKind,
};
use crossterm::execute;
pub use view::view;

/// Options for a TUI session.
#[derive(Clone, Copy, Debug, Default)]
pub struct TuiOptions {
    /// Leave the mouse to the terminal (text selection).
    pub no_mouse: bool,
}

/// Translate a terminal event to a message.
pub fn message_for(event: &Event) -> Option<Message> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Message::Quit)
            }
            KeyCode::Char('q') => Some(Message::Quit),
            KeyCode::Left | KeyCode::Char('h') | KeyCode::BackTab => Some(Message::PreviousStage),
            KeyCode::Right | KeyCode::Char('l') | KeyCode::Tab => Some(Message::NextStage),
            KeyCode::Down | KeyCode::Char('j') => Some(Message::ScrollDown),
            KeyCode::Up | KeyCode::Char('k') => Some(Message::ScrollUp),
            KeyCode::Char('?') => Some(Message::ToggleHelp),
            KeyCode::Esc => Some(Message::CloseOverlay),
            _ => None,
        },
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Message::Click {
                column: mouse.column,
                row: mouse.row,
            }),
            MouseEventKind::ScrollDown => Some(Message::ScrollDown),
            MouseEventKind::ScrollUp => Some(Message::ScrollUp),
            _ => None,
        },
        Event::Resize(..) => Some(Message::Redraw),
        _ => None,
    }
}

/// Run the TUI until the user quits.
pub fn run(mut app: App, options: TuiOptions) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    if !options.no_mouse {
        let _ = execute!(io::stdout(), EnableMouseCapture);
        // ratatui's hook restores the screen; mouse reporting is ours to turn off, on
        // a panic too, before that hook runs.
        let restore = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(io::stdout(), DisableMouseCapture);
            restore(info);
        }));
    }
    let result = (|| -> io::Result<()> {
        loop {
            terminal.draw(|frame| view(&app, frame))?;
            if app.quit {
                return Ok(());
            }
            if event::poll(Duration::from_millis(250))? {
                let event = event::read()?;
                if let Some(message) = message_for(&event) {
                    let size = terminal.size()?;
                    update(&mut app, message, size.width);
                }
            }
        }
    })();
    if !options.no_mouse {
        let _ = execute!(io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}
