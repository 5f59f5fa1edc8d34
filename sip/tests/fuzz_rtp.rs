//! Fuzz target `rtp`: any stream of datagrams into a call's RTP receiver
//! (RTP parsing, RFC 4733 events, reorder buffer, G.711 decoding).
//!
//! [`check`] is the target; the cargo-fuzz target `fuzz/fuzz_targets/rtp.rs`
//! includes this file and calls it, and the test below runs it over the
//! seed corpus `fuzz/corpus/rtp/` and deterministic mutations of it.
//!
//! Input: three bytes of negotiation (bit 0 of the first: PCMA rather than
//! PCMU; the second: the audio payload type, low 7 bits; the third: the
//! telephone-event payload type, none from 128 up), then datagrams, each a
//! 16-bit big-endian length and that many bytes (the last one may be
//! short). The receiver ticks once after each datagram and ten times at
//! the end.
//!
//! What must hold for every input:
//! - nothing panics, and every tick gives one 20 ms frame;
//! - digits are DTMF digits, at most one per telephone-event packet;
//! - an RFC 4733 event block reads back from its serialization as itself;
//! - our RTP reader agrees with the `rtp` crate's on every version 2
//!   packet without a header extension (with one, the crate's reader can
//!   panic: see `sip::media::rtp_read`);
//! - the packet the session would send with a received packet's header
//!   fields and payload reads back as those fields and payload, with our
//!   reader and the crate's (parse, serialize, parse is stable).

use bytes::Bytes;
use sip::media::dtmf::TelephoneEvent;
use sip::media::g711::Codec;
use sip::media::receive::{Received, Receiver};
use sip::media::rtp_read::{self, RtpPacket};
use sip::media::sdp::{Direction, Negotiated};
use sip::media::FRAME_SAMPLES;
use webrtc_util::marshal::{Marshal, Unmarshal};

/// The dictionary the mutator inserts from: RTP first bytes, payload types,
/// RFC 4733 event blocks and lengths.
pub const TOKENS: &[&[u8]] = &[
    b"\x80\x00",
    b"\x80\x08",
    b"\x80\xe5",
    b"\x90\x00\x00\x01",
    b"\xa0\x00",
    b"\x8f\x00",
    b"\x00\x04",
    b"\x00\xa0",
    b"\x00\x0c",
    b"\xff\xff",
    b"\x05\x0a\x00\xa0",
    b"\x0b\x8a\x03\x20",
    b"\xbe\xde\x00\x01",
];

/// The negotiation and datagrams an input stands for.
fn split(data: &[u8]) -> (Negotiated, Vec<&[u8]>) {
    let byte = |i: usize| data.get(i).copied().unwrap_or_default();
    let negotiated = Negotiated {
        codec: if byte(0) & 1 == 0 {
            Codec::Pcmu
        } else {
            Codec::Pcma
        },
        payload_type: byte(1) & 0x7f,
        telephone_event: Some(byte(2)).filter(|pt| *pt < 128),
        remote: None,
        remote_direction: Direction::SendRecv,
        ptime: None,
    };
    let mut datagrams = Vec::new();
    let mut rest = data.get(3..).unwrap_or_default();
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        datagrams.push(&tail[..len]);
        rest = &tail[len..];
    }
    (negotiated, datagrams)
}

/// Everything that must hold for one input (see the module doc).
pub fn check(data: &[u8]) {
    let (negotiated, datagrams) = split(data);
    let mut receiver = Receiver::new();
    let mut event_packets = 0;
    let mut digits = 0;
    for datagram in &datagrams {
        if let Some(packet) = round_trip(datagram) {
            if Some(packet.payload_type) == negotiated.telephone_event {
                event_packets += 1;
                event_round_trip(packet.payload);
            }
        }
        match receiver.on_datagram(datagram, &negotiated) {
            Received::Digit(d) => {
                assert!("0123456789*#ABCD".contains(d), "digit {d:?}");
                digits += 1;
            }
            Received::NotRtp | Received::Audio | Received::Nothing => {}
        }
        let frame = receiver.next_frame(negotiated.codec);
        assert_eq!(frame.len(), FRAME_SAMPLES);
    }
    assert!(
        digits <= event_packets,
        "{digits} digits from {event_packets} packets"
    );
    for _ in 0..10 {
        assert_eq!(receiver.next_frame(negotiated.codec).len(), FRAME_SAMPLES);
    }
}

