//! Claiming a due alert before sending it, so the delivery threads of
//! several nodes sharing one database never send the same alert: a claim
//! is one statement that picks the next due, unclaimed alert and marks it
//! `claimed_by` this thread until `claimed_until_ms` (PostgreSQL: the
//! pick locks the row with `FOR UPDATE SKIP LOCKED`, so two nodes never
//! pick the same row; SQLite runs one statement at a time). The outcome
//! of the attempt is written with the claim released, unless another
//! thread has taken the alert over since.
//!
//! A claim expires: a node that dies while sending leaves the alert to
//! another node once the claim has passed (the POST may then have reached
//! the receiver twice: at least once for a node that dies mid-POST,
//! exactly once otherwise; every attempt carries the alert's key, so the
//! receiver can drop the repeat). A claim lasts
//! `DeliverySettings::claim`.
//!
//! Does not own: the attempt, backoff or limits (`worker`).

use crate::sql::{params, Connection, Dialect, OptionalExtension};

use super::types::GAVE_UP_MS;

/// An undelivered alert as stored, claimed by this thread.
pub(super) struct Row {
    pub(super) id: i64,
    pub(super) call_id: String,
    /// The idempotency key sent with every attempt.
    pub(super) key: String,
    pub(super) url: String,
    pub(super) payload: String,
    pub(super) created_at_ms: i64,
    pub(super) attempts: i64,
    pub(super) last_error: Option<String>,
}

/// What to write back to a row after an attempt (or giving up).
pub(super) struct Outcome {
    pub(super) id: i64,
    pub(super) attempts: i64,
    pub(super) delivered_at_ms: Option<i64>,
    pub(super) next_attempt_at_ms: i64,
    pub(super) last_error: Option<String>,
}

/// A name for this delivery thread in `claimed_by`: the process and a
/// random part, so two threads never share one.
pub(super) fn worker_name() -> String {
    format!("pid{}-{:08x}", std::process::id(), fastrand::u32(..))
}

/// On SQLite the store has one node: claims an earlier run left (a crash
/// while sending) are released at once, so its alerts are retried at
/// start as before claims existed. On PostgreSQL they expire.
pub(super) fn release_stale(conn: &Connection) -> Result<usize, crate::sql::Error> {
    match conn.dialect() {
        Dialect::Sqlite => conn.execute(
            "UPDATE alerts SET claimed_until_ms = NULL
             WHERE claimed_until_ms IS NOT NULL AND delivered_at_ms IS NULL",
            [],
        ),
        Dialect::Postgres => Ok(0),
    }
}

/// Claims the due alert to try next (never tried first, then the longest
/// due) for `me` until `until_ms`; `None` when no alert is due and
/// unclaimed at `now_ms`.
pub(super) fn next_due(
    conn: &Connection,
    me: &str,
    now_ms: i64,
    until_ms: i64,
) -> Result<Option<Row>, crate::sql::Error> {
    let lock = match conn.dialect() {
        Dialect::Sqlite => "",
        Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "UPDATE alerts SET claimed_by = ?2, claimed_until_ms = ?3
         WHERE id = (SELECT id FROM alerts
             WHERE delivered_at_ms IS NULL AND next_attempt_at_ms <= ?1
               AND (claimed_until_ms IS NULL OR claimed_until_ms <= ?1)
             ORDER BY attempts, next_attempt_at_ms, id
             LIMIT 1 {lock})
         RETURNING id, call_id, url, payload, created_at_ms, attempts, last_error, alert_key"
    );
    conn.query_row(&sql, params![now_ms, me, until_ms], |row| {
        let id = row.get(0)?;
        Ok(Row {
            id,
            call_id: row.get(1)?,
            key: super::key::of_row(id, row.get(7)?),
            url: row.get(2)?,
            payload: row.get(3)?,
            created_at_ms: row.get(4)?,
            attempts: row.get(5)?,
            last_error: row.get(6)?,
        })
    })
    .optional()
}

/// When the next alert falls due or its claim expires, whichever is
/// later; `None` when no alert is pending.
pub(super) fn next_wake(conn: &Connection) -> Result<Option<i64>, crate::sql::Error> {
    conn.query_row(
        "SELECT MIN(CASE WHEN claimed_until_ms IS NOT NULL
                          AND claimed_until_ms > next_attempt_at_ms
                     THEN claimed_until_ms ELSE next_attempt_at_ms END)
         FROM alerts
         WHERE delivered_at_ms IS NULL AND next_attempt_at_ms < ?1",
        [GAVE_UP_MS],
        |row| row.get(0),
    )
}

/// Writes `outcome` as `me` at `now_ms`, releasing the claim; false when
/// the alert was not written because it has been delivered meanwhile or
/// another thread holds it now (this thread's claim expired first).
pub(super) fn write(
    conn: &Connection,
    me: &str,
    now_ms: i64,
    outcome: &Outcome,
) -> Result<bool, crate::sql::Error> {
    let changed = conn.execute(
        "UPDATE alerts SET attempts = ?2, delivered_at_ms = ?3,
            next_attempt_at_ms = ?4, last_error = ?5, claimed_until_ms = NULL
         WHERE id = ?1 AND delivered_at_ms IS NULL
           AND (claimed_until_ms IS NULL OR claimed_by = ?6 OR claimed_until_ms <= ?7)",
        params![
            outcome.id,
            outcome.attempts,
            outcome.delivered_at_ms,
            outcome.next_attempt_at_ms,
            outcome.last_error,
            me,
            now_ms
        ],
    )?;
    Ok(changed > 0)
}
