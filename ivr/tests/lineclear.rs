//! Line-clear callback scenarios on a virtual clock: clearing every leg
//! (including one that ignores BYE), 481 for cleared dialogs, the menu
//! dialling exactly the configured entry, the feature code, 999 within the
//! emergency cap, new legs rejected, the outbound safety rules, the table
//! checks, and a seeded fuzz of random event sequences.
//!
//! Does not own: the simulated runtime (see `lineclear_support`).

mod lineclear_support;

use std::time::{Duration, Instant};

use ivr::lineclear::{AllowReason, BadNumber, MenuItem, EMERGENCY_NUMBERS};
use ivr::{
    Callback, CallbackAction, CallbackError, CallbackEvent, CallbackLog, CallbackPrompt,
    CallbackResult, CallbackSettings, CallbackSettingsError, ClearAction, ClearEvent, Clearance,
    ClearedHow, Destination, InvalidReason, LegId, LegState, LineClear, Mentioned, OutboundConfig,
    OutboundConfigError, OutboundDecision, OutboundPolicy, RateLimit, RefuseReason, Risk, TagKind,
    Trigger, VerifiedNumber, VerifiedNumbers, VerifiedNumbersError,
};
use lineclear_support::{
    confirmed, early, line, ms, numbers, secs, Sim, EMERGENCY_999, FRAUDSTER, RINGING,
};

use CallbackAction::{
    AnswerResident, Bridge, ByeFar, ByePhone, ByeResident, CancelFar, CancelPhone, Finished,
    RingPhones, TakePhone, Unbridge,
};
use CallbackEvent::{
    Dtmf, FarAnswered, FarFailed, FarGone, FarHungUp, LegEnded, NewLeg, PhoneAnswered, PhoneFailed,
    PhoneGone, PhoneHungUp, Rang, ResidentGone, ResidentHungUp,
};
use ClearAction::{Abandon, Bye, Cancel, Cleared, RejectNew};

const RISKY: Trigger = Trigger::RiskyCall {
    mentioned: Mentioned::Both,
};

fn legs() -> [(LegId, LegState); 2] {
    [(FRAUDSTER, LegState::Confirmed), (RINGING, LegState::Early)]
}

fn cleared(s: &Sim, leg: LegId, at: Duration, how: ClearedHow) -> CallbackAction {
    line(Cleared(Clearance {
        leg,
        at: s.start + at,
        how,
    }))
}

fn line_clear(s: &Sim, at: Duration) -> CallbackAction {
    line(ClearAction::LineClear { at: s.start + at })
}

fn started(s: &Sim, at: Duration, trigger: Trigger) -> CallbackAction {
    CallbackAction::Log(CallbackLog::Started {
        at: s.start + at,
        trigger,
    })
}

fn dial(entry: usize) -> CallbackAction {
    CallbackAction::Dial { entry }
}

fn ended(s: &Sim, at: Duration, result: CallbackResult) -> CallbackAction {
    CallbackAction::Log(CallbackLog::Ended {
        at: s.start + at,
        result,
    })
}

/// A risky-call callback whose fraudster ignores BYE, answered by the
/// resident at 6 s with the offer played to the end at 20 s.
fn at_the_menu() -> Sim {
    let mut s = Sim::new(RISKY, &legs());
    s.send(ms(500), LegEnded(RINGING));
    s.run_to(secs(5));
    s.send(secs(6), PhoneAnswered { phone: 0 });
    s.prompt_done(secs(20));
    s
}

#[test]
fn callback_starts_only_after_every_leg_has_ended_even_one_ignoring_bye() {
    let mut s = Sim::new(RISKY, &legs());
    assert_eq!(
        s.trace,
        vec![
            (secs(0), line(Bye(FRAUDSTER))),
            (secs(0), line(Cancel(RINGING)))
        ]
    );
    assert_eq!(s.deadline(), Some(secs(4)), "teardown is bounded");
    s.send(ms(500), LegEnded(RINGING));
    s.send(secs(1), LegEnded(LegId(99))); // never on the line: ignored
    assert_eq!(s.count(&RingPhones), 0);
    s.run_to(secs(10));
    let expected = vec![
        (ms(500), cleared(&s, RINGING, ms(500), ClearedHow::Ended)),
        (secs(4), line(Abandon(FRAUDSTER))),
        (
            secs(4),
            cleared(&s, FRAUDSTER, secs(4), ClearedHow::TimedOut),
        ),
        (secs(4), line_clear(&s, secs(4))),
        (secs(4), started(&s, secs(4), RISKY)),
        (secs(4), RingPhones),
    ];
    assert_eq!(s.since(ms(1)), expected);
    assert_eq!(s.deadline(), Some(secs(34)), "the resident rings 30 s");

    // The proof shows it: the callback started after every clearance.
    let report = s.cb.proof();
    assert_eq!(report.cleared.len(), 2);
    let last_clearance = report.cleared.iter().map(|c| c.at).max();
    assert!(report.line_clear_at >= last_clearance);
    assert!(report.started_at >= report.line_clear_at);
    assert_eq!(report.started_at, Some(s.start + secs(4)));
    assert_eq!(report.dialled, None);
}

#[test]
fn all_legs_ending_clears_the_line_at_once() {
    let mut s = Sim::new(Trigger::FeatureCode, &legs());
    s.send(ms(200), LegEnded(FRAUDSTER));
    s.send(ms(300), LegEnded(RINGING));
    assert_eq!(s.when(&RingPhones), Some(ms(300)));
    assert_eq!(s.cb.line().clear_at(), Some(s.start + ms(300)));
    // An empty line is clear at once.
    let s = Sim::new(Trigger::FeatureCode, &[]);
    assert_eq!(s.when(&RingPhones), Some(secs(0)));
}

