//! One warm PocketSphinx engine behind the voice gate, as the service
//! uses it: only speech is decoded, one whole utterance at a time, and
//! the same engine serves one call after another.
//!
//! Like `sphinx.rs`, these fail (saying so) without PocketSphinx.

mod common;

use speech::{Config, Engine, GateConfig, Gated, Keyphrase, Mode, Recognizer, VoiceGate, Word};

fn engine() -> Engine {
    if !Engine::BUILT_IN {
        panic!(
            "speech was built without PocketSphinx: install libpocketsphinx-dev and pocketsphinx-en-us"
        );
    }
    let config = Config {
        mode: Mode::Keyphrases(vec![
            Keyphrase::new("police officer", 1e-20),
            Keyphrase::new("detective sergeant", 1e-20),
            Keyphrase::new("fraud squad", 1e-20),
            Keyphrase::new("your card", 1e-20),
            Keyphrase::new("a courier", 1e-25),
            Keyphrase::new("bank holiday", 1e-20),
        ]),
        ..Config::default()
    };
    Engine::open(&config).unwrap_or_else(|e| panic!("{e}"))
}

fn caller_audio(fixture: &str) -> Vec<i16> {
    common::read_8k(&common::fixture(fixture).join("caller.wav")).unwrap()
}

/// The words of `fixture`'s caller, through the gate into `engine`.
fn hear(engine: Engine, fixture: &str) -> (String, Vec<Word>, Engine) {
    let mut gated = Gated::new(engine, GateConfig::default());
    for chunk in caller_audio(fixture).chunks(160) {
        gated.push(chunk).unwrap();
    }
    let words = gated.finish().unwrap();
    let text = words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    (text, words, gated.into_decoder())
}

#[test]
fn one_engine_hears_a_scam_then_an_everyday_call_each_as_alone() {
    let (scam, words, engine) = hear(engine(), "scam-police-bank");
    eprintln!("scam: {scam}");
    assert!(
        scam.contains("detective sergeant") || scam.contains("fraud squad"),
        "{scam:?}"
    );
    assert!(
        scam.contains("your card") || scam.contains("a courier"),
        "{scam:?}"
    );
    assert!(!scam.contains("bank holiday"), "{scam:?}");
    // Times are the call's, not the utterance's: inside the transcript.
    common::assert_inside_transcript(&words, "scam-police-bank", 150);
    let (everyday, _, _) = hear(engine, "everyday-bank-holiday");
    eprintln!("everyday: {everyday}");
    assert!(everyday.contains("bank holiday"), "{everyday:?}");
    for scam in ["detective", "fraud", "card", "courier"] {
        assert!(!everyday.contains(scam), "{scam:?} in {everyday:?}");
    }
}

#[test]
fn the_gate_passes_less_than_the_whole_call() {
    let pcm = caller_audio("everyday-bank-holiday");
    // With a short lead-in, as the gate can be set.
    let mut gate = VoiceGate::new(GateConfig {
        preroll_frames: 15,
        ..GateConfig::default()
    });
    let mut cut = Vec::new();
    gate.push(&pcm, &mut cut);
    gate.flush(&mut cut);
    let passed: usize = cut.iter().map(|u| u.pcm.len()).sum();
    eprintln!(
        "{} utterances, {passed} of {} samples",
        cut.len(),
        pcm.len()
    );
    assert!(!cut.is_empty());
    assert!(passed < pcm.len(), "the whole call went through");
}
