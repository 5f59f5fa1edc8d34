//! The dialog of an answered outgoing call, and our BYE in it.
//!
//! Owns: the dialog state a 2xx sets up as seen from our side (RFC 3261
//! §12.1.2: the 2xx's Contact as remote target, its Record-Route reversed
//! as route set, the To with the callee's tag), telling forks apart by
//! their To tag, and where our BYE goes: over TCP on the INVITE's
//! connection, over UDP to the first Route, else the remote target.
//!
//! Does not own: building, sending and waiting for the request (the shared
//! [`dialog::request`](crate::dialog::request)) or deciding to hang up
//! (the call's task).

use std::net::SocketAddr;

use rsipstack::sip::prelude::*;
use rsipstack::sip::{typed, Header, Method, Request, Response};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transport::SipConnection;
use tracing::warn;

use crate::dialog::request::{self, send_request, unescape_user, DialogRequest};

/// The To tag of a response: which fork answered.
pub(super) fn to_tag(resp: &Response) -> Option<String> {
    let tag = resp.to_header().ok()?.tag().ok()??;
    Some(tag.to_string())
}

/// The dialog a 2xx to `invite` sets up, as seen from our side.
pub(super) fn dialog_from(
    invite: &Request,
    resp: &Response,
    call_id: &str,
    user_agent: &str,
) -> DialogRequest {
    let target = resp
        .contact_header()
        .ok()
        .and_then(|c| c.typed().ok())
        .map(|c| c.uri)
        .unwrap_or_else(|| invite.uri.clone());
    let header = |r: &Request| r.to_header().map(|t| t.value().to_string()).ok();
    let remote = resp
        .to_header()
        .map(|t| t.value().to_string())
        .ok()
        .or_else(|| header(invite))
        .unwrap_or_default();
    let local = invite
        .from_header()
        .map(|f| f.value().to_string())
        .unwrap_or_default();
    let mut route = Vec::new();
    for h in resp.headers.iter() {
        if let Header::RecordRoute(rr) = h {
            match typed::RecordRoute::parse_header_list(rr.value()) {
                Ok(list) => route.extend(list.iter().map(ToString::to_string)),
                Err(e) => {
                    warn!(%call_id, error = %e, "unreadable Record-Route ignored")
                }
            }
        }
    }
    // A UAC's route set is the Record-Route list in reverse.
    route.reverse();
    DialogRequest {
        call_id: call_id.to_string(),
        local,
        remote,
        target: unescape_user(target),
        route,
        user_agent: user_agent.to_string(),
    }
}

/// What our BYE needs, to send one from any task.
pub(super) struct ByeSender {
    pub endpoint: EndpointInnerRef,
    /// The INVITE's connection (used over TCP).
    pub connection: Option<SipConnection>,
    pub reliable: bool,
    pub local: SocketAddr,
}

impl ByeSender {
    /// Sends BYE in `dialog` and waits for its final response (at most
    /// 64·T1).
    pub async fn bye(&self, dialog: &DialogRequest, cseq: u32) -> Option<u16> {
        let via = match request::via(&self.endpoint, self.local, self.reliable) {
            Ok(via) => via,
            Err(e) => {
                warn!(call_id = %dialog.call_id, error = %e, "cannot build a Via for BYE");
                return None;
            }
        };
        let bye = dialog.build(Method::Bye, cseq, via);
        let connection = if self.reliable {
            self.connection.clone()
        } else {
            None
        };
        send_request(&self.endpoint, bye, connection, None).await
    }
}
