//! Listening to a live call and reacting to what is heard.
//!
//! Owns: the call's tagger (`ivr::tagging`), started at the answer — words
//! from the recognizer threads (`listen.rs`), the caller's and the
//! resident's keys, the caller-ID policy's `suspicious-cli` — and the
//! reactions when the risk rises: every tag and the risk into the call
//! log, the in-call warning to the resident only (mixed over the bridged
//! call, and into the recording's resident channel) and the trusted
//! contact's alert, each at most once per call.
//!
//! Does not own: recognition (`speech`), the phrase lists and rules
//! (`config`), the warning's audio path (`sip::rtp_session` mixes it) or
//! delivering the alert (`alerts.rs`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use ivr::tagging::{HeardWord, Risk, Speaker, TagKind, TagOutput, Tagger};
use sip::rtp_session::MediaCommand;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;
use tracing::info;

use super::Flow;
use crate::serve::recognizers::Heard;
use crate::store::TagDetail;

/// Audio to mix into the recording's resident channel (the warning), 8 kHz.
pub(super) type Overlay = Arc<Mutex<VecDeque<i16>>>;

/// Mixes what is queued in `overlay` into `frame`.
pub(super) fn mix_overlay(overlay: &Overlay, frame: &[i16]) -> Option<Vec<i16>> {
    let mut queued = overlay.lock().unwrap_or_else(PoisonError::into_inner);
    if queued.is_empty() {
        return None;
    }
    Some(
        frame
            .iter()
            .map(|&s| s.saturating_add(queued.pop_front().unwrap_or(0)))
            .collect(),
    )
}

/// The prompt id the warning plays under on the resident's leg.
const WARNING_ID: u32 = u32::MAX - 1;

/// A call's listening state.
pub(super) struct CallTagging {
    tagger: Option<Tagger>,
    words: Option<UnboundedReceiver<Heard>>,
    pub(super) overlay: Overlay,
    /// The caller-ID policy's finding, tagged at the answer.
    suspicious: Option<String>,
    call_id: String,
    warned: bool,
    alerted: bool,
}

impl CallTagging {
    pub(super) fn new(suspicious: Option<String>, call_id: String) -> CallTagging {
        CallTagging {
            tagger: None,
            words: None,
            overlay: Overlay::default(),
            suspicious,
            call_id,
            warned: false,
            alerted: false,
        }
    }

    /// The line-clear callback this call calls for once over: the offer,
    /// when it was tagged medium or high risk.
    pub(super) fn after_call(&self) -> Option<ivr::lineclear::Trigger> {
        let tagger = self.tagger.as_ref()?;
        ivr::lineclear::Trigger::after_call(tagger.risk(), tagger.tags().iter().map(|t| t.kind))
    }

    /// The tagger's next deadline (a run of keys ending).
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.tagger
            .as_ref()
            .and_then(Tagger::poll_timeout)
            .map(Instant::from_std)
    }
}

/// The next words heard, or never when nothing listens.
pub(super) async fn next_words(t: &mut CallTagging) -> Option<Heard> {
    match t.words.as_mut() {
        Some(w) => w.recv().await,
        None => std::future::pending().await,
    }
}

impl Flow {
    /// Starts listening at the answer: the tagger's clock starts now, the
    /// same moment the media (and so word times) start.
    pub(super) fn start_tagging(&mut self, words: Option<UnboundedReceiver<Heard>>) {
        let now = Instant::now().into_std();
        let mut tagger = Tagger::new(&self.shared.tagger, now);
        if let Some(why) = self.tagging.suspicious.take() {
            tagger.add(now, TagKind::SuspiciousCli, why);
        }
        self.tagging.tagger = Some(tagger);
        self.tagging.words = words;
        self.apply_tag_outputs();
    }

