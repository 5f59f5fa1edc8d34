//! The sub-machines' actions as the call's outputs: what the screening
//! and the bridge ask for, on which leg, with which playback owner.
//!
//! Owns: this translation, one action at a time, and the end reasons and
//! BYEs those actions imply. Does not own: feeding the sub-machines or
//! deciding whose deadline counts (the machine, `mod.rs`).

use std::time::Instant;

use crate::bridge::BridgeAction;
use crate::screening::{Action, Outcome};

use super::ending::Ending;
use super::listening::Listening;
use super::outbox::Outbox;
use super::playback::Owner;
use super::types::{EndReason, Leg, Output, Record, Sound};

/// The parts of the call an action may touch.
pub type Parts<'a> = (&'a mut Outbox, &'a mut Ending, &'a mut Listening);

/// What an action asks of the machine itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    Nothing,
    /// The screening let the caller through: find the line's phones.
    Phones,
}

/// Answers the caller: the answer goes out and listening starts with it.
pub fn answer(now: Instant, out: &mut Outbox, listening: &mut Listening) {
    out.push(Output::Answer);
    listening.start(now);
}

/// One action of the screening machine.
pub fn screening(action: Action, now: Instant, (out, ending, listening): Parts<'_>) -> Asked {
    match action {
        Action::Ring => out.push(Output::Ring),
        Action::Answer => answer(now, out, listening),
        Action::Decline => {
            out.push(Output::Decline);
            ending.over(EndReason::Declined);
        }
        Action::Play { id, prompt } => {
            out.play(Leg::Caller, Owner::Screening(id), Sound::Screening(prompt))
        }
        Action::StopPlayback => out.stop(Leg::Caller),
        Action::Outcome(outcome) => {
            out.push(Output::Record(Record::Outcome(outcome)));
            if outcome == Outcome::Passed {
                out.push(Output::RememberPassed);
            }
        }
        Action::RecordName => {
            out.play(Leg::Caller, Owner::Nobody, Sound::Beep);
            out.push(Output::RecordName);
        }
        Action::StopNameRecording => out.push(Output::StopName),
        Action::Connected => {
            out.push(Output::FindPhones);
            return Asked::Phones;
        }
        Action::Hangup => {
            ending.note(EndReason::WeHungUp);
            ending.bye_caller(now, out);
        }
    }
    Asked::Nothing
}

/// One action of the bridge machine. `ring_first`: the caller was not
/// answered before the phones were rung (a ringing phone is a 180 to them,
/// not ringback).
pub fn bridge(
    action: BridgeAction,
    now: Instant,
    (out, ending, listening): Parts<'_>,
    ring_first: bool,
) {
    match action {
        BridgeAction::RingPhones(phones) => out.push(Output::RingPhones(phones)),
        BridgeAction::RelayProgress(_) if ring_first => out.push(Output::Ring),
        BridgeAction::RelayProgress(_) => out.play(Leg::Caller, Owner::Nobody, Sound::Ringback),
        BridgeAction::EarlyMedia { phone } => out.push(Output::EarlyMedia { phone }),
        BridgeAction::EndEarlyMedia => out.push(Output::EndEarlyMedia),
        BridgeAction::AnswerCaller => answer(now, out, listening),
        BridgeAction::RejectCaller(status) => {
            out.push(Output::Reject { status });
            ending.note(EndReason::NotAnswered);
        }
        BridgeAction::CancelPhone(phone) | BridgeAction::ByePhone(phone) => {
            out.forget(Leg::Phone(phone));
            out.push(Output::HangUpPhone(phone));
        }
        BridgeAction::Bridge { phone } => {
            out.push(Output::Record(Record::Bridged { phone }));
            out.forget(Leg::Caller);
            out.forget(Leg::Phone(phone));
            out.push(Output::Connect { phone });
            // A call already high risk before the resident answered.
            listening.warn(out, Some(phone));
        }
        BridgeAction::Unbridge => out.push(Output::Unbridge),
        BridgeAction::ByeCaller => ending.bye_caller(now, out),
        BridgeAction::Play { id, prompt } => {
            if out.ringback {
                out.stop(Leg::Caller);
            }
            out.play(Leg::Caller, Owner::Bridge(id), Sound::Bridge(prompt));
        }
        BridgeAction::Announce { phone } => {
            let leg = Leg::Phone(phone);
            out.stop(leg);
            out.play(leg, Owner::Announcement(phone), Sound::Announcement);
        }
        BridgeAction::StartVoicemail => {
            out.play(Leg::Caller, Owner::Nobody, Sound::Beep);
            out.push(Output::StartMessage);
        }
        BridgeAction::StopVoicemail => out.push(Output::StopMessage),
        BridgeAction::Outcome(outcome) => out.push(Output::Record(Record::Bridge(outcome))),
        BridgeAction::Finished => ending.over(EndReason::BridgeEnded),
    }
}
