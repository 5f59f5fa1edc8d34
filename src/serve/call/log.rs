//! A live call in the call log: its start and the policy's decision, the
//! machine's records (outcomes, the bridged phone, who hung up, tags, and
//! risk with its reasons), a passed caller remembered, and its end, with the call's one
//! INFO line (its [`Summary`]; every other line about a call is DEBUG).
//! Enums become text here, at the edge, and only here.
//!
//! Does not own: deciding any of it (the `ivr::call` machine) or the store
//! itself (`store`).

use std::time::SystemTime;

use ivr::call::{EndReason, Record};
use ivr::Decision;
use sip::IncomingCall;
use tracing::{debug, info};

use super::ctx::CallCtx;
use crate::serve::shared::Shared;
use crate::store::{CallKey, NewCall, RiskReason, TagDetail};

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

/// What the call's INFO line says, gathered from the machine's records.
#[derive(Default)]
pub(super) struct Summary {
    outcome: Option<&'static str>,
    bridge: Option<&'static str>,
    hangup_by: Option<&'static str>,
    risk: Option<&'static str>,
}

impl Summary {
    /// Keeps what `record` says for the call's INFO line.
    pub(super) fn note(&mut self, record: &Record) {
        match record {
            Record::Outcome(o) => self.outcome = Some(o.as_str()),
            Record::Bridge(b) => self.bridge = Some(b.as_str()),
            Record::HungUpBy(who) => self.hangup_by = self.hangup_by.or(Some(who.as_str())),
            Record::Risk(reason) => self.risk = Some(reason.risk.as_str()),
            Record::Bridged { .. } | Record::Tag(_) => {}
        }
    }
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
            debug!(outcome = outcome.as_str(), digit, "challenge outcome");
            store.set_outcome(key, outcome.as_str());
        }
        Record::Bridge(outcome) => {
            debug!(outcome = outcome.as_str(), "bridge outcome");
            store.set_bridge(key, outcome.as_str());
        }
        Record::Bridged { .. } => {
            if let Some(uri) = bridged_uri {
                store.bridged(key, SystemTime::now(), uri);
            }
        }
        Record::HungUpBy(who) => store.set_hangup_by(key, who.as_str()),
        Record::Tag(tag) => {
            debug!(
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
        Record::Risk(reason) => {
            debug!(risk = reason.risk.as_str(), rule = %reason.rule, "call risk");
            store.raise_risk(key, risk_reason(&reason));
        }
    }
}

/// The tagger's reason for a rise in risk, as the call log keeps it.
pub(super) fn risk_reason(reason: &ivr::RiskReason) -> RiskReason {
    RiskReason {
        risk: reason.risk.as_str().to_owned(),
        at_ms: u64::try_from(reason.at.as_millis()).unwrap_or(u64::MAX),
        rule: reason.rule.clone(),
        evidence: reason.evidence.clone(),
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

/// The call is over: logged, counted, and its one INFO line written.
pub(super) fn call_ended(
    ctx: &CallCtx,
    reason: EndReason,
    summary: &Summary,
    policy: &str,
    listened: Option<&str>,
) {
    let ended = SystemTime::now();
    ctx.shared
        .store
        .call_ended(&ctx.key, ended, reason.as_str());
    crate::serve::metrics::METRICS.ended(reason);
    let ms = ended
        .duration_since(ctx.started)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    info!(
        line = %ctx.line,
        caller = %ctx.caller,
        policy,
        outcome = summary.outcome.unwrap_or("-"),
        bridge = summary.bridge.unwrap_or("-"),
        hangup_by = summary.hangup_by.unwrap_or("-"),
        risk = summary.risk.unwrap_or("-"),
        listened = listened.unwrap_or("-"),
        end_reason = reason.as_str(),
        ms,
        "call over"
    );
}

/// A call refused without an answer is over: logged and counted (its
/// INFO line is the refusal's).
pub(super) fn declined_ended(shared: &Shared, key: &CallKey, reason: EndReason) {
    shared
        .store
        .call_ended(key, SystemTime::now(), reason.as_str());
    crate::serve::metrics::METRICS.ended(reason);
}
