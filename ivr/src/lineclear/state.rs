//! The callback's internal states: where its flow is, and one of its own
//! legs (a phone rung back, the resident's own call, or the call to the
//! verified number).
//!
//! Owns: these states and starting a leg's teardown (CANCEL while it
//! rings, BYE once up), bounded by a deadline. Does not own: the
//! transitions ([`super::Callback`]) or the legs on the line before the
//! callback ([`super::LineClear`] clears those).

use std::time::Instant;

use crate::types::PromptId;

/// Where the callback as a whole is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    /// Waiting for the line to clear (and, for an emergency, the cap).
    Clearing,
    /// The resident's phones ring until `deadline`.
    Ringing {
        deadline: Instant,
    },
    /// The menu prompt `playing` plays, or once it has (`None`) a key is
    /// awaited, until `until`; `left` repeats remain.
    Menu {
        playing: Option<PromptId>,
        until: Instant,
        left: u8,
    },
    /// The verified number rings until `deadline`.
    Dialling {
        entry: usize,
        deadline: Instant,
    },
    Bridged,
    /// A closing prompt plays until `guard`; the resident gets BYE after.
    Farewell {
        id: PromptId,
        guard: Instant,
    },
    /// Waiting for the legs to go down.
    Ending,
    Finished,
}

/// One of the callback's own legs.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Leg {
    /// Not started.
    Idle,
    /// Our INVITE (or, for the resident's own call, theirs) is unanswered.
    Ringing,
    Up,
    /// We sent CANCEL; down when it completes or at `until`.
    Cancelling {
        until: Instant,
    },
    /// We sent BYE; down when it completes or at `until`.
    Closing {
        until: Instant,
    },
    Down,
}

/// What to send to tear a leg down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Teardown {
    Cancel,
    Bye,
}

impl Leg {
    pub(super) fn until(self) -> Option<Instant> {
        match self {
            Leg::Cancelling { until } | Leg::Closing { until } => Some(until),
            _ => None,
        }
    }

    /// Nothing left to wait for on this leg.
    pub(super) fn is_done(self) -> bool {
        matches!(self, Leg::Idle | Leg::Down)
    }

    /// Starts tearing the leg down, to be given up on at `until`: CANCEL
    /// while it rings, BYE once up or when its answer crossed our CANCEL.
    pub(super) fn hang_up(&mut self, until: Instant) -> Option<Teardown> {
        let (leg, teardown) = match *self {
            Leg::Ringing => (Leg::Cancelling { until }, Teardown::Cancel),
            Leg::Up | Leg::Cancelling { .. } => (Leg::Closing { until }, Teardown::Bye),
            Leg::Idle | Leg::Closing { .. } | Leg::Down => return None,
        };
        *self = leg;
        Some(teardown)
    }

    /// Our CANCEL or BYE completed, or the leg ended while being torn
    /// down: true if it was being torn down (and is now down).
    pub(super) fn torn_down(&mut self) -> bool {
        let tearing = self.until().is_some();
        if tearing {
            *self = Leg::Down;
        }
        tearing
    }
}
