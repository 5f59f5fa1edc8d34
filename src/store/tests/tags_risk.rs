//! Tag details and risk: written directly and through the handle, kept
//! consistent with the tags, never lowered, read back leniently, and shown
//! in the JSON (the table: `table.rs`).

use super::super::*;
use super::reasons::because;
use super::{at, new_call, two_columns};
use crate::sql::Value;
use crate::store::testdb::{Backend, TestDb};

pub(super) fn detail(tag: &str, at_ms: u64, evidence: &str) -> TagDetail {
    TagDetail {
        tag: tag.to_owned(),
        at_ms,
        evidence: evidence.to_owned(),
        confidence: 80,
    }
}

/// The raw `tags` and `tag_details` columns of call `id`.
fn columns(store: &Store, id: i64) -> (Option<String>, Option<String>) {
    two_columns(store, id, "tags, tag_details")
}

/// [`columns`] as SQLite holds them, whatever their type.
fn raw_columns(store: &Store, id: i64) -> (Value, Value) {
    two_columns(store, id, "tags, tag_details")
}

fn details_are_appended_in_order_once_per_tag_with_the_tags(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("t", at(0))).expect("started");
    assert_eq!(columns(&store, id), (None, None), "NULL when none");

    store.add_tag(id, "suspicious-cli").expect("tag");
    store
        .add_tag_detail(id, &detail("police", 12_300, "heard \"police\" x2"))
        .expect("detail");
    store
        .add_tag_detail(id, &detail("bank-details", 40_100, "asked for 8 digits"))
        .expect("detail");
    // A second detail for a tag already there is ignored: the first wins.
    store
        .add_tag_detail(id, &detail("police", 50_000, "later"))
        .expect("duplicate");
    // A tag given by name only, then with details: details added, name once.
    store.add_tag(id, "pin").expect("tag");
    store
        .add_tag_detail(id, &detail("pin", 60_000, "keyed 4 digits"))
        .expect("detail");

    let (tags, details) = columns(&store, id);
    assert_eq!(
        tags.as_deref(),
        Some(r#"["suspicious-cli","police","bank-details","pin"]"#)
    );
    let details: serde_json::Value =
        serde_json::from_str(&details.expect("details")).expect("a JSON array");
    assert_eq!(
        details,
        serde_json::json!([
            {"tag": "police", "at_ms": 12_300, "evidence": "heard \"police\" x2", "confidence": 80},
            {"tag": "bank-details", "at_ms": 40_100, "evidence": "asked for 8 digits", "confidence": 80},
            {"tag": "pin", "at_ms": 60_000, "evidence": "keyed 4 digits", "confidence": 80},
        ])
    );

    let record = &store.list_calls(1).expect("list")[0];
    assert_eq!(
        record.tags,
        ["suspicious-cli", "police", "bank-details", "pin"]
    );
    assert_eq!(
        record.tag_details,
        [
            detail("police", 12_300, "heard \"police\" x2"),
            detail("bank-details", 40_100, "asked for 8 digits"),
            detail("pin", 60_000, "keyed 4 digits"),
        ]
    );
    assert!(matches!(
        store.add_tag_detail(id + 1, &detail("police", 1, "x")),
        Err(StoreError::NoSuchCall(_))
    ));
}

fn extreme_detail_values_round_trip(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("t", at(0))).expect("started");
    let odd = TagDetail {
        tag: "say \"PIN\"".to_owned(),
        at_ms: 0,
        evidence: "Polizei, ärger\n\u{1b}[31m".to_owned(),
        confidence: u8::MAX,
    };
    store.add_tag_detail(id, &odd).expect("detail");
    let far = detail("late", u64::MAX, "");
    store.add_tag_detail(id, &far).expect("detail");
    let record = &store.list_calls(1).expect("list")[0];
    assert_eq!(record.tags, ["say \"PIN\"", "late"]);
    assert_eq!(record.tag_details[0], odd);
    // Offsets beyond what SQLite holds are clamped, not wrapped.
    assert_eq!(record.tag_details[1].at_ms, i64::MAX as u64);
}

