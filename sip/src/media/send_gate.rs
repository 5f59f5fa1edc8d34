//! Whether a tick's frame is worth a packet: silence is not sent.
//!
//! Owns: the rule that a stream sends RTP when it has something to say —
//! a prompt, audio relayed from the other leg, a DTMF event — and during
//! silence only one packet a second ([`KEEPALIVE_TICKS`]), plus one at the
//! very start. A relay forwards what it hears, as a proxying media relay
//! does; the keepalive holds NAT bindings open and keeps peers that watch
//! for RTP timeouts from hanging up on a quiet call. The first packet after
//! a silence carries the marker bit (the stream's talkspurt rule, RFC 3551
//! section 4.1), and timestamps advance over the gap, so a receiver plays
//! the gap as silence.
//!
//! Does not own: the clock (the RTP session asks once per 20 ms tick) or
//! what is sent.

/// Ticks (20 ms) of silence between two keepalive packets: one a second.
pub const KEEPALIVE_TICKS: u32 = 50;

/// Counts the ticks since the last packet sent.
#[derive(Debug, Clone)]
pub struct SendGate {
    since_sent: u32,
}

impl Default for SendGate {
    fn default() -> Self {
        // The first tick sends, whatever it holds.
        SendGate {
            since_sent: KEEPALIVE_TICKS,
        }
    }
}

impl SendGate {
    /// A gate whose first tick sends.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether this tick sends a packet: always when `audible`, otherwise
    /// once per [`KEEPALIVE_TICKS`]. Counts the tick either way.
    pub fn tick(&mut self, audible: bool) -> bool {
        if audible || self.since_sent >= KEEPALIVE_TICKS {
            self.since_sent = 1;
            true
        } else {
            self.since_sent += 1;
            false
        }
    }

    /// Ticks to come that send nothing if they are silent: the next one
    /// that does is the keepalive, this many ticks ahead (0: the next).
    pub fn quiet_ticks(&self) -> u32 {
        KEEPALIVE_TICKS.saturating_sub(self.since_sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_is_always_sent() {
        let mut gate = SendGate::new();
        assert!((0..200).all(|_| gate.tick(true)));
    }

    #[test]
    fn quiet_ticks_count_down_to_the_keepalive() {
        let mut gate = SendGate::new();
        for _ in 0..200 {
            let quiet = gate.quiet_ticks();
            let sends: Vec<bool> = (0..=quiet).map(|_| gate.tick(false)).collect();
            assert_eq!(sends.iter().filter(|s| **s).count(), 1);
            assert_eq!(sends.last(), Some(&true));
        }
    }

    #[test]
    fn silence_sends_the_first_tick_then_one_packet_a_second() {
        let mut gate = SendGate::new();
        let sent: Vec<usize> = (0..151).filter(|_| gate.tick(false)).collect();
        assert_eq!(sent, vec![0, 50, 100, 150]);
    }

    #[test]
    fn the_keepalive_counts_from_the_last_audio() {
        let mut gate = SendGate::new();
        let pattern: Vec<bool> = (0..120).map(|i| i < 10).collect();
        let sent: Vec<usize> = pattern
            .iter()
            .enumerate()
            .filter(|(_, audible)| gate.tick(**audible))
            .map(|(i, _)| i)
            .collect();
        // Ten frames of audio (0-9), then silence: the next packet is a
        // second after the last one sent (tick 9), at 59, then 109.
        let mut expected: Vec<usize> = (0..10).collect();
        expected.extend([59, 109]);
        assert_eq!(sent, expected);
    }
}
