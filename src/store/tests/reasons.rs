//! Why a call's risk is what it is: each rise kept with its reason in the
//! same statement as the risk (migration 19), read back with the call,
//! leniently, from a log made before it too, and shown in the JSON, the
//! table and one short line.

use super::super::schema::{migrate_with, MIGRATIONS};
use super::super::*;
use super::{at, new_call, sample_records, two_columns};
use crate::store::testdb::{Backend, TestDb};

/// A reason for a rise to `risk`, as the tagger might give it.
pub(in crate::store) fn because(risk: &str) -> RiskReason {
    RiskReason {
        risk: risk.to_owned(),
        at_ms: 42_000,
        rule: format!("rule all of police + bank-details -> {risk}"),
        evidence: vec![
            "\"detective\" (police)".to_owned(),
            "\"sort code\" (bank-details)".to_owned(),
        ],
    }
}

/// The raw `risk` and `risk_reasons` columns of call `id`.
fn columns(store: &Store, id: i64) -> (Option<String>, Option<String>) {
    two_columns(store, id, "risk, risk_reasons")
}

fn each_rise_is_read_back_with_the_call(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("r", at(0))).expect("started");
    assert!(store.list_calls(1).expect("list")[0].reasons.is_empty());

    let odd = RiskReason {
        risk: "low".to_owned(),
        at_ms: 0,
        rule: "say \"PIN\"".to_owned(),
        evidence: vec!["Polizei, ärger\n\u{1b}[31m".to_owned(), String::new()],
    };
    store.raise_risk(id, &odd).expect("low");
    store.raise_risk(id, &because("high")).expect("high");
    // Not a rise: the risk and its reasons stay as they are.
    store.raise_risk(id, &because("medium")).expect("medium");
    store.raise_risk(id, &because("high")).expect("high again");

    let record = &store.list_calls(1).expect("list")[0];
    assert_eq!(record.risk.as_deref(), Some("high"));
    assert_eq!(record.reasons, [odd, because("high")]);
    let (_, raw) = columns(&store, id);
    let raw: serde_json::Value = serde_json::from_str(&raw.expect("reasons")).expect("JSON");
    assert_eq!(raw.as_array().map(Vec::len), Some(2), "{raw}");
    assert_eq!(raw[1]["rule"], "rule all of police + bank-details -> high");

    // An offset beyond what the database holds is clamped, not wrapped.
    let late = store
        .call_started(&new_call("late", at(1)))
        .expect("started");
    let far = RiskReason {
        at_ms: u64::MAX,
        ..because("low")
    };
    store.raise_risk(late, &far).expect("far");
    let record = &store.list_calls(1).expect("list")[0];
    assert_eq!(record.reasons[0].at_ms, i64::MAX as u64);
}

fn a_bad_risk_or_call_changes_nothing(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("r", at(0))).expect("started");
    store.raise_risk(id, &because("medium")).expect("medium");
    let before = columns(&store, id);
    for bad in ["severe", "High", ""] {
        let err = store.raise_risk(id, &because(bad)).expect_err(bad);
        assert!(matches!(&err, StoreError::BadRisk(r) if r == bad), "{err}");
    }
    assert_eq!(columns(&store, id), before);
    assert!(matches!(
        store.raise_risk(id + 1, &because("high")),
        Err(StoreError::NoSuchCall(_))
    ));
}

