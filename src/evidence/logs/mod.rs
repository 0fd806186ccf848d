//! What the log and export readers share — the job-log reader (`ci_log`), CloudTrail,
//! GCP audit logs and Entra sign-in logs: printing the next evidence through the
//! knowledge's command templates (so every value read from a log is quoted by the one
//! command builder), quoting log text into evidence (escaped, secrets redacted, cut),
//! the token anchor and `--since/--until` window a reader narrows its records with,
//! and values as clouds write them (timestamps, quoted names).
//! The readers own their formats; nothing here knows one.

mod anchor;
mod fields;
mod next;
mod quote;
mod window;

pub(crate) use anchor::{Anchor, within_filters};
pub(crate) use fields::{parse_time, quoted_after, text};
pub(crate) use next::{next, next_chain};
pub(crate) use quote::{quote, quote_within, show};
pub(crate) use window::{Margins, query_window};

#[cfg(test)]
mod tests;
