//! One CloudTrail event, read: an `AssumeRoleWithWebIdentity` attempt (the role
//! stage, or the stage its error code points at) or a call made by an assumed-role
//! session (the audit stage). Field names follow the CloudTrail record contents and
//! `userIdentity` references (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>,
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>)
//! and the IAM guide's web identity example
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html>).
//! Keys are matched without regard to case, because Athena and CloudTrail Lake
//! return them lower-cased.

use std::borrow::Cow;
use std::collections::HashSet;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::vocabulary::Stage;
use crate::vocabulary::catalog::{
    ROLE_AWS_MAX_SESSION_DURATION, Rule, TOKEN_EXPIRED, TRUST_AWS_AUDIENCE_MISMATCH,
    TRUST_AWS_INVALID_IDENTITY_TOKEN, TRUST_AWS_KEYS_UNREACHABLE, TRUST_AWS_NOT_AUTHORIZED,
    TRUST_AWS_PROVIDER_NOT_FOUND,
};

/// Shared, interned text (role ARNs, subjects and error messages repeat).
pub(crate) type Text = Arc<str>;

/// The shapes a CloudTrail export comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `{"Records":[…]}`, as CloudTrail delivers to S3.
    Records,
    /// One event per line (or concatenated events).
    Lines,
    /// A bare JSON array of events.
    Array,
    /// `aws cloudtrail lookup-events` output.
    LookupEvents,
    /// `aws cloudtrail get-query-results` output (CloudTrail Lake).
    LakeResults,
    /// Athena query results (CSV with a header row).
    AthenaCsv,
}

impl Form {
    pub fn describe(self) -> &'static str {
        match self {
            Form::Records => "S3 delivery ({\"Records\":[…]})",
            Form::Lines => "JSON lines",
            Form::Array => "JSON array",
            Form::LookupEvents => "lookup-events output",
            Form::LakeResults => "CloudTrail Lake query results",
            Form::AthenaCsv => "Athena query results (CSV)",
        }
    }
}

/// Where an event is in the artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Locator {
    /// The file inside a directory export, relative to it.
    pub file: Option<Text>,
    pub form: Form,
    pub ordinal: u64,
    pub line: u64,
    pub offset: u64,
    pub event_id: Option<Box<str>>,
}

impl Locator {
    /// `$.Records[3] (eventID …)`, `line 42`, `AWSLogs/…/x.json.gz $.Records[0]`.
    pub fn render(&self) -> String {
        let place = match self.form {
            Form::Records => format!("$.Records[{}]", self.ordinal),
            Form::Lines | Form::AthenaCsv => format!("line {}", self.line),
            Form::Array => format!("$[{}]", self.ordinal),
            Form::LookupEvents => format!("$.Events[{}]", self.ordinal),
            Form::LakeResults => format!("$.QueryResultRows[{}]", self.ordinal),
        };
        let mut out = match &self.file {
            Some(file) => format!("{file} {place}"),
            None => place,
        };
        if let Some(id) = &self.event_id {
            out.push_str(&format!(" (eventID {id})"));
        }
        crate::text::escape_control(&out).into_owned()
    }

    /// Total order for deterministic results whatever order files were read in.
    pub fn order_key(&self) -> (&str, u64) {
        (self.file.as_deref().unwrap_or(""), self.offset)
    }
}

/// Interns short repeated strings; bounded so that distinct messages cannot grow it
/// without limit (past the bound, strings are simply not shared).
#[derive(Default, Debug)]
pub(crate) struct Interner {
    set: HashSet<Text>,
}

const INTERN_LIMIT: usize = 8_192;
const INTERN_MAX_LEN: usize = 256;
/// Error messages are kept to this many bytes (EC2's carry kilobytes of encoded
/// authorization detail).
const MESSAGE_MAX_LEN: usize = 1024;

