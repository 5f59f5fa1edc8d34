//! [`VoiceGate`]: which stretches of call audio are worth decoding.
//!
//! Owns: an energy detector over 20 ms frames of 8 kHz audio (speech
//! 10 dB above the floor) with an
//! adaptive noise floor (the quietest frame of the last few seconds), a
//! pre-roll kept before speech starts and a hangover kept after it stops,
//! and cutting the speech into [`Utterance`]s no longer than a maximum.
//! Does not own: decoding (an utterance is decoded whole by
//! [`crate::Engine::decode_utterance`]) or threads.
//!
//! What it skips: quiet longer than the pre-roll (by default, quiet beyond
//! `max_utterance`, 20 s: a caller waiting, a held line). Shorter quiet is
//! decoded as the lead-in of the next utterance. Measured on the
//! evaluation corpus (docs/evaluation.md): dropping the quiet before
//! speech down to 0.3, 2 or 5 s of lead-in lost a scam call or raised
//! everyday calls (the decoder's own voice detector and noise estimate
//! want the quiet around speech), and saved no measurable CPU, because
//! PocketSphinx already keeps its search off what its detector calls
//! silence. So the gate's main work is cutting: the utterances let a
//! few shared decoders serve every call, words become final at each
//! pause, and a long silence costs nothing.

use std::collections::VecDeque;
use std::time::Duration;

use crate::recognizer::INPUT_RATE;

/// 8 kHz samples per gate frame (20 ms).
pub const FRAME: usize = 160;

/// Frames of real audio (above digital silence) before the floor is
/// trusted.
const WARM_UP_FRAMES: usize = 25;

/// How the gate decides, in frames of 20 ms and dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateConfig {
    /// A frame is speech when its energy is this many dB above the floor.
    pub margin_db: f64,
    /// Frames below this level (dB relative to full scale) are never
    /// speech, however quiet the floor.
    pub min_level_db: f64,
    /// The floor is the quietest frame of this many last frames.
    pub floor_frames: usize,
    /// Quiet frames kept from before the first speech frame and decoded
    /// with it; quiet longer than this is skipped.
    pub preroll_frames: usize,
    /// Quiet frames after speech before the utterance ends.
    pub hangover_frames: usize,
    /// Longest utterance, in frames; a longer stretch is cut.
    pub max_frames: usize,
}

impl Default for GateConfig {
    /// Utterances cut at 800 ms pauses; the quiet before speech decoded
    /// with it, up to 20 s (see the module's doc for why).
    fn default() -> Self {
        GateConfig {
            margin_db: 10.0,
            min_level_db: -60.0,
            floor_frames: 150,
            preroll_frames: 1000,
            hangover_frames: 40,
            max_frames: 1000,
        }
    }
}

impl GateConfig {
    /// The default gate with utterances cut at `max` (at least 1 s).
    pub fn with_max_utterance(max: Duration) -> GateConfig {
        let frames = usize::try_from(max.as_millis() / 20)
            .unwrap_or(usize::MAX)
            .max(50);
        GateConfig {
            max_frames: frames,
            preroll_frames: frames,
            ..GateConfig::default()
        }
    }
}

/// A stretch of speech to decode whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    /// Where it starts, in 8 kHz samples from the first sample pushed.
    pub start: u64,
    /// 8 kHz mono 16-bit audio.
    pub pcm: Vec<i16>,
}

impl Utterance {
    /// Where it starts, in ms from the first sample pushed.
    pub fn start_ms(&self) -> u64 {
        self.start / u64::from(INPUT_RATE / 1000)
    }
}

/// Splits one party's audio into utterances. Cheap: a sum of squares per
/// 20 ms frame and a small ring of recent levels.
#[derive(Debug, Clone)]
pub struct VoiceGate {
    config: GateConfig,
    /// Samples not yet a whole frame.
    partial: Vec<i16>,
    /// Recent frame levels (dB), for the floor.
    levels: VecDeque<f64>,
    /// The last `preroll_frames` frames, while not in speech.
    preroll: VecDeque<Vec<i16>>,
    /// Samples pushed before `partial`.
    frames_start: u64,
    current: Option<Utterance>,
    /// Quiet frames since the last speech frame of `current`.
    quiet: usize,
    /// Frames in `current`.
    length: usize,
}

