//! The vocabulary of the screening challenge: its settings, the prompts it
//! asks for, the events it takes and the actions it returns.
//!
//! Owns: these plain data types, the validation of settings and the bounds
//! of the optional "say your name" step ([`NAME_MAX`], [`NAME_GUARD`]);
//! and the deadline arithmetic the line-clear machines share (`later`).
//! Does not own: the state machine that uses them ([`crate::screening`]).

use std::fmt;
use std::time::{Duration, Instant};

/// Longest `digit_timeout` / `prompt_guard` accepted. [`crate::ScreeningCall::new`]
/// clamps longer values to this so deadline arithmetic cannot overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(60 * 60);

/// `at + d`, or `at` if that overflows (durations are clamped to
/// [`MAX_DURATION`], so only for a nonsensical `Instant`).
pub(crate) fn later(at: Instant, d: Duration) -> Instant {
    at.checked_add(d).unwrap_or(at)
}

/// Longest name recording the shell makes after [`Action::RecordName`]: it
/// ends on silence after speech, or at this length.
pub const NAME_MAX: Duration = Duration::from_secs(3);

/// If [`Event::NameRecorded`] never arrives, the name step ends this long
/// after [`Action::RecordName`] (with [`Action::StopNameRecording`]):
/// [`NAME_MAX`] plus a second for the tone before it and for reporting.
pub const NAME_GUARD: Duration = Duration::from_secs(4);

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
    /// Let the call ring this long (180 Ringing) before answering; zero
    /// answers at once.
    pub answer_after: Duration,
    /// After the right key, ask the caller to say their name and record it
    /// (up to [`NAME_MAX`]) before connecting, for the resident to hear.
    /// Callers let through without a challenge are never asked.
    pub ask_name: bool,
}

impl Default for ChallengeSettings {
    fn default() -> Self {
        Self {
            notice: true,
            fixed_digit: None,
            digit_timeout: Duration::from_secs(6),
            retries: 1,
            prompt_guard: Duration::from_secs(30),
            answer_after: Duration::ZERO,
            ask_name: false,
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
    #[error("answer delay must be at most one hour, got {0:?}")]
    AnswerAfter(Duration),
}

impl ChallengeSettings {
    /// Checks the values a configuration file could get wrong.
    ///
    /// [`crate::ScreeningCall::new`] never panics on bad settings: it ignores an
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
            _ if self.answer_after > MAX_DURATION => {
                Err(SettingsError::AnswerAfter(self.answer_after))
            }
            _ => Ok(()),
        }
    }
}

/// A recorded message the shell can play. `Display` gives its wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prompt {
    Notice,
    Challenge {
        digit: u8,
    },
    WrongKey,
    NoKey,
    Connecting,
    Goodbye,
    /// Asks for the caller's name; only with [`ChallengeSettings::ask_name`].
    SayName,
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
            Prompt::SayName => f.write_str("After the tone, please say your name."),
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
    /// The name recording asked for by [`Action::RecordName`] has ended
    /// (silence after speech, or [`NAME_MAX`]), whether or not anything
    /// was said. Ignored at any other time.
    NameRecorded,
}

/// Something the shell must do, in the order drained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send 180 Ringing; the call is not answered yet.
    Ring,
    /// Answer the call (200 OK) and start its media; prompts follow.
    Answer,
    /// Refuse the call without answering it (SIP 603 Decline).
    Decline,
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
    /// Play a short tone, then record the caller's name, ending on silence
    /// after speech or at [`NAME_MAX`]; report [`Event::NameRecorded`]
    /// when it ends, and keep the recording for the resident's
    /// announcement. Comes after the [`Prompt::SayName`] prompt has
    /// finished. If the caller hangs up meanwhile, no stop action follows:
    /// the recording goes with the call.
    RecordName,
    /// The name recording never reported its end within [`NAME_GUARD`]:
    /// stop it and keep whatever was recorded.
    StopNameRecording,
}

/// How screening ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Timeout,
    Abandoned,
    /// The policy let the caller through without a challenge (allowlisted).
    Allowed,
    /// The policy refused the caller (blocklist, withheld or suspicious
    /// caller ID, as the line is configured).
    Rejected,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Timeout => "timeout",
            Outcome::Abandoned => "abandoned",
            Outcome::Allowed => "allowed",
            Outcome::Rejected => "rejected",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
