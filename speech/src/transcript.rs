//! A recognizer that replays a reference transcript instead of listening.
//!
//! Owns: turning timed utterances into words (lower case, punctuation
//! stripped, times spread evenly over the utterance) and releasing them
//! as pushed audio passes each utterance's end. Does not own: reading
//! `transcript.txt` (the fixture loader parses it and passes the lines).

use crate::recognizer::samples_to_ms;
use crate::{Error, Recognizer, Word};

/// One utterance's words, released once audio passes `end_ms`.
#[derive(Debug, Clone)]
struct Utterance {
    end_ms: u64,
    words: Vec<Word>,
}

/// Replays a transcript as if it were recognised: each utterance's words
/// become final once the audio pushed reaches the utterance's end, with
/// confidence 100. At [`finish`](Recognizer::finish), words of utterances
/// cut short by the end of the audio come out if they started before it.
#[derive(Debug, Clone)]
pub struct TranscriptRecognizer {
    /// Not yet released, sorted by `end_ms`.
    pending: Vec<Utterance>,
    ready: Vec<Word>,
    pushed_samples: u64,
    finished: bool,
}

impl TranscriptRecognizer {
    /// A recognizer replaying `lines` of `(start_ms, end_ms, text)`, times
    /// from the start of the call. Lines may come in any order; an end
    /// before its start is taken as the start.
    pub fn new<I, S>(lines: I) -> Self
    where
        I: IntoIterator<Item = (u64, u64, S)>,
        S: AsRef<str>,
    {
        let mut pending: Vec<Utterance> = lines
            .into_iter()
            .map(|(start, end, text)| utterance(start, end.max(start), text.as_ref()))
            .filter(|u| !u.words.is_empty())
            .collect();
        pending.sort_by_key(|u| (u.end_ms, u.words.first().map(|w| w.start_ms)));
        TranscriptRecognizer {
            pending,
            ready: Vec::new(),
            pushed_samples: 0,
            finished: false,
        }
    }

    fn release_until(&mut self, now_ms: u64) {
        let done = self.pending.partition_point(|u| u.end_ms <= now_ms);
        for u in self.pending.drain(..done) {
            self.ready.extend(u.words);
        }
        self.ready.sort_by_key(|w| (w.start_ms, w.end_ms));
    }
}

impl Recognizer for TranscriptRecognizer {
    fn push(&mut self, pcm_8k: &[i16]) -> Result<(), Error> {
        if self.finished {
            return Err(Error::Finished);
        }
        self.pushed_samples = self
            .pushed_samples
            .saturating_add(u64::try_from(pcm_8k.len()).unwrap_or(u64::MAX));
        self.release_until(samples_to_ms(self.pushed_samples));
        Ok(())
    }

    fn take_words(&mut self) -> Vec<Word> {
        std::mem::take(&mut self.ready)
    }

    fn finish(&mut self) -> Result<Vec<Word>, Error> {
        if !self.finished {
            self.finished = true;
            let now_ms = samples_to_ms(self.pushed_samples);
            for u in std::mem::take(&mut self.pending) {
                self.ready
                    .extend(u.words.into_iter().filter(|w| w.start_ms < now_ms));
            }
            self.ready.sort_by_key(|w| (w.start_ms, w.end_ms));
        }
        Ok(self.take_words())
    }
}

/// The words of `text`, spoken from `start_ms` to `end_ms`, each given an
/// equal share of the time.
fn utterance(start_ms: u64, end_ms: u64, text: &str) -> Utterance {
    let tokens: Vec<String> = text.split_whitespace().filter_map(normalise).collect();
    let n = tokens.len() as u64;
    let span = end_ms - start_ms;
    // The share is at most `span`, so it fits back in a u64.
    let at = |i: u64| {
        let share = u128::from(span) * u128::from(i) / u128::from(n.max(1));
        start_ms + u64::try_from(share).unwrap_or(span)
    };
    let words = tokens
        .into_iter()
        .zip(0u64..)
        .map(|(text, i)| Word {
            text,
            start_ms: at(i),
            end_ms: at(i + 1),
            confidence: 100,
        })
        .collect();
    Utterance { end_ms, words }
}

/// A token in lower case without the punctuation around it ("Mum," is
/// "mum", "it's" stays); `None` if nothing is left.
fn normalise(token: &str) -> Option<String> {
    let word = token.trim_matches(|c: char| !c.is_alphanumeric());
    (!word.is_empty()).then(|| word.to_lowercase())
}
