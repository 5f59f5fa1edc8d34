//! The resident's phones' legs of a live call: an INVITE to each phone
//! from our own user agent (each leg with its own RTP socket), CANCEL/BYE,
//! sounds on a phone's stream (the announcement, the warning), and the
//! relay between the caller's stream and the answering phone's (each leg
//! keeps its own codec, SSRC and timestamps), and a ringing phone's early
//! media to the caller, one way.
//!
//! Owns: the phones found for this call and their legs; turning their SIP
//! and media events into the machine's inputs, answering their
//! re-INVITEs. Does not own: which phone to ring, connect or hang up (the
//! `ivr::call` machine) or the caller's leg (`caller.rs`).

use std::sync::Arc;

use ivr::call::{Input, PhoneEvent, PlaybackId};
use sip::media::sdp::{self, Negotiated};
use sip::rtp_session::{relay_one_way, relay_pair, MediaCommand, MediaEvent, MediaSession, NoSink};
use sip::{UacCommand, UacEvent, UacHandle};
use tokio::sync::mpsc;
use tracing::{debug, warn};

use super::caller::CallerLeg;
use super::ctx::{CallCtx, SdpSession};
use crate::serve::shared::Phone;

/// One phone's leg.
#[derive(Default)]
struct PhoneLeg {
    uac: Option<UacHandle>,
    socket: Option<tokio::net::UdpSocket>,
    /// Our side of this leg's SDP session, for answers to re-INVITEs.
    sdp: Option<SdpSession>,
    answer: Option<Negotiated>,
    media: Option<MediaSession<NoSink>>,
}

/// The phones rung for one call.
pub(super) struct Phones {
    list: Vec<Phone>,
    legs: Vec<PhoneLeg>,
    events: mpsc::UnboundedReceiver<(usize, UacEvent)>,
    events_tx: mpsc::UnboundedSender<(usize, UacEvent)>,
    /// The caller's SDP session id, which the phones' legs share.
    sdp_id: u64,
}

impl Phones {
    pub(super) fn new(sdp_id: u64) -> Self {
        let (events_tx, events) = mpsc::unbounded_channel();
        Self {
            list: Vec::new(),
            legs: Vec::new(),
            events,
            events_tx,
            sdp_id,
        }
    }

    /// Takes the line's phones to ring now, fixed and registered; returns
    /// how many.
    pub(super) fn find(&mut self, ctx: &CallCtx) -> usize {
        if self.list.is_empty() {
            self.list = ctx.shared.phones(&ctx.line, &ctx.static_phones);
            self.legs = self.list.iter().map(|_| PhoneLeg::default()).collect();
        }
        self.list.len()
    }

    /// The phone's SIP URI.
    pub(super) fn uri(&self, phone: usize) -> Option<&str> {
        self.list.get(phone).map(|p| p.uri.as_str())
    }

    /// Sends the INVITE to one phone; false when it could not be sent.
    pub(super) async fn ring(&mut self, ctx: &CallCtx, phone: usize) -> bool {
        let Some(Phone {
            uri: target,
            destination,
            route,
        }) = self.list.get(phone).cloned()
        else {
            return false;
        };
        let request = crate::leg::LegRequest {
            target: target.clone(),
            from_user: ctx.caller.clone(),
            from_display: None,
            destination,
            route,
            credentials: None,
        };
        let rtp = crate::leg::Rtp::Range(&ctx.shared.ports);
        let mut placed =
            match crate::leg::place(&ctx.shared.endpoint, rtp, request, self.sdp_id).await {
                Ok(placed) => placed,
                Err(e) => {
                    warn!(phone, error = %e, "cannot ring the resident's phone");
                    return false;
                }
            };
        debug!(phone, %target, call_id = %placed.uac.call_id, "ringing the resident's phone");
        placed.forward_events(phone, self.events_tx.clone());
        if let Some(leg) = self.legs.get_mut(phone) {
            leg.uac = Some(placed.uac);
            leg.sdp = Some(placed.sdp);
            leg.socket = Some(placed.socket);
        }
        true
    }

    /// CANCEL or BYE to the phone; its stream stops.
    pub(super) fn hang_up(&mut self, phone: usize) {
        if let Some(leg) = self.legs.get_mut(phone) {
            if let Some(uac) = &leg.uac {
                uac.send(UacCommand::Hangup).ok();
            }
            leg.media = None;
        }
    }

    /// Queues `chunks` on the phone's stream (started on first use); false
    /// when the phone has no usable media.
    pub(super) fn play(&mut self, phone: usize, id: PlaybackId, chunks: Vec<Arc<[i16]>>) -> bool {
        let Some(media) = self.media(phone) else {
            return false;
        };
        for samples in chunks {
            media.command(MediaCommand::Play { id: id.0, samples });
        }
        true
    }

    pub(super) fn stop(&mut self, phone: usize) {
        if let Some(media) = self.legs.get(phone).and_then(|l| l.media.as_ref()) {
            media.command(MediaCommand::StopPlayback);
        }
    }

    /// Connects the caller's stream and the phone's, both ways; whatever
    /// plays on either stops.
    pub(super) fn connect(&mut self, phone: usize, caller: &CallerLeg) {
        let Some(phone_media) = self.media(phone) else {
            return;
        };
        phone_media.command(MediaCommand::StopPlayback);
        let (to_caller, to_phone) = relay_pair();
        phone_media.command(to_phone);
        caller.command(MediaCommand::StopPlayback);
        caller.command(to_caller);
        debug!(phone, "caller and resident connected");
    }

