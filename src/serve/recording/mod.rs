//! The stereo call recorder.
//!
//! Owns: writing one call to a WAV file (8 kHz, 16-bit PCM, stereo: left =
//! the caller, right = what the service, or later the resident, sent) on
//! one of the writer threads shared by all recordings (`writer`), keeping the file a valid WAV holding the audio
//! so far even if the process is killed, and where recordings go under the
//! data directory ([`relative_path`]).
//!
//! Does not own: deciding whether a call is recorded (`config`), decoding
//! RTP or pacing frames (the shell pushes one time-aligned frame pair per
//! 20 ms tick, silence where nothing arrived), or logging the path
//! (`store`).
//!
//! Crash safety: the writer rewrites the WAV header (hound's
//! `WavWriter::flush`) after every [`FLUSH_EVERY_FRAMES`] sample frames
//! (one second of audio), and pushes reach the writer in batches of
//! [`BATCH_FRAMES`] (200 ms, so a call wakes a writer 5 times a second,
//! not 50), so a SIGKILL loses at most the last 1.2 s.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use format::Batch;
pub use format::{BATCH_FRAMES, RECORDINGS_DIR, SAMPLE_RATE};
use writer::{Failure, Job, Opening, Writers};

use crate::serve::disk::DiskRoom;

/// Why a recording could not be started or completed.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("cannot create recording directory {}: {cause}", .path.display())]
    CreateDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot create recording {}: {cause}", .path.display())]
    NotCreated { path: PathBuf, cause: hound::Error },
    #[error("recording {}: {cause}", .path.display())]
    Wav { path: PathBuf, cause: hound::Error },
    #[error("recording {}: cannot start the writer thread: {cause}", .path.display())]
    Thread {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("recording {}: the writer thread stopped", .path.display())]
    Panicked { path: PathBuf },
    #[error("recording {}: the recording writers are too far behind", .path.display())]
    Behind { path: PathBuf },
    #[error("not recorded: disk full (less free space than the reserve kept for the call log)")]
    DiskFull,
}

impl RecordingError {
    /// True when there is no file at all (it could not be created), as
    /// against a file holding the audio up to a failure.
    pub fn left_no_file(&self) -> bool {
        matches!(
            self,
            RecordingError::CreateDir { .. } | RecordingError::NotCreated { .. }
        )
    }
}

/// What [`Recording::finished`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingSummary {
    pub path: PathBuf,
    /// Sample frames written (one caller sample and one sent sample each).
    pub frames: u64,
    pub duration: Duration,
    /// Pushes not written because the writer fell behind or the recording
    /// reached its maximum length (24 h).
    pub dropped_pushes: u64,
    /// The recording was stopped early because the disk's free space fell
    /// to the reserve kept for the call log.
    pub disk_full: bool,
}

/// A call being recorded. [`Recording::push`] never blocks; dropping a
/// `Recording` without [`Recording::finished`] still finalizes the file (on
/// the writer thread, in the background, so a process that exits right
/// after may keep only the audio up to the last flush).
pub struct Recording {
    path: PathBuf,
    /// Pushes not yet sent to the writer thread.
    batch: std::sync::Mutex<Batch>,
    /// This recording's id on its writer thread, and that thread's queue;
    /// `None` once closed.
    writer: Option<(u64, SyncSender<Job>)>,
    dropped: Arc<AtomicU64>,
    disk_full: Arc<AtomicBool>,
}

