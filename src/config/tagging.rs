//! `[tagging]` (phrases, exclusions and risk rules; the built-in lists when
//! left out) and each line's `[line.alerts]` (the in-call warning and the
//! trusted contact's webhook), with their checks, and turning them into
//! `ivr::tagging::TaggerConfig` and the phrases a keyphrase spotter is
//! asked for.
//!
//! Does not own: `[speech]` (`speech.rs`), recognition (the `speech`
//! crate), tagging (`ivr::tagging`) or delivering alerts (`alerts.rs`).

use std::time::Duration;

use ivr::tagging::{PhraseConfig, RiskRule, Speaker, TaggerConfig, TaggerConfigError};
use serde::{Deserialize, Serialize};

use crate::config::toml_key::{problem, KeyPath, Problem};

/// `[[tagging.phrase]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseEntry {
    /// `police`, `bank-details`, `courier` or `cash`.
    pub tag: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_confidence: Option<u8>,
    /// Keyphrase spotting threshold for this phrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// `caller` or `resident`; either when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// The phrase asks for something on its own ("safe account"): heard,
    /// the call is high risk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub request: bool,
    /// A `police` phrase in which the caller says they are the police
    /// ("this is detective"): with a bank-details, cash or courier phrase
    /// within the window, the call is high risk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub claim: bool,
    /// `false`: never asked of a keyphrase spotter (a short word such as
    /// "pin" that it hears in nearly every call); still matched in
    /// transcripts and a language model's words.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub spotted: bool,
}

fn yes() -> bool {
    true
}

fn is_yes(b: &bool) -> bool {
    *b
}

/// `[[tagging.rule]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    #[serde(default)]
    pub all: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any: Vec<String>,
    /// `low`, `medium` or `high`.
    pub risk: String,
}

/// `[tagging]`. A list left out keeps the built-in one; a list given
/// replaces it whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TaggingConfig {
    /// Speech evidence counts together within this many seconds.
    pub window_secs: u64,
    /// Default minimum word confidence (0-100) for a phrase.
    pub min_confidence: u8,
    /// This many different phrases for one tag within the window make the
    /// risk at least medium; 0 turns it off.
    pub phrases_for_medium: usize,
    /// A run of keys ends after this many seconds without one.
    pub pin_digit_timeout_secs: u64,
    /// A phrase said within this many seconds after a request cue is a
    /// request (high risk); 0 turns cues off.
    pub cue_span_secs: u64,
    /// Tag only what is asked for or claimed (in a request, or with a
    /// claim to be the police), not every mention; mentions still count in
    /// the rules. Off by default; on in the request model.
    pub tag_requests_only: bool,
    /// Request cues ("read out", "key in"); none when left out
    /// (config/tagging-requests.toml lists the request model's). Never
    /// spotted on their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cues: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusions: Option<Vec<String>>,
    #[serde(rename = "phrase", skip_serializing_if = "Option::is_none")]
    pub phrases: Option<Vec<PhraseEntry>>,
    #[serde(rename = "rule", skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<RuleEntry>>,
}

impl Default for TaggingConfig {
    fn default() -> Self {
        let d = TaggerConfig::default();
        TaggingConfig {
            window_secs: d.window.as_secs(),
            min_confidence: d.min_confidence,
            phrases_for_medium: d.phrases_for_medium,
            pin_digit_timeout_secs: d.digit_timeout.as_secs(),
            cue_span_secs: d.cue_span.as_secs(),
            tag_requests_only: d.tag_requests_only,
            cues: None,
            exclusions: None,
            phrases: None,
            rules: None,
        }
    }
}

