//! The vocabulary of call tagging: tag kinds and risk levels (whose names
//! are part of the call log's data format), the words and keys that come
//! in, and the tags and risk changes that go out.
//!
//! Owns: these plain data types, their names and parsing. Does not own:
//! the configuration (`config.rs`) or the machine that uses them
//! ([`super::Tagger`]).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// What a call was tagged with. [`TagKind::as_str`] gives the name stored
/// in the call log; [`FromStr`] parses it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagKind {
    /// Claims or mentions of police, officers, detectives, fraud squads,
    /// or anyone else claiming to investigate fraud (a bank's "fraud
    /// team" included).
    Police,
    /// Asking for or mentioning a PIN, account number, sort code, card
    /// number, security code or online-banking password.
    BankDetails,
    /// A courier or taxi coming to collect cards, cash or valuables.
    Courier,
    /// Withdrawing cash, moving money to a "safe account", buying gold or
    /// gift cards.
    Cash,
    /// The resident keyed a PIN-length run of digits on a call already
    /// tagged [`TagKind::Police`] or [`TagKind::BankDetails`].
    PinKeyed,
    /// The caller ID is one no genuine caller presents (decided by the
    /// caller-ID policy, added from outside).
    SuspiciousCli,
}

impl TagKind {
    /// Every kind, in a fixed order.
    pub const ALL: [TagKind; 6] = [
        TagKind::Police,
        TagKind::BankDetails,
        TagKind::Courier,
        TagKind::Cash,
        TagKind::PinKeyed,
        TagKind::SuspiciousCli,
    ];

    /// The kinds raised from what is said, the ones phrases may name.
    pub const SPEECH: [TagKind; 4] = [
        TagKind::Police,
        TagKind::BankDetails,
        TagKind::Courier,
        TagKind::Cash,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            TagKind::Police => "police",
            TagKind::BankDetails => "bank-details",
            TagKind::Courier => "courier",
            TagKind::Cash => "cash",
            TagKind::PinKeyed => "pin-keyed",
            TagKind::SuspiciousCli => "suspicious-cli",
        }
    }

    /// Raised from phrases heard on the call.
    pub fn is_speech(&self) -> bool {
        Self::SPEECH.contains(self)
    }

    /// This kind's bit in a set of kinds.
    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for TagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`TagKind::ALL`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown tag {0:?}")]
pub struct UnknownTag(pub String);

impl FromStr for TagKind {
    type Err = UnknownTag;

    /// Exactly the names [`TagKind::as_str`] gives.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TagKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownTag(s.to_owned()))
    }
}

/// How likely the call is a fraud. Ordered: `None < Low < Medium < High`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Risk {
    #[default]
    None,
    Low,
    Medium,
    High,
}

impl Risk {
    pub const ALL: [Risk; 4] = [Risk::None, Risk::Low, Risk::Medium, Risk::High];

    pub fn as_str(&self) -> &'static str {
        match self {
            Risk::None => "none",
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`Risk::ALL`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown risk level {0:?}")]
pub struct UnknownRisk(pub String);

impl FromStr for Risk {
    type Err = UnknownRisk;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Risk::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRisk(s.to_owned()))
    }
}

/// Who spoke or keyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Speaker {
    Caller,
    Resident,
}

impl Speaker {
    pub fn as_str(&self) -> &'static str {
        match self {
            Speaker::Caller => "caller",
            Speaker::Resident => "resident",
        }
    }
}

impl fmt::Display for Speaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One word from the speech recogniser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeardWord {
    /// The word as recognised; normalised by the tagger (lower case,
    /// punctuation dropped, simple plurals and possessives folded). A text
    /// holding several words ("fraud-squad", "sort code") counts as those
    /// words, each with this word's times and confidence.
    pub text: String,
    /// When the word started, from the start of the call.
    pub start: Duration,
    /// When the word ended, from the start of the call.
    pub end: Duration,
    /// The recogniser's confidence, 0-100 (more is taken as 100).
    pub confidence: u8,
}

impl HeardWord {
    pub fn new(text: impl Into<String>, start: Duration, end: Duration, confidence: u8) -> Self {
        Self {
            text: text.into(),
            start,
            end,
            confidence,
        }
    }
}

/// Something that happened on the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagEvent {
    /// One utterance from the recogniser: words in the order spoken.
    Heard {
        speaker: Speaker,
        words: Vec<HeardWord>,
    },
    /// A DTMF key ('0'-'9', '#', '*', 'A'-'D') keyed by `by`.
    Key { by: Speaker, key: char },
    /// A tag decided outside the tagger, such as
    /// [`TagKind::SuspiciousCli`] from the caller-ID policy.
    Add { kind: TagKind, evidence: String },
    /// The call is over: a run of keys in progress ends now, and every
    /// later event is ignored.
    Ended,
}

/// One tag on the call. Raised once per kind and never changed after.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tag {
    pub kind: TagKind,
    /// When the evidence happened, from the start of the call.
    pub at: Duration,
    /// What was seen, for the call log: the configured phrase that matched
    /// and who said it, the number of digits keyed (never the digits), or
    /// the text given with an added tag.
    pub evidence: String,
    /// 0-100: the lowest recogniser confidence among the phrase's words;
    /// 100 for keys and added tags.
    pub confidence: u8,
}

/// Something the shell should record or act on, in the order drained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagOutput {
    /// A tag was raised.
    Tagged(Tag),
    /// The call's risk went up to `reason.risk` (it never goes down),
    /// with why (the same reason [`Tagger::reasons`] keeps); warn the
    /// resident when it reaches [`Risk::High`].
    ///
    /// [`Tagger::reasons`]: super::Tagger::reasons
    Risk(RiskReason),
}

/// Why the call's risk went up, for the call log: the risk reached, when,
/// the rule or request that made it, and the evidence (phrases heard, with
/// who said them, keys, added tags).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RiskReason {
    pub risk: Risk,
    /// When the last piece of evidence that raised it happened, from the
    /// start of the call.
    pub at: Duration,
    /// The rule, or "request" for a request heard.
    pub rule: String,
    pub evidence: Vec<String>,
}
