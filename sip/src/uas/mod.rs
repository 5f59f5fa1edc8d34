//! One incoming call: the server side of an INVITE dialog.
//!
//! Owns: the INVITE server transaction and the dialog it creates — 180/200/
//! error responses, CANCEL (487), the ACK, routing the caller's in-dialog
//! requests (answered by the shared `dialog` code) to
//! [`CallEvent`]s, RFC 4028 session timers the caller asks for (it
//! refreshes; we hang up a session it lets expire), and our BYE. Our BYE is sent to the address the
//! caller's INVITE really came from (Via `received`/`rport`), not to a
//! Contact that may be a private address behind NAT.
//!
//! Does not own: decisions. The application sends [`Command`]s through the
//! [`CallHandle`] and reads [`CallEvent`]s; transaction retransmissions and
//! timers stay in rsipstack.

use std::net::SocketAddr;

use rsipstack::sip::prelude::*;
use rsipstack::sip::{Header, Method, Request, SipMessage, StatusCode};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::transaction::Transaction;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::dialog::session_timer::SessionTimer;
use crate::dialog::{PeerRequest, PeerRequests};
use crate::endpoint::{header_value, reply, DialogRoutes, ALLOWED_METHODS};
use crate::error::SipError;

mod bye;

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

/// What the application tells a call to do.
#[derive(Debug)]
pub enum Command {
    /// Send 180 Ringing.
    Ringing,
    /// Send 200 OK with this SDP answer.
    Accept { sdp: String },
    /// Send a final error response (before answer only).
    Reject { status: u16 },
    /// Answer the pending re-INVITE: 200 with an SDP answer, or an error.
    AnswerReInvite { status: u16, sdp: Option<String> },
    /// End the call: BYE after answer, 480 before.
    Hangup,
}

/// What happened on a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// The caller cancelled before answer; 487 has been sent.
    Cancelled,
    /// The caller's ACK for our 200 arrived.
    Confirmed,
    /// No ACK came for our 200; we have sent BYE.
    AckTimeout,
    /// A DTMF digit arrived by SIP INFO (already answered 200).
    InfoDtmf(char),
    /// A re-INVITE (hold, unhold, new media); answer with
    /// [`Command::AnswerReInvite`].
    ReInvite { offer: Option<Vec<u8>> },
    /// The caller hung up (BYE, answered 200).
    PeerHungUp,
    /// Our BYE completed: the response status, or None on timeout.
    HangupDone { status: Option<u16> },
    /// The caller did not refresh the session in time (RFC 4028); we have
    /// sent BYE. `HangupDone` follows.
    SessionExpired,
}

/// The application's side of a running call.
pub struct CallHandle {
    commands: mpsc::UnboundedSender<Command>,
    /// Events from the call; closed when the dialog is over.
    pub events: mpsc::UnboundedReceiver<CallEvent>,
}

impl CallHandle {
    /// Queues a command; fails only if the call task has ended.
    pub fn send(&self, command: Command) -> Result<(), SipError> {
        self.commands.send(command).map_err(|_| SipError::CallGone)
    }
}

