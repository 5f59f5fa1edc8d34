//! The store's side of several nodes: heartbeats, line-clear requests and
//! their answers, as plain SQL on one connection (both dialects).
//!
//! Owns: the statements over `nodes`, `line_clears` and `line_clear_acks`.
//! Does not own: when they run (`mod.rs`, `watch.rs`) or the schema
//! (`store::schema`, migration 14).

use crate::sql::{params, Connection, Error};

/// A line-clear request of another node, not yet answered by this one.
pub(super) struct Request {
    pub id: i64,
    pub line: String,
    pub node: String,
}

/// This node is alive at `now_ms`.
pub(super) fn heartbeat(conn: &Connection, node: &str, now_ms: i64) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO nodes (name, seen_at_ms) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET seen_at_ms = ?2",
        params![node, now_ms],
    )?;
    Ok(())
}

/// The other nodes seen since `since_ms`.
pub(super) fn live_nodes(conn: &Connection, me: &str, since_ms: i64) -> Result<Vec<String>, Error> {
    conn.query(
        "SELECT name FROM nodes WHERE name <> ?1 AND seen_at_ms >= ?2 ORDER BY name",
        params![me, since_ms],
    )?
    .iter()
    .map(|row| row.get(0))
    .collect()
}

/// Opens a request to clear `line`; its id.
pub(super) fn open_clear(
    conn: &Connection,
    line: &str,
    me: &str,
    now_ms: i64,
) -> Result<i64, Error> {
    conn.query_row(
        "INSERT INTO line_clears (line, node, started_at_ms) VALUES (?1, ?2, ?3) RETURNING id",
        params![line, me, now_ms],
        |row| row.get(0),
    )
}

/// Closes request `id` (the callback is over).
pub(super) fn close_clear(conn: &Connection, id: i64, now_ms: i64) -> Result<(), Error> {
    conn.execute(
        "UPDATE line_clears SET ended_at_ms = ?2 WHERE id = ?1",
        params![id, now_ms],
    )?;
    Ok(())
}

/// Open requests of other nodes started since `since_ms` that `me` has
/// not answered.
pub(super) fn requests_for(
    conn: &Connection,
    me: &str,
    since_ms: i64,
) -> Result<Vec<Request>, Error> {
    conn.query(
        "SELECT id, line, node FROM line_clears
         WHERE ended_at_ms IS NULL AND node <> ?1 AND started_at_ms >= ?2
           AND id NOT IN (SELECT clear_id FROM line_clear_acks WHERE node = ?1)
         ORDER BY id",
        params![me, since_ms],
    )?
    .iter()
    .map(|row| {
        Ok(Request {
            id: row.get(0)?,
            line: row.get(1)?,
            node: row.get(2)?,
        })
    })
    .collect()
}

/// Whether request `id` is still open and started since `since_ms`.
pub(super) fn still_open(conn: &Connection, id: i64, since_ms: i64) -> Result<bool, Error> {
    let rows = conn.query(
        "SELECT 1 FROM line_clears WHERE id = ?1 AND ended_at_ms IS NULL AND started_at_ms >= ?2",
        params![id, since_ms],
    )?;
    Ok(!rows.is_empty())
}

/// `me` has ended `calls_ended` calls of request `id`'s line.
pub(super) fn ack(
    conn: &Connection,
    id: i64,
    me: &str,
    calls_ended: i64,
    now_ms: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO line_clear_acks (clear_id, node, calls_ended, acked_at_ms)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (clear_id, node) DO NOTHING",
        params![id, me, calls_ended, now_ms],
    )?;
    Ok(())
}

/// `node`'s answer to request `id`, if it has answered: the calls it ended.
pub(super) fn acked(conn: &Connection, id: i64, node: &str) -> Result<Option<i64>, Error> {
    let rows = conn.query(
        "SELECT calls_ended FROM line_clear_acks WHERE clear_id = ?1 AND node = ?2",
        params![id, node],
    )?;
    rows.first().map(|row| row.get(0)).transpose()
}
