//! The utterances waiting for a decoder, and the worker threads that take
//! them.
//!
//! Owns: one queue shared by every worker (so a free decoder takes the
//! oldest waiting utterance of any call), keeping each call's utterances
//! in order (a call's next utterance waits while another worker decodes
//! its last), and the workers' loop: decode, send the words to the call,
//! reopen a decoder that failed. Does not own: cutting audio into
//! utterances (the call's [`super::Tap`]) or admission (`super`).

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use ivr::tagging::Speaker;
use speech::{Decode, Utterance};
use tracing::warn;

use super::state::{CallListen, Factory};
use crate::serve::metrics::METRICS;

/// One utterance of one party of a call.
pub(super) struct Job {
    pub call: Arc<CallListen>,
    pub speaker: Speaker,
    pub utterance: Utterance,
}

#[derive(Default)]
struct Waiting {
    jobs: VecDeque<Job>,
}

/// The shared queue.
#[derive(Default)]
pub(super) struct Queue {
    waiting: Mutex<Waiting>,
    ready: Condvar,
}

impl Queue {
    /// Queues `job`; never blocks for long (a short lock).
    pub fn push(&self, job: Job) {
        job.call.queued(job.utterance.pcm.len());
        self.lock().jobs.push_back(job);
        METRICS.utterances_waiting.fetch_add(1, Ordering::Relaxed);
        self.ready.notify_one();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The oldest job whose call no other worker is decoding; waits for
    /// one. The call is marked busy until [`Queue::done`].
    fn next(&self) -> Job {
        let mut waiting = self.lock();
        loop {
            let free = waiting.jobs.iter().position(|j| j.call.take_turn());
            if let Some(job) = free.and_then(|i| waiting.jobs.remove(i)) {
                METRICS.utterances_waiting.fetch_sub(1, Ordering::Relaxed);
                return job;
            }
            waiting = self
                .ready
                .wait(waiting)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The worker is done with `job`'s call for now.
    fn done(&self, job: &Job) {
        let _waiting = self.lock();
        job.call.end_turn(job.utterance.pcm.len());
        // Another worker may be waiting for this call's next utterance.
        self.ready.notify_all();
    }
}

/// One worker: a warm decoder taking utterances until the service stops.
pub(super) fn run(queue: &Queue, mut decoder: Box<dyn Decode>, factory: &Factory) {
    loop {
        let job = queue.next();
        match decoder.decode(&job.utterance) {
            Ok(words) => job.call.heard(job.speaker, words),
            Err(e) => {
                warn!(error = %e, "speech recognition failed on an utterance; this call is partly heard");
                job.call.lost();
                METRICS.speech_dropped.fetch_add(1, Ordering::Relaxed);
                match factory() {
                    Ok(fresh) => decoder = fresh,
                    Err(e) => {
                        warn!(error = %e, "cannot reopen the speech decoder; keeping the old one")
                    }
                }
            }
        }
        queue.done(&job);
    }
}
