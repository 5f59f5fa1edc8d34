//! Shared helpers for the tagging scenarios: words heard on a virtual clock
//! (from `speech_support`, shared with the call scenarios), one call's
//! tagger with everything it output, and the tags one sentence gives.
//!
//! Does not own: any scenario.

use std::time::Instant;

use ivr::{Risk, Speaker, Tag, TagEvent, TagKind, TagOutput, Tagger, TaggerConfig};
use Speaker::Caller;

#[path = "../speech_support/mod.rs"]
mod speech_support;
pub(crate) use speech_support::{ms, words};

/// One call on a virtual clock, with everything it output.
pub(crate) struct Call {
    pub(crate) tagger: Tagger,
    pub(crate) start: Instant,
    pub(crate) out: Vec<TagOutput>,
}

impl Call {
    pub(crate) fn new(cfg: &TaggerConfig) -> Self {
        let start = Instant::now();
        Self {
            tagger: Tagger::new(cfg, start),
            start,
            out: Vec::new(),
        }
    }

    pub(crate) fn drain(&mut self) {
        while let Some(o) = self.tagger.poll_output() {
            self.out.push(o);
        }
    }

    /// Fires the key timeout if it is due by `at_ms`.
    pub(crate) fn advance(&mut self, at_ms: u64) {
        let now = self.start + ms(at_ms);
        if self.tagger.poll_timeout().is_some_and(|t| t <= now) {
            self.tagger.handle_timeout(now);
        }
        self.drain();
    }

    pub(crate) fn say(&mut self, speaker: Speaker, at_ms: u64, text: &str) -> &mut Self {
        self.advance(at_ms);
        let event = TagEvent::Heard {
            speaker,
            words: words(at_ms, text),
        };
        self.tagger.handle_event(self.start + ms(at_ms), event);
        self.drain();
        self
    }

    /// Keys `keys` one every `gap_ms` from `at_ms`.
    pub(crate) fn keys(&mut self, by: Speaker, at_ms: u64, gap_ms: u64, keys: &str) -> &mut Self {
        for (i, key) in keys.chars().enumerate() {
            let at = at_ms + gap_ms * i as u64;
            self.advance(at);
            self.tagger.key(self.start + ms(at), by, key);
            self.drain();
        }
        self
    }

    pub(crate) fn kinds(&self) -> Vec<TagKind> {
        let mut kinds: Vec<TagKind> = self.tagger.tags().iter().map(|t| t.kind).collect();
        kinds.sort();
        kinds
    }

    pub(crate) fn tag(&self, kind: TagKind) -> Option<&Tag> {
        self.tagger.tags().iter().find(|t| t.kind == kind)
    }

    pub(crate) fn risks(&self) -> Vec<Risk> {
        self.out
            .iter()
            .filter_map(|o| match o {
                TagOutput::Risk(r) => Some(r.risk),
                TagOutput::Tagged(_) => None,
            })
            .collect()
    }
}

pub(crate) fn heard(text: &str) -> Vec<TagKind> {
    let mut call = Call::new(&TaggerConfig::default());
    call.say(Caller, 0, text);
    call.kinds()
}
