//! One answered call as a single sans-IO machine: the screening challenge,
//! then (once the caller is let through and the line has phones) the
//! bridge to the resident, with the tagger listening alongside. A caller
//! the policy lets through without a challenge is not answered first: the
//! phones ring while the caller's INVITE waits (180 when one rings), the
//! caller is answered when a phone answers (or voicemail starts), and
//! otherwise gets the bridge's final response.
//!
//! Owns: composing [`ScreeningCall`], [`BridgeCall`] and the tagger
//! (`listening.rs`); the call's one deadline ([`Call::poll_timeout`], from
//! the typed table in `timers.rs`: whose deadline counts is decided here);
//! typed playbacks ([`PlaybackId`] mapped back to the part that asked,
//! `playback.rs`); the caller's BYE and how long we wait for its answer;
//! line-clear requests and shutdown; why the call ended ([`EndReason`]),
//! who hung up first ([`HungUpBy`]); the resident's warning and the
//! contact's alert, once; and whether the call ends in the line-clear
//! callback's offer. Time comes in as `now`; randomness only through the
//! screening's caller-supplied RNG.
//!
//! The shell's loop: feed [`Input`]s with [`Call::handle_input`], drain
//! [`Output`]s with [`Call::poll_output`], sleep until
//! [`Call::poll_timeout`] and call [`Call::handle_timeout`]; stop after
//! [`Output::Finished`].
//!
//! Does not own: SIP, media, recordings, speech recognition, which phones
//! the line has (asked with [`Output::FindPhones`]) or the call log: the
//! shell carries those out. Nor the sub-machines' own rules (screening,
//! bridge, tagging), which it composes unchanged.

mod actions;
mod ending;
mod listening;
mod outbox;
mod phone_route;
mod playback;
mod timers;
mod types;

use std::time::{Duration, Instant};

use crate::bridge::{BridgeCall, BridgeEvent, BridgeSettings};
use crate::policy::Decision;
use crate::screening::{Action, Event, Outcome, ScreeningCall};
use crate::tagging::Speaker;

use actions::Asked;
use ending::Ending;
use listening::Listening;
use outbox::Outbox;
use phone_route::{route, PhoneRoute};
use playback::Owner;
pub use timers::{Timer, TimerTable};
pub use types::*;

/// One answered (or declined) call, from the INVITE to its end.
#[derive(Debug)]
pub struct Call {
    screening: ScreeningCall,
    /// The bridge to the resident's phones, once ringing them started.
    bridge: Option<BridgeCall>,
    /// The bridge's settings; `phones` comes from [`Input::PhonesFound`].
    bridge_settings: BridgeSettings,
    /// [`Output::FindPhones`] is waiting for its answer.
    finding_phones: bool,
    listening: Listening,
    outbox: Outbox,
    timers: TimerTable,
    ending: Ending,
    offer_after_risky_calls: bool,
}

impl Call {
    /// A call offered, with the line policy's `decision` about the caller
    /// and the caller-ID policy's `suspicious` finding (tagged at the
    /// answer). A call refused without an answer is over at once: its
    /// outputs are the outcome, [`Output::Decline`] and `Finished`.
    pub fn new(
        settings: &CallSettings,
        decision: &Decision,
        suspicious: Option<String>,
        rng: &mut fastrand::Rng,
        now: Instant,
    ) -> Self {
        let ring_first = matches!(decision, Decision::RingResident { .. });
        let mut challenge = settings.challenge.clone();
        if ring_first {
            // The phones ring at once; the screening's own answer is not
            // carried out (see `drain_screening`).
            challenge.answer_after = Duration::ZERO;
        }
        let mut call = Self {
            screening: ScreeningCall::start(&challenge, decision, rng, now),
            bridge: None,
            bridge_settings: BridgeSettings {
                ring_timeout: settings.ring_timeout,
                voicemail: settings.voicemail,
                announce: settings.announce,
                answer_caller: ring_first,
                ..BridgeSettings::default()
            },
            finding_phones: false,
            listening: Listening::new(settings.tagger.clone(), suspicious, settings.warn_resident),
            outbox: Outbox::default(),
            timers: TimerTable::default(),
            ending: Ending::new(settings.bye_wait),
            offer_after_risky_calls: settings.offer_after_risky_calls,
        };
        if ring_first {
            call.outbox.push(Output::Trying);
        }
        call.pump(now);
        call
    }

    /// The digit the caller must press.
    pub fn digit(&self) -> u8 {
        self.screening.digit()
    }

    pub fn outcome(&self) -> Option<Outcome> {
        self.screening.outcome()
    }

