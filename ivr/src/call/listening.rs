//! Listening to one call: its tagger, from the answer on, and the two
//! reactions to a call turning high risk (the resident's warning and the
//! trusted contact's alert), each at most once.
//!
//! Owns: starting the [`Tagger`] at the answer (with the caller-ID
//! policy's `suspicious-cli` finding), feeding it words and keys, and the
//! once-only flags; turning its outputs into the call's; the after-call
//! callback's [`Trigger`] from its risk and tags. Each rise in risk goes
//! into the log with its reason, and the alert carries the reason that
//! made the call high. Does not own: which
//! phone is bridged (the machine tells), recognising speech or storing
//! tags (the shell).

use std::time::Instant;

use crate::lineclear::Trigger;
use crate::tagging::{
    HeardWord, Risk, RiskReason, SharedTaggerConfig, Speaker, TagKind, TagOutput, Tagger,
};

use super::outbox::Outbox;
use super::playback::Owner;
use super::types::{Leg, Output, Record, Sound};

#[derive(Debug)]
pub struct Listening {
    config: SharedTaggerConfig,
    /// The caller-ID policy's finding, tagged at the answer.
    suspicious: Option<String>,
    tagger: Option<Tagger>,
    warn_resident: bool,
    warned: bool,
    alerted: bool,
}

impl Listening {
    pub fn new(
        config: SharedTaggerConfig,
        suspicious: Option<String>,
        warn_resident: bool,
    ) -> Self {
        Self {
            config,
            suspicious,
            tagger: None,
            warn_resident,
            warned: false,
            alerted: false,
        }
    }

    /// The call was answered: the tagger's clock starts now, the moment
    /// the media (and so the recogniser's word times) start.
    pub fn start(&mut self, now: Instant) {
        if self.tagger.is_some() {
            return;
        }
        let mut tagger = Tagger::shared(&self.config, now);
        if let Some(why) = self.suspicious.take() {
            tagger.add(now, TagKind::SuspiciousCli, why);
        }
        self.tagger = Some(tagger);
    }

    pub fn heard(&mut self, speaker: Speaker, words: &[HeardWord]) {
        if let Some(t) = self.tagger.as_mut() {
            t.heard(speaker, words);
        }
    }

    /// A key pressed by either party: only its count and timing count.
    pub fn key(&mut self, now: Instant, by: Speaker, key: char) {
        if let Some(t) = self.tagger.as_mut() {
            t.key(now, by, key);
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(t) = self.tagger.as_mut() {
            t.handle_timeout(now);
        }
    }

    /// The call is over: a run of keys still open ends now.
    pub fn end(&mut self) {
        if let Some(t) = self.tagger.as_mut() {
            t.end();
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.tagger.as_ref().and_then(Tagger::poll_timeout)
    }

    /// The tagger's outputs as the call's: tags and risk into the log;
    /// at high risk the warning (to `bridged`, if any) and the alert.
    pub fn drain(&mut self, out: &mut Outbox, bridged: Option<usize>) {
        while let Some(output) = self.tagger.as_mut().and_then(Tagger::poll_output) {
            match output {
                TagOutput::Tagged(tag) => out.push(Output::Record(Record::Tag(tag))),
                TagOutput::Risk(reason) => {
                    let high = reason.risk == Risk::High;
                    out.push(Output::Record(Record::Risk(reason.clone())));
                    if high {
                        self.warn(out, bridged);
                        if let Some(alert) = self.take_alert(reason) {
                            out.push(alert);
                        }
                    }
                }
            }
        }
    }

    /// The warning, to the bridged resident only, once (high risk and
    /// warnings on). Before the resident is connected it waits for the
    /// connect.
    pub fn warn(&mut self, out: &mut Outbox, bridged: Option<usize>) {
        if let Some(phone) = bridged {
            if self.take_warning() {
                out.play(Leg::Phone(phone), Owner::Nobody, Sound::Warning);
            }
        }
    }

    pub fn risk(&self) -> Risk {
        self.tagger.as_ref().map_or(Risk::None, Tagger::risk)
    }

    /// Whether to warn the resident now (high risk, warnings on, not yet
    /// warned); a true answer counts as warned.
    fn take_warning(&mut self) -> bool {
        if self.warned || !self.warn_resident || self.risk() != Risk::High {
            return false;
        }
        self.warned = true;
        true
    }

    /// The trusted contact's alert, with `reason`, the first time only.
    fn take_alert(&mut self, reason: RiskReason) -> Option<Output> {
        let tagger = self.tagger.as_ref()?;
        if self.alerted {
            return None;
        }
        self.alerted = true;
        Some(Output::AlertContact {
            risk: tagger.risk(),
            tags: tagger.tags().iter().map(|t| t.kind).collect(),
            reason,
        })
    }

    /// The callback this call calls for once over: the offer, when it was
    /// tagged medium or high risk.
    pub fn after_call(&self) -> Option<Trigger> {
        let tagger = self.tagger.as_ref()?;
        Trigger::after_call(tagger.risk(), tagger.tags().iter().map(|t| t.kind))
    }
}
