//! Events in odd order or number: ringing relayed once, duplicated, stray
//! and out-of-order events, stale prompt ends, one late timeout firing every
//! expired deadline; and settings validation, prompt wording and outcome names.

use std::time::{Duration, Instant};

use crate::bridge_support::{ms, play, secs, Sim};
use crate::common::{outcome, voicemail};
use ivr::{
    BridgeAction, BridgeCall, BridgeEvent, BridgeOutcome, BridgePrompt, BridgeSettings,
    BridgeSettingsError, PromptId, MAX_PHONES,
};

use BridgeAction::{
    ByeCaller, ByePhone, CancelPhone, Finished, RelayProgress, RingPhones, StartVoicemail,
    StopVoicemail, Unbridge,
};
use BridgeEvent::{
    CallerGone, CallerHungUp, Dtmf, PhoneAnswered, PhoneFailed, PhoneGone, PhoneHungUp,
    PhoneProgress, PromptFinished,
};

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
