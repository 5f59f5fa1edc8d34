//! Tests of SDP offer/answer: real offers from SIPp and phones, holds,
//! IPv6, unsupported media and malformed input.

use super::*;

/// An SDP body from indented lines, CRLF-terminated.
fn sdp(text: &str) -> Vec<u8> {
    text.trim()
        .lines()
        .map(|l| format!("{}\r\n", l.trim()))
        .collect::<String>()
        .into_bytes()
}

fn offer(media: &str) -> Vec<u8> {
    sdp(&format!(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n{media}"
    ))
}

fn addr(s: &str) -> Option<SocketAddr> {
    s.parse().ok()
}

const SIPP: &str = "v=0
    o=user1 53655765 2353687637 IN IP4 127.0.0.1
    s=-
    c=IN IP4 127.0.0.1
    t=0 0
    m=audio 6000 RTP/AVP 0
    a=rtpmap:0 PCMU/8000";

const BARESIP: &str = "v=0
    o=- 1716 3254 IN IP4 192.0.2.10
    s=-
    c=IN IP4 192.0.2.10
    t=0 0
    a=tool:baresip 3.10.1
    m=audio 10032 RTP/AVP 96 0 8 101
    b=AS:128
    a=rtpmap:96 opus/48000/2
    a=fmtp:96 stereo=1;sprop-stereo=1
    a=rtpmap:0 PCMU/8000
    a=rtpmap:8 PCMA/8000
    a=rtpmap:101 telephone-event/8000
    a=fmtp:101 0-15
    a=sendrecv
    a=label:1
    a=ssrc:1394245913 cname:b0a7a7b2-5e0f-4e2c";

#[test]
fn sipp_offer() {
    let n = negotiate(&sdp(SIPP)).unwrap();
    let expected = Negotiated {
        codec: Codec::Pcmu,
        payload_type: 0,
        telephone_event: None,
        remote: addr("127.0.0.1:6000"),
        remote_direction: Direction::SendRecv,
        ptime: None,
    };
    assert_eq!(n, expected);
}

#[test]
fn baresip_offer_skips_opus() {
    let n = negotiate(&sdp(BARESIP)).unwrap();
    assert_eq!(
        (n.codec, n.payload_type, n.telephone_event),
        (Codec::Pcmu, 0, Some(101))
    );
    assert_eq!(n.remote, addr("192.0.2.10:10032"));
    assert_eq!(n.remote_direction, Direction::SendRecv);
}

#[test]
fn answer_bytes_for_baresip() {
    let n = negotiate(&sdp(BARESIP)).unwrap();
    let answer = build_answer(&n, "198.51.100.7:20000".parse().unwrap(), 42, 1);
    let expected = "v=0\r\no=- 42 1 IN IP4 198.51.100.7\r\ns=-\r\n\
        c=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0 101\r\n\
        a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
        a=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
    assert_eq!(answer, expected);
    let back = parse_answer(answer.as_bytes()).unwrap();
    assert_eq!((back.codec, back.payload_type), (n.codec, n.payload_type));
    assert_eq!((back.telephone_event, back.ptime), (Some(101), Some(20)));
    assert_eq!(back.remote, addr("198.51.100.7:20000"));
}

#[test]
fn offer_order_decides_the_codec() {
    let n = negotiate(&offer("m=audio 4000 RTP/AVP 8 0 101\na=ptime:30")).unwrap();
    assert_eq!(
        (n.codec, n.payload_type, n.ptime),
        (Codec::Pcma, 8, Some(30))
    );
    // PT 101 without an rtpmap is not telephone-event.
    assert_eq!(n.telephone_event, None);
}

#[test]
fn dynamic_payload_type_for_pcmu() {
    let n = negotiate(&offer(
        "m=audio 4000 RTP/AVP 18 110 96\na=rtpmap:18 G729/8000\n\
         a=rtpmap:110 pcmu/8000/1\na=rtpmap:96 Telephone-Event/8000",
    ))
    .unwrap();
    assert_eq!(
        (n.codec, n.payload_type, n.telephone_event),
        (Codec::Pcmu, 110, Some(96))
    );
    let answer = build_answer(&n, "192.0.2.2:30000".parse().unwrap(), 1, 2);
    assert!(answer.contains("m=audio 30000 RTP/AVP 110 96\r\na=rtpmap:110 PCMU/8000\r\n"));
    let back = negotiate(answer.as_bytes()).unwrap();
    assert_eq!((back.codec, back.payload_type), (Codec::Pcmu, 110));
}

