//! The open call log ([`Store`]): opening (creating the directory and
//! file, WAL mode, migrations) and the writes of a call's life that are
//! not about tags, the bridge or registrations.
//!
//! Does not own: the schema (`schema.rs`), tags and risk (`tags.rs`), the
//! bridge (`bridge.rs`), reading the log back (`query.rs`) or the writer
//! thread (`handle.rs`, `writer.rs`).

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::location::Location;
use super::schema;
use super::types::{NewCall, StoreError, DB_FILE};
use crate::sql::{params, Connection, ToValue};
use crate::time::{rfc3339_millis, unix_millis};

/// End reason written by [`Store::close_interrupted`].
pub const INTERRUPTED: &str = "interrupted";

/// The open call log. Every method blocks (file or network I/O): on the
/// async runtime use [`StoreHandle`] instead.
pub struct Store {
    pub(super) conn: Connection,
}

impl Store {
    /// Opens (creating if needed) `data_dir/calls.sqlite`, creating
    /// `data_dir` too, and brings the schema up to date.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        let path = data_dir.join(DB_FILE);
        let conn = open_sqlite(data_dir)?;
        schema::migrate(&conn, &path.display().to_string())?;
        Ok(Store { conn })
    }

    /// Opens the store at `at` (for SQLite as [`Store::open`]; for
    /// PostgreSQL connecting to the server) and brings the schema up to
    /// date.
    pub fn open_at(at: &Location) -> Result<Store, StoreError> {
        match at {
            Location::Sqlite(dir) => Store::open(dir),
            Location::Postgres(url) => {
                let conn = Connection::postgres(url).map_err(|cause| StoreError::Connect {
                    at: at.to_string(),
                    cause,
                })?;
                schema::migrate(&conn, &at.to_string())?;
                Ok(Store { conn })
            }
        }
    }

    /// Opens the call log in `data_dir` for reading it back: like
    /// [`Store::open`], but a directory without `calls.sqlite` is
    /// [`StoreError::NoLog`] rather than a new empty log.
    pub fn open_existing(data_dir: &Path) -> Result<Store, StoreError> {
        if !data_dir.join(DB_FILE).exists() {
            return Err(StoreError::NoLog {
                dir: data_dir.to_path_buf(),
            });
        }
        Store::open(data_dir)
    }

    /// [`Store::open_existing`] for a data directory, [`Store::open_at`]
    /// for a server (whose database the administrator created).
    pub fn open_existing_at(at: &Location) -> Result<Store, StoreError> {
        match at {
            Location::Sqlite(dir) => Store::open_existing(dir),
            Location::Postgres(_) => Store::open_at(at),
        }
    }

    /// The connection, for other users of the same store (the console,
    /// the alert queue).
    pub fn into_connection(self) -> Connection {
        self.conn
    }

    /// The schema version of the open database.
    #[cfg(test)]
    pub(super) fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |row| row.get(0),
        )?)
    }

    /// Records a new call (in progress) and returns its row id.
    pub fn call_started(&self, new: &NewCall) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "INSERT INTO calls (call_id, line, caller, called, started_at, started_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![
                new.call_id,
                new.line,
                new.caller,
                new.called,
                rfc3339_millis(new.started_at),
                unix_millis(new.started_at)
            ],
            |row| row.get(0),
        )?)
    }

    /// Records that the call was answered and, if it is being recorded,
    /// where (relative to the data directory).
    pub fn call_answered(
        &self,
        id: i64,
        answered_at: SystemTime,
        recording: Option<&str>,
    ) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET answered_at = ?2, answered_at_ms = ?3, recording = ?4 WHERE id = ?1",
            params![
                id,
                rfc3339_millis(answered_at),
                unix_millis(answered_at),
                recording
            ],
        )
    }

    /// Records how screening ended (`passed`, `failed`, ...).
    pub fn set_outcome(&self, id: i64, outcome: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET outcome = ?2 WHERE id = ?1",
            params![id, outcome],
        )
    }

    /// Records the screening policy's decision for the call.
    pub fn set_policy(&self, id: i64, policy: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET policy = ?2 WHERE id = ?1",
            params![id, policy],
        )
    }

    /// Appends `tag` to the call's tags unless it is already there.
    pub fn add_tag(&self, id: i64, tag: &str) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE calls SET tags = {} WHERE id = ?1",
            super::json_sql::add_name_sql(self.conn.dialect())
        );
        self.update(id, &sql, params![id, tag])
    }

    /// Records the caller's display name.
    pub fn set_caller_name(&self, id: i64, name: &str) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET caller_name = ?2 WHERE id = ?1",
            params![id, name],
        )
    }

    /// Records the end of the call and who or what ended it.
    pub fn call_ended(
        &self,
        id: i64,
        ended_at: SystemTime,
        end_reason: &str,
    ) -> Result<(), StoreError> {
        self.update(
            id,
            "UPDATE calls SET ended_at = ?2, ended_at_ms = ?3, end_reason = ?4 WHERE id = ?1",
            params![
                id,
                rfc3339_millis(ended_at),
                unix_millis(ended_at),
                end_reason
            ],
        )
    }

    /// Marks calls left in progress by a previous run that did not shut
    /// down cleanly with end reason [`INTERRUPTED`] (their end time stays
    /// unknown). Call once at service start, before taking calls, and only
    /// from the process that serves calls. Returns how many were marked.
    pub fn close_interrupted(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE calls SET end_reason = ?1 WHERE ended_at IS NULL AND end_reason IS NULL",
            params![INTERRUPTED],
        )?)
    }

    pub(super) fn update(
        &self,
        id: i64,
        sql: &str,
        params: &[&dyn ToValue],
    ) -> Result<(), StoreError> {
        match self.conn.execute(sql, params)? {
            0 => Err(StoreError::NoSuchCall(id)),
            _ => Ok(()),
        }
    }
}

/// Why `path` could not be opened: SQLite only says "unable to open
/// database file", so the file and its write-ahead log are tried with the
/// file system, whose error says why (permission denied, read-only file
/// system, ...). A file created by trying is removed again.
fn open_error(path: &Path, cause: rusqlite::Error) -> StoreError {
    let cause = crate::sql::Error::from(cause);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    for file in [path, Path::new(&wal)] {
        let existed = file.exists();
        let tried = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(!existed)
            .open(file);
        match tried {
            Err(io) => {
                return StoreError::OpenFile {
                    path: file.to_path_buf(),
                    cause: io,
                }
            }
            Ok(_) if !existed => {
                let _ = std::fs::remove_file(file);
            }
            Ok(_) => {}
        }
    }
    StoreError::Open {
        path: path.to_path_buf(),
        cause,
    }
}

/// Opens `data_dir/calls.sqlite` (creating the directory and the file) in
/// WAL mode with `synchronous = FULL`, waiting up to 5 s for a busy file.
fn open_sqlite(data_dir: &Path) -> Result<Connection, StoreError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
        path: data_dir.to_path_buf(),
        cause: source,
    })?;
    let path = data_dir.join(DB_FILE);
    let open_err = |cause| open_error(&path, cause);
    let conn = rusqlite::Connection::open(&path).map_err(open_err)?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(open_err)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(open_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::NotWal { path, mode });
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(open_err)?;
    Ok(Connection::from(conn))
}
