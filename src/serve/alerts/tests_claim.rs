//! Several delivery threads on one store (nodes sharing a database):
//! each alert reaches the webhook once, and a claim left by a node that
//! died is taken over once it has expired (PostgreSQL) or at once on
//! start (SQLite, one node).

use std::collections::HashMap;
use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::tests::{alert, call_log, connect, eventually, fast, read_request};
use super::AlertSender;
use crate::sql::params;
use crate::store::testdb::Backend;
use crate::store::Location;

/// A webhook receiver that answers 200 to every request after a short
/// pause (so several senders overlap) and counts them by call id.
struct Counter {
    url: String,
    seen: Arc<Mutex<HashMap<String, usize>>>,
    /// Each request's `Idempotency-Key` and body `alert_id`.
    keys: Arc<Mutex<Vec<(String, String)>>>,
}

impl Counter {
    fn start() -> Counter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(HashMap::new()));
        let counts = Arc::clone(&seen);
        let keys = Arc::new(Mutex::new(Vec::new()));
        let keys_seen = Arc::clone(&keys);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
                let call_id = body["call_id"].as_str().unwrap_or_default().to_owned();
                *counts.lock().unwrap().entry(call_id).or_insert(0) += 1;
                let header = request
                    .head
                    .lines()
                    .find_map(|l| l.strip_prefix("idempotency-key: "))
                    .unwrap_or_default()
                    .to_owned();
                let id = body["alert_id"].as_str().unwrap_or_default().to_owned();
                keys_seen.lock().unwrap().push((header, id));
                std::thread::sleep(Duration::from_millis(20));
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Counter { url, seen, keys }
    }

    fn counts(&self) -> HashMap<String, usize> {
        self.seen.lock().unwrap().clone()
    }

    fn keys(&self) -> Vec<(String, String)> {
        self.keys.lock().unwrap().clone()
    }
}

/// Stores an alert for `call_id` to `url` as an earlier run would have
/// left it, due now, with the key `key-<call_id>`; claimed by `claim`
/// until the given time if given.
fn left_over(at: &Location, call_id: &str, url: &str, claim: Option<(&str, i64)>) {
    let now = crate::time::now_millis();
    let key = format!("key-{call_id}");
    let payload = alert(call_id).to_json(&key).unwrap();
    let (by, until) = claim.unzip();
    connect(at)
        .execute(
            "INSERT INTO alerts (call_id, url, payload, created_at_ms, next_attempt_at_ms,
                                 claimed_by, claimed_until_ms, alert_key)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)",
            params![call_id, url, payload, now, by, until, key],
        )
        .unwrap();
}

/// `(call_id, delivered_at_ms, claimed_by)` of every alert.
fn rows(at: &Location) -> Vec<(String, Option<i64>, Option<String>)> {
    connect(at)
        .query(
            "SELECT call_id, delivered_at_ms, claimed_by FROM alerts ORDER BY id",
            [],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0).unwrap(), r.get(1).unwrap(), r.get(2).unwrap()))
        .collect()
}

fn all_delivered(at: &Location, count: usize) -> bool {
    let rows = rows(at);
    rows.len() == count && rows.iter().all(|r| r.1.is_some())
}

fn two_senders_post_each_new_alert_once(backend: Backend) {
    let counter = Counter::start();
    let (_dir, at) = call_log(backend);
    let a = AlertSender::spawn(&at, fast()).unwrap();
    let b = AlertSender::spawn(&at, fast()).unwrap();
    for i in 0..15 {
        a.send(&counter.url, &alert(&format!("a{i}@example.org")));
        b.send(&counter.url, &alert(&format!("b{i}@example.org")));
    }
    assert!(eventually(|| all_delivered(&at, 30)), "{:?}", rows(&at));
    a.shutdown();
    b.shutdown();
    let counts = counter.counts();
    assert_eq!(counts.len(), 30, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

/// Twenty alerts due when two nodes start: they share them, none twice.
#[test]
fn postgres_two_nodes_share_left_alerts_and_post_each_once() {
    let counter = Counter::start();
    let (_dir, at) = call_log(Backend::Postgres);
    for i in 0..20 {
        left_over(&at, &format!("left{i}@example.org"), &counter.url, None);
    }
    let a = AlertSender::spawn(&at, fast()).unwrap();
    let b = AlertSender::spawn(&at, fast()).unwrap();
    assert!(eventually(|| all_delivered(&at, 20)), "{:?}", rows(&at));
    a.shutdown();
    b.shutdown();
    let counts = counter.counts();
    assert_eq!(counts.len(), 20, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    let mut senders: Vec<String> = rows(&at).into_iter().filter_map(|r| r.2).collect();
    senders.sort();
    senders.dedup();
    assert_eq!(senders.len(), 2, "both nodes took part: {senders:?}");
}

/// An alert a dead node claimed: PostgreSQL waits for the claim to
/// expire, then another node sends it; SQLite (one node) sends it at
/// start, as before claims.
fn a_dead_nodes_claim_is_taken_over(backend: Backend) {
    let counter = Counter::start();
    let (_dir, at) = call_log(backend);
    let until = crate::time::now_millis()
        + match backend {
            Backend::Postgres => 1_500,
            Backend::Sqlite => 60_000,
        };
    left_over(
        &at,
        "dead@example.org",
        &counter.url,
        Some(("dead-node", until)),
    );
    let sender = AlertSender::spawn(&at, fast()).unwrap();
    assert!(eventually(|| all_delivered(&at, 1)), "{:?}", rows(&at));
    sender.shutdown();
    let (_, delivered, by) = rows(&at).remove(0);
    let delivered = delivered.unwrap();
    match backend {
        Backend::Postgres => assert!(delivered >= until, "{delivered} < {until}"),
        Backend::Sqlite => assert!(delivered < until, "{delivered} >= {until}"),
    }
    assert_ne!(by.as_deref(), Some("dead-node"));
    assert_eq!(counter.counts().get("dead@example.org"), Some(&1));
    // The node that takes the alert over sends the key it was queued
    // with, in the header and the body: a receiver that took the dead
    // node's attempt drops this one.
    let key = "key-dead@example.org".to_owned();
    assert_eq!(counter.keys(), [(key.clone(), key)]);
}

/// Alerts queued by two nodes: each alert's every attempt carries its own
/// key, the same in the header and the body, and no two alerts share one.
fn new_alerts_carry_one_distinct_key_each(backend: Backend) {
    let counter = Counter::start();
    let (_dir, at) = call_log(backend);
    let a = AlertSender::spawn(&at, fast()).unwrap();
    let b = AlertSender::spawn(&at, fast()).unwrap();
    for i in 0..5 {
        a.send(&counter.url, &alert(&format!("ka{i}@example.org")));
        b.send(&counter.url, &alert(&format!("kb{i}@example.org")));
    }
    assert!(eventually(|| all_delivered(&at, 10)), "{:?}", rows(&at));
    a.shutdown();
    b.shutdown();
    let keys = counter.keys();
    assert_eq!(keys.len(), 10, "{keys:?}");
    assert!(
        keys.iter().all(|(h, id)| h == id && h.len() == 36),
        "{keys:?}"
    );
    let mut distinct: Vec<&String> = keys.iter().map(|k| &k.0).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10, "{keys:?}");
}

crate::store::testdb::both_backends!(
    two_senders_post_each_new_alert_once,
    a_dead_nodes_claim_is_taken_over,
    new_alerts_carry_one_distinct_key_each
);
