//! Query results as rows of named columns: Athena's CSV download and CloudTrail Lake's
//! `get-query-results` rows, turned back into event objects the rest of the module
//! reads.
//!
//! Athena: the standard CloudTrail table (<https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table.html>)
//! has lower-case columns (`eventversion`, `useridentity`, `eventtime`, `eventsource`,
//! `eventname`, `awsregion`, `sourceipaddress`, `useragent`, `errorcode`,
//! `errormessage`, `requestparameters`, `responseelements`, …, `requestid`,
//! `eventid`, `resources`, …). `requestparameters` and `responseelements` are JSON
//! text; `useridentity` and `resources` are structs, which Athena's CSV shows as
//! `{type=AssumedRole, arn=…, sessioncontext={…}}`. That text is not quoted, so a
//! value holding `, name=` cannot be told from the next field: it is read on a best
//! effort basis, and columns not understood are named in the artifact note.
//!
//! CloudTrail Lake: `QueryResultRows` is a list of rows, each a list of one-key maps
//! (column → string) (`GetQueryResults`, <https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetQueryResults.html>);
//! a column named `eventjson` holds a whole event as JSON text.

use serde_json::{Map, Value};

use super::scan::MAX_UNIT;

/// Top-level CloudTrail fields, by their lower-case name.
const CANONICAL: &[&str] = &[
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "resources",
    "eventType",
    "apiVersion",
    "readOnly",
    "recipientAccountId",
    "serviceEventDetails",
    "sharedEventID",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "eventCategory",
    "managementEvent",
    "tlsDetails",
    "sessionCredentialFromConsole",
    "addendum",
    "edgeDeviceDetails",
    "insightDetails",
];

/// Fields holding structures (JSON text in Athena's string columns, struct text otherwise).
const STRUCTURED: &[&str] = &[
    "userIdentity",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "resources",
    "tlsDetails",
    "serviceEventDetails",
    "addendum",
    "edgeDeviceDetails",
    "insightDetails",
];

/// Columns a query may select on their own (`SELECT requestParameters.roleArn …`,
/// or aliased to the bare name).
const ALIASES: &[(&str, &[&str])] = &[
    ("rolearn", &["requestParameters", "roleArn"]),
    ("rolesessionname", &["requestParameters", "roleSessionName"]),
    ("durationseconds", &["requestParameters", "durationSeconds"]),
    (
        "subjectfromwebidentitytoken",
        &["responseElements", "subjectFromWebIdentityToken"],
    ),
    ("audience", &["responseElements", "audience"]),
    ("provider", &["responseElements", "provider"]),
    ("accesskeyid", &["userIdentity", "accessKeyId"]),
    ("principalid", &["userIdentity", "principalId"]),
    ("username", &["userIdentity", "userName"]),
    ("identityprovider", &["userIdentity", "identityProvider"]),
    ("arn", &["userIdentity", "arn"]),
    ("useridentitytype", &["userIdentity", "type"]),
];

fn canonical(name: &str) -> Option<&'static str> {
    CANONICAL
        .iter()
        .copied()
        .find(|c| c.eq_ignore_ascii_case(name))
}

/// A column value as the structure it holds: JSON text, struct text, or plain text.
pub(crate) fn structured(raw: &str) -> Value {
    let t = raw.trim();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(t) {
            return v;
        }
        if let Some(v) = struct_text(t) {
            return v;
        }
    }
    Value::String(raw.to_owned())
}

