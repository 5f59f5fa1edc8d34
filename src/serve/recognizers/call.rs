//! One listened call: the [`Tap`] its media pushes audio into, and the
//! [`CallListen`] state its tap, the workers and the call's task share.
//!
//! Owns: the voice gates (one per party heard) that cut the call's audio
//! into utterances on the media task, the bound on how much of a call's
//! audio may wait for a decoder, and whether anything was lost
//! ([`Listened`]). Does not own: decoding (`queue`) or admission
//! (`super`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use ivr::tagging::Speaker;
use speech::{GateConfig, Utterance, VoiceGate, Word};
use tokio::sync::mpsc::UnboundedSender;
use tracing::warn;

use super::queue::{Job, Queue};
use super::Heard;

/// 8 kHz samples of one call that may wait for a decoder (30 s): past
/// that the recognizer is too far behind, and new speech is dropped.
const MAX_WAITING: usize = 30 * 8000;

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
    words: UnboundedSender<Heard>,
    /// Samples queued or being decoded.
    waiting: AtomicUsize,
    /// A worker is decoding one of this call's utterances (changed only
    /// under the queue's lock).
    busy: AtomicBool,
    lost: AtomicBool,
    /// The listening slot, given back when the last holder drops this.
    active: Arc<AtomicUsize>,
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
    }
}

/// A call's connection to the recognizer: the media session pushes each
/// 20 ms frame pair in. Cheap and never blocks: it only measures levels
/// and copies speech; decoding happens on the workers.
pub struct Tap {
    call: Arc<CallListen>,
    queue: Arc<Queue>,
    caller: VoiceGate,
    resident: Option<VoiceGate>,
    cut: Vec<Utterance>,
}

impl Tap {
    pub(super) fn new(
        call: Arc<CallListen>,
        queue: Arc<Queue>,
        gate: GateConfig,
        resident: bool,
    ) -> Tap {
        Tap {
            call,
            queue,
            caller: VoiceGate::new(gate),
            resident: resident.then(|| VoiceGate::new(gate)),
            cut: Vec::new(),
        }
    }

    /// One 20 ms frame of each party. Never blocks.
    pub fn push(&mut self, caller: &[i16], resident: &[i16]) {
        self.caller.push(caller, &mut self.cut);
        self.send(Speaker::Caller);
        if let Some(gate) = self.resident.as_mut() {
            gate.push(resident, &mut self.cut);
            self.send(Speaker::Resident);
        }
    }

    /// Queues what the gate cut, unless too much of this call waits.
    fn send(&mut self, speaker: Speaker) {
        for utterance in self.cut.drain(..) {
            let waiting = self.call.waiting.load(Ordering::Relaxed);
            if waiting + utterance.pcm.len() > MAX_WAITING {
                self.call.lost();
                continue;
            }
            self.queue.push(Job {
                call: self.call.clone(),
                speaker,
                utterance,
            });
        }
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        // The call's audio ends: what each gate holds is the last
        // utterance.
        self.caller.flush(&mut self.cut);
        self.send(Speaker::Caller);
        if let Some(mut gate) = self.resident.take() {
            gate.flush(&mut self.cut);
            self.send(Speaker::Resident);
        }
    }
}
