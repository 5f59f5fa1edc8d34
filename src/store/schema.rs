//! The call log's schema: a `schema_version` table and a plain ordered
//! list of migrations, applied in one transaction when the log is opened.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::types::StoreError;

/// Schema migrations, applied in order; the schema version is the number
/// applied. Append only: never edit or reorder a released entry.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the calls table.
    "CREATE TABLE calls (
        id              INTEGER PRIMARY KEY,
        call_id         TEXT NOT NULL,
        line            TEXT NOT NULL,
        caller          TEXT NOT NULL,
        called          TEXT NOT NULL,
        started_at      TEXT NOT NULL,
        started_at_ms   INTEGER NOT NULL,
        answered_at     TEXT,
        answered_at_ms  INTEGER,
        ended_at        TEXT,
        ended_at_ms     INTEGER,
        outcome         TEXT,
        recording       TEXT,
        end_reason      TEXT
    );
    CREATE INDEX calls_by_start ON calls (started_at_ms);",
    // 2: the screening policy decision, and tags as a JSON array of names
    // (NULL when none).
    "ALTER TABLE calls ADD COLUMN policy TEXT;
    ALTER TABLE calls ADD COLUMN tags TEXT;",
    // 3: bridging to the resident's phones: the bridge outcome, the phone
    // that answered and when it was connected, and who hung up first.
    "ALTER TABLE calls ADD COLUMN bridge TEXT;
    ALTER TABLE calls ADD COLUMN answered_by TEXT;
    ALTER TABLE calls ADD COLUMN bridged_at TEXT;
    ALTER TABLE calls ADD COLUMN bridged_at_ms INTEGER;
    ALTER TABLE calls ADD COLUMN hangup_by TEXT;",
    // 4: the registrar's bindings (phones registered to linewarden), so a
    // restart keeps them until they expire.
    "CREATE TABLE registrations (
        user        TEXT NOT NULL,
        contact     TEXT NOT NULL,
        source      TEXT NOT NULL,
        call_id     TEXT NOT NULL,
        cseq        INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL,
        PRIMARY KEY (user, contact)
    );",
    // 5: the call's risk (none/low/medium/high) and each tag's details as
    // a JSON array of {tag, at_ms, evidence, confidence}.
    "ALTER TABLE calls ADD COLUMN risk TEXT;
    ALTER TABLE calls ADD COLUMN tag_details TEXT;",
    // 6: trusted-contact alerts (webhook POSTs), kept until delivered so a
    // restart retries them.
    "CREATE TABLE alerts (
        id                  INTEGER PRIMARY KEY,
        call_id             TEXT NOT NULL,
        url                 TEXT NOT NULL,
        payload             TEXT NOT NULL,
        created_at_ms       INTEGER NOT NULL,
        attempts            INTEGER NOT NULL DEFAULT 0,
        next_attempt_at_ms  INTEGER NOT NULL,
        delivered_at_ms     INTEGER,
        last_error          TEXT
    );
    CREATE INDEX alerts_pending ON alerts (delivered_at_ms, next_attempt_at_ms);",
    // 7: a message the caller left when nobody answered: its WAV, relative
    // to the data directory.
    "ALTER TABLE calls ADD COLUMN voicemail TEXT;",
    // 8: callers who passed the challenge, per line, for lines that
    // remember them (normalized E.164 numbers).
    "CREATE TABLE passed_callers (
        line          TEXT NOT NULL,
        number        TEXT NOT NULL,
        passed_at_ms  INTEGER NOT NULL,
        PRIMARY KEY (line, number)
    );",
    // 9: a line-clear callback's proof: which calls were cleared and how,
    // when the line was clear, that the callback started after, and what
    // was dialled.
    "ALTER TABLE calls ADD COLUMN callback TEXT;",
    // 10: why a call is not recorded, or not to its end (a full disk).
    "ALTER TABLE calls ADD COLUMN recording_note TEXT;",
    // 11: the operator console: the caller's display name; evidence
    // holds and deleted recordings (retention); indexes for its filtered,
    // keyset-paginated call log; people, their lines and sessions; an
    // append-only audit log; allowlist/blocklist requests from the console.
    "ALTER TABLE calls ADD COLUMN caller_name TEXT;
    ALTER TABLE calls ADD COLUMN evidence_hold INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE calls ADD COLUMN recording_deleted_at_ms INTEGER;
    CREATE INDEX calls_by_line_start ON calls (line, started_at_ms);
    CREATE INDEX calls_by_risk_start ON calls (risk, started_at_ms);
    CREATE INDEX calls_by_outcome_start ON calls (outcome, started_at_ms);
    CREATE INDEX calls_by_caller_start ON calls (caller, started_at_ms);
    CREATE INDEX calls_recording_kept ON calls (line, started_at_ms)
        WHERE recording IS NOT NULL AND recording_deleted_at_ms IS NULL;
    CREATE TABLE users (
        id              INTEGER PRIMARY KEY,
        name            TEXT NOT NULL UNIQUE,
        role            TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'tenant')),
        password_hash   TEXT NOT NULL,
        created_at_ms   INTEGER NOT NULL
    );
    CREATE TABLE user_lines (
        user_id INTEGER NOT NULL,
        line    TEXT NOT NULL,
        PRIMARY KEY (user_id, line)
    );
    CREATE TABLE sessions (
        token_hash      TEXT PRIMARY KEY,
        user_id         INTEGER NOT NULL,
        csrf            TEXT NOT NULL,
        created_at_ms   INTEGER NOT NULL,
        last_seen_ms    INTEGER NOT NULL
    );
    CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        at_ms   INTEGER NOT NULL,
        actor   TEXT,
        action  TEXT NOT NULL,
        target  TEXT,
        detail  TEXT,
        source  TEXT
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TABLE list_changes (
        id              INTEGER PRIMARY KEY,
        at_ms           INTEGER NOT NULL,
        requested_by    TEXT NOT NULL,
        line            TEXT NOT NULL,
        list            TEXT NOT NULL CHECK (list IN ('allow', 'block')),
        number          TEXT NOT NULL,
        call            INTEGER,
        applied_at_ms   INTEGER
    );",
    // 12: lines managed from the console: each the configuration's line
    // as JSON, replacing the configuration file's line of the same name.
    "CREATE TABLE lines (
        name            TEXT PRIMARY KEY,
        config          TEXT NOT NULL,
        updated_at_ms   INTEGER NOT NULL,
        updated_by      TEXT NOT NULL
    );",
    // 13: how much of the call the speech recognizer heard: `full`,
    // `partial` or `none` (NULL for a call never answered, or logged
    // before this).
    "ALTER TABLE calls ADD COLUMN listened TEXT;",
];

/// Brings the schema up to date in one immediate transaction, so two
/// processes opening a new log at once cannot both migrate it.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    migrate_with(conn, path, MIGRATIONS)
}

/// [`migrate`] with the list of migrations given (tests build a log at an
/// older version with a prefix of [`MIGRATIONS`]).
pub(super) fn migrate_with(
    conn: &mut Connection,
    path: &Path,
    migrations: &[&str],
) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: Option<i64> = tx
        .query_row("SELECT MAX(version) FROM schema_version", [], |row| {
            row.get(0)
        })
        .optional()?
        .flatten();
    let current = current.unwrap_or(0);
    let applied = usize::try_from(current).unwrap_or(usize::MAX);
    if applied > migrations.len() {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known: migrations.len(),
        });
    }
    for (index, sql) in migrations.iter().enumerate().skip(applied) {
        tx.execute_batch(sql)?;
        let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version],
        )?;
    }
    tx.commit()?;
    Ok(())
}
