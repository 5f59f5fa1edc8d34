//! The resident's side of a callback: the leg they are on, whichever it
//! is.
//!
//! Owns: telling the two kinds apart — the resident's own call (the phone
//! dialled a verified number: its INVITE waits for the line to clear, then
//! is answered) or their phones rung back ([`Phones`], first to answer
//! wins) — and turning the events on either into what they mean for the
//! callback ([`News`]); BYE to whichever leg the resident is on; every
//! teardown bounded by its deadline. Does not own: the flow (menu, dial,
//! bridge, results: [`super::Callback`]).

use std::collections::VecDeque;
use std::time::Instant;

use super::ring::{Answer, Phones};
use super::state::Leg;
use super::types::{CallbackAction, CallbackEvent};

/// What an event on the resident's side means for the callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum News {
    Nothing,
    /// This rung phone answered first: the resident is on it now.
    Answered {
        phone: usize,
    },
    /// No phone rang, or every one failed.
    NoAnswer,
    /// The resident hung up.
    Left,
}

/// The leg the resident is on.
#[derive(Clone, Debug)]
pub(super) enum Resident {
    /// Their own call (the dialled-verified trigger).
    Own(Leg),
    /// Their phones, rung back (the other triggers).
    Phones(Phones),
}

impl Resident {
    /// The resident's own call, its INVITE unanswered.
    pub(super) fn own() -> Self {
        Resident::Own(Leg::Ringing)
    }

    /// Phones to ring back once the line is clear.
    pub(super) fn phones() -> Self {
        Resident::Phones(Phones::new())
    }

    /// `AnswerResident` goes out.
    pub(super) fn answer_own(&mut self) {
        if let Resident::Own(leg @ Leg::Ringing) = self {
            *leg = Leg::Up;
        }
    }

    /// `RingPhones` goes out.
    pub(super) fn ring(&mut self) {
        if let Resident::Phones(phones) = self {
            phones.ask();
        }
    }

    /// Handles one of the resident's events (the others mean nothing
    /// here); legs it hangs up are given up on at `until`.
    pub(super) fn handle(
        &mut self,
        event: CallbackEvent,
        until: Instant,
        out: &mut VecDeque<CallbackAction>,
    ) -> News {
        use CallbackEvent as E;
        match (self, event) {
            (Resident::Own(leg), E::ResidentHungUp | E::ResidentGone) => {
                let gone = event == E::ResidentGone;
                if leg.torn_down() || gone || !matches!(*leg, Leg::Ringing | Leg::Up) {
                    return News::Nothing;
                }
                *leg = Leg::Down;
                News::Left
            }
            (Resident::Phones(phones), E::Rang { phones: count }) => {
                no_answer(phones.rang(count, until, out))
            }
            (Resident::Phones(phones), E::PhoneAnswered { phone }) => {
                match phones.answered(phone, until, out) {
                    Answer::Won => News::Answered { phone },
                    Answer::Late | Answer::Ignored => News::Nothing,
                }
            }
            (Resident::Phones(phones), E::PhoneFailed { phone, .. }) => {
                no_answer(phones.failed(phone))
            }
            (Resident::Phones(phones), E::PhoneHungUp { phone }) => match phones.hung_up(phone) {
                true => News::Left,
                false => News::Nothing,
            },
            (Resident::Phones(phones), E::PhoneGone { phone }) => {
                phones.gone(phone);
                News::Nothing
            }
            _ => News::Nothing,
        }
    }

    /// The ringing is over without an answer: CANCEL the phones still
    /// ringing, given up on at `until`.
    pub(super) fn stop_ringing(&mut self, until: Instant, out: &mut VecDeque<CallbackAction>) {
        if let Resident::Phones(phones) = self {
            phones.stop(until, out);
        }
    }

    /// BYE to the leg the resident is on, if up, given up on at `until`.
    pub(super) fn bye(&mut self, until: Instant, out: &mut VecDeque<CallbackAction>) {
        match self {
            Resident::Own(leg @ Leg::Up) => {
                *leg = Leg::Closing { until };
                out.push_back(CallbackAction::ByeResident);
            }
            Resident::Own(_) => {}
            Resident::Phones(phones) => phones.bye_winner(until, out),
        }
    }

    /// The earliest teardown deadline.
    pub(super) fn until(&self) -> Option<Instant> {
        match self {
            Resident::Own(leg) => leg.until(),
            Resident::Phones(phones) => phones.until(),
        }
    }

    /// Gives up on every leg whose teardown deadline is `at`.
    pub(super) fn expire(&mut self, at: Instant) {
        match self {
            Resident::Own(leg) if leg.until() == Some(at) => *leg = Leg::Down,
            Resident::Own(_) => {}
            Resident::Phones(phones) => phones.expire(at),
        }
    }

    /// Nothing left to wait for on the resident's side.
    pub(super) fn is_done(&self) -> bool {
        match self {
            Resident::Own(leg) => leg.is_done(),
            Resident::Phones(phones) => phones.is_done(),
        }
    }
}

fn no_answer(none_left: bool) -> News {
    if none_left {
        News::NoAnswer
    } else {
        News::Nothing
    }
}
