//! How a call ends: the first reason given, who hung up first, our BYE to
//! the caller and how long we wait for its answer.
//!
//! Owns: the first-wins bookkeeping behind [`EndReason`] and [`HungUpBy`]
//! (the call log keeps the first of each), our BYE to the caller and the
//! BYE-wait deadline. Does
//! not own: deciding when an event ends the call (the machine, `mod.rs`).

use std::time::{Duration, Instant};

use super::outbox::Outbox;
use super::types::{EndReason, HungUpBy, Leg, Output, Record};

#[derive(Debug)]
pub struct Ending {
    /// The first reason given; later ones do not replace it.
    reason: Option<EndReason>,
    /// The call is over: `Finished` goes out at the end of this step.
    over: bool,
    /// `Finished` has gone out.
    pub finished: bool,
    hung_up_by: Option<HungUpBy>,
    /// When our BYE to the caller went out.
    pub bye_sent: Option<Instant>,
    /// How long the caller has to answer it (outside a bridge).
    pub bye_wait: Duration,
}

impl Ending {
    pub fn new(bye_wait: Duration) -> Self {
        Self {
            reason: None,
            over: false,
            finished: false,
            hung_up_by: None,
            bye_sent: None,
            bye_wait,
        }
    }

    /// A reason the call is ending, unless one was given already.
    pub fn note(&mut self, reason: EndReason) {
        self.reason.get_or_insert(reason);
    }

    /// Whether a reason has been given.
    pub fn has_reason(&self) -> bool {
        self.reason.is_some()
    }

    /// The call is over now; `default` unless a reason was given before.
    pub fn over(&mut self, default: EndReason) {
        self.note(default);
        self.over = true;
    }

    /// The reason, once the call is over and before `Finished` went out.
    pub fn take_over(&mut self) -> Option<EndReason> {
        if self.over && !self.finished {
            self.finished = true;
            return self.reason;
        }
        None
    }

    /// `who` hung up: logged the first time anyone does.
    pub fn hung_up_by(&mut self, who: HungUpBy, out: &mut Outbox) {
        if self.hung_up_by.is_none() {
            self.hung_up_by = Some(who);
            out.push(Output::Record(Record::HungUpBy(who)));
        }
    }

    /// BYE to the caller (once); whatever plays to them stops.
    pub fn bye_caller(&mut self, now: Instant, out: &mut Outbox) {
        if self.bye_sent.is_some() {
            return;
        }
        self.hung_up_by(HungUpBy::Service, out);
        self.bye_sent = Some(now);
        out.stop(Leg::Caller);
        out.push(Output::ByeCaller);
    }

    /// When the caller's answer to our BYE is given up on.
    pub fn bye_deadline(&self) -> Option<Instant> {
        let sent = self.bye_sent?;
        Some(crate::types::later(sent, self.bye_wait))
    }
}
