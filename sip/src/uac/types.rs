//! The types of an outgoing call that the rest of `uac` shares: what to
//! dial ([`OutgoingCall`]), what the application sends and reads
//! ([`UacCommand`], [`UacEvent`], [`UacHandle`]).
//!
//! Does not own: any behaviour; placing the call is `mod.rs`'s, driving it
//! `task.rs`'s.

use std::net::SocketAddr;

use tokio::sync::mpsc;

use super::auth::Credentials;
use crate::error::SipError;

/// What to dial.
#[derive(Clone, Debug, Default)]
pub struct OutgoingCall {
    /// `sip:USER@HOST[:PORT]`: UDP, or TCP with `;transport=tcp`.
    pub target: String,
    /// Our caller number (the From user), e.g. `+441632960001`.
    pub from_user: String,
    /// Display name in From. Quotes, backslashes and control characters
    /// are dropped.
    pub from_display: Option<String>,
    /// The SDP offer, sent in the INVITE.
    pub offer: String,
    /// Where to send the INVITE instead of the target's own address: the
    /// address a registered phone behind NAT really sent its REGISTER from.
    pub destination: Option<SocketAddr>,
    /// The Route set (each a name-addr, first hop first): a registered
    /// phone's Path (RFC 3327). The INVITE carries them as Route headers
    /// and, without a `destination`, goes to the first.
    pub route: Vec<String>,
    /// Credentials for a digest challenge (401/407) to the INVITE; without
    /// them a challenge ends the call as `Failed`.
    pub credentials: Option<Credentials>,
}

/// What happened on an outgoing call. The call is over after `Failed`,
/// `Timeout`, `PeerHungUp` and `HangupDone`; then the channel closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UacEvent {
    /// A provisional response (100-199) without a body.
    Progress(u16),
    /// A provisional response (101-199, usually 183) with a body: the
    /// callee's early media, and its SDP answer.
    EarlyMedia { status: u16, answer: Vec<u8> },
    /// A 2xx, already ACKed: the SDP answer (empty if the 2xx had none).
    Answered { answer: Vec<u8> },
    /// A final error response, 300-699. After [`UacCommand::Hangup`]
    /// before the answer this is normally `487` (our CANCEL worked).
    Failed { status: u16 },
    /// No final response: rsipstack's timer B (no response at all within
    /// 32 s) or C (180 s of ringing; we then CANCEL), or 32 s without one
    /// after our CANCEL.
    Timeout,
    /// The callee hung up (BYE, answered 200).
    PeerHungUp,
    /// Our BYE completed: its final status (408 when none came in time),
    /// or `None` when it could not be sent. Also ends a call whose 2xx
    /// crossed our CANCEL (then no `Answered` is reported).
    HangupDone { status: Option<u16> },
    /// A digit by SIP INFO from the callee (answered 200).
    InfoDtmf(char),
    /// A re-INVITE from the callee; answer with
    /// [`UacCommand::AnswerReInvite`].
    ReInvite { offer: Option<Vec<u8>> },
}

/// What the application tells an outgoing call to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UacCommand {
    /// End the call: CANCEL before a final response (expect `Failed{487}`),
    /// BYE after the answer (expect `HangupDone`). Dropping the handle does
    /// the same.
    Hangup,
    /// Answer the callee's pending re-INVITE: 200 with an SDP answer, or an
    /// error status.
    AnswerReInvite { status: u16, sdp: Option<String> },
}

/// The application's side of an outgoing call.
pub struct UacHandle {
    /// Our Call-ID (random hex `@` our address).
    pub call_id: String,
    /// Events from the call; closed when it is over.
    pub events: mpsc::UnboundedReceiver<UacEvent>,
    pub(super) commands: mpsc::UnboundedSender<UacCommand>,
}

impl UacHandle {
    /// Queues a command; fails only if the call is over.
    pub fn send(&self, command: UacCommand) -> Result<(), SipError> {
        self.commands.send(command).map_err(|_| SipError::CallGone)
    }
}
