//! A small RTP reorder (jitter) buffer keyed by sequence number, so that
//! recordings and the IVR see frames in order, with an explicit
//! [`Slot::Missing`] where a packet was lost.
//!
//! Owns: ordering, duplicate and late-packet dropping, 16-bit sequence
//! wraparound, the initial playout delay, and resynchronising on a new
//! stream (a large sequence jump confirmed by a second packet).
//!
//! Does not own: RTP parsing, SSRC tracking, the 20 ms playout clock (the
//! caller calls [`ReorderBuffer::pop`] once per tick), decoding, or packet
//! loss concealment (the caller turns `Missing` into silence).

use std::collections::VecDeque;

/// A packet further than this from the expected sequence number (either
/// way) is taken as the start of a new stream rather than as reordering.
const MAX_JUMP: i32 = 100;

/// Before playout starts, a packet this far behind the earliest one buffered
/// is still accepted (it was reordered ahead of playout).
const EARLY_WINDOW: i32 = 16;

/// Far-away packets needed, close to each other, before resynchronising, so a
/// single stray packet from an old stream doesn't flush the buffer.
const RESYNC_PACKETS: usize = 2;

/// What one playout tick yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The payload of the next packet in sequence order.
    Frame(Vec<u8>),
    /// The next packet was lost: play one frame of silence in its place.
    Missing,
}

/// Reorders packets of one RTP stream by sequence number.
#[derive(Debug)]
pub struct ReorderBuffer {
    depth: usize,
    /// Sequence number of `slots[0]`, once a packet has arrived.
    next: Option<u16>,
    /// `slots[i]` holds packet `next + i`; the last slot is always filled.
    slots: VecDeque<Option<Vec<u8>>>,
    frames: usize,
    started: bool,
    /// Ticks that yielded `None` after playout started and weren't since
    /// made up for: that many leading gaps are skipped rather than reported,
    /// so an outage isn't counted twice and latency doesn't grow.
    idle_ticks: u32,
    /// Far-away packets waiting for confirmation of a new stream.
    pending: Vec<(u16, Vec<u8>)>,
}

impl ReorderBuffer {
    /// A buffer that holds `depth` packets back before playout starts
    /// (e.g. 3 = 60 ms at 20 ms per packet). 0 plays from the first packet.
    pub fn new(depth: usize) -> Self {
        ReorderBuffer {
            depth,
            next: None,
            slots: VecDeque::new(),
            frames: 0,
            started: false,
            idle_ticks: 0,
            pending: Vec::new(),
        }
    }

    /// Adds one packet. Duplicates are ignored, packets whose turn has passed
    /// are dropped, sequence numbers wrap around, and a jump of more than 100
    /// either way, confirmed by a second packet near it, restarts the buffer
    /// on the new stream (what was buffered from the old one is discarded).
    pub fn push(&mut self, seq: u16, payload: Vec<u8>) {
        let Some(base) = self.next else {
            self.next = Some(seq);
            self.slots.push_back(Some(payload));
            self.frames = 1;
            return;
        };
        let d = i32::from(seq.wrapping_sub(base) as i16);
        if d.abs() > MAX_JUMP {
            self.push_far(seq, payload);
            return;
        }
        self.pending.clear();
        if d < 0 {
            if self.started || -d > EARLY_WINDOW {
                return; // too late
            }
            for _ in 0..-d {
                self.slots.push_front(None);
            }
            self.next = Some(seq);
            self.store(0, payload);
            return;
        }
        // 0 <= d <= MAX_JUMP
        let idx = d.unsigned_abs() as usize;
        if self.slots.len() <= idx {
            self.slots.resize(idx + 1, None);
        }
        self.store(idx, payload);
    }

