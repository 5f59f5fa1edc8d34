//! Unit tests for INVITE bodies and Accept, address, Via and Date headers,
//! header line encoding, and what the guard answers (or does not): the
//! error responses, ACKs, responses, keep-alives and the reasons' statuses.

use super::*;

#[test]
fn invite_bodies_must_be_sdp() {
    let v = check(&request("INVITE", &["Content-Type: text/plain"], "hello"));
    assert_eq!(status(&v), Some(415));
    assert!(response_text(&v).contains("\r\nAccept: application/sdp\r\n"));
    let v = check(&request(
        "INVITE",
        &["Content-Type: application/sdp", "Content-Encoding: gzip"],
        SDP,
    ));
    assert_eq!(status(&v), Some(415));
    let multipart = format!(
        "--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1\r\nContent-Type: application/SDP\r\n\r\n{SDP}\r\n--b1--\r\n"
    );
    let mixed = ["Content-Type: multipart/mixed;boundary=\"b1\""];
    assert_eq!(
        check(&request("INVITE", &mixed, &multipart)),
        Verdict::Accept
    );
    let no_sdp = multipart.replace("application/SDP", "text/html");
    assert_eq!(
        status(&check(&request("INVITE", &mixed, &no_sdp))),
        Some(415)
    );
    // Only INVITE bodies are the guard's business; optional bodies may be ignored.
    assert_eq!(
        check(&request(
            "INFO",
            &["Content-Type: application/dtmf-relay"],
            "Signal=1\r\n"
        )),
        Verdict::Accept
    );
    let optional = [
        "Content-Type: text/plain",
        "Content-Disposition: render;handling=optional",
    ];
    assert_eq!(check(&request("INVITE", &optional, "hi")), Verdict::Accept);
}

#[test]
fn invite_accept_must_admit_sdp() {
    assert_eq!(
        status(&check(&request("INVITE", &["Accept: text/plain"], ""))),
        Some(406)
    );
    assert_eq!(
        status(&check(&request("INVITE", &["Accept:"], ""))),
        Some(406)
    );
    for ok in [
        "Accept: application/*",
        "Accept: */*",
        "Accept: text/plain, application/sdp;q=0.5",
    ] {
        assert_eq!(
            check(&request("INVITE", &[ok], "")),
            Verdict::Accept,
            "{ok}"
        );
    }
    assert_eq!(check(&options(&["Accept: text/plain"])), Verdict::Accept);
}

#[test]
fn address_headers_are_checked() {
    for bad in [
        "To: \"unterminated <sip:bob@example.com>",
        "To: < sip:bob@example.com >",
        "To: Bob, Jr <sip:bob@example.com>",
        "To: sip:bob@example.com;;",
    ] {
        let mut h: Vec<&str> = BASE
            .iter()
            .copied()
            .filter(|h| !h.starts_with("To"))
            .collect();
        h.push(bad);
        let v = check(&msg("OPTIONS sip:bob@example.com SIP/2.0", &h, ""));
        assert_eq!(
            reason(&v),
            Some(&RejectReason::MalformedHeader("To")),
            "{bad}"
        );
    }
    let v = check(&options(&["Contact: sip:a@example.com?Route=%3Csip:x%3E"]));
    assert_eq!(reason(&v), Some(&RejectReason::MalformedHeader("Contact")));
    let ok = ["Contact: <sip:a@example.com?Route=%3Csip:x%3E>;expires=60, \"B\" <sips:b@[2001:db8::2]>;q=0.5"];
    assert_eq!(check(&options(&ok)), Verdict::Accept);
    assert_eq!(
        check(&options(&[
            "Contact: caller<sip:c@example.com>",
            "Route: <sip:p.example.com;lr>"
        ])),
        Verdict::Accept
    );
    let quoted_angle = ["Contact: sip:d@example.com;note=\"<b>\""];
    assert_eq!(check(&options(&quoted_angle)), Verdict::Accept);
}

