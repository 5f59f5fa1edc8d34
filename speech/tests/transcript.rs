//! The transcript-replaying recognizer, on a fixture transcript and on
//! hand-made lines.

mod common;

use speech::{Error, Recognizer, TranscriptRecognizer, Word};

fn word(text: &str, start_ms: u64, end_ms: u64) -> Word {
    Word {
        text: text.to_owned(),
        start_ms,
        end_ms,
        confidence: 100,
    }
}

#[test]
fn words_are_spread_evenly_and_normalised() {
    let mut r = TranscriptRecognizer::new([(1000, 2000, "Hi Mum, it's ME!")]);
    assert_eq!(
        r.finish().unwrap(),
        Vec::new(),
        "no audio pushed: nothing started"
    );
    let mut r = TranscriptRecognizer::new([(1000, 2000, "Hi Mum, it's ME!")]);
    r.push(&[0; 16_000]).unwrap();
    assert_eq!(
        r.take_words(),
        vec![
            word("hi", 1000, 1250),
            word("mum", 1250, 1500),
            word("it's", 1500, 1750),
            word("me", 1750, 2000),
        ]
    );
}

#[test]
fn an_utterance_is_released_once_audio_passes_its_end() {
    let lines =
        common::read_transcript(&common::fixture("scam-police-bank/transcript.txt")).unwrap();
    let mut r = TranscriptRecognizer::new(lines.clone());
    // 6 s of audio: the first utterance (200-6086 ms) is not over yet.
    r.push(&vec![0; 48_000]).unwrap();
    assert!(r.take_words().is_empty());
    // In 7 ms chunks up to 6.1 s: out it comes, once.
    for _ in 0..15 {
        r.push(&[0; 56]).unwrap();
    }
    let first = r.take_words();
    assert_eq!(first.first().map(|w| w.text.as_str()), Some("this"));
    assert_eq!(first.last().map(|w| w.text.as_str()), Some("compromised"));
    assert_eq!(first.len(), 15);
    assert_eq!(
        (first[0].start_ms, first[14].end_ms),
        (lines[0].0, lines[0].1)
    );
    assert!(first.windows(2).all(|w| w[0].end_ms == w[1].start_ms));
    assert!(r.take_words().is_empty());
    // The rest of the 12 s call.
    r.push(&vec![0; 96_000 - 48_840]).unwrap();
    let second: Vec<String> = r.take_words().into_iter().map(|w| w.text).collect();
    assert_eq!(
        second.join(" "),
        "we need your pin and your card a courier will collect them today"
    );
    assert_eq!(r.finish().unwrap(), Vec::new());
}

#[test]
fn finish_releases_what_had_started_and_push_then_fails() {
    let mut r = TranscriptRecognizer::new([
        (0, 1000, "one two"),
        (3000, 1000, "late"),
        (500, 4000, "a b c d"),
    ]);
    r.push(&[0; 8000]).unwrap(); // 1 s
    assert_eq!(
        r.take_words(),
        vec![word("one", 0, 500), word("two", 500, 1000)]
    );
    r.push(&[0; 8]).unwrap(); // 1001 ms
                              // "late" ends before it starts: taken as ending at its start, 3000 ms.
    let rest = r.finish().unwrap();
    assert_eq!(rest, vec![word("a", 500, 1375)]);
    assert!(matches!(r.push(&[0]), Err(Error::Finished)));
    assert_eq!(r.finish().unwrap(), Vec::new());
}

#[test]
fn is_a_boxable_send_recognizer() {
    fn assert_send<T: Send>(_: &T) {}
    let r: Box<dyn Recognizer> =
        Box::new(TranscriptRecognizer::new(Vec::<(u64, u64, String)>::new()));
    assert_send(&r);
}

#[test]
fn extreme_times_do_not_panic() {
    let mut r = TranscriptRecognizer::new([
        (0, u64::MAX, "a b c"),
        (u64::MAX, u64::MAX, "z"),
        (5, 5, ", ; !"),
    ]);
    r.push(&[0; 100]).unwrap();
    let words = r.finish().unwrap();
    assert_eq!(words.len(), 1);
    assert_eq!(words[0].text, "a");
}