    /// Called once per 20 ms playout tick. `None` until playout has started
    /// (`depth` packets buffered) and whenever nothing is buffered; then
    /// `Frame`s in sequence order, with `Missing` for each lost packet that a
    /// later packet proves lost.
    pub fn pop(&mut self) -> Option<Slot> {
        if !self.started {
            if self.next.is_none() || self.frames < self.depth {
                return None;
            }
            self.started = true;
        }
        loop {
            let Some(front) = self.slots.pop_front() else {
                self.idle_ticks = self.idle_ticks.saturating_add(1);
                return None;
            };
            self.next = self.next.map(|n| n.wrapping_add(1));
            match front {
                Some(frame) => {
                    self.frames -= 1;
                    self.idle_ticks = 0;
                    return Some(Slot::Frame(frame));
                }
                None if self.idle_ticks > 0 => self.idle_ticks -= 1,
                None => return Some(Slot::Missing),
            }
        }
    }

    /// Packets buffered and not yet played.
    pub fn len(&self) -> usize {
        self.frames
    }

    /// True when no packet is buffered.
    pub fn is_empty(&self) -> bool {
        self.frames == 0
    }

    fn store(&mut self, idx: usize, payload: Vec<u8>) {
        if let Some(slot @ None) = self.slots.get_mut(idx) {
            *slot = Some(payload);
            self.frames += 1;
        }
    }

