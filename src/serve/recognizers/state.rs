//! What one listened call's tap, the workers and the call's task share:
//! [`CallListen`] (where its words go, how much of its audio waits, whether
//! any was lost, its listening slot) and the verdict [`Listened`].
//!
//! Owns: that shared state and the small types the pool's modules pass
//! between them ([`Heard`], [`Factory`]). Does not own: cutting audio into
//! utterances (`call`), decoding (`queue`) or admission (`super`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use ivr::tagging::Speaker;
use speech::{Decode, Word};
use tokio::sync::mpsc::UnboundedSender;
use tracing::warn;

/// Opens one decoder (a worker's, or a fresh one after a failure).
pub type Factory = Arc<dyn Fn() -> Result<Box<dyn Decode>, speech::Error> + Send + Sync>;

/// Words heard in a call, by whom.
pub type Heard = (Speaker, Vec<Word>);

/// How much of a call the recognizer heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listened {
    /// Every stretch of speech was decoded.
    Full,
    /// Some speech was dropped (the recognizer was behind or failed).
    Partial,
    /// Not listened to at all (no capacity, or recognition is off).
    None,
}

impl Listened {
    pub fn as_str(self) -> &'static str {
        match self {
            Listened::Full => "full",
            Listened::Partial => "partial",
            Listened::None => "none",
        }
    }
}

/// What the tap, the workers and the call's task share about one call.
pub struct CallListen {
    pub(super) words: UnboundedSender<Heard>,
    /// Samples queued or being decoded.
    pub(super) waiting: AtomicUsize,
    /// A worker is decoding one of this call's utterances (changed only
    /// under the queue's lock).
    pub(super) busy: AtomicBool,
    pub(super) lost: AtomicBool,
    /// The listening slot, given back when the last holder drops this.
    pub(super) active: Arc<AtomicUsize>,
}

impl CallListen {
    pub(super) fn new(words: UnboundedSender<Heard>, active: Arc<AtomicUsize>) -> CallListen {
        CallListen {
            words,
            waiting: AtomicUsize::new(0),
            busy: AtomicBool::new(false),
            lost: AtomicBool::new(false),
            active,
        }
    }

    /// So far: [`Listened::Full`] or [`Listened::Partial`].
    pub fn listened(&self) -> Listened {
        if self.lost.load(Ordering::Relaxed) {
            Listened::Partial
        } else {
            Listened::Full
        }
    }

    /// Some of the call's speech will never be decoded.
    pub(super) fn lost(&self) {
        if !self.lost.swap(true, Ordering::Relaxed) {
            warn!("speech recognition is behind: some of this call's speech is not heard");
        }
    }

    pub(super) fn heard(&self, speaker: Speaker, words: Vec<Word>) {
        if !words.is_empty() {
            self.words.send((speaker, words)).ok();
        }
    }

    pub(super) fn queued(&self, samples: usize) {
        self.waiting.fetch_add(samples, Ordering::Relaxed);
    }

    pub(super) fn take_turn(&self) -> bool {
        !self.busy.swap(true, Ordering::Relaxed)
    }

    pub(super) fn end_turn(&self, samples: usize) {
        self.waiting.fetch_sub(samples, Ordering::Relaxed);
        self.busy.store(false, Ordering::Relaxed);
    }
}

impl Drop for CallListen {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::Relaxed);
        crate::serve::metrics::METRICS
            .listening
            .fetch_sub(1, Ordering::Relaxed);
    }
}
