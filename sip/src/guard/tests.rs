//! Unit tests for the individual rules, on small hand-written messages:
//! framing, the common headers, methods and the request line here; bodies,
//! address headers and the responses we build in `tests/content.rs`.

use super::*;

mod content;

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

/// A request: start line, header lines, body (Content-Length added unless a
/// header line already sets it).
fn msg(start: &str, headers: &[&str], body: &str) -> Vec<u8> {
    let mut out = format!("{start}\r\n");
    for h in headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    let has_cl = headers.iter().any(|h| {
        let name = h.split(':').next().unwrap_or_default().trim();
        name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l")
    });
    if !has_cl {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

const BASE: [&str; 6] = [
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1",
    "From: \"Alice\" <sip:alice@example.com>;tag=a1",
    "To: <sip:bob@example.com>",
    "Call-ID: c1@192.0.2.1",
    "CSeq: 1 OPTIONS",
    "Max-Forwards: 70",
];

fn options(extra: &[&str]) -> Vec<u8> {
    let mut h = BASE.to_vec();
    h.extend_from_slice(extra);
    msg("OPTIONS sip:bob@example.com SIP/2.0", &h, "")
}

/// BASE with CSeq set for `method`, plus `extra`.
fn request(method: &str, extra: &[&str], body: &str) -> Vec<u8> {
    let cseq = format!("CSeq: 1 {method}");
    let mut h: Vec<&str> = BASE
        .iter()
        .copied()
        .filter(|h| !h.starts_with("CSeq"))
        .collect();
    h.push(&cseq);
    h.extend_from_slice(extra);
    msg(&format!("{method} sip:bob@example.com SIP/2.0"), &h, body)
}

fn check(data: &[u8]) -> Verdict {
    inspect(data, &GuardConfig::default())
}

fn status(v: &Verdict) -> Option<u16> {
    match v {
        Verdict::Reply { status, .. } => Some(*status),
        _ => None,
    }
}

fn reason(v: &Verdict) -> Option<&RejectReason> {
    match v {
        Verdict::Reply { reason, .. } | Verdict::Drop { reason } => Some(reason),
        Verdict::Accept => None,
    }
}

fn response_text(v: &Verdict) -> String {
    match v {
        Verdict::Reply { response, .. } => String::from_utf8_lossy(response).into_owned(),
        other => panic!("expected a reply, got {other:?}"),
    }
}

#[test]
fn a_plain_options_is_accepted() {
    assert_eq!(check(&options(&[])), Verdict::Accept);
}

#[test]
fn compact_header_names_are_understood() {
    let data = msg(
        "INVITE sip:bob@example.com SIP/2.0",
        &[
            "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-2",
            "f: <sip:alice@example.com>;tag=x",
            "t: sip:bob@example.com",
            "i: c2",
            "CSeq: 2 INVITE",
            "m: <sip:alice@192.0.2.1>",
            "c: application/sdp",
            "k: timer",
        ],
        SDP,
    );
    assert_eq!(check(&data), Verdict::Accept);
}

#[test]
fn folded_header_lines_are_joined() {
    let data = options(&[
        "Contact:\r\n  <sip:alice@192.0.2.1>",
        "Accept: application/sdp,\r\n\tmultipart/mixed",
        "Subject: a\r\n  long subject",
    ]);
    assert_eq!(check(&data), Verdict::Accept);
    let data = msg(
        "OPTIONS sip:bob@example.com SIP/2.0",
        &[
            "Via  : SIP / 2.0\r\n /UDP\r\n  192.0.2.1 ;\r\n branch = z9hG4bK-3",
            "From: sip:alice@example.com\r\n ;tag = x",
            "To: sip:bob@example.com",
            "Call-ID: c3",
            "cseq: 0009\r\n OPTIONS",
        ],
        "",
    );
    assert_eq!(check(&data), Verdict::Accept);
}

#[test]
fn a_header_section_cannot_start_with_a_continuation() {
    let mut h = vec![" folded: nothing"];
    h.extend_from_slice(&BASE);
    let v = check(&msg("OPTIONS sip:bob@example.com SIP/2.0", &h, ""));
    assert_eq!(reason(&v), Some(&RejectReason::MalformedHeaderLine));
}

#[test]
fn content_length_longer_than_the_body_is_400() {
    let data = request(
        "INVITE",
        &["Content-Type: application/sdp", "Content-Length: 999"],
        SDP,
    );
    let v = check(&data);
    assert_eq!(status(&v), Some(400));
    assert_eq!(reason(&v), Some(&RejectReason::ContentLengthMismatch));
}

#[test]
fn octets_after_content_length_are_ignored() {
    let mut data = options(&[]);
    data.extend_from_slice(b"garbage after the message");
    assert_eq!(check(&data), Verdict::Accept);
}

#[test]
fn content_length_must_be_single_and_numeric() {
    let v = check(&options(&["Content-Length: 0", "l: 0"]));
    assert_eq!(reason(&v), Some(&RejectReason::MultipleContentLength));
    let v = check(&options(&["Content-Length: -1"]));
    assert_eq!(
        reason(&v),
        Some(&RejectReason::MalformedHeader("Content-Length"))
    );
}

#[test]
fn a_body_needs_content_length_and_content_type() {
    let head = BASE
        .join("\r\n")
        .replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE");
    let no_cl = format!("INVITE sip:bob@example.com SIP/2.0\r\n{head}\r\nContent-Type: application/sdp\r\n\r\n{SDP}");
    let v = check(no_cl.as_bytes());
    assert_eq!(
        reason(&v),
        Some(&RejectReason::MissingHeader("Content-Length"))
    );
    let v = check(&request("INVITE", &[], SDP));
    assert_eq!(
        reason(&v),
        Some(&RejectReason::MissingHeader("Content-Type"))
    );
}

#[test]
fn missing_mandatory_headers_are_400_if_answerable_else_dropped() {
    let without = |name: &str| {
        let h: Vec<&str> = BASE
            .iter()
            .copied()
            .filter(|h| !h.starts_with(name))
            .collect();
        check(&msg("OPTIONS sip:bob@example.com SIP/2.0", &h, ""))
    };
    for name in ["From", "To", "Call-ID"] {
        let v = without(name);
        assert_eq!(status(&v), Some(400), "{name}");
        assert!(matches!(reason(&v), Some(RejectReason::MissingHeader(n)) if *n == name));
    }
    // No Via or no CSeq: the client could not match a response.
    for name in ["Via", "CSeq"] {
        assert!(matches!(without(name), Verdict::Drop { .. }), "{name}");
    }
    // Max-Forwards is tolerated.
    assert_eq!(without("Max-Forwards"), Verdict::Accept);
}

#[test]
fn single_value_headers_may_appear_once() {
    for extra in [
        "To: <sip:carol@example.com>",
        "Max-Forwards: 5",
        "Call-ID: other",
        "CSeq: 2 OPTIONS",
    ] {
        let v = check(&options(&[extra]));
        assert!(
            matches!(reason(&v), Some(RejectReason::DuplicateSingleHeader(_))),
            "{extra}: {v:?}"
        );
    }
    let v = check(&options(&["Content-Type: text/plain", "c: text/plain"]));
    assert_eq!(
        reason(&v),
        Some(&RejectReason::DuplicateSingleHeader("Content-Type"))
    );
    // A list header may repeat.
    assert_eq!(
        check(&options(&["Supported: timer", "Supported: 100rel"])),
        Verdict::Accept
    );
}

#[test]
fn cseq_must_match_the_method_and_fit_32_bits() {
    let data = msg(
        "OPTIONS sip:bob@example.com SIP/2.0",
        &BASE.map(|h| {
            if h.starts_with("CSeq") {
                "CSeq: 1 INVITE"
            } else {
                h
            }
        }),
        "",
    );
    assert_eq!(
        reason(&check(&data)),
        Some(&RejectReason::CSeqMethodMismatch)
    );
    let data = msg(
        "OPTIONS sip:bob@example.com SIP/2.0",
        &BASE.map(|h| {
            if h.starts_with("CSeq") {
                "CSeq: 4294967296 OPTIONS"
            } else {
                h
            }
        }),
        "",
    );
    assert_eq!(
        reason(&check(&data)),
        Some(&RejectReason::MalformedHeader("CSeq"))
    );
}

#[test]
fn unknown_methods_are_501_and_unimplemented_ones_405_with_allow() {
    let v = check(&request("FROBNICATE", &[], ""));
    assert_eq!(status(&v), Some(501));
    assert!(response_text(&v)
        .contains("\r\nAllow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE\r\n"));
    let v = check(&request("REGISTER", &[], ""));
    assert_eq!(status(&v), Some(405));
    assert!(response_text(&v).contains("\r\nAllow: "));
    // Methods are case-sensitive.
    assert_eq!(status(&check(&request("invite", &[], ""))), Some(501));
    let cfg = GuardConfig {
        methods: vec!["REGISTER".into()],
        ..GuardConfig::default()
    };
    assert_eq!(
        inspect(&request("REGISTER", &[], ""), &cfg),
        Verdict::Accept
    );
}

#[test]
fn request_line_rules() {
    let line = |start: &str| check(&msg(start, &BASE, ""));
    assert_eq!(
        status(&line("OPTIONS sip:bob@example.com SIP/3.0")),
        Some(505)
    );
    assert_eq!(
        status(&line("OPTIONS http://example.com/ SIP/2.0")),
        Some(416)
    );
    for bad in [
        "OPTIONS  sip:bob@example.com SIP/2.0",
        "OPTIONS sip:bob@example.com SIP/2.0 ",
        "OPTIONS <sip:bob@example.com> SIP/2.0",
        "OPTIONS sip:bob@example.com;lr ; x SIP/2.0",
        "OPTIONS sip:bob@example.com?Route=x SIP/2.0",
        "OPTIONS sip:bob@exa mple.com SIP/2.0",
        "OPTIONS sip:bob@example.com HTTP/1.1",
    ] {
        assert_eq!(status(&line(bad)), Some(400), "{bad}");
    }
    for good in [
        "OPTIONS sips:bob@example.com:5061;transport=tls SIP/2.0",
        "OPTIONS sip:[2001:db8::1]:5060 SIP/2.0",
        "OPTIONS sip:user;par=u%40x@example.com SIP/2.0",
        "OPTIONS tel:+15551234567 SIP/2.0",
    ] {
        assert_eq!(line(good), Verdict::Accept, "{good}");
    }
}

#[test]
fn require_names_only_supported_extensions() {
    let v = check(&options(&["Require: timer, foo"]));
    assert_eq!(status(&v), Some(420));
    assert!(response_text(&v).contains("\r\nUnsupported: timer, foo\r\n"));
    let cfg = GuardConfig {
        extensions: vec!["timer".into()],
        ..GuardConfig::default()
    };
    assert_eq!(
        inspect(&options(&["Require: timer"]), &cfg),
        Verdict::Accept
    );
    // A UAS ignores Proxy-Require, and Require on CANCEL.
    assert_eq!(check(&options(&["Proxy-Require: foo"])), Verdict::Accept);
    assert_eq!(
        check(&request("CANCEL", &["Require: foo"], "")),
        Verdict::Accept
    );
}