#[test]
fn rtpmap_must_be_8000_hz_mono() {
    let m = "m=audio 4000 RTP/AVP 96 97 98 101\na=rtpmap:96 PCMU/16000\n\
             a=rtpmap:97 PCMA/8000/2\na=rtpmap:98 PCMA/8000\na=rtpmap:101 telephone-event/48000";
    let n = negotiate(&offer(m)).unwrap();
    assert_eq!(
        (n.codec, n.payload_type, n.telephone_event),
        (Codec::Pcma, 98, None)
    );
}

#[test]
fn no_common_codec() {
    let m = "m=audio 4000 RTP/AVP 18 96\na=rtpmap:18 G729/8000\na=rtpmap:96 opus/48000/2";
    let err = negotiate(&offer(m)).unwrap_err();
    assert!(matches!(err, SdpError::NoCommonCodec) && err.is_unsupported());
}

#[test]
fn hold_offers() {
    let n = negotiate(&offer("m=audio 4000 RTP/AVP 0\na=sendonly")).unwrap();
    assert_eq!(n.remote_direction, Direction::SendOnly);
    assert!(n.remote_direction.is_hold());
    assert_eq!(n.remote, addr("192.0.2.1:4000"));
    let answer = build_answer(&n, "192.0.2.2:5000".parse().unwrap(), 1, 2);
    assert!(answer.ends_with("a=ptime:20\r\na=recvonly\r\n"));

    let n = negotiate(&offer("m=audio 4000 RTP/AVP 0\na=inactive")).unwrap();
    assert_eq!(n.remote_direction, Direction::Inactive);
    let answer = build_answer(&n, "192.0.2.2:5000".parse().unwrap(), 1, 2);
    assert!(answer.ends_with("a=inactive\r\n"));
    let back = parse_answer(answer.as_bytes()).unwrap();
    assert_eq!(back.remote_direction, Direction::Inactive);
}

#[test]
fn session_level_direction_and_media_override() {
    let base = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\na=recvonly\n";
    let n = negotiate(&sdp(&format!("{base}m=audio 4000 RTP/AVP 0"))).unwrap();
    assert_eq!(n.remote_direction, Direction::RecvOnly);
    assert!(!n.remote_direction.is_hold());
    let n = negotiate(&sdp(&format!("{base}m=audio 4000 RTP/AVP 0\na=sendrecv"))).unwrap();
    assert_eq!(n.remote_direction, Direction::SendRecv);
}

#[test]
fn old_style_hold_and_disabled_stream() {
    let text = String::from_utf8(sdp(SIPP))
        .unwrap()
        .replace("127.0.0.1\r\nt", "0.0.0.0\r\nt");
    let n = negotiate(text.as_bytes()).unwrap();
    assert_eq!((n.remote, n.remote_direction), (None, Direction::Inactive));
    assert!(build_answer(&n, "192.0.2.2:5000".parse().unwrap(), 1, 2).ends_with("a=inactive\r\n"));
    // c=0.0.0.0 with sendonly: they still send us music on hold.
    let n = negotiate(&sdp(&format!("{text}a=sendonly"))).unwrap();
    assert_eq!((n.remote, n.remote_direction), (None, Direction::SendOnly));
    // Port 0: stream disabled; an enabled audio line is preferred.
    let n = negotiate(&offer("m=audio 0 RTP/AVP 0")).unwrap();
    assert_eq!((n.remote, n.remote_direction), (None, Direction::Inactive));
    let n = negotiate(&offer("m=audio 0 RTP/AVP 0\nm=audio 7000 RTP/AVP 8")).unwrap();
    assert_eq!((n.codec, n.remote), (Codec::Pcma, addr("192.0.2.1:7000")));
}

#[test]
fn ipv6_connection() {
    let n = negotiate(&sdp(
        "v=0\no=- 1 1 IN IP6 2001:db8::1\ns=-\nc=IN IP6 2001:db8::1\n\
                            t=0 0\nm=audio 5004 RTP/AVP 8 0",
    ))
    .unwrap();
    assert_eq!(n.remote, addr("[2001:db8::1]:5004"));
    let answer = build_answer(&n, "[2001:db8::2]:6000".parse().unwrap(), 7, 3);
    assert!(
        answer.starts_with("v=0\r\no=- 7 3 IN IP6 2001:db8::2\r\ns=-\r\nc=IN IP6 2001:db8::2\r\n")
    );
    assert_eq!(
        parse_answer(answer.as_bytes()).unwrap().remote,
        addr("[2001:db8::2]:6000")
    );
    let n = negotiate(&sdp(
        "v=0\no=- 1 1 IN IP6 ::1\ns=-\nc=IN IP6 ::\nt=0 0\nm=audio 5004 RTP/AVP 0",
    ));
    assert_eq!(n.unwrap().remote, None);
}

