//! Bridge scenarios on a virtual clock: ringing, the first answer winning,
//! either party hanging up, CANCEL while ringing, no answer (with and
//! without voicemail), busy and unavailable phones, announcing the caller
//! to the resident (accept, reject, no key, either party hanging up),
//! duplicated and out-of-order events, and a seeded fuzz of random event
//! sequences with and without the announcement.
//!
//! Does not own: the simulated shell (see `bridge_support`).

mod bridge_support;

use std::time::{Duration, Instant};

use bridge_support::{ms, play, secs, Sim};
use ivr::{
    Action, BridgeAction, BridgeCall, BridgeEvent, BridgeOutcome, BridgePrompt, BridgeSettings,
    BridgeSettingsError, ChallengeSettings, Event, Outcome, Prompt, PromptId, ScreeningCall,
    ANNOUNCE_GUARD, ANNOUNCE_TIMES, ANNOUNCE_WAIT, MAX_PHONES, MESSAGE_PROMPT_GUARD,
};

use BridgeAction::{
    ByeCaller, ByePhone, CancelPhone, Finished, RelayProgress, RingPhones, StartVoicemail,
    StopVoicemail, Unbridge,
};
use BridgeEvent::{
    AnnounceFinished, CallerGone, CallerHungUp, Dtmf, PhoneAnswered, PhoneFailed, PhoneGone,
    PhoneHungUp, PhoneProgress, PromptFinished, ResidentKey,
};

fn outcome(o: BridgeOutcome) -> BridgeAction {
    BridgeAction::Outcome(o)
}

fn bridge(phone: usize) -> BridgeAction {
    BridgeAction::Bridge { phone }
}

fn answered(phone: usize) -> BridgeAction {
    outcome(BridgeOutcome::Answered { phone })
}

fn announce(phone: usize) -> BridgeAction {
    BridgeAction::Announce { phone }
}

fn key(phone: usize, digit: char) -> BridgeEvent {
    ResidentKey { phone, digit }
}

fn announcing(phones: usize) -> BridgeSettings {
    BridgeSettings {
        phones,
        announce: true,
        ..BridgeSettings::default()
    }
}

fn voicemail() -> BridgeSettings {
    BridgeSettings {
        voicemail: true,
        ..BridgeSettings::default()
    }
}

/// Runs a screening to `Connected` and returns when that happened.
fn screened_caller(t0: Instant) -> Instant {
    let settings = ChallengeSettings {
        notice: false,
        fixed_digit: Some(4),
        ..ChallengeSettings::default()
    };
    let mut call = ScreeningCall::new(&settings, &mut fastrand::Rng::with_seed(0), t0);
    call.handle_event(t0 + secs(1), Event::Dtmf('4'));
    let actions: Vec<Action> = std::iter::from_fn(|| call.poll_action()).collect();
    let Some(&Action::Play {
        id,
        prompt: Prompt::Connecting,
    }) = actions.last()
    else {
        panic!("no connecting prompt: {actions:?}");
    };
    call.handle_event(t0 + secs(3), Event::PromptFinished(id));
    assert_eq!(call.poll_action(), Some(Action::Connected));
    assert_eq!(call.outcome(), Some(Outcome::Passed));
    t0 + secs(3)
}

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

