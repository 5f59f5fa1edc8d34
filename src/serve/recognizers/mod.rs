//! Live listening: the recognizer threads every call shares.
//!
//! Owns: a small pool of worker threads (never the async runtime's), each
//! running the recognizers of the calls given to it — one per party — and
//! sending their words back to the call's task as they become final; the
//! [`Tap`] a call's media hands each 20 ms frame pair to. A worker that
//! falls behind drops frames (counted and logged once per call) instead of
//! building up delay or memory.
//!
//! Does not own: recognition (the `speech` crate), what words mean
//! (`ivr::tagging`, driven by the call's task), or the audio path (the
//! call's media session calls [`Tap::push`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::Arc;

use ivr::tagging::Speaker;
use speech::{Recognizer, Word};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tracing::{debug, warn};

/// Frames queued per worker before new ones are dropped (10 s of one call).
const QUEUE_FRAMES: usize = 500;

/// Makes a recognizer for one party of a call.
pub type Factory = Arc<dyn Fn() -> Result<Box<dyn Recognizer>, speech::Error> + Send + Sync>;

/// Words heard in a call, by whom.
pub type Heard = (Speaker, Vec<Word>);

enum Job {
    Open {
        id: u64,
        words: UnboundedSender<Heard>,
    },
    Frames {
        id: u64,
        caller: Vec<i16>,
        resident: Vec<i16>,
    },
    Close {
        id: u64,
    },
}

/// The recognizer threads.
pub struct Listeners {
    workers: Vec<SyncSender<Job>>,
    next: AtomicUsize,
    ids: AtomicU64,
}

/// A call's connection to its worker: the media session pushes frames in.
pub struct Tap {
    id: u64,
    worker: SyncSender<Job>,
    dropped: u64,
}

impl Listeners {
    /// Starts `workers` threads (at least one) making recognizers with
    /// `factory`.
    /// With `resident` false only callers are listened to (no phrase
    /// counts when the resident says it).
    pub fn start(workers: usize, factory: Factory, resident: bool) -> std::io::Result<Listeners> {
        let mut senders = Vec::new();
        for n in 0..workers.max(1) {
            let (tx, rx) = mpsc::sync_channel(QUEUE_FRAMES);
            let factory = factory.clone();
            std::thread::Builder::new()
                .name(format!("listen-{n}"))
                .spawn(move || run(&rx, &factory, resident))?;
            senders.push(tx);
        }
        Ok(Listeners {
            workers: senders,
            next: AtomicUsize::new(0),
            ids: AtomicU64::new(1),
        })
    }

    /// Starts listening to a new call: the tap for its media, and where its
    /// words arrive.
    pub fn open(&self) -> Option<(Tap, UnboundedReceiver<Heard>)> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.workers.len();
        let worker = self.workers.get(n)?.clone();
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let (words, rx) = tokio::sync::mpsc::unbounded_channel();
        // Never blocks the caller (a call task): a worker this far behind
        // leaves the call unheard.
        if worker.try_send(Job::Open { id, words }).is_err() {
            warn!("speech recognition is overloaded: this call is not listened to");
            return None;
        }
        Some((
            Tap {
                id,
                worker,
                dropped: 0,
            },
            rx,
        ))
    }
}

impl Tap {
    /// One 20 ms frame of each party. Never blocks.
    pub fn push(&mut self, caller: &[i16], resident: &[i16]) {
        let job = Job::Frames {
            id: self.id,
            caller: caller.to_vec(),
            resident: resident.to_vec(),
        };
        if let Err(TrySendError::Full(_)) = self.worker.try_send(job) {
            if self.dropped == 0 {
                warn!("speech recognition is behind; dropping call audio");
            }
            self.dropped += 1;
        }
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        // The media task drops the tap: never block it. A full queue gets
        // the close from a short-lived thread instead.
        if let Err(TrySendError::Full(job)) = self.worker.try_send(Job::Close { id: self.id }) {
            let worker = self.worker.clone();
            std::thread::spawn(move || worker.send(job).ok());
        }
    }
}

/// One call's recognizers on a worker.
struct Listening {
    caller: Option<Box<dyn Recognizer>>,
    resident: Option<Box<dyn Recognizer>>,
    words: UnboundedSender<Heard>,
}

