//! The task of one incoming call, from the application's first command to
//! the end of the dialog.
//!
//! Owns: feeding the call's inputs — the INVITE transaction (CANCEL before
//! the answer, then the ACK), the application's [`Command`]s, the caller's
//! in-dialog requests and the clock — to the call's state, and doing what
//! follows: 100/180/183/200/error responses, 487 to a CANCEL, the events, our BYE.
//! The deadlines (the ACK wait, RFC 4028 session expiry) come from the
//! sans-IO [`UasTimers`]; the task only sleeps until the next one.
//!
//! Does not own: reading the INVITE (`incoming.rs`), building our BYE
//! (`bye.rs`), answering the caller's in-dialog requests (the shared
//! `dialog` code), or transaction retransmissions and timers (rsipstack's).

use rsipstack::sip::{Header, Method, SipMessage, StatusCode};
use rsipstack::transaction::transaction::Transaction;
use tokio::sync::mpsc;
use tracing::{debug, warn};

use super::bye;
use super::timers::{Expired, InviteEnded, Phase, UasTimers};
use super::types::{CallEvent, Command, Leg};
use crate::clock;
use crate::dialog::session_timer::SessionTimer;
use crate::dialog::{PeerRequest, PeerRequests};
use crate::request::{reply, ALLOWED_METHODS};

/// Whether the call's task goes on after one of its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Over,
}

/// One answered (or about to be answered) call.
pub(super) struct UasTask {
    leg: Leg,
    events: mpsc::UnboundedSender<CallEvent>,
    local_cseq: u32,
    peer: PeerRequests,
    timers: UasTimers,
}

impl UasTask {
    pub fn new(leg: Leg, events: mpsc::UnboundedSender<CallEvent>) -> UasTask {
        // The caller-refreshed session timer, if agreed.
        let agreed = SessionTimer::negotiate(&leg.tx.original).ok().flatten();
        let mut peer = PeerRequests::default();
        peer.session_timer = agreed;
        let timers = UasTimers::new(agreed, leg.endpoint.option.t1x64);
        UasTask {
            leg,
            events,
            local_cseq: 0,
            peer,
            timers,
        }
    }

