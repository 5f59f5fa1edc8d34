//! What a PocketSphinx [`crate::Engine`] loads and how it decodes.
//!
//! Owns: the model locations (Debian's en-us model by default), the
//! decoding mode (and a second pass over spots, [`SecondPass`]), and the
//! checks that can be made without the library
//! (paths exist, keyphrases and thresholds are usable). Does not own:
//! which phrases matter for screening (the caller chooses them) or reading
//! settings from files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::Error;

/// Where Debian's `pocketsphinx-en-us` package installs the US English
/// model.
pub const DEFAULT_MODEL_DIR: &str = "/usr/share/pocketsphinx/model/en-us";

/// A starting cepstral mean for 8 kHz telephone audio upsampled for the
/// 16 kHz en-us model.
///
/// The model's own (`feat.params`) is measured on wideband speech; with
/// nothing above 4 kHz the upper cepstra sit far from it, and the decoder
/// only adapts at the end of the first utterance, so that utterance (where
/// a caller says who they are) came out as noise ("hm odd" for "this is
/// Detective Sergeant Wilson..."). These values are the decoder's own
/// running mean after the committed phone-band fixtures (synthetic flite
/// voices, -6 dBFS peaks), averaged over four calls and rounded.
pub const TELEPHONE_CMN_INIT: &str = "41,27,-24,44,-20,4,14,-25,14,-11,4,10,-7";

/// The language model weights [`Config::language_weight`] may take
/// (PocketSphinx's `-lw`).
pub const LANGUAGE_WEIGHTS: std::ops::RangeInclusive<f32> = 0.5..=50.0;

/// Settings for a PocketSphinx [`crate::Engine`].
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The model directory: holds the acoustic model directory `en-us/`,
    /// the dictionary `cmudict-en-us.dict` and the language model
    /// `en-us.lm.bin`.
    pub model_dir: PathBuf,
    /// The acoustic model directory, if not `model_dir/en-us`.
    pub acoustic_model: Option<PathBuf>,
    /// The pronunciation dictionary, if not `model_dir/cmudict-en-us.dict`.
    pub dictionary: Option<PathBuf>,
    /// How to decode.
    pub mode: Mode,
    /// The cepstral mean the decoder starts from (13 comma-separated
    /// numbers, PocketSphinx's `-cmninit`), replacing the acoustic model's;
    /// `None` keeps the model's. The default,
    /// [`TELEPHONE_CMN_INIT`], suits telephone audio with the en-us model.
    pub cmn_init: Option<String>,
    /// Longest stretch of speech decoded as one utterance: a speaker who
    /// never pauses still gets words out at least this often.
    pub max_utterance: Duration,
    /// With [`Mode::Keyphrases`]: decode the audio around each spot again
    /// with a language model or grammar, and keep only what that hears
    /// ([`crate::TwoPass`]).
    pub second_pass: Option<SecondPass>,
    /// With [`Mode::Keyphrases`]: of keyphrase detections that overlap,
    /// keep only the one with the most words, so that a longer phrase
    /// ("key in your pin") is not interleaved with the shorter ones spotted
    /// over it. Off by default (every detection is kept).
    pub one_spot_per_stretch: bool,
    /// With a language model or grammar (the mode, or the second pass):
    /// decode in one forward pass only, without PocketSphinx's second
    /// (flat-lexicon) and third (best-path lattice) passes. About half the
    /// CPU; the words found were as good on the evaluation corpus
    /// (docs/evaluation.md), but no word confidence is computed: every
    /// word comes out at 100. Off by default (all three passes).
    pub single_pass: bool,
    /// With a language model: how much it counts against the acoustic
    /// model (PocketSphinx's `-lw`, 0.5 to 50); `None` keeps the
    /// library's (6.5). A small domain model heard more with a higher
    /// weight (docs/evaluation.md).
    pub language_weight: Option<f32>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            model_dir: PathBuf::from(DEFAULT_MODEL_DIR),
            acoustic_model: None,
            dictionary: None,
            mode: Mode::default(),
            cmn_init: Some(TELEPHONE_CMN_INIT.to_owned()),
            max_utterance: Duration::from_secs(20),
            second_pass: None,
            one_spot_per_stretch: false,
            single_pass: false,
            language_weight: None,
        }
    }
}