#[test]
fn ringing_is_relayed_once() {
    let mut s = Sim::phones(2);
    s.send(
        ms(100),
        PhoneProgress {
            phone: 0,
            status: 100,
        },
    );
    s.send(
        secs(1),
        PhoneProgress {
            phone: 0,
            status: 180,
        },
    );
    s.send(
        ms(1_100),
        PhoneProgress {
            phone: 1,
            status: 180,
        },
    );
    s.send(
        secs(2),
        PhoneProgress {
            phone: 1,
            status: 183,
        },
    );
    s.send(
        secs(3),
        PhoneProgress {
            phone: 0,
            status: 180,
        },
    );
    assert_eq!(s.since(ms(1)), vec![(secs(1), RelayProgress(180))]);

    let mut s = Sim::phones(2);
    s.send(
        secs(1),
        PhoneProgress {
            phone: 1,
            status: 183,
        },
    );
    s.send(
        secs(2),
        PhoneProgress {
            phone: 0,
            status: 180,
        },
    );
    assert_eq!(s.since(ms(1)), vec![(secs(1), RelayProgress(183))]);

    // Not relayed from an unknown phone, nor once the call is answered.
    let mut s = Sim::phones(2);
    s.send(
        secs(1),
        PhoneProgress {
            phone: 5,
            status: 180,
        },
    );
    s.send(secs(2), PhoneAnswered { phone: 0 });
    s.send(
        secs(3),
        PhoneProgress {
            phone: 1,
            status: 180,
        },
    );
    assert_eq!(s.count(&RelayProgress(180)), 0);
}

#[test]
fn duplicated_stray_and_out_of_order_events_change_nothing() {
    let mut s = Sim::phones(2);
    // While ringing: nothing here ends a ringing leg.
    for event in [
        PhoneGone { phone: 0 },
        PhoneHungUp { phone: 1 },
        PhoneGone { phone: 9 },
        PhoneAnswered { phone: 2 },
        PhoneFailed {
            phone: 7,
            status: 486,
        },
        CallerGone,
        PromptFinished(PromptId(0)),
        Dtmf('4'),
    ] {
        s.send(secs(1), event);
    }
    assert_eq!(s.trace, vec![(secs(0), RingPhones(vec![0, 1]))]);
    assert_eq!(s.deadline(), Some(secs(30)));

    s.send(secs(2), PhoneAnswered { phone: 0 });
    let bridged = s.trace.clone();
    for event in [
        PhoneAnswered { phone: 0 },
        PhoneFailed {
            phone: 0,
            status: 486,
        },
        PhoneGone { phone: 0 },
        PhoneProgress {
            phone: 1,
            status: 180,
        },
        PhoneGone { phone: usize::MAX },
        PhoneHungUp { phone: 3 },
        CallerGone,
        PromptFinished(PromptId(0)),
        Dtmf('9'),
    ] {
        s.send(secs(3), event);
    }
    assert_eq!(s.trace, bridged);
    assert_eq!(s.call.bridged_phone(), Some(0));

    s.send(secs(10), CallerHungUp);
    s.send(secs(10), CallerHungUp);
    s.send(secs(11), PhoneAnswered { phone: 0 });
    s.send(secs(12), PhoneGone { phone: 1 });
    s.send(secs(12), PhoneGone { phone: 0 });
    let done = vec![
        (secs(10), Unbridge),
        (secs(10), ByePhone(0)),
        (secs(12), Finished),
    ];
    assert_eq!(s.since(secs(4)), done);

    let finished = s.trace.clone();
    for event in [
        PhoneProgress {
            phone: 0,
            status: 180,
        },
        PhoneAnswered { phone: 1 },
        PhoneFailed {
            phone: 1,
            status: 486,
        },
        PhoneHungUp { phone: 0 },
        PhoneGone { phone: 0 },
        CallerHungUp,
        CallerGone,
        PromptFinished(PromptId(0)),
        Dtmf('1'),
    ] {
        s.send(secs(13), event);
        assert_eq!(s.call.poll_timeout(), None);
    }
    s.call.handle_timeout(s.start + secs(10_000));
    s.drain();
    assert_eq!(s.trace, finished);
    assert_eq!(s.call.outcome(), Some(BridgeOutcome::Answered { phone: 0 }));
}

#[test]
fn stale_prompt_finished_is_ignored() {
    let mut s = Sim::phones(1);
    s.run_to(secs(30)); // Unavailable is prompt 0
    s.send(secs(31), PromptFinished(PromptId(1)));
    assert_eq!(s.since(ms(30_001)), vec![]);
    s.send(secs(32), CallerHungUp); // while the prompt plays
    s.send(secs(40), PromptFinished(PromptId(0)));
    s.run();
    assert_eq!(s.since(ms(30_001)), vec![(secs(34), Finished)]);
    assert_eq!(s.count(&ByeCaller), 0, "the caller has already gone");
}