impl Recording {
    /// Hands the recording to a writer thread, which creates the file (and
    /// its parent directories) before its first batch. Creates and opens
    /// nothing here (with a `room`, it only asks the filesystem for its free
    /// space): a file that cannot be created is reported by
    /// [`Recording::finished`] ([`RecordingError::CreateDir`],
    /// [`RecordingError::NotCreated`]; see [`RecordingError::left_no_file`]). With
    /// a `room`, only while the disk has space above its reserve
    /// ([`RecordingError::DiskFull`] otherwise), and the recording stops by
    /// itself (and says so in its summary) when the free space falls to the
    /// reserve.
    pub fn start(path: &Path, room: Option<DiskRoom>) -> Result<Recording, RecordingError> {
        if room.as_ref().is_some_and(|r| !r.has_room()) {
            return Err(RecordingError::DiskFull);
        }
        let disk_full = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicU64::new(0));
        let opening = Opening {
            path: path.to_path_buf(),
            room,
            disk_full: Arc::clone(&disk_full),
            dropped: Arc::clone(&dropped),
        };
        let writers = Writers::get().map_err(|source| RecordingError::Thread {
            path: path.to_path_buf(),
            cause: source,
        })?;
        let (id, queue) = writers.assign();
        if !writer::offer(&queue, Job::Create(id, Box::new(opening))) {
            return Err(RecordingError::Behind {
                path: path.to_path_buf(),
            });
        }
        Ok(Recording {
            path: path.to_path_buf(),
            batch: std::sync::Mutex::new(Batch::new()),
            writer: Some((id, queue)),
            dropped,
            disk_full,
        })
    }

    /// Queues one time-aligned stretch of audio: `caller` goes to the left
    /// channel, `sent` to the right. The shorter slice is padded with
    /// silence. Never blocks: if the writer has fallen far behind, the push
    /// is dropped and counted in [`RecordingSummary::dropped_pushes`].
    pub fn push(&self, caller: &[i16], sent: &[i16]) {
        if self.writer.is_none() {
            return;
        }
        let len = caller.len().max(sent.len());
        if len == 0 {
            return;
        }
        let mut batch = self
            .batch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Silence first, then each channel into its half of the pairs: two
        // straight copies, where a push per sample checked the capacity and
        // both slices' bounds 320 times a frame.
        let start = batch.interleaved.len();
        batch.interleaved.resize(start + 2 * len, 0);
        let pairs = batch.interleaved.get_mut(start..).unwrap_or_default();
        for (pair, &sample) in pairs.chunks_exact_mut(2).zip(caller) {
            pair[0] = sample;
        }
        for (pair, &sample) in pairs.chunks_exact_mut(2).zip(sent) {
            pair[1] = sample;
        }
        batch.pushes += 1;
        if batch.interleaved.len() >= BATCH_FRAMES * 2 {
            let full = std::mem::replace(&mut *batch, Batch::new());
            drop(batch);
            self.send(full);
        }
    }

    /// Sends what was pushed and not yet sent.
    fn send_rest(&self) {
        let rest = std::mem::replace(
            &mut *self
                .batch
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            Batch::new(),
        );
        if rest.pushes > 0 {
            self.send(rest);
        }
    }

    fn send(&self, batch: Batch) {
        let Some((id, queue)) = &self.writer else {
            return;
        };
        let pushes = batch.pushes;
        if !writer::offer(queue, Job::Write(*id, batch))
            && self.dropped.fetch_add(pushes, Ordering::Relaxed) == 0
        {
            tracing::warn!(path = %self.path.display(), "recording writer is behind; dropping audio");
        }
    }

    /// Writes what is queued, finalizes the file and reports what was
    /// written, once the writer thread is done (normally within its 50 ms
    /// drain). Holds no thread while it waits; only a full writer queue
    /// takes one, to wait for room for the close.
    pub async fn finished(mut self) -> Result<RecordingSummary, RecordingError> {
        self.send_rest();
        let path = self.path.clone();
        let Some((id, queue)) = self.writer.take() else {
            return Err(RecordingError::Panicked { path });
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        match queue.try_send(Job::Close(id, Some(reply))) {
            Ok(()) => {}
            // The close must not be lost: wait for room off the runtime.
            Err(TrySendError::Full(close)) => {
                tokio::task::spawn_blocking(move || queue.send(close).ok());
            }
            Err(TrySendError::Disconnected(_)) => return Err(RecordingError::Panicked { path }),
        }
        self.summary(path, answer.await)
    }

    /// The summary from the writer's answer to the close.
    fn summary(
        &self,
        path: PathBuf,
        answer: Result<Result<u64, Failure>, tokio::sync::oneshot::error::RecvError>,
    ) -> Result<RecordingSummary, RecordingError> {
        let frames = match answer {
            Ok(Ok(frames)) => frames,
            Ok(Err(Failure::CreateDir(dir, cause))) => {
                return Err(RecordingError::CreateDir { path: dir, cause })
            }
            Ok(Err(Failure::Create(cause))) => {
                return Err(RecordingError::NotCreated { path, cause })
            }
            Ok(Err(Failure::Write(cause))) => return Err(RecordingError::Wav { path, cause }),
            Err(_) => return Err(RecordingError::Panicked { path }),
        };
        Ok(RecordingSummary {
            path,
            frames,
            duration: frames_duration(frames),
            dropped_pushes: self.dropped.load(Ordering::Relaxed),
            disk_full: self.disk_full.load(Ordering::Relaxed),
        })
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        // The writer thread writes what is queued and finalizes the file;
        // it is not waited for.
        self.send_rest();
        if let Some((id, queue)) = self.writer.take() {
            if !writer::offer(&queue, Job::Close(id, None)) {
                // A full queue: wait off this thread rather than leave the
                // file without its final header.
                std::thread::spawn(move || queue.send(Job::Close(id, None)).ok());
            }
        }
    }
}

/// The play time of `frames` sample frames.
fn frames_duration(frames: u64) -> Duration {
    Duration::from_nanos(frames.saturating_mul(1_000_000_000 / u64::from(SAMPLE_RATE)))
}

/// Where the recording of a call goes, relative to the data directory:
/// `recordings/<line>/<YYYY-MM-DD>/<HHMMSS.mmm>Z_<unique>.wav` (UTC). Any
/// character of `line` or `unique` other than ASCII letters, digits, `-`,
/// `_` and `.` (and a leading `.`) becomes `_`, and each is cut to 64
/// characters, so a Call-ID from the network cannot leave the directory.
pub fn relative_path(line: &str, started_at: SystemTime, unique: &str) -> PathBuf {
    let stamp = crate::store::rfc3339_millis(started_at);
    let date = stamp.get(..10).unwrap_or("unknown-date");
    let time: String = stamp
        .get(11..23)
        .unwrap_or("000000.000")
        .chars()
        .filter(|c| *c != ':')
        .collect();
    Path::new(RECORDINGS_DIR)
        .join(safe_name(line))
        .join(date)
        .join(format!("{time}Z_{}.wav", safe_name(unique)))
}

/// Where a message the caller left goes, relative to the data directory:
/// like [`relative_path`], under `voicemail/` instead of `recordings/`.
pub fn voicemail_path(line: &str, started_at: SystemTime, unique: &str) -> PathBuf {
    let rel = relative_path(line, started_at, unique);
    let rest = rel.strip_prefix(RECORDINGS_DIR).unwrap_or(&rel);
    Path::new("voicemail").join(rest)
}

fn safe_name(text: &str) -> String {
    let name: String = text
        .chars()
        .take(64)
        .enumerate()
        .map(|(i, c)| {
            let ok = c.is_ascii_alphanumeric() || matches!(c, '-' | '_') || (c == '.' && i > 0);
            if ok {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "_".to_owned()
    } else {
        name
    }
}

mod format;
#[cfg(test)]
mod tests;
mod writer;
