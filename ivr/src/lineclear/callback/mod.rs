//! The line-clear callback, as a sans-IO state machine.
//!
//! Owns: clearing the line first ([`LineClear`]), then either ringing the
//! resident's phones back (first to answer wins: `resident.rs`) with the offer
//! or the menu, or connecting the verified number the resident's phone
//! dialled; one menu key (one repeat by default, then goodbye); dialling
//! exactly one entry of the line's [`VerifiedNumbers`] and bridging it (that
//! leg's own state: `far.rs`); tearing every leg down, each bounded by the
//! teardown timeout; and the [`ClearingProof`] (kept with the actions and
//! log entries in `outbox.rs`). An emergency entry (999, 112) is dialled the
//! moment the line is clear with no prompt, at the emergency cap at the
//! latest. New legs are rejected until `Finished`.
//!
//! Does not own: SIP (INVITEs, CANCEL/BYE, digest auth, 481 for cleared
//! dialogs: see [`Callback::is_cleared`]), media, the outbound decision
//! ([`super::OutboundPolicy`]), real timers, or storing the records.
//!
//! The transitions are split by side: talking to the resident (the offer
//! or menu, keys, the closing prompt and BYE, the resident hanging up) in
//! `menu.rs`, and the call to the verified number (dialling, bridging,
//! hanging it up) in `dialling.rs`. This file owns the machine itself,
//! its public interface, the timers and the line going clear.

mod dialling;
mod menu;

use std::time::Instant;

use super::clear::{ClearAction, ClearEvent, LegId, LegState, LineClear};
use super::far::Far;
use super::outbox::Outbox;
use super::proof::ClearingProof;
use super::resident::Resident;
use super::state::Flow;
use super::types::*;
use super::verified::VerifiedNumbers;
use crate::types::later;

/// One line-clear callback.
#[derive(Debug)]
pub struct Callback {
    settings: CallbackSettings,
    numbers: VerifiedNumbers,
    trigger: Trigger,
    line: LineClear,
    /// For an emergency entry, while clearing: when to stop waiting.
    cap: Option<Instant>,
    resident: Resident,
    far: Far,
    flow: Flow,
    /// The actions, prompt ids, log entries, proof and result.
    out: Outbox,
}

impl Callback {
    /// Starts clearing `legs` (every leg up on the line, except the
    /// resident's own INVITE for [`Trigger::DialledVerified`]) now. Never
    /// panics on bad settings: durations are clamped to one hour.
    pub fn new(
        settings: &CallbackSettings,
        numbers: &VerifiedNumbers,
        trigger: Trigger,
        legs: &[(LegId, LegState)],
        now: Instant,
    ) -> Result<Self, CallbackError> {
        let settings = settings.clamped();
        let mut resident = Resident::phones();
        let mut cap = None;
        match trigger {
            Trigger::DialledVerified(entry) => {
                if numbers.get(entry).is_none() {
                    return Err(CallbackError::UnknownEntry(entry));
                }
                resident = Resident::own();
                if numbers.is_emergency(entry) {
                    cap = Some(later(now, settings.emergency_cap));
                }
            }
            Trigger::RiskyCall { .. } | Trigger::FeatureCode => {
                if numbers.menu().is_empty() {
                    return Err(CallbackError::EmptyMenu);
                }
            }
        }
        let mut callback = Self {
            line: LineClear::new(settings.teardown_timeout, legs, now),
            settings,
            numbers: numbers.clone(),
            trigger,
            cap,
            resident,
            far: Far::new(),
            flow: Flow::Clearing,
            out: Outbox::new(now),
        };
        callback.pump_line();
        Ok(callback)
    }

    /// Handles `event` after firing every deadline due by `now`.
    pub fn handle_event(&mut self, now: Instant, event: CallbackEvent) {
        self.handle_timeout(now);
        if self.flow == Flow::Finished {
            return;
        }
        use CallbackEvent as E;
        match event {
            E::LegEnded(leg) => self.line.handle_event(now, ClearEvent::LegEnded(leg)),
            E::NewLeg(leg) => self.line.handle_event(now, ClearEvent::NewLeg(leg)),
            E::Rang { .. }
            | E::PhoneAnswered { .. }
            | E::PhoneFailed { .. }
            | E::PhoneHungUp { .. }
            | E::PhoneGone { .. }
            | E::ResidentHungUp
            | E::ResidentGone => self.on_resident(now, event),
            E::FarAnswered => self.on_far_answered(now),
            E::FarFailed { .. } | E::FarHungUp | E::FarGone => {
                self.on_far_down(now, event == E::FarGone)
            }
            E::Dtmf(key) => self.on_key(now, key),
            E::PromptFinished(id) => self.on_prompt_finished(now, id),
        }
        self.pump_line();
        self.check_finished();
    }

