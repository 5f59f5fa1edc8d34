//! What both sides of a call share once a dialog exists: answering the
//! peer's in-dialog requests and building our own.
//!
//! Owns: the peer's BYE (200, the call is over), INFO (a DTMF digit by
//! `application/dtmf-relay` or `application/dtmf`, else 415), re-INVITE
//! (held until the application answers; a second one meanwhile gets 491),
//! OPTIONS (200 with Allow), UPDATE (a session refresh without a body: 200;
//! with an offer: 488) and anything else (405), plus the request builder in
//! [`request`] with the wait for its final response in `response_wait`,
//! and RFC 4028 session timers in [`session_timer`]. The submodules never
//! use this file.
//!
//! Does not own: the INVITE transaction that set the dialog up (`uas/` for
//! calls we answer, `uac/` for calls we place) or any decision: the caller
//! turns each [`PeerRequest`] into its own event type.

use rsipstack::sip::{Header, Method, StatusCode};
use rsipstack::transaction::transaction::Transaction;
use tracing::{debug, warn};

use crate::media::info::parse_info_dtmf;
use crate::request::{header_value, reply, ALLOWED_METHODS};

pub(crate) mod request;
mod response_wait;
pub(crate) mod session_timer;

/// What one of the peer's in-dialog requests means for the call. The
/// request has been answered, except a re-INVITE.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PeerRequest {
    /// BYE, answered 200: the dialog is over.
    HungUp,
    /// A digit by SIP INFO, answered 200.
    InfoDtmf(char),
    /// A re-INVITE, held for [`PeerRequests::answer_reinvite`].
    ReInvite { offer: Option<Vec<u8>> },
    /// An UPDATE without a body (a session refresh), answered 200.
    Refreshed,
    /// Answered here; nothing for the application.
    Handled,
}

/// The peer's in-dialog requests for one dialog.
#[derive(Default)]
pub(crate) struct PeerRequests {
    pending_reinvite: Option<Box<Transaction>>,
    /// The session timer agreed at the INVITE: its headers go on our 2xx to
    /// refreshes.
    pub session_timer: Option<session_timer::SessionTimer>,
}

impl PeerRequests {
    /// Answers (or holds) one in-dialog request of the peer.
    pub async fn handle(&mut self, mut tx: Box<Transaction>, call_id: &str) -> PeerRequest {
        let allow = || Header::Allow(ALLOWED_METHODS.into());
        match tx.original.method {
            Method::Bye => {
                reply(&mut tx, StatusCode::OK, vec![]).await;
                debug!(%call_id, "peer hung up");
                PeerRequest::HungUp
            }
            Method::Info => {
                let ctype = header_value(&tx.original, "Content-Type");
                let body = tx.original.body.clone();
                match parse_info_dtmf(&ctype, &body) {
                    Some(d) => {
                        reply(&mut tx, StatusCode::OK, vec![]).await;
                        return PeerRequest::InfoDtmf(d);
                    }
                    None if body.is_empty() => reply(&mut tx, StatusCode::OK, vec![]).await,
                    None => {
                        let accept =
                            Header::Accept("application/dtmf-relay, application/dtmf".into());
                        reply(&mut tx, StatusCode::UnsupportedMediaType, vec![accept]).await;
                    }
                }
                PeerRequest::Handled
            }
            Method::Invite if self.pending_reinvite.is_some() => {
                reply(&mut tx, StatusCode::RequestPending, vec![]).await;
                PeerRequest::Handled
            }
            Method::Invite => {
                let body = tx.original.body.clone();
                let offer = (!body.is_empty()).then_some(body);
                self.pending_reinvite = Some(tx);
                PeerRequest::ReInvite { offer }
            }
            Method::Options => {
                reply(&mut tx, StatusCode::OK, vec![allow()]).await;
                PeerRequest::Handled
            }
            Method::Update if tx.original.body.is_empty() => {
                let headers = self
                    .session_timer
                    .map(|t| t.response_headers())
                    .unwrap_or_default();
                reply(&mut tx, StatusCode::OK, headers).await;
                PeerRequest::Refreshed
            }
            Method::Update => {
                // An offer in UPDATE (RFC 3311) is not supported: media
                // changes come by re-INVITE.
                reply(&mut tx, StatusCode::NotAcceptableHere, vec![allow()]).await;
                PeerRequest::Handled
            }
            _ => {
                reply(&mut tx, StatusCode::MethodNotAllowed, vec![allow()]).await;
                PeerRequest::Handled
            }
        }
    }

    /// Answers the held re-INVITE (no-op when there is none): `status` with
    /// our Contact (`contact`, a URI) and the SDP answer if any.
    pub async fn answer_reinvite(&mut self, status: u16, sdp: Option<String>, contact: &str) {
        let Some(mut tx) = self.pending_reinvite.take() else {
            return;
        };
        let mut headers = vec![Header::Contact(format!("<{contact}>").into())];
        if let (Some(t), 200..=299) = (self.session_timer, status) {
            headers.extend(t.response_headers());
        }
        if sdp.is_some() {
            headers.push(Header::ContentType("application/sdp".into()));
        }
        let body = sdp.map(String::into_bytes);
        if let Err(e) = tx.reply_with(StatusCode::from(status), headers, body).await {
            warn!(error = %e, "could not answer re-INVITE");
            return;
        }
        // Absorb the ACK (and retransmitted re-INVITEs) in the background.
        tokio::spawn(async move { while tx.receive().await.is_some() {} });
    }
}
