//! Reading the log back with filters, and opening it only where it exists.

use super::*;
use crate::store::testdb::{Backend, TestDb};

fn calls_are_filtered_by_line_start_and_risk(backend: Backend) {
    let dir = TestDb::new(backend);
    let store = dir.open().expect("opens");
    let mut ids = Vec::new();
    for (i, (line, risk)) in [
        ("flat-1a", None),
        ("flat-1a", Some("low")),
        ("flat-2b", Some("high")),
        ("flat-1a", Some("medium")),
        ("flat-2b", Some("none")),
    ]
    .into_iter()
    .enumerate()
    {
        let mut call = new_call(&format!("c{i}"), at(i as u64 * 60_000));
        call.line = line.to_owned();
        let id = store.call_started(&call).expect("start");
        if let Some(risk) = risk {
            store.set_risk(id, risk).expect("risk");
        }
        ids.push(id);
    }
    let found = |filter: CallFilter| -> Vec<i64> {
        let calls = store.find_calls(&filter, 10).expect("find");
        calls.iter().map(|c| c.id).collect()
    };
    assert_eq!(found(CallFilter::default()).len(), 5);
    assert_eq!(
        found(CallFilter {
            line: Some("flat-2b".into()),
            ..CallFilter::default()
        }),
        [ids[4], ids[2]]
    );
    assert_eq!(
        found(CallFilter {
            since: Some(at(3 * 60_000)),
            ..CallFilter::default()
        }),
        [ids[4], ids[3]]
    );
    use ivr::tagging::Risk;
    let at_least = |risk| CallFilter {
        min_risk: Some(risk),
        ..CallFilter::default()
    };
    assert_eq!(found(at_least(Risk::Medium)), [ids[3], ids[2]]);
    assert_eq!(found(at_least(Risk::Low)), [ids[3], ids[2], ids[1]]);
    assert_eq!(
        found(at_least(Risk::None)).len(),
        5,
        "no risk logged is none"
    );
    // Filters combine; the limit applies after them.
    let both = CallFilter {
        line: Some("flat-1a".into()),
        min_risk: Some(Risk::Low),
        since: None,
    };
    assert_eq!(found(both.clone()), [ids[3], ids[1]]);
    assert_eq!(store.find_calls(&both, 1).expect("find").len(), 1);
    // A line name is matched as a value, not as SQL.
    assert!(found(CallFilter {
        line: Some("x' OR '1'='1".into()),
        ..CallFilter::default()
    })
    .is_empty());
}

#[test]
fn open_existing_creates_nothing_where_there_is_no_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let err = Store::open_existing(&data).err().expect("no log");
    assert!(matches!(err, StoreError::NoLog { .. }), "{err}");
    assert!(err.to_string().contains("no call log in"), "{err}");
    assert!(!data.exists(), "nothing created");
    drop(Store::open(&data).expect("opens"));
    Store::open_existing(&data).expect("opens the existing log");
}

#[test]
fn an_unopenable_log_says_why_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    // calls.sqlite is a directory: SQLite says only "unable to open".
    std::fs::create_dir(dir.path().join(DB_FILE)).expect("mkdir");
    let err = Store::open(dir.path()).err().expect("cannot open");
    assert!(matches!(err, StoreError::OpenFile { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("Is a directory"), "{text}");
    assert_eq!(text.matches(DB_FILE).count(), 1, "{text}");
    assert!(
        std::error::Error::source(&err).is_none(),
        "the cause is in the message, not chained: {text}"
    );
}

crate::store::testdb::both_backends!(calls_are_filtered_by_line_start_and_risk,);
