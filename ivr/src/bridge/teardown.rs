//! Taking [`BridgeCall`]'s legs down (CANCEL to ringing phones, BYE to
//! connected ones, each bounded by `bye_timeout`), deciding the outcome
//! once and emitting `Finished` once every leg is down.
//!
//! Does not own: when to tear down (the event handlers).

use std::time::Instant;

use super::state::{Flow, Leg};
use super::types::{BridgeAction, BridgeOutcome};
use super::BridgeCall;
use crate::types::later;

impl BridgeCall {
    /// CANCEL every phone still ringing.
    pub(super) fn cancel_ringing(&mut self, now: Instant) {
        self.end_early_media(None);
        let until = later(now, self.bye_timeout);
        for (phone, leg) in self.phones.iter_mut().enumerate() {
            if *leg == Leg::Ringing {
                *leg = Leg::Cancelling { until };
                self.actions.push_back(BridgeAction::CancelPhone(phone));
            }
        }
    }

    /// BYE to `phone` if it is up.
    pub(super) fn bye_phone(&mut self, now: Instant, phone: usize) {
        if let Some(leg @ Leg::Up) = self.phones.get_mut(phone) {
            *leg = Leg::Closing {
                until: later(now, self.bye_timeout),
            };
            self.actions.push_back(BridgeAction::ByePhone(phone));
        }
    }

    pub(super) fn bye_caller(&mut self, now: Instant) {
        if self.caller == Leg::Up {
            self.caller = Leg::Closing {
                until: later(now, self.bye_timeout),
            };
            self.actions.push_back(BridgeAction::ByeCaller);
        }
    }

    pub(super) fn decide(&mut self, outcome: BridgeOutcome) {
        if self.outcome.is_none() {
            self.outcome = Some(outcome);
            self.actions.push_back(BridgeAction::Outcome(outcome));
        }
    }

    /// Emits `Finished` once the flow is over and every leg is down.
    pub(super) fn check_finished(&mut self) {
        let legs_down = self.caller == Leg::Down && self.phones.iter().all(|&leg| leg == Leg::Down);
        if self.flow == Flow::Ending && legs_down {
            self.flow = Flow::Finished;
            self.ring_deadline = None;
            self.message_deadline = None;
            self.actions.push_back(BridgeAction::Finished);
        }
    }
}
