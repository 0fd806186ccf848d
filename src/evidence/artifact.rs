//! Inputs (what the user named or pasted) and artifacts (an input with its sniffed
//! kind). Kinds are docs/design.md's vocabulary; add one there before the code uses it.
//!
//! Memory stays bounded whatever the input: a log export (CloudTrail, GCP audit,
//! Entra sign-ins) larger than [`HEAD_BYTES`] is never held whole, whether it is a
//! file (re-opened by the source that reads it), standard input, a named pipe or a
//! process substitution (`<(…)`): those can be read only once, so their unread rest
//! waits in a [`OneShot`] for the one source that claims the export by its head.
//! Other inputs are read whole, as the sources that parse them need.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Serialize, Serializer};

use crate::token::platform::Platform;

/// The largest input read whole into memory (through stdin or a paste, which cannot
/// be re-read, this is the limit).
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Files larger than this are not read whole: sources see the first
/// [`HEAD_BYTES`] and stream the rest from the file (log exports can be gigabytes).
pub const STREAM_THRESHOLD: u64 = 64 * 1024 * 1024;

/// How much of a large file sources get to sniff.
pub const HEAD_BYTES: usize = 1024 * 1024;

/// Where an input came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    /// A directory (a CloudTrail export tree as `aws s3 sync` leaves it).
    Directory(PathBuf),
    Stdin,
    /// Pasted into the TUI, or a value given on the command line.
    Pasted,
    /// Shipped with the tool (the sample incident).
    Builtin,
    /// A stream that can be read only once: standard input, a named pipe, a process
    /// substitution. When the input is `truncated`, the rest after its head is here.
    Stream(OneShot),
}

/// The unread rest of a once-only stream, handed to the first reader that asks.
#[derive(Clone)]
pub struct OneShot(Arc<Mutex<Option<Box<dyn Read + Send>>>>);

impl OneShot {
    fn new(rest: Option<Box<dyn Read + Send>>) -> OneShot {
        OneShot(Arc::new(Mutex::new(rest)))
    }

    fn take(&self) -> Option<Box<dyn Read + Send>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl fmt::Debug for OneShot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneShot")
    }
}

/// Two inputs share a stream only when they are clones of one another.
impl PartialEq for OneShot {
    fn eq(&self, other: &OneShot) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for OneShot {}

/// One input, as bytes: nothing is assumed about its encoding until it is sniffed.
#[derive(Clone, Debug)]
pub struct Input {
    /// What evidence calls it: the file name, `stdin`, `paste 1`.
    pub name: String,
    /// The content, or only its first [`HEAD_BYTES`] when `truncated`.
    pub bytes: Vec<u8>,
    pub origin: Origin,
    /// The whole size in bytes (0 for a directory; for a stream read past its head,
    /// only the head's, as the rest is not known until it is read).
    pub size: u64,
    /// True when `bytes` is only the head of a large file: stream the rest with
    /// [`Input::open`].
    pub truncated: bool,
}

/// An input that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Opening or reading failed.
    #[error("cannot read {name}: {source}")]
    Io {
        name: String,
        #[source]
        source: std::io::Error,
    },
    /// Larger than the tool reads whole.
    #[error(
        "{name} is larger than {limit} bytes; split it or give the directory of files it came from"
    )]
    TooLarge { name: String, limit: u64 },
}

