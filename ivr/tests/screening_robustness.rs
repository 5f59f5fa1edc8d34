//! Screening robustness on a virtual clock: stale and missing
//! `PromptFinished`, the prompt guard, late or degenerate timers,
//! determinism of the digit, and settings handling.
//!
//! Does not own: the simulated shell (see `support`) or the main flow
//! scenarios (see `screening.rs`).

mod support;

use std::time::{Duration, Instant};

use ivr::{Action, ChallengeSettings, Event, Outcome, Prompt, PromptId, ScreeningCall};
use support::{play, secs, Shell, CHALLENGE_4};

#[test]
fn stale_or_unknown_prompt_finished_is_ignored() {
    let mut s = Shell::fixed(4);
    s.press(secs(1), '7'); // barge-in stops prompts 0 and 1; WrongKey 2 plays
    let guard = s.call.poll_timeout();
    assert_eq!(guard, Some(s.start + secs(31)));
    for id in [0, 1, 99] {
        s.call
            .handle_event(s.now, Event::PromptFinished(PromptId(id)));
    }
    assert_eq!(s.call.poll_action(), None);
    assert_eq!(
        s.call.poll_timeout(),
        guard,
        "no digit timer from the stopped challenge"
    );
    s.run();
    assert_eq!(s.outcomes(), vec![Outcome::Timeout]);
}

#[test]
fn finishing_a_later_prompt_completes_the_earlier_ones() {
    let t0 = Instant::now();
    let settings = ChallengeSettings::default();
    let mut call = ScreeningCall::new(&settings, &mut fastrand::Rng::with_seed(1), t0);
    call.handle_event(t0 + secs(5), Event::PromptFinished(PromptId(1)));
    assert_eq!(call.poll_timeout(), Some(t0 + secs(11)));
}

#[test]
fn prompt_guard_stands_in_for_missing_prompt_finished() {
    let mut s = Shell::fixed(4);
    s.unreported = |_| true;
    s.run();
    // Notice assumed done at 30 s, challenge at 60 s, timer to 66 s; NoKey
    // to 96 s, challenge to 126 s, timer to 132 s; goodbye to 162 s.
    let expected = vec![
        (secs(0), play(0, Prompt::Notice)),
        (secs(0), play(1, CHALLENGE_4)),
        (secs(66), play(2, Prompt::NoKey)),
        (secs(66), play(3, CHALLENGE_4)),
        (secs(132), Action::Outcome(Outcome::Timeout)),
        (secs(132), play(4, Prompt::Goodbye)),
        (secs(162), Action::Hangup),
    ];
    assert_eq!(s.trace, expected);
    assert!(s.call.is_finished());
}

#[test]
fn goodbye_leads_to_hangup_even_if_never_reported() {
    let mut s = Shell::fixed(4);
    s.unreported = |p| p == Prompt::Goodbye;
    s.press(secs(1), '1');
    s.press(secs(2), '2'); // goodbye from 2 s; guard at 32 s
    s.run();
    assert_eq!(s.trace.last(), Some(&(secs(32), Action::Hangup)));
    assert!(s.call.is_finished());
}

#[test]
fn late_handle_timeout_fires_every_expired_deadline() {
    let t0 = Instant::now();
    let settings = ChallengeSettings::default();
    let mut call = ScreeningCall::new(&settings, &mut fastrand::Rng::with_seed(1), t0);
    call.handle_timeout(t0 + secs(1000));
    let actions: Vec<Action> = std::iter::from_fn(|| call.poll_action()).collect();
    assert_eq!(actions.len(), 8, "{actions:?}");
    assert_eq!(actions[0], Action::Answer);
    assert_eq!(actions[5], Action::Outcome(Outcome::Timeout));
    assert_eq!(actions[7], Action::Hangup);
    assert!(call.is_finished());
}

#[test]
fn same_seed_same_trace_and_seeds_vary_the_digit() {
    let script = |seed| {
        let mut s = Shell::new(&ChallengeSettings::default(), seed);
        s.press(secs(7), '3');
        s.run();
        (s.call.digit(), s.trace)
    };
    for seed in [0, 1, 42, u64::MAX] {
        assert_eq!(script(seed), script(seed));
    }
    let mut seen = [false; 10];
    for seed in 0..500 {
        let digit = script(seed).0;
        assert!(digit <= 9);
        seen[usize::from(digit)] = true;
    }
    assert_eq!(seen, [true; 10], "every digit shows up across seeds");
}

#[test]
fn fixed_digit_is_honoured_and_leaves_the_rng_alone() {
    let settings = ChallengeSettings {
        fixed_digit: Some(7),
        notice: false,
        ..ChallengeSettings::default()
    };
    for seed in 0..50 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut call = ScreeningCall::new(&settings, &mut rng, Instant::now());
        assert_eq!(call.digit(), 7);
        assert_eq!(call.poll_action(), Some(Action::Answer));
        let first = call.poll_action();
        assert_eq!(first, Some(play(0, Prompt::Challenge { digit: 7 })));
        assert_eq!(rng.u64(..), fastrand::Rng::with_seed(seed).u64(..));
    }
}

#[test]
fn settings_validation() {
    assert_eq!(ChallengeSettings::default().validate(), Ok(()));
    let bad = |f: fn(&mut ChallengeSettings)| {
        let mut s = ChallengeSettings::default();
        f(&mut s);
        s.validate().is_err()
    };
    assert!(bad(|s| s.fixed_digit = Some(10)));
    assert!(bad(|s| s.digit_timeout = Duration::ZERO));
    assert!(bad(|s| s.prompt_guard = secs(7200)));
    assert!(!bad(|s| s.fixed_digit = Some(9)));
}

#[test]
fn out_of_range_fixed_digit_falls_back_to_random() {
    let settings = ChallengeSettings {
        fixed_digit: Some(12),
        ..ChallengeSettings::default()
    };
    let call = ScreeningCall::new(&settings, &mut fastrand::Rng::with_seed(5), Instant::now());
    assert_eq!(call.digit(), fastrand::Rng::with_seed(5).u8(0..=9));
}

#[test]
fn prompt_wording_and_outcome_names() {
    assert_eq!(
        Prompt::Challenge { digit: 3 }.to_string(),
        "To be connected, press 3."
    );
    assert_eq!(
        Prompt::Notice.to_string(),
        "Calls to this line are screened and may be recorded."
    );
    let names = [
        Outcome::Passed,
        Outcome::Failed,
        Outcome::Timeout,
        Outcome::Abandoned,
    ]
    .map(|o| o.as_str());
    assert_eq!(names, ["passed", "failed", "timeout", "abandoned"]);
}

#[test]
fn zero_durations_still_terminate() {
    let t0 = Instant::now();
    let settings = ChallengeSettings {
        digit_timeout: Duration::ZERO,
        prompt_guard: Duration::ZERO,
        retries: u8::MAX,
        ..ChallengeSettings::default()
    };
    let mut call = ScreeningCall::new(&settings, &mut fastrand::Rng::with_seed(1), t0);
    call.handle_timeout(t0);
    let actions: Vec<Action> = std::iter::from_fn(|| call.poll_action()).collect();
    assert_eq!(actions.last(), Some(&Action::Hangup));
    assert_eq!(call.outcome(), Some(Outcome::Timeout));
    assert!(call.is_finished());
}