    pub async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut dialog: mpsc::UnboundedReceiver<Box<Transaction>>,
    ) {
        loop {
            let invite_alive = self.timers.invite_alive();
            let deadline = self.timers.poll_timeout();
            let flow = tokio::select! {
                () = clock::sleep_until(deadline) => self.on_timeout().await,
                msg = self.leg.tx.receive(), if invite_alive => self.on_invite(msg).await,
                cmd = commands.recv() => self.on_command(cmd).await,
                tx = dialog.recv() => self.on_dialog(tx).await,
            };
            if flow == Flow::Over {
                return;
            }
        }
    }

    fn emit(&self, event: CallEvent) {
        self.events.send(event).ok();
    }

    async fn on_timeout(&mut self) -> Flow {
        match self.timers.handle_timeout(clock::now()) {
            Some(expired) => {
                self.end_with_bye(expired).await;
                Flow::Over
            }
            None => Flow::Continue,
        }
    }

    /// A message on the INVITE transaction (`None`: it ended).
    async fn on_invite(&mut self, msg: Option<SipMessage>) -> Flow {
        match (self.timers.phase(), msg) {
            (Phase::Offered, Some(SipMessage::Request(r))) if r.method == Method::Cancel => {
                reply(&mut self.leg.tx, StatusCode::RequestTerminated, vec![]).await;
                self.emit(CallEvent::Cancelled);
                Flow::Over
            }
            (Phase::AwaitingAck { .. }, Some(SipMessage::Request(r)))
                if r.method == Method::Ack =>
            {
                if self.timers.handle_ack() {
                    self.emit(CallEvent::Confirmed);
                }
                Flow::Continue
            }
            (_, None) => match self.timers.handle_invite_ended() {
                InviteEnded::CallGone => Flow::Over,
                InviteEnded::Expired(expired) => {
                    self.end_with_bye(expired).await;
                    Flow::Over
                }
                InviteEnded::Nothing => Flow::Continue,
            },
            _ => Flow::Continue,
        }
    }

    async fn on_command(&mut self, cmd: Option<Command>) -> Flow {
        let Some(cmd) = cmd else {
            // The application dropped the handle: end the call.
            self.hangup().await;
            return Flow::Over;
        };
        match (self.timers.phase(), cmd) {
            (Phase::Offered, Command::Trying) => {
                reply(&mut self.leg.tx, StatusCode::Trying, vec![]).await;
            }
            (Phase::Offered, Command::Ringing) => {
                reply(&mut self.leg.tx, StatusCode::Ringing, vec![]).await;
            }
            (Phase::Offered, Command::EarlyMedia { sdp }) => {
                self.reply_sdp(StatusCode::SessionProgress, sdp).await;
            }
            (Phase::Offered, Command::Accept { sdp }) => {
                self.accept(sdp).await;
                self.timers.handle_accepted(clock::now());
            }
            (Phase::Offered, Command::Reject { status }) => {
                reply(&mut self.leg.tx, StatusCode::from(status), vec![]).await;
                return Flow::Over;
            }
            (_, Command::AnswerReInvite { status, sdp }) => {
                let contact = self.leg.local_contact();
                self.peer.answer_reinvite(status, sdp, &contact).await;
            }
            (_, Command::Hangup) => {
                let status = self.hangup().await;
                self.emit(CallEvent::HangupDone { status });
                return Flow::Over;
            }
            (phase, cmd) => debug!(?phase, ?cmd, "command ignored in this phase"),
        }
        Flow::Continue
    }

    /// One of the caller's in-dialog requests (`None`: no more can come).
    async fn on_dialog(&mut self, tx: Option<Box<Transaction>>) -> Flow {
        let Some(tx) = tx else { return Flow::Over };
        let refresh = matches!(tx.original.method, Method::Invite | Method::Update);
        match self.peer.handle(tx, &self.leg.call_id).await {
            PeerRequest::HungUp => {
                self.emit(CallEvent::PeerHungUp);
                return Flow::Over;
            }
            PeerRequest::InfoDtmf(d) => self.emit(CallEvent::InfoDtmf(d)),
            PeerRequest::ReInvite { offer } => self.emit(CallEvent::ReInvite { offer }),
            PeerRequest::Refreshed | PeerRequest::Handled => {}
        }
        if refresh {
            self.timers.handle_refresh(clock::now());
        }
        Flow::Continue
    }

    async fn accept(&mut self, sdp: String) {
        self.reply_sdp(StatusCode::OK, sdp).await;
        debug!(call_id = %self.leg.call_id, "call answered");
    }

    /// A response with our SDP answer (183 early media, or 200).
    async fn reply_sdp(&mut self, status: StatusCode, sdp: String) {
        let mut headers = vec![
            Header::Contact(format!("<{}>", self.leg.local_contact()).into()),
            Header::ContentType("application/sdp".into()),
            Header::Allow(ALLOWED_METHODS.into()),
        ];
        headers.extend(
            self.leg
                .record_routes()
                .into_iter()
                .map(Header::RecordRoute),
        );
        if let Some(t) = self.peer.session_timer.filter(|_| status == StatusCode::OK) {
            headers.extend(t.response_headers());
        }
        if let Err(e) = self
            .leg
            .tx
            .reply_with(status.clone(), headers, Some(sdp.into_bytes()))
            .await
        {
            warn!(call_id = %self.leg.call_id, error = %e, %status, "could not send our SDP answer");
        }
    }

    /// Ends a call its timers have ended: the event, our BYE, its outcome.
    async fn end_with_bye(&mut self, expired: Expired) {
        let call_id = &self.leg.call_id;
        match expired {
            Expired::AckTimeout => warn!(%call_id, "no ACK for our 200: sending BYE"),
            Expired::SessionExpired => {
                warn!(%call_id, "session not refreshed in time (RFC 4028): sending BYE")
            }
        }
        self.emit(expired.event());
        let status = self.send_bye().await;
        self.emit(CallEvent::HangupDone { status });
    }

    /// Ends the call from our side: 480 before the answer, else BYE (its
    /// response status).
    async fn hangup(&mut self) -> Option<u16> {
        if self.timers.phase() == Phase::Offered {
            reply(&mut self.leg.tx, StatusCode::TemporarilyUnavailable, vec![]).await;
            return None;
        }
        self.send_bye().await
    }

    async fn send_bye(&mut self) -> Option<u16> {
        self.local_cseq += 1;
        bye::send_bye(&self.leg, self.local_cseq).await
    }
}
