//! The resident's legs of one line-clear callback: the call their phone
//! placed (a dialled verified number: answered once the line is clear), or
//! the line's phones rung back from linewarden's own identity.
//!
//! Owns: those SIP legs and the media of the one the resident is on —
//! answering their call, placing a call to every phone (`crate::leg`),
//! starting the media of the phone the callback takes, hanging up what the
//! callback says, playing prompts — and turning what happens on them into
//! the callback's events. Does not own: which phone wins, when to hang up
//! or what to play (`ivr::lineclear::Callback`), the trunk leg
//! (`trunk.rs`).

use std::sync::Arc;

use ivr::lineclear::CallbackEvent;
use ivr::PromptId;
use sip::media::sdp::{self, Negotiated};
use sip::rtp_session::{MediaCommand, MediaEvent, MediaSession, NoSink};
use sip::uas::{CallEvent, CallHandle, Command};
use sip::{IncomingCall, UacCommand, UacEvent, UacHandle};
use tokio::net::UdpSocket;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tracing::{info, warn};

use crate::leg::{self, LegRequest, Rtp};
use crate::serve::shared::Shared;
use crate::serve::wait::recv_or_never;

/// The resident's side of a callback, as asked for.
pub enum Resident {
    /// The call the resident's phone placed (to a verified number).
    Placed(Box<IncomingCall>),
    /// Ring the line's phones afresh.
    RingBack,
}

/// The resident's own call, accepted once the line is clear.
struct OwnCall {
    handle: CallHandle,
    /// Our SDP answer, and the negotiation it stands for.
    answer: String,
    negotiated: Negotiated,
    /// Its RTP socket, until its media starts.
    socket: Option<UdpSocket>,
}

/// One phone rung back.
struct Ring {
    uac: UacHandle,
    /// Its RTP socket, until its media starts.
    socket: Option<UdpSocket>,
    /// Its SDP answer, once it answered.
    answer: Option<Negotiated>,
}

/// The resident's legs as the callback runs.
pub(super) struct ResidentLegs {
    own: Option<OwnCall>,
    /// The phones rung, numbered as the callback numbers them.
    rings: Vec<Ring>,
    ring_tx: UnboundedSender<(usize, UacEvent)>,
    ring_rx: UnboundedReceiver<(usize, UacEvent)>,
    /// The phone the callback took: the resident's leg.
    winner: Option<usize>,
    /// The media of the leg the resident is on.
    media: Option<MediaSession<NoSink>>,
    session_id: u64,
}

impl ResidentLegs {
    /// Gets the resident's side ready before the line is cleared: their
    /// call's SDP answer and RTP port. `None` when their call cannot be
    /// taken (it has been refused: 488 or 503).
    pub(super) async fn prepare(
        shared: &Shared,
        resident: Resident,
        session_id: u64,
    ) -> Option<Self> {
        let own = match resident {
            Resident::Placed(call) => Some(own_call(shared, *call, session_id).await?),
            Resident::RingBack => None,
        };
        let (ring_tx, ring_rx) = mpsc::unbounded_channel();
        Some(Self {
            own,
            rings: Vec::new(),
            ring_tx,
            ring_rx,
            winner: None,
            media: None,
            session_id,
        })
    }

    /// Refuses the resident's own call (the callback could not start).
    pub(super) fn refuse(&self, status: u16) {
        if let Some(own) = &self.own {
            own.handle.send(Command::Reject { status }).ok();
        }
    }

    /// Answers the resident's own call and starts its media: true if there
    /// was one.
    pub(super) fn answer_own(&mut self) -> bool {
        let Some(own) = self.own.as_mut() else {
            return false;
        };
        let sdp = own.answer.clone();
        own.handle.send(Command::Accept { sdp }).ok();
        if let Some(socket) = own.socket.take() {
            let negotiated = own.negotiated.clone();
            let media = MediaSession::start(socket, negotiated, NoSink, self.session_id);
            self.media = Some(media);
        }
        true
    }

    /// Rings every phone of `line` (up to `ivr::MAX_PHONES`): how many
    /// rang.
    pub(super) async fn ring(&mut self, shared: &Shared, line: &str) -> usize {
        let mut phones = shared.phones(line, &line_phones(shared, line));
        if phones.len() > ivr::MAX_PHONES {
            warn!(
                phones = phones.len(),
                "ringing only the first {}",
                ivr::MAX_PHONES
            );
            phones.truncate(ivr::MAX_PHONES);
        }
        let rtp = Rtp::Range(&shared.ports);
        for (i, phone) in phones.into_iter().enumerate() {
            let request = LegRequest {
                target: phone.uri.clone(),
                from_user: "linewarden".into(),
                from_display: Some("Call guard".into()),
                destination: phone.destination,
                route: phone.route.clone(),
                credentials: None,
            };
            match leg::place(&shared.endpoint, rtp, request, self.session_id).await {
                Ok(mut placed) => {
                    info!(phone = %phone.uri, rtp = %placed.sdp.local, "ringing the resident back");
                    placed.forward_events(self.rings.len(), self.ring_tx.clone());
                    self.rings.push(Ring {
                        uac: placed.uac,
                        socket: Some(placed.socket),
                        answer: None,
                    });
                }
                Err(e) => warn!(phone = i, error = %e, "cannot ring the resident"),
            }
        }
        self.rings.len()
    }

