//! Pairing what one speaker says into a request or a claim.
//!
//! Owns: the recent request cues and mentions per speaker, pairing a cue
//! with a mention within the cue span (a request), pairing a claim to be
//! the police with a bank-details, cash or courier phrase within the window
//! (a claim), and keeping the first request or claim heard, which keeps the
//! risk high.
//!
//! Does not own: matching phrases (`matcher.rs`), the cue and request lists
//! (`requests.rs`), raising tags, the risk rules (`risk.rs`), or reporting a
//! rise in risk ([`super::Tagger`] does that).

use std::collections::VecDeque;
use std::time::Duration;

use super::config::{TaggerConfig, MAX_TAGGING_DURATION};
use super::types::{Risk, RiskReason, Speaker, TagKind};

/// Request cues and mentions kept per speaker, newest last.
const RECENT_KEPT: usize = 8;

/// A cue (`tag` is `None`) or a mention, as said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Said {
    pub(super) text: String,
    pub(super) tag: Option<TagKind>,
    pub(super) at: Duration,
}

/// What one call's speakers said that may pair into a request or a claim.
#[derive(Debug)]
pub(super) struct Pairing {
    /// Recent request cues and mentions per speaker: the text, its tag
    /// (`None` for a cue) and when it started.
    recent: [VecDeque<Said>; 2],
    cue_span: Duration,
    /// Per speaker: the first claim to be the police, and the latest
    /// bank-details, cash or courier phrase.
    claimed: [Option<Said>; 2],
    asked_about: [Option<Said>; 2],
    window: Duration,
    /// The first request heard, if any: it keeps the risk high.
    requested: Option<RiskReason>,
}

impl Pairing {
    pub(super) fn new(config: &TaggerConfig) -> Self {
        Self {
            recent: Default::default(),
            cue_span: config.cue_span.min(MAX_TAGGING_DURATION),
            claimed: Default::default(),
            asked_about: Default::default(),
            window: config.window.min(MAX_TAGGING_DURATION),
            requested: None,
        }
    }

    /// The first request or claim heard, if any.
    pub(super) fn requested(&self) -> Option<&RiskReason> {
        self.requested.as_ref()
    }

    /// Remembers `said` by `speaker` for later pairing, dropping the oldest
    /// beyond [`RECENT_KEPT`].
    pub(super) fn remember(&mut self, speaker: Speaker, said: Said) {
        let recent = &mut self.recent[speaker as usize];
        if recent.len() == RECENT_KEPT {
            recent.pop_front();
        }
        recent.push_back(said);
    }

    /// Keeps the first request or claim heard (`at`): it makes the risk
    /// high.
    pub(super) fn request(&mut self, found: Option<(String, &str)>, at: Duration) {
        if let (Some((asked, rule)), None) = (found, &self.requested) {
            self.requested = Some(RiskReason {
                risk: Risk::High,
                at,
                rule: rule.into(),
                evidence: vec![asked],
            });
        }
    }

    /// A claim to be the police and a bank-details, cash or courier phrase
    /// by `speaker` within the window of each other, one of them `said`
    /// (just heard; `claim` if it is a claim): the evidence, and the
    /// phrase. Remembers `said` for later phrases.
    pub(super) fn claimed_with(
        &mut self,
        speaker: Speaker,
        said: &Said,
        claim: bool,
    ) -> Option<(String, Said)> {
        let i = speaker as usize;
        let within = |a: &Said, b: &Said| b.at.saturating_sub(a.at) <= self.window;
        let pair = if claim {
            self.claimed[i].get_or_insert_with(|| said.clone());
            self.asked_about[i]
                .as_ref()
                .filter(|m| within(m, said))
                .map(|m| (said, m))
        } else if said.tag.is_some_and(|t| t != TagKind::Police) {
            self.asked_about[i] = Some(said.clone());
            self.claimed[i]
                .as_ref()
                .filter(|c| within(c, said))
                .map(|c| (c, said))
        } else {
            None
        }?;
        let (claim, mention) = pair;
        Some((evidence(speaker, claim, mention), mention.clone()))
    }

    /// A cue and a mention by `speaker` within the cue span of each other,
    /// one of them `said` (just heard): the evidence of a request, and the
    /// mention.
    pub(super) fn paired(&self, speaker: Speaker, said: &Said) -> Option<(String, Said)> {
        // A claim to be the police is not something handed over.
        let asked_for = |s: &Said| s.tag.is_some_and(|t| t != TagKind::Police);
        if said.tag == Some(TagKind::Police) {
            return None;
        }
        let other = self.recent[speaker as usize].iter().rev().find(|o| {
            said.at.saturating_sub(o.at) <= self.cue_span
                && (asked_for(o) && said.tag.is_none() || o.tag.is_none() && asked_for(said))
        })?;
        let (cue, mention) = if said.tag.is_none() {
            (said, other)
        } else {
            (other, said)
        };
        Some((evidence(speaker, cue, mention), mention.clone()))
    }
}

/// `speaker said "<first>" and "<mention>" (<its tag>)`: the evidence of
/// a pair, the cue or claim first.
fn evidence(speaker: Speaker, first: &Said, mention: &Said) -> String {
    let tag = mention.tag.map_or("", |t| t.as_str());
    format!(
        "{speaker} said \"{}\" and \"{}\" ({tag})",
        first.text, mention.text
    )
}
