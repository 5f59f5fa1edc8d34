//! Announcing the caller to the phone that answered and waiting for the
//! resident's key (1 connects, anything else or silence declines).
//!
//! Does not own: ringing and choosing the phone (the parent module) or
//! tearing legs down (`teardown`).

use std::time::Instant;

use super::state::Flow;
use super::types::{BridgeAction, BridgeOutcome, BridgePrompt, ANNOUNCE_GUARD, ANNOUNCE_WAIT};
use super::BridgeCall;
use crate::types::later;

impl BridgeCall {
    /// Caller and `phone` (up) are connected: the outcome is decided, and a
    /// caller not answered yet is answered first.
    pub(super) fn connect(&mut self, phone: usize) {
        self.decide(BridgeOutcome::Answered { phone });
        self.answer_caller();
        self.actions.push_back(BridgeAction::Bridge { phone });
        self.flow = Flow::Bridged { phone };
    }

    /// Announces the caller to `phone` (up) for the time after `times`.
    pub(super) fn announce(&mut self, now: Instant, phone: usize, times: u8) {
        self.actions.push_back(BridgeAction::Announce { phone });
        self.flow = Flow::Announcing {
            phone,
            times: times.saturating_add(1),
            playing: true,
            until: later(now, ANNOUNCE_GUARD),
        };
    }

    /// The announcement has played: the resident has a while for a key.
    pub(super) fn wait_for_key(&mut self, at: Instant, phone: usize, times: u8) {
        self.flow = Flow::Announcing {
            phone,
            times,
            playing: false,
            until: later(at, ANNOUNCE_WAIT),
        };
    }

    pub(super) fn on_announce_finished(&mut self, now: Instant, phone: usize) {
        if let Flow::Announcing {
            phone: announced,
            times,
            playing: true,
            ..
        } = self.flow
        {
            if announced == phone {
                self.wait_for_key(now, phone, times);
            }
        }
    }

    pub(super) fn on_resident_key(&mut self, now: Instant, phone: usize, digit: char) {
        match self.flow {
            Flow::Announcing {
                phone: announced, ..
            } if announced == phone => match digit {
                '1' => self.connect(phone),
                '2' => self.resident_declined(now, phone, true),
                _ => {}
            },
            _ => {}
        }
    }

    /// The announced resident did not accept: hang up their phone (if
    /// `bye`; it may have hung up itself) and say goodbye to the caller (or
    /// decline a caller not answered yet).
    pub(super) fn resident_declined(&mut self, now: Instant, phone: usize, bye: bool) {
        if bye {
            self.bye_phone(now, phone);
        }
        self.decide(BridgeOutcome::Declined);
        if self.caller_unanswered() {
            self.reject_caller();
        } else {
            self.play_message(now, BridgePrompt::Declined);
        }
    }
}
