//! The bridge from a screened caller to the resident's phones (the B2BUA's
//! call control), as a sans-IO state machine.
//!
//! Owns: ringing every phone on the line in parallel; relaying the first
//! ringing indication to the caller once; taking the first phone to answer
//! and cancelling every other one in the same step (and hanging up a phone
//! whose answer crosses our CANCEL); connecting caller and phone; the
//! no-answer, busy and unavailable message, with voicemail when enabled;
//! with [`BridgeSettings::announce`], announcing the caller to the phone
//! that answered and connecting only when the resident presses 1 (2, no
//! key after the announcement has played [`ANNOUNCE_TIMES`] times, or the
//! resident hanging up declines: the caller hears a polite goodbye); and
//! tearing every leg down. When either party hangs up, the other leg
//! gets BYE in the same step. Every leg's teardown (CANCEL or BYE) is
//! bounded by `bye_timeout`, so a caller who ignores our BYE, or a phone
//! that never answers our CANCEL, cannot hold the line open. The outcome is
//! reported once, and [`BridgeAction::Finished`] once, last, when every leg
//! is down or given up on. With [`BridgeSettings::answer_caller`] the
//! caller is not answered until a phone is connected (or voicemail
//! starts); a call nobody takes ends in a final response to the caller
//! instead of a message (`unanswered.rs`), and the first phone to send
//! early media is heard by the caller while the phones ring (`early.rs`). Time comes in as `now`; there
//! is no randomness.
//!
//! Does not own: deciding who is screened (the screening and the policy
//! do that), SIP (INVITEs, CANCEL/BYE transactions, SDP, ACK and BYE for a
//! stray 2xx on a leg already given up), media (relaying RTP, playing
//! prompts and the announcement with the caller's recorded name,
//! ringback, recording, DTMF detection), the actual timers, or storing the
//! outcome. The shell feeds [`BridgeEvent`]s and expired deadlines in with
//! [`BridgeCall::handle_event`] / [`BridgeCall::handle_timeout`], asks for
//! the next deadline with [`BridgeCall::poll_timeout`] and carries out
//! every [`BridgeAction`] drained from [`BridgeCall::poll_action`].

mod announce;
mod early;
mod message;
mod state;
mod teardown;
mod types;
mod unanswered;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use self::state::{Flow, Leg};
pub use self::types::*;
use crate::types::later;
use crate::types::MAX_DURATION;

/// Connecting one screened call to the resident's phones.
#[derive(Debug)]
pub struct BridgeCall {
    bye_timeout: Duration,
    voicemail: bool,
    announce: bool,
    phones: Vec<Leg>,
    caller: Leg,
    flow: Flow,
    outcome: Option<BridgeOutcome>,
    /// Phones that failed busy while ringing.
    busy: usize,
    /// Phones that declined (603) while ringing.
    declined: usize,
    /// A ringing indication has been relayed to the caller.
    relayed: bool,
    /// The phone whose early media the caller hears (`early.rs`).
    early: Option<usize>,
    /// When the phones stop ringing, while they ring.
    ring_deadline: Option<Instant>,
    /// With voicemail: when the message step (prompt and recording) ends.
    message_deadline: Option<Instant>,
    next_prompt: u32,
    actions: VecDeque<BridgeAction>,
}

impl BridgeCall {
    /// The screening let the caller through: ring every phone now. Never
    /// panics on bad settings: `phones` is clamped to `1..=MAX_PHONES` and
    /// durations to one hour (see [`BridgeSettings::validate`]).
    pub fn new(settings: &BridgeSettings, now: Instant) -> Self {
        let phones = settings.phones.clamp(1, MAX_PHONES);
        let mut call = Self {
            bye_timeout: settings.bye_timeout.min(MAX_DURATION),
            voicemail: settings.voicemail,
            announce: settings.announce,
            phones: vec![Leg::Ringing; phones],
            // An unanswered caller's leg "rings" until we answer it.
            caller: if settings.answer_caller {
                Leg::Ringing
            } else {
                Leg::Up
            },
            flow: Flow::Ringing,
            outcome: None,
            busy: 0,
            declined: 0,
            relayed: false,
            early: None,
            ring_deadline: Some(later(now, settings.ring_timeout.min(MAX_DURATION))),
            message_deadline: None,
            next_prompt: 0,
            actions: VecDeque::new(),
        };
        call.actions
            .push_back(BridgeAction::RingPhones((0..phones).collect()));
        call
    }

