//! Placing a call: our own user agent client, the client side of an INVITE
//! dialog. Used by `linewarden replay --to`, and meant for bridging to the
//! resident and for callbacks.
//!
//! Owns: starting an outgoing call ([`SipEndpoint::call`](crate::SipEndpoint::call)
//! with an [`OutgoingCall`]) — our identifiers and the INVITE (`invite.rs`),
//! registering the dialog so the callee's in-dialog requests reach it, and
//! the call's task (`task.rs`), answering a digest challenge to the INVITE
//! when given [`Credentials`] (`auth.rs`); the application drives it through the
//! [`UacHandle`]: [`UacCommand`]s in, [`UacEvent`]s out (`types.rs`). The
//! timing of a CANCEL is the sans-IO `cancel_wait.rs`; the dialog a 2xx
//! sets up and our BYE in it are `dialog.rs`. Only this file places a
//! call; the others never use it.
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
use tracing::debug;

use crate::dialog::request;
use crate::dialog::PeerRequests;
use crate::error::SipError;
use crate::routes::{self, DialogRoutes};

mod auth;
mod cancel_wait;
mod dialog;
mod invite;
mod task;
mod types;

pub use auth::Credentials;
pub use cancel_wait::CANCEL_DEFER;
pub use types::{OutgoingCall, UacCommand, UacEvent, UacHandle};

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
    routes::route(&at.routes, route_key.clone(), dialog_tx);

    let mut tx = Transaction::new_client(key, req.clone(), at.endpoint.clone(), None);
    tx.destination = match (call.destination, call.route.first()) {
        (Some(addr), _) => Some(SipAddr {
            r#type: Some(if target.reliable {
                Transport::Tcp
            } else {
                Transport::Udp
            }),
            addr: addr.into(),
        }),
        (None, Some(first)) => Some(first_hop(first)?),
        (None, None) => None,
    };
    if let Err(e) = tx.send().await {
        routes::unroute(&at.routes, &route_key);
        return Err(e.into());
    }
    if tx.connection.is_none() {
        // rsipstack keeps retrying a connection it could not open; a TCP
        // target that refuses us is an error now, not a timeout later.
        routes::unroute(&at.routes, &route_key);
        return Err(SipError::Connect {
            target: call.target,
        });
    }
    debug!(call_id = %ids.call_id, target = %call.target, from = %call.from_user, "outgoing call");

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
        challenges: 0,
        cancel: Default::default(),
    };
    let inputs = task::Inputs {
        responses: task::pump(tx),
        commands: cmd_rx,
        dialog: dialog_rx,
    };
    let table = at.routes.clone();
    tokio::spawn(async move {
        uac.run(inputs).await;
        routes::unroute(&table, &route_key);
    });
    Ok(UacHandle {
        call_id: ids.call_id,
        events: ev_rx,
        commands: cmd_tx,
    })
}

/// Where the first Route of a call goes: its URI's address and transport.
fn first_hop(route: &str) -> Result<SipAddr, SipError> {
    let err = |detail: String| SipError::Target {
        target: route.to_string(),
        detail,
    };
    let route = rsipstack::sip::typed::Route::parse(route).map_err(|e| err(e.to_string()))?;
    SipAddr::try_from(&route.uri).map_err(|e| err(e.to_string()))
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
