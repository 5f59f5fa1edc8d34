//! Screening robustness on a virtual clock: stale and missing
//! `PromptFinished`, the prompt guard, late or degenerate timers,
//! determinism of the digit, settings handling, and a seeded fuzz of the
//! "say your name" step.
//!
//! Does not own: the simulated shell (see `support`) or the main flow
//! scenarios (see `screening/`).

mod support;

use std::time::{Duration, Instant};

use ivr::{Action, ChallengeSettings, Event, Outcome, Prompt, PromptId, ScreeningCall, NAME_GUARD};
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
    assert_eq!(
        Prompt::SayName.to_string(),
        "After the tone, please say your name."
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

#[test]
fn name_prompt_guard_stands_in_for_its_missing_prompt_finished() {
    let settings = ChallengeSettings {
        fixed_digit: Some(4),
        notice: false,
        ask_name: true,
        ..ChallengeSettings::default()
    };
    let mut s = Shell::new(&settings, 0);
    s.unreported = |p| p == Prompt::SayName;
    s.name_length = None;
    s.press(secs(1), '4');
    s.run();
    // SayName taken as finished at 31 s; the recording guard at 35 s.
    let tail = vec![
        (secs(1), play(1, Prompt::SayName)),
        (secs(31), Action::RecordName),
        (secs(35), Action::StopNameRecording),
        (secs(35), Action::Outcome(Outcome::Passed)),
        (secs(35), play(2, Prompt::Connecting)),
        (secs(37), Action::Connected),
    ];
    assert_eq!(s.trace[2..], tail);
}

#[test]
fn late_handle_timeout_runs_the_name_step_to_connected() {
    let t0 = Instant::now();
    let settings = ChallengeSettings {
        fixed_digit: Some(4),
        ask_name: true,
        ..ChallengeSettings::default()
    };
    let mut call = ScreeningCall::new(&settings, &mut fastrand::Rng::with_seed(1), t0);
    call.handle_event(t0 + secs(1), Event::Dtmf('4'));
    call.handle_timeout(t0 + secs(1000));
    let actions: Vec<Action> = std::iter::from_fn(|| call.poll_action()).collect();
    let expected = vec![
        Action::Answer,
        play(0, Prompt::Notice),
        play(1, CHALLENGE_4),
        Action::StopPlayback,
        play(2, Prompt::SayName),
        Action::RecordName,
        Action::StopNameRecording,
        Action::Outcome(Outcome::Passed),
        play(3, Prompt::Connecting),
        Action::Connected,
    ];
    assert_eq!(actions, expected);
    assert_eq!(call.poll_timeout(), None);
}

/// Random keys, prompt ends, name reports and hang-ups at random times,
/// with the name step on: the flow always ends (connected or finished),
/// with exactly one outcome, and the name step keeps its order.
#[test]
fn random_events_with_the_name_step_keep_the_invariants() {
    let mut passed = 0;
    let mut guarded = 0;
    let mut abandoned_naming = 0;
    for seed in 0..2000u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let settings = ChallengeSettings {
            notice: rng.bool(),
            fixed_digit: Some(rng.u8(0..=9)),
            digit_timeout: secs(rng.u64(1..=8)),
            retries: rng.u8(0..=2),
            prompt_guard: secs(rng.u64(1..=10)),
            answer_after: secs(rng.u64(0..=2)),
            ask_name: true,
        };
        let digit = char::from(b'0' + settings.fixed_digit.unwrap_or(0));
        let t0 = Instant::now();
        let mut call = ScreeningCall::new(&settings, &mut rng, t0);
        let mut now = t0;
        let mut seen: Vec<Action> = Vec::new();
        let drain = |call: &mut ScreeningCall, seen: &mut Vec<Action>| {
            while let Some(a) = call.poll_action() {
                seen.push(a);
            }
        };
        drain(&mut call, &mut seen);
        for _ in 0..rng.usize(0..30) {
            now += Duration::from_millis(rng.u64(0..=4_000));
            if rng.u8(0..4) != 0 {
                call.handle_timeout(now);
            }
            let event = match rng.u8(0..10) {
                0..=2 => Event::Dtmf(digit),
                3 => Event::Dtmf(['1', '*', '#', '9'][rng.usize(0..4)]),
                4..=6 => Event::PromptFinished(PromptId(rng.u32(0..6))),
                7..=8 => Event::NameRecorded,
                _ if rng.u8(0..4) == 0 => Event::CallerHungUp,
                _ => Event::Dtmf(digit),
            };
            call.handle_event(now, event);
            drain(&mut call, &mut seen);
            if let Some(at) = call.poll_timeout() {
                assert!(at >= t0, "seed {seed}");
            }
        }
        call.handle_timeout(now + secs(100_000));
        drain(&mut call, &mut seen);
        assert_eq!(call.poll_timeout(), None, "seed {seed}: still waiting");

        let outcomes: Vec<Outcome> = seen
            .iter()
            .filter_map(|a| match a {
                Action::Outcome(o) => Some(*o),
                _ => None,
            })
            .collect();
        assert_eq!(outcomes.len(), 1, "seed {seed}: {seen:?}");
        let position = |wanted: fn(&Action) -> bool| seen.iter().position(wanted);
        let asked = position(|a| {
            matches!(
                a,
                Action::Play {
                    prompt: Prompt::SayName,
                    ..
                }
            )
        });
        let record = position(|a| *a == Action::RecordName);
        let stop = position(|a| *a == Action::StopNameRecording);
        let outcome = position(|a| matches!(a, Action::Outcome(_)));
        let connected = position(|a| *a == Action::Connected);
        let count = |wanted: Action| seen.iter().filter(|&&a| a == wanted).count();
        assert!(count(Action::RecordName) <= 1, "seed {seed}: {seen:?}");
        assert!(count(Action::StopNameRecording) <= 1, "seed {seed}");
        assert!(record.is_none() || asked < record, "seed {seed}: {seen:?}");
        assert!(stop.is_none() || record < stop, "seed {seed}: {seen:?}");
        match outcomes[0] {
            Outcome::Passed => {
                // Passed only once the name step is over.
                assert!(record.is_some() && record < outcome, "seed {seed}");
                assert!(stop.is_none() || stop < outcome, "seed {seed}");
                passed += 1;
                guarded += usize::from(stop.is_some());
                assert!(
                    connected.is_some() || call.is_finished(),
                    "seed {seed}: passed but neither connected nor over"
                );
            }
            Outcome::Abandoned => {
                assert!(call.is_finished() && connected.is_none(), "seed {seed}");
                abandoned_naming += usize::from(asked.is_some());
            }
            Outcome::Failed | Outcome::Timeout => {
                assert!(asked.is_none(), "seed {seed}: failed after the name");
                assert!(call.is_finished(), "seed {seed}: {seen:?}");
            }
            other => panic!("seed {seed}: {other:?}"),
        }
        assert!(
            connected.is_none() || connected > outcome,
            "seed {seed}: connected before passing"
        );
    }
    assert!(passed >= 200, "passed {passed}");
    assert!(guarded >= 20, "guarded {guarded}");
    assert!(
        abandoned_naming >= 20,
        "abandoned naming {abandoned_naming}"
    );
    assert!(NAME_GUARD > ivr::NAME_MAX);
}