    pub fn handle_event(&mut self, now: Instant, event: BridgeEvent) {
        if self.flow == Flow::Finished {
            return;
        }
        match event {
            BridgeEvent::PhoneProgress { phone, status } => self.on_progress(phone, status),
            BridgeEvent::PhoneEarlyMedia { phone } => self.on_early_media(phone),
            BridgeEvent::PhoneAnswered { phone } => self.on_answered(now, phone),
            BridgeEvent::PhoneFailed { phone, status } => self.on_failed(now, phone, status),
            BridgeEvent::PhoneHungUp { phone } => self.on_phone_hung_up(now, phone),
            BridgeEvent::PhoneGone { phone } => {
                if let Some(leg @ (Leg::Cancelling { .. } | Leg::Closing { .. })) =
                    self.phones.get_mut(phone)
                {
                    *leg = Leg::Down;
                }
            }
            BridgeEvent::CallerHungUp => self.on_caller_hung_up(now),
            BridgeEvent::CallerGone => {
                if let Leg::Closing { .. } = self.caller {
                    self.caller = Leg::Down;
                }
            }
            BridgeEvent::PromptFinished(id) => {
                if matches!(self.flow, Flow::Message { id: playing, .. } if playing == id) {
                    self.on_prompt_done(now);
                }
            }
            BridgeEvent::Dtmf(_) => {}
            BridgeEvent::AnnounceFinished { phone } => self.on_announce_finished(now, phone),
            BridgeEvent::ResidentKey { phone, digit } => self.on_resident_key(now, phone, digit),
        }
        self.check_finished();
    }

