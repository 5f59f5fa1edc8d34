//! PocketSphinx on the committed fixtures: keyphrase spotting and
//! language model decoding, streaming, timing, errors.
//!
//! These need the crate built with PocketSphinx (`libpocketsphinx-dev`)
//! and the model (`pocketsphinx-en-us`): without them they fail, saying
//! so, rather than pass without having listened.

mod common;

use std::path::PathBuf;

use speech::{Config, Engine, Error, Keyphrase, Mode, Recognizer, Word};

const NOT_BUILT: &str = "speech was built without PocketSphinx: install libpocketsphinx-dev, \
                         pocketsphinx-en-us and pkg-config, then rebuild (tests/run does this)";

fn require_pocketsphinx() {
    if !Engine::BUILT_IN {
        panic!("{NOT_BUILT}");
    }
}

fn open(mode: Mode) -> Engine {
    require_pocketsphinx();
    let config = Config {
        mode,
        ..Config::default()
    };
    Engine::open(&config).unwrap_or_else(|e| panic!("{e}"))
}

fn scam_phrases() -> Mode {
    Mode::Keyphrases(vec![
        Keyphrase::new("police officer", 1e-20),
        Keyphrase::new("detective sergeant", 1e-20),
        Keyphrase::new("fraud squad", 1e-20),
        Keyphrase::new("your card", 1e-20),
        Keyphrase::new("a courier", 1e-25),
        Keyphrase::new("bank holiday", 1e-20),
    ])
}

/// Pushes the fixture's caller audio in 20 ms chunks; returns the words,
/// and how many of them were out before the last chunk.
fn listen(engine: &mut Engine, fixture: &str) -> (Vec<Word>, usize) {
    let pcm = common::read_8k(&common::fixture(fixture).join("caller.wav")).unwrap();
    let mut words = Vec::new();
    for chunk in pcm.chunks(160) {
        engine.push(chunk).unwrap();
        words.extend(engine.take_words());
    }
    let early = words.len();
    words.extend(engine.finish().unwrap());
    (words, early)
}

fn texts(words: &[Word]) -> Vec<&str> {
    words.iter().map(|w| w.text.as_str()).collect()
}

/// Every word ends no earlier than it starts and lies inside an utterance
/// of the fixture's transcript (within `slack_ms`).
fn assert_inside_transcript(words: &[Word], fixture: &str, slack_ms: u64) {
    for w in words {
        assert!(w.start_ms <= w.end_ms, "{w:?}");
    }
    common::assert_inside_transcript(words, fixture, slack_ms);
}

#[test]
fn language_model_hears_the_scam() {
    let mut engine = open(Mode::LanguageModel(None));
    let (words, early) = listen(&mut engine, "scam-police-bank");
    let heard = texts(&words);
    eprintln!("heard: {}", heard.join(" "));
    for expected in ["detective", "bank", "account"] {
        assert!(heard.contains(&expected), "{expected:?} not in {heard:?}");
    }
    assert!(
        heard.iter().any(|w| ["card", "pin"].contains(w)),
        "no card or PIN in {heard:?}"
    );
    assert!(words
        .iter()
        .all(|w| w.text == w.text.to_lowercase() && w.confidence <= 100));
    assert!(
        words.windows(2).all(|p| p[0].start_ms <= p[1].start_ms),
        "not in time order"
    );
    // The first utterance (to 6086 ms) came out during the call.
    assert!(early > 0 && words[..early].iter().any(|w| w.text == "detective"));
    assert_inside_transcript(&words, "scam-police-bank", 150);
}

