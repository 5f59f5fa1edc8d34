//! The delivery thread: POSTs due alerts one at a time (new ones before
//! retries) and records every attempt in its row; woken by the queueing
//! thread (`queue`) when it has stored a new alert. The schedule lives in
//! the `alerts` table, so alerts left by an earlier run, or by another
//! node, are picked up like any other.

use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::time::Duration;

use crate::sql::Connection;
use crate::store::{Location, Store};

use super::claim::{self, Outcome, Row};
use super::types::{origin, AlertError, DeliverySettings, Msg, NewAlert, GAVE_UP_MS};
use crate::config::webhook::validate_url;

/// Longest sleep with nothing due: a clock jump is noticed this soon.
const IDLE_WAIT: Duration = Duration::from_secs(60);

/// Longest sleep with nothing due on PostgreSQL, where other nodes queue
/// alerts this thread is not told about: an alert a node queued and could
/// not send (it died) is taken up this soon after it falls due or its
/// claim expires.
const SHARED_IDLE_WAIT: Duration = Duration::from_secs(5);

/// Pause after the call log could not be read or written.
const ERROR_WAIT: Duration = Duration::from_secs(5);

/// Opens the call log for the delivery thread (migrating it if the
/// service has not yet).
pub(super) fn open(at: &Location) -> Result<Connection, AlertError> {
    Ok(Store::open_at(at)
        .map_err(AlertError::Open)?
        .into_connection())
}

pub(super) struct Worker {
    conn: Connection,
    agent: ureq::Agent,
    settings: DeliverySettings,
    rx: mpsc::Receiver<Msg>,
    /// This thread's name in the claims it makes.
    me: String,
    /// Outcomes the call log refused; written before any new attempt, so a
    /// delivered alert is never sent twice because its row says pending.
    unrecorded: Vec<Outcome>,
}

impl Worker {
    /// Checks the `alerts` table and logs what an earlier run left.
    pub(super) fn new(
        conn: Connection,
        settings: DeliverySettings,
        rx: mpsc::Receiver<Msg>,
    ) -> Result<Worker, AlertError> {
        let pending: i64 = conn.query_row(
            "SELECT COUNT(*) FROM alerts
             WHERE delivered_at_ms IS NULL AND next_attempt_at_ms < ?1",
            [GAVE_UP_MS],
            |row| row.get(0),
        )?;
        let released = claim::release_stale(&conn)?;
        if released > 0 {
            tracing::info!(released, "alerts an earlier run was sending are retried");
        }
        if pending > 0 {
            tracing::info!(
                pending,
                "undelivered alerts from an earlier run will be retried"
            );
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(settings.timeout))
            .user_agent(concat!("linewarden/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Worker {
            conn,
            agent: ureq::Agent::new_with_config(config),
            settings,
            rx,
            me: claim::worker_name(),
            unrecorded: Vec::new(),
        })
    }

