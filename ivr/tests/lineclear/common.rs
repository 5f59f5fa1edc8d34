//! Shared helpers for the line-clear scenarios: the risky-call trigger and
//! the two legs most scenarios start from, shorthands for the log actions
//! they expect, and a callback brought to its menu.
//!
//! Does not own: the simulated runtime (see `lineclear_support`) or any
//! scenario.

use std::time::Duration;

use crate::lineclear_support::{line, ms, secs, Sim, FRAUDSTER, RINGING};
use ivr::{
    CallbackAction, CallbackEvent, CallbackLog, CallbackResult, ClearAction, Clearance, ClearedHow,
    LegId, LegState, Mentioned, Trigger,
};

use CallbackEvent::{LegEnded, PhoneAnswered};
use ClearAction::Cleared;

pub(crate) const RISKY: Trigger = Trigger::RiskyCall {
    mentioned: Mentioned::Both,
};

pub(crate) fn legs() -> [(LegId, LegState); 2] {
    [(FRAUDSTER, LegState::Confirmed), (RINGING, LegState::Early)]
}

pub(crate) fn cleared(s: &Sim, leg: LegId, at: Duration, how: ClearedHow) -> CallbackAction {
    line(Cleared(Clearance {
        leg,
        at: s.start + at,
        how,
    }))
}

pub(crate) fn line_clear(s: &Sim, at: Duration) -> CallbackAction {
    line(ClearAction::LineClear { at: s.start + at })
}

pub(crate) fn started(s: &Sim, at: Duration, trigger: Trigger) -> CallbackAction {
    CallbackAction::Log(CallbackLog::Started {
        at: s.start + at,
        trigger,
    })
}

pub(crate) fn dial(entry: usize) -> CallbackAction {
    CallbackAction::Dial { entry }
}

pub(crate) fn ended(s: &Sim, at: Duration, result: CallbackResult) -> CallbackAction {
    CallbackAction::Log(CallbackLog::Ended {
        at: s.start + at,
        result,
    })
}

/// A risky-call callback whose fraudster ignores BYE, answered by the
/// resident at 6 s with the offer played to the end at 20 s.
pub(crate) fn at_the_menu() -> Sim {
    let mut s = Sim::new(RISKY, &legs());
    s.send(ms(500), LegEnded(RINGING));
    s.run_to(secs(5));
    s.send(secs(6), PhoneAnswered { phone: 0 });
    s.prompt_done(secs(20));
    s
}