impl VoiceGate {
    pub fn new(config: GateConfig) -> VoiceGate {
        VoiceGate {
            config,
            partial: Vec::with_capacity(FRAME),
            levels: VecDeque::with_capacity(config.floor_frames),
            preroll: VecDeque::with_capacity(config.preroll_frames + 1),
            frames_start: 0,
            current: None,
            quiet: 0,
            length: 0,
        }
    }

    /// Takes the next samples (any chunk size); finished utterances go
    /// into `out`.
    pub fn push(&mut self, pcm: &[i16], out: &mut Vec<Utterance>) {
        let mut rest = pcm;
        while !rest.is_empty() {
            let take = (FRAME - self.partial.len()).min(rest.len());
            self.partial.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.partial.len() == FRAME {
                let frame = std::mem::replace(&mut self.partial, Vec::with_capacity(FRAME));
                self.frame(frame, out);
            }
        }
    }

    /// The end of the audio: the utterance under way (with any partial
    /// frame) goes into `out`.
    pub fn flush(&mut self, out: &mut Vec<Utterance>) {
        let tail = std::mem::take(&mut self.partial);
        if let Some(mut utt) = self.current.take() {
            utt.pcm.extend_from_slice(&tail);
            out.push(utt);
        }
        self.frames_start += tail.len() as u64;
        self.preroll.clear();
        self.length = 0;
        self.quiet = 0;
    }

    /// Whether an utterance is under way.
    pub fn in_speech(&self) -> bool {
        self.current.is_some()
    }

    fn frame(&mut self, frame: Vec<i16>, out: &mut Vec<Utterance>) {
        let level = level_db(&frame);
        // Digital silence (a late packet filled with zeros, a muted line)
        // says nothing about the line's noise: it would pin the floor at
        // -100 dB, and every pause would count as speech.
        if level > self.config.min_level_db {
            if self.levels.len() == self.config.floor_frames.max(1) {
                self.levels.pop_front();
            }
            self.levels.push_back(level);
        }
        // Until half a second of real audio has been heard there is no
        // floor to speak of: the lowest level that can be speech stands in.
        let floor = if self.levels.len() < WARM_UP_FRAMES {
            self.config.min_level_db
        } else {
            self.levels.iter().copied().fold(f64::INFINITY, f64::min)
        };
        let speech = level > self.config.min_level_db && level > floor + self.config.margin_db;
        let at = self.frames_start;
        self.frames_start += FRAME as u64;
        match self.current.as_mut() {
            Some(utt) => {
                utt.pcm.extend_from_slice(&frame);
                self.length += 1;
                self.quiet = if speech { 0 } else { self.quiet + 1 };
                if self.quiet >= self.config.hangover_frames
                    || self.length >= self.config.max_frames
                {
                    out.extend(self.current.take());
                    self.length = 0;
                    self.quiet = 0;
                }
            }
            None if speech => {
                let start = at - (self.preroll.len() * FRAME) as u64;
                let mut pcm = Vec::with_capacity(FRAME * 64);
                for f in self.preroll.drain(..) {
                    pcm.extend_from_slice(&f);
                }
                pcm.extend_from_slice(&frame);
                self.length = pcm.len() / FRAME;
                self.quiet = 0;
                self.current = Some(Utterance { start, pcm });
            }
            None => {
                if self.config.preroll_frames > 0 {
                    if self.preroll.len() == self.config.preroll_frames {
                        self.preroll.pop_front();
                    }
                    self.preroll.push_back(frame);
                }
            }
        }
    }
}