impl Interner {
    pub fn text(&mut self, s: &str) -> Text {
        let s = if s.len() > MESSAGE_MAX_LEN {
            let mut end = MESSAGE_MAX_LEN;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            &s[..end]
        } else {
            s
        };
        if let Some(t) = self.set.get(s) {
            return Arc::clone(t);
        }
        let t: Text = Arc::from(s);
        if self.set.len() < INTERN_LIMIT && s.len() <= INTERN_MAX_LEN {
            self.set.insert(Arc::clone(&t));
        }
        t
    }
}

/// A field of an object, matched exactly or else without regard to case.
pub(crate) fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let o = v.as_object()?;
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A nested field (`["userIdentity", "arn"]`).
pub(crate) fn path<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| field(v, k))
}

/// A non-empty string value (`null`, `""` and the text `null` count as absent).
pub(crate) fn text<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    match path(v, keys)? {
        Value::String(s) if !s.is_empty() && s != "null" => Some(s),
        _ => None,
    }
}

fn number(v: &Value, keys: &[&str]) -> Option<i64> {
    match path(v, keys)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An event time: `2026-03-02T10:15:00Z` (CloudTrail), with fractions or an offset,
/// `2026-03-02 10:15:00.000` (CloudTrail Lake, UTC), or Unix seconds (lookup-events
/// through AWS CLI v1).
pub(crate) fn parse_time(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => parse_time_text(s.as_bytes()),
        _ => None,
    }
}

/// The same for raw bytes (the fast path reads `eventTime` without parsing JSON).
pub(crate) fn parse_time_text(s: &[u8]) -> Option<i64> {
    let s = s.trim_ascii();
    if s.len() >= 19
        && s[4] == b'-'
        && s[7] == b'-'
        && (s[10] == b'T' || s[10] == b' ')
        && s[13] == b':'
        && s[16] == b':'
    {
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            s.get(r)?.iter().try_fold(0i64, |n, &b| {
                b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
            })
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut rest = &s[19..];
        if rest.first() == Some(&b'.') {
            let digits = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
            rest = &rest[1 + digits..];
        }
        let offset = match rest {
            [] | [b'Z'] | [b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
            | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
                let digit = |b: &u8| b.is_ascii_digit().then(|| i64::from(b - b'0'));
                let minutes = (digit(h1)? * 10 + digit(h2)?) * 60 + digit(m1)? * 10 + digit(m2)?;
                if *sign == b'+' {
                    minutes * 60
                } else {
                    -minutes * 60
                }
            }
            _ => return None,
        };
        return Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset);
    }
    let text = std::str::from_utf8(s).ok()?;
    if let Ok(n) = text.parse::<f64>() {
        return n.is_finite().then_some(n as i64);
    }
    crate::clock::parse_rfc3339(text).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An `AssumeRoleWithWebIdentity` event.
#[derive(Clone, Debug)]
pub(crate) struct Attempt {
    pub loc: Locator,
    pub time: Option<i64>,
    pub role: Option<Text>,
    pub session_name: Option<Text>,
    /// The token's `sub` (`responseElements.subjectFromWebIdentityToken`, else
    /// `userIdentity.userName`).
    pub subject: Option<Text>,
    /// The token's `aud` (`responseElements.audience`, else read from `principalId`).
    pub audience: Option<Text>,
    pub provider: Option<Text>,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub assumed_arn: Option<Text>,
    pub access_key: Option<Box<str>>,
    pub duration: Option<i64>,
    pub error_code: Option<Text>,
    pub error_message: Option<Text>,
    pub region: Option<Text>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.error_code.is_none()
    }
}

/// A call made with temporary credentials of an assumed role.
#[derive(Clone, Debug)]
pub(crate) struct SessionCall {
    pub loc: Locator,
    pub time: Option<i64>,
    pub source: Text,
    pub name: Text,
    pub error_code: Option<Text>,
    pub error_message: Option<Text>,
    /// `userIdentity.arn`: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub session_arn: Option<Text>,
    pub access_key: Option<Box<str>>,
    /// `sessionContext.sessionIssuer.arn`: the role.
    pub issuer_role: Option<Text>,
    /// The session came from web identity federation (`webIdFederationData`).
    pub web_identity: bool,
    pub region: Option<Text>,
}