#[test]
fn one_late_handle_timeout_fires_every_expired_deadline_in_order() {
    let start = Instant::now();
    let settings = BridgeSettings {
        phones: 2,
        ..voicemail()
    };
    let mut call = BridgeCall::new(&settings, start);
    call.handle_timeout(start + secs(1000));
    let actions: Vec<BridgeAction> = std::iter::from_fn(|| call.poll_action()).collect();
    let expected = vec![
        RingPhones(vec![0, 1]),
        CancelPhone(0),
        CancelPhone(1),
        outcome(BridgeOutcome::NoAnswer),
        play(0, BridgePrompt::LeaveMessage),
        StartVoicemail,
        StopVoicemail,
        ByeCaller,
        Finished,
    ];
    assert_eq!(actions, expected);
    assert_eq!(call.poll_timeout(), None);
}

#[test]
fn settings_are_validated_and_clamped() {
    assert_eq!(BridgeSettings::default().validate(), Ok(()));
    let settings = |f: fn(&mut BridgeSettings)| {
        let mut s = BridgeSettings::default();
        f(&mut s);
        s
    };
    let zero_phones = settings(|s| s.phones = 0);
    assert_eq!(zero_phones.validate(), Err(BridgeSettingsError::Phones(0)));
    let many = settings(|s| s.phones = 20);
    assert_eq!(many.validate(), Err(BridgeSettingsError::Phones(20)));
    assert!(settings(|s| s.ring_timeout = Duration::ZERO)
        .validate()
        .is_err());
    assert!(settings(|s| s.bye_timeout = secs(7200)).validate().is_err());
    assert_eq!(settings(|s| s.phones = MAX_PHONES).validate(), Ok(()));

    assert_eq!(
        Sim::new(&zero_phones).trace,
        vec![(secs(0), RingPhones(vec![0]))]
    );
    let all: Vec<usize> = (0..MAX_PHONES).collect();
    assert_eq!(Sim::new(&many).trace, vec![(secs(0), RingPhones(all))]);

    // Zero durations still get through to the end.
    let mut s = Sim::new(&settings(|s| {
        s.ring_timeout = Duration::ZERO;
        s.bye_timeout = Duration::ZERO;
    }));
    s.run();
    assert_eq!(s.trace.last(), Some(&(secs(15), Finished)));
}

#[test]
fn prompt_wording_and_outcome_names() {
    assert_eq!(
        BridgePrompt::Unavailable.to_string(),
        "The person you are calling is not available. Goodbye."
    );
    assert!(BridgePrompt::LeaveMessage
        .to_string()
        .contains("leave a message"));
    let names = [
        BridgeOutcome::Answered { phone: 3 },
        BridgeOutcome::NoAnswer,
        BridgeOutcome::Busy,
        BridgeOutcome::Unavailable,
        BridgeOutcome::CallerGaveUp,
    ]
    .map(|o| o.to_string());
    let expected = [
        "answered",
        "no_answer",
        "busy",
        "unavailable",
        "caller_gave_up",
    ];
    assert_eq!(names, expected);
}

// ---------------------------------------------------------------------------
// Announcing the caller to the resident.

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

// ---------------------------------------------------------------------------
// Fuzz: random event sequences at random times.

/// Checks every action as it is drained, against what came before.
struct Checker {
    phones: usize,
    bye_timeout: Duration,
    voicemail: bool,
    announce: bool,
    answered: Vec<bool>,
    cancelled: Vec<bool>,
    byed: Vec<bool>,
    outcome: Option<BridgeOutcome>,
    ringing_sent: bool,
    relayed: bool,
    bridged: Option<usize>,
    unbridged: Option<Instant>,
    bye_caller: bool,
    recording: Option<bool>,
    finished: Option<Instant>,
    /// When the last event was handed in.
    last_event: Option<Instant>,
    /// The event being handled, until its actions are drained (`None`
    /// while deadlines fire).
    handling: Option<BridgeEvent>,
    /// The phone announced to, and how many times.
    announced: Option<usize>,
    announcements: u8,
    /// The latest time a leg torn down so far may still be up: each
    /// CANCEL or BYE sent gives its leg `bye_timeout`.
    teardown_end: Option<Instant>,
}

