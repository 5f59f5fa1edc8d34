//! Calls the resident's own phones place: authenticated, checked against
//! the line's outbound rules, and — for a verified number such as 101, 159
//! or 999 — placed as a fresh trunk call only after the line has been
//! proved clear of every earlier call (`ivr::lineclear::Callback`).
//!
//! Owns: the runtime side of that callback: digest authentication of the
//! phone's INVITE (the registrar's accounts), the outbound decision and its
//! log line for every attempt, asking every other call on the line to hang
//! up and waiting for each (`line_legs`), answering the phone, the prompt,
//! the trunk call with our credentials, bridging the two, and the call-log
//! row with the proof of clearing. Does not own: the sequencing and its
//! timers (`ivr::lineclear`), SIP (the `sip` crate).
//!
//! Not yet here: the `*55` feature code and the offer after a risky call
//! (both ring the resident back with a spoken menu) are refused with 480.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use ivr::lineclear::{
    Callback, CallbackAction, CallbackEvent, CallbackSettings, ClearAction, Destination, LegState,
    OutboundDecision, OutboundPolicy, Trigger, VerifiedNumbers,
};
use ivr::PromptId;
use sip::media::g711::Codec;
use sip::media::sdp::{self, Direction};
use sip::rtp_session::{relay_pair, MediaCommand, MediaEvent, MediaSession, NoSink};
use sip::uas::{CallEvent, Command};
use sip::{Credentials, IncomingCall, OutgoingCall, UacCommand, UacEvent, UacHandle};
use tokio::time::Instant;
use tracing::{info, warn};

use crate::call::Shared;
use crate::store::{CallKey, NewCall};

/// Each line's verified numbers and outbound rules.
pub struct LineOutbound {
    pub numbers: VerifiedNumbers,
    pub policy: Mutex<OutboundPolicy>,
}

