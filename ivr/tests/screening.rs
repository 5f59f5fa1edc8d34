//! Screening flow scenarios on a virtual clock: pass, retry, fail, timeout,
//! barge-in, the caller hanging up, and the optional "say your name" step.
//!
//! Does not own: the simulated shell (see `support`) or the robustness,
//! determinism and settings checks (see `screening_robustness.rs`).

mod support;

use std::time::Instant;

use ivr::{Action, ChallengeSettings, Event, Outcome, Prompt, PromptId, ScreeningCall};
use support::{play, secs, Shell, CHALLENGE_4};

#[test]
fn right_digit_after_challenge_passes_and_connects() {
    let mut s = Shell::fixed(4);
    s.press(secs(6), '4');
    s.run();
    let expected = vec![
        (secs(0), play(0, Prompt::Notice)),
        (secs(0), play(1, CHALLENGE_4)),
        (secs(6), Action::Outcome(Outcome::Passed)),
        (secs(6), play(2, Prompt::Connecting)),
        (secs(8), Action::Connected),
    ];
    assert_eq!(s.trace, expected);
    assert_eq!(s.call.outcome(), Some(Outcome::Passed));
    assert!(!s.call.is_finished(), "a connected call stays up");

    s.send(secs(100), Event::CallerHungUp);
    assert!(s.call.is_finished());
    assert_eq!(s.call.outcome(), Some(Outcome::Passed));
    assert_eq!(s.trace, expected, "hanging up after passing emits nothing");
}

#[test]
fn wrong_digit_then_right_digit_passes() {
    let mut s = Shell::fixed(4);
    s.press(secs(6), '5');
    s.press(secs(9), '4'); // during the repeated challenge (8 s to 10 s)
    s.run();
    let expected = vec![
        (secs(0), play(0, Prompt::Notice)),
        (secs(0), play(1, CHALLENGE_4)),
        (secs(6), play(2, Prompt::WrongKey)),
        (secs(6), play(3, CHALLENGE_4)),
        (secs(9), Action::StopPlayback),
        (secs(9), Action::Outcome(Outcome::Passed)),
        (secs(9), play(4, Prompt::Connecting)),
        (secs(11), Action::Connected),
    ];
    assert_eq!(s.trace, expected);
}

#[test]
fn two_wrong_digits_fail_with_goodbye_then_hangup() {
    let mut s = Shell::fixed(4);
    s.press(secs(6), '9');
    s.press(secs(11), '0'); // after the repeated challenge ended at 10 s
    s.run();
    let expected = vec![
        (secs(0), play(0, Prompt::Notice)),
        (secs(0), play(1, CHALLENGE_4)),
        (secs(6), play(2, Prompt::WrongKey)),
        (secs(6), play(3, CHALLENGE_4)),
        (secs(11), Action::Outcome(Outcome::Failed)),
        (secs(11), play(4, Prompt::Goodbye)),
        (secs(15), Action::Hangup),
    ];
    assert_eq!(s.trace, expected);
    assert!(s.call.is_finished());
    assert_eq!(s.call.outcome(), Some(Outcome::Failed));
}

#[test]
fn non_digit_keys_count_as_wrong_keys() {
    let mut s = Shell::new(&ChallengeSettings::default(), 3);
    s.press(secs(1), '*');
    s.press(secs(4), '#');
    s.run();
    assert_eq!(s.outcomes(), vec![Outcome::Failed]);
    assert_eq!(s.count(Action::Hangup), 1);
}

#[test]
fn no_key_at_all_retries_once_then_times_out() {
    let mut s = Shell::fixed(4);
    s.run();
    // Notice 0-3 s, challenge 3-5 s, timer to 11 s; NoKey 11-13 s,
    // challenge 13-15 s, timer to 21 s; goodbye 21-25 s.
    let expected = vec![
        (secs(0), play(0, Prompt::Notice)),
        (secs(0), play(1, CHALLENGE_4)),
        (secs(11), play(2, Prompt::NoKey)),
        (secs(11), play(3, CHALLENGE_4)),
        (secs(21), Action::Outcome(Outcome::Timeout)),
        (secs(21), play(4, Prompt::Goodbye)),
        (secs(25), Action::Hangup),
    ];
    assert_eq!(s.trace, expected);
    assert!(s.call.is_finished());
}

