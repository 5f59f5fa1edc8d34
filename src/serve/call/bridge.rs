//! Connecting a screened caller to the resident's phones: the runtime side
//! of `ivr::BridgeCall`.
//!
//! Owns: carrying out the bridge machine's actions — an INVITE to each of
//! the line's phones from our own user agent (each leg with its own RTP
//! socket), CANCEL/BYE to a phone, relaying media between the caller's
//! stream and the answering phone's (each leg keeps its own codec, SSRC and
//! timestamps), BYE to the caller, the no-answer prompt, logging the bridge
//! outcome, the answering phone and a resident's hangup in the call log —
//! and turning the phones' SIP events into the machine's events. Does not
//! own: any decision (the machine's) or the caller's dialog (the rest of
//! `call`).

use std::sync::Arc;
use std::time::SystemTime;

use ivr::{BridgeAction, BridgeCall, BridgeEvent, BridgeSettings, PromptId};
use sip::media::g711::Codec;
use sip::media::sdp::{self, Direction, Negotiated};
use sip::rtp_session::{relay_pair, MediaCommand, MediaSession, NoSink};
use sip::{OutgoingCall, UacCommand, UacEvent, UacHandle};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{info, warn};

use super::{Flow, Phone, SdpSession};
use crate::serve::recording::Recording;
use crate::store::{CallKey, StoreHandle};

/// Prompt ids of the bridge's prompts are offset so the caller's media
/// stream can tell them from the screening's.
pub(super) const PROMPT_BASE: u32 = 1 << 30;

/// The id the ringback tone plays under (never reported to a machine).
pub(super) const RINGBACK_ID: u32 = u32::MAX;

/// The id of the tone before a message or a name (never reported to a
/// machine).
pub(super) const BEEP_ID: u32 = u32::MAX - 2;

/// The id the announcement plays under on the answering phone's leg.
const ANNOUNCE_ID: u32 = u32::MAX - 3;

/// What the phones' side brings.
pub(super) enum PhoneInput {
    /// A SIP event of phone N.
    Sip(usize, UacEvent),
    /// A key the resident pressed on the connected phone.
    Key(char),
    /// A key pressed on phone N while it hears the announcement.
    AnnounceKey(usize, char),
    /// The announcement to phone N has played.
    AnnounceDone(usize),
}

/// One phone's leg.
#[derive(Default)]
struct Leg {
    uac: Option<UacHandle>,
    socket: Option<tokio::net::UdpSocket>,
    /// Our side of this leg's SDP session, for answers to re-INVITEs.
    sdp_session: Option<SdpSession>,
    answer: Option<Negotiated>,
    media: Option<MediaSession<NoSink>>,
}

/// A bridge in progress.
pub(super) struct Bridging {
    machine: BridgeCall,
    legs: Vec<Leg>,
    events: mpsc::UnboundedReceiver<(usize, UacEvent)>,
    events_tx: mpsc::UnboundedSender<(usize, UacEvent)>,
    /// The call log, and the call's key in it.
    store: StoreHandle,
    key: CallKey,
    pub(super) finished: bool,
    /// The phone hearing the announcement, with announce on.
    announcing: Option<usize>,
}

