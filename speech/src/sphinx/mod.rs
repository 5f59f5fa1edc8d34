//! [`Engine`]: PocketSphinx as a streaming [`Recognizer`].
//!
//! Owns: opening a decoder from a [`Config`], the streaming loop (upsample
//! to 16 kHz, decode in 20 ms blocks, end the utterance when the decoder's
//! voice activity detector reports silence after speech, or when it grows
//! past `max_utterance`), and turning decoder segments into [`Word`]s
//! timed from the first sample pushed. Does not own: the C interface and
//! all `unsafe` (`ffi`), model path checks (`config`).

#[cfg(has_pocketsphinx)]
#[allow(unsafe_code)]
mod ffi;
mod segment;
mod spots;
#[cfg(not(has_pocketsphinx))]
mod stub;
mod words;

#[cfg(has_pocketsphinx)]
use ffi::Decoder;
#[cfg(not(has_pocketsphinx))]
use stub::Decoder;

use std::ffi::CString;
use std::path::Path;

use crate::{Config, Error, Mode, Recognizer, Upsampler, Utterance, Word};

/// 16 kHz samples decoded between two looks at the speech detector: 20 ms.
const BLOCK: usize = 320;
/// 16 kHz samples per millisecond.
const PER_MS_16K: u64 = 16;
/// A shared engine's stream is restarted past this many samples (about
/// 50 days of speech), long before the decoder's frame count overflows.
const RESTART_STREAM_16K: u64 = 1 << 36;

/// A PocketSphinx recognizer for one call. Open one per call; it is
/// `Send`, so it can run on any worker thread. Everything PocketSphinx
/// allocated is freed when it is dropped.
pub struct Engine {
    decoder: Decoder,
    /// Whether detected keyphrases are split into words.
    spotting: bool,
    /// Whether, of overlapping detections, only the longest is kept.
    one_spot: bool,
    upsampler: Upsampler,
    /// 16 kHz samples decoded so far.
    decoded: u64,
    /// Where the current utterance's speech began (16 kHz samples), once
    /// the detector has heard some.
    speech_from: Option<u64>,
    max_utterance_16k: u64,
    ready: Vec<Word>,
    /// Upsampled audio not yet decoded: always less than a block between
    /// calls, so results do not depend on how the audio was chunked.
    pending: Vec<i16>,
    /// Whether the decoder has an utterance started.
    in_utt: bool,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Listening,
    Finished,
    /// PocketSphinx failed; the decoder is not used again.
    Failed,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("spotting", &self.spotting)
            .field("decoded", &self.decoded)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Whether this build has PocketSphinx. Without it, [`Engine::open`]
    /// always fails with [`Error::NotBuiltIn`].
    pub const BUILT_IN: bool = cfg!(has_pocketsphinx);

    /// Loads the model and sets up the search `config` asks for. Takes
    /// about a second in language model mode (the LM is loaded), less for
    /// keyphrases.
    pub fn open(config: &Config) -> Result<Engine, Error> {
        if !Self::BUILT_IN {
            return Err(Error::NotBuiltIn);
        }
        config.validate()?;
        let dictionary = config.dictionary_path();
        let params = words::TempFile::write("feature parameters", &config.feature_params())?;
        let mut decoder = Decoder::new(
            &c_path(&config.acoustic_model_path())?,
            &c_path(&dictionary)?,
            &c_path(params.path())?,
            config.single_pass,
            config.language_weight,
        )?;
        drop(params);
        match &config.mode {
            Mode::Keyphrases(list) => {
                let mut lines = String::new();
                for k in list {
                    let words = k.words();
                    for w in &words {
                        let known = CString::new(w.as_str()).is_ok_and(|c| decoder.has_word(&c));
                        if !known {
                            return Err(Error::UnknownWord {
                                word: w.clone(),
                                dictionary,
                            });
                        }
                    }
                    lines.push_str(&format!("{} /{:e}/\n", words.join(" "), k.threshold));
                }
                let file = words::TempFile::write("keyphrases", &lines)?;
                decoder.use_keyphrase_file(&c_path(file.path())?)?;
            }
            Mode::LanguageModel(_) => {
                let lm = config.language_model_path().unwrap_or_default();
                decoder.use_language_model(&c_path(&lm)?)?;
            }
            Mode::Grammar(text) => {
                let text = CString::new(text.as_str()).map_err(|_| Error::InvalidConfig {
                    setting: "grammar",
                    reason: "the JSGF grammar contains a NUL byte".to_owned(),
                })?;
                decoder.use_grammar(&text)?;
            }
        }
        let max_ms = u64::try_from(config.max_utterance.as_millis()).unwrap_or(u64::MAX);
        Ok(Engine {
            decoder,
            spotting: matches!(config.mode, Mode::Keyphrases(_)),
            one_spot: config.one_spot_per_stretch,
            upsampler: Upsampler::new(),
            decoded: 0,
            speech_from: None,
            max_utterance_16k: max_ms.saturating_mul(PER_MS_16K),
            ready: Vec::new(),
            pending: Vec::with_capacity(4 * BLOCK),
            in_utt: false,
            state: State::Listening,
        })
    }

