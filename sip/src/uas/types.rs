//! The types of an incoming call that the rest of `uas` shares: what the
//! application sends and reads ([`Command`], [`CallEvent`], [`CallHandle`]),
//! and the answered INVITE our requests in its dialog are built from
//! ([`Leg`]).
//!
//! Does not own: any behaviour beyond reading the INVITE; the call's task
//! (`task.rs`) decides, `bye.rs` builds our BYE.

use std::net::SocketAddr;

use rsipstack::sip::Header;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::transaction::Transaction;
use tokio::sync::mpsc;

use crate::error::SipError;

/// What the application tells a call to do.
#[derive(Debug)]
pub enum Command {
    /// Send 100 Trying (the answer will take a while).
    Trying,
    /// Send 180 Ringing.
    Ringing,
    /// Send 183 Session Progress with this SDP answer: early media (the
    /// caller hears the stream before the answer). `Accept` later must
    /// carry the same answer.
    EarlyMedia { sdp: String },
    /// Send 200 OK with this SDP answer.
    Accept { sdp: String },
    /// Send a final error response (before answer only).
    Reject { status: u16 },
    /// Answer the pending re-INVITE: 200 with an SDP answer, or an error.
    AnswerReInvite { status: u16, sdp: Option<String> },
    /// End the call: BYE after answer, 480 before.
    Hangup,
}

/// What happened on a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// The caller cancelled before answer; 487 has been sent.
    Cancelled,
    /// The caller's ACK for our 200 arrived.
    Confirmed,
    /// No ACK came for our 200; we have sent BYE.
    AckTimeout,
    /// A DTMF digit arrived by SIP INFO (already answered 200).
    InfoDtmf(char),
    /// A re-INVITE (hold, unhold, new media); answer with
    /// [`Command::AnswerReInvite`].
    ReInvite { offer: Option<Vec<u8>> },
    /// The caller hung up (BYE, answered 200).
    PeerHungUp,
    /// Our BYE completed: the response status (408 when none came in
    /// time), or None when it could not be sent, or when the call had not
    /// been answered (it got 480 instead).
    HangupDone { status: Option<u16> },
    /// The caller did not refresh the session in time (RFC 4028); we have
    /// sent BYE. `HangupDone` follows.
    SessionExpired,
}

/// The application's side of a running call.
pub struct CallHandle {
    pub(super) commands: mpsc::UnboundedSender<Command>,
    /// Events from the call; closed when the dialog is over.
    pub events: mpsc::UnboundedReceiver<CallEvent>,
}

impl CallHandle {
    /// Queues a command; fails only if the call task has ended.
    pub fn send(&self, command: Command) -> Result<(), SipError> {
        self.commands.send(command).map_err(|_| SipError::CallGone)
    }
}

/// The INVITE a call's task answers, and where its dialog's requests go.
pub(super) struct Leg {
    /// SIP Call-ID.
    pub call_id: String,
    /// The INVITE server transaction (our tag already on its To).
    pub tx: Transaction,
    /// Where the INVITE really came from: our BYE goes there.
    pub source: SocketAddr,
    /// True when the INVITE came over TCP.
    pub reliable: bool,
    pub endpoint: EndpointInnerRef,
    /// The endpoint's bound address.
    pub local: SocketAddr,
}

impl Leg {
    /// Our Contact URI.
    pub fn local_contact(&self) -> String {
        let transport = if self.reliable { ";transport=tcp" } else { "" };
        format!("sip:linewarden@{}{}", self.local, transport)
    }

    /// The INVITE's Record-Route values, in order.
    pub fn record_routes(&self) -> Vec<rsipstack::sip::RecordRoute> {
        self.tx
            .original
            .headers
            .iter()
            .filter_map(|h| match h {
                Header::RecordRoute(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }
}
