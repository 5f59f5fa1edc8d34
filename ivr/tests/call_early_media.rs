//! Early media for callers let through without a challenge, on a virtual
//! clock: the first ringing phone to send a 183 with SDP is heard by the
//! caller (no 180 after it), the answer still comes only when a phone
//! answers, and the early media ends when the phones stop ringing or that
//! phone fails (another ringing phone's early media is heard after it). A challenged caller, already answered, hears ringback.

mod common;

use common::{secs, settings, Sim};
use ivr::call::{CallerEvent, Output, PhoneEvent, Sound};
use ivr::{AllowReason, Decision};

fn allowlisted() -> Decision {
    Decision::RingResident {
        reason: AllowReason::Allowlisted,
    }
}

fn early(o: &Output) -> bool {
    matches!(o, Output::EarlyMedia { .. })
}

/// The outputs at one instant, in order.
fn at(sim: &Sim, t: std::time::Duration) -> Vec<Output> {
    sim.trace
        .iter()
        .filter(|(when, _)| *when == t)
        .map(|(_, o)| o.clone())
        .collect()
}

#[test]
fn the_caller_hears_the_first_phone_with_early_media_until_another_answers() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 3);
    sim.phone(secs(1), 0, PhoneEvent::Progress(180));
    assert_eq!(sim.count(|o| *o == Output::Ring), 1);
    sim.phone(secs(2), 1, PhoneEvent::EarlyMedia);
    sim.phone(secs(3), 2, PhoneEvent::EarlyMedia);
    sim.phone(secs(3), 1, PhoneEvent::EarlyMedia);
    assert_eq!(
        sim.outputs().into_iter().filter(early).collect::<Vec<_>>(),
        vec![Output::EarlyMedia { phone: 1 }],
        "the first phone's early media, once"
    );
    assert_eq!(sim.when(early), Some(secs(2)));
    assert_eq!(sim.count(|o| *o == Output::Answer), 0, "not answered yet");

    // Phone 2 answers: the caller is answered and connected to it, and the
    // early media ends as the others are cancelled.
    sim.phone(secs(5), 2, PhoneEvent::Answered);
    let five = at(&sim, secs(5));
    let end = five.iter().position(|o| *o == Output::EndEarlyMedia);
    let answer = five.iter().position(|o| *o == Output::Answer);
    let connect = five.iter().position(|o| *o == Output::Connect { phone: 2 });
    assert!(end.is_some() && answer.is_some(), "{five:?}");
    assert!(end < connect && answer < connect, "{five:?}");
    assert!(five.contains(&Output::HangUpPhone(1)), "{five:?}");
    assert_eq!(sim.count(|o| *o == Output::EndEarlyMedia), 1);
}

#[test]
fn early_media_before_any_ringing_replaces_the_180() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 2);
    sim.phone(secs(1), 0, PhoneEvent::EarlyMedia);
    sim.phone(secs(2), 1, PhoneEvent::Progress(180));
    assert_eq!(sim.count(|o| *o == Output::Ring), 0, "no 180 after the 183");
    assert_eq!(sim.count(early), 1);
    sim.phone(secs(4), 0, PhoneEvent::Answered);
    assert_eq!(sim.when(|o| *o == Output::Answer), Some(secs(4)));
    assert_eq!(
        sim.when(|o| *o == Output::Connect { phone: 0 }),
        Some(secs(4))
    );
}

#[test]
fn early_media_ends_when_its_phone_fails_and_others_ring_on() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 2);
    sim.phone(secs(1), 0, PhoneEvent::EarlyMedia);
    sim.phone(secs(2), 0, PhoneEvent::Failed(486));
    assert_eq!(sim.when(|o| *o == Output::EndEarlyMedia), Some(secs(2)));
    assert!(
        !sim.outputs()
            .iter()
            .any(|o| matches!(o, Output::Reject { .. })),
        "phone 1 still rings"
    );
    // Another ringing phone's early media is heard from then on.
    sim.phone(secs(3), 1, PhoneEvent::EarlyMedia);
    assert_eq!(
        sim.when(|o| *o == Output::EarlyMedia { phone: 1 }),
        Some(secs(3))
    );
    sim.phone(secs(4), 1, PhoneEvent::Answered);
    assert_eq!(sim.when(|o| *o == Output::Answer), Some(secs(4)));
}

#[test]
fn a_caller_who_gives_up_during_early_media_stops_hearing_it() {
    let mut sim = Sim::new(&settings(), &allowlisted(), 1);
    sim.phone(secs(1), 0, PhoneEvent::EarlyMedia);
    sim.caller(secs(2), CallerEvent::Cancelled);
    let two = at(&sim, secs(2));
    assert!(two.contains(&Output::EndEarlyMedia), "{two:?}");
    assert!(two.contains(&Output::HangUpPhone(0)), "{two:?}");
    assert_eq!(sim.count(|o| *o == Output::Answer), 0);
}

#[test]
fn no_answer_after_early_media_is_480_without_an_answer() {
    let mut s = settings();
    s.ring_timeout = secs(10);
    let mut sim = Sim::new(&s, &allowlisted(), 1);
    sim.phone(secs(1), 0, PhoneEvent::EarlyMedia);
    sim.run_to(secs(11));
    assert_eq!(sim.when(|o| *o == Output::EndEarlyMedia), Some(secs(10)));
    assert_eq!(
        sim.when(|o| *o == Output::Reject { status: 480 }),
        Some(secs(10))
    );
    assert_eq!(sim.count(|o| *o == Output::Answer), 0);
}

#[test]
fn a_challenged_caller_hears_ringback_for_early_media() {
    let mut sim = Sim::new(&settings(), &common::challenge(), 1);
    sim.pass_challenge();
    let before = sim.trace.len();
    let t = sim.elapsed() + secs(1);
    sim.phone(t, 0, PhoneEvent::EarlyMedia);
    let after: Vec<Output> = sim.trace[before..].iter().map(|(_, o)| o.clone()).collect();
    assert!(!after.iter().any(early), "{after:?}");
    assert!(
        after.iter().any(|o| matches!(
            o,
            Output::Play {
                sound: Sound::Ringback,
                ..
            }
        )),
        "{after:?}"
    );
}
