//! The composed call under random settings and random event sequences
//! (duplicated, late, out of order, for phones that do not exist): it
//! never panics, every step keeps the harness's invariants (no output
//! after `Finished`, no deadline in the past, no fired deadline still due,
//! no playback id twice), each log record that is written once is written
//! at most once, and once the caller's dialog and every phone are gone the
//! call finishes, exactly once.

mod common;

use std::time::Duration;

use common::{ms, secs, Sim};
use ivr::call::{
    CallSettings, CallerEvent, EndReason, Input, Output, PhoneEvent, PlaybackId, Record,
};
use ivr::{AllowReason, Decision, RejectHow, RejectReason, Speaker};

fn random_settings(rng: &mut fastrand::Rng) -> CallSettings {
    let mut s = CallSettings::default();
    s.challenge.fixed_digit = Some(4);
    s.challenge.notice = rng.bool();
    s.challenge.ask_name = rng.bool();
    s.challenge.answer_after = secs(rng.u64(0..3));
    s.announce = rng.bool();
    s.voicemail = rng.bool();
    s.ring_timeout = secs(rng.u64(5..40));
    s.warn_resident = rng.bool();
    s.offer_after_risky_calls = rng.bool();
    s
}

fn random_decision(rng: &mut fastrand::Rng) -> Decision {
    match rng.u8(0..6) {
        0 => Decision::RingResident {
            reason: AllowReason::Allowlisted,
        },
        1 => Decision::Reject {
            reason: RejectReason::Blocked,
            how: RejectHow::MessageThenHangup,
        },
        2 => Decision::Reject {
            reason: RejectReason::Blocked,
            how: RejectHow::Decline,
        },
        _ => Decision::Challenge { suspicious: None },
    }
}

fn random_input(rng: &mut fastrand::Rng) -> Input {
    let n = rng.usize(0..4);
    let phone = |event| Input::Phone { phone: n, event };
    // Half the keys are the challenge digit.
    let key = if rng.bool() {
        '4'
    } else {
        char::from(b'0' + rng.u8(0..10))
    };
    match rng.u8(0..40) {
        0..=9 | 37..=39 => Input::Caller(CallerEvent::Key(key)),
        10..=15 => phone(PhoneEvent::Answered),
        16 | 17 => phone(PhoneEvent::Progress(180)),
        18 => phone(PhoneEvent::Failed([486, 480, 487][rng.usize(0..3)])),
        19 => phone(PhoneEvent::HungUp),
        20 => phone(PhoneEvent::Gone),
        21..=24 => phone(PhoneEvent::Key(key)),
        25 => Input::PlaybackFinished(PlaybackId(rng.u32(0..12))),
        26 => Input::NameRecorded,
        27..=29 => Input::Heard {
            speaker: Speaker::Caller,
            words: common::words(rng.u64(0..60_000), "detective smith needs your pin number"),
        },
        30 => Input::PhonesFound(rng.usize(0..3)),
        31 => Input::Caller(CallerEvent::HungUp),
        32 => Input::Caller(CallerEvent::AckTimeout),
        33 => Input::Caller(CallerEvent::SessionExpired),
        34 => Input::Caller(CallerEvent::ByeDone),
        35 => Input::ClearLine,
        _ => Input::Shutdown {
            grace: secs(rng.u64(1..5)),
        },
    }
}

fn at_most_once(sim: &Sim, what: &str, wanted: impl Fn(&Output) -> bool) {
    assert!(
        sim.count(wanted) <= 1,
        "{what} more than once: {:?}",
        sim.trace
    );
}

#[test]
fn random_calls_keep_the_invariants_and_finish_once() {
    let mut reasons = std::collections::HashSet::new();
    let mut connected = 0;
    for seed in 0..600 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let settings = random_settings(&mut rng);
        let decision = random_decision(&mut rng);
        let phones = rng.usize(0..4).max(rng.usize(0..2));
        let mut sim = Sim::new(&settings, &decision, phones);
        if rng.bool() {
            sim.bye_answer = None;
        }
        sim.phone_gone_after = ms(rng.u64(10..6000));
        let mut at = Duration::ZERO;
        for _ in 0..rng.usize(0..30) {
            at += ms(rng.u64(0..8000));
            let input = random_input(&mut rng);
            sim.send(at, input);
        }
        // Everything still up goes away.
        at += secs(1);
        sim.caller(at, CallerEvent::Gone);
        for phone in 0..4 {
            sim.phone(at, phone, PhoneEvent::Gone);
        }
        sim.run();

        assert_eq!(sim.finished_count(), 1, "seed {seed}: {:?}", sim.trace);
        assert!(sim.call.is_finished());
        assert_eq!(sim.call.poll_timeout(), None, "seed {seed}");
        let last = sim.outputs().pop();
        assert!(matches!(last, Some(Output::Finished { .. })), "seed {seed}");
        if let Some(Output::Finished { reason, offer }) = last {
            reasons.insert(reason);
            if matches!(reason, EndReason::Shutdown | EndReason::LineCleared) {
                assert_eq!(offer, None, "seed {seed}");
            }
        }
        at_most_once(&sim, "hung-up-by", |o| {
            matches!(o, Output::Record(Record::HungUpBy(_)))
        });
        at_most_once(&sim, "outcome", |o| {
            matches!(o, Output::Record(Record::Outcome(_)))
        });
        at_most_once(&sim, "bridge outcome", |o| {
            matches!(o, Output::Record(Record::Bridge(_)))
        });
        at_most_once(&sim, "ringing", |o| matches!(o, Output::RingPhones(_)));
        at_most_once(&sim, "the alert", |o| {
            matches!(o, Output::AlertContact { .. })
        });
        at_most_once(&sim, "the warning", |o| {
            matches!(
                o,
                Output::Play {
                    sound: ivr::call::Sound::Warning,
                    ..
                }
            )
        });
        at_most_once(&sim, "the BYE", |o| *o == Output::ByeCaller);
        for (_, o) in &sim.trace {
            if let Output::Connect { phone } | Output::HangUpPhone(phone) = o {
                assert!(*phone < phones.max(1), "seed {seed}: {o:?} of {phones}");
            }
        }
        connected += usize::from(sim.count(|o| matches!(o, Output::Connect { .. })) > 0);
    }
    // The sequences reach the bridge and end in many ways.
    assert!(connected >= 10, "only {connected} calls connected");
    assert!(reasons.len() >= 6, "ended only as {reasons:?}");
}