impl SessionCall {
    /// Refused on the audit stage: denied, or made after the session's credentials
    /// expired.
    pub fn refused(&self) -> bool {
        self.error_code
            .as_deref()
            .is_some_and(|c| is_access_denied(c) || is_session_expired(c))
    }

    /// Made with the role session's credentials after they expired.
    pub fn session_expired(&self) -> bool {
        self.error_code.as_deref().is_some_and(is_session_expired)
    }
}

/// What an event is to the diagnosis.
pub(crate) enum Interpreted {
    Attempt(Attempt),
    /// A call by an assumed-role session.
    Call(SessionCall),
    /// Neither.
    Other,
}

/// Read access to the fields of an event, whether parsed into a [`Value`] (every
/// shape) or into [`RawEvent`] (the fast path for CloudTrail's own JSON).
pub(crate) trait Fields {
    /// A non-empty string at `keys`.
    fn text(&self, keys: &[&str]) -> Option<&str>;
    /// A number (or numeric string) at `keys`.
    fn number(&self, keys: &[&str]) -> Option<i64>;
    /// `eventTime`.
    fn time(&self) -> Option<i64>;
    /// The `AWS::IAM::Role` ARN among `resources`.
    fn role_resource(&self) -> Option<String>;
}

impl Fields for Value {
    fn text(&self, keys: &[&str]) -> Option<&str> {
        text(self, keys)
    }
    fn number(&self, keys: &[&str]) -> Option<i64> {
        number(self, keys)
    }
    fn time(&self) -> Option<i64> {
        path(self, &["eventTime"]).and_then(parse_time)
    }
    fn role_resource(&self) -> Option<String> {
        role_from_resources(self)
    }
}

/// Interned text of a field.
fn interned(names: &mut Interner, event: &impl Fields, keys: &[&str]) -> Option<Text> {
    event.text(keys).map(|s| names.text(s))
}

/// Read an event.
pub(crate) fn interpret(
    event: &impl Fields,
    mut loc: Locator,
    names: &mut Interner,
) -> Interpreted {
    loc.event_id = event.text(&["eventID"]).map(Box::from);
    let time = event.time();
    let event_name = event.text(&["eventName"]);
    if event_name == Some("AssumeRoleWithWebIdentity") {
        let identity_provider = event.text(&["userIdentity", "identityProvider"]);
        let user_name = event.text(&["userIdentity", "userName"]);
        let principal = event.text(&["userIdentity", "principalId"]);
        let subject = event
            .text(&["responseElements", "subjectFromWebIdentityToken"])
            .or(user_name);
        // principalId is "<issuer>:<audience>:<subject>" (userIdentity reference).
        let audience = event.text(&["responseElements", "audience"]).or_else(|| {
            let rest = principal?
                .strip_prefix(identity_provider?)?
                .strip_prefix(':')?;
            let aud = rest.strip_suffix(subject?)?.strip_suffix(':')?;
            (!aud.is_empty()).then_some(aud)
        });
        let role = event
            .text(&["requestParameters", "roleArn"])
            .map(str::to_owned)
            .or_else(|| event.role_resource())
            .or_else(|| {
                event
                    .text(&["responseElements", "assumedRoleUser", "arn"])
                    .and_then(role_of_session_arn)
            });
        let session_name = event.text(&["requestParameters", "roleSessionName"]);
        let assumed_arn = event
            .text(&["responseElements", "assumedRoleUser", "arn"])
            .map(str::to_owned)
            .or_else(|| session_arn(role.as_deref()?, session_name?));
        let provider = event
            .text(&["responseElements", "provider"])
            .or(identity_provider);
        return Interpreted::Attempt(Attempt {
            time,
            subject: subject.map(|s| names.text(s)),
            audience: audience.map(|s| names.text(s)),
            provider: provider.map(|s| names.text(s)),
            role: role.map(|r| names.text(&r)),
            session_name: session_name.map(|s| names.text(s)),
            assumed_arn: assumed_arn.map(|a| names.text(&a)),
            access_key: event
                .text(&["responseElements", "credentials", "accessKeyId"])
                .map(Box::from),
            duration: event.number(&["requestParameters", "durationSeconds"]),
            error_code: interned(names, event, &["errorCode"]),
            error_message: interned(names, event, &["errorMessage"]),
            region: interned(names, event, &["awsRegion"]),
            loc,
        });
    }
    let identity_type = event.text(&["userIdentity", "type"]);
    let arn = event.text(&["userIdentity", "arn"]);
    let assumed =
        identity_type == Some("AssumedRole") || arn.is_some_and(|a| a.contains(":assumed-role/"));
    if !assumed {
        return Interpreted::Other;
    }
    let web_identity = event
        .text(&[
            "userIdentity",
            "sessionContext",
            "webIdFederationData",
            "federatedProvider",
        ])
        .is_some();
    Interpreted::Call(SessionCall {
        time,
        source: interned(names, event, &["eventSource"]).unwrap_or_else(|| Arc::from("?")),
        name: interned(names, event, &["eventName"]).unwrap_or_else(|| Arc::from("?")),
        error_code: interned(names, event, &["errorCode"]),
        error_message: interned(names, event, &["errorMessage"]),
        session_arn: interned(names, event, &["userIdentity", "arn"]),
        access_key: event.text(&["userIdentity", "accessKeyId"]).map(Box::from),
        issuer_role: interned(
            names,
            event,
            &["userIdentity", "sessionContext", "sessionIssuer", "arn"],
        ),
        web_identity,
        region: interned(names, event, &["awsRegion"]),
        loc,
    })
}

