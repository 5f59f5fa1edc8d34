//! Screening flow scenarios on a virtual clock: pass, retry, fail, timeout,
//! barge-in and the caller hanging up.
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
