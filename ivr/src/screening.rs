//! The screening challenge for one answered call, as a sans-IO state machine.
//!
//! Owns: the flow notice → "to be connected, press N" → digit timer, with
//! retries, barge-in, the pass/fail/timeout/abandoned outcome, and the
//! deadlines that keep a call from hanging forever (digit timer and the
//! per-prompt guard). With [`ChallengeSettings::ask_name`], the optional
//! "say your name" step after the right key: the [`Prompt::SayName`]
//! prompt, then [`Action::RecordName`] until [`Event::NameRecorded`] or the
//! [`NAME_GUARD`] deadline; the caller has passed only once it is over (a
//! caller hanging up during it has abandoned), and keys pressed during it
//! are ignored. Time comes in as `now`; randomness comes in as a
//! caller-supplied [`fastrand::Rng`] and is only used to pick the digit.
//!
//! Does not own: deciding which callers are screened, SIP signalling, audio
//! playback or DTMF detection, the actual timers, recording (the name
//! included: the tone before it, ending it on silence, keeping it and
//! playing it to the resident), or storing the outcome. The shell feeds
//! [`Event`]s and expired deadlines in with
//! [`ScreeningCall::handle_event`] / [`ScreeningCall::handle_timeout`],
//! asks for the next deadline with [`ScreeningCall::poll_timeout`] and
//! carries out every [`Action`] drained from [`ScreeningCall::poll_action`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::policy::{Decision, RejectHow};
use crate::types::later;
pub use crate::types::*;

/// What happens once the call is answered, from the policy's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// The challenge.
    Challenge,
    /// No challenge: connect at once (allowlisted, or withheld allowed).
    Connect,
    /// A short goodbye, then hang up (refused with a message).
    Refuse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not answered yet: ringing until the answer deadline.
    Ringing,
    /// No outcome yet: notice/challenge/retry prompts or the digit timer.
    Challenging,
    /// Right key, asking for the name: the SayName prompt is playing.
    AskingName,
    /// Right key, the name is being recorded until `name_deadline`.
    RecordingName,
    /// Passed; the connecting prompt is playing.
    Connecting,
    /// Passed and connected; waiting only for the caller to hang up.
    Connected,
    /// Failed or timed out; the goodbye prompt is playing.
    Goodbye,
    /// Hangup emitted or the caller hung up. Everything is ignored.
    Finished,
}

/// The screening challenge for one answered call.
#[derive(Debug)]
pub struct ScreeningCall {
    digit: u8,
    digit_timeout: Duration,
    prompt_guard: Duration,
    retries_left: u8,
    next_id: u32,
    phase: Phase,
    outcome: Option<Outcome>,
    /// Prompts handed to the shell and not yet finished; the front one is
    /// the one playing.
    queued: VecDeque<(PromptId, Prompt)>,
    /// When the front of `queued` is assumed finished if not reported.
    guard_deadline: Option<Instant>,
    /// When the caller has run out of time to press a key.
    digit_deadline: Option<Instant>,
    /// When a ringing call is answered.
    answer_deadline: Option<Instant>,
    /// When a name recording that never reported its end is stopped.
    name_deadline: Option<Instant>,
    notice: bool,
    ask_name: bool,
    entry: Entry,
    actions: VecDeque<Action>,
}

impl ScreeningCall {
    /// A call has been offered: it rings for `settings.answer_after`, then is
    /// answered and the flow starts (the notice if enabled, then the
    /// challenge). Draws the digit from `rng` with
    /// `rng.u8(0..=9)` unless `settings.fixed_digit` is a valid digit, in
    /// which case `rng` is not touched.
    pub fn new(settings: &ChallengeSettings, rng: &mut fastrand::Rng, now: Instant) -> Self {
        Self::start(
            settings,
            &Decision::Challenge { suspicious: None },
            rng,
            now,
        )
    }

