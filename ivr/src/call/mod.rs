//! One answered call as a single sans-IO machine: the screening challenge,
//! then (once the caller is let through and the line has phones) the
//! bridge to the resident, with the tagger listening alongside.
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

mod ending;
mod listening;
mod playback;
mod timers;
mod types;

use std::collections::VecDeque;
use std::time::Instant;

use crate::bridge::{BridgeAction, BridgeCall, BridgeEvent, BridgeSettings};
use crate::policy::Decision;
use crate::screening::{Action, Event, Outcome, ScreeningCall};
use crate::tagging::{Speaker, TagOutput};

use ending::Ending;
use listening::Listening;
use playback::{Owner, Playbacks};
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
    playbacks: Playbacks,
    /// The ringback tone is queued on the caller's leg.
    ringback: bool,
    timers: TimerTable,
    ending: Ending,
    offer_after_risky_calls: bool,
    outputs: VecDeque<Output>,
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
        let mut call = Self {
            screening: ScreeningCall::start(&settings.challenge, decision, rng, now),
            bridge: None,
            bridge_settings: BridgeSettings {
                ring_timeout: settings.ring_timeout,
                voicemail: settings.voicemail,
                announce: settings.announce,
                ..BridgeSettings::default()
            },
            finding_phones: false,
            listening: Listening::new(settings.tagger.clone(), suspicious, settings.warn_resident),
            playbacks: Playbacks::default(),
            ringback: false,
            timers: TimerTable::default(),
            ending: Ending::new(settings.bye_wait),
            offer_after_risky_calls: settings.offer_after_risky_calls,
            outputs: VecDeque::new(),
        };
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
        self.outputs.pop_front()
    }

    pub fn handle_input(&mut self, now: Instant, input: Input) {
        if self.ending.finished {
            return;
        }
        match input {
            Input::Caller(event) => self.on_caller(now, event),
            Input::Phone { phone, event } => self.on_phone(now, phone, event),
            Input::PlaybackFinished(id) => match self.playbacks.finished(id) {
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
                self.hung_up_by(HungUpBy::Caller);
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
                self.hung_up_by(HungUpBy::Service);
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
        let Some(bridge) = self.bridge.as_ref() else {
            return;
        };
        let bridged = bridge.bridged_phone() == Some(phone);
        let event = match event {
            PhoneEvent::Progress(status) if status > 100 => {
                BridgeEvent::PhoneProgress { phone, status }
            }
            PhoneEvent::Progress(_) => return,
            PhoneEvent::Answered => BridgeEvent::PhoneAnswered { phone },
            PhoneEvent::Failed(status) => BridgeEvent::PhoneFailed { phone, status },
            PhoneEvent::HungUp => {
                // Only the connected phone's BYE is the resident hanging
                // up (the others' cross our CANCEL or BYE).
                if bridged {
                    self.hung_up_by(HungUpBy::Resident);
                }
                BridgeEvent::PhoneHungUp { phone }
            }
            PhoneEvent::Gone => BridgeEvent::PhoneGone { phone },
            PhoneEvent::Key(digit) if bridge.announced_phone() == Some(phone) => {
                BridgeEvent::ResidentKey { phone, digit }
            }
            PhoneEvent::Key(digit) => {
                if bridged {
                    self.listening.key(now, Speaker::Resident, digit);
                }
                return;
            }
        };
        self.bridge_event(now, event);
    }

    fn on_phones_found(&mut self, now: Instant, phones: usize) {
        if !std::mem::take(&mut self.finding_phones)
            || phones == 0
            || self.bridge.is_some()
            || self.ending.has_reason()
        {
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
        self.hung_up_by(HungUpBy::Service);
        self.bridge_event(now, BridgeEvent::CallerHungUp);
        self.bye_caller(now);
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

    fn hung_up_by(&mut self, who: HungUpBy) {
        if self.ending.hung_up_by(who) {
            self.push(Output::Record(Record::HungUpBy(who)));
        }
    }

    fn push(&mut self, output: Output) {
        self.outputs.push_back(output);
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
        self.push(Output::Finished { reason, offer });
        self.timers.stop_all();
        self.playbacks.clear();
    }

    fn play(&mut self, leg: Leg, owner: Owner, sound: Sound) {
        let id = self.playbacks.start(leg, owner);
        self.push(Output::Play { leg, id, sound });
    }

    fn stop(&mut self, leg: Leg) {
        self.playbacks.stopped(leg);
        if leg == Leg::Caller {
            self.ringback = false;
        }
        self.push(Output::Stop { leg });
    }

    /// BYE to the caller (once); whatever plays to them stops.
    fn bye_caller(&mut self, now: Instant) {
        if self.ending.bye_sent.is_some() {
            return;
        }
        self.hung_up_by(HungUpBy::Service);
        self.ending.bye_sent = Some(now);
        self.stop(Leg::Caller);
        self.push(Output::ByeCaller);
    }

    fn drain_screening(&mut self, now: Instant) {
        while let Some(action) = self.screening.poll_action() {
            match action {
                Action::Ring => self.push(Output::Ring),
                Action::Answer => {
                    self.push(Output::Answer);
                    self.listening.start(now);
                }
                Action::Decline => {
                    self.push(Output::Decline);
                    self.ending.over(EndReason::Declined);
                }
                Action::Play { id, prompt } => {
                    self.play(Leg::Caller, Owner::Screening(id), Sound::Screening(prompt))
                }
                Action::StopPlayback => self.stop(Leg::Caller),
                Action::Outcome(outcome) => {
                    self.push(Output::Record(Record::Outcome(outcome)));
                    if outcome == Outcome::Passed {
                        self.push(Output::RememberPassed);
                    }
                }
                Action::RecordName => {
                    self.play(Leg::Caller, Owner::Nobody, Sound::Beep);
                    self.push(Output::RecordName);
                }
                Action::StopNameRecording => self.push(Output::StopName),
                Action::Connected => {
                    self.finding_phones = true;
                    self.push(Output::FindPhones);
                }
                Action::Hangup => {
                    self.ending.note(EndReason::WeHungUp);
                    self.bye_caller(now);
                }
            }
        }
    }

    fn drain_bridge(&mut self, now: Instant) {
        while let Some(action) = self.bridge.as_mut().and_then(BridgeCall::poll_action) {
            match action {
                BridgeAction::RingPhones(phones) => self.push(Output::RingPhones(phones)),
                BridgeAction::RelayProgress(_) => {
                    self.play(Leg::Caller, Owner::Nobody, Sound::Ringback);
                    self.ringback = true;
                }
                BridgeAction::CancelPhone(phone) | BridgeAction::ByePhone(phone) => {
                    self.playbacks.stopped(Leg::Phone(phone));
                    self.push(Output::HangUpPhone(phone));
                }
                BridgeAction::Bridge { phone } => {
                    self.push(Output::Record(Record::Bridged { phone }));
                    self.playbacks.stopped(Leg::Caller);
                    self.playbacks.stopped(Leg::Phone(phone));
                    self.ringback = false;
                    self.push(Output::Connect { phone });
                    // A call already high risk before the resident answered.
                    self.warn_resident();
                }
                BridgeAction::Unbridge => self.push(Output::Unbridge),
                BridgeAction::ByeCaller => self.bye_caller(now),
                BridgeAction::Play { id, prompt } => {
                    if self.ringback {
                        self.stop(Leg::Caller);
                    }
                    self.play(Leg::Caller, Owner::Bridge(id), Sound::Bridge(prompt));
                }
                BridgeAction::Announce { phone } => {
                    let leg = Leg::Phone(phone);
                    self.stop(leg);
                    self.play(leg, Owner::Announcement(phone), Sound::Announcement);
                }
                BridgeAction::StartVoicemail => {
                    self.play(Leg::Caller, Owner::Nobody, Sound::Beep);
                    self.push(Output::StartMessage);
                }
                BridgeAction::StopVoicemail => self.push(Output::StopMessage),
                BridgeAction::Outcome(outcome) => {
                    self.push(Output::Record(Record::Bridge(outcome)))
                }
                BridgeAction::Finished => self.ending.over(EndReason::BridgeEnded),
            }
        }
    }

    fn drain_tags(&mut self) {
        while let Some(out) = self.listening.poll() {
            match out {
                TagOutput::Tagged(tag) => self.push(Output::Record(Record::Tag(tag))),
                TagOutput::Risk(risk) => {
                    self.push(Output::Record(Record::Risk(risk)));
                    if risk == crate::tagging::Risk::High {
                        self.warn_resident();
                        if let Some(alert) = self.listening.take_alert() {
                            self.push(alert);
                        }
                    }
                }
            }
        }
    }

    /// The warning, to the bridged resident only, once. Before the resident
    /// is connected it waits for `Connect`.
    fn warn_resident(&mut self) {
        if let Some(phone) = self.bridged_phone() {
            if self.listening.take_warning() {
                self.play(Leg::Phone(phone), Owner::Nobody, Sound::Warning);
            }
        }
    }
}
