//! Speech recognition for linewarden.
//!
//! Owns: the recognizer trait, the PocketSphinx binding (all `unsafe` lives
//! in one module), and the upsampler that turns 8 kHz call audio into the
//! 16 kHz the acoustic model expects.
//!
//! Does not own: what the words mean (tagging and risk rules are in `ivr`),
//! threads or the async runtime (the shell runs recognizers on its worker
//! pool).
