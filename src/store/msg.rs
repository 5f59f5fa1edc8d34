//! What the writer thread is told: [`CallKey`], the caller-chosen name
//! of a call (its row id is known only to the writer), and `Msg`, one
//! call-log write.
//!
//! Does not own: sending (`handle.rs`) or doing the writes (`writer.rs`).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use super::types::{NewCall, RiskReason, TagDetail};

/// Names one call for the lifetime of the process: the SIP Call-ID plus a
/// process-wide counter, so a reused Call-ID is still a new call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallKey {
    call_id: String,
    seq: u64,
}

static NEXT_SEQ: AtomicU64 = AtomicU64::new(1);

impl CallKey {
    /// A key no other call in this process has.
    pub fn new(call_id: &str) -> CallKey {
        CallKey {
            call_id: call_id.to_owned(),
            seq: NEXT_SEQ.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl fmt::Display for CallKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.call_id, self.seq)
    }
}

pub(super) enum Msg {
    Started(CallKey, NewCall),
    Answered(CallKey, SystemTime, Option<String>),
    Outcome(CallKey, String),
    Policy(CallKey, String),
    Tag(CallKey, String),
    TagDetail(CallKey, TagDetail),
    Risk(CallKey, RiskReason),
    Bridge(CallKey, String),
    Bridged(CallKey, SystemTime, String),
    HangupBy(CallKey, String),
    Listened(CallKey, String),
    Ended(CallKey, SystemTime, String),
    Binding(sip::registrar::BindingChange),
    Voicemail(CallKey, String),
    RecordingNote(CallKey, String),
    NotRecorded(CallKey, String),
    MessageLost(CallKey, String),
    Callback(CallKey, String),
    CallerName(CallKey, String),
    Passed(String, String, i64),
    Shutdown,
}
