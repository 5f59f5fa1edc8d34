//! RFC 4733 telephone-event payloads: parsing and building the 4-byte event
//! block, mapping events to DTMF digits, a receiver-side [`DtmfDetector`]
//! that turns a stream of event packets into one digit per key press, and a
//! sender-side [`event_packets`] helper.
//!
//! Does not own: RTP headers (the caller hands over the RTP timestamp and
//! payload of packets whose payload type is the negotiated telephone-event
//! one), in-band tone detection, or SIP INFO DTMF (see `info.rs`).

/// Length of one RFC 4733 event block.
pub const EVENT_LEN: usize = 4;

/// Volume (in -dBm0) used by [`event_packets`]; 10 is the customary value.
pub const DEFAULT_VOLUME: u8 = 10;

/// How many times the end packet is sent (RFC 4733 §2.5.1.4).
const END_REPEATS: usize = 3;

/// Samples per 20 ms update at 8 kHz.
const UPDATE_SAMPLES: u32 = super::FRAME_SAMPLES as u32;

/// How far (in RTP timestamp units) a packet may lag behind the newest event
/// and still count as a late packet of an old event. Further back it is taken
/// as a restarted stream and reported. 10 s at 8 kHz.
const LATE_WINDOW: u32 = 10 * super::SAMPLE_RATE;

/// Why a telephone-event payload was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DtmfError {
    /// Fewer than the 4 bytes of an event block.
    #[error("telephone-event payload is {len} bytes, needs at least 4")]
    TooShort {
        /// Bytes received.
        len: usize,
    },
}

/// One RFC 4733 event block (§2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code: 0-15 are DTMF, see [`event_to_digit`].
    pub event: u8,
    /// E bit: this packet ends the event.
    pub end: bool,
    /// Power level in -dBm0, 0..=63.
    pub volume: u8,
    /// Duration so far, in RTP timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first event block of a payload. Extra bytes (redundant
    /// blocks, RFC 4733 §2.5.1.5 packing) are ignored; the reserved bit is
    /// ignored as the RFC requires.
    pub fn parse(payload: &[u8]) -> Result<Self, DtmfError> {
        match payload {
            [event, flags, d0, d1, ..] => Ok(TelephoneEvent {
                event: *event,
                end: flags & 0x80 != 0,
                volume: flags & 0x3F,
                duration: u16::from_be_bytes([*d0, *d1]),
            }),
            _ => Err(DtmfError::TooShort { len: payload.len() }),
        }
    }

    /// Serializes the block; a volume above 63 is truncated to its 6 bits.
    pub fn to_bytes(&self) -> [u8; EVENT_LEN] {
        let flags = if self.end { 0x80 } else { 0 } | (self.volume & 0x3F);
        let [d0, d1] = self.duration.to_be_bytes();
        [self.event, flags, d0, d1]
    }
}

/// DTMF digit for an event code: 0-9, 10 = '*', 11 = '#', 12-15 = 'A'-'D'.
pub fn event_to_digit(event: u8) -> Option<char> {
    match event {
        0..=9 => char::from_digit(u32::from(event), 10),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + (event - 12))),
        _ => None,
    }
}

/// Event code for a DTMF digit; 'a'-'d' are accepted as 'A'-'D'.
pub fn digit_to_event(d: char) -> Option<u8> {
    match d {
        '0'..='9' => d.to_digit(10).and_then(|v| u8::try_from(v).ok()),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' | 'a'..='d' => Some(d.to_ascii_uppercase() as u8 - b'A' + 12),
        _ => None,
    }
}

/// The event the detector reported last.
#[derive(Clone, Copy, Debug)]
struct Current {
    timestamp: u32,
    event: u8,
    /// Longest duration seen for it, to recognise a long event's next segment.
    duration: u16,
    ended: bool,
}

/// Turns telephone-event packets into digits, one per key press.
#[derive(Debug, Default)]
pub struct DtmfDetector {
    current: Option<Current>,
}

