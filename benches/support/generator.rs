//! A seeded generator of realistic synthetic CloudTrail exports, for the ingest
//! benchmark (`benches/cloudtrail.rs`), `examples/gen-cloudtrail.rs` (which
//! `benches/compare-jq.sh` runs) and tests.
//!
//! Mostly unrelated events of many services and identities (instance roles, Lambda
//! roles, IAM users, AWS services; management and data events), with a few percent
//! `AssumeRoleWithWebIdentity` exchanges from GitHub Actions (some refused), calls by
//! the resulting web-identity sessions (some denied), and other errors. Field order
//! and shapes follow CloudTrail's documented records; sizes (about 1–2 KiB per event)
//! are those of real management and S3 data events. Everything is deterministic in
//! the seed.

// Each includer uses a different part of it.
#![allow(dead_code)]

use std::io::{self, Write};

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `per_mille`/1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn id(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        (0..len)
            .map(|_| ALPHABET[self.below(32) as usize] as char)
            .collect()
    }

    fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

/// The shape to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `{"Records":[…]}` on one line, as CloudTrail delivers to S3.
    Records,
    /// One event per line.
    Lines,
}

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    pub events: u64,
    pub web_identity: u64,
    pub web_identity_failed: u64,
    pub session_calls: u64,
    pub session_denied: u64,
}

pub const ACCOUNT: &str = "111122223333";
pub const START: i64 = 1_772_323_200; // 2026-03-01T00:00:00Z

/// The GitHub repositories and roles of the synthetic organisation.
pub const PATHS: &[(&str, &str)] = &[
    (
        "repo:acme/payments-api:ref:refs/heads/main",
        "gha-deploy-payments",
    ),
    (
        "repo:acme/payments-api:environment:production",
        "gha-deploy-payments",
    ),
    ("repo:acme/web:ref:refs/heads/main", "gha-deploy-web"),
    ("repo:acme/infra:ref:refs/heads/main", "gha-terraform"),
    ("repo:acme/infra:pull_request", "gha-terraform-plan"),
];

const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-1",
    "us-east-1",
    "eu-west-1",
    "us-west-2",
];

