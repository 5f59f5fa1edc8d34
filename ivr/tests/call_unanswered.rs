//! Callers let through without a challenge (allowlisted, remembered): the
//! phones ring before the caller is answered, on a virtual clock. The
//! caller gets 100 at once and 180 when a phone rings, is answered only when a phone
//! answers (or voicemail starts), and otherwise gets a final response:
//! 486 busy, 480 no answer, 603 declined.

mod common;

use common::{ms, secs, settings, Sim};
use ivr::call::{CallerEvent, EndReason, HungUpBy, Input, Leg, Output, PhoneEvent, Record, Sound};
use ivr::{AllowReason, BridgeOutcome, BridgePrompt, Decision, Outcome};

fn allowlisted() -> Decision {
    Decision::RingResident {
        reason: AllowReason::Allowlisted,
    }
}

fn is_answer(o: &Output) -> bool {
    *o == Output::Answer
}

fn is_ringback(o: &Output) -> bool {
    matches!(
        o,
        Output::Play {
            sound: Sound::Ringback,
            ..
        }
    )
}

fn rejected(sim: &Sim) -> Vec<u16> {
    let status = |o: Output| match o {
        Output::Reject { status } => Some(status),
        _ => None,
    };
    sim.outputs().into_iter().filter_map(status).collect()
}

#[test]
fn the_caller_is_answered_only_when_a_phone_answers() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 2);
    sim.run_to(ms(10));
    assert_eq!(sim.outputs().first(), Some(&Output::Trying), "100 first");
    assert_eq!(sim.count(|o| *o == Output::Trying), 1);
    assert_eq!(
        sim.when(|o| matches!(o, Output::RingPhones(_))),
        Some(secs(0))
    );
    assert_eq!(
        sim.count(is_answer),
        0,
        "not answered while the phones ring"
    );
    sim.phone(secs(1), 0, PhoneEvent::Progress(180));
    sim.phone(secs(2), 1, PhoneEvent::Progress(183));
    sim.phone(secs(3), 1, PhoneEvent::Progress(180));
    assert_eq!(sim.count(|o| *o == Output::Ring), 1, "180 once");
    assert_eq!(sim.when(|o| *o == Output::Ring), Some(secs(1)));
    assert_eq!(sim.count(is_answer), 0);
    sim.phone(secs(9), 1, PhoneEvent::Answered);
    assert_eq!(sim.when(is_answer), Some(secs(9)));
    // Answered, then connected, in the same step; the other phone is
    // cancelled.
    let at_nine: Vec<Output> = sim
        .trace
        .iter()
        .filter(|(t, _)| *t == secs(9))
        .map(|(_, o)| o.clone())
        .collect();
    let answer = at_nine.iter().position(is_answer);
    let connect = at_nine
        .iter()
        .position(|o| *o == Output::Connect { phone: 1 });
    assert!(answer.is_some() && answer < connect, "{at_nine:?}");
    assert!(at_nine.contains(&Output::HangUpPhone(0)), "{at_nine:?}");
    assert_eq!(sim.count(is_ringback), 0, "no ringback tone of ours");

    sim.caller(secs(20), CallerEvent::HungUp);
    sim.run();
    assert_eq!(
        sim.records(),
        vec![
            Record::Outcome(Outcome::Allowed),
            Record::Bridge(BridgeOutcome::Answered { phone: 1 }),
            Record::Bridged { phone: 1 },
            Record::HungUpBy(HungUpBy::Caller),
        ]
    );
    assert_eq!(sim.count(is_answer), 1);
    assert!(rejected(&sim).is_empty());
    assert_eq!(
        sim.finished(),
        Some((secs(20) + ms(50), EndReason::CallerHungUp))
    );
}

#[test]
fn a_remembered_caller_rings_first_too_and_the_answer_delay_does_not_apply() {
    let mut s = settings();
    s.challenge.answer_after = secs(5);
    let decision = Decision::RingResident {
        reason: AllowReason::Remembered,
    };
    let mut sim = Sim::new(&s, &decision, 1);
    sim.run_to(secs(10));
    assert_eq!(
        sim.when(|o| matches!(o, Output::RingPhones(_))),
        Some(secs(0))
    );
    assert_eq!(sim.count(|o| *o == Output::Ring), 0, "no phone rang yet");
    assert_eq!(sim.count(is_answer), 0);
    sim.phone(secs(11), 0, PhoneEvent::Answered);
    assert_eq!(sim.when(is_answer), Some(secs(11)));
}

