use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::super::db::Store;
use super::super::msg::{CallKey, Msg};
use super::super::tests::reasons::because;
use super::super::types::NewCall;
use super::Writer;
use crate::store::testdb::{Backend, TestDb};

fn call(n: usize) -> NewCall {
    NewCall {
        call_id: format!("call-{n}"),
        line: "resident".to_owned(),
        // Big rows fill the few pages left quickly.
        caller: format!("{n:0>2000}"),
        called: "01632960001".to_owned(),
        started_at: UNIX_EPOCH + Duration::from_secs(1_714_564_800 + n as u64),
    }
}

fn page_count(writer: &Writer) -> i64 {
    writer
        .store
        .conn
        .query_row("PRAGMA page_count", [], |row| row.get(0))
        .expect("page_count")
}

fn set_max_pages(writer: &Writer, pages: i64) {
    writer
        .store
        .conn
        .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
        .expect("max_page_count");
}

/// A log that cannot grow (as on a full disk) keeps every write in memory,
/// in order, and writes all of them once it can: no call record is lost,
/// and no write arrives before its call's start.
#[test]
fn writes_kept_back_by_a_full_log_all_land_in_order_later() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut writer = Writer::new(Store::open(dir.path()).expect("opens"));
    let pages = page_count(&writer);
    set_max_pages(&writer, pages + 4);

    let keys: Vec<CallKey> = (0..40)
        .map(|n| CallKey::new(&format!("call-{n}")))
        .collect();
    for (n, key) in keys.iter().enumerate() {
        writer.write(Msg::Started(key.clone(), call(n)));
        writer.write(Msg::Outcome(key.clone(), "passed".to_owned()));
        writer.write(Msg::Ended(
            key.clone(),
            SystemTime::now(),
            "caller hung up".to_owned(),
        ));
    }
    assert!(
        !writer.pending.is_empty(),
        "the page limit should have kept writes back"
    );
    let logged = writer.store.list_calls(100).expect("lists").len();
    assert!(logged < 40, "{logged} calls logged despite the full log");

    // Still full: a retry changes nothing and loses nothing.
    let kept = writer.pending.len();
    writer.retry();
    assert_eq!(writer.pending.len(), kept);

    set_max_pages(&writer, 1 << 30);
    writer.retry();
    assert!(writer.pending.is_empty());
    let calls = writer.store.list_calls(100).expect("lists");
    assert_eq!(calls.len(), 40);
    for c in &calls {
        assert_eq!(c.outcome.as_deref(), Some("passed"), "{}", c.call_id);
        assert_eq!(
            c.end_reason.as_deref(),
            Some("caller hung up"),
            "{}",
            c.call_id
        );
    }
}

/// A write that can never succeed (an unknown risk) is dropped, not kept:
/// it must not hold up the writes behind it.
fn a_bad_write_is_not_retried(backend: Backend) {
    let dir = TestDb::new(backend);
    let mut writer = Writer::new(dir.open().expect("opens"));
    let key = CallKey::new("c");
    writer.write(Msg::Started(key.clone(), call(1)));
    writer.write(Msg::Risk(key.clone(), because("apocalyptic")));
    writer.write(Msg::Outcome(key, "failed".to_owned()));
    assert!(writer.pending.is_empty());
    let calls = writer.store.list_calls(10).expect("lists");
    assert_eq!(calls[0].outcome.as_deref(), Some("failed"));
}

/// Writes queued together land in one transaction: every call's start,
/// outcome and end, in order, and the batch leaves nothing kept back.
fn a_batch_lands_whole_in_one_transaction(backend: Backend) {
    let dir = TestDb::new(backend);
    let mut writer = Writer::new(dir.open().expect("opens"));
    let mut batch = Vec::new();
    for n in 0..10 {
        let key = CallKey::new(&format!("call-{n}"));
        batch.push(Msg::Started(key.clone(), call(n)));
        batch.push(Msg::Outcome(key.clone(), "passed".to_owned()));
        batch.push(Msg::Risk(key.clone(), because("apocalyptic")));
        batch.push(Msg::Ended(
            key,
            SystemTime::now(),
            "caller hung up".to_owned(),
        ));
    }
    writer.write_batch(batch);
    assert!(writer.pending.is_empty());
    assert!(writer.store.conn.is_autocommit(), "the transaction is over");
    let calls = writer.store.list_calls(100).expect("lists");
    assert_eq!(calls.len(), 10);
    for c in &calls {
        assert_eq!(c.outcome.as_deref(), Some("passed"), "{}", c.call_id);
        assert_eq!(
            c.end_reason.as_deref(),
            Some("caller hung up"),
            "{}",
            c.call_id
        );
    }
}

