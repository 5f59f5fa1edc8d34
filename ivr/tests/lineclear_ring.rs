//! Line-clear callback scenarios on a virtual clock, for ringing the
//! resident's phones back (first to answer wins, the others cancelled, a
//! late answer hung up, no answer, phones reported late) and for the
//! clearing proof the call log keeps.
//!
//! Does not own: the simulated runtime (see `lineclear_support`) or the
//! rest of the callback (`lineclear/`).

mod lineclear_support;

use std::time::Instant;

use ivr::lineclear::Dialled;
use ivr::{
    Callback, CallbackAction, CallbackEvent, CallbackLog, CallbackPrompt, CallbackResult,
    CallbackSettings, Clearance, ClearedHow, ClearingProof, LegId, LegState, Mentioned, Trigger,
};
use lineclear_support::{ms, numbers, secs, Sim, EMERGENCY_999, FRAUDSTER, RINGING};

use CallbackAction::{ByePhone, CancelPhone, Finished, RingPhones, TakePhone};
use CallbackEvent::{Dtmf, PhoneAnswered, PhoneFailed, PhoneGone, PhoneHungUp, Rang};

const RISKY: Trigger = Trigger::RiskyCall {
    mentioned: Mentioned::Police,
};

fn legs() -> [(LegId, LegState); 2] {
    [(FRAUDSTER, LegState::Confirmed), (RINGING, LegState::Early)]
}

fn ended(s: &Sim, at: std::time::Duration, result: CallbackResult) -> CallbackAction {
    CallbackAction::Log(CallbackLog::Ended {
        at: s.start + at,
        result,
    })
}

#[test]
fn two_phones_ring_the_first_to_answer_wins_and_the_other_is_cancelled() {
    let mut s = Sim::ringing(Trigger::FeatureCode, &[], 2);
    assert_eq!(s.when(&RingPhones), Some(secs(0)), "an empty line is clear");
    s.send(secs(3), PhoneAnswered { phone: 1 });
    let tail = s.since(secs(3));
    assert_eq!(
        tail[..2],
        [(secs(3), CancelPhone(0)), (secs(3), TakePhone(1))]
    );
    let menu = s.menu();
    assert!(
        matches!(&tail[2].1, CallbackAction::Play { prompt, .. } if *prompt == CallbackPrompt::Menu { menu }),
        "{tail:?}"
    );
    assert_eq!(tail.len(), 3, "one step: cancel, take, play");
    // The cancelled phone's 487 ends its leg; the resident's keys count.
    s.send(
        ms(3_100),
        PhoneFailed {
            phone: 0,
            status: 487,
        },
    );
    s.prompt_done(secs(10));
    s.send(secs(11), Dtmf('1'));
    assert_eq!(s.dials(), vec![(secs(11), 0)]);
    // The resident hangs up before the police answer.
    s.send(secs(15), PhoneHungUp { phone: 1 });
    assert_eq!(s.since(secs(15))[0], (secs(15), CallbackAction::CancelFar));
    assert_eq!(s.cb.result(), Some(CallbackResult::ResidentHungUp));
    s.send(ms(15_200), CallbackEvent::FarGone);
    assert_eq!(s.when(&Finished), Some(ms(15_200)));
    assert_eq!(s.count(&TakePhone(0)), 0);
    assert_eq!(s.count(&ByePhone(0)), 0, "a failed phone needs no BYE");
}