#[test]
fn digit_timer_starts_only_when_the_challenge_ends() {
    let mut s = Shell::fixed(4);
    s.run_to(secs(4)); // the challenge is playing; only its guard is pending
    assert_eq!(s.call.poll_timeout(), Some(s.start + secs(3) + secs(30)));
    s.run_to(secs(5));
    assert_eq!(s.call.poll_timeout(), Some(s.start + secs(11)));
}

#[test]
fn retries_are_one_budget_for_wrong_keys_and_timeouts() {
    let mut s = Shell::fixed(4);
    s.press(secs(6), '1'); // uses the only retry
    s.run(); // then no key: timeout straight away, no NoKey prompt
    assert_eq!(s.outcomes(), vec![Outcome::Timeout]);
    assert!(!s.trace.iter().any(|&(_, a)| matches!(
        a,
        Action::Play {
            prompt: Prompt::NoKey,
            ..
        }
    )));
    let settings = ChallengeSettings {
        retries: 0,
        notice: false,
        ..ChallengeSettings::default()
    };
    let mut s = Shell::new(&settings, 9);
    s.press(secs(1), s.wrong_key());
    assert_eq!(
        s.call.outcome(),
        Some(Outcome::Failed),
        "no retries: first wrong key fails"
    );
}

#[test]
fn caller_hanging_up_mid_prompt_is_abandoned_without_hangup() {
    let mut s = Shell::fixed(4);
    s.send(secs(4), Event::CallerHungUp); // during the challenge
    assert_eq!(
        s.trace[2..],
        [(secs(4), Action::Outcome(Outcome::Abandoned))]
    );
    assert!(s.call.is_finished());
    assert_eq!(s.call.outcome(), Some(Outcome::Abandoned));
    assert_eq!(s.call.poll_timeout(), None);
    s.press(secs(5), '4');
    s.send(secs(6), Event::PromptFinished(PromptId(1)));
    s.call.handle_timeout(s.start + secs(1000));
    assert_eq!(s.call.poll_action(), None, "a finished call does nothing");
    assert_eq!(s.trace.len(), 3);
}

#[test]
fn hangup_drops_undrained_playback_but_keeps_the_outcome() {
    let t0 = Instant::now();
    let settings = ChallengeSettings::default();
    let mut call = ScreeningCall::new(&settings, &mut fastrand::Rng::with_seed(1), t0);
    call.handle_event(t0, Event::CallerHungUp);
    assert_eq!(
        call.poll_action(),
        Some(Action::Outcome(Outcome::Abandoned))
    );
    assert_eq!(call.poll_action(), None);
}

#[test]
fn digit_during_notice_barges_in_and_passes() {
    let mut s = Shell::fixed(4);
    s.press(secs(1), '4');
    s.run();
    let expected = vec![
        (secs(0), play(0, Prompt::Notice)),
        (secs(0), play(1, CHALLENGE_4)),
        (secs(1), Action::StopPlayback),
        (secs(1), Action::Outcome(Outcome::Passed)),
        (secs(1), play(2, Prompt::Connecting)),
        (secs(3), Action::Connected),
    ];
    assert_eq!(s.trace, expected);
}

#[test]
fn digit_during_goodbye_is_ignored() {
    let mut s = Shell::fixed(4);
    s.press(secs(1), '1');
    s.press(secs(2), '2'); // failed at 2 s, goodbye plays 2-6 s
    let before = s.trace.len();
    s.press(secs(3), '4');
    assert_eq!(s.trace.len(), before, "no StopPlayback, no second outcome");
    s.run();
    assert_eq!(s.trace[before..], [(secs(6), Action::Hangup)]);
    assert_eq!(s.outcomes(), vec![Outcome::Failed]);
}

