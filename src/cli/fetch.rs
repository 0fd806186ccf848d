//! `--fetch-jwks`: the only network access, and only when asked. From the token's `iss`,
//! OIDC discovery (`{iss}/.well-known/openid-configuration` → `jwks_uri`), then the JWKS.
//!
//! - https only, no redirects, no cookies; the request carries no token, claim or
//!   credential: two plain GETs of public documents.
//! - The issuer must be a known CI issuer ([`KNOWN_ISSUERS`]) or one named with
//!   `--allow-issuer`; `jwks_uri` must be https on the issuer's own host.
//! - Connect timeout 5 s, 10 s per request in all; each document at most 256 KiB.
//! - The JWKS is cached under `$XDG_CACHE_HOME/oidc-triage/jwks/` (else
//!   `~/.cache/oidc-triage/jwks/`) for [`CACHE_TTL`]; a cached copy is used, and its age
//!   said, before the network is asked again. When a refresh fails, an older cached copy
//!   is used and the failure said.
//! - Web PKI roots only; tests add their own CA with the hidden `--ca-file` (trusting it
//!   alone), never by default.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use oidc_triage::token::Jwks;

/// Issuers trusted without `--allow-issuer`: the CI platforms' own. An entry matches the
/// issuer itself or any issuer below it (`entry/…`); `*.` matches any subdomain.
pub const KNOWN_ISSUERS: &[&str] = &[
    "https://token.actions.githubusercontent.com",
    "https://gitlab.com",
    "https://app.terraform.io",
    "https://app.eu.terraform.io",
    "https://oidc.circleci.com/org",
    "https://vstoken.dev.azure.com",
    "https://api.bitbucket.org/2.0/workspaces",
    "https://agent.buildkite.com",
    "https://*.app.spacelift.io",
    "https://*.semaphoreci.com",
];

/// How long a cached JWKS is used without asking the issuer again.
pub const CACHE_TTL: Duration = Duration::from_secs(3600);
/// The largest discovery document or JWKS read.
pub const MAX_DOCUMENT: u64 = 256 * 1024;

/// Why a JWKS could not be fetched: which issuer or URL, and what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("--fetch-jwks: no token with an `iss` claim among the inputs")]
    NoIssuer,
    #[error("--fetch-jwks: issuer {0:?} is not https")]
    NotHttps(String),
    #[error(
        "--fetch-jwks: issuer {0:?} is not a known CI issuer; pass --allow-issuer {0} to trust it"
    )]
    NotAllowed(String),
    #[error("--fetch-jwks: {url}: {message}")]
    Http { url: String, message: String },
    #[error("--fetch-jwks: {url}: {message}")]
    Document { url: String, message: String },
    #[error("--ca-file {path}: {message}")]
    CaFile { path: String, message: String },
}

/// Options from the command line.
#[derive(Clone, Debug, Default)]
pub struct FetchOptions {
    pub allow: Vec<String>,
    pub ca_file: Option<PathBuf>,
    /// Now, Unix seconds (the cache's age is measured against it).
    pub now: i64,
}

/// A fetched (or cached) JWKS and how it was obtained, for the report and stderr.
pub struct Fetched {
    /// The name the reports show for the JWKS.
    pub name: String,
    pub jwks: Arc<Jwks>,
    /// One line for stderr: where it came from and how old it is.
    pub note: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct CacheEntry {
    issuer: String,
    jwks_uri: String,
    /// Unix seconds.
    fetched_at: i64,
    jwks: serde_json::Value,
}

fn matches(entry: &str, issuer: &str) -> bool {
    let entry = entry.trim_end_matches('/');
    let issuer = issuer.trim_end_matches('/');
    if let Some(suffix) = entry.strip_prefix("https://*.") {
        let Some(rest) = issuer.strip_prefix("https://") else {
            return false;
        };
        let host = rest.split('/').next().unwrap_or_default();
        return host.ends_with(&format!(".{suffix}")) && !host.contains('@');
    }
    issuer == entry
        || issuer
            .strip_prefix(entry)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// True when the issuer may be asked for its keys.
pub fn allowed(issuer: &str, extra: &[String]) -> bool {
    KNOWN_ISSUERS.iter().any(|e| matches(e, issuer)) || extra.iter().any(|e| matches(e, issuer))
}

/// `scheme://host[:port]` of an https URL, lowercased host; `None` when it is not one.
fn https_origin(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(authority.to_ascii_lowercase())
}

/// The cache folder: `$XDG_CACHE_HOME/oidc-triage/jwks`, else `~/.cache/oidc-triage/jwks`.
pub fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("oidc-triage").join("jwks"))
}