pub(crate) fn new_incoming(
    mut tx: Transaction,
    local_tag: String,
    endpoint: EndpointInnerRef,
    routes: DialogRoutes,
    local: SocketAddr,
) -> Result<IncomingCall, Box<(Transaction, SipError)>> {
    let req = &tx.original;
    let call_id = header_value(req, "Call-ID");
    let from = match req.from_header().and_then(|f| f.typed()) {
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
    let caller_display = from.display_name.clone().filter(|d| !d.is_empty());
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

/// The address a request really came from: Via `received`/`rport` as the
/// transport layer recorded them, else the Via sent-by.
pub(crate) fn source_of(req: &Request) -> Option<SocketAddr> {
    let via = req.via_header().ok()?;
    let (_, host_port) = rsipstack::transport::SipConnection::parse_target_from_via(via).ok()?;
    SocketAddr::try_from(host_port).ok()
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
        if let Ok(mut routes) = self.routes.lock() {
            routes.insert(key.clone(), dlg_tx);
        }
        let routes = self.routes.clone();
        let task = UasTask {
            call: self,
            events: ev_tx,
            local_cseq: 0,
            peer: PeerRequests::default(),
        };
        tokio::spawn(async move {
            task.run(cmd_rx, dlg_rx).await;
            if let Ok(mut routes) = routes.lock() {
                routes.remove(&key);
            }
        });
        CallHandle {
            commands: cmd_tx,
            events: ev_rx,
        }
    }
}

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum Phase {
    Offered,
    AwaitingAck,
    Confirmed,
}

struct UasTask {
    call: IncomingCall,
    events: mpsc::UnboundedSender<CallEvent>,
    local_cseq: u32,
    peer: PeerRequests,
}

impl UasTask {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut dialog: mpsc::UnboundedReceiver<Transaction>,
    ) {
        let mut phase = Phase::Offered;
        // The caller-refreshed session timer, if agreed: last refresh.
        self.peer.session_timer = SessionTimer::negotiate(&self.call.tx.original)
            .ok()
            .flatten();
        let mut refreshed: Option<tokio::time::Instant> = None;
        loop {
            let invite_alive = phase != Phase::Confirmed;
            let expiry = self
                .peer
                .session_timer
                .zip(refreshed)
                .map(|(t, at)| tokio::time::Instant::from_std(t.expiry(at.into_std())));
            tokio::select! {
                () = sleep_until(expiry) => {
                    warn!(call_id = %self.call.call_id, "session not refreshed in time (RFC 4028): sending BYE");
                    self.emit(CallEvent::SessionExpired);
                    let status = self.send_bye().await;
                    self.emit(CallEvent::HangupDone { status });
                    return;
                }
                msg = self.call.tx.receive(), if invite_alive => {
                    match (phase, msg) {
                        (Phase::Offered, Some(SipMessage::Request(r))) if r.method == Method::Cancel => {
                            reply(&mut self.call.tx, StatusCode::RequestTerminated, vec![]).await;
                            self.emit(CallEvent::Cancelled);
                            return;
                        }
                        (Phase::AwaitingAck, Some(SipMessage::Request(r))) if r.method == Method::Ack => {
                            phase = Phase::Confirmed;
                            self.emit(CallEvent::Confirmed);
                        }
                        (Phase::AwaitingAck, None) => {
                            warn!(call_id = %self.call.call_id, "no ACK for our 200: sending BYE");
                            self.emit(CallEvent::AckTimeout);
                            let status = self.send_bye().await;
                            self.emit(CallEvent::HangupDone { status });
                            return;
                        }
                        (Phase::Offered, None) => return,
                        _ => {}
                    }
                }
                cmd = commands.recv() => {
                    let Some(cmd) = cmd else {
                        // The application dropped the handle: end the call.
                        self.hangup(phase).await;
                        return;
                    };
                    match (phase, cmd) {
                        (Phase::Offered, Command::Ringing) => {
                            reply(&mut self.call.tx, StatusCode::Ringing, vec![]).await;
                        }
                        (Phase::Offered, Command::Accept { sdp }) => {
                            self.accept(sdp).await;
                            phase = Phase::AwaitingAck;
                            refreshed = Some(tokio::time::Instant::now());
                        }
                        (Phase::Offered, Command::Reject { status }) => {
                            reply(&mut self.call.tx, StatusCode::from(status), vec![]).await;
                            return;
                        }
                        (_, Command::AnswerReInvite { status, sdp }) => self.answer_reinvite(status, sdp).await,
                        (_, Command::Hangup) => {
                            let status = self.hangup(phase).await;
                            self.emit(CallEvent::HangupDone { status });
                            return;
                        }
                        (phase, cmd) => debug!(?phase, ?cmd, "command ignored in this phase"),
                    }
                }
                tx = dialog.recv() => {
                    let Some(tx) = tx else { return };
                    let refresh = matches!(tx.original.method, Method::Invite | Method::Update);
                    if self.in_dialog(tx).await {
                        return;
                    }
                    if refresh && refreshed.is_some() {
                        refreshed = Some(tokio::time::Instant::now());
                    }
                }
            }
        }
    }

    fn emit(&self, event: CallEvent) {
        self.events.send(event).ok();
    }

    async fn accept(&mut self, sdp: String) {
        let mut headers = vec![
            Header::Contact(format!("<{}>", self.local_contact()).into()),
            Header::ContentType("application/sdp".into()),
            Header::Allow(ALLOWED_METHODS.into()),
        ];
        headers.extend(self.record_routes().into_iter().map(Header::RecordRoute));
        if let Some(t) = self.peer.session_timer {
            headers.extend(t.response_headers());
        }
        if let Err(e) = self
            .call
            .tx
            .reply_with(StatusCode::OK, headers, Some(sdp.into_bytes()))
            .await
        {
            warn!(call_id = %self.call.call_id, error = %e, "could not send 200 OK");
        }
        info!(call_id = %self.call.call_id, "call answered");
    }

    /// Ends the call from our side; returns the BYE's response status.
    async fn hangup(&mut self, phase: Phase) -> Option<u16> {
        if phase == Phase::Offered {
            reply(
                &mut self.call.tx,
                StatusCode::TemporarilyUnavailable,
                vec![],
            )
            .await;
            return None;
        }
        self.send_bye().await
    }

    /// Handles one in-dialog request; true when the dialog is over.
    async fn in_dialog(&mut self, tx: Transaction) -> bool {
        match self.peer.handle(tx, &self.call.call_id).await {
            PeerRequest::HungUp => {
                self.emit(CallEvent::PeerHungUp);
                return true;
            }
            PeerRequest::InfoDtmf(d) => self.emit(CallEvent::InfoDtmf(d)),
            PeerRequest::ReInvite { offer } => self.emit(CallEvent::ReInvite { offer }),
            PeerRequest::Refreshed | PeerRequest::Handled => {}
        }
        false
    }

    async fn answer_reinvite(&mut self, status: u16, sdp: Option<String>) {
        let contact = self.local_contact();
        self.peer.answer_reinvite(status, sdp, &contact).await;
    }

    fn local_contact(&self) -> String {
        let transport = if self.call.reliable {
            ";transport=tcp"
        } else {
            ""
        };
        format!("sip:linewarden@{}{}", self.call.local, transport)
    }

    fn record_routes(&self) -> Vec<rsipstack::sip::RecordRoute> {
        self.call
            .tx
            .original
            .headers
            .iter()
            .filter_map(|h| match h {
                Header::RecordRoute(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
