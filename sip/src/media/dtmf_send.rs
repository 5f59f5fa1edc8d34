//! Sending RFC 4733 key presses: a queue of digits turned into one
//! telephone-event payload per 20 ms tick.
//!
//! Owns: the queue, each event's timing — its RTP timestamp fixed at the
//! tick it starts on, the marker on its first packet, the duration growing
//! by 160 per tick, three end packets on the last three ticks (built by
//! [`event_packets`]) — and a 40 ms gap of audio between queued digits so
//! each one is a separate event.
//!
//! Does not own: RTP headers, sequence numbers or the socket (the RTP
//! session sends the payload on the negotiated telephone-event payload
//! type), negotiation, or SIP INFO DTMF.

use std::collections::VecDeque;

use super::dtmf::{digit_to_event, event_packets, TelephoneEvent};

/// Audio ticks between two queued digits.
const GAP_TICKS: u8 = 2;

/// Why a digit was not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DtmfSendError {
    /// Not one of `0-9 * # A-D`.
    #[error("not a DTMF digit")]
    NotADigit,
    /// The peer's SDP has no telephone-event payload type.
    #[error("the peer did not negotiate telephone-event")]
    NotNegotiated,
}

/// One tick's event packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventPacket {
    /// The 4-byte RFC 4733 payload.
    pub payload: [u8; 4],
    /// RTP marker bit (the event's first packet only).
    pub marker: bool,
    /// RTP timestamp: the stream's timestamp when the event started.
    pub timestamp: u32,
    /// The digit, on the event's last packet.
    pub done: Option<char>,
}

#[derive(Debug)]
struct Active {
    digit: char,
    timestamp: u32,
    packets: VecDeque<(TelephoneEvent, bool)>,
}

/// Digits waiting to be sent and the one being sent.
#[derive(Debug, Default)]
pub struct DtmfSender {
    queue: VecDeque<(char, u32)>,
    active: Option<Active>,
    gap: u8,
}

impl DtmfSender {
    /// A sender with nothing queued.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a key press of `duration_ms` after those already queued.
    pub fn push(&mut self, digit: char, duration_ms: u32) -> Result<(), DtmfSendError> {
        digit_to_event(digit).ok_or(DtmfSendError::NotADigit)?;
        self.queue.push_back((digit, duration_ms));
        Ok(())
    }

    /// True when no digit is queued or being sent.
    pub fn is_idle(&self) -> bool {
        self.active.is_none() && self.queue.is_empty()
    }

    /// Drops every digit queued or in progress and returns them in order.
    pub fn clear(&mut self) -> Vec<char> {
        let active = self.active.take().map(|a| a.digit);
        let queued = self.queue.drain(..).map(|(d, _)| d);
        active.into_iter().chain(queued).collect()
    }

    /// Called once per 20 ms tick with the stream's RTP timestamp for this
    /// tick: the event packet to send instead of audio, or `None` for audio.
    pub fn tick(&mut self, timestamp: u32) -> Option<EventPacket> {
        if self.active.is_none() {
            if self.gap > 0 {
                self.gap -= 1;
                return None;
            }
            let (digit, duration_ms) = self.queue.pop_front()?;
            self.active = Some(Active {
                digit,
                timestamp,
                packets: event_packets(digit, duration_ms).into(),
            });
        }
        let active = self.active.as_mut()?;
        let (event, marker) = active.packets.pop_front()?;
        let mut packet = EventPacket {
            payload: event.to_bytes(),
            marker,
            timestamp: active.timestamp,
            done: None,
        };
        if active.packets.is_empty() {
            packet.done = Some(active.digit);
            self.active = None;
            self.gap = GAP_TICKS;
        }
        Some(packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::dtmf::DtmfDetector;

    #[test]
    fn one_event_per_digit_with_fixed_timestamp_and_growing_duration() {
        let mut s = DtmfSender::new();
        s.push('5', 100).unwrap();
        s.push('#', 40).unwrap();
        let mut ts = 1000u32;
        let mut ticks = Vec::new();
        for _ in 0..20 {
            ticks.push((ts, s.tick(ts)));
            ts = ts.wrapping_add(160);
        }
        assert!(s.is_idle());
        let first: Vec<_> = ticks.iter().take(7).filter_map(|(_, p)| *p).collect();
        assert_eq!(first.len(), 7);
        assert!(first.iter().all(|p| p.timestamp == 1000));
        assert_eq!(
            first.iter().map(|p| p.marker).collect::<Vec<_>>(),
            [true, false, false, false, false, false, false]
        );
        let durations: Vec<u16> = first
            .iter()
            .map(|p| TelephoneEvent::parse(&p.payload).unwrap().duration)
            .collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800]);
        assert_eq!(first[6].done, Some('5'));
        // Two audio ticks, then '#' starts at its own timestamp.
        assert_eq!((ticks[7].1, ticks[8].1), (None, None));
        let hash = ticks[9].1.unwrap();
        assert_eq!((hash.timestamp, hash.marker), (ticks[9].0, true));

        let mut det = DtmfDetector::new();
        let digits: String = ticks
            .iter()
            .filter_map(|(_, p)| p.and_then(|p| det.on_packet(p.timestamp, &p.payload)))
            .collect();
        assert_eq!(digits, "5#");
    }

    #[test]
    fn rejects_non_digits_and_clears() {
        let mut s = DtmfSender::new();
        assert_eq!(s.push('x', 100), Err(DtmfSendError::NotADigit));
        assert!(s.is_idle() && s.tick(0).is_none());
        s.push('1', 100).unwrap();
        s.push('2', 100).unwrap();
        assert!(s.tick(0).is_some());
        assert_eq!(s.clear(), ['1', '2']);
        assert!(s.is_idle() && s.tick(160).is_none());
    }
}
