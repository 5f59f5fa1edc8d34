//! The no-answer step of [`BridgeCall`]: the message to the caller and,
//! with voicemail, the recording that follows it.
//!
//! Does not own: deciding that nobody will answer (the ring deadline and
//! the phones' failures in the parent module).

use std::time::Instant;

use super::state::Flow;
use super::types::{BridgeAction, BridgePrompt, MESSAGE_PROMPT_GUARD, VOICEMAIL_MAX};
use super::BridgeCall;
use crate::types::later;
use crate::types::PromptId;

impl BridgeCall {
    /// The no-answer prompt playing now has finished (or its guard fired).
    pub(super) fn on_prompt_done(&mut self, at: Instant) {
        let Flow::Message { prompt, .. } = self.flow else {
            return;
        };
        match prompt {
            BridgePrompt::Unavailable | BridgePrompt::Declined => {
                self.bye_caller(at);
                self.flow = Flow::Ending;
            }
            BridgePrompt::LeaveMessage => {
                self.actions.push_back(BridgeAction::StartVoicemail);
                self.flow = Flow::Recording;
            }
        }
    }

    pub(super) fn end_recording(&mut self, at: Instant) {
        self.actions.push_back(BridgeAction::StopVoicemail);
        self.message_deadline = None;
        self.bye_caller(at);
        self.flow = Flow::Ending;
    }

    /// Nobody will answer: play the message (and offer voicemail if on).
    /// A caller not answered yet is answered for voicemail, and otherwise
    /// gets a final response instead of the message.
    pub(super) fn start_message(&mut self, now: Instant) {
        if self.caller_unanswered() {
            if !self.voicemail {
                self.reject_caller();
                return;
            }
            self.answer_caller();
        }
        let prompt = if self.voicemail {
            self.message_deadline = Some(later(now, VOICEMAIL_MAX));
            BridgePrompt::LeaveMessage
        } else {
            BridgePrompt::Unavailable
        };
        self.play_message(now, prompt);
    }

    /// Plays `prompt` to the caller, taken as finished by its guard.
    pub(super) fn play_message(&mut self, now: Instant, prompt: BridgePrompt) {
        let id = PromptId(self.next_prompt);
        self.next_prompt = self.next_prompt.saturating_add(1);
        self.actions.push_back(BridgeAction::Play { id, prompt });
        self.flow = Flow::Message {
            id,
            prompt,
            guard: later(now, MESSAGE_PROMPT_GUARD),
        };
    }
}
