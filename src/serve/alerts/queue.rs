//! The queueing thread: stores each new alert in the `alerts` table as
//! soon as it is handed over, then wakes the delivery thread. Storing
//! apart from delivering means a new alert is not kept waiting in memory
//! while the delivery thread is in the middle of a slow POST, so a node
//! that dies then (SIGKILL) leaves the alert in the table for another
//! node or its own restart.
//!
//! Does not own: attempts, claims or retries (`worker`).

use std::sync::mpsc;

use crate::sql::{params, Connection};

use super::types::{Msg, NewAlert, Queued};

/// Runs until told to stop or every sender is gone; passes the stop on to
/// the delivery thread (`to`) after storing everything sent before it.
pub(super) fn run(conn: Connection, rx: mpsc::Receiver<Queued>, to: mpsc::Sender<Msg>) {
    for queued in rx {
        let msg = match queued {
            Queued::Alert(new) => match store(&conn, &new) {
                Ok(id) => {
                    tracing::debug!(
                        alert = id,
                        call_id = %new.call_id,
                        key = %new.key,
                        payload = %new.payload,
                        "alert stored"
                    );
                    Msg::Stored
                }
                Err(err) => {
                    tracing::error!(call_id = %new.call_id, %err, "cannot store alert; trying it once");
                    Msg::Unstored(new)
                }
            },
            Queued::Shutdown => {
                // An error means the delivery thread has already ended.
                let _ = to.send(Msg::Shutdown);
                return;
            }
        };
        if to.send(msg).is_err() {
            return;
        }
    }
}

/// Inserts `new`, due at once; its row id.
fn store(conn: &Connection, new: &NewAlert) -> Result<i64, crate::sql::Error> {
    conn.query_row(
        "INSERT INTO alerts (call_id, url, payload, created_at_ms, next_attempt_at_ms, alert_key)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5) RETURNING id",
        params![
            new.call_id,
            new.url,
            new.payload,
            new.created_at_ms,
            new.key
        ],
        |row| row.get(0),
    )
}
