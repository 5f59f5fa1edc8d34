//! The task of one outgoing call, from the INVITE's first response to the
//! end of the dialog.
//!
//! Owns: turning responses into [`UacEvent`]s; hanging up — CANCEL before a
//! final response (held back until a provisional response arrives, RFC 3261
//! §9.1, but at most [`CANCEL_DEFER`] for a callee that sends none), BYE
//! after; a 2xx that crosses our CANCEL, and a second 2xx from another fork,
//! both ended with BYE; the dialog state the BYE is built from (the 2xx's
//! Contact as remote target, its Record-Route reversed as route set); and
//! the callee's in-dialog requests (answered by the shared
//! [`dialog`](crate::dialog) code).
//!
//! Does not own: ACKs — rsipstack's client INVITE transaction sends them,
//! for 2xx too (`EndpointOption::auto_ack_2xx`, on by default) — nor
//! retransmissions and timers B/C/F (rsipstack's).

use std::net::SocketAddr;
use std::time::Duration;

use rsipstack::sip::prelude::*;
use rsipstack::sip::{typed, Header, Method, Request, Response};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::{SipAddr, SipConnection};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::{auth, invite, Credentials, UacCommand, UacEvent};
use crate::dialog::request::{self, send_request, unescape_user, DialogRequest};
use crate::dialog::{PeerRequest, PeerRequests};

/// How long a CANCEL waits for a provisional response before going anyway.
pub const CANCEL_DEFER: Duration = Duration::from_secs(1);

/// How long after our CANCEL a final response may take (64·T1).
const CANCEL_WAIT: Duration = Duration::from_secs(32);

/// One outgoing call's state.
pub(super) struct UacTask {
    pub call_id: String,
    pub endpoint: EndpointInnerRef,
    pub invite: Request,
    pub invite_cseq: u32,
    /// The INVITE's connection and destination, for its CANCEL.
    pub connection: Option<SipConnection>,
    pub destination: Option<SipAddr>,
    pub reliable: bool,
    pub local: SocketAddr,
    pub events: UnboundedSender<UacEvent>,
    pub peer: PeerRequests,
    /// For a digest challenge to the INVITE.
    pub credentials: Option<Credentials>,
    pub cnonce: String,
}

/// Challenges answered per call: one, and one more if the server says the
/// nonce of the first answer was stale.
const MAX_CHALLENGES: u8 = 2;

/// The channels a call task reads.
pub(super) struct Inputs {
    pub responses: UnboundedReceiver<Response>,
    pub commands: UnboundedReceiver<UacCommand>,
    pub dialog: UnboundedReceiver<Transaction>,
}

/// Drives the INVITE transaction, forwarding its responses. It runs until
/// rsipstack ends the transaction (timer M after a 2xx, D after an error),
/// so retransmitted 2xx are ACKed again even after the call task is gone.
pub(super) fn pump(mut tx: Transaction) -> UnboundedReceiver<Response> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(msg) = tx.receive().await {
            if let rsipstack::sip::SipMessage::Response(resp) = msg {
                sender.send(resp).ok();
            }
        }
    });
    receiver
}

fn to_tag(resp: &Response) -> Option<String> {
    let tag = resp.to_header().ok()?.tag().ok()??;
    Some(tag.to_string())
}

impl UacTask {
    pub async fn run(mut self, mut inputs: Inputs) {
        if let Some((dialog, tag)) = self.early(&mut inputs).await {
            self.confirmed(&mut inputs, dialog, tag).await;
        }
    }

    fn emit(&self, event: UacEvent) {
        self.events.send(event).ok();
    }

    fn contact(&self) -> String {
        invite::contact(self.local, self.reliable)
    }

