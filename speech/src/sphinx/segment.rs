//! What the decoder reports for one word of a finished utterance, as the
//! binding (`ffi`) and its stand-in (`stub`) both return it.
//!
//! Owns: the [`Segment`] type only. Does not own: reading segments from
//! the decoder (`ffi`) or turning them into words (`words`).

/// One word (or spotted phrase) of a finished utterance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    /// As the decoder spelled it: may be a filler such as `<sil>` or carry
    /// a variant mark such as `(2)`.
    pub word: String,
    /// First and last frame (10 ms each), counted from the stream start.
    pub first_frame: i32,
    pub last_frame: i32,
    /// Posterior probability, 0 to 1 (0 when the search gives none).
    pub probability: f64,
}
