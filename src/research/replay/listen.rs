//! Listening to a recorded call: the recognizer over each party's audio,
//! then `ivr::tagging::Tagger` over the words and keys in time order, as a
//! live call does while it is in progress.
//!
//! Owns: choosing the recognizer for a replay (PocketSphinx on the audio,
//! the fixture's reference transcript, or none), feeding it the audio in
//! 20 ms frames as a call would, and driving the tagger on the fixture's
//! virtual clock (words become known when the recognizer releases them;
//! keys arrive at their times; the tagger's key-run timer fires in
//! between).
//!
//! Does not own: the screening replay (`engine`), the phrase lists and
//! rules (`config`), or recognition itself (the `speech` crate).

use std::time::{Duration, Instant};

use ivr::tagging::{HeardWord, Speaker, TagKind, Tagger, TaggerConfig};
use speech::{Recognizer, TranscriptRecognizer};

use super::tag::Tag;
use crate::research::fixture::{Fixture, Party};

/// Where a replay's words come from.
#[derive(Debug, Clone)]
pub enum Listening {
    /// The recognizer, on the fixture's audio.
    Engine(Box<speech::Config>),
    /// The fixture's `transcript.txt` (no words for a fixture without one).
    Transcripts,
    /// No words: tags come from keys and the caller ID only.
    Off,
}

/// 20 ms at 8 kHz.
const FRAME: usize = 160;

/// What listening to a call found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heard {
    pub tags: Vec<Tag>,
    pub risk: String,
    /// Why the risk rose, one line per rise: the risk, when, the rule or
    /// request and its evidence.
    pub reasons: Vec<String>,
    /// What the recognizer (or transcript) released, in time order, one
    /// line per release: when it became known, who said it, the words.
    pub heard: Vec<String>,
}

/// Words released by a recognizer: when they became known, and the words.
type Released = Vec<(Duration, Speaker, Vec<speech::Word>)>;

/// Listens to the first `until` of the call in `fx`. `suspicious` is the
/// caller-ID policy's finding, tagged at the start of the call.
pub fn listen(
    fx: &Fixture,
    tagging: &TaggerConfig,
    listening: &Listening,
    suspicious: Option<String>,
    until: Duration,
) -> Result<Heard, speech::Error> {
    let mut released: Released = Vec::new();
    let parties = [
        (Speaker::Caller, Party::Caller, Some(fx.caller.as_slice())),
        (Speaker::Resident, Party::Resident, fx.resident.as_deref()),
    ];
    let resident_counts = tagging
        .phrases
        .iter()
        .any(|p| p.speaker != Some(Speaker::Caller));
    for (speaker, party, audio) in parties {
        // No phrase counts for the resident: nothing to listen for (a
        // transcript still costs nothing, and keeps replays comparable).
        let engine = matches!(listening, Listening::Engine(_));
        if speaker == Speaker::Resident && !resident_counts && engine {
            continue;
        }
        let Some(mut recognizer) = recognizer(fx, listening, party)? else {
            continue;
        };
        let samples = audio.unwrap_or_default();
        let limit = samples.len().min(samples_in(until));
        let mut pushed = 0usize;
        for chunk in samples[..limit].chunks(FRAME) {
            recognizer.push(chunk)?;
            pushed += chunk.len();
            let words = recognizer.take_words();
            if !words.is_empty() {
                released.push((duration_of(pushed), speaker, words));
            }
        }
        // A party without audio (no resident.wav) still has its transcript.
        if limit < samples_in(until) && audio.is_none() {
            let silence = vec![0i16; FRAME];
            while pushed < samples_in(until) {
                recognizer.push(&silence)?;
                pushed += FRAME;
                let words = recognizer.take_words();
                if !words.is_empty() {
                    released.push((duration_of(pushed), speaker, words));
                }
            }
        }
        let last = recognizer.finish()?;
        if !last.is_empty() {
            released.push((duration_of(pushed), speaker, last));
        }
    }
    released.sort_by_key(|(at, _, _)| *at);

    let t0 = Instant::now();
    let mut tagger = Tagger::new(tagging, t0);
    if let Some(why) = suspicious {
        tagger.add(t0, TagKind::SuspiciousCli, why);
    }
    let mut keys: Vec<(Duration, Speaker, char)> = fx
        .meta
        .dtmf
        .iter()
        .filter(|k| Duration::from_millis(k.at_ms) <= until)
        .map(|k| {
            let by = match k.by {
                Party::Caller => Speaker::Caller,
                Party::Resident => Speaker::Resident,
            };
            (Duration::from_millis(k.at_ms), by, k.digit)
        })
        .collect();
    keys.sort_by_key(|(at, _, _)| *at);

    let heard_lines = released
        .iter()
        .map(|(at, speaker, words)| heard_line(*at, *speaker, words))
        .collect();
    let mut words = released.into_iter().peekable();
    let mut keys = keys.into_iter().peekable();
    loop {
        let next_word = words.peek().map(|(at, _, _)| t0 + *at);
        let next_key = keys.peek().map(|(at, _, _)| t0 + *at);
        let next = match (next_word, next_key) {
            (Some(w), Some(k)) => w.min(k),
            (Some(w), None) => w,
            (None, Some(k)) => k,
            (None, None) => break,
        };
        while let Some(due) = tagger.poll_timeout().filter(|&t| t <= next) {
            tagger.handle_timeout(due);
        }
        if next_word == Some(next) {
            if let Some((_, speaker, heard)) = words.next() {
                let heard: Vec<HeardWord> = heard.iter().map(heard_word).collect();
                tagger.heard(speaker, &heard);
            }
        } else if let Some((_, by, key)) = keys.next() {
            tagger.key(next, by, key);
        }
    }
    if let Some(due) = tagger.poll_timeout() {
        tagger.handle_timeout(due);
    }
    tagger.end();
    while tagger.poll_output().is_some() {}
    let tags = tagger
        .tags()
        .iter()
        .map(|t| Tag {
            name: t.kind.as_str().to_string(),
            at_ms: u64::try_from(t.at.as_millis()).unwrap_or(u64::MAX),
            evidence: t.evidence.clone(),
            confidence: t.confidence,
        })
        .collect();
    let reasons = tagger
        .reasons()
        .iter()
        .map(|r| {
            format!(
                "{} at {:.1}s: {}: {}",
                r.risk,
                r.at.as_secs_f64(),
                r.rule,
                r.evidence.join(", ")
            )
        })
        .collect();
    Ok(Heard {
        tags,
        risk: tagger.risk().as_str().to_string(),
        reasons,
        heard: heard_lines,
    })
}