impl Bridging {
    pub(super) fn new(
        phones: usize,
        ring_timeout: std::time::Duration,
        voicemail: bool,
        announce: bool,
        store: StoreHandle,
        key: CallKey,
    ) -> Bridging {
        let settings = BridgeSettings {
            phones,
            ring_timeout,
            voicemail,
            announce,
            ..BridgeSettings::default()
        };
        let (events_tx, events) = mpsc::unbounded_channel();
        Bridging {
            machine: BridgeCall::new(&settings, Instant::now().into_std()),
            legs: (0..phones).map(|_| Leg::default()).collect(),
            events,
            events_tx,
            store,
            key,
            finished: false,
            announcing: None,
        }
    }

    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.machine.poll_timeout().map(Instant::from_std)
    }

    pub(super) fn handle_event(&mut self, event: BridgeEvent) {
        self.machine.handle_event(Instant::now().into_std(), event);
    }

    pub(super) fn handle_timeout(&mut self) {
        self.machine.handle_timeout(Instant::now().into_std());
    }

    /// The resident's answer to the announcement, or its end.
    pub(super) fn on_announce_input(&mut self, input: PhoneInput) {
        match input {
            PhoneInput::AnnounceKey(phone, digit) => {
                self.handle_event(BridgeEvent::ResidentKey { phone, digit })
            }
            PhoneInput::AnnounceDone(phone) => {
                self.handle_event(BridgeEvent::AnnounceFinished { phone })
            }
            PhoneInput::Sip(..) | PhoneInput::Key(_) => {}
        }
    }

    /// The next SIP event from a phone (with the phone's index), or key
    /// (RFC 4733) from the connected phone's stream; its other media events
    /// are not needed.
    pub(super) async fn next_input(&mut self) -> Option<PhoneInput> {
        let announcing = self.announcing;
        let heard = announcing.or(self.machine.bridged_phone());
        let media = heard
            .and_then(|p| self.legs.get_mut(p))
            .and_then(|leg| leg.media.as_mut());
        let events = &mut self.events;
        let from_media = async move {
            let (Some(media), Some(phone)) = (media, heard) else {
                return std::future::pending().await;
            };
            loop {
                match media.events.recv().await {
                    Some(sip::rtp_session::MediaEvent::Dtmf(d)) if announcing == Some(phone) => {
                        return Some(PhoneInput::AnnounceKey(phone, d))
                    }
                    Some(sip::rtp_session::MediaEvent::Dtmf(d)) => return Some(PhoneInput::Key(d)),
                    Some(sip::rtp_session::MediaEvent::PlaybackFinished(ANNOUNCE_ID)) => {
                        return Some(PhoneInput::AnnounceDone(phone))
                    }
                    Some(_) => continue,
                    None => return std::future::pending().await,
                }
            }
        };
        tokio::select! {
            ev = events.recv() => ev.map(|(phone, ev)| PhoneInput::Sip(phone, ev)),
            Some(input) = from_media => Some(input),
        }
    }

    /// Sends a command to the connected phone's stream; false when no phone
    /// is connected.
    pub(super) fn command_resident(&self, command: MediaCommand) -> bool {
        let media = self
            .machine
            .bridged_phone()
            .and_then(|p| self.legs.get(p))
            .and_then(|leg| leg.media.as_ref());
        match media {
            Some(m) => {
                m.command(command);
                true
            }
            None => false,
        }
    }

    /// A phone's SIP event, into the machine. Returns a key the resident
    /// pressed (SIP INFO) on the connected phone.
    pub(super) fn on_phone_event(&mut self, phone: usize, event: UacEvent) -> Option<char> {
        let mut key = None;
        let mapped = match event {
            UacEvent::Progress(status) if status > 100 => {
                Some(BridgeEvent::PhoneProgress { phone, status })
            }
            UacEvent::Progress(_) => None,
            UacEvent::Answered { answer } => {
                match sdp::parse_answer(&answer) {
                    Ok(n) => {
                        if let Some(leg) = self.legs.get_mut(phone) {
                            leg.answer = Some(n);
                        }
                    }
                    Err(e) => warn!(phone, error = %e, "phone's SDP answer unusable"),
                }
                Some(BridgeEvent::PhoneAnswered { phone })
            }
            UacEvent::Failed { status } => Some(BridgeEvent::PhoneFailed { phone, status }),
            UacEvent::Timeout => Some(BridgeEvent::PhoneFailed { phone, status: 408 }),
            UacEvent::PeerHungUp => {
                // Only the connected phone's BYE is the resident hanging up
                // (the others' cross our CANCEL or BYE).
                if self.machine.bridged_phone() == Some(phone) {
                    self.store.set_hangup_by(&self.key, "resident");
                }
                Some(BridgeEvent::PhoneHungUp { phone })
            }
            UacEvent::HangupDone { .. } => Some(BridgeEvent::PhoneGone { phone }),
            UacEvent::InfoDtmf(d) if self.announcing == Some(phone) => {
                Some(BridgeEvent::ResidentKey { phone, digit: d })
            }
            UacEvent::InfoDtmf(d) => {
                if self.machine.bridged_phone() == Some(phone) {
                    key = Some(d);
                }
                None
            }
            UacEvent::ReInvite { offer } => {
                if let Some(leg) = self.legs.get_mut(phone) {
                    leg.reinvite(offer);
                }
                None
            }
        };
        if let Some(event) = mapped {
            self.handle_event(event);
        }
        key
    }
}