    /// Early media: the caller hears this ringing phone's stream, one way
    /// (the caller's stream is started and sent a 183 by `caller`).
    pub(super) fn early_media(&mut self, phone: usize, caller: &CallerLeg) {
        let Some(phone_media) = self.media(phone) else {
            return;
        };
        let (to_caller, to_phone) = relay_one_way();
        phone_media.command(to_phone);
        caller.command(to_caller);
        debug!(phone, "relaying the phone's early media to the caller");
    }

    /// Disconnects the relay; the phones' streams stop.
    pub(super) fn unbridge(&mut self, caller: &CallerLeg) {
        caller.command(MediaCommand::Unrelay);
        for leg in &mut self.legs {
            leg.media = None;
        }
    }

    /// The phone's stream, started once from its SDP answer; `None` when
    /// it answered without usable media.
    fn media(&mut self, phone: usize) -> Option<&MediaSession<NoSink>> {
        let seed = self.sdp_id ^ phone as u64;
        let leg = self.legs.get_mut(phone)?;
        if leg.media.is_none() {
            let (Some(socket), Some(answer)) = (leg.socket.take(), leg.answer.clone()) else {
                warn!(phone, "phone answered without usable media");
                return None;
            };
            leg.media = Some(MediaSession::start(socket, answer, NoSink, seed));
        }
        leg.media.as_ref()
    }

    /// The next input from the phones: a SIP event of any phone, or a key
    /// or a finished playback on the stream of `heard` (the phone hearing
    /// the announcement, or the bridged one).
    pub(super) async fn next(&mut self, heard: Option<usize>) -> Option<Input> {
        loop {
            let media = heard
                .and_then(|p| self.legs.get_mut(p))
                .and_then(|leg| leg.media.as_mut());
            let from_media = async move {
                match (media, heard) {
                    (Some(m), Some(phone)) => m.events.recv().await.map(|ev| (phone, ev)),
                    _ => std::future::pending().await,
                }
            };
            let got = tokio::select! {
                ev = self.events.recv() => ev.map(|(p, ev)| Woke::Sip(p, ev))?,
                Some((p, ev)) = from_media => Woke::Media(p, ev),
            };
            let input = match got {
                Woke::Sip(phone, ev) => self.sip_event(phone, ev),
                Woke::Media(phone, MediaEvent::Dtmf(key)) => Some(Input::Phone {
                    phone,
                    event: PhoneEvent::Key(key),
                }),
                Woke::Media(_, MediaEvent::PlaybackFinished(id)) => {
                    Some(Input::PlaybackFinished(PlaybackId(id)))
                }
                Woke::Media(_, MediaEvent::DtmfSent(_) | MediaEvent::DtmfNotSent { .. }) => None,
            };
            if input.is_some() {
                return input;
            }
        }
    }

    fn sip_event(&mut self, phone: usize, event: UacEvent) -> Option<Input> {
        let event = match event {
            UacEvent::Progress(status) => PhoneEvent::Progress(status),
            UacEvent::EarlyMedia { status, answer } => match sdp::parse_answer(&answer) {
                Ok(n) => {
                    if let Some(leg) = self.legs.get_mut(phone) {
                        leg.answer = Some(n);
                    }
                    PhoneEvent::EarlyMedia
                }
                Err(e) => {
                    warn!(phone, error = %e, "phone's early SDP unusable");
                    PhoneEvent::Progress(status)
                }
            },
            UacEvent::Answered { answer } => {
                match sdp::parse_answer(&answer) {
                    Ok(n) => {
                        if let Some(leg) = self.legs.get_mut(phone) {
                            // A stream started for early media follows
                            // the final answer.
                            if let Some(media) = &leg.media {
                                media.command(MediaCommand::Update(n.clone()));
                            }
                            leg.answer = Some(n);
                        }
                    }
                    Err(e) => warn!(phone, error = %e, "phone's SDP answer unusable"),
                }
                PhoneEvent::Answered
            }
            UacEvent::Failed { status } => PhoneEvent::Failed(status),
            UacEvent::Timeout => PhoneEvent::Failed(408),
            UacEvent::PeerHungUp => PhoneEvent::HungUp,
            UacEvent::HangupDone { .. } => PhoneEvent::Gone,
            UacEvent::InfoDtmf(key) => PhoneEvent::Key(key),
            UacEvent::ReInvite { offer } => {
                if let Some(leg) = self.legs.get_mut(phone) {
                    leg.reinvite(offer);
                }
                return None;
            }
        };
        Some(Input::Phone { phone, event })
    }
}

/// What woke the phones' side.
enum Woke {
    Sip(usize, UacEvent),
    Media(usize, MediaEvent),
}

impl PhoneLeg {
    /// The phone's re-INVITE (hold, unhold, new media): answered like the
    /// caller's, and the leg's stream follows the new negotiation.
    fn reinvite(&mut self, offer: Option<Vec<u8>>) {
        let (Some(uac), Some(session)) = (&self.uac, self.sdp.as_mut()) else {
            return;
        };
        let (status, sdp, negotiated) = session.answer_reinvite(offer.as_deref());
        if let Some(n) = negotiated {
            if let Some(media) = &self.media {
                media.command(MediaCommand::Update(n.clone()));
            }
            self.answer = Some(n);
        }
        uac.send(UacCommand::AnswerReInvite { status, sdp }).ok();
    }
}