/// The recognizer for one party, or `None` when there is nothing to hear.
fn recognizer(
    fx: &Fixture,
    listening: &Listening,
    party: Party,
) -> Result<Option<Box<dyn Recognizer>>, speech::Error> {
    match listening {
        Listening::Off => Ok(None),
        Listening::Transcripts => {
            let Some(lines) = &fx.transcript else {
                return Ok(None);
            };
            let mine: Vec<(u64, u64, &str)> = lines
                .iter()
                .filter(|l| l.speaker == party)
                .map(|l| (l.start_ms, l.end_ms, l.text.as_str()))
                .collect();
            if mine.is_empty() {
                return Ok(None);
            }
            Ok(Some(Box::new(TranscriptRecognizer::new(mine))))
        }
        Listening::Engine(config) => {
            let has_audio = match party {
                Party::Caller => true,
                Party::Resident => fx.resident.is_some(),
            };
            if !has_audio {
                return Ok(None);
            }
            // As the service listens: only what the voice gate lets
            // through is decoded.
            let engine = speech::open_decoder(config)?;
            Ok(Some(Box::new(speech::Gated::new(engine, config.gate()))))
        }
    }
}

/// One release as a line: "12.3s caller: read out your sort code".
fn heard_line(at: Duration, speaker: Speaker, words: &[speech::Word]) -> String {
    let text: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    format!("{:.1}s {}: {}", at.as_secs_f64(), speaker, text.join(" "))
}

fn heard_word(w: &speech::Word) -> HeardWord {
    HeardWord::new(
        w.text.clone(),
        Duration::from_millis(w.start_ms),
        Duration::from_millis(w.end_ms),
        w.confidence,
    )
}

fn samples_in(d: Duration) -> usize {
    usize::try_from(d.as_millis() * 8).unwrap_or(usize::MAX)
}

fn duration_of(samples: usize) -> Duration {
    Duration::from_millis(samples as u64 / 8)
}
