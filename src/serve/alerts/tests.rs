use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::types::GAVE_UP_MS;
use super::*;
use crate::sql::Connection;
use crate::store::testdb::{Backend, TestDb};
use crate::store::{Location, Store};

/// One request as the receiver read it: the head lower-cased, the body.
#[derive(Clone, Debug)]
pub(super) struct Request {
    pub(super) head: String,
    pub(super) body: String,
}

/// A tiny webhook receiver on 127.0.0.1: answers each request with the
/// next status of its script, then `then`, or never answers (`hang`).
struct Receiver {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Receiver {
    fn start(script: &[u16], then: u16) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Receiver::on(listener, script, Some(then))
    }

    fn hanging() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Receiver::on(listener, &[], None)
    }

    fn on(listener: TcpListener, script: &[u16], then: Option<u16>) -> Receiver {
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let mut script: VecDeque<u16> = script.iter().copied().collect();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                seen.lock().unwrap().push(request);
                match then {
                    Some(then) => {
                        let status = script.pop_front().unwrap_or(then);
                        let _ = write!(
                            stream,
                            "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                    }
                    None => held.push(stream),
                }
            }
        });
        Receiver { addr, requests }
    }

    fn url(&self) -> String {
        format!("http://{}/hook?token=secret", self.addr)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

pub(super) fn read_request(stream: &TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line.to_ascii_lowercase());
        if line == "\r\n" {
            break;
        }
    }
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        head,
        body: String::from_utf8(body).ok()?,
    })
}

/// A migrated call log on `backend`, and where it is.
pub(super) fn call_log(backend: Backend) -> (TestDb, Location) {
    let db = TestDb::new(backend);
    db.open().unwrap();
    let at = db.location().clone();
    (db, at)
}

/// A connection of the test's own to the call log at `at`.
pub(super) fn connect(at: &Location) -> Connection {
    Store::open_at(at).unwrap().into_connection()
}

#[derive(Debug)]
struct StoredAlert {
    call_id: String,
    url: String,
    payload: String,
    attempts: i64,
    next_attempt_at_ms: i64,
    delivered_at_ms: Option<i64>,
    last_error: Option<String>,
    key: Option<String>,
}

fn stored(path: &Location) -> Vec<StoredAlert> {
    let conn = connect(path);
    let mut stmt = conn
        .prepare(
            "SELECT call_id, url, payload, attempts, next_attempt_at_ms, delivered_at_ms,
                    last_error, alert_key
             FROM alerts ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |row| {
        Ok(StoredAlert {
            call_id: row.get(0)?,
            url: row.get(1)?,
            payload: row.get(2)?,
            attempts: row.get(3)?,
            next_attempt_at_ms: row.get(4)?,
            delivered_at_ms: row.get(5)?,
            last_error: row.get(6)?,
            key: row.get(7)?,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Polls `check` until it holds or a generous deadline passes.
pub(super) fn eventually(check: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    check()
}

pub(super) fn fast() -> DeliverySettings {
    DeliverySettings {
        timeout: Duration::from_secs(2),
        max_attempts: 20,
        max_age: Duration::from_secs(3600),
        first_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        claim: Duration::from_secs(5),
    }
}

pub(super) fn alert(call_id: &str) -> Alert {
    Alert {
        line: "home".to_owned(),
        caller: "+4930123456".to_owned(),
        tags: vec![
            "police-impersonation".to_owned(),
            "asks-for-money".to_owned(),
        ],
        risk: "high".to_owned(),
        time: UNIX_EPOCH + Duration::from_millis(1_714_564_803_250),
        call_id: call_id.to_owned(),
        listened: None,
        reason: None,
    }
}

fn alert_is_posted_once_as_json_and_marked_delivered(backend: Backend) {
    let receiver = Receiver::start(&[], 200);
    let (_dir, path) = call_log(backend);
    let sender = AlertSender::spawn(&path, fast()).unwrap();
    sender.send(&receiver.url(), &alert("abc@example.org"));
    assert!(eventually(|| stored(&path)
        .first()
        .is_some_and(|a| a.delivered_at_ms.is_some())));
    sender.shutdown();

    let key = stored(&path)[0].key.clone().expect("stored with its key");
    let expected = format!(
        r#"{{"line":"home","caller":"+4930123456","tags":["police-impersonation","asks-for-money"],"risk":"high","time":"2024-05-01T12:00:03.250Z","call_id":"abc@example.org","alert_id":"{key}"}}"#
    );
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body, expected);
    assert!(requests[0]
        .head
        .contains(&format!("\r\nidempotency-key: {key}\r\n")));
    assert!(requests[0]
        .head
        .starts_with("post /hook?token=secret http/1.1\r\n"));
    assert!(requests[0]
        .head
        .contains("\r\ncontent-type: application/json\r\n"));

    let rows = stored(&path);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].call_id, "abc@example.org");
    assert_eq!(rows[0].url, receiver.url());
    assert_eq!(rows[0].payload, expected);
    assert_eq!(rows[0].attempts, 1);
    assert_eq!(rows[0].last_error, None);
}

fn failed_attempts_are_retried_until_delivered(backend: Backend) {
    let receiver = Receiver::start(&[500, 500], 200);
    let (_dir, path) = call_log(backend);
    let sender = AlertSender::spawn(&path, fast()).unwrap();
    sender.send(&receiver.url(), &alert("retry@example.org"));
    assert!(eventually(|| stored(&path)
        .first()
        .is_some_and(|a| a.delivered_at_ms.is_some())));
    sender.shutdown();

    let rows = stored(&path);
    assert_eq!(rows[0].attempts, 3);
    assert_eq!(rows[0].last_error, None);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.body == rows[0].payload));
    let key = rows[0].key.as_deref().expect("stored with its key");
    let key = format!("\r\nidempotency-key: {key}\r\n");
    assert!(requests.iter().all(|r| r.head.contains(&key)), "{key}");
}

