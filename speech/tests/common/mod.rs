//! Fixture reading shared by the tests and the `rtf` example: any WAV as
//! 8 kHz mono 16-bit (stereo averaged, other rates resampled with
//! `rubato`, as the fixture loader does), and `transcript.txt` lines.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};
use speech::Word;

/// `tests/fixtures/<name>` of the workspace.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

/// The WAV at `path` as 8 kHz mono 16-bit samples.
pub fn read_8k(path: &Path) -> Result<Vec<i16>, String> {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let mut reader = hound::WavReader::open(path).map_err(|e| fail(&e))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|e| fail(&e))?,
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample) - 1);
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
                .map_err(|e| fail(&e))?
        }
    };
    let mono: Vec<f32> = samples
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / frame.len() as f32)
        .collect();
    let rate = spec.sample_rate as usize;
    let out = if rate == 8000 || mono.is_empty() {
        mono
    } else {
        let mut resampler = Fft::<f32>::new_custom(
            rate,
            8000,
            (320 * rate / 8000).max(1),
            1,
            1,
            WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )
        .map_err(|e| fail(&e))?;
        let input = InterleavedSlice::new(&mono, 1, mono.len()).map_err(|e| fail(&e))?;
        let wanted = (mono.len() * 8000 + rate / 2) / rate;
        let mut data = resampler
            .process_all(&input, mono.len(), None)
            .map_err(|e| fail(&e))?
            .take_data();
        data.resize(wanted, 0.0);
        data
    };
    Ok(out
        .into_iter()
        .map(|v| (v * 32768.0).round() as i16)
        .collect())
}

/// A `transcript.txt`: `(start_ms, end_ms, text)` per utterance.
pub fn read_transcript(path: &Path) -> Result<Vec<(u64, u64, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.splitn(4, ' ');
        let (Some(start), Some(end), Some(_speaker), Some(words)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(format!("{}: bad line {line:?}", path.display()));
        };
        let start = start.parse().map_err(|e| format!("{line:?}: {e}"))?;
        let end = end.parse().map_err(|e| format!("{line:?}: {e}"))?;
        lines.push((start, end, words.to_owned()));
    }
    Ok(lines)
}

/// Every word lies inside an utterance of fixture `name`'s transcript
/// (within `slack_ms`): timed in the call, not in its utterance.
pub fn assert_inside_transcript(words: &[Word], name: &str, slack_ms: u64) {
    let lines = read_transcript(&fixture(name).join("transcript.txt")).unwrap();
    for w in words {
        let inside = lines
            .iter()
            .any(|(s, e, _)| w.start_ms + slack_ms >= *s && w.end_ms <= e + slack_ms);
        assert!(
            inside,
            "{w:?} is outside every utterance of {name}: {lines:?}"
        );
    }
}