/// A batch that meets a full log is rolled back and written one by one:
/// what fits lands, the rest is kept back in order and lands later.
#[test]
fn a_batch_that_meets_a_full_log_loses_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut writer = Writer::new(Store::open(dir.path()).expect("opens"));
    let pages = page_count(&writer);
    set_max_pages(&writer, pages + 4);
    let mut batch = Vec::new();
    for n in 0..40 {
        let key = CallKey::new(&format!("call-{n}"));
        batch.push(Msg::Started(key.clone(), call(n)));
        batch.push(Msg::Ended(
            key,
            SystemTime::now(),
            "caller hung up".to_owned(),
        ));
    }
    writer.write_batch(batch);
    assert!(
        !writer.pending.is_empty(),
        "the page limit should have kept writes back"
    );
    assert!(
        writer.store.conn.is_autocommit(),
        "no transaction left open"
    );
    set_max_pages(&writer, 1 << 30);
    writer.retry();
    assert!(writer.pending.is_empty());
    let calls = writer.store.list_calls(100).expect("lists");
    assert_eq!(calls.len(), 40);
    assert!(calls
        .iter()
        .all(|c| c.end_reason.as_deref() == Some("caller hung up")));
}

/// A rolled-back batch puts back the calls it ended: calls started before
/// it, ended in a batch that meets a full log, still end once the log has
/// room (the writer knew them again when it wrote the batch one by one).
#[test]
fn calls_ended_in_a_rolled_back_batch_still_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut writer = Writer::new(Store::open(dir.path()).expect("opens"));
    let keys: Vec<_> = (0..30)
        .map(|n| CallKey::new(&format!("call-{n}")))
        .collect();
    for (n, key) in keys.iter().enumerate() {
        writer.write(Msg::Started(key.clone(), call(n)));
    }
    let pages = page_count(&writer);
    // Room for a few of the ends, not all.
    set_max_pages(&writer, pages + 8);
    let long = "the caller hung up after a long while ".repeat(200);
    let batch = keys
        .iter()
        .map(|key| Msg::Ended(key.clone(), SystemTime::now(), long.clone()))
        .collect();
    writer.write_batch(batch);
    assert!(!writer.pending.is_empty(), "the full log kept ends back");
    set_max_pages(&writer, 1 << 30);
    writer.retry();
    assert!(writer.pending.is_empty());
    assert!(writer.ids.is_empty(), "every call ended: {:?}", writer.ids);
    let calls = writer.store.list_calls(100).expect("lists");
    assert_eq!(calls.len(), 30);
    assert!(calls
        .iter()
        .all(|c| c.end_reason.as_deref() == Some(&*long)));
}

/// PostgreSQL: a write that meets a lost connection (the server ended the
/// session) is kept back, like one that meets a full disk, and lands once
/// the connection is open again; nothing behind it is lost.
#[test]
fn a_write_kept_back_by_a_lost_connection_lands_after_reconnecting() {
    let db = TestDb::new(Backend::Postgres);
    let mut writer = Writer::new(db.open().expect("opens"));
    let key = CallKey::new("c");
    writer.write(Msg::Started(key.clone(), call(1)));
    let pid: i64 = writer
        .store
        .conn
        .query_row("SELECT pg_backend_pid()::bigint", [], |r| r.get(0))
        .expect("pid");
    let other = db.raw();
    other
        .execute("SELECT pg_terminate_backend(?1::int)", [pid])
        .expect("terminate");
    let gone = || -> bool {
        other
            .query_row(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?1::int",
                [pid],
                |r| r.get::<_, i64>(0),
            )
            .expect("activity")
            == 0
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !gone() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.write(Msg::Outcome(key.clone(), "passed".to_owned()));
    assert_eq!(writer.pending.len(), 1, "kept back, not dropped");
    writer.retry();
    assert!(writer.pending.is_empty(), "landed on a new connection");
    writer.write(Msg::Ended(
        key,
        SystemTime::now(),
        "caller hung up".to_owned(),
    ));
    let calls = writer.store.list_calls(10).expect("lists");
    assert_eq!(calls[0].outcome.as_deref(), Some("passed"));
    assert_eq!(calls[0].end_reason.as_deref(), Some("caller hung up"));
}

crate::store::testdb::both_backends!(
    a_bad_write_is_not_retried,
    a_batch_lands_whole_in_one_transaction,
);
