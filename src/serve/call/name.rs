//! Recording the caller's name for the "say your name" step: after the
//! tone, up to three seconds of the caller's audio, ending on silence after
//! speech.
//!
//! Owns: the capture the media session feeds frame by frame (a plain
//! struct: level-based end of speech), and handing the name to the call
//! task when it is complete. Does not own: when the step happens (the
//! `ivr` screening machine) or playing the name to the resident
//! (`bridge.rs`).

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

/// 20 ms frames: the longest name (3 s, `ivr::NAME_MAX`).
const MAX_FRAMES: usize = 150;
/// Frames skipped at the start while our tone plays (0.4 s).
const TONE_FRAMES: usize = 20;
/// A frame louder than this (RMS) is speech.
const SPEECH_RMS: f64 = 400.0;
/// This much quiet after speech ends the name (0.6 s).
const END_SILENCE: usize = 30;

/// Where the name capture lives while it runs, and the time it started
/// (frames of earlier ticks are not part of it), shared by the call task
/// and the media.
pub(super) type NameSlot = Arc<Mutex<Option<(std::time::Instant, NameCapture)>>>;

/// One name being recorded.
pub(super) struct NameCapture {
    samples: Vec<i16>,
    frames: usize,
    speech: bool,
    quiet: usize,
    done: UnboundedSender<Vec<i16>>,
}

impl NameCapture {
    pub(super) fn new(done: UnboundedSender<Vec<i16>>) -> NameCapture {
        NameCapture {
            samples: Vec::new(),
            frames: 0,
            speech: false,
            quiet: 0,
            done,
        }
    }

    /// One 20 ms frame of the caller; true when the name is complete (and
    /// has been handed over).
    pub(super) fn push(&mut self, frame: &[i16]) -> bool {
        self.frames += 1;
        if self.frames <= TONE_FRAMES {
            return false;
        }
        self.samples.extend_from_slice(frame);
        if rms(frame) > SPEECH_RMS {
            self.speech = true;
            self.quiet = 0;
        } else if self.speech {
            self.quiet += 1;
        }
        let complete =
            (self.speech && self.quiet >= END_SILENCE) || self.frames >= TONE_FRAMES + MAX_FRAMES;
        if complete {
            self.finish();
        }
        complete
    }

    /// Hands over what was recorded so far.
    pub(super) fn finish(&mut self) {
        self.done.send(std::mem::take(&mut self.samples)).ok();
    }
}

fn rms(frame: &[i16]) -> f64 {
    if frame.is_empty() {
        return 0.0;
    }
    let sum: f64 = frame.iter().map(|&s| f64::from(s).powi(2)).sum();
    (sum / frame.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture() -> (NameCapture, tokio::sync::mpsc::UnboundedReceiver<Vec<i16>>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (NameCapture::new(tx), rx)
    }

    #[test]
    fn ends_on_silence_after_speech() {
        let (mut c, mut rx) = capture();
        let loud = [3000i16; 160];
        let quiet = [0i16; 160];
        for _ in 0..TONE_FRAMES {
            assert!(!c.push(&loud), "the tone is not the name");
        }
        for _ in 0..50 {
            assert!(!c.push(&loud));
        }
        let mut n = 0;
        while !c.push(&quiet) {
            n += 1;
            assert!(n < 100);
        }
        assert_eq!(n + 1, END_SILENCE);
        let name = rx.try_recv().expect("handed over");
        assert_eq!(name.len(), (50 + END_SILENCE) * 160);
    }

    #[test]
    fn stops_at_three_seconds_and_waits_for_speech() {
        let (mut c, mut rx) = capture();
        // Silence before any speech does not end it.
        let mut frames = 0;
        while !c.push(&[0i16; 160]) {
            frames += 1;
        }
        assert_eq!(frames + 1, TONE_FRAMES + MAX_FRAMES);
        assert_eq!(rx.try_recv().expect("handed over").len(), MAX_FRAMES * 160);
    }
}
