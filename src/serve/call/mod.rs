//! One screened call, from INVITE to the end: the glue between the SIP
//! dialog, the RTP stream, the sans-IO screening state machine, the recording
//! and the call log.
//!
//! Owns: turning dialog and media events into `ivr` events (with `now`),
//! carrying out the actions the state machine returns, sleeping until its
//! next deadline, and finishing the recording and the log row whatever way
//! the call ends (caller hangs up, we hang up, shutdown). Does not own: any
//! screening decision (the `ivr` crate's) or SIP/RTP mechanics (the `sip`
//! crate's).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ivr::tagging::Speaker;
use ivr::{Action, BridgeEvent, Event, PromptId, ScreeningCall};
use sip::media::sdp;
use sip::rtp_session::{MediaEvent, MediaSession};
use sip::{CallEvent, CallHandle, IncomingCall};
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{info, info_span, warn, Instrument};

use crate::store::{CallKey, NewCall};

mod actions;
mod bridge;
mod name;
mod sink;
mod tagging;
mod wait;

pub use crate::serve::shared::{Phone, Shared};
use crate::serve::wait::sleep_until;
use sink::{Sink, VoicemailSlot};
use wait::{media_event, next_name, phone_event};

/// Handles one incoming call to its end.
pub async fn run(
    incoming: IncomingCall,
    shared: Arc<Shared>,
    seed: u64,
    shutdown: watch::Receiver<bool>,
) {
    let span = info_span!("call", call_id = %incoming.call_id);
    run_inner(incoming, shared, seed, shutdown)
        .instrument(span)
        .await
}

async fn run_inner(
    incoming: IncomingCall,
    shared: Arc<Shared>,
    seed: u64,
    mut shutdown: watch::Receiver<bool>,
) {
    let Some(line) = shared.config.line_for(&incoming.called).cloned() else {
        info!(called = %incoming.called, "no line answers this number: 404");
        incoming.reject(404).await;
        return;
    };
    if shared.legs.is_clearing(&line.name) {
        info!(line = %line.name, "the line is being cleared for a callback: 486");
        incoming.reject(486).await;
        return;
    }
    let (_leg, clear_rx, _leg_guard) = shared.legs.register(&line.name);
    let decision =
        shared
            .policies
            .decide_live(&line.name, &incoming.caller, crate::time::now_millis());
    let mut rng = fastrand::Rng::with_seed(seed);
    let ivr = ScreeningCall::start(
        &line.screening.challenge_settings(),
        &decision,
        &mut rng,
        Instant::now().into_std(),
    );
    if ivr.is_finished() {
        // Refused without an answer: logged, never rung, never answered.
        declined(incoming, ivr, &line.name, &decision, &shared).await;
        return;
    }
    let Some(offer) = incoming.offer.clone() else {
        info!("INVITE without an SDP offer: 488");
        incoming.reject(488).await;
        return;
    };
    let negotiated = match sdp::negotiate(&offer) {
        Ok(n) => n,
        Err(e) => {
            info!(error = %e, "unusable SDP offer: 488");
            incoming.reject(488).await;
            return;
        }
    };
    let media_ip = shared.config.service.media_ip();
    let socket = match shared.ports.bind(media_ip).await {
        Ok(s) => s,
        Err(e) => {
            warn!(error = %e, "no RTP port: 503");
            incoming.reject(503).await;
            return;
        }
    };
    let Ok(rtp_local) = socket.local_addr() else {
        incoming.reject(503).await;
        return;
    };
    let session_id = rng.u64(1..1 << 62);
    let answer = sdp::build_answer(&negotiated, rtp_local, session_id, 1);

    let started = SystemTime::now();
    let key = log_call_start(&shared, &incoming, &line.name, &decision, started);
    info!(line = %line.name, caller = %incoming.caller, called = %incoming.called, policy = %decision, codec = ?negotiated.codec, %rtp_local, "screening call");

    let incoming_caller = incoming.caller.clone();
    let suspicious = crate::policy::suspicious_evidence(&incoming_caller, &decision);
    let incoming_call_id = incoming.call_id.clone();
    let handle = incoming.start();
    let mut flow = Flow {
        ivr,
        handle,
        media: None,
        unanswered: Some(Unanswered {
            socket,
            negotiated,
            answer,
            record: line.screening.record.then(|| line.name.clone()),
            started,
            media_seed: rng.u64(..),
        }),
        shared: shared.clone(),
        key: key.clone(),
        sdp_session: SdpSession {
            local: rtp_local,
            id: session_id,
            version: 1,
        },
        hangup_sent: None,
        bye_wait: BYE_WAIT,
        caller: incoming_caller,
        line: line.name.clone(),
        static_phones: line.phones.clone(),
        phones: Vec::new(),
        ring_timeout: Duration::from_secs(line.ring_timeout_secs),
        bridge: None,
        ringback: false,
        tagging: tagging::CallTagging::new(suspicious, incoming_call_id),
        alerts: line.alerts.clone(),
        voicemail: line.voicemail,
        message: VoicemailSlot::default(),
        started,
        name_slot: name::NameSlot::default(),
        name_rx: None,
        name_audio: None,
        announce: line.screening.ask_name,
        clear_rx,
    };
    let end_reason = flow.drive(&mut shutdown).await;
    flow.end_tagging();
    // A message still being left when the call ended (shutdown).
    let message = flow
        .message
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some(rec) = message {
        tokio::task::spawn_blocking(move || rec.finish()).await.ok();
    }

    if let Some(media) = flow.media.take() {
        if let Some(Sink {
            recording: Some(rec),
            ..
        }) = media.stop().await
        {
            match tokio::task::spawn_blocking(move || rec.finish()).await {
                Ok(Ok(summary)) => {
                    if summary.disk_full {
                        shared
                            .store
                            .set_recording_note(&key, "recording stopped: disk full");
                    }
                    info!(frames = summary.frames, path = %summary.path.display(), "recording finished")
                }
                Ok(Err(e)) => warn!(error = %e, "recording could not be finished"),
                Err(e) => warn!(error = %e, "recording task failed"),
            }
        }
    }
    shared.store.call_ended(&key, SystemTime::now(), end_reason);
    info!(end_reason, "call ended");
    // After a risky call, once this call is off the line: the offer.
    let trigger = flow.tagging.after_call();
    drop(_leg_guard);
    if let (Some(trigger), true) = (trigger, line.outbound.offer_after_risky_calls) {
        if end_reason != "shutdown" && end_reason != "line cleared" {
            tokio::spawn(crate::serve::lineclear::offer_after(
                shared.clone(),
                line.name.clone(),
                trigger,
            ));
        }
    }
}

