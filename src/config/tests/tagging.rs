//! The built-in phrases: their thresholds, that each can be spotted (its
//! words in the recognizer's dictionary), and that
//! config/tagging-example.toml writes them out.

use ivr::tagging::TaggerConfig;

use crate::config::speech::{dictionary_words, SpeechConfig};
use crate::config::tagging::*;

#[test]
fn every_default_threshold_names_a_built_in_phrase() {
    let phrases = TaggerConfig::default().phrases;
    for (text, threshold) in default_thresholds() {
        assert!(
            phrases.iter().any(|p| p.text == text),
            "{text:?} is not a built-in phrase"
        );
        assert!(threshold > 0.0 && threshold <= 1.0, "{text:?}: {threshold}");
    }
}

#[test]
fn built_in_phrases_are_spotted_at_their_tuned_thresholds() {
    let spotted = TaggingConfig::default().keyphrases(1e-20);
    let threshold = |phrase: &str| {
        spotted
            .iter()
            .find(|k| k.phrase == phrase)
            .map(|k| k.threshold)
    };
    assert_eq!(threshold("courier will"), Some(1e-10));
    assert_eq!(threshold("scotland yard"), Some(1e-30));
    assert_eq!(threshold("gold bar"), Some(1e-5));
    assert_eq!(threshold("sort code"), Some(1e-20));
    // Exclusions are spotted too, at the default threshold.
    assert_eq!(threshold("bank holiday"), Some(1e-20));
}

#[test]
fn phrases_are_spotted_as_written_not_folded() {
    assert_eq!(spoken_words("Detective Series"), ["detective", "series"]);
    assert_eq!(spoken_words("Christmas card!"), ["christmas", "card"]);
    assert_eq!(
        spoken_words("the officer\u{2019}s  car"),
        ["the", "officer's", "car"]
    );
    assert_eq!(
        spoken_words("pick-up/drop_off"),
        ["pick", "up", "drop", "off"]
    );
    assert!(spoken_words(" ' - ").is_empty());
    let spotted = TaggingConfig::default().keyphrases(1e-20);
    assert!(spotted.iter().any(|k| k.phrase == "detective series"));
    assert!(spotted.iter().any(|k| k.phrase == "christmas card"));
}

/// Every built-in phrase and exclusion can be spotted: each of its
/// words, as the recognizer is asked for it, is in the pronunciation
/// dictionary. Checked where the model is installed (as in CI).
#[test]
fn every_built_in_phrase_is_in_the_dictionary() {
    let speech = SpeechConfig::default();
    let config = speech::Config {
        model_dir: speech.model_dir.clone(),
        ..speech::Config::default()
    };
    let Ok(known) = dictionary_words(&config.dictionary_path()) else {
        eprintln!(
            "skipped: no dictionary at {}",
            config.dictionary_path().display()
        );
        return;
    };
    let spotted = TaggingConfig::default().keyphrases(1e-20);
    let missing: Vec<String> = spotted
        .iter()
        .flat_map(|k| {
            k.phrase
                .split_whitespace()
                .filter(|w| !known.contains(*w))
                .map(|w| format!("{w:?} in {:?}", k.phrase))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(missing.is_empty(), "not in the dictionary: {missing:?}");
    let speech::Mode::Keyphrases(kept) = speech.engine_config(&TaggingConfig::default()).mode
    else {
        panic!("keyphrase mode is the default");
    };
    assert_eq!(kept.len(), spotted.len(), "no built-in phrase left out");
}

/// config/tagging-example.toml writes the built-in lists out: it gives
/// the same tagger and spots the same phrases at the same thresholds.
#[test]
fn the_tagging_example_is_the_built_in_defaults() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/tagging-example.toml");
    let example = crate::config::Config::load(&path).expect("the example loads");
    let built_in = TaggingConfig::default();
    assert_eq!(example.tagging.tagger(), built_in.tagger());
    assert_eq!(
        example
            .tagging
            .keyphrases(example.speech.keyphrase_threshold),
        built_in.keyphrases(SpeechConfig::default().keyphrase_threshold)
    );
}

#[test]
fn a_configured_phrase_list_does_not_take_the_built_in_thresholds() {
    let tagging = TaggingConfig {
        phrases: Some(vec![PhraseEntry {
            tag: "courier".into(),
            text: "courier".into(),
            min_confidence: None,
            threshold: None,
            speaker: None,
            request: false,
            claim: false,
            spotted: true,
        }]),
        ..TaggingConfig::default()
    };
    let spotted = tagging.keyphrases(1e-20);
    let courier = spotted.iter().find(|k| k.phrase == "courier");
    assert_eq!(courier.map(|k| k.threshold), Some(1e-20));
}

#[test]
fn listen_capacity_is_one_call_or_more() {
    use crate::config::Config;
    let with = |n: &str| {
        let mut text = Config::default_config().to_toml().expect("serializes");
        text = text.replace("listen_capacity = 200", &format!("listen_capacity = {n}"));
        Config::parse(&text, "test.toml")
    };
    assert_eq!(with("1").expect("capacity 1").speech.listen_capacity, 1);
    let err = with("0").expect_err("capacity 0").to_string();
    assert!(err.contains("listen_capacity"), "{err}");
    assert!(with("10001").is_err());
}