    /// Fires every pending deadline at or before `now`, in time order,
    /// each at its own time.
    pub fn handle_timeout(&mut self, now: Instant) {
        for _ in 0..10_000 {
            let Some(at) = self.poll_timeout().filter(|&at| at <= now) else {
                return;
            };
            self.fire(at);
            self.pump_line();
            self.check_finished();
        }
    }

    /// The earliest pending deadline. `None` while bridged (the call lasts
    /// as long as they talk) and once finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let flow = match self.flow {
            Flow::Ringing { deadline } | Flow::Dialling { deadline, .. } => Some(deadline),
            Flow::Menu { until, .. } => Some(until),
            Flow::Farewell { guard, .. } => Some(guard),
            Flow::Finished => return None,
            Flow::Clearing | Flow::Bridged | Flow::Ending => None,
        };
        let legs = [self.resident.until(), self.far.until()];
        let line = [self.line.poll_timeout(), self.cap];
        legs.into_iter().chain(line).chain([flow]).flatten().min()
    }

    /// The next action to carry out. Drain this after every call in.
    pub fn poll_action(&mut self) -> Option<CallbackAction> {
        self.out.pop()
    }

    /// This leg was on the line and is gone: answer a request on its
    /// dialog with 481.
    pub fn is_cleared(&self, leg: LegId) -> bool {
        self.line.is_cleared(leg)
    }

    pub fn line(&self) -> &LineClear {
        &self.line
    }

    pub fn trigger(&self) -> Trigger {
        self.trigger
    }

    /// The proof of clearing so far: every clearance, when the line was
    /// clear, when the callback started, what was dialled.
    pub fn proof(&self) -> ClearingProof {
        self.out.proof(self.line.cleared())
    }

    /// How the callback ended, once decided.
    pub fn result(&self) -> Option<CallbackResult> {
        self.out.result()
    }

    pub fn is_bridged(&self) -> bool {
        self.flow == Flow::Bridged
    }

    /// `Finished` has been emitted.
    pub fn is_finished(&self) -> bool {
        self.flow == Flow::Finished
    }

    fn fire(&mut self, at: Instant) {
        if self.line.poll_timeout() == Some(at) {
            return self.line.handle_timeout(at);
        }
        if self.cap == Some(at) {
            self.cap = None;
            return self.line.preempt(at);
        }
        match self.flow {
            Flow::Ringing { deadline } if deadline == at => {
                let until = self.teardown_until(at);
                self.resident.stop_ringing(until, &mut self.out.actions);
                return self.end(at, CallbackResult::ResidentNoAnswer);
            }
            Flow::Menu { playing, until, .. } if until == at => {
                return match playing {
                    Some(id) => self.on_prompt_finished(at, id),
                    None => self.reprompt_or_goodbye(at),
                };
            }
            Flow::Dialling { entry, deadline } if deadline == at => {
                self.hang_up_far(at);
                self.farewell(at, CallbackPrompt::CouldNotConnect);
                return self
                    .out
                    .decide(at, CallbackResult::CouldNotConnect { entry });
            }
            Flow::Farewell { guard, .. } if guard == at => return self.bye_resident(at),
            _ => {}
        }
        self.far.expire(at);
        self.resident.expire(at);
    }

    /// Passes the line's actions on; the line going clear starts the rest.
    fn pump_line(&mut self) {
        while let Some(action) = self.line.poll_action() {
            self.out.push(CallbackAction::Line(action));
            if let ClearAction::LineClear { at } = action {
                self.on_line_clear(at);
            }
        }
    }

    fn on_line_clear(&mut self, at: Instant) {
        self.cap = None;
        self.out.line_clear(at);
        if self.flow != Flow::Clearing {
            return; // the resident hung up while the line was clearing
        }
        self.out.started(at, self.trigger);
        match self.trigger {
            Trigger::DialledVerified(entry) => {
                self.resident.answer_own();
                self.out.push(CallbackAction::AnswerResident);
                if !self.numbers.is_emergency(entry) {
                    self.out.play(CallbackPrompt::LineClearConnecting);
                }
                self.dial(at, entry);
            }
            Trigger::RiskyCall { .. } | Trigger::FeatureCode => {
                self.resident.ring();
                self.out.push(CallbackAction::RingPhones);
                let deadline = later(at, self.settings.ring_timeout);
                self.flow = Flow::Ringing { deadline };
            }
        }
    }

    fn teardown_until(&self, now: Instant) -> Instant {
        later(now, self.settings.teardown_timeout)
    }

    /// Decides the result and stops the flow: only legs are left.
    fn end(&mut self, now: Instant, result: CallbackResult) {
        self.out.decide(now, result);
        self.flow = Flow::Ending;
    }

    fn check_finished(&mut self) {
        let legs_done = self.resident.is_done() && self.far.is_done() && self.line.is_clear();
        if self.flow == Flow::Ending && legs_done {
            self.flow = Flow::Finished;
            self.cap = None;
            self.out.push(CallbackAction::Finished);
        }
    }
}