/// A frame's energy in dB relative to full scale (-100 for digital
/// silence).
fn level_db(frame: &[i16]) -> f64 {
    if frame.is_empty() {
        return -100.0;
    }
    let sum: f64 = frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let mean = sum / frame.len() as f64 / (32768.0 * 32768.0);
    if mean <= 1e-10 {
        -100.0
    } else {
        10.0 * mean.log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(frames: usize, amplitude: f64) -> Vec<i16> {
        (0..frames * FRAME)
            .map(|i| (amplitude * (i as f64 * 0.3).sin()) as i16)
            .collect()
    }

    fn noise(frames: usize, amplitude: i16, seed: &mut u32) -> Vec<i16> {
        (0..frames * FRAME)
            .map(|_| {
                *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((*seed >> 16) as i16 % amplitude.max(1)).wrapping_sub(amplitude / 2)
            })
            .collect()
    }

    #[test]
    fn silence_makes_no_utterance() {
        let mut gate = VoiceGate::new(GateConfig::default());
        let mut out = Vec::new();
        gate.push(&vec![0; 8000 * 5], &mut out);
        gate.flush(&mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn speech_in_noise_is_one_utterance_with_preroll_and_hangover() {
        let config = GateConfig {
            preroll_frames: 15,
            ..GateConfig::default()
        };
        let mut gate = VoiceGate::new(config);
        let mut seed = 7;
        let mut audio = noise(100, 60, &mut seed);
        audio.extend(tone(50, 8000.0));
        audio.extend(noise(200, 60, &mut seed));
        let mut out = Vec::new();
        // Odd chunk sizes: the result does not depend on them.
        for chunk in audio.chunks(97) {
            gate.push(chunk, &mut out);
        }
        gate.flush(&mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let utt = &out[0];
        let speech_at = (100 * FRAME) as u64;
        assert_eq!(
            utt.start,
            speech_at - (config.preroll_frames * FRAME) as u64
        );
        assert_eq!(utt.start_ms(), 2000 - 20 * config.preroll_frames as u64);
        let frames = utt.pcm.len() / FRAME;
        assert_eq!(frames, config.preroll_frames + 50 + config.hangover_frames);
    }

    #[test]
    fn long_speech_is_cut_and_the_rest_comes_at_flush() {
        let config = GateConfig {
            max_frames: 40,
            preroll_frames: 15,
            ..GateConfig::default()
        };
        let mut gate = VoiceGate::new(config);
        let mut out = Vec::new();
        let mut seed = 1;
        gate.push(&noise(10, 200, &mut seed), &mut out);
        gate.push(&tone(100, 8000.0), &mut out);
        assert_eq!(out.len(), 2);
        assert!(gate.in_speech());
        gate.flush(&mut out);
        assert_eq!(out.len(), 3);
        let total: usize = out.iter().map(|u| u.pcm.len()).sum();
        assert_eq!(total, (10 + 100) * FRAME);
        assert_eq!(out[1].start, out[0].start + out[0].pcm.len() as u64);
    }

    #[test]
    fn two_phrases_apart_are_two_utterances() {
        let mut gate = VoiceGate::new(GateConfig {
            preroll_frames: 15,
            ..GateConfig::default()
        });
        let mut out = Vec::new();
        let mut seed = 3;
        gate.push(&noise(60, 100, &mut seed), &mut out);
        gate.push(&tone(30, 6000.0), &mut out);
        gate.push(&noise(120, 100, &mut seed), &mut out);
        gate.push(&tone(30, 6000.0), &mut out);
        gate.push(&noise(120, 100, &mut seed), &mut out);
        gate.flush(&mut out);
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out[1].start > out[0].start + out[0].pcm.len() as u64);
    }

    #[test]
    fn zero_frames_in_noise_do_not_stop_pauses_cutting() {
        let mut gate = VoiceGate::new(GateConfig::default());
        let mut out = Vec::new();
        let mut seed = 9;
        gate.push(&noise(100, 60, &mut seed), &mut out);
        // Speech, a pause, speech: with a zero frame every few frames, as
        // a jittery stream gives.
        for (frames, loud) in [(50, true), (60, false), (50, true)] {
            for n in 0..frames {
                let frame = if n % 7 == 3 {
                    vec![0; FRAME]
                } else if loud {
                    tone(1, 8000.0)
                } else {
                    noise(1, 60, &mut seed)
                };
                gate.push(&frame, &mut out);
            }
        }
        assert_eq!(out.len(), 1, "the pause cut the first phrase: {out:?}");
    }

    #[test]
    fn by_default_the_quiet_before_speech_is_decoded_with_it() {
        let mut gate = VoiceGate::new(GateConfig::default());
        let mut out = Vec::new();
        let mut seed = 5;
        gate.push(&noise(300, 100, &mut seed), &mut out);
        gate.push(&tone(30, 6000.0), &mut out);
        gate.push(&noise(100, 100, &mut seed), &mut out);
        gate.flush(&mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].start, 0);
    }
}
