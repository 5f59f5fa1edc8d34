//! `[speech]`: which recognizer listens to calls and how it decodes, with
//! its checks, and turning it (with `[tagging]`'s phrases) into a
//! `speech::Config`.
//!
//! Does not own: recognition (the `speech` crate) or the phrases and what
//! they mean (`tagging.rs`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::config::tagging::TaggingConfig;
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
    /// With `mode = "keyphrases"` or `"two-pass"`: of spotted phrases that
    /// overlap in time, only the one with the most words reaches the
    /// tagger (docs/evaluation.md). Off by default.
    pub one_spot_per_stretch: bool,
    /// With `mode = "language-model"` or `"two-pass"`: the language model
    /// decodes in one pass, at about half the CPU, and gives no word
    /// confidences (every word at 100, so `[tagging] min_confidence` no
    /// longer filters its words). Off by default.
    pub single_pass: bool,
    /// With `mode = "language-model"` or `"two-pass"`: how much the
    /// language model counts against the acoustic model (0.5 to 50);
    /// left out, PocketSphinx's 6.5. A small domain model heard more at 10
    /// (docs/evaluation.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_weight: Option<f32>,
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
            one_spot_per_stretch: false,
            single_pass: false,
            language_weight: None,
            keyphrase_threshold: 1e-20,
            workers: 0,
            listen_capacity: 200,
        }
    }
}

impl SpeechConfig {
    /// The recognizer's configuration for `tagging`'s phrases. For keyphrase
    /// spotting, phrases with a word the recognizer's dictionary lacks
    /// (such as "cvv") cannot be spotted: they are left out, with a warning.
    pub fn engine_config(&self, tagging: &TaggingConfig) -> speech::Config {
        let mut config = speech::Config {
            model_dir: self.model_dir.clone(),
            one_spot_per_stretch: self.one_spot_per_stretch,
            single_pass: self.single_pass,
            language_weight: self.language_weight,
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
    if let Some(w) = speech.language_weight {
        if !speech::LANGUAGE_WEIGHTS.contains(&w) {
            return problem(
                path.key("language_weight"),
                format!(
                    "expected a number from {} to {}, such as 10, got {w}",
                    speech::LANGUAGE_WEIGHTS.start(),
                    speech::LANGUAGE_WEIGHTS.end()
                ),
            );
        }
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
