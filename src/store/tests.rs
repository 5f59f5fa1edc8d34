use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::db::INTERRUPTED;
use super::schema::MIGRATIONS;
use super::types::CallRecord;
use super::*;
use crate::store::testdb::{Backend, TestDb};

mod alert_key;
mod bridge;
mod listened;
mod policy_tags;
mod publish;
mod query;
pub(super) mod reasons;
mod registrations_path;
mod table;
mod tags_risk;

fn at(ms: u64) -> SystemTime {
    // 2024-05-01T12:00:00Z plus `ms`.
    UNIX_EPOCH + Duration::from_secs(1_714_564_800) + Duration::from_millis(ms)
}

/// Two columns of call `id` (`columns` names them, as in SQL), read as
/// the test asks.
fn two_columns<A, B>(store: &Store, id: i64, columns: &str) -> (A, B)
where
    A: crate::sql::FromValue,
    B: crate::sql::FromValue,
{
    store
        .conn
        .query_row(
            &format!("SELECT {columns} FROM calls WHERE id = ?1"),
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("columns")
}

fn new_call(call_id: &str, started: SystemTime) -> NewCall {
    NewCall {
        call_id: call_id.to_owned(),
        line: "flat-1a".to_owned(),
        caller: "+4930555000".to_owned(),
        called: "1001".to_owned(),
        started_at: started,
    }
}

#[test]
fn open_creates_directory_wal_and_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("nested/data");
    let store = Store::open(&data).expect("opens");
    assert!(data.join(DB_FILE).is_file());
    assert_eq!(
        store.schema_version().expect("version"),
        MIGRATIONS.len() as i64
    );
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
    drop(store);
    // Reopening does not migrate again.
    let store = Store::open(&data).expect("reopens");
    let versions: i64 = store
        .conn
        .query_row("SELECT COUNT(*) FROM schema_version", [], |row| row.get(0))
        .expect("count");
    assert_eq!(versions, MIGRATIONS.len() as i64);
}

fn newer_schema_is_refused(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    store
        .conn
        .execute("INSERT INTO schema_version (version) VALUES (99)", [])
        .expect("insert");
    drop(store);
    let err = dir.open().err().expect("refused");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

#[test]
fn unusable_data_dir_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let err = Store::open(&file.join("data")).err().expect("fails");
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err}");
}

fn call_lifecycle_is_recorded(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store
        .call_started(&new_call("abc@host", at(0)))
        .expect("started");
    let listed = store.list_calls(10).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].outcome, None);
    assert_eq!(listed[0].ended_at, None);
    assert_eq!(listed[0].duration_ms, None);
    assert_eq!(listed[0].started_at, "2024-05-01T12:00:00.000Z");

    store
        .call_answered(id, at(250), Some("recordings/flat-1a/x.wav"))
        .expect("answered");
    store.set_outcome(id, "passed").expect("outcome");
    store.call_ended(id, at(65_432), "caller").expect("ended");

    let record = &store.list_calls(10).expect("list")[0];
    assert_eq!(
        record,
        &CallRecord {
            id,
            call_id: "abc@host".to_owned(),
            line: "flat-1a".to_owned(),
            caller: "+4930555000".to_owned(),
            called: "1001".to_owned(),
            started_at: "2024-05-01T12:00:00.000Z".to_owned(),
            answered_at: Some("2024-05-01T12:00:00.250Z".to_owned()),
            ended_at: Some("2024-05-01T12:01:05.432Z".to_owned()),
            duration_ms: Some(65_432),
            outcome: Some("passed".to_owned()),
            recording: Some("recordings/flat-1a/x.wav".to_owned()),
            end_reason: Some("caller".to_owned()),
            policy: None,
            tags: Vec::new(),
            bridge: None,
            answered_by: None,
            bridged_at: None,
            talk_ms: None,
            hangup_by: None,
            risk: None,
            reasons: Vec::new(),
            tag_details: Vec::new(),
            voicemail: None,
            callback: None,
            recording_note: None,
            listened: None,
        }
    );
    assert!(matches!(
        store.set_outcome(id + 1, "failed"),
        Err(StoreError::NoSuchCall(_))
    ));
}

fn list_is_newest_first_and_limited(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    for (i, ms) in [3_000u64, 1_000, 2_000].into_iter().enumerate() {
        store
            .call_started(&new_call(&format!("c{i}"), at(ms)))
            .expect("started");
    }
    let ids: Vec<String> = store
        .list_calls(10)
        .expect("list")
        .into_iter()
        .map(|r| r.call_id)
        .collect();
    assert_eq!(ids, ["c0", "c2", "c1"]);
    assert_eq!(store.list_calls(2).expect("list").len(), 2);
    assert!(store.list_calls(0).expect("list").is_empty());
    assert_eq!(store.list_calls(usize::MAX).expect("list").len(), 3);
}

