//! The bridge for a caller not answered yet (`answer_caller`): a seeded
//! fuzz of random event sequences, random settings and a sloppy clock.
//! Whatever happens, the caller is answered at most once and only to be
//! connected or to leave a message, or gets exactly one final response
//! that matches the outcome; nothing is played to, and no BYE sent to, a
//! caller never answered; and once both parties are gone the bridge
//! finishes, once.

use std::time::{Duration, Instant};

use ivr::{BridgeAction, BridgeCall, BridgeEvent, BridgeOutcome, BridgeSettings, PromptId};

#[derive(Default)]
struct Seen {
    answered: bool,
    rejected: Option<u16>,
    relayed: bool,
    outcome: Option<BridgeOutcome>,
    bridged: bool,
    finished: usize,
}

impl Seen {
    fn action(&mut self, action: &BridgeAction, seed: u64) {
        assert_eq!(self.finished, 0, "seed {seed}: {action:?} after Finished");
        let caller_up = self.answered && self.rejected.is_none();
        match *action {
            BridgeAction::RelayProgress(_) => {
                assert!(
                    !self.relayed && !self.answered && self.rejected.is_none(),
                    "seed {seed}: {action:?} once, before the caller's answer"
                );
                self.relayed = true;
            }
            BridgeAction::AnswerCaller => {
                assert!(
                    !self.answered && self.rejected.is_none(),
                    "seed {seed}: answered twice, or after a final response"
                );
                self.answered = true;
            }
            BridgeAction::RejectCaller(status) => {
                assert!(
                    !self.answered && self.rejected.is_none(),
                    "seed {seed}: final response after an answer or a second one"
                );
                let wanted = match self.outcome {
                    Some(BridgeOutcome::Busy) => 486,
                    Some(BridgeOutcome::Declined) => 603,
                    Some(BridgeOutcome::NoAnswer | BridgeOutcome::Unavailable) => 480,
                    other => panic!("seed {seed}: final response after {other:?}"),
                };
                assert_eq!(status, wanted, "seed {seed}");
                self.rejected = Some(status);
            }
            BridgeAction::Bridge { .. } => {
                assert!(caller_up, "seed {seed}: connected an unanswered caller");
                self.bridged = true;
            }
            BridgeAction::Play { .. } | BridgeAction::StartVoicemail | BridgeAction::ByeCaller => {
                assert!(caller_up, "seed {seed}: {action:?} to an unanswered caller");
            }
            BridgeAction::Outcome(o) => {
                assert!(self.outcome.is_none(), "seed {seed}: second outcome");
                self.outcome = Some(o);
            }
            BridgeAction::Finished => self.finished += 1,
            _ => {}
        }
    }
}

fn random_event(rng: &mut fastrand::Rng, phones: usize) -> BridgeEvent {
    let phone = rng.usize(0..phones + 1);
    match rng.u8(0..100) {
        0..=14 => BridgeEvent::PhoneProgress {
            phone,
            status: [100, 180, 183][rng.usize(0..3)],
        },
        15..=27 => BridgeEvent::PhoneAnswered { phone },
        28..=44 => BridgeEvent::PhoneFailed {
            phone,
            status: [486, 600, 603, 480, 404, 408, 487][rng.usize(0..7)],
        },
        45..=52 => BridgeEvent::PhoneHungUp { phone },
        53..=64 => BridgeEvent::PhoneGone { phone },
        65..=70 => BridgeEvent::CallerHungUp,
        71..=76 => BridgeEvent::CallerGone,
        77..=84 => BridgeEvent::PromptFinished(PromptId(rng.u32(0..3))),
        85..=92 => BridgeEvent::ResidentKey {
            phone,
            digit: ['1', '2', '5'][rng.usize(0..3)],
        },
        _ => BridgeEvent::AnnounceFinished { phone },
    }
}

fn drain(call: &mut BridgeCall, seen: &mut Seen, seed: u64) {
    while let Some(action) = call.poll_action() {
        seen.action(&action, seed);
    }
}

fn fuzz_one(seed: u64) -> Seen {
    let mut rng = fastrand::Rng::with_seed(seed);
    let settings = BridgeSettings {
        phones: rng.usize(1..=4),
        ring_timeout: Duration::from_millis(rng.u64(1..=20_000)),
        bye_timeout: Duration::from_millis(rng.u64(1..=4_000)),
        voicemail: rng.bool(),
        announce: rng.bool(),
        answer_caller: true,
    };
    let start = Instant::now();
    let mut call = BridgeCall::new(&settings, start);
    let mut seen = Seen::default();
    drain(&mut call, &mut seen, seed);
    let mut now = start;
    for _ in 0..rng.usize(0..30) {
        now += Duration::from_millis(rng.u64(0..3_000));
        if rng.u8(0..3) == 0 {
            call.handle_timeout(now);
        } else {
            call.handle_event(now, random_event(&mut rng, settings.phones));
        }
        drain(&mut call, &mut seen, seed);
    }
    // Both parties go away: the bridge must finish, once.
    now += Duration::from_millis(10);
    call.handle_event(now, BridgeEvent::CallerHungUp);
    for phone in 0..settings.phones {
        call.handle_event(now, BridgeEvent::PhoneHungUp { phone });
        call.handle_event(now, BridgeEvent::PhoneGone { phone });
    }
    call.handle_event(now, BridgeEvent::CallerGone);
    drain(&mut call, &mut seen, seed);
    call.handle_timeout(now + Duration::from_secs(7200));
    drain(&mut call, &mut seen, seed);
    assert_eq!(
        seen.finished, 1,
        "seed {seed}: finished {} times",
        seen.finished
    );
    assert!(seen.outcome.is_some(), "seed {seed}: no outcome");
    assert_eq!(call.poll_timeout(), None, "seed {seed}");
    seen
}

#[test]
fn random_sequences_keep_an_unanswered_callers_rules() {
    let (mut answered, mut rejected, mut bridged) = (0, [0usize; 3], 0);
    for seed in 0..20_000 {
        let seen = fuzz_one(seed);
        answered += usize::from(seen.answered);
        bridged += usize::from(seen.bridged);
        match seen.rejected {
            Some(486) => rejected[0] += 1,
            Some(480) => rejected[1] += 1,
            Some(603) => rejected[2] += 1,
            _ => {}
        }
    }
    // The runs reach every ending.
    assert!(answered > 100 && bridged > 100, "{answered} {bridged}");
    assert!(
        rejected.iter().all(|&n| n > 20),
        "486/480/603: {rejected:?}"
    );
}