#[test]
fn media_level_connection_wins() {
    let n = negotiate(&offer("m=audio 4000 RTP/AVP 0\nc=IN IP4 203.0.113.9")).unwrap();
    assert_eq!(n.remote, addr("203.0.113.9:4000"));
}

/// The error's variant name and whether it counts as "not supported".
fn error(input: &[u8]) -> (String, bool) {
    let e = negotiate(input).unwrap_err();
    let name = format!("{e:?}")
        .split('(')
        .next()
        .unwrap_or_default()
        .to_owned();
    (name, e.is_unsupported())
}

#[test]
fn errors_tell_invalid_from_unsupported() {
    let no_c = b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let with_c = |c: &str| offer(&format!("m=audio 4000 RTP/AVP 0\nc=IN IP4 {c}"));
    let cases: [(Vec<u8>, &str, bool); 10] = [
        (b"".to_vec(), "Invalid", false),
        (b"\x00\xff\xfe garbage \x80".to_vec(), "Invalid", false),
        (b"v=0\r\no=broken\r\n".to_vec(), "Invalid", false),
        (no_c.to_vec(), "MissingConnection", false),
        (with_c("2001:db8::1"), "InvalidAddress", false),
        (with_c("300.1.1.1:"), "InvalidAddress", false),
        (offer("m=video 4000 RTP/AVP 31"), "NoAudio", true),
        (
            offer("m=audio 4000 RTP/SAVP 0"),
            "UnsupportedTransport",
            true,
        ),
        (with_c("224.2.1.1/127"), "UnsupportedAddress", true),
        (with_c("media.example.net"), "UnsupportedAddress", true),
    ];
    for (input, name, unsupported) in cases {
        assert_eq!(error(&input), (name.to_owned(), unsupported), "{input:?}");
    }
}

#[test]
fn mangled_offers_never_panic() {
    let base = sdp(BARESIP);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..3000 {
        let mut bytes = base.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state % bytes.len() as u64) as usize;
            match state >> 60 {
                0..=5 => bytes[i] = (state >> 32) as u8,
                6..=9 => bytes.truncate(i),
                _ => {
                    bytes.remove(i);
                }
            }
            if bytes.is_empty() {
                break;
            }
        }
        let _ = negotiate(&bytes);
    }
}

#[test]
fn offer_round_trips() {
    let local = "192.0.2.5:16384".parse().unwrap();
    let offer = build_offer(
        local,
        &[Codec::Pcma, Codec::Pcmu],
        Direction::SendRecv,
        9,
        1,
    );
    let expected = "v=0\r\no=- 9 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n\
        m=audio 16384 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n\
        a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
    assert_eq!(offer, expected);
    let n = negotiate(offer.as_bytes()).unwrap();
    assert_eq!(
        (n.codec, n.payload_type, n.telephone_event),
        (Codec::Pcma, 8, Some(101))
    );
    // Their answer to it, built by the same code, reads back too.
    let answer = build_answer(&n, "192.0.2.6:4000".parse().unwrap(), 3, 1);
    let a = parse_answer(answer.as_bytes()).unwrap();
    assert_eq!(
        (a.codec, a.payload_type, a.remote_direction),
        (Codec::Pcma, 8, Direction::SendRecv)
    );

    let hold = build_offer(local, &[], Direction::SendOnly, 9, 2);
    assert!(hold.contains("RTP/AVP 0 8 101\r\n") && hold.ends_with("a=sendonly\r\n"));
    let n = negotiate(hold.as_bytes()).unwrap();
    assert_eq!(n.remote_direction.answer_to(), Direction::RecvOnly);
}

#[test]
fn direction_answers() {
    use Direction::*;
    let pairs = [
        (SendRecv, SendRecv),
        (SendOnly, RecvOnly),
        (RecvOnly, SendOnly),
        (Inactive, Inactive),
    ];
    for (offered, answered) in pairs {
        assert_eq!(offered.answer_to(), answered);
    }
    assert!(SendOnly.is_hold() && Inactive.is_hold() && !SendRecv.is_hold() && !RecvOnly.is_hold());
}