/// Builds every line's outbound rules (the config was validated).
pub fn lines(config: &crate::config::Config) -> HashMap<String, LineOutbound> {
    config
        .lines
        .iter()
        .filter_map(|l| {
            let numbers = crate::config::verified_numbers(&l.verified).ok()?;
            Some((
                l.name.clone(),
                LineOutbound {
                    numbers,
                    policy: Mutex::new(OutboundPolicy::new(l.outbound.policy_config())),
                },
            ))
        })
        .collect()
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether this INVITE comes from one of the resident's phones: its From
/// user is a phone account.
pub fn is_from_phone(shared: &Shared, call: &IncomingCall) -> bool {
    shared.registrar.as_ref().is_some_and(|r| {
        r.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .account(&call.caller)
            .is_some()
    })
}

/// Handles a call placed by one of the resident's phones.
pub async fn handle(call: IncomingCall, shared: Arc<Shared>) {
    let Some(registrar) = shared.registrar.clone() else {
        call.reject(403).await;
        return;
    };
    let verdict = registrar
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .authenticate_request(call.request(), unix_secs());
    let user = match verdict {
        Ok(user) => user,
        Err(reply) => {
            if u16::from(reply.status.clone()) == 403 {
                warn!(from = %call.caller, source = %call.source, dialled = %call.called, "outbound call refused: bad credentials");
            }
            call.reject_with(u16::from(reply.status), reply.headers)
                .await;
            return;
        }
    };
    let line = registrar
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .account(&user)
        .map(|a| a.line.clone())
        .unwrap_or_default();
    let Some(rules) = shared.outbound.get(&line) else {
        call.reject(403).await;
        return;
    };
    let decision = rules
        .policy
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .decide(
            Instant::now().into_std(),
            true,
            &call.called,
            &rules.numbers,
        );
    let entry = match decision {
        OutboundDecision::Refused { reason } => {
            warn!(%line, phone = %user, dialled = %call.called, reason = reason.as_str(), "outbound call refused");
            call.reject(403).await;
            return;
        }
        OutboundDecision::Allowed {
            to: Destination::Verified(entry),
            reason,
        } => {
            info!(%line, phone = %user, dialled = %call.called, ?reason, "outbound call to a verified number");
            entry
        }
        OutboundDecision::Allowed { to, reason } => {
            warn!(%line, phone = %user, dialled = %call.called, ?to, ?reason, "outbound call allowed by the rules but not supported yet: 480");
            call.reject(480).await;
            return;
        }
    };
    let Some(trunk) = shared.config.trunks.iter().find(|t| t.address.is_some()) else {
        warn!(%line, "no trunk with an address to call out through: 503");
        call.reject(503).await;
        return;
    };
    let trunk = trunk.clone();
    dial_verified(call, shared.clone(), line, user, entry, trunk).await;
}

/// Clears the line, then connects the phone's call to verified number
/// `entry` through `trunk`.
async fn dial_verified(
    call: IncomingCall,
    shared: Arc<Shared>,
    line: String,
    user: String,
    entry: usize,
    trunk: crate::config::TrunkConfig,
) {
    let Some(rules) = shared.outbound.get(&line) else {
        return;
    };
    let numbers = &rules.numbers;
    let Some(number) = numbers.normalized(entry).map(str::to_string) else {
        call.reject(500).await;
        return;
    };
    let Some(offer) = call.offer.clone() else {
        call.reject(488).await;
        return;
    };
    let negotiated = match sdp::negotiate(&offer) {
        Ok(n) => n,
        Err(_) => {
            call.reject(488).await;
            return;
        }
    };
    let ip = shared.config.service.media_ip();
    let Ok(phone_socket) = shared.ports.bind(ip).await else {
        call.reject(503).await;
        return;
    };
    let Ok(phone_rtp) = phone_socket.local_addr() else {
        call.reject(503).await;
        return;
    };
    let session_id = fastrand::u64(1..1 << 62);
    let answer = sdp::build_answer(&negotiated, phone_rtp, session_id, 1);

    let key = CallKey::new(&call.call_id);
    shared.store.call_started(
        &key,
        NewCall {
            call_id: call.call_id.clone(),
            line: line.clone(),
            caller: user.clone(),
            called: call.called.clone(),
            started_at: SystemTime::now(),
        },
    );
    shared.store.set_policy(&key, "outbound-verified");

    // Every other call on the line, to be cleared first.
    let legs: Vec<_> = shared
        .legs
        .legs_of(&line)
        .into_iter()
        .map(|l| (l, LegState::Confirmed))
        .collect();
    let mut ended = shared.legs.watch();
    shared.legs.set_clearing(&line, true);
    let now = Instant::now();
    let settings = CallbackSettings::default();
    let mut cb = match Callback::new(
        &settings,
        numbers,
        Trigger::DialledVerified(entry),
        &legs,
        now.into_std(),
    ) {
        Ok(cb) => cb,
        Err(e) => {
            warn!(error = %e, "cannot start the callback");
            shared.legs.set_clearing(&line, false);
            call.reject(500).await;
            return;
        }
    };
    let mut handle = call.start();
    let mut phone_socket = Some(phone_socket);
    let mut phone_media: Option<MediaSession<NoSink>> = None;
    let mut far: Option<UacHandle> = None;
    let mut far_socket = None;
    let mut far_media: Option<MediaSession<NoSink>> = None;
    let mut far_answer: Option<sdp::Negotiated> = None;
    let mut proof: Vec<String> = Vec::new();
    loop {
        while let Some(action) = cb.poll_action() {
            match action {
                CallbackAction::Line(ClearAction::Bye(leg))
                | CallbackAction::Line(ClearAction::Cancel(leg)) => {
                    if !shared.legs.hang_up(leg) {
                        cb.handle_event(Instant::now().into_std(), CallbackEvent::LegEnded(leg));
                    }
                }
                CallbackAction::Line(ClearAction::Abandon(leg)) => {
                    warn!(leg = leg.0, "a leg did not end in time: given up on");
                }
                CallbackAction::Line(ClearAction::RejectNew(_)) => {}
                CallbackAction::Line(ClearAction::Cleared(c)) => {
                    let secs = c.at.saturating_duration_since(now.into_std()).as_millis();
                    info!(
                        leg = c.leg.0,
                        how = c.how.as_str(),
                        after_ms = secs as u64,
                        "leg cleared"
                    );
                    proof.push(format!(
                        "leg {} {} after {} ms",
                        c.leg.0,
                        c.how.as_str(),
                        secs
                    ));
                }
                CallbackAction::Line(ClearAction::LineClear { at }) => {
                    let ms = at.saturating_duration_since(now.into_std()).as_millis();
                    info!(after_ms = ms as u64, "the line is clear");
                    proof.push(format!("line clear after {ms} ms"));
                    shared.legs.set_clearing(&line, false);
                }
                CallbackAction::AnswerResident => {
                    handle
                        .send(Command::Accept {
                            sdp: answer.clone(),
                        })
                        .ok();
                    if let Some(socket) = phone_socket.take() {
                        phone_media = Some(MediaSession::start(
                            socket,
                            negotiated.clone(),
                            NoSink,
                            session_id,
                        ));
                    }
                    shared.store.call_answered(&key, SystemTime::now(), None);
                }
                CallbackAction::Play { id, prompt } => {
                    if let (Some(m), Some(audio)) =
                        (&phone_media, shared.prompts.callback_audio(&prompt))
                    {
                        m.command(MediaCommand::StopPlayback);
                        m.command(MediaCommand::Play {
                            id: id.0,
                            samples: audio,
                        });
                    } else {
                        // Nothing to play: as if it had played.
                        cb.handle_event(
                            Instant::now().into_std(),
                            CallbackEvent::PromptFinished(id),
                        );
                    }
                }
                CallbackAction::Dial { entry: dialled } => {
                    let Some(target_number) = numbers.normalized(dialled).map(str::to_string)
                    else {
                        continue;
                    };
                    proof.push(format!("dialled {target_number}"));
                    match place(&shared, &trunk, &target_number).await {
                        Some((uac, socket)) => {
                            info!(number = %target_number, call_id = %uac.call_id, "calling the verified number through the trunk");
                            far = Some(uac);
                            far_socket = Some(socket);
                        }
                        None => cb.handle_event(
                            Instant::now().into_std(),
                            CallbackEvent::FarFailed { status: 503 },
                        ),
                    }
                }
                CallbackAction::Bridge => {
                    if let (Some(socket), Some(n)) = (far_socket.take(), far_answer.clone()) {
                        let media = MediaSession::start(socket, n, NoSink, session_id ^ 1);
                        let (to_phone, to_far) = relay_pair();
                        media.command(to_far);
                        if let Some(m) = &phone_media {
                            m.command(MediaCommand::StopPlayback);
                            m.command(to_phone);
                        }
                        far_media = Some(media);
                        shared.store.bridged(&key, SystemTime::now(), &number);
                        info!(%number, "the resident is connected to the verified number");
                    }
                }
                CallbackAction::Unbridge => {
                    if let Some(m) = &phone_media {
                        m.command(MediaCommand::Unrelay);
                    }
                    far_media = None;
                }
                CallbackAction::CancelFar | CallbackAction::ByeFar => {
                    if let Some(uac) = &far {
                        uac.send(UacCommand::Hangup).ok();
                    }
                }
                CallbackAction::ByeResident | CallbackAction::CancelResident => {
                    handle.send(Command::Hangup).ok();
                }
                CallbackAction::RingResident => {}
                CallbackAction::Log(record) => info!(?record, "callback"),
                CallbackAction::Finished => {}
            }
        }
        if cb.is_finished() {
            break;
        }
        let deadline = cb.poll_timeout().map(Instant::from_std);
        tokio::select! {
            Some(leg) = ended.recv() => cb.handle_event(Instant::now().into_std(), CallbackEvent::LegEnded(leg)),
            ev = handle.events.recv() => match ev {
                Some(CallEvent::PeerHungUp) | Some(CallEvent::Cancelled) | None => {
                    shared.store.set_hangup_by(&key, "resident");
                    cb.handle_event(Instant::now().into_std(), CallbackEvent::ResidentHungUp);
                }
                Some(CallEvent::HangupDone { .. }) | Some(CallEvent::AckTimeout) | Some(CallEvent::SessionExpired) => {
                    cb.handle_event(Instant::now().into_std(), CallbackEvent::ResidentGone);
                }
                Some(CallEvent::InfoDtmf(d)) => cb.handle_event(Instant::now().into_std(), CallbackEvent::Dtmf(d)),
                Some(CallEvent::ReInvite { .. }) => {
                    handle.send(Command::AnswerReInvite { status: 488, sdp: None }).ok();
                }
                Some(CallEvent::Confirmed) => {}
            },
            Some(ev) = uac_event(&mut far) => match ev {
                UacEvent::Answered { answer } => {
                    far_answer = sdp::parse_answer(&answer).ok();
                    cb.handle_event(Instant::now().into_std(), CallbackEvent::FarAnswered);
                }
                UacEvent::Failed { status } => cb.handle_event(Instant::now().into_std(), CallbackEvent::FarFailed { status }),
                UacEvent::Timeout => cb.handle_event(Instant::now().into_std(), CallbackEvent::FarFailed { status: 408 }),
                UacEvent::PeerHungUp => {
                    shared.store.set_hangup_by(&key, "far end");
                    cb.handle_event(Instant::now().into_std(), CallbackEvent::FarHungUp);
                }
                UacEvent::HangupDone { .. } => cb.handle_event(Instant::now().into_std(), CallbackEvent::FarGone),
                UacEvent::ReInvite { .. } => {
                    if let Some(uac) = &far {
                        uac.send(UacCommand::AnswerReInvite { status: 488, sdp: None }).ok();
                    }
                }
                UacEvent::Progress(_) | UacEvent::InfoDtmf(_) => {}
            },
            Some(ev) = media_event(&mut phone_media) => match ev {
                MediaEvent::PlaybackFinished(id) => cb.handle_event(Instant::now().into_std(), CallbackEvent::PromptFinished(PromptId(id))),
                MediaEvent::Dtmf(d) => cb.handle_event(Instant::now().into_std(), CallbackEvent::Dtmf(d)),
                _ => {}
            },
            () = sleep_until(deadline) => cb.handle_timeout(Instant::now().into_std()),
        }
    }
    shared.legs.set_clearing(&line, false);
    let report = cb.report();
    info!(?report, "callback finished");
    shared
        .store
        .set_outcome(&key, report.result.map_or("unfinished", |r| r.as_str()));
    proof.insert(
        0,
        format!(
            "callback started after the line was clear: {}",
            report
                .started_at
                .is_some_and(|s| report.line_clear_at.is_some_and(|c| s >= c))
        ),
    );
    shared.store.set_callback(&key, &proof.join("; "));
    drop(far_media);
    if let Some(m) = phone_media.take() {
        m.stop().await;
    }
    shared
        .store
        .call_ended(&key, SystemTime::now(), "callback ended");
}

/// The trunk call to `number`, with its RTP socket.
async fn place(
    shared: &Shared,
    trunk: &crate::config::TrunkConfig,
    number: &str,
) -> Option<(UacHandle, tokio::net::UdpSocket)> {
    let address = trunk.address.as_deref()?;
    let host = address.strip_prefix("sip:")?;
    let target = format!("sip:{number}@{host}");
    let ip = shared.config.service.media_ip();
    let socket = shared.ports.bind(ip).await.ok()?;
    let local = socket.local_addr().ok()?;
    let offer = sdp::build_offer(
        local,
        &[Codec::Pcmu, Codec::Pcma],
        Direction::SendRecv,
        fastrand::u64(1..1 << 62),
        1,
    );
    let credentials = match (&trunk.username, &trunk.password) {
        (Some(u), Some(p)) => Some(Credentials {
            username: u.clone(),
            password: p.clone(),
        }),
        _ => None,
    };
    let call = OutgoingCall {
        target,
        from_user: trunk
            .username
            .clone()
            .unwrap_or_else(|| "linewarden".into()),
        from_display: None,
        offer,
        credentials,
        ..Default::default()
    };
    match shared.endpoint.call(call).await {
        Ok(uac) => Some((uac, socket)),
        Err(e) => {
            warn!(error = %e, "cannot call out through the trunk");
            None
        }
    }
}

async fn uac_event(far: &mut Option<UacHandle>) -> Option<UacEvent> {
    match far {
        Some(uac) => uac.events.recv().await,
        None => std::future::pending().await,
    }
}

async fn media_event(media: &mut Option<MediaSession<NoSink>>) -> Option<MediaEvent> {
    match media {
        Some(m) => m.events.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
