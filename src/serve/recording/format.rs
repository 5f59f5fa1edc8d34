//! The recording's format and the unit it travels in: 8 kHz 16-bit stereo
//! WAV, batches of interleaved samples, and the limits on both.
//!
//! Owns: those constants and [`Batch`]. Does not own: writing (`writer`)
//! or the recording's API (`super::Recording`).

/// Samples per second, per channel.
pub const SAMPLE_RATE: u32 = 8000;

/// Directory for recordings inside the data directory.
pub const RECORDINGS_DIR: &str = "recordings";

/// The header is rewritten at least this often, in sample frames (1 s).
pub const FLUSH_EVERY_FRAMES: u64 = SAMPLE_RATE as u64;

/// Sample frames gathered before they go to the writer thread (200 ms).
pub const BATCH_FRAMES: usize = SAMPLE_RATE as usize / 5;

/// Pushed audio on its way to the writer thread: interleaved samples, and
/// how many pushes they came from (a dropped batch counts them all).
pub struct Batch {
    pub interleaved: Vec<i16>,
    pub pushes: u64,
}

/// Longest recording kept (24 h); later audio is dropped. Keeps far below
/// the 4 GiB limit of a WAV file.
pub const MAX_FRAMES: u64 = 24 * 3600 * SAMPLE_RATE as u64;

/// The WAV format of every recording.
pub fn wav_spec() -> hound::WavSpec {
    hound::WavSpec {
        channels: 2,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

impl Batch {
    /// An empty batch with room for a whole one.
    pub fn new() -> Batch {
        Batch {
            interleaved: Vec::with_capacity(BATCH_FRAMES * 2 + 2 * 160),
            pushes: 0,
        }
    }
}
