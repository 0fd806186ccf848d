//! (being written: placeholder that recognises nothing)

use super::{ArtifactKind, EvidenceSource, Input, Recognition};

pub struct WorkflowFileSource;

impl EvidenceSource for WorkflowFileSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::WorkflowFileGithubActions
    }

    fn recognise(&self, _input: &Input) -> Recognition {
        Recognition::NotMine
    }
}
