//! The log readers' shared machinery lives in `evidence::logs`; these names stay for
//! the readers of `gcp_audit/stream.rs` and `azure_signin/record.rs`, which import
//! them from here.

pub(crate) use crate::evidence::logs::{parse_time, quote, show, text};