/// Build an event from (column, value) pairs. Returns the event and the columns it
/// did not understand.
pub(crate) fn event_from_columns<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (Value, Vec<String>) {
    let mut event = Map::new();
    let mut unmapped = Vec::new();
    for (column, raw) in pairs {
        let column = column.trim().trim_matches('"');
        let value = raw.trim();
        if value.is_empty() || value.eq_ignore_ascii_case("null") {
            continue;
        }
        let lower = column.to_ascii_lowercase();
        if lower == "eventjson" {
            if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(value) {
                return (v, unmapped);
            }
            unmapped.push(column.to_owned());
            continue;
        }
        let mut segments: Vec<String> = column.split('.').map(str::to_owned).collect();
        let path: Vec<String> = if let Some(top) = canonical(&segments[0]) {
            segments[0] = top.to_owned();
            segments
        } else if let Some((_, alias)) = ALIASES.iter().find(|(a, _)| *a == lower) {
            alias.iter().map(|s| (*s).to_owned()).collect()
        } else {
            unmapped.push(column.to_owned());
            continue;
        };
        let value = if path.len() == 1 && STRUCTURED.contains(&path[0].as_str()) {
            structured(value)
        } else {
            Value::String(value.to_owned())
        };
        insert(&mut event, &path, value);
    }
    (Value::Object(event), unmapped)
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = map;
    for p in parents {
        let slot = here
            .entry(p.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(next) = slot else {
            return;
        };
        here = next;
    }
    here.insert(last.clone(), value);
}

/// A CloudTrail Lake result row (a list of column maps) as an event.
pub(crate) fn event_from_lake_row(row: &Value) -> (Value, Vec<String>) {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let columns: Vec<&Map<String, Value>> = match row {
        Value::Array(cells) => cells.iter().filter_map(Value::as_object).collect(),
        Value::Object(map) => vec![map],
        _ => Vec::new(),
    };
    for map in columns {
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            pairs.push((k.clone(), text));
        }
    }
    event_from_columns(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Hive/Presto struct text (`{type=AssumedRole, arn=…, sessioncontext={…}}`,
/// `[{arn=…, type=…}]`). `None` when it is not that shape.
pub(crate) fn struct_text(s: &str) -> Option<Value> {
    let bytes = s.as_bytes();
    let mut p = StructParser {
        s: bytes,
        i: 0,
        depth: 0,
    };
    let v = p.value(Context::Top)?;
    p.skip_ws();
    (p.i == bytes.len()).then_some(v)
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Top,
    Object,
    Array,
}

struct StructParser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl StructParser<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn value(&mut self, ctx: Context) -> Option<Value> {
        self.skip_ws();
        if self.depth > 64 {
            return None;
        }
        match self.s.get(self.i)? {
            b'{' => self.object(),
            b'[' => self.array(),
            _ => Some(self.scalar(ctx)),
        }
    }

    fn object(&mut self) -> Option<Value> {
        self.i += 1;
        self.depth += 1;
        let mut map = Map::new();
        loop {
            self.skip_ws();
            match self.s.get(self.i)? {
                b'}' => {
                    self.i += 1;
                    break;
                }
                b',' => {
                    self.i += 1;
                    continue;
                }
                _ => {}
            }
            let start = self.i;
            while self
                .s
                .get(self.i)
                .is_some_and(|&b| b != b'=' && b != b'}' && b != b',')
            {
                self.i += 1;
            }
            if self.s.get(self.i) != Some(&b'=') {
                return None;
            }
            let key = String::from_utf8_lossy(&self.s[start..self.i])
                .trim()
                .to_owned();
            self.i += 1;
            let v = self.value(Context::Object)?;
            map.insert(key, v);
        }
        self.depth -= 1;
        Some(Value::Object(map))
    }

    fn array(&mut self) -> Option<Value> {
        self.i += 1;
        self.depth += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            match self.s.get(self.i)? {
                b']' => {
                    self.i += 1;
                    break;
                }
                b',' => {
                    self.i += 1;
                    continue;
                }
                _ => items.push(self.value(Context::Array)?),
            }
        }
        self.depth -= 1;
        Some(Value::Array(items))
    }

    /// Text up to the end of its container, or a comma that starts the next
    /// `name=` (objects) or element (arrays).
    fn scalar(&mut self, ctx: Context) -> Value {
        let start = self.i;
        while let Some(&b) = self.s.get(self.i) {
            match (ctx, b) {
                (Context::Object, b'}') | (Context::Array, b']') => break,
                (Context::Array, b',') => break,
                (Context::Object, b',') if self.next_is_key(self.i + 1) => break,
                _ => self.i += 1,
            }
        }
        let text = String::from_utf8_lossy(&self.s[start..self.i])
            .trim()
            .to_owned();
        if text == "null" {
            Value::Null
        } else {
            Value::String(text)
        }
    }

    fn next_is_key(&self, mut j: usize) -> bool {
        while self.s.get(j) == Some(&b' ') {
            j += 1;
        }
        let start = j;
        while self
            .s
            .get(j)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            j += 1;
        }
        j > start && self.s.get(j) == Some(&b'=')
    }
}

