//! Which source a call's RTP is accepted from (symmetric RTP latching that
//! does not let a stranger take the stream over).
//!
//! Owns: deciding, for each packet's source address, whether it is the
//! caller's media, and so where our own media goes. The stream latches to
//! the first source it hears once it runs (after the answer), preferring
//! the address the SDP signalled: a packet from exactly that address takes
//! the latch over from any other source, one from its IP (another port:
//! a NAT that rewrote the port) from any source on another IP. Any other
//! source is dropped and counted while the latched one is alive; only after
//! it has been silent for [`RELATCH_AFTER`] may another take over (the
//! caller's NAT binding changed). A new SDP address (re-INVITE) starts
//! over.
//!
//! Sans-IO: the time of each packet is an argument. Does not own: the
//! socket, parsing RTP, or what is done with accepted packets
//! (`rtp_session`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long the latched source must be silent before another may take
/// the stream over.
pub const RELATCH_AFTER: Duration = Duration::from_secs(3);

/// The source a call's media is accepted from.
#[derive(Debug, Clone)]
pub struct Latch {
    signalled: Option<SocketAddr>,
    latched: Option<SocketAddr>,
    last_heard: Option<Instant>,
    dropped: u64,
}

impl Latch {
    /// A latch for a stream the SDP says comes from `signalled`.
    pub fn new(signalled: Option<SocketAddr>) -> Latch {
        Latch {
            signalled,
            latched: None,
            last_heard: None,
            dropped: 0,
        }
    }

    /// Whether a packet from `from`, arriving at `now`, is the caller's
    /// media; a packet refused is counted in [`Latch::dropped`].
    pub fn accept(&mut self, from: SocketAddr, now: Instant) -> bool {
        if from.port() == 0 || from.ip().is_unspecified() {
            self.dropped += 1;
            return false;
        }
        let take = match self.latched {
            None => true,
            Some(latched) if latched == from => true,
            Some(latched) => {
                let silent = self
                    .last_heard
                    .is_none_or(|heard| now.saturating_duration_since(heard) >= RELATCH_AFTER);
                self.rank(from) > self.rank(latched) || silent
            }
        };
        if take {
            self.latched = Some(from);
            self.last_heard = Some(now);
        } else {
            self.dropped += 1;
        }
        take
    }

    /// Where our media goes: the latched source, else the SDP address.
    pub fn remote(&self) -> Option<SocketAddr> {
        self.latched.or(self.signalled)
    }

    /// The source latched to, if any.
    pub fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }

    /// The SDP moved the stream (re-INVITE): latch anew.
    pub fn resignal(&mut self, signalled: Option<SocketAddr>) {
        self.signalled = signalled;
        self.latched = None;
        self.last_heard = None;
    }

    /// Packets refused so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// How much a source looks like the signalled one: 2 for the address
    /// itself, 1 for its IP, 0 for anything else.
    fn rank(&self, addr: SocketAddr) -> u8 {
        match self.signalled {
            Some(s) if s == addr => 2,
            Some(s) if s.ip() == addr.ip() => 1,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    const MS20: Duration = Duration::from_millis(20);

    #[test]
    fn latches_to_the_signalled_address_and_drops_a_stranger() {
        let t0 = Instant::now();
        let caller = addr("192.0.2.5:4000");
        let mut latch = Latch::new(Some(caller));
        assert_eq!(latch.remote(), Some(caller));
        assert!(latch.accept(caller, t0));
        for i in 1..100u32 {
            let now = t0 + MS20 * i;
            assert!(latch.accept(caller, now));
            assert!(!latch.accept(addr("192.0.2.5:4002"), now));
            assert!(!latch.accept(addr("203.0.113.9:4000"), now));
        }
        assert_eq!(latch.remote(), Some(caller));
        assert_eq!(latch.dropped(), 198);
    }

    #[test]
    fn behind_nat_the_first_source_is_kept_against_a_stranger() {
        let t0 = Instant::now();
        let mut latch = Latch::new(Some(addr("10.0.0.5:4000")));
        let nat = addr("198.51.100.7:61234");
        assert!(latch.accept(nat, t0));
        assert_eq!(latch.remote(), Some(nat));
        assert!(!latch.accept(addr("203.0.113.9:5000"), t0 + MS20));
        assert!(latch.accept(nat, t0 + MS20 * 2));
        assert_eq!(latch.remote(), Some(nat));
    }

    #[test]
    fn the_signalled_address_takes_over_from_a_stranger_who_came_first() {
        let t0 = Instant::now();
        let caller = addr("192.0.2.5:4000");
        let mut latch = Latch::new(Some(caller));
        assert!(latch.accept(addr("203.0.113.9:5000"), t0));
        assert!(latch.accept(addr("192.0.2.5:4010"), t0 + MS20));
        assert!(latch.accept(caller, t0 + MS20 * 2));
        assert!(!latch.accept(addr("192.0.2.5:4010"), t0 + MS20 * 3));
        assert!(!latch.accept(addr("203.0.113.9:5000"), t0 + MS20 * 3));
        assert_eq!(latch.latched(), Some(caller));
    }

    #[test]
    fn another_source_takes_over_only_after_silence() {
        let t0 = Instant::now();
        let mut latch = Latch::new(None);
        let first = addr("198.51.100.7:61234");
        let moved = addr("198.51.100.7:61300");
        assert!(latch.accept(first, t0));
        let almost = t0 + RELATCH_AFTER - Duration::from_millis(1);
        assert!(!latch.accept(moved, almost));
        assert!(latch.accept(moved, t0 + RELATCH_AFTER));
        assert_eq!(latch.remote(), Some(moved));
        assert!(!latch.accept(first, t0 + RELATCH_AFTER + MS20));
    }

    #[test]
    fn bogus_sources_are_dropped() {
        let t0 = Instant::now();
        let mut latch = Latch::new(None);
        assert!(!latch.accept(addr("0.0.0.0:4000"), t0));
        assert!(!latch.accept(addr("192.0.2.1:0"), t0));
        assert_eq!(latch.latched(), None);
        assert_eq!(latch.dropped(), 2);
    }

    #[test]
    fn a_new_sdp_address_latches_anew() {
        let t0 = Instant::now();
        let mut latch = Latch::new(Some(addr("192.0.2.5:4000")));
        assert!(latch.accept(addr("192.0.2.5:4000"), t0));
        latch.resignal(Some(addr("192.0.2.6:4100")));
        assert_eq!(latch.remote(), Some(addr("192.0.2.6:4100")));
        assert!(latch.accept(addr("192.0.2.6:4100"), t0 + MS20));
        assert!(!latch.accept(addr("192.0.2.5:4000"), t0 + MS20 * 2));
    }
}
