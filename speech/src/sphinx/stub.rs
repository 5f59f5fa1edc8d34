//! Stand-in for the PocketSphinx binding in builds without the library.
//!
//! Owns: the same `Decoder` interface as `ffi`, as a type with no values,
//! so that `Decoder::new` is the only thing that can happen and it reports
//! [`Error::NotBuiltIn`]. Does not own: anything else.

use std::ffi::CStr;

use super::segment::Segment;
use crate::Error;

/// No decoder can exist without PocketSphinx.
pub(crate) enum Decoder {}

impl Decoder {
    pub fn new(
        _hmm: &CStr,
        _dict: &CStr,
        _feature_params: &CStr,
        _single_pass: bool,
        _language_weight: Option<f32>,
    ) -> Result<Decoder, Error> {
        Err(Error::NotBuiltIn)
    }
    pub fn has_word(&self, _word: &CStr) -> bool {
        match *self {}
    }
    pub fn use_keyphrase_file(&mut self, _keyfile: &CStr) -> Result<(), Error> {
        match *self {}
    }
    pub fn use_language_model(&mut self, _path: &CStr) -> Result<(), Error> {
        match *self {}
    }
    pub fn use_grammar(&mut self, _text: &CStr) -> Result<(), Error> {
        match *self {}
    }
    pub fn start_stream(&mut self) -> Result<(), Error> {
        match *self {}
    }
    pub fn start_utt(&mut self) -> Result<(), Error> {
        match *self {}
    }
    pub fn process(&mut self, _pcm_16k: &[i16]) -> Result<(), Error> {
        match *self {}
    }
    pub fn in_speech(&self) -> bool {
        match *self {}
    }
    pub fn end_utt(&mut self) -> Result<(), Error> {
        match *self {}
    }
    pub fn segments(&mut self) -> Vec<Segment> {
        match *self {}
    }
}