/// How PocketSphinx decodes.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Spot only these phrases (keyword spotting). Cheap, and a phrase is
    /// either heard or not; every word of a detected phrase comes out as a
    /// [`crate::Word`], spread evenly over the detection.
    Keyphrases(Vec<Keyphrase>),
    /// Open transcription with an n-gram language model: `None` is the
    /// model directory's `en-us.lm.bin`, or a caller's ARPA or binary LM.
    LanguageModel(Option<PathBuf>),
    /// Decode with a JSGF grammar given as text (`#JSGF V1.0; grammar g;
    /// public <s> = ...;`): only sentences of the grammar can be heard.
    Grammar(String),
}

impl Default for Mode {
    fn default() -> Self {
        Mode::LanguageModel(None)
    }
}

/// What decodes the audio around a spot.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondPass {
    /// A language model or a grammar ([`Mode::Keyphrases`] is refused).
    pub mode: Mode,
    /// Audio decoded before and after each spot.
    pub margin: Duration,
}

impl SecondPass {
    /// The margin used when none is configured: a few words either side.
    pub const DEFAULT_MARGIN: Duration = Duration::from_millis(1500);
}

/// A phrase to spot and its detection threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyphrase {
    /// One or more dictionary words separated by spaces; case is ignored.
    pub phrase: String,
    /// PocketSphinx's detection threshold: smaller finds more (and more
    /// false alarms). Typical values run from 1e-50 for long phrases to
    /// 1e-5 for short ones.
    pub threshold: f64,
}

impl Keyphrase {
    /// A threshold that suits two- or three-word phrases.
    pub const DEFAULT_THRESHOLD: f64 = 1e-20;

    /// `phrase` with `threshold`.
    pub fn new(phrase: impl Into<String>, threshold: f64) -> Self {
        Keyphrase {
            phrase: phrase.into(),
            threshold,
        }
    }

    /// The phrase's words, lower case.
    pub(crate) fn words(&self) -> Vec<String> {
        self.phrase
            .split_whitespace()
            .map(str::to_lowercase)
            .collect()
    }
}

/// The acoustic model files PocketSphinx exits the process on when they
/// are missing, so they are checked first.
const ACOUSTIC_FILES: [&str; 4] = ["mdef", "means", "variances", "transition_matrices"];

impl Config {
    /// The acoustic model directory in use.
    pub fn acoustic_model_path(&self) -> PathBuf {
        self.acoustic_model
            .clone()
            .unwrap_or_else(|| self.model_dir.join("en-us"))
    }

    /// The dictionary in use.
    pub fn dictionary_path(&self) -> PathBuf {
        self.dictionary
            .clone()
            .unwrap_or_else(|| self.model_dir.join("cmudict-en-us.dict"))
    }

    /// The acoustic model's feature parameters with `cmn_init` put in
    /// place of its `-cmninit`: the text of a `feat.params` file.
    pub(crate) fn feature_params(&self) -> String {
        let own = std::fs::read_to_string(self.acoustic_model_path().join("feat.params"))
            .unwrap_or_default();
        let Some(init) = &self.cmn_init else {
            return own;
        };
        let mut text: String = own
            .lines()
            .filter(|line| line.split_whitespace().next() != Some("-cmninit"))
            .map(|line| format!("{line}\n"))
            .collect();
        let init: String = init.split(',').map(str::trim).collect::<Vec<_>>().join(",");
        text.push_str(&format!("-cmninit {init}\n"));
        text
    }

    /// The language model file in use, in [`Mode::LanguageModel`].
    pub fn language_model_path(&self) -> Option<PathBuf> {
        match &self.mode {
            Mode::LanguageModel(lm) => Some(
                lm.clone()
                    .unwrap_or_else(|| self.model_dir.join("en-us.lm.bin")),
            ),
            _ => None,
        }
    }