#[test]
fn a_single_pass_language_model_hears_the_scam_without_confidences_and_takes_a_weight() {
    require_pocketsphinx();
    let config = Config {
        mode: Mode::LanguageModel(None),
        single_pass: true,
        ..Config::default()
    };
    let mut engine = Engine::open(&config).unwrap_or_else(|e| panic!("{e}"));
    let (words, _) = listen(&mut engine, "scam-police-bank");
    let heard = texts(&words);
    eprintln!("heard in one pass: {}", heard.join(" "));
    for expected in ["detective", "bank", "account"] {
        assert!(heard.contains(&expected), "{expected:?} not in {heard:?}");
    }
    // No lattice, so no posterior: every word at 100.
    assert!(words.iter().all(|w| w.confidence == 100), "{words:?}");
    assert_inside_transcript(&words, "scam-police-bank", 150);
    // All three passes give confidences, some of them below 100.
    let (words, _) = listen(&mut open(Mode::LanguageModel(None)), "scam-police-bank");
    assert!(words.iter().any(|w| w.confidence < 100), "{words:?}");
    // Left out, the weight is the library's own 6.5: the same words.
    let explicit = Config {
        language_weight: Some(6.5),
        ..config.clone()
    };
    let mut engine = Engine::open(&explicit).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(texts(&listen(&mut engine, "scam-police-bank").0), heard);
    // The language model's weight reaches the decoder: far heavier, other
    // words.
    let heavy = Config {
        language_weight: Some(40.0),
        ..config
    };
    let mut engine = Engine::open(&heavy).unwrap_or_else(|e| panic!("{e}"));
    let (heavier, _) = listen(&mut engine, "scam-police-bank");
    eprintln!("heard with weight 40: {}", texts(&heavier).join(" "));
    assert_ne!(texts(&heavier), heard);
}

#[test]
fn language_model_on_an_everyday_call() {
    let mut engine = open(Mode::LanguageModel(None));
    let (words, _) = listen(&mut engine, "everyday-bank-holiday");
    let heard = texts(&words);
    eprintln!("heard: {}", heard.join(" "));
    assert!(heard.contains(&"holiday"), "{heard:?}");
    for scam in ["detective", "pin", "card", "courier", "account"] {
        assert!(!heard.contains(&scam), "{scam:?} in {heard:?}");
    }
    assert_inside_transcript(&words, "everyday-bank-holiday", 150);
}

#[test]
fn keyphrases_fire_on_the_scam_inside_its_utterances() {
    let mut engine = open(scam_phrases());
    let (words, early) = listen(&mut engine, "scam-police-bank");
    let heard = texts(&words).join(" ");
    eprintln!("spotted: {heard}");
    assert!(
        heard.contains("detective sergeant") || heard.contains("fraud squad"),
        "{heard:?}"
    );
    assert!(
        heard.contains("your card") || heard.contains("a courier"),
        "{heard:?}"
    );
    assert!(!heard.contains("bank holiday"), "{heard:?}");
    assert!(early > 0, "nothing spotted before the end of the call");
    assert_inside_transcript(&words, "scam-police-bank", 150);
}

#[test]
fn keyphrases_stay_quiet_on_an_everyday_call() {
    let mut engine = open(scam_phrases());
    let (words, _) = listen(&mut engine, "everyday-bank-holiday");
    let heard = texts(&words).join(" ");
    eprintln!("spotted: {heard}");
    assert!(heard.contains("bank holiday"), "{heard:?}");
    for scam in ["detective", "fraud", "card", "courier"] {
        assert!(!heard.contains(scam), "{scam:?} in {heard:?}");
    }
    assert_inside_transcript(&words, "everyday-bank-holiday", 150);
}

#[test]
fn grammar_mode_decodes_sentences_of_the_grammar() {
    let grammar = "#JSGF V1.0;\ngrammar call;\npublic <call> = <line>+;\n\
                   <line> = this is detective sergeant wilson | from the fraud squad \
                   | your bank account has been compromised | we need your pin \
                   | and your card | a courier will collect them today | hello;";
    let mut engine = open(Mode::Grammar(grammar.to_owned()));
    let (words, _) = listen(&mut engine, "scam-police-bank");
    let heard = texts(&words);
    eprintln!("heard: {}", heard.join(" "));
    assert!(
        heard.contains(&"courier") || heard.contains(&"detective"),
        "{heard:?}"
    );
}

