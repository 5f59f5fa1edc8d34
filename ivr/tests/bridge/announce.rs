//! Announcing the caller to the resident: pressing 1 or 2, no key, either
//! party hanging up during the announcement, two phones, and the
//! announcement events ignored when announcing is off.

use std::time::Instant;

use crate::bridge_support::{ms, play, secs, Sim};
use crate::common::{announce, announcing, answered, bridge, key, outcome, screened_caller};
use ivr::{
    BridgeAction, BridgeEvent, BridgeOutcome, BridgePrompt, BridgeSettings, PromptId,
    ANNOUNCE_GUARD, ANNOUNCE_TIMES, ANNOUNCE_WAIT, MESSAGE_PROMPT_GUARD,
};

use BridgeAction::{ByeCaller, ByePhone, CancelPhone, Finished, RingPhones, Unbridge};
use BridgeEvent::{
    AnnounceFinished, CallerGone, CallerHungUp, Dtmf, PhoneAnswered, PhoneGone, PhoneHungUp,
    PhoneProgress, PromptFinished,
};

#[test]
fn announced_resident_pressing_1_is_connected() {
    let connected = screened_caller(Instant::now());
    let mut s = Sim::starting_at(&announcing(1), connected);
    s.send(
        secs(1),
        PhoneProgress {
            phone: 0,
            status: 180,
        },
    );
    s.send(secs(4), PhoneAnswered { phone: 0 });
    assert_eq!(s.since(secs(4)), vec![(secs(4), announce(0))]);
    assert_eq!(
        s.call.outcome(),
        None,
        "not decided until the resident says"
    );
    assert_eq!(s.call.bridged_phone(), None, "the caller hears ringback");
    assert_eq!(s.call.announced_phone(), Some(0));
    assert_eq!(s.deadline(), Some(secs(4) + ANNOUNCE_GUARD));
    s.send(secs(9), AnnounceFinished { phone: 0 });
    assert_eq!(s.deadline(), Some(secs(9) + ANNOUNCE_WAIT));
    // Other keys, the caller's keys and keys from elsewhere do nothing.
    for event in [key(0, '3'), key(0, '#'), key(4, '1'), Dtmf('1')] {
        s.send(secs(11), event);
    }
    assert_eq!(s.since(ms(4_001)), vec![]);
    s.send(secs(12), key(0, '1'));
    assert_eq!(
        s.since(ms(4_001)),
        vec![(secs(12), answered(0)), (secs(12), bridge(0))]
    );
    assert_eq!(s.deadline(), None);
    // A '2' once connected does not end the call.
    s.send(secs(20), key(0, '2'));
    s.send(secs(60), CallerHungUp);
    s.send(ms(60_100), PhoneGone { phone: 0 });
    assert_eq!(
        s.since(ms(12_001)),
        vec![
            (secs(60), Unbridge),
            (secs(60), ByePhone(0)),
            (ms(60_100), Finished)
        ]
    );
    assert_eq!(s.call.outcome(), Some(BridgeOutcome::Answered { phone: 0 }));
}

#[test]
fn pressing_1_during_the_announcement_connects_at_once() {
    let mut s = Sim::new(&announcing(1));
    s.send(secs(4), PhoneAnswered { phone: 0 });
    s.send(secs(6), key(0, '1'));
    assert_eq!(
        s.since(secs(4)),
        vec![
            (secs(4), announce(0)),
            (secs(6), answered(0)),
            (secs(6), bridge(0))
        ]
    );
    s.send(secs(8), AnnounceFinished { phone: 0 }); // late: ignored
    assert_eq!(s.deadline(), None);
    assert_eq!(s.call.bridged_phone(), Some(0));
}

#[test]
fn announced_resident_pressing_2_declines_and_the_caller_hears_goodbye() {
    let mut s = Sim::new(&announcing(1));
    s.send(secs(4), PhoneAnswered { phone: 0 });
    s.send(secs(7), AnnounceFinished { phone: 0 });
    s.send(secs(8), key(0, '2'));
    assert_eq!(
        s.since(ms(4_001)),
        vec![
            (secs(8), ByePhone(0)),
            (secs(8), outcome(BridgeOutcome::Declined)),
            (secs(8), play(0, BridgePrompt::Declined)),
        ]
    );
    assert_eq!(
        s.deadline(),
        Some(secs(12)),
        "the BYE to the phone is bounded"
    );
    s.send(ms(8_100), PhoneGone { phone: 0 });
    assert_eq!(s.deadline(), Some(secs(8) + MESSAGE_PROMPT_GUARD));
    s.send(secs(8), key(0, '1')); // too late: changes nothing
    s.send(secs(13), PromptFinished(PromptId(0)));
    s.send(ms(13_200), CallerGone);
    assert_eq!(
        s.since(ms(8_001)),
        vec![(secs(13), ByeCaller), (ms(13_200), Finished)]
    );
    assert_eq!(s.count(&bridge(0)), 0);
    assert_eq!(s.call.outcome(), Some(BridgeOutcome::Declined));
}

#[test]
fn no_key_is_announced_once_more_then_declined() {
    let mut s = Sim::new(&announcing(1));
    s.send(secs(4), PhoneAnswered { phone: 0 });
    s.send(secs(10), AnnounceFinished { phone: 0 });
    s.send(secs(26), AnnounceFinished { phone: 0 });
    s.run();
    let expected = vec![
        (secs(0), RingPhones(vec![0])),
        (secs(4), announce(0)),
        (secs(20), announce(0)), // 10 s after the first one finished
        (secs(36), ByePhone(0)), // 10 s after the second one finished
        (secs(36), outcome(BridgeOutcome::Declined)),
        (secs(36), play(0, BridgePrompt::Declined)),
        (secs(51), ByeCaller), // the prompt guard
        (secs(55), Finished),  // nobody confirms their BYE
    ];
    assert_eq!(s.trace, expected);
    assert_eq!(s.count(&announce(0)), usize::from(ANNOUNCE_TIMES));
}

