//! The callback's call to the verified number: dialling exactly one entry,
//! once per callback and only over a clear line, bridging it when it
//! answers, and hanging it up.
//!
//! Owns: these transitions of [`Callback`]. Does not own: that leg's own
//! state (`far.rs`), choosing the entry (`menu.rs` and the parent module)
//! or the proof of what was dialled (`outbox.rs`).

use std::time::Instant;

use super::Callback;
use crate::lineclear::far::FarNews;
use crate::lineclear::state::Flow;
use crate::lineclear::types::{CallbackPrompt, CallbackResult};
use crate::types::later;

impl Callback {
    pub(super) fn on_far_answered(&mut self, now: Instant) {
        let until = self.teardown_until(now);
        if let Some(entry) = self.far.answered(self.flow, until, &mut self.out.actions) {
            self.out.decide(now, CallbackResult::Connected { entry });
            self.flow = Flow::Bridged;
        }
    }

    pub(super) fn on_far_down(&mut self, now: Instant, gone: bool) {
        match self.far.down(gone, self.flow, &mut self.out.actions) {
            FarNews::NotAnswered { entry } => {
                self.farewell(now, CallbackPrompt::CouldNotConnect);
                self.out
                    .decide(now, CallbackResult::CouldNotConnect { entry });
            }
            FarNews::HungUp => self.bye_resident(now),
            FarNews::Nothing => {}
        }
    }

    /// Dials `entry`, once per callback and only once the line is clear.
    pub(super) fn dial(&mut self, now: Instant, entry: usize) {
        if !self.far.is_idle() || !self.line.is_clear() || self.numbers.get(entry).is_none() {
            return;
        }
        self.far.dial(entry, &mut self.out.actions);
        let number = self.numbers.normalized(entry).unwrap_or_default().into();
        self.out.dialled(now, entry, number);
        let deadline = later(now, self.settings.answer_timeout);
        self.flow = Flow::Dialling { entry, deadline };
    }

    /// CANCEL or BYE the call to the verified number, as its state needs.
    pub(super) fn hang_up_far(&mut self, now: Instant) {
        let until = self.teardown_until(now);
        self.far.hang_up(until, &mut self.out.actions);
    }
}
