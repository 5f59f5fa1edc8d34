//! [`TwoPass`]: spot cheaply, then listen closely where something was
//! spotted.
//!
//! Owns: the two decoders of one [`Decode`]r and the windows between them.
//! The first pass spots the configured keyphrases over the whole
//! utterance (cheap, but it "hears" short phrases in ordinary speech);
//! around each spot, the audio from `margin` before it to `margin` after
//! it (windows that overlap are joined) is decoded again by the second
//! pass, with a language model or a grammar, and only the second pass's
//! words come out. So a phrase counts only if the second pass hears it
//! too, and the words around it (the cue in "read out your sort code")
//! come with it; audio with no spot costs only the first pass.
//!
//! Does not own: either decoder ([`crate::Engine`]), what the words mean,
//! or cutting utterances (the gate).

use crate::recognizer::INPUT_RATE;
use crate::{Config, Decode, Engine, Error, Mode, Utterance, Word};

/// A keyphrase spotter whose spots are confirmed by a second decoder.
pub struct TwoPass {
    spotter: Engine,
    decoder: Engine,
    /// The margin in 8 kHz samples.
    margin: u64,
}

impl TwoPass {
    /// Opens both decoders: `config` in keyphrase mode with a
    /// [`Config::second_pass`].
    pub fn open(config: &Config) -> Result<TwoPass, Error> {
        let second = match (&config.mode, &config.second_pass) {
            (Mode::Keyphrases(_), Some(second)) if !matches!(second.mode, Mode::Keyphrases(_)) => {
                second
            }
            _ => {
                return Err(Error::InvalidConfig {
                    setting: "second_pass",
                    reason:
                        "two passes need keyphrases first and a language model or grammar second"
                            .to_owned(),
                })
            }
        };
        let first = Config {
            second_pass: None,
            ..config.clone()
        };
        let then = Config {
            mode: second.mode.clone(),
            second_pass: None,
            ..config.clone()
        };
        let per_ms = u64::from(INPUT_RATE / 1000);
        Ok(TwoPass {
            spotter: Engine::open(&first)?,
            decoder: Engine::open(&then)?,
            margin: u64::try_from(second.margin.as_millis())
                .unwrap_or(u64::MAX)
                .saturating_mul(per_ms),
        })
    }
}

impl std::fmt::Debug for TwoPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwoPass")
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl Decode for TwoPass {
    fn decode(&mut self, utterance: &Utterance) -> Result<Vec<Word>, Error> {
        let spotted = self.spotter.decode_utterance(utterance)?;
        let mut words = Vec::new();
        for (from, to) in windows(&spotted, utterance, self.margin) {
            let (Ok(a), Ok(b)) = (usize::try_from(from), usize::try_from(to)) else {
                continue;
            };
            let Some(pcm) = utterance.pcm.get(a..b) else {
                continue;
            };
            let part = Utterance {
                start: utterance.start + from,
                pcm: pcm.to_vec(),
            };
            words.extend(self.decoder.decode_utterance(&part)?);
        }
        Ok(words)
    }
}

/// The stretches of `utterance` (sample offsets into its audio, end
/// excluded) within `margin` samples of a spotted word, joined where they
/// overlap, in order.
fn windows(spotted: &[Word], utterance: &Utterance, margin: u64) -> Vec<(u64, u64)> {
    let per_ms = u64::from(INPUT_RATE / 1000);
    let len = utterance.pcm.len() as u64;
    let mut spans: Vec<(u64, u64)> = spotted
        .iter()
        .map(|w| {
            let start = (w.start_ms.saturating_mul(per_ms)).saturating_sub(utterance.start);
            let end = (w.end_ms.saturating_mul(per_ms)).saturating_sub(utterance.start);
            (
                start.saturating_sub(margin).min(len),
                end.saturating_add(margin).min(len),
            )
        })
        .filter(|(a, b)| a < b)
        .collect();
    spans.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Opens what `config` asks for: a [`TwoPass`] with a second pass, else
/// one [`Engine`].
pub fn open_decoder(config: &Config) -> Result<Box<dyn Decode>, Error> {
    Ok(if config.second_pass.is_some() {
        Box::new(TwoPass::open(config)?)
    } else {
        Box::new(Engine::open(config)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(start_ms: u64, end_ms: u64) -> Word {
        Word {
            text: "x".into(),
            start_ms,
            end_ms,
            confidence: 90,
        }
    }

    #[test]
    fn windows_surround_spots_join_and_stay_inside_the_utterance() {
        // 10 s of audio starting 2 s into the call.
        let u = Utterance {
            start: 16_000,
            pcm: vec![0; 80_000],
        };
        // Spots at 3.0-3.5 s and 4.0-4.2 s of the call (joined with a 1 s
        // margin: the utterance's first 3.2 s, clamped at its start), and
        // one at 11.5-11.9 s (from 8.5 s, clamped at the end).
        let spots = [word(3000, 3500), word(4000, 4200), word(11_500, 11_900)];
        assert_eq!(
            windows(&spots, &u, 8000),
            vec![(0, 8000 * 32 / 10), (8000 * 85 / 10, 80_000)]
        );
        assert!(windows(&[], &u, 8000).is_empty());
    }
}