#[test]
fn a_cleared_dialog_is_reported_cleared_and_a_late_end_is_ignored() {
    let mut s = Sim::new(RISKY, &legs());
    s.send(ms(500), LegEnded(RINGING));
    s.run_to(secs(5));
    // The fraudster's re-INVITE or BYE arrives now: the runtime asks, and
    // answers 481.
    assert!(s.cb.is_cleared(FRAUDSTER));
    assert!(s.cb.is_cleared(RINGING));
    assert!(!s.cb.is_cleared(LegId(99)));
    let before = s.trace.len();
    s.send(secs(5), LegEnded(FRAUDSTER));
    s.send(secs(5), LegEnded(RINGING));
    assert_eq!(s.trace.len(), before, "a late end changes nothing");
    let report = s.cb.proof();
    let fraudster = report.cleared.iter().find(|c| c.leg == FRAUDSTER);
    assert_eq!(fraudster.map(|c| c.how), Some(ClearedHow::TimedOut));
    assert_eq!(report.cleared.len(), 2);
}

#[test]
fn line_clear_machine_alone() {
    let t0 = Instant::now();
    let mut lc = LineClear::new(secs(4), &[confirmed(1), early(2), confirmed(1)], t0);
    let actions: Vec<_> = std::iter::from_fn(|| lc.poll_action()).collect();
    assert_eq!(
        actions,
        vec![Bye(LegId(1)), Cancel(LegId(2))],
        "once per leg"
    );
    lc.handle_event(t0 + secs(1), ClearEvent::NewLeg(LegId(3)));
    lc.handle_event(t0 + secs(1), ClearEvent::NewLeg(LegId(3)));
    lc.handle_event(t0 + secs(1), ClearEvent::NewLeg(LegId(1)));
    lc.handle_event(t0 + secs(2), ClearEvent::LegEnded(LegId(2)));
    lc.handle_event(t0 + secs(2), ClearEvent::LegEnded(LegId(3)));
    assert_eq!(lc.poll_timeout(), Some(t0 + secs(4)));
    // A runtime firing its timer late still gets the records in order.
    lc.handle_event(t0 + secs(9), ClearEvent::LegEnded(LegId(1)));
    let actions: Vec<_> = std::iter::from_fn(|| lc.poll_action()).collect();
    let at = |s, leg, how| {
        Cleared(Clearance {
            leg: LegId(leg),
            at: t0 + secs(s),
            how,
        })
    };
    let expected = vec![
        RejectNew(LegId(3)),
        at(2, 2, ClearedHow::Ended),
        Abandon(LegId(1)),
        at(4, 1, ClearedHow::TimedOut),
        ClearAction::LineClear { at: t0 + secs(4) },
    ];
    assert_eq!(actions, expected);
    assert_eq!(lc.rejected(), &[LegId(3)]);
    assert_eq!(lc.poll_timeout(), None);
    lc.handle_event(t0 + secs(10), ClearEvent::NewLeg(LegId(4)));
    assert_eq!(
        lc.poll_action(),
        Some(RejectNew(LegId(4))),
        "the line is held"
    );
}

#[test]
fn the_offer_lists_the_verified_menu_and_says_what_the_call_mentioned() {
    let s = at_the_menu();
    let (_, prompt) = s.last_prompt();
    let menu = s.menu();
    assert_eq!(
        prompt,
        CallbackPrompt::Offer {
            mentioned: Mentioned::Both,
            menu: menu.clone()
        }
    );
    let keys: Vec<(char, usize)> = menu.iter().map(|m| (m.key, m.entry)).collect();
    assert_eq!(keys, vec![('1', 0), ('2', 1), ('3', 2), ('4', 3)]);
    let offer = CallbackPrompt::Offer {
        mentioned: Mentioned::Police,
        menu: menu[..2].to_vec(),
    };
    assert_eq!(
        offer.to_string(),
        "This is your call guard. The last call mentioned the police. Police and banks never \
         ask for your PIN. The line is now clear. Press 1 for the police on one-zero-one. \
         Press 2 for your bank through one-five-nine. Or hang up."
    );
    assert_eq!(s.deadline(), Some(secs(28)), "8 s for a key");
}

#[test]
fn pressing_1_or_2_dials_exactly_the_configured_entry() {
    for (key, number) in [('1', "101"), ('2', "159"), ('3', "0800 123 4567")] {
        let mut s = at_the_menu();
        s.send(secs(22), Dtmf(key));
        let dials = s.dials();
        assert_eq!(dials.len(), 1);
        let (at, entry) = dials[0];
        assert_eq!(at, secs(22));
        assert_eq!(
            s.numbers.get(entry).map(|e| e.number.as_str()),
            Some(number)
        );
        let tail = s.since(secs(22));
        assert!(matches!(
            &tail[0].1,
            CallbackAction::Play {
                prompt: CallbackPrompt::Connecting,
                ..
            }
        ));
        assert_eq!(tail[1].1, dial(entry));
        assert_eq!(
            s.cb.proof().dialled.map(|d| (d.entry, d.at)),
            Some((entry, s.start + secs(22))),
            "the log names the entry"
        );
        // Keys after the choice dial nothing more.
        s.send(secs(23), Dtmf('1'));
        s.send(secs(24), Dtmf('2'));
        assert_eq!(s.dials().len(), 1);
    }
    // The normalized number is what the runtime dials.
    assert_eq!(numbers().normalized(2), Some("+448001234567"));
}

