//! The bridge columns: migrating an older log, writing them directly and
//! through the handle (who hung up: the first writer wins), and showing
//! them in the table; a caller's message that could not be kept.

use super::super::schema::{migrate_with, MIGRATIONS};
use super::super::types::CallRecord;
use super::super::*;
use super::{at, new_call, sample_records};
use crate::store::testdb::{Backend, TestDb};

const PHONE: &str = "sip:resident@192.0.2.10:5060";

/// A call log as a linewarden with only the first two migrations left it,
/// with one finished, tagged call in it.
fn version_2_log(db: &TestDb) {
    let conn = db.raw();
    migrate_with(&conn, "test", &MIGRATIONS[..2]).expect("version 2");
    conn.execute(
        "INSERT INTO calls (call_id, line, caller, called, started_at, started_at_ms,
                            ended_at, ended_at_ms, outcome, end_reason, policy, tags)
         VALUES ('old', 'flat-1a', '01632960001', '1001', '2024-05-01T12:00:00.000Z',
                 1714564800000, '2024-05-01T12:00:09.000Z', 1714564809000, 'passed',
                 'caller', 'challenge', '[\"police\"]')",
        [],
    )
    .expect("insert");
}

fn migration_from_version_2_keeps_existing_rows(backend: Backend) {
    let dir = TestDb::new(backend);
    version_2_log(&dir);

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
    assert_eq!(old.policy.as_deref(), Some("challenge"));
    assert_eq!(old.tags, ["police"]);
    assert_eq!(old.bridge, None);
    assert_eq!(old.answered_by, None);
    assert_eq!(old.bridged_at, None);
    assert_eq!(old.talk_ms, None);
    assert_eq!(old.hangup_by, None);

    // The migrated row takes the new columns, and a reopen changes nothing.
    store.set_bridge(old.id, "answered").expect("bridge");
    store.bridged(old.id, at(4_000), PHONE).expect("bridged");
    drop(store);
    let store = dir.open().expect("reopens");
    let records = store.list_calls(10).expect("list");
    assert_eq!(records[0].bridge.as_deref(), Some("answered"));
    assert_eq!(records[0].talk_ms, Some(5_000));
    assert_eq!(records[0].policy.as_deref(), Some("challenge"));
}

fn bridge_columns_are_recorded_and_talk_time_computed(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("b", at(0))).expect("started");
    store.set_bridge(id, "answered").expect("bridge");
    store.bridged(id, at(12_250), PHONE).expect("bridged");

    // In progress: no talk time yet.
    let record = &store.list_calls(1).expect("list")[0];
    assert_eq!(record.bridge.as_deref(), Some("answered"));
    assert_eq!(record.answered_by.as_deref(), Some(PHONE));
    assert_eq!(
        record.bridged_at.as_deref(),
        Some("2024-05-01T12:00:12.250Z")
    );
    assert_eq!(record.talk_ms, None);

    store
        .call_ended(id, at(72_250), "caller hung up")
        .expect("ended");
    let record = &store.list_calls(1).expect("list")[0];
    assert_eq!(record.talk_ms, Some(60_000));
    assert_eq!(record.duration_ms, Some(72_250));

    // Ended without ever being bridged: no talk time.
    let other = store
        .call_started(&new_call("n", at(100_000)))
        .expect("started");
    store.set_bridge(other, "no_answer").expect("bridge");
    store
        .call_ended(other, at(130_000), "we hung up")
        .expect("ended");
    let record = &store.list_calls(1).expect("list")[0];
    assert_eq!(record.bridge.as_deref(), Some("no_answer"));
    assert_eq!(
        (record.answered_by.as_deref(), record.talk_ms),
        (None, None)
    );

    for result in [
        store.set_bridge(other + 1, "busy"),
        store.bridged(other + 1, at(0), PHONE),
        store.set_hangup_by(other + 1, "caller"),
    ] {
        assert!(
            matches!(result, Err(StoreError::NoSuchCall(_))),
            "{result:?}"
        );
    }
}

fn the_first_to_hang_up_is_kept(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("h", at(0))).expect("started");
    assert_eq!(store.list_calls(1).expect("list")[0].hangup_by, None);
    store.set_hangup_by(id, "resident").expect("first");
    // Later writers change nothing and are not errors.
    store.set_hangup_by(id, "service").expect("second");
    store.set_hangup_by(id, "caller").expect("third");
    assert_eq!(
        store.list_calls(1).expect("list")[0].hangup_by.as_deref(),
        Some("resident")
    );
}