/// Splits CSV (RFC 4180: quoted fields, doubled quotes, newlines inside quotes) into
/// records, streaming.
pub(crate) struct CsvRecords {
    fields: Vec<String>,
    field: Vec<u8>,
    in_quotes: bool,
    quote_pending: bool,
    line: u64,
    record_line: u64,
    record_bytes: usize,
    oversized: bool,
    /// Records skipped for their size (line of each, first few).
    pub oversized_lines: Vec<u64>,
}

impl Default for CsvRecords {
    fn default() -> CsvRecords {
        CsvRecords {
            fields: Vec::new(),
            field: Vec::new(),
            in_quotes: false,
            quote_pending: false,
            line: 1,
            record_line: 1,
            record_bytes: 0,
            oversized: false,
            oversized_lines: Vec::new(),
        }
    }
}

impl CsvRecords {
    /// Feed bytes; complete records go to `on_record(line, fields)`.
    pub fn feed(&mut self, bytes: &[u8], on_record: &mut dyn FnMut(u64, &[String])) {
        for &b in bytes {
            self.record_bytes += 1;
            if self.record_bytes > MAX_UNIT && !self.oversized {
                self.oversized = true;
                if self.oversized_lines.len() < 4 {
                    self.oversized_lines.push(self.record_line);
                }
                self.fields.clear();
                self.field.clear();
            }
            if self.in_quotes {
                if self.quote_pending {
                    self.quote_pending = false;
                    if b == b'"' {
                        self.push_byte(b);
                        continue;
                    }
                    self.in_quotes = false;
                } else if b == b'"' {
                    self.quote_pending = true;
                    continue;
                } else {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    self.push_byte(b);
                    continue;
                }
            }
            match b {
                b',' => self.end_field(),
                b'\n' => {
                    self.end_field();
                    self.end_record(on_record);
                    self.line += 1;
                    self.record_line = self.line;
                }
                b'\r' => {}
                b'"' if self.field.is_empty() => self.in_quotes = true,
                _ => self.push_byte(b),
            }
        }
    }

    /// The end of the input: the last record (if not newline-terminated). Returns the
    /// line of a record cut inside quotes, if any.
    pub fn finish(&mut self, on_record: &mut dyn FnMut(u64, &[String])) -> Option<u64> {
        if self.in_quotes && !self.quote_pending {
            return Some(self.record_line);
        }
        if !self.field.is_empty() || !self.fields.is_empty() {
            self.end_field();
            self.end_record(on_record);
        }
        None
    }

    fn push_byte(&mut self, b: u8) {
        if !self.oversized {
            self.field.push(b);
        }
    }

    fn end_field(&mut self) {
        if !self.oversized {
            let text = String::from_utf8_lossy(&self.field).into_owned();
            self.fields.push(text);
        }
        self.field.clear();
    }

