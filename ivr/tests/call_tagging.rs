//! The composed call listening: tags and risk into the log, the resident's
//! warning and the contact's alert once each, and the after-call callback
//! only when the call did not end for a shutdown or a line clear.

mod common;

use common::{challenge, ms, secs, settings, Sim};
use ivr::call::{
    CallSettings, CallerEvent, EndReason, Input, Leg, Output, PhoneEvent, Record, Sound,
};
use ivr::lineclear::Mentioned;
use ivr::{Risk, RiskReason, Speaker, TagKind, Trigger};

const SCAM: &str = "this is detective smith we need your pin number";

fn bridged(settings: &CallSettings) -> Sim {
    let mut sim = Sim::new(settings, &challenge(), 1);
    sim.pass_challenge();
    sim.phone(secs(4), 0, PhoneEvent::Progress(180));
    sim.phone(secs(8), 0, PhoneEvent::Answered);
    sim
}

fn warnings(sim: &Sim) -> usize {
    sim.count(|o| {
        matches!(
            o,
            Output::Play {
                sound: Sound::Warning,
                ..
            }
        )
    })
}

fn alerts(sim: &Sim) -> usize {
    sim.count(|o| matches!(o, Output::AlertContact { .. }))
}

fn offer(sim: &Sim) -> Option<Trigger> {
    sim.trace.iter().find_map(|(_, o)| match o {
        Output::Finished { offer, .. } => *offer,
        _ => None,
    })
}

