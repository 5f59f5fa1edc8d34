//! The callback's call to the verified number (the far leg).
//!
//! Owns: that leg's state, placing it once (`Dial`), bridging it when it
//! answers while the callback waits for that answer, what its failure or
//! hang-up means for the callback ([`FarNews`]), unbridging it, CANCEL or
//! BYE to it (also when its answer crossed our CANCEL), and giving up on it
//! at its teardown deadline. Does not own: which entry to dial or when, the
//! record of what was dialled, the results, or the resident's leg (the flow
//! in [`super::Callback`]; `resident.rs`).

use std::collections::VecDeque;
use std::time::Instant;

use super::state::{Flow, Leg, Teardown};
use super::types::CallbackAction;

/// What the far leg going down means for the callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FarNews {
    Nothing,
    /// It failed or hung up before answering, while being dialled.
    NotAnswered {
        entry: usize,
    },
    /// It hung up while bridged; it is unbridged already.
    HungUp,
}

/// The call to the verified number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Far {
    leg: Leg,
}

impl Far {
    /// Not dialled yet.
    pub(super) fn new() -> Self {
        Self { leg: Leg::Idle }
    }

    /// Nothing has been dialled: the one call may still go out.
    pub(super) fn is_idle(self) -> bool {
        self.leg == Leg::Idle
    }

    /// Dials `entry`.
    pub(super) fn dial(&mut self, entry: usize, out: &mut VecDeque<CallbackAction>) {
        self.leg = Leg::Ringing;
        out.push_back(CallbackAction::Dial { entry });
    }

    /// It answered: bridged, and the entry returned, if the callback is
    /// dialling it (`flow`); hung up if the answer crossed our CANCEL, given
    /// up on at `until`.
    pub(super) fn answered(
        &mut self,
        flow: Flow,
        until: Instant,
        out: &mut VecDeque<CallbackAction>,
    ) -> Option<usize> {
        match (self.leg, flow) {
            (Leg::Ringing, Flow::Dialling { entry, .. }) => {
                self.leg = Leg::Up;
                out.push_back(CallbackAction::Bridge);
                Some(entry)
            }
            // The answer crossed our CANCEL.
            (Leg::Cancelling { .. }, _) => {
                self.hang_up(until, out);
                None
            }
            _ => None,
        }
    }

    /// It failed, hung up or is `gone`, with the callback in `flow`.
    pub(super) fn down(
        &mut self,
        gone: bool,
        flow: Flow,
        out: &mut VecDeque<CallbackAction>,
    ) -> FarNews {
        if self.leg.torn_down() || gone {
            return FarNews::Nothing;
        }
        match (self.leg, flow) {
            (Leg::Ringing, Flow::Dialling { entry, .. }) => {
                self.leg = Leg::Down;
                FarNews::NotAnswered { entry }
            }
            (Leg::Up, Flow::Bridged) => {
                self.leg = Leg::Down;
                out.push_back(CallbackAction::Unbridge);
                FarNews::HungUp
            }
            _ => FarNews::Nothing,
        }
    }

    /// CANCEL or BYE, as its state needs, given up on at `until`.
    pub(super) fn hang_up(&mut self, until: Instant, out: &mut VecDeque<CallbackAction>) {
        let action = match self.leg.hang_up(until) {
            Some(Teardown::Cancel) => CallbackAction::CancelFar,
            Some(Teardown::Bye) => CallbackAction::ByeFar,
            None => return,
        };
        out.push_back(action);
    }

    /// Its teardown deadline, while torn down.
    pub(super) fn until(self) -> Option<Instant> {
        self.leg.until()
    }

    /// Gives up on it if its teardown deadline is `at`.
    pub(super) fn expire(&mut self, at: Instant) {
        if self.leg.until() == Some(at) {
            self.leg = Leg::Down;
        }
    }

    /// Nothing left to wait for on this leg.
    pub(super) fn is_done(self) -> bool {
        self.leg.is_done()
    }
}
