//! Running one line-clear callback: `ivr::lineclear::Callback`'s actions
//! carried out on real calls, its events fed back.
//!
//! Owns: the resident's leg — either the call the resident's phone placed
//! (a dialled verified number: answered once the line is clear) or a fresh
//! call ringing the line's phones (the `*55` code, or the offer after a
//! risky call: from linewarden's own identity, first phone to answer
//! wins) — the prompts and menu on it, the trunk call to the chosen
//! verified number with our credentials, bridging the two, asking every
//! other call on the line to hang up (`line_legs`), and the call-log row
//! with the proof of clearing. Does not own: the sequencing and its timers
//! (`ivr::lineclear`), deciding whether a call may go out (`mod.rs`).

use std::sync::Arc;
use std::time::SystemTime;

use ivr::lineclear::{
    Callback, CallbackAction, CallbackEvent, CallbackSettings, ClearAction, LegState, Trigger,
};
use ivr::PromptId;
use sip::media::g711::Codec;
use sip::media::sdp::{self, Direction, Negotiated};
use sip::rtp_session::{relay_pair, MediaCommand, MediaEvent, MediaSession, NoSink};
use sip::uas::{CallEvent, CallHandle, Command};
use sip::{Credentials, IncomingCall, OutgoingCall, UacCommand, UacEvent, UacHandle};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{info, warn};

use super::{media_event, uac_event};
use crate::serve::shared::Shared;
use crate::serve::wait::sleep_until;
use crate::store::{CallKey, NewCall};

/// The resident's side of a callback.
pub enum Resident {
    /// The call the resident's phone placed (to a verified number).
    Placed(Box<IncomingCall>),
    /// Ring the line's phones afresh.
    RingBack,
}

/// Our end of one phone call placed to ring the resident.
struct Ring {
    uac: UacHandle,
    socket: Option<UdpSocket>,
}