    /// The voice gate in front of the decoder: the default one, cutting
    /// utterances at `max_utterance`.
    pub fn gate(&self) -> crate::GateConfig {
        crate::GateConfig::with_max_utterance(self.max_utterance)
    }

    /// Checks what can be checked without loading anything: the model
    /// files exist, keyphrases are non-empty and usable, thresholds are
    /// positive numbers, the grammar is not empty.
    pub fn validate(&self) -> Result<(), Error> {
        let hmm = self.acoustic_model_path();
        require_dir(&hmm, "acoustic model directory")?;
        for file in ACOUSTIC_FILES {
            require_file(&hmm.join(file), "acoustic model file")?;
        }
        require_file(&self.dictionary_path(), "dictionary")?;
        if let Some(lm) = self.language_model_path() {
            require_file(&lm, "language model")?;
        }
        if let Some(w) = self.language_weight {
            if !LANGUAGE_WEIGHTS.contains(&w) {
                return Err(invalid(
                    "language_weight",
                    format!(
                        "{w} is outside {} to {}",
                        LANGUAGE_WEIGHTS.start(),
                        LANGUAGE_WEIGHTS.end()
                    ),
                ));
            }
        }
        if self.max_utterance < Duration::from_millis(500) {
            return Err(invalid(
                "max_utterance",
                format!(
                    "{:?} is shorter than the 500 ms minimum",
                    self.max_utterance
                ),
            ));
        }
        if let Some(init) = &self.cmn_init {
            let values: Vec<&str> = init.split(',').map(str::trim).collect();
            if values.len() != 13
                || values
                    .iter()
                    .any(|v| v.parse::<f32>().map_or(true, |x| !x.is_finite()))
            {
                return Err(invalid(
                    "cmn_init",
                    format!("{init:?} is not 13 comma-separated numbers"),
                ));
            }
        }
        match &self.mode {
            Mode::Keyphrases(list) => validate_keyphrases(list),
            Mode::Grammar(text) if text.trim().is_empty() => {
                Err(invalid("grammar", "the JSGF grammar is empty".to_owned()))
            }
            Mode::Grammar(text) if text.contains('\0') => Err(invalid(
                "grammar",
                "the JSGF grammar contains a NUL byte".to_owned(),
            )),
            _ => Ok(()),
        }
    }
}

fn validate_keyphrases(list: &[Keyphrase]) -> Result<(), Error> {
    if list.is_empty() {
        return Err(invalid("keyphrases", "the list is empty".to_owned()));
    }
    for k in list {
        if k.words().is_empty() {
            return Err(invalid("keyphrases", "a keyphrase is empty".to_owned()));
        }
        // The keyphrase list is a text file of `phrase /threshold/` lines.
        if k.phrase
            .chars()
            .any(|c| c == '/' || c.is_control() && c != ' ')
        {
            return Err(invalid(
                "keyphrases",
                format!("{:?} contains a '/' or a control character", k.phrase),
            ));
        }
        if !(k.threshold.is_finite() && k.threshold > 0.0) {
            return Err(invalid(
                "keyphrases",
                format!(
                    "the threshold of {:?} is {}, not a positive number",
                    k.phrase, k.threshold
                ),
            ));
        }
    }
    Ok(())
}

fn invalid(setting: &'static str, reason: String) -> Error {
    Error::InvalidConfig { setting, reason }
}

fn require_dir(path: &Path, what: &'static str) -> Result<(), Error> {
    if path.is_dir() {
        Ok(())
    } else {
        Err(Error::ModelMissing {
            what,
            path: path.to_path_buf(),
        })
    }
}

fn require_file(path: &Path, what: &'static str) -> Result<(), Error> {
    if path.is_file() {
        Ok(())
    } else {
        Err(Error::ModelMissing {
            what,
            path: path.to_path_buf(),
        })
    }
}
