//! The vocabulary of the line-clear callback: its settings, what starts it,
//! the prompts it asks for, the events it takes, the actions it returns and
//! the records it leaves for the call log.
//!
//! Owns: these plain data types and the validation of settings. Does not
//! own: the machine that uses them ([`super::Callback`]).

use std::fmt;
use std::time::{Duration, Instant};

use super::clear::{ClearAction, LegId, TEARDOWN_TIMEOUT};
use super::verified::MenuItem;
use crate::tagging::{Risk, TagKind};
use crate::types::{PromptId, MAX_DURATION};

/// How the callback runs. Validate user-supplied values with
/// [`CallbackSettings::validate`] when the configuration is loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackSettings {
    /// How long a leg gets to answer our CANCEL or BYE before it is given
    /// up on (the line's legs, the resident's and the dialled one).
    pub teardown_timeout: Duration,
    /// For an emergency number: dial this long after the start at the
    /// latest, giving up on any leg still being cleared.
    pub emergency_cap: Duration,
    /// How long the resident's phones ring for the callback.
    pub ring_timeout: Duration,
    /// How long the verified number gets to answer.
    pub answer_timeout: Duration,
    /// Time allowed for a key after the menu has finished playing.
    pub digit_timeout: Duration,
    /// If a prompt's `PromptFinished` never arrives, act as if it finished
    /// this long after it was queued.
    pub prompt_guard: Duration,
    /// Menu repeats after no key or a key with no entry; one shared budget.
    pub reprompts: u8,
}

impl Default for CallbackSettings {
    fn default() -> Self {
        Self {
            teardown_timeout: TEARDOWN_TIMEOUT,
            emergency_cap: Duration::from_secs(2),
            ring_timeout: Duration::from_secs(30),
            answer_timeout: Duration::from_secs(60),
            digit_timeout: Duration::from_secs(8),
            prompt_guard: Duration::from_secs(45),
            reprompts: 1,
        }
    }
}

/// A [`CallbackSettings`] value that cannot be used as configured.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackSettingsError {
    #[error("teardown timeout must be more than zero and at most one hour, got {0:?}")]
    TeardownTimeout(Duration),
    #[error("emergency cap must be more than zero and at most the teardown timeout, got {0:?}")]
    EmergencyCap(Duration),
    #[error("ring timeout must be more than zero and at most one hour, got {0:?}")]
    RingTimeout(Duration),
    #[error("answer timeout must be more than zero and at most one hour, got {0:?}")]
    AnswerTimeout(Duration),
    #[error("digit timeout must be more than zero and at most one hour, got {0:?}")]
    DigitTimeout(Duration),
    #[error("prompt guard must be more than zero and at most one hour, got {0:?}")]
    PromptGuard(Duration),
    #[error("at most 5 menu repeats, got {0}")]
    Reprompts(u8),
}

impl CallbackSettings {
    /// Checks the values a configuration file could get wrong.
    /// [`super::Callback::new`] never panics on bad settings: it clamps
    /// durations to one hour and repeats to 5.
    pub fn validate(&self) -> Result<(), CallbackSettingsError> {
        use CallbackSettingsError as E;
        let ok = |d: Duration| !d.is_zero() && d <= MAX_DURATION;
        if !ok(self.teardown_timeout) {
            Err(E::TeardownTimeout(self.teardown_timeout))
        } else if self.emergency_cap.is_zero() || self.emergency_cap > self.teardown_timeout {
            Err(E::EmergencyCap(self.emergency_cap))
        } else if !ok(self.ring_timeout) {
            Err(E::RingTimeout(self.ring_timeout))
        } else if !ok(self.answer_timeout) {
            Err(E::AnswerTimeout(self.answer_timeout))
        } else if !ok(self.digit_timeout) {
            Err(E::DigitTimeout(self.digit_timeout))
        } else if !ok(self.prompt_guard) {
            Err(E::PromptGuard(self.prompt_guard))
        } else if self.reprompts > MAX_REPROMPTS {
            Err(E::Reprompts(self.reprompts))
        } else {
            Ok(())
        }
    }
}

pub(crate) const MAX_REPROMPTS: u8 = 5;

impl CallbackSettings {
    /// Durations clamped to one hour, repeats to 5.
    pub(crate) fn clamped(&self) -> Self {
        let clamp = |d: Duration| d.min(MAX_DURATION);
        Self {
            teardown_timeout: clamp(self.teardown_timeout),
            emergency_cap: clamp(self.emergency_cap),
            ring_timeout: clamp(self.ring_timeout),
            answer_timeout: clamp(self.answer_timeout),
            digit_timeout: clamp(self.digit_timeout),
            prompt_guard: clamp(self.prompt_guard),
            reprompts: self.reprompts.min(MAX_REPROMPTS),
        }
    }
}