#[test]
fn a_key_with_no_verified_number_dials_nothing() {
    let mut s = at_the_menu();
    s.send(secs(21), Dtmf('7'));
    let menu = s.menu();
    assert_eq!(s.last_prompt().1, CallbackPrompt::Menu { menu });
    s.prompt_done(secs(30));
    s.send(secs(31), Dtmf('#'));
    assert_eq!(s.last_prompt().1, CallbackPrompt::Goodbye);
    s.send(secs(32), Dtmf('1')); // too late: goodbye is playing
    s.prompt_done(secs(33));
    s.send(ms(33_100), PhoneGone { phone: 0 });
    assert_eq!(s.dials(), vec![]);
    let tail = s.since(secs(33));
    assert_eq!(tail, vec![(secs(33), ByePhone(0)), (ms(33_100), Finished)]);
    assert_eq!(s.cb.result(), Some(CallbackResult::NoChoice));
}

#[test]
fn no_key_repeats_the_menu_once_then_says_goodbye_and_hangs_up() {
    let mut s = at_the_menu();
    s.run_to(secs(28));
    assert!(matches!(s.last_prompt().1, CallbackPrompt::Menu { .. }));
    assert_eq!(s.deadline(), Some(secs(28 + 45)), "the prompt guard");
    s.prompt_done(secs(40));
    s.run_to(secs(48));
    assert_eq!(s.last_prompt().1, CallbackPrompt::Goodbye);
    // Goodbye's PromptFinished never comes: the guard hangs up.
    s.run();
    assert_eq!(
        s.since(secs(49)),
        vec![(secs(93), ByePhone(0)), (secs(97), Finished)]
    );
    assert_eq!(s.dials(), vec![]);
}

#[test]
fn feature_code_clears_rings_the_resident_and_offers_the_menu() {
    let numbers = numbers();
    let mut policy = OutboundPolicy::new(OutboundConfig::default());
    let t0 = Instant::now();
    let decision = policy.decide(t0, true, "sip:*55@linewarden.local", &numbers);
    assert_eq!(
        decision,
        OutboundDecision::Allowed {
            to: Destination::FeatureCode,
            reason: AllowReason::FeatureCode
        }
    );
    assert!(policy.is_feature_code("%2A55"));
    assert!(!policy.is_feature_code("*56"));

    let mut s = Sim::new(Trigger::FeatureCode, &[confirmed(3)]);
    s.send(secs(1), LegEnded(LegId(3)));
    assert_eq!(s.when(&RingPhones), Some(secs(1)));
    s.send(secs(3), PhoneAnswered { phone: 0 });
    let menu = s.menu();
    assert_eq!(s.last_prompt().1, CallbackPrompt::Menu { menu });
    s.send(secs(5), Dtmf('1'));
    s.send(secs(9), FarAnswered);
    assert_eq!(s.when(&Bridge), Some(secs(9)));
    assert!(s.cb.is_bridged());
    assert_eq!(
        s.deadline(),
        None,
        "a connected call lasts as long as they talk"
    );
    s.send(secs(300), PhoneHungUp { phone: 0 });
    s.send(ms(300_050), FarGone);
    let tail = vec![
        (secs(300), Unbridge),
        (secs(300), ByeFar),
        (ms(300_050), Finished),
    ];
    assert_eq!(s.since(secs(10)), tail);
    assert_eq!(s.cb.result(), Some(CallbackResult::Connected { entry: 0 }));
}

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

#[test]
fn bad_triggers_are_refused() {
    let t0 = Instant::now();
    let settings = CallbackSettings::default();
    let err = Callback::new(&settings, &numbers(), Trigger::DialledVerified(6), &[], t0);
    assert_eq!(err.err(), Some(CallbackError::UnknownEntry(6)));
    let no_menu = VerifiedNumbers::new(vec![VerifiedNumber::new(None, "999", "999", true)]);
    let no_menu = no_menu.expect("valid");
    let err = Callback::new(&settings, &no_menu, Trigger::FeatureCode, &[], t0);
    assert_eq!(err.err(), Some(CallbackError::EmptyMenu));
}

#[test]
fn the_trigger_after_a_call_depends_on_its_risk_and_tags() {
    let tags = [TagKind::Courier, TagKind::BankDetails];
    assert_eq!(Trigger::after_call(Risk::Low, tags), None);
    assert_eq!(
        Trigger::after_call(Risk::Medium, tags),
        Some(Trigger::RiskyCall {
            mentioned: Mentioned::BankDetails
        })
    );
    let both = [TagKind::Police, TagKind::BankDetails];
    assert_eq!(Mentioned::from_tags(both), Mentioned::Both);
    assert_eq!(Mentioned::from_tags([TagKind::Police]), Mentioned::Police);
    assert_eq!(Mentioned::from_tags([TagKind::Cash]), Mentioned::Nothing);
}

