//! The RTP side of an imported call: which packets belong to which party,
//! G.711 audio placed on a timeline that starts at the answer, and RFC 4733
//! key presses.
//!
//! Owns: the RTP fixed header (RFC 3550 §5.1: CSRCs, extension, padding),
//! telling the caller's packets from the answering side's by the SDP
//! addresses (the source for a well-behaved peer, the destination for one
//! behind NAT), payload types from both SDP bodies plus the static PCMU/PCMA
//! ones, and the timeline: each SSRC is anchored at its first packet's
//! capture time and followed by RTP timestamp after that (re-anchored when
//! the two disagree by more than a second: a restarted stream), gaps are
//! silence.
//!
//! Does not own: SIP and SDP (see `call.rs`), G.711 arithmetic and RFC 4733
//! event parsing (the `sip` crate's media code), writing files.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use sip::media::dtmf::DtmfDetector;
use sip::media::g711::Codec;
use sip::media::sdp::Negotiated;
use sip::media::SAMPLE_RATE;

use super::capture::Datagram;
use super::Party;

/// Comfort noise (RFC 3389): kept as silence.
const COMFORT_NOISE_PT: u8 = 13;
/// Timestamp and capture clock may disagree this much (in samples) before
/// a stream is taken as restarted and re-anchored.
const REANCHOR_SAMPLES: i64 = SAMPLE_RATE as i64;

/// What a payload type carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Payload {
    Audio(Codec),
    Event,
}

/// The media of one call, both directions.
#[derive(Debug, Default)]
pub(super) struct Media {
    pub caller: Vec<i16>,
    pub resident: Vec<i16>,
    pub caller_packets: usize,
    pub resident_packets: usize,
    /// Key presses: ms from the answer, digit, who pressed it.
    pub digits: Vec<(i64, char, Party)>,
    /// Audio codecs seen, in the order first seen.
    pub codecs: Vec<Codec>,
    /// RTP packets of the call with a payload type we can't decode.
    pub unknown_payload: usize,
    /// Time of the last RTP packet of the call, if any.
    pub last_packet: Option<Duration>,
}

/// Where each party's RTP goes to and comes from.
pub(super) struct Routes {
    pub caller_sdp: Option<SocketAddr>,
    pub resident_sdp: Option<SocketAddr>,
}

impl Routes {
    /// Whose packet this is, if it belongs to the call at all.
    fn party(&self, d: &Datagram) -> Option<Party> {
        let is = |a: Option<SocketAddr>, b: SocketAddr| a == Some(b);
        if is(self.caller_sdp, d.src) {
            Some(Party::Caller)
        } else if is(self.resident_sdp, d.src) {
            Some(Party::Resident)
        } else if is(self.resident_sdp, d.dst) {
            Some(Party::Caller)
        } else if is(self.caller_sdp, d.dst) {
            Some(Party::Resident)
        } else {
            None
        }
    }
}

/// One RTP packet, borrowed from its datagram.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Rtp<'a> {
    pub payload_type: u8,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: &'a [u8],
}

/// Parses an RTP packet (version 2); `None` for anything else.
pub(super) fn parse_rtp(b: &[u8]) -> Option<Rtp<'_>> {
    let first = *b.first()?;
    if first >> 6 != 2 {
        return None;
    }
    let csrc = usize::from(first & 0x0f);
    let mut start = 12 + 4 * csrc;
    if first & 0x10 != 0 {
        let ext = b.get(start + 2..start + 4)?;
        start += 4 + 4 * usize::from(u16::from_be_bytes([ext[0], ext[1]]));
    }
    let mut end = b.len();
    if first & 0x20 != 0 {
        end = end.checked_sub(usize::from(*b.last()?))?;
    }
    let word = |at: usize| -> Option<u32> {
        let w = b.get(at..at + 4)?;
        Some(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
    };
    Some(Rtp {
        payload_type: *b.get(1)? & 0x7f,
        timestamp: word(4)?,
        ssrc: word(8)?,
        payload: b.get(start..end)?,
    })
}

