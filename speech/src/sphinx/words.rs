//! Decoder output turned into [`Word`]s, and the scratch file the
//! keyphrase search is loaded from.
//!
//! Owns: dropping fillers (`<sil>`, `[NOISE]`...), variant marks (`read(2)`),
//! frame-to-millisecond conversion with the upsampler's delay taken off,
//! confidence from the posterior, splitting spotted phrases into words.
//! Does not own: the decoder (`ffi`), when utterances end (`super`) or
//! which of overlapping spotted phrases are kept (`spots`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::segment::Segment;
use super::spots::{self, Spot};
use crate::{Error, Upsampler, Word};

/// 16 kHz samples per decoder frame (10 ms).
const FRAME_16K: i64 = 160;

/// The words of a finished utterance's segments, in time order. With
/// `spotting`, a segment is a detected keyphrase: each kept phrase's words
/// get an equal share of its time; with `one_spot` too, of detections that
/// overlap only the one with the most words is kept (`spots`), else all.
pub(super) fn from_segments(segments: &[Segment], spotting: bool, one_spot: bool) -> Vec<Word> {
    let phrases: Vec<(&Segment, Vec<String>)> = segments
        .iter()
        .map(|seg| {
            let texts: Vec<String> = if spotting {
                seg.word.split_whitespace().filter_map(clean).collect()
            } else {
                clean(&seg.word).into_iter().collect()
            };
            (seg, texts)
        })
        .filter(|(_, texts)| !texts.is_empty())
        .collect();
    let kept: Vec<usize> = if spotting && one_spot {
        let found: Vec<Spot> = phrases
            .iter()
            .map(|(seg, texts)| Spot {
                first_frame: seg.first_frame,
                last_frame: seg.last_frame,
                words: texts.len(),
                probability: seg.probability,
            })
            .collect();
        spots::keep_longest(&found)
    } else {
        (0..phrases.len()).collect()
    };
    let mut out = Vec::new();
    for (seg, texts) in kept.into_iter().filter_map(|i| phrases.get(i)) {
        let start_ms = frame_to_ms(seg.first_frame);
        let end_ms = frame_to_ms(seg.last_frame.saturating_add(1)).max(start_ms);
        let confidence = confidence(seg.probability);
        let n = texts.len() as u64;
        let span = end_ms - start_ms;
        for (i, text) in (0u64..).zip(texts) {
            out.push(Word {
                text: text.clone(),
                start_ms: start_ms + span * i / n,
                end_ms: start_ms + span * (i + 1) / n,
                confidence,
            });
        }
    }
    out.sort_by_key(|w| (w.start_ms, w.end_ms));
    out
}

/// The word as a [`Word`] text: lower case, without a variant mark;
/// `None` for fillers, silence and the grammar search's `(null)`.
fn clean(word: &str) -> Option<String> {
    let word = word.trim();
    if word.is_empty() || word.starts_with(['<', '[', '+', '(']) {
        return None;
    }
    let base = match word.find('(') {
        Some(i) if word.ends_with(')') && i > 0 => &word[..i],
        _ => word,
    };
    Some(base.to_lowercase())
}

/// Where frame `frame` starts, in ms of the 8 kHz input: the decoder's
/// 16 kHz stream lags the input by the upsampler's delay.
fn frame_to_ms(frame: i32) -> u64 {
    let sample = i64::from(frame) * FRAME_16K - Upsampler::DELAY as i64;
    u64::try_from(sample.max(0)).unwrap_or(0) / 16
}

/// A posterior probability as 0 to 100.
fn confidence(probability: f64) -> u8 {
    if probability.is_nan() {
        return 0;
    }
    // `as` saturates, so anything above 1 is 100.
    (probability.clamp(0.0, 1.0) * 100.0).round() as u8
}

