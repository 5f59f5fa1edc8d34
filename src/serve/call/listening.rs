//! The shell's side of listening to a live call: the words the recognizer
//! threads hear, into the machine; the resident's warning mixed into the
//! recording's resident channel; the trusted contact's alert sent.
//!
//! Owns: the call's words channel (opened at the answer), the overlay the
//! media sink mixes into the recording, and building the alert. Does not
//! own: tags, risk or when to warn and alert (the `ivr::call` machine),
//! recognition (`recognizers`), or delivering the alert (`alerts`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use ivr::call::Input;
use ivr::tagging::{HeardWord, Risk, TagKind};
use tokio::sync::mpsc::UnboundedReceiver;
use tracing::debug;

use super::ctx::CallCtx;
use crate::serve::recognizers::Heard;
use crate::serve::wait::recv_or_never;

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

/// A call's listening, from the answer on.
#[derive(Default)]
pub(super) struct Listening {
    words: Option<UnboundedReceiver<Heard>>,
    pub(super) overlay: Overlay,
}

impl Listening {
    /// The recognizer's words for this call, from the answer on.
    pub(super) fn listen(&mut self, words: Option<UnboundedReceiver<Heard>>) {
        self.words = words;
    }

    /// The next words heard, as the machine's input; never when nothing
    /// listens.
    pub(super) async fn next(&mut self) -> Option<Input> {
        let (speaker, words) = recv_or_never(self.words.as_mut()).await?;
        let words = words
            .iter()
            .map(|w| {
                HeardWord::new(
                    w.text.clone(),
                    Duration::from_millis(w.start_ms),
                    Duration::from_millis(w.end_ms),
                    w.confidence,
                )
            })
            .collect();
        Some(Input::Heard { speaker, words })
    }

    /// The warning is playing to the resident: it goes into the
    /// recording's resident channel too.
    pub(super) fn warned(&self, warning: &[i16]) {
        debug!("warning the resident");
        self.overlay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(warning.iter().copied());
    }

    /// The trusted contact's alert, when the line has a webhook.
    pub(super) fn alert(&self, ctx: &CallCtx, risk: Risk, tags: &[TagKind]) {
        let (Some(url), Some(sender)) = (&ctx.alerts.webhook, &ctx.shared.alerts) else {
            return;
        };
        let alert = crate::serve::alerts::Alert {
            line: ctx.line.clone(),
            caller: ctx.caller.clone(),
            tags: tags.iter().map(|t| t.as_str().to_string()).collect(),
            risk: risk.as_str().to_string(),
            time: SystemTime::now(),
            call_id: ctx.call_id.clone(),
        };
        debug!("alerting the trusted contact");
        sender.send(url, &alert);
    }
}