/// Reads a received packet, checks it against the `rtp` crate's reader
/// where that cannot panic, then writes the packet we would send with its
/// fields (as the session does, with the `rtp` crate) and reads it back.
fn round_trip(datagram: &[u8]) -> Option<RtpPacket<'_>> {
    let packet = rtp_read::parse(datagram);
    // Version 2 without a header extension: both readers must agree.
    if datagram
        .first()
        .is_some_and(|b| b >> 6 == 2 && b & 0x10 == 0)
    {
        let theirs = rtp::packet::Packet::unmarshal(&mut &datagram[..]).ok();
        assert_eq!(theirs.map(|p| fields(&p)), packet.map(|p| own_fields(&p)));
    }
    let packet = packet?;
    let ours = rtp::packet::Packet {
        header: rtp::header::Header {
            version: 2,
            marker: packet.marker,
            payload_type: packet.payload_type,
            sequence_number: packet.sequence_number,
            timestamp: packet.timestamp,
            ssrc: packet.ssrc,
            ..Default::default()
        },
        payload: Bytes::copy_from_slice(packet.payload),
    };
    let sent = ours.marshal().expect("the packet we send serializes");
    let read = rtp_read::parse(&sent).expect("the packet we send reads back");
    assert_eq!(read, packet, "parse, serialize, parse is not stable");
    let theirs = rtp::packet::Packet::unmarshal(&mut &sent[..]).expect("a peer reads it");
    assert_eq!(theirs, ours, "our packet does not read back");
    Some(packet)
}

type Fields = (bool, u8, u16, u32, u32, Vec<u8>);

fn fields(p: &rtp::packet::Packet) -> Fields {
    let h = &p.header;
    let (m, pt, seq, ts, ssrc) = (
        h.marker,
        h.payload_type,
        h.sequence_number,
        h.timestamp,
        h.ssrc,
    );
    (m, pt, seq, ts, ssrc, p.payload.to_vec())
}

fn own_fields(p: &RtpPacket) -> Fields {
    let (m, pt, seq, ts, ssrc) = (
        p.marker,
        p.payload_type,
        p.sequence_number,
        p.timestamp,
        p.ssrc,
    );
    (m, pt, seq, ts, ssrc, p.payload.to_vec())
}

/// An RFC 4733 event block reads back from its serialization.
fn event_round_trip(payload: &[u8]) {
    let Ok(event) = TelephoneEvent::parse(payload) else {
        assert!(
            payload.len() < 4,
            "a {}-byte payload rejected",
            payload.len()
        );
        return;
    };
    let bytes = event.to_bytes();
    assert_eq!(TelephoneEvent::parse(&bytes), Ok(event));
    // Only the reserved bit may differ from what was received.
    assert_eq!(bytes[0], payload[0]);
    assert_eq!(bytes[1], payload[1] & !0x40);
    assert_eq!(bytes[2..], payload[2..4]);
}

#[test]
fn rtp_survives_its_corpus_and_mutations() {
    let report = fuzzkit::run("rtp", &fuzzkit::seeds("rtp"), TOKENS, check);
    assert!(report.seeds >= 6, "{report:?}");
}

#[test]
fn the_seed_format_is_read_as_documented() {
    let seeds = fuzzkit::seeds("rtp");
    let seed = seeds
        .iter()
        .find(|s| s.name == "pcmu-20ms-digit-5.rtp")
        .expect("seed");
    let (negotiated, datagrams) = split(&seed.bytes);
    assert_eq!(negotiated.codec, Codec::Pcmu);
    assert_eq!(negotiated.telephone_event, Some(101));
    assert_eq!(datagrams.len(), 18);
    let mut receiver = Receiver::new();
    let digits: Vec<Received> = datagrams
        .iter()
        .map(|d| receiver.on_datagram(d, &negotiated))
        .filter(|r| matches!(r, Received::Digit(_)))
        .collect();
    assert_eq!(digits, [Received::Digit('5')]);
}
