//! `[speech]` (the recognizer), `[tagging]` (phrases, exclusions and risk
//! rules; the built-in lists when left out) and each line's `[line.alerts]`
//! (the in-call warning and the trusted contact's webhook), with their
//! checks, and turning them into `speech::Config` and
//! `ivr::tagging::TaggerConfig`.
//!
//! Does not own: recognition (the `speech` crate), tagging (`ivr::tagging`)
//! or delivering alerts (`alerts.rs`).

use std::path::PathBuf;
use std::time::Duration;

use ivr::tagging::{PhraseConfig, RiskRule, Speaker, TaggerConfig, TaggerConfigError};
use serde::{Deserialize, Serialize};

use crate::config::toml_key::{problem, KeyPath, Problem};

/// Most recognizer threads.
const MAX_WORKERS: usize = 64;
const MAX_LISTEN_CAPACITY: usize = 10_000;

/// Which recognizer listens to calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EngineChoice {
    /// PocketSphinx with the US English model.
    Pocketsphinx,
    /// No speech recognition: calls are tagged from keys and caller ID only.
    Off,
}

/// How PocketSphinx decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecodeMode {
    /// Spot the tagging phrases (and exclusions) only.
    Keyphrases,
    /// Full large-vocabulary decoding with the model's language model.
    LanguageModel,
    /// Spot the phrases, then decode the few seconds around each spot
    /// with the language model (`language_model`, or the model's) and
    /// keep only what it hears (docs/evaluation.md).
    TwoPass,
}

/// `[speech]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpeechConfig {
    pub engine: EngineChoice,
    /// The PocketSphinx model directory (acoustic model `en-us/`,
    /// `cmudict-en-us.dict`, `en-us.lm.bin`).
    pub model_dir: PathBuf,
    pub mode: DecodeMode,
    /// With `mode = "language-model"` or `"two-pass"`: a language model file (ARPA or
    /// binary) instead of the model directory's `en-us.lm.bin`, such as a
    /// small domain model (docs/evaluation.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_model: Option<PathBuf>,
    /// With `mode = "two-pass"`: how much audio before and after each
    /// spot the language model decodes again, in milliseconds.
    pub second_pass_margin_ms: u64,
    /// Keyphrase spotting threshold for phrases that give none (smaller
    /// spots more: more recall, more false alarms).
    pub keyphrase_threshold: f64,
    /// Recognizer threads shared by all calls, one decoder each; 0: one
    /// per CPU.
    pub workers: usize,
    /// Calls listened to at once; a call past it is recorded as not
    /// listened to.
    pub listen_capacity: usize,
}

impl Default for SpeechConfig {
    fn default() -> Self {
        SpeechConfig {
            engine: EngineChoice::Pocketsphinx,
            model_dir: PathBuf::from(speech::DEFAULT_MODEL_DIR),
            mode: DecodeMode::Keyphrases,
            language_model: None,
            second_pass_margin_ms: 1500,
            keyphrase_threshold: 1e-20,
            workers: 0,
            listen_capacity: 200,
        }
    }
}

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
    /// Request cues ("read out", "key in"); the built-in list when left out.
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
        ("buy gold", 1e-5),
        ("rolex", 1e-5),
        ("draw out", 1e-5),
    ]
}

/// Request cues are never asked of a keyphrase spotter either: spotted
/// alone, "key in" and "tell me" were heard in most everyday calls of the
/// large corpus's tuning folds; a cue inside a spotted phrase ("key in your
/// pin") still counts.
///
/// Built-in phrases never asked of a keyphrase spotter: single
/// short words it hears in nearly every call at any threshold (measured on
/// the tuning folds of the large corpus: "pin" in 80 of 80 everyday calls,
/// "pay" with it in 56). The tagger still matches them in transcripts and
/// in a language model's words.
/// "passcode" is not in the recognizer's dictionary.
pub const NOT_SPOTTED: &[&str] = &["pin", "pay", "buy", "hand", "send", "passcode"];

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
    /// it heard the same way as the phrase.
    pub fn keyphrases(&self, default_threshold: f64) -> Vec<speech::Keyphrase> {
        let tagger = self.tagger();
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
            if NOT_SPOTTED.contains(&text) {
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

impl SpeechConfig {
    /// The recognizer's configuration for `tagging`'s phrases. For keyphrase
    /// spotting, phrases with a word the recognizer's dictionary lacks
    /// (such as "cvv") cannot be spotted: they are left out, with a warning.
    pub fn engine_config(&self, tagging: &TaggingConfig) -> speech::Config {
        let mut config = speech::Config {
            model_dir: self.model_dir.clone(),
            ..speech::Config::default()
        };
        config.mode = match self.mode {
            DecodeMode::Keyphrases => {
                let mut phrases = tagging.keyphrases(self.keyphrase_threshold);
                if let Ok(known) = dictionary_words(&config.dictionary_path()) {
                    phrases.retain(|k| {
                        let missing = k
                            .phrase
                            .split_whitespace()
                            .find(|w| !known.contains(*w));
                        if let Some(word) = missing {
                            tracing::warn!(phrase = %k.phrase, %word, "phrase not spotted: a word is not in the recognizer's dictionary");
                        }
                        missing.is_none()
                    });
                }
                speech::Mode::Keyphrases(phrases)
            }
            DecodeMode::LanguageModel => speech::Mode::LanguageModel(self.language_model.clone()),
            DecodeMode::TwoPass => {
                config.second_pass = Some(speech::SecondPass {
                    mode: speech::Mode::LanguageModel(self.language_model.clone()),
                    margin: std::time::Duration::from_millis(self.second_pass_margin_ms),
                });
                let keyphrases = SpeechConfig {
                    mode: DecodeMode::Keyphrases,
                    ..self.clone()
                };
                keyphrases.engine_config(tagging).mode
            }
        };
        config
    }
}

/// The words of a CMU-style pronunciation dictionary (`word phones…`, with
/// alternates written `word(2)`).
pub(super) fn dictionary_words(
    path: &std::path::Path,
) -> std::io::Result<std::collections::HashSet<String>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|w| w.split('(').next().unwrap_or(w).to_string())
        .collect())
}

pub(super) fn validate_speech(speech: &SpeechConfig, path: KeyPath) -> Result<(), Problem> {
    let t = speech.keyphrase_threshold;
    if !(t > 0.0 && t <= 1.0) {
        return problem(
            path.key("keyphrase_threshold"),
            format!("expected a number above 0 and at most 1, such as 1e-20, got {t}"),
        );
    }
    if !(100..=10_000).contains(&speech.second_pass_margin_ms) {
        return problem(
            path.key("second_pass_margin_ms"),
            format!(
                "expected 100 to 10000 ms, got {}",
                speech.second_pass_margin_ms
            ),
        );
    }
    if speech.workers > MAX_WORKERS {
        return problem(
            path.key("workers"),
            format!("expected 0 to {MAX_WORKERS}, got {}", speech.workers),
        );
    }
    if !(1..=MAX_LISTEN_CAPACITY).contains(&speech.listen_capacity) {
        return problem(
            path.key("listen_capacity"),
            format!(
                "expected 1 to {MAX_LISTEN_CAPACITY} calls, got {}",
                speech.listen_capacity
            ),
        );
    }
    Ok(())
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
