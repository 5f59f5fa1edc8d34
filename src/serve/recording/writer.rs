//! The recording writer threads: every call's WAV file is written by one of
//! a few threads shared by all recordings, not a thread per call, so
//! starting and ending a recording costs two messages instead of a thread's
//! creation and join.
//!
//! Owns: creating the files (on the writer thread, so a slow disk — a
//! shared network directory — never holds up a call's task), the open
//! files ([`Sink`]), the threads and their queues, and carrying out a
//! recording's jobs in order (create, write a batch, close).
//!
//! Does not own: batching pushes, counting what the caller side dropped or
//! the recording's API (`super::Recording`).

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock};

use super::format::{wav_spec, Batch, FLUSH_EVERY_FRAMES, MAX_FRAMES};
use crate::serve::disk::DiskRoom;

/// Writer threads. Two, so one file stuck on a slow write does not hold up
/// every other call's audio, and few, so they stay busy.
const THREADS: usize = 2;

/// Jobs a writer thread may fall behind by before batches are dropped
/// (about 10 s of audio for each of 400 calls).
const QUEUE_JOBS: usize = 20_000;

/// What a writer thread is asked to do for one recording (by its id).
pub(super) enum Job {
    /// Create the file (and its directories).
    Create(u64, Box<Opening>),
    Write(u64, Batch),
    /// Finalize the file; the frames written (or the error) go to the
    /// reply, when someone waits for it.
    Close(
        u64,
        Option<tokio::sync::oneshot::Sender<Result<u64, Failure>>>,
    ),
}

/// A recording's file to create, and what its [`Sink`] shares with the
/// recording's owner.
pub(super) struct Opening {
    pub(super) path: PathBuf,
    pub(super) room: Option<DiskRoom>,
    pub(super) disk_full: Arc<AtomicBool>,
    pub(super) dropped: Arc<AtomicU64>,
}

/// Why a recording has no file, or an incomplete one.
#[derive(Debug)]
pub(super) enum Failure {
    /// Its directory could not be created: no file.
    CreateDir(PathBuf, std::io::Error),
    /// The file could not be created: no file.
    Create(hound::Error),
    /// A write failed: the file holds the audio before it.
    Write(hound::Error),
}

/// A recording as its writer thread holds it.
enum Slot {
    Open(Box<Sink>),
    /// Its file (this path) could not be created: batches are discarded,
    /// the close reports why.
    Unmade(PathBuf, Failure),
}

/// The shared writer threads, started on first use.
pub(super) struct Writers {
    queues: Vec<SyncSender<Job>>,
    next_id: AtomicU64,
}

impl Writers {
    /// The process's writer threads.
    pub(super) fn get() -> std::io::Result<&'static Writers> {
        static WRITERS: OnceLock<Writers> = OnceLock::new();
        if let Some(w) = WRITERS.get() {
            return Ok(w);
        }
        let mut queues = Vec::with_capacity(THREADS);
        for _ in 0..THREADS {
            let (tx, rx) = mpsc::sync_channel::<Job>(QUEUE_JOBS);
            std::thread::Builder::new()
                .name("recording".to_owned())
                .spawn(move || run(&rx))?;
            queues.push(tx);
        }
        // A racing first use may start a second set: it exits once its
        // queues, dropped here, close.
        Ok(WRITERS.get_or_init(|| Writers {
            queues,
            next_id: AtomicU64::new(0),
        }))
    }

    /// A new recording's id and the queue of the thread that writes it.
    pub(super) fn assign(&self) -> (u64, SyncSender<Job>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let queue = &self.queues[(id as usize) % self.queues.len()];
        (id, queue.clone())
    }
}

/// Queues `job`; false when the thread's queue is full.
pub(super) fn offer(queue: &SyncSender<Job>, job: Job) -> bool {
    !matches!(queue.try_send(job), Err(TrySendError::Full(_)))
}

/// Carries out jobs until every sender is gone.
fn run(rx: &mpsc::Receiver<Job>) {
    let mut open: HashMap<u64, Slot> = HashMap::new();
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(job) = next.take() {
            carry_out(&mut open, job);
            next = rx.try_recv().ok();
        }
        // Asleep, the thread is not woken by every batch queued meanwhile
        // (five a second for each call): it takes them all at once.
        std::thread::sleep(DRAIN_EVERY);
    }
}

/// Least time between two wakes of a writer thread. A recording's close
/// waits at most this long; its audio was already 200 ms in batches.
const DRAIN_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

