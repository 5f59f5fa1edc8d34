//! One screened call, from INVITE to the end: the shell around the
//! `ivr::call` machine.
//!
//! Owns: what happens before the machine runs (the line, the policy's
//! decision, the SDP offer, an RTP port: 404/486/488/503 here), building
//! the machine and the call's parts, running the loop (`task.rs`) and, once
//! the machine says the call is over, finishing the recordings, logging the
//! end and starting the after-call callback it asked for. Does not own:
//! any screening or bridging decision (the `ivr` crate's), SIP/RTP
//! mechanics (the `sip` crate's), or carrying out the machine's outputs
//! (`caller.rs`, `phones.rs`, `listening.rs`, `log.rs`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ivr::call::{Call, CallSettings, Output, BYE_WAIT};
use sip::media::sdp;
use sip::IncomingCall;
use tokio::sync::watch;
use tracing::{debug, info, info_span, warn, Instrument};

mod caller;
mod ctx;
mod listening;
mod log;
mod name;
mod phones;
mod sink;
mod sounds;
mod task;

pub use crate::serve::shared::Shared;
use caller::{CallerLeg, Unanswered};
use ctx::{CallCtx, SdpSession};

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
    // This call's lines for its whole life: a reload changes later calls.
    let lines = shared.lines();
    let Some(line) = lines.config.line_for(&incoming.called).cloned() else {
        info!(called = %incoming.called, "no line answers this number: 404");
        incoming.reject(404).await;
        return;
    };
    if shared.legs.is_clearing(&line.name) {
        info!(line = %line.name, "the line is being cleared for a callback: 486");
        incoming.reject(486).await;
        return;
    }
    let (_leg, clear_rx, leg_guard) = shared.legs.register(&line.name);
    let now_ms = crate::time::now_millis();
    let decision = lines
        .policies
        .decide_live(&line.name, &incoming.caller, now_ms);
    let suspicious = crate::policy::suspicious_evidence(&incoming.caller, &decision);
    let mut rng = fastrand::Rng::with_seed(seed);
    let settings = CallSettings {
        challenge: line.screening.challenge_settings(),
        ring_timeout: Duration::from_secs(line.ring_timeout_secs),
        voicemail: line.voicemail,
        announce: line.screening.ask_name,
        bye_wait: BYE_WAIT,
        warn_resident: line.alerts.warn_resident,
        offer_after_risky_calls: line.outbound.offer_after_risky_calls,
        tagger: lines.tagger.clone(),
    };
    let now = tokio::time::Instant::now().into_std();
    let mut call = Call::new(&settings, &decision, suspicious, &mut rng, now);
    if call.is_finished() {
        // Refused without an answer: logged, never rung, never answered.
        declined(incoming, call, &line.name, &decision, &shared).await;
        return;
    }
    let (unanswered, sdp_session) = match prepare_media(&incoming, &shared, &line, &mut rng).await {
        Ok(prepared) => prepared,
        Err(status) => {
            incoming.reject(status).await;
            return;
        }
    };
    let started = SystemTime::now();
    let key = log::call_started(&shared, &incoming, &line.name, &decision, started);
    debug!(line = %line.name, caller = %incoming.caller, called = %incoming.called, policy = %decision, codec = ?unanswered.negotiated.codec, rtp_local = %sdp_session.local, "screening call");

    let ctx = CallCtx {
        shared: shared.clone(),
        key: key.clone(),
        line: line.name.clone(),
        caller: incoming.caller.clone(),
        call_id: incoming.call_id.clone(),
        started,
        ring_timeout: settings.ring_timeout,
        static_phones: line.phones.clone(),
        alerts: line.alerts.clone(),
    };
    let handle = incoming.start();
    let mut parts = task::Parts {
        ctx,
        caller: CallerLeg::new(handle, unanswered, sdp_session),
        phones: phones::Phones::new(sdp_session.id),
        listening: listening::Listening::default(),
        clear_rx,
        summary: log::Summary::default(),
    };
    let (reason, offer) = task::drive(&mut call, &mut parts, &mut shutdown).await;
    parts.caller.finish(&parts.ctx).await;
    let listened = parts.listening.ended(&parts.ctx);
    log::call_ended(
        &parts.ctx,
        reason,
        &parts.summary,
        decision.as_str(),
        listened,
    );
    // After a risky call, once this call is off the line: the offer.
    drop(leg_guard);
    if let Some(trigger) = offer {
        tokio::spawn(crate::serve::lineclear::offer_after(
            shared.clone(),
            line.name.clone(),
            trigger,
        ));
    }
}

/// Negotiates the caller's SDP offer and takes an RTP port: what answering
/// needs, and our side of the caller's SDP session; or the status to
/// reject the call with (488, 503) when either fails.
async fn prepare_media(
    incoming: &IncomingCall,
    shared: &Shared,
    line: &crate::config::LineConfig,
    rng: &mut fastrand::Rng,
) -> Result<(Unanswered, SdpSession), u16> {
    let Some(offer) = incoming.offer.clone() else {
        info!("INVITE without an SDP offer: 488");
        return Err(488);
    };
    let negotiated = match sdp::negotiate(&offer) {
        Ok(n) => n,
        Err(e) => {
            info!(error = %e, "unusable SDP offer: 488");
            return Err(488);
        }
    };
    let (socket, local) = match shared.ports.open().await {
        Ok(s) => s,
        Err(e) => {
            warn!(error = %e, "no RTP port: 503");
            return Err(503);
        }
    };
    let id = rng.u64(1..1 << 62);
    let answer = sdp::build_answer(&negotiated, local, id, 1);
    let unanswered = Unanswered {
        socket: Some(socket),
        negotiated,
        answer,
        record: line.screening.record.then(|| line.name.clone()),
        media_seed: rng.u64(..),
    };
    Ok((
        unanswered,
        SdpSession {
            local,
            id,
            version: 1,
        },
    ))
}

/// A call the policy refuses without answering: the machine's outcome
/// goes in the log and the caller gets 603 Decline.
async fn declined(
    incoming: IncomingCall,
    mut call: Call,
    line: &str,
    decision: &ivr::Decision,
    shared: &Shared,
) {
    let key = log::call_started(shared, &incoming, line, decision, SystemTime::now());
    let mut decline = false;
    let mut reason = None;
    while let Some(output) = call.poll_output() {
        match output {
            Output::Record(record) => log::record(shared, &key, record, None, call.digit()),
            Output::Decline => decline = true,
            Output::Finished { reason: r, .. } => reason = Some(r),
            _ => {}
        }
    }
    info!(%line, caller = %incoming.caller, policy = %decision, "caller refused: 603");
    if decline {
        incoming.reject(603).await;
    }
    if let Some(reason) = reason {
        log::declined_ended(shared, &key, reason);
    }
}
