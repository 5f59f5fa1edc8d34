//! Reading a request we received and answering it: the helpers every part
//! of the adapter shares (the endpoint's dispatcher, both sides of a call,
//! the dialog code).
//!
//! Owns: the methods we implement ([`ALLOWED_METHODS`], for Allow headers),
//! the raw value of the few headers we read as text, the address a request
//! really came from, and sending a final response on a server transaction.
//!
//! Does not own: deciding which response to send (each caller decides),
//! routing requests to dialogs (`routes`), or the stateless error responses
//! to malformed requests (the `guard`'s).

use std::net::SocketAddr;

use rsipstack::sip::prelude::*;
use rsipstack::sip::{Header, Request, StatusCode};
use rsipstack::transaction::transaction::Transaction;
use tracing::warn;

/// Methods this user agent implements; the others get 405 or 501.
pub const ALLOWED_METHODS: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE";

/// Sends a final response on a server transaction, logging a failure.
pub(crate) async fn reply(tx: &mut Transaction, status: StatusCode, headers: Vec<Header>) {
    if let Err(e) = tx.reply_with(status.clone(), headers, None).await {
        warn!(error = %e, %status, "could not send response");
    }
}

/// The raw value of the first header with this name, or "". Only Call-ID,
/// Contact and Content-Type are read this way.
pub(crate) fn header_value(req: &Request, name: &str) -> String {
    req.headers
        .iter()
        .find_map(|h| match (name, h) {
            ("Call-ID", Header::CallId(v)) => Some(v.value().to_string()),
            ("Contact", Header::Contact(v)) => Some(v.value().to_string()),
            ("Content-Type", Header::ContentType(v)) => Some(v.value().to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The address a request really came from: Via `received`/`rport` as the
/// transport layer recorded them, else the Via sent-by.
pub(crate) fn source_of(req: &Request) -> Option<SocketAddr> {
    let via = req.via_header().ok()?;
    let (_, host_port) = rsipstack::transport::SipConnection::parse_target_from_via(via).ok()?;
    SocketAddr::try_from(host_port).ok()
}
