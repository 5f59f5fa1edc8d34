//! [`Gated`]: a [`Recognizer`] that decodes only what the [`VoiceGate`]
//! lets through, one whole utterance at a time, and the [`Decode`] trait
//! of whatever decodes an utterance.
//!
//! Owns: joining the gate to a decoder for one party's audio. Does not
//! own: the gate's rules (`gate`), decoding (`sphinx`), or sharing
//! decoders between calls (the service keeps a pool of warm engines and
//! gives each call only a gate; this type is the same path for one call,
//! as offline replay runs it).

use crate::{Engine, Error, GateConfig, Recognizer, Utterance, VoiceGate, Word};

/// Decodes one utterance at a time; keeps nothing from one to the next
/// that a caller could tell, so one decoder can serve many calls in turn.
pub trait Decode: Send {
    /// The words of `utterance`, timed from the start of the audio it was
    /// cut from.
    fn decode(&mut self, utterance: &Utterance) -> Result<Vec<Word>, Error>;
}

impl Decode for Engine {
    fn decode(&mut self, utterance: &Utterance) -> Result<Vec<Word>, Error> {
        self.decode_utterance(utterance)
    }
}

impl<D: Decode + ?Sized> Decode for Box<D> {
    fn decode(&mut self, utterance: &Utterance) -> Result<Vec<Word>, Error> {
        (**self).decode(utterance)
    }
}

/// One party's audio through a [`VoiceGate`] into a [`Decode`].
pub struct Gated<D> {
    gate: VoiceGate,
    decoder: D,
    cut: Vec<Utterance>,
    ready: Vec<Word>,
    finished: bool,
}

impl<D: Decode> Gated<D> {
    pub fn new(decoder: D, gate: GateConfig) -> Gated<D> {
        Gated {
            gate: VoiceGate::new(gate),
            decoder,
            cut: Vec::new(),
            ready: Vec::new(),
            finished: false,
        }
    }

    /// The decoder back, for the next call.
    pub fn into_decoder(self) -> D {
        self.decoder
    }

    fn decode_cut(&mut self) -> Result<(), Error> {
        for utterance in std::mem::take(&mut self.cut) {
            self.ready.extend(self.decoder.decode(&utterance)?);
        }
        Ok(())
    }
}

impl<D: Decode> Recognizer for Gated<D> {
    fn push(&mut self, pcm_8k: &[i16]) -> Result<(), Error> {
        if self.finished {
            return Err(Error::Finished);
        }
        self.gate.push(pcm_8k, &mut self.cut);
        self.decode_cut()
    }

    fn take_words(&mut self) -> Vec<Word> {
        std::mem::take(&mut self.ready)
    }

    fn finish(&mut self) -> Result<Vec<Word>, Error> {
        if !self.finished {
            self.finished = true;
            self.gate.flush(&mut self.cut);
            self.decode_cut()?;
        }
        Ok(self.take_words())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Hears" one word per utterance, at its start.
    struct OneWord;
    impl Decode for OneWord {
        fn decode(&mut self, u: &Utterance) -> Result<Vec<Word>, Error> {
            Ok(vec![Word {
                text: "hello".into(),
                start_ms: u.start_ms(),
                end_ms: u.start_ms() + 1,
                confidence: 90,
            }])
        }
    }

    #[test]
    fn only_speech_reaches_the_decoder_and_times_are_the_calls() {
        let gate = GateConfig {
            preroll_frames: 15,
            ..GateConfig::default()
        };
        let mut r = Gated::new(OneWord, gate);
        r.push(&vec![0; 8000]).expect("push");
        assert!(r.take_words().is_empty());
        let loud: Vec<i16> = (0..8000).map(|i| ((i % 40) * 400 - 8000) as i16).collect();
        r.push(&loud).expect("push");
        let words = r.finish().expect("finish");
        assert_eq!(words.len(), 1);
        // Speech from 1000 ms, with 300 ms of pre-roll.
        assert_eq!(words[0].start_ms, 700);
        assert!(matches!(r.push(&[0; 10]), Err(Error::Finished)));
    }
}
