//! Seeded fuzz: random event sequences at random times, with and without
//! the announcement, checked by `fuzz_checker` and for coverage of every
//! outcome.

use std::time::Instant;

use crate::bridge_support::{ms, secs};
use crate::fuzz_checker::Checker;
use ivr::{
    BridgeCall, BridgeEvent, BridgeOutcome, BridgeSettings, PromptId, ANNOUNCE_GUARD,
    ANNOUNCE_TIMES, ANNOUNCE_WAIT, MAX_PHONES, MESSAGE_PROMPT_GUARD,
};

use BridgeEvent::{
    AnnounceFinished, CallerGone, CallerHungUp, Dtmf, PhoneAnswered, PhoneFailed, PhoneGone,
    PhoneHungUp, PhoneProgress, PromptFinished, ResidentKey,
};

/// A random event; with `announce`, also the resident's keys and the
/// announcement's end, mostly from `announced` (the phone announced to).
fn random_event(
    rng: &mut fastrand::Rng,
    phones: usize,
    announce: bool,
    announced: Option<usize>,
) -> BridgeEvent {
    let phone = if rng.u8(0..10) == 0 {
        rng.usize(phones..phones + 3)
    } else {
        rng.usize(0..phones)
    };
    if announce && rng.u8(0..10) < 3 {
        let phone = match announced {
            Some(p) if rng.u8(0..5) != 0 => p,
            _ => phone,
        };
        return if rng.u8(0..5) < 3 {
            let digit = ['1', '2', '1', '2', '0', '5', '#', '*'][rng.usize(0..8)];
            ResidentKey { phone, digit }
        } else {
            AnnounceFinished { phone }
        };
    }
    match rng.u8(0..100) {
        0..=14 => PhoneProgress {
            phone,
            status: [100, 180, 181, 183, 180][rng.usize(0..5)],
        },
        15..=29 => PhoneAnswered { phone },
        30..=44 => PhoneFailed {
            phone,
            status: [486, 600, 486, 480, 404, 503, 408, 487, 603][rng.usize(0..9)],
        },
        45..=54 => PhoneHungUp { phone },
        55..=69 => PhoneGone { phone },
        70..=77 => CallerHungUp,
        78..=85 => CallerGone,
        86..=95 => PromptFinished(PromptId(rng.u32(0..3))),
        _ => Dtmf(rng.digit(10)),
    }
}

/// What one random run reached, for the coverage check.
#[derive(Default)]
struct Coverage {
    outcomes: [usize; 6],
    announced_twice: usize,
    bridged: usize,
    recorded: usize,
    late_answer_bye: usize,
}

