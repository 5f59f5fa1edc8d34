//! Trusted-contact alerts: an HTTP POST of a small JSON document to a
//! configured webhook when a call is judged a fraud risk.
//!
//! Owns: the alert's JSON body ([`Alert`]), the queueing and delivery
//! threads ([`AlertSender`]) with a connection each to the call log, the
//! `alerts` table's rows (inserted by the queueing thread as soon as an
//! alert is handed over, so a crash after that loses nothing, even one
//! while the delivery thread is busy with another alert; retried with
//! exponential backoff, also after a restart), the HTTP client and its
//! timeout, and checking a webhook URL
//! (`crate::config::webhook::validate_url`).
//!
//! Does not own: deciding whether a call deserves an alert or which URL to
//! use (the call flow and `config` do), the call log's file and schema
//! (`store` creates the `alerts` table, in SQLite or PostgreSQL: the
//! sender opens the log at its `store::Location`), or anything the
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
//!
//! Several nodes on one database: a delivery thread claims an alert
//! before each attempt (`claim`), so each alert is POSTed once across
//! the nodes, except by a node that dies mid-POST: its claim expires
//! (after [`DeliverySettings::claim`]) and another node tries the alert
//! again (at least once in that case). `claimed_by` names the thread that
//! last claimed the alert. On SQLite (one node) claims left by a crash
//! are released at start.
//!
//! Idempotency: each alert gets a key when it is queued (`key`), stored
//! in its row and sent with every attempt, by any node: the
//! `Idempotency-Key` header and the body's `alert_id`. A receiver that
//! keeps the keys it has taken drops a repeat, so delivery that is at
//! least once over HTTP is once for it.

mod claim;
mod key;
mod queue;
mod types;
mod worker;

pub use types::{AlertError, DeliverySettings};
use types::{NewAlert, Queued};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_claim;
#[cfg(test)]
mod tests_units;

use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::store::{rfc3339_millis, unix_millis};

/// Extra time [`AlertSender::shutdown`] waits beyond one attempt's timeout.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

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
    /// How much of the call the speech recognizer has heard so far:
    /// `full`, `partial` or `none` (a high risk from the caller ID or keys
    /// alone, on a call nobody listened to). Left out of the body when not
    /// known.
    pub listened: Option<String>,
    /// Why the call turned high risk, in one short line (`high risk:
    /// <rule> (<evidence> at 0:42)`); left out of the body when not known.
    pub reason: Option<String>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    listened: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    alert_id: &'a str,
}

impl Alert {
    /// The JSON body POSTed to the webhook: `{"line", "caller", "tags",
    /// "risk", "time" (RFC 3339 UTC with milliseconds), "call_id",
    /// "listened", "reason", "alert_id"}` (`listened` and `reason` only
    /// when known; `alert_id` is the alert's idempotency key, also sent as
    /// `Idempotency-Key`).
    pub fn to_json(&self, alert_id: &str) -> Result<String, AlertError> {
        let body = Body {
            line: &self.line,
            caller: &self.caller,
            tags: &self.tags,
            risk: &self.risk,
            time: rfc3339_millis(self.time),
            call_id: &self.call_id,
            listened: self.listened.as_deref(),
            reason: self.reason.as_deref(),
            alert_id,
        };
        Ok(serde_json::to_string(&body)?)
    }
}

/// The delivery thread and what shutting it down needs.
struct Running {
    thread: JoinHandle<()>,
    /// Disconnects when the thread ends.
    done: mpsc::Receiver<()>,
}

/// Hands alerts to the queueing thread, which stores them and wakes the
/// delivery thread. [`AlertSender::send`] returns at once and never
/// blocks; clones share the same threads.
#[derive(Clone)]
pub struct AlertSender {
    tx: mpsc::Sender<Queued>,
    running: Arc<Mutex<Option<Running>>>,
    shutdown_wait: Duration,
}

impl AlertSender {
    /// Opens two connections to the store at `at` (created and migrated
    /// by `store::Store::open_at` if it is not yet) and starts the
    /// queueing thread and the delivery thread, which first picks up the
    /// alerts an earlier run left undelivered.
    pub fn spawn(
        at: &crate::store::Location,
        settings: DeliverySettings,
    ) -> Result<AlertSender, AlertError> {
        let conn = worker::open(at)?;
        let queue_conn = worker::open(at)?;
        let (tx, queued) = mpsc::channel();
        let (to_worker, rx) = mpsc::channel();
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
        std::thread::Builder::new()
            .name("alerts-queue".to_owned())
            .spawn(move || queue::run(queue_conn, queued, to_worker))
            .map_err(AlertError::Thread)?;
        Ok(AlertSender {
            tx,
            running: Arc::new(Mutex::new(Some(Running { thread, done }))),
            shutdown_wait,
        })
    }

    /// Queues `alert` for `url`: the queueing thread stores it, then the
    /// delivery thread POSTs it. Returns at once; failures are logged.
    pub fn send(&self, url: &str, alert: &Alert) {
        let key = key::new_key();
        let payload = match alert.to_json(&key) {
            Ok(payload) => payload,
            Err(err) => {
                tracing::error!(call_id = %alert.call_id, %err, "alert not sent");
                return;
            }
        };
        let new = NewAlert {
            call_id: alert.call_id.clone(),
            key,
            url: url.to_owned(),
            payload,
            created_at_ms: unix_millis(SystemTime::now()),
        };
        if self.tx.send(Queued::Alert(new)).is_err() {
            tracing::error!(call_id = %alert.call_id, "alert delivery thread has stopped; alert not sent");
        }
    }

    /// Stops the delivery thread and waits for it: at most one attempt's
    /// timeout plus a little (a thread still stuck after that is left to
    /// end by itself). Undelivered alerts stay in the call log for the next
    /// start. Blocks: call it off the async runtime's threads.
    pub fn shutdown(self) {
        // An error means the thread has already ended.
        let _ = self.tx.send(Queued::Shutdown);
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
