//! Ringing and answering: the first answer winning (the other phones
//! cancelled, a late answer given BYE), either party hanging up, and the
//! caller hanging up (CANCEL) while the phones ring.

use std::time::{Duration, Instant};

use crate::bridge_support::{ms, secs, Sim};
use crate::common::{answered, bridge, outcome, screened_caller};
use ivr::{BridgeAction, BridgeEvent, BridgeOutcome, BridgeSettings};

use BridgeAction::{
    ByeCaller, ByePhone, CancelPhone, Finished, RelayProgress, RingPhones, Unbridge,
};
use BridgeEvent::{
    CallerGone, CallerHungUp, Dtmf, PhoneAnswered, PhoneFailed, PhoneGone, PhoneHungUp,
    PhoneProgress,
};

#[test]
fn passed_caller_rings_answers_bridges_and_caller_hangs_up() {
    let connected = screened_caller(Instant::now());
    let mut s = Sim::starting_at(&BridgeSettings::default(), connected);
    assert_eq!(s.deadline(), Some(secs(30)), "ring timeout");
    s.send(
        secs(1),
        PhoneProgress {
            phone: 0,
            status: 180,
        },
    );
    s.send(secs(4), PhoneAnswered { phone: 0 });
    assert_eq!(s.call.bridged_phone(), Some(0));
    assert_eq!(
        s.deadline(),
        None,
        "a bridged call lasts as long as they talk"
    );
    s.send(secs(60), CallerHungUp);
    assert_eq!(s.deadline(), Some(secs(64)), "BYE to the phone is bounded");
    s.send(ms(60_150), PhoneGone { phone: 0 });
    let expected = vec![
        (secs(0), RingPhones(vec![0])),
        (secs(1), RelayProgress(180)),
        (secs(4), answered(0)),
        (secs(4), bridge(0)),
        (secs(60), Unbridge),
        (secs(60), ByePhone(0)),
        (ms(60_150), Finished),
    ];
    assert_eq!(s.trace, expected);
    assert!(s.call.is_finished());
    assert_eq!(s.call.poll_timeout(), None);
    assert_eq!(s.call.outcome(), Some(BridgeOutcome::Answered { phone: 0 }));
    assert_eq!(s.call.bridged_phone(), None);
}

#[test]
fn resident_hangs_up_first_and_a_silent_caller_cannot_hold_the_line() {
    let mut s = Sim::phones(1);
    s.send(secs(4), PhoneAnswered { phone: 0 });
    s.send(secs(30), PhoneHungUp { phone: 0 });
    let bye = s.since(secs(30));
    assert_eq!(bye, vec![(secs(30), Unbridge), (secs(30), ByeCaller)]);
    let delay = bye[1].0 - secs(30);
    assert!(
        delay <= ms(100),
        "BYE to the caller {delay:?} after the hangup"
    );
    assert_eq!(delay, Duration::ZERO);
    assert_eq!(s.deadline(), Some(secs(34)));

    // The caller ignores our BYE and carries on (its RTP is no event at
    // all); stray signalling changes nothing.
    s.send(secs(31), Dtmf('5'));
    s.send(secs(32), PhoneHungUp { phone: 0 });
    s.send(ms(32_500), PhoneGone { phone: 0 });
    s.send(ms(33_900), Dtmf('#'));
    assert_eq!(s.since(ms(30_001)), vec![]);
    assert_eq!(s.deadline(), Some(secs(34)));

    s.run();
    assert_eq!(s.since(ms(30_001)), vec![(secs(34), Finished)]);
    assert_eq!(s.call.poll_timeout(), None);
    assert!(s.call.is_finished());
    s.send(secs(35), CallerGone);
    assert_eq!(s.count(&Finished), 1);
}

#[test]
fn caller_bye_crossing_ours_finishes_at_once() {
    let mut s = Sim::phones(1);
    s.send(secs(4), PhoneAnswered { phone: 0 });
    s.send(secs(10), PhoneHungUp { phone: 0 });
    s.send(ms(10_020), CallerHungUp);
    assert_eq!(s.since(ms(10_001)), vec![(ms(10_020), Finished)]);
}

