//! What every part of a live call's shell needs to know about the call:
//! the shared service, its key in the call log, its line and caller; and
//! our side of a leg's SDP session.
//!
//! Owns: these plain values. Does not own: any leg, the machine, or the
//! loop (the other files of `call`); our side of a leg's SDP session is
//! `crate::leg::SdpSession`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::serve::shared::Shared;
use crate::store::CallKey;

/// One call's context, shared read-only by its parts.
pub(super) struct CallCtx {
    pub(super) shared: Arc<Shared>,
    pub(super) key: CallKey,
    /// The line's name.
    pub(super) line: String,
    /// The caller's number, as presented to the resident's phones.
    pub(super) caller: String,
    pub(super) call_id: String,
    /// When the call started, to name files.
    pub(super) started: SystemTime,
    /// How long the resident's phones ring (for the ringback's length).
    pub(super) ring_timeout: Duration,
    /// The line's phones with fixed addresses.
    pub(super) static_phones: Vec<String>,
    /// The line's reactions to a risky call.
    pub(super) alerts: crate::config::AlertsConfig,
}

pub(super) use crate::leg::SdpSession;