impl Checker {
    fn new(settings: &BridgeSettings) -> Self {
        Self {
            phones: settings.phones,
            bye_timeout: settings.bye_timeout,
            voicemail: settings.voicemail,
            announce: settings.announce,
            answered: vec![false; settings.phones],
            cancelled: vec![false; settings.phones],
            byed: vec![false; settings.phones],
            outcome: None,
            ringing_sent: false,
            relayed: false,
            bridged: None,
            unbridged: None,
            bye_caller: false,
            recording: None,
            finished: None,
            last_event: None,
            handling: None,
            announced: None,
            announcements: 0,
            teardown_end: None,
        }
    }

    fn event(&mut self, now: Instant, event: BridgeEvent) {
        self.last_event = Some(now);
        self.handling = Some(event);
        if let PhoneAnswered { phone } = event {
            if let Some(a) = self.answered.get_mut(phone) {
                *a = true;
            }
        }
    }

    fn drain(&mut self, call: &mut BridgeCall, now: Instant, seed: u64) {
        while let Some(action) = call.poll_action() {
            self.action(now, &action, seed);
        }
        self.handling = None;
        if self.finished.is_some() {
            assert!(call.is_finished(), "seed {seed}");
            assert_eq!(
                call.poll_timeout(),
                None,
                "seed {seed}: deadline after Finished"
            );
        }
    }

