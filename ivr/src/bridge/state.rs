//! Where each leg and the bridged call as a whole are: the states
//! [`super::BridgeCall`] moves through, and deadline arithmetic.
//!
//! Does not own: the transitions (the handlers in the sibling modules).

use std::time::Instant;

use super::types::BridgePrompt;
use crate::types::PromptId;

/// One leg of the call: the caller's, or one phone's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Leg {
    /// A phone we sent INVITE to, with no final response yet.
    Ringing,
    /// Connected: the caller's leg from the start, a phone's once it won.
    Up,
    /// We sent CANCEL; down when it completes, the INVITE fails (487) or
    /// at `until`. An answer crossing the CANCEL gets BYE.
    Cancelling { until: Instant },
    /// We sent BYE; down when it completes or at `until`.
    Closing { until: Instant },
    /// Hung up, failed, gone or given up on. Nothing brings a leg back.
    Down,
}

impl Leg {
    pub(super) fn until(self) -> Option<Instant> {
        match self {
            Leg::Cancelling { until } | Leg::Closing { until } => Some(until),
            Leg::Ringing | Leg::Up | Leg::Down => None,
        }
    }
}

/// Where the call as a whole is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flow {
    /// The phones are ringing until the ring deadline.
    Ringing,
    /// With announce: `phone` answered and hears who is calling; the
    /// caller is not connected yet. `times` announcements so far; the
    /// current one is playing until `playing` is false, and `until` is
    /// when it is taken as finished (playing) or when the resident has run
    /// out of time for a key (not playing).
    Announcing {
        phone: usize,
        times: u8,
        playing: bool,
        until: Instant,
    },
    /// Caller and `phone` are connected.
    Bridged { phone: usize },
    /// The no-answer message is playing; taken as finished at `guard`.
    Message {
        id: PromptId,
        prompt: BridgePrompt,
        guard: Instant,
    },
    /// The caller's message is being recorded until the message deadline.
    Recording,
    /// Nothing left to do but wait for the legs to go down.
    Ending,
    /// `Finished` has been emitted. Everything is ignored.
    Finished,
}