/// Our side of one leg's SDP session: where our RTP is, and the session id
/// and version we put in `o=` (the version goes up with each new answer).
#[derive(Clone, Copy, Debug)]
pub(super) struct SdpSession {
    pub(super) local: std::net::SocketAddr,
    pub(super) id: u64,
    pub(super) version: u64,
}

impl SdpSession {
    /// Answers a re-INVITE's offer (hold, unhold, new media): the status,
    /// our SDP answer, and the new negotiation for the leg's stream. No offer,
    /// or one we cannot take, is 488.
    pub(super) fn answer_reinvite(
        &mut self,
        offer: Option<&[u8]>,
    ) -> (u16, Option<String>, Option<sdp::Negotiated>) {
        match offer.map(sdp::negotiate) {
            Some(Ok(n)) => {
                self.version += 1;
                let answer = sdp::build_answer(&n, self.local, self.id, self.version);
                info!(direction = ?n.remote_direction, "re-INVITE answered");
                (200, Some(answer), Some(n))
            }
            Some(Err(e)) => {
                info!(error = %e, "re-INVITE refused: 488");
                (488, None, None)
            }
            // Without an offer we would have to offer in the 200 and read
            // the answer in the ACK.
            None => (488, None, None),
        }
    }
}

/// Logs the start of a call and the policy's decision about it.
fn log_call_start(
    shared: &Shared,
    incoming: &IncomingCall,
    line: &str,
    decision: &ivr::Decision,
    started: SystemTime,
) -> CallKey {
    let key = CallKey::new(&incoming.call_id);
    shared.store.call_started(
        &key,
        NewCall {
            call_id: incoming.call_id.clone(),
            line: line.to_string(),
            caller: incoming.caller.clone(),
            called: incoming.called.clone(),
            started_at: started,
        },
    );
    if let Some(name) = &incoming.caller_display {
        shared.store.set_caller_name(&key, name);
    }
    log_policy(shared, &key, decision);
    key
}

/// Records the policy's decision, and its tag, in the call log.
fn log_policy(shared: &Shared, key: &CallKey, decision: &ivr::Decision) {
    shared.store.set_policy(key, decision.as_str());
    if let Some(tag) = decision.tag() {
        shared.store.add_tag(key, tag);
    }
}