fn fuzz_one(seed: u64, announce: bool, cover: &mut Coverage) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let settings = BridgeSettings {
        phones: rng.usize(1..=MAX_PHONES),
        ring_timeout: ms(rng.u64(0..=40_000)),
        bye_timeout: ms(rng.u64(0..=6_000)),
        voicemail: rng.bool(),
        announce,
        answer_caller: false,
    };
    // A punctual shell fires every deadline at exactly its time; a sloppy
    // one fires them late, or not at all until an event comes.
    let punctual = rng.u8(0..4) != 0;
    let start = Instant::now();
    let mut call = BridgeCall::new(&settings, start);
    let mut check = Checker::new(&settings);
    check.drain(&mut call, start, seed);
    let mut now = start;

    let fire_until = |call: &mut BridgeCall, check: &mut Checker, until: Instant| {
        for _ in 0..1000 {
            let Some(at) = call.poll_timeout().filter(|&at| at <= until) else {
                return;
            };
            call.handle_timeout(at);
            check.drain(call, at, seed);
            if check.finished == Some(at) {
                // A deadline can only finish the call by giving up on a
                // leg, and no leg has longer than bye_timeout from its
                // CANCEL or BYE (a repeated answer must not extend it).
                assert!(
                    check.teardown_end.is_some_and(|end| at <= end),
                    "seed {seed}: finished by a deadline {:?} after the start",
                    at - start
                );
            }
        }
        panic!("seed {seed}: deadlines never run out");
    };

    for _ in 0..rng.usize(0..40) {
        now += ms(rng.u64(0..=8_000));
        if punctual {
            fire_until(&mut call, &mut check, now);
        } else if rng.bool() {
            call.handle_timeout(now);
            check.drain(&mut call, now, seed);
        }
        let event = random_event(&mut rng, settings.phones, announce, call.announced_phone());
        check.event(now, event);
        call.handle_event(now, event);
        check.drain(&mut call, now, seed);
    }

    // Keep firing deadlines: every call ends, except one still bridged.
    if !punctual {
        if let Some(at) = call.poll_timeout() {
            now = now.max(at);
            call.handle_timeout(now);
            check.drain(&mut call, now, seed);
        }
    }
    fire_until(&mut call, &mut check, now + secs(100_000));
    if check.finished.is_none() {
        assert_eq!(call.poll_timeout(), None, "seed {seed}");
        let phone = call.bridged_phone();
        assert!(phone.is_some(), "seed {seed}: stuck without a deadline");
        assert!(
            check.bridged == phone && check.unbridged.is_none(),
            "seed {seed}"
        );
        now = call_now(now, &mut rng);
        let hangup = if rng.bool() {
            CallerHungUp
        } else {
            PhoneHungUp {
                phone: phone.unwrap_or_default(),
            }
        };
        check.event(now, hangup);
        call.handle_event(now, hangup);
        check.drain(&mut call, now, seed);
        fire_until(&mut call, &mut check, now + secs(100_000));
    }
    let Some(finished) = check.finished else {
        panic!("seed {seed}: never finished");
    };
    assert!(
        call.is_finished() && call.poll_timeout().is_none(),
        "seed {seed}"
    );

    if punctual {
        let bye = settings.bye_timeout;
        // The longest message step: voicemail, or with announce the
        // announcements, each waited for in full, then the goodbye.
        let announcing = ANNOUNCE_GUARD + ANNOUNCE_WAIT;
        let declining = u32::from(ANNOUNCE_TIMES) * announcing + MESSAGE_PROMPT_GUARD;
        let message = if announce {
            declining.max(secs(60))
        } else {
            secs(60)
        };
        let mut bound = start + settings.ring_timeout + message + 2 * bye;
        if let Some(unbridged) = check.unbridged {
            bound = bound.max(unbridged + bye);
        }
        assert!(
            finished <= bound,
            "seed {seed}: finished {:?} after the start, bound {:?}",
            finished - start,
            bound - start
        );
        // Tighter: Finished comes with an event, or when the last leg torn
        // down runs out of its own bye_timeout, never later.
        let leg_bound = check.last_event.max(check.teardown_end);
        assert!(
            leg_bound.is_some_and(|b| finished <= b),
            "seed {seed}: finished {:?}, legs down by {:?}",
            finished - start,
            leg_bound.map(|b| b - start)
        );
    }

    // Nothing happens after Finished.
    for _ in 0..5 {
        let event = random_event(&mut rng, settings.phones, announce, call.announced_phone());
        check.event(now, event);
        call.handle_event(now, event);
        call.handle_timeout(now + secs(3600));
        check.drain(&mut call, now, seed);
    }

    let index = match call.outcome() {
        Some(BridgeOutcome::Answered { .. }) => 0,
        Some(BridgeOutcome::NoAnswer) => 1,
        Some(BridgeOutcome::Busy) => 2,
        Some(BridgeOutcome::Unavailable) => 3,
        Some(BridgeOutcome::CallerGaveUp) => 4,
        Some(BridgeOutcome::Declined) => 5,
        None => panic!("seed {seed}: no outcome"),
    };
    cover.outcomes[index] += 1;
    cover.bridged += usize::from(check.bridged.is_some());
    cover.recorded += usize::from(check.recording.is_some());
    let late_byes = (0..settings.phones).filter(|&p| check.byed[p] && check.cancelled[p]);
    cover.late_answer_bye += late_byes.count();
    cover.announced_twice += usize::from(check.announcements == ANNOUNCE_TIMES);
    if !announce {
        assert_eq!(check.announcements, 0, "seed {seed}");
    }
}

fn call_now(now: Instant, rng: &mut fastrand::Rng) -> Instant {
    now + ms(rng.u64(0..=10_000))
}

#[test]
fn random_event_sequences_keep_the_invariants() {
    let mut cover = Coverage::default();
    for seed in 0..2000 {
        fuzz_one(seed, false, &mut cover);
    }
    // The runs reach every part of the machine, not just the easy exits.
    assert!(
        cover.outcomes[..5].iter().all(|&n| n >= 10),
        "{:?}",
        cover.outcomes
    );
    assert_eq!(cover.outcomes[5], 0, "declined without announce");
    assert!(cover.bridged >= 100, "bridged {}", cover.bridged);
    assert!(cover.recorded >= 20, "recorded {}", cover.recorded);
    assert!(
        cover.late_answer_bye >= 20,
        "late answers {}",
        cover.late_answer_bye
    );
}

/// The same, with the resident announced to: never a bridge without a '1'
/// from the phone announced to, and the caller's leg always ends.
#[test]
fn random_event_sequences_with_announce_keep_the_invariants() {
    let mut cover = Coverage::default();
    for seed in 0..2000 {
        fuzz_one(seed, true, &mut cover);
    }
    assert!(
        cover.outcomes.iter().all(|&n| n >= 10),
        "{:?}",
        cover.outcomes
    );
    assert!(cover.bridged >= 50, "bridged {}", cover.bridged);
    assert!(
        cover.announced_twice >= 20,
        "announced twice {}",
        cover.announced_twice
    );
}