    /// A call offered, with the line policy's decision about the caller:
    /// challenge, connect without one, refuse with a goodbye after the
    /// answer, or decline without answering (then the only actions are the
    /// `Rejected` outcome and [`Action::Decline`]).
    pub fn start(
        settings: &ChallengeSettings,
        decision: &Decision,
        rng: &mut fastrand::Rng,
        now: Instant,
    ) -> Self {
        let digit = match settings.fixed_digit {
            Some(d) if d <= 9 => d,
            _ => rng.u8(0..=9),
        };
        let mut call = Self {
            digit,
            digit_timeout: settings.digit_timeout.min(MAX_DURATION),
            prompt_guard: settings.prompt_guard.min(MAX_DURATION),
            retries_left: settings.retries,
            next_id: 0,
            phase: Phase::Challenging,
            outcome: None,
            queued: VecDeque::new(),
            guard_deadline: None,
            digit_deadline: None,
            answer_deadline: None,
            name_deadline: None,
            notice: settings.notice,
            ask_name: settings.ask_name,
            entry: match decision {
                Decision::Challenge { .. } => Entry::Challenge,
                Decision::RingResident { .. } => Entry::Connect,
                Decision::Reject { .. } => Entry::Refuse,
            },
            actions: VecDeque::new(),
        };
        if let Decision::Reject {
            how: RejectHow::Decline,
            ..
        } = decision
        {
            call.decide(Outcome::Rejected);
            call.actions.push_back(Action::Decline);
            call.finish();
        } else if settings.answer_after.is_zero() {
            call.answer(now);
        } else {
            call.phase = Phase::Ringing;
            call.actions.push_back(Action::Ring);
            call.answer_deadline = Some(later(now, settings.answer_after.min(MAX_DURATION)));
        }
        call
    }

    /// Answers and starts the challenge.
    fn answer(&mut self, now: Instant) {
        self.answer_deadline = None;
        self.phase = Phase::Challenging;
        self.actions.push_back(Action::Answer);
        match self.entry {
            Entry::Challenge => {
                if self.notice {
                    self.play(now, Prompt::Notice);
                }
                self.play(now, Prompt::Challenge { digit: self.digit });
            }
            Entry::Connect => {
                self.decide(Outcome::Allowed);
                self.phase = Phase::Connected;
                self.actions.push_back(Action::Connected);
            }
            Entry::Refuse => self.say_goodbye(now, Outcome::Rejected),
        }
    }

    /// The digit the caller must press.
    pub fn digit(&self) -> u8 {
        self.digit
    }

    pub fn handle_event(&mut self, now: Instant, event: Event) {
        match event {
            Event::Dtmf(key) => self.on_key(now, key),
            Event::PromptFinished(id) => self.on_prompt_finished(now, id),
            Event::CallerHungUp => self.on_caller_hung_up(),
            Event::NameRecorded => {
                if self.phase == Phase::RecordingName {
                    self.name_deadline = None;
                    self.pass(now);
                }
            }
        }
    }