#[test]
fn answers_at_once_without_an_answer_delay() {
    let mut s = Shell::fixed(4);
    s.run();
    assert_eq!(s.signalling, vec![(secs(0), Action::Answer)]);
}

#[test]
fn rings_then_answers_after_the_delay_and_only_then_prompts() {
    let settings = ChallengeSettings {
        fixed_digit: Some(4),
        answer_after: secs(3),
        ..ChallengeSettings::default()
    };
    let mut s = Shell::new(&settings, 0);
    // A key pressed while ringing does nothing.
    s.press(secs(1), '4');
    s.press(secs(9), '4');
    s.run();
    assert_eq!(
        s.signalling,
        vec![(secs(0), Action::Ring), (secs(3), Action::Answer)]
    );
    assert_eq!(s.trace.first(), Some(&(secs(3), play(0, Prompt::Notice))));
    assert_eq!(s.call.outcome(), Some(Outcome::Passed));
}

#[test]
fn caller_giving_up_while_ringing_is_abandoned() {
    let settings = ChallengeSettings {
        answer_after: secs(5),
        ..ChallengeSettings::default()
    };
    let mut s = Shell::new(&settings, 0);
    s.send(secs(2), Event::CallerHungUp);
    assert_eq!(s.signalling, vec![(secs(0), Action::Ring)]);
    assert_eq!(
        s.trace,
        vec![(secs(2), Action::Outcome(Outcome::Abandoned))]
    );
    assert_eq!(s.call.poll_timeout(), None);
}

mod say_your_name {
    use std::time::Instant;

    use ivr::{
        Action, AllowReason, ChallengeSettings, Decision, Event, Outcome, Prompt, ScreeningCall,
        NAME_GUARD,
    };

    use crate::support::{play, secs, Shell, CHALLENGE_4};

    fn asking(notice: bool) -> ChallengeSettings {
        ChallengeSettings {
            fixed_digit: Some(4),
            notice,
            ask_name: true,
            ..ChallengeSettings::default()
        }
    }

    #[test]
    fn right_digit_asks_for_the_name_records_it_then_passes() {
        let mut s = Shell::new(&asking(true), 0);
        s.press(secs(6), '4');
        // SayName plays 6-8 s; the name is recorded 8-10 s.
        s.run_to(secs(9));
        assert_eq!(s.call.outcome(), None, "not passed while recording");
        assert_eq!(s.call.poll_timeout(), Some(s.start + secs(8) + NAME_GUARD));
        s.run();
        let expected = vec![
            (secs(0), play(0, Prompt::Notice)),
            (secs(0), play(1, CHALLENGE_4)),
            (secs(6), play(2, Prompt::SayName)),
            (secs(8), Action::RecordName),
            (secs(10), Action::Outcome(Outcome::Passed)),
            (secs(10), play(3, Prompt::Connecting)),
            (secs(12), Action::Connected),
        ];
        assert_eq!(s.trace, expected);
        assert_eq!(s.call.outcome(), Some(Outcome::Passed));
        assert!(!s.call.is_finished(), "a connected call stays up");
    }

    #[test]
    fn keys_during_the_name_step_are_ignored() {
        let mut s = Shell::new(&asking(false), 0);
        s.press(secs(1), '4'); // barges into the challenge
        s.press(secs(2), '4'); // during SayName (1-3 s)
        s.press(secs(3), '9');
        s.press(secs(4), '#'); // while recording (3-5 s)
        s.run();
        let expected = vec![
            (secs(0), play(0, CHALLENGE_4)),
            (secs(1), Action::StopPlayback),
            (secs(1), play(1, Prompt::SayName)),
            (secs(3), Action::RecordName),
            (secs(5), Action::Outcome(Outcome::Passed)),
            (secs(5), play(2, Prompt::Connecting)),
            (secs(7), Action::Connected),
        ];
        assert_eq!(s.trace, expected);
    }

