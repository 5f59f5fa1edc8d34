//! Speech recognition for linewarden.
//!
//! Owns: the recognizer trait, the PocketSphinx binding (all `unsafe` lives
//! in one module), and the upsampler that turns 8 kHz call audio into the
//! 16 kHz the acoustic model expects.
//!
//! Does not own: what the words mean (tagging and risk rules are in `ivr`),
//! threads or the async runtime (the shell runs recognizers on its worker
//! pool).
//!
//! Every recognizer takes 8 kHz mono 16-bit call audio in chunks of any
//! size through [`Recognizer::push`] and hands out [`Word`]s, timed from
//! the first sample pushed, as they become final:
//!
//! - [`Engine`]: PocketSphinx, spotting keyphrases or decoding with an
//!   n-gram language model or a JSGF grammar ([`Config`], [`Mode`]).
//! - [`Gated`]: any [`Decode`]r (an [`Engine`]) behind a [`VoiceGate`],
//!   so that only speech is decoded, one whole utterance at a time; the
//!   service shares a few warm engines between all calls this way.
//! - [`TwoPass`]: a keyphrase spotter whose spots a language model or
//!   grammar decodes again, with the words around them ([`open_decoder`]
//!   opens it or an [`Engine`], as the [`Config`] says).
//! - [`TranscriptRecognizer`]: replays a reference transcript, for offline
//!   replay of fixtures that come with one.
#![deny(unsafe_code)]

mod config;
mod error;
mod gate;
mod gated;
mod recognizer;
mod sphinx;
mod transcript;
mod two_pass;
pub mod upsample;

pub use config::{Config, Keyphrase, Mode, SecondPass, DEFAULT_MODEL_DIR, LANGUAGE_WEIGHTS};
pub use error::Error;
pub use gate::{GateConfig, Utterance, VoiceGate};
pub use gated::{Decode, Gated};
pub use recognizer::{Recognizer, Word};
pub use sphinx::Engine;
pub use transcript::TranscriptRecognizer;
pub use two_pass::{open_decoder, TwoPass};
pub use upsample::Upsampler;
