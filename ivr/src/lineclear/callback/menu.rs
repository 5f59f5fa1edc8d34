//! The callback talking to the resident: the offer or the menu once a
//! rung phone answers, the keys pressed on it (one repeat by default,
//! then goodbye), the closing prompt and the BYE after it, and the
//! resident hanging up.
//!
//! Owns: these transitions of [`Callback`]. Does not own: the resident's
//! leg itself (`resident.rs`), dialling the entry chosen (`dialling.rs`),
//! or the timers and the line (the parent module).

use std::time::Instant;

use super::Callback;
use crate::lineclear::resident::News;
use crate::lineclear::state::Flow;
use crate::lineclear::types::{
    CallbackAction, CallbackEvent, CallbackPrompt, CallbackResult, Trigger,
};
use crate::types::later;
use crate::types::PromptId;

impl Callback {
    /// An event on the resident's side: their own call or a rung phone.
    pub(super) fn on_resident(&mut self, now: Instant, event: CallbackEvent) {
        // Only a ringing callback can be answered: the ringing is over in
        // every other flow, so a phone answering then is hung up.
        let until = self.teardown_until(now);
        match self.resident.handle(event, until, &mut self.out.actions) {
            News::Answered { phone } => {
                self.out.push(CallbackAction::TakePhone(phone));
                let menu = self.numbers.menu();
                let prompt = match self.trigger {
                    Trigger::RiskyCall { mentioned } => CallbackPrompt::Offer { mentioned, menu },
                    _ => CallbackPrompt::Menu { menu },
                };
                self.menu(now, prompt, self.settings.reprompts);
            }
            News::NoAnswer => self.end(now, CallbackResult::ResidentNoAnswer),
            News::Left => self.resident_left(now),
            News::Nothing => {}
        }
    }

    /// The resident hung up (their own call, or the phone that answered).
    pub(super) fn resident_left(&mut self, now: Instant) {
        match self.flow {
            Flow::Ringing { .. } => self.end(now, CallbackResult::ResidentNoAnswer),
            Flow::Bridged => {
                self.out.push(CallbackAction::Unbridge);
                self.hang_up_far(now);
                self.flow = Flow::Ending;
            }
            _ => {
                self.hang_up_far(now);
                self.end(now, CallbackResult::ResidentHungUp);
            }
        }
    }

    pub(super) fn on_key(&mut self, now: Instant, key: char) {
        if !matches!(self.flow, Flow::Menu { .. }) {
            return;
        }
        match self.numbers.by_key(key) {
            Some(entry) => {
                self.out.play(CallbackPrompt::Connecting);
                self.dial(now, entry);
            }
            None => self.reprompt_or_goodbye(now),
        }
    }

    pub(super) fn on_prompt_finished(&mut self, now: Instant, finished: PromptId) {
        match self.flow {
            Flow::Menu { playing, left, .. } if playing == Some(finished) => {
                let until = later(now, self.settings.digit_timeout);
                self.flow = Flow::Menu {
                    playing: None,
                    until,
                    left,
                };
            }
            Flow::Farewell { id, .. } if id == finished => self.bye_resident(now),
            _ => {}
        }
    }

    pub(super) fn reprompt_or_goodbye(&mut self, now: Instant) {
        match self.flow {
            Flow::Menu { left, .. } if left > 0 => {
                let menu = self.numbers.menu();
                self.menu(now, CallbackPrompt::Menu { menu }, left - 1);
            }
            _ => {
                self.farewell(now, CallbackPrompt::Goodbye);
                self.out.decide(now, CallbackResult::NoChoice);
            }
        }
    }

    pub(super) fn menu(&mut self, now: Instant, prompt: CallbackPrompt, left: u8) {
        let id = self.out.play(prompt);
        let until = later(now, self.settings.prompt_guard);
        self.flow = Flow::Menu {
            playing: Some(id),
            until,
            left,
        };
    }

    /// Plays a closing prompt; the resident gets BYE after it.
    pub(super) fn farewell(&mut self, now: Instant, prompt: CallbackPrompt) {
        let id = self.out.play(prompt);
        let guard = later(now, self.settings.prompt_guard);
        self.flow = Flow::Farewell { id, guard };
    }

    /// BYE to the resident (if up); only the legs are left after.
    pub(super) fn bye_resident(&mut self, now: Instant) {
        let until = self.teardown_until(now);
        self.resident.bye(until, &mut self.out.actions);
        self.flow = Flow::Ending;
    }
}
