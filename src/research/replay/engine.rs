//! One recorded call through the screening pipeline on a virtual clock.
//!
//! Owns: choosing the line and its challenge settings exactly as a live call
//! does, feeding the `ivr` state machine the fixture's events (the caller's
//! keys at their times, the end of the caller's audio as the hang-up) and the
//! prompts' real durations, jumping the clock to the next thing that happens,
//! and reporting what the service would have done. Nothing here sleeps or
//! reads a clock: the same fixture always gives the same result, as fast as
//! the CPU allows.
//!
//! Does not own: loading fixtures (`fixture`), printing (`report`), or the
//! live call's I/O (`call.rs`), which drives the same state machine.

use std::time::{Duration, Instant};

use ivr::{Action, Event, Prompt, PromptId, ScreeningCall};
use serde::Serialize;

use super::tag::Tag;
use crate::config::Config;
use crate::policy::LinePolicies;
use crate::prompts::Prompts;
use crate::research::fixture::{Fixture, Party};
use crate::research::replay::listen::{listen, Listening};

/// What the service would have done with a recorded call.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Replayed {
    /// The fixture's name (its directory).
    pub fixture: String,
    pub caller: String,
    pub called: String,
    /// The line that answered, or `None` when no line answers the number.
    pub line: Option<String>,
    /// The line policy's decision about the caller (challenge, allowlisted,
    /// blocked, suspicious-challenge, …).
    pub policy: String,
    /// The digit the challenge asked for.
    pub challenge_digit: Option<u8>,
    /// passed / failed / timeout / abandoned, or "rejected" (no line).
    pub outcome: String,
    /// When the outcome was decided, from the answer.
    pub outcome_ms: Option<u64>,
    /// When the call ended, from the answer.
    pub ended_ms: u64,
    /// Who ended it: "caller" or "service".
    pub ended_by: String,
    /// Keys the caller pressed while the challenge listened.
    pub keys_heard: u32,
    /// Prompts played, in order.
    pub prompts: Vec<String>,
    /// Tags found in the call: from the caller ID, the words heard and the
    /// keys pressed.
    pub tags: Vec<Tag>,
    /// Call-level risk, from the tags.
    pub risk: String,
    /// Why the risk rose to each level: the rule or request and the
    /// phrases, keys and tags behind it.
    pub reasons: Vec<String>,
    /// What was heard, one line per release of words: when it became
    /// known, who said it, the words (`listen::Heard::heard`).
    pub heard: Vec<String>,
    /// Length of the caller's audio.
    pub audio_ms: u64,
}

/// A deterministic seed from the fixture's name (FNV-1a), so a random
/// challenge digit is the same on every run.
fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Replays one fixture.
pub fn replay(
    fx: &Fixture,
    config: &Config,
    policies: &LinePolicies,
    prompts: &Prompts,
    listening: &Listening,
) -> Result<Replayed, speech::Error> {
    let audio = Duration::from_millis(fx.caller_ms());
    let line = match &fx.meta.line {
        Some(name) => config.lines.iter().find(|l| &l.name == name),
        None => config.line_for(&fx.meta.called),
    };
    let mut result = Replayed {
        fixture: fx.name.clone(),
        caller: fx.meta.caller.clone(),
        called: fx.meta.called.clone(),
        line: line.map(|l| l.name.clone()),
        policy: "none".into(),
        challenge_digit: None,
        outcome: "rejected".into(),
        outcome_ms: None,
        ended_ms: 0,
        ended_by: "service".into(),
        keys_heard: 0,
        prompts: Vec::new(),
        tags: Vec::new(),
        risk: "none".into(),
        reasons: Vec::new(),
        heard: Vec::new(),
        audio_ms: ms(audio),
    };
    let Some(line) = line else {
        return Ok(result);
    };
    let mut settings = line.screening.challenge_settings();
    if let Some(d) = fx.meta.challenge_digit {
        settings.fixed_digit = Some(d);
    }
    let decision = policies.decide(&line.name, &fx.meta.caller);
    result.policy = decision.as_str().into();
    let suspicious_cli = crate::policy::suspicious_evidence(&fx.meta.caller, &decision);
    let mut rng = fastrand::Rng::with_seed(seed_of(&fx.name));
    let t0 = Instant::now();
    let mut call = ScreeningCall::start(&settings, &decision, &mut rng, t0);
    result.challenge_digit = Some(call.digit());

    let mut sim = Sim {
        t0,
        answered: None,
        playing: std::collections::VecDeque::new(),
        keys: fx
            .meta
            .dtmf
            .iter()
            .filter(|k| k.by == Party::Caller)
            .map(|k| (Duration::from_millis(k.at_ms), k.digit))
            .collect(),
    };
    screen(&mut call, &mut sim, audio, prompts, &mut result);
    if result.outcome == "rejected" {
        result.outcome = call.outcome().map_or("abandoned", |o| o.as_str()).into();
    }
    // Listening runs from the answer until the call ended, as live.
    let until = match sim.answered {
        Some(_) => Duration::from_millis(result.ended_ms),
        None => Duration::ZERO,
    };
    let heard = listen(
        fx,
        &config.tagging.tagger(),
        listening,
        suspicious_cli,
        until,
    )?;
    result.tags = heard.tags;
    result.risk = heard.risk;
    result.reasons = heard.reasons;
    result.heard = heard.heard;
    Ok(result)
}