/// What the last call talked about, for the offer prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mentioned {
    Police,
    BankDetails,
    Both,
    Nothing,
}

impl Mentioned {
    /// From the call's tags: `police` and `bank-details` count.
    pub fn from_tags(tags: impl IntoIterator<Item = TagKind>) -> Self {
        let (mut police, mut bank) = (false, false);
        for tag in tags {
            police |= tag == TagKind::Police;
            bank |= tag == TagKind::BankDetails;
        }
        match (police, bank) {
            (true, true) => Mentioned::Both,
            (true, false) => Mentioned::Police,
            (false, true) => Mentioned::BankDetails,
            (false, false) => Mentioned::Nothing,
        }
    }
}

/// What starts a callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// A call rated medium or high risk has ended: offer the menu.
    RiskyCall { mentioned: Mentioned },
    /// The resident's phone dialled the feature code: offer the menu.
    FeatureCode,
    /// The resident's phone dialled this verified entry directly: connect
    /// that call once the line is clear. The runtime keeps the phone's
    /// INVITE (it is not one of the legs to clear).
    DialledVerified(usize),
}

impl Trigger {
    /// The trigger for a call that has just ended: a callback for medium
    /// or high risk, none below.
    pub fn after_call(risk: Risk, tags: impl IntoIterator<Item = TagKind>) -> Option<Self> {
        (risk >= Risk::Medium).then(|| Trigger::RiskyCall {
            mentioned: Mentioned::from_tags(tags),
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Trigger::RiskyCall { .. } => "risky_call",
            Trigger::FeatureCode => "feature_code",
            Trigger::DialledVerified(_) => "dialled_verified",
        }
    }
}

/// A message the callback asks the runtime to play to the resident.
/// `Display` gives its wording; menu items name their entries so the
/// runtime can speak them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CallbackPrompt {
    /// After a risky call: the warning, then the menu.
    Offer {
        mentioned: Mentioned,
        menu: Vec<MenuItem>,
    },
    /// After the feature code, and every repeat: the menu alone.
    Menu { menu: Vec<MenuItem> },
    /// A choice was made: "Connecting you."
    Connecting,
    /// The resident dialled a verified number: "The line is clear,
    /// connecting you."
    LineClearConnecting,
    /// The verified number did not answer or failed.
    CouldNotConnect,
    /// No choice was made.
    Goodbye,
}

fn write_menu(f: &mut fmt::Formatter<'_>, menu: &[MenuItem]) -> fmt::Result {
    for item in menu {
        write!(f, " {item}")?;
    }
    f.write_str(" Or hang up.")
}

impl fmt::Display for CallbackPrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackPrompt::Offer { mentioned, menu } => {
                f.write_str("This is your call guard.")?;
                match mentioned {
                    Mentioned::Police => f.write_str(" The last call mentioned the police.")?,
                    Mentioned::BankDetails => {
                        f.write_str(" The last call mentioned your bank details.")?
                    }
                    Mentioned::Both => {
                        f.write_str(" The last call mentioned the police and your bank details.")?
                    }
                    Mentioned::Nothing => {}
                }
                f.write_str(" Police and banks never ask for your PIN. The line is now clear.")?;
                write_menu(f, menu)
            }
            CallbackPrompt::Menu { menu } => {
                f.write_str("This is your call guard. The line is now clear.")?;
                write_menu(f, menu)
            }
            CallbackPrompt::Connecting => f.write_str("Connecting you."),
            CallbackPrompt::LineClearConnecting => {
                f.write_str("The line is clear. Connecting you.")
            }
            CallbackPrompt::CouldNotConnect => {
                f.write_str("Sorry, that call could not be connected. Goodbye.")
            }
            CallbackPrompt::Goodbye => f.write_str("Goodbye."),
        }
    }
}

