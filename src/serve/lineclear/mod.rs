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
//! The callback itself runs in `runner.rs` (its resident's legs in
//! `resident.rs`, its trunk leg in `trunk.rs`, its proof's text in
//! `proof.rs`): after the phone dialled a verified number, after the
//! feature code (`*55`: the phone's call is ended and linewarden rings it
//! back with the menu), or after a risky call (the offer). General outbound
//! calling, when a line allows it, is not supported yet (480).

use std::sync::{Arc, PoisonError};

use ivr::lineclear::{Destination, OutboundDecision, Trigger};
use sip::IncomingCall;
use tokio::time::Instant;
use tracing::{info, warn};

use crate::serve::shared::Shared;
use resident::Resident;

pub mod legs;
pub mod outbound;
mod proof;
mod resident;
mod runner;
mod trunk;

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
        .authenticate_request(call.request(), call.source, crate::time::now_secs());
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
    let lines = shared.lines();
    let Some(rules) = lines.outbound.get(&line) else {
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
        OutboundDecision::Allowed {
            to: Destination::FeatureCode,
            ..
        } => {
            // The phone's own call ends here; linewarden rings it back once
            // the line is clear.
            info!(%line, phone = %user, "line-clear callback asked for with the feature code");
            let called = call.called.clone();
            call.reject(486).await;
            runner::run(
                shared,
                line,
                user,
                called,
                Trigger::FeatureCode,
                Resident::RingBack,
            )
            .await;
            return;
        }
        OutboundDecision::Allowed { to, reason } => {
            warn!(%line, phone = %user, dialled = %call.called, ?to, ?reason, "outbound call allowed by the rules but not supported yet: 480");
            call.reject(480).await;
            return;
        }
    };
    if !lines.config.trunks.iter().any(|t| t.address.is_some()) {
        warn!(%line, "no trunk with an address to call out through: 503");
        call.reject(503).await;
        return;
    }
    let called = call.called.clone();
    runner::run(
        shared,
        line,
        user,
        called,
        Trigger::DialledVerified(entry),
        Resident::Placed(Box::new(call)),
    )
    .await;
}

/// After a call tagged medium or high risk has ended: the offer to the
/// resident (when the line's `offer_after_risky_calls` is on).
pub async fn offer_after(shared: Arc<Shared>, line: String, trigger: Trigger) {
    info!(%line, "offering the resident a line-clear callback after a risky call");
    runner::run(
        shared,
        line,
        "linewarden".into(),
        "offer".into(),
        trigger,
        Resident::RingBack,
    )
    .await;
}