/// Runs the screening machine on the virtual clock until it or the caller
/// ends the call: prompts end at their real lengths, the caller's keys
/// arrive at their times, and the caller hangs up when their audio ends.
fn screen(
    call: &mut ScreeningCall,
    sim: &mut Sim,
    audio: Duration,
    prompts: &Prompts,
    result: &mut Replayed,
) {
    let mut now = sim.t0;
    loop {
        drain(call, sim, now, prompts, result);
        if call.is_finished() {
            // The machine hung up (a caller hang-up ends the loop below).
            result.ended_ms = sim.since_answer(now);
            result.ended_by = "service".into();
            break;
        }
        // The next thing to happen: a prompt ending, a key, the caller's
        // audio ending (the caller hangs up), or a deadline of the machine.
        let hangup = sim.answered.map(|a| a + audio).unwrap_or(now + audio);
        let mut next = (hangup, Next::HangUp);
        if let Some(&(_, _, end)) = sim.playing.front() {
            next = next.min((end, Next::PromptEnd));
        }
        if let (Some(a), Some(&(at, _))) = (sim.answered, sim.keys.first()) {
            next = next.min((a + at, Next::Key));
        }
        if let Some(t) = call.poll_timeout() {
            next = next.min((t, Next::Deadline));
        }
        now = next.0.max(now);
        match next.1 {
            Next::PromptEnd => {
                if let Some((id, _, _)) = sim.playing.pop_front() {
                    call.handle_event(now, Event::PromptFinished(id));
                }
            }
            Next::Key => {
                let (_, digit) = sim.keys.remove(0);
                if call.outcome().is_none() {
                    result.keys_heard += 1;
                }
                call.handle_event(now, Event::Dtmf(digit));
            }
            Next::Deadline => call.handle_timeout(now),
            Next::HangUp => {
                call.handle_event(now, Event::CallerHungUp);
                drain(call, sim, now, prompts, result);
                result.ended_ms = sim.since_answer(now);
                result.ended_by = "caller".into();
                break;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Next {
    // Order breaks ties at the same instant: a prompt ends before a key
    // pressed at that moment is heard, a key before a deadline, and the
    // caller's audio running out comes last.
    PromptEnd,
    Key,
    Deadline,
    HangUp,
}

struct Sim {
    t0: Instant,
    answered: Option<Instant>,
    /// Prompts queued for playback, with the time the front one ends.
    playing: std::collections::VecDeque<(PromptId, Prompt, Instant)>,
    /// The caller's keys still to come, from the answer.
    keys: Vec<(Duration, char)>,
}

impl Sim {
    fn since_answer(&self, now: Instant) -> u64 {
        ms(now.saturating_duration_since(self.answered.unwrap_or(self.t0)))
    }
}

fn drain(
    call: &mut ScreeningCall,
    sim: &mut Sim,
    now: Instant,
    prompts: &Prompts,
    result: &mut Replayed,
) {
    while let Some(action) = call.poll_action() {
        match action {
            Action::Ring | Action::Connected | Action::Hangup | Action::Decline => {}
            // A replay has no name to record: the step ends by its guard.
            Action::RecordName | Action::StopNameRecording => {}
            Action::Answer => sim.answered = Some(now),
            Action::Play { id, prompt } => {
                let len = prompts.audio(prompt).len() as u64;
                let start = sim.playing.back().map_or(now, |&(_, _, end)| end);
                let end = start + Duration::from_millis(len / 8);
                sim.playing.push_back((id, prompt, end));
                result.prompts.push(prompt_name(prompt));
            }
            Action::StopPlayback => sim.playing.clear(),
            Action::Outcome(o) => {
                result.outcome = o.as_str().into();
                result.outcome_ms = Some(sim.since_answer(now));
            }
        }
    }
}

fn prompt_name(p: Prompt) -> String {
    match p {
        Prompt::Notice => "notice".into(),
        Prompt::Challenge { digit } => format!("challenge-{digit}"),
        Prompt::WrongKey => "wrong-key".into(),
        Prompt::NoKey => "no-key".into(),
        Prompt::Connecting => "connecting".into(),
        Prompt::Goodbye => "goodbye".into(),
        Prompt::SayName => "say-name".into(),
    }
}
