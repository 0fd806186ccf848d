//! GitLab CI configurations: which jobs authenticate to a cloud with an ID token,
//! whether they declare one, and the subject it will carry.
//!
//! Rules applied, with their sources:
//! - A job gets an ID token only through `id_tokens:` (one or more tokens, each with an
//!   `aud`), exposed as a CI/CD variable named after the token
//!   (<https://docs.gitlab.com/ci/yaml/#id_tokens>). `id_tokens` may also come from
//!   `default:` and through `extends:` (merged like other hashes).
//! - `CI_JOB_JWT`, `CI_JOB_JWT_V1` and `CI_JOB_JWT_V2` were deprecated in 15.9 and
//!   removed in GitLab 17.0; a job that declares `id_tokens` does not get them either
//!   (<https://docs.gitlab.com/ci/secrets/id_token_authentication/>).
//! - Authentication shapes, from GitLab's cloud guides (`docs.gitlab.com/ci/cloud_services/…`):
//!   `aws sts assume-role-with-web-identity --web-identity-token $TOKEN`,
//!   `vault write auth/jwt/login role=… jwt=$TOKEN`,
//!   `gcloud iam workload-identity-pools create-cred-config …` (with the token written
//!   to a file), `az login --federated-token $TOKEN`, and the `secrets:` keyword with
//!   `vault`, `gcp_secret_manager`, `azure_key_vault` or `aws_secrets_manager`
//!   (<https://docs.gitlab.com/ci/yaml/#secrets>), which authenticate with the job's ID
//!   token (`secrets:token` picks one when there are several).
//! - Subject: `project_path:GROUP/PROJECT:ref_type:branch|tag:ref:NAME`; a merge request
//!   pipeline runs for the source branch, so its token names that branch.
//! - `include:` is not followed (the files are elsewhere); `extends:` and `default:`
//!   within the file are, with GitLab's limit of 11 levels of `extends`; `!reference`
//!   tags in scripts are resolved within the file (10 levels); merge keys (`<<`) are
//!   followed, as GitLab's YAML loader does.
//!
//! `parse` finds the jobs and follows `extends:`/`default:`/`!reference` within the
//! file, `job` reads one job (`scripts` its authenticating commands), `refs` the refs
//! it runs for and the subjects they give, `contribute` places the evidence and
//! findings, whose wording is in `assets/knowledge/findings/workflow.toml`.

mod contribute;
mod job;
mod parse;
mod refs;
mod scripts;

use super::yaml::Duplicate;
use crate::token::Cloud;

pub(crate) use contribute::contribute;
pub(crate) use parse::extract;

/// Top-level keys that are not jobs.
const GLOBALS: [&str; 12] = [
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "types",
    "spec",
];
/// Keywords `default:` can give a job (of those we read).
const DEFAULTABLE: [&str; 4] = ["id_tokens", "before_script", "after_script", "image"];
/// GitLab's limit on `extends` depth.
const MAX_EXTENDS: usize = 11;
/// GitLab's limit on nested `!reference` tags.
const MAX_REFERENCE_DEPTH: usize = 10;
const MAX_JOBS_DETAILED: usize = 100;
const LEGACY_JWT: [&str; 3] = ["CI_JOB_JWT_V2", "CI_JOB_JWT_V1", "CI_JOB_JWT"];

#[derive(Debug)]
pub(crate) struct Pipeline {
    pub jobs: Vec<Job>,
    pub includes: Vec<(String, usize)>,
    pub duplicates: Vec<Duplicate>,
    pub first_line: usize,
}

#[derive(Debug)]
pub(crate) struct IdToken {
    pub name: String,
    pub aud: Vec<String>,
    pub line: usize,
    /// Where it comes from when not the job itself (`default:`, `extends: .x`).
    pub from: Option<String>,
}

#[derive(Debug)]
pub(crate) struct Auth {
    pub cloud: Option<Cloud>,
    pub line: usize,
    pub what: String,
    /// The variable holding the token, when the command names one.
    pub token_var: Option<String>,
}

/// The refs a job runs for, from `rules:`/`only:`.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    pub line: Option<usize>,
    pub branches: Vec<String>,
    pub tags: Vec<String>,
    pub patterns: Vec<String>,
    pub any_tag: bool,
    pub default_branch: bool,
    pub merge_requests: bool,
    /// No rule restricts the ref (or one cannot be read).
    pub any: bool,
}

#[derive(Debug)]
pub(crate) struct Job {
    pub name: String,
    pub line: usize,
    pub id_tokens: Vec<IdToken>,
    pub auths: Vec<Auth>,
    /// `CI_JOB_JWT*` uses and their lines.
    pub legacy: Vec<(String, usize)>,
    /// `VAR: $OTHER` variables of the job and the globals, to follow token variables.
    pub aliases: Vec<(String, String)>,
    pub refs: Refs,
    /// `extends` targets or `!reference`s not in this file.
    pub unresolved: Vec<String>,
    /// Several tokens and `secrets:` without `token:`.
    pub ambiguous_secret_token: Option<usize>,
}

impl Pipeline {
    pub fn note(&self) -> String {
        let auth = self.jobs.iter().filter(|j| !j.auths.is_empty()).count();
        let mut note = format!(
            "GitLab CI configuration: {} job{}, {auth} authenticating with an ID token",
            self.jobs.len(),
            if self.jobs.len() == 1 { "" } else { "s" }
        );
        if !self.includes.is_empty() {
            note.push_str(&format!(
                "; {} include(s) not followed",
                self.includes.len()
            ));
        }
        note
    }
}