impl Input {
    /// Text or bytes given directly.
    pub fn pasted(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Input {
        let bytes = bytes.into();
        Input {
            name: name.into(),
            size: bytes.len() as u64,
            bytes,
            origin: Origin::Pasted,
            truncated: false,
        }
    }

    /// Open a file or directory: small files are read whole, large ones only their head
    /// (sources that need the rest stream it with [`Input::open`]), directories not at all.
    pub fn from_path(path: &Path) -> Result<Input, InputError> {
        let name = path.display().to_string();
        let io = |source| InputError::Io {
            name: name.clone(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Ok(Input {
                name,
                bytes: Vec::new(),
                origin: Origin::Directory(path.to_owned()),
                size: 0,
                truncated: false,
            });
        }
        let file = std::fs::File::open(path).map_err(io)?;
        if !meta.is_file() {
            // A named pipe or `<(…)`: opening it again would wait for a writer that is
            // gone, so it is read once, like standard input.
            return Input::from_stream(&name, Box::new(file));
        }
        let (bytes, truncated) = if meta.len() > HEAD_BYTES as u64 {
            let mut head = Vec::with_capacity(HEAD_BYTES);
            let mut file = file;
            (&mut file)
                .take(HEAD_BYTES as u64)
                .read_to_end(&mut head)
                .map_err(io)?;
            if meta.len() > STREAM_THRESHOLD || is_streamed_export(&head) {
                (head, true)
            } else {
                let rest = read_limited(file, &name)?;
                head.extend_from_slice(&rest);
                (head, false)
            }
        } else {
            (read_limited(file, &name)?, false)
        };
        Ok(Input {
            name,
            bytes,
            origin: Origin::File(path.to_owned()),
            size: meta.len(),
            truncated,
        })
    }

    /// Read a once-only stream (standard input, a pipe): its head, then either the
    /// rest whole (up to [`MAX_INPUT_BYTES`]), or, when the head is a log export,
    /// nothing more yet: the source that reads the export streams the rest.
    pub fn from_stream(name: &str, mut reader: Box<dyn Read + Send>) -> Result<Input, InputError> {
        let io = |source| InputError::Io {
            name: name.to_owned(),
            source,
        };
        let mut bytes = Vec::with_capacity(HEAD_BYTES);
        (&mut reader)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        let (rest, truncated) = if bytes.len() < HEAD_BYTES {
            (None, false)
        } else if is_streamed_export(&bytes) {
            (Some(reader), true)
        } else {
            let rest = read_limited(reader.take(MAX_INPUT_BYTES - HEAD_BYTES as u64 + 1), name)?;
            bytes.extend_from_slice(&rest);
            if bytes.len() as u64 > MAX_INPUT_BYTES {
                return Err(InputError::TooLarge {
                    name: name.to_owned(),
                    limit: MAX_INPUT_BYTES,
                });
            }
            (None, false)
        };
        Ok(Input {
            name: name.to_owned(),
            size: bytes.len() as u64,
            bytes,
            origin: Origin::Stream(OneShot::new(rest)),
            truncated,
        })
    }

    /// Read standard input whole (up to [`MAX_INPUT_BYTES`]).
    pub fn from_reader(name: &str, reader: impl Read) -> Result<Input, InputError> {
        let bytes = read_limited(reader, name)?;
        Ok(Input {
            name: name.to_owned(),
            size: bytes.len() as u64,
            bytes,
            origin: Origin::Stdin,
            truncated: false,
        })
    }

    /// The whole content as a stream, cheaply: the bytes in memory when they are all of
    /// it, else the file again (a large export read past its head).
    pub fn content(&self) -> std::io::Result<Box<dyn Read + Send + '_>> {
        if self.truncated {
            self.open()
        } else {
            Ok(super::meter::metered(
                super::meter::current(),
                self.bytes.as_slice(),
            ))
        }
    }

    /// The whole content as a stream: the file again for a file (so a large export is
    /// never held in memory), else the bytes in memory. A directory has no content.
    pub fn open(&self) -> std::io::Result<Box<dyn Read + Send + '_>> {
        match &self.origin {
            Origin::File(path) => Ok(Box::new(std::io::BufReader::with_capacity(
                1 << 20,
                super::meter::metered(super::meter::current(), std::fs::File::open(path)?),
            ))),
            Origin::Directory(path) => Err(std::io::Error::other(format!(
                "{} is a directory",
                path.display()
            ))),
            Origin::Stream(rest) if self.truncated => match rest.take() {
                Some(rest) => Ok(super::meter::metered(
                    super::meter::current(),
                    self.bytes.as_slice().chain(rest),
                )),
                None => Err(std::io::Error::other(
                    "the stream was already read past its head (a stream can be read only once)",
                )),
            },
            // Counted too, so a large paste shows its progress.
            _ => Ok(super::meter::metered(
                super::meter::current(),
                self.bytes.as_slice(),
            )),
        }
    }
}

/// Whether a head is the start of a log export that its source reads as a stream
/// (so the input is not held whole): CloudTrail (plain or gzip), Cloud Audit Logs,
/// Entra sign-ins.
fn is_streamed_export(head: &[u8]) -> bool {
    use super::cloudtrail;
    let cloudtrail = if cloudtrail::is_gzip(head) {
        cloudtrail::gunzip_head(head).is_ok_and(|h| cloudtrail::sniff(&h).is_some())
    } else {
        cloudtrail::sniff(head).is_some()
    };
    cloudtrail || super::gcp_audit::sniff(head) || super::azure_signin::sniff(head)
}

fn read_limited(reader: impl Read, name: &str) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io {
            name: name.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge {
            name: name.to_owned(),
            limit: MAX_INPUT_BYTES,
        });
    }
    Ok(bytes)
}

/// What an artifact is, sniffed from its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArtifactKind {
    Token,
    Claims,
    Jwks,
    AwsTrustPolicy,
    AzureFederatedCredential,
    GcpProvider,
    GcpIamPolicy,
    VaultRole,
    CiLog(Platform),
    Cloudtrail,
    GcpAuditLog,
    AzureSigninLog,
    ErrorText,
    WorkflowFileGithubActions,
    WorkflowFileGitlab,
    Unrecognised,
}

impl ArtifactKind {
    /// The vocabulary name (`ci-log/github-actions`).
    pub fn name(self) -> String {
        let fixed = match self {
            ArtifactKind::Token => "token",
            ArtifactKind::Claims => "claims",
            ArtifactKind::Jwks => "jwks",
            ArtifactKind::AwsTrustPolicy => "aws-trust-policy",
            ArtifactKind::AzureFederatedCredential => "azure-federated-credential",
            ArtifactKind::GcpProvider => "gcp-provider",
            ArtifactKind::GcpIamPolicy => "gcp-iam-policy",
            ArtifactKind::VaultRole => "vault-role",
            ArtifactKind::CiLog(platform) => return format!("ci-log/{}", platform.name()),
            ArtifactKind::Cloudtrail => "cloudtrail",
            ArtifactKind::GcpAuditLog => "gcp-audit-log",
            ArtifactKind::AzureSigninLog => "azure-signin-log",
            ArtifactKind::ErrorText => "error-text",
            ArtifactKind::WorkflowFileGithubActions => "workflow-file/github-actions",
            ArtifactKind::WorkflowFileGitlab => "workflow-file/gitlab",
            ArtifactKind::Unrecognised => "unrecognised",
        };
        fixed.to_owned()
    }
}

impl Serialize for ArtifactKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

/// An artifact as the diagnosis lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArtifactSummary {
    pub name: String,
    pub kind: ArtifactKind,
    /// Size in bytes.
    pub size: usize,
    /// Recognised but unusable: what was wrong and where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For `unrecognised`: the kinds attempted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tried: Vec<ArtifactKind>,
    /// For `unrecognised`: at most 16 bytes of it, escaped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// A note on how it was read ("token at $.value").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For a token: `header.payload.<redacted>`, the only form ever shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl ArtifactSummary {
    /// True when evidence can come from it.
    pub fn usable(&self) -> bool {
        self.error.is_none() && self.kind != ArtifactKind::Unrecognised
    }
}
