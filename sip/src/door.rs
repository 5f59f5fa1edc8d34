//! The door: which new INVITEs reach the SIP stack while the application
//! sheds load, as sans-IO state fed with the time.
//!
//! While the application sheds load every new call it is offered gets 503,
//! and each of those used to cost a server transaction that rsipstack keeps
//! for 64×T1 after it ends. The door turns them away before the stack:
//! the guarded UDP socket answers them statelessly (RFC 3261 §8.2.6 allows a
//! UAS to be stateless for a final response). A retransmission of an INVITE
//! the door let through must still reach its transaction, shedding or not,
//! so the door remembers each transaction it passed (and each it shed, to
//! count a call once) for one to two windows of 64×T1.
//!
//! Owns: that memory and the decision. Does not own: when to shed (the
//! application's admission, through [`SipEndpoint::set_busy`]), parsing (the
//! [`guard`](crate::guard)) or sending (`guarded_udp`). INVITEs over TCP
//! are not retransmitted and reach the application as before.
//!
//! [`SipEndpoint::set_busy`]: crate::SipEndpoint::set_busy

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a transaction is remembered at least (64×T1, RFC 3261 Timer B:
/// a client retransmits an INVITE no longer than this).
pub const WINDOW: Duration = Duration::from_secs(32);

/// What became of a new INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Hand it to the stack (new, or a retransmission of one handed on).
    Pass,
    /// Answer 503 with this Retry-After (seconds); `first` is false for a
    /// retransmission of an INVITE already turned away.
    Shed { retry_after_secs: u32, first: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Passed,
    Shed,
}

/// The transactions seen in the current window and the one before it.
#[derive(Debug, Default)]
pub struct Door {
    current: HashMap<u64, Fate>,
    previous: HashMap<u64, Fate>,
    /// When `current` began.
    since: Option<Instant>,
}

impl Door {
    pub fn new() -> Self {
        Self::default()
    }

    /// A new INVITE with transaction `key` arrives at `now`; `shedding` is
    /// the Retry-After (seconds) while the application sheds load.
    pub fn enter(&mut self, key: u64, now: Instant, shedding: Option<u32>) -> Entry {
        self.rotate(now);
        let known = self
            .current
            .get(&key)
            .or_else(|| self.previous.get(&key))
            .copied();
        match (known, shedding) {
            (Some(Fate::Passed), _) => Entry::Pass,
            (Some(Fate::Shed), _) => {
                self.current.insert(key, Fate::Shed);
                Entry::Shed {
                    retry_after_secs: shedding.unwrap_or(1),
                    first: false,
                }
            }
            (None, None) => {
                self.current.insert(key, Fate::Passed);
                Entry::Pass
            }
            (None, Some(secs)) => {
                self.current.insert(key, Fate::Shed);
                Entry::Shed {
                    retry_after_secs: secs,
                    first: true,
                }
            }
        }
    }

    /// Transactions remembered now.
    pub fn remembered(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    fn rotate(&mut self, now: Instant) {
        let since = *self.since.get_or_insert(now);
        let age = now.saturating_duration_since(since);
        if age >= WINDOW * 2 {
            self.previous.clear();
            self.current.clear();
            self.since = Some(now);
        } else if age >= WINDOW {
            self.previous = std::mem::take(&mut self.current);
            self.since = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHED: Option<u32> = Some(7);

    #[test]
    fn new_invites_pass_until_shedding_then_get_503_once_counted() {
        let t0 = Instant::now();
        let mut door = Door::new();
        assert_eq!(door.enter(1, t0, None), Entry::Pass);
        let shed = door.enter(2, t0, SHED);
        assert_eq!(
            shed,
            Entry::Shed {
                retry_after_secs: 7,
                first: true
            }
        );
        // Its retransmission is answered again but not counted again.
        let again = door.enter(2, t0 + Duration::from_millis(500), SHED);
        assert_eq!(
            again,
            Entry::Shed {
                retry_after_secs: 7,
                first: false
            }
        );
    }

    #[test]
    fn a_retransmission_of_an_invite_let_through_passes_while_shedding() {
        let t0 = Instant::now();
        let mut door = Door::new();
        assert_eq!(door.enter(1, t0, None), Entry::Pass);
        // Across a window boundary, up to 64×T1 later.
        for ms in [500, 4_000, 31_000, 33_000, 32_000 + 31_000] {
            let at = t0 + Duration::from_millis(ms);
            assert_eq!(door.enter(1, at, SHED), Entry::Pass, "{ms} ms");
        }
    }

    #[test]
    fn a_shed_invite_retransmitted_after_shedding_stopped_is_still_turned_away() {
        let t0 = Instant::now();
        let mut door = Door::new();
        door.enter(9, t0, SHED);
        let later = door.enter(9, t0 + Duration::from_secs(2), None);
        assert!(
            matches!(later, Entry::Shed { first: false, .. }),
            "{later:?}"
        );
    }

    #[test]
    fn transactions_are_forgotten_after_two_windows() {
        let t0 = Instant::now();
        let mut door = Door::new();
        for key in 0..100 {
            door.enter(key, t0, None);
        }
        assert_eq!(door.remembered(), 100);
        door.enter(1000, t0 + WINDOW, None);
        assert_eq!(door.remembered(), 101, "one window on: kept as previous");
        door.enter(1001, t0 + WINDOW * 2, None);
        assert_eq!(door.remembered(), 2, "two windows on: the first 100 gone");
        // Forgotten: now a new INVITE like any other.
        let fresh = door.enter(5, t0 + WINDOW * 2, SHED);
        assert!(
            matches!(fresh, Entry::Shed { first: true, .. }),
            "{fresh:?}"
        );
        door.enter(1002, t0 + WINDOW * 5, None);
        assert_eq!(door.remembered(), 1, "a long quiet spell forgets all");
    }
}