fn run(jobs: &mpsc::Receiver<Job>, factory: &Factory, resident: bool) {
    let mut calls: HashMap<u64, Listening> = HashMap::new();
    while let Ok(job) = jobs.recv() {
        match job {
            Job::Open { id, words } => {
                let make = |who: &str| match factory() {
                    Ok(r) => Some(r),
                    Err(e) => {
                        warn!(error = %e, party = who, "no speech recognition for this call");
                        None
                    }
                };
                calls.insert(
                    id,
                    Listening {
                        caller: make("caller"),
                        resident: if resident { make("resident") } else { None },
                        words,
                    },
                );
            }
            Job::Frames {
                id,
                caller,
                resident,
            } => {
                let Some(call) = calls.get_mut(&id) else {
                    continue;
                };
                feed(&mut call.caller, Speaker::Caller, &caller, &call.words);
                feed(
                    &mut call.resident,
                    Speaker::Resident,
                    &resident,
                    &call.words,
                );
            }
            Job::Close { id } => {
                if let Some(mut call) = calls.remove(&id) {
                    for (r, who) in [
                        (&mut call.caller, Speaker::Caller),
                        (&mut call.resident, Speaker::Resident),
                    ] {
                        if let Some(r) = r.as_mut() {
                            match r.finish() {
                                Ok(words) if !words.is_empty() => {
                                    call.words.send((who, words)).ok();
                                }
                                Ok(_) => {}
                                Err(e) => debug!(error = %e, "recognizer finish failed"),
                            }
                        }
                    }
                }
            }
        }
    }
}

fn feed(
    recognizer: &mut Option<Box<dyn Recognizer>>,
    who: Speaker,
    frame: &[i16],
    words: &UnboundedSender<Heard>,
) {
    let Some(r) = recognizer.as_mut() else {
        return;
    };
    if let Err(e) = r.push(frame) {
        warn!(error = %e, "speech recognition failed; this party is no longer heard");
        *recognizer = None;
        return;
    }
    let heard = r.take_words();
    if !heard.is_empty() {
        words.send((who, heard)).ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recognizer that "hears" a word every 50 frames.
    struct Counting(u64);
    impl Recognizer for Counting {
        fn push(&mut self, pcm: &[i16]) -> Result<(), speech::Error> {
            self.0 += pcm.len() as u64;
            Ok(())
        }
        fn take_words(&mut self) -> Vec<Word> {
            if self.0 >= 8000 {
                self.0 = 0;
                return vec![Word {
                    text: "police".into(),
                    start_ms: 0,
                    end_ms: 10,
                    confidence: 90,
                }];
            }
            Vec::new()
        }
        fn finish(&mut self) -> Result<Vec<Word>, speech::Error> {
            Ok(vec![Word {
                text: "bye".into(),
                start_ms: 0,
                end_ms: 1,
                confidence: 90,
            }])
        }
    }

    #[test]
    fn words_come_back_per_party_and_at_the_end() {
        let factory: Factory = Arc::new(|| Ok(Box::new(Counting(0)) as Box<dyn Recognizer>));
        let pool = Listeners::start(2, factory, true).expect("threads");
        let (mut tap, mut words) = pool.open().expect("open");
        for _ in 0..50 {
            tap.push(&[0; 160], &[0; 160]);
        }
        drop(tap);
        let mut got = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while got.len() < 4 && std::time::Instant::now() < deadline {
            match words.try_recv() {
                Ok((who, w)) => got.push((who, w[0].text.clone())),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
            }
        }
        assert!(got.contains(&(Speaker::Caller, "police".into())), "{got:?}");
        assert!(
            got.contains(&(Speaker::Resident, "police".into())),
            "{got:?}"
        );
        assert!(got.contains(&(Speaker::Caller, "bye".into())), "{got:?}");
        assert!(got.contains(&(Speaker::Resident, "bye".into())), "{got:?}");
    }

    #[test]
    fn a_failing_factory_leaves_the_call_unheard() {
        let factory: Factory = Arc::new(|| Err(speech::Error::NotBuiltIn));
        let pool = Listeners::start(1, factory, true).expect("threads");
        let (mut tap, mut words) = pool.open().expect("open");
        tap.push(&[0; 160], &[0; 160]);
        drop(tap);
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(words.try_recv().is_err());
    }
}