    fn action(&mut self, now: Instant, action: &BridgeAction, seed: u64) {
        let phone_ok = |p: usize| p < self.phones;
        assert!(
            self.finished.is_none(),
            "seed {seed}: {action:?} after Finished"
        );
        if matches!(action, CancelPhone(_) | ByePhone(_) | ByeCaller) {
            self.teardown_end = self.teardown_end.max(Some(now + self.bye_timeout));
        }
        if !matches!(action, RingPhones(_)) {
            assert!(
                self.ringing_sent,
                "seed {seed}: {action:?} before RingPhones"
            );
        }
        match *action {
            RingPhones(ref phones) => {
                assert!(!self.ringing_sent, "seed {seed}: rang twice");
                assert_eq!(*phones, (0..self.phones).collect::<Vec<_>>(), "seed {seed}");
                self.ringing_sent = true;
            }
            RelayProgress(status) => {
                assert!(!self.relayed && self.outcome.is_none(), "seed {seed}");
                assert!(matches!(status, 180 | 183), "seed {seed}");
                self.relayed = true;
            }
            BridgeAction::AnswerCaller
            | BridgeAction::RejectCaller(_)
            | BridgeAction::EarlyMedia { .. }
            | BridgeAction::EndEarlyMedia => {
                panic!("seed {seed}: {action:?} for a caller answered from the start")
            }
            CancelPhone(p) => {
                assert!(phone_ok(p) && !self.cancelled[p], "seed {seed}: {action:?}");
                self.cancelled[p] = true;
            }
            ByePhone(p) => {
                assert!(phone_ok(p) && !self.byed[p], "seed {seed}: {action:?}");
                assert!(
                    self.answered[p],
                    "seed {seed}: BYE to a phone that never answered"
                );
                self.byed[p] = true;
            }
            BridgeAction::Announce { phone } => {
                assert!(self.announce && phone_ok(phone), "seed {seed}: {action:?}");
                assert!(
                    self.answered[phone],
                    "seed {seed}: announced before its answer"
                );
                assert!(
                    self.announced.is_none_or(|p| p == phone),
                    "seed {seed}: announced to a second phone"
                );
                assert!(
                    self.outcome.is_none() && !self.byed[phone],
                    "seed {seed}: {action:?} after {:?}",
                    self.outcome
                );
                assert!(self.announcements < ANNOUNCE_TIMES, "seed {seed}");
                self.announced = Some(phone);
                self.announcements += 1;
            }
            BridgeAction::Bridge { phone } => {
                assert!(phone_ok(phone), "seed {seed}");
                if self.announce {
                    // Only on a '1' from the phone announced to, handled now.
                    assert_eq!(self.announced, Some(phone), "seed {seed}");
                    assert_eq!(
                        self.handling,
                        Some(ResidentKey { phone, digit: '1' }),
                        "seed {seed}: bridged without the resident's 1"
                    );
                }
                assert!(
                    self.answered[phone],
                    "seed {seed}: bridged before its answer"
                );
                assert!(self.bridged.is_none(), "seed {seed}: bridged twice");
                assert_eq!(self.outcome, Some(BridgeOutcome::Answered { phone }));
                self.bridged = Some(phone);
            }
            Unbridge => {
                assert!(
                    self.bridged.is_some() && self.unbridged.is_none(),
                    "seed {seed}"
                );
                self.unbridged = Some(now);
            }
            ByeCaller => {
                assert!(!self.bye_caller, "seed {seed}: BYE to the caller twice");
                self.bye_caller = true;
            }
            BridgeAction::Play {
                prompt: BridgePrompt::Declined,
                ..
            } => {
                assert_eq!(self.outcome, Some(BridgeOutcome::Declined), "seed {seed}");
            }
            BridgeAction::Play { prompt, .. } => {
                let expected = if self.voicemail {
                    BridgePrompt::LeaveMessage
                } else {
                    BridgePrompt::Unavailable
                };
                assert_eq!(prompt, expected, "seed {seed}");
                assert!(
                    matches!(
                        self.outcome,
                        Some(
                            BridgeOutcome::NoAnswer
                                | BridgeOutcome::Busy
                                | BridgeOutcome::Unavailable
                        )
                    ),
                    "seed {seed}: {action:?} after {:?}",
                    self.outcome
                );
            }
            StartVoicemail => {
                assert!(self.voicemail && self.recording.is_none(), "seed {seed}");
                self.recording = Some(true);
            }
            StopVoicemail => {
                assert_eq!(self.recording, Some(true), "seed {seed}");
                self.recording = Some(false);
            }
            BridgeAction::Outcome(o) => {
                assert!(self.outcome.is_none(), "seed {seed}: second outcome {o:?}");
                if o == BridgeOutcome::Declined {
                    assert!(
                        self.announce && self.announced.is_some(),
                        "seed {seed}: declined without an announcement"
                    );
                }
                self.outcome = Some(o);
            }
            Finished => {
                assert!(
                    self.outcome.is_some(),
                    "seed {seed}: finished without outcome"
                );
                assert_ne!(self.recording, Some(true), "seed {seed}: still recording");
                assert!(
                    self.bridged.is_none() || self.unbridged.is_some(),
                    "seed {seed}: finished while bridged"
                );
                self.finished = Some(now);
            }
        }
    }
}

/// A random event; with `announce`, also the resident's keys and the
/// announcement's end, mostly from `announced` (the phone announced to).
fn random_event(
    rng: &mut fastrand::Rng,
    phones: usize,
    announce: bool,
    announced: Option<usize>,
) -> BridgeEvent {
    let phone = if rng.u8(0..10) == 0 {
        rng.usize(phones..phones + 3)
    } else {
        rng.usize(0..phones)
    };
    if announce && rng.u8(0..10) < 3 {
        let phone = match announced {
            Some(p) if rng.u8(0..5) != 0 => p,
            _ => phone,
        };
        return if rng.u8(0..5) < 3 {
            let digit = ['1', '2', '1', '2', '0', '5', '#', '*'][rng.usize(0..8)];
            ResidentKey { phone, digit }
        } else {
            AnnounceFinished { phone }
        };
    }
    match rng.u8(0..100) {
        0..=14 => PhoneProgress {
            phone,
            status: [100, 180, 181, 183, 180][rng.usize(0..5)],
        },
        15..=29 => PhoneAnswered { phone },
        30..=44 => PhoneFailed {
            phone,
            status: [486, 600, 486, 480, 404, 503, 408, 487, 603][rng.usize(0..9)],
        },
        45..=54 => PhoneHungUp { phone },
        55..=69 => PhoneGone { phone },
        70..=77 => CallerHungUp,
        78..=85 => CallerGone,
        86..=95 => PromptFinished(PromptId(rng.u32(0..3))),
        _ => Dtmf(rng.digit(10)),
    }
}

