//! The proof, for the call log, that a callback reached the resident only
//! over a clear line.
//!
//! Owns: the record as data: every leg that was on the line with when and
//! how it went, when the line was declared clear, when the callback proper
//! started (and so whether that was after), and what was dialled. Does not
//! own: collecting it ([`super::Callback`] does, as its events come) or its
//! text in the call log (the runtime writes that at the store's edge).

use std::time::{Duration, Instant};

use super::clear::Clearance;

/// What one callback dialled.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dialled {
    /// The entry of the line's [`super::VerifiedNumbers`].
    pub entry: usize,
    /// Its normalized number: what the runtime dials.
    pub number: String,
    pub at: Instant,
}

/// Everything the call log keeps to prove one callback clean, so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClearingProof {
    /// When clearing began (the callback was created). Durations in the
    /// log are measured from here ([`ClearingProof::since_began`]).
    pub began: Instant,
    /// Every leg that was on the line: when and how it went, in order.
    pub cleared: Vec<Clearance>,
    /// When the line was declared clear (after every clearance).
    pub line_clear_at: Option<Instant>,
    /// When the callback proper started: the resident's phones rung, or
    /// their own call answered. `None` if it never did (the resident hung
    /// up while the line was clearing).
    pub started_at: Option<Instant>,
    /// The verified number dialled, at most one.
    pub dialled: Option<Dialled>,
}

impl ClearingProof {
    pub(super) fn new(began: Instant) -> Self {
        Self {
            began,
            cleared: Vec::new(),
            line_clear_at: None,
            started_at: None,
            dialled: None,
        }
    }

    /// The callback started, and not before the line was clear.
    pub fn started_after_clear(&self) -> bool {
        matches!(
            (self.started_at, self.line_clear_at),
            (Some(started), Some(clear)) if started >= clear
        )
    }

    /// How long after clearing began `at` was (zero for an earlier `at`).
    pub fn since_began(&self, at: Instant) -> Duration {
        at.saturating_duration_since(self.began)
    }
}
