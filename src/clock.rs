//! The clock a diagnosis runs on, and how times are shown. docs/design.md: checks use
//! `--now` when given, else the time of the correlated runtime event, else the wall
//! clock. Times are whole Unix seconds (JWT NumericDate) throughout the core.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Where the diagnosis clock came from: it changes how an expired token is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockSource {
    /// `--now` (or a scenario's `now`): the user fixed the clock.
    Flag,
    /// The time of a runtime event (log timestamp, CloudTrail `eventTime`).
    Event,
    /// The machine's clock: a token copied from an old run is expired against it.
    WallClock,
}

/// The instant checks are made at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Clock {
    /// Unix seconds.
    pub now: i64,
    pub source: ClockSource,
}

impl Clock {
    /// The machine's clock now.
    pub fn wall() -> Clock {
        Clock {
            now: OffsetDateTime::now_utc().unix_timestamp(),
            source: ClockSource::WallClock,
        }
    }

    /// A fixed instant, as from `--now`.
    pub fn fixed(now: i64) -> Clock {
        Clock {
            now,
            source: ClockSource::Flag,
        }
    }
}

/// An RFC 3339 time that did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an RFC 3339 time (like 2026-03-02T10:15:00Z): {reason}")]
pub struct TimeParseError {
    pub input: String,
    pub reason: String,
}

/// Parse an RFC 3339 timestamp (`2026-03-02T10:15:00Z`, offsets allowed) to Unix seconds.
pub fn parse_rfc3339(input: &str) -> Result<i64, TimeParseError> {
    OffsetDateTime::parse(input.trim(), &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|e| TimeParseError {
            input: input.to_owned(),
            reason: e.to_string(),
        })
}

/// Unix seconds as `2026-03-02T10:15:00Z`; out-of-range values are shown as the raw number.
pub fn format_utc(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{unix} (out of range)"))
}

/// A duration in seconds as a short human span: `45s`, `4m12s`, `3h`, `2d4h`, `5y`.
/// Precision drops as the span grows; the sign is the caller's business.
pub fn format_span(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    const MIN: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 86_400;
    const YEAR: u64 = 365 * DAY;
    match s {
        0..MIN => format!("{s}s"),
        MIN..HOUR => {
            let (m, r) = (s / MIN, s % MIN);
            if r == 0 {
                format!("{m}m")
            } else {
                format!("{m}m{r}s")
            }
        }
        HOUR..DAY => {
            let (h, m) = (s / HOUR, (s % HOUR) / MIN);
            if m == 0 {
                format!("{h}h")
            } else {
                format!("{h}h{m}m")
            }
        }
        DAY..YEAR => {
            let (d, h) = (s / DAY, (s % DAY) / HOUR);
            if h == 0 {
                format!("{d}d")
            } else {
                format!("{d}d{h}h")
            }
        }
        _ => format!("{}y", s / YEAR),
    }
}

/// `at` relative to `now` in words: "in 3m", "4m12s ago", "now".
pub fn format_relative(at: i64, now: i64) -> String {
    let delta = at.saturating_sub(now);
    match delta {
        0 => "now".to_owned(),
        d if d > 0 => format!("in {}", format_span(d)),
        d => format!("{} ago", format_span(d)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_like_people_write_them() {
        assert_eq!(format_span(45), "45s");
        assert_eq!(format_span(252), "4m12s");
        assert_eq!(format_span(300), "5m");
        assert_eq!(format_span(3 * 3600), "3h");
        assert_eq!(format_span(3 * 3600 + 120), "3h2m");
        assert_eq!(format_span(2 * 86_400 + 4 * 3600), "2d4h");
        assert_eq!(format_span(5 * 365 * 86_400 + 9), "5y");
        assert_eq!(format_span(-252), "4m12s");
    }

    #[test]
    fn relative_times_say_ago_or_in() {
        assert_eq!(format_relative(100, 352), "4m12s ago");
        assert_eq!(format_relative(280, 100), "in 3m");
        assert_eq!(format_relative(5, 5), "now");
        assert_eq!(
            format_relative(i64::MIN, i64::MAX),
            format!("{}y ago", i64::MIN.unsigned_abs() / (365 * 86_400))
        );
    }

    #[test]
    fn rfc3339_round_trips_and_rejects_garbage() {
        let t = parse_rfc3339("2026-03-02T10:15:00Z").unwrap();
        assert_eq!(format_utc(t), "2026-03-02T10:15:00Z");
        assert_eq!(parse_rfc3339("2026-03-02T11:15:00+01:00").unwrap(), t);
        assert!(parse_rfc3339("yesterday").is_err());
        assert_eq!(format_utc(i64::MAX), format!("{} (out of range)", i64::MAX));
    }
}
