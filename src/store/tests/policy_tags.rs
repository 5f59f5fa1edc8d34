//! The policy and tags columns: migrating an older log, writing them
//! directly and through the handle, and reading odd contents back.

use super::super::schema::{migrate_with, MIGRATIONS};
use super::super::*;
use super::{at, new_call};
use crate::store::testdb::{Backend, TestDb};

/// A call log as a linewarden with only the first migration left it, with
/// one finished call in it.
fn version_1_log(db: &TestDb) {
    let conn = db.raw();
    migrate_with(&conn, "test", &MIGRATIONS[..1]).expect("version 1");
    conn.execute(
        "INSERT INTO calls (call_id, line, caller, called, started_at, started_at_ms,
                            ended_at, ended_at_ms, outcome, end_reason)
         VALUES ('old', 'flat-1a', '01632960001', '1001', '2024-05-01T12:00:00.000Z',
                 1714564800000, '2024-05-01T12:00:09.000Z', 1714564809000, 'passed', 'caller')",
        [],
    )
    .expect("insert");
}

fn migration_from_version_1_keeps_existing_rows(backend: Backend) {
    let dir = TestDb::new(backend);
    version_1_log(&dir);

    let store = dir.open().expect("migrates");
    assert_eq!(
        store.schema_version().expect("version"),
        MIGRATIONS.len() as i64
    );
    let records = store.list_calls(10).expect("list");
    assert_eq!(records.len(), 1);
    let old = &records[0];
    assert_eq!(old.call_id, "old");
    assert_eq!(old.outcome.as_deref(), Some("passed"));
    assert_eq!(old.duration_ms, Some(9_000));
    assert_eq!(old.policy, None);
    assert!(old.tags.is_empty());

    // The migrated row takes the new columns, and a reopen changes nothing.
    store.set_policy(old.id, "challenge").expect("policy");
    drop(store);
    let store = dir.open().expect("reopens");
    let records = store.list_calls(10).expect("list");
    assert_eq!(records[0].policy.as_deref(), Some("challenge"));
    assert_eq!(records[0].end_reason.as_deref(), Some("caller"));
}

fn tags_are_appended_once_each_in_order(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("t", at(0))).expect("started");
    let stored = |store: &Store| -> Option<String> {
        store
            .conn
            .query_row("SELECT tags FROM calls WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .expect("tags")
    };
    assert_eq!(stored(&store), None, "NULL when none");
    for tag in ["suspicious-cli", "police", "suspicious-cli", "say \"PIN\""] {
        store.add_tag(id, tag).expect("tag");
    }
    assert_eq!(
        stored(&store).as_deref(),
        Some(r#"["suspicious-cli","police","say \"PIN\""]"#)
    );
    assert_eq!(
        store.list_calls(1).expect("list")[0].tags,
        ["suspicious-cli", "police", "say \"PIN\""]
    );
    assert!(matches!(
        store.add_tag(id + 1, "x"),
        Err(StoreError::NoSuchCall(_))
    ));
    assert!(matches!(
        store.set_policy(id + 1, "blocked"),
        Err(StoreError::NoSuchCall(_))
    ));
}

fn malformed_tags_are_an_error_not_a_panic(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("t", at(0))).expect("started");
    store
        .conn
        .execute("UPDATE calls SET tags = '{\"not\": 1}' WHERE id = ?1", [id])
        .expect("update");
    assert!(store.list_calls(10).is_err());
}

fn handle_writes_policy_and_tags(backend: Backend) {
    let dir = TestDb::new(backend);
    let handle = StoreHandle::spawn(dir.open().expect("opens"));
    let key = CallKey::new("screened");
    handle.call_started(&key, new_call("screened", at(0)));
    handle.set_policy(&key, "suspicious-challenge");
    handle.add_tag(&key, "suspicious-cli");
    handle.add_tag(&key, "suspicious-cli");
    handle.add_tag(&key, "police");
    handle.call_ended(&key, at(5_000), "caller");
    // After the end, and for calls never started: logged and skipped.
    handle.add_tag(&key, "late");
    handle.set_policy(&CallKey::new("never-started"), "blocked");
    let allowed = CallKey::new("trusted");
    handle.call_started(&allowed, new_call("trusted", at(10_000)));
    handle.set_policy(&allowed, "allowlisted");
    handle.shutdown();

    let store = dir.open().expect("reopens");
    let records = store.list_calls(10).expect("list");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].policy.as_deref(), Some("allowlisted"));
    assert!(records[0].tags.is_empty());
    assert_eq!(records[1].policy.as_deref(), Some("suspicious-challenge"));
    assert_eq!(records[1].tags, ["suspicious-cli", "police"]);
}

crate::store::testdb::both_backends!(
    migration_from_version_1_keeps_existing_rows,
    tags_are_appended_once_each_in_order,
    malformed_tags_are_an_error_not_a_panic,
    handle_writes_policy_and_tags,
);