impl Leg {
    /// The phone's re-INVITE (hold, unhold, new media): answered like the
    /// caller's, and the leg's stream follows the new negotiation.
    fn reinvite(&mut self, offer: Option<Vec<u8>>) {
        let (Some(uac), Some(session)) = (&self.uac, self.sdp_session.as_mut()) else {
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

impl Flow {
    /// Whether the line has a phone to ring now.
    pub(super) fn has_phones(&self) -> bool {
        !self
            .shared
            .phones(&self.line, &self.static_phones)
            .is_empty()
    }

    /// Starts ringing the line's phones for a caller who may be connected.
    pub(super) fn start_bridge(&mut self) {
        if self.bridge.is_some() {
            return;
        }
        self.phones = self.shared.phones(&self.line, &self.static_phones);
        if self.phones.is_empty() {
            return;
        }
        info!(
            phones = self.phones.len(),
            "connecting the caller to the resident"
        );
        self.bridge = Some(Bridging::new(
            self.phones.len(),
            self.ring_timeout,
            self.voicemail,
            self.announce,
            self.shared.store.clone(),
            self.key.clone(),
        ));
    }

    /// Carries out the bridge machine's actions.
    pub(super) async fn apply_bridge_actions(&mut self) {
        loop {
            let Some(action) = self.bridge.as_mut().and_then(|b| b.machine.poll_action()) else {
                return;
            };
            match action {
                BridgeAction::RingPhones(phones) => {
                    for phone in phones {
                        self.ring(phone).await;
                    }
                }
                BridgeAction::RelayProgress(status) => {
                    info!(
                        status,
                        "the resident's phone is ringing: ringback to the caller"
                    );
                    // The caller's call is already answered: the ringing is
                    // a tone, enough cadences to outlast the ring timeout.
                    let cadences = self.ring_timeout.as_secs() / 3 + 1;
                    let tone = crate::prompts::ringback();
                    for _ in 0..cadences {
                        self.media_command(MediaCommand::Play {
                            id: RINGBACK_ID,
                            samples: tone.clone(),
                        });
                    }
                    self.ringback = true;
                }
                BridgeAction::CancelPhone(phone) | BridgeAction::ByePhone(phone) => {
                    if let Some(leg) = self.leg(phone) {
                        if let Some(uac) = &leg.uac {
                            uac.send(UacCommand::Hangup).ok();
                        }
                        leg.media = None;
                    }
                }
                BridgeAction::Bridge { phone } => {
                    if let Some(p) = self.phones.get(phone) {
                        self.shared
                            .store
                            .bridged(&self.key, SystemTime::now(), &p.uri);
                    }
                    self.connect(phone);
                }
                BridgeAction::Unbridge => {
                    self.media_command(MediaCommand::Unrelay);
                    for leg in self.bridge.iter_mut().flat_map(|b| b.legs.iter_mut()) {
                        leg.media = None;
                    }
                }
                BridgeAction::ByeCaller => self.hangup(),
                BridgeAction::Play { id, prompt } => {
                    self.stop_ringback();
                    self.media_command(MediaCommand::Play {
                        id: PROMPT_BASE + id.0,
                        samples: self.shared.prompts.bridge_audio(prompt),
                    });
                }
                BridgeAction::Announce { phone } => self.announce_to(phone),
                BridgeAction::StartVoicemail => self.start_message(),
                BridgeAction::StopVoicemail => self.stop_message(),
                BridgeAction::Outcome(outcome) => {
                    info!(outcome = outcome.as_str(), "bridge outcome");
                    self.shared.store.set_bridge(&self.key, outcome.as_str());
                }
                BridgeAction::Finished => {
                    if let Some(b) = self.bridge.as_mut() {
                        b.finished = true;
                    }
                }
            }
        }
    }

    /// The tone, then the caller's message is recorded (caller left,
    /// what we played right) until the machine stops it.
    fn start_message(&mut self) {
        self.media_command(MediaCommand::Play {
            id: BEEP_ID,
            samples: crate::prompts::beep(),
        });
        let rel = crate::serve::recording::voicemail_path(
            &self.line,
            self.started,
            &self.key.to_string(),
        );
        match Recording::start(&self.shared.data_dir.join(&rel)) {
            Ok(rec) => {
                info!(path = %rel.display(), "recording the caller's message");
                self.shared
                    .store
                    .set_voicemail(&self.key, &rel.to_string_lossy());
                *self
                    .message
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(rec);
            }
            Err(e) => warn!(error = %e, "cannot record the caller's message"),
        }
    }

    /// Ends the caller's message and finishes its file off the runtime.
    fn stop_message(&mut self) {
        let taken = self
            .message
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(rec) = taken {
            tokio::task::spawn_blocking(move || match rec.finish() {
                Ok(summary) => info!(
                    seconds = summary.duration.as_secs_f64(),
                    "the caller's message is kept"
                ),
                Err(e) => warn!(error = %e, "the caller's message could not be finished"),
            });
        }
    }

    fn stop_ringback(&mut self) {
        if std::mem::take(&mut self.ringback) {
            self.media_command(MediaCommand::StopPlayback);
        }
    }

    /// A prompt of the bridge finished on the caller's stream.
    pub(super) fn bridge_prompt_finished(&mut self, id: u32) {
        if id == RINGBACK_ID || id == BEEP_ID {
            return;
        }
        if let Some(b) = self.bridge.as_mut() {
            b.handle_event(BridgeEvent::PromptFinished(PromptId(id - PROMPT_BASE)));
        }
    }

    fn leg(&mut self, phone: usize) -> Option<&mut Leg> {
        self.bridge.as_mut().and_then(|b| b.legs.get_mut(phone))
    }

    /// Sends the INVITE to one phone.
    async fn ring(&mut self, phone: usize) {
        let Some(Phone {
            uri: target,
            destination,
        }) = self.phones.get(phone).cloned()
        else {
            return;
        };
        let (socket, local) = match self.shared.ports.open().await {
            Ok(s) => s,
            Err(e) => {
                warn!(phone, error = %e, "no RTP port for the phone's leg");
                self.phone_failed(phone, 503);
                return;
            }
        };
        let offer = sdp::build_offer(
            local,
            &[Codec::Pcmu, Codec::Pcma],
            Direction::SendRecv,
            self.sdp_session.id,
            1,
        );
        let call = OutgoingCall {
            target: target.clone(),
            from_user: self.caller.clone(),
            from_display: None,
            offer,
            destination,
            ..Default::default()
        };
        match self.shared.endpoint.call(call).await {
            Ok(mut uac) => {
                info!(phone, %target, call_id = %uac.call_id, "ringing the resident's phone");
                let (_, dummy) = mpsc::unbounded_channel();
                let mut events = std::mem::replace(&mut uac.events, dummy);
                if let Some(b) = self.bridge.as_mut() {
                    let tx = b.events_tx.clone();
                    tokio::spawn(async move {
                        while let Some(ev) = events.recv().await {
                            if tx.send((phone, ev)).is_err() {
                                break;
                            }
                        }
                    });
                }
                let session = SdpSession {
                    local,
                    id: self.sdp_session.id,
                    version: 1,
                };
                if let Some(leg) = self.leg(phone) {
                    leg.uac = Some(uac);
                    leg.sdp_session = Some(session);
                    leg.socket = Some(socket);
                }
            }
            Err(e) => {
                warn!(phone, %target, error = %e, "cannot call the resident's phone");
                self.phone_failed(phone, 503);
            }
        }
    }

    fn phone_failed(&mut self, phone: usize, status: u16) {
        if let Some(b) = self.bridge.as_mut() {
            b.handle_event(BridgeEvent::PhoneFailed { phone, status });
        }
    }

    /// Connects the caller's media and the answering phone's, both ways.
    /// Starts the answering phone's stream (once); false when it has no
    /// usable media.
    fn start_leg_media(&mut self, phone: usize) -> bool {
        let seed = self.sdp_session.id ^ phone as u64;
        let Some(leg) = self.leg(phone) else {
            return false;
        };
        if leg.media.is_some() {
            return true;
        }
        let (Some(socket), Some(answer)) = (leg.socket.take(), leg.answer.clone()) else {
            warn!(phone, "phone answered without usable media");
            return false;
        };
        leg.media = Some(MediaSession::start(socket, answer, NoSink, seed));
        true
    }

    /// "Call from <name>. Press 1 to accept, or 2 to reject." to the phone
    /// that answered, and to it only.
    fn announce_to(&mut self, phone: usize) {
        if !self.start_leg_media(phone) {
            return;
        }
        let name: Arc<[i16]> = self
            .name_audio
            .clone()
            .unwrap_or_else(|| Arc::from(Vec::new()));
        let announcement = self.shared.prompts.announcement(&name);
        if let Some(b) = self.bridge.as_mut() {
            b.announcing = Some(phone);
        }
        if let Some(media) = self.leg(phone).and_then(|leg| leg.media.as_ref()) {
            media.command(MediaCommand::StopPlayback);
            media.command(MediaCommand::Play {
                id: ANNOUNCE_ID,
                samples: announcement,
            });
        }
        info!(phone, "announcing the caller to the resident");
    }

    fn connect(&mut self, phone: usize) {
        if let Some(b) = self.bridge.as_mut() {
            b.announcing = None;
        }
        if !self.start_leg_media(phone) {
            return;
        }
        let Some(leg) = self.leg(phone) else { return };
        let Some(phone_media) = leg.media.as_ref() else {
            return;
        };
        phone_media.command(MediaCommand::StopPlayback);
        let (to_caller, to_phone) = relay_pair();
        phone_media.command(to_phone);
        // Whatever was playing to the caller (ringback) stops: the resident
        // is on the line.
        self.ringback = false;
        self.media_command(MediaCommand::StopPlayback);
        self.media_command(to_caller);
        info!(phone, "caller and resident connected");
        // A call already high risk before the resident answered.
        self.warn_resident();
    }
}
