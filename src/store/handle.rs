//! [`StoreHandle`]: a dedicated thread owning the [`Store`], fed
//! fire-and-forget messages through a std mpsc channel, so code on the
//! async runtime never waits for the database. Calls are named by a
//! caller-chosen [`CallKey`] instead of the row id, which only the writer
//! thread learns.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::SystemTime;

use super::db::Store;
use super::msg::{CallKey, Msg};
use super::types::{NewCall, RiskReason, TagDetail};
use crate::console::live::LiveSender;

/// Sends call-log writes to the writer thread. Every method returns at
/// once and never blocks, except [`StoreHandle::shutdown`]. Failed writes
/// are logged (with `tracing`) and do not stop the thread. Clones share the
/// same thread.
#[derive(Clone)]
pub struct StoreHandle {
    tx: mpsc::Sender<Msg>,
    pub(super) thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl StoreHandle {
    /// Moves `store` to a new writer thread (publishing nothing).
    #[cfg(test)]
    pub fn spawn(store: Store) -> StoreHandle {
        Self::spawn_publishing(store, None)
    }

    /// Like [`StoreHandle::spawn`]; every write that lands is also
    /// published on `live` (the console's live view).
    pub fn spawn_publishing(store: Store, live: Option<LiveSender>) -> StoreHandle {
        let (tx, rx) = mpsc::channel();
        let publisher = live.map(super::publish::Publisher::new);
        let thread = std::thread::Builder::new()
            .name("call-log".to_owned())
            .spawn(move || super::writer::run(store, rx, publisher));
        let thread = match thread {
            Ok(thread) => Some(thread),
            Err(err) => {
                // The receiver was dropped with the closure: every send fails
                // and is logged, calls still go on.
                tracing::error!(%err, "cannot start the call-log thread; calls will not be logged");
                None
            }
        };
        StoreHandle {
            tx,
            thread: Arc::new(Mutex::new(thread)),
        }
    }

    /// Logs a new call under `key`.
    pub fn call_started(&self, key: &CallKey, new: NewCall) {
        self.send(Msg::Started(key.clone(), new));
    }

    /// Logs that the call was answered, and its recording path (relative
    /// to the data directory) if it is recorded.
    pub fn call_answered(&self, key: &CallKey, at: SystemTime, recording: Option<String>) {
        self.send(Msg::Answered(key.clone(), at, recording));
    }

    /// Logs how screening ended.
    pub fn set_outcome(&self, key: &CallKey, outcome: &str) {
        self.send(Msg::Outcome(key.clone(), outcome.to_owned()));
    }

    /// Logs the screening policy's decision (`ivr::Decision::as_str()`).
    pub fn set_policy(&self, key: &CallKey, policy: &str) {
        self.send(Msg::Policy(key.clone(), policy.to_owned()));
    }

    /// Tags the call (e.g. `suspicious-cli`); a tag already there is not
    /// added again.
    pub fn add_tag(&self, key: &CallKey, tag: &str) {
        self.send(Msg::Tag(key.clone(), tag.to_owned()));
    }

    /// Tags the call with why and when: the details are kept unless the
    /// call already has details for that tag name (the first wins), and
    /// the name is added to the tags as [`StoreHandle::add_tag`] does.
    pub fn add_tag_detail(&self, key: &CallKey, tag: TagDetail) {
        self.send(Msg::TagDetail(key.clone(), tag));
    }

    /// Raises the call's risk to `reason.risk` (`ivr::Risk::as_str()`:
    /// `none`, `low`, `medium`, `high`) and keeps `reason` with it; a
    /// lower or equal risk than the one logged changes nothing (and its
    /// reason is not kept). An unknown risk is logged as a failed write.
    pub fn raise_risk(&self, key: &CallKey, reason: RiskReason) {
        self.send(Msg::Risk(key.clone(), reason));
    }

    /// Logs how connecting the caller to the resident ended
    /// (`ivr::BridgeOutcome::as_str()`).
    pub fn set_bridge(&self, key: &CallKey, outcome: &str) {
        self.send(Msg::Bridge(key.clone(), outcome.to_owned()));
    }

    /// Logs that the caller was connected at `at` to `phone`, the SIP URI
    /// of the phone that answered.
    pub fn bridged(&self, key: &CallKey, at: SystemTime, phone: &str) {
        self.send(Msg::Bridged(key.clone(), at, phone.to_owned()));
    }

    /// Logs who hung up first (`caller`, `resident` or `service`); only the
    /// first of these for a call is kept, so the order sent decides.
    pub fn set_hangup_by(&self, key: &CallKey, who: &str) {
        self.send(Msg::HangupBy(key.clone(), who.to_owned()));
    }

    /// Logs how much of the call the recognizer heard (`full`, `partial`,
    /// `none`).
    pub fn set_listened(&self, key: &CallKey, listened: &str) {
        self.send(Msg::Listened(key.clone(), listened.to_owned()));
    }

    /// Logs the end of the call; `key` is forgotten afterwards.
    pub fn call_ended(&self, key: &CallKey, at: SystemTime, end_reason: &str) {
        self.send(Msg::Ended(key.clone(), at, end_reason.to_owned()));
    }

    /// Logs the message the caller left (path relative to the data
    /// directory).
    pub fn set_voicemail(&self, key: &CallKey, path: &str) {
        self.send(Msg::Voicemail(key.clone(), path.to_owned()));
    }

    /// Logs why the call is not (fully) recorded, e.g. `not recorded: disk
    /// full`.
    pub fn set_recording_note(&self, key: &CallKey, note: &str) {
        self.send(Msg::RecordingNote(key.clone(), note.to_owned()));
    }

    /// The recording logged at the answer could not be made after all
    /// (its file could not be created): the path is dropped, the note says
    /// why.
    pub fn set_not_recorded(&self, key: &CallKey, note: &str) {
        self.send(Msg::NotRecorded(key.clone(), note.to_owned()));
    }

    /// The caller's message logged when it began could not be kept (its
    /// file could not be created): the path is dropped, the note says why.
    pub fn set_message_lost(&self, key: &CallKey, note: &str) {
        self.send(Msg::MessageLost(key.clone(), note.to_owned()));
    }

    /// Logs the caller's display name (the SIP From header's; untrusted
    /// text, shown escaped).
    pub fn set_caller_name(&self, key: &CallKey, name: &str) {
        self.send(Msg::CallerName(key.clone(), name.to_owned()));
    }

    /// Logs a line-clear callback's proof of clearing.
    pub fn set_callback(&self, key: &CallKey, proof: &str) {
        self.send(Msg::Callback(key.clone(), proof.to_owned()));
    }

    /// Remembers that `number` passed `line`'s challenge at `at_ms`.
    pub fn remember_passed(&self, line: &str, number: &str, at_ms: i64) {
        self.send(Msg::Passed(line.to_owned(), number.to_owned(), at_ms));
    }

    /// Keeps a change to the registrar's bindings.
    pub fn binding_changed(&self, change: sip::registrar::BindingChange) {
        self.send(Msg::Binding(change));
    }

    /// Writes everything already sent (from any clone), then stops the
    /// thread and waits for it. Blocks: call it off the async runtime (e.g.
    /// in `spawn_blocking`) or after the runtime has stopped. Messages sent
    /// afterwards through other clones are dropped with a warning.
    pub fn shutdown(self) {
        // Fails only if the thread is already gone (another clone shut it
        // down, or it never started): nothing left to drain then.
        let _ = self.tx.send(Msg::Shutdown);
        let thread = match self.thread.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(thread) = thread {
            if thread.join().is_err() {
                tracing::error!("the call-log thread panicked");
            }
        }
    }

    fn send(&self, msg: Msg) {
        if self.tx.send(msg).is_err() {
            tracing::warn!("call log is shut down; a call-log write was dropped");
        }
    }
}
