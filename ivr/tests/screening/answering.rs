//! Answering the call: at once without an answer delay, or ringing for
//! the delay first, and the caller giving up while it rings.

use crate::support::{play, secs, Shell};
use ivr::{Action, ChallengeSettings, Event, Outcome, Prompt};

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