    /// Decodes the whole blocks of `pending` (all of it if `to_end`),
    /// ending utterances as the speech detector says.
    fn decode_pending(&mut self, to_end: bool) -> Result<(), Error> {
        let whole = if to_end {
            self.pending.len()
        } else {
            self.pending.len() - self.pending.len() % BLOCK
        };
        let pcm_16k = std::mem::take(&mut self.pending);
        let result = self.decode(&pcm_16k[..whole]);
        self.pending = pcm_16k;
        self.pending.drain(..whole);
        result
    }

    fn decode(&mut self, pcm_16k: &[i16]) -> Result<(), Error> {
        for block in pcm_16k.chunks(BLOCK) {
            if !self.in_utt {
                self.decoder.start_utt()?;
                self.in_utt = true;
            }
            self.decoder.process(block)?;
            self.decoded += block.len() as u64;
            let speaking = self.decoder.in_speech();
            match self.speech_from {
                None if speaking => self.speech_from = Some(self.decoded),
                Some(_) if !speaking => self.end_utterance(true)?,
                Some(from) if self.decoded - from >= self.max_utterance_16k => {
                    self.end_utterance(true)?
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Ends the current utterance, keeps its words, and starts the next
    /// one if `again`.
    fn end_utterance(&mut self, again: bool) -> Result<(), Error> {
        if !self.in_utt {
            return Ok(());
        }
        self.decoder.end_utt()?;
        self.in_utt = false;
        self.speech_from = None;
        let segments = self.decoder.segments();
        self.ready.extend(words::from_segments(
            &segments,
            self.spotting,
            self.one_spot,
        ));
        if again {
            self.decoder.start_utt()?;
            self.in_utt = true;
        }
        Ok(())
    }

    /// Decodes `utterance` on its own and returns its words timed from
    /// the start of the audio it was cut from. Inside it the decoder ends
    /// its own utterances at pauses, as when streaming.
    ///
    /// This is how one warm engine serves many calls. The decoder's stream
    /// runs on from one utterance to the next (restarting it would also
    /// reset the front end's noise estimate, which then has to be learnt
    /// again from each utterance's first frames, and spotting suffers), so
    /// its running noise and channel estimates carry over and re-adapt
    /// within an utterance. An engine used this way is not also fed
    /// through [`Recognizer::push`] (an utterance under way there is
    /// dropped).
    pub fn decode_utterance(&mut self, utterance: &Utterance) -> Result<Vec<Word>, Error> {
        let offset = utterance.start_ms();
        self.guarded(|engine| {
            if engine.in_utt {
                engine.decoder.end_utt()?;
                engine.in_utt = false;
            }
            if engine.decoded > RESTART_STREAM_16K {
                engine.decoder.start_stream()?;
                engine.decoded = 0;
            }
            engine.ready.clear();
            engine.pending.clear();
            engine.upsampler.reset();
            engine.speech_from = None;
            // Where this utterance starts in the stream, in ms.
            let base = engine.decoded / PER_MS_16K;
            engine.upsampler.push(&utterance.pcm, &mut engine.pending);
            engine.upsampler.flush(&mut engine.pending);
            engine.decode_pending(true)?;
            engine.end_utterance(false)?;
            let mut words = std::mem::take(&mut engine.ready);
            for w in &mut words {
                w.start_ms = w.start_ms.saturating_sub(base) + offset;
                w.end_ms = w.end_ms.saturating_sub(base) + offset;
            }
            Ok(words)
        })
    }

    /// Runs `step`, and marks the engine failed if it fails.
    fn guarded<T>(&mut self, step: impl FnOnce(&mut Self) -> Result<T, Error>) -> Result<T, Error> {
        match self.state {
            State::Finished => return Err(Error::Finished),
            State::Failed => {
                return Err(Error::Process {
                    stage: "decoding after an earlier failure",
                })
            }
            State::Listening => {}
        }
        let result = step(self);
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }
}

impl Recognizer for Engine {
    fn push(&mut self, pcm_8k: &[i16]) -> Result<(), Error> {
        self.guarded(|engine| {
            engine.upsampler.push(pcm_8k, &mut engine.pending);
            engine.decode_pending(false)
        })
    }

    fn take_words(&mut self) -> Vec<Word> {
        std::mem::take(&mut self.ready)
    }

    fn finish(&mut self) -> Result<Vec<Word>, Error> {
        if self.state != State::Finished {
            self.guarded(|engine| {
                engine.upsampler.flush(&mut engine.pending);
                engine.decode_pending(true)?;
                engine.end_utterance(false)
            })?;
            self.state = State::Finished;
        }
        Ok(self.take_words())
    }
}

/// `path` as a C string for PocketSphinx.
fn c_path(path: &Path) -> Result<CString, Error> {
    let bad = |reason: &str| Error::InvalidConfig {
        setting: "path",
        reason: format!("{}: {reason}", path.display()),
    };
    let text = path.to_str().ok_or_else(|| bad("not valid UTF-8"))?;
    CString::new(text).map_err(|_| bad("contains a NUL byte"))
}
