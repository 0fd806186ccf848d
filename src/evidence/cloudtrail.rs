//! AWS CloudTrail exports as evidence of the role and audit stages (and, through
//! their error codes, of the trust and token stages).
//!
//! Shapes read, recognised by content:
//! - the S3 delivery file `{"Records":[…]}`, plain or gzip as delivered (gzip is
//!   recognised by its magic bytes), and a directory tree of them as `aws s3 sync`
//!   leaves it (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`)
//!   (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html>,
//!   <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html>);
//! - JSON lines (one event per line) and bare arrays of events;
//! - `aws cloudtrail lookup-events` output, whose `CloudTrailEvent` is the event as a
//!   JSON string (<https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Event.html>);
//! - CloudTrail Lake `aws cloudtrail get-query-results` output (`QueryResultRows`)
//!   (<https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetQueryResults.html>);
//! - Athena query results as CSV over the standard CloudTrail table
//!   (<https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table.html>).
//!
//! What the events mean: `AssumeRoleWithWebIdentity` (event source
//! `sts.amazonaws.com`, `userIdentity.type` `WebIdentityUser`) is the exchange of
//! the CI token for role credentials (IAM guide, "Logging IAM and AWS STS API calls
//! with AWS CloudTrail", <https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html>);
//! its error codes are the STS API's
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>)
//! with the messages in docs/reference/errors.md. Calls whose `userIdentity` is the
//! assumed-role session (by access key, or ARN within the session's lifetime) are the
//! deploy. Key-fetch failures ("Couldn't retrieve verification key…") never reach
//! CloudTrail (<https://repost.aws/knowledge-center/iam-sts-invalididentitytoken>).
//!
//! Exports are gigabytes: they are streamed (`Input::open`), cut into events by a
//! structural scanner (`scan`), and only events that mention the web identity
//! exchange, an error, or a web-identity session are parsed (`ingest`); what is
//! kept is bounded (`export`). `verdict` narrows to one path and places evidence.

mod event;
mod export;
mod ingest;
mod parallel;
mod prefilter;
mod scan;
mod tabular;
mod verdict;

use std::borrow::Cow;

pub use event::Form;
pub use export::{CloudTrailError, Export};
pub(crate) use ingest::{gunzip_head, is_gzip};
pub use ingest::{ingest_directory, ingest_reader, sniff};

use super::{
    ArtifactKind, EvidenceSource, Input, LoadedArtifact, Observations, Origin, Recognition,
    SharedFacts,
};

/// Recognises CloudTrail exports in every shape above.
pub struct CloudTrailSource;

impl EvidenceSource for CloudTrailSource {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::Cloudtrail
    }

    fn recognise(&self, input: &Input) -> Recognition {
        let export = match &input.origin {
            Origin::Directory(path) => {
                if !ingest::directory_has_cloudtrail(path) {
                    return Recognition::NotMine;
                }
                ingest_directory(path)
            }
            _ => {
                let gzip = ingest::is_gzip(&input.bytes);
                let head: Cow<'_, [u8]> = if gzip {
                    match ingest::gunzip_head(&input.bytes) {
                        Ok(h) => Cow::Owned(h),
                        // A gzip stream broken from its start: reading it reports where.
                        Err(_) => Cow::Borrowed(&[][..]),
                    }
                } else {
                    Cow::Borrowed(&input.bytes[..])
                };
                let broken_gzip = gzip && head.is_empty();
                if !broken_gzip && sniff(&head).is_none() {
                    return Recognition::NotMine;
                }
                // A large plain file is read by both cores when it can be cut.
                let parallel = match &input.origin {
                    Origin::File(path) if input.size >= parallel::PARALLEL_MIN => {
                        parallel::ingest_file(path)
                    }
                    _ => None,
                };
                if let Some(export) = parallel {
                    return loaded(export);
                }
                match input.open() {
                    Ok(mut reader) => ingest_reader(&mut reader),
                    Err(e) => {
                        return Recognition::Broken(Box::new(CloudTrailError::Read {
                            file: None,
                            offset: 0,
                            message: e.to_string(),
                        }));
                    }
                }
            }
        };
        loaded(export)
    }
}

fn loaded(mut export: Export) -> Recognition {
    if export.events == 0 && !export.damage.is_empty() {
        let first = export.damage.remove(0);
        return Recognition::Broken(Box::new(first));
    }
    Recognition::Loaded(Box::new(LoadedCloudTrail { export }))
}

struct LoadedCloudTrail {
    export: Export,
}

impl LoadedArtifact for LoadedCloudTrail {
    fn kind(&self) -> ArtifactKind {
        ArtifactKind::Cloudtrail
    }

    fn note(&self) -> Option<String> {
        Some(verdict::note(&self.export))
    }

    fn share(&self, _artifact: &str, facts: &mut SharedFacts) {
        let times = verdict::clock_times(&self.export, facts);
        facts.event_times.extend(times);
    }

    fn contribute(&self, artifact: &str, facts: &SharedFacts, out: &mut Observations) {
        verdict::contribute(&self.export, artifact, facts, out);
    }
}

#[cfg(test)]
mod tests;
