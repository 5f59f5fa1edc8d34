//! Tagging configuration: the phrase lists, exclusions and risk rules a
//! call is tagged and assessed by.
//!
//! Owns: [`TaggerConfig`], [`PhraseConfig`], [`RiskRule`] and the limits
//! on durations and PIN length. Tag names are kept as the strings the
//! configuration file holds, so that a misspelt one is reported with the
//! entry it is in. Does not own: the built-in lists and rules and the
//! [`Default`] (`defaults.rs`), checking a configuration (`validate.rs`),
//! the request model (`requests.rs`), reading the file (the binary maps it
//! onto these types) or using it ([`super::Tagger`]).

use std::time::Duration;

use super::types::{Risk, Speaker};

/// Longest window, join gap or digit timeout accepted.
/// [`super::Tagger::new`] clamps longer values to this.
pub const MAX_TAGGING_DURATION: Duration = Duration::from_secs(60 * 60);

/// Most digits a PIN may be configured to have.
pub const MAX_PIN_DIGITS: usize = 16;

/// One phrase that raises a tag when heard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhraseConfig {
    /// A speech tag's name: "police", "bank-details", "courier" or "cash".
    pub tag: String,
    /// One or more words, normalised like heard words.
    pub text: String,
    /// Every word of the phrase must be heard with at least this
    /// confidence (0-100); `None` uses [`TaggerConfig::min_confidence`].
    pub min_confidence: Option<u8>,
    /// Only when said by this party; `None` for either.
    pub speaker: Option<Speaker>,
    /// The phrase asks for something on its own ("safe account"): heard,
    /// it makes the call high risk. Otherwise it is a mention, a request
    /// only when it follows a request cue (see [`TaggerConfig::cues`]).
    pub request: bool,
    /// A `police` phrase in which the speaker says they are the police
    /// ("this is detective", "from the fraud squad"): with a bank-details,
    /// cash or courier phrase by the same speaker within
    /// [`TaggerConfig::window`], the call is high risk.
    pub claim: bool,
}

impl PhraseConfig {
    /// Either speaker, the default confidence.
    pub fn new(tag: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            tag: tag.into(),
            text: text.into(),
            min_confidence: None,
            speaker: None,
            request: false,
            claim: false,
        }
    }
}

/// "If the call has all of these tags, and at least one of those if any
/// are given, its risk is at least `risk`." Speech tags count only when
/// heard within [`TaggerConfig::window`] of each other; other tags count
/// for the whole call once raised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskRule {
    pub all: Vec<String>,
    pub any: Vec<String>,
    pub risk: Risk,
}

impl RiskRule {
    pub fn new(all: &[&str], any: &[&str], risk: Risk) -> Self {
        let owned = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        Self {
            all: owned(all),
            any: owned(any),
            risk,
        }
    }
}

/// How a call is tagged and its risk assessed. [`Default`] gives the
/// built-in phrase lists and rules (see
/// [`default_phrases`](super::default_phrases),
/// [`DEFAULT_EXCLUSIONS`](super::DEFAULT_EXCLUSIONS) and
/// [`default_rules`](super::default_rules)) and no request cues;
/// [`TaggerConfig::requests`] the opt-in request model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaggerConfig {
    pub phrases: Vec<PhraseConfig>,
    /// Request cues: words that ask ("read out", "key in"). A phrase said
    /// by the same speaker within [`Self::cue_span`] of a cue is a
    /// request, and a request makes the call high risk. None by default;
    /// the request model's ([`TaggerConfig::requests`]) are in `requests.rs`.
    pub cues: Vec<String>,
    /// How long after a cue starts a phrase still counts as what it asks
    /// for. Zero turns cues off.
    pub cue_span: Duration,
    /// Everyday phrases ("bank holiday", "police car"): a phrase match with
    /// any word inside one of these is ignored.
    pub exclusions: Vec<String>,
    /// Evaluated together; the call's risk is the highest matching rule's.
    pub rules: Vec<RiskRule>,
    /// Default minimum word confidence for phrases, 0-100.
    pub min_confidence: u8,
    /// How close together (by offset in the call) speech evidence must be
    /// to count together in a rule.
    pub window: Duration,
    /// A phrase may run from the end of one utterance into the next by the
    /// same speaker only if the second starts less than this after the
    /// first ended. Zero never joins utterances.
    pub join_gap: Duration,
    /// This many different phrases for one speech tag within `window`
    /// raise the risk to at least medium; 0 turns this off.
    pub phrases_for_medium: usize,
    /// A run of keys ends when no key follows within this long.
    pub digit_timeout: Duration,
    /// A run of this many digits, up to `pin_max_digits`, is PIN-length.
    pub pin_min_digits: usize,
    pub pin_max_digits: usize,
    /// Tag only what is asked for or claimed: a speech tag is raised where
    /// its phrase is part of a request (a request phrase, or a cue and a
    /// mention paired) or paired with a claim to be the police, and the
    /// police tag where the caller claims to be the police. A mere mention
    /// ("a police car outside", "the new bank card came") still counts in
    /// the risk rules, which say so in their reasons, but is not tagged.
    /// Off by default (every phrase heard is tagged); on in the request
    /// model.
    pub tag_requests_only: bool,
}