fn iso(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A live web-identity session: its credentials and the calls it still has to make.
struct Session {
    role: &'static str,
    name: String,
    key: String,
    calls_left: u32,
    deny_from: u32,
}

/// Writes events one at a time.
pub struct Generator {
    rng: Rng,
    time: i64,
    sessions: Vec<Session>,
    pub written: Written,
}

impl Generator {
    pub fn new(seed: u64) -> Generator {
        Generator {
            rng: Rng::new(seed),
            time: START,
            sessions: Vec::new(),
            written: Written::default(),
        }
    }

    /// One event as a compact JSON object.
    pub fn event(&mut self) -> String {
        self.time += self.rng.below(3) as i64;
        self.written.events += 1;
        let roll = self.rng.below(1000);
        if roll < 25 {
            return self.web_identity();
        }
        if roll < 60 && !self.sessions.is_empty() {
            return self.session_call();
        }
        self.background()
    }

    fn web_identity(&mut self) -> String {
        self.written.web_identity += 1;
        let (sub, role) = *self.rng.pick(PATHS);
        let region = *self.rng.pick(REGIONS);
        let time = iso(self.time);
        let event_id = self.rng.uuid();
        let request_id = self.rng.uuid();
        let run = 13_000_000_000 + self.rng.below(1_000_000_000);
        let session = format!("GitHubActions-{run}");
        let principal = format!(
            "arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:{sub}"
        );
        let identity = format!(
            r#"{{"type":"WebIdentityUser","principalId":"{principal}","userName":"{sub}","identityProvider":"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"}}"#
        );
        let request = format!(
            r#"{{"roleArn":"arn:aws:iam::{ACCOUNT}:role/{role}","roleSessionName":"{session}","durationSeconds":3600}}"#
        );
        let failure = if sub.ends_with(":pull_request") || self.rng.chance(60) {
            Some(*self.rng.pick(&[
                ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
                ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
                ("InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com"),
                ("ExpiredTokenException", "Token expired: current date/time must be before the expiration date/time"),
            ]))
        } else {
            None
        };
        let head = format!(
            r#"{{"eventVersion":"1.08","userIdentity":{identity},"eventTime":"{time}","eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity","awsRegion":"{region}","sourceIPAddress":"4.{}.{}.{}","userAgent":"configure-aws-credentials-for-github-actions","#,
            self.rng.below(250),
            self.rng.below(250),
            self.rng.below(250)
        );
        let tail = format!(
            r#""requestID":"{request_id}","eventID":"{event_id}","readOnly":true,"resources":[{{"accountId":"{ACCOUNT}","type":"AWS::IAM::Role","ARN":"arn:aws:iam::{ACCOUNT}:role/{role}"}}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{ACCOUNT}","eventCategory":"Management","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"sts.{region}.amazonaws.com"}}}}"#
        );
        if let Some((code, message)) = failure {
            self.written.web_identity_failed += 1;
            return format!(
                r#"{head}"errorCode":"{code}","errorMessage":"{message}","requestParameters":{request},"responseElements":null,{tail}"#
            );
        }
        let key = format!("ASIA{}", self.rng.id(16));
        let role_id = format!("AROA{}", self.rng.id(17));
        let response = format!(
            r#"{{"credentials":{{"accessKeyId":"{key}","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLE{}","expiration":"Mar 1, 2026, 1:00:00 AM"}},"subjectFromWebIdentityToken":"{sub}","assumedRoleUser":{{"assumedRoleId":"{role_id}:{session}","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"}},"provider":"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com","audience":"sts.amazonaws.com"}}"#,
            self.rng.id(40)
        );
        if self.sessions.len() < 8 {
            let calls_left = 5 + self.rng.below(40) as u32;
            let deny_from = if self.rng.chance(150) {
                self.rng.below(u64::from(calls_left)) as u32
            } else {
                u32::MAX
            };
            self.sessions.push(Session {
                role,
                name: session,
                key,
                calls_left,
                deny_from,
            });
        }
        format!(r#"{head}"requestParameters":{request},"responseElements":{response},{tail}"#)
    }

    fn session_call(&mut self) -> String {
        let i = self.rng.below(self.sessions.len() as u64) as usize;
        self.written.session_calls += 1;
        let s = &mut self.sessions[i];
        s.calls_left -= 1;
        let denied = s.calls_left <= s.deny_from && s.deny_from != u32::MAX;
        let (role, name, key) = (s.role, s.name.clone(), s.key.clone());
        if s.calls_left == 0 {
            self.sessions.swap_remove(i);
        }
        let (source, action, request) = *self.rng.pick(&[
            ("s3.amazonaws.com", "PutObject", r#"{"bucketName":"acme-artifacts","Host":"acme-artifacts.s3.us-east-1.amazonaws.com","key":"releases/app.tar.gz"}"#),
            ("ecr.amazonaws.com", "PutImage", r#"{"repositoryName":"payments-api","imageTag":"sha-3f4e9a1"}"#),
            ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", r#"{"functionName":"payments-api","publish":true}"#),
            ("cloudformation.amazonaws.com", "UpdateStack", r#"{"stackName":"payments-api-prod","capabilities":["CAPABILITY_IAM"]}"#),
            ("sts.amazonaws.com", "GetCallerIdentity", "null"),
        ]);
        let time = iso(self.time);
        let principal_id = format!("AROA{}:{name}", self.rng.id(17));
        let error = if denied {
            self.written.session_denied += 1;
            format!(
                r#""errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{name} is not authorized to perform: {}:{action} because no identity-based policy allows the {}:{action} action","#,
                source.split('.').next().unwrap_or("s3"),
                source.split('.').next().unwrap_or("s3")
            )
        } else {
            String::new()
        };
        format!(
            r#"{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","principalId":"{principal_id}","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{name}","accountId":"{ACCOUNT}","accessKeyId":"{key}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAEXAMPLEROLEID","arn":"arn:aws:iam::{ACCOUNT}:role/{role}","accountId":"{ACCOUNT}","userName":"{role}"}},"webIdFederationData":{{"federatedProvider":"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com","attributes":{{}}}},"attributes":{{"creationDate":"{time}","mfaAuthenticated":"false"}}}}}},"eventTime":"{time}","eventSource":"{source}","eventName":"{action}","awsRegion":"us-east-1","sourceIPAddress":"4.{}.{}.{}","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exe/x86_64.ubuntu.22",{error}"requestParameters":{request},"responseElements":null,"requestID":"{}","eventID":"{}","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"{ACCOUNT}","eventCategory":"Management","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{source}"}}}}"#,
            self.rng.below(250),
            self.rng.below(250),
            self.rng.below(250),
            self.rng.uuid(),
            self.rng.uuid()
        )
    }

    fn background(&mut self) -> String {
        let time = iso(self.time);
        let region = *self.rng.pick(REGIONS);
        let kind = self.rng.below(100);
        let identity = if kind < 55 {
            let (role, session) = *self.rng.pick(&[
                ("ec2-app-instance", "i-0a1b2c3d4e5f60718"),
                ("lambda-orders-processor", "orders-processor"),
                ("ecs-task-billing", "3c1f0e2a9d8b4c7e"),
                ("AWSServiceRoleForAutoScaling", "AutoScaling"),
                ("datadog-integration", "DatadogAWSIntegration"),
            ]);
            format!(
                r#"{{"type":"AssumedRole","principalId":"AROA{}:{session}","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}","accountId":"{ACCOUNT}","accessKeyId":"ASIA{}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROA{}","arn":"arn:aws:iam::{ACCOUNT}:role/{role}","accountId":"{ACCOUNT}","userName":"{role}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":"{time}","mfaAuthenticated":"false"}}}}}}"#,
                self.rng.id(17),
                self.rng.id(16),
                self.rng.id(17)
            )
        } else if kind < 75 {
            format!(
                r#"{{"type":"IAMUser","principalId":"AIDA{}","arn":"arn:aws:iam::{ACCOUNT}:user/ci-legacy","accountId":"{ACCOUNT}","accessKeyId":"AKIA{}","userName":"ci-legacy"}}"#,
                self.rng.id(17),
                self.rng.id(16)
            )
        } else {
            r#"{"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"}"#.to_owned()
        };
        let (source, action, request, response) = *self.rng.pick(&[
            ("s3.amazonaws.com", "GetObject", r#"{"bucketName":"acme-data-lake","Host":"acme-data-lake.s3.amazonaws.com","key":"raw/2026/03/01/part-00042.parquet"}"#, "null"),
            ("s3.amazonaws.com", "PutObject", r#"{"bucketName":"acme-logs","Host":"acme-logs.s3.amazonaws.com","key":"app/2026/03/01/10/log.gz","x-amz-server-side-encryption":"aws:kms"}"#, r#"{"x-amz-server-side-encryption":"aws:kms","x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}"#),
            ("ec2.amazonaws.com", "DescribeInstances", r#"{"instancesSet":{},"filterSet":{"items":[{"name":"tag:Name","valueSet":{"items":[{"value":"payments-*"}]}}]}}"#, "null"),
            ("kms.amazonaws.com", "Decrypt", r#"{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::acme-logs"}}"#, "null"),
            ("logs.amazonaws.com", "PutLogEvents", r#"{"logGroupName":"/aws/lambda/orders-processor","logStreamName":"2026/03/01/[$LATEST]4b3c2d1e"}"#, "null"),
            ("dynamodb.amazonaws.com", "GetItem", r#"{"tableName":"orders","key":{"pk":"ORDER#1234"},"consistentRead":false}"#, "null"),
            ("sts.amazonaws.com", "AssumeRole", r#"{"roleArn":"arn:aws:iam::111122223333:role/datadog-integration","roleSessionName":"DatadogAWSIntegration","externalId":"abcdef0123456789"}"#, r#"{"credentials":{"accessKeyId":"ASIAEXAMPLEBACKGRND1","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLE","expiration":"Mar 1, 2026, 2:00:00 AM"},"assumedRoleUser":{"assumedRoleId":"AROAEXAMPLE:DatadogAWSIntegration","arn":"arn:aws:sts::111122223333:assumed-role/datadog-integration/DatadogAWSIntegration"}}"#),
            ("iam.amazonaws.com", "GetRole", r#"{"roleName":"gha-deploy-payments"}"#, "null"),
            ("ecr.amazonaws.com", "BatchGetImage", r#"{"repositoryName":"payments-api","imageIds":[{"imageTag":"latest"}],"acceptedMediaTypes":["application/vnd.docker.distribution.manifest.v2+json"]}"#, "null"),
        ]);
        let error = if self.rng.chance(15) {
            let (code, message) = *self.rng.pick(&[
                ("ThrottlingException", "Rate exceeded"),
                ("NoSuchKey", "The specified key does not exist."),
                (
                    "Client.UnauthorizedOperation",
                    "You are not authorized to perform this operation.",
                ),
                ("ResourceNotFoundException", "Requested resource not found"),
            ]);
            format!(r#""errorCode":"{code}","errorMessage":"{message}","#)
        } else {
            String::new()
        };
        format!(
            r#"{{"eventVersion":"1.09","userIdentity":{identity},"eventTime":"{time}","eventSource":"{source}","eventName":"{action}","awsRegion":"{region}","sourceIPAddress":"10.{}.{}.{}","userAgent":"[aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/{}#1.50.0]",{error}"requestParameters":{request},"responseElements":{response},"additionalEventData":{{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"{}","bytesTransferredOut":{}}},"requestID":"{}","eventID":"{}","readOnly":true,"resources":[{{"accountId":"{ACCOUNT}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::acme-data-lake"}}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"{ACCOUNT}","eventCategory":"Data","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{source}"}}}}"#,
            self.rng.below(250),
            self.rng.below(250),
            self.rng.below(250),
            source.split('.').next().unwrap_or("s3"),
            self.rng.id(40),
            self.rng.below(100_000),
            self.rng.id(16),
            self.rng.uuid()
        )
    }
}

/// Write an export of about `target` bytes in `shape` to `out`.
pub fn write_export(
    out: &mut dyn Write,
    shape: Shape,
    target: u64,
    seed: u64,
) -> io::Result<Written> {
    let mut g = Generator::new(seed);
    let mut bytes = 0u64;
    if shape == Shape::Records {
        out.write_all(b"{\"Records\":[")?;
        bytes += 12;
    }
    let mut first = true;
    while bytes < target {
        let e = g.event();
        if shape == Shape::Records && !first {
            out.write_all(b",")?;
            bytes += 1;
        }
        first = false;
        out.write_all(e.as_bytes())?;
        bytes += e.len() as u64;
        if shape == Shape::Lines {
            out.write_all(b"\n")?;
            bytes += 1;
        }
    }
    if shape == Shape::Records {
        out.write_all(b"]}")?;
        bytes += 2;
    }
    g.written.bytes = bytes;
    Ok(g.written)
}

/// An export of about `target` bytes, in memory.
pub fn export(shape: Shape, target: u64, seed: u64) -> (Vec<u8>, Written) {
    let mut v = Vec::with_capacity(target as usize + 4096);
    let written = write_export(&mut v, shape, target, seed).unwrap_or_default();
    (v, written)
}