fn odd_reasons_do_not_hide_the_call_and_are_not_written_over(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let id = store.call_started(&new_call("r", at(0))).expect("started");
    store.raise_risk(id, &because("low")).expect("low");
    let set = |sql: &str| {
        store
            .conn
            .execute(
                &format!("UPDATE calls SET risk_reasons = {sql} WHERE id = ?1"),
                [id],
            )
            .expect("update");
    };
    for corrupt in ["'not json'", "'{\"risk\": \"low\"}'", "'\"a string\"'"] {
        set(corrupt);
        let record = &store.list_calls(1).expect("listing still works")[0];
        assert!(record.reasons.is_empty(), "{corrupt}");
        assert_eq!(record.risk.as_deref(), Some("low"), "{corrupt}");
        let before = columns(&store, id);
        let result = store.raise_risk(id, &because("high"));
        assert!(result.is_err(), "{corrupt}");
        assert!(
            !matches!(result, Err(StoreError::NoSuchCall(_))),
            "{corrupt}: {result:?}"
        );
        assert_eq!(
            columns(&store, id),
            before,
            "{corrupt}: the risk is kept too"
        );
    }
    // In an array, the readable reasons are kept and the others left out.
    set(r#"'[{"risk":"low","at_ms":5,"rule":"r","evidence":["e"]}, 7, {"risk":"high"}]'"#);
    let record = &store.list_calls(1).expect("list")[0];
    assert_eq!(
        record.reasons,
        [RiskReason {
            risk: "low".to_owned(),
            at_ms: 5,
            rule: "r".to_owned(),
            evidence: vec!["e".to_owned()],
        }]
    );
}

fn a_log_from_before_keeps_its_calls_and_gets_reasons(backend: Backend) {
    let dir = TestDb::new(backend);
    let conn = dir.raw();
    migrate_with(&conn, "test", &MIGRATIONS[..18]).expect("version 18");
    conn.execute(
        "INSERT INTO calls (call_id, line, caller, called, started_at, started_at_ms, risk, tags)
         VALUES ('old', 'flat-1a', '+4930555000', '1001', '2024-05-01T12:00:00.000Z', 1, 'medium',
                 '[\"police\"]')",
        [],
    )
    .expect("a call logged by the older version");
    drop(conn);
    let store = dir.open().expect("migrates");
    assert_eq!(
        store.schema_version().expect("version"),
        MIGRATIONS.len() as i64
    );
    let old = &store.list_calls(1).expect("list")[0];
    assert_eq!(
        (old.call_id.as_str(), old.risk.as_deref()),
        ("old", Some("medium"))
    );
    assert_eq!(old.tags, ["police"]);
    assert!(old.reasons.is_empty());
    store.raise_risk(old.id, &because("high")).expect("raise");
    let old = &store.list_calls(1).expect("list")[0];
    assert_eq!(old.risk.as_deref(), Some("high"));
    assert_eq!(old.reasons, [because("high")]);
}

fn json_has_the_reasons(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let plain = store
        .call_started(&new_call("plain", at(0)))
        .expect("started");
    store.set_policy(plain, "challenge").expect("policy");
    let fraud = store
        .call_started(&new_call("fraud", at(1_000)))
        .expect("started");
    store.raise_risk(fraud, &because("medium")).expect("medium");
    store.raise_risk(fraud, &because("high")).expect("high");

    let mut out = Vec::new();
    print_calls(&store.list_calls(10).expect("list"), true, &mut out).expect("prints");
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("valid JSON"))
        .collect();
    assert_eq!(lines[0]["call_id"], "fraud");
    assert_eq!(
        lines[0]["reasons"],
        serde_json::json!([
            {"risk": "medium", "at_ms": 42_000,
             "rule": "rule all of police + bank-details -> medium",
             "evidence": ["\"detective\" (police)", "\"sort code\" (bank-details)"]},
            {"risk": "high", "at_ms": 42_000,
             "rule": "rule all of police + bank-details -> high",
             "evidence": ["\"detective\" (police)", "\"sort code\" (bank-details)"]},
        ])
    );
    assert_eq!(lines[1]["reasons"], serde_json::json!([]), "{}", lines[1]);
}

#[test]
fn the_table_shows_the_last_rule_briefly_once_a_call_has_reasons() {
    let mut records = sample_records();
    let mut out = Vec::new();
    print_calls(&records, false, &mut out).expect("prints");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(!text.contains("WHY"), "no column without reasons: {text}");

    records[0].risk = Some("high".to_owned());
    records[0].reasons = vec![because("medium"), because("high")];
    let mut out = Vec::new();
    print_calls(&records, false, &mut out).expect("prints");
    let text = String::from_utf8(out).expect("utf-8");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(header.contains("  RISK  WHY  "), "{text}");
    assert!(header.contains("  TAGS  "), "{text}");
    let first = lines.next().expect("row");
    assert!(
        first.contains("  high  all of police + bank-details  "),
        "{text}"
    );
    assert!(
        !text.contains("sort code"),
        "no evidence in the table: {text}"
    );
    let second = lines.next().expect("row");
    assert!(second.contains("  none  -  "), "{text}");
}

#[test]
fn a_reason_reads_in_one_short_line() {
    assert_eq!(
        because("high").summary(),
        "high risk: rule all of police + bank-details -> high \
         (\"detective\" (police), \"sort code\" (bank-details) at 0:42)"
    );
    let long = RiskReason {
        risk: "high".to_owned(),
        at_ms: 3_723_000,
        rule: "request".to_owned(),
        evidence: vec!["caller said \"safe account\"\r\n".repeat(20)],
    };
    let line = long.summary();
    assert_eq!(line.chars().count(), 200, "{line}");
    assert!(
        line.starts_with("high risk: request (caller said"),
        "{line}"
    );
    assert!(line.ends_with("… at 1:02:03)"), "{line}");
    assert!(!line.chars().any(char::is_control), "{line}");
    let bare = RiskReason {
        evidence: Vec::new(),
        ..long
    };
    assert_eq!(bare.summary(), "high risk: request (at 1:02:03)");
}

crate::store::testdb::both_backends!(
    each_rise_is_read_back_with_the_call,
    a_bad_risk_or_call_changes_nothing,
    odd_reasons_do_not_hide_the_call_and_are_not_written_over,
    a_log_from_before_keeps_its_calls_and_gets_reasons,
    json_has_the_reasons,
);
