//! A live call in the call log: its start and the policy's decision, the
//! machine's records (outcomes, the bridged phone, who hung up, tags and
//! risk), a passed caller remembered, and its end. Enums become text here,
//! at the edge, and only here.
//!
//! Does not own: deciding any of it (the `ivr::call` machine) or the store
//! itself (`store`).

use std::time::SystemTime;

use ivr::call::{EndReason, Record};
use ivr::Decision;
use sip::IncomingCall;
use tracing::info;

use super::ctx::CallCtx;
use crate::serve::shared::Shared;
use crate::store::{CallKey, NewCall, TagDetail};

/// Logs the start of a call and the policy's decision about it.
pub(super) fn call_started(
    shared: &Shared,
    incoming: &IncomingCall,
    line: &str,
    decision: &Decision,
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
    shared.store.set_policy(&key, decision.as_str());
    if let Some(tag) = decision.tag() {
        shared.store.add_tag(&key, tag);
    }
    key
}

/// One of the machine's records. `bridged_uri` names the phone of a
/// `Bridged` record; `digit` is the challenge's, for the log line.
pub(super) fn record(
    shared: &Shared,
    key: &CallKey,
    record: Record,
    bridged_uri: Option<&str>,
    digit: u8,
) {
    let store = &shared.store;
    match record {
        Record::Outcome(outcome) => {
            info!(outcome = outcome.as_str(), digit, "challenge outcome");
            store.set_outcome(key, outcome.as_str());
        }
        Record::Bridge(outcome) => {
            info!(outcome = outcome.as_str(), "bridge outcome");
            store.set_bridge(key, outcome.as_str());
        }
        Record::Bridged { .. } => {
            if let Some(uri) = bridged_uri {
                store.bridged(key, SystemTime::now(), uri);
            }
        }
        Record::HungUpBy(who) => store.set_hangup_by(key, who.as_str()),
        Record::Tag(tag) => {
            info!(
                tag = tag.kind.as_str(),
                at_ms = tag.at.as_millis() as u64,
                "call tagged"
            );
            store.add_tag_detail(
                key,
                TagDetail {
                    tag: tag.kind.as_str().to_string(),
                    at_ms: u64::try_from(tag.at.as_millis()).unwrap_or(u64::MAX),
                    evidence: tag.evidence,
                    confidence: tag.confidence,
                },
            );
        }
        Record::Risk(risk) => {
            info!(risk = risk.as_str(), "call risk");
            store.set_risk(key, risk.as_str());
        }
    }
}

/// The caller passed the challenge: the line remembers their number.
pub(super) fn remember_passed(ctx: &CallCtx) {
    let now = crate::time::now_millis();
    if let Some(number) = ctx
        .shared
        .lines()
        .policies
        .passed(&ctx.line, &ctx.caller, now)
    {
        ctx.shared.store.remember_passed(&ctx.line, &number, now);
    }
}

/// The call is over.
pub(super) fn call_ended(shared: &Shared, key: &CallKey, reason: EndReason) {
    shared
        .store
        .call_ended(key, SystemTime::now(), reason.as_str());
    crate::serve::metrics::METRICS.ended(reason);
    info!(end_reason = reason.as_str(), "call ended");
}