/// The cache file of an issuer: its URL with anything but `[A-Za-z0-9.-]` as `_`.
fn cache_file(dir: &Path, issuer: &str) -> PathBuf {
    let name: String = issuer
        .trim_start_matches("https://")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{name}.json"))
}

/// `3m`, `2h5m`, `4d1h`.
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{}h", s / 86_400, s % 86_400 / 3600),
    }
}

fn agent(options: &FetchOptions) -> Result<ureq::Agent, FetchError> {
    use ureq::tls::{PemItem, RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder();
    if let Some(path) = &options.ca_file {
        let ca_error = |message: String| FetchError::CaFile {
            path: path.display().to_string(),
            message,
        };
        let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
        let mut certs = Vec::new();
        for item in ureq::tls::parse_pem(&pem) {
            if let PemItem::Certificate(cert) = item.map_err(|e| ca_error(e.to_string()))? {
                certs.push(cert);
            }
        }
        if certs.is_empty() {
            return Err(ca_error("no certificate in it".into()));
        }
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    let config = ureq::Agent::config_builder()
        .tls_config(tls.build())
        .https_only(true)
        .max_redirects(0)
        .timeout_connect(Some(Duration::from_secs(5)))
        .timeout_global(Some(Duration::from_secs(10)))
        .user_agent(concat!("oidc-triage/", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(config.into())
}

fn get(agent: &ureq::Agent, url: &str) -> Result<serde_json::Value, FetchError> {
    let http = |message: String| FetchError::Http {
        url: url.to_owned(),
        message,
    };
    let mut response = agent
        .get(url)
        .header("Accept", "application/json")
        .call()
        .map_err(|e| http(e.to_string()))?;
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_DOCUMENT)
        .read_to_vec()
        .map_err(|e| http(format!("{e} (at most {MAX_DOCUMENT} bytes are read)")))?;
    serde_json::from_slice(&body).map_err(|e| FetchError::Document {
        url: url.to_owned(),
        message: format!("not JSON: {e}"),
    })
}

fn fetch_fresh(issuer: &str, options: &FetchOptions) -> Result<CacheEntry, FetchError> {
    let agent = agent(options)?;
    let discovery = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let document = get(&agent, &discovery)?;
    let bad = |message: String| FetchError::Document {
        url: discovery.clone(),
        message,
    };
    let jwks_uri = document
        .get("jwks_uri")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| bad("no `jwks_uri` string".into()))?
        .to_owned();
    if let Some(claimed) = document.get("issuer").and_then(serde_json::Value::as_str)
        && claimed.trim_end_matches('/') != issuer.trim_end_matches('/')
    {
        return Err(bad(format!(
            "it names issuer {claimed:?}, not {issuer:?} (OIDC Discovery requires them equal)"
        )));
    }
    if https_origin(&jwks_uri).is_none() || https_origin(&jwks_uri) != https_origin(issuer) {
        return Err(bad(format!(
            "jwks_uri {jwks_uri:?} is not https on the issuer's own host"
        )));
    }
    let jwks = get(&agent, &jwks_uri)?;
    Ok(CacheEntry {
        issuer: issuer.to_owned(),
        jwks_uri,
        fetched_at: options.now,
        jwks,
    })
}

fn parse_entry(entry: &CacheEntry) -> Result<Jwks, FetchError> {
    let bytes = serde_json::to_vec(&entry.jwks).map_err(|e| FetchError::Document {
        url: entry.jwks_uri.clone(),
        message: e.to_string(),
    })?;
    Jwks::parse(&bytes).map_err(|e| FetchError::Document {
        url: entry.jwks_uri.clone(),
        message: format!("not a JWKS: {e}"),
    })
}

fn read_cache(path: &Path, issuer: &str) -> Option<CacheEntry> {
    let bytes = std::fs::read(path).ok()?;
    let entry: CacheEntry = serde_json::from_slice(&bytes).ok()?;
    (entry.issuer == issuer).then_some(entry)
}

/// Write the cache atomically (a temporary file renamed over it); a failure is a note,
/// not an error: the fetched keys are used all the same.
fn write_cache(path: &Path, entry: &CacheEntry) -> Result<(), String> {
    let dir = path.parent().ok_or("no cache folder")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let bytes = serde_json::to_vec_pretty(entry).map_err(|e| e.to_string())?;
    std::fs::write(&tmp, bytes).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, path).map_err(|e| e.to_string())
}

/// The issuer's JWKS: from the cache while it is fresh, else by discovery.
pub fn fetch_jwks(issuer: &str, options: &FetchOptions) -> Result<Fetched, FetchError> {
    if https_origin(issuer).is_none() {
        return Err(FetchError::NotHttps(issuer.to_owned()));
    }
    if !allowed(issuer, &options.allow) {
        return Err(FetchError::NotAllowed(issuer.to_owned()));
    }
    let path = cache_dir().map(|d| cache_file(&d, issuer));
    let cached = path.as_deref().and_then(|p| read_cache(p, issuer));
    let fresh_enough = |e: &CacheEntry| {
        let age = options.now - e.fetched_at;
        (0..CACHE_TTL.as_secs() as i64).contains(&age)
    };
    if let Some(entry) = cached.as_ref().filter(|e| fresh_enough(e))
        && let Ok(jwks) = parse_entry(entry)
    {
        return Ok(Fetched {
            name: format!(
                "{} (cached {} ago)",
                entry.jwks_uri,
                age(options.now - entry.fetched_at)
            ),
            jwks: Arc::new(jwks),
            note: format!(
                "JWKS of {issuer}: cached copy of {}, fetched {} ago ({})",
                entry.jwks_uri,
                age(options.now - entry.fetched_at),
                path.as_deref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
        });
    }
    match fetch_fresh(issuer, options).and_then(|e| parse_entry(&e).map(|j| (e, j))) {
        Ok((entry, jwks)) => {
            let stored = match path.as_deref().map(|p| write_cache(p, &entry)) {
                Some(Ok(())) => path
                    .as_deref()
                    .map(|p| format!("cached at {}", p.display()))
                    .unwrap_or_default(),
                Some(Err(e)) => format!("not cached: {e}"),
                None => "not cached: no cache folder (set XDG_CACHE_HOME or HOME)".into(),
            };
            Ok(Fetched {
                name: format!("{} (fetched now)", entry.jwks_uri),
                note: format!(
                    "JWKS of {issuer}: fetched {} ({} key(s)); {stored}",
                    entry.jwks_uri,
                    entry
                        .jwks
                        .get("keys")
                        .and_then(serde_json::Value::as_array)
                        .map_or(0, Vec::len)
                ),
                jwks: Arc::new(jwks),
            })
        }
        Err(e) => match cached.as_ref().map(|c| (c, parse_entry(c))) {
            Some((entry, Ok(jwks))) => Ok(Fetched {
                name: format!(
                    "{} (stale cache, {} old)",
                    entry.jwks_uri,
                    age(options.now - entry.fetched_at)
                ),
                note: format!(
                    "{e}; using the cached copy fetched {} ago",
                    age(options.now - entry.fetched_at)
                ),
                jwks: Arc::new(jwks),
            }),
            _ => Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_matches_whole_segments() {
        let none: Vec<String> = Vec::new();
        assert!(allowed(
            "https://token.actions.githubusercontent.com",
            &none
        ));
        assert!(allowed(
            "https://token.actions.githubusercontent.com/acme",
            &none
        ));
        assert!(!allowed(
            "https://token.actions.githubusercontent.com.evil.example",
            &none
        ));
        assert!(allowed("https://oidc.circleci.com/org/1234", &none));
        assert!(!allowed("https://oidc.circleci.com/organisation", &none));
        assert!(allowed("https://acme.app.spacelift.io", &none));
        assert!(!allowed("https://app.spacelift.io.evil.example", &none));
        assert!(!allowed("https://gitlab.example.com", &none));
        assert!(allowed(
            "https://gitlab.example.com",
            &["https://gitlab.example.com".to_owned()]
        ));
    }

    #[test]
    fn origins_are_https_only() {
        assert_eq!(
            https_origin("https://a.example:8443/x"),
            Some("a.example:8443".into())
        );
        assert_eq!(https_origin("http://a.example/x"), None);
        assert_eq!(https_origin("https://user@a.example/x"), None);
    }

    #[test]
    fn ages_read_like_people_say_them() {
        assert_eq!(age(5), "5s");
        assert_eq!(age(125), "2m");
        assert_eq!(age(3 * 3600 + 120), "3h2m");
        assert_eq!(age(2 * 86_400 + 3600), "2d1h");
    }
}