    /// The callback took `phone`: its media starts. True if it could.
    pub(super) fn take(&mut self, phone: usize) -> bool {
        self.winner = Some(phone);
        let Some(ring) = self.rings.get_mut(phone) else {
            return false;
        };
        if let (Some(socket), Some(answer)) = (ring.socket.take(), ring.answer.clone()) {
            self.media = Some(MediaSession::start(socket, answer, NoSink, self.session_id));
        }
        true
    }

    /// CANCEL or BYE to a rung phone.
    pub(super) fn hang_up_phone(&self, phone: usize) {
        if let Some(ring) = self.rings.get(phone) {
            ring.uac.send(UacCommand::Hangup).ok();
        }
    }

    /// BYE on the resident's own call.
    pub(super) fn hang_up_own(&self) {
        if let Some(own) = &self.own {
            own.handle.send(Command::Hangup).ok();
        }
    }

    /// Plays `audio` to the resident, replacing what plays: false when
    /// there is no media to play it on.
    pub(super) fn play(&self, id: PromptId, audio: Arc<[i16]>) -> bool {
        let Some(media) = &self.media else {
            return false;
        };
        media.command(MediaCommand::StopPlayback);
        media.command(MediaCommand::Play {
            id: id.0,
            samples: audio,
        });
        true
    }

    /// The resident's media, to bridge.
    pub(super) fn media(&self) -> Option<&MediaSession<NoSink>> {
        self.media.as_ref()
    }

    /// The phone the callback took.
    pub(super) fn winner(&self) -> Option<usize> {
        self.winner
    }

    /// Stops the resident's media.
    pub(super) async fn stop(&mut self) {
        if let Some(media) = self.media.take() {
            media.stop().await;
        }
    }

    /// The next thing that happened on the resident's legs, as the
    /// callback's event (`None`: nothing for it; re-INVITEs are refused).
    pub(super) async fn next_event(&mut self) -> Option<CallbackEvent> {
        let own = self.own.as_mut().map(|own| &mut own.handle.events);
        let media = self.media.as_mut().map(|m| &mut m.events);
        tokio::select! {
            event = recv_or_never(own) => self.on_own(event),
            Some((phone, event)) = self.ring_rx.recv() => self.on_ring(phone, event),
            Some(event) = recv_or_never(media) => match event {
                MediaEvent::PlaybackFinished(id) => Some(CallbackEvent::PromptFinished(PromptId(id))),
                MediaEvent::Dtmf(d) => Some(CallbackEvent::Dtmf(d)),
                _ => None,
            },
        }
    }

    fn on_own(&mut self, event: Option<CallEvent>) -> Option<CallbackEvent> {
        match event {
            Some(CallEvent::PeerHungUp) | Some(CallEvent::Cancelled) | None => {
                self.own = None;
                Some(CallbackEvent::ResidentHungUp)
            }
            Some(CallEvent::HangupDone { .. })
            | Some(CallEvent::AckTimeout)
            | Some(CallEvent::SessionExpired) => {
                self.own = None;
                Some(CallbackEvent::ResidentGone)
            }
            Some(CallEvent::InfoDtmf(d)) => Some(CallbackEvent::Dtmf(d)),
            Some(CallEvent::ReInvite { .. }) => {
                if let Some(own) = &self.own {
                    let refuse = Command::AnswerReInvite {
                        status: 488,
                        sdp: None,
                    };
                    own.handle.send(refuse).ok();
                }
                None
            }
            Some(CallEvent::Confirmed) => None,
        }
    }

    fn on_ring(&mut self, phone: usize, event: UacEvent) -> Option<CallbackEvent> {
        match event {
            UacEvent::Answered { answer } => {
                if let Some(ring) = self.rings.get_mut(phone) {
                    ring.answer = sdp::parse_answer(&answer).ok();
                }
                Some(CallbackEvent::PhoneAnswered { phone })
            }
            UacEvent::Failed { status } => Some(CallbackEvent::PhoneFailed { phone, status }),
            UacEvent::Timeout => Some(CallbackEvent::PhoneFailed { phone, status: 408 }),
            UacEvent::PeerHungUp => Some(CallbackEvent::PhoneHungUp { phone }),
            UacEvent::HangupDone { .. } => Some(CallbackEvent::PhoneGone { phone }),
            UacEvent::InfoDtmf(d) if self.winner == Some(phone) => Some(CallbackEvent::Dtmf(d)),
            UacEvent::ReInvite { .. } => {
                let refuse = UacCommand::AnswerReInvite {
                    status: 488,
                    sdp: None,
                };
                if let Some(ring) = self.rings.get(phone) {
                    ring.uac.send(refuse).ok();
                }
                None
            }
            UacEvent::InfoDtmf(_) | UacEvent::Progress(_) | UacEvent::EarlyMedia { .. } => None,
        }
    }
}

/// The resident's own call with our SDP answer and its RTP port, or
/// `None` once it has been refused.
async fn own_call(shared: &Shared, call: IncomingCall, session_id: u64) -> Option<OwnCall> {
    let negotiated = call.offer.as_deref().map(sdp::negotiate);
    let bound = shared.ports.open().await;
    let (Some(Ok(negotiated)), Ok((socket, local))) = (negotiated, bound) else {
        call.reject(488).await;
        return None;
    };
    let answer = sdp::build_answer(&negotiated, local, session_id, 1);
    Some(OwnCall {
        handle: call.start(),
        answer,
        negotiated,
        socket: Some(socket),
    })
}

/// The line's phones with fixed addresses.
fn line_phones(shared: &Shared, line: &str) -> Vec<String> {
    shared
        .lines()
        .config
        .lines
        .iter()
        .find(|l| l.name == line)
        .map(|l| l.phones.clone())
        .unwrap_or_default()
}