#[test]
fn safety_refuses_unregistered_sources_and_arbitrary_numbers() {
    let numbers = numbers();
    let t0 = Instant::now();
    let refused = |reason| OutboundDecision::Refused { reason };
    let mut policy = OutboundPolicy::new(OutboundConfig::default());
    for dialled in ["101", "999", "*55", "07700 900123"] {
        assert_eq!(
            policy.decide(t0, false, dialled, &numbers),
            refused(RefuseReason::NotRegistered),
            "{dialled}"
        );
    }
    let arbitrary = policy.decide(t0, true, "01632 960001", &numbers);
    assert_eq!(arbitrary, refused(RefuseReason::NotAllowedDestination));
    assert_eq!(
        policy.decide(t0, true, "0101", &numbers),
        refused(RefuseReason::NotANumber),
        "0101 is not 101"
    );
    assert_eq!(
        policy.decide(t0, true, "*56", &numbers),
        refused(RefuseReason::NotANumber)
    );
    // The same number however it is written.
    for bank in [
        "+44 800 123 4567",
        "0800 123 4567",
        "tel:+448001234567",
        "08001234567",
    ] {
        assert_eq!(
            policy.decide(t0, true, bank, &numbers),
            OutboundDecision::Allowed {
                to: Destination::Verified(2),
                reason: AllowReason::Verified
            },
            "{bank}"
        );
    }
}

#[test]
fn safety_allows_general_outbound_only_when_the_line_has_it() {
    let numbers = numbers();
    let t0 = Instant::now();
    let config = OutboundConfig {
        general_outbound: true,
        ..OutboundConfig::default()
    };
    let mut policy = OutboundPolicy::new(config);
    assert_eq!(
        policy.decide(t0, true, "01632 960001", &numbers),
        OutboundDecision::Allowed {
            to: Destination::Number("+441632960001".into()),
            reason: AllowReason::GeneralOutbound
        }
    );
    for never in ["09098 790000", "118118", "+33123456789"] {
        assert_eq!(
            policy.decide(t0, true, never, &numbers),
            OutboundDecision::Refused {
                reason: RefuseReason::NotAllowedDestination
            },
            "{never}"
        );
    }
}

#[test]
fn safety_rate_limit_kicks_in_and_recovers_with_time() {
    let numbers = numbers();
    let t0 = Instant::now();
    let config = OutboundConfig {
        rate_limit: RateLimit {
            attempts: 3,
            per: secs(600),
        },
        ..OutboundConfig::default()
    };
    let mut policy = OutboundPolicy::new(config);
    let allowed = |d: &OutboundDecision| matches!(d, OutboundDecision::Allowed { .. });
    for n in 0..3 {
        assert!(allowed(&policy.decide(t0 + secs(n), true, "159", &numbers)));
    }
    // A refused destination takes no token, so it cannot hide the limit.
    let limited = policy.decide(t0 + secs(5), true, "159", &numbers);
    assert_eq!(
        limited,
        OutboundDecision::Refused {
            reason: RefuseReason::RateLimited {
                retry_at: t0 + secs(200)
            }
        }
    );
    assert!(!allowed(&policy.decide(
        t0 + secs(199),
        true,
        "*55",
        &numbers
    )));
    assert!(allowed(&policy.decide(
        t0 + secs(200),
        true,
        "*55",
        &numbers
    )));
    assert!(!allowed(&policy.decide(
        t0 + secs(201),
        true,
        "101",
        &numbers
    )));
    // A long quiet spell refills the bucket, but no more than full.
    let later = t0 + secs(10_000);
    for n in 0..3 {
        assert!(allowed(&policy.decide(
            later + ms(n),
            true,
            "101",
            &numbers
        )));
    }
    assert!(!allowed(&policy.decide(
        later + ms(5),
        true,
        "101",
        &numbers
    )));
}

#[test]
fn outbound_config_is_checked() {
    assert_eq!(OutboundConfig::default().validate(), Ok(()));
    for code in ["55", "*", "*5a", "*123456789"] {
        let config = OutboundConfig {
            feature_code: code.into(),
            ..OutboundConfig::default()
        };
        assert_eq!(
            config.validate(),
            Err(OutboundConfigError::FeatureCode(code.into()))
        );
    }
    let zero = OutboundConfig {
        rate_limit: RateLimit {
            attempts: 0,
            per: secs(60),
        },
        ..OutboundConfig::default()
    };
    assert_eq!(zero.validate(), Err(OutboundConfigError::Attempts(0)));
    // Not validated, it still never panics.
    let mut policy = OutboundPolicy::new(zero);
    let decision = policy.decide(Instant::now(), true, "101", &numbers());
    assert!(matches!(decision, OutboundDecision::Allowed { .. }));
}

#[test]
fn callback_settings_are_checked() {
    assert_eq!(CallbackSettings::default().validate(), Ok(()));
    let slow_cap = CallbackSettings {
        emergency_cap: secs(5),
        ..CallbackSettings::default()
    };
    assert_eq!(
        slow_cap.validate(),
        Err(CallbackSettingsError::EmergencyCap(secs(5)))
    );
    let no_keys = CallbackSettings {
        digit_timeout: Duration::ZERO,
        ..CallbackSettings::default()
    };
    assert_eq!(
        no_keys.validate(),
        Err(CallbackSettingsError::DigitTimeout(Duration::ZERO))
    );
}

