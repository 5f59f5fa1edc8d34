//! The caller's audio, from packets to 20 ms frames.
//!
//! Owns: turning RTP payloads of any packet time (10, 20, 30 ms …) into the
//! fixed 20 ms frames the recorder and the IVR tick on: packets come out of
//! the reorder buffer in sequence order, are decoded into a sample queue,
//! and each tick takes [`FRAME_SAMPLES`] from it; a lost packet becomes
//! silence as long as the packets around it. Does not own: ordering (the
//! [`ReorderBuffer`]) or the clock (the RTP session calls
//! [`Inbound::next_frame`] once per tick).

use std::collections::VecDeque;

use super::g711::Codec;
use super::reorder::{ReorderBuffer, Slot};
use super::FRAME_SAMPLES;

/// More than this many samples queued (a sender running fast) and the
/// oldest are dropped, so latency stays bounded.
const MAX_QUEUED: usize = 8000;

/// Decoded caller audio waiting for its tick.
#[derive(Debug)]
pub struct Inbound {
    reorder: ReorderBuffer,
    queued: VecDeque<i16>,
    /// Samples in the last packet, the length given to a lost one.
    packet_samples: usize,
    /// Whether the last frame held received audio (not only filler).
    heard: bool,
}

impl Inbound {
    /// `depth` packets are held back before playout starts (see
    /// [`ReorderBuffer::new`]).
    pub fn new(depth: usize) -> Self {
        Inbound {
            reorder: ReorderBuffer::new(depth),
            queued: VecDeque::new(),
            packet_samples: FRAME_SAMPLES,
            heard: false,
        }
    }

    /// One received audio packet.
    pub fn push(&mut self, seq: u16, payload: Vec<u8>) {
        self.reorder.push(seq, payload);
    }

    /// The next 20 ms of caller audio; silence where there is none.
    pub fn next_frame(&mut self, codec: Codec) -> Vec<i16> {
        let mut decoded = Vec::new();
        while self.queued.len() < FRAME_SAMPLES {
            match self.reorder.pop() {
                Some(Slot::Frame(payload)) => {
                    decoded.clear();
                    codec.decode(&payload, &mut decoded);
                    if !decoded.is_empty() {
                        self.packet_samples = decoded.len();
                    }
                    self.queued.extend(&decoded);
                }
                Some(Slot::Missing) => {
                    let n = self.packet_samples;
                    self.queued.extend(std::iter::repeat_n(0, n));
                }
                None => break,
            }
        }
        if self.queued.len() > MAX_QUEUED {
            let excess = self.queued.len() - MAX_QUEUED;
            self.queued.drain(..excess);
        }
        let take = self.queued.len().min(FRAME_SAMPLES);
        self.heard = take > 0;
        let mut frame: Vec<i16> = self.queued.drain(..take).collect();
        frame.resize(FRAME_SAMPLES, 0);
        frame
    }

    /// True when nothing received waits to be played: the next frames are
    /// filler until a packet arrives.
    pub fn is_drained(&self) -> bool {
        self.queued.is_empty() && self.reorder.is_empty()
    }

    /// Whether the last [`Inbound::next_frame`] held any received audio
    /// (a lost packet between received ones counts); false when it was all
    /// filler because nothing had arrived.
    pub fn heard(&self) -> bool {
        self.heard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A µ-law packet of `n` samples all equal to `value` (as decoded).
    fn packet(n: usize, value: i16) -> Vec<u8> {
        let mut out = Vec::new();
        Codec::Pcmu.encode(&vec![value; n], &mut out);
        out
    }

    fn decoded(value: i16) -> i16 {
        let mut out = Vec::new();
        Codec::Pcmu.decode(&packet(1, value), &mut out);
        out[0]
    }

    /// Feeds `count` packets of `samples` each, one per `samples` worth of
    /// ticks, and returns every sample played.
    fn run(samples: usize, count: u16, lose: Option<u16>, depth: usize) -> Vec<i16> {
        let mut inbound = Inbound::new(depth);
        let mut played = Vec::new();
        let mut fed = 0usize;
        let mut seq = 0u16;
        // Ticks until all audio has been played.
        let total = samples * usize::from(count);
        let mut ticks = 0;
        while ticks < total / FRAME_SAMPLES + 20 {
            ticks += 1;
            // Packets arrive in real time: as many as 20 ms ticks have covered.
            while fed < ticks * FRAME_SAMPLES && seq < count {
                if Some(seq) != lose {
                    inbound.push(seq, packet(samples, 1000 + seq as i16));
                }
                seq += 1;
                fed += samples;
            }
            played.extend(inbound.next_frame(Codec::Pcmu));
        }
        played
    }

    #[test]
    fn thirty_ms_packets_play_whole_and_in_order() {
        let played = run(240, 10, None, 0);
        let played = &played[..2400];
        for (i, chunk) in played.chunks(240).enumerate() {
            let want = decoded(1000 + i as i16);
            assert!(chunk.iter().all(|&s| s == want), "packet {i}: {chunk:?}");
        }
    }

    #[test]
    fn ten_ms_packets_fill_a_frame_from_two() {
        let played = run(80, 10, None, 0);
        assert!(played[..80].iter().all(|&s| s == decoded(1000)));
        assert!(played[80..160].iter().all(|&s| s == decoded(1001)));
    }

    #[test]
    fn a_lost_packet_is_silence_as_long_as_a_packet() {
        // Held back two packets, so the gap is known when its turn comes.
        let played = run(240, 6, Some(2), 2);
        let start = played.iter().position(|&s| s != 0).expect("audio played");
        let audio = &played[start..start + 1440];
        assert!(audio[..240].iter().all(|&s| s == decoded(1000)));
        assert!(audio[240..480].iter().all(|&s| s == decoded(1001)));
        assert!(audio[480..720].iter().all(|&s| s == 0), "the lost packet");
        assert!(audio[720..960].iter().all(|&s| s == decoded(1003)));
        assert!(audio[1200..].iter().all(|&s| s == decoded(1005)));
    }

    #[test]
    fn nothing_received_is_silence() {
        let mut inbound = Inbound::new(3);
        assert_eq!(inbound.next_frame(Codec::Pcma), vec![0; FRAME_SAMPLES]);
        assert!(!inbound.heard());
    }

    #[test]
    fn a_frame_is_heard_while_packets_last_and_not_after() {
        let mut inbound = Inbound::new(0);
        inbound.push(0, packet(160, 1000));
        inbound.push(1, packet(80, 1000));
        inbound.next_frame(Codec::Pcmu);
        assert!(inbound.heard(), "a whole packet");
        inbound.next_frame(Codec::Pcmu);
        assert!(inbound.heard(), "half a frame of audio, padded");
        inbound.next_frame(Codec::Pcmu);
        assert!(!inbound.heard(), "nothing left: filler");
    }
}
