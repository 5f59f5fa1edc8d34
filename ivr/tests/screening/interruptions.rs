//! The caller interrupting: hanging up mid-prompt (abandoned, playback
//! dropped, the outcome kept), a digit barging in on the notice, and
//! keys during the goodbye ignored.

use std::time::Instant;

use crate::support::{play, secs, Shell, CHALLENGE_4};
use ivr::{Action, ChallengeSettings, Event, Outcome, Prompt, PromptId, ScreeningCall};

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
