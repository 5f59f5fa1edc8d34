//! A caller not answered yet ([`super::BridgeSettings::answer_caller`]):
//! answering them when a phone is connected or voicemail starts, and the
//! final response that tells them why nobody took the call.
//!
//! Owns: the caller's leg from `Ringing` to `Up` (answered) or `Down`
//! (final response), and the status of that response. Does not own:
//! when the call is connected or given up on (the parent module,
//! `announce`, `message`).

use super::state::{Flow, Leg};
use super::types::{BridgeAction, BridgeOutcome};
use super::BridgeCall;

impl BridgeCall {
    /// The caller is still waiting for an answer to their INVITE.
    pub(super) fn caller_unanswered(&self) -> bool {
        self.caller == Leg::Ringing
    }

    /// Answers a caller not answered yet; nothing once answered.
    pub(super) fn answer_caller(&mut self) {
        if self.caller_unanswered() {
            self.caller = Leg::Up;
            self.actions.push_back(BridgeAction::AnswerCaller);
        }
    }

    /// Nobody took the call of a caller not answered yet: their final
    /// response, from the outcome decided, and the leg is down. The phones
    /// are already being taken down.
    pub(super) fn reject_caller(&mut self) {
        let status = match self.outcome {
            Some(BridgeOutcome::Busy) => 486,
            Some(BridgeOutcome::Declined) => 603,
            _ => 480,
        };
        self.caller = Leg::Down;
        self.actions.push_back(BridgeAction::RejectCaller(status));
        self.flow = Flow::Ending;
    }
}
