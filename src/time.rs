//! Converting times: the one place the shell turns a `SystemTime` into the
//! Unix milliseconds or seconds the store and the registrar keep, and into
//! RFC 3339 text for the call log and alerts.
//!
//! Does not own: call-control time (`ivr` machines take `Instant`s) or
//! sleeping (`crate::serve::wait`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Latest time that can be written as RFC 3339 (end of year 9999).
const MAX_SECS: u64 = 253_402_300_799;

/// `t` clamped to what RFC 3339 text can show (1970 to 9999).
fn clamp(t: SystemTime) -> SystemTime {
    match t.duration_since(UNIX_EPOCH) {
        Ok(since) if since.as_secs() <= MAX_SECS => t,
        Ok(_) => UNIX_EPOCH + Duration::from_secs(MAX_SECS),
        Err(_) => UNIX_EPOCH,
    }
}

/// `t` as RFC 3339 UTC text with milliseconds, e.g.
/// `2024-05-01T12:00:03.250Z` (clamped to 1970..9999).
pub fn rfc3339_millis(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(clamp(t)).to_string()
}

/// `t` as milliseconds since the Unix epoch (clamped like
/// [`rfc3339_millis`]).
pub fn unix_millis(t: SystemTime) -> i64 {
    clamp(t)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `t` in whole seconds since the Unix epoch (0 before 1970).
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The current Unix time in milliseconds.
pub fn now_millis() -> i64 {
    unix_millis(SystemTime::now())
}

/// The current Unix time in whole seconds.
pub fn now_secs() -> u64 {
    unix_secs(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let t = UNIX_EPOCH + Duration::from_millis(1_714_564_803_250);
        assert_eq!(unix_millis(t), 1_714_564_803_250);
        assert_eq!(unix_secs(t), 1_714_564_803);
        assert_eq!(rfc3339_millis(t), "2024-05-01T12:00:03.250Z");
        assert_eq!(unix_millis(UNIX_EPOCH - Duration::from_secs(1)), 0);
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