    fn end_record(&mut self, on_record: &mut dyn FnMut(u64, &[String])) {
        let empty = self.fields.len() <= 1 && self.fields.first().is_none_or(String::is_empty);
        if !self.oversized && !empty {
            on_record(self.record_line, &self.fields);
        }
        self.fields.clear();
        self.record_bytes = 0;
        self.oversized = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn athena_struct_text() {
        let v = struct_text("{type=AssumedRole, principalid=AROAEXAMPLE:GitHubActions, arn=arn:aws:sts::1:assumed-role/deploy/GitHubActions, accountid=1, invokedby=null, accesskeyid=ASIAEXAMPLE, username=null, sessioncontext={attributes={mfaauthenticated=false, creationdate=2026-03-02T10:14:05Z}, sessionissuer={type=Role, principalid=AROAEXAMPLE, arn=arn:aws:iam::1:role/deploy, accountid=1, username=deploy}, ec2roledelivery=null, webidfederationdata={federatedprovider=arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com, attributes={}}}}").unwrap();
        assert_eq!(v["type"], "AssumedRole");
        assert_eq!(v["invokedby"], Value::Null);
        assert_eq!(
            v["sessioncontext"]["sessionissuer"]["arn"],
            "arn:aws:iam::1:role/deploy"
        );
        assert_eq!(
            v["sessioncontext"]["webidfederationdata"]["federatedprovider"],
            "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"
        );
        let r = struct_text("[{arn=arn:aws:iam::1:role/deploy, accountid=1, type=AWS::IAM::Role}]")
            .unwrap();
        assert_eq!(r[0]["type"], "AWS::IAM::Role");
    }

    #[test]
    fn a_value_with_commas_stays_whole_unless_it_looks_like_a_field() {
        let v = struct_text("{message=a, b and c, code=X}").unwrap();
        assert_eq!(v["message"], "a, b and c");
        assert_eq!(v["code"], "X");
    }

    #[test]
    fn not_struct_text() {
        assert_eq!(struct_text("{unclosed=1"), None);
        assert_eq!(struct_text("{no equals}"), None);
        assert_eq!(structured("plain"), json!("plain"));
    }

    #[test]
    fn columns_become_an_event() {
        let (event, unmapped) = event_from_columns([
            ("eventtime", "2026-03-02T10:14:00Z"),
            ("eventname", "AssumeRoleWithWebIdentity"),
            (
                "requestparameters",
                "{\"roleArn\":\"arn:aws:iam::1:role/deploy\"}",
            ),
            (
                "useridentity",
                "{type=WebIdentityUser, username=repo:acme/api:ref:refs/heads/main}",
            ),
            ("errorcode", ""),
            ("userIdentity.principalId", "x"),
            ("_col9", "?"),
        ]);
        assert_eq!(event["eventName"], "AssumeRoleWithWebIdentity");
        assert_eq!(
            event["requestParameters"]["roleArn"],
            "arn:aws:iam::1:role/deploy"
        );
        assert_eq!(event["userIdentity"]["principalId"], "x");
        assert_eq!(
            event["userIdentity"]["username"],
            "repo:acme/api:ref:refs/heads/main"
        );
        assert!(event.get("errorCode").is_none());
        assert_eq!(unmapped, vec!["_col9".to_owned()]);
    }

    #[test]
    fn lake_rows_with_eventjson_or_columns() {
        let (e, _) = event_from_lake_row(&json!([{"eventjson": "{\"eventName\":\"X\"}"}]));
        assert_eq!(e["eventName"], "X");
        let (e, _) = event_from_lake_row(
            &json!([{"eventTime": "2026-03-02 10:14:00.000"}, {"errorCode": "AccessDenied"}, {"roleArn": "r"}]),
        );
        assert_eq!(e["errorCode"], "AccessDenied");
        assert_eq!(e["requestParameters"]["roleArn"], "r");
    }

    #[test]
    fn csv_with_quotes_newlines_and_chunks() {
        let text = b"\"a\",\"b\"\r\n\"1\",\"x \"\"quoted\"\"\ny\"\n2,plain\n\n3,last";
        for split in 1..text.len() {
            let mut csv = CsvRecords::default();
            let mut rows = Vec::new();
            let mut on = |line: u64, f: &[String]| rows.push((line, f.to_vec()));
            csv.feed(&text[..split], &mut on);
            csv.feed(&text[split..], &mut on);
            assert_eq!(csv.finish(&mut on), None);
            assert_eq!(rows.len(), 4, "split at {split}: {rows:?}");
            assert_eq!(
                rows[1],
                (2, vec!["1".to_owned(), "x \"quoted\"\ny".to_owned()])
            );
            assert_eq!(rows[2].0, 4);
            assert_eq!(rows[3], (6, vec!["3".to_owned(), "last".to_owned()]));
        }
    }

    #[test]
    fn csv_cut_inside_quotes_is_reported() {
        let mut csv = CsvRecords::default();
        csv.feed(b"a,b\n1,\"unterminated", &mut |_, _| {});
        assert_eq!(csv.finish(&mut |_, _| {}), Some(2));
    }
}