/// Per-SSRC position: sample index of a known RTP timestamp.
#[derive(Clone, Copy)]
struct Anchor {
    timestamp: u32,
    position: i64,
}

/// When the call's RTP may be: other calls between the same addresses
/// before the INVITE or after the BYE are not this one's.
pub(super) struct Window {
    /// t = 0.
    pub answered: Duration,
    /// The INVITE.
    pub from: Duration,
    /// The BYE, if any.
    pub until: Option<Duration>,
}

/// Collects one call's media from the capture's datagrams; `length` is the
/// call's length in samples (both tracks get it).
pub(super) fn collect(
    datagrams: &[Datagram],
    routes: &Routes,
    sdps: [&Negotiated; 2],
    window: &Window,
    length: usize,
) -> Media {
    let answered = window.answered;
    let mut types = HashMap::from([
        (0, Payload::Audio(Codec::Pcmu)),
        (8, Payload::Audio(Codec::Pcma)),
    ]);
    for n in sdps {
        types.insert(n.payload_type, Payload::Audio(n.codec));
        if let Some(pt) = n.telephone_event {
            types.insert(pt, Payload::Event);
        }
    }
    let mut media = Media {
        caller: vec![0; length],
        resident: vec![0; length],
        ..Media::default()
    };
    let mut anchors: HashMap<(Party, u32), Anchor> = HashMap::new();
    let mut detectors: HashMap<(Party, u32), DtmfDetector> = HashMap::new();
    let mut decoded = Vec::new();
    let in_window =
        |d: &&Datagram| d.time >= window.from && window.until.is_none_or(|u| d.time <= u);
    for d in datagrams.iter().filter(in_window) {
        let Some(party) = routes.party(d) else {
            continue;
        };
        let Some(rtp) = parse_rtp(&d.payload) else {
            continue;
        };
        // Signed offset from the answer, in samples and in ms.
        let since = signed_nanos(d.time, answered);
        let arrival = since * i128::from(SAMPLE_RATE) / 1_000_000_000;
        // Far outside any call: clamped, so the arithmetic below can't overflow.
        let arrival = clamp_i64(arrival);
        let at_ms = clamp_i64(since / 1_000_000);
        media.last_packet = Some(media.last_packet.map_or(d.time, |t| t.max(d.time)));
        match party {
            Party::Caller => media.caller_packets += 1,
            Party::Resident => media.resident_packets += 1,
        }
        match types.get(&rtp.payload_type) {
            Some(Payload::Event) => {
                let detector = detectors.entry((party, rtp.ssrc)).or_default();
                if let Some(digit) = detector.on_packet(rtp.timestamp, rtp.payload) {
                    media.digits.push((at_ms, digit, party));
                }
            }
            Some(Payload::Audio(codec)) => {
                if !media.codecs.contains(codec) {
                    media.codecs.push(*codec);
                }
                let anchor = anchors.entry((party, rtp.ssrc)).or_insert(Anchor {
                    timestamp: rtp.timestamp,
                    position: arrival,
                });
                let mut position = anchor.position.saturating_add(i64::from(
                    rtp.timestamp.wrapping_sub(anchor.timestamp) as i32,
                ));
                if position.saturating_sub(arrival).saturating_abs() > REANCHOR_SAMPLES {
                    *anchor = Anchor {
                        timestamp: rtp.timestamp,
                        position: arrival,
                    };
                    position = arrival;
                }
                decoded.clear();
                codec.decode(rtp.payload, &mut decoded);
                let track = match party {
                    Party::Caller => &mut media.caller,
                    Party::Resident => &mut media.resident,
                };
                place(track, position, &decoded);
            }
            None if rtp.payload_type == COMFORT_NOISE_PT => {}
            None => media.unknown_payload += 1,
        }
    }
    media
}

/// `v` within ±2^60 (about 36 000 years of samples).
fn clamp_i64(v: i128) -> i64 {
    const LIMIT: i64 = 1 << 60;
    i64::try_from(v.clamp(-i128::from(LIMIT), i128::from(LIMIT))).unwrap_or(0)
}

