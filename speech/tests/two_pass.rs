//! Two passes over a call: keyphrases spotted, then the audio around each
//! spot decoded again with a language model, whose words are the ones
//! that come out.
//!
//! Like `sphinx.rs`, these fail (saying so) without PocketSphinx.

mod common;

use std::time::Duration;

use speech::{Config, Engine, GateConfig, Gated, Keyphrase, Mode, Recognizer, SecondPass};

fn config(second: Mode) -> Config {
    if !Engine::BUILT_IN {
        panic!(
            "speech was built without PocketSphinx: install libpocketsphinx-dev and pocketsphinx-en-us"
        );
    }
    Config {
        mode: Mode::Keyphrases(vec![
            Keyphrase::new("fraud squad", 1e-20),
            Keyphrase::new("courier will", 1e-20),
        ]),
        second_pass: Some(SecondPass {
            mode: second,
            margin: Duration::from_millis(1500),
        }),
        ..Config::default()
    }
}

#[test]
fn the_words_around_a_spot_come_from_the_second_pass() {
    let decoder =
        speech::open_decoder(&config(Mode::LanguageModel(None))).unwrap_or_else(|e| panic!("{e}"));
    let fixture = common::fixture("scam-police-bank");
    let audio = common::read_8k(&fixture.join("caller.wav")).unwrap();
    let mut gated = Gated::new(decoder, GateConfig::default());
    for chunk in audio.chunks(160) {
        gated.push(chunk).unwrap();
    }
    let words = gated.finish().unwrap();
    let text: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    eprintln!("heard: {}", text.join(" "));
    // A spotter alone gives only its phrases' words.
    let spotted = ["fraud", "squad", "courier", "will"];
    assert!(
        text.iter().filter(|w| !spotted.contains(w)).count() >= 5,
        "{text:?}"
    );
    // Timed in the call, inside what was said.
    common::assert_inside_transcript(&words, "scam-police-bank", 150);
}

#[test]
fn a_second_pass_that_spots_is_refused() {
    let err = speech::open_decoder(&config(Mode::Keyphrases(vec![Keyphrase::new(
        "police", 1e-10,
    )])))
    .err()
    .expect("refused");
    assert!(matches!(err, speech::Error::InvalidConfig { .. }), "{err}");
}