#[test]
fn verified_numbers_are_checked() {
    use VerifiedNumbersError as E;
    let entry = |key, number: &str, emergency| VerifiedNumber::new(key, "x", number, emergency);
    let check = |entries: Vec<VerifiedNumber>| VerifiedNumbers::new(entries).err();
    assert_eq!(check(vec![]), None);
    let defaults = VerifiedNumbers::uk_defaults();
    assert_eq!(defaults.menu().len(), 2);
    assert_eq!(
        VerifiedNumbers::new(defaults.entries().to_vec()),
        Ok(defaults)
    );
    assert_eq!(
        check(vec![
            entry(Some('1'), "101", false),
            entry(Some('1'), "159", false)
        ]),
        Some(E::DuplicateKey {
            key: '1',
            first: 0,
            second: 1
        })
    );
    for key in ['0', '*', 'a'] {
        assert!(matches!(
            check(vec![entry(Some(key), "101", false)]),
            Some(E::BadKey { .. })
        ));
    }
    let bad = |number: &str| match check(vec![entry(Some('1'), number, false)]) {
        Some(E::BadNumber { reason, .. }) => Some(reason),
        _ => None,
    };
    assert_eq!(
        bad("12345"),
        Some(BadNumber::Invalid(InvalidReason::BadPrefix))
    );
    assert_eq!(
        bad("0800 12"),
        Some(BadNumber::Invalid(InvalidReason::WrongLength { digits: 6 }))
    );
    assert_eq!(
        bad("call me"),
        Some(BadNumber::Invalid(InvalidReason::NotDigits))
    );
    assert_eq!(bad(""), Some(BadNumber::NotUk));
    assert_eq!(bad("+33 1 23 45 67 89"), Some(BadNumber::NotUk));
    assert_eq!(bad("09098 790000"), Some(BadNumber::Premium));
    assert_eq!(bad("118118"), Some(BadNumber::ShortCode));
    assert_eq!(bad("100"), Some(BadNumber::ShortCode));
    assert_eq!(bad("116 123"), None, "Samaritans");
    for code in EMERGENCY_NUMBERS {
        assert!(matches!(
            check(vec![entry(None, code, false)]),
            Some(E::EmergencyFlag { .. })
        ));
    }
    assert!(matches!(
        check(vec![entry(None, "101", true)]),
        Some(E::EmergencyFlag { .. })
    ));
    let ten: Vec<_> = (0..10).map(|_| entry(None, "101", false)).collect();
    assert_eq!(check(ten), None, "off the menu, ten are fine");
    let keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '9'];
    let ten: Vec<_> = keys.iter().map(|&k| entry(Some(k), "101", false)).collect();
    assert_eq!(check(ten), Some(E::TooManyMenuEntries(10)));
    let many: Vec<_> = (0..17).map(|_| entry(None, "101", false)).collect();
    assert_eq!(check(many), Some(E::TooMany(17)));
    let unlabelled = VerifiedNumber::new(Some('1'), "  ", "101", false);
    assert_eq!(check(vec![unlabelled]), Some(E::Label { index: 0 }));
    let item = MenuItem {
        key: '1',
        entry: 0,
        label: "the police".into(),
    };
    assert_eq!(item.to_string(), "Press 1 for the police.");
}

// ---- seeded fuzz -------------------------------------------------------

/// A random event; phone events name one of the `phones` rung, or one
/// more that never was.
fn random_event(rng: &mut fastrand::Rng, phones: usize) -> CallbackEvent {
    let phone = rng.usize(0..=phones);
    match rng.u8(0..100) {
        0..=14 => LegEnded(LegId(rng.u64(1..8))),
        15..=19 => NewLeg(LegId(rng.u64(1..30))),
        20..=29 => PhoneAnswered { phone },
        30..=32 => PhoneFailed { phone, status: 486 },
        33..=35 => ResidentHungUp,
        36..=37 => PhoneHungUp { phone },
        38..=39 => ResidentGone,
        40..=41 => PhoneGone { phone },
        42..=51 => FarAnswered,
        52..=55 => FarFailed { status: 503 },
        56..=58 => FarHungUp,
        59..=62 => FarGone,
        63..=83 => Dtmf(*rng.choice(b"1234567890*#").unwrap_or(&b'1') as char),
        _ => CallbackEvent::PromptFinished(ivr::PromptId(rng.u32(0..6))),
    }
}

/// What the checker knows of one rung phone, from the events it sent and
/// the actions it saw.
#[derive(Clone, Copy, Debug, Default)]
struct PhoneSeen {
    cancelled: bool,
    byed: bool,
    /// Known to be down in the machine (failed, hung up or gone).
    down: bool,
    /// Our latest CANCEL or BYE to it.
    torn_at: Option<Instant>,
}

/// Watches one callback's actions and checks them as they come.
struct Checker {
    seed: u64,
    start: Instant,
    trigger: Trigger,
    numbers: VerifiedNumbers,
    legs: Vec<LegId>,
    teardown: Duration,
    cap: Duration,
    cleared: Vec<Clearance>,
    rejected: Vec<LegId>,
    line_clear: Option<Instant>,
    started: Option<Instant>,
    dialled: Option<(usize, Instant)>,
    last_key: Option<char>,
    results: usize,
    finished: Option<Instant>,
    bridged: bool,
    preempted: bool,
    /// When the last leg torn down runs out of its teardown timeout.
    teardown_end: Instant,
    last_event: Instant,
    /// Deadlines fired at their own times, so actions are seen at the
    /// time they were taken (otherwise later).
    punctual: bool,
    /// How many phones ring when asked.
    ring_reply: usize,
    /// The phones rung (after `RingPhones`), and the first to answer.
    phones: Option<Vec<PhoneSeen>>,
    winner: Option<usize>,
    /// Answers hung up as too late.
    late: usize,
    /// The phone whose answer is being handled, and whether that answer
    /// must be taken or hung up (not ignored).
    answering: Option<(usize, bool)>,
}