fn risk_is_never_lowered(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("r", at(0))).expect("started");
    let risk = |store: &Store| store.list_calls(1).expect("list")[0].risk.clone();
    assert_eq!(risk(&store), None);
    for (set, kept) in [
        ("none", "none"),
        ("low", "low"),
        ("none", "low"),
        ("low", "low"),
        ("high", "high"),
        ("medium", "high"),
        ("low", "high"),
        ("high", "high"),
    ] {
        store.set_risk(id, set).expect("risk");
        assert_eq!(risk(&store).as_deref(), Some(kept), "after {set}");
    }

    // A stored value that is no level at all is replaced by any level.
    store
        .conn
        .execute("UPDATE calls SET risk = 'odd' WHERE id = ?1", [id])
        .expect("update");
    store.set_risk(id, "none").expect("risk");
    assert_eq!(risk(&store).as_deref(), Some("none"));
    assert!(matches!(
        store.set_risk(id + 1, "low"),
        Err(StoreError::NoSuchCall(_))
    ));
}

fn unknown_risk_is_an_error(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("r", at(0))).expect("started");
    store.set_risk(id, "medium").expect("risk");
    for bad in ["severe", "High", "", " low", "null"] {
        let err = store.set_risk(id, bad).expect_err(bad);
        assert!(matches!(&err, StoreError::BadRisk(r) if r == bad), "{err}");
        assert!(err.to_string().contains("unknown risk"), "{err}");
    }
    // Checked before the call is looked up.
    assert!(matches!(
        store.set_risk(id + 1, "severe"),
        Err(StoreError::BadRisk(_))
    ));
    assert_eq!(
        store.list_calls(1).expect("list")[0].risk.as_deref(),
        Some("medium")
    );
}

fn corrupt_tag_details_do_not_break_listing(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let good = store
        .call_started(&new_call("good", at(0)))
        .expect("started");
    store
        .add_tag_detail(good, &detail("police", 1_000, "heard police"))
        .expect("detail");
    let odd = store
        .call_started(&new_call("odd", at(1)))
        .expect("started");
    store.set_risk(odd, "high").expect("risk");
    let set = |sql: &str| {
        store
            .conn
            .execute(
                &format!("UPDATE calls SET tag_details = {sql} WHERE id = ?1"),
                [odd],
            )
            .expect("update");
    };

    for corrupt in [
        "'not json'",
        "'{\"tag\": \"police\"}'",
        "'\"a string\"'",
        "'[1, 2'",
        "X'00ff'",
        "42",
        "'[]'",
    ] {
        set(corrupt);
        let records = store.list_calls(10).expect("listing still works");
        assert_eq!(records.len(), 2, "{corrupt}");
        assert!(records[0].tag_details.is_empty(), "{corrupt}");
        assert_eq!(records[0].risk.as_deref(), Some("high"), "{corrupt}");
        assert_eq!(
            records[1].tag_details,
            [detail("police", 1_000, "heard police")]
        );
    }

    // In an array, the readable details are kept and the others left out.
    set(
        r#"'[{"tag":"police","at_ms":5,"evidence":"e","confidence":90},
             {"tag":"bank"}, 7, {"tag":"x","at_ms":-1,"evidence":"","confidence":1},
             {"tag":"pin","at_ms":6,"evidence":"keyed 4 digits","confidence":300},
             {"tag":"bank","at_ms":9,"evidence":"f","confidence":70}]'"#,
    );
    let records = store.list_calls(10).expect("list");
    assert_eq!(
        records[0].tag_details,
        [
            TagDetail {
                tag: "police".to_owned(),
                at_ms: 5,
                evidence: "e".to_owned(),
                confidence: 90
            },
            TagDetail {
                tag: "bank".to_owned(),
                at_ms: 9,
                evidence: "f".to_owned(),
                confidence: 70
            },
        ]
    );

    // Writing over an unreadable value fails and changes neither column.
    for corrupt in ["'not json'", "'{\"x\": 1}'", "'\"a string\"'", "X'00ff'"] {
        set(corrupt);
        let before = raw_columns(&store, odd);
        let result = store.add_tag_detail(odd, &detail("bank", 2_000, "x"));
        assert!(result.is_err(), "{corrupt}");
        assert!(
            !matches!(result, Err(StoreError::NoSuchCall(_))),
            "{corrupt}: {result:?}"
        );
        assert_eq!(raw_columns(&store, odd), before, "{corrupt}");
    }
    set("NULL");
    store
        .conn
        .execute("UPDATE calls SET tags = '{}' WHERE id = ?1", [odd])
        .expect("update");
    assert!(matches!(
        store.add_tag_detail(odd, &detail("bank", 2_000, "x")),
        Err(StoreError::NotAnArray(_))
    ));
    assert_eq!(columns(&store, odd), (Some("{}".to_owned()), None));
}

