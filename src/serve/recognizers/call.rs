//! One listened call's [`Tap`]: what its media pushes audio into.
//!
//! Owns: the voice gates (one per party heard) that cut the call's audio
//! into utterances on the media task, and the bound on how much of a
//! call's audio may wait for a decoder. Does not own: the state the call
//! shares with the workers (`state`), decoding (`queue`) or admission
//! (`super`).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use ivr::tagging::Speaker;
use speech::{GateConfig, Utterance, VoiceGate};

use super::queue::{Job, Queue};
use super::state::CallListen;
use crate::serve::metrics::METRICS;

/// 8 kHz samples of one call that may wait for a decoder (30 s): past
/// that the recognizer is too far behind, and new speech is dropped.
const MAX_WAITING: usize = 30 * 8000;

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
                METRICS.speech_dropped.fetch_add(1, Ordering::Relaxed);
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
