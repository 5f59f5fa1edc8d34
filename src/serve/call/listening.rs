//! The shell's side of listening to a live call: the words the recognizer
//! threads hear, into the machine; the resident's warning mixed into the
//! recording's resident channel; the trusted contact's alert sent.
//!
//! Owns: the call's words channel (opened at the answer), how much of the
//! call was heard (logged at the answer and again at the end, and told in
//! the alert), the overlay the media sink mixes into the recording, and
//! building the alert. Does not
//! own: tags, risk or when to warn and alert (the `ivr::call` machine),
//! recognition (`recognizers`), or delivering the alert (`alerts`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use ivr::call::Input;
use ivr::tagging::{HeardWord, Risk, RiskReason, TagKind};
use tokio::sync::mpsc::UnboundedReceiver;
use tracing::debug;

use super::ctx::CallCtx;
use crate::serve::recognizers::{CallListen, Heard, Listened};
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
    /// Whether anything was lost; `None` when not listened to.
    status: Option<Arc<CallListen>>,
    /// Whether the call was answered (listening starts there).
    answered: bool,
    /// How much was heard, as last logged; `None` before the answer.
    logged: Option<Listened>,
    pub(super) overlay: Overlay,
}

impl Listening {
    /// From the answer on: the recognizer's words for this call and how
    /// much it hears, or `None` when nothing listens (at capacity, or
    /// recognition is off): logged either way, so a call nobody listened
    /// to says so.
    pub(super) fn listen(
        &mut self,
        ctx: &CallCtx,
        heard: Option<(UnboundedReceiver<Heard>, Arc<CallListen>)>,
    ) {
        if self.answered {
            return;
        }
        self.answered = true;
        let (words, status) = heard.unzip();
        self.words = words;
        self.status = status;
        self.log(ctx);
    }

    /// How much of the call has been heard so far; `None` before the
    /// answer.
    fn listened(&self) -> Option<Listened> {
        if !self.answered {
            return None;
        }
        Some(
            self.status
                .as_ref()
                .map_or(Listened::None, |s| s.listened()),
        )
    }

    /// Logs how much was heard, when it changed.
    fn log(&mut self, ctx: &CallCtx) {
        let now = self.listened();
        if now.is_some() && now != self.logged {
            if let Some(l) = now {
                ctx.shared.store.set_listened(&ctx.key, l.as_str());
            }
            self.logged = now;
        }
    }

    /// The call is over: how much was heard is logged, if that changed,
    /// and returned for the call's summary line.
    pub(super) fn ended(&mut self, ctx: &CallCtx) -> Option<&'static str> {
        self.log(ctx);
        self.logged.map(|l| l.as_str())
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

    /// The trusted contact's alert, when the line has a webhook: `reason`
    /// (why the call turned high risk) told in one short line.
    pub(super) fn alert(
        &mut self,
        ctx: &CallCtx,
        risk: Risk,
        tags: &[TagKind],
        reason: &RiskReason,
    ) {
        self.log(ctx);
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
            listened: self.listened().map(|l| l.as_str().to_owned()),
            reason: Some(super::log::risk_reason(reason).summary()),
        };
        debug!("alerting the trusted contact");
        sender.send(url, &alert);
    }
}