#[test]
fn every_phone_busy_is_486_without_an_answer() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 2);
    sim.phone(secs(1), 0, PhoneEvent::Failed(486));
    assert!(rejected(&sim).is_empty(), "one phone still rings");
    sim.phone(secs(2), 1, PhoneEvent::Failed(600));
    assert_eq!(rejected(&sim), vec![486]);
    assert_eq!(
        sim.when(|o| matches!(o, Output::Reject { .. })),
        Some(secs(2))
    );
    // The dialog ends with the final response: that changes nothing.
    sim.caller(secs(2), CallerEvent::Gone);
    sim.run();
    assert_eq!(sim.count(is_answer), 0);
    assert_eq!(sim.count(|o| matches!(o, Output::Play { .. })), 0);
    assert_eq!(sim.count(|o| *o == Output::ByeCaller), 0);
    assert!(sim.records().contains(&Record::Bridge(BridgeOutcome::Busy)));
    assert_eq!(sim.finished(), Some((secs(2), EndReason::NotAnswered)));
}

#[test]
fn no_answer_by_the_ring_timeout_is_480() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 2);
    sim.phone(secs(1), 0, PhoneEvent::Progress(180));
    sim.phone(secs(2), 1, PhoneEvent::Failed(486));
    sim.run_to(secs(29));
    assert!(rejected(&sim).is_empty());
    sim.run();
    // Rung at 0 s for 30 s: the ringing phone is cancelled, then 480.
    assert_eq!(sim.when(|o| *o == Output::HangUpPhone(0)), Some(secs(30)));
    assert_eq!(rejected(&sim), vec![480]);
    assert_eq!(
        sim.when(|o| matches!(o, Output::Reject { .. })),
        Some(secs(30))
    );
    assert_eq!(sim.count(is_answer), 0);
    assert!(sim
        .records()
        .contains(&Record::Bridge(BridgeOutcome::NoAnswer)));
    // The call is over once the cancelled phone is gone.
    assert_eq!(
        sim.finished(),
        Some((secs(30) + ms(50), EndReason::NotAnswered))
    );
}

#[test]
fn no_answer_with_voicemail_answers_for_the_message() {
    let mut s = settings();
    s.voicemail = true;
    let mut sim = Sim::new(&s, &allowlisted(), 1);
    sim.phone(secs(1), 0, PhoneEvent::Progress(180));
    sim.run_to(secs(31));
    assert_eq!(sim.when(is_answer), Some(secs(30)));
    let leave = Sound::Bridge(BridgePrompt::LeaveMessage);
    let prompt =
        |o: &Output| matches!(o, Output::Play { leg: Leg::Caller, sound, .. } if *sound == leave);
    assert_eq!(sim.when(prompt), Some(secs(30)));
    sim.run();
    // The prompt plays 5 s, then the message is recorded.
    assert_eq!(sim.when(|o| *o == Output::StartMessage), Some(secs(35)));
    assert!(rejected(&sim).is_empty());
    assert!(sim
        .records()
        .contains(&Record::Bridge(BridgeOutcome::NoAnswer)));
    assert_eq!(sim.finished_count(), 1);
}

#[test]
fn a_declining_phone_is_603() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 2);
    sim.phone(secs(1), 0, PhoneEvent::Failed(486));
    sim.phone(secs(4), 1, PhoneEvent::Failed(603));
    sim.run();
    assert_eq!(rejected(&sim), vec![603]);
    assert!(sim
        .records()
        .contains(&Record::Bridge(BridgeOutcome::Declined)));
    assert_eq!(sim.finished(), Some((secs(4), EndReason::NotAnswered)));
}

#[test]
fn phones_that_fail_otherwise_are_480() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 1);
    sim.phone(secs(1), 0, PhoneEvent::Failed(404));
    sim.run();
    assert_eq!(rejected(&sim), vec![480]);
    assert!(sim
        .records()
        .contains(&Record::Bridge(BridgeOutcome::Unavailable)));
}

