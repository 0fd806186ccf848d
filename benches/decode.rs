//! The ingest path: finding and decoding a token in what people paste, inspecting it
//! (with and without a signature check), the whole engine on the sample incident, and
//! rejecting a large input that holds no token. Run:
//! `cargo bench --bench decode -- --warm-up-time 1 --measurement-time 3`.

// A bench that cannot set up its input should stop loudly, as a test does.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oidc_triage::clock::Clock;
use oidc_triage::diagnosis::diagnose;
use oidc_triage::sample::{sample_inputs, sample_options};
use oidc_triage::token::{Jwks, Provenance, Token, inspect_token};

const ID_TOKEN_JSON: &[u8] = include_bytes!("../assets/sample/id-token.json");
const JWKS_JSON: &[u8] = include_bytes!("../assets/sample/jwks.json");

/// The sample incident's clock (2026-03-02T10:15:00Z).
const NOW: i64 = 1_772_446_500;

fn sample_compact() -> String {
    let doc: serde_json::Value =
        serde_json::from_slice(ID_TOKEN_JSON).expect("id-token.json is JSON");
    doc["value"]
        .as_str()
        .expect("id-token.json has a string `value`")
        .to_owned()
}

/// A 200-line CI log with the token on line 120, as a debug log prints it.
fn log_with_token(compact: &str) -> String {
    let mut log = String::new();
    for i in 1..=200 {
        if i == 120 {
            log.push_str(&format!("2026-03-02T10:14:21.{i:07}Z [debug] AssumeRoleWithWebIdentity WebIdentityToken={compact} DurationSeconds=3600\n"));
        } else {
            log.push_str(&format!(
                "2026-03-02T10:14:{:02}.{i:07}Z ##[group]Run aws-actions/configure-aws-credentials@v4 step {i}: role-to-assume arn:aws:iam::123456789012:role/deploy\n",
                i % 60
            ));
        }
    }
    log
}

/// Deterministic noise (xorshift) with every `eyJ` broken up, so no token can be found.
fn garbage(len: usize, printable: bool) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let b = (state >> 24) as u8;
            if printable {
                match b % 70 {
                    0 => b'\n',
                    1..=4 => b' ',
                    n => {
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.+/"
                            [(n as usize - 5) % 66]
                    }
                }
            } else {
                b
            }
        })
        .collect();
    for i in 0..out.len().saturating_sub(2) {
        if &out[i..i + 3] == b"eyJ" {
            out[i] = b'x';
        }
    }
    out
}

fn from_input(c: &mut Criterion) {
    let compact = sample_compact();
    let log = log_with_token(&compact);
    assert!(
        Token::from_input(log.as_bytes()).is_ok(),
        "the log holds a findable token"
    );
    assert_eq!(log.lines().count(), 200);

    let mut group = c.benchmark_group("from_input");
    for (name, input) in [
        ("json-wrapped", ID_TOKEN_JSON),
        ("bare", compact.as_bytes()),
        ("log-200-lines", log.as_bytes()),
    ] {
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| b.iter(|| Token::from_input(black_box(input))));
    }
    group.finish();
}

fn rejection(c: &mut Criterion) {
    let mut group = c.benchmark_group("from_input-no-token-1MiB");
    for (name, printable) in [("printable", true), ("binary", false)] {
        let input = garbage(1 << 20, printable);
        assert!(
            Token::from_input(&input).is_err(),
            "the garbage holds no token"
        );
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| b.iter(|| Token::from_input(black_box(&input))));
    }
    group.finish();
}

fn inspect(c: &mut Criterion) {
    let token = Token::from_input(ID_TOKEN_JSON).expect("the sample token decodes");
    let jwks = Jwks::parse(JWKS_JSON).expect("the sample JWKS parses");
    let from = Provenance {
        artifact: "id-token.json",
        jwks_name: Some("jwks.json"),
    };
    let verified = inspect_token(&token, Some(&jwks), Clock::fixed(NOW), 60, &from);
    assert_eq!(
        verified.signature.verified,
        Some(true),
        "{}",
        verified.signature.reason
    );

    let mut group = c.benchmark_group("inspect_token");
    group.bench_function("no-jwks", |b| {
        b.iter(|| inspect_token(black_box(&token), None, Clock::fixed(NOW), 60, &from))
    });
    group.bench_function("with-jwks-rs256", |b| {
        b.iter(|| inspect_token(black_box(&token), Some(&jwks), Clock::fixed(NOW), 60, &from))
    });
    group.bench_function("jwks-parse", |b| {
        b.iter(|| Jwks::parse(black_box(JWKS_JSON)))
    });
    group.finish();
}

fn engine(c: &mut Criterion) {
    let inputs = sample_inputs();
    let options = sample_options();
    assert!(options.jwks.is_some(), "the sample ships a JWKS");
    c.bench_function("diagnose/sample", |b| {
        b.iter(|| diagnose(black_box(&inputs), &options, || Clock::fixed(NOW)))
    });
}

criterion_group!(benches, from_input, inspect, engine, rejection);
criterion_main!(benches);