impl Checker {
    fn event(&mut self, now: Instant, event: CallbackEvent) {
        if let Dtmf(key) = event {
            self.last_key = Some(key);
        }
        if self.finished.is_none() {
            self.last_event = now;
        }
        self.answering = None;
        let teardown = self.teardown;
        let winner = self.winner;
        let Some(phones) = self.phones.as_mut() else {
            return;
        };
        // A phone given up on is down by now.
        for p in phones.iter_mut() {
            p.down |= p.torn_at.is_some_and(|at| at + teardown <= now);
        }
        let live = self.finished.is_none();
        match event {
            PhoneAnswered { phone } => {
                if let Some(p) = phones.get(phone) {
                    // Unless deadlines fire late: the phone may have been
                    // given up on at a time the checker does not know.
                    let known = self.punctual || p.torn_at.is_none();
                    let must = live && known && !p.down && !p.byed && winner != Some(phone);
                    self.answering = Some((phone, must));
                }
            }
            PhoneFailed { phone, .. } => {
                if let Some(p) = phones.get_mut(phone) {
                    p.down |= winner != Some(phone) && !p.byed;
                }
            }
            PhoneHungUp { phone } => {
                if let Some(p) = phones.get_mut(phone) {
                    p.down |= winner == Some(phone) || p.cancelled || p.byed;
                }
            }
            PhoneGone { phone } => {
                if let Some(p) = phones.get_mut(phone) {
                    p.down |= p.cancelled || p.byed;
                }
            }
            _ => {}
        }
    }

    /// The runtime's answer to `RingPhones`: `ring_reply` phones rang.
    fn ring(&mut self, cb: &mut Callback, now: Instant) {
        assert!(self.phones.is_none(), "seed {}: rung twice", self.seed);
        self.phones = Some(vec![PhoneSeen::default(); self.ring_reply]);
        let event = Rang {
            phones: self.ring_reply,
        };
        self.event(now, event);
        cb.handle_event(now, event);
        // A second report changes nothing.
        cb.handle_event(now, Rang { phones: 3 });
        self.drain(cb, now);
    }

    /// Checks a phone action.
    fn phone(&mut self, action: &CallbackAction, now: Instant) {
        let seed = self.seed;
        let winner = self.winner;
        let answering = self.answering;
        let phones = self.phones.as_mut();
        let phones = phones.unwrap_or_else(|| panic!("seed {seed}: {action:?} before ringing"));
        match *action {
            TakePhone(phone) => {
                assert_eq!(winner, None, "seed {seed}: a second winner");
                assert_eq!(answering.map(|a| a.0), Some(phone), "seed {seed}");
                for (q, p) in phones.iter().enumerate() {
                    let stopped = p.down || p.cancelled;
                    assert!(q == phone || stopped, "seed {seed}: phone {q} rings on");
                }
                self.winner = Some(phone);
                self.answering = None;
            }
            CancelPhone(phone) => {
                let p = phones.get_mut(phone);
                let p = p.unwrap_or_else(|| panic!("seed {seed}: phone {phone} never rang"));
                assert!(!p.cancelled && !p.byed, "seed {seed}: phone {phone}");
                assert_ne!(winner, Some(phone), "seed {seed}: cancelled the winner");
                p.cancelled = true;
                p.torn_at = Some(now);
            }
            ByePhone(phone) => {
                let p = phones.get_mut(phone);
                let p = p.unwrap_or_else(|| panic!("seed {seed}: phone {phone} never rang"));
                assert!(!p.byed, "seed {seed}: BYE twice to phone {phone}");
                let late = answering.map(|a| a.0) == Some(phone);
                assert!(late || winner == Some(phone), "seed {seed}: phone {phone}");
                p.byed = true;
                p.torn_at = Some(now);
                if late {
                    self.late += 1;
                    self.answering = None;
                }
            }
            _ => {}
        }
    }

    fn drain(&mut self, cb: &mut Callback, now: Instant) {
        let seed = self.seed;
        let mut ring = false;
        while let Some(action) = cb.poll_action() {
            assert!(
                self.finished.is_none(),
                "seed {seed}: {action:?} after Finished"
            );
            let torn_down = matches!(
                action,
                CancelPhone(_) | ByePhone(_) | ByeResident | CancelFar | ByeFar
            );
            if torn_down {
                self.teardown_end = self.teardown_end.max(now + self.teardown);
            }
            match action {
                CallbackAction::Line(line) => self.line(line, now),
                CallbackAction::Dial { entry } => {
                    assert!(self.dialled.is_none(), "seed {seed}: a second Dial");
                    assert!(entry < self.numbers.len(), "seed {seed}: entry {entry}");
                    let clear = self.line_clear.expect("dialled before the line was clear");
                    assert!(clear <= now && self.started.is_some(), "seed {seed}");
                    match self.trigger {
                        Trigger::DialledVerified(wanted) => assert_eq!(entry, wanted),
                        _ => {
                            let key = self.last_key.and_then(|k| self.numbers.by_key(k));
                            assert_eq!(Some(entry), key, "seed {seed}: not the key pressed");
                        }
                    }
                    self.dialled = Some((entry, clear));
                }
                CallbackAction::Log(CallbackLog::Started { at, trigger }) => {
                    assert!(self.started.is_none(), "seed {seed}");
                    assert_eq!(trigger, self.trigger);
                    assert_eq!(Some(at), self.line_clear, "seed {seed}");
                    assert!(self.cleared.iter().all(|c| c.at <= at), "seed {seed}");
                    assert_eq!(self.cleared.len(), self.legs.len(), "seed {seed}");
                    self.started = Some(at);
                }
                CallbackAction::Log(CallbackLog::Dialled { entry, at }) => {
                    assert_eq!(self.dialled.map(|d| d.0), Some(entry), "seed {seed}");
                    if self.numbers.is_emergency(entry) {
                        assert_eq!(Some(at), self.line_clear, "seed {seed}: 999 waited");
                    }
                    self.dialled = Some((entry, at));
                }
                CallbackAction::Log(CallbackLog::Ended { .. }) => self.results += 1,
                Bridge => {
                    assert!(self.dialled.is_some() && !self.bridged, "seed {seed}");
                    self.bridged = true;
                }
                Finished => {
                    assert!(self.line_clear.is_some(), "seed {seed}");
                    assert_eq!(self.results, 1, "seed {seed}: one result");
                    // Every phone rung is down (or, with deadlines fired
                    // late, at least torn down).
                    let (teardown, punctual) = (self.teardown, self.punctual);
                    let phones = self.phones.iter().flatten();
                    let down = |p: &PhoneSeen| match p.torn_at {
                        Some(at) => p.down || !punctual || at + teardown <= now,
                        None => p.down,
                    };
                    assert!(phones.clone().all(down), "seed {seed}: {phones:?}");
                    self.finished = Some(now);
                }
                RingPhones => {
                    assert!(self.line_clear.is_some(), "seed {seed}: rung too early");
                    let rings_back = !matches!(self.trigger, Trigger::DialledVerified(_));
                    assert!(rings_back, "seed {seed}");
                    ring = true;
                }
                AnswerResident => {
                    assert!(
                        self.line_clear.is_some(),
                        "seed {seed}: {action:?} too early"
                    );
                }
                TakePhone(_) | CancelPhone(_) | ByePhone(_) => self.phone(&action, now),
                _ => {}
            }
        }
        if ring {
            self.ring(cb, now);
        }
    }