    /// Words from the recognizer.
    pub(super) fn on_words(&mut self, (speaker, words): Heard) {
        let Some(tagger) = self.tagging.tagger.as_mut() else {
            return;
        };
        let heard: Vec<HeardWord> = words
            .iter()
            .map(|w| {
                HeardWord::new(
                    w.text.clone(),
                    std::time::Duration::from_millis(w.start_ms),
                    std::time::Duration::from_millis(w.end_ms),
                    w.confidence,
                )
            })
            .collect();
        tagger.heard(speaker, &heard);
        self.apply_tag_outputs();
    }

    /// A key pressed by either party. Only its count and timing are kept by
    /// the tagger; the key itself is not logged here.
    pub(super) fn tag_key(&mut self, by: Speaker, key: char) {
        if let Some(tagger) = self.tagging.tagger.as_mut() {
            tagger.key(Instant::now().into_std(), by, key);
        }
        self.apply_tag_outputs();
    }

    pub(super) fn tagging_timeout(&mut self) {
        if let Some(tagger) = self.tagging.tagger.as_mut() {
            tagger.handle_timeout(Instant::now().into_std());
        }
        self.apply_tag_outputs();
    }

    /// The call is over: key runs still open end now.
    pub(super) fn end_tagging(&mut self) {
        if let Some(tagger) = self.tagging.tagger.as_mut() {
            tagger.end();
        }
        self.apply_tag_outputs();
    }

    fn apply_tag_outputs(&mut self) {
        loop {
            let Some(out) = self.tagging.tagger.as_mut().and_then(Tagger::poll_output) else {
                return;
            };
            match out {
                TagOutput::Tagged(tag) => {
                    info!(
                        tag = tag.kind.as_str(),
                        at_ms = tag.at.as_millis() as u64,
                        "call tagged"
                    );
                    self.shared.store.add_tag_detail(
                        &self.key,
                        TagDetail {
                            tag: tag.kind.as_str().to_string(),
                            at_ms: u64::try_from(tag.at.as_millis()).unwrap_or(u64::MAX),
                            evidence: tag.evidence,
                            confidence: tag.confidence,
                        },
                    );
                }
                TagOutput::Risk(risk) => {
                    info!(risk = risk.as_str(), "call risk");
                    self.shared.store.set_risk(&self.key, risk.as_str());
                    if risk == Risk::High {
                        self.warn_resident();
                        self.alert_contact();
                    }
                }
            }
        }
    }

    /// The warning, to the resident only, once; when the caller is not yet
    /// bridged, when the resident is connected (see `connect`).
    pub(super) fn warn_resident(&mut self) {
        let high = self
            .tagging
            .tagger
            .as_ref()
            .is_some_and(|t| t.risk() == Risk::High);
        if self.tagging.warned || !high || !self.alerts.warn_resident {
            return;
        }
        let warning = self.shared.prompts.warning();
        let Some(b) = self.bridge.as_ref() else {
            return;
        };
        if !b.command_resident(MediaCommand::Play {
            id: WARNING_ID,
            samples: warning.clone(),
        }) {
            return;
        }
        self.tagging.warned = true;
        info!("warning the resident");
        self.tagging
            .overlay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(warning.iter().copied());
    }

    /// The trusted contact's alert, once per call.
    fn alert_contact(&mut self) {
        if self.tagging.alerted {
            return;
        }
        self.tagging.alerted = true;
        let (Some(url), Some(sender)) = (&self.alerts.webhook, &self.shared.alerts) else {
            return;
        };
        let Some(tagger) = self.tagging.tagger.as_ref() else {
            return;
        };
        let alert = crate::serve::alerts::Alert {
            line: self.line.clone(),
            caller: self.caller.clone(),
            tags: tagger
                .tags()
                .iter()
                .map(|t| t.kind.as_str().to_string())
                .collect(),
            risk: tagger.risk().as_str().to_string(),
            time: SystemTime::now(),
            call_id: self.tagging.call_id.clone(),
        };
        info!("alerting the trusted contact");
        sender.send(url, &alert);
    }
}
