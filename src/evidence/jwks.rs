//! A JWKS given as an input verifies tokens exactly like `--jwks FILE`.

use std::sync::Arc;

use super::{
    ArtifactKind, EvidenceSource, Input, LoadedArtifact, Observations, Recognition, SharedFacts,
};
use crate::token::verify::{Jwks, JwksError};

pub struct JwksSource;

/// Cheap content check before parsing: a JSON object with a `keys` array of objects
/// carrying `kty`, or a lone JWK.
fn looks_like_jwks(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let t = text.trim_start();
    t.starts_with('{') && (t.contains("\"keys\"") || t.contains("\"kty\"")) && t.contains("\"kty\"")
}

impl EvidenceSource for JwksSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::Jwks
    }

    fn recognise(&self, input: &Input) -> Recognition {
        if !looks_like_jwks(&input.bytes) {
            return Recognition::NotMine;
        }
        match Jwks::parse(&input.bytes) {
            Ok(jwks) => Recognition::Loaded(Box::new(LoadedJwks(Arc::new(jwks)))),
            Err(JwksError::NotJwks { .. }) => Recognition::NotMine,
            Err(e) => Recognition::Broken(Box::new(e)),
        }
    }
}

struct LoadedJwks(Arc<Jwks>);

impl LoadedArtifact for LoadedJwks {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::Jwks
    }

    fn note(&self) -> Option<String> {
        let mut note = format!("{} key(s): {}", self.0.len(), self.0.kids().join(", "));
        if !self.0.skipped.is_empty() {
            note.push_str(&format!("; skipped {}", self.0.skipped.join("; ")));
        }
        Some(crate::text::escape_control(&note).into_owned())
    }

    fn share(&self, artifact: &str, facts: &mut SharedFacts) {
        facts.jwks.push((artifact.to_owned(), Arc::clone(&self.0)));
    }

    fn contribute(&self, _artifact: &str, _facts: &SharedFacts, _out: &mut Observations) {}
}
