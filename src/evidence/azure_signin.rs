//! (being written: placeholder that recognises nothing)

use super::{ArtifactKind, EvidenceSource, Input, Recognition};

pub struct AzureSigninSource;

impl EvidenceSource for AzureSigninSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::AzureSigninLog
    }

    fn recognise(&self, _input: &Input) -> Recognition {
        Recognition::NotMine
    }
}
