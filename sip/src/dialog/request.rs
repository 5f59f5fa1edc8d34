//! Our own requests inside an established dialog (BYE today), for either
//! side of a call.
//!
//! Owns: the dialog state a request is built from ([`DialogRequest`]: Call-ID,
//! our From with our tag, the peer's To with its tag, the remote target and
//! the route set), the Via for the transport in use, and sending the request
//! as a client transaction, feeding its responses to the wait for the final
//! one ([`ResponseWait`]).
//!
//! Does not own: where the dialog state comes from (the UAS takes it from the
//! INVITE it answered, the UAC from the 2xx it got), where to send (the
//! caller passes a connection and destination, or lets rsipstack resolve the
//! first Route / Request-URI), or retransmissions (rsipstack's).

use std::net::SocketAddr;

use rsipstack::sip::{Header, Method, Request, SipMessage, Transport, Uri, Version};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::{SipAddr, SipConnection};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use super::response_wait::ResponseWait;
use crate::clock;
use crate::error::SipError;
use crate::request::header_value;

/// What an in-dialog request of ours is built from.
#[derive(Clone, Debug)]
pub(crate) struct DialogRequest {
    /// The dialog's Call-ID.
    pub call_id: String,
    /// Our side as a From value, with our tag.
    pub local: String,
    /// The peer as a To value, with its tag.
    pub remote: String,
    /// The remote target: the peer's Contact.
    pub target: Uri,
    /// Route values in the order they go on the request (a UAS's route set
    /// is the Record-Route list as received, a UAC's the list reversed).
    pub route: Vec<String>,
    /// User-Agent value.
    pub user_agent: String,
}

impl DialogRequest {
    /// The request `method` with sequence number `cseq`, no body.
    pub fn build(&self, method: Method, cseq: u32, via: rsipstack::sip::typed::Via) -> Request {
        let mut headers = vec![
            Header::Via(via.into()),
            Header::CallId(self.call_id.clone().into()),
            Header::From(self.local.clone().into()),
            Header::To(self.remote.clone().into()),
            Header::CSeq(format!("{cseq} {method}").into()),
            Header::MaxForwards(70.into()),
        ];
        headers.extend(self.route.iter().map(|r| Header::Route(r.clone().into())));
        headers.push(Header::UserAgent(self.user_agent.clone().into()));
        Request {
            method,
            uri: self.target.clone(),
            headers: headers.into(),
            version: Version::V2,
            body: vec![],
        }
    }
}

/// A Via for a request we send from `local` over TCP (`reliable`) or UDP.
pub(crate) fn via(
    endpoint: &EndpointInnerRef,
    local: SocketAddr,
    reliable: bool,
) -> Result<rsipstack::sip::typed::Via, SipError> {
    let transport = if reliable {
        Transport::Tcp
    } else {
        Transport::Udp
    };
    let mut addr = SipAddr::from(local);
    addr.r#type = Some(transport);
    Ok(endpoint.get_via(Some(addr), None)?)
}

/// Sends `req` as a client transaction and waits for its final response,
/// at most 64·T1 (the [`ResponseWait`]). With no `connection`, rsipstack
/// looks one up for the first Route or the Request-URI. Returns the final
/// status (408 when none came in time), or `None` when the request could
/// not be sent.
pub(crate) async fn send_request(
    endpoint: &EndpointInnerRef,
    req: Request,
    connection: Option<SipConnection>,
    destination: Option<SipAddr>,
) -> Option<u16> {
    let call_id = header_value(&req, "Call-ID");
    let method = req.method;
    let key = match TransactionKey::from_request(&req, TransactionRole::Client) {
        Ok(key) => key,
        Err(e) => {
            warn!(%call_id, %method, error = %e, "cannot build a transaction for our request");
            return None;
        }
    };
    let mut tx = Transaction::new_client(key, req, endpoint.clone(), connection);
    tx.destination = destination;
    let to = tx.destination.as_ref().map_or_else(
        || tx.original.destination().to_string(),
        ToString::to_string,
    );
    debug!(%call_id, %method, %to, "sending in-dialog request");
    if let Err(e) = tx.send().await {
        warn!(%call_id, %method, error = %e, "could not send in-dialog request");
        return None;
    }
    let mut wait = ResponseWait::new(clock::now(), endpoint.option.t1x64);
    let mut responses = statuses(tx);
    loop {
        let done = tokio::select! {
            status = responses.recv() => match status {
                Some(status) => wait.handle_response(status),
                None => Some(wait.handle_ended()),
            },
            () = clock::sleep_until(wait.poll_timeout()) => wait.handle_timeout(clock::now()),
        };
        if let Some(done) = done {
            return done.status;
        }
    }
}

/// Drives a client transaction in a task of its own (rsipstack's
/// `receive` must not be cancelled), passing on the status of each
/// response up to the final one; the channel closes when the transaction
/// ends.
fn statuses(mut tx: Transaction) -> mpsc::UnboundedReceiver<u16> {
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(msg) = tx.receive().await {
            if let SipMessage::Response(resp) = msg {
                let code = u16::from(resp.status_code.clone());
                if sender.send(code).is_err() || code >= 200 {
                    break;
                }
            }
        }
    });
    receiver
}

/// rsipstack escapes a URI's user part when it writes it, including the
/// `%` of escapes already there (`%61lice` would go out as `%2561lice`).
/// Decoding first makes it write an equivalent URI (RFC 3261 §19.1.4).
pub(crate) fn unescape_user(mut uri: Uri) -> Uri {
    if let Some(auth) = uri.auth.as_mut() {
        if auth.user.contains('%') {
            if let Ok(user) = percent_encoding::percent_decode_str(&auth.user).decode_utf8() {
                auth.user = user.into_owned();
            }
        }
    }
    uri
}
