//! The opt-in request model as a configuration: config/tagging-requests.toml
//! gives `TaggerConfig::requests()` and one spot per stretch, spots what
//! the built-in configuration spots plus its own phrases, and its keys are
//! checked with file, line and key named.

use ivr::tagging::TaggerConfig;

use super::common::LINE;
use crate::config::tagging::TaggingConfig;
use crate::config::{Config, SpeechConfig};

fn requests_file() -> Config {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/tagging-requests.toml");
    Config::load(&path).unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn the_requests_file_is_the_request_model() {
    let file = requests_file();
    assert_eq!(file.tagging.tagger(), TaggerConfig::requests());
    assert!(file.speech.one_spot_per_stretch);
    assert!(
        file.speech
            .engine_config(&file.tagging)
            .one_spot_per_stretch
    );
    // Neither is on by default.
    assert_ne!(TaggingConfig::default().tagger(), TaggerConfig::requests());
    assert!(!SpeechConfig::default().one_spot_per_stretch);
    assert!(
        !SpeechConfig::default()
            .engine_config(&TaggingConfig::default())
            .one_spot_per_stretch
    );
}

#[test]
fn the_requests_file_spots_the_built_in_phrases_at_their_thresholds() {
    let file = requests_file();
    let spotted = file.tagging.keyphrases(file.speech.keyphrase_threshold);
    let threshold = |phrase: &str| {
        spotted
            .iter()
            .find(|k| k.phrase == phrase)
            .map(|k| k.threshold)
    };
    let built_in = TaggingConfig::default().keyphrases(SpeechConfig::default().keyphrase_threshold);
    for k in &built_in {
        assert_eq!(threshold(&k.phrase), Some(k.threshold), "{:?}", k.phrase);
    }
    // Its own phrases, claims and exclusions are spotted; cues alone and
    // the phrases marked `spotted = false` are not.
    assert_eq!(threshold("buy gold"), Some(1e-5));
    assert_eq!(threshold("bank account"), Some(1e-20));
    assert_eq!(threshold("this is detective"), Some(1e-20));
    assert_eq!(threshold("never give"), Some(1e-20));
    for never in ["key in", "tell me", "pin", "passcode"] {
        assert_eq!(threshold(never), None, "{never}");
    }
    let tagger = file.tagging.tagger();
    assert!(tagger.phrases.iter().any(|p| p.text == "pin"));
    assert!(tagger.cues.iter().any(|c| c == "key in"));
}

#[test]
fn request_model_keys_are_checked_with_file_line_and_key() {
    let cases = [
        (
            format!("{LINE}[tagging]\ncues = [\"read out\", \" \"]\n"),
            "bad.toml:5:21: key tagging.cues[1]:",
        ),
        (
            format!("{LINE}[tagging]\ncue_span_secs = 3601\n"),
            "bad.toml:5:17: key tagging.cue_span_secs:",
        ),
        (
            format!("{LINE}[speech]\none_spot_per_stretch = \"yes\"\n"),
            "bad.toml:5:24: key speech.one_spot_per_stretch:",
        ),
        (
            format!("{LINE}[speech]\nlanguage_weight = 51\n"),
            "bad.toml:5:19: key speech.language_weight:",
        ),
        (
            format!("{LINE}[speech]\nsingle_pass = 1\n"),
            "bad.toml:5:15: key speech.single_pass:",
        ),
        (
            format!("{LINE}[[tagging.phrase]]\ntag = \"cash\"\ntext = \"gold\"\nspotted = 1\n"),
            "bad.toml:7:11: key tagging.phrase[0].spotted:",
        ),
    ];
    for (text, prefix) in cases {
        let err = match Config::parse(&text, "bad.toml") {
            Ok(config) => panic!("expected an error, parsed {config:?}"),
            Err(err) => err.to_string(),
        };
        assert!(err.starts_with(prefix), "expected {prefix:?}, got {err:?}");
    }
}

#[test]
fn single_pass_and_language_weight_reach_the_recognizer_and_are_off_by_default() {
    let tagging = TaggingConfig::default();
    assert!(!SpeechConfig::default().engine_config(&tagging).single_pass);
    assert_eq!(
        SpeechConfig::default()
            .engine_config(&tagging)
            .language_weight,
        None
    );
    let text = format!(
        "{LINE}[speech]\nmode = \"language-model\"\nsingle_pass = true\nlanguage_weight = 10\n"
    );
    let config = Config::parse(&text, "lm.toml").unwrap_or_else(|e| panic!("{e}"));
    let engine = config.speech.engine_config(&tagging);
    assert!(engine.single_pass);
    assert_eq!(engine.language_weight, Some(10.0));
}
