//! Why a pasted token could not be decoded. Every variant says where: the segment and
//! the byte offset within the compact token, or the line and column inside a segment's
//! JSON, so the user can see what their copy-paste mangled.

use std::fmt;

/// The three parts of a compact JWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    Header,
    Payload,
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Segment::Header => "header",
            Segment::Payload => "payload",
            Segment::Signature => "signature",
        })
    }
}

/// A token that was found but cannot be decoded, or input with no token in it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The input is empty or only whitespace.
    #[error("the input is empty")]
    Empty,
    /// Nothing shaped like a JWT (`eyJ….eyJ….…`) is in the input.
    #[error(
        "no JWT found in {size} bytes of input (a JWT starts with `eyJ` and has three dot-separated parts); the input starts with `{preview}`"
    )]
    NotFound {
        /// Input size in bytes.
        size: usize,
        /// The first bytes, escaped.
        preview: String,
    },
    /// The token is larger than any CI platform issues.
    #[error(
        "the token is {size} bytes, over the {limit}-byte limit (CI platforms issue tokens of 1–4 KiB): refusing to decode it"
    )]
    TooLarge { size: usize, limit: usize },
    /// Five segments: a JWE, whose payload is encrypted.
    #[error(
        "encrypted token (JWE, 5 parts, `enc` {enc}): cannot be decoded without the key; CI platforms issue signed (JWS) tokens, so this is not a CI OIDC token"
    )]
    Encrypted {
        /// The header's `enc`, or `unknown`.
        enc: String,
    },
    /// Not three (or five) dot-separated segments.
    #[error(
        "a JWT has 3 dot-separated parts, this has {count} (the copy may be cut short: check its end)"
    )]
    WrongSegmentCount { count: usize },
    /// A segment holds a byte that is not base64url.
    #[error("{segment} is not base64url: byte {byte_desc} at offset {offset} of the token")]
    Base64 {
        segment: Segment,
        /// Byte offset within the compact token.
        offset: usize,
        /// The offending byte, escaped.
        byte_desc: String,
    },
    /// A segment's length is impossible for base64 (1 trailing character), or its
    /// last character carries bits that should be zero: usually a truncated copy.
    #[error("{segment} is not valid base64url at offset {offset} of the token (truncated copy?)")]
    Base64Length { segment: Segment, offset: usize },
    /// A decoded segment is not UTF-8 JSON.
    #[error(
        "{segment} does not decode to JSON: {message} at line {line}, column {column} of the decoded {segment}"
    )]
    Json {
        segment: Segment,
        message: String,
        line: usize,
        column: usize,
    },
    /// A decoded segment is JSON but not an object.
    #[error("{segment} decodes to {found}, not a JSON object")]
    NotObject {
        segment: Segment,
        found: &'static str,
    },
}