    /// The phone connected to the caller right now, if any.
    pub fn bridged_phone(&self) -> Option<usize> {
        self.bridge.as_ref().and_then(BridgeCall::bridged_phone)
    }

    /// The phone hearing the announcement right now, if any.
    pub fn announced_phone(&self) -> Option<usize> {
        self.bridge.as_ref().and_then(BridgeCall::announced_phone)
    }

    /// [`Output::Finished`] has been queued; every later input is ignored.
    pub fn is_finished(&self) -> bool {
        self.ending.finished
    }

    /// The earliest deadline; `None` once finished, or while the call only
    /// waits for its parties.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_timeout()
    }

    /// The next output to carry out. Drain after every call into the
    /// machine.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outbox.pop()
    }

    pub fn handle_input(&mut self, now: Instant, input: Input) {
        if self.ending.finished {
            return;
        }
        match input {
            Input::Caller(event) => self.on_caller(now, event),
            Input::Phone { phone, event } => self.on_phone(now, phone, event),
            Input::PlaybackFinished(id) => match self.outbox.playbacks.finished(id) {
                Some(Owner::Screening(prompt)) => {
                    self.screening_event(now, Event::PromptFinished(prompt))
                }
                Some(Owner::Bridge(prompt)) => {
                    self.bridge_event(now, BridgeEvent::PromptFinished(prompt))
                }
                Some(Owner::Announcement(phone)) => {
                    self.bridge_event(now, BridgeEvent::AnnounceFinished { phone })
                }
                Some(Owner::Nobody) | None => {}
            },
            Input::NameRecorded => self.screening_event(now, Event::NameRecorded),
            Input::Heard { speaker, words } => self.listening.heard(speaker, &words),
            Input::PhonesFound(phones) => self.on_phones_found(now, phones),
            Input::ClearLine => self.end_for(now, EndReason::LineCleared),
            Input::Shutdown { grace } => {
                if !self.ending.has_reason() {
                    self.ending.bye_wait = grace;
                }
                self.end_for(now, EndReason::Shutdown);
            }
        }
        self.pump(now);
    }

    /// Fires every deadline at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        // Each pass fires what is due; a pass can only arm later deadlines
        // (the sub-machines fire their own cascades), so a few suffice.
        for _ in 0..Timer::ALL.len() {
            let due = self.timers.expired(now);
            if due.is_empty() || self.ending.finished {
                return;
            }
            for (_, timer) in due {
                match timer {
                    Timer::Screening => self.screening.handle_timeout(now),
                    Timer::Bridge => {
                        if let Some(b) = self.bridge.as_mut() {
                            b.handle_timeout(now);
                        }
                    }
                    Timer::Tagging => self.listening.handle_timeout(now),
                    Timer::ByeWait => self.ending.over(EndReason::ByeUnanswered),
                }
            }
            self.pump(now);
        }
    }

    fn on_caller(&mut self, now: Instant, event: CallerEvent) {
        match event {
            CallerEvent::Key(key) => {
                self.listening.key(now, Speaker::Caller, key);
                self.screening_event(now, Event::Dtmf(key));
            }
            CallerEvent::HungUp | CallerEvent::Cancelled => {
                self.ending.hung_up_by(HungUpBy::Caller, &mut self.outbox);
                self.screening.handle_event(now, Event::CallerHungUp);
                self.drain_screening(now);
                self.caller_lost(now, EndReason::CallerHungUp);
            }
            // The SIP layer has sent BYE: the caller's leg is lost.
            CallerEvent::AckTimeout => {
                self.screening.handle_event(now, Event::CallerHungUp);
                self.bridge_event(now, BridgeEvent::CallerHungUp);
                self.ending.note(EndReason::NoAck);
            }
            CallerEvent::SessionExpired => {
                self.ending.hung_up_by(HungUpBy::Service, &mut self.outbox);
                self.screening.handle_event(now, Event::CallerHungUp);
                self.bridge_event(now, BridgeEvent::CallerHungUp);
                self.ending.note(EndReason::SessionExpired);
            }
            CallerEvent::ByeDone => match self.bridge.as_mut() {
                Some(b) => {
                    b.handle_event(now, BridgeEvent::CallerGone);
                    self.ending.note(EndReason::WeHungUp);
                }
                None => self.ending.over(EndReason::WeHungUp),
            },
            CallerEvent::Gone => self.caller_lost(now, EndReason::DialogEnded),
        }
    }

    /// The caller's leg is gone: a bridge tears the phones down first,
    /// otherwise the call is over.
    fn caller_lost(&mut self, now: Instant, reason: EndReason) {
        match self.bridge.as_mut() {
            Some(b) if !b.is_finished() => {
                b.handle_event(now, BridgeEvent::CallerHungUp);
                self.ending.note(reason);
            }
            _ => self.ending.over(reason),
        }
    }

    fn on_phone(&mut self, now: Instant, phone: usize, event: PhoneEvent) {
        if self.bridge.is_none() {
            return;
        }
        match route(phone, event, self.announced_phone(), self.bridged_phone()) {
            PhoneRoute::Bridge(event) => self.bridge_event(now, event),
            PhoneRoute::ResidentHungUp(event) => {
                self.ending.hung_up_by(HungUpBy::Resident, &mut self.outbox);
                self.bridge_event(now, event);
            }
            PhoneRoute::ResidentKey(key) => self.listening.key(now, Speaker::Resident, key),
            PhoneRoute::Ignore => {}
        }
    }

    fn on_phones_found(&mut self, now: Instant, phones: usize) {
        if !std::mem::take(&mut self.finding_phones)
            || self.bridge.is_some()
            || self.ending.has_reason()
        {
            return;
        }
        if phones == 0 {
            // Nothing to ring: a caller not answered yet is answered now,
            // as a challenged caller already was.
            if self.ring_first() {
                actions::answer(now, &mut self.outbox, &mut self.listening);
            }
            return;
        }
        self.bridge_settings.phones = phones;
        self.bridge = Some(BridgeCall::new(&self.bridge_settings, now));
    }

    /// A line clear or a shutdown: hang up the caller and let a bridge
    /// tear the phones down, as if the caller had left. Ignored once the
    /// call is already ending for another reason.
    fn end_for(&mut self, now: Instant, reason: EndReason) {
        if self.ending.has_reason() {
            return;
        }
        self.ending.note(reason);
        self.ending.hung_up_by(HungUpBy::Service, &mut self.outbox);
        self.bridge_event(now, BridgeEvent::CallerHungUp);
        self.ending.bye_caller(now, &mut self.outbox);
    }

    /// Screening events count only until we hang up the caller.
    fn screening_event(&mut self, now: Instant, event: Event) {
        if self.ending.bye_sent.is_none() {
            self.screening.handle_event(now, event);
        }
    }

    fn bridge_event(&mut self, now: Instant, event: BridgeEvent) {
        if let Some(b) = self.bridge.as_mut() {
            b.handle_event(now, event);
        }
    }

    /// Carries the sub-machines' actions out as outputs, ends the call if
    /// it is over, and sets the timers for what is left.
    fn pump(&mut self, now: Instant) {
        self.drain_screening(now);
        self.drain_bridge(now);
        self.drain_tags();
        if let Some(reason) = self.ending.take_over() {
            self.finish(reason);
            return;
        }
        let before_bye = self.ending.bye_sent.is_none();
        let screening = (self.bridge.is_none() && before_bye)
            .then(|| self.screening.poll_timeout())
            .flatten();
        let bye_wait = self.bridge.is_none().then(|| self.ending.bye_deadline());
        let bridge = self.bridge.as_ref().and_then(BridgeCall::poll_timeout);
        self.timers.set(Timer::Screening, screening);
        self.timers.set(Timer::Bridge, bridge);
        self.timers
            .set(Timer::Tagging, self.listening.poll_timeout());
        self.timers.set(Timer::ByeWait, bye_wait.flatten());
    }

    fn finish(&mut self, reason: EndReason) {
        self.listening.end();
        self.drain_tags();
        let offer = (self.offer_after_risky_calls && reason.allows_offer())
            .then(|| self.listening.after_call())
            .flatten();
        self.outbox.push(Output::Finished { reason, offer });
        self.timers.stop_all();
        self.outbox.playbacks.clear();
    }

    /// Not challenged: the caller is answered only when the bridge says.
    fn ring_first(&self) -> bool {
        self.bridge_settings.answer_caller
    }

    fn drain_screening(&mut self, now: Instant) {
        while let Some(action) = self.screening.poll_action() {
            if self.ring_first() && action == Action::Answer {
                continue;
            }
            let parts = (&mut self.outbox, &mut self.ending, &mut self.listening);
            if actions::screening(action, now, parts) == Asked::Phones {
                self.finding_phones = true;
            }
        }
    }

    fn drain_bridge(&mut self, now: Instant) {
        let ring_first = self.ring_first();
        while let Some(action) = self.bridge.as_mut().and_then(BridgeCall::poll_action) {
            actions::bridge(
                action,
                now,
                (&mut self.outbox, &mut self.ending, &mut self.listening),
                ring_first,
            );
        }
    }

    fn drain_tags(&mut self) {
        let bridged = self.bridged_phone();
        self.listening.drain(&mut self.outbox, bridged);
    }
}