/// The fields the diagnosis reads, deserialised straight from an event's JSON with
/// everything else skipped: several times cheaper than a [`Value`] (no maps, no
/// copies of unescaped strings). Shapes CloudTrail does not write (a number where a
/// string belongs) make it fail; the caller then falls back to [`Value`].
#[derive(Default, Deserialize)]
pub(crate) struct RawEvent<'a> {
    #[serde(rename = "eventTime", borrow, default)]
    event_time: Option<Cow<'a, str>>,
    #[serde(rename = "eventSource", borrow, default)]
    event_source: Option<Cow<'a, str>>,
    #[serde(rename = "eventName", borrow, default)]
    event_name: Option<Cow<'a, str>>,
    #[serde(rename = "awsRegion", borrow, default)]
    aws_region: Option<Cow<'a, str>>,
    #[serde(rename = "errorCode", borrow, default)]
    error_code: Option<Cow<'a, str>>,
    #[serde(rename = "errorMessage", borrow, default)]
    error_message: Option<Cow<'a, str>>,
    #[serde(rename = "eventID", borrow, default)]
    event_id: Option<Cow<'a, str>>,
    #[serde(rename = "userIdentity", borrow, default)]
    user_identity: Lenient<RawIdentity<'a>>,
    #[serde(rename = "requestParameters", borrow, default)]
    request: Lenient<RawRequest<'a>>,
    #[serde(rename = "responseElements", borrow, default)]
    response: Lenient<RawResponse<'a>>,
}

#[derive(Default, Deserialize)]
struct RawIdentity<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "principalId", borrow, default)]
    principal_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arn: Option<Cow<'a, str>>,
    #[serde(rename = "accessKeyId", borrow, default)]
    access_key_id: Option<Cow<'a, str>>,
    #[serde(rename = "userName", borrow, default)]
    user_name: Option<Cow<'a, str>>,
    #[serde(rename = "identityProvider", borrow, default)]
    identity_provider: Option<Cow<'a, str>>,
    #[serde(rename = "sessionContext", borrow, default)]
    session_context: Lenient<RawSessionContext<'a>>,
}

