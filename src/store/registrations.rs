//! Keeping what must survive a restart besides the call log: the
//! registrar's bindings (each change as it happens, with the phone's Path)
//! and the callers each line remembers as having passed its challenge;
//! both read back at start-up. The live bindings are also read while
//! running, by nodes sharing one store.

use sip::registrar::{Binding, BindingChange};

use super::db::Store;
use super::types::StoreError;
use crate::sql::{params, Dialect};

impl Store {
    /// Writes one change to the bindings.
    pub fn binding_changed(&self, change: &BindingChange) -> Result<(), StoreError> {
        match change {
            BindingChange::Set(b) => {
                let path = (!b.path.is_empty())
                    .then(|| serde_json::to_string(&b.path).unwrap_or_default());
                self.conn.execute(
                    "INSERT INTO registrations
                     (\"user\", contact, source, call_id, cseq, expires_at, path)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (\"user\", contact) DO UPDATE SET source = ?3,
                         call_id = ?4, cseq = ?5, expires_at = ?6, path = ?7",
                    params![
                        b.user,
                        b.contact,
                        b.source.to_string(),
                        b.call_id,
                        b.cseq,
                        i64::try_from(b.expires_at).unwrap_or(i64::MAX),
                        path
                    ],
                )?;
            }
            BindingChange::Removed { user, contact } => {
                self.conn.execute(
                    "DELETE FROM registrations WHERE \"user\" = ?1 AND contact = ?2",
                    params![user, contact],
                )?;
            }
        }
        Ok(())
    }

    /// The bindings that have not lapsed at `now` (Unix seconds); lapsed
    /// ones are deleted. A row that cannot be read (an edited database) is
    /// skipped with a warning.
    pub fn load_bindings(&self, now: u64) -> Result<Vec<Binding>, StoreError> {
        self.conn.execute(
            "DELETE FROM registrations WHERE expires_at <= ?1",
            params![i64::try_from(now).unwrap_or(i64::MAX)],
        )?;
        self.live_bindings(now)
    }

    /// The bindings that have not lapsed at `now`, as every node sharing
    /// the store made them (read only: nothing is deleted).
    pub fn live_bindings(&self, now: u64) -> Result<Vec<Binding>, StoreError> {
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare(
            "SELECT \"user\", contact, source, call_id, cseq, expires_at, path
             FROM registrations WHERE expires_at > ?1 ORDER BY \"user\", contact",
        )?;
        let rows = stmt.query_map(params![now], |row| {
            Ok((
                (row.get::<_, String>(0)?, row.get::<_, String>(1)?),
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, i64>(5)?,
                row.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let ((user, contact), source, call_id, cseq, expires_at, path) = row?;
            let path = match path {
                None => Ok(Vec::new()),
                Some(text) => serde_json::from_str::<Vec<String>>(&text),
            };
            let (Ok(source), Ok(cseq), Ok(expires_at), Ok(path)) = (
                source.parse(),
                u32::try_from(cseq),
                u64::try_from(expires_at),
                path,
            ) else {
                tracing::warn!(%user, %contact, "unreadable registration in the store skipped");
                continue;
            };
            out.push(Binding {
                user,
                contact,
                source,
                path,
                call_id,
                cseq,
                expires_at,
            });
        }
        Ok(out)
    }

    /// Remembers that `number` passed `line`'s challenge at `at_ms` (Unix
    /// milliseconds).
    pub fn remember_passed(&self, line: &str, number: &str, at_ms: i64) -> Result<(), StoreError> {
        let greatest = match self.conn.dialect() {
            Dialect::Sqlite => "MAX",
            Dialect::Postgres => "GREATEST",
        };
        self.conn.execute(
            &format!(
                "INSERT INTO passed_callers (line, number, passed_at_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT (line, number)
                 DO UPDATE SET passed_at_ms = {greatest}(passed_callers.passed_at_ms, ?3)"
            ),
            params![line, number, at_ms],
        )?;
        Ok(())
    }

    /// Callers who passed since `since_ms`, as (line, number, passed_at_ms);
    /// older ones are forgotten (deleted).
    pub fn load_passed(&self, since_ms: i64) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.conn.execute(
            "DELETE FROM passed_callers WHERE passed_at_ms < ?1",
            params![since_ms],
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT line, number, passed_at_ms FROM passed_callers ORDER BY line, number",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