#[test]
fn first_answer_wins_and_the_other_phone_is_cancelled_in_the_same_step() {
    let mut s = Sim::phones(2);
    s.send(secs(2), PhoneAnswered { phone: 1 });
    let expected = vec![
        (secs(0), RingPhones(vec![0, 1])),
        (secs(2), CancelPhone(0)),
        (secs(2), answered(1)),
        (secs(2), bridge(1)),
    ];
    assert_eq!(s.trace, expected);
    assert_eq!(s.deadline(), Some(secs(6)), "the CANCEL is bounded");
    s.send(
        ms(2_100),
        PhoneFailed {
            phone: 0,
            status: 487,
        },
    );
    assert_eq!(s.deadline(), None);
    assert_eq!(s.trace, expected);
}

#[test]
fn late_answer_from_the_loser_gets_bye() {
    let mut s = Sim::phones(2);
    s.send(secs(2), PhoneAnswered { phone: 1 });
    // Phone 0's 200 OK crossed our CANCEL.
    s.send(ms(2_050), PhoneAnswered { phone: 0 });
    assert_eq!(s.since(ms(2_001)), vec![(ms(2_050), ByePhone(0))]);
    assert_eq!(s.deadline(), Some(ms(6_050)), "the BYE gets its own bound");
    s.send(ms(2_080), PhoneAnswered { phone: 0 }); // retransmitted 200 OK
    assert_eq!(
        s.deadline(),
        Some(ms(6_050)),
        "a repeated answer does not extend it"
    );
    s.send(ms(2_200), PhoneGone { phone: 0 });
    s.send(ms(2_300), PhoneAnswered { phone: 0 });
    assert_eq!(s.since(ms(2_051)), vec![]);
    assert_eq!(s.call.bridged_phone(), Some(1));
    assert_eq!(s.deadline(), None);

    s.send(secs(50), PhoneHungUp { phone: 1 });
    s.send(ms(50_100), CallerGone);
    let tail = vec![
        (secs(50), Unbridge),
        (secs(50), ByeCaller),
        (ms(50_100), Finished),
    ];
    assert_eq!(s.since(ms(2_051)), tail);
    assert_eq!(s.count(&bridge(0)), 0);
}

#[test]
fn a_cancelled_phone_that_never_answers_is_given_up_quietly() {
    let mut s = Sim::phones(3);
    s.send(secs(5), PhoneAnswered { phone: 2 });
    s.send(
        ms(5_100),
        PhoneFailed {
            phone: 0,
            status: 487,
        },
    );
    // Phone 1 never answers the CANCEL: given up at 9 s, no action.
    s.run_to(secs(20));
    assert_eq!(s.deadline(), None);
    s.send(secs(20), PhoneHungUp { phone: 2 });
    s.send(ms(20_200), CallerGone);
    let expected = vec![
        (secs(0), RingPhones(vec![0, 1, 2])),
        (secs(5), CancelPhone(0)),
        (secs(5), CancelPhone(1)),
        (secs(5), answered(2)),
        (secs(5), bridge(2)),
        (secs(20), Unbridge),
        (secs(20), ByeCaller),
        (ms(20_200), Finished),
    ];
    assert_eq!(s.trace, expected);
}

#[test]
fn caller_hanging_up_while_ringing_cancels_every_phone() {
    let mut s = Sim::phones(3);
    s.send(
        secs(1),
        PhoneProgress {
            phone: 1,
            status: 180,
        },
    );
    s.send(secs(10), CallerHungUp);
    assert_eq!(
        s.since(secs(10)),
        vec![
            (secs(10), CancelPhone(0)),
            (secs(10), CancelPhone(1)),
            (secs(10), CancelPhone(2)),
            (secs(10), outcome(BridgeOutcome::CallerGaveUp)),
        ]
    );
    s.send(
        ms(10_100),
        PhoneFailed {
            phone: 0,
            status: 487,
        },
    );
    s.send(ms(10_200), PhoneGone { phone: 1 });
    // Phone 2 answered as our CANCEL went out: it gets BYE, never a bridge.
    s.send(ms(10_300), PhoneAnswered { phone: 2 });
    assert_eq!(s.since(ms(10_001)), vec![(ms(10_300), ByePhone(2))]);
    s.run(); // phone 2 never confirms the BYE
    assert_eq!(s.since(ms(10_301)), vec![(ms(14_300), Finished)]);
    assert_eq!(s.call.outcome(), Some(BridgeOutcome::CallerGaveUp));
}
