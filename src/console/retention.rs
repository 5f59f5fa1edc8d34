//! Recording retention: a daily sweep deletes recordings (and voicemail)
//! older than their line's `retention_days`, unless the call is held as
//! evidence. The call record stays, marked with when its recording went.
//!
//! Does not own: the setting (`crate::config::ConsoleConfig`) or holding a
//! call (`lists`).

use std::path::Path;
use std::time::Duration;

use crate::sql::{params, Connection};

use super::error::ConsoleError;
use crate::config::ConsoleConfig;

/// How often the sweep runs.
pub const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

const DAY_MS: i64 = 86_400_000;

/// Deletes the recordings due at `now_ms`; returns how many went.
pub fn sweep(
    conn: &Connection,
    files_dir: &Path,
    config: &ConsoleConfig,
    now_ms: i64,
) -> Result<usize, ConsoleError> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT line FROM calls WHERE recording IS NOT NULL AND recording_deleted_at_ms IS NULL",
    )?;
    let lines = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut deleted = 0;
    for line in lines {
        let days = config.retention_for(&line);
        if days == 0 {
            continue;
        }
        let cutoff = now_ms - i64::from(days) * DAY_MS;
        let mut due = conn.prepare(
            "SELECT id, recording, voicemail FROM calls
             WHERE line = ?1 AND started_at_ms < ?2 AND recording IS NOT NULL
               AND recording_deleted_at_ms IS NULL AND evidence_hold = 0",
        )?;
        let rows = due
            .query_map(params![line, cutoff], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for (id, recording, voicemail) in rows {
            for rel in std::iter::once(recording).chain(voicemail) {
                let path = files_dir.join(&rel);
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        tracing::warn!(error = %e, path = %path.display(), "cannot delete an expired recording");
                        continue;
                    }
                }
            }
            conn.execute(
                "UPDATE calls SET recording_deleted_at_ms = ?2 WHERE id = ?1",
                params![id, now_ms],
            )?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testdb::{Backend, TestDb};
    use crate::store::NewCall;

    fn old_recordings_go_held_ones_and_records_stay(backend: Backend) {
        let dir = TestDb::new(backend);
        let store = dir.open().expect("open");
        let day = |d: u64| std::time::UNIX_EPOCH + Duration::from_secs(d * 86_400);
        let mut ids = Vec::new();
        for (n, (line, started)) in [("a", 1), ("a", 1), ("a", 95), ("b", 1)].iter().enumerate() {
            let id = store
                .call_started(&NewCall {
                    call_id: format!("c{n}"),
                    line: (*line).to_owned(),
                    caller: "1".into(),
                    called: "2".into(),
                    started_at: day(*started),
                })
                .expect("start");
            let rel = format!("rec{n}.wav");
            std::fs::write(dir.path().join(&rel), b"RIFF").expect("write");
            store
                .call_answered(id, day(*started), Some(&rel))
                .expect("answer");
            ids.push(id);
        }
        let conn = crate::console::db::open_conn(dir.location()).expect("conn");
        crate::console::lists::hold(&conn, ids[1]).expect("hold");
        let mut config = ConsoleConfig::default();
        config.line_retention_days.insert("b".into(), 0);
        let now = 100 * DAY_MS;
        assert_eq!(sweep(&conn, dir.path(), &config, now).expect("sweep"), 1);
        assert!(
            !dir.path().join("rec0.wav").exists(),
            "99 days old: deleted"
        );
        assert!(dir.path().join("rec1.wav").exists(), "held as evidence");
        assert!(dir.path().join("rec2.wav").exists(), "5 days old");
        assert!(dir.path().join("rec3.wav").exists(), "line b keeps forever");
        let c = crate::console::calls::get(&conn, ids[0])
            .expect("get")
            .expect("call");
        assert!(!c.has_recording && c.recording_deleted_at_ms == Some(now));
        assert_eq!(sweep(&conn, dir.path(), &config, now).expect("again"), 0);
    }

    crate::store::testdb::both_backends!(old_recordings_go_held_ones_and_records_stay);
}
