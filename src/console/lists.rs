//! What a call's page keeps: the history of its caller put on a line's
//! allowlist or blocklist from there (the `list_changes` table; the
//! change to the line itself is `lines::change`), and holding a call as
//! evidence (retention then keeps its recording).

use crate::sql::{params, Connection};
use serde::Serialize;

use super::error::ConsoleError;

/// Which list a number is asked onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum List {
    Allow,
    Block,
}

impl List {
    pub fn as_str(self) -> &'static str {
        match self {
            List::Allow => "allow",
            List::Block => "block",
        }
    }
}

/// Keeps that `number` was put on `line`'s `list` (from call `call`);
/// returns its id.
pub fn record(
    conn: &Connection,
    at_ms: i64,
    by: &str,
    line: &str,
    list: List,
    number: &str,
    call: i64,
) -> Result<i64, ConsoleError> {
    Ok(conn.query_row(
        "INSERT INTO list_changes (at_ms, requested_by, line, list, number, call, applied_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?1) RETURNING id",
        params![at_ms, by, line, list.as_str(), number, call],
        |r| r.get(0),
    )?)
}

/// The list changes for `line`'s `number`, oldest first: (list, by, at_ms).
pub fn history(
    conn: &Connection,
    line: &str,
    number: &str,
) -> Result<Vec<(String, String, i64)>, ConsoleError> {
    let mut stmt = conn.prepare(
        "SELECT list, requested_by, at_ms FROM list_changes
         WHERE line = ?1 AND number = ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![line, number], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Holds call `id` as evidence.
pub fn hold(conn: &Connection, id: i64) -> Result<(), ConsoleError> {
    conn.execute("UPDATE calls SET evidence_hold = 1 WHERE id = ?1", [id])?;
    Ok(())
}
