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

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    all: u8,
    any: u8,
    risk: Risk,
    /// How the rule reads, for the reasons given with a risk.
    name: String,
}

/// The best risk found and what made it: the rule's name and the phrases
/// (indexes into the phrase list) of the window it matched in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Assessment {
    pub risk: Risk,
    pub rule: String,
    pub phrases: Vec<usize>,
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
        let name = match (rule.all.is_empty(), rule.any.is_empty()) {
            (false, true) => format!("all of {}", rule.all.join(" + ")),
            (true, false) => format!("any of {}", rule.any.join(", ")),
            _ => format!(
                "all of {}, any of {}",
                rule.all.join(" + "),
                rule.any.join(", ")
            ),
        };
        (all | any != 0 && rule.risk > Risk::None).then_some(Self {
            all,
            any,
            risk: rule.risk,
            name: format!("rule {name} -> {}", rule.risk),
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
    /// window, and what made it (the first window that reached it).
    pub fn assess(&self, call_wide: u8) -> Assessment {
        let mut best = self.assessment(self.best_rule(call_wide), Vec::new());
        for anchor in &self.heard {
            let end = anchor.at.saturating_add(self.window);
            let in_window = || {
                self.heard
                    .iter()
                    .filter(|h| h.at >= anchor.at && h.at <= end)
            };
            let tags = in_window().fold(call_wide, |tags, h| tags | h.tag.bit());
            // The window's phrases are gathered only when it does better.
            if let Some(rule) = self.best_rule(tags).filter(|r| r.risk > best.risk) {
                best = self.assessment(Some(rule), in_window().map(|h| h.phrase).collect());
            }
            if self.phrases_for_medium > 0 && best.risk < Risk::Medium {
                let mut distinct: Vec<(TagKind, usize)> =
                    in_window().map(|h| (h.tag, h.phrase)).collect();
                distinct.sort_unstable();
                distinct.dedup();
                let corroborated = TagKind::SPEECH.into_iter().any(|tag| {
                    distinct.iter().filter(|(t, _)| *t == tag).count() >= self.phrases_for_medium
                });
                if corroborated {
                    best = Assessment {
                        risk: Risk::Medium,
                        rule: format!(
                            "{} different phrases for one tag -> medium",
                            self.phrases_for_medium
                        ),
                        phrases: distinct.iter().map(|(_, p)| *p).collect(),
                    };
                }
            }
        }
        best
    }

    /// The highest rule matching `tags`.
    fn best_rule(&self, tags: u8) -> Option<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.matches(tags))
            .max_by_key(|r| r.risk)
    }

    /// `rule` (none: no risk) with `phrases` as its evidence.
    fn assessment(&self, rule: Option<&Rule>, phrases: Vec<usize>) -> Assessment {
        rule.map_or_else(Assessment::default, |r| Assessment {
            risk: r.risk,
            rule: r.name.clone(),
            phrases,
        })
    }
}
