//! Phrase matching over one speaker's word stream.
//!
//! Owns: the compiled phrase and
//! exclusion lists, finding phrase matches in an utterance, and joining an
//! utterance to the end of the speaker's previous one when the gap is
//! short. Does not own: what a match means for tags or risk
//! ([`super::Tagger`], `risk.rs`).
//!
//! Matching rules: a phrase matches consecutive words; at each position the
//! longest phrase of each tag wins and that tag's search continues after
//! it, so "detective constable" is one match, not two; between phrases
//! of the same length a request phrase wins over a mention. Request cues and
//! claims to be the police are matched the same way, each a lane of its
//! own (so "this is detective sergeant" is a claim and, in the police
//! lane, "detective sergeant"). A match with any
//! word inside an exclusion ("police car") is dropped. Every word of a
//! match must reach the phrase's confidence.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use super::config::{TaggerConfig, MAX_TAGGING_DURATION};
use super::normalise::normalise;
use super::types::{HeardWord, Speaker, TagKind};

/// One normalised word with the times and confidence of the heard word it
/// came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    word: String,
    start: Duration,
    end: Duration,
    confidence: u8,
}

/// Normalised tokens of an utterance, in order.
pub(crate) fn tokens(words: &[HeardWord]) -> Vec<Token> {
    words
        .iter()
        .flat_map(|w| {
            normalise(&w.text).into_iter().map(|word| Token {
                word,
                start: w.start,
                end: w.end.max(w.start),
                confidence: w.confidence.min(100),
            })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub(crate) struct Phrase {
    /// The speech tag it raises; `None` for a request cue.
    pub tag: Option<TagKind>,
    /// Asks for something on its own.
    pub request: bool,
    /// The speaker says they are the police.
    pub claim: bool,
    words: Vec<String>,
    /// The words joined by spaces, for evidence.
    pub text: String,
    min_confidence: u8,
    speaker: Option<Speaker>,
}

/// A phrase heard: which phrase, when its first word started, and its
/// lowest word confidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Match {
    pub phrase: usize,
    pub at: Duration,
    pub confidence: u8,
    /// Index of the first word in the searched tokens, for ordering.
    first: usize,
}

/// The compiled phrase and exclusion lists.
#[derive(Clone)]
pub(crate) struct Phrases {
    pub list: Vec<Phrase>,
    exclusions: Vec<Vec<String>>,
    /// Words to keep from an utterance's end for joining: the longest
    /// phrase or exclusion, less one.
    keep: usize,
    join_gap: Duration,
    /// Every word of every phrase and exclusion; other words are blanked
    /// in what is kept between utterances, so no speech is held that
    /// could never match.
    vocabulary: BTreeSet<String>,
    /// Indexes into `list` by each phrase's first word.
    by_first: BTreeMap<String, Vec<usize>>,
}

impl Phrases {
    /// Compiles the lists, skipping entries that do not validate.
    pub fn new(cfg: &TaggerConfig) -> Self {
        let default_confidence = cfg.min_confidence.min(100);
        let mut list: Vec<Phrase> = cfg
            .phrases
            .iter()
            .filter_map(|p| {
                let tag = p.tag.parse::<TagKind>().ok().filter(TagKind::is_speech)?;
                let words = normalise(&p.text);
                let min_confidence = p.min_confidence.unwrap_or(default_confidence);
                (!words.is_empty() && min_confidence <= 100).then(|| Phrase {
                    tag: Some(tag),
                    request: p.request,
                    claim: p.claim && tag == TagKind::Police,
                    text: words.join(" "),
                    words,
                    min_confidence,
                    speaker: p.speaker,
                })
            })
            .collect();
        if !cfg.cue_span.is_zero() {
            list.extend(
                cfg.cues
                    .iter()
                    .map(|c| normalise(c))
                    .filter(|w| !w.is_empty())
                    .map(|words| Phrase {
                        tag: None,
                        request: false,
                        claim: false,
                        text: words.join(" "),
                        words,
                        min_confidence: default_confidence,
                        speaker: None,
                    }),
            );
        }
        let exclusions: Vec<Vec<String>> = cfg
            .exclusions
            .iter()
            .map(|e| normalise(e))
            .filter(|e| !e.is_empty())
            .collect();
        let longest = list
            .iter()
            .map(|p| p.words.len())
            .chain(exclusions.iter().map(Vec::len))
            .max()
            .unwrap_or(1);
        let vocabulary = list
            .iter()
            .flat_map(|p| p.words.iter())
            .chain(exclusions.iter().flatten())
            .cloned()
            .collect();
        let mut by_first: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, p) in list.iter().enumerate() {
            if let Some(first) = p.words.first() {
                by_first.entry(first.clone()).or_default().push(index);
            }
        }
        Self {
            vocabulary,
            by_first,
            list,
            exclusions,
            keep: longest.saturating_sub(1),
            join_gap: cfg.join_gap.min(MAX_TAGGING_DURATION),
        }
    }

    /// Matches in `tokens` by `speaker` that end at or after `from`, in
    /// the order their first words were spoken.
    fn find(&self, speaker: Speaker, tokens: &[Token], from: usize) -> Vec<Match> {
        let mut excluded = vec![false; tokens.len()];
        for ex in &self.exclusions {
            for i in 0..tokens.len() {
                if words_at(tokens, i, ex) {
                    for flag in excluded.iter_mut().skip(i).take(ex.len()) {
                        *flag = true;
                    }
                }
            }
        }
        let mut found = Vec::new();
        let lanes = TagKind::SPEECH
            .map(|t| (Some(t), false))
            .into_iter()
            .chain([(None, false), (Some(TagKind::Police), true)]);
        for lane in lanes {
            let mut i = 0;
            while i < tokens.len() {
                match self.longest_at(lane, speaker, tokens, &excluded, i) {
                    Some((phrase, len)) => {
                        if i + len > from {
                            let words = tokens.get(i..i + len).unwrap_or_default();
                            found.push(Match {
                                phrase,
                                at: words.first().map_or(Duration::ZERO, |t| t.start),
                                confidence: words.iter().map(|t| t.confidence).min().unwrap_or(0),
                                first: i,
                            });
                        }
                        i += len;
                    }
                    None => i += 1,
                }
            }
        }
        found.sort_by_key(|m| (m.first, m.phrase));
        found
    }

    /// The longest phrase of `lane` (its tag, `None` for a cue, and
    /// whether it is a claim) usable at `i`, with its length.
    fn longest_at(
        &self,
        (tag, claim): (Option<TagKind>, bool),
        speaker: Speaker,
        tokens: &[Token],
        excluded: &[bool],
        i: usize,
    ) -> Option<(usize, usize)> {
        let first = &tokens.get(i)?.word;
        self.by_first
            .get(first)?
            .iter()
            .filter_map(|&index| Some((index, self.list.get(index)?)))
            .filter(|(_, p)| p.tag == tag && p.claim == claim)
            .filter(|(_, p)| p.speaker.is_none_or(|s| s == speaker))
            .filter(|(_, p)| words_at(tokens, i, &p.words))
            .filter(|(_, p)| {
                let span = i..i + p.words.len();
                let clear = excluded
                    .get(span.clone())
                    .is_some_and(|e| !e.contains(&true));
                let sure = tokens
                    .get(span)
                    .is_some_and(|t| t.iter().all(|t| t.confidence >= p.min_confidence));
                clear && sure
            })
            .max_by_key(|&(index, p)| (p.words.len(), p.request, std::cmp::Reverse(index)))
            .map(|(index, p)| (index, p.words.len()))
    }
}

/// Counts only: the lists come from the configuration.
impl fmt::Debug for Phrases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phrases")
            .field("phrases", &self.list.len())
            .field("exclusions", &self.exclusions.len())
            .field("keep", &self.keep)
            .field("join_gap", &self.join_gap)
            .finish_non_exhaustive()
    }
}

