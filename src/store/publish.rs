//! Publishing each call-log write, once it has landed, as a console
//! [`LiveEvent`] on a broadcast channel. The writer thread calls
//! [`Publisher::published`] after every write that succeeded.
//!
//! Does not own: the event type or the channel (`crate::console::live`),
//! or who reads the events.

use std::collections::HashMap;
use std::time::SystemTime;

use super::msg::{CallKey, Msg};
use crate::console::live::{Change, LiveEvent, LiveSender};
use crate::time::rfc3339_millis;

/// The channel, and the line of each call in progress (events name it).
pub(super) struct Publisher {
    tx: LiveSender,
    lines: HashMap<i64, String>,
}

impl Publisher {
    pub(super) fn new(tx: LiveSender) -> Publisher {
        Publisher {
            tx,
            lines: HashMap::new(),
        }
    }

    /// Publishes `msg`, written for the call with row id `id`.
    pub(super) fn published(&mut self, msg: &Msg, id: i64) {
        if let Msg::Started(_, new) = msg {
            self.lines.insert(id, new.line.clone());
        }
        let Some(line) = self.lines.get(&id).cloned() else {
            return;
        };
        if matches!(msg, Msg::Ended(..)) {
            self.lines.remove(&id);
        }
        if let Some(change) = change(msg) {
            // No reader is not an error.
            let _ = self.tx.send(LiveEvent { id, line, change });
        }
    }
}

/// The key of a message about one call.
pub(super) fn key(msg: &Msg) -> Option<&CallKey> {
    match msg {
        Msg::Started(k, _)
        | Msg::Answered(k, ..)
        | Msg::Outcome(k, _)
        | Msg::Policy(k, _)
        | Msg::Tag(k, _)
        | Msg::TagDetail(k, _)
        | Msg::Risk(k, _)
        | Msg::Bridge(k, _)
        | Msg::Bridged(k, ..)
        | Msg::HangupBy(k, _)
        | Msg::Ended(k, ..)
        | Msg::Voicemail(k, _)
        | Msg::RecordingNote(k, _)
        | Msg::NotRecorded(k, _)
        | Msg::MessageLost(k, _)
        | Msg::Listened(k, _)
        | Msg::Callback(k, _)
        | Msg::CallerName(k, _) => Some(k),
        Msg::Binding(_) | Msg::Passed(..) | Msg::Shutdown => None,
    }
}

fn state(field: &str, value: &str) -> Option<Change> {
    Some(Change::State {
        field: field.to_owned(),
        value: value.to_owned(),
    })
}

fn time(at: &SystemTime) -> String {
    rfc3339_millis(*at)
}

fn change(msg: &Msg) -> Option<Change> {
    match msg {
        Msg::Started(_, new) => Some(Change::Started {
            caller: new.caller.clone(),
            called: new.called.clone(),
            started_at: time(&new.started_at),
        }),
        Msg::CallerName(_, name) => Some(Change::CallerName { name: name.clone() }),
        Msg::Answered(_, at, _) => state("answered", &time(at)),
        Msg::Outcome(_, v) => state("outcome", v),
        Msg::Policy(_, v) => state("policy", v),
        Msg::Bridge(_, v) => state("bridge", v),
        Msg::Bridged(_, _, phone) => state("bridged", phone),
        Msg::HangupBy(_, v) => state("hangup_by", v),
        Msg::Voicemail(_, v) => state("voicemail", v),
        Msg::RecordingNote(_, v) | Msg::NotRecorded(_, v) | Msg::MessageLost(_, v) => {
            state("recording_note", v)
        }
        Msg::Listened(_, v) => state("listened", v),
        Msg::Callback(_, _) => state("callback", "proof logged"),
        Msg::Tag(_, tag) => Some(Change::Tag {
            tag: tag.clone(),
            at_ms: None,
            evidence: None,
        }),
        Msg::TagDetail(_, d) => Some(Change::Tag {
            tag: d.tag.clone(),
            at_ms: Some(d.at_ms),
            evidence: Some(d.evidence.clone()),
        }),
        Msg::Risk(_, reason) => Some(Change::Risk {
            risk: reason.risk.clone(),
            why: reason.brief_rule().to_owned(),
        }),
        Msg::Ended(_, at, reason) => Some(Change::Ended {
            ended_at: time(at),
            reason: reason.clone(),
        }),
        Msg::Binding(_) | Msg::Passed(..) | Msg::Shutdown => None,
    }
}