/// A file in the temporary directory, removed when dropped.
pub(super) struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Writes `text` to a new file whose name starts with `stem`.
    pub fn write(stem: &'static str, text: &str) -> Result<TempFile, Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir();
        let mut last_error = None;
        for _ in 0..8 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                "linewarden-{}-{}-{n}.txt",
                stem.replace(' ', "-"),
                std::process::id()
            ));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    let temp = TempFile { path: path.clone() };
                    return write_all(file, text).map(|()| temp).map_err(|source| {
                        Error::TempFile {
                            what: stem,
                            path,
                            cause: source,
                        }
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some(e),
                Err(source) => {
                    return Err(Error::TempFile {
                        what: stem,
                        path,
                        cause: source,
                    })
                }
            }
        }
        Err(Error::TempFile {
            what: stem,
            path: dir.join(format!("linewarden-{}-*.txt", stem.replace(' ', "-"))),
            cause: last_error.unwrap_or_else(|| std::io::Error::other("no free file name")),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn write_all(mut file: File, text: &str) -> std::io::Result<()> {
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(word: &str, first: i32, last: i32, p: f64) -> Segment {
        Segment {
            word: word.to_owned(),
            first_frame: first,
            last_frame: last,
            probability: p,
        }
    }

    #[test]
    fn fillers_go_and_variants_lose_their_mark() {
        let words = from_segments(
            &[
                seg("<s>", 0, 10, 1.0),
                seg("READ(2)", 11, 40, 0.5),
                seg("[NOISE]", 41, 50, 1.0),
                seg("<sil>", 51, 60, 1.0),
                seg("</s>", 61, 70, 1.0),
            ],
            false,
            false,
        );
        assert_eq!(
            words,
            vec![Word {
                text: "read".into(),
                start_ms: 107,
                end_ms: 407,
                confidence: 50
            }]
        );
    }

    #[test]
    fn spotted_phrases_are_split_evenly() {
        let words = from_segments(&[seg("police officer", 100, 159, 2.0)], true, false);
        let got: Vec<_> = words
            .iter()
            .map(|w| (w.text.as_str(), w.start_ms, w.end_ms, w.confidence))
            .collect();
        assert_eq!(
            got,
            vec![("police", 997, 1297, 100), ("officer", 1297, 1597, 100)]
        );
    }

    fn overlapping_spots() -> [Segment; 4] {
        [
            seg("key your pin", 100, 180, 0.9),
            seg("key in your pin", 95, 190, 0.3),
            seg("your pin", 150, 190, 1.0),
            seg("sort code", 400, 460, 0.5),
        ]
    }

    #[test]
    fn overlapping_spots_give_the_longest_phrase_whole() {
        let words = from_segments(&overlapping_spots(), true, true);
        let texts: Vec<_> = words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["key", "in", "your", "pin", "sort", "code"]);
        assert_eq!(words[0].confidence, 30);
    }

    #[test]
    fn without_one_spot_per_stretch_every_spot_stays() {
        let words = from_segments(&overlapping_spots(), true, false);
        assert_eq!(words.len(), 3 + 4 + 2 + 2);
        let count = |t: &str| words.iter().filter(|w| w.text == t).count();
        assert_eq!((count("key"), count("your"), count("pin")), (2, 3, 3));
    }

    #[test]
    fn decoded_words_are_not_thinned() {
        // Outside spotting, a segment is one word; even overlapping ones
        // (which a language model does not report) all stay.
        let words = from_segments(
            &[seg("your", 100, 150, 1.0), seg("pin", 120, 170, 1.0)],
            false,
            true,
        );
        assert_eq!(words.len(), 2);
    }

    #[test]
    fn odd_frames_do_not_panic() {
        let words = from_segments(
            &[
                seg("x", i32::MIN, i32::MAX, f64::NAN),
                seg("y", 5, -5, -1.0),
            ],
            false,
            false,
        );
        assert_eq!(words.len(), 2);
        assert!(words
            .iter()
            .all(|w| w.end_ms >= w.start_ms && w.confidence == 0));
    }
}