#[test]
fn the_caller_cancelling_cancels_the_phones() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 2);
    sim.phone(secs(1), 0, PhoneEvent::Progress(180));
    sim.caller(secs(5), CallerEvent::Cancelled);
    assert_eq!(sim.when(|o| *o == Output::HangUpPhone(0)), Some(secs(5)));
    assert_eq!(sim.when(|o| *o == Output::HangUpPhone(1)), Some(secs(5)));
    // The dialog is over after the 487 the SIP layer sent.
    sim.caller(secs(5), CallerEvent::Gone);
    sim.run();
    assert_eq!(sim.count(is_answer), 0);
    assert!(rejected(&sim).is_empty(), "the SIP layer answered 487");
    assert_eq!(sim.count(|o| *o == Output::ByeCaller), 0);
    assert_eq!(sim.hung_up_by(), vec![HungUpBy::Caller]);
    assert!(sim
        .records()
        .contains(&Record::Bridge(BridgeOutcome::CallerGaveUp)));
    assert_eq!(
        sim.finished(),
        Some((secs(5) + ms(50), EndReason::CallerHungUp))
    );
}

#[test]
fn an_answer_crossing_the_cancel_is_hung_up_and_never_answers_the_caller() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 1);
    sim.phone_gone_after = secs(1);
    sim.caller(secs(5), CallerEvent::Cancelled);
    sim.phone(secs(5) + ms(10), 0, PhoneEvent::Answered);
    sim.run();
    assert_eq!(sim.count(is_answer), 0);
    assert_eq!(sim.count(|o| matches!(o, Output::Connect { .. })), 0);
    assert_eq!(
        sim.count(|o| *o == Output::HangUpPhone(0)),
        2,
        "CANCEL, then BYE"
    );
    assert_eq!(sim.finished_count(), 1);
}

#[test]
fn shutdown_while_ringing_ends_the_caller_and_cancels_the_phones() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 1);
    sim.send(secs(3), Input::Shutdown { grace: secs(2) });
    assert_eq!(sim.when(|o| *o == Output::HangUpPhone(0)), Some(secs(3)));
    // Before the answer the SIP layer ends the caller's INVITE with 480.
    assert_eq!(sim.when(|o| *o == Output::ByeCaller), Some(secs(3)));
    sim.run();
    assert_eq!(sim.count(is_answer), 0);
    assert_eq!(sim.finished().map(|f| f.1), Some(EndReason::Shutdown));
}

#[test]
fn announced_and_rejected_by_the_resident_is_603() {
    let mut s = settings();
    s.announce = true;
    let mut sim = Sim::new(&s, &allowlisted(), 1);
    sim.phone(secs(1), 0, PhoneEvent::Progress(180));
    sim.phone(secs(4), 0, PhoneEvent::Answered);
    assert_eq!(sim.count(is_answer), 0, "not answered while announced");
    sim.phone(secs(5), 0, PhoneEvent::Key('2'));
    sim.run();
    assert_eq!(rejected(&sim), vec![603]);
    assert_eq!(sim.count(is_answer), 0);
    assert_eq!(sim.count(|o| matches!(o, Output::Connect { .. })), 0);
    assert!(sim
        .records()
        .contains(&Record::Bridge(BridgeOutcome::Declined)));
    assert_eq!(sim.finished().map(|f| f.1), Some(EndReason::NotAnswered));
}

#[test]
fn announced_and_accepted_answers_the_caller_at_the_key() {
    let mut s = settings();
    s.announce = true;
    let mut sim = Sim::new(&s, &allowlisted(), 1);
    sim.phone(secs(4), 0, PhoneEvent::Answered);
    sim.phone(secs(6), 0, PhoneEvent::Key('1'));
    assert_eq!(sim.when(is_answer), Some(secs(6)));
    assert_eq!(
        sim.when(|o| *o == Output::Connect { phone: 0 }),
        Some(secs(6))
    );
}

#[test]
fn challenged_callers_are_still_answered_first() {
    let mut sim = Sim::new(&settings(), &common::challenge(), 1);
    sim.pass_challenge();
    sim.phone(secs(4), 0, PhoneEvent::Progress(180));
    sim.run();
    assert_eq!(sim.when(is_answer), Some(secs(0)));
    assert_eq!(sim.when(is_ringback), Some(secs(4)));
    assert_eq!(sim.count(|o| *o == Output::Ring), 0);
    assert_eq!(sim.count(|o| *o == Output::Trying), 0);
    assert!(rejected(&sim).is_empty());
}
