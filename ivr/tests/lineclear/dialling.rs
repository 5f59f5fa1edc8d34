//! Dialling out: 999 as soon as the line is clear or within the emergency
//! cap, never rate limited or refused; a verified number cleared, said and
//! connected; new legs rejected meanwhile; and the resident, a phone or
//! the far end not answering or hanging up.

use std::time::Instant;

use crate::common::{at_the_menu, cleared, dial, ended, legs, line_clear, started, RISKY};
use crate::lineclear_support::{
    confirmed, line, ms, numbers, secs, Sim, EMERGENCY_999, FRAUDSTER, RINGING,
};
use ivr::lineclear::AllowReason;
use ivr::{
    CallbackAction, CallbackEvent, CallbackLog, CallbackPrompt, CallbackResult, ClearAction,
    ClearedHow, Destination, LegId, OutboundConfig, OutboundDecision, OutboundPolicy, RateLimit,
    RefuseReason, Trigger, VerifiedNumbers,
};

use CallbackAction::{
    AnswerResident, Bridge, ByeFar, ByePhone, ByeResident, CancelFar, CancelPhone, Finished,
    Unbridge,
};
use CallbackEvent::{
    Dtmf, FarAnswered, FarFailed, FarHungUp, LegEnded, NewLeg, PhoneAnswered, PhoneFailed,
    PhoneHungUp, ResidentGone, ResidentHungUp,
};
use ClearAction::{Abandon, RejectNew};

#[test]
fn dialling_999_goes_out_as_soon_as_the_line_is_clear() {
    let trigger = Trigger::DialledVerified(EMERGENCY_999);
    let mut s = Sim::new(trigger, &legs());
    assert_eq!(s.deadline(), Some(secs(2)), "the emergency cap");
    s.send(ms(100), LegEnded(RINGING));
    s.send(ms(300), LegEnded(FRAUDSTER));
    let expected = vec![
        (ms(300), cleared(&s, FRAUDSTER, ms(300), ClearedHow::Ended)),
        (ms(300), line_clear(&s, ms(300))),
        (ms(300), started(&s, ms(300), trigger)),
        (ms(300), AnswerResident),
        (ms(300), dial(EMERGENCY_999)),
        (
            ms(300),
            CallbackAction::Log(CallbackLog::Dialled {
                at: s.start + ms(300),
                entry: EMERGENCY_999,
            }),
        ),
    ];
    assert_eq!(s.since(ms(200)), expected, "no prompt before 999");
    assert_eq!(s.numbers.normalized(EMERGENCY_999), Some("999"));
}

#[test]
fn dialling_999_is_held_up_at_most_by_the_cap_when_a_leg_ignores_bye() {
    let trigger = Trigger::DialledVerified(EMERGENCY_999);
    let mut s = Sim::new(trigger, &legs());
    s.send(ms(100), LegEnded(RINGING));
    s.run_to(secs(3));
    assert_eq!(s.dials(), vec![(secs(2), EMERGENCY_999)]);
    let at_cap = s.since(secs(2));
    assert_eq!(at_cap[0], (secs(2), line(Abandon(FRAUDSTER))));
    assert_eq!(
        at_cap[1],
        (
            secs(2),
            cleared(&s, FRAUDSTER, secs(2), ClearedHow::Preempted)
        )
    );
    assert_eq!(at_cap[2], (secs(2), line_clear(&s, secs(2))));
    assert!(s.cb.is_cleared(FRAUDSTER), "its dialog now gets 481");
    // The fraudster's BYE finally completes: nothing changes.
    let before = s.trace.len();
    s.send(secs(3), LegEnded(FRAUDSTER));
    assert_eq!(s.trace.len(), before);
    s.send(secs(5), FarAnswered);
    assert_eq!(s.when(&Bridge), Some(secs(5)));
}

#[test]
fn dialling_999_is_never_rate_limited_or_refused_from_the_lines_phone() {
    let numbers = numbers();
    let config = OutboundConfig {
        rate_limit: RateLimit {
            attempts: 2,
            per: secs(600),
        },
        ..OutboundConfig::default()
    };
    let mut policy = OutboundPolicy::new(config);
    let t0 = Instant::now();
    for _ in 0..2 {
        let ok = policy.decide(t0, true, "101", &numbers);
        assert!(matches!(ok, OutboundDecision::Allowed { .. }));
    }
    let limited = policy.decide(t0, true, "101", &numbers);
    assert!(matches!(
        limited,
        OutboundDecision::Refused {
            reason: RefuseReason::RateLimited { .. }
        }
    ));
    for n in 0..50 {
        for dialled in ["999", "112", "tel:999", "sip:112@pbx"] {
            let decision = policy.decide(t0 + ms(n), true, dialled, &numbers);
            let OutboundDecision::Allowed { to, reason } = decision else {
                panic!("{dialled} refused: {decision:?}");
            };
            assert_eq!(reason, AllowReason::Emergency);
            let Destination::Verified(entry) = to else {
                panic!("{to:?}");
            };
            assert!(numbers.is_emergency(entry));
        }
    }
    // Even when the table does not list it.
    let bare = VerifiedNumbers::new(vec![]).expect("empty table");
    let decision = policy.decide(t0, true, "999", &bare);
    assert_eq!(
        decision,
        OutboundDecision::Allowed {
            to: Destination::Number("999".into()),
            reason: AllowReason::Emergency
        }
    );
}