    /// Until the final response. Returns the dialog when the call was
    /// answered and is to go on.
    async fn early(&mut self, inputs: &mut Inputs) -> Option<(DialogRequest, Option<String>)> {
        let mut provisional = false;
        let mut challenges = 0u8;
        let mut hangup = false;
        let mut cancel_sent = false;
        let mut deadline: Option<Instant> = None;
        loop {
            tokio::select! {
                resp = inputs.responses.recv() => {
                    let Some(resp) = resp else {
                        self.emit(UacEvent::Timeout);
                        return None;
                    };
                    let code = u16::from(resp.status_code.clone());
                    match code {
                        0..=199 => {
                            provisional = true;
                            self.emit(UacEvent::Progress(code));
                            if hangup && !cancel_sent {
                                self.send_cancel();
                                cancel_sent = true;
                                deadline = Some(Instant::now() + CANCEL_WAIT);
                            }
                        }
                        200..=299 => {
                            let dialog = self.dialog_from(&resp);
                            if hangup {
                                info!(call_id = %self.call_id, "answered across our CANCEL: sending BYE");
                                let status = self.bye(&dialog, self.invite_cseq + 1).await;
                                self.emit(UacEvent::HangupDone { status });
                                return None;
                            }
                            info!(call_id = %self.call_id, "call answered");
                            self.emit(UacEvent::Answered { answer: resp.body.clone() });
                            return Some((dialog, to_tag(&resp)));
                        }
                        401 | 407 if !hangup
                            && challenges < MAX_CHALLENGES
                            && (challenges == 0 || auth::stale(&resp)) =>
                        {
                            challenges += 1;
                            match self.authenticate(&resp).await {
                                Some(responses) => {
                                    inputs.responses = responses;
                                    provisional = false;
                                }
                                None => {
                                    self.emit(UacEvent::Failed { status: code });
                                    return None;
                                }
                            }
                        }
                        _ => {
                            // rsipstack reports its timers B and C as a 408
                            // of its own, made from our INVITE: no To tag.
                            if code == 408 && to_tag(&resp).is_none() {
                                if provisional && !cancel_sent {
                                    self.send_cancel(); // stop the ringing
                                }
                                info!(call_id = %self.call_id, "no final answer");
                                self.emit(UacEvent::Timeout);
                            } else {
                                info!(call_id = %self.call_id, status = code, "call failed");
                                self.emit(UacEvent::Failed { status: code });
                            }
                            return None;
                        }
                    }
                }
                cmd = inputs.commands.recv(), if !hangup => match cmd {
                    Some(UacCommand::Hangup) | None => {
                        hangup = true;
                        if provisional {
                            self.send_cancel();
                            cancel_sent = true;
                            deadline = Some(Instant::now() + CANCEL_WAIT);
                        } else {
                            deadline = Some(Instant::now() + CANCEL_DEFER);
                        }
                    }
                    Some(UacCommand::AnswerReInvite { status, sdp }) => {
                        let contact = self.contact();
                        self.peer.answer_reinvite(status, sdp, &contact).await;
                    }
                },
                tx = inputs.dialog.recv() => {
                    let tx = tx?;
                    if self.peer_request(tx).await {
                        return None;
                    }
                }
                () = sleep_until(deadline) => {
                    if cancel_sent {
                        warn!(call_id = %self.call_id, "no final response after our CANCEL");
                        self.emit(UacEvent::Timeout);
                        return None;
                    }
                    debug!(call_id = %self.call_id, "no provisional response: sending CANCEL anyway");
                    self.send_cancel();
                    cancel_sent = true;
                    deadline = Some(Instant::now() + CANCEL_WAIT);
                }
            }
        }
    }

    /// Sends the INVITE again with credentials for the challenge in `resp`;
    /// the new transaction's responses, or `None` when there are no
    /// credentials or the retry cannot be sent.
    async fn authenticate(&mut self, resp: &Response) -> Option<UnboundedReceiver<Response>> {
        let credentials = self.credentials.as_ref()?;
        let via = request::via(&self.endpoint, self.local, self.reliable).ok()?;
        let cseq = self.invite_cseq + 1;
        let retry = match auth::retry(&self.invite, resp, credentials, cseq, via, &self.cnonce) {
            Ok(r) => r,
            Err(e) => {
                warn!(call_id = %self.call_id, error = %e, "cannot answer the challenge");
                return None;
            }
        };
        let key = TransactionKey::from_request(&retry, TransactionRole::Client).ok()?;
        let mut tx = Transaction::new_client(
            key,
            retry.clone(),
            self.endpoint.clone(),
            self.connection.clone(),
        );
        tx.destination = self.destination.clone();
        if let Err(e) = tx.send().await {
            warn!(call_id = %self.call_id, error = %e, "cannot send the authenticated INVITE");
            return None;
        }
        info!(call_id = %self.call_id, user = %credentials.username, "INVITE challenged: sent again with credentials");
        self.invite = retry;
        self.invite_cseq = cseq;
        self.connection = tx.connection.clone();
        self.destination = tx.destination.clone();
        Some(pump(tx))
    }