    #[test]
    fn a_recording_that_never_reports_its_end_is_stopped_by_the_guard() {
        let mut s = Shell::new(&asking(false), 0);
        s.name_length = None;
        s.press(secs(1), '4');
        s.run();
        let expected = vec![
            (secs(0), play(0, CHALLENGE_4)),
            (secs(1), Action::StopPlayback),
            (secs(1), play(1, Prompt::SayName)),
            (secs(3), Action::RecordName),
            (secs(7), Action::StopNameRecording),
            (secs(7), Action::Outcome(Outcome::Passed)),
            (secs(7), play(2, Prompt::Connecting)),
            (secs(9), Action::Connected),
        ];
        assert_eq!(s.trace, expected);
        // A report after the guard changes nothing.
        s.send(secs(10), Event::NameRecorded);
        assert_eq!(s.trace, expected);
    }

    #[test]
    fn wrong_key_then_right_key_asks_for_the_name() {
        let mut s = Shell::new(&asking(false), 0);
        s.press(secs(3), '5'); // WrongKey 3-5 s, challenge 5-7 s
        s.press(secs(8), '4');
        s.run();
        assert_eq!(s.trace[3], (secs(8), play(3, Prompt::SayName)));
        assert_eq!(s.count(Action::RecordName), 1);
        assert_eq!(s.outcomes(), vec![Outcome::Passed]);
    }

    #[test]
    fn caller_hanging_up_during_the_name_step_has_abandoned() {
        // During the SayName prompt.
        let mut s = Shell::new(&asking(false), 0);
        s.press(secs(1), '4');
        s.send(secs(2), Event::CallerHungUp);
        assert_eq!(
            s.trace.last(),
            Some(&(secs(2), Action::Outcome(Outcome::Abandoned)))
        );
        assert!(s.call.is_finished());
        assert_eq!(s.call.poll_timeout(), None);

        // While recording: no StopNameRecording, no connecting prompt.
        let mut s = Shell::new(&asking(false), 0);
        s.press(secs(1), '4');
        s.send(secs(4), Event::CallerHungUp);
        let expected = vec![
            (secs(0), play(0, CHALLENGE_4)),
            (secs(1), Action::StopPlayback),
            (secs(1), play(1, Prompt::SayName)),
            (secs(3), Action::RecordName),
            (secs(4), Action::Outcome(Outcome::Abandoned)),
        ];
        assert_eq!(s.trace, expected);
        assert_eq!(s.call.poll_timeout(), None);
        s.send(secs(5), Event::NameRecorded);
        s.call.handle_timeout(s.start + secs(100));
        s.drain();
        assert_eq!(s.trace, expected, "a finished call does nothing");
        assert_eq!(s.call.outcome(), Some(Outcome::Abandoned));
    }

    #[test]
    fn a_name_reported_out_of_turn_is_ignored() {
        let mut s = Shell::new(&asking(false), 0);
        s.send(secs(1), Event::NameRecorded); // during the challenge
        s.press(secs(3), '4');
        s.send(secs(4), Event::NameRecorded); // SayName still playing
        s.run();
        assert_eq!(s.count(Action::RecordName), 1);
        assert_eq!(s.count(Action::StopNameRecording), 0);
        assert_eq!(s.trace.last(), Some(&(secs(9), Action::Connected)));

        // Without ask_name the event never does anything.
        let mut s = Shell::fixed(4);
        s.send(secs(1), Event::NameRecorded);
        s.press(secs(6), '4');
        s.send(secs(7), Event::NameRecorded);
        s.run();
        assert_eq!(s.trace.len(), 5);
        assert_eq!(s.trace.last(), Some(&(secs(8), Action::Connected)));
    }

