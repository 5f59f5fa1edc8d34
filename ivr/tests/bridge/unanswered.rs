//! No answer, with and without voicemail (and the voicemail's own limits),
//! and busy or unavailable phones.

use crate::bridge_support::{ms, play, secs, Sim};
use crate::common::{answered, bridge, outcome, voicemail};
use ivr::{BridgeAction, BridgeEvent, BridgeOutcome, BridgePrompt, PromptId};

use BridgeAction::{ByeCaller, CancelPhone, Finished, RingPhones, StartVoicemail, StopVoicemail};
use BridgeEvent::{
    CallerGone, CallerHungUp, PhoneAnswered, PhoneFailed, PhoneGone, PromptFinished,
};

#[test]
fn no_answer_with_voicemail_records_until_the_caller_hangs_up() {
    let mut s = Sim::new(&voicemail());
    s.send(
        ms(30_200),
        PhoneFailed {
            phone: 0,
            status: 487,
        },
    );
    s.send(secs(34), PromptFinished(PromptId(0)));
    s.send(secs(50), CallerHungUp);
    let expected = vec![
        (secs(0), RingPhones(vec![0])),
        (secs(30), CancelPhone(0)),
        (secs(30), outcome(BridgeOutcome::NoAnswer)),
        (secs(30), play(0, BridgePrompt::LeaveMessage)),
        (secs(34), StartVoicemail),
        (secs(50), StopVoicemail),
        (secs(50), Finished),
    ];
    assert_eq!(s.trace, expected);
    assert_eq!(s.call.poll_timeout(), None);
}

#[test]
fn voicemail_ends_sixty_seconds_after_the_message_starts() {
    let mut s = Sim::new(&voicemail());
    s.send(ms(30_100), PhoneGone { phone: 0 });
    s.send(secs(34), PromptFinished(PromptId(0)));
    assert_eq!(s.deadline(), Some(secs(90)));
    s.send(ms(90_300), CallerGone);
    let tail = vec![
        (secs(34), StartVoicemail),
        (secs(90), StopVoicemail),
        (secs(90), ByeCaller),
        (ms(90_300), Finished),
    ];
    assert_eq!(s.since(secs(31)), tail);
}

#[test]
fn voicemail_worst_case_when_nothing_is_ever_reported() {
    // No CANCEL response, no prompt end, the caller ignores our BYE.
    let mut s = Sim::new(&voicemail());
    s.run();
    let expected = vec![
        (secs(0), RingPhones(vec![0])),
        (secs(30), CancelPhone(0)),
        (secs(30), outcome(BridgeOutcome::NoAnswer)),
        (secs(30), play(0, BridgePrompt::LeaveMessage)),
        (secs(45), StartVoicemail), // the prompt guard
        (secs(90), StopVoicemail),
        (secs(90), ByeCaller),
        (secs(94), Finished), // ring + 60 s + bye timeout
    ];
    assert_eq!(s.trace, expected);
}

#[test]
fn no_answer_without_voicemail_says_unavailable_then_hangs_up() {
    let mut s = Sim::phones(1);
    s.send(ms(30_100), PhoneGone { phone: 0 });
    s.send(secs(33), PromptFinished(PromptId(0)));
    s.send(ms(33_200), CallerGone);
    let expected = vec![
        (secs(0), RingPhones(vec![0])),
        (secs(30), CancelPhone(0)),
        (secs(30), outcome(BridgeOutcome::NoAnswer)),
        (secs(30), play(0, BridgePrompt::Unavailable)),
        (secs(33), ByeCaller),
        (ms(33_200), Finished),
    ];
    assert_eq!(s.trace, expected);
}

#[test]
fn all_phones_busy_is_busy() {
    let mut s = Sim::phones(2);
    s.send(
        secs(1),
        PhoneFailed {
            phone: 0,
            status: 486,
        },
    );
    assert_eq!(s.since(secs(1)), vec![]);
    s.send(
        secs(2),
        PhoneFailed {
            phone: 1,
            status: 600,
        },
    );
    assert_eq!(
        s.since(secs(1)),
        vec![
            (secs(2), outcome(BridgeOutcome::Busy)),
            (secs(2), play(0, BridgePrompt::Unavailable)),
        ]
    );
    s.send(secs(5), PromptFinished(PromptId(0)));
    s.send(ms(5_100), CallerGone);
    assert_eq!(
        s.since(ms(2_001)),
        vec![(secs(5), ByeCaller), (ms(5_100), Finished)]
    );
}

#[test]
fn busy_with_voicemail_offers_a_message() {
    let mut s = Sim::new(&voicemail());
    s.send(
        secs(1),
        PhoneFailed {
            phone: 0,
            status: 486,
        },
    );
    assert_eq!(
        s.since(secs(1)),
        vec![
            (secs(1), outcome(BridgeOutcome::Busy)),
            (secs(1), play(0, BridgePrompt::LeaveMessage)),
        ]
    );
    assert_eq!(s.deadline(), Some(secs(16)), "prompt guard");
}

#[test]
fn all_failed_but_not_all_busy_is_unavailable() {
    let mut s = Sim::phones(3);
    s.send(
        secs(1),
        PhoneFailed {
            phone: 2,
            status: 486,
        },
    );
    s.send(
        secs(2),
        PhoneFailed {
            phone: 0,
            status: 480,
        },
    );
    s.send(
        secs(3),
        PhoneFailed {
            phone: 1,
            status: 408,
        },
    );
    assert_eq!(
        s.since(secs(1)),
        vec![
            (secs(3), outcome(BridgeOutcome::Unavailable)),
            (secs(3), play(0, BridgePrompt::Unavailable)),
        ]
    );
    // One phone failing while another rings changes nothing.
    let mut s = Sim::phones(2);
    s.send(
        secs(1),
        PhoneFailed {
            phone: 0,
            status: 503,
        },
    );
    s.send(secs(2), PhoneAnswered { phone: 1 });
    assert_eq!(
        s.since(secs(1)),
        vec![(secs(2), answered(1)), (secs(2), bridge(1))]
    );
}
