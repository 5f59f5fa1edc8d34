//! How much of a call the recognizer heard: the column added by migration
//! 13, written through the handle, and shown in the table and the JSON.

use super::super::schema::{migrate_with, MIGRATIONS};
use super::super::*;
use super::{at, new_call, sample_records};
use crate::store::testdb::{Backend, TestDb};

fn a_log_from_before_gets_the_column_empty(backend: Backend) {
    let dir = TestDb::new(backend);
    let conn = dir.raw();
    migrate_with(&conn, "test", &MIGRATIONS[..12]).expect("version 12");
    drop(conn);
    let store = dir.open().expect("migrates");
    assert_eq!(
        store.schema_version().expect("version"),
        MIGRATIONS.len() as i64
    );
    let id = store.call_started(&new_call("a", at(0))).expect("started");
    assert_eq!(store.list_calls(1).expect("list")[0].listened, None);
    store.set_listened(id, "partial").expect("set");
    assert_eq!(
        store.list_calls(1).expect("list")[0].listened.as_deref(),
        Some("partial")
    );
}

fn the_handle_writes_it_and_the_last_value_stays(backend: Backend) {
    let dir = TestDb::new(backend);
    let handle = StoreHandle::spawn(dir.open().expect("opens"));
    let key = CallKey::new("k");
    handle.call_started(&key, new_call("k", at(0)));
    handle.set_listened(&key, "full");
    handle.set_listened(&key, "partial");
    handle.call_ended(&key, at(10), "caller");
    handle.shutdown();
    let store = dir.open().expect("reopens");
    assert_eq!(
        store.list_calls(1).expect("list")[0].listened.as_deref(),
        Some("partial")
    );
}

#[test]
fn the_table_shows_a_heard_column_once_a_call_has_it() {
    let mut records = sample_records();
    records[0].listened = Some("none".to_owned());
    let mut out = Vec::new();
    print_calls(&records, false, &mut out).expect("prints");
    let text = String::from_utf8(out).expect("utf-8");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(header.contains("  TAGS  "), "{text}");
    assert!(header.contains("  HEARD  DURATION  "), "{text}");
    let first = lines.next().expect("row");
    assert!(first.contains("  none   -  "), "{text}");
    let second = lines.next().expect("row");
    assert!(second.contains("  -      1m05s  "), "{text}");

    let mut out = Vec::new();
    print_calls(&records, true, &mut out).expect("prints");
    let json: serde_json::Value = serde_json::from_str(
        String::from_utf8(out)
            .expect("utf-8")
            .lines()
            .next()
            .expect("line"),
    )
    .expect("json");
    assert_eq!(json["listened"], "none");
}

crate::store::testdb::both_backends!(
    a_log_from_before_gets_the_column_empty,
    the_handle_writes_it_and_the_last_value_stays,
);
