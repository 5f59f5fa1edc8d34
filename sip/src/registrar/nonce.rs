//! The nonces the registrar hands out in its digest challenges.
//!
//! Owns: drawing nonces from a seeded RNG, remembering when each was issued,
//! and saying whether one a phone sends back is ours and still fresh. The
//! book is bounded: when full, the oldest nonce is forgotten, so a flood of
//! unauthenticated REGISTERs costs a fixed amount of memory.
//!
//! Does not own: the clock (`now` is an argument, in seconds) or checking
//! digest responses (see the parent module).

use std::collections::{HashMap, VecDeque};

/// How long a nonce may be used, in seconds.
pub const NONCE_LIFETIME: u64 = 300;

/// How many nonces are remembered at once.
pub const NONCE_CAPACITY: usize = 4096;

/// What is known of a nonce a phone sent back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// Ours and within its lifetime.
    Fresh,
    /// Ours, but too old: the phone should retry with a new one (stale=true).
    Stale,
    /// Not one we issued (or long forgotten).
    Unknown,
}

/// Issued nonces and when.
#[derive(Debug)]
pub struct NonceBook {
    issued: HashMap<String, u64>,
    order: VecDeque<String>,
    rng: fastrand::Rng,
}

impl NonceBook {
    pub fn new(seed: u64) -> NonceBook {
        NonceBook {
            issued: HashMap::new(),
            order: VecDeque::new(),
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// A new nonce, issued at `now`.
    pub fn issue(&mut self, now: u64) -> String {
        let nonce = format!("{:016x}{:016x}", self.rng.u64(..), self.rng.u64(..));
        if self.order.len() >= NONCE_CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.issued.remove(&old);
            }
        }
        self.issued.insert(nonce.clone(), now);
        self.order.push_back(nonce.clone());
        nonce
    }

    /// Whether `nonce` is ours and fresh at `now`.
    pub fn check(&self, nonce: &str, now: u64) -> NonceState {
        match self.issued.get(nonce) {
            None => NonceState::Unknown,
            Some(&at) if now.saturating_sub(at) <= NONCE_LIFETIME => NonceState::Fresh,
            Some(_) => NonceState::Stale,
        }
    }

    /// How many nonces are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.issued.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_then_stale_and_unknown() {
        let mut book = NonceBook::new(1);
        let n = book.issue(1000);
        assert_eq!(book.check(&n, 1000), NonceState::Fresh);
        assert_eq!(book.check(&n, 1000 + NONCE_LIFETIME), NonceState::Fresh);
        assert_eq!(book.check(&n, 1001 + NONCE_LIFETIME), NonceState::Stale);
        assert_eq!(book.check("deadbeef", 1000), NonceState::Unknown);
    }

    #[test]
    fn bounded() {
        let mut book = NonceBook::new(2);
        let first = book.issue(0);
        for i in 0..NONCE_CAPACITY {
            book.issue(i as u64);
        }
        assert_eq!(book.len(), NONCE_CAPACITY);
        assert_eq!(book.check(&first, 1), NonceState::Unknown);
    }
}
