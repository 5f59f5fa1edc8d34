//! The vocabulary of the bridge: its settings, the prompts it asks for, the
//! events it takes, the actions it returns and how it ends.
//!
//! Owns: these plain data types, the validation of settings and the bounds
//! of the resident's announcement ([`ANNOUNCE_GUARD`], [`ANNOUNCE_WAIT`]).
//! Does not own: the state machine that uses them
//! ([`crate::bridge::BridgeCall`]).

use std::fmt;
use std::time::Duration;

use crate::types::{PromptId, MAX_DURATION};

/// Most phones a line may ring in parallel. [`crate::BridgeCall::new`]
/// clamps `phones` to `1..=MAX_PHONES`.
pub const MAX_PHONES: usize = 8;

/// Longest the no-answer message step may last when voicemail is on: the
/// [`BridgePrompt::LeaveMessage`] prompt and the recording after it end at
/// most this long after the step starts, and the caller then gets BYE.
pub const VOICEMAIL_MAX: Duration = Duration::from_secs(60);

/// If a bridge prompt's `PromptFinished` never arrives, it is taken as
/// finished this long after it was queued. Shorter than [`VOICEMAIL_MAX`].
pub const MESSAGE_PROMPT_GUARD: Duration = Duration::from_secs(15);

/// With announce: if [`BridgeEvent::AnnounceFinished`] never arrives, the
/// announcement is taken as finished this long after it started.
pub const ANNOUNCE_GUARD: Duration = Duration::from_secs(15);

/// With announce: how long the resident has to press a key after the
/// announcement has finished, before it is played once more (after the
/// second time, the call is declined).
pub const ANNOUNCE_WAIT: Duration = Duration::from_secs(10);

/// With announce: how many times the announcement is played to a resident
/// who presses no key.
pub const ANNOUNCE_TIMES: u8 = 2;

/// How a screened call is connected to the resident. Validate
/// user-supplied values with [`BridgeSettings::validate`] when the
/// configuration is loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BridgeSettings {
    /// Phones on the line (1 to [`MAX_PHONES`]), all rung in parallel and
    /// numbered from 0.
    pub phones: usize,
    /// How long the phones ring before the caller hears the no-answer
    /// message.
    pub ring_timeout: Duration,
    /// How long a leg may take to answer our BYE or CANCEL before it is
    /// taken as gone.
    pub bye_timeout: Duration,
    /// After no answer (or busy / unavailable), offer to record a message
    /// instead of only saying the resident is not available.
    pub voicemail: bool,
    /// Announce the caller to the phone that answers ("Call from `<name>`.
    /// Press 1 to accept, 2 to reject") and connect only on 1. A resident
    /// who does not accept (2, no key after the second announcement, or
    /// hanging up) is not connected, and the caller hears
    /// [`BridgePrompt::Declined`].
    pub announce: bool,
    /// The caller is not answered yet (a caller let through without a
    /// challenge): they hear the phones ring through [`BridgeAction::RelayProgress`]
    /// as a provisional response, are answered ([`BridgeAction::AnswerCaller`])
    /// only when a phone is connected or voicemail starts, and otherwise
    /// get a final response ([`BridgeAction::RejectCaller`]): 486 when
    /// every phone was busy, 603 when a phone declined, 480 for no answer
    /// or no phone available.
    pub answer_caller: bool,
}

impl Default for BridgeSettings {
    fn default() -> Self {
        Self {
            phones: 1,
            ring_timeout: Duration::from_secs(30),
            bye_timeout: Duration::from_secs(4),
            voicemail: false,
            announce: false,
            answer_caller: false,
        }
    }
}

/// A [`BridgeSettings`] value that cannot be used as configured.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BridgeSettingsError {
    #[error("a line rings 1 to {MAX_PHONES} phones, got {0}")]
    Phones(usize),
    #[error("ring timeout must be more than zero and at most one hour, got {0:?}")]
    RingTimeout(Duration),
    #[error("BYE timeout must be more than zero and at most one hour, got {0:?}")]
    ByeTimeout(Duration),
}

impl BridgeSettings {
    /// Checks the values a configuration file could get wrong.
    ///
    /// [`crate::BridgeCall::new`] never panics on bad settings: it clamps
    /// `phones` to `1..=MAX_PHONES` and durations to [`MAX_DURATION`].
    /// Call this at load time to reject them instead.
    pub fn validate(&self) -> Result<(), BridgeSettingsError> {
        let in_range = |d: Duration| !d.is_zero() && d <= MAX_DURATION;
        if !(1..=MAX_PHONES).contains(&self.phones) {
            Err(BridgeSettingsError::Phones(self.phones))
        } else if !in_range(self.ring_timeout) {
            Err(BridgeSettingsError::RingTimeout(self.ring_timeout))
        } else if !in_range(self.bye_timeout) {
            Err(BridgeSettingsError::ByeTimeout(self.bye_timeout))
        } else {
            Ok(())
        }
    }
}

/// A recorded message the bridge asks the shell to play to the caller.
/// `Display` gives its wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BridgePrompt {
    /// Nobody can take the call; the caller gets BYE after it.
    Unavailable,
    /// Nobody can take the call; recording starts after it.
    LeaveMessage,
    /// The resident did not accept the announced call; the caller gets BYE
    /// after it.
    Declined,
}

impl fmt::Display for BridgePrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BridgePrompt::Unavailable => {
                f.write_str("The person you are calling is not available. Goodbye.")
            }
            BridgePrompt::LeaveMessage => f.write_str(
                "The person you are calling is not available. \
                 Please leave a message after the tone.",
            ),
            BridgePrompt::Declined => {
                f.write_str("Sorry, the person you are calling cannot take your call. Goodbye.")
            }
        }
    }
}