    /// Fires every pending deadline at or before `now`, in time order. A
    /// deadline that follows from one fired here is measured from the fired
    /// deadline, so a late call behaves as if it had been made on time.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(at) = self.poll_timeout().filter(|&at| at <= now) {
            if !self.fire(at) {
                break; // unreachable: every deadline poll_timeout reports fires
            }
            self.check_finished();
        }
    }

    /// The earliest pending deadline. `None` once bridged and every other
    /// phone is down (the call then lasts as long as the parties talk), and
    /// once finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let guard = match self.flow {
            Flow::Message { guard, .. } => Some(guard),
            Flow::Recording => self.message_deadline,
            Flow::Announcing { until, .. } => Some(until),
            Flow::Finished => return None,
            Flow::Ringing | Flow::Bridged { .. } | Flow::Ending => None,
        };
        let legs = self.phones.iter().chain([&self.caller]);
        legs.filter_map(|leg| leg.until())
            .chain(self.ring_deadline)
            .chain(guard)
            .min()
    }

    /// The next action to carry out. Drain this after every call into the
    /// machine.
    pub fn poll_action(&mut self) -> Option<BridgeAction> {
        self.actions.pop_front()
    }

    pub fn outcome(&self) -> Option<BridgeOutcome> {
        self.outcome
    }

    /// With announce: the phone hearing the announcement right now, if any.
    pub fn announced_phone(&self) -> Option<usize> {
        match self.flow {
            Flow::Announcing { phone, .. } => Some(phone),
            _ => None,
        }
    }

    /// The phone connected to the caller right now, if any.
    pub fn bridged_phone(&self) -> Option<usize> {
        match self.flow {
            Flow::Bridged { phone } => Some(phone),
            _ => None,
        }
    }

    /// `Finished` has been emitted.
    pub fn is_finished(&self) -> bool {
        self.flow == Flow::Finished
    }

    /// Fires the deadline due at `at`; false if none is.
    fn fire(&mut self, at: Instant) -> bool {
        if self.ring_deadline == Some(at) {
            self.ring_deadline = None;
            self.cancel_ringing(at);
            self.decide(BridgeOutcome::NoAnswer);
            self.start_message(at);
            return true;
        }
        match self.flow {
            Flow::Message { guard, .. } if guard == at => {
                self.on_prompt_done(at);
                return true;
            }
            Flow::Recording if self.message_deadline == Some(at) => {
                self.end_recording(at);
                return true;
            }
            Flow::Announcing {
                phone,
                times,
                playing,
                until,
            } if until == at => {
                if playing {
                    // The announcement's end never came: take it as played.
                    self.wait_for_key(at, phone, times);
                } else if times < ANNOUNCE_TIMES {
                    self.announce(at, phone, times);
                } else {
                    self.resident_declined(at, phone, true);
                }
                return true;
            }
            _ => {}
        }
        let mut fired = false;
        for leg in self.phones.iter_mut().chain([&mut self.caller]) {
            if leg.until() == Some(at) {
                *leg = Leg::Down;
                fired = true;
            }
        }
        fired
    }

    fn on_progress(&mut self, phone: usize, status: u16) {
        let ringing = self.phones.get(phone) == Some(&Leg::Ringing);
        if ringing && !self.relayed && matches!(status, 180 | 183) {
            self.relayed = true;
            self.actions.push_back(BridgeAction::RelayProgress(status));
        }
    }

    fn on_answered(&mut self, now: Instant, phone: usize) {
        let until = later(now, self.bye_timeout);
        let Some(leg) = self.phones.get_mut(phone) else {
            return;
        };
        match *leg {
            // Only while the call rings: a leg rings only then.
            Leg::Ringing => {
                *leg = Leg::Up;
                self.ring_deadline = None;
                self.cancel_ringing(now);
                if self.announce {
                    self.announce(now, phone, 0);
                } else {
                    self.connect(phone);
                }
            }
            // The answer crossed our CANCEL: hang that phone up.
            Leg::Cancelling { .. } => {
                *leg = Leg::Closing { until };
                self.actions.push_back(BridgeAction::ByePhone(phone));
            }
            Leg::Up | Leg::Closing { .. } | Leg::Down => {}
        }
    }

    fn on_failed(&mut self, now: Instant, phone: usize, status: u16) {
        let Some(leg) = self.phones.get_mut(phone) else {
            return;
        };
        match *leg {
            Leg::Ringing => {
                *leg = Leg::Down;
                self.end_early_media(Some(phone));
                match status {
                    486 | 600 => self.busy += 1,
                    603 => self.declined += 1,
                    _ => {}
                }
                if !self.phones.contains(&Leg::Ringing) {
                    self.ring_deadline = None;
                    let outcome = if self.busy == self.phones.len() {
                        BridgeOutcome::Busy
                    } else if self.declined > 0 && self.caller_unanswered() {
                        BridgeOutcome::Declined
                    } else {
                        BridgeOutcome::Unavailable
                    };
                    self.decide(outcome);
                    self.start_message(now);
                }
            }
            // The INVITE we cancelled ended (487, or any final failure).
            Leg::Cancelling { .. } => *leg = Leg::Down,
            // A failure after an answer can only be stale.
            Leg::Up | Leg::Closing { .. } | Leg::Down => {}
        }
    }

    fn on_phone_hung_up(&mut self, now: Instant, phone: usize) {
        let Some(leg) = self.phones.get_mut(phone) else {
            return;
        };
        match *leg {
            // The winner, announced to: the resident hung up instead of
            // accepting.
            Leg::Up if matches!(self.flow, Flow::Announcing { phone: p, .. } if p == phone) => {
                *leg = Leg::Down;
                self.resident_declined(now, phone, false);
            }
            // The winner: the resident hung up.
            Leg::Up => {
                *leg = Leg::Down;
                self.actions.push_back(BridgeAction::Unbridge);
                self.bye_caller(now);
                self.flow = Flow::Ending;
            }
            // Its BYE crossed our CANCEL or BYE: the leg is over either way.
            Leg::Cancelling { .. } | Leg::Closing { .. } => *leg = Leg::Down,
            Leg::Ringing | Leg::Down => {}
        }
    }

    fn on_caller_hung_up(&mut self, now: Instant) {
        match self.caller {
            // Ringing: an unanswered caller cancelled.
            Leg::Up | Leg::Ringing => {}
            Leg::Closing { .. } => {
                self.caller = Leg::Down;
                return;
            }
            Leg::Cancelling { .. } | Leg::Down => return,
        }
        self.caller = Leg::Down;
        match self.flow {
            Flow::Ringing => {
                self.ring_deadline = None;
                self.cancel_ringing(now);
                self.decide(BridgeOutcome::CallerGaveUp);
            }
            Flow::Bridged { phone } => {
                self.actions.push_back(BridgeAction::Unbridge);
                self.bye_phone(now, phone);
            }
            Flow::Announcing { phone, .. } => {
                self.bye_phone(now, phone);
                self.decide(BridgeOutcome::CallerGaveUp);
            }
            Flow::Recording => self.actions.push_back(BridgeAction::StopVoicemail),
            Flow::Message { .. } | Flow::Ending | Flow::Finished => {}
        }
        self.message_deadline = None;
        self.flow = Flow::Ending;
    }
}
