//! Hanging up an outgoing call before its final response, as a plain state
//! fed with the time (sans-IO): when to send our CANCEL and when to stop
//! waiting for the INVITE's final response after it.
//!
//! Owns: the CANCEL's timing. A CANCEL may only go out once a provisional
//! response has arrived (RFC 3261 §9.1), so a hang-up before one holds it
//! back until one comes, but at most [`CANCEL_DEFER`] for a callee that
//! sends none. After the CANCEL the INVITE's final response (normally 487)
//! may take [`CANCEL_WAIT`] (64·T1); without one by then the call is given
//! up as a [`UacEvent::Timeout`]. Also whether rsipstack's own timeout
//! (its 408 for timers B/C) leaves a ringing callee to be cancelled.
//!
//! Does not own: the clock (the call's task passes `now` and sleeps until
//! [`CancelWait::poll_timeout`]), building and sending the CANCEL
//! (`invite.rs`, the task), the responses themselves (a 2xx that crosses
//! our CANCEL is the task's), or rsipstack's timers B and C.

use std::time::{Duration, Instant};

use super::types::UacEvent;

/// How long a CANCEL waits for a provisional response before going anyway.
pub const CANCEL_DEFER: Duration = Duration::from_secs(1);

/// How long after our CANCEL a final response may take (64·T1).
pub(super) const CANCEL_WAIT: Duration = Duration::from_secs(32);

/// What the call's task is to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CancelAction {
    /// Send CANCEL for the INVITE.
    SendCancel,
    /// No final response came after our CANCEL: the call is over.
    GiveUp,
}

impl CancelAction {
    /// The event the application is told, if any: [`UacEvent::Timeout`]
    /// when the call is given up.
    pub fn event(self) -> Option<UacEvent> {
        match self {
            CancelAction::SendCancel => None,
            CancelAction::GiveUp => Some(UacEvent::Timeout),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No hang-up asked.
    Calling,
    /// Hang-up asked before any provisional response: CANCEL held back
    /// until one comes, or `until`.
    Deferred { until: Instant },
    /// CANCEL sent: the final response is due by `until`.
    Cancelled { until: Instant },
    /// Given up.
    Over,
}

/// The hang-up state of one outgoing call before its final response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CancelWait {
    /// A provisional response arrived on the current INVITE transaction.
    provisional: bool,
    state: State,
}

impl Default for CancelWait {
    fn default() -> Self {
        CancelWait {
            provisional: false,
            state: State::Calling,
        }
    }
}

impl CancelWait {
    /// True once the application has asked to hang up.
    pub fn hangup_requested(&self) -> bool {
        self.state != State::Calling
    }

    /// The application hangs up at `now` (commands after the first are not
    /// read).
    pub fn handle_hangup(&mut self, now: Instant) -> Option<CancelAction> {
        if self.state != State::Calling {
            return None;
        }
        if self.provisional {
            return Some(self.cancel(now));
        }
        self.state = State::Deferred {
            until: now + CANCEL_DEFER,
        };
        None
    }

    /// A provisional response (1xx) to the INVITE arrived at `now`.
    pub fn handle_provisional(&mut self, now: Instant) -> Option<CancelAction> {
        self.provisional = true;
        match self.state {
            State::Deferred { .. } => Some(self.cancel(now)),
            _ => None,
        }
    }

    /// The INVITE was sent again (with credentials): a new transaction,
    /// with no provisional response yet.
    pub fn handle_new_invite(&mut self) {
        self.provisional = false;
    }

    /// rsipstack gave up on the INVITE (timer B or C): a CANCEL to stop the
    /// callee ringing, if one rang and none was sent.
    pub fn handle_no_answer(&mut self) -> Option<CancelAction> {
        let ringing = self.provisional && !matches!(self.state, State::Cancelled { .. });
        self.state = State::Over;
        ringing.then_some(CancelAction::SendCancel)
    }

    /// When to call [`CancelWait::handle_timeout`] next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Deferred { until } | State::Cancelled { until } => Some(until),
            State::Calling | State::Over => None,
        }
    }

    /// What is due at `now`: the held-back CANCEL, giving up, or nothing.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<CancelAction> {
        match self.state {
            State::Deferred { until } if now >= until => Some(self.cancel(now)),
            State::Cancelled { until } if now >= until => {
                self.state = State::Over;
                Some(CancelAction::GiveUp)
            }
            _ => None,
        }
    }

    fn cancel(&mut self, now: Instant) -> CancelAction {
        self.state = State::Cancelled {
            until: now + CANCEL_WAIT,
        };
        CancelAction::SendCancel
    }
}

#[cfg(test)]
#[path = "cancel_wait_tests.rs"]
mod tests;
