//! Fuzz target `guard`: any datagram through the guard and, when the guard
//! accepts it, through what rsipstack and the call layer then do with it.
//!
//! [`check`] is the target; the cargo-fuzz target `fuzz/fuzz_targets/guard.rs`
//! includes this file and calls it, and the test below runs it over the
//! seed corpus `fuzz/corpus/guard/` and deterministic mutations of it.
//!
//! What must hold for every input:
//! - nothing panics: the guard, rsipstack's parser, its intake (Via
//!   stamping, transaction key), the typed header fields the call layer
//!   reads (From, To, Contact, Via, CSeq) and the body's SDP negotiation;
//! - a reply the guard builds is a response rsipstack reads back, with the
//!   status the guard chose (it echoes the request's Via, From, To, Call-ID
//!   and CSeq as they came, so the guard's own syntax rules need not hold);
//! - an accepted message is one rsipstack parses, and its serialization
//!   parses again to the same method or status, header fields and body
//!   (parse, serialize, parse is stable). The Request-URI is left out:
//!   rsipstack 0.7.14 escapes `%` again each time it writes one (`%3A`
//!   becomes `%253A`), and this service never sends a received one on.

use rsipstack::sip::prelude::*;
use rsipstack::sip::SipMessage;
use sip::guard::{inspect, GuardConfig, Verdict, KNOWN_METHODS};

/// The dictionary the mutator inserts from.
pub const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"\r\n ",
    b": ",
    b";",
    b",",
    b"<",
    b">",
    b"\"",
    b"\\",
    b"%",
    b"%00",
    b"=",
    b"@",
    b"sip:",
    b"sips:",
    b"tel:",
    b"SIP/2.0",
    b"SIP/2.0/UDP ",
    b"Via: ",
    b"v: ",
    b"From: ",
    b"To: ",
    b"Call-ID: ",
    b"CSeq: ",
    b"Contact: ",
    b"m: ",
    b"Content-Length: ",
    b"l: ",
    b"Content-Type: ",
    b"Require: ",
    b"Accept: ",
    b"Max-Forwards: ",
    b"Route: ",
    b"Record-Route: ",
    b";tag=",
    b";branch=z9hG4bK",
    b";rport",
    b";received=",
    b";expires=",
    b";lr",
    b"[2001:db8::1]",
    b":5060",
    b"INVITE",
    b"ACK",
    b"BYE",
    b"REGISTER",
    b"application/sdp",
    b"multipart/mixed;boundary=x",
    b"*",
];

/// Everything that must hold for one datagram (see the module doc).
pub fn check(data: &[u8]) {
    let every = GuardConfig {
        methods: KNOWN_METHODS.map(String::from).to_vec(),
        ..GuardConfig::default()
    };
    for cfg in [GuardConfig::default(), every] {
        match inspect(data, &cfg) {
            Verdict::Accept => accepted(data),
            Verdict::Reply {
                status, response, ..
            } => replied(status, &response),
            Verdict::Drop { .. } => {}
        }
    }
}

/// What rsipstack and the call layer do with a datagram the guard passed.
fn accepted(data: &[u8]) {
    if data.iter().all(|b| matches!(b, b'\r' | b'\n')) {
        return; // keep-alive, answered by the transport
    }
    let msg = SipMessage::try_from(data).expect("an accepted datagram parses");
    read_headers(&msg);
    // The offer goes on to SDP negotiation (the `sdp` target's subject).
    let _ = sip::media::sdp::negotiate(body(&msg));
    intake(msg.clone());
    // As the transport writes it: bytes, so a binary body stays as it is.
    let bytes = msg.to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    let again = SipMessage::try_from(bytes.as_slice())
        .unwrap_or_else(|e| panic!("serialization does not parse again: {e}\n{text}"));
    assert_eq!(start(&again), start(&msg), "start line changed:\n{text}");
    assert_eq!(
        fields(&again),
        fields(&msg),
        "header fields changed:\n{text}"
    );
    assert_eq!(body(&again), body(&msg), "body changed");
}

/// Method or status code of a message.
fn start(msg: &SipMessage) -> String {
    match msg {
        SipMessage::Request(r) => r.method.to_string(),
        SipMessage::Response(r) => r.status_code.code().to_string(),
    }
}

fn body(msg: &SipMessage) -> &[u8] {
    match msg {
        SipMessage::Request(r) => r.body(),
        SipMessage::Response(r) => r.body(),
    }
}

/// Every header field as text, outer whitespace trimmed (a folded value
/// keeps its leading space on the first serialization, not the second).
fn fields(msg: &SipMessage) -> Vec<String> {
    let field = |h: &rsipstack::sip::Header| {
        let text = h.to_string();
        match text.split_once(':') {
            Some((name, value)) => format!("{}:{}", name.trim(), value.trim()),
            None => text,
        }
    };
    msg.headers().iter().map(field).collect()
}

/// A response the guard sends must be one a client reads.
fn replied(status: u16, response: &[u8]) {
    match SipMessage::try_from(response) {
        Ok(SipMessage::Response(r)) => assert_eq!(r.status_code.code(), status),
        other => panic!("the guard's {status} is not a readable response: {other:?}"),
    }
}

/// The header fields the stack, the call layer and the registrar read.
fn read_headers(msg: &SipMessage) {
    for header in msg.headers().iter() {
        let _ = header.to_string();
    }
    let _ = msg.from_header().and_then(|h| h.typed());
    let _ = msg.to_header().and_then(|h| h.uri());
    let _ = msg.to_header().and_then(|h| h.tag());
    let _ = msg.contact_header().and_then(|h| h.typed());
    let _ = msg.typed_contact_headers();
    let _ = msg.typed_record_route_headers();
    let _ = msg.via_header().and_then(|h| h.typed());
    let _ = msg.cseq_header().and_then(|h| h.typed());
    let _ = msg.transaction_id();
    let _ = msg.has_multiple_vias();
    if let SipMessage::Request(r) = msg {
        let _ = r.uri.to_string();
    }
}

/// What rsipstack does with a parsed datagram before any transaction sees
/// it: stamp the top Via (UDP) and key the transaction on it. Errors are
/// fine (the stack drops the message); panics are not.
fn intake(msg: SipMessage) {
    use rsipstack::transaction::key::{TransactionKey, TransactionRole};
    use rsipstack::transport::connection::SipConnection;
    let from: std::net::SocketAddr = ([192, 0, 2, 99], 5060).into();
    let udp = rsipstack::sip::Transport::Udp;
    let Ok(msg) = SipConnection::update_msg_received(msg, from, udp) else {
        return;
    };
    let _ = match &msg {
        SipMessage::Request(r) => TransactionKey::from_request(r, TransactionRole::Server),
        SipMessage::Response(r) => TransactionKey::from_response(r, TransactionRole::Client),
    };
}

#[test]
fn guard_survives_its_corpus_and_mutations() {
    let report = fuzzkit::run("guard", &fuzzkit::seeds("guard"), TOKENS, check);
    assert!(report.seeds >= 30, "{report:?}");
}
