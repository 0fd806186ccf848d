//! Colour for text output, as plain SGR sequences: the core stays free of terminal
//! crates. Colour never carries meaning alone; every status also has a word or mark.

/// Whether and how to colour text output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    pub color: bool,
}

impl Palette {
    pub const PLAIN: Palette = Palette { color: false };

    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    pub fn pass(self, s: &str) -> String {
        self.paint("32", s)
    }

    pub fn fail(self, s: &str) -> String {
        self.paint("1;31", s)
    }

    pub fn warn(self, s: &str) -> String {
        self.paint("33", s)
    }

    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }

    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
}