#[test]
fn via_and_date_syntax() {
    let v = check(&options(&["Via: SIP/2.0/UDP 192.0.2.9;;branch=x"]));
    assert_eq!(reason(&v), Some(&RejectReason::MalformedHeader("Via")));
    let ok = ["Via: SIP/2.0/TCP [2001:db8::9]:5070;received=2001:db8::1;rport, SIP/2.0/SCTP h.example.com"];
    assert_eq!(check(&options(&ok)), Verdict::Accept);
    assert_eq!(
        check(&options(&["Date: Sat, 13 Nov 2010 23:29:00 GMT"])),
        Verdict::Accept
    );
    let v = check(&options(&["Date: Sat, 13 Nov 2010 23:29:00 EST"]));
    assert_eq!(reason(&v), Some(&RejectReason::MalformedHeader("Date")));
}

#[test]
fn header_lines_must_be_utf8_and_named() {
    let mut data = options(&["Subject: cafX"]);
    let at = data
        .windows(4)
        .position(|w| w == b"cafX")
        .unwrap_or_default();
    if let Some(b) = data.get_mut(at + 3) {
        *b = 0xff;
    }
    assert_eq!(reason(&check(&data)), Some(&RejectReason::InvalidUtf8));
    assert_eq!(
        reason(&check(&options(&["no colon here"]))),
        Some(&RejectReason::MalformedHeaderLine)
    );
    assert_eq!(
        reason(&check(&options(&["Bad Name: x"]))),
        Some(&RejectReason::MalformedHeaderLine)
    );
}

#[test]
fn an_rfc2543_request_without_from_tag_is_400() {
    let h = BASE.map(|h| {
        if h.starts_with("From") {
            "From: <sip:alice@example.com>"
        } else {
            h
        }
    });
    let v = check(&msg("OPTIONS sip:bob@example.com SIP/2.0", &h, ""));
    assert_eq!(reason(&v), Some(&RejectReason::MissingFromTag));
}

#[test]
fn the_reply_echoes_the_request_and_adds_a_stable_to_tag() {
    let data = msg(
        "FOO sip:bob@example.com SIP/2.0",
        &[
            "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-a",
            "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK-b,\r\n SIP/2.0/TCP 192.0.2.3",
            "f: <sip:alice@example.com>;tag=x",
            "t: <sip:bob@example.com>",
            "i: call-7",
            "CSeq: 7 FOO",
        ],
        "",
    );
    let v = check(&data);
    let text = response_text(&v);
    assert!(
        text.starts_with("SIP/2.0 501 Not Implemented\r\n"),
        "{text}"
    );
    let expected = [
        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-a",
        "Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK-b, SIP/2.0/TCP 192.0.2.3",
        "From: <sip:alice@example.com>;tag=x",
        "Call-ID: call-7",
        "CSeq: 7 FOO",
    ];
    for line in expected {
        assert!(
            text.contains(&format!("\r\n{line}\r\n")),
            "{line} missing in {text}"
        );
    }
    assert!(
        text.contains("\r\nTo: <sip:bob@example.com>;tag="),
        "{text}"
    );
    assert!(text.ends_with("\r\nContent-Length: 0\r\n\r\n"));
    assert_eq!(check(&data), v, "a retransmission gets the same answer");
    // An existing To tag is kept as it is.
    let with_tag = String::from_utf8_lossy(&data).replace(
        "t: <sip:bob@example.com>",
        "t: <sip:bob@example.com>;tag=b9",
    );
    let text = response_text(&check(with_tag.as_bytes()));
    assert!(
        text.contains("\r\nTo: <sip:bob@example.com>;tag=b9\r\n"),
        "{text}"
    );
}

#[test]
fn an_unparseable_request_is_still_answered_from_its_header_lines() {
    // rsipstack cannot read this start line; the guard still finds v/CSeq/i.
    let data = b"INVITE  sip:bob@example.com SIP/2.0\r\nv: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-u\r\nCSeq: 1 INVITE\r\ni: u1\r\n\r\n";
    let v = check(data);
    assert_eq!(status(&v), Some(400));
    assert!(response_text(&v).contains("\r\nCall-ID: u1\r\n"));
}

#[test]
fn ack_is_never_answered() {
    let v = check(&request("ACK", &["Require: foo", "Content-Length: 5"], ""));
    assert!(
        matches!(
            v,
            Verdict::Drop {
                reason: RejectReason::ContentLengthMismatch
            }
        ),
        "{v:?}"
    );
    assert_eq!(
        check(&request("ACK", &["Require: foo"], "")),
        Verdict::Accept
    );
}