#[derive(Default, Deserialize)]
struct RawSessionContext<'a> {
    #[serde(rename = "sessionIssuer", borrow, default)]
    session_issuer: Lenient<RawArn<'a>>,
    #[serde(rename = "webIdFederationData", borrow, default)]
    web_id: Lenient<RawWebId<'a>>,
}

#[derive(Default, Deserialize)]
struct RawArn<'a> {
    #[serde(borrow, default)]
    arn: Option<Cow<'a, str>>,
}

#[derive(Default, Deserialize)]
struct RawWebId<'a> {
    #[serde(rename = "federatedProvider", borrow, default)]
    federated_provider: Option<Cow<'a, str>>,
}

#[derive(Default, Deserialize)]
struct RawRequest<'a> {
    #[serde(rename = "roleArn", borrow, default)]
    role_arn: Option<Cow<'a, str>>,
    #[serde(rename = "roleSessionName", borrow, default)]
    role_session_name: Option<Cow<'a, str>>,
    #[serde(rename = "durationSeconds", default)]
    duration_seconds: Option<Value>,
}

#[derive(Default, Deserialize)]
struct RawResponse<'a> {
    #[serde(rename = "subjectFromWebIdentityToken", borrow, default)]
    subject: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    audience: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    provider: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    credentials: Lenient<RawCredentials<'a>>,
    #[serde(rename = "assumedRoleUser", borrow, default)]
    assumed_role_user: Lenient<RawArn<'a>>,
}

#[derive(Default, Deserialize)]
struct RawCredentials<'a> {
    #[serde(rename = "accessKeyId", borrow, default)]
    access_key_id: Option<Cow<'a, str>>,
}