fn json_has_risk_and_tag_details(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let plain = store
        .call_started(&new_call("plain", at(0)))
        .expect("started");
    store.set_policy(plain, "challenge").expect("policy");
    let fraud = store
        .call_started(&new_call("fraud", at(1_000)))
        .expect("started");
    store
        .add_tag_detail(fraud, &detail("police", 12_300, "heard police"))
        .expect("detail");
    store
        .add_tag_detail(fraud, &detail("bank-details", 40_100, "asked for 8 digits"))
        .expect("detail");
    store.set_risk(fraud, "high").expect("risk");

    let mut out = Vec::new();
    print_calls(&store.list_calls(10).expect("list"), true, &mut out).expect("prints");
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("valid JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    let (fraud_json, plain_json) = (&lines[0], &lines[1]);
    assert_eq!(fraud_json["call_id"], "fraud");
    assert_eq!(fraud_json["risk"], "high");
    assert_eq!(
        fraud_json["tag_details"],
        serde_json::json!([
            {"tag": "police", "at_ms": 12_300, "evidence": "heard police", "confidence": 80},
            {"tag": "bank-details", "at_ms": 40_100, "evidence": "asked for 8 digits", "confidence": 80},
        ])
    );
    assert_eq!(
        fraud_json["tags"],
        serde_json::json!(["police", "bank-details"])
    );
    assert!(plain_json["risk"].is_null(), "{plain_json}");
    assert_eq!(plain_json["tag_details"], serde_json::json!([]));
    assert_eq!(plain_json["policy"], "challenge");
    // Every existing field is still there.
    for field in [
        "id",
        "call_id",
        "line",
        "caller",
        "called",
        "started_at",
        "answered_at",
        "ended_at",
        "duration_ms",
        "outcome",
        "recording",
        "end_reason",
        "policy",
        "tags",
        "bridge",
        "answered_by",
        "bridged_at",
        "talk_ms",
        "hangup_by",
    ] {
        assert!(plain_json.get(field).is_some(), "{field}: {plain_json}");
    }
}

fn handle_writes_tag_details_and_risk(backend: Backend) {
    let dir = TestDb::new(backend);
    let handle = StoreHandle::spawn(dir.open().expect("opens"));
    let key = CallKey::new("fraud");
    handle.call_started(&key, new_call("fraud", at(0)));
    handle.add_tag(&key, "suspicious-cli");
    handle.add_tag_detail(&key, detail("police", 12_300, "heard police"));
    handle.raise_risk(&key, because("medium"));
    handle.add_tag_detail(&key, detail("police", 20_000, "again"));
    handle.add_tag_detail(&key, detail("bank-details", 40_100, "asked for 8 digits"));
    handle.raise_risk(&key, because("high"));
    handle.raise_risk(&key, because("low"));
    // Unknown risks are logged and skipped, not fatal.
    handle.raise_risk(&key, because("extreme"));
    handle.call_ended(&key, at(60_000), "caller");
    // After the end, and for calls never started: logged and skipped.
    handle.add_tag_detail(&key, detail("late", 70_000, "late"));
    handle.raise_risk(&CallKey::new("never-started"), because("high"));
    let quiet = CallKey::new("quiet");
    handle.call_started(&quiet, new_call("quiet", at(100_000)));
    handle.raise_risk(&quiet, because("none"));
    handle.shutdown();

    let store = dir.open().expect("reopens");
    let records = store.list_calls(10).expect("list");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].risk.as_deref(), Some("none"));
    assert!(records[0].tag_details.is_empty());
    let fraud = &records[1];
    assert_eq!(fraud.risk.as_deref(), Some("high"));
    assert_eq!(fraud.tags, ["suspicious-cli", "police", "bank-details"]);
    assert_eq!(
        fraud.tag_details,
        [
            detail("police", 12_300, "heard police"),
            detail("bank-details", 40_100, "asked for 8 digits"),
        ]
    );
    assert_eq!(fraud.end_reason.as_deref(), Some("caller"));
    // Each rise is kept with its reason; the lower and unknown ones not.
    assert_eq!(fraud.reasons, [because("medium"), because("high")]);
}

crate::store::testdb::both_backends!(
    details_are_appended_in_order_once_per_tag_with_the_tags,
    extreme_detail_values_round_trip,
    risk_is_never_lowered,
    unknown_risk_is_an_error,
    corrupt_tag_details_do_not_break_listing,
    json_has_risk_and_tag_details,
    handle_writes_tag_details_and_risk,
);