#[test]
fn dialling_a_verified_number_clears_then_says_so_and_connects() {
    let trigger = Trigger::DialledVerified(2);
    let mut s = Sim::new(trigger, &[confirmed(5)]);
    assert_eq!(s.deadline(), Some(secs(4)), "no emergency cap");
    s.send(secs(1), LegEnded(LegId(5)));
    let tail: Vec<CallbackAction> = s.since(secs(1)).into_iter().map(|(_, a)| a).collect();
    assert_eq!(tail[3], AnswerResident);
    assert!(matches!(
        tail[4],
        CallbackAction::Play {
            prompt: CallbackPrompt::LineClearConnecting,
            ..
        }
    ));
    assert_eq!(tail[5], dial(2));
    s.send(secs(40), FarFailed { status: 486 });
    assert_eq!(s.last_prompt().1, CallbackPrompt::CouldNotConnect);
    s.prompt_done(secs(44));
    s.send(secs(45), ResidentGone);
    assert_eq!(
        s.since(secs(40))[1..],
        [
            (
                secs(40),
                ended(&s, secs(40), CallbackResult::CouldNotConnect { entry: 2 })
            ),
            (secs(44), ByeResident),
            (secs(45), Finished),
        ]
    );
}

#[test]
fn the_resident_hanging_up_while_clearing_dials_nothing() {
    let mut s = Sim::new(Trigger::DialledVerified(EMERGENCY_999), &legs());
    s.send(ms(500), ResidentHungUp);
    s.run();
    assert_eq!(s.dials(), vec![]);
    assert_eq!(s.count(&AnswerResident), 0);
    assert_eq!(s.count(&Finished), 1);
    assert_eq!(s.when(&Finished), Some(secs(2)), "once the line is clear");
    assert_eq!(s.cb.result(), Some(CallbackResult::ResidentHungUp));
}

#[test]
fn a_new_incoming_leg_is_rejected_until_the_callback_finishes() {
    let mut s = Sim::new(RISKY, &legs());
    s.send(secs(1), NewLeg(LegId(20)));
    assert_eq!(
        s.since(secs(1)),
        vec![(secs(1), line(RejectNew(LegId(20))))]
    );
    s.send(secs(2), LegEnded(LegId(20)));
    s.send(secs(2), LegEnded(RINGING));
    s.send(secs(6), NewLeg(LegId(21)));
    assert_eq!(s.count(&line(RejectNew(LegId(21)))), 1);
    assert!(
        !s.cb.is_cleared(LegId(20)),
        "a rejected leg was never on the line"
    );
    s.send(
        secs(10),
        PhoneFailed {
            phone: 0,
            status: 486,
        },
    );
    assert_eq!(s.when(&Finished), Some(secs(10)));
    s.send(secs(11), NewLeg(LegId(22)));
    assert_eq!(
        s.count(&line(RejectNew(LegId(22)))),
        0,
        "the line is free again"
    );
}

#[test]
fn the_resident_not_answering_cancels_the_ringing() {
    let mut s = Sim::new(Trigger::FeatureCode, &[]);
    s.run_to(secs(30));
    assert_eq!(s.since(secs(30))[0], (secs(30), CancelPhone(0)));
    // Their answer crosses our CANCEL: hang it up.
    s.send(ms(30_100), PhoneAnswered { phone: 0 });
    assert_eq!(s.since(ms(30_100)), vec![(ms(30_100), ByePhone(0))]);
    s.run();
    assert_eq!(s.when(&Finished), Some(ms(34_100)));
    assert_eq!(s.cb.result(), Some(CallbackResult::ResidentNoAnswer));
}

#[test]
fn a_verified_number_not_answering_is_cancelled() {
    let mut s = at_the_menu();
    s.send(secs(21), Dtmf('2'));
    s.run_to(secs(81));
    let tail = s.since(secs(81));
    assert_eq!(tail[0], (secs(81), CancelFar));
    assert_eq!(s.last_prompt().1, CallbackPrompt::CouldNotConnect);
    s.send(secs(82), FarAnswered); // crossed our CANCEL
    s.send(secs(83), FarHungUp);
    s.send(secs(84), PhoneHungUp { phone: 0 });
    assert_eq!(s.count(&ByeFar), 1);
    assert_eq!(s.count(&Bridge), 0);
    assert_eq!(s.when(&Finished), Some(secs(84)));
}

#[test]
fn the_far_end_hanging_up_ends_the_callback() {
    let mut s = at_the_menu();
    s.send(secs(21), Dtmf('4'));
    s.send(secs(25), FarAnswered);
    s.send(secs(90), FarHungUp);
    assert_eq!(
        s.since(secs(90)),
        vec![(secs(90), Unbridge), (secs(90), ByePhone(0))]
    );
    s.run();
    assert_eq!(
        s.when(&Finished),
        Some(secs(94)),
        "a silent phone cannot hold it"
    );
}