    /// After each event: an answer from a phone still up to it was either
    /// taken or hung up.
    fn answered(&self) {
        if let Some((phone, true)) = self.answering {
            panic!("seed {}: phone {phone}'s answer was ignored", self.seed);
        }
    }

    fn line(&mut self, action: ClearAction, now: Instant) {
        let seed = self.seed;
        match action {
            Bye(leg) | Cancel(leg) => {
                assert_eq!(now, self.start, "seed {seed}");
                assert!(self.legs.contains(&leg), "seed {seed}");
                self.teardown_end = self.teardown_end.max(now + self.teardown);
            }
            Abandon(leg) => assert!(self.legs.contains(&leg), "seed {seed}"),
            Cleared(c) => {
                assert!(self.legs.contains(&c.leg), "seed {seed}");
                assert!(!self.cleared.iter().any(|d| d.leg == c.leg), "seed {seed}");
                assert!(self.line_clear.is_none(), "seed {seed}");
                self.preempted |= c.how == ClearedHow::Preempted;
                match c.how {
                    ClearedHow::Preempted => assert_eq!(c.at, self.start + self.cap),
                    ClearedHow::TimedOut => assert_eq!(c.at, self.start + self.teardown),
                    ClearedHow::Ended => assert!(c.at <= self.start + self.teardown),
                }
                self.cleared.push(c);
            }
            ClearAction::LineClear { at } => {
                assert!(self.line_clear.is_none(), "seed {seed}");
                assert_eq!(self.cleared.len(), self.legs.len(), "seed {seed}");
                assert!(self.cleared.iter().all(|c| c.at <= at), "seed {seed}");
                self.line_clear = Some(at);
            }
            RejectNew(leg) => {
                assert!(
                    !self.legs.contains(&leg),
                    "seed {seed}: rejected a line leg"
                );
                assert!(!self.rejected.contains(&leg), "seed {seed}: rejected twice");
                self.rejected.push(leg);
            }
        }
    }
}

#[derive(Default)]
struct Coverage {
    results: [usize; 5],
    dialled: usize,
    emergency: usize,
    preempted: usize,
    bridged: usize,
    rejected: usize,
    timed_out: usize,
    /// A phone won while another rang.
    won_over_another: usize,
    /// Late answers hung up.
    late: usize,
}