fn handle_writes_bridge_columns_in_order(backend: Backend) {
    let dir = TestDb::new(backend);
    let handle = StoreHandle::spawn(dir.open().expect("opens"));
    let key = CallKey::new("bridged");
    handle.call_started(&key, new_call("bridged", at(0)));
    handle.set_bridge(&key, "answered");
    handle.bridged(&key, at(10_000), PHONE);
    // The caller's BYE came first; our BYE after it does not overwrite.
    handle.set_hangup_by(&key, "caller");
    handle.set_hangup_by(&key, "service");
    handle.call_ended(&key, at(25_000), "caller hung up");
    // After the end, and for calls never started: logged and skipped.
    handle.set_hangup_by(&key, "resident");
    handle.set_bridge(&CallKey::new("never-started"), "busy");
    let resident = CallKey::new("resident-first");
    handle.call_started(&resident, new_call("resident-first", at(30_000)));
    handle.set_hangup_by(&resident, "resident");
    handle.set_hangup_by(&resident, "service");
    handle.shutdown();

    let store = dir.open().expect("reopens");
    let records = store.list_calls(10).expect("list");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].hangup_by.as_deref(), Some("resident"));
    let bridged = &records[1];
    assert_eq!(bridged.bridge.as_deref(), Some("answered"));
    assert_eq!(bridged.answered_by.as_deref(), Some(PHONE));
    assert_eq!(bridged.talk_ms, Some(15_000));
    assert_eq!(bridged.hangup_by.as_deref(), Some("caller"));
}

fn table(records: &[CallRecord]) -> String {
    let mut out = Vec::new();
    print_calls(records, false, &mut out).expect("prints");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn bridge_cell_is_compact() {
    let mut record = sample_records().remove(1);
    let cases = [
        (None, None, "-"),
        (Some("no_answer"), None, "no_answer"),
        (
            Some("answered"),
            Some(PHONE),
            "answered/resident@192.0.2.10",
        ),
        (
            Some("answered"),
            Some("sips:front-door-handset-number-two@phones.example.org;transport=tls"),
            "answered/front-door-handset-num…",
        ),
        (None, Some("sip:[2001:db8::1]:5062"), "[2001:db8::1]"),
    ];
    for (bridge, phone, shown) in cases {
        record.bridge = bridge.map(str::to_owned);
        record.answered_by = phone.map(str::to_owned);
        let text = table(std::slice::from_ref(&record));
        let row = text.lines().nth(1).expect("a row");
        assert!(row.contains(&format!("  {shown}  ")), "{shown}:\n{text}");
    }
}

#[test]
fn uris_are_shortened_without_panicking() {
    use super::super::print::short_uri;
    assert_eq!(
        short_uri("sip:resident@192.0.2.10:5060"),
        "resident@192.0.2.10"
    );
    assert_eq!(short_uri("SIP:a@host;transport=udp?x=1"), "a@host");
    assert_eq!(short_uri("sip:[::1]"), "[::1]");
    assert_eq!(short_uri("sip:u@[::1]:5060"), "u@[::1]");
    assert_eq!(short_uri("host:5060"), "host");
    assert_eq!(short_uri("sip:user:pw@host"), "user:pw@host");
    for odd in ["", "sip:", "é", "sip:é@ü:", "@", ":", "]:", ";"] {
        short_uri(odd);
    }
}

/// A message whose file could not be kept: its path goes, the note says
/// why after any note on the recording.
fn a_lost_message_drops_its_path_and_is_noted(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let quiet = store.call_started(&new_call("quiet", at(0))).expect("a");
    let noted = store.call_started(&new_call("noted", at(0))).expect("b");
    for id in [quiet, noted] {
        store
            .set_voicemail(id, "voicemail/flat-1a/x.wav")
            .expect("vm");
    }
    store
        .set_recording_note(noted, "recording stopped: disk full")
        .expect("note");
    store
        .set_message_lost(quiet, "message not kept: denied")
        .expect("lost");
    store
        .set_message_lost(noted, "message not kept: denied")
        .expect("lost");
    let records = store.list_calls(10).expect("list");
    let row = |id| records.iter().find(|r| r.id == id).expect("row");
    assert_eq!(row(quiet).voicemail, None);
    assert_eq!(
        row(quiet).recording_note.as_deref(),
        Some("message not kept: denied")
    );
    assert_eq!(row(noted).voicemail, None);
    assert_eq!(
        row(noted).recording_note.as_deref(),
        Some("recording stopped: disk full; message not kept: denied")
    );
}

crate::store::testdb::both_backends!(
    a_lost_message_drops_its_path_and_is_noted,
    migration_from_version_2_keeps_existing_rows,
    bridge_columns_are_recorded_and_talk_time_computed,
    the_first_to_hang_up_is_kept,
    handle_writes_bridge_columns_in_order,
);
