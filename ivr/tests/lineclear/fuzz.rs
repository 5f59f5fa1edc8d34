//! Seeded fuzz: random event sequences at random times, checked by
//! `fuzz_checker` and for coverage of every result and path.

use std::time::Instant;

use crate::common::RISKY;
use crate::fuzz_checker::Checker;
use crate::lineclear_support::{ms, numbers, secs};
use ivr::{
    Callback, CallbackEvent, CallbackResult, CallbackSettings, ClearedHow, LegId, LegState, Trigger,
};

use CallbackEvent::{
    Dtmf, FarAnswered, FarFailed, FarGone, FarHungUp, LegEnded, NewLeg, PhoneAnswered, PhoneFailed,
    PhoneGone, PhoneHungUp, ResidentGone, ResidentHungUp,
};

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