    #[test]
    fn callers_let_through_are_not_asked_for_their_name() {
        let decision = Decision::RingResident {
            reason: AllowReason::Allowlisted,
        };
        let mut call = ScreeningCall::start(
            &asking(true),
            &decision,
            &mut fastrand::Rng::with_seed(1),
            Instant::now(),
        );
        let actions: Vec<Action> = std::iter::from_fn(|| call.poll_action()).collect();
        assert_eq!(
            actions,
            vec![
                Action::Answer,
                Action::Outcome(Outcome::Allowed),
                Action::Connected
            ]
        );
        assert_eq!(call.poll_timeout(), None);
    }

    #[test]
    fn failing_callers_are_not_asked_for_their_name() {
        let mut s = Shell::new(&asking(false), 0);
        s.run();
        assert_eq!(s.outcomes(), vec![Outcome::Timeout]);
        assert_eq!(s.count(Action::RecordName), 0);
        let asked = |&(_, a): &(_, Action)| {
            matches!(
                a,
                Action::Play {
                    prompt: Prompt::SayName,
                    ..
                }
            )
        };
        assert!(!s.trace.iter().any(asked));
    }
}

mod policy_decisions {
    use std::time::Instant;

    use ivr::{
        Action, AllowReason, ChallengeSettings, Decision, Outcome, Prompt, RejectHow, RejectReason,
        ScreeningCall, SuspiciousReason,
    };

    fn actions(call: &mut ScreeningCall) -> Vec<Action> {
        std::iter::from_fn(|| call.poll_action()).collect()
    }

    fn start(decision: Decision) -> (ScreeningCall, Instant) {
        let t0 = Instant::now();
        let settings = ChallengeSettings {
            fixed_digit: Some(4),
            ..ChallengeSettings::default()
        };
        let call = ScreeningCall::start(&settings, &decision, &mut fastrand::Rng::with_seed(1), t0);
        (call, t0)
    }

    #[test]
    fn declined_callers_are_never_answered() {
        let (mut call, _) = start(Decision::Reject {
            how: RejectHow::Decline,
            reason: RejectReason::Blocked,
        });
        assert_eq!(
            actions(&mut call),
            vec![Action::Outcome(Outcome::Rejected), Action::Decline]
        );
        assert!(call.is_finished());
        assert_eq!(call.poll_timeout(), None);
    }

    #[test]
    fn refused_with_a_message_hears_goodbye_then_is_hung_up_on() {
        let (mut call, t0) = start(Decision::Reject {
            how: RejectHow::MessageThenHangup,
            reason: RejectReason::Blocked,
        });
        let first = actions(&mut call);
        assert_eq!(first[0], Action::Answer);
        assert_eq!(first[1], Action::Outcome(Outcome::Rejected));
        let Action::Play { id, prompt } = first[2] else {
            panic!("{first:?}")
        };
        assert_eq!(prompt, Prompt::Goodbye);
        call.handle_event(
            t0 + std::time::Duration::from_secs(3),
            ivr::Event::PromptFinished(id),
        );
        assert_eq!(actions(&mut call), vec![Action::Hangup]);
        // A key pressed at the goodbye changes nothing.
        call.handle_event(t0, ivr::Event::Dtmf('4'));
        assert_eq!(call.outcome(), Some(Outcome::Rejected));
    }

    #[test]
    fn allowlisted_callers_connect_without_a_challenge() {
        let (mut call, _) = start(Decision::RingResident {
            reason: AllowReason::Allowlisted,
        });
        assert_eq!(
            actions(&mut call),
            vec![
                Action::Answer,
                Action::Outcome(Outcome::Allowed),
                Action::Connected
            ]
        );
        assert_eq!(call.poll_timeout(), None, "nothing to time out");
        assert!(!call.is_finished(), "the call stays up");
    }

    #[test]
    fn suspicious_callers_are_challenged_like_anyone_else() {
        let (mut call, _) = start(Decision::Challenge {
            suspicious: Some(SuspiciousReason::Premium),
        });
        let first = actions(&mut call);
        assert_eq!(first[0], Action::Answer);
        assert!(matches!(
            first[1],
            Action::Play {
                prompt: Prompt::Notice,
                ..
            }
        ));
    }
}
