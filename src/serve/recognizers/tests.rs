//! The pool against fake decoders: words per party, admission by
//! capacity, what is lost when decoding fails.

use std::time::{Duration, Instant};

use ivr::tagging::Speaker;
use speech::{Decode, Utterance, Word};

use super::*;

/// "Hears" one word per utterance, at its start.
struct OneWord;
impl Decode for OneWord {
    fn decode(&mut self, u: &Utterance) -> Result<Vec<Word>, speech::Error> {
        Ok(vec![Word {
            text: format!("at{}", u.start_ms()),
            start_ms: u.start_ms(),
            end_ms: u.start_ms() + 1,
            confidence: 90,
        }])
    }
}

struct Failing;
impl Decode for Failing {
    fn decode(&mut self, _: &Utterance) -> Result<Vec<Word>, speech::Error> {
        Err(speech::Error::Process { stage: "test" })
    }
}

fn settings(capacity: usize, resident: bool) -> Settings {
    Settings {
        workers: 2,
        capacity,
        resident,
        gate: speech::GateConfig {
            preroll_frames: 15,
            ..speech::GateConfig::default()
        },
    }
}

fn loud() -> Vec<i16> {
    (0..160).map(|i| ((i % 40) * 400 - 8000) as i16).collect()
}

/// 1 s of silence, 1 s of speech, 1 s of silence, on `who`'s side.
fn talk(tap: &mut Tap, caller: bool, resident: bool) {
    let quiet = [0i16; 160];
    let speech = loud();
    for n in 0..150 {
        let s = (50..100).contains(&n);
        let c: &[i16] = if s && caller { &speech } else { &quiet };
        let r: &[i16] = if s && resident { &speech } else { &quiet };
        tap.push(c, r);
    }
}

fn collect(words: &mut UnboundedReceiver<Heard>, want: usize) -> Vec<(Speaker, String)> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while got.len() < want && Instant::now() < deadline {
        match words.try_recv() {
            Ok((who, w)) => got.extend(w.into_iter().map(|w| (who, w.text))),
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    got
}

#[test]
fn only_speech_is_decoded_and_words_come_back_per_party() {
    let factory: Factory = Arc::new(|| Ok(Box::new(OneWord) as Box<dyn Decode>));
    let pool = Listeners::start(settings(4, true), factory).expect("start");
    let mut call = pool.open().expect("admitted");
    talk(&mut call.tap, true, false);
    talk(&mut call.tap, false, true);
    drop(call.tap);
    // Waits for a third word, which a decoded silence would be.
    let got = collect(&mut call.words, 3);
    // Speech from 1 s, with 300 ms of pre-roll; the resident's from 4 s.
    assert!(got.contains(&(Speaker::Caller, "at700".into())), "{got:?}");
    assert!(
        got.contains(&(Speaker::Resident, "at3700".into())),
        "{got:?}"
    );
    assert_eq!(got.len(), 2, "silence decoded: {got:?}");
    assert_eq!(call.status.listened(), Listened::Full);
}

#[test]
fn without_the_resident_only_the_caller_is_heard() {
    let factory: Factory = Arc::new(|| Ok(Box::new(OneWord) as Box<dyn Decode>));
    let pool = Listeners::start(settings(4, false), factory).expect("start");
    let mut call = pool.open().expect("admitted");
    talk(&mut call.tap, true, true);
    drop(call.tap);
    let got = collect(&mut call.words, 2);
    assert_eq!(got, vec![(Speaker::Caller, "at700".to_string())]);
}

#[test]
fn calls_past_capacity_are_not_listened_to_until_one_ends() {
    let factory: Factory = Arc::new(|| Ok(Box::new(OneWord) as Box<dyn Decode>));
    let pool = Listeners::start(settings(1, false), factory).expect("start");
    let first = pool.open().expect("the first call is admitted");
    assert!(pool.open().is_none(), "a second call at capacity 1");
    let Opened { tap, words, status } = first;
    drop((tap, words));
    // The slot is back once the workers are done with the call.
    let deadline = Instant::now() + Duration::from_secs(5);
    drop(status);
    let mut again = None;
    while again.is_none() && Instant::now() < deadline {
        again = pool.open();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(again.is_some());
}

#[test]
fn a_failing_decoder_makes_the_call_partly_heard() {
    let factory: Factory = Arc::new(|| Ok(Box::new(Failing) as Box<dyn Decode>));
    let pool = Listeners::start(settings(2, false), factory).expect("start");
    let mut call = pool.open().expect("admitted");
    talk(&mut call.tap, true, false);
    drop(call.tap);
    let deadline = Instant::now() + Duration::from_secs(5);
    while call.status.listened() == Listened::Full && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(call.status.listened(), Listened::Partial);
    assert!(call.words.try_recv().is_err());
}

#[test]
fn a_factory_that_cannot_open_a_decoder_fails_at_start() {
    let factory: Factory = Arc::new(|| Err(speech::Error::NotBuiltIn));
    assert!(Listeners::start(settings(2, false), factory).is_err());
}