/// Something that happened on one of the call's legs. Phones are numbered
/// `0..phones`; an event naming any other phone is ignored, as is every
/// event that does not fit the leg's state (duplicated, late or out of
/// order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BridgeEvent {
    /// A provisional response (18x) from a ringing phone.
    PhoneProgress { phone: usize, status: u16 },
    /// A provisional response with SDP (183) from a ringing phone: it
    /// sends early media.
    PhoneEarlyMedia { phone: usize },
    /// A phone answered (200 OK to our INVITE).
    PhoneAnswered { phone: usize },
    /// A phone's INVITE ended without an answer: busy (486, 600),
    /// unavailable (480, 404, 503, …), a transaction timeout (408), or the
    /// 487 that follows our CANCEL.
    PhoneFailed { phone: usize, status: u16 },
    /// The resident hung up (BYE from the phone).
    PhoneHungUp { phone: usize },
    /// Our CANCEL or BYE to this phone completed, or failed: either way the
    /// leg is down.
    PhoneGone { phone: usize },
    /// The caller hung up (BYE from the caller), or their leg was lost.
    CallerHungUp,
    /// Our BYE to the caller completed, or failed.
    CallerGone,
    /// The prompt with this id has played to the end.
    PromptFinished(PromptId),
    /// A key pressed by the caller. Ignored for now.
    Dtmf(char),
    /// With announce: the announcement to this phone has played to the end.
    AnnounceFinished { phone: usize },
    /// With announce: a key pressed on this phone while it is announced
    /// to: '1' accepts, '2' rejects, others are ignored.
    ResidentKey { phone: usize, digit: char },
}

/// Something the shell must do, in the order drained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BridgeAction {
    /// Send an INVITE to each of these phones; emitted once, at the start.
    RingPhones(Vec<usize>),
    /// Tell the caller the phones are ringing (the first 180 or 183 from
    /// any phone, once). A caller already answered by the IVR hears it as
    /// ringback; with [`BridgeSettings::answer_caller`] it is a
    /// provisional response on the caller's unanswered INVITE.
    RelayProgress(u16),
    /// With [`BridgeSettings::answer_caller`]: this ringing phone sends
    /// early media (the first to do so, once): send the caller a 183 with
    /// our SDP answer, start their stream and relay this phone's stream
    /// to it (the caller's own audio does not go to the phone). Not
    /// recorded: the recording starts at `AnswerCaller`. Counts as the
    /// relayed ringing indication. `Bridge` replaces the relay.
    EarlyMedia { phone: usize },
    /// Stop relaying early media to the caller (the phones stopped
    /// ringing, or the phone sending it failed); the caller's stream goes
    /// on.
    EndEarlyMedia,
    /// With [`BridgeSettings::answer_caller`]: answer the caller now (a
    /// phone is about to be connected, or voicemail starts). Emitted at
    /// most once, before `Bridge` or the voicemail prompt.
    AnswerCaller,
    /// With [`BridgeSettings::answer_caller`]: nobody took the call; send
    /// the caller this final response (486, 480 or 603) without answering.
    /// The caller's leg is down from then on.
    RejectCaller(u16),
    /// Send CANCEL to this ringing phone.
    CancelPhone(usize),
    /// Send BYE to this phone (it answered and must be hung up).
    ByePhone(usize),
    /// With announce: this phone answered first. Play to it, and to it
    /// only, "Call from", the caller's recorded name and "Press 1 to
    /// accept, 2 to reject"; report [`BridgeEvent::AnnounceFinished`] when
    /// it has played and the phone's keys as [`BridgeEvent::ResidentKey`].
    /// The caller keeps hearing ringback. May come a second time for the
    /// same phone. `Bridge` or `ByePhone` for the phone ends it (stop
    /// anything still playing to the phone).
    Announce { phone: usize },
    /// Connect the caller's media to this phone's, both ways.
    Bridge { phone: usize },
    /// Disconnect the media connected by `Bridge`.
    Unbridge,
    /// Send BYE to the caller.
    ByeCaller,
    /// Play this prompt to the caller.
    Play { id: PromptId, prompt: BridgePrompt },
    /// Start recording the caller's message.
    StartVoicemail,
    /// Stop recording the caller's message and keep it.
    StopVoicemail,
    /// How the bridge ended; emitted exactly once, when it is decided.
    Outcome(BridgeOutcome),
    /// Every leg is down (or given up on): drop whatever is left of the
    /// call. Emitted exactly once, last; the machine has no deadline after.
    Finished,
}

/// How the attempt to connect the caller ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BridgeOutcome {
    /// This phone answered first (and, with announce, accepted with '1')
    /// and was connected.
    Answered { phone: usize },
    /// No phone answered within the ring timeout.
    NoAnswer,
    /// Every phone answered busy (486 or 600).
    Busy,
    /// Every phone failed, not all of them busy.
    Unavailable,
    /// The caller hung up while the phones were ringing (or while the
    /// answering phone was hearing the announcement).
    CallerGaveUp,
    /// With announce: the resident rejected the call, pressed no key, or
    /// hung up during the announcement. With
    /// [`BridgeSettings::answer_caller`] also: no phone answered and at
    /// least one declined (603) while not all were busy.
    Declined,
}

impl BridgeOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            BridgeOutcome::Answered { .. } => "answered",
            BridgeOutcome::NoAnswer => "no_answer",
            BridgeOutcome::Busy => "busy",
            BridgeOutcome::Unavailable => "unavailable",
            BridgeOutcome::CallerGaveUp => "caller_gave_up",
            BridgeOutcome::Declined => "declined",
        }
    }
}

impl fmt::Display for BridgeOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