/// Runs one callback on `line` to its end. `who` names the phone account
/// that asked (for the log); `called` what was dialled.
pub async fn run(
    shared: Arc<Shared>,
    line: String,
    who: String,
    called: String,
    trigger: Trigger,
    resident: Resident,
) {
    let Some(rules) = shared.outbound.get(&line) else {
        return;
    };
    let numbers = &rules.numbers;
    let trunk = shared
        .config
        .trunks
        .iter()
        .find(|t| t.address.is_some())
        .cloned();
    let session_id = fastrand::u64(1..1 << 62);

    // The resident's leg, as far as it can be set up before clearing.
    let mut placed: Option<(CallHandle, String, Negotiated, Option<UdpSocket>)> = None;
    let call_id = match &resident {
        Resident::Placed(call) => call.call_id.clone(),
        Resident::RingBack => format!("callback-{:016x}", fastrand::u64(..)),
    };
    if let Resident::Placed(call) = resident {
        let call = *call;
        let negotiated = call.offer.as_deref().map(sdp::negotiate);
        let (Some(Ok(negotiated)), Ok((socket, local))) = (negotiated, shared.ports.open().await)
        else {
            call.reject(488).await;
            return;
        };
        let answer = sdp::build_answer(&negotiated, local, session_id, 1);
        placed = Some((call.start(), answer, negotiated, Some(socket)));
    }

    let key = CallKey::new(&call_id);
    shared.store.call_started(
        &key,
        NewCall {
            call_id,
            line: line.clone(),
            caller: who,
            called,
            started_at: SystemTime::now(),
        },
    );
    shared
        .store
        .set_policy(&key, &format!("callback-{}", trigger.as_str()));

    let legs: Vec<_> = shared
        .legs
        .legs_of(&line)
        .into_iter()
        .map(|l| (l, LegState::Confirmed))
        .collect();
    let mut ended = shared.legs.watch();
    shared.legs.set_clearing(&line, true);
    let started = Instant::now();
    let mut cb = match Callback::new(
        &CallbackSettings::default(),
        numbers,
        trigger,
        &legs,
        started.into_std(),
    ) {
        Ok(cb) => cb,
        Err(e) => {
            warn!(error = %e, "cannot start the callback");
            shared.legs.set_clearing(&line, false);
            if let Some((handle, ..)) = &placed {
                handle.send(Command::Reject { status: 500 }).ok();
            }
            shared
                .store
                .call_ended(&key, SystemTime::now(), "callback failed");
            return;
        }
    };

    let mut resident_media: Option<MediaSession<NoSink>> = None;
    let mut rings: Vec<Ring> = Vec::new();
    let (ring_tx, mut ring_rx) = mpsc::unbounded_channel::<(usize, UacEvent)>();
    let mut ring_failures = 0usize;
    let mut answered_ring: Option<usize> = None;
    let mut far: Option<UacHandle> = None;
    let mut far_socket: Option<UdpSocket> = None;
    let mut far_answer: Option<Negotiated> = None;
    let mut far_media: Option<MediaSession<NoSink>> = None;
    let mut proof: Vec<String> = Vec::new();
    let mut dialled_number: Option<String> = None;
    let now = || Instant::now().into_std();

    loop {
        while let Some(action) = cb.poll_action() {
            match action {
                CallbackAction::Line(ClearAction::Bye(leg))
                | CallbackAction::Line(ClearAction::Cancel(leg)) => {
                    if !shared.legs.hang_up(leg) {
                        cb.handle_event(now(), CallbackEvent::LegEnded(leg));
                    }
                }
                CallbackAction::Line(ClearAction::Abandon(leg)) => {
                    warn!(
                        leg = leg.0,
                        "a call on the line did not end in time: given up on"
                    );
                }
                CallbackAction::Line(ClearAction::RejectNew(_)) => {}
                CallbackAction::Line(ClearAction::Cleared(c)) => {
                    let ms =
                        c.at.saturating_duration_since(started.into_std())
                            .as_millis();
                    info!(
                        leg = c.leg.0,
                        how = c.how.as_str(),
                        after_ms = ms as u64,
                        "call cleared off the line"
                    );
                    proof.push(format!("leg {} {} after {ms} ms", c.leg.0, c.how.as_str()));
                }
                CallbackAction::Line(ClearAction::LineClear { at }) => {
                    let ms = at.saturating_duration_since(started.into_std()).as_millis();
                    info!(after_ms = ms as u64, "the line is clear");
                    proof.push(format!("line clear after {ms} ms"));
                    shared.legs.set_clearing(&line, false);
                }
                CallbackAction::AnswerResident => {
                    if let Some((handle, answer, negotiated, socket)) = placed.as_mut() {
                        handle
                            .send(Command::Accept {
                                sdp: answer.clone(),
                            })
                            .ok();
                        if let Some(socket) = socket.take() {
                            resident_media = Some(MediaSession::start(
                                socket,
                                negotiated.clone(),
                                NoSink,
                                session_id,
                            ));
                        }
                        shared.store.call_answered(&key, SystemTime::now(), None);
                    }
                }
                CallbackAction::RingResident => {
                    let phones = shared.phones(&line, &line_phones(&shared, &line));
                    for (i, phone) in phones.into_iter().enumerate() {
                        let Ok((socket, local)) = shared.ports.open().await else {
                            continue;
                        };
                        let call = OutgoingCall {
                            target: phone.uri.clone(),
                            from_user: "linewarden".into(),
                            from_display: Some("Call guard".into()),
                            offer: sdp::build_offer(
                                local,
                                &[Codec::Pcmu, Codec::Pcma],
                                Direction::SendRecv,
                                session_id,
                                1,
                            ),
                            destination: phone.destination,
                            ..Default::default()
                        };
                        match shared.endpoint.call(call).await {
                            Ok(mut uac) => {
                                info!(phone = %phone.uri, "ringing the resident back");
                                let (_, none) = mpsc::unbounded_channel();
                                let mut events = std::mem::replace(&mut uac.events, none);
                                let tx = ring_tx.clone();
                                let index = rings.len();
                                tokio::spawn(async move {
                                    while let Some(ev) = events.recv().await {
                                        if tx.send((index, ev)).is_err() {
                                            break;
                                        }
                                    }
                                });
                                rings.push(Ring {
                                    uac,
                                    socket: Some(socket),
                                });
                            }
                            Err(e) => warn!(phone = i, error = %e, "cannot ring the resident"),
                        }
                    }
                    if rings.is_empty() {
                        cb.handle_event(now(), CallbackEvent::ResidentFailed { status: 480 });
                    }
                }
                CallbackAction::CancelResident | CallbackAction::ByeResident => {
                    if let Some((handle, ..)) = &placed {
                        handle.send(Command::Hangup).ok();
                    }
                    for ring in &rings {
                        ring.uac.send(UacCommand::Hangup).ok();
                    }
                }
                CallbackAction::Play { id, prompt } => {
                    match (
                        &resident_media,
                        shared.prompts.callback_audio(&prompt, numbers),
                    ) {
                        (Some(m), Some(audio)) => {
                            m.command(MediaCommand::StopPlayback);
                            m.command(MediaCommand::Play {
                                id: id.0,
                                samples: audio,
                            });
                        }
                        // Nothing to play it on: as if it had played.
                        _ => cb.handle_event(now(), CallbackEvent::PromptFinished(id)),
                    }
                }
                CallbackAction::Dial { entry } => {
                    let Some(number) = numbers.normalized(entry).map(str::to_string) else {
                        continue;
                    };
                    proof.push(format!("dialled {number}"));
                    shared
                        .store
                        .set_outcome(&key, &format!("dialling {number}"));
                    let placed_far = match &trunk {
                        Some(t) => place(&shared, t, &number).await,
                        None => None,
                    };
                    match placed_far {
                        Some((uac, socket)) => {
                            info!(%number, call_id = %uac.call_id, "calling the verified number through the trunk");
                            far = Some(uac);
                            far_socket = Some(socket);
                            dialled_number = Some(number);
                        }
                        None => {
                            warn!(%number, "no trunk call could be placed");
                            cb.handle_event(now(), CallbackEvent::FarFailed { status: 503 });
                        }
                    }
                }
                CallbackAction::Bridge => {
                    if let (Some(socket), Some(n)) = (far_socket.take(), far_answer.clone()) {
                        let media = MediaSession::start(socket, n, NoSink, session_id ^ 1);
                        let (to_resident, to_far) = relay_pair();
                        media.command(to_far);
                        if let Some(m) = &resident_media {
                            m.command(MediaCommand::StopPlayback);
                            m.command(to_resident);
                        }
                        far_media = Some(media);
                        let number = dialled_number.clone().unwrap_or_default();
                        shared.store.bridged(&key, SystemTime::now(), &number);
                        info!(%number, "the resident is connected to the verified number");
                    }
                }
                CallbackAction::Unbridge => {
                    if let Some(m) = &resident_media {
                        m.command(MediaCommand::Unrelay);
                    }
                    far_media = None;
                }
                CallbackAction::CancelFar | CallbackAction::ByeFar => {
                    if let Some(uac) = &far {
                        uac.send(UacCommand::Hangup).ok();
                    }
                }
                CallbackAction::Log(record) => info!(?record, "callback"),
                CallbackAction::Finished => {}
            }
        }
        if cb.is_finished() {
            break;
        }
        let deadline = cb.poll_timeout().map(Instant::from_std);
        tokio::select! {
            Some(leg) = ended.recv() => cb.handle_event(now(), CallbackEvent::LegEnded(leg)),
            ev = placed_event(&mut placed) => match ev {
                Some(CallEvent::PeerHungUp) | Some(CallEvent::Cancelled) | None => {
                    shared.store.set_hangup_by(&key, "resident");
                    cb.handle_event(now(), CallbackEvent::ResidentHungUp);
                    placed = None;
                }
                Some(CallEvent::HangupDone { .. }) | Some(CallEvent::AckTimeout) | Some(CallEvent::SessionExpired) => {
                    cb.handle_event(now(), CallbackEvent::ResidentGone);
                    placed = None;
                }
                Some(CallEvent::InfoDtmf(d)) => cb.handle_event(now(), CallbackEvent::Dtmf(d)),
                Some(CallEvent::ReInvite { .. }) => {
                    if let Some((handle, ..)) = &placed {
                        handle.send(Command::AnswerReInvite { status: 488, sdp: None }).ok();
                    }
                }
                Some(CallEvent::Confirmed) => {}
            },
            Some((i, ev)) = ring_rx.recv() => match ev {
                UacEvent::Answered { answer } if answered_ring.is_none() => {
                    answered_ring = Some(i);
                    // First to answer wins; the others stop ringing.
                    for (j, ring) in rings.iter().enumerate() {
                        if j != i {
                            ring.uac.send(UacCommand::Hangup).ok();
                        }
                    }
                    let socket = rings.get_mut(i).and_then(|r| r.socket.take());
                    if let (Some(socket), Ok(n)) = (socket, sdp::parse_answer(&answer)) {
                        resident_media = Some(MediaSession::start(socket, n, NoSink, session_id));
                    }
                    shared.store.call_answered(&key, SystemTime::now(), None);
                    cb.handle_event(now(), CallbackEvent::ResidentAnswered);
                }
                UacEvent::Answered { .. } => {
                    if let Some(ring) = rings.get(i) {
                        ring.uac.send(UacCommand::Hangup).ok();
                    }
                }
                UacEvent::Failed { status } if answered_ring.is_none() => {
                    ring_failures += 1;
                    if ring_failures >= rings.len() {
                        cb.handle_event(now(), CallbackEvent::ResidentFailed { status });
                    }
                }
                UacEvent::Timeout if answered_ring.is_none() => {
                    ring_failures += 1;
                    if ring_failures >= rings.len() {
                        cb.handle_event(now(), CallbackEvent::ResidentFailed { status: 408 });
                    }
                }
                UacEvent::PeerHungUp if answered_ring == Some(i) => {
                    shared.store.set_hangup_by(&key, "resident");
                    cb.handle_event(now(), CallbackEvent::ResidentHungUp);
                }
                UacEvent::HangupDone { .. } if answered_ring == Some(i) || answered_ring.is_none() => {
                    cb.handle_event(now(), CallbackEvent::ResidentGone);
                }
                UacEvent::InfoDtmf(d) if answered_ring == Some(i) => {
                    cb.handle_event(now(), CallbackEvent::Dtmf(d));
                }
                UacEvent::ReInvite { .. } => {
                    if let Some(ring) = rings.get(i) {
                        ring.uac.send(UacCommand::AnswerReInvite { status: 488, sdp: None }).ok();
                    }
                }
                _ => {}
            },
            Some(ev) = uac_event(&mut far) => match ev {
                UacEvent::Answered { answer } => {
                    far_answer = sdp::parse_answer(&answer).ok();
                    cb.handle_event(now(), CallbackEvent::FarAnswered);
                }
                UacEvent::Failed { status } => cb.handle_event(now(), CallbackEvent::FarFailed { status }),
                UacEvent::Timeout => cb.handle_event(now(), CallbackEvent::FarFailed { status: 408 }),
                UacEvent::PeerHungUp => {
                    shared.store.set_hangup_by(&key, "far end");
                    cb.handle_event(now(), CallbackEvent::FarHungUp);
                }
                UacEvent::HangupDone { .. } => cb.handle_event(now(), CallbackEvent::FarGone),
                UacEvent::ReInvite { .. } => {
                    if let Some(uac) = &far {
                        uac.send(UacCommand::AnswerReInvite { status: 488, sdp: None }).ok();
                    }
                }
                UacEvent::Progress(_) | UacEvent::InfoDtmf(_) => {}
            },
            Some(ev) = media_event(&mut resident_media) => match ev {
                MediaEvent::PlaybackFinished(id) => cb.handle_event(now(), CallbackEvent::PromptFinished(PromptId(id))),
                MediaEvent::Dtmf(d) => cb.handle_event(now(), CallbackEvent::Dtmf(d)),
                _ => {}
            },
            () = sleep_until(deadline) => cb.handle_timeout(now()),
        }
    }
    shared.legs.set_clearing(&line, false);
    let report = cb.report();
    info!(?report, "callback finished");
    shared
        .store
        .set_outcome(&key, report.result.map_or("unfinished", |r| r.as_str()));
    let after = report
        .started_at
        .zip(report.line_clear_at)
        .is_some_and(|(s, c)| s >= c);
    proof.insert(
        0,
        format!("callback started after the line was clear: {after}"),
    );
    shared.store.set_callback(&key, &proof.join("; "));
    drop(far_media);
    if let Some(m) = resident_media.take() {
        m.stop().await;
    }
    shared
        .store
        .call_ended(&key, SystemTime::now(), "callback ended");
}

/// The line's phones with fixed addresses.
fn line_phones(shared: &Shared, line: &str) -> Vec<String> {
    shared
        .config
        .lines
        .iter()
        .find(|l| l.name == line)
        .map(|l| l.phones.clone())
        .unwrap_or_default()
}

async fn placed_event(
    placed: &mut Option<(CallHandle, String, Negotiated, Option<UdpSocket>)>,
) -> Option<CallEvent> {
    crate::serve::wait::recv_or_never(placed.as_mut().map(|(handle, ..)| &mut handle.events)).await
}

/// The trunk call to `number`, with its RTP socket.
async fn place(
    shared: &Shared,
    trunk: &crate::config::TrunkConfig,
    number: &str,
) -> Option<(UacHandle, UdpSocket)> {
    let address = trunk.address.as_deref()?;
    let host = address.strip_prefix("sip:")?;
    let target = format!("sip:{number}@{host}");
    let (socket, local) = shared.ports.open().await.ok()?;
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
