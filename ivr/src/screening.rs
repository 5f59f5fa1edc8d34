//! The screening challenge for one answered call, as a sans-IO state machine.
//!
//! Owns: the flow notice → "to be connected, press N" → digit timer, with
//! retries, barge-in, the pass/fail/timeout/abandoned outcome, and the
//! deadlines that keep a call from hanging forever (digit timer and the
//! per-prompt guard). Time comes in as `now`; randomness comes in as a
//! caller-supplied [`fastrand::Rng`] and is only used to pick the digit.
//!
//! Does not own: deciding which callers are screened, SIP signalling, audio
//! playback or DTMF detection, the actual timers, recording, or storing the
//! outcome. The shell feeds [`Event`]s and expired deadlines in with
//! [`ScreeningCall::handle_event`] / [`ScreeningCall::handle_timeout`],
//! asks for the next deadline with [`ScreeningCall::poll_timeout`] and
//! carries out every [`Action`] drained from [`ScreeningCall::poll_action`].

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

/// Longest `digit_timeout` / `prompt_guard` accepted. [`ScreeningCall::new`]
/// clamps longer values to this so deadline arithmetic cannot overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(60 * 60);

/// How the challenge is run. Validate user-supplied values with
/// [`ChallengeSettings::validate`] when the configuration is loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeSettings {
    /// Play the "calls to this line are screened and may be recorded"
    /// notice before the challenge.
    pub notice: bool,
    /// Use this challenge digit (0-9) instead of a random one per call.
    pub fixed_digit: Option<u8>,
    /// Time allowed for a key after the challenge prompt has finished.
    pub digit_timeout: Duration,
    /// Extra attempts after a wrong key or a timeout; one shared budget.
    pub retries: u8,
    /// If a playing prompt's `PromptFinished` never arrives, act as if it
    /// finished this long after it started.
    pub prompt_guard: Duration,
}

impl Default for ChallengeSettings {
    fn default() -> Self {
        Self {
            notice: true,
            fixed_digit: None,
            digit_timeout: Duration::from_secs(6),
            retries: 1,
            prompt_guard: Duration::from_secs(30),
        }
    }
}

/// A [`ChallengeSettings`] value that cannot be used as configured.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("fixed challenge digit must be 0-9, got {0}")]
    FixedDigit(u8),
    #[error("digit timeout must be more than zero and at most one hour, got {0:?}")]
    DigitTimeout(Duration),
    #[error("prompt guard must be more than zero and at most one hour, got {0:?}")]
    PromptGuard(Duration),
}

impl ChallengeSettings {
    /// Checks the values a configuration file could get wrong.
    ///
    /// [`ScreeningCall::new`] never panics on bad settings: it ignores an
    /// out-of-range `fixed_digit` (drawing a random digit instead) and clamps
    /// durations to [`MAX_DURATION`]. Call this at load time to reject them.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let in_range = |d: Duration| !d.is_zero() && d <= MAX_DURATION;
        match self.fixed_digit {
            Some(d) if d > 9 => Err(SettingsError::FixedDigit(d)),
            _ if !in_range(self.digit_timeout) => {
                Err(SettingsError::DigitTimeout(self.digit_timeout))
            }
            _ if !in_range(self.prompt_guard) => Err(SettingsError::PromptGuard(self.prompt_guard)),
            _ => Ok(()),
        }
    }
}

/// A recorded message the shell can play. `Display` gives its wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prompt {
    Notice,
    Challenge { digit: u8 },
    WrongKey,
    NoKey,
    Connecting,
    Goodbye,
}

impl fmt::Display for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prompt::Notice => f.write_str("Calls to this line are screened and may be recorded."),
            Prompt::Challenge { digit } => write!(f, "To be connected, press {digit}."),
            Prompt::WrongKey => f.write_str("Sorry, that was not the right key."),
            Prompt::NoKey => f.write_str("Sorry, I did not hear a key."),
            Prompt::Connecting => f.write_str("Thank you, connecting you."),
            Prompt::Goodbye => f.write_str("Sorry, we could not connect your call. Goodbye."),
        }
    }
}

/// Identifies one [`Action::Play`] within a call; increases with each play.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PromptId(pub u32);

/// Something that happened on the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A key pressed by the caller.
    Dtmf(char),
    /// The prompt with this id has played to the end. Reporting a later id
    /// also completes every earlier prompt still queued (they play in order).
    PromptFinished(PromptId),
    /// The caller sent BYE (or the call was otherwise lost).
    CallerHungUp,
}

/// Something the shell must do, in the order drained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Queue this prompt behind anything already queued or playing.
    Play { id: PromptId, prompt: Prompt },
    /// Barge-in: drop everything queued or playing. No `PromptFinished` is
    /// expected for those prompts (one that still arrives is ignored).
    StopPlayback,
    /// The screening result; emitted exactly once, when it is decided.
    Outcome(Outcome),
    /// Passed, and the connecting prompt has finished: connect the caller.
    Connected,
    /// Send BYE to the caller; the call is over for the IVR.
    Hangup,
}

/// How screening ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Timeout,
    Abandoned,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Timeout => "timeout",
            Outcome::Abandoned => "abandoned",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No outcome yet: notice/challenge/retry prompts or the digit timer.
    Challenging,
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
    actions: VecDeque<Action>,
}

impl ScreeningCall {
    /// The call has been answered: starts the flow (queues the notice if
    /// enabled, then the challenge). Draws the digit from `rng` with
    /// `rng.u8(0..=9)` unless `settings.fixed_digit` is a valid digit, in
    /// which case `rng` is not touched.
    pub fn new(settings: &ChallengeSettings, rng: &mut fastrand::Rng, now: Instant) -> Self {
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
            actions: VecDeque::new(),
        };
        if settings.notice {
            call.play(now, Prompt::Notice);
        }
        call.play(now, Prompt::Challenge { digit });
        call
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
        }
    }

    /// Fires every pending deadline at or before `now`, in time order. A
    /// deadline that follows from one fired here is measured from the fired
    /// deadline, so a late call behaves as if it had been made on time.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(at) = self.poll_timeout().filter(|&at| at <= now) {
            if self.guard_deadline == Some(at) {
                self.finish_front(at);
            } else {
                self.digit_deadline = None;
                self.on_no_key(at);
            }
        }
    }

    /// The earliest pending deadline; `None` once connected or finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.guard_deadline, self.digit_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
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
            self.decide(Outcome::Passed);
            self.phase = Phase::Connecting;
            self.play(now, Prompt::Connecting);
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
    }
}

/// `at + d`, or `at` in the (practically unreachable) case that overflows;
/// `d` is at most [`MAX_DURATION`].
fn later(at: Instant, d: Duration) -> Instant {
    at.checked_add(d).unwrap_or(at)
}
