//! Reading a captured call's screening from linewarden's own prompts: when
//! the answering side is linewarden, its audio holds the prompts sample for
//! sample (G.711 encodes each sample on its own), so finding them tells
//! which digit the challenge asked for, how the screening ended, and where
//! the resident's audio (bridged after "connecting you") starts.
//!
//! Owns: finding prompts in a decoded track (exact matches of a loud 20 ms
//! piece of each prompt after a G.711 round trip, in PCMU and PCMA) and
//! the rules that turn what was found into a [`Screening`]. Does not own:
//! the prompts' audio (`crate::prompts`), decoding RTP (`media.rs`) or
//! writing the fixture (`output.rs`).

use ivr::Prompt;
use sip::media::g711::Codec;

use crate::prompts::Prompts;
use crate::research::fixture::ExpectOutcome;

use super::types::{ImportedDigit, Screening};
use super::Party;

/// Samples compared per match: 20 ms at 8 kHz.
const PIECE: usize = 160;

/// Screening is looked for in the first 10 minutes of the answering side.
const SEARCH_SAMPLES: usize = 10 * 60 * 8000;

/// Where each occurrence of `prompt` starts in `track`, in order.
fn starts(track: &[i16], audio: &[i16]) -> Vec<usize> {
    let mut found = Vec::new();
    let Some(offset) = loudest_piece(audio) else {
        return found;
    };
    let haystack = &track[..track.len().min(SEARCH_SAMPLES)];
    for codec in [Codec::Pcmu, Codec::Pcma] {
        let piece = round_trip(codec, &audio[offset..offset + PIECE]);
        let Some(&first) = piece.first() else {
            continue;
        };
        for (at, window) in haystack.windows(PIECE).enumerate() {
            if window[0] == first && window == piece.as_slice() && at >= offset {
                found.push(at - offset);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// The start of the `PIECE` samples of `audio` with the most energy.
fn loudest_piece(audio: &[i16]) -> Option<usize> {
    if audio.len() < PIECE {
        return None;
    }
    let energy = |w: &[i16]| w.iter().map(|&s| i64::from(s).abs()).sum::<i64>();
    (0..=audio.len() - PIECE)
        .step_by(PIECE / 4)
        .max_by_key(|&at| energy(&audio[at..at + PIECE]))
}

/// `pcm` as it comes out of a G.711 channel.
fn round_trip(codec: Codec, pcm: &[i16]) -> Vec<i16> {
    let mut bytes = Vec::with_capacity(pcm.len());
    codec.encode(pcm, &mut bytes);
    let mut out = Vec::with_capacity(pcm.len());
    codec.decode(&bytes, &mut out);
    out
}

/// The challenge's digit part of each "to be connected, press N": what
/// follows the part the ten prompts share.
fn digit_parts(prompts: &Prompts) -> Vec<(u8, std::sync::Arc<[i16]>, usize)> {
    let all: Vec<(u8, std::sync::Arc<[i16]>)> = (0..=9)
        .map(|digit| (digit, prompts.audio(Prompt::Challenge { digit })))
        .collect();
    let shared = all
        .iter()
        .skip(1)
        .map(|(_, a)| {
            a.iter()
                .zip(all[0].1.iter())
                .take_while(|(x, y)| x == y)
                .count()
        })
        .min()
        .unwrap_or(0);
    all.into_iter()
        .map(|(digit, audio)| (digit, audio, shared))
        .collect()
}

/// Reads the screening from `track`, the answering side's audio from the
/// answer; `None` when no challenge is found (the answering side is not
/// linewarden, or its prompts were not captured).
pub fn read(
    track: &[i16],
    prompts: &Prompts,
    digits: &[ImportedDigit],
    caller_hung_up: bool,
) -> Option<Screening> {
    // Every challenge played, by where it starts: (start, digit).
    let mut challenges: Vec<(usize, u8)> = Vec::new();
    for (digit, audio, shared) in digit_parts(prompts) {
        let part = audio.get(shared..).unwrap_or(&[]);
        for at in starts(track, part) {
            challenges.push((at.saturating_sub(shared), digit));
        }
    }
    challenges.sort_unstable();
    let &(_, digit) = challenges.first()?;
    let first = |prompt: Prompt| {
        let audio = prompts.audio(prompt);
        starts(track, &audio).first().map(|&at| (at, audio.len()))
    };
    let connecting = first(Prompt::Connecting);
    let goodbye = first(Prompt::Goodbye);
    let outcome = match (connecting, goodbye) {
        (Some(_), _) => Some(ExpectOutcome::Passed),
        (None, Some((bye, _))) => {
            // The last attempt decides: a key after the challenge was a
            // wrong one, no key a timeout.
            let last = challenges
                .iter()
                .map(|&(at, _)| at)
                .filter(|&at| at < bye)
                .max()
                .unwrap_or(0);
            let keyed = digits.iter().any(|d| {
                let at = usize::try_from(d.at_ms.saturating_mul(8)).unwrap_or(usize::MAX);
                d.by == Party::Caller && at >= last && at < bye
            });
            Some(if keyed {
                ExpectOutcome::Failed
            } else {
                ExpectOutcome::Timeout
            })
        }
        (None, None) if caller_hung_up => Some(ExpectOutcome::Abandoned),
        (None, None) => None,
    };
    Some(Screening {
        digit,
        outcome,
        connected_at: connecting.map(|(at, len)| at + len),
    })
}
