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
mod query;
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
pub use query::CallFilter;
pub use tags::TagDetail;

/// File name of the call log inside the data directory.
pub const DB_FILE: &str = "calls.sqlite";

/// End reason written by [`Store::close_interrupted`].
pub const INTERRUPTED: &str = "interrupted";

/// Why the call log could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {}: {cause}", .path.display())]
    CreateDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// SQLite could not open the file; the file system had no objection.
    #[error("cannot open the call log {}: {cause}", .path.display())]
    Open {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    /// The file, or a file SQLite keeps beside it, cannot be opened for
    /// writing (SQLite itself only says "unable to open database file").
    #[error("cannot open the call log {}: {cause}", .path.display())]
    OpenFile {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// `calls` was pointed at a data directory the service never used.
    #[error(
        "no call log in {}: there is no {DB_FILE} (the service creates it when it starts); give the service's --config FILE or --data-dir DIR",
        .dir.display()
    )]
    NoLog { dir: PathBuf },
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
    Sqlite(rusqlite::Error),
}

// SQLite's error is shown in the message, not chained as its source.
impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        StoreError::Sqlite(err)
    }
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
    /// How much of the call the speech recognizer heard: `full`,
    /// `partial` (some speech was dropped: it was behind) or `none` (not
    /// listened to: at capacity, or recognition off); `None` for a call
    /// never answered.
    pub listened: Option<String>,
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
            cause: source,
        })?;
        let path = data_dir.join(DB_FILE);
        let open_err = |cause| open_error(&path, cause);
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

/// Why `path` could not be opened: SQLite only says "unable to open
/// database file", so the file and its write-ahead log are tried with the
/// file system, whose error says why (permission denied, read-only file
/// system, ...). A file created by trying is removed again.
fn open_error(path: &Path, cause: rusqlite::Error) -> StoreError {
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
