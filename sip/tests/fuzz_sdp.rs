//! Fuzz target `sdp`: any body as an SDP offer or answer.
//!
//! [`check`] is the target; the cargo-fuzz target `fuzz/fuzz_targets/sdp.rs`
//! includes this file and calls it, and the test below runs it over the
//! seed corpus `fuzz/corpus/sdp/` and deterministic mutations of it.
//!
//! What must hold for every input:
//! - nothing panics, whatever the body;
//! - a negotiation names a usable remote address (no port 0, no
//!   unspecified or multicast address) and a positive ptime, if any;
//! - our answer to an offer we accepted reads back as the same codec,
//!   payload types, our address, the answered direction and our ptime;
//! - what the `sdp` crate reads, it writes as text it reads back to the
//!   same description, and that text negotiates as the original did
//!   (parse, serialize, parse is stable).

use std::io::Cursor;
use std::net::SocketAddr;

use sdp::SessionDescription;
use sip::media::sdp::{build_answer, negotiate, Negotiated};

/// The dictionary the mutator inserts from.
pub const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"v=0\r\n",
    b"o=- 1 1 IN IP4 192.0.2.1\r\n",
    b"c=IN IP4 ",
    b"c=IN IP6 ",
    b"m=audio ",
    b"m=video ",
    b" RTP/AVP ",
    b" RTP/SAVP ",
    b"a=rtpmap:",
    b"a=fmtp:",
    b"a=ptime:",
    b"a=sendonly",
    b"a=recvonly",
    b"a=inactive",
    b"a=sendrecv",
    b"telephone-event/8000",
    b"PCMU/8000",
    b"PCMA/8000/1",
    b"/8000/2",
    b"0.0.0.0",
    b"::",
    b"/127/3",
    b"t=0 0\r\n",
    b"r=7d 1h 0 25h\r\n",
    b"z=2882844526 -1h\r\n",
    b"b=AS:64\r\n",
    b"k=prompt\r\n",
    b" ",
    b"/",
    b":",
];

/// Everything that must hold for one body (see the module doc).
pub fn check(data: &[u8]) {
    let result = negotiate(data);
    match &result {
        Ok(n) => {
            usable(n);
            answer_reads_back(n);
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            let _ = e.is_unsupported();
        }
    }
    round_trip(data, &result);
}

fn usable(n: &Negotiated) {
    if let Some(remote) = n.remote {
        assert_ne!(remote.port(), 0, "{n:?}");
        assert!(!remote.ip().is_unspecified(), "{n:?}");
        assert!(!remote.ip().is_multicast(), "{n:?}");
    }
    assert_ne!(n.ptime, Some(0), "{n:?}");
    assert_ne!(Some(n.payload_type), n.telephone_event, "{n:?}");
}

fn answer_reads_back(n: &Negotiated) {
    let v4: SocketAddr = ([192, 0, 2, 10], 20_000).into();
    let v6: SocketAddr = "[2001:db8::10]:20002".parse().expect("address");
    for local in [v4, v6] {
        let text = build_answer(n, local, 7, 8);
        let back = sip::media::sdp::parse_answer(text.as_bytes())
            .unwrap_or_else(|e| panic!("our answer does not read back: {e}\n{text}"));
        let want = Negotiated {
            remote: Some(local),
            remote_direction: n.remote_direction.answer_to(),
            ptime: Some(20),
            ..n.clone()
        };
        assert_eq!(back, want, "answer to {n:?}:\n{text}");
    }
}

/// Parse, serialize, parse with the `sdp` crate, and negotiate the result.
fn round_trip(data: &[u8], result: &Result<Negotiated, sip::media::sdp::SdpError>) {
    let Ok(sd) = SessionDescription::unmarshal(&mut Cursor::new(data)) else {
        return;
    };
    let text = sd.marshal();
    let again = SessionDescription::unmarshal(&mut Cursor::new(text.as_bytes()))
        .unwrap_or_else(|e| panic!("serialization does not parse again: {e}\n{text}"));
    assert_eq!(
        again.marshal(),
        text,
        "parse, serialize, parse is not stable"
    );
    let renegotiated = negotiate(text.as_bytes());
    assert_eq!(
        format!("{renegotiated:?}"),
        format!("{result:?}"),
        "the serialization negotiates differently:\n{text}"
    );
}

#[test]
fn sdp_survives_its_corpus_and_mutations() {
    let report = fuzzkit::run("sdp", &fuzzkit::seeds("sdp"), TOKENS, check);
    assert!(report.seeds >= 10, "{report:?}");
}
