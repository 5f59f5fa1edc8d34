//! The loop of one live call: feed the machine its inputs, carry out its
//! outputs, sleep until its next deadline. Nothing else.
//!
//! Owns: the `select!` over the call's sources (the caller's leg, the
//! phones, the recognizer's words, the deadline, a line-clear request,
//! shutdown) and the dispatch of each `ivr::call::Output` to the part of
//! the shell that carries it out. Does not own: any decision (the
//! `ivr::call` machine) or how an output is carried out (`caller.rs`,
//! `phones.rs`, `listening.rs`, `log.rs`).

use ivr::call::{Call, EndReason, Input, Leg, Output, PhoneEvent, Sound};
use ivr::lineclear::Trigger;
use sip::Command;
use tokio::sync::{mpsc, watch};
use tracing::debug;

use super::caller::CallerLeg;
use super::ctx::CallCtx;
use super::listening::Listening;
use super::phones::Phones;
use super::sink::now;
use super::{log, sounds};
use crate::serve::wait::sleep_until;

/// The parts of the shell one call's outputs go to.
pub(super) struct Parts {
    pub(super) ctx: CallCtx,
    pub(super) caller: CallerLeg,
    pub(super) phones: Phones,
    pub(super) listening: Listening,
    /// A line-clear callback asks this call to hang up.
    pub(super) clear_rx: mpsc::UnboundedReceiver<()>,
    /// What the call's INFO line will say.
    pub(super) summary: log::Summary,
}

/// Runs the call until the machine says it is over: why, and the
/// after-call callback to offer, if any.
pub(super) async fn drive(
    call: &mut Call,
    parts: &mut Parts,
    shutdown: &mut watch::Receiver<bool>,
) -> (EndReason, Option<Trigger>) {
    let mut shutting_down = false;
    loop {
        while let Some(output) = call.poll_output() {
            if let Output::Finished { reason, offer } = output {
                return (reason, offer);
            }
            apply(call, parts, output).await;
        }
        let heard = call.announced_phone().or(call.bridged_phone());
        let deadline = call.poll_timeout().map(tokio::time::Instant::from_std);
        tokio::select! {
            input = parts.caller.next() => call.handle_input(now(), input),
            Some(input) = parts.phones.next(heard) => call.handle_input(now(), input),
            Some(input) = parts.listening.next() => call.handle_input(now(), input),
            () = sleep_until(deadline) => call.handle_timeout(now()),
            Some(()) = parts.clear_rx.recv() => {
                debug!("clearing the line for a callback: hanging up");
                call.handle_input(now(), Input::ClearLine);
            }
            changed = shutdown.changed(), if !shutting_down => {
                if changed.is_err() || *shutdown.borrow() {
                    shutting_down = true;
                    debug!("shutting down: hanging up");
                    let grace = parts.ctx.shared.service.shutdown_grace();
                    call.handle_input(now(), Input::Shutdown { grace });
                }
            }
        }
    }
}

/// Carries out one output.
async fn apply(call: &mut Call, parts: &mut Parts, output: Output) {
    let Parts {
        ctx,
        caller,
        phones,
        listening,
        summary,
        ..
    } = parts;
    match output {
        Output::Trying => caller.send(Command::Trying),
        Output::Ring => caller.send(Command::Ringing),
        Output::EarlyMedia { phone } => {
            if caller.early_media(listening.overlay.clone()) {
                phones.early_media(phone, caller);
            }
        }
        Output::EndEarlyMedia => caller.command(sip::rtp_session::MediaCommand::Unrelay),
        Output::Answer => {
            let heard = caller.answer(ctx, listening.overlay.clone());
            listening.listen(ctx, heard);
        }
        Output::Decline => caller.send(Command::Reject { status: 603 }),
        Output::Reject { status } => {
            debug!(status, "nobody took the call: final response to the caller");
            caller.send(Command::Reject { status });
        }
        Output::Play { leg, id, sound } => {
            let chunks = sounds::audio(ctx, sound, &caller.name());
            match leg {
                Leg::Caller => {
                    if sound == Sound::Ringback {
                        debug!("the resident's phone is ringing: ringback to the caller");
                    }
                    caller.play(id, chunks);
                }
                Leg::Phone(phone) => {
                    let warning = (sound == Sound::Warning).then(|| chunks.concat());
                    if sound == Sound::Announcement {
                        debug!(phone, "announcing the caller to the resident");
                    }
                    if phones.play(phone, id, chunks) {
                        if let Some(warning) = warning {
                            listening.warned(&warning);
                        }
                    }
                }
            }
        }
        Output::Stop { leg: Leg::Caller } => {
            caller.command(sip::rtp_session::MediaCommand::StopPlayback)
        }
        Output::Stop {
            leg: Leg::Phone(phone),
        } => phones.stop(phone),
        Output::RecordName => caller.record_name(),
        Output::StopName => caller.stop_name(),
        Output::StartMessage => caller.start_message(ctx),
        Output::StopMessage => caller.stop_message(),
        Output::FindPhones => {
            let found = phones.find(ctx);
            match found {
                0 => debug!("caller passed; the call stays up until the caller hangs up"),
                n => debug!(phones = n, "connecting the caller to the resident"),
            }
            call.handle_input(now(), Input::PhonesFound(found));
        }
        Output::RingPhones(list) => {
            for phone in list {
                if !phones.ring(ctx, phone).await {
                    let event = PhoneEvent::Failed(503);
                    call.handle_input(now(), Input::Phone { phone, event });
                }
            }
        }
        Output::HangUpPhone(phone) => phones.hang_up(phone),
        Output::Connect { phone } => phones.connect(phone, caller),
        Output::Unbridge => phones.unbridge(caller),
        Output::ByeCaller => caller.send(Command::Hangup),
        Output::Record(record) => {
            summary.note(&record);
            let uri = match &record {
                ivr::call::Record::Bridged { phone } => phones.uri(*phone),
                _ => None,
            };
            log::record(&ctx.shared, &ctx.key, record, uri, call.digit());
        }
        Output::AlertContact { risk, tags, reason } => {
            listening.alert(ctx, risk, &tags, &reason);
        }
        Output::RememberPassed => log::remember_passed(ctx),
        // Handled by the loop.
        Output::Finished { .. } => {}
    }
}