fn fuzz_one(seed: u64, cover: &mut Coverage) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let teardown = ms(rng.u64(0..=6_000));
    let settings = CallbackSettings {
        teardown_timeout: teardown,
        emergency_cap: ms(rng.u64(0..=3_000)),
        ring_timeout: ms(rng.u64(0..=40_000)),
        answer_timeout: ms(rng.u64(0..=70_000)),
        digit_timeout: ms(rng.u64(0..=10_000)),
        prompt_guard: ms(rng.u64(0..=50_000)),
        reprompts: rng.u8(0..=3),
    };
    let numbers = numbers();
    let trigger = match rng.u8(0..4) {
        0 => RISKY,
        1 => Trigger::FeatureCode,
        _ => Trigger::DialledVerified(rng.usize(0..numbers.len() + 1)),
    };
    let legs: Vec<(LegId, LegState)> = (1..=rng.u64(0..5))
        .map(|id| {
            let state = if rng.bool() {
                LegState::Early
            } else {
                LegState::Confirmed
            };
            (LegId(id), state)
        })
        .collect();
    let start = Instant::now();
    let Ok(mut cb) = Callback::new(&settings, &numbers, trigger, &legs, start) else {
        assert_eq!(
            trigger,
            Trigger::DialledVerified(numbers.len()),
            "seed {seed}"
        );
        return;
    };
    let punctual = rng.u8(0..4) != 0;
    let ring_reply = rng.choice([0, 1, 1, 2, 2, 3]).unwrap_or(1);
    let mut check = Checker {
        seed,
        start,
        trigger,
        numbers: numbers.clone(),
        legs: legs.iter().map(|&(leg, _)| leg).collect(),
        teardown,
        cap: settings.emergency_cap,
        cleared: Vec::new(),
        rejected: Vec::new(),
        line_clear: None,
        started: None,
        dialled: None,
        last_key: None,
        results: 0,
        finished: None,
        bridged: false,
        preempted: false,
        teardown_end: start,
        last_event: start,
        punctual,
        ring_reply,
        phones: None,
        winner: None,
        late: 0,
        answering: None,
    };
    check.drain(&mut cb, start);
    let mut now = start;

    let fire_until = |cb: &mut Callback, check: &mut Checker, until: Instant| {
        for _ in 0..1000 {
            let Some(at) = cb.poll_timeout().filter(|&at| at <= until) else {
                return;
            };
            cb.handle_timeout(at);
            check.drain(cb, at);
        }
        panic!("seed {seed}: deadlines never run out");
    };

    for _ in 0..rng.usize(0..40) {
        now += ms(rng.u64(0..=8_000));
        if punctual {
            fire_until(&mut cb, &mut check, now);
        } else if rng.bool() {
            cb.handle_timeout(now);
            check.drain(&mut cb, now);
        }
        let event = random_event(&mut rng, ring_reply);
        check.event(now, event);
        cb.handle_event(now, event);
        check.drain(&mut cb, now);
        check.answered();
    }

    // Deadlines alone end every callback, except one still connected.
    fire_until(&mut cb, &mut check, now + secs(100_000));
    if check.finished.is_none() {
        assert!(
            cb.is_bridged() && cb.poll_timeout().is_none(),
            "seed {seed}: stuck"
        );
        now += ms(rng.u64(0..=10_000));
        let hangup = match (rng.bool(), check.winner) {
            (true, Some(phone)) => PhoneHungUp { phone },
            (true, None) => ResidentHungUp,
            (false, _) => FarHungUp,
        };
        check.event(now, hangup);
        cb.handle_event(now, hangup);
        check.drain(&mut cb, now);
        fire_until(&mut cb, &mut check, now + secs(100_000));
    }
    let Some(finished) = check.finished else {
        panic!("seed {seed}: never finished");
    };
    assert!(
        cb.is_finished() && cb.poll_timeout().is_none(),
        "seed {seed}"
    );
    if punctual {
        // Finished comes with an event, or when the last leg torn down
        // runs out of its own teardown timeout, never later.
        let bound = check.last_event.max(check.teardown_end);
        assert!(finished <= bound, "seed {seed}: finished late");
        if let (Trigger::DialledVerified(entry), Some((_, at))) = (trigger, check.dialled) {
            if numbers.is_emergency(entry) {
                let cap = settings.emergency_cap.min(teardown);
                assert!(at <= start + cap, "seed {seed}: 999 held beyond the cap");
            }
        }
    }
    let report = cb.proof();
    let dialled = report.dialled.as_ref().map(|d| (d.entry, d.at));
    assert_eq!(dialled, check.dialled, "seed {seed}");
    if let Some(d) = &report.dialled {
        assert_eq!(Some(d.number.as_str()), numbers.normalized(d.entry));
    }
    assert_eq!(
        report.started_after_clear(),
        report.started_at.is_some(),
        "seed {seed}"
    );
    assert_eq!(report.line_clear_at, check.line_clear, "seed {seed}");
    for c in &report.cleared {
        assert!(cb.is_cleared(c.leg), "seed {seed}");
    }

    // Nothing happens after Finished.
    for _ in 0..5 {
        let event = random_event(&mut rng, ring_reply);
        check.event(now, event);
        cb.handle_event(now, event);
        cb.handle_timeout(now + secs(3600));
        check.drain(&mut cb, now);
    }

    let index = match cb.result() {
        Some(CallbackResult::Connected { .. }) => 0,
        Some(CallbackResult::ResidentNoAnswer) => 1,
        Some(CallbackResult::ResidentHungUp) => 2,
        Some(CallbackResult::NoChoice) => 3,
        Some(CallbackResult::CouldNotConnect { .. }) => 4,
        None => panic!("seed {seed}: no result"),
    };
    cover.results[index] += 1;
    cover.dialled += usize::from(check.dialled.is_some());
    let emergency = matches!(trigger, Trigger::DialledVerified(e) if numbers.is_emergency(e));
    cover.emergency += usize::from(emergency && check.dialled.is_some());
    cover.preempted += usize::from(check.preempted && check.dialled.is_some());
    cover.bridged += usize::from(check.bridged);
    cover.rejected += check.rejected.len();
    let timed_out = report
        .cleared
        .iter()
        .filter(|c| c.how == ClearedHow::TimedOut);
    cover.timed_out += timed_out.count();
    cover.won_over_another += usize::from(check.winner.is_some() && ring_reply > 1);
    cover.late += check.late;
}

#[test]
fn random_event_sequences_keep_the_invariants() {
    let mut cover = Coverage::default();
    for seed in 0..3000 {
        fuzz_one(seed, &mut cover);
    }
    // The runs reach every part of the machine, not just the easy exits.
    assert!(
        cover.results.iter().all(|&n| n >= 100),
        "{:?}",
        cover.results
    );
    assert!(cover.dialled >= 1000, "dialled {}", cover.dialled);
    assert!(cover.emergency >= 300, "emergency {}", cover.emergency);
    assert!(cover.preempted >= 150, "preempted {}", cover.preempted);
    assert!(cover.bridged >= 300, "bridged {}", cover.bridged);
    assert!(cover.rejected >= 400, "rejected {}", cover.rejected);
    assert!(cover.timed_out >= 2000, "timed out {}", cover.timed_out);
    assert!(cover.won_over_another >= 120, "{}", cover.won_over_another);
    assert!(cover.late >= 25, "late answers {}", cover.late);
}
