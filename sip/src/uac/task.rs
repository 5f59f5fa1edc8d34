//! The task of one outgoing call, from the INVITE's first response to the
//! end of the dialog.
//!
//! Owns: feeding the call's inputs — the INVITE's responses, the
//! application's [`UacCommand`]s, the callee's in-dialog requests and the
//! clock — to the call's state and doing what follows: turning responses
//! into [`UacEvent`]s; hanging up — CANCEL before a final response, timed
//! by the sans-IO [`CancelWait`] (the task only sleeps until its next
//! deadline), BYE after; a 2xx that crosses our CANCEL, and a second 2xx
//! from another fork, both ended with BYE; answering a digest challenge;
//! and the callee's in-dialog requests (answered by the shared
//! [`dialog`](crate::dialog) code).
//!
//! Does not own: the dialog state and our BYE (`dialog.rs`), ACKs —
//! rsipstack's client INVITE transaction sends them, for 2xx too
//! (`EndpointOption::auto_ack_2xx`, on by default) — nor retransmissions
//! and timers B/C/F (rsipstack's).

use std::net::SocketAddr;

use rsipstack::sip::{Request, Response};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::{SipAddr, SipConnection};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tracing::{debug, warn};

use super::auth::{self, Credentials};
use super::cancel_wait::{CancelAction, CancelWait};
use super::dialog::{dialog_from, to_tag, ByeSender};
use super::invite;
use super::types::{UacCommand, UacEvent};
use crate::clock;
use crate::dialog::request::{self, send_request, DialogRequest};
use crate::dialog::{PeerRequest, PeerRequests};

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
    /// Challenges answered so far.
    pub challenges: u8,
    /// Hanging up before the final response.
    pub cancel: CancelWait,
}

/// Challenges answered per call: one, and one more if the server says the
/// nonce of the first answer was stale.
const MAX_CHALLENGES: u8 = 2;

/// The channels a call task reads.
pub(super) struct Inputs {
    pub responses: UnboundedReceiver<Response>,
    pub commands: UnboundedReceiver<UacCommand>,
    pub dialog: UnboundedReceiver<Box<Transaction>>,
}

/// Where the call stands after one input before the final response.
enum Early {
    Continue,
    /// The call is over.
    Over,
    /// Answered: the dialog and the answering fork's tag.
    Answered(Box<(DialogRequest, Option<String>)>),
}

