//! Our BYE for an incoming call's dialog.
//!
//! Owns: the dialog state of a call we answered as a UAS (route set = the
//! INVITE's Record-Route in order, our tag in From, the caller's Contact as
//! Request-URI) and where the BYE goes: to where the caller's INVITE really
//! came from. Does not own: building, sending and waiting for the request
//! (the shared [`dialog::request`](crate::dialog::request)), deciding to
//! hang up (the call's task) or retransmissions (rsipstack's).

use rsipstack::sip::prelude::*;
use rsipstack::sip::Method;
use rsipstack::transport::SipAddr;

use super::types::Leg;
use crate::dialog::request::{self, send_request, unescape_user, DialogRequest};

/// Sends BYE with sequence number `cseq` and waits for its final response
/// (at most 64·T1). The destination is the INVITE's real source.
pub(super) async fn send_bye(leg: &Leg, cseq: u32) -> Option<u16> {
    let invite = &leg.tx.original;
    let target = invite
        .contact_header()
        .ok()
        .and_then(|c| c.typed().ok())
        .map(|c| c.uri)
        .unwrap_or_else(|| invite.uri.clone());
    let dialog = DialogRequest {
        call_id: leg.call_id.clone(),
        local: invite.to_header().ok()?.value().to_string(),
        remote: invite.from_header().ok()?.value().to_string(),
        target: unescape_user(target),
        // The route set of a UAS is the Record-Route list in order.
        route: leg
            .record_routes()
            .iter()
            .map(|r| r.value().to_string())
            .collect(),
        user_agent: leg.endpoint.user_agent.clone(),
    };
    let via = request::via(&leg.endpoint, leg.local, leg.reliable).ok()?;
    let bye = dialog.build(Method::Bye, cseq, via);
    let destination = (!leg.reliable).then(|| SipAddr::from(leg.source));
    let connection = leg.tx.connection.clone();
    send_request(&leg.endpoint, bye, connection, destination).await
}