#[test]
fn an_answer_after_another_phone_won_gets_bye_bounded_by_the_teardown() {
    let mut s = Sim::ringing(RISKY, &[], 2);
    s.send(secs(2), PhoneAnswered { phone: 0 });
    assert_eq!(
        s.since(secs(2))[..2],
        [(secs(2), CancelPhone(1)), (secs(2), TakePhone(0))]
    );
    let (_, prompt) = s.last_prompt();
    assert!(matches!(prompt, CallbackPrompt::Offer { .. }), "{prompt:?}");
    // Phone 1's 200 crossed our CANCEL: it gets BYE, and nothing else.
    s.send(ms(2_050), PhoneAnswered { phone: 1 });
    assert_eq!(s.since(ms(2_050)), vec![(ms(2_050), ByePhone(1))]);
    // Its answer again, or its failure now, changes nothing.
    s.send(ms(2_060), PhoneAnswered { phone: 1 });
    s.send(
        ms(2_070),
        PhoneFailed {
            phone: 1,
            status: 500,
        },
    );
    assert_eq!(s.since(ms(2_051)), vec![]);
    // The resident hangs up; phone 1 never confirms our BYE.
    s.send(secs(5), PhoneHungUp { phone: 0 });
    assert_eq!(s.cb.result(), Some(CallbackResult::ResidentHungUp));
    assert_eq!(s.count(&Finished), 0, "phone 1 is still being hung up");
    s.run();
    assert_eq!(s.when(&Finished), Some(ms(6_050)), "BYE at 2.05 s + 4 s");
}

#[test]
fn no_phone_answering_cancels_every_one_and_gives_up_on_a_silent_one() {
    let mut s = Sim::ringing(Trigger::FeatureCode, &[], 2);
    s.run_to(secs(30));
    assert_eq!(
        s.since(secs(30)),
        vec![
            (secs(30), CancelPhone(0)),
            (secs(30), CancelPhone(1)),
            (
                secs(30),
                ended(&s, secs(30), CallbackResult::ResidentNoAnswer)
            ),
        ]
    );
    s.send(
        ms(30_100),
        PhoneFailed {
            phone: 0,
            status: 487,
        },
    );
    assert_eq!(s.count(&Finished), 0);
    s.run();
    assert_eq!(s.when(&Finished), Some(secs(34)), "phone 1 given up on");
    assert_eq!(s.dials(), vec![]);
}

#[test]
fn every_phone_failing_or_none_to_ring_is_no_answer() {
    let mut s = Sim::ringing(Trigger::FeatureCode, &[], 2);
    s.send(
        secs(1),
        PhoneFailed {
            phone: 0,
            status: 486,
        },
    );
    assert_eq!(s.cb.result(), None, "phone 1 still rings");
    // An event for a phone never rung is ignored.
    s.send(
        secs(1),
        PhoneFailed {
            phone: 5,
            status: 486,
        },
    );
    s.send(secs(2), PhoneGone { phone: 1 });
    assert_eq!(s.cb.result(), None, "not ours to end: it rings");
    s.send(
        secs(2),
        PhoneFailed {
            phone: 1,
            status: 480,
        },
    );
    assert_eq!(
        s.since(secs(1)),
        vec![
            (
                secs(2),
                ended(&s, secs(2), CallbackResult::ResidentNoAnswer)
            ),
            (secs(2), Finished),
        ]
    );
    assert_eq!(s.count(&CancelPhone(0)) + s.count(&CancelPhone(1)), 0);

    let s = Sim::ringing(Trigger::FeatureCode, &[], 0);
    assert_eq!(s.when(&Finished), Some(secs(0)), "a line with no phone");
    assert_eq!(s.cb.result(), Some(CallbackResult::ResidentNoAnswer));
}