/// What one random run reached, for the coverage check.
#[derive(Default)]
struct Coverage {
    outcomes: [usize; 6],
    announced_twice: usize,
    bridged: usize,
    recorded: usize,
    late_answer_bye: usize,
}

fn fuzz_one(seed: u64, announce: bool, cover: &mut Coverage) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let settings = BridgeSettings {
        phones: rng.usize(1..=MAX_PHONES),
        ring_timeout: ms(rng.u64(0..=40_000)),
        bye_timeout: ms(rng.u64(0..=6_000)),
        voicemail: rng.bool(),
        announce,
        answer_caller: false,
    };
    // A punctual shell fires every deadline at exactly its time; a sloppy
    // one fires them late, or not at all until an event comes.
    let punctual = rng.u8(0..4) != 0;
    let start = Instant::now();
    let mut call = BridgeCall::new(&settings, start);
    let mut check = Checker::new(&settings);
    check.drain(&mut call, start, seed);
    let mut now = start;

    let fire_until = |call: &mut BridgeCall, check: &mut Checker, until: Instant| {
        for _ in 0..1000 {
            let Some(at) = call.poll_timeout().filter(|&at| at <= until) else {
                return;
            };
            call.handle_timeout(at);
            check.drain(call, at, seed);
            if check.finished == Some(at) {
                // A deadline can only finish the call by giving up on a
                // leg, and no leg has longer than bye_timeout from its
                // CANCEL or BYE (a repeated answer must not extend it).
                assert!(
                    check.teardown_end.is_some_and(|end| at <= end),
                    "seed {seed}: finished by a deadline {:?} after the start",
                    at - start
                );
            }
        }
        panic!("seed {seed}: deadlines never run out");
    };

    for _ in 0..rng.usize(0..40) {
        now += ms(rng.u64(0..=8_000));
        if punctual {
            fire_until(&mut call, &mut check, now);
        } else if rng.bool() {
            call.handle_timeout(now);
            check.drain(&mut call, now, seed);
        }
        let event = random_event(&mut rng, settings.phones, announce, call.announced_phone());
        check.event(now, event);
        call.handle_event(now, event);
        check.drain(&mut call, now, seed);
    }

    // Keep firing deadlines: every call ends, except one still bridged.
    if !punctual {
        if let Some(at) = call.poll_timeout() {
            now = now.max(at);
            call.handle_timeout(now);
            check.drain(&mut call, now, seed);
        }
    }
    fire_until(&mut call, &mut check, now + secs(100_000));
    if check.finished.is_none() {
        assert_eq!(call.poll_timeout(), None, "seed {seed}");
        let phone = call.bridged_phone();
        assert!(phone.is_some(), "seed {seed}: stuck without a deadline");
        assert!(
            check.bridged == phone && check.unbridged.is_none(),
            "seed {seed}"
        );
        now = call_now(now, &mut rng);
        let hangup = if rng.bool() {
            CallerHungUp
        } else {
            PhoneHungUp {
                phone: phone.unwrap_or_default(),
            }
        };
        check.event(now, hangup);
        call.handle_event(now, hangup);
        check.drain(&mut call, now, seed);
        fire_until(&mut call, &mut check, now + secs(100_000));
    }
    let Some(finished) = check.finished else {
        panic!("seed {seed}: never finished");
    };
    assert!(
        call.is_finished() && call.poll_timeout().is_none(),
        "seed {seed}"
    );

    if punctual {
        let bye = settings.bye_timeout;
        // The longest message step: voicemail, or with announce the
        // announcements, each waited for in full, then the goodbye.
        let announcing = ANNOUNCE_GUARD + ANNOUNCE_WAIT;
        let declining = u32::from(ANNOUNCE_TIMES) * announcing + MESSAGE_PROMPT_GUARD;
        let message = if announce {
            declining.max(secs(60))
        } else {
            secs(60)
        };
        let mut bound = start + settings.ring_timeout + message + 2 * bye;
        if let Some(unbridged) = check.unbridged {
            bound = bound.max(unbridged + bye);
        }
        assert!(
            finished <= bound,
            "seed {seed}: finished {:?} after the start, bound {:?}",
            finished - start,
            bound - start
        );
        // Tighter: Finished comes with an event, or when the last leg torn
        // down runs out of its own bye_timeout, never later.
        let leg_bound = check.last_event.max(check.teardown_end);
        assert!(
            leg_bound.is_some_and(|b| finished <= b),
            "seed {seed}: finished {:?}, legs down by {:?}",
            finished - start,
            leg_bound.map(|b| b - start)
        );
    }

    // Nothing happens after Finished.
    for _ in 0..5 {
        let event = random_event(&mut rng, settings.phones, announce, call.announced_phone());
        check.event(now, event);
        call.handle_event(now, event);
        call.handle_timeout(now + secs(3600));
        check.drain(&mut call, now, seed);
    }

    let index = match call.outcome() {
        Some(BridgeOutcome::Answered { .. }) => 0,
        Some(BridgeOutcome::NoAnswer) => 1,
        Some(BridgeOutcome::Busy) => 2,
        Some(BridgeOutcome::Unavailable) => 3,
        Some(BridgeOutcome::CallerGaveUp) => 4,
        Some(BridgeOutcome::Declined) => 5,
        None => panic!("seed {seed}: no outcome"),
    };
    cover.outcomes[index] += 1;
    cover.bridged += usize::from(check.bridged.is_some());
    cover.recorded += usize::from(check.recording.is_some());
    let late_byes = (0..settings.phones).filter(|&p| check.byed[p] && check.cancelled[p]);
    cover.late_answer_bye += late_byes.count();
    cover.announced_twice += usize::from(check.announcements == ANNOUNCE_TIMES);
    if !announce {
        assert_eq!(check.announcements, 0, "seed {seed}");
    }
}

