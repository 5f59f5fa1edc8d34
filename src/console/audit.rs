//! The audit log: who did what, when, from where. Append-only (the schema
//! has triggers that refuse UPDATE and DELETE on it, and this module has
//! no path that changes a row). Logins (ok and failed), recordings played
//! or downloaded, evidence downloads, user changes, list requests and
//! evidence holds are written here.

use crate::sql::{params, Connection};
use serde::Serialize;

use super::error::ConsoleError;

/// One audit entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at_ms: i64,
    pub at: String,
    /// The user name (or `cli`, or the name tried at a failed login).
    pub actor: Option<String>,
    pub action: String,
    /// What it was done to (`call 42`, a user name).
    pub target: Option<String>,
    pub detail: Option<String>,
    /// The source IP of the request.
    pub source: Option<String>,
}

/// What happened, for [`record`].
pub struct Event<'a> {
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub source: Option<&'a str>,
}

/// Appends one entry.
pub fn record(conn: &Connection, at_ms: i64, e: &Event<'_>) -> Result<(), ConsoleError> {
    conn.execute(
        "INSERT INTO audit (at_ms, actor, action, target, detail, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at_ms, e.actor, e.action, e.target, e.detail, e.source],
    )?;
    Ok(())
}

/// Up to `limit` entries, newest first, older than entry `before` if given.
pub fn list(
    conn: &Connection,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, ConsoleError> {
    let mut stmt = conn.prepare(
        "SELECT id, at_ms, actor, action, target, detail, source FROM audit
         WHERE id < COALESCE(?1, 9223372036854775807) ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![before, limit], |r| {
        let at_ms: i64 = r.get(1)?;
        Ok(Entry {
            id: r.get(0)?,
            at_ms,
            at: crate::console::calls::rfc3339_ms(at_ms),
            actor: r.get(2)?,
            action: r.get(3)?,
            target: r.get(4)?,
            detail: r.get(5)?,
            source: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::testdb::{Backend, TestDb};

    fn audit_rows_cannot_be_changed_or_deleted(backend: Backend) {
        let dir = TestDb::new(backend);
        let conn = crate::console::db::open_conn(dir.location()).expect("open");
        let e = Event {
            actor: Some("ann"),
            action: "login",
            target: None,
            detail: Some("ok"),
            source: Some("127.0.0.1"),
        };
        record(&conn, 5, &e).expect("append");
        assert!(conn.execute("UPDATE audit SET actor = 'eve'", []).is_err());
        assert!(conn.execute("DELETE FROM audit", []).is_err());
        let rows = list(&conn, None, 10).expect("list");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].actor.as_deref(), Some("ann"));
    }

    crate::store::testdb::both_backends!(audit_rows_cannot_be_changed_or_deleted);
}