fn carry_out(open: &mut HashMap<u64, Slot>, job: Job) {
    match job {
        Job::Create(id, opening) => {
            let path = opening.path.clone();
            let slot = match Sink::create(*opening) {
                Ok(sink) => Slot::Open(Box::new(sink)),
                Err(failure) => Slot::Unmade(path, failure),
            };
            open.insert(id, slot);
        }
        Job::Write(id, batch) => {
            let Some(Slot::Open(sink)) = open.get_mut(&id) else {
                return;
            };
            if let Err(err) = sink.take(&batch) {
                tracing::warn!(path = %sink.path.display(), %err, "recording stopped");
                sink.failed = Some(err);
            }
        }
        Job::Close(id, reply) => {
            let (path, result) = match open.remove(&id) {
                Some(Slot::Open(sink)) => {
                    (sink.path.clone(), sink.finalize().map_err(Failure::Write))
                }
                Some(Slot::Unmade(path, failure)) => (path, Err(failure)),
                None => return,
            };
            // A failure goes to whoever waits for it; with nobody waiting
            // (a recording dropped unfinished), it is logged here.
            match (reply, result) {
                (Some(reply), result) => {
                    reply.send(result).ok();
                }
                (None, Err(failure)) => {
                    tracing::warn!(path = %path.display(), ?failure, "recording not finalized")
                }
                (None, Ok(_)) => {}
            }
        }
    }
}

/// One WAV file being written.
pub(super) struct Sink {
    path: PathBuf,
    writer: hound::WavWriter<BufWriter<File>>,
    frames: u64,
    unflushed: u64,
    /// The disk's room, checked at every flush; the flag is raised when it
    /// ran out and the rest of the call was not written.
    room: Option<DiskRoom>,
    disk_full: Arc<AtomicBool>,
    /// Pushes not written, shared with the recording's owner.
    dropped: Arc<AtomicU64>,
    /// The write error that stopped this recording: later batches are
    /// discarded and the close reports it.
    failed: Option<hound::Error>,
}

impl Sink {
    /// Creates the file and the directories above it.
    pub(super) fn create(opening: Opening) -> Result<Sink, Failure> {
        let Opening {
            path,
            room,
            disk_full,
            dropped,
        } = opening;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|cause| Failure::CreateDir(parent.to_path_buf(), cause))?;
        }
        let writer = hound::WavWriter::create(&path, wav_spec()).map_err(Failure::Create)?;
        Ok(Sink {
            path,
            writer,
            frames: 0,
            unflushed: 0,
            room,
            disk_full,
            dropped,
            failed: None,
        })
    }

    /// Whether writing must stop: the disk's free space is down to the
    /// reserve (checked once a second of audio, at the flush).
    fn out_of_room(&self) -> bool {
        if self.disk_full.load(Ordering::Relaxed) {
            return true;
        }
        if self.unflushed != 0 || self.room.as_ref().is_none_or(DiskRoom::has_room) {
            return false;
        }
        tracing::error!(path = %self.path.display(), "disk nearly full: recording stopped to keep room for the call log");
        self.disk_full.store(true, Ordering::Relaxed);
        true
    }

    /// Writes a batch, or counts it dropped (out of room, too long, or
    /// stopped by an earlier error).
    fn take(&mut self, batch: &Batch) -> Result<(), hound::Error> {
        if self.failed.is_some() {
            return Ok(());
        }
        let frames = (batch.interleaved.len() / 2) as u64;
        if self.out_of_room() || self.frames + frames > MAX_FRAMES {
            self.dropped.fetch_add(batch.pushes, Ordering::Relaxed);
            return Ok(());
        }
        self.write(&batch.interleaved)
    }

    /// Writes interleaved (left, right) samples; an odd trailing sample is
    /// ignored. The header is rewritten once a second of audio, so the file
    /// is a valid WAV of nearly everything so far if the process dies.
    pub(super) fn write(&mut self, interleaved: &[i16]) -> Result<(), hound::Error> {
        let whole = interleaved
            .get(..interleaved.len() / 2 * 2)
            .unwrap_or_default();
        // hound's buffered 16-bit writer: one copy and one write for the
        // batch (our spec is 16-bit integer, and exactly `whole.len()`
        // samples are written, so it cannot panic).
        let mut samples = self.writer.get_i16_writer(whole.len() as u32);
        for &sample in whole {
            samples.write_sample(sample);
        }
        samples.flush()?;
        let frames = (whole.len() / 2) as u64;
        self.frames += frames;
        self.unflushed += frames;
        if self.unflushed >= FLUSH_EVERY_FRAMES {
            self.writer.flush()?;
            self.unflushed = 0;
        }
        Ok(())
    }

    /// Finalizes the header; the frames written, or the error that stopped
    /// the recording.
    fn finalize(self) -> Result<u64, hound::Error> {
        let finalized = self.writer.finalize();
        match self.failed {
            Some(err) => Err(err),
            None => finalized.map(|()| self.frames),
        }
    }
}