/// Spotting thresholds for the built-in phrases that do not use
/// `[speech] keyphrase_threshold` (1e-20), as tuned on the evaluation
/// corpus (docs/evaluation.md): stricter for short words and phrases that
/// false-alarm ("envelope", "withdraw", "long number"), looser for long names that are
/// rarely spotted ("scotland yard"). Used only while `[tagging]` gives no
/// phrase list; a configured list carries its own `threshold`s.
pub fn default_thresholds() -> Vec<(&'static str, f64)> {
    vec![
        ("sergeant", 1e-15),
        ("detective", 1e-10),
        ("scotland yard", 1e-30),
        ("fraud squad", 1e-30),
        ("key your pin", 1e-10),
        ("courier will", 1e-10),
        ("envelope", 1e-10),
        ("taxi", 1e-15),
        ("a driver", 1e-10),
        ("hand it to", 1e-10),
        ("come to your house", 1e-10),
        ("withdraw", 1e-10),
        ("in cash", 1e-10),
        ("move the money", 1e-10),
        ("gift card", 1e-10),
        ("gold bar", 1e-5),
        ("long number", 1e-5),
        ("your money", 1e-5),
    ]
}

/// `[line.alerts]`: what happens when a call on the line turns risky.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// When risk turns high during a bridged call, the resident (only)
    /// hears a warning mixed over the call.
    pub warn_resident: bool,
    /// A trusted contact's webhook: JSON is POSTed to it when a call turns
    /// high risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            warn_resident: true,
            webhook: None,
        }
    }
}

impl TaggingConfig {
    /// The tagger's configuration: the built-in lists where none are given.
    pub fn tagger(&self) -> TaggerConfig {
        let d = TaggerConfig::default();
        TaggerConfig {
            phrases: match &self.phrases {
                Some(list) => list
                    .iter()
                    .map(|p| PhraseConfig {
                        tag: p.tag.clone(),
                        text: p.text.clone(),
                        min_confidence: p.min_confidence,
                        speaker: p.speaker.as_deref().and_then(speaker),
                        request: p.request,
                        claim: p.claim,
                    })
                    .collect(),
                None => d.phrases,
            },
            cues: self.cues.clone().unwrap_or(d.cues),
            cue_span: Duration::from_secs(self.cue_span_secs),
            tag_requests_only: self.tag_requests_only,
            exclusions: self.exclusions.clone().unwrap_or(d.exclusions),
            rules: match &self.rules {
                Some(list) => list
                    .iter()
                    .map(|r| RiskRule {
                        all: r.all.clone(),
                        any: r.any.clone(),
                        risk: r.risk.parse().unwrap_or_default(),
                    })
                    .collect(),
                None => d.rules,
            },
            min_confidence: self.min_confidence,
            window: Duration::from_secs(self.window_secs),
            phrases_for_medium: self.phrases_for_medium,
            digit_timeout: Duration::from_secs(self.pin_digit_timeout_secs),
            ..d
        }
    }

    /// Whether any phrase counts when the resident says it (else only the
    /// caller needs a recognizer).
    pub fn hears_resident(&self) -> bool {
        self.tagger()
            .phrases
            .iter()
            .any(|p| p.speaker != Some(Speaker::Caller))
    }

    /// Every phrase and exclusion with its spotting threshold, for a
    /// keyphrase recognizer, in the words as written ([`spoken_words`]):
    /// the recognizer spots "detective series", and the tagger folds what
    /// it heard the same way as the phrase. Phrases configured with
    /// `spotted = false` are left out, and so are request cues (spotted
    /// alone, "key in" and "tell me" were heard in most everyday calls of
    /// the large corpus; a cue inside a spotted phrase still counts).
    pub fn keyphrases(&self, default_threshold: f64) -> Vec<speech::Keyphrase> {
        let tagger = self.tagger();
        let entry = |text: &str| {
            self.phrases
                .as_ref()
                .and_then(|list| list.iter().find(|p| p.text == text))
        };
        let threshold_of = |text: &str| {
            match &self.phrases {
                Some(list) => list
                    .iter()
                    .find(|p| p.text == text)
                    .and_then(|p| p.threshold),
                None => default_thresholds()
                    .into_iter()
                    .find(|(t, _)| *t == text)
                    .map(|(_, threshold)| threshold),
            }
            .unwrap_or(default_threshold)
        };
        let mut out: Vec<speech::Keyphrase> = Vec::new();
        for text in tagger
            .phrases
            .iter()
            .map(|p| p.text.as_str())
            .chain(tagger.exclusions.iter().map(String::as_str))
        {
            let words = spoken_words(text).join(" ");
            if entry(text).is_some_and(|p| !p.spotted) {
                continue;
            }
            if !words.is_empty() && !out.iter().any(|k| k.phrase == words) {
                out.push(speech::Keyphrase::new(words, threshold_of(text)));
            }
        }
        out
    }
}

