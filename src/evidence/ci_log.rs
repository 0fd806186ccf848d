//! (being written: placeholder that recognises nothing)

use super::{ArtifactKind, EvidenceSource, Input, Recognition};

pub struct CiLogSource;

impl EvidenceSource for CiLogSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::CiLog(crate::token::platform::Platform::Generic)
    }

    fn recognise(&self, _input: &Input) -> Recognition {
        Recognition::NotMine
    }
}