/// A call the policy refuses without answering: the state machine's
/// outcome goes in the log and the caller gets 603 Decline.
async fn declined(
    incoming: IncomingCall,
    mut ivr: ScreeningCall,
    line: &str,
    decision: &ivr::Decision,
    shared: &Shared,
) {
    let key = log_call_start(shared, &incoming, line, decision, SystemTime::now());
    let mut decline = false;
    while let Some(action) = ivr.poll_action() {
        match action {
            Action::Outcome(outcome) => shared.store.set_outcome(&key, outcome.as_str()),
            Action::Decline => decline = true,
            _ => {}
        }
    }
    info!(%line, caller = %incoming.caller, policy = %decision, "caller refused: 603");
    if decline {
        incoming.reject(603).await;
    }
    shared.store.call_ended(&key, SystemTime::now(), "declined");
}

/// What answering needs, kept until the state machine says to answer.
struct Unanswered {
    socket: tokio::net::UdpSocket,
    negotiated: sdp::Negotiated,
    answer: String,
    /// The line's name when its calls are recorded.
    record: Option<String>,
    started: SystemTime,
    media_seed: u64,
}

struct Flow {
    ivr: ScreeningCall,
    handle: CallHandle,
    /// The RTP stream, from the answer on.
    media: Option<MediaSession<Sink>>,
    unanswered: Option<Unanswered>,
    shared: Arc<Shared>,
    key: CallKey,
    /// Our side of the caller's SDP session.
    sdp_session: SdpSession,
    /// When our BYE went out; the call is then only waiting for its answer.
    hangup_sent: Option<Instant>,
    /// How long to wait for the answer to our BYE.
    bye_wait: Duration,
    /// The caller's number, as presented to the resident's phones.
    caller: String,
    /// The line's name, for its registered phones.
    line: String,
    /// The line's phones with fixed addresses.
    static_phones: Vec<String>,
    /// The phones being rung, fixed and registered, taken when ringing
    /// starts; and how long they ring.
    phones: Vec<Phone>,
    ring_timeout: Duration,
    /// Connecting the caller to the resident, once the screening allows it.
    bridge: Option<bridge::Bridging>,
    /// The ringback tone is queued on the caller's stream.
    ringback: bool,
    /// Listening to the call, and reacting to what is heard.
    tagging: tagging::CallTagging,
    /// The line's reactions to a risky call.
    alerts: crate::config::AlertsConfig,
    /// The line takes messages when nobody answers.
    voicemail: bool,
    /// The caller's message, while being left.
    message: VoicemailSlot,
    /// When the call started, to name files.
    started: SystemTime,
    /// The caller's name being recorded, where it arrives, and the name.
    name_slot: name::NameSlot,
    name_rx: Option<tokio::sync::mpsc::UnboundedReceiver<Vec<i16>>>,
    name_audio: Option<Arc<[i16]>>,
    /// The resident hears the caller's name and accepts or rejects.
    announce: bool,
    /// A line-clear callback asks this call to hang up.
    clear_rx: tokio::sync::mpsc::UnboundedReceiver<()>,
}

/// How long we wait for the answer to our BYE before giving up on the
/// dialog (rsipstack's own timer F is 32 s; the media is already stopped).
const BYE_WAIT: Duration = Duration::from_secs(34);

