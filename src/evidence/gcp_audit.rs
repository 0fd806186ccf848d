//! (being written: placeholder that recognises nothing)

use super::{ArtifactKind, EvidenceSource, Input, Recognition};

pub struct GcpAuditLogSource;

impl EvidenceSource for GcpAuditLogSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::GcpAuditLog
    }

    fn recognise(&self, _input: &Input) -> Recognition {
        Recognition::NotMine
    }
}
