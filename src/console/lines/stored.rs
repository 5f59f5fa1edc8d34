//! The lines kept in the store (the call log's `lines` table): each as
//! the configuration's own line type in JSON, with who changed it last
//! and when. A stored line replaces the configuration file's line of the
//! same name (`merge`).
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
    Ok(())
}

/// Removes the stored line `name`; false when there was none.
pub fn remove(conn: &Connection, name: &str) -> Result<bool, ConsoleError> {
    Ok(conn.execute("DELETE FROM lines WHERE name = ?1", [name])? > 0)
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

    crate::store::testdb::both_backends!(a_stored_line_reads_back_equal_and_is_replaced_by_name);
}