/// Something that happened on the line or on one of the callback's legs.
/// Every event that does not fit the current state (duplicated, late, out
/// of order, a phone never rung) is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallbackEvent {
    /// A leg being cleared ended (see [`super::ClearEvent::LegEnded`]).
    LegEnded(LegId),
    /// A new incoming leg arrived on the line: it is rejected until the
    /// callback has finished.
    NewLeg(LegId),
    /// In answer to [`CallbackAction::RingPhones`]: this many of the
    /// line's phones were sent an INVITE (0: none could be), numbered from
    /// 0 in the phone events that follow. At most
    /// [`MAX_PHONES`](crate::MAX_PHONES) are kept.
    Rang { phones: usize },
    /// A rung phone answered (a 2xx).
    PhoneAnswered { phone: usize },
    /// A rung phone's INVITE failed (busy, unavailable, 487 after our
    /// CANCEL, no response).
    PhoneFailed { phone: usize, status: u16 },
    /// A rung phone that had answered hung up (BYE).
    PhoneHungUp { phone: usize },
    /// Our CANCEL or BYE to a rung phone completed or failed.
    PhoneGone { phone: usize },
    /// The resident's own call (the dialled-verified trigger) ended: BYE,
    /// or CANCEL of the phone's INVITE.
    ResidentHungUp,
    /// Our BYE on the resident's own call completed or failed.
    ResidentGone,
    /// The verified number answered.
    FarAnswered,
    /// The call to the verified number failed (any final non-2xx).
    FarFailed { status: u16 },
    /// The verified number hung up.
    FarHungUp,
    /// Our CANCEL or BYE to the verified number completed or failed.
    FarGone,
    /// A key pressed by the resident.
    Dtmf(char),
    /// The prompt with this id has played to the end.
    PromptFinished(PromptId),
}

/// Something the runtime must do, in the order drained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackAction {
    /// Clearing the line (CANCEL/BYE/abandon a leg, reject a new one, and
    /// the clearance records).
    Line(ClearAction),
    /// Ring every phone of the line (up to
    /// [`MAX_PHONES`](crate::MAX_PHONES)) as brand-new calls from
    /// linewarden's own identity, then report how many rang with
    /// [`CallbackEvent::Rang`].
    RingPhones,
    /// This rung phone answered first: it is the resident's leg from now
    /// on (start its media; what it hears follows). Every other phone
    /// still ringing was cancelled just before.
    TakePhone(usize),
    /// CANCEL the INVITE to this rung phone.
    CancelPhone(usize),
    /// Send BYE to this rung phone: the winner when the callback is over,
    /// or an answer that came too late.
    ByePhone(usize),
    /// Answer the INVITE the resident's phone sent (the dialled-verified
    /// trigger).
    AnswerResident,
    /// Send BYE on the resident's own call.
    ByeResident,
    /// Play this prompt to the resident, replacing anything playing.
    Play {
        id: PromptId,
        prompt: CallbackPrompt,
    },
    /// Place the outgoing trunk call to this entry of the line's
    /// [`super::VerifiedNumbers`] (its normalized number); at most once.
    Dial { entry: usize },
    /// CANCEL the call to the verified number.
    CancelFar,
    /// Send BYE to the verified number.
    ByeFar,
    /// Connect the resident and the verified number, both ways (stopping
    /// any prompt).
    Bridge,
    /// Disconnect the media connected by `Bridge`.
    Unbridge,
    /// A record for the call log.
    Log(CallbackLog),
    /// Every leg is down or given up on. Emitted once, last; the machine
    /// has no deadline after and the line is no longer held.
    Finished,
}

/// A call-log record. The line's clearances come as
/// [`ClearAction::Cleared`] and [`ClearAction::LineClear`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallbackLog {
    /// The callback proper started (the resident rung, or their call
    /// answered or dialled): never before the line was clear.
    Started { at: Instant, trigger: Trigger },
    /// This entry was dialled.
    Dialled { at: Instant, entry: usize },
    /// How it ended; emitted once.
    Ended { at: Instant, result: CallbackResult },
}

/// How a callback ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallbackResult {
    /// The resident was connected to the verified number.
    Connected { entry: usize },
    /// The resident's phones did not answer, or failed.
    ResidentNoAnswer,
    /// The resident hung up before being connected.
    ResidentHungUp,
    /// No choice made (no key, or only keys without an entry).
    NoChoice,
    /// The verified number did not answer or failed.
    CouldNotConnect { entry: usize },
}

impl CallbackResult {
    pub fn as_str(&self) -> &'static str {
        match self {
            CallbackResult::Connected { .. } => "connected",
            CallbackResult::ResidentNoAnswer => "resident_no_answer",
            CallbackResult::ResidentHungUp => "resident_hung_up",
            CallbackResult::NoChoice => "no_choice",
            CallbackResult::CouldNotConnect { .. } => "could_not_connect",
        }
    }
}

/// A callback that cannot be started.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("no verified entry {0}")]
    UnknownEntry(usize),
    #[error("the line's verified numbers offer no menu choice")]
    EmptyMenu,
}