#[test]
fn responses_are_accepted_or_dropped_never_answered() {
    let ok = b"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(check(ok), Verdict::Accept);
    let text = String::from_utf8_lossy(ok).into_owned();
    for (from, to) in [
        ("180 Ringing", "1800 Ringing"),
        ("Content-Length: 0", "Content-Length: 10"),
        ("CSeq: 1 INVITE", "CSeq: x INVITE"),
        (
            "branch=z9hG4bK-1",
            "branch=z9hG4bK-1, SIP/2.0/UDP 192.0.2.2",
        ),
        ("SIP/2.0 180", "SIP/3.0 180"),
        ("SIP/2.0 180", "sip/2.0 180"),
    ] {
        let v = check(text.replace(from, to).as_bytes());
        assert!(matches!(v, Verdict::Drop { .. }), "{to}: {v:?}");
    }
}

#[test]
fn keepalives_pass_and_garbage_is_dropped() {
    assert_eq!(check(b"\r\n\r\n"), Verdict::Accept);
    assert_eq!(
        check(b""),
        Verdict::Drop {
            reason: RejectReason::Unparseable
        }
    );
    for junk in [
        &b"hello"[..],
        b"\x00\xff\xfe",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        assert!(matches!(check(junk), Verdict::Drop { .. }), "{junk:?}");
    }
}

#[test]
fn reasons_map_to_statuses_and_display() {
    assert_eq!(RejectReason::UnsupportedVersion.status(), 505);
    assert_eq!(
        RejectReason::MissingHeader("Via").to_string(),
        "missing Via header"
    );
    let ext = RejectReason::UnsupportedExtension(vec!["a".into(), "b".into()]);
    assert_eq!(
        (ext.status(), ext.to_string().as_str()),
        (420, "unsupported option tags: a, b")
    );
}

fn invite_with(cseq: &str, to: &str) -> Vec<u8> {
    let headers = [
        BASE[0],
        BASE[1],
        to,
        BASE[3],
        cseq,
        BASE[5],
        "Content-Type: application/sdp",
    ];
    msg("INVITE sip:bob@example.com SIP/2.0", &headers, SDP)
}

fn new_invite(datagram: &[u8]) -> Option<NewInvite> {
    screen(datagram, &GuardConfig::default()).1
}

#[test]
fn a_new_invite_is_known_by_its_transaction_an_in_dialog_one_is_not_new() {
    let first = invite_with("CSeq: 1 INVITE", "To: <sip:bob@example.com>");
    let key = new_invite(&first).expect("a new INVITE").key;
    assert_eq!(new_invite(&first.clone()).map(|n| n.key), Some(key));
    let next = invite_with("CSeq: 2 INVITE", "To: <sip:bob@example.com>");
    assert_ne!(new_invite(&next).map(|n| n.key), Some(key));
    let in_dialog = invite_with("CSeq: 2 INVITE", "To: <sip:bob@example.com>;tag=b9");
    assert_eq!(new_invite(&in_dialog), None);
    assert_eq!(new_invite(&options(&[])), None);
}

#[test]
fn the_shed_reply_is_a_503_with_retry_after_and_a_stable_to_tag() {
    let invite = invite_with("CSeq: 1 INVITE", "To: <sip:bob@example.com>");
    let cfg = GuardConfig::default();
    let reply = String::from_utf8(shed_reply(&invite, 9, &cfg)).expect("utf-8");
    assert!(
        reply.starts_with("SIP/2.0 503 Service Unavailable\r\n"),
        "{reply}"
    );
    assert!(reply.contains("\r\nRetry-After: 9\r\n"), "{reply}");
    assert!(reply.contains("\r\nCSeq: 1 INVITE\r\n"), "{reply}");
    assert!(
        reply.contains("\r\nTo: <sip:bob@example.com>;tag=lw"),
        "{reply}"
    );
    assert_eq!(shed_reply(&invite, 9, &cfg), reply.clone().into_bytes());
}
