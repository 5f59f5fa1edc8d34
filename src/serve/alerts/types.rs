//! The alert sender's vocabulary, shared by the sender (`mod.rs`), the
//! queueing thread (`queue.rs`) and the delivery thread (`worker.rs`):
//! errors, delivery settings, the messages between them, and how a
//! webhook URL is shown in logs.
//!
//! Does not own: sending or delivering.

use std::time::Duration;

/// `next_attempt_at_ms` of an alert that will not be tried again.
pub const GAVE_UP_MS: i64 = i64::MAX;

/// Why the alert sender could not start, or why one delivery attempt
/// failed (the latter is only logged and kept in the row's `last_error`).
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alerts: {0}")]
    Open(crate::store::StoreError),
    #[error("alerts: call log: {0}")]
    Sql(crate::sql::Error),
    #[error("alerts: cannot start the delivery thread: {0}")]
    Thread(std::io::Error),
    #[error("alerts: cannot encode the alert as JSON: {0}")]
    Json(serde_json::Error),
    #[error("webhook URL {0}")]
    InvalidUrl(String),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error(transparent)]
    Http(#[from] ureq::Error),
}

// The call log's and JSON's errors are shown in the message, not chained.
impl From<crate::sql::Error> for AlertError {
    fn from(err: crate::sql::Error) -> Self {
        AlertError::Sql(err)
    }
}

impl From<serde_json::Error> for AlertError {
    fn from(err: serde_json::Error) -> Self {
        AlertError::Json(err)
    }
}

/// How alerts are delivered and retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Bound on one attempt: name lookup, connect, TLS, request and
    /// response together.
    pub timeout: Duration,
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// No attempt is made once an alert is older than this.
    pub max_age: Duration,
    /// Wait after the first failed attempt; doubled after each further one.
    pub first_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
    /// How long a delivery thread's claim on an alert lasts: another node
    /// may send the alert once it has passed (longer than `timeout`, with
    /// time to record the outcome).
    pub claim: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            timeout: Duration::from_secs(5),
            max_attempts: 20,
            max_age: Duration::from_secs(24 * 60 * 60),
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(10 * 60),
            claim: Duration::from_secs(crate::config::DEFAULT_ALERT_CLAIM_SECS),
        }
    }
}

/// A new alert on its way to the delivery thread.
pub(super) struct NewAlert {
    pub(super) call_id: String,
    /// Its idempotency key (`key`).
    pub(super) key: String,
    pub(super) url: String,
    pub(super) payload: String,
    pub(super) created_at_ms: i64,
}

/// What the sender hands the queueing thread (`queue`).
pub(super) enum Queued {
    Alert(NewAlert),
    Shutdown,
}

/// What the queueing thread tells the delivery thread (`worker`).
pub(super) enum Msg {
    /// A new alert is in the table.
    Stored,
    /// A new alert the table refused: try it once.
    Unstored(NewAlert),
    Shutdown,
}

/// `scheme://host[:port]` of `url`, for logs: the path and query may hold
/// a token.
pub(super) fn origin(url: &str) -> String {
    match url.parse::<ureq::http::Uri>() {
        Ok(uri) => match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => {
                let host_port = authority
                    .as_str()
                    .rsplit_once('@')
                    .map_or(authority.as_str(), |(_, rest)| rest);
                format!("{scheme}://{host_port}")
            }
            _ => "(invalid URL)".to_owned(),
        },
        Err(_) => "(invalid URL)".to_owned(),
    }
}
