//! Whole calls through the composed machine (`ivr::Call`): screening, the
//! bridge and how each call ends, on a virtual clock.

mod common;

use common::{challenge, phone, secs, settings, Sim};
use ivr::call::{CallerEvent, EndReason, HungUpBy, Input, Leg, Output, PhoneEvent, Record, Sound};
use ivr::{BridgeOutcome, BridgePrompt, Decision, Outcome, Prompt, RejectHow, RejectReason};

fn bridged(sim: &mut Sim) {
    sim.pass_challenge();
    sim.phone(secs(4), 0, PhoneEvent::Progress(180));
    sim.phone(secs(8), 0, PhoneEvent::Answered);
}

#[test]
fn passed_caller_is_bridged_then_hangs_up() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    bridged(&mut sim);
    sim.caller(secs(20), CallerEvent::HungUp);
    sim.run();

    let wanted = |o: &Output| *o == Output::RingPhones(vec![0]);
    assert_eq!(sim.when(wanted), Some(secs(3)), "rung once connected");
    let ringback = |o: &Output| {
        matches!(
            o,
            Output::Play {
                sound: Sound::Ringback,
                ..
            }
        )
    };
    assert_eq!(sim.when(ringback), Some(secs(4)));
    assert_eq!(
        sim.when(|o| *o == Output::Connect { phone: 0 }),
        Some(secs(8))
    );
    assert_eq!(
        sim.records(),
        vec![
            Record::Outcome(Outcome::Passed),
            Record::Bridge(BridgeOutcome::Answered { phone: 0 }),
            Record::Bridged { phone: 0 },
            Record::HungUpBy(HungUpBy::Caller),
        ]
    );
    assert_eq!(sim.count(|o| *o == Output::RememberPassed), 1);
    let tail: Vec<Output> = sim
        .outputs()
        .into_iter()
        .skip_while(|o| *o != Output::Record(Record::HungUpBy(HungUpBy::Caller)))
        .collect();
    assert_eq!(
        tail,
        vec![
            Output::Record(Record::HungUpBy(HungUpBy::Caller)),
            Output::Unbridge,
            Output::HangUpPhone(0),
            Output::Finished {
                reason: EndReason::CallerHungUp,
                offer: None
            },
        ]
    );
    // The phone's BYE completed 50 ms later: that ends the call.
    assert_eq!(sim.finished().map(|f| f.0), Some(secs(20) + common::ms(50)));
    assert_eq!(sim.call.poll_timeout(), None);
    assert_eq!(sim.count(|o| *o == Output::ByeCaller), 0);
}

#[test]
fn resident_hangs_up_first() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    bridged(&mut sim);
    sim.phone(secs(30), 0, PhoneEvent::HungUp);
    sim.run();
    assert_eq!(sim.hung_up_by(), vec![HungUpBy::Resident], "recorded once");
    assert_eq!(sim.when(|o| *o == Output::ByeCaller), Some(secs(30)));
    assert_eq!(sim.when(|o| *o == Output::Unbridge), Some(secs(30)));
    assert_eq!(
        sim.finished(),
        Some((secs(30) + common::ms(50), EndReason::WeHungUp))
    );
}

#[test]
fn no_answer_plays_the_message_then_byes_the_caller() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    sim.pass_challenge();
    sim.phone(secs(4), 0, PhoneEvent::Progress(180));
    sim.run();
    // Rung at 3 s for 30 s: cancelled, the ringback stops, the message.
    let at = secs(33);
    assert_eq!(sim.when(|o| *o == Output::HangUpPhone(0)), Some(at));
    let unavailable = Sound::Bridge(BridgePrompt::Unavailable);
    let trace: Vec<Output> = sim
        .trace
        .iter()
        .filter(|(t, _)| *t == at)
        .map(|(_, o)| o.clone())
        .collect();
    assert!(
        trace.contains(&Output::Stop { leg: Leg::Caller }),
        "{trace:?}"
    );
    assert!(
        trace.iter().any(
            |o| matches!(o, Output::Play { leg: Leg::Caller, sound, .. } if *sound == unavailable)
        ),
        "{trace:?}"
    );
    assert!(sim
        .records()
        .contains(&Record::Bridge(BridgeOutcome::NoAnswer)));
    // The message plays 4 s: its end (not its 15 s guard) brings the BYE.
    assert_eq!(sim.when(|o| *o == Output::ByeCaller), Some(at + secs(4)));
    assert_eq!(sim.hung_up_by(), vec![HungUpBy::Service]);
    assert_eq!(
        sim.finished(),
        Some((at + secs(4) + common::ms(50), EndReason::WeHungUp))
    );
}

