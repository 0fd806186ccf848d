//! (being written: placeholder that recognises nothing)

use super::{ArtifactKind, EvidenceSource, Input, Recognition};

pub struct CloudTrailSource;

impl EvidenceSource for CloudTrailSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::Cloudtrail
    }

    fn recognise(&self, _input: &Input) -> Recognition {
        Recognition::NotMine
    }
}
