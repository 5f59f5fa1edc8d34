//! Login throttling, sans-IO: failed logins per source IP and per user
//! name, each with a back-off (a wait that doubles with each failure past
//! a few free ones) and then a temporary lock. Time is an input (`now_ms`),
//! so the tests run on a virtual clock.
//!
//! Does not own: checking passwords or answering the request.

use std::collections::HashMap;
use std::net::IpAddr;

/// How one kind of key (a source IP, a user name) is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failures allowed before any wait.
    pub free: u32,
    /// The first wait; it doubles with each further failure.
    pub base_ms: u64,
    /// Failures that lock the key for `lock_ms`.
    pub lock_after: u32,
    pub lock_ms: u64,
    /// Failures are forgotten after this long without one.
    pub forget_ms: u64,
}

/// Per user name: 3 free tries, then 1 s, 2 s, 4 s ... waits, locked for
/// 15 minutes at 10 failures.
pub const PER_USER: Limits = Limits::quarter_hour(3, 10);

/// Per source IP (several people may share one): 10 free, locked at 50.
pub const PER_IP: Limits = Limits::quarter_hour(10, 50);

impl Limits {
    /// `free` tries, then waits doubling from 1 s, locked for 15 minutes
    /// at `lock_after` failures; failures forgotten after 15 minutes.
    const fn quarter_hour(free: u32, lock_after: u32) -> Limits {
        Limits {
            free,
            base_ms: 1_000,
            lock_after,
            lock_ms: 15 * 60 * 1000,
            forget_ms: 15 * 60 * 1000,
        }
    }
}

/// Most keys remembered; past this, forgotten ones are pruned.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    failures: u32,
    last_failure_ms: u64,
    /// No try is taken before this.
    wait_until_ms: u64,
}

impl Entry {
    fn fail(&mut self, limits: &Limits, now_ms: u64) {
        if now_ms.saturating_sub(self.last_failure_ms) >= limits.forget_ms {
            self.failures = 0;
        }
        self.failures = self.failures.saturating_add(1);
        self.last_failure_ms = now_ms;
        self.wait_until_ms = if self.failures >= limits.lock_after {
            now_ms + limits.lock_ms
        } else if self.failures > limits.free {
            let doublings = (self.failures - limits.free - 1).min(20);
            now_ms + limits.base_ms.saturating_mul(1 << doublings)
        } else {
            0
        };
    }
}

/// Why a login try is refused now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// Milliseconds until a try will be taken.
    pub retry_after_ms: u64,
    /// Whether the key is locked (not just backing off).
    pub locked: bool,
}

/// Failed logins per IP and per user name.
#[derive(Debug, Default)]
pub struct Throttle {
    ips: HashMap<IpAddr, Entry>,
    users: HashMap<String, Entry>,
}

impl Throttle {
    pub fn new() -> Throttle {
        Throttle::default()
    }

    /// Whether a try from `ip` for `user` may be checked at `now_ms`.
    pub fn check(&self, ip: IpAddr, user: &str, now_ms: u64) -> Result<(), Refused> {
        let refusal = |entry: Option<&Entry>, limits: &Limits| {
            entry.filter(|e| e.wait_until_ms > now_ms).map(|e| Refused {
                retry_after_ms: e.wait_until_ms - now_ms,
                locked: e.failures >= limits.lock_after,
            })
        };
        let by_ip = refusal(self.ips.get(&ip), &PER_IP);
        let by_user = refusal(self.users.get(user), &PER_USER);
        match (by_ip, by_user) {
            (Some(a), Some(b)) => Err(if a.retry_after_ms >= b.retry_after_ms {
                a
            } else {
                b
            }),
            (Some(r), None) | (None, Some(r)) => Err(r),
            (None, None) => Ok(()),
        }
    }

    /// Counts a failed try.
    pub fn failed(&mut self, ip: IpAddr, user: &str, now_ms: u64) {
        if self.ips.len() + self.users.len() > MAX_KEYS {
            self.prune(now_ms);
        }
        self.ips.entry(ip).or_default().fail(&PER_IP, now_ms);
        self.users
            .entry(user.to_owned())
            .or_default()
            .fail(&PER_USER, now_ms);
    }

    /// A successful login clears the user's failures (the IP's stay).
    pub fn succeeded(&mut self, user: &str) {
        self.users.remove(user);
    }

    fn prune(&mut self, now_ms: u64) {
        let keep = |e: &Entry, l: &Limits| {
            e.wait_until_ms > now_ms || now_ms.saturating_sub(e.last_failure_ms) < l.forget_ms
        };
        self.ips.retain(|_, e| keep(e, &PER_IP));
        self.users.retain(|_, e| keep(e, &PER_USER));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
    const OTHER_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 8));

    #[test]
    fn per_user_backoff_doubles_then_locks() {
        let mut t = Throttle::new();
        let mut now = 0;
        for _ in 0..3 {
            assert_eq!(t.check(IP, "ann", now), Ok(()));
            t.failed(IP, "ann", now);
        }
        assert_eq!(t.check(IP, "ann", now), Ok(()), "three free tries");
        t.failed(IP, "ann", now);
        let r = t.check(IP, "ann", now).expect_err("backing off");
        assert_eq!((r.retry_after_ms, r.locked), (1_000, false));
        now += 1_000;
        assert_eq!(t.check(IP, "ann", now), Ok(()));
        t.failed(IP, "ann", now);
        assert_eq!(t.check(IP, "ann", now).unwrap_err().retry_after_ms, 2_000);
        // Up to the 10th failure, each waited out.
        for _ in 5..10 {
            now += 60_000;
            t.failed(IP, "ann", now);
        }
        let r = t.check(IP, "ann", now).expect_err("locked");
        assert!(r.locked);
        assert_eq!(r.retry_after_ms, PER_USER.lock_ms);
        // Another IP is locked out of that user too, not of others.
        assert!(t.check(OTHER_IP, "ann", now).is_err());
        assert_eq!(t.check(OTHER_IP, "bob", now), Ok(()));
        now += PER_USER.lock_ms;
        assert_eq!(t.check(OTHER_IP, "ann", now), Ok(()), "lock over");
    }

    #[test]
    fn per_ip_across_user_names() {
        let mut t = Throttle::new();
        for i in 0..PER_IP.free {
            t.failed(IP, &format!("user{i}"), 0);
        }
        assert_eq!(t.check(IP, "fresh", 0), Ok(()));
        t.failed(IP, "another", 0);
        assert!(t.check(IP, "fresh", 0).is_err(), "the IP backs off");
        assert_eq!(t.check(OTHER_IP, "fresh", 0), Ok(()));
    }

    #[test]
    fn success_clears_user_and_old_failures_are_forgotten() {
        let mut t = Throttle::new();
        for _ in 0..4 {
            t.failed(IP, "ann", 0);
        }
        t.succeeded("ann");
        assert_eq!(t.check(OTHER_IP, "ann", 0), Ok(()));
        for _ in 0..3 {
            t.failed(OTHER_IP, "bob", 0);
        }
        // 15 minutes later the count starts again: one more is free.
        let later = PER_USER.forget_ms;
        t.failed(OTHER_IP, "bob", later);
        assert_eq!(t.check(OTHER_IP, "bob", later), Ok(()));
    }
}