fn interrupted_calls_are_closed(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let done = store
        .call_started(&new_call("done", at(0)))
        .expect("started");
    store.call_ended(done, at(10), "caller").expect("ended");
    store
        .call_started(&new_call("left", at(20)))
        .expect("started");
    assert_eq!(store.close_interrupted().expect("close"), 1);
    assert_eq!(store.close_interrupted().expect("close again"), 0);
    let records = store.list_calls(10).expect("list");
    assert_eq!(records[0].end_reason.as_deref(), Some(INTERRUPTED));
    assert_eq!(records[1].end_reason.as_deref(), Some("caller"));
}

#[test]
fn odd_database_contents_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("opens");
    store
        .conn
        .execute(
            "INSERT INTO calls (call_id, line, caller, called, started_at, started_at_ms)
             VALUES (X'00ff', 'l', 'c', 'd', 'x', 0)",
            [],
        )
        .expect("insert");
    assert!(store.list_calls(10).is_err());
}

#[test]
fn times_are_clamped_not_panicking() {
    assert_eq!(rfc3339_millis(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    assert_eq!(
        rfc3339_millis(UNIX_EPOCH - Duration::from_secs(5)),
        "1970-01-01T00:00:00.000Z"
    );
    let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
    assert_eq!(rfc3339_millis(far), "9999-12-31T23:59:59.000Z");
    assert_eq!(unix_millis(at(1)), 1_714_564_800_001);
}

fn handle_writes_in_order_and_drains_on_shutdown(backend: Backend) {
    let dir = TestDb::new(backend);
    let handle = StoreHandle::spawn(dir.open().expect("opens"));
    let keys: Vec<CallKey> = (0..50).map(|_| CallKey::new("same-call-id")).collect();
    assert_ne!(keys[0], keys[1]);
    assert_eq!(keys[0].to_string().split('#').next(), Some("same-call-id"));
    let clone = handle.clone();
    for (i, key) in keys.iter().enumerate() {
        let started = at(i as u64 * 1000);
        clone.call_started(key, new_call("same-call-id", started));
        clone.call_answered(key, started, Some(format!("rec-{i}.wav")));
        clone.set_outcome(key, if i % 2 == 0 { "passed" } else { "failed" });
        clone.call_ended(key, started + Duration::from_millis(1500), "caller");
    }
    // Unknown keys are logged and skipped, not fatal.
    handle.set_outcome(&CallKey::new("never-started"), "passed");
    let in_progress = CallKey::new("in-progress");
    handle.call_started(&in_progress, new_call("in-progress", at(999_999)));
    handle.shutdown();
    // Sends after shutdown are dropped without panicking.
    clone.call_ended(&in_progress, at(1_000_000), "shutdown");

    let store = dir.open().expect("reopens");
    let records = store.list_calls(100).expect("list");
    assert_eq!(records.len(), 51);
    assert_eq!(records[0].call_id, "in-progress");
    assert_eq!(records[0].ended_at, None);
    let done = &records[1..];
    assert!(done.iter().all(|r| r.duration_ms == Some(1500)));
    assert!(done
        .iter()
        .all(|r| r.end_reason.as_deref() == Some("caller")));
    assert_eq!(done[0].recording.as_deref(), Some("rec-49.wav"));
    assert_eq!(done[0].outcome.as_deref(), Some("failed"));
    assert_eq!(done[49].outcome.as_deref(), Some("passed"));
}

fn dropping_every_handle_still_drains(backend: Backend) {
    let dir = TestDb::new(backend);
    let handle = StoreHandle::spawn(dir.open().expect("opens"));
    let thread = handle.thread.lock().expect("lock").take().expect("thread");
    let key = CallKey::new("dropped");
    handle.call_started(&key, new_call("dropped", at(0)));
    handle.call_ended(&key, at(10), "caller");
    drop(handle);
    thread.join().expect("writer thread ends");
    let store = dir.open().expect("reopens");
    assert_eq!(
        store.list_calls(1).expect("list")[0].end_reason.as_deref(),
        Some("caller")
    );
}

fn sample_records() -> Vec<CallRecord> {
    vec![
        CallRecord {
            id: 2,
            call_id: "b".to_owned(),
            line: "flat-2b".to_owned(),
            caller: "evil\x1b[31m".to_owned(),
            called: "1002".to_owned(),
            started_at: "2024-05-01T12:05:00.000Z".to_owned(),
            answered_at: None,
            ended_at: None,
            duration_ms: None,
            outcome: None,
            recording: None,
            end_reason: None,
            policy: Some("suspicious-challenge".to_owned()),
            tags: vec!["suspicious-cli".to_owned(), "police".to_owned()],
            bridge: None,
            answered_by: None,
            bridged_at: None,
            talk_ms: None,
            hangup_by: None,
            risk: None,
            reasons: Vec::new(),
            tag_details: Vec::new(),
            voicemail: None,
            callback: None,
            recording_note: None,
            listened: None,
        },
        CallRecord {
            id: 1,
            call_id: "a".to_owned(),
            line: "flat-1a".to_owned(),
            caller: "+4930555000".to_owned(),
            called: "1001".to_owned(),
            started_at: "2024-05-01T12:00:00.000Z".to_owned(),
            answered_at: Some("2024-05-01T12:00:00.100Z".to_owned()),
            ended_at: Some("2024-05-01T12:01:05.432Z".to_owned()),
            duration_ms: Some(65_432),
            outcome: Some("passed".to_owned()),
            recording: Some("recordings/flat-1a/a.wav".to_owned()),
            end_reason: Some("caller".to_owned()),
            policy: None,
            tags: Vec::new(),
            bridge: Some("answered".to_owned()),
            answered_by: Some("sip:resident@192.0.2.10:5060;transport=udp".to_owned()),
            bridged_at: Some("2024-05-01T12:00:20.000Z".to_owned()),
            talk_ms: Some(45_432),
            hangup_by: Some("caller".to_owned()),
            risk: None,
            reasons: Vec::new(),
            tag_details: Vec::new(),
            voicemail: None,
            callback: None,
            recording_note: None,
            listened: None,
        },
    ]
}

fn registrations_survive_reopening_and_lapse(backend: Backend) {
    use sip::registrar::{Binding, BindingChange};
    let dir = TestDb::new(backend);
    let binding = |contact: &str, expires_at: u64| Binding {
        user: "kitchen".into(),
        contact: contact.into(),
        source: "192.0.2.5:5062".parse().expect("addr"),
        path: vec![],
        call_id: "reg-1".into(),
        cseq: 7,
        expires_at,
    };
    {
        let store = dir.open().expect("open");
        store
            .binding_changed(&BindingChange::Set(binding("sip:a@192.0.2.5", 2_000)))
            .expect("set");
        store
            .binding_changed(&BindingChange::Set(binding("sip:b@192.0.2.5", 1_000)))
            .expect("set");
        store
            .binding_changed(&BindingChange::Set(binding("sip:c@192.0.2.5", 2_000)))
            .expect("set");
        // Refreshed: replaced, not doubled.
        store
            .binding_changed(&BindingChange::Set(binding("sip:a@192.0.2.5", 3_000)))
            .expect("refresh");
        store
            .binding_changed(&BindingChange::Removed {
                user: "kitchen".into(),
                contact: "sip:c@192.0.2.5".into(),
            })
            .expect("remove");
    }
    let store = dir.open().expect("reopen");
    let kept = store.load_bindings(1_500).expect("load");
    assert_eq!(kept, vec![binding("sip:a@192.0.2.5", 3_000)]);
    assert!(store.load_bindings(3_000).expect("load").is_empty());
}

fn passed_callers_are_remembered_and_forgotten(backend: Backend) {
    let dir = TestDb::new(backend);
    {
        let store = dir.open().expect("open");
        store
            .remember_passed("flat1", "+441632960001", 1_000)
            .expect("a");
        store
            .remember_passed("flat1", "+441632960002", 5_000)
            .expect("b");
        store
            .remember_passed("flat2", "+441632960001", 6_000)
            .expect("c");
        // An older pass does not make a caller older.
        store
            .remember_passed("flat1", "+441632960002", 2_000)
            .expect("b again");
    }
    let store = dir.open().expect("reopen");
    let kept = store.load_passed(3_000).expect("load");
    assert_eq!(
        kept,
        vec![
            ("flat1".to_string(), "+441632960002".to_string(), 5_000),
            ("flat2".to_string(), "+441632960001".to_string(), 6_000),
        ]
    );
}

crate::store::testdb::both_backends!(
    newer_schema_is_refused,
    call_lifecycle_is_recorded,
    list_is_newest_first_and_limited,
    interrupted_calls_are_closed,
    handle_writes_in_order_and_drains_on_shutdown,
    dropping_every_handle_still_drains,
    registrations_survive_reopening_and_lapse,
    passed_callers_are_remembered_and_forgotten,
);
