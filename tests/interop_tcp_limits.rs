//! Interop over loopback: SIP over TCP within its limits. A request sent
//! by halves and left stalled is closed after `request_timeout_secs`, an
//! idle connection after `idle_timeout_secs`, a source over its cap is
//! refused, and calls go on meanwhile.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{assert_ok, sipp, Service};

const LIMITS: &str = "challenge_digit = 5
[service.tcp]
request_timeout_secs = 2
idle_timeout_secs = 4
max_per_source = 3
";

fn options(to: SocketAddr, local: SocketAddr, n: u32) -> String {
    format!(
        "OPTIONS sip:probe@{to} SIP/2.0\r\nVia: SIP/2.0/TCP {local};branch=z9hG4bKtcp{n}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:probe@{local}>;tag=t{n}\r\nTo: <sip:probe@{to}>\r\n\
         Call-ID: tcp-{n}@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
}

/// A connection from the loopback alias `ip` (bound before connecting).
fn connect_from(ip: &str, svc: &Service) -> TcpStream {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let local: SocketAddr = format!("{ip}:0").parse().expect("addr");
    socket.bind(&local.into()).expect("bind a loopback alias");
    socket.connect(&svc.addr.into()).expect("connect");
    socket.into()
}

/// How long until the service closes `stream` (reads until EOF or a
/// reset), at most `limit`.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .ok();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

#[test]
fn a_stalled_half_request_is_closed_while_calls_go_on() {
    let mut svc = Service::start(LIMITS);
    let mut stalled = connect_from("127.0.0.1", &svc);
    let local = stalled.local_addr().expect("local");
    let request = options(svc.addr, local, 1);
    stalled
        .write_all(&request.as_bytes()[..request.len() / 2])
        .expect("half a request");

    // A call meanwhile.
    let out = sipp(&svc, "uac_pass.xml", "tcp-limits-1", &[]);
    assert_ok(&out, &svc, "a call while a request stalls");

    let closed = closed_within(&mut stalled, Duration::from_secs(60));
    assert!(closed.is_some(), "the stalled connection was never closed");
    assert!(svc.log().contains("request timeout"), "{}", svc.log());
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn a_whole_request_is_answered_and_an_idle_connection_closed() {
    let mut svc = Service::start(LIMITS);
    let mut conn = connect_from("127.0.0.1", &svc);
    let local = conn.local_addr().expect("local");
    conn.write_all(options(svc.addr, local, 2).as_bytes())
        .expect("send");
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = [0u8; 4096];
    let n = conn.read(&mut buf).expect("an answer");
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("SIP/2.0 200"), "{answer}");
    let closed = closed_within(&mut conn, Duration::from_secs(60));
    assert!(closed.is_some(), "the idle connection was never closed");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn a_source_over_its_cap_is_refused_and_another_is_answered() {
    let mut svc = Service::start(LIMITS);
    let mut held: Vec<TcpStream> = (0..3).map(|_| connect_from("127.0.0.2", &svc)).collect();
    // Let the service count them before the next one arrives.
    std::thread::sleep(Duration::from_millis(300));
    let mut over = connect_from("127.0.0.2", &svc);
    let closed = closed_within(&mut over, Duration::from_secs(1));
    assert!(closed.is_some(), "the fourth connection was taken");

    let mut other = connect_from("127.0.0.3", &svc);
    let local = other.local_addr().expect("local");
    other
        .write_all(options(svc.addr, local, 3).as_bytes())
        .expect("send");
    other.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = [0u8; 4096];
    let n = other.read(&mut buf).expect("an answer");
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("SIP/2.0 200"),
        "another source is answered"
    );
    for stream in &mut held {
        assert!(
            closed_within(stream, Duration::from_secs(60)).is_some(),
            "held connections time out"
        );
    }
    assert_eq!(svc.stop(), Some(0));
}
