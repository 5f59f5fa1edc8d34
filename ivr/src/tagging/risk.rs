//! The call's risk from its evidence: the configured rules, applied to the
//! speech evidence that falls within one window and to the call-wide tags.
//!
//! Owns: the compiled rules, the recent speech evidence kept for windows,
//! and the assessment. Does not own: raising tags or reporting risk
//! changes ([`super::Tagger`] does both and keeps the risk monotonic).
//!
//! Why windows: a single keyword false-alarms on everyday calls, and so do
//! two keywords said minutes apart; different fraud keywords within about
//! a minute of each other almost only happen on fraud calls. So a rule's
//! speech tags must all be heard within one window (any window, not only
//! the latest), while call-wide tags (keys, added tags) count throughout.

use std::collections::VecDeque;
use std::time::Duration;

use super::config::{RiskRule, TaggerConfig, MAX_TAGGING_DURATION};
use super::types::{Risk, TagKind};

/// Speech evidence kept for windows, newest last; older evidence has been
/// assessed already, so dropping it cannot lower the risk.
const KEPT: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rule {
    all: u8,
    any: u8,
    risk: Risk,
}

impl Rule {
    /// `None` for a rule that does not validate.
    fn new(rule: &RiskRule) -> Option<Self> {
        let mask = |names: &[String]| {
            names.iter().try_fold(0u8, |mask, name| {
                name.parse::<TagKind>().ok().map(|k| mask | k.bit())
            })
        };
        let (all, any) = (mask(&rule.all)?, mask(&rule.any)?);
        (all | any != 0 && rule.risk > Risk::None).then_some(Self {
            all,
            any,
            risk: rule.risk,
        })
    }

    fn matches(&self, tags: u8) -> bool {
        tags & self.all == self.all && (self.any == 0 || tags & self.any != 0)
    }
}

/// One phrase heard: its tag, which phrase, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Heard {
    tag: TagKind,
    phrase: usize,
    at: Duration,
}

#[derive(Clone, Debug)]
pub(crate) struct Assessor {
    rules: Vec<Rule>,
    window: Duration,
    phrases_for_medium: usize,
    heard: VecDeque<Heard>,
}

impl Assessor {
    pub fn new(cfg: &TaggerConfig) -> Self {
        Self {
            rules: cfg.rules.iter().filter_map(Rule::new).collect(),
            window: cfg.window.min(MAX_TAGGING_DURATION),
            phrases_for_medium: cfg.phrases_for_medium,
            heard: VecDeque::with_capacity(KEPT),
        }
    }

    /// Remembers a phrase heard for later windows.
    pub fn heard(&mut self, tag: TagKind, phrase: usize, at: Duration) {
        if self.heard.len() == KEPT {
            self.heard.pop_front();
        }
        self.heard.push_back(Heard { tag, phrase, at });
    }

    /// The highest risk any window of the kept evidence supports, with the
    /// call-wide tags `call_wide` (a [`TagKind::bit`] set) counted in every
    /// window.
    pub fn assess(&self, call_wide: u8) -> Risk {
        let mut best = self.rules_for(call_wide);
        for anchor in &self.heard {
            let end = anchor.at.saturating_add(self.window);
            let in_window = || {
                self.heard
                    .iter()
                    .filter(|h| h.at >= anchor.at && h.at <= end)
            };
            let tags = in_window().fold(call_wide, |tags, h| tags | h.tag.bit());
            best = best.max(self.rules_for(tags));
            if self.phrases_for_medium > 0 && best < Risk::Medium {
                let mut distinct: Vec<(TagKind, usize)> =
                    in_window().map(|h| (h.tag, h.phrase)).collect();
                distinct.sort_unstable();
                distinct.dedup();
                let corroborated = TagKind::SPEECH.into_iter().any(|tag| {
                    distinct.iter().filter(|(t, _)| *t == tag).count() >= self.phrases_for_medium
                });
                if corroborated {
                    best = Risk::Medium;
                }
            }
        }
        best
    }

    fn rules_for(&self, tags: u8) -> Risk {
        self.rules
            .iter()
            .filter(|r| r.matches(tags))
            .map(|r| r.risk)
            .max()
            .unwrap_or(Risk::None)
    }
}
