//! The digit challenge: the right digit passing, a wrong digit then the
//! right one, two wrong digits failing, non-digit keys, no key timing out,
//! when the digit timer starts, and one retry budget for both.

use crate::support::{play, secs, Shell, CHALLENGE_4};
use ivr::{Action, ChallengeSettings, Event, Outcome, Prompt};

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
