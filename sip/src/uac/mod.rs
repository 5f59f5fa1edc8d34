//! Placing a call: our own user agent client, the client side of an INVITE
//! dialog. Used by `linewarden replay --to`, and meant for bridging to the
//! resident and for callbacks.
//!
//! Owns: starting an outgoing call ([`SipEndpoint::call`](crate::SipEndpoint::call)
//! with an [`OutgoingCall`]) — our identifiers and the INVITE (`invite.rs`),
//! registering the dialog so the callee's in-dialog requests reach it, and
//! the call's task (`task.rs`), answering a digest challenge to the INVITE
//! when given [`Credentials`] (`auth.rs`); the application drives it through the
//! [`UacHandle`]: [`UacCommand`]s in, [`UacEvent`]s out.
//!
//! Does not own: media (the caller builds the SDP offer with
//! [`build_offer`](crate::media::sdp::build_offer), reads the answer with
//! [`parse_answer`](crate::media::sdp::parse_answer) and runs a
//! [`MediaSession`](crate::rtp_session::MediaSession)), early media,
//! registration, or
//! retransmissions and transaction timers (rsipstack's).

use std::net::SocketAddr;

use rsipstack::sip::Transport;
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::SipAddr;
use tokio::sync::mpsc;
use tracing::info;

use crate::dialog::request;
use crate::dialog::PeerRequests;
use crate::endpoint::{DialogKey, DialogRoutes};
use crate::error::SipError;

mod auth;
mod invite;
mod task;

pub use auth::Credentials;

pub use task::CANCEL_DEFER;

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
    /// Credentials for a digest challenge (401/407) to the INVITE; without
    /// them a challenge ends the call as `Failed`.
    pub credentials: Option<Credentials>,
}

/// What happened on an outgoing call. The call is over after `Failed`,
/// `Timeout`, `PeerHungUp` and `HangupDone`; then the channel closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UacEvent {
    /// A provisional response (100-199).
    Progress(u16),
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
    /// Our BYE completed: its final status, or `None` when it went
    /// unanswered. Also ends a call whose 2xx crossed our CANCEL (then no
    /// `Answered` is reported).
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
    commands: mpsc::UnboundedSender<UacCommand>,
}

impl UacHandle {
    /// Queues a command; fails only if the call is over.
    pub fn send(&self, command: UacCommand) -> Result<(), SipError> {
        self.commands.send(command).map_err(|_| SipError::CallGone)
    }
}

/// What a call needs from its endpoint.
pub(crate) struct Placement {
    pub endpoint: EndpointInnerRef,
    pub routes: DialogRoutes,
    /// The endpoint's bound address.
    pub local: SocketAddr,
    pub rng: fastrand::Rng,
}

/// Sends the INVITE and starts the call's task.
pub(crate) async fn place(mut at: Placement, call: OutgoingCall) -> Result<UacHandle, SipError> {
    let target = invite::Target::parse(&call.target)?;
    let local = invite::advertised(at.local, &target).await;
    let ids = invite::Ids::new(&mut at.rng, local);
    let via = request::via(&at.endpoint, local, target.reliable)?;
    let req = invite::invite(&call, &target, &ids, local, via, &at.endpoint.user_agent)?;
    let key = TransactionKey::from_request(&req, TransactionRole::Client)?;

    // Registered before the INVITE goes out: the callee may send BYE right
    // after its 2xx.
    let route_key = (ids.call_id.clone(), ids.from_tag.clone());
    let (dialog_tx, dialog_rx) = mpsc::unbounded_channel();
    if let Ok(mut routes) = at.routes.lock() {
        routes.insert(route_key.clone(), dialog_tx);
    }

    let mut tx = Transaction::new_client(key, req.clone(), at.endpoint.clone(), None);
    tx.destination = call.destination.map(|addr| SipAddr {
        r#type: Some(if target.reliable {
            Transport::Tcp
        } else {
            Transport::Udp
        }),
        addr: addr.into(),
    });
    if let Err(e) = tx.send().await {
        unroute(&at.routes, &route_key);
        return Err(e.into());
    }
    if tx.connection.is_none() {
        // rsipstack keeps retrying a connection it could not open; a TCP
        // target that refuses us is an error now, not a timeout later.
        unroute(&at.routes, &route_key);
        return Err(SipError::Connect {
            target: call.target,
        });
    }
    info!(call_id = %ids.call_id, target = %call.target, from = %call.from_user, "outgoing call");

    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let uac = task::UacTask {
        call_id: ids.call_id.clone(),
        endpoint: at.endpoint.clone(),
        invite: req,
        invite_cseq: ids.cseq,
        connection: tx.connection.clone(),
        destination: tx.destination.clone(),
        reliable: target.reliable,
        local,
        events: ev_tx,
        peer: PeerRequests::default(),
        credentials: call.credentials.clone(),
        cnonce: format!("{:016x}", at.rng.u64(..)),
    };
    let inputs = task::Inputs {
        responses: task::pump(tx),
        commands: cmd_rx,
        dialog: dialog_rx,
    };
    let routes = at.routes.clone();
    tokio::spawn(async move {
        uac.run(inputs).await;
        unroute(&routes, &route_key);
    });
    Ok(UacHandle {
        call_id: ids.call_id,
        events: ev_rx,
        commands: cmd_tx,
    })
}

fn unroute(routes: &DialogRoutes, key: &DialogKey) {
    if let Ok(mut routes) = routes.lock() {
        routes.remove(key);
    }
}

/// The local IP address the system would use to reach `target` (a SIP URI),
/// for media offers from an endpoint listening on every interface. `None`
/// when the target does not parse or resolve.
pub async fn local_ip_towards(target: &str) -> Option<std::net::IpAddr> {
    let target = invite::Target::parse(target).ok()?;
    let any = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    let addr = invite::advertised(any, &target).await;
    (!addr.ip().is_unspecified()).then_some(addr.ip())
}
