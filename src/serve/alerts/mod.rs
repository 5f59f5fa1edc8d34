//! Trusted-contact alerts: an HTTP POST of a small JSON document to a
//! configured webhook when a call is judged a fraud risk.
//!
//! Owns: the alert's JSON body ([`Alert`]), the delivery thread
//! ([`AlertSender`]) with its own SQLite connection to the call log, the
//! `alerts` table's rows (inserted before the first attempt, so a crash
//! loses nothing; retried with exponential backoff, also after a
//! restart), the HTTP client and its timeout, and checking a webhook URL
//! (`crate::config::webhook::validate_url`).
//!
//! Does not own: deciding whether a call deserves an alert or which URL to
//! use (the call flow and `config` do), the call log's file and schema
//! (`store` creates the `alerts` table; open the log with
//! `store::Store::open` before [`AlertSender::spawn`]), or anything the
//! resident keyed: the body carries only the fields of [`Alert`].
//!
//! Delivery: `Content-Type: application/json`, success is any 2xx status;
//! redirects are not followed (a 3xx counts as a failure). Each attempt is
//! bounded by [`DeliverySettings::timeout`] (name lookup, connect, TLS,
//! sending and the response together). Attempts run one at a time on the
//! delivery thread, new alerts before retries, so a slow or dead receiver
//! holds up other alerts by at most one timeout per attempt. `http://` and
//! `https://` URLs are supported (rustls with the Mozilla root
//! certificates). A proxy named by `ALL_PROXY`, `HTTPS_PROXY` or
//! `HTTP_PROXY` (the first one set, for every URL) is used unless
//! `NO_PROXY` names the host.
//!
//! Rows: `attempts` counts attempts made, `next_attempt_at_ms` is when the
//! next one is due, `last_error` says why the last one failed and
//! `delivered_at_ms` is set on success. An alert that reaches
//! [`DeliverySettings::max_attempts`] or [`DeliverySettings::max_age`]
//! keeps its `last_error` and gets `next_attempt_at_ms` =
//! [`GAVE_UP_MS`]: it is never tried again.

mod worker;

pub use crate::config::webhook::validate_url;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::store::{rfc3339_millis, unix_millis};

/// `next_attempt_at_ms` of an alert that will not be tried again.
pub const GAVE_UP_MS: i64 = i64::MAX;

/// Extra time [`AlertSender::shutdown`] waits beyond one attempt's timeout.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Why the alert sender could not start, or why one delivery attempt
/// failed (the latter is only logged and kept in the row's `last_error`).
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alerts: call log {}: {cause}", .path.display())]
    Open {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("alerts: call log: {0}")]
    Sqlite(rusqlite::Error),
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
impl From<rusqlite::Error> for AlertError {
    fn from(err: rusqlite::Error) -> Self {
        AlertError::Sqlite(err)
    }
}

impl From<serde_json::Error> for AlertError {
    fn from(err: serde_json::Error) -> Self {
        AlertError::Json(err)
    }
}

/// What a trusted contact is told about a risky call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Name of the configured line that took the call.
    pub line: String,
    /// Who called, as logged.
    pub caller: String,
    /// The call's tags (`police-impersonation`, ...), in the order given.
    pub tags: Vec<String>,
    /// The call's risk (`low`, `medium`, `high`).
    pub risk: String,
    /// When the risk was judged.
    pub time: SystemTime,
    /// The SIP Call-ID.
    pub call_id: String,
}

/// The JSON body, field by field.
#[derive(Serialize)]
struct Body<'a> {
    line: &'a str,
    caller: &'a str,
    tags: &'a [String],
    risk: &'a str,
    time: String,
    call_id: &'a str,
}

impl Alert {
    /// The JSON body POSTed to the webhook: `{"line", "caller", "tags",
    /// "risk", "time" (RFC 3339 UTC with milliseconds), "call_id"}`.
    pub fn to_json(&self) -> Result<String, AlertError> {
        let body = Body {
            line: &self.line,
            caller: &self.caller,
            tags: &self.tags,
            risk: &self.risk,
            time: rfc3339_millis(self.time),
            call_id: &self.call_id,
        };
        Ok(serde_json::to_string(&body)?)
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
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            timeout: Duration::from_secs(5),
            max_attempts: 20,
            max_age: Duration::from_secs(24 * 60 * 60),
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(10 * 60),
        }
    }
}

/// A new alert on its way to the delivery thread.
struct NewAlert {
    call_id: String,
    url: String,
    payload: String,
    created_at_ms: i64,
}

enum Msg {
    Alert(NewAlert),
    Shutdown,
}

/// The delivery thread and what shutting it down needs.
struct Running {
    thread: JoinHandle<()>,
    /// Disconnects when the thread ends.
    done: mpsc::Receiver<()>,
}

/// Hands alerts to the delivery thread. [`AlertSender::send`] returns at
/// once and never blocks; clones share the same thread.
#[derive(Clone)]
pub struct AlertSender {
    tx: mpsc::Sender<Msg>,
    running: Arc<Mutex<Option<Running>>>,
    shutdown_wait: Duration,
}

impl AlertSender {
    /// Opens its own connection to the call log at `db_path` (already
    /// created and migrated by `store::Store::open`) and starts the
    /// delivery thread, which first picks up the alerts an earlier run
    /// left undelivered.
    pub fn spawn(db_path: &Path, settings: DeliverySettings) -> Result<AlertSender, AlertError> {
        let conn = worker::open(db_path)?;
        let (tx, rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let shutdown_wait = settings.timeout.saturating_add(SHUTDOWN_GRACE);
        let worker = worker::Worker::new(conn, settings, rx)?;
        let thread = std::thread::Builder::new()
            .name("alerts".to_owned())
            .spawn(move || {
                worker.run();
                drop(done_tx);
            })
            .map_err(AlertError::Thread)?;
        Ok(AlertSender {
            tx,
            running: Arc::new(Mutex::new(Some(Running { thread, done }))),
            shutdown_wait,
        })
    }

    /// Queues `alert` for `url`: the delivery thread stores it, then POSTs
    /// it. Returns at once; failures are logged.
    pub fn send(&self, url: &str, alert: &Alert) {
        let payload = match alert.to_json() {
            Ok(payload) => payload,
            Err(err) => {
                tracing::error!(call_id = %alert.call_id, %err, "alert not sent");
                return;
            }
        };
        let new = NewAlert {
            call_id: alert.call_id.clone(),
            url: url.to_owned(),
            payload,
            created_at_ms: unix_millis(SystemTime::now()),
        };
        if self.tx.send(Msg::Alert(new)).is_err() {
            tracing::error!(call_id = %alert.call_id, "alert delivery thread has stopped; alert not sent");
        }
    }

    /// Stops the delivery thread and waits for it: at most one attempt's
    /// timeout plus a little (a thread still stuck after that is left to
    /// end by itself). Undelivered alerts stay in the call log for the next
    /// start. Blocks: call it off the async runtime's threads.
    pub fn shutdown(self) {
        // An error means the thread has already ended.
        let _ = self.tx.send(Msg::Shutdown);
        let running = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(running) = running else {
            return;
        };
        match running.done.recv_timeout(self.shutdown_wait) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                if running.thread.join().is_err() {
                    tracing::error!("alert delivery thread panicked");
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                tracing::warn!("alert delivery thread did not stop in time; leaving it");
            }
        }
    }
}

/// `scheme://host[:port]` of `url`, for logs: the path and query may hold
/// a token.
fn origin(url: &str) -> String {
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