    /// Runs until told to stop or every sender is gone.
    pub(super) fn run(mut self) {
        loop {
            loop {
                match self.rx.try_recv() {
                    Ok(Msg::Stored) => {}
                    Ok(Msg::Unstored(new)) => self.try_once(new),
                    Ok(Msg::Shutdown) | Err(TryRecvError::Disconnected) => return,
                    Err(TryRecvError::Empty) => break,
                }
            }
            let wait = if !self.flush_unrecorded() {
                ERROR_WAIT
            } else {
                let now = now_ms();
                match self.next_due(now) {
                    Ok(Some(row)) => {
                        self.attempt(row);
                        continue;
                    }
                    Ok(None) => self.wait_for_next(now),
                    Err(err) => {
                        tracing::error!(%err, "cannot read pending alerts");
                        ERROR_WAIT
                    }
                }
            };
            match self.rx.recv_timeout(wait) {
                Ok(Msg::Stored) => {}
                Ok(Msg::Unstored(new)) => self.try_once(new),
                Ok(Msg::Shutdown) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// An alert the call log refused to store: tried once, without
    /// retries, rather than lost.
    fn try_once(&mut self, new: NewAlert) {
        let result = validate_url(&new.url)
            .map_err(AlertError::InvalidUrl)
            .and_then(|()| self.post(&new.url, &new.key, &new.payload));
        let to = origin(&new.url);
        match result {
            Ok(status) => {
                tracing::info!(call_id = %new.call_id, %to, status, "alert delivered");
            }
            Err(err) => {
                tracing::warn!(call_id = %new.call_id, %to, %err, "alert not delivered");
            }
        }
    }

    /// Claims the due alert to try next: never tried first, then the
    /// longest due, and none another node is sending.
    fn next_due(&self, now_ms: i64) -> Result<Option<Row>, crate::sql::Error> {
        let claim_ms = duration_ms(self.settings.claim);
        claim::next_due(
            &self.conn,
            &self.me,
            now_ms,
            now_ms.saturating_add(claim_ms),
        )
    }

    /// How long to sleep when nothing is due at `now_ms`.
    fn wait_for_next(&self, now_ms: i64) -> Duration {
        let idle = match self.conn.dialect() {
            crate::sql::Dialect::Sqlite => IDLE_WAIT,
            crate::sql::Dialect::Postgres => SHARED_IDLE_WAIT,
        };
        match claim::next_wake(&self.conn) {
            Ok(Some(at)) => {
                let ms = u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0);
                Duration::from_millis(ms).min(idle)
            }
            Ok(None) => idle,
            Err(err) => {
                tracing::error!(%err, "cannot read pending alerts");
                ERROR_WAIT
            }
        }
    }

    /// Makes one attempt at `row` (unless it is past its limits) and
    /// records the outcome.
    fn attempt(&mut self, row: Row) {
        let to = origin(&row.url);
        let max_attempts = i64::from(self.settings.max_attempts);
        let max_age_ms = duration_ms(self.settings.max_age);
        let age_ms = now_ms().saturating_sub(row.created_at_ms);
        if row.attempts >= max_attempts || age_ms > max_age_ms {
            let reason = format!(
                "not tried again: {} attempts, {age_ms} ms old",
                row.attempts
            );
            tracing::warn!(
                alert = row.id,
                call_id = %row.call_id,
                %to,
                attempts = row.attempts,
                last_error = row.last_error.as_deref().unwrap_or(""),
                "alert past its retry limits; giving up"
            );
            self.record(Outcome {
                id: row.id,
                attempts: row.attempts,
                delivered_at_ms: None,
                next_attempt_at_ms: GAVE_UP_MS,
                last_error: Some(row.last_error.unwrap_or(reason)),
            });
            return;
        }

        let result = validate_url(&row.url)
            .map_err(AlertError::InvalidUrl)
            .and_then(|()| self.post(&row.url, &row.key, &row.payload));
        let attempts = row.attempts.saturating_add(1);
        let done_ms = now_ms();
        let outcome = match result {
            Ok(status) => {
                tracing::info!(alert = row.id, call_id = %row.call_id, %to, attempts, status, "alert delivered");
                Outcome {
                    id: row.id,
                    attempts,
                    delivered_at_ms: Some(done_ms),
                    next_attempt_at_ms: done_ms,
                    last_error: None,
                }
            }
            Err(err) => {
                let backoff = backoff(&self.settings, attempts);
                let next_ms = done_ms.saturating_add(duration_ms(backoff));
                let give_up = matches!(err, AlertError::InvalidUrl(_))
                    || attempts >= max_attempts
                    || next_ms.saturating_sub(row.created_at_ms) > max_age_ms;
                if give_up {
                    tracing::warn!(alert = row.id, call_id = %row.call_id, %to, attempts, %err, "alert not delivered; giving up");
                } else {
                    tracing::warn!(alert = row.id, call_id = %row.call_id, %to, attempts, %err, retry_in = %humantime::format_duration(backoff), "alert not delivered; will retry");
                }
                Outcome {
                    id: row.id,
                    attempts,
                    delivered_at_ms: None,
                    next_attempt_at_ms: if give_up { GAVE_UP_MS } else { next_ms },
                    last_error: Some(err.to_string()),
                }
            }
        };
        self.record(outcome);
    }

    /// One POST of `payload` to `url` with the alert's `key`; the status
    /// if it is 2xx.
    fn post(&self, url: &str, key: &str, payload: &str) -> Result<u16, AlertError> {
        let response = self
            .agent
            .post(url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .send(payload)?;
        let status = response.status();
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err(AlertError::Status(status.as_u16()))
        }
    }

    /// Writes `outcome`, or keeps it for [`Worker::flush_unrecorded`].
    fn record(&mut self, outcome: Outcome) {
        if let Err(err) = self.write(&outcome) {
            tracing::error!(alert = outcome.id, %err, "cannot record an alert attempt; will retry");
            self.unrecorded.push(outcome);
        }
    }

    /// Writes the outcomes the call log refused before; true when none
    /// is left.
    fn flush_unrecorded(&mut self) -> bool {
        while let Some(outcome) = self.unrecorded.first() {
            if let Err(err) = self.write(outcome) {
                tracing::error!(alert = outcome.id, %err, "still cannot record an alert attempt");
                return false;
            }
            self.unrecorded.remove(0);
        }
        true
    }

    fn write(&self, outcome: &Outcome) -> Result<(), crate::sql::Error> {
        if !claim::write(&self.conn, &self.me, now_ms(), outcome)? {
            tracing::info!(
                alert = outcome.id,
                "alert delivered or taken over by another node meanwhile; this attempt is not recorded"
            );
        }
        Ok(())
    }
}

/// Wait after the `attempts`-th failed attempt: `first_backoff` doubled
/// `attempts - 1` times, at most `max_backoff`.
pub(super) fn backoff(settings: &DeliverySettings, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(u32::MAX);
    let factor = 1u32.checked_shl(doublings).unwrap_or(u32::MAX);
    settings
        .first_backoff
        .saturating_mul(factor)
        .min(settings.max_backoff)
}

fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn now_ms() -> i64 {
    crate::time::now_millis()
}