impl DtmfDetector {
    /// A detector that has seen no event yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed one telephone-event RTP packet (its RTP timestamp and payload).
    /// Returns the digit on the FIRST packet of a new event (an event is
    /// identified by its RTP timestamp, RFC 4733 §2.5.1.3), never again for
    /// the retransmitted, updated or end packets of the same event, and still
    /// reports the next digit when the previous event's end packets were all
    /// lost. Packets of an older event arriving late are ignored; timestamps
    /// wrap around. Malformed payloads and non-DTMF events return `None`.
    ///
    /// An event longer than 65535 samples (~8 s) continues in a new segment
    /// with a new timestamp (§2.5.2.3); that segment is not reported again.
    pub fn on_packet(&mut self, rtp_timestamp: u32, payload: &[u8]) -> Option<char> {
        let ev = TelephoneEvent::parse(payload).ok()?;
        let digit = event_to_digit(ev.event)?;
        if let Some(cur) = self.current.as_mut() {
            if rtp_timestamp == cur.timestamp && ev.event == cur.event {
                cur.duration = cur.duration.max(ev.duration);
                cur.ended |= ev.end;
                return None;
            }
            let behind = cur.timestamp.wrapping_sub(rtp_timestamp);
            if behind != 0 && behind <= LATE_WINDOW {
                return None;
            }
            let next_segment = cur.timestamp.wrapping_add(u32::from(cur.duration));
            if !cur.ended && ev.event == cur.event && rtp_timestamp == next_segment {
                *cur = Current {
                    timestamp: rtp_timestamp,
                    event: ev.event,
                    duration: ev.duration,
                    ended: ev.end,
                };
                return None;
            }
        }
        self.current = Some(Current {
            timestamp: rtp_timestamp,
            event: ev.event,
            duration: ev.duration,
            ended: ev.end,
        });
        Some(digit)
    }
}