    fn push_far(&mut self, seq: u16, payload: Vec<u8>) {
        let near_pending = self
            .pending
            .first()
            .is_some_and(|&(first, _)| i32::from(seq.wrapping_sub(first) as i16).abs() <= MAX_JUMP);
        if !near_pending {
            self.pending.clear();
        }
        if self.pending.iter().any(|&(s, _)| s == seq) {
            return;
        }
        self.pending.push((seq, payload));
        if self.pending.len() < RESYNC_PACKETS {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        *self = ReorderBuffer::new(self.depth);
        for (seq, payload) in pending {
            self.push(seq, payload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: u16) -> Vec<u8> {
        seq.to_be_bytes().to_vec()
    }

    fn push_all(buf: &mut ReorderBuffer, seqs: &[u16]) {
        for &s in seqs {
            buf.push(s, frame(s));
        }
    }

    /// Pops until `None`, rendering frames as their seq and gaps as `None`.
    fn drain(buf: &mut ReorderBuffer) -> Vec<Option<u16>> {
        std::iter::from_fn(|| buf.pop())
            .map(|slot| match slot {
                Slot::Frame(f) => Some(u16::from_be_bytes([f[0], f[1]])),
                Slot::Missing => None,
            })
            .collect()
    }

    #[test]
    fn holds_back_depth_packets_then_plays_in_order() {
        let mut buf = ReorderBuffer::new(3);
        assert_eq!(buf.pop(), None);
        push_all(&mut buf, &[10, 11]);
        assert_eq!(buf.pop(), None);
        assert_eq!(buf.len(), 2);
        buf.push(12, vec![0xAB, 0xCD]);
        assert_eq!(buf.pop(), Some(Slot::Frame(frame(10))));
        assert_eq!(buf.pop(), Some(Slot::Frame(frame(11))));
        assert_eq!(buf.pop(), Some(Slot::Frame(vec![0xAB, 0xCD])));
        assert_eq!(buf.pop(), None);
        assert!(buf.is_empty());
        buf.push(13, frame(13));
        assert_eq!(drain(&mut buf), [Some(13)]);
    }

    #[test]
    fn reordered_packets_come_out_in_order() {
        let mut buf = ReorderBuffer::new(3);
        push_all(&mut buf, &[1, 3, 2, 4]);
        assert_eq!(drain(&mut buf), [Some(1), Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn packet_reordered_ahead_of_the_first_one() {
        let mut buf = ReorderBuffer::new(3);
        push_all(&mut buf, &[6, 5, 7]);
        assert_eq!(drain(&mut buf), [Some(5), Some(6), Some(7)]);
    }

    #[test]
    fn loss_gives_missing_exactly_once() {
        let mut buf = ReorderBuffer::new(2);
        push_all(&mut buf, &[1, 2, 4, 5]);
        assert_eq!(drain(&mut buf), [Some(1), Some(2), None, Some(4), Some(5)]);
        push_all(&mut buf, &[6]);
        assert_eq!(drain(&mut buf), [Some(6)]);
    }

    #[test]
    fn duplicates_are_ignored() {
        let mut buf = ReorderBuffer::new(2);
        push_all(&mut buf, &[1, 1, 2, 2, 1]);
        assert_eq!(buf.len(), 2);
        assert_eq!(drain(&mut buf), [Some(1), Some(2)]);
        push_all(&mut buf, &[2, 3, 3]);
        assert_eq!(drain(&mut buf), [Some(3)]);
    }

    #[test]
    fn wraps_around_at_65535() {
        let mut buf = ReorderBuffer::new(3);
        push_all(&mut buf, &[65534, 0, 65535, 2]);
        assert_eq!(
            drain(&mut buf),
            [Some(65534), Some(65535), Some(0), None, Some(2)]
        );
    }

    #[test]
    fn late_packet_is_dropped() {
        let mut buf = ReorderBuffer::new(2);
        push_all(&mut buf, &[1, 3, 4]);
        assert_eq!(drain(&mut buf), [Some(1), None, Some(3), Some(4)]);
        buf.push(2, frame(2));
        assert!(buf.is_empty());
        assert_eq!(buf.pop(), None);
        buf.push(5, frame(5));
        assert_eq!(drain(&mut buf), [Some(5)]);
    }

    #[test]
    fn resyncs_after_a_big_jump() {
        let mut buf = ReorderBuffer::new(2);
        push_all(&mut buf, &[100, 101, 102]);
        assert_eq!(buf.pop(), Some(Slot::Frame(frame(100))));
        // A new stream: the first far packet waits for confirmation...
        buf.push(30_000, frame(30_000));
        assert_eq!(buf.len(), 2);
        // ...the second confirms it; the old stream's frames are dropped.
        buf.push(30_001, frame(30_001));
        assert_eq!(buf.len(), 2);
        buf.push(30_002, frame(30_002));
        assert_eq!(drain(&mut buf), [Some(30_000), Some(30_001), Some(30_002)]);
        // Backwards jumps resync too.
        push_all(&mut buf, &[7, 8, 9]);
        assert_eq!(drain(&mut buf), [Some(7), Some(8), Some(9)]);
    }

    #[test]
    fn a_single_stray_packet_does_not_resync() {
        let mut buf = ReorderBuffer::new(1);
        push_all(&mut buf, &[500, 501]);
        buf.push(9_000, frame(9_000));
        push_all(&mut buf, &[502, 503]);
        assert_eq!(
            drain(&mut buf),
            [Some(500), Some(501), Some(502), Some(503)]
        );
    }

    #[test]
    fn an_outage_is_not_counted_twice() {
        let mut buf = ReorderBuffer::new(1);
        push_all(&mut buf, &[1, 2]);
        assert_eq!(drain(&mut buf), [Some(1), Some(2)]);
        // Packets 3..=7 lost while the caller kept ticking (5 idle ticks + the
        // one `drain` ended on).
        for _ in 0..4 {
            assert_eq!(buf.pop(), None);
        }
        push_all(&mut buf, &[8, 9]);
        assert_eq!(drain(&mut buf), [Some(8), Some(9)]);
        // Once a frame has played, a gap is reported again.
        push_all(&mut buf, &[10, 12, 13]);
        assert_eq!(drain(&mut buf), [Some(10), None, Some(12), Some(13)]);
    }

    #[test]
    fn depth_zero_plays_immediately() {
        let mut buf = ReorderBuffer::new(0);
        assert_eq!(buf.pop(), None);
        buf.push(42, frame(42));
        assert_eq!(drain(&mut buf), [Some(42)]);
    }
}
