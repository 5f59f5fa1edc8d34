//! Throttling of failed digest authentication, per source and per account.
//!
//! Owns: counting failures (a wrong password, an unknown user, an attempt
//! refused while blocked) per source address and per claimed user name,
//! and deciding whether a source's next attempt may be checked at all.
//! Each source gets [`FREE_FAILURES`] failures; after that it must wait
//! before its next attempt is checked, 1 s after the first failure over,
//! doubling with each further one up to [`MAX_BLOCK`]. An attempt made
//! while it waits counts as a failure too, so a source that keeps guessing
//! stays blocked. Once an account has had [`ACCOUNT_FAILURES`] failures
//! from anywhere, every source that fails for it is blocked at once for at
//! least [`ATTACKED_BLOCK`]: a guess spread over many addresses costs each
//! of them its block, while a source that has not failed (the phone with
//! the right password) is still checked and let in.
//!
//! Nothing here depends on whether a user exists: a claimed name that is
//! no account is counted like one that is, so the answers cannot tell
//! them apart. Memory is bounded: at most [`CAPACITY`] sources and as many
//! user names are remembered, the least recently seen forgotten first, and
//! a record with no failure for [`FORGET`] counts as clean.
//!
//! Sans-IO: `now` (Unix seconds) is an argument; no clock, no socket. Does
//! not own: checking credentials or answering (the registrar's), logging.

use std::net::IpAddr;

use hashlink::LruCache;

/// Failures a source may have before it must wait between attempts.
pub const FREE_FAILURES: u32 = 5;
/// Failures for one account after which each failing source is blocked at
/// its first failure.
pub const ACCOUNT_FAILURES: u32 = 20;
/// Longest wait, in seconds.
pub const MAX_BLOCK: u64 = 900;
/// Shortest block of a source failing for an account under attack.
pub const ATTACKED_BLOCK: u64 = 60;
/// Seconds without a failure after which a record no longer counts.
pub const FORGET: u64 = 1800;
/// Sources (and, apart, user names) remembered at once.
pub const CAPACITY: usize = 4096;
/// Longest user name kept as a key (longer names are cut).
const MAX_USER_KEY: usize = 64;

/// Whether an attempt may be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the credentials.
    Check,
    /// Refuse without checking: the source is blocked until then (Unix s).
    Refuse { until: u64 },
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last: u64,
    blocked_until: u64,
}

impl Record {
    /// The record as it counts at `now` (clean once forgotten).
    fn at(self, now: u64) -> Record {
        if now.saturating_sub(self.last) >= FORGET {
            Record {
                failures: 0,
                last: self.last,
                blocked_until: 0,
            }
        } else {
            self
        }
    }
}

/// Failure counts per source and per claimed user name.
#[derive(Debug)]
pub struct Throttle {
    sources: LruCache<IpAddr, Record>,
    accounts: LruCache<String, Record>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::with_capacity(CAPACITY)
    }
}

impl Throttle {
    /// A throttle remembering at most `capacity` sources and as many names.
    pub fn with_capacity(capacity: usize) -> Throttle {
        Throttle {
            sources: LruCache::new(capacity.max(1)),
            accounts: LruCache::new(capacity.max(1)),
        }
    }

    /// Whether an attempt from `source` at `now` may be checked.
    pub fn admit(&mut self, source: IpAddr, now: u64) -> Verdict {
        let key = source_key(source);
        match self.sources.get(&key).map(|r| r.at(now)) {
            Some(r) if r.blocked_until > now => Verdict::Refuse {
                until: r.blocked_until,
            },
            _ => Verdict::Check,
        }
    }

    /// Counts a failure from `source` claiming `user` at `now`; returns
    /// until when the source is now blocked, if it is.
    pub fn failed(&mut self, source: IpAddr, user: &str, now: u64) -> Option<u64> {
        let name: String = user.chars().take(MAX_USER_KEY).collect();
        let account = bump(&mut self.accounts, name, now);
        let key = source_key(source);
        let mut record = self
            .sources
            .get(&key)
            .map_or(Record::default_at(now), |r| r.at(now));
        record.failures = record.failures.saturating_add(1);
        record.last = now;
        let mut wait = backoff(record.failures);
        if account.failures >= ACCOUNT_FAILURES {
            wait = wait.max(ATTACKED_BLOCK);
        }
        if wait > 0 {
            record.blocked_until = record.blocked_until.max(now + wait);
        }
        self.sources.insert(key, record);
        (record.blocked_until > now).then_some(record.blocked_until)
    }

    /// How many sources are remembered.
    pub fn sources(&self) -> usize {
        self.sources.len()
    }

    /// How many user names are remembered.
    pub fn accounts(&self) -> usize {
        self.accounts.len()
    }
}

impl Record {
    fn default_at(now: u64) -> Record {
        Record {
            failures: 0,
            last: now,
            blocked_until: 0,
        }
    }
}

/// Counts one failure in `table` under `key`; returns the record after it.
fn bump(table: &mut LruCache<String, Record>, key: String, now: u64) -> Record {
    let mut record = table
        .get(&key)
        .map_or(Record::default_at(now), |r| r.at(now));
    record.failures = record.failures.saturating_add(1);
    record.last = now;
    table.insert(key, record);
    record
}

/// Seconds a source must wait after its `failures`-th failure.
fn backoff(failures: u32) -> u64 {
    match failures.checked_sub(FREE_FAILURES) {
        None => 0,
        Some(over) => 1u64.checked_shl(over).unwrap_or(MAX_BLOCK).min(MAX_BLOCK),
    }
}

