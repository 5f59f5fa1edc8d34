//! The optional "say your name" step: when it is asked (and when not), the
//! recording and its guard, and the caller hanging up or keying during it.

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
