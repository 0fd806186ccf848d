//! (being written: placeholder that recognises nothing)

use super::{ArtifactKind, EvidenceSource, Input, Recognition};

pub struct ErrorTextSource;

impl EvidenceSource for ErrorTextSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::ErrorText
    }

    fn recognise(&self, _input: &Input) -> Recognition {
        Recognition::NotMine
    }
}