/// Drives the INVITE transaction, forwarding its responses, while the
/// call task reads them. Once the call task is gone (the call is over) the
/// transaction is dropped: rsipstack keeps its ACK for 64×T1 and ACKs a
/// retransmitted final response from that, without the transaction, its
/// task and its channels (some 20 KB a call, held 32 s after each call).
pub(super) fn pump(mut tx: Transaction) -> UnboundedReceiver<Response> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let msg = tokio::select! {
                biased;
                msg = tx.receive() => msg,
                () = sender.closed() => break,
            };
            match msg {
                Some(rsipstack::sip::SipMessage::Response(resp)) => {
                    sender.send(resp).ok();
                }
                Some(_) => {}
                None => break,
            }
        }
    });
    receiver
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
        loop {
            let hangup = self.cancel.hangup_requested();
            let deadline = self.cancel.poll_timeout();
            let step = tokio::select! {
                resp = inputs.responses.recv() => self.early_response(resp, inputs).await,
                cmd = inputs.commands.recv(), if !hangup => match cmd {
                    Some(UacCommand::Hangup) | None => {
                        let action = self.cancel.handle_hangup(clock::now());
                        self.cancel_action(action)
                    }
                    Some(UacCommand::AnswerReInvite { status, sdp }) => {
                        let contact = self.contact();
                        self.peer.answer_reinvite(status, sdp, &contact).await;
                        Early::Continue
                    }
                },
                tx = inputs.dialog.recv() => match tx {
                    Some(tx) => match self.peer_request(tx).await {
                        true => Early::Over,
                        false => Early::Continue,
                    },
                    None => Early::Over,
                },
                () = clock::sleep_until(deadline) => {
                    let action = self.cancel.handle_timeout(clock::now());
                    if action == Some(CancelAction::SendCancel) {
                        debug!(call_id = %self.call_id, "no provisional response: sending CANCEL anyway");
                    }
                    self.cancel_action(action)
                }
            };
            match step {
                Early::Continue => {}
                Early::Over => return None,
                Early::Answered(answered) => return Some(*answered),
            }
        }
    }

    /// One response to the INVITE before the final one (`None`: the
    /// transaction ended without one).
    async fn early_response(&mut self, resp: Option<Response>, inputs: &mut Inputs) -> Early {
        let Some(resp) = resp else {
            self.emit(UacEvent::Timeout);
            return Early::Over;
        };
        let code = u16::from(resp.status_code.clone());
        let hangup = self.cancel.hangup_requested();
        match code {
            0..=199 => {
                if code > 100 && !resp.body.is_empty() {
                    self.emit(UacEvent::EarlyMedia {
                        status: code,
                        answer: resp.body.clone(),
                    });
                } else {
                    self.emit(UacEvent::Progress(code));
                }
                let action = self.cancel.handle_provisional(clock::now());
                self.cancel_action(action)
            }
            200..=299 => {
                let dialog = self.dialog_from(&resp);
                if hangup {
                    debug!(call_id = %self.call_id, "answered across our CANCEL: sending BYE");
                    let status = self.bye(&dialog, self.invite_cseq + 1).await;
                    self.emit(UacEvent::HangupDone { status });
                    return Early::Over;
                }
                debug!(call_id = %self.call_id, "call answered");
                self.emit(UacEvent::Answered {
                    answer: resp.body.clone(),
                });
                Early::Answered(Box::new((dialog, to_tag(&resp))))
            }
            401 | 407
                if !hangup
                    && self.challenges < MAX_CHALLENGES
                    && (self.challenges == 0 || auth::stale(&resp)) =>
            {
                self.challenges += 1;
                match self.authenticate(&resp).await {
                    Some(responses) => {
                        inputs.responses = responses;
                        self.cancel.handle_new_invite();
                        Early::Continue
                    }
                    None => {
                        self.emit(UacEvent::Failed { status: code });
                        Early::Over
                    }
                }
            }
            _ => {
                // rsipstack reports its timers B and C as a 408 of its own,
                // made from our INVITE: no To tag.
                if code == 408 && to_tag(&resp).is_none() {
                    if self.cancel.handle_no_answer() == Some(CancelAction::SendCancel) {
                        self.send_cancel(); // stop the ringing
                    }
                    debug!(call_id = %self.call_id, "no final answer");
                    self.emit(UacEvent::Timeout);
                } else {
                    debug!(call_id = %self.call_id, status = code, "call failed");
                    self.emit(UacEvent::Failed { status: code });
                }
                Early::Over
            }
        }
    }

    /// Does what the CANCEL wait says.
    fn cancel_action(&mut self, action: Option<CancelAction>) -> Early {
        match action {
            None => Early::Continue,
            Some(CancelAction::SendCancel) => {
                self.send_cancel();
                Early::Continue
            }
            Some(action @ CancelAction::GiveUp) => {
                warn!(call_id = %self.call_id, "no final response after our CANCEL");
                if let Some(event) = action.event() {
                    self.emit(event);
                }
                Early::Over
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
        debug!(call_id = %self.call_id, user = %credentials.username, "INVITE challenged: sent again with credentials");
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
                        debug!(call_id = %self.call_id, "answered by a second fork: sending it BYE");
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
    async fn peer_request(&mut self, tx: Box<Transaction>) -> bool {
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
        dialog_from(&self.invite, resp, &self.call_id, &self.endpoint.user_agent)
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
        debug!(call_id = %self.call_id, "sending CANCEL");
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