#[test]
fn failed_challenge_says_goodbye_then_byes() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    sim.caller(secs(1), CallerEvent::Key('1'));
    sim.caller(secs(6), CallerEvent::Key('1'));
    sim.run();
    assert_eq!(sim.records()[0], Record::Outcome(Outcome::Failed));
    let goodbye = |o: &Output| {
        matches!(
            o,
            Output::Play {
                sound: Sound::Screening(Prompt::Goodbye),
                ..
            }
        )
    };
    assert_eq!(sim.when(goodbye), Some(secs(6)));
    assert_eq!(sim.when(|o| *o == Output::ByeCaller), Some(secs(10)));
    assert_eq!(sim.count(|o| *o == Output::FindPhones), 0);
    assert_eq!(
        sim.finished(),
        Some((secs(10) + common::ms(50), EndReason::WeHungUp))
    );
}

#[test]
fn unanswered_bye_is_given_up_after_the_wait() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    sim.bye_answer = None;
    sim.caller(secs(1), CallerEvent::Key('1'));
    sim.caller(secs(6), CallerEvent::Key('1'));
    sim.run();
    // The reason stays the first one given: we hung up.
    assert_eq!(
        sim.finished(),
        Some((secs(10) + ivr::call::BYE_WAIT, EndReason::WeHungUp))
    );
    assert_eq!(sim.call.poll_timeout(), None);
}

#[test]
fn shutdown_mid_bridge_hangs_up_both_legs_and_offers_nothing() {
    let mut sim = Sim::with(&settings(), &challenge(), Some("cli".into()), 1);
    bridged(&mut sim);
    sim.hear(
        secs(10),
        ivr::Speaker::Caller,
        "this is the police we need your pin",
    );
    sim.send(secs(12), Input::Shutdown { grace: secs(2) });
    sim.run();
    let at12: Vec<Output> = sim
        .trace
        .iter()
        .filter(|(t, _)| *t == secs(12))
        .map(|(_, o)| o.clone())
        .collect();
    assert_eq!(
        at12,
        vec![
            Output::Record(Record::HungUpBy(HungUpBy::Service)),
            Output::Stop { leg: Leg::Caller },
            Output::ByeCaller,
            Output::Unbridge,
            Output::HangUpPhone(0),
        ]
    );
    let (_, reason) = sim.finished().expect("finished");
    assert_eq!(reason, EndReason::Shutdown);
    let offer = |o: &Output| matches!(o, Output::Finished { offer: Some(_), .. });
    assert_eq!(sim.count(offer), 0, "no callback after a shutdown");
}

#[test]
fn shutdown_before_a_bridge_waits_the_grace_for_the_bye() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    sim.bye_answer = None;
    sim.send(secs(1), Input::Shutdown { grace: secs(2) });
    sim.run();
    assert_eq!(sim.finished(), Some((secs(3), EndReason::Shutdown)));
    // No outcome: the challenge was cut short, not abandoned.
    assert!(!sim
        .records()
        .iter()
        .any(|r| matches!(r, Record::Outcome(_))));
}

#[test]
fn line_clear_during_the_challenge_stops_it() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    sim.send(secs(1), Input::ClearLine);
    // The caller's key after our BYE no longer counts.
    sim.caller(secs(1) + common::ms(10), CallerEvent::Key('4'));
    sim.run();
    assert_eq!(sim.hung_up_by(), vec![HungUpBy::Service]);
    assert_eq!(sim.count(|o| *o == Output::FindPhones), 0);
    let plays_after = sim
        .trace
        .iter()
        .filter(|(t, o)| *t > secs(1) && matches!(o, Output::Play { .. }))
        .count();
    assert_eq!(plays_after, 0, "{:?}", sim.trace);
    assert_eq!(
        sim.finished(),
        Some((secs(1) + common::ms(50), EndReason::LineCleared))
    );
    // A second request (or a shutdown) changes nothing.
    sim.send(secs(2), Input::ClearLine);
    assert_eq!(sim.finished_count(), 1);
}

#[test]
fn line_clear_mid_bridge_is_the_reason_even_when_the_bye_goes_unanswered() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    sim.bye_answer = None;
    bridged(&mut sim);
    sim.send(secs(10), Input::ClearLine);
    sim.run();
    // The phone's BYE completes at 10.05 s; the bridge ends the call.
    assert_eq!(
        sim.finished(),
        Some((secs(10) + common::ms(50), EndReason::LineCleared))
    );
}