/// The packets a sender emits for one key press lasting `duration_ms`: a
/// start packet (the only one with the RTP marker bit), one update every
/// 20 ms, then the end packet three times. All share the event's RTP
/// timestamp; send them 20 ms apart (the end repeats may go back to back).
/// The duration is capped at 65535 samples (~8 s); a non-DTMF `digit` gives
/// an empty list.
pub fn event_packets(digit: char, duration_ms: u32) -> Vec<(TelephoneEvent, bool)> {
    let Some(event) = digit_to_event(digit) else {
        return Vec::new();
    };
    let samples = duration_ms.saturating_mul(super::SAMPLE_RATE / 1000);
    let total = u16::try_from(samples).unwrap_or(u16::MAX);
    let make = |duration: u16, end: bool| TelephoneEvent {
        event,
        end,
        volume: DEFAULT_VOLUME,
        duration,
    };
    let mut packets = Vec::new();
    let mut elapsed = UPDATE_SAMPLES;
    while elapsed < u32::from(total) {
        // elapsed < total <= u16::MAX here.
        packets.push((make(elapsed as u16, false), packets.is_empty()));
        elapsed += UPDATE_SAMPLES;
    }
    for _ in 0..END_REPEATS {
        packets.push((make(total, true), packets.is_empty()));
    }
    packets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(event: u8, end: bool, duration: u16) -> [u8; 4] {
        TelephoneEvent {
            event,
            end,
            volume: 10,
            duration,
        }
        .to_bytes()
    }

    #[test]
    fn parses_and_builds_byte_vectors() {
        // '5', not ended, volume 10, duration 160.
        let ev = TelephoneEvent::parse(&[0x05, 0x0A, 0x00, 0xA0]).unwrap();
        assert_eq!(
            ev,
            TelephoneEvent {
                event: 5,
                end: false,
                volume: 10,
                duration: 160
            }
        );
        assert_eq!(ev.to_bytes(), [0x05, 0x0A, 0x00, 0xA0]);
        // '#', end bit and reserved bit set, volume 63, duration 0x0640.
        let ev = TelephoneEvent::parse(&[0x0B, 0xFF, 0x06, 0x40, 0xEE]).unwrap();
        assert_eq!(
            (ev.event, ev.end, ev.volume, ev.duration),
            (11, true, 63, 1600)
        );
        assert_eq!(ev.to_bytes(), [0x0B, 0xBF, 0x06, 0x40]);
    }

    #[test]
    fn short_payload_is_an_error() {
        for len in 0..4 {
            let bytes = [0u8; 3];
            assert_eq!(
                TelephoneEvent::parse(&bytes[..len]),
                Err(DtmfError::TooShort { len })
            );
        }
    }

    #[test]
    fn digit_mapping_round_trips() {
        let all = "0123456789*#ABCD";
        for (i, d) in all.chars().enumerate() {
            assert_eq!(digit_to_event(d), Some(i as u8));
            assert_eq!(event_to_digit(i as u8), Some(d));
        }
        assert_eq!(digit_to_event('c'), Some(14));
        assert_eq!(digit_to_event('E'), None);
        assert_eq!(digit_to_event('5'), Some(5));
        assert_eq!(event_to_digit(16), None); // flash
        assert_eq!(event_to_digit(255), None);
    }

    #[test]
    fn one_digit_per_event_with_triple_end() {
        let mut det = DtmfDetector::new();
        assert_eq!(det.on_packet(1000, &payload(1, false, 160)), Some('1'));
        assert_eq!(det.on_packet(1000, &payload(1, false, 320)), None);
        for _ in 0..3 {
            assert_eq!(det.on_packet(1000, &payload(1, true, 800)), None);
        }
        // Same digit pressed again: new timestamp, reported again.
        assert_eq!(det.on_packet(3000, &payload(1, false, 160)), Some('1'));
        assert_eq!(det.on_packet(3000, &payload(1, true, 640)), None);
        assert_eq!(det.on_packet(5000, &payload(11, true, 640)), Some('#'));
    }

    #[test]
    fn next_digit_reported_when_end_packets_lost() {
        let mut det = DtmfDetector::new();
        assert_eq!(det.on_packet(100, &payload(2, false, 160)), Some('2'));
        assert_eq!(det.on_packet(100, &payload(2, false, 320)), None);
        assert_eq!(det.on_packet(2000, &payload(3, false, 160)), Some('3'));
        assert_eq!(det.on_packet(4000, &payload(3, false, 160)), Some('3'));
    }

    #[test]
    fn late_packets_of_a_reported_event_are_ignored() {
        let mut det = DtmfDetector::new();
        assert_eq!(det.on_packet(500, &payload(4, false, 320)), Some('4'));
        assert_eq!(det.on_packet(2500, &payload(5, false, 160)), Some('5'));
        // Delayed end packet of '4' and a delayed update of '5'.
        assert_eq!(det.on_packet(500, &payload(4, true, 800)), None);
        assert_eq!(det.on_packet(2500, &payload(5, false, 160)), None);
    }

    #[test]
    fn timestamp_wraparound() {
        let mut det = DtmfDetector::new();
        assert_eq!(
            det.on_packet(u32::MAX - 100, &payload(7, false, 160)),
            Some('7')
        );
        assert_eq!(det.on_packet(1500, &payload(8, false, 160)), Some('8'));
        assert_eq!(det.on_packet(u32::MAX - 100, &payload(7, true, 800)), None);
        assert_eq!(det.on_packet(1500, &payload(8, true, 800)), None);
    }

    #[test]
    fn restarted_stream_far_behind_is_a_new_event() {
        let mut det = DtmfDetector::new();
        assert_eq!(det.on_packet(3_000_000, &payload(1, true, 800)), Some('1'));
        assert_eq!(det.on_packet(42, &payload(2, false, 160)), Some('2'));
    }

    #[test]
    fn long_event_segment_is_not_reported_twice() {
        let mut det = DtmfDetector::new();
        assert_eq!(det.on_packet(10_000, &payload(0, false, 65_535)), Some('0'));
        assert_eq!(det.on_packet(75_535, &payload(0, false, 160)), None);
        assert_eq!(det.on_packet(75_535, &payload(0, true, 1_000)), None);
    }

    #[test]
    fn malformed_and_non_dtmf_packets_are_ignored() {
        let mut det = DtmfDetector::new();
        assert_eq!(det.on_packet(1, &[5, 0x0A]), None);
        assert_eq!(det.on_packet(1, &payload(16, false, 160)), None);
        assert_eq!(det.on_packet(1, &payload(5, false, 160)), Some('5'));
    }

    #[test]
    fn sender_sequence_for_100_ms() {
        let packets = event_packets('9', 100);
        let got: Vec<(u16, bool, bool)> = packets
            .iter()
            .map(|(e, m)| (e.duration, e.end, *m))
            .collect();
        assert_eq!(
            got,
            [
                (160, false, true),
                (320, false, false),
                (480, false, false),
                (640, false, false),
                (800, true, false),
                (800, true, false),
                (800, true, false),
            ]
        );
        assert!(packets.iter().all(|(e, _)| e.event == 9 && e.volume == 10));
        assert_eq!(packets[0].0.to_bytes(), [0x09, 0x0A, 0x00, 0xA0]);
        assert_eq!(packets[6].0.to_bytes(), [0x09, 0x8A, 0x03, 0x20]);
    }

    #[test]
    fn sender_sequence_edge_cases() {
        assert!(event_packets('x', 100).is_empty());
        let short = event_packets('*', 10);
        assert_eq!(short.len(), 3);
        assert!(short[0].1 && short.iter().all(|(e, _)| e.end && e.duration == 80));
        let long = event_packets('#', 60_000);
        assert_eq!(long.last().map(|(e, _)| e.duration), Some(u16::MAX));
        // The whole sequence is detected as exactly one digit.
        let mut det = DtmfDetector::new();
        let digits: String = event_packets('D', 200)
            .iter()
            .filter_map(|(e, _)| det.on_packet(8000, &e.to_bytes()))
            .collect();
        assert_eq!(digits, "D");
    }
}
