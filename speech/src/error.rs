//! The crate's one error type.
//!
//! Owns: every way opening or feeding a recognizer can fail, as variants a
//! caller can match. Does not own: logging or retry decisions (the caller
//! decides whether a call goes on without speech tagging).

use std::path::PathBuf;

/// Why a recognizer could not be opened or could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// This build has no PocketSphinx: the library was not found when the
    /// crate was compiled.
    #[error(
        "speech recognition is not built in: PocketSphinx was not found when linewarden was \
         compiled; install the Debian packages libpocketsphinx-dev and pocketsphinx-en-us \
         (and pkg-config), then rebuild"
    )]
    NotBuiltIn,

    /// A model file or directory the configuration names does not exist.
    #[error("speech model {what} {path} is missing (the en-us model is in the Debian package pocketsphinx-en-us)")]
    ModelMissing {
        /// Which part of the model: "acoustic model directory",
        /// "dictionary", "language model", or an acoustic model file.
        what: &'static str,
        path: PathBuf,
    },

    /// A setting cannot be used as given (an empty keyphrase, a threshold
    /// that is not a positive number, a path with a NUL byte...).
    #[error("speech setting {setting}: {reason}")]
    InvalidConfig {
        setting: &'static str,
        reason: String,
    },

    /// A keyphrase uses a word the pronunciation dictionary lacks, so it
    /// could never be spotted.
    #[error("the keyphrase word {word:?} is not in the pronunciation dictionary {dictionary}")]
    UnknownWord { word: String, dictionary: PathBuf },

    /// A file PocketSphinx reads its settings from (the keyphrase list,
    /// the feature parameters) could not be written.
    #[error("cannot write the {what} file {path} for PocketSphinx: {cause}")]
    TempFile {
        what: &'static str,
        path: PathBuf,
        cause: std::io::Error,
    },

    /// PocketSphinx refused to start: `stage` says which step failed
    /// (its own log is silenced, so this is all there is).
    #[error("PocketSphinx could not start: {stage} failed")]
    Init { stage: &'static str },

    /// PocketSphinx failed on audio it was given.
    #[error("PocketSphinx failed while {stage}")]
    Process { stage: &'static str },

    /// Audio was pushed after [`crate::Recognizer::finish`].
    #[error("the recognizer has already finished this call")]
    Finished,
}
