//! `--fetch-jwks` against a real HTTPS issuer on 127.0.0.1 that the test starts, with a
//! test CA the client is told to trust (`--ca-file`): discovery, verification, the
//! cache and its age, the allowlist, https only, size limits, and that the token is
//! never sent. No traffic leaves loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::Value;

type Route = dyn Fn(&str, u16) -> (u16, String) + Send + Sync;

struct Issuer {
    port: u16,
    ca_pem: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Issuer {
    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Start a TLS server on 127.0.0.1 (a fresh CA, a certificate for 127.0.0.1) that
/// answers with `route` and records each request's head. It serves at most 16
/// connections, each with a 5 s read timeout, then stops.
fn start(route: Box<Route>) -> Issuer {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "oidc-triage test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let ca = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();
    // ring's provider is marked deprecated (no post-quantum key exchange); a loopback
    // test server needs none.
    #[allow(deprecated)]
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        for tcp in listener.incoming().take(16) {
            let Ok(tcp) = tcp else { continue };
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            if head.is_empty() {
                continue; // a refused handshake
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
            seen.lock().unwrap().push(head);
            let (status, body) = route(&path, port);
            let _ = write!(
                tls,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    Issuer {
        port,
        ca_pem: ca_cert.pem(),
        requests,
    }
}

fn discovery(jwks: String) -> Box<Route> {
    Box::new(move |path, port| match path {
        "/.well-known/openid-configuration" => (
            200,
            serde_json::json!({
                "issuer": format!("https://127.0.0.1:{port}"),
                "jwks_uri": format!("https://127.0.0.1:{port}/.well-known/jwks"),
                "response_types_supported": ["id_token"],
            })
            .to_string(),
        ),
        "/.well-known/jwks" => (200, jwks.clone()),
        _ => (404, "{}".to_owned()),
    })
}

struct Case {
    dir: tempfile::TempDir,
    token: String,
}

impl Case {
    fn new(issuer: &str, key: &common::TestKey) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let mut claims = common::github_claims(
            "repo:acme/api:ref:refs/heads/main",
            "sts.amazonaws.com",
            now - 10,
        );
        claims["iss"] = Value::from(issuer);
        let token = common::sign(key, &claims);
        std::fs::write(dir.path().join("token.jwt"), &token).unwrap();
        Case { dir, token }
    }

    fn run(&self, ca: Option<&str>, extra: &[&str]) -> Output {
        let path = self.dir.path();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oidc-triage"));
        cmd.current_dir(path)
            .env("XDG_CACHE_HOME", path.join("cache"))
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .args([
                "decode",
                "token.jwt",
                "--format",
                "json",
                "--no-config",
                "--fetch-jwks",
            ])
            .args(extra);
        if let Some(pem) = ca {
            std::fs::write(path.join("ca.pem"), pem).unwrap();
            cmd.args(["--ca-file", "ca.pem"]);
        }
        cmd.output().unwrap()
    }

    fn cache_files(&self) -> Vec<String> {
        let dir = self.dir.path().join("cache/oidc-triage/jwks");
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn discovery_fetches_the_keys_verifies_and_caches_without_sending_the_token() {
    let key = common::ec_key("loopback-1");
    let server = start(discovery(common::jwks(&[&key])));
    let case = Case::new(&server.url(), &key);
    let url = server.url();
    let out = case.run(Some(&server.ca_pem), &["--allow-issuer", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signature"]["verified"], true, "{report}");
    let err = stderr(&out);
    assert!(
        err.contains("fetched") && err.contains("/.well-known/jwks"),
        "{err}"
    );
    // Two plain GETs of public documents; nothing of the token in them.
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests[0].starts_with("GET /.well-known/openid-configuration HTTP/1.1\r\n"));
    assert!(requests[1].starts_with("GET /.well-known/jwks HTTP/1.1\r\n"));
    for part in case.token.split('.') {
        for r in &requests {
            assert!(!r.contains(part), "the token was sent: {r}");
        }
    }
    for r in &requests {
        assert!(!r.to_ascii_lowercase().contains("authorization"), "{r}");
    }
    assert_eq!(case.cache_files().len(), 1, "{:?}", case.cache_files());
    // Again: from the cache, its age shown, no request made.
    let out = case.run(Some(&server.ca_pem), &["--allow-issuer", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cached copy") && err.contains(" ago"), "{err}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["signature"]["verified"], true);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn diagnose_fetches_the_keys_of_the_token_it_is_given() {
    let key = common::ec_key("loopback-7");
    let server = start(discovery(common::jwks(&[&key])));
    let case = Case::new(&server.url(), &key);
    let url = server.url();
    let out = Command::new(env!("CARGO_BIN_EXE_oidc-triage"))
        .current_dir(case.dir.path())
        .env("XDG_CACHE_HOME", case.dir.path().join("cache"))
        .args(["diagnose", "token.jwt", "--format", "json", "--no-config"])
        .args(["--fetch-jwks", "--allow-issuer", &url])
        .arg("--ca-file")
        .arg({
            let ca = case.dir.path().join("ca.pem");
            std::fs::write(&ca, &server.ca_pem).unwrap();
            ca
        })
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"token.signature-unchecked"), "{ids:?}");
    assert!(!ids.iter().any(|i| i.contains("signature")), "{ids:?}");
    assert!(stderr(&out).contains("fetched"), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_issuer_off_the_allowlist_is_never_asked() {
    let key = common::ec_key("loopback-2");
    let server = start(discovery(common::jwks(&[&key])));
    let case = Case::new(&server.url(), &key);
    let out = case.run(Some(&server.ca_pem), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("not a known CI issuer") && err.contains("--allow-issuer"),
        "{err}"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(server.requests().is_empty());
}

#[test]
fn http_issuers_are_refused_without_a_request() {
    let key = common::ec_key("loopback-3");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let issuer = format!("http://127.0.0.1:{port}");
    let case = Case::new(&issuer, &key);
    let out = case.run(None, &["--allow-issuer", &issuer]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not https"), "{}", stderr(&out));
    assert!(listener.accept().is_err(), "a connection was made");
}

#[test]
fn the_test_ca_is_trusted_only_when_told() {
    let key = common::ec_key("loopback-4");
    let server = start(discovery(common::jwks(&[&key])));
    let case = Case::new(&server.url(), &key);
    let url = server.url();
    let out = case.run(None, &["--allow-issuer", &url]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("openid-configuration"), "{err}");
    assert!(case.cache_files().is_empty());
}

#[test]
fn oversized_documents_and_foreign_jwks_uris_are_refused() {
    let key = common::ec_key("loopback-5");
    let big = format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(300 * 1024));
    let server = start(discovery(big));
    let case = Case::new(&server.url(), &key);
    let url = server.url();
    let out = case.run(Some(&server.ca_pem), &["--allow-issuer", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("at most 262144 bytes"),
        "{}",
        stderr(&out)
    );

    let foreign: Box<Route> = Box::new(|path, port| match path {
        "/.well-known/openid-configuration" => (
            200,
            serde_json::json!({
                "issuer": format!("https://127.0.0.1:{port}"),
                "jwks_uri": "https://keys.elsewhere.example/jwks",
            })
            .to_string(),
        ),
        _ => (404, "{}".to_owned()),
    });
    let server = start(foreign);
    let case = Case::new(&server.url(), &key);
    let url = server.url();
    let out = case.run(Some(&server.ca_pem), &["--allow-issuer", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not https on the issuer's own host"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn fetch_jwks_and_jwks_conflict() {
    let key = common::ec_key("loopback-6");
    let case = Case::new("https://token.actions.githubusercontent.com", &key);
    std::fs::write(case.dir.path().join("jwks.json"), common::jwks(&[&key])).unwrap();
    let out = case.run(None, &["--jwks", "jwks.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
}
