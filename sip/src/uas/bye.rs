//! Our BYE for an incoming call's dialog.
//!
//! Owns: the dialog state of a call we answered as a UAS (route set = the
//! INVITE's Record-Route in order, our tag in From, the caller's Contact as
//! Request-URI) and where the BYE goes: to where the caller's INVITE really
//! came from. Does not own: building and sending the request (the shared
//! [`dialog::request`](crate::dialog::request)), deciding to hang up (the
//! application's) or retransmissions (rsipstack's).

use rsipstack::sip::prelude::*;
use rsipstack::sip::Method;
use rsipstack::transport::SipAddr;

use super::UasTask;
use crate::dialog::request::{self, send_request, unescape_user, DialogRequest};

impl UasTask {
    /// Sends BYE and waits for its final response (rsipstack's timer F
    /// bounds the wait). The destination is the INVITE's real source.
    pub(super) async fn send_bye(&mut self) -> Option<u16> {
        let invite = &self.call.tx.original;
        let target = invite
            .contact_header()
            .ok()
            .and_then(|c| c.typed().ok())
            .map(|c| c.uri)
            .unwrap_or_else(|| invite.uri.clone());
        let dialog = DialogRequest {
            call_id: self.call.call_id.clone(),
            local: invite.to_header().ok()?.value().to_string(),
            remote: invite.from_header().ok()?.value().to_string(),
            target: unescape_user(target),
            // The route set of a UAS is the Record-Route list in order.
            route: self
                .record_routes()
                .iter()
                .map(|r| r.value().to_string())
                .collect(),
            user_agent: self.call.endpoint.user_agent.clone(),
        };
        let via = request::via(&self.call.endpoint, self.call.local, self.call.reliable).ok()?;
        self.local_cseq += 1;
        let bye = dialog.build(Method::Bye, self.local_cseq, via);
        let destination = (!self.call.reliable).then(|| SipAddr::from(self.call.source));
        let connection = self.call.tx.connection.clone();
        send_request(&self.call.endpoint, bye, connection, destination).await
    }
}
