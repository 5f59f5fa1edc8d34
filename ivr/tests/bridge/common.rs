//! Shared helpers for the bridge scenarios: action and event shorthands,
//! the settings the scenarios start from, and a screening run to `Connected`.
//!
//! Does not own: the simulated shell (see `bridge_support`) or any scenario.

use std::time::Instant;

use crate::bridge_support::secs;
use ivr::{
    Action, BridgeAction, BridgeEvent, BridgeOutcome, BridgeSettings, ChallengeSettings, Event,
    Outcome, Prompt, ScreeningCall,
};

use BridgeEvent::ResidentKey;

pub(crate) fn outcome(o: BridgeOutcome) -> BridgeAction {
    BridgeAction::Outcome(o)
}

pub(crate) fn bridge(phone: usize) -> BridgeAction {
    BridgeAction::Bridge { phone }
}

pub(crate) fn answered(phone: usize) -> BridgeAction {
    outcome(BridgeOutcome::Answered { phone })
}

pub(crate) fn announce(phone: usize) -> BridgeAction {
    BridgeAction::Announce { phone }
}

pub(crate) fn key(phone: usize, digit: char) -> BridgeEvent {
    ResidentKey { phone, digit }
}

pub(crate) fn announcing(phones: usize) -> BridgeSettings {
    BridgeSettings {
        phones,
        announce: true,
        ..BridgeSettings::default()
    }
}

pub(crate) fn voicemail() -> BridgeSettings {
    BridgeSettings {
        voicemail: true,
        ..BridgeSettings::default()
    }
}

/// Runs a screening to `Connected` and returns when that happened.
pub(crate) fn screened_caller(t0: Instant) -> Instant {
    let settings = ChallengeSettings {
        notice: false,
        fixed_digit: Some(4),
        ..ChallengeSettings::default()
    };
    let mut call = ScreeningCall::new(&settings, &mut fastrand::Rng::with_seed(0), t0);
    call.handle_event(t0 + secs(1), Event::Dtmf('4'));
    let actions: Vec<Action> = std::iter::from_fn(|| call.poll_action()).collect();
    let Some(&Action::Play {
        id,
        prompt: Prompt::Connecting,
    }) = actions.last()
    else {
        panic!("no connecting prompt: {actions:?}");
    };
    call.handle_event(t0 + secs(3), Event::PromptFinished(id));
    assert_eq!(call.poll_action(), Some(Action::Connected));
    assert_eq!(call.outcome(), Some(Outcome::Passed));
    t0 + secs(3)
}