/// A phrase's words as a recognizer's dictionary spells them: lower case,
/// split where [`ivr::tagging::normalise`] splits, punctuation other than
/// apostrophes dropped, but plurals and possessives kept ("series",
/// "christmas", "officer's"). Spotting the folded forms would ask the
/// recognizer for words no dictionary has ("serie", "christma") or for
/// other words than were meant ("clothe").
pub fn spoken_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '-' | '/' | '_'))
        .map(|piece| {
            let word: String = piece
                .to_lowercase()
                .chars()
                .map(|c| if c == '\u{2019}' { '\'' } else { c })
                .filter(|c| c.is_alphanumeric() || *c == '\'')
                .collect();
            word.trim_matches('\'').to_owned()
        })
        .filter(|word| !word.is_empty())
        .collect()
}

fn speaker(text: &str) -> Option<Speaker> {
    match text {
        "caller" => Some(Speaker::Caller),
        "resident" => Some(Speaker::Resident),
        _ => None,
    }
}

pub(super) fn validate_tagging(tagging: &TaggingConfig, path: KeyPath) -> Result<(), Problem> {
    for (i, p) in tagging.phrases.iter().flatten().enumerate() {
        if let Some(s) = &p.speaker {
            if speaker(s).is_none() {
                return problem(
                    path.clone().key("phrase").index(i).key("speaker"),
                    format!("expected \"caller\" or \"resident\", got {s:?}"),
                );
            }
        }
        if let Some(t) = p.threshold {
            if !(t > 0.0 && t <= 1.0) {
                return problem(
                    path.clone().key("phrase").index(i).key("threshold"),
                    format!("expected a number above 0 and at most 1, got {t}"),
                );
            }
        }
    }
    for (i, r) in tagging.rules.iter().flatten().enumerate() {
        if r.risk.parse::<ivr::tagging::Risk>().is_err() {
            return problem(
                path.clone().key("rule").index(i).key("risk"),
                format!("expected \"low\", \"medium\" or \"high\", got {:?}", r.risk),
            );
        }
    }
    let Err(e) = tagging.tagger().validate() else {
        return Ok(());
    };
    use TaggerConfigError as E;
    let key = match &e {
        E::EmptyPhrase { index, .. } => path.key("phrase").index(*index).key("text"),
        E::UnknownPhraseTag { index, .. } | E::NotASpeechTag { index, .. } => {
            path.key("phrase").index(*index).key("tag")
        }
        E::PhraseConfidence { index, .. } => path.key("phrase").index(*index).key("min_confidence"),
        E::EmptyExclusion { index, .. } => path.key("exclusions").index(*index),
        E::EmptyCue { index, .. } => path.key("cues").index(*index),
        E::CueSpan(_) => path.key("cue_span_secs"),
        E::UnknownRuleTag { index, .. } | E::EmptyRule { index } => {
            path.key("rule").index(*index).key("all")
        }
        E::NoRisk { index } => path.key("rule").index(*index).key("risk"),
        E::MinConfidence(_) => path.key("min_confidence"),
        E::Window(_) => path.key("window_secs"),
        E::JoinGap(_) => path,
        E::DigitTimeout(_) => path.key("pin_digit_timeout_secs"),
        E::PinDigits { .. } => path,
    };
    problem(key, e.to_string())
}
