//! What every part of a live call's shell needs to know about the call:
//! the shared service, its key in the call log, its line and caller; and
//! our side of a leg's SDP session.
//!
//! Owns: these plain values and answering a re-INVITE's offer. Does not
//! own: any leg, the machine, or the loop (the other files of `call`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sip::media::sdp;
use tracing::info;

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

/// Our side of one leg's SDP session: where our RTP is, and the session id
/// and version we put in `o=` (the version goes up with each new answer).
#[derive(Clone, Copy, Debug)]
pub(super) struct SdpSession {
    pub(super) local: std::net::SocketAddr,
    pub(super) id: u64,
    pub(super) version: u64,
}

impl SdpSession {
    /// Answers a re-INVITE's offer (hold, unhold, new media): the status,
    /// our SDP answer, and the new negotiation for the leg's stream. No offer,
    /// or one we cannot take, is 488.
    pub(super) fn answer_reinvite(
        &mut self,
        offer: Option<&[u8]>,
    ) -> (u16, Option<String>, Option<sdp::Negotiated>) {
        match offer.map(sdp::negotiate) {
            Some(Ok(n)) => {
                self.version += 1;
                let answer = sdp::build_answer(&n, self.local, self.id, self.version);
                info!(direction = ?n.remote_direction, "re-INVITE answered");
                (200, Some(answer), Some(n))
            }
            Some(Err(e)) => {
                info!(error = %e, "re-INVITE refused: 488");
                (488, None, None)
            }
            // Without an offer we would have to offer in the 200 and read
            // the answer in the ACK.
            None => (488, None, None),
        }
    }
}
