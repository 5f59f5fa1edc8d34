//! The lines kept in the store (the call log's `lines` table): each as
//! the configuration's own line type in JSON, with who changed it last
//! and when. A stored line replaces the configuration file's line of the
//! same name (`merge`). Every change bumps the store's `config_version`
//! in the same statement's transaction, so each node sharing the store
//! notices it (`crate::serve::lines_watch`).
//!
//! Does not own: checking a line (`merge`), who may change it (`change`).

use crate::config::LineConfig;
use crate::console::error::ConsoleError;
use crate::sql::{params, Connection};
use crate::store::Location;

/// Every stored line, by name.
pub fn list(conn: &Connection) -> Result<Vec<LineConfig>, ConsoleError> {
    let mut stmt = conn.prepare("SELECT name, config FROM lines ORDER BY name")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut lines = Vec::new();
    for row in rows {
        let (name, json) = row?;
        let line = serde_json::from_str(&json).map_err(|e| {
            ConsoleError::Io(std::io::Error::other(format!(
                "stored line {name:?} cannot be read: {e}"
            )))
        })?;
        lines.push(line);
    }
    Ok(lines)
}

/// The stored lines of the store at `at` (for the service at start and
/// on reload, and the command line).
pub fn load(at: &Location) -> Result<Vec<LineConfig>, ConsoleError> {
    list(&crate::console::db::open_conn(at)?)
}

/// Stores `line`, replacing a stored line of the same name.
pub fn put(conn: &Connection, line: &LineConfig, by: &str, at_ms: i64) -> Result<(), ConsoleError> {
    let json = serde_json::to_string(line)
        .map_err(|e| ConsoleError::Io(std::io::Error::other(e.to_string())))?;
    conn.execute(
        "INSERT INTO lines (name, config, updated_at_ms, updated_by) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET config = ?2, updated_at_ms = ?3, updated_by = ?4",
        params![line.name, json, at_ms, by],
    )?;
    bump(conn)
}

/// Removes the stored line `name`; false when there was none.
pub fn remove(conn: &Connection, name: &str) -> Result<bool, ConsoleError> {
    let removed = conn.execute("DELETE FROM lines WHERE name = ?1", [name])? > 0;
    if removed {
        bump(conn)?;
    }
    Ok(removed)
}

/// The store's configuration version: it changes with every change of
/// the stored lines.
pub fn version(conn: &Connection) -> Result<i64, ConsoleError> {
    Ok(
        conn.query_row("SELECT version FROM config_version WHERE id = 1", [], |r| {
            r.get(0)
        })?,
    )
}

/// Counts a change of the stored lines (inside the caller's transaction
/// when it has one).
fn bump(conn: &Connection) -> Result<(), ConsoleError> {
    conn.execute(
        "UPDATE config_version SET version = version + 1 WHERE id = 1",
        [],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::store::testdb::{Backend, TestDb};

    fn a_stored_line_reads_back_equal_and_is_replaced_by_name(backend: Backend) {
        let mut line = Config::default_config().lines[0].clone();
        line.policy.allowlist = vec!["+441632960555".into()];
        let dir = TestDb::new(backend);
        assert!(super::load(dir.location()).expect("none yet").is_empty());
        let conn = crate::console::db::open_conn(dir.location()).expect("open");
        super::put(&conn, &line, "ann", 1).expect("put");
        assert_eq!(super::list(&conn).expect("list"), vec![line.clone()]);
        line.policy.allowlist.clear();
        super::put(&conn, &line, "ann", 2).expect("put again");
        assert_eq!(super::load(dir.location()).expect("load"), vec![line]);
        assert!(super::remove(&conn, "default").expect("remove"));
        assert!(!super::remove(&conn, "default").expect("again"));
    }

    fn every_change_bumps_the_version_and_a_rolled_back_one_does_not(backend: Backend) {
        let line = Config::default_config().lines[0].clone();
        let dir = TestDb::new(backend);
        let conn = crate::console::db::open_conn(dir.location()).expect("open");
        let start = super::version(&conn).expect("version");
        super::put(&conn, &line, "ann", 1).expect("put");
        assert_eq!(super::version(&conn).expect("version"), start + 1);
        {
            let tx = conn.transaction().expect("begin");
            super::put(&tx, &line, "ann", 2).expect("put");
            // Dropped: rolled back with the line.
        }
        assert_eq!(super::version(&conn).expect("version"), start + 1);
        assert!(super::remove(&conn, "default").expect("remove"));
        assert!(!super::remove(&conn, "default").expect("none left"));
        assert_eq!(super::version(&conn).expect("version"), start + 2);
    }

    crate::store::testdb::both_backends!(
        a_stored_line_reads_back_equal_and_is_replaced_by_name,
        every_change_bumps_the_version_and_a_rolled_back_one_does_not
    );
}