/// `a - b` in nanoseconds, signed.
pub(super) fn signed_nanos(a: Duration, b: Duration) -> i128 {
    i128::try_from(a.as_nanos()).unwrap_or(i128::MAX)
        - i128::try_from(b.as_nanos()).unwrap_or(i128::MAX)
}

/// Writes `samples` into `track` from `position`, clipped to the track.
fn place(track: &mut [i16], position: i64, samples: &[i16]) {
    for (i, &s) in samples.iter().enumerate() {
        let Some(at) = i64::try_from(i)
            .ok()
            .and_then(|i| position.checked_add(i))
            .and_then(|p| usize::try_from(p).ok())
        else {
            continue;
        };
        if let Some(slot) = track.get_mut(at) {
            *slot = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtp_header_variants() {
        let mut p = vec![0x80, 0x08, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7, 0xd5, 0xd5];
        let r = parse_rtp(&p).expect("plain");
        assert_eq!((r.payload_type, r.timestamp, r.ssrc), (8, 160, 7));
        assert_eq!(r.payload, &[0xd5, 0xd5]);
        // One CSRC, an extension of one word, two bytes of padding.
        p = vec![0xb1, 0x80, 0, 1, 0, 0, 1, 0, 0, 0, 0, 9];
        p.extend([1, 2, 3, 4]); // CSRC
        p.extend([0xbe, 0xde, 0, 1, 9, 9, 9, 9]); // extension
        p.extend([0xff, 0xee, 0, 2]); // payload + padding
        let r = parse_rtp(&p).expect("extended");
        assert_eq!((r.payload_type, r.timestamp, r.ssrc), (0, 256, 9));
        assert_eq!(r.payload, &[0xff, 0xee]);
    }

    #[test]
    fn rtp_rejects_garbage() {
        assert_eq!(parse_rtp(&[]), None);
        assert_eq!(parse_rtp(&[0x00; 20]), None); // version 0 (STUN-like)
        assert_eq!(parse_rtp(&[0x80, 0]), None); // short
        assert_eq!(parse_rtp(&[0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), None); // 15 CSRCs missing
        let mut padded = vec![0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        padded.push(200); // padding longer than the packet
        assert_eq!(parse_rtp(&padded), None);
    }

    #[test]
    fn absurd_capture_times_do_not_overflow() {
        let n = Negotiated {
            codec: Codec::Pcmu,
            payload_type: 0,
            telephone_event: Some(101),
            remote: Some("192.0.2.1:4000".parse().expect("addr")),
            remote_direction: sip::media::sdp::Direction::SendRecv,
            ptime: None,
        };
        let routes = Routes {
            caller_sdp: n.remote,
            resident_sdp: None,
        };
        let packet = |secs: u64, ts: u32| Datagram {
            time: Duration::from_secs(secs),
            src: "192.0.2.1:4000".parse().expect("addr"),
            dst: "192.0.2.2:5000".parse().expect("addr"),
            payload: vec![
                0x80,
                0,
                0,
                1,
                (ts >> 24) as u8,
                (ts >> 16) as u8,
                0,
                0,
                0,
                0,
                0,
                1,
                0xff,
            ],
        };
        let datagrams = [
            packet(1, 0),
            packet(u64::MAX, 0x8000_0000),
            packet(u64::MAX / 2, 7),
        ];
        let window = Window {
            answered: Duration::from_secs(2),
            from: Duration::ZERO,
            until: None,
        };
        let media = collect(&datagrams, &routes, [&n, &n], &window, 16);
        assert_eq!(media.caller_packets, 3);
    }

    #[test]
    fn placing_clips_to_the_track() {
        let mut t = vec![0i16; 4];
        place(&mut t, -2, &[1, 2, 3]);
        place(&mut t, 3, &[4, 5]);
        assert_eq!(t, [3, 0, 0, 4]);
    }
}