/// `phrase` is the words of `tokens` starting at `i`.
fn words_at(tokens: &[Token], i: usize, phrase: &[String]) -> bool {
    tokens
        .get(i..i.saturating_add(phrase.len()))
        .is_some_and(|t| t.iter().zip(phrase).all(|(t, w)| t.word == *w))
}

/// One speaker's recent words: the end of their last utterance, kept so a
/// phrase split across a short pause still matches.
#[derive(Clone, Debug, Default)]
pub(crate) struct Stream {
    tail: Vec<Token>,
}

impl Stream {
    /// Matches in a new utterance, including those starting in the kept
    /// end of the previous one when the pause between them is shorter than
    /// the join gap. A match wholly inside the previous utterance was
    /// already reported and is not again.
    pub fn hear(&mut self, phrases: &Phrases, speaker: Speaker, new: Vec<Token>) -> Vec<Match> {
        let Some(first) = new.first() else {
            return Vec::new();
        };
        let joined = self
            .tail
            .iter()
            .map(|t| t.end)
            .max()
            .is_some_and(|end| first.start.saturating_sub(end) < phrases.join_gap);
        let mut all = if joined {
            std::mem::take(&mut self.tail)
        } else {
            Vec::new()
        };
        let from = all.len();
        all.extend(new);
        let found = phrases.find(speaker, &all, from);
        let keep_from = all.len().saturating_sub(phrases.keep);
        self.tail = all.split_off(keep_from);
        for t in &mut self.tail {
            if !phrases.vocabulary.contains(&t.word) {
                t.word.clear();
            }
        }
        found
    }

    pub fn clear(&mut self) {
        self.tail.clear();
    }
}
