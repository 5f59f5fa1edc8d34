//! The recognizer interface every speech engine implements, and the word
//! it produces.
//!
//! Owns: the streaming contract (8 kHz mono 16-bit audio in, final words
//! out, times from the first sample pushed). Does not own: any engine.

use crate::Error;

/// The sample rate of the audio [`Recognizer::push`] takes, in Hz.
pub const INPUT_RATE: u32 = 8000;

/// One recognised word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word in lower case, without pronunciation variant marks.
    pub text: String,
    /// Where the word starts, in ms from the first sample pushed.
    pub start_ms: u64,
    /// Where the word ends, in ms from the first sample pushed
    /// (`end_ms >= start_ms`).
    pub end_ms: u64,
    /// How sure the engine is, 0 to 100.
    pub confidence: u8,
}

/// A streaming speech recognizer for one call.
///
/// One recognizer serves one call and is used from one thread at a time
/// (it is `Send`, so it can move to a worker thread). No method panics on
/// any input.
pub trait Recognizer: Send {
    /// Feeds the next `pcm_8k` samples of the call: 8 kHz, mono, 16-bit.
    /// Chunks may be of any size, including empty. After
    /// [`finish`](Self::finish) this is [`Error::Finished`].
    fn push(&mut self, pcm_8k: &[i16]) -> Result<(), Error>;

    /// Takes the words that became final since the last call, in time
    /// order. Words become final during the call (when the speaker pauses),
    /// not only at its end.
    fn take_words(&mut self) -> Vec<Word>;

    /// Ends the call: finalises what is still pending and returns every
    /// word not yet taken. Later calls return no words.
    fn finish(&mut self) -> Result<Vec<Word>, Error>;
}

/// Milliseconds covered by `samples` samples at 8 kHz (rounded down).
pub(crate) fn samples_to_ms(samples: u64) -> u64 {
    samples / u64::from(INPUT_RATE / 1000)
}