/// An object read as `T`, or anything else (`null`, a string, an array) read as
/// nothing: `requestParameters` is `null` for many calls.
pub(crate) struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| Lenient(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

fn present<'s>(v: &'s Option<Cow<'_, str>>) -> Option<&'s str> {
    v.as_deref().filter(|s| !s.is_empty() && *s != "null")
}

impl Fields for RawEvent<'_> {
    fn text(&self, keys: &[&str]) -> Option<&str> {
        let id = self.user_identity.0.as_ref();
        let request = self.request.0.as_ref();
        let response = self.response.0.as_ref();
        let context = id.and_then(|i| i.session_context.0.as_ref());
        present(match keys {
            ["eventTime"] => &self.event_time,
            ["eventSource"] => &self.event_source,
            ["eventName"] => &self.event_name,
            ["awsRegion"] => &self.aws_region,
            ["errorCode"] => &self.error_code,
            ["errorMessage"] => &self.error_message,
            ["eventID"] => &self.event_id,
            ["userIdentity", "type"] => &id?.kind,
            ["userIdentity", "principalId"] => &id?.principal_id,
            ["userIdentity", "arn"] => &id?.arn,
            ["userIdentity", "accessKeyId"] => &id?.access_key_id,
            ["userIdentity", "userName"] => &id?.user_name,
            ["userIdentity", "identityProvider"] => &id?.identity_provider,
            ["userIdentity", "sessionContext", "sessionIssuer", "arn"] => {
                &context?.session_issuer.0.as_ref()?.arn
            }
            [
                "userIdentity",
                "sessionContext",
                "webIdFederationData",
                "federatedProvider",
            ] => &context?.web_id.0.as_ref()?.federated_provider,
            ["requestParameters", "roleArn"] => &request?.role_arn,
            ["requestParameters", "roleSessionName"] => &request?.role_session_name,
            ["responseElements", "subjectFromWebIdentityToken"] => &response?.subject,
            ["responseElements", "audience"] => &response?.audience,
            ["responseElements", "provider"] => &response?.provider,
            ["responseElements", "credentials", "accessKeyId"] => {
                &response?.credentials.0.as_ref()?.access_key_id
            }
            ["responseElements", "assumedRoleUser", "arn"] => {
                &response?.assumed_role_user.0.as_ref()?.arn
            }
            _ => return None,
        })
    }

    fn number(&self, keys: &[&str]) -> Option<i64> {
        match keys {
            ["requestParameters", "durationSeconds"] => {
                let v = self.request.0.as_ref()?.duration_seconds.as_ref()?;
                match v {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn time(&self) -> Option<i64> {
        parse_time_text(present(&self.event_time)?.as_bytes())
    }

    fn role_resource(&self) -> Option<String> {
        None
    }
}

fn role_from_resources(event: &Value) -> Option<String> {
    let resources = field(event, "resources")?.as_array()?;
    resources.iter().find_map(|r| {
        let kind = text(r, &["type"])?;
        (kind == "AWS::IAM::Role").then(|| text(r, &["ARN"]).map(str::to_owned))?
    })
}

/// `arn:aws:sts::1:assumed-role/ROLE/SESSION` → `arn:aws:iam::1:role/ROLE`.
pub(crate) fn role_of_session_arn(arn: &str) -> Option<String> {
    let (head, rest) = arn.split_once(":assumed-role/")?;
    let (role, _session) = rest.rsplit_once('/')?;
    let head = head.replacen(":sts:", ":iam:", 1);
    Some(format!("{head}:role/{role}"))
}

/// `arn:aws:iam::1:role/path/ROLE` + SESSION → `arn:aws:sts::1:assumed-role/ROLE/SESSION`
/// (the role's path is not part of the session ARN).
pub(crate) fn session_arn(role: &str, session: &str) -> Option<String> {
    let (head, rest) = role.split_once(":role/")?;
    let name = rest.rsplit('/').next()?;
    let head = head.replacen(":iam:", ":sts:", 1);
    Some(format!("{head}:assumed-role/{name}/{session}"))
}

/// The role's name (`deploy` of `arn:aws:iam::1:role/ci/deploy`).
pub(crate) fn role_name(role: &str) -> &str {
    role.rsplit(['/', ':']).next().unwrap_or(role)
}

/// A denied call: `AccessDenied`, `UnauthorizedOperation`, anything `*AccessDenied*`
/// (`AccessDeniedException`, `Client.UnauthorizedOperation`), and SNS's
/// `AuthorizationError`.
pub(crate) fn is_access_denied(code: &str) -> bool {
    let lower = code.to_ascii_lowercase();
    lower.contains("accessdenied")
        || lower.contains("unauthorizedoperation")
        || lower.starts_with("authorizationerror")
}

/// A call made with expired temporary credentials: `ExpiredToken` (most query APIs)
/// or `ExpiredTokenException` (JSON APIs), "The security token included in the request
/// is expired". On a call by an assumed-role session this is the session's expiry (its
/// `DurationSeconds`), not the web identity token's.
pub(crate) fn is_session_expired(code: &str) -> bool {
    code.to_ascii_lowercase().starts_with("expiredtoken")
}

/// Where an `AssumeRoleWithWebIdentity` error puts the failure, and the finding that
/// names it (`None` for errors the catalogue has no rule for: the evidence still
/// fails the stage). Codes from the STS API reference
/// (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>)
/// and the messages in docs/reference/errors.md.
pub(crate) fn classify_sts_error(code: &str, message: &str) -> (Stage, Option<Rule>) {
    let c = code.to_ascii_lowercase();
    let m = message.to_ascii_lowercase();
    if m.contains("durationseconds")
        || m.contains("maxsessionduration")
        || m.contains("max session duration")
    {
        return (Stage::Role, Some(ROLE_AWS_MAX_SESSION_DURATION));
    }
    if c.starts_with("expiredtoken") {
        return (Stage::Token, Some(TOKEN_EXPIRED));
    }
    if c.contains("accessdenied") {
        return (Stage::Trust, Some(TRUST_AWS_NOT_AUTHORIZED));
    }
    if c.starts_with("invalididentitytoken") {
        let rule = if m.contains("no openidconnect provider") {
            TRUST_AWS_PROVIDER_NOT_FOUND
        } else if m.contains("verification key") || m.contains("openid configuration") {
            TRUST_AWS_KEYS_UNREACHABLE
        } else if m.contains("audience") {
            TRUST_AWS_AUDIENCE_MISMATCH
        } else {
            TRUST_AWS_INVALID_IDENTITY_TOKEN
        };
        return (Stage::Trust, Some(rule));
    }
    if c.starts_with("idpcommunicationerror") {
        return (Stage::Trust, Some(TRUST_AWS_KEYS_UNREACHABLE));
    }
    if c.starts_with("idprejectedclaim") {
        return (Stage::Trust, Some(TRUST_AWS_INVALID_IDENTITY_TOKEN));
    }
    // MalformedPolicyDocument, PackedPolicyTooLarge, RegionDisabledException and
    // anything else: the trust check passed or was not the problem; STS still did not
    // issue credentials.
    (Stage::Role, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn loc() -> Locator {
        Locator {
            file: None,
            form: Form::Records,
            ordinal: 0,
            line: 1,
            offset: 0,
            event_id: None,
        }
    }

    #[test]
    fn the_documented_sample_is_a_successful_attempt() {
        let sample: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/cloudtrail/iam-guide-web-identity-event.json"
        ))
        .unwrap();
        let Interpreted::Attempt(a) = interpret(&sample, loc(), &mut Interner::default()) else {
            panic!("not an attempt");
        };
        assert!(a.succeeded());
        assert_eq!(
            a.role.as_deref(),
            Some("arn:aws:iam::444455556666:role/FederatedWebIdentityRole")
        );
        assert_eq!(a.subject.as_deref(), Some("<id of user>"));
        assert_eq!(
            a.audience.as_deref(),
            Some("<id of application>.apps.googleusercontent.com")
        );
        assert_eq!(a.access_key.as_deref(), Some("ASIACQRSTUVWRAOEXAMPLE"));
        assert_eq!(a.duration, Some(3600));
        assert_eq!(a.time, Some(1_458_697_191));
        assert_eq!(
            a.assumed_arn.as_deref(),
            Some(
                "arn:aws:sts::444455556666:assumed-role/FederatedWebIdentityRole/MyAssignedRoleSessionName"
            )
        );
        assert_eq!(
            a.loc.render(),
            "$.Records[0] (eventID bEXAMPLE-0b30-4246-b28c-e3da3EXAMPLE)"
        );
    }

    #[test]
    fn a_failed_attempt_reads_audience_and_subject_from_the_principal() {
        let event = json!({
            "userIdentity": {"type": "WebIdentityUser",
                "principalId": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:repo:acme/api:ref:refs/heads/main",
                "userName": "repo:acme/api:ref:refs/heads/main",
                "identityProvider": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
            "eventTime": "2026-03-02T10:14:00Z", "eventName": "AssumeRoleWithWebIdentity",
            "errorCode": "AccessDenied", "errorMessage": "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            "requestParameters": {"roleArn": "arn:aws:iam::1:role/ci/deploy", "roleSessionName": "GitHubActions"},
            "responseElements": null
        });
        let Interpreted::Attempt(a) = interpret(&event, loc(), &mut Interner::default()) else {
            panic!("not an attempt");
        };
        assert!(!a.succeeded());
        assert_eq!(a.audience.as_deref(), Some("sts.amazonaws.com"));
        assert_eq!(
            a.subject.as_deref(),
            Some("repo:acme/api:ref:refs/heads/main")
        );
        assert_eq!(
            a.assumed_arn.as_deref(),
            Some("arn:aws:sts::1:assumed-role/deploy/GitHubActions")
        );
    }

    #[test]
    fn lowercase_keys_from_athena_are_read() {
        let event = json!({"useridentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/deploy/s", "accesskeyid": "ASIAEXAMPLE",
            "sessioncontext": {"webidfederationdata": {"federatedprovider": "arn:aws:iam::1:oidc-provider/x"}}},
            "eventtime": "2026-03-02 10:15:00.000", "eventsource": "s3.amazonaws.com", "eventname": "PutObject", "errorcode": "AccessDenied"});
        let Interpreted::Call(c) = interpret(&event, loc(), &mut Interner::default()) else {
            panic!("not a call");
        };
        assert!(c.web_identity && c.refused());
        assert_eq!(c.time, Some(1_772_446_500));
        assert_eq!(c.access_key.as_deref(), Some("ASIAEXAMPLE"));
    }

    #[test]
    fn times_in_every_export_form() {
        assert_eq!(
            parse_time_text(b"2026-03-02T10:15:00Z"),
            Some(1_772_446_500)
        );
        assert_eq!(
            parse_time_text(b"2026-03-02T10:15:00.123Z"),
            Some(1_772_446_500)
        );
        assert_eq!(
            parse_time_text(b"2026-03-02T11:15:00+01:00"),
            Some(1_772_446_500)
        );
        assert_eq!(
            parse_time_text(b"2026-03-02 10:15:00.000"),
            Some(1_772_446_500)
        );
        assert_eq!(parse_time_text(b"1772446500.0"), Some(1_772_446_500));
        assert_eq!(parse_time_text(b"1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(parse_time_text(b"2026-13-02T10:15:00Z"), None);
        assert_eq!(parse_time_text(b"soon"), None);
    }

    #[test]
    fn arns_between_role_and_session() {
        assert_eq!(
            session_arn("arn:aws:iam::1:role/ci/deploy", "s").as_deref(),
            Some("arn:aws:sts::1:assumed-role/deploy/s")
        );
        assert_eq!(
            role_of_session_arn("arn:aws:sts::1:assumed-role/deploy/s").as_deref(),
            Some("arn:aws:iam::1:role/deploy")
        );
        assert_eq!(role_name("arn:aws:iam::1:role/ci/deploy"), "deploy");
    }

    #[test]
    fn sts_errors_land_on_their_stages() {
        let cases = [
            (
                "AccessDenied",
                "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                Stage::Trust,
                Some("trust.aws.not-authorized"),
            ),
            (
                "InvalidIdentityToken",
                "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com",
                Stage::Trust,
                Some("trust.aws.provider-not-found"),
            ),
            (
                "InvalidIdentityToken",
                "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
                Stage::Trust,
                Some("trust.aws.keys-unreachable"),
            ),
            (
                "InvalidIdentityToken",
                "Incorrect token audience",
                Stage::Trust,
                Some("trust.aws.audience-mismatch"),
            ),
            (
                "InvalidIdentityToken",
                "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
                Stage::Trust,
                Some("trust.aws.invalid-identity-token"),
            ),
            (
                "IDPRejectedClaim",
                "",
                Stage::Trust,
                Some("trust.aws.invalid-identity-token"),
            ),
            (
                "IDPCommunicationError",
                "",
                Stage::Trust,
                Some("trust.aws.keys-unreachable"),
            ),
            (
                "ExpiredTokenException",
                "Token expired: current date/time 1772446900 must be before the expiration date/time1772446800",
                Stage::Token,
                Some("token.expired"),
            ),
            (
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                Stage::Role,
                Some("role.aws.max-session-duration"),
            ),
            (
                "RegionDisabledException",
                "STS is not activated in this region",
                Stage::Role,
                None,
            ),
            ("PackedPolicyTooLarge", "", Stage::Role, None),
        ];
        for (code, message, stage, id) in cases {
            let (s, rule) = classify_sts_error(code, message);
            assert_eq!((s, rule.map(|r| r.id)), (stage, id), "{code}: {message}");
        }
    }

    #[test]
    fn denied_codes() {
        for code in [
            "AccessDenied",
            "AccessDeniedException",
            "Client.UnauthorizedOperation",
            "UnauthorizedOperation",
            "AuthorizationError",
        ] {
            assert!(is_access_denied(code), "{code}");
        }
        for code in [
            "ThrottlingException",
            "NoSuchEntity",
            "ResourceNotFoundException",
        ] {
            assert!(!is_access_denied(code), "{code}");
        }
    }
}
