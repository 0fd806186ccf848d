//! A one-line text field (add-evidence path, search query, what-if value): a string
//! and a cursor counted in characters, so multi-byte input never splits a character.

/// The text being typed and where the cursor is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineEditor {
    text: String,
    /// In characters, 0..=len.
    cursor: usize,
}

impl LineEditor {
    pub fn with_text(text: impl Into<String>) -> LineEditor {
        let text = text.into();
        let cursor = text.chars().count();
        LineEditor { text, cursor }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Insert typed or pasted text; line breaks and other controls become spaces (a
    /// field is one line, and controls must never reach the screen).
    pub fn insert(&mut self, s: &str) {
        let clean: String = s
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }

    /// Ctrl-U: clear the field.
    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_respects_multibyte_characters() {
        let mut e = LineEditor::default();
        e.insert("zé→a");
        e.left();
        e.backspace();
        assert_eq!(e.text(), "zéa");
        e.home();
        e.delete();
        assert_eq!(e.text(), "éa");
        e.end();
        e.insert("!");
        assert_eq!((e.text(), e.cursor()), ("éa!", 3));
    }

    #[test]
    fn pasted_controls_become_spaces() {
        let mut e = LineEditor::with_text("a");
        e.insert("b\n\x1b[2Jc");
        assert_eq!(e.text(), "ab  [2Jc");
    }
}
