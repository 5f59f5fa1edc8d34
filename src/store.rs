//! The call log: one SQLite row per call, in `calls.sqlite` in the data
//! directory.
//!
//! Owns: the database file and its schema (a `schema_version` table and a
//! plain ordered list of migrations, in `schema`), writing call rows ([`Store`]), a
//! writer thread so the async runtime never waits on SQLite
//! ([`StoreHandle`], fed fire-and-forget messages keyed by [`CallKey`]),
//! reading the log back, and printing it for people or programs
//! ([`print_calls`]). Times are stored as RFC 3339 UTC text with
//! milliseconds and as unix milliseconds.
//!
//! Does not own: deciding what a call's outcome, policy decision, tags (and
//! their details), risk, bridge outcome, answering phone, who hung up or
//! end reason are (callers pass them as text, e.g.
//! `ivr::Outcome::as_str()`, `ivr::Decision::as_str()`,
//! `ivr::Decision::tag()`, `ivr::Risk::as_str()`,
//! `ivr::BridgeOutcome::as_str()`), the recording files
//! themselves (see `recording`), or where the data directory is (see
//! `config`).
//!
//! Crash safety: the database runs in WAL mode with `synchronous = FULL`
//! and every write is a single statement (its own transaction; a tag, or a
//! tag's details together with its name, is appended to the JSON arrays by
//! SQLite in that statement), so a crash or SIGKILL loses at most the
//! messages still queued, never the file, and never leaves `tags` and
//! `tag_details` disagreeing.

mod bridge;
mod handle;
mod print;
mod publish;
mod registrations;
mod schema;
mod tags;
mod writer;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rusqlite::{params, Connection};

pub use crate::time::{rfc3339_millis, unix_millis};
use serde::Serialize;

pub use handle::{CallKey, StoreHandle};
pub use print::print_calls;
pub use tags::TagDetail;

/// File name of the call log inside the data directory.
pub const DB_FILE: &str = "calls.sqlite";

/// End reason written by [`Store::close_interrupted`].
pub const INTERRUPTED: &str = "interrupted";

/// Why the call log could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {}: {source}", .path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("call log {}: {source}", .path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("call log {}: cannot use WAL mode (journal mode is {mode:?})", .path.display())]
    NotWal { path: PathBuf, mode: String },
    #[error(
        "call log {} has schema version {found}; this linewarden knows up to {known}",
        .path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: usize,
    },
    #[error("call log: no call with id {0}")]
    NoSuchCall(i64),
    #[error("call log: unknown risk {0:?} (known: none, low, medium, high)")]
    BadRisk(String),
    #[error("call log: call {0} has tags or tag details that are not a JSON array")]
    NotAnArray(i64),
    #[error("call log: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// What is known when a call arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    /// The SIP Call-ID.
    pub call_id: String,
    /// Name of the configured line that took the call.
    pub line: String,
    /// Who called (user part or display form of the From header).
    pub caller: String,
    /// The number called (user part of the Request-URI).
    pub called: String,
    pub started_at: SystemTime,
}

/// One call as stored. Times are RFC 3339 UTC text with milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallRecord {
    pub id: i64,
    pub call_id: String,
    pub line: String,
    pub caller: String,
    pub called: String,
    pub started_at: String,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    /// From start to end; `None` while in progress.
    pub duration_ms: Option<i64>,
    /// `passed`, `failed`, `timeout`, `abandoned`, `rejected`, ...; `None`
    /// while in progress or if the call ended before one was decided.
    pub outcome: Option<String>,
    /// Recording path relative to the data directory.
    pub recording: Option<String>,
    /// Who or what ended the call (`caller`, `shutdown`, `error`, ...).
    pub end_reason: Option<String>,
    /// The screening policy's decision (`challenge`, `allowlisted`,
    /// `blocked`, `suspicious-challenge`, ...); `None` if none was logged.
    pub policy: Option<String>,
    /// Tags given to the call (`suspicious-cli`, ...), in the order given.
    pub tags: Vec<String>,
    /// How connecting the caller to the resident ended (`answered`,
    /// `no_answer`, `busy`, `unavailable`, `caller_gave_up`); `None` if the
    /// call was never bridged or it is not decided yet.
    pub bridge: Option<String>,
    /// The SIP URI (from the line's `phones`) of the phone that answered.
    pub answered_by: Option<String>,
    /// When the caller was connected to the answering phone.
    pub bridged_at: Option<String>,
    /// From the connection to the end of the call; `None` unless both are
    /// known.
    pub talk_ms: Option<i64>,
    /// Who hung up first: `caller`, `resident` or `service`.
    pub hangup_by: Option<String>,
    /// How likely the call is a fraud: `none`, `low`, `medium` or `high`;
    /// `None` if no risk was logged.
    pub risk: Option<String>,
    /// Why each tag was given, in the order given (at most one per tag
    /// name). A tag logged without details (see [`Store::add_tag`]) is in
    /// `tags` only.
    pub tag_details: Vec<TagDetail>,
    /// The message the caller left, when nobody answered (a WAV path
    /// relative to the data directory).
    pub voicemail: Option<String>,
    /// For a line-clear callback: the proof of clearing (each earlier call
    /// and how it ended, when the line was clear, what was dialled).
    pub callback: Option<String>,
    /// Why the call is not recorded, or not to its end (e.g. `not recorded:
    /// disk full`).
    pub recording_note: Option<String>,
}

