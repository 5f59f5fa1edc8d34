//! A webhook receiver for alert tests that takes any number of POSTs, one
//! thread per connection: it keeps each request's `Idempotency-Key` and
//! JSON body, and either answers 200 (after a pause, so deliveries
//! overlap) or, for the first `hang_first` requests, never answers (a
//! receiver that took the POST while its sender died).

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One POST as received.
#[derive(Clone, Debug)]
pub struct Hook {
    /// The `Idempotency-Key` header ("" without one).
    pub key: String,
    pub body: serde_json::Value,
}

pub struct WebhookSink {
    pub port: u16,
    hooks: Arc<Mutex<Vec<Hook>>>,
}

/// Reads one request's head and body; `None` on a broken request.
fn read_hook(stream: &TcpStream) -> Option<Hook> {
    let mut reader = std::io::BufReader::new(stream);
    let (mut key, mut length) = (String::new(), 0usize);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        // The request line has no colon before the path.
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "idempotency-key" => key = value.trim().to_owned(),
            _ => {}
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    let body = serde_json::from_slice(&body).ok()?;
    Some(Hook { key, body })
}

impl WebhookSink {
    /// Listens on a free loopback port. The first `hang_first` requests
    /// get no answer (their connections stay open); later ones get 200
    /// after `pause`.
    pub fn start(hang_first: usize, pause: Duration) -> WebhookSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let hooks = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&hooks);
        std::thread::spawn(move || {
            let held = Arc::new(Mutex::new(Vec::new()));
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (seen, held) = (Arc::clone(&seen), Arc::clone(&held));
                std::thread::spawn(move || {
                    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
                    let Some(hook) = read_hook(&stream) else {
                        return;
                    };
                    let n = {
                        let mut seen = seen.lock().expect("hooks");
                        seen.push(hook);
                        seen.len()
                    };
                    if n <= hang_first {
                        held.lock().expect("held").push(stream);
                        return;
                    }
                    std::thread::sleep(pause);
                    stream
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        )
                        .ok();
                });
            }
        });
        WebhookSink { port, hooks }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/alert", self.port)
    }

    /// Every request so far, in the order they came.
    pub fn hooks(&self) -> Vec<Hook> {
        self.hooks.lock().expect("hooks").clone()
    }

    /// Waits up to `limit` until `done` holds for the requests so far;
    /// whether it did.
    pub fn wait_until(&self, limit: Duration, done: impl Fn(&[Hook]) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if done(&self.hooks()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        done(&self.hooks())
    }
}

/// A webhook receiver on a free port: accepts one HTTP request, answers
/// 200, and hands back its head and body.
pub fn webhook_receiver() -> (u16, std::sync::mpsc::Receiver<(String, String)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = std::sync::mpsc::channel();
    use std::io::{BufRead, Read, Write};
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let mut reader = std::io::BufReader::new(stream);
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            let end = line == "\r\n";
            head.push_str(&line);
            if end {
                break;
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).ok();
        let mut stream = reader.into_inner();
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .ok();
        tx.send((head, String::from_utf8_lossy(&body).into_owned()))
            .ok();
    });
    (port, rx)
}
