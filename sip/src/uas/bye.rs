//! Our BYE for an incoming call's dialog.
//!
//! Owns: building the in-dialog BYE (route set from Record-Route, our tag in
//! From, the caller's Contact as Request-URI) and sending it as a client
//! transaction to where the caller's INVITE really came from, then waiting
//! for the final response. Does not own: deciding to hang up (the
//! application's) or retransmissions (rsipstack's).

use rsipstack::sip::prelude::*;
use rsipstack::sip::{Header, Method, Request, SipMessage};
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::SipAddr;
use tracing::{info, warn};

use super::UasTask;

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
        let target = unescape_user(target);
        let via = self.call.endpoint.get_via(None, None).ok()?;
        let from = invite.to_header().ok()?.value().to_string();
        let to = invite.from_header().ok()?.value().to_string();
        self.local_cseq += 1;
        let mut headers = vec![
            Header::Via(via.into()),
            Header::CallId(self.call.call_id.clone().into()),
            Header::From(from.into()),
            Header::To(to.into()),
            Header::CSeq(format!("{} BYE", self.local_cseq).into()),
            Header::MaxForwards(70.into()),
        ];
        // The route set of a UAS is the Record-Route list in order.
        headers.extend(
            self.record_routes()
                .into_iter()
                .map(|r| Header::Route(r.value().into())),
        );
        headers.push(Header::UserAgent(
            self.call.endpoint.user_agent.clone().into(),
        ));
        let bye = Request {
            method: Method::Bye,
            uri: target,
            headers: headers.into(),
            version: rsipstack::sip::Version::V2,
            body: vec![],
        };
        let key = TransactionKey::from_request(&bye, TransactionRole::Client).ok()?;
        let connection = self.call.tx.connection.clone();
        let mut tx = Transaction::new_client(key, bye, self.call.endpoint.clone(), connection);
        if !self.call.reliable {
            tx.destination = Some(SipAddr::from(self.call.source));
        }
        info!(call_id = %self.call.call_id, to = %self.call.source, "sending BYE");
        if let Err(e) = tx.send().await {
            warn!(call_id = %self.call.call_id, error = %e, "could not send BYE");
            return None;
        }
        while let Some(msg) = tx.receive().await {
            if let SipMessage::Response(resp) = msg {
                let code = u16::from(resp.status_code.clone());
                if code >= 200 {
                    return Some(code);
                }
            }
        }
        None
    }
}

/// rsipstack escapes a URI's user part when it writes it, including the
/// `%` of escapes already there (`%61lice` would go out as `%2561lice`).
/// Decoding first makes it write an equivalent URI (RFC 3261 §19.1.4).
fn unescape_user(mut uri: rsipstack::sip::Uri) -> rsipstack::sip::Uri {
    if let Some(auth) = uri.auth.as_mut() {
        if auth.user.contains('%') {
            if let Ok(user) = percent_encoding::percent_decode_str(&auth.user).decode_utf8() {
                auth.user = user.into_owned();
            }
        }
    }
    uri
}
