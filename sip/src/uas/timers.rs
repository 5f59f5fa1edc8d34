//! The timers of a call we answer, as a plain state fed with the time
//! (sans-IO): the phase of the INVITE (offered, answered and waiting for
//! the ACK, confirmed), the ACK wait, and the RFC 4028 session expiry.
//!
//! Owns: when a call we answered must be ended by us. An answered call
//! whose ACK has not come 64·T1 after our 2xx (RFC 3261 §13.3.1.4) ends
//! with [`Expired::AckTimeout`]; the INVITE transaction ending before the
//! ACK means the same (rsipstack's timer L, set to the same 64·T1). A
//! session timer agreed at the INVITE runs from our 2xx; every re-INVITE or
//! UPDATE of the caller after that restarts it, and a session not
//! refreshed by then ends with [`Expired::SessionExpired`] (the deadline
//! itself is `dialog::session_timer`'s).
//!
//! Does not own: the clock (the call's task passes `now` and sleeps until
//! [`UasTimers::poll_timeout`]), the responses and the BYE (the task
//! sends them), or the 422 for a too-short interval (the endpoint's, before
//! any call exists). Our BYE's own wait is `dialog::response_wait`.

use std::time::{Duration, Instant};

use super::types::CallEvent;
use crate::dialog::session_timer::{SessionExpiry, SessionTimer};

/// Where the INVITE of a call we answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Not answered yet.
    Offered,
    /// Our 2xx has gone out; the ACK is due by `until`.
    AwaitingAck { until: Instant },
    /// The ACK came.
    Confirmed,
    /// A timer ended the call.
    Ended,
}

/// Why the call must be ended with our BYE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expired {
    /// No ACK for our 2xx.
    AckTimeout,
    /// The caller did not refresh the session in time.
    SessionExpired,
}

impl Expired {
    /// The event the application is told before our BYE goes out.
    pub fn event(self) -> CallEvent {
        match self {
            Expired::AckTimeout => CallEvent::AckTimeout,
            Expired::SessionExpired => CallEvent::SessionExpired,
        }
    }
}

/// What the INVITE transaction ending means for the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InviteEnded {
    /// Before our final response: the call is gone, there is nothing to
    /// send.
    CallGone,
    /// Before the ACK: it will not come.
    Expired(Expired),
    /// After the ACK: nothing changes.
    Nothing,
}

/// The timers of one call we answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UasTimers {
    phase: Phase,
    /// The session timer agreed at the INVITE, if any.
    agreed: Option<SessionTimer>,
    /// The running session timer, from our 2xx on.
    session: Option<SessionExpiry>,
    /// How long the ACK may take: 64·T1.
    ack_wait: Duration,
}

impl UasTimers {
    /// A call offered with this session timer (if the caller asked for one
    /// we agreed to); the ACK may take `ack_wait` (64·T1).
    pub fn new(agreed: Option<SessionTimer>, ack_wait: Duration) -> UasTimers {
        UasTimers {
            phase: Phase::Offered,
            agreed,
            session: None,
            ack_wait,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// True while the INVITE transaction matters: until the ACK.
    pub fn invite_alive(&self) -> bool {
        matches!(self.phase, Phase::Offered | Phase::AwaitingAck { .. })
    }

    /// Our 2xx went out at `now`: the ACK wait and the session timer start.
    pub fn handle_accepted(&mut self, now: Instant) {
        if self.phase != Phase::Offered {
            return;
        }
        self.phase = Phase::AwaitingAck {
            until: now + self.ack_wait,
        };
        self.session = self.agreed.map(|t| SessionExpiry::start(t, now));
    }

    /// The ACK for our 2xx arrived; true when it confirmed the call.
    pub fn handle_ack(&mut self) -> bool {
        if !matches!(self.phase, Phase::AwaitingAck { .. }) {
            return false;
        }
        self.phase = Phase::Confirmed;
        true
    }

    /// A re-INVITE or UPDATE of the caller arrived at `now` (answered or
    /// not): it refreshes a running session timer.
    pub fn handle_refresh(&mut self, now: Instant) {
        if let Some(session) = self.session.as_mut() {
            session.handle_refresh(now);
        }
    }

    /// rsipstack ended the INVITE server transaction.
    pub fn handle_invite_ended(&mut self) -> InviteEnded {
        match self.phase {
            Phase::Offered => {
                self.end();
                InviteEnded::CallGone
            }
            Phase::AwaitingAck { .. } => {
                self.end();
                InviteEnded::Expired(Expired::AckTimeout)
            }
            Phase::Confirmed | Phase::Ended => InviteEnded::Nothing,
        }
    }

    /// When to call [`UasTimers::handle_timeout`] next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ack = match self.phase {
            Phase::AwaitingAck { until } => Some(until),
            Phase::Ended => return None,
            Phase::Offered | Phase::Confirmed => None,
        };
        let session = self.session.map(|s| s.poll_timeout());
        match (ack, session) {
            (Some(a), Some(s)) => Some(a.min(s)),
            (a, s) => a.or(s),
        }
    }

    /// What is due at `now`: the call to end with BYE, or nothing yet.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Expired> {
        let why = match self.phase {
            Phase::Ended => return None,
            Phase::AwaitingAck { until } if now >= until => Expired::AckTimeout,
            _ if self.session.is_some_and(|s| s.handle_timeout(now)) => Expired::SessionExpired,
            _ => return None,
        };
        self.end();
        Some(why)
    }

    fn end(&mut self) {
        self.phase = Phase::Ended;
        self.session = None;
    }
}

#[cfg(test)]
#[path = "timers_tests.rs"]
mod tests;
