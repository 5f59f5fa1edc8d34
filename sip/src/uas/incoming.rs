//! A new incoming call before the application decides on it.
//!
//! Owns: reading the INVITE into an [`IncomingCall`] (Call-ID, caller,
//! called number, real source, offer) and putting our tag on its To,
//! turning the call away, and starting the call's task (registering the
//! dialog's route first, removing it when the task ends).
//!
//! Does not own: the 400 for an INVITE that cannot be read (the
//! endpoint's), or anything after the call starts (`task.rs`).

use std::net::SocketAddr;

use rsipstack::sip::prelude::*;
use rsipstack::sip::{Header, Request, StatusCode};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::transaction::Transaction;
use tokio::sync::mpsc;

use super::task::UasTask;
use super::types::{CallHandle, Leg};
use crate::error::SipError;
use crate::request::{header_value, reply, source_of};
use crate::routes::{self, DialogRoutes};

/// A new call, not yet answered. Answer it with [`IncomingCall::start`] (then
/// commands) or turn it away with [`IncomingCall::reject`].
pub struct IncomingCall {
    /// SIP Call-ID.
    pub call_id: String,
    /// The caller's number: user part of the From URI ("anonymous" when absent).
    pub caller: String,
    /// Display name in From, if any.
    pub caller_display: Option<String>,
    /// The number called: user part of the Request-URI (else of To).
    pub called: String,
    /// Where the INVITE came from (the real source, not the Via/Contact).
    pub source: SocketAddr,
    /// True when the INVITE came over TCP.
    pub reliable: bool,
    /// SDP offer, if the INVITE carried one.
    pub offer: Option<Vec<u8>>,
    tx: Transaction,
    local_tag: String,
    endpoint: EndpointInnerRef,
    routes: DialogRoutes,
    local: SocketAddr,
}

/// Reads a new INVITE; on an unusable one, gives the transaction back with
/// the error (the endpoint answers 400).
pub(crate) fn new_incoming(
    mut tx: Transaction,
    local_tag: String,
    endpoint: EndpointInnerRef,
    routes: DialogRoutes,
    local: SocketAddr,
) -> Result<IncomingCall, Box<(Transaction, SipError)>> {
    let req = &tx.original;
    let call_id = header_value(req, "Call-ID");
    // A quoted display name is read here: rsipstack would cut it at a `<`
    // inside the quotes and lose the caller's number with it.
    let raw_from = req.from_header().map(|f| f.value().to_owned());
    let quoted = raw_from
        .as_deref()
        .ok()
        .and_then(crate::display_name::split_quoted);
    let typed = match &quoted {
        Some((_, rest)) => rsipstack::sip::headers::From::new(*rest).typed(),
        None => req.from_header().and_then(|f| f.typed()),
    };
    let from = match typed {
        Ok(f) => f,
        Err(e) => return Err(header_err(tx, "From", e)),
    };
    let to_user = req
        .to_header()
        .and_then(|t| t.uri())
        .ok()
        .and_then(|u| u.user().map(str::to_string));
    let called = req
        .uri
        .user()
        .map(str::to_string)
        .or(to_user)
        .unwrap_or_default();
    let caller = from
        .uri
        .user()
        .map(str::to_string)
        .unwrap_or_else(|| "anonymous".to_string());
    let caller_display = quoted
        .map(|(name, _)| name)
        .or_else(|| from.display_name.clone())
        .filter(|d| !d.is_empty());
    let reliable = tx.connection.as_ref().is_some_and(|c| c.is_reliable());
    let source = match source_of(&tx.original) {
        Some(s) => s,
        None => return Err(header_err(tx, "Via", "no usable sent-by or received")),
    };
    let offer = (!req.body.is_empty()).then(|| req.body.clone());
    // Our tag goes on every response, provisional ones included.
    match tx.original.to_header_mut() {
        Ok(to) => {
            let tagged = to.with_tag(local_tag.clone().into());
            *to = tagged;
        }
        Err(e) => return Err(header_err(tx, "To", e)),
    }
    Ok(IncomingCall {
        call_id,
        caller,
        caller_display,
        called,
        source,
        reliable,
        offer,
        tx,
        local_tag,
        endpoint,
        routes,
        local,
    })
}

fn header_err(
    tx: Transaction,
    header: &'static str,
    e: impl ToString,
) -> Box<(Transaction, SipError)> {
    let detail = e.to_string();
    Box::new((tx, SipError::Header { header, detail }))
}

impl IncomingCall {
    /// Turns the call away with a final response.
    pub async fn reject(mut self, status: u16) {
        let status = StatusCode::from(status);
        reply(&mut self.tx, status, vec![]).await;
    }

    /// Turns the call away with a final response carrying `headers` (such
    /// as a digest challenge).
    pub async fn reject_with(mut self, status: u16, headers: Vec<Header>) {
        reply(&mut self.tx, StatusCode::from(status), headers).await;
    }

    /// The INVITE as received (for authenticating it).
    pub fn request(&self) -> &Request {
        &self.tx.original
    }

    /// Starts the call's task; it is driven through the returned handle.
    pub fn start(self) -> CallHandle {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let (dlg_tx, dlg_rx) = mpsc::unbounded_channel();
        let key = (self.call_id.clone(), self.local_tag.clone());
        routes::route(&self.routes, key.clone(), dlg_tx);
        let leg = Leg {
            call_id: self.call_id,
            tx: self.tx,
            source: self.source,
            reliable: self.reliable,
            endpoint: self.endpoint,
            local: self.local,
        };
        let task = UasTask::new(leg, ev_tx);
        let routes = self.routes;
        tokio::spawn(async move {
            task.run(cmd_rx, dlg_rx).await;
            routes::unroute(&routes, &key);
        });
        CallHandle {
            commands: cmd_tx,
            events: ev_rx,
        }
    }
}