#[test]
fn phones_reported_after_the_ringing_timed_out_are_cancelled_at_once() {
    let t0 = Instant::now();
    let numbers = numbers();
    let settings = CallbackSettings::default();
    let drain = |cb: &mut Callback| std::iter::from_fn(|| cb.poll_action()).collect::<Vec<_>>();
    for reported in [true, false] {
        let mut cb = Callback::new(&settings, &numbers, Trigger::FeatureCode, &[], t0).unwrap();
        assert!(drain(&mut cb).contains(&RingPhones));
        cb.handle_timeout(t0 + secs(30));
        let no_answer = CallbackLog::Ended {
            at: t0 + secs(30),
            result: CallbackResult::ResidentNoAnswer,
        };
        assert_eq!(drain(&mut cb), vec![CallbackAction::Log(no_answer)]);
        assert_eq!(cb.poll_timeout(), Some(t0 + secs(34)), "the report awaited");
        if reported {
            cb.handle_event(t0 + secs(31), Rang { phones: 2 });
            assert_eq!(drain(&mut cb), vec![CancelPhone(0), CancelPhone(1)]);
            cb.handle_event(t0 + ms(31_100), PhoneAnswered { phone: 0 });
            assert_eq!(drain(&mut cb), vec![ByePhone(0)], "too late to win");
            cb.handle_event(t0 + ms(31_200), PhoneGone { phone: 0 });
            cb.handle_event(
                t0 + ms(31_200),
                PhoneFailed {
                    phone: 1,
                    status: 487,
                },
            );
            assert_eq!(drain(&mut cb), vec![Finished]);
        } else {
            cb.handle_timeout(t0 + secs(34));
            assert_eq!(drain(&mut cb), vec![Finished]);
            cb.handle_event(t0 + secs(35), Rang { phones: 2 });
            assert_eq!(drain(&mut cb), vec![], "finished: ignored");
        }
    }
}

#[test]
fn the_proof_records_each_clearance_the_clear_line_the_start_after_it_and_the_number() {
    let mut s = Sim::new(RISKY, &legs());
    s.send(ms(500), CallbackEvent::LegEnded(RINGING));
    s.run_to(secs(5)); // the fraudster ignores BYE: given up on at 4 s
    s.send(secs(6), PhoneAnswered { phone: 0 });
    s.prompt_done(secs(20));
    s.send(secs(22), Dtmf('3'));
    let at = |d| s.start + d;
    let expected = ClearingProof {
        began: s.start,
        cleared: vec![
            Clearance {
                leg: RINGING,
                at: at(ms(500)),
                how: ClearedHow::Ended,
            },
            Clearance {
                leg: FRAUDSTER,
                at: at(secs(4)),
                how: ClearedHow::TimedOut,
            },
        ],
        line_clear_at: Some(at(secs(4))),
        started_at: Some(at(secs(4))),
        dialled: Some(Dialled {
            entry: 2,
            number: "+448001234567".into(),
            at: at(secs(22)),
        }),
    };
    let proof = s.cb.proof();
    assert_eq!(proof, expected);
    assert!(proof.started_after_clear());
    assert_eq!(proof.since_began(at(secs(4))), secs(4));
    assert_eq!(
        proof.since_began(s.start - ms(1)),
        secs(0),
        "never negative"
    );
}

#[test]
fn the_proof_shows_a_preempted_leg_and_a_callback_that_never_started() {
    // 999: the fraudster is given up on at the emergency cap.
    let mut s = Sim::new(Trigger::DialledVerified(EMERGENCY_999), &legs());
    s.send(ms(100), CallbackEvent::LegEnded(RINGING));
    s.run_to(secs(3));
    let proof = s.cb.proof();
    assert_eq!(proof.cleared[1].how, ClearedHow::Preempted);
    assert_eq!(proof.line_clear_at, Some(s.start + secs(2)));
    assert!(proof.started_after_clear());
    let dialled = proof.dialled.expect("999 dialled");
    assert_eq!(
        (dialled.number.as_str(), dialled.at),
        ("999", s.start + secs(2))
    );

    // The resident hangs up while the line clears: nothing starts.
    let mut s = Sim::new(Trigger::DialledVerified(1), &legs());
    s.send(ms(500), CallbackEvent::ResidentHungUp);
    s.run();
    let proof = s.cb.proof();
    assert_eq!(proof.cleared.len(), 2);
    assert_eq!(proof.line_clear_at, Some(s.start + secs(4)));
    assert_eq!((proof.started_at, &proof.dialled), (None, &None));
    assert!(!proof.started_after_clear());
}