#[test]
fn announcement_worst_case_when_nothing_is_ever_reported() {
    let mut s = Sim::new(&announcing(1));
    s.send(secs(4), PhoneAnswered { phone: 0 });
    s.run();
    let expected = vec![
        (secs(0), RingPhones(vec![0])),
        (secs(4), announce(0)),
        (secs(29), announce(0)), // guard 15 s, then the 10 s wait
        (secs(54), ByePhone(0)),
        (secs(54), outcome(BridgeOutcome::Declined)),
        (secs(54), play(0, BridgePrompt::Declined)),
        (secs(69), ByeCaller),
        (secs(73), Finished),
    ];
    assert_eq!(s.trace, expected);
}

#[test]
fn resident_hanging_up_during_the_announcement_declines() {
    let mut s = Sim::new(&announcing(1));
    s.send(secs(4), PhoneAnswered { phone: 0 });
    s.send(secs(7), PhoneHungUp { phone: 0 });
    assert_eq!(
        s.since(ms(4_001)),
        vec![
            (secs(7), outcome(BridgeOutcome::Declined)),
            (secs(7), play(0, BridgePrompt::Declined)),
        ]
    );
    assert_eq!(s.count(&ByePhone(0)), 0, "the phone has hung up itself");
    s.send(secs(8), key(0, '1'));
    s.send(secs(8), AnnounceFinished { phone: 0 });
    s.send(secs(12), PromptFinished(PromptId(0)));
    s.send(ms(12_100), CallerGone);
    assert_eq!(
        s.since(ms(7_001)),
        vec![(secs(12), ByeCaller), (ms(12_100), Finished)]
    );
}

#[test]
fn caller_hanging_up_during_the_announcement_gave_up() {
    let mut s = Sim::new(&announcing(1));
    s.send(secs(4), PhoneAnswered { phone: 0 });
    s.send(secs(6), CallerHungUp);
    assert_eq!(
        s.since(ms(4_001)),
        vec![
            (secs(6), ByePhone(0)),
            (secs(6), outcome(BridgeOutcome::CallerGaveUp)),
        ]
    );
    assert_eq!(s.deadline(), Some(secs(10)), "only the phone's BYE is left");
    s.send(secs(7), key(0, '1'));
    assert_eq!(s.since(ms(6_001)), vec![]);
    s.run(); // the phone never confirms our BYE
    assert_eq!(s.since(ms(6_001)), vec![(secs(10), Finished)]);
    assert_eq!(s.count(&bridge(0)), 0);
    assert_eq!(s.count(&Unbridge), 0);
}

#[test]
fn two_phones_the_first_to_answer_is_announced_and_the_other_cancelled() {
    let mut s = Sim::new(&announcing(2));
    s.send(secs(2), PhoneAnswered { phone: 1 });
    assert_eq!(
        s.trace,
        vec![
            (secs(0), RingPhones(vec![0, 1])),
            (secs(2), CancelPhone(0)),
            (secs(2), announce(1)),
        ]
    );
    // Phone 0's answer crossed our CANCEL: BYE, and it is never announced.
    s.send(ms(2_050), PhoneAnswered { phone: 0 });
    assert_eq!(s.since(ms(2_001)), vec![(ms(2_050), ByePhone(0))]);
    s.send(secs(3), key(0, '1'));
    s.send(secs(3), AnnounceFinished { phone: 0 });
    s.send(ms(3_100), PhoneGone { phone: 0 });
    assert_eq!(s.since(ms(2_051)), vec![]);
    assert_eq!(s.deadline(), Some(secs(2) + ANNOUNCE_GUARD));
    s.send(secs(5), key(1, '1'));
    assert_eq!(
        s.since(ms(2_051)),
        vec![(secs(5), answered(1)), (secs(5), bridge(1))]
    );
    assert_eq!(s.count(&announce(0)), 0);
}

#[test]
fn announcement_events_are_ignored_without_announce() {
    let mut s = Sim::phones(1);
    s.send(secs(1), key(0, '1'));
    s.send(secs(1), AnnounceFinished { phone: 0 });
    s.send(secs(2), PhoneAnswered { phone: 0 });
    s.send(secs(3), key(0, '2'));
    s.send(secs(3), AnnounceFinished { phone: 0 });
    assert_eq!(
        s.trace,
        vec![
            (secs(0), RingPhones(vec![0])),
            (secs(2), answered(0)),
            (secs(2), bridge(0)),
        ]
    );
    assert_eq!(s.deadline(), None);
}

#[test]
fn no_answer_with_announce_is_unchanged() {
    let mut s = Sim::new(&announcing(1));
    s.run();
    assert_eq!(
        s.trace,
        vec![
            (secs(0), RingPhones(vec![0])),
            (secs(30), CancelPhone(0)),
            (secs(30), outcome(BridgeOutcome::NoAnswer)),
            (secs(30), play(0, BridgePrompt::Unavailable)),
            (secs(45), ByeCaller),
            (secs(49), Finished),
        ]
    );
}

#[test]
fn declined_wording_and_name() {
    assert_eq!(
        BridgePrompt::Declined.to_string(),
        "Sorry, the person you are calling cannot take your call. Goodbye."
    );
    assert_eq!(BridgeOutcome::Declined.as_str(), "declined");
    assert!(!BridgeSettings::default().announce);
    assert_eq!(announcing(2).validate(), Ok(()));
}