#[test]
fn high_risk_warns_the_bridged_resident_and_alerts_once() {
    let mut sim = bridged(&settings());
    sim.hear(secs(10), Speaker::Caller, SCAM);
    let at10: Vec<Output> = sim
        .trace
        .iter()
        .filter(|(t, _)| *t == secs(10))
        .map(|(_, o)| o.clone())
        .collect();
    let kinds: Vec<TagKind> = at10
        .iter()
        .filter_map(|o| match o {
            Output::Record(Record::Tag(t)) => Some(t.kind),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec![TagKind::Police, TagKind::BankDetails]);
    let tail: Vec<&Output> = at10.iter().skip(2).collect();
    assert!(
        matches!(
            tail.as_slice(),
            [
                Output::Record(Record::Risk(RiskReason {
                    risk: Risk::High,
                    ..
                })),
                Output::Play {
                    leg: Leg::Phone(0),
                    sound: Sound::Warning,
                    ..
                },
                Output::AlertContact {
                    risk: Risk::High,
                    ..
                },
            ]
        ),
        "{tail:?}"
    );
    // The rise is logged with its rule and evidence, and the alert says
    // the same.
    let logged = at10.iter().find_map(|o| match o {
        Output::Record(Record::Risk(reason)) => Some(reason),
        _ => None,
    });
    let alerted = at10.iter().find_map(|o| match o {
        Output::AlertContact { reason, .. } => Some(reason),
        _ => None,
    });
    assert_eq!(logged, alerted);
    let reason = logged.expect("a reason");
    assert!(
        reason.rule.contains("police") && reason.evidence.iter().any(|e| e.contains("detective")),
        "{reason:?}"
    );
    // More of the same: nothing new.
    sim.hear(
        secs(20),
        Speaker::Caller,
        "the fraud squad needs your sort code",
    );
    sim.caller(secs(30), CallerEvent::HungUp);
    sim.run();
    assert_eq!((warnings(&sim), alerts(&sim)), (1, 1));
    assert_eq!(
        offer(&sim),
        Some(Trigger::RiskyCall {
            mentioned: Mentioned::from_tags([TagKind::Police, TagKind::BankDetails])
        })
    );
}

#[test]
fn risk_before_the_answer_warns_at_the_connect() {
    let mut sim = Sim::with(&settings(), &challenge(), Some("spoofed".into()), 1);
    sim.pass_challenge();
    sim.hear(secs(5), Speaker::Caller, "are you still there detective");
    assert_eq!(alerts(&sim), 1, "the alert does not wait for the resident");
    assert_eq!(warnings(&sim), 0, "nobody to warn yet");
    sim.phone(secs(8), 0, PhoneEvent::Answered);
    let warned = |o: &Output| {
        matches!(
            o,
            Output::Play {
                sound: Sound::Warning,
                ..
            }
        )
    };
    assert_eq!(sim.when(warned), Some(secs(8)));
    let tags: Vec<TagKind> = sim
        .records()
        .iter()
        .filter_map(|r| match r {
            Record::Tag(t) => Some(t.kind),
            _ => None,
        })
        .collect();
    assert_eq!(tags, vec![TagKind::SuspiciousCli, TagKind::Police]);
}

#[test]
fn no_warning_when_the_line_says_so_but_still_the_alert() {
    let mut s = settings();
    s.warn_resident = false;
    let mut sim = bridged(&s);
    sim.hear(secs(10), Speaker::Caller, SCAM);
    assert_eq!((warnings(&sim), alerts(&sim)), (0, 1));
}

#[test]
fn a_line_clear_or_a_shutdown_ends_without_the_offer() {
    for input in [Input::ClearLine, Input::Shutdown { grace: secs(2) }] {
        let mut sim = bridged(&settings());
        sim.hear(secs(10), Speaker::Caller, SCAM);
        sim.send(secs(12), input.clone());
        sim.run();
        assert!(sim.finished().is_some(), "{input:?}");
        assert_eq!(offer(&sim), None, "{input:?}");
    }
}

#[test]
fn no_offer_when_the_line_does_not_want_it_or_the_call_was_low() {
    let mut s = settings();
    s.offer_after_risky_calls = false;
    let mut sim = bridged(&s);
    sim.hear(secs(10), Speaker::Caller, SCAM);
    sim.caller(secs(12), CallerEvent::HungUp);
    sim.run();
    assert_eq!(offer(&sim), None);

    let mut sim = bridged(&settings());
    sim.hear(secs(10), Speaker::Caller, "a detective story");
    sim.caller(secs(12), CallerEvent::HungUp);
    sim.run();
    assert_eq!(sim.finished().map(|f| f.1), Some(EndReason::CallerHungUp));
    assert_eq!(offer(&sim), None);
}

#[test]
fn a_pin_keyed_after_police_talk_is_tagged_when_the_run_times_out() {
    let mut sim = bridged(&settings());
    sim.hear(secs(10), Speaker::Caller, "this is detective smith");
    for (i, key) in "1234".chars().enumerate() {
        sim.phone(secs(20) + ms(500 * i as u64), 0, PhoneEvent::Key(key));
    }
    // The run's end is the tagger's deadline: 3 s after the last key.
    let last = secs(20) + ms(1500);
    assert_eq!(sim.call.poll_timeout(), Some(sim.start + last + secs(3)));
    sim.run_to(secs(30));
    let pin =
        |o: &Output| matches!(o, Output::Record(Record::Tag(t)) if t.kind == TagKind::PinKeyed);
    assert_eq!(sim.when(pin), Some(last + secs(3)));
    assert_eq!((warnings(&sim), alerts(&sim)), (1, 1));
}

#[test]
fn a_run_still_open_when_the_call_ends_counts() {
    let mut sim = bridged(&settings());
    sim.hear(secs(10), Speaker::Caller, "this is detective smith");
    for key in "1234".chars() {
        sim.phone(secs(20), 0, PhoneEvent::Key(key));
    }
    sim.caller(secs(21), CallerEvent::HungUp);
    sim.run();
    let pin =
        |o: &Output| matches!(o, Output::Record(Record::Tag(t)) if t.kind == TagKind::PinKeyed);
    assert_eq!(sim.count(pin), 1);
    assert!(matches!(
        sim.outputs().last(),
        Some(Output::Finished { offer: Some(_), .. })
    ));
}