/// The address a source is counted under: an IPv4 address as it is (also
/// when mapped into IPv6), an IPv6 address by its /64, which one
/// subscriber usually holds whole.
fn source_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                for o in octets.iter_mut().skip(8) {
                    *o = 0;
                }
                IpAddr::from(octets)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn free_failures_then_doubling_waits() {
        let mut t = Throttle::default();
        let a = ip("192.0.2.1");
        for _ in 0..FREE_FAILURES - 1 {
            assert_eq!(t.failed(a, "alice", 1000), None);
            assert_eq!(t.admit(a, 1000), Verdict::Check);
        }
        assert_eq!(t.failed(a, "alice", 1000), Some(1001));
        assert_eq!(t.admit(a, 1000), Verdict::Refuse { until: 1001 });
        assert_eq!(t.admit(a, 1001), Verdict::Check);
        assert_eq!(t.failed(a, "alice", 1001), Some(1003));
        assert_eq!(t.failed(a, "alice", 1003), Some(1007));
    }

    #[test]
    fn guessing_while_blocked_keeps_the_source_blocked_up_to_the_cap() {
        let mut t = Throttle::default();
        let a = ip("192.0.2.1");
        // Checked and wrong, or refused unchecked: a failure either way.
        let mut until = None;
        for _ in 0..200 {
            until = t.failed(a, "alice", 5000);
        }
        assert_eq!(until, Some(5000 + MAX_BLOCK));
        assert_eq!(
            t.admit(a, 5000 + MAX_BLOCK - 1),
            Verdict::Refuse {
                until: 5000 + MAX_BLOCK
            }
        );
        assert_eq!(t.admit(a, 5000 + MAX_BLOCK), Verdict::Check);
    }

    #[test]
    fn another_source_is_checked_while_one_is_blocked() {
        let mut t = Throttle::default();
        for _ in 0..200 {
            t.failed(ip("127.0.0.2"), "alice", 100);
        }
        assert!(matches!(
            t.admit(ip("127.0.0.2"), 101),
            Verdict::Refuse { .. }
        ));
        assert_eq!(t.admit(ip("127.0.0.3"), 101), Verdict::Check);
    }

    #[test]
    fn an_attacked_account_blocks_each_failing_source_at_its_first_failure() {
        let mut t = Throttle::default();
        for i in 0..ACCOUNT_FAILURES {
            let source = IpAddr::from([198, 51, 100, i as u8]);
            t.failed(source, "alice", 100);
        }
        let next = ip("203.0.113.7");
        assert_eq!(t.admit(next, 100), Verdict::Check);
        assert_eq!(t.failed(next, "alice", 100), Some(100 + ATTACKED_BLOCK));
        // A failure for another name from a clean source is not blocked.
        assert_eq!(t.failed(ip("203.0.113.8"), "bob", 100), None);
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_spell() {
        let mut t = Throttle::default();
        let a = ip("192.0.2.1");
        for _ in 0..FREE_FAILURES - 1 {
            t.failed(a, "alice", 0);
        }
        assert_eq!(t.failed(a, "alice", FORGET), None);
        assert_eq!(t.admit(a, FORGET), Verdict::Check);
    }

    #[test]
    fn known_and_unknown_names_count_alike() {
        let mut known = Throttle::default();
        let mut unknown = Throttle::default();
        let a = ip("192.0.2.1");
        for now in 0..30 {
            assert_eq!(
                known.failed(a, "kitchen", now),
                unknown.failed(a, "no-such-user", now)
            );
            assert_eq!(known.admit(a, now), unknown.admit(a, now));
        }
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_is_forgotten() {
        let mut t = Throttle::with_capacity(8);
        let first = ip("10.0.0.1");
        for _ in 0..50 {
            t.failed(first, "x", 0);
        }
        for i in 0..20u8 {
            t.failed(IpAddr::from([10, 1, 0, i]), &format!("user{i}"), 1);
        }
        assert_eq!(t.sources(), 8);
        assert_eq!(t.accounts(), 8);
        assert_eq!(t.admit(first, 2), Verdict::Check);
    }

    #[test]
    fn a_busy_source_is_kept_over_idle_ones() {
        let mut t = Throttle::with_capacity(4);
        let attacker = ip("10.0.0.1");
        for i in 0..40u8 {
            t.failed(attacker, "x", 0);
            t.failed(IpAddr::from([10, 1, 0, i]), "y", 0);
        }
        assert!(matches!(t.admit(attacker, 1), Verdict::Refuse { .. }));
    }

    #[test]
    fn ipv6_sources_count_by_their_64() {
        let mut t = Throttle::default();
        for i in 1..=FREE_FAILURES {
            t.failed(format!("2001:db8::{i}").parse().unwrap(), "alice", 0);
        }
        assert!(matches!(
            t.admit(ip("2001:db8::ffff"), 0),
            Verdict::Refuse { .. }
        ));
        assert_eq!(t.admit(ip("2001:db8:0:1::1"), 0), Verdict::Check);
        for _ in 0..FREE_FAILURES {
            t.failed(ip("::ffff:192.0.2.9"), "alice", 0);
        }
        assert!(matches!(
            t.admit(ip("192.0.2.9"), 0),
            Verdict::Refuse { .. }
        ));
    }
}
