//! Checking a tagging configuration at load time.
//!
//! Owns: [`TaggerConfigError`] and [`TaggerConfig::validate`], which names
//! the first entry that cannot be used. Does not own: the configuration's
//! shape (`config.rs`) or what the tagger does with a bad entry (it skips
//! or clamps it: [`super::Tagger::new`]).

use std::time::Duration;

use super::config::{TaggerConfig, MAX_PIN_DIGITS, MAX_TAGGING_DURATION};
use super::normalise::normalise;
use super::types::{Risk, TagKind};

/// A [`TaggerConfig`] entry that cannot be used. Indexes count from 0.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TaggerConfigError {
    #[error("phrases[{index}] {text:?} has no words")]
    EmptyPhrase { index: usize, text: String },
    #[error("phrases[{index}]: unknown tag {tag:?}")]
    UnknownPhraseTag { index: usize, tag: String },
    #[error("phrases[{index}]: {tag} is not raised from speech")]
    NotASpeechTag { index: usize, tag: TagKind },
    #[error("phrases[{index}] min_confidence must be 0-100, got {value}")]
    PhraseConfidence { index: usize, value: u8 },
    #[error("cues[{index}] {text:?} has no words")]
    EmptyCue { index: usize, text: String },
    #[error("cue span must be at most one hour, got {0:?}")]
    CueSpan(Duration),
    #[error("exclusions[{index}] {text:?} has no words")]
    EmptyExclusion { index: usize, text: String },
    #[error("rules[{index}]: unknown tag {tag:?}")]
    UnknownRuleTag { index: usize, tag: String },
    #[error("rules[{index}] names no tags")]
    EmptyRule { index: usize },
    #[error("rules[{index}] must give a risk above none")]
    NoRisk { index: usize },
    #[error("min_confidence must be 0-100, got {0}")]
    MinConfidence(u8),
    #[error("window must be more than zero and at most one hour, got {0:?}")]
    Window(Duration),
    #[error("join gap must be at most one hour, got {0:?}")]
    JoinGap(Duration),
    #[error("digit timeout must be more than zero and at most one hour, got {0:?}")]
    DigitTimeout(Duration),
    #[error("PIN length must be 1 to {MAX_PIN_DIGITS} digits, min before max, got {min}-{max}")]
    PinDigits { min: usize, max: usize },
}

impl TaggerConfig {
    /// Checks every entry; the error names the first bad one.
    ///
    /// [`super::Tagger::new`] never panics on a bad configuration: it skips
    /// bad phrases, exclusions and rules (a rule naming an unknown tag is
    /// skipped whole, not widened) and clamps durations. Call this at load
    /// time to reject them instead.
    pub fn validate(&self) -> Result<(), TaggerConfigError> {
        use TaggerConfigError as E;
        for (index, p) in self.phrases.iter().enumerate() {
            let tag = p.tag.parse::<TagKind>().map_err(|_| E::UnknownPhraseTag {
                index,
                tag: p.tag.clone(),
            })?;
            if !tag.is_speech() {
                return Err(E::NotASpeechTag { index, tag });
            }
            if normalise(&p.text).is_empty() {
                let text = p.text.clone();
                return Err(E::EmptyPhrase { index, text });
            }
            if let Some(value) = p.min_confidence.filter(|&c| c > 100) {
                return Err(E::PhraseConfidence { index, value });
            }
        }
        for (index, c) in self.cues.iter().enumerate() {
            if normalise(c).is_empty() {
                let text = c.clone();
                return Err(E::EmptyCue { index, text });
            }
        }
        if self.cue_span > MAX_TAGGING_DURATION {
            return Err(E::CueSpan(self.cue_span));
        }
        for (index, e) in self.exclusions.iter().enumerate() {
            if normalise(e).is_empty() {
                let text = e.clone();
                return Err(E::EmptyExclusion { index, text });
            }
        }
        for (index, rule) in self.rules.iter().enumerate() {
            if let Some(tag) = rule
                .all
                .iter()
                .chain(&rule.any)
                .find(|t| t.parse::<TagKind>().is_err())
            {
                let tag = tag.clone();
                return Err(E::UnknownRuleTag { index, tag });
            }
            if rule.all.is_empty() && rule.any.is_empty() {
                return Err(E::EmptyRule { index });
            }
            if rule.risk == Risk::None {
                return Err(E::NoRisk { index });
            }
        }
        if self.min_confidence > 100 {
            return Err(E::MinConfidence(self.min_confidence));
        }
        if self.window.is_zero() || self.window > MAX_TAGGING_DURATION {
            return Err(E::Window(self.window));
        }
        if self.join_gap > MAX_TAGGING_DURATION {
            return Err(E::JoinGap(self.join_gap));
        }
        if self.digit_timeout.is_zero() || self.digit_timeout > MAX_TAGGING_DURATION {
            return Err(E::DigitTimeout(self.digit_timeout));
        }
        let (min, max) = (self.pin_min_digits, self.pin_max_digits);
        if min == 0 || min > max || max > MAX_PIN_DIGITS {
            return Err(E::PinDigits { min, max });
        }
        Ok(())
    }
}
