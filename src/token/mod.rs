//! OIDC tokens as CI platforms issue them: finding a token in whatever was pasted
//! (`locate`), decoding it by hand (`jwt`), recognising the platform and its subject
//! grammar (`platform`), checking its signature against a JWKS (`verify`), and the full
//! inspection `decode` prints (`inspect`). Nothing here prints or touches the network.

pub mod audience;
pub mod claims;
pub mod error;
pub mod inspect;
pub mod jwt;
pub mod locate;
pub mod platform;
pub mod verify;

pub use audience::Cloud;
pub use claims::Claims;
pub use error::TokenError;
pub use inspect::{Provenance, TokenReport, inspect_claims, inspect_token};
pub use jwt::Token;
pub use locate::{MAX_TOKEN_BYTES, PasteForm};
pub use platform::Platform;
pub use verify::{Jwks, JwksError, SignatureCheck};
