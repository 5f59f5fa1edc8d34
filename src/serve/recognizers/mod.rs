//! Live listening: the warm decoders every call shares, and which calls
//! get them.
//!
//! Owns: starting a few worker threads (never the async runtime's), each
//! with one decoder loaded once and reused for every call's utterances
//! (`queue`); admitting a call to listening while fewer than `capacity`
//! calls are listened to, and otherwise telling the call it is not
//! (`Listened::None`, which the call records: a guard that cannot hear
//! says so instead of staying silent); each call's [`Tap`] and its shared
//! state (`call`).
//!
//! Why a pool of decoders rather than one per call: a PocketSphinx
//! decoder carries its own copy of the acoustic model (tens of MB), and
//! Debian's 0.8 library offers no way to share one between decoders. A
//! call only needs a decoder while one of its utterances is being decoded,
//! so each call keeps only a voice gate (a few kB) and the speech that
//! waits, and the decoders (one per worker) are shared.
//!
//! Does not own: recognition (the `speech` crate), what words mean
//! (`ivr::tagging`, driven by the call's task), or the audio path (the
//! call's media session calls [`Tap::push`]).

mod call;
mod queue;
mod state;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use speech::GateConfig;

use crate::serve::metrics::METRICS;
use tokio::sync::mpsc::UnboundedReceiver;
use tracing::warn;

pub use call::Tap;
pub use state::{CallListen, Factory, Heard, Listened};

/// How the pool listens.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Worker threads, each with one decoder (at least one).
    pub workers: usize,
    /// Calls listened to at once (at least one).
    pub capacity: usize,
    /// Whether the resident is listened to as well as the caller.
    pub resident: bool,
    pub gate: GateConfig,
}

/// The recognizer threads.
pub struct Listeners {
    queue: Arc<queue::Queue>,
    settings: Settings,
    active: Arc<AtomicUsize>,
}

/// A call admitted to listening.
pub struct Opened {
    /// For the call's media.
    pub tap: Tap,
    /// The words, as they become final.
    pub words: UnboundedReceiver<Heard>,
    /// Whether anything was lost, for the call's record and alert.
    pub status: Arc<CallListen>,
}

impl Listeners {
    /// Opens one decoder per worker with `factory` (all of them now, so a
    /// broken model fails here and every call finds warm decoders) and
    /// starts the workers.
    pub fn start(settings: Settings, factory: Factory) -> Result<Listeners, speech::Error> {
        let queue = Arc::new(queue::Queue::default());
        for n in 0..settings.workers.max(1) {
            let decoder = factory()?;
            let (queue, factory) = (queue.clone(), factory.clone());
            std::thread::Builder::new()
                .name(format!("listen-{n}"))
                .spawn(move || queue::run(&queue, decoder, &factory))
                .map_err(|_| speech::Error::Init {
                    stage: "starting a recognizer thread",
                })?;
        }
        Ok(Listeners {
            queue,
            settings,
            active: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Starts listening to a new call, or `None` when `capacity` calls are
    /// listened to already.
    pub fn open(&self) -> Option<Opened> {
        let capacity = self.settings.capacity.max(1);
        let admitted = self
            .active
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < capacity).then_some(n + 1)
            })
            .is_ok();
        if !admitted {
            METRICS.listen_refused.fetch_add(1, Ordering::Relaxed);
            warn!(
                capacity,
                "speech recognition is at capacity: this call is not listened to"
            );
            return None;
        }
        let (words, rx) = tokio::sync::mpsc::unbounded_channel();
        let status = Arc::new(CallListen::new(words, self.active.clone()));
        METRICS.listening.fetch_add(1, Ordering::Relaxed);
        let tap = Tap::new(
            status.clone(),
            self.queue.clone(),
            self.settings.gate,
            self.settings.resident,
        );
        Some(Opened {
            tap,
            words: rx,
            status,
        })
    }
}

#[cfg(test)]
mod tests;