fn call_now(now: Instant, rng: &mut fastrand::Rng) -> Instant {
    now + ms(rng.u64(0..=10_000))
}

#[test]
fn random_event_sequences_keep_the_invariants() {
    let mut cover = Coverage::default();
    for seed in 0..2000 {
        fuzz_one(seed, false, &mut cover);
    }
    // The runs reach every part of the machine, not just the easy exits.
    assert!(
        cover.outcomes[..5].iter().all(|&n| n >= 10),
        "{:?}",
        cover.outcomes
    );
    assert_eq!(cover.outcomes[5], 0, "declined without announce");
    assert!(cover.bridged >= 100, "bridged {}", cover.bridged);
    assert!(cover.recorded >= 20, "recorded {}", cover.recorded);
    assert!(
        cover.late_answer_bye >= 20,
        "late answers {}",
        cover.late_answer_bye
    );
}

/// The same, with the resident announced to: never a bridge without a '1'
/// from the phone announced to, and the caller's leg always ends.
#[test]
fn random_event_sequences_with_announce_keep_the_invariants() {
    let mut cover = Coverage::default();
    for seed in 0..2000 {
        fuzz_one(seed, true, &mut cover);
    }
    assert!(
        cover.outcomes.iter().all(|&n| n >= 10),
        "{:?}",
        cover.outcomes
    );
    assert!(cover.bridged >= 50, "bridged {}", cover.bridged);
    assert!(
        cover.announced_twice >= 20,
        "announced twice {}",
        cover.announced_twice
    );
}
