//! Live call events for the console: what the call log's writer publishes
//! as each write lands (a call started, its state changed, a tag, a risk,
//! its end) and the broadcast channel that carries them to the console's
//! server-sent-event streams.
//!
//! A leaf module: the call log (`crate::store`) publishes into it and the
//! console reads from it; it imports neither.

use serde::Serialize;
use tokio::sync::broadcast;

/// Events kept for a slow reader before it misses some (it is then told
/// to reload).
const CAPACITY: usize = 1024;

/// One change to a call, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveEvent {
    /// The call's row id (the console's and the API's call id).
    pub id: i64,
    /// The call's line, so each reader gets only the lines it may see.
    pub line: String,
    /// What changed.
    #[serde(flatten)]
    pub change: Change,
}

/// What changed about a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A new call: who called which number, when (RFC 3339 UTC).
    Started {
        caller: String,
        called: String,
        started_at: String,
    },
    /// The caller's display name (from the SIP From header; untrusted).
    CallerName { name: String },
    /// A step of the call: `field` is `policy`, `outcome`, `answered`,
    /// `bridge`, `bridged`, `hangup_by`, `recording_note`, `voicemail`,
    /// `callback` or `listened`; `value` its new value.
    State { field: String, value: String },
    /// A tag, with when in the call and why when known.
    Tag {
        tag: String,
        at_ms: Option<u64>,
        evidence: Option<String>,
    },
    /// The call's risk was raised (or set); `why` is the rule that raised
    /// it, as short as the call log's table shows it (empty when none is
    /// known).
    Risk { risk: String, why: String },
    /// The call ended; `reason` is the end reason.
    Ended { ended_at: String, reason: String },
}

impl Change {
    /// The SSE event name.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Started { .. } => "started",
            Change::CallerName { .. } => "caller_name",
            Change::State { .. } => "state",
            Change::Tag { .. } => "tag",
            Change::Risk { .. } => "risk",
            Change::Ended { .. } => "ended",
        }
    }
}

/// The sending side; clones share the channel. Sending never blocks and
/// never fails the sender (no reader is fine).
pub type LiveSender = broadcast::Sender<LiveEvent>;

/// A new channel.
pub fn channel() -> LiveSender {
    broadcast::channel(CAPACITY).0
}