    /// The answered call, until either side hangs up.
    async fn confirmed(&mut self, inputs: &mut Inputs, dialog: DialogRequest, tag: Option<String>) {
        let mut responses_open = true;
        loop {
            tokio::select! {
                resp = inputs.responses.recv(), if responses_open => match resp {
                    None => responses_open = false,
                    Some(resp) if resp.status_code.kind() == rsipstack::sip::StatusCodeKind::Successful
                        && to_tag(&resp) != tag =>
                    {
                        info!(call_id = %self.call_id, "answered by a second fork: sending it BYE");
                        let other = self.dialog_from(&resp);
                        let task = self.side_task();
                        let cseq = self.invite_cseq + 1;
                        tokio::spawn(async move { task.bye(&other, cseq).await });
                    }
                    Some(_) => {} // a retransmitted 2xx: rsipstack ACKs it again
                },
                cmd = inputs.commands.recv() => match cmd {
                    Some(UacCommand::Hangup) | None => {
                        let status = self.bye(&dialog, self.invite_cseq + 1).await;
                        self.emit(UacEvent::HangupDone { status });
                        return;
                    }
                    Some(UacCommand::AnswerReInvite { status, sdp }) => {
                        let contact = self.contact();
                        self.peer.answer_reinvite(status, sdp, &contact).await;
                    }
                },
                tx = inputs.dialog.recv() => {
                    let Some(tx) = tx else { return };
                    if self.peer_request(tx).await {
                        return;
                    }
                }
            }
        }
    }

    /// Answers one in-dialog request of the callee; true when it hung up.
    async fn peer_request(&mut self, tx: Transaction) -> bool {
        match self.peer.handle(tx, &self.call_id).await {
            PeerRequest::HungUp => {
                self.emit(UacEvent::PeerHungUp);
                return true;
            }
            PeerRequest::InfoDtmf(d) => self.emit(UacEvent::InfoDtmf(d)),
            PeerRequest::ReInvite { offer } => self.emit(UacEvent::ReInvite { offer }),
            PeerRequest::Refreshed | PeerRequest::Handled => {}
        }
        false
    }

    /// The dialog a 2xx sets up, as seen from our side (RFC 3261 §12.1.2).
    fn dialog_from(&self, resp: &Response) -> DialogRequest {
        let target = resp
            .contact_header()
            .ok()
            .and_then(|c| c.typed().ok())
            .map(|c| c.uri)
            .unwrap_or_else(|| self.invite.uri.clone());
        let header = |r: &Request| r.to_header().map(|t| t.value().to_string()).ok();
        let remote = resp
            .to_header()
            .map(|t| t.value().to_string())
            .ok()
            .or_else(|| header(&self.invite))
            .unwrap_or_default();
        let local = self
            .invite
            .from_header()
            .map(|f| f.value().to_string())
            .unwrap_or_default();
        let mut route = Vec::new();
        for h in resp.headers.iter() {
            if let Header::RecordRoute(rr) = h {
                match typed::RecordRoute::parse_header_list(rr.value()) {
                    Ok(list) => route.extend(list.iter().map(ToString::to_string)),
                    Err(e) => {
                        warn!(call_id = %self.call_id, error = %e, "unreadable Record-Route ignored")
                    }
                }
            }
        }
        // A UAC's route set is the Record-Route list in reverse.
        route.reverse();
        DialogRequest {
            call_id: self.call_id.clone(),
            local,
            remote,
            target: unescape_user(target),
            route,
            user_agent: self.endpoint.user_agent.clone(),
        }
    }

    /// What a BYE needs, to send one from another task.
    fn side_task(&self) -> ByeSender {
        ByeSender {
            endpoint: self.endpoint.clone(),
            connection: self.connection.clone(),
            reliable: self.reliable,
            local: self.local,
        }
    }

    async fn bye(&self, dialog: &DialogRequest, cseq: u32) -> Option<u16> {
        self.side_task().bye(dialog, cseq).await
    }

    /// Sends CANCEL for the INVITE where the INVITE went, in the background.
    fn send_cancel(&self) {
        info!(call_id = %self.call_id, "sending CANCEL");
        let cancel = invite::cancel(&self.invite, self.invite_cseq);
        let endpoint = self.endpoint.clone();
        let connection = self.connection.clone();
        let destination = self.destination.clone();
        let call_id = self.call_id.clone();
        tokio::spawn(async move {
            let status = send_request(&endpoint, cancel, connection, destination).await;
            debug!(%call_id, ?status, "CANCEL answered");
        });
    }
}

/// Sends our BYE: over TCP on the INVITE's connection, over UDP to the
/// first Route, else the remote target (the callee's Contact).
struct ByeSender {
    endpoint: EndpointInnerRef,
    connection: Option<SipConnection>,
    reliable: bool,
    local: SocketAddr,
}

impl ByeSender {
    async fn bye(&self, dialog: &DialogRequest, cseq: u32) -> Option<u16> {
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

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