#[test]
fn declined_caller_is_never_answered() {
    let decision = Decision::Reject {
        reason: RejectReason::Blocked,
        how: RejectHow::Decline,
    };
    let sim = Sim::new(&settings(), &decision, 1);
    assert_eq!(
        sim.outputs(),
        vec![
            Output::Record(Record::Outcome(Outcome::Rejected)),
            Output::Decline,
            Output::Finished {
                reason: EndReason::Declined,
                offer: None
            },
        ]
    );
    assert!(sim.call.is_finished());
}

#[test]
fn allowed_caller_with_no_phones_stays_up_until_they_hang_up() {
    let decision = Decision::RingResident {
        reason: ivr::AllowReason::Allowlisted,
    };
    let mut sim = Sim::new(&settings(), &decision, 0);
    sim.run_to(secs(600));
    assert_eq!(sim.count(|o| *o == Output::FindPhones), 1);
    assert_eq!(sim.count(|o| matches!(o, Output::RingPhones(_))), 0);
    assert_eq!(sim.call.poll_timeout(), None);
    assert_eq!(sim.finished(), None);
    sim.caller(secs(700), CallerEvent::HungUp);
    assert_eq!(sim.finished(), Some((secs(700), EndReason::CallerHungUp)));
}

#[test]
fn session_expiry_mid_bridge_tears_the_phone_down() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    bridged(&mut sim);
    sim.caller(secs(40), CallerEvent::SessionExpired);
    sim.run();
    assert_eq!(sim.hung_up_by(), vec![HungUpBy::Service]);
    assert_eq!(sim.when(|o| *o == Output::HangUpPhone(0)), Some(secs(40)));
    // The phone's leg is down 50 ms later: nothing is left of the call.
    assert_eq!(
        sim.finished(),
        Some((secs(40) + common::ms(50), EndReason::SessionExpired))
    );
}

#[test]
fn no_ack_ends_when_the_dialog_is_gone() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    sim.caller(secs(1), CallerEvent::AckTimeout);
    sim.run_to(secs(60));
    assert_eq!(sim.finished(), None);
    assert_eq!(sim.call.poll_timeout(), None, "nothing left but the dialog");
    sim.caller(secs(61), CallerEvent::Gone);
    assert_eq!(sim.finished(), Some((secs(61), EndReason::NoAck)));
    assert_eq!(
        sim.records().last(),
        Some(&Record::Outcome(Outcome::Abandoned))
    );
}

#[test]
fn say_your_name_then_the_resident_accepts() {
    let mut s = settings();
    s.challenge.ask_name = true;
    s.announce = true;
    let mut sim = Sim::new(&s, &challenge(), 2);
    sim.caller(secs(1), CallerEvent::Key('4'));
    // SayName 2 s, the beep and the name 2 s, connecting 2 s: rung at 7 s.
    sim.run_to(secs(7));
    assert_eq!(sim.when(|o| *o == Output::RecordName), Some(secs(3)));
    assert_eq!(
        sim.when(|o| matches!(o, Output::RingPhones(_))),
        Some(secs(7))
    );
    sim.phone(secs(9), 1, PhoneEvent::Answered);
    let announced = |o: &Output| {
        matches!(
            o,
            Output::Play {
                leg: Leg::Phone(1),
                sound: Sound::Announcement,
                ..
            }
        )
    };
    assert_eq!(sim.when(announced), Some(secs(9)));
    assert_eq!(sim.call.announced_phone(), Some(1));
    // The announcement's end is the bridge's (via its playback id): the
    // resident then has 10 s for a key before it plays again.
    sim.run_to(secs(15));
    assert_eq!(sim.count(announced), 1);
    sim.phone(secs(16), 1, PhoneEvent::Key('1'));
    assert_eq!(
        sim.when(|o| *o == Output::Connect { phone: 1 }),
        Some(secs(16))
    );
    assert_eq!(sim.when(|o| *o == Output::HangUpPhone(0)), Some(secs(9)));
}

#[test]
fn phones_found_only_when_asked() {
    let mut sim = Sim::new(&settings(), &challenge(), 1);
    sim.send(secs(1), Input::PhonesFound(3));
    assert_eq!(sim.count(|o| matches!(o, Output::RingPhones(_))), 0);
    sim.send(secs(2), phone(0, PhoneEvent::Answered));
    assert_eq!(sim.count(|o| matches!(o, Output::Connect { .. })), 0);
}
