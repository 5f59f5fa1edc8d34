//! What the call log holds and says: a new call ([`NewCall`]), a stored
//! call ([`CallRecord`], with each [`TagDetail`] and [`RiskReason`]) and
//! why the log could not be used ([`StoreError`]).
//!
//! Does not own: the database (`db.rs`), its schema (`schema.rs`) or
//! reading and writing rows (the other modules of `store`).

use std::path::PathBuf;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// File name of the call log inside the data directory.
pub const DB_FILE: &str = "calls.sqlite";

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
        cause: crate::sql::Error,
    },
    /// The PostgreSQL server could not be reached or refused the
    /// connection (`at` is shown without a password).
    #[error("cannot connect to the store {at}: {cause}")]
    Connect {
        at: String,
        cause: crate::sql::Error,
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
    #[error("call log {at} has schema version {found}; this linewarden knows up to {known}")]
    TooNew {
        at: String,
        found: i64,
        known: usize,
    },
    #[error("call log: no call with id {0}")]
    NoSuchCall(i64),
    #[error("call log: unknown risk {0:?} (known: none, low, medium, high)")]
    BadRisk(String),
    #[error("call log: call {0} has tags, tag details or risk reasons that are not a JSON array")]
    NotAnArray(i64),
    #[error("call log: {0}")]
    Sql(crate::sql::Error),
}

// The database's error is shown in the message, not chained as its source.
impl From<crate::sql::Error> for StoreError {
    fn from(err: crate::sql::Error) -> Self {
        StoreError::Sql(err)
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
    /// Why the risk is what it is: each rise, oldest first (the last one
    /// made the risk shown). Empty for a call whose risk was logged
    /// without reasons (e.g. before they were kept).
    pub reasons: Vec<RiskReason>,
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

/// Why a call was given a tag: stored in the `tag_details` column as one
/// JSON object `{"tag", "at_ms", "evidence", "confidence"}` per tag name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagDetail {
    /// The tag's name, as in `tags` (`police`, `bank-details`, ...).
    pub tag: String,
    /// When in the call the tag was given, in milliseconds from the answer
    /// (where the recording and the listening start; a caller-ID tag is
    /// given there, at 0).
    pub at_ms: u64,
    /// What was heard or keyed (phrases, digit counts; never digits).
    pub evidence: String,
    /// Confidence in percent.
    pub confidence: u8,
}

/// Why a call's risk rose: stored in the `risk_reasons` column as one JSON
/// object `{"risk", "at_ms", "rule", "evidence"}` per rise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskReason {
    /// The risk reached (`low`, `medium`, `high`).
    pub risk: String,
    /// When the last evidence behind it happened, in milliseconds on the
    /// tags' clock ([`TagDetail::at_ms`]).
    pub at_ms: u64,
    /// The rule that matched (`rule all of police + bank-details -> high`),
    /// or `request` / `claim` for a request or a claim heard.
    pub rule: String,
    /// What was heard, keyed or tagged that made it: phrases with their
    /// tags, who said them, digit counts (never digits).
    pub evidence: Vec<String>,
}