    /// Fires every pending deadline at or before `now`, in time order. A
    /// deadline that follows from one fired here is measured from the fired
    /// deadline, so a late call behaves as if it had been made on time.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(at) = self.poll_timeout().filter(|&at| at <= now) {
            if self.answer_deadline == Some(at) {
                self.answer(at);
            } else if self.guard_deadline == Some(at) {
                self.finish_front(at);
            } else if self.name_deadline == Some(at) {
                self.name_deadline = None;
                self.actions.push_back(Action::StopNameRecording);
                self.pass(at);
            } else {
                self.digit_deadline = None;
                self.on_no_key(at);
            }
        }
    }

    /// The earliest pending deadline; `None` once connected or finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.answer_deadline,
            self.guard_deadline,
            self.name_deadline,
            self.digit_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The next action to carry out. Drain this after every call into the
    /// machine, including after it reports [`Self::is_finished`].
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome
    }

    /// `Hangup` has been queued, or the caller hung up.
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    fn on_key(&mut self, now: Instant, key: char) {
        if self.phase != Phase::Challenging {
            return;
        }
        if !self.queued.is_empty() {
            self.actions.push_back(Action::StopPlayback);
            self.queued.clear();
            self.guard_deadline = None;
        }
        self.digit_deadline = None;
        if key.to_digit(10) == Some(u32::from(self.digit)) {
            if self.ask_name {
                self.phase = Phase::AskingName;
                self.play(now, Prompt::SayName);
            } else {
                self.pass(now);
            }
        } else if self.retries_left > 0 {
            self.retries_left -= 1;
            self.play(now, Prompt::WrongKey);
            self.play(now, Prompt::Challenge { digit: self.digit });
        } else {
            self.say_goodbye(now, Outcome::Failed);
        }
    }

    fn on_no_key(&mut self, at: Instant) {
        if self.retries_left > 0 {
            self.retries_left -= 1;
            self.play(at, Prompt::NoKey);
            self.play(at, Prompt::Challenge { digit: self.digit });
        } else {
            self.say_goodbye(at, Outcome::Timeout);
        }
    }

    fn on_prompt_finished(&mut self, now: Instant, id: PromptId) {
        if let Some(pos) = self.queued.iter().position(|&(queued, _)| queued == id) {
            for _ in 0..=pos {
                self.finish_front(now);
            }
        }
    }

    fn on_caller_hung_up(&mut self) {
        if self.phase == Phase::Finished {
            return;
        }
        if self.outcome.is_none() {
            self.decide(Outcome::Abandoned);
        }
        // Nothing is left to play or connect to; only the outcome matters.
        self.actions.retain(|a| matches!(a, Action::Outcome(_)));
        self.finish();
    }

    /// The prompt at the front of the queue has finished at `at`.
    fn finish_front(&mut self, at: Instant) {
        let Some((_, prompt)) = self.queued.pop_front() else {
            self.guard_deadline = None;
            return;
        };
        self.guard_deadline = self.queued.front().map(|_| later(at, self.prompt_guard));
        match (prompt, self.phase) {
            (Prompt::Challenge { .. }, Phase::Challenging) if self.queued.is_empty() => {
                self.digit_deadline = Some(later(at, self.digit_timeout));
            }
            (Prompt::SayName, Phase::AskingName) => {
                self.actions.push_back(Action::RecordName);
                self.phase = Phase::RecordingName;
                self.name_deadline = Some(later(at, NAME_GUARD));
            }
            (Prompt::Connecting, Phase::Connecting) => {
                self.actions.push_back(Action::Connected);
                self.phase = Phase::Connected;
            }
            (Prompt::Goodbye, Phase::Goodbye) => {
                self.actions.push_back(Action::Hangup);
                self.finish();
            }
            _ => {}
        }
    }

    /// The caller has passed: the connecting prompt, then `Connected`.
    fn pass(&mut self, now: Instant) {
        self.decide(Outcome::Passed);
        self.phase = Phase::Connecting;
        self.play(now, Prompt::Connecting);
    }

    fn say_goodbye(&mut self, now: Instant, outcome: Outcome) {
        self.decide(outcome);
        self.phase = Phase::Goodbye;
        self.play(now, Prompt::Goodbye);
    }

    fn decide(&mut self, outcome: Outcome) {
        debug_assert!(self.outcome.is_none(), "outcome decided twice");
        self.outcome = Some(outcome);
        self.actions.push_back(Action::Outcome(outcome));
    }

    fn play(&mut self, now: Instant, prompt: Prompt) {
        let id = PromptId(self.next_id);
        self.next_id += 1;
        if self.queued.is_empty() {
            self.guard_deadline = Some(later(now, self.prompt_guard));
        }
        self.queued.push_back((id, prompt));
        self.actions.push_back(Action::Play { id, prompt });
    }

    fn finish(&mut self) {
        self.phase = Phase::Finished;
        self.queued.clear();
        self.guard_deadline = None;
        self.digit_deadline = None;
        self.answer_deadline = None;
        self.name_deadline = None;
    }
}