fn pending_alert_is_delivered_after_a_restart(backend: Backend) {
    // A port with nothing listening on it, to be listened on later.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{addr}/hook");
    let (_dir, path) = call_log(backend);

    let first = AlertSender::spawn(&path, fast()).unwrap();
    first.send(&url, &alert("restart@example.org"));
    assert!(eventually(|| stored(&path)
        .first()
        .is_some_and(|a| a.last_error.is_some())));
    first.shutdown();
    let rows = stored(&path);
    assert_eq!(rows[0].delivered_at_ms, None);
    assert!(rows[0].attempts >= 1);

    let receiver = Receiver::on(TcpListener::bind(addr).unwrap(), &[], Some(200));
    let second = AlertSender::spawn(&path, fast()).unwrap();
    assert!(eventually(|| stored(&path)
        .first()
        .is_some_and(|a| a.delivered_at_ms.is_some())));
    second.shutdown();
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body, stored(&path)[0].payload);
    assert_eq!(stored(&path).len(), 1);
}

fn a_receiver_that_never_answers_does_not_hold_up_other_alerts(backend: Backend) {
    let stuck = Receiver::hanging();
    let working = Receiver::start(&[], 204);
    let (_dir, path) = call_log(backend);
    let settings = DeliverySettings {
        timeout: Duration::from_millis(300),
        ..fast()
    };
    let sender = AlertSender::spawn(&path, settings).unwrap();
    sender.send(&stuck.url(), &alert("stuck@example.org"));
    // The first attempt is under way when the second alert arrives.
    assert!(eventually(|| !stuck.requests().is_empty()));
    sender.send(&working.url(), &alert("working@example.org"));
    assert!(eventually(|| stored(&path).iter().any(|a| a.call_id
        == "working@example.org"
        && a.delivered_at_ms.is_some())));

    let started = Instant::now();
    sender.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5));

    let rows = stored(&path);
    let stuck_row = rows
        .iter()
        .find(|a| a.call_id == "stuck@example.org")
        .unwrap();
    assert_eq!(stuck_row.delivered_at_ms, None);
    assert!(stuck_row.attempts >= 1);
    assert!(stuck_row
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("timeout")));
    assert_eq!(working.requests().len(), 1);
}

fn no_attempt_after_max_attempts(backend: Backend) {
    let receiver = Receiver::start(&[], 500);
    let (_dir, path) = call_log(backend);
    let settings = DeliverySettings {
        max_attempts: 3,
        first_backoff: Duration::from_millis(20),
        ..fast()
    };
    let sender = AlertSender::spawn(&path, settings).unwrap();
    sender.send(&receiver.url(), &alert("limit@example.org"));
    assert!(eventually(|| stored(&path)
        .first()
        .is_some_and(|a| a.next_attempt_at_ms == GAVE_UP_MS)));
    // Time for several more attempts, were any made.
    std::thread::sleep(Duration::from_millis(500));
    sender.shutdown();

    let rows = stored(&path);
    assert_eq!(rows[0].attempts, 3);
    assert_eq!(rows[0].delivered_at_ms, None);
    assert_eq!(rows[0].last_error.as_deref(), Some("HTTP status 500"));
    assert_eq!(receiver.requests().len(), 3);

    // A new start does not try it either.
    let again = AlertSender::spawn(&path, fast()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    again.shutdown();
    assert_eq!(receiver.requests().len(), 3);
    assert_eq!(stored(&path)[0].attempts, 3);
}

fn alert_older_than_max_age_is_not_tried(backend: Backend) {
    let receiver = Receiver::start(&[], 200);
    let (_dir, path) = call_log(backend);
    let created = crate::store::unix_millis(SystemTime::now()) - 2 * 3600 * 1000;
    connect(&path)
        .execute(
            "INSERT INTO alerts (call_id, url, payload, created_at_ms, next_attempt_at_ms)
             VALUES ('old@example.org', ?1, '{}', ?2, ?2)",
            crate::sql::params![receiver.url(), created],
        )
        .unwrap();
    let sender = AlertSender::spawn(&path, fast()).unwrap();
    assert!(eventually(
        || stored(&path)[0].next_attempt_at_ms == GAVE_UP_MS
    ));
    sender.shutdown();
    let rows = stored(&path);
    assert_eq!(rows[0].attempts, 0);
    assert!(rows[0].last_error.is_some());
    assert!(receiver.requests().is_empty());
}

fn https_to_a_plain_http_receiver_fails_and_stays_pending(backend: Backend) {
    let receiver = Receiver::start(&[], 200);
    let (_dir, path) = call_log(backend);
    let sender = AlertSender::spawn(&path, fast()).unwrap();
    let url = format!("https://{}/hook", receiver.addr);
    sender.send(&url, &alert("tls@example.org"));
    assert!(eventually(|| stored(&path)
        .first()
        .is_some_and(|a| a.last_error.is_some())));
    sender.shutdown();
    let rows = stored(&path);
    assert_eq!(rows[0].delivered_at_ms, None);
    assert!(rows[0].next_attempt_at_ms < GAVE_UP_MS);
    assert!(receiver.requests().is_empty());
}

crate::store::testdb::both_backends!(
    alert_is_posted_once_as_json_and_marked_delivered,
    failed_attempts_are_retried_until_delivered,
    pending_alert_is_delivered_after_a_restart,
    a_receiver_that_never_answers_does_not_hold_up_other_alerts,
    no_attempt_after_max_attempts,
    alert_older_than_max_age_is_not_tried,
    https_to_a_plain_http_receiver_fails_and_stays_pending,
);