impl Flow {
    /// Runs the call until it is over; returns why it ended.
    async fn drive(&mut self, shutdown: &mut watch::Receiver<bool>) -> &'static str {
        let mut end_reason = None;
        loop {
            if let Some(reason) = self.apply_actions() {
                end_reason.get_or_insert(reason);
            }
            self.apply_bridge_actions().await;
            if self.bridge.as_ref().is_some_and(|b| b.finished) {
                return end_reason.unwrap_or("bridge ended");
            }
            // Once bridging, its machine bounds every leg's teardown.
            let deadline = match (&self.bridge, self.hangup_sent) {
                (Some(b), _) => b.poll_timeout(),
                (None, Some(at)) => Some(at + self.bye_wait),
                (None, None) => self.ivr.poll_timeout().map(Instant::from_std),
            };
            let tag_deadline = self.tagging.poll_timeout();
            tokio::select! {
                ev = self.handle.events.recv() => match ev {
                    Some(CallEvent::Confirmed) => {}
                    Some(CallEvent::InfoDtmf(d)) => {
                        self.tag_key(Speaker::Caller, d);
                        self.event(Event::Dtmf(d));
                    }
                    Some(CallEvent::ReInvite { offer }) => self.reinvite(offer),
                    Some(CallEvent::PeerHungUp) | Some(CallEvent::Cancelled) => {
                        self.shared.store.set_hangup_by(&self.key, "caller");
                        self.event(Event::CallerHungUp);
                        self.apply_actions();
                        match self.bridge.as_mut() {
                            Some(b) => {
                                b.handle_event(BridgeEvent::CallerHungUp);
                                end_reason.get_or_insert("caller hung up");
                            }
                            None => return end_reason.unwrap_or("caller hung up"),
                        }
                    }
                    Some(CallEvent::AckTimeout) => {
                        self.event(Event::CallerHungUp);
                        end_reason.get_or_insert("no ACK");
                    }
                    Some(CallEvent::SessionExpired) => {
                        self.shared.store.set_hangup_by(&self.key, "service");
                        self.event(Event::CallerHungUp);
                        end_reason.get_or_insert("session expired");
                    }
                    Some(CallEvent::HangupDone { status }) => {
                        info!(?status, "BYE completed");
                        match self.bridge.as_mut() {
                            Some(b) => {
                                b.handle_event(BridgeEvent::CallerGone);
                                end_reason.get_or_insert("we hung up");
                            }
                            None => return end_reason.unwrap_or("we hung up"),
                        }
                    }
                    None => match self.bridge.as_mut() {
                        Some(b) if !b.finished => {
                            b.handle_event(BridgeEvent::CallerGone);
                            end_reason.get_or_insert("dialog ended");
                        }
                        _ => return end_reason.unwrap_or("dialog ended"),
                    },
                },
                Some(input) = phone_event(&mut self.bridge) => match input {
                    bridge::PhoneInput::Sip(phone, ev) => {
                        let key = self.bridge.as_mut().and_then(|b| b.on_phone_event(phone, ev));
                        if let Some(d) = key {
                            self.tag_key(Speaker::Resident, d);
                        }
                    }
                    bridge::PhoneInput::Key(d) => self.tag_key(Speaker::Resident, d),
                    other => {
                        if let Some(b) = self.bridge.as_mut() {
                            b.on_announce_input(other);
                        }
                    }
                },
                Some(heard) = tagging::next_words(&mut self.tagging) => self.on_words(heard),
                Some(name) = next_name(&mut self.name_rx) => {
                    info!(seconds = name.len() as f64 / 8000.0, "caller's name recorded");
                    self.name_audio = Some(name.into());
                    self.name_rx = None;
                    self.event(Event::NameRecorded);
                }
                () = sleep_until(tag_deadline) => self.tagging_timeout(),
                Some(ev) = media_event(&mut self.media) => match ev {
                    MediaEvent::Dtmf(d) => {
                        self.tag_key(Speaker::Caller, d);
                        self.event(Event::Dtmf(d));
                    }
                    MediaEvent::PlaybackFinished(id) if id >= bridge::PROMPT_BASE => {
                        self.bridge_prompt_finished(id);
                    }
                    MediaEvent::PlaybackFinished(id) => self.event(Event::PromptFinished(PromptId(id))),
                    MediaEvent::DtmfSent(_) | MediaEvent::DtmfNotSent { .. } => {}
                },
                _ = sleep_until(deadline) => {
                    if let Some(b) = self.bridge.as_mut() {
                        b.handle_timeout();
                        continue;
                    }
                    if self.hangup_sent.is_some() {
                        return end_reason.unwrap_or("BYE unanswered");
                    }
                    self.ivr.handle_timeout(Instant::now().into_std());
                }
                Some(()) = self.clear_rx.recv(), if end_reason.is_none() => {
                    info!("clearing the line for a callback: hanging up");
                    end_reason = Some("line cleared");
                    self.shared.store.set_hangup_by(&self.key, "service");
                    if let Some(b) = self.bridge.as_mut() {
                        b.handle_event(BridgeEvent::CallerHungUp);
                    }
                    self.hangup();
                }
                changed = shutdown.changed(), if end_reason.is_none() => {
                    if changed.is_err() || *shutdown.borrow() {
                        info!("shutting down: hanging up");
                        end_reason = Some("shutdown");
                        self.bye_wait = self.shared.config.service.shutdown_grace();
                        // A bridged or ringing resident's leg ends too: to
                        // the bridge it is as if the caller had left.
                        if let Some(b) = self.bridge.as_mut() {
                            b.handle_event(BridgeEvent::CallerHungUp);
                        }
                        self.hangup();
                    }
                }
            }
        }
    }
}