/// The open call log. Every method does blocking file I/O: on the async
/// runtime use [`StoreHandle`] instead.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) `data_dir/calls.sqlite`, creating
    /// `data_dir` too, and brings the schema up to date.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DB_FILE);
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(open_err)?;
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
        schema::migrate(&mut conn, &path)?;
        Ok(Store { conn })
    }

    /// The schema version of the open database.
    #[cfg(test)]
    fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |row| row.get(0),
        )?)
    }

    /// Records a new call (in progress) and returns its row id.
    pub fn call_started(&self, new: &NewCall) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO calls (call_id, line, caller, called, started_at, started_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                new.call_id,
                new.line,
                new.caller,
                new.called,
                rfc3339_millis(new.started_at),
                unix_millis(new.started_at)
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
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
        self.update(
            id,
            "UPDATE calls SET tags = CASE
                 WHEN tags IS NULL THEN json_array(?2)
                 WHEN EXISTS (SELECT 1 FROM json_each(calls.tags) WHERE value = ?2) THEN tags
                 ELSE json_insert(tags, '$[#]', ?2)
             END
             WHERE id = ?1",
            params![id, tag],
        )
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

    /// The newest `limit` calls, newest first.
    pub fn list_calls(&self, limit: usize) -> Result<Vec<CallRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare(
            "SELECT id, call_id, line, caller, called, started_at, answered_at, ended_at,
                    ended_at_ms - started_at_ms, outcome, recording, end_reason, policy, tags,
                    bridge, answered_by, bridged_at, ended_at_ms - bridged_at_ms, hangup_by,
                    risk, tag_details, voicemail, callback, recording_note
             FROM calls ORDER BY started_at_ms DESC, id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |row| {
            let id = row.get(0)?;
            Ok(CallRecord {
                id,
                call_id: row.get(1)?,
                line: row.get(2)?,
                caller: row.get(3)?,
                called: row.get(4)?,
                started_at: row.get(5)?,
                answered_at: row.get(6)?,
                ended_at: row.get(7)?,
                duration_ms: row.get(8)?,
                outcome: row.get(9)?,
                recording: row.get(10)?,
                end_reason: row.get(11)?,
                policy: row.get(12)?,
                tags: tags(row, 13)?,
                bridge: row.get(14)?,
                answered_by: row.get(15)?,
                bridged_at: row.get(16)?,
                talk_ms: row.get(17)?,
                hangup_by: row.get(18)?,
                risk: row.get(19)?,
                tag_details: tags::tag_details(row, 20, id)?,
                voicemail: row.get(21)?,
                callback: row.get(22)?,
                recording_note: row.get(23)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn update(
        &self,
        id: i64,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<(), StoreError> {
        match self.conn.execute(sql, params)? {
            0 => Err(StoreError::NoSuchCall(id)),
            _ => Ok(()),
        }
    }
}

/// The `tags` column at `index`: a JSON array of names, or NULL for none.
fn tags(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Vec<String>> {
    match row.get::<_, Option<String>>(index)? {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text).map_err(|err| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Text,
                Box::new(err),
            )
        }),
    }
}
