//! The resident's runs of keys, as PIN evidence: how many digits and when,
//! never which.
//!
//! Owns: a run in progress, when it ends (a non-digit, or no key within the
//! digit timeout) and whether an ended run is PIN-length. Does not own:
//! whether police or bank talk came before it, or raising `pin-keyed`
//! ([`super::Tagger`] does both), nor which keys count (only the
//! resident's; the tagger filters).

use std::time::Duration;

use super::config::{TaggerConfig, MAX_PIN_DIGITS, MAX_TAGGING_DURATION};

/// A run of digits keyed by the resident: how many and when, never which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct KeyRun {
    /// Capped at one more than a PIN can have.
    pub(super) count: usize,
    pub(super) first: Duration,
    pub(super) last: Duration,
}

/// The run in progress and the limits that end and judge it.
#[derive(Debug)]
pub(super) struct KeyRuns {
    digit_timeout: Duration,
    pin_digits: (usize, usize),
    run: Option<KeyRun>,
}

impl KeyRuns {
    pub(super) fn new(config: &TaggerConfig) -> Self {
        Self {
            digit_timeout: config.digit_timeout.min(MAX_TAGGING_DURATION),
            pin_digits: (
                config.pin_min_digits.max(1),
                config.pin_max_digits.min(MAX_PIN_DIGITS),
            ),
            run: None,
        }
    }

    /// `key` at offset `at`: the runs it ended (the one in progress, timed
    /// out before it or ended by a non-digit), at most one.
    pub(super) fn key(&mut self, at: Duration, key: char) -> Option<KeyRun> {
        let timed_out = self
            .run
            .is_some_and(|r| at.saturating_sub(r.last) >= self.digit_timeout);
        let ended = if timed_out { self.run.take() } else { None };
        if !key.is_ascii_digit() {
            return ended.or_else(|| self.run.take());
        }
        let cap = self.pin_digits.1.saturating_add(1);
        self.run = Some(match self.run {
            Some(r) => KeyRun {
                count: r.count.saturating_add(1).min(cap),
                first: r.first,
                last: r.last.max(at),
            },
            None => KeyRun {
                count: 1,
                first: at,
                last: at,
            },
        });
        ended
    }

    /// Ends the run in progress, if any.
    pub(super) fn end(&mut self) -> Option<KeyRun> {
        self.run.take()
    }

    /// The offset at which the run in progress times out.
    pub(super) fn deadline(&self) -> Option<Duration> {
        let run = self.run?;
        Some(run.last.saturating_add(self.digit_timeout))
    }

    /// Whether `run` has as many digits as a PIN.
    pub(super) fn is_pin(&self, run: &KeyRun) -> bool {
        let (min, max) = self.pin_digits;
        (min..=max).contains(&run.count)
    }
}