#[test]
fn results_do_not_depend_on_chunk_size() {
    let pcm = common::read_8k(&common::fixture("scam-police-bank/caller.wav")).unwrap();
    let mut results = Vec::new();
    for size in [160, 37, 4000] {
        let mut engine = open(scam_phrases());
        for chunk in pcm.chunks(size) {
            engine.push(chunk).unwrap();
        }
        results.push(engine.finish().unwrap());
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

#[test]
fn odd_audio_and_misuse_do_not_panic() {
    let mut engine = open(scam_phrases());
    engine.push(&[]).unwrap();
    engine.push(&[i16::MAX; 8000]).unwrap();
    let noise: Vec<i16> = (0..80_000u32)
        .map(|n| (n.wrapping_mul(2_654_435_761) >> 16) as i16)
        .collect();
    engine.push(&noise).unwrap();
    engine.push(&[i16::MIN; 3]).unwrap();
    let _ = engine.finish().unwrap();
    assert!(matches!(engine.push(&[0; 10]), Err(Error::Finished)));
    assert!(engine.finish().unwrap().is_empty());
    // An engine dropped unfinished frees everything too.
    let mut engine = open(Mode::LanguageModel(None));
    engine.push(&noise[..8000]).unwrap();
    drop(engine);
}

#[test]
fn engines_move_between_threads() {
    let engine: Box<dyn Recognizer> = Box::new(open(scam_phrases()));
    let handle = std::thread::spawn(move || {
        let mut engine = engine;
        engine.push(&[0; 800]).map(|()| engine.finish())
    });
    assert!(handle.join().unwrap().unwrap().unwrap().is_empty());
}

#[test]
fn bad_settings_are_reported_by_kind() {
    require_pocketsphinx();
    let missing = Config {
        model_dir: PathBuf::from("/nonexistent/model"),
        ..Config::default()
    };
    assert!(matches!(
        Engine::open(&missing),
        Err(Error::ModelMissing { .. })
    ));

    let unknown = Config {
        mode: Mode::Keyphrases(vec![Keyphrase::new("police zzqxv", 1e-20)]),
        ..Config::default()
    };
    match Engine::open(&unknown) {
        Err(Error::UnknownWord { word, .. }) => assert_eq!(word, "zzqxv"),
        other => panic!("{other:?}"),
    }

    for list in [
        vec![],
        vec![Keyphrase::new("  ", 1e-20)],
        vec![Keyphrase::new("police", f64::NAN)],
        vec![Keyphrase::new("police", 0.0)],
        vec![Keyphrase::new("police /1/", 1e-20)],
    ] {
        let config = Config {
            mode: Mode::Keyphrases(list.clone()),
            ..Config::default()
        };
        assert!(
            matches!(Engine::open(&config), Err(Error::InvalidConfig { .. })),
            "{list:?}"
        );
    }

    for weight in [0.0, f32::NAN, 51.0] {
        let config = Config {
            mode: Mode::LanguageModel(None),
            language_weight: Some(weight),
            ..Config::default()
        };
        match Engine::open(&config) {
            Err(Error::InvalidConfig { setting, .. }) => assert_eq!(setting, "language_weight"),
            other => panic!("{weight}: {other:?}"),
        }
    }

    let bad_grammar = Config {
        mode: Mode::Grammar("this is not jsgf".to_owned()),
        ..Config::default()
    };
    assert!(matches!(
        Engine::open(&bad_grammar),
        Err(Error::Init { .. })
    ));

    let bad_cmn = Config {
        cmn_init: Some("1,2,3".to_owned()),
        ..Config::default()
    };
    assert!(matches!(
        Engine::open(&bad_cmn),
        Err(Error::InvalidConfig { .. })
    ));
}
