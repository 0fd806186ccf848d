//! Decoding a compact JWS by hand (base64url + serde_json) rather than with
//! jsonwebtoken's `Header`, which rejects `alg: none` and unknown header fields: we must
//! show such tokens to explain them. jsonwebtoken is used only to check signatures.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use super::claims::{Claims, json_type_name};
use super::error::{Segment, TokenError};
use super::locate::{Located, PasteForm};
use crate::text::{escape_byte, redact_token};

/// base64url as JWTs use it: padding optional (RFC 7515 §2 says none, people paste both).
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// A decoded token. It keeps the compact form for signature checks; `Debug` and every
/// renderer show only [`Token::redacted`].
#[derive(Clone)]
pub struct Token {
    compact: String,
    /// The JOSE header.
    pub header: Map<String, Value>,
    pub claims: Claims,
    /// How the token sat in the input.
    pub form: PasteForm,
    /// Other distinct tokens in the same input (ignored; the first is used).
    pub others: usize,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("token", &self.redacted())
            .field("header", &self.header)
            .field("claims", &self.claims)
            .field("form", &self.form)
            .finish()
    }
}

impl Token {
    /// Decode a located token.
    pub fn decode(located: Located) -> Result<Token, TokenError> {
        let (header, claims) = decode_parts(&located.compact)?;
        Ok(Token {
            compact: located.compact,
            header,
            claims: Claims(claims),
            form: located.form,
            others: located.others,
        })
    }

    /// Locate and decode the token in pasted input.
    pub fn from_input(input: &[u8]) -> Result<Token, TokenError> {
        Token::decode(super::locate::locate(input)?)
    }

    /// `header.payload.<redacted>`: the only form of the token that is ever shown.
    pub fn redacted(&self) -> String {
        let mut parts = self.compact.split('.');
        let header = parts.next().unwrap_or_default();
        let payload = parts.next().unwrap_or_default();
        redact_token(header, payload)
    }

    /// The header's `alg`.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The header's `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// The signing input (`header.payload`) and the base64url signature, for verification.
    pub(crate) fn signing_parts(&self) -> (&str, &str) {
        match self.compact.rfind('.') {
            Some(dot) => (&self.compact[..dot], &self.compact[dot + 1..]),
            None => (self.compact.as_str(), ""),
        }
    }

    /// Length in bytes of the signature segment (0 for an unsigned token).
    pub fn signature_len(&self) -> usize {
        self.signing_parts().1.len()
    }
}

/// Decode one base64url segment to bytes.
pub(crate) fn decode_segment_bytes(segment: &str) -> Result<Vec<u8>, base64::DecodeError> {
    B64URL.decode(segment)
}

fn segment_error(
    segment: Segment,
    start: usize,
    text: &str,
    err: base64::DecodeError,
) -> TokenError {
    use base64::DecodeError as E;
    match err {
        E::InvalidByte(offset, byte) | E::InvalidLastSymbol(offset, byte) => TokenError::Base64 {
            segment,
            offset: start + offset,
            byte_desc: format!("`{}`", escape_byte(byte)),
        },
        E::InvalidLength(_) | E::InvalidPadding => TokenError::Base64Length {
            segment,
            offset: start + text.len(),
        },
    }
}

fn decode_json_segment(
    segment: Segment,
    start: usize,
    text: &str,
) -> Result<Map<String, Value>, TokenError> {
    let bytes = decode_segment_bytes(text).map_err(|e| segment_error(segment, start, text, e))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| TokenError::Json {
        segment,
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_owned(),
        line: e.line(),
        column: e.column(),
    })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(TokenError::NotObject {
            segment,
            found: json_type_name(&other),
        }),
    }
}

/// A decoded JOSE header or payload.
type JsonObject = Map<String, Value>;

/// Decode header and payload of a compact JWS (three segments).
fn decode_parts(compact: &str) -> Result<(JsonObject, JsonObject), TokenError> {
    let mut segments = compact.split('.');
    let (Some(h), Some(p), Some(s), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(TokenError::WrongSegmentCount {
            count: compact.split('.').count(),
        });
    };
    let header = decode_json_segment(Segment::Header, 0, h)?;
    let payload_start = h.len() + 1;
    let claims = decode_json_segment(Segment::Payload, payload_start, p)?;
    let sig_start = payload_start + p.len() + 1;
    if let Some(pos) = s
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'='))
    {
        return Err(TokenError::Base64 {
            segment: Segment::Signature,
            offset: sig_start + pos,
            byte_desc: format!("`{}`", escape_byte(s.as_bytes()[pos])),
        });
    }
    Ok((header, claims))
}
