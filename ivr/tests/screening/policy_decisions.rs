//! The caller-ID policy's decisions before any challenge: allowed callers
//! connected without one, declined callers never answered, refusals with a
//! message, and suspicious callers challenged like anyone else.

use std::time::Instant;

use ivr::{
    Action, AllowReason, ChallengeSettings, Decision, Outcome, Prompt, RejectHow, RejectReason,
    ScreeningCall, SuspiciousReason,
};

fn actions(call: &mut ScreeningCall) -> Vec<Action> {
    std::iter::from_fn(|| call.poll_action()).collect()
}

fn start(decision: Decision) -> (ScreeningCall, Instant) {
    let t0 = Instant::now();
    let settings = ChallengeSettings {
        fixed_digit: Some(4),
        ..ChallengeSettings::default()
    };
    let call = ScreeningCall::start(&settings, &decision, &mut fastrand::Rng::with_seed(1), t0);
    (call, t0)
}

#[test]
fn declined_callers_are_never_answered() {
    let (mut call, _) = start(Decision::Reject {
        how: RejectHow::Decline,
        reason: RejectReason::Blocked,
    });
    assert_eq!(
        actions(&mut call),
        vec![Action::Outcome(Outcome::Rejected), Action::Decline]
    );
    assert!(call.is_finished());
    assert_eq!(call.poll_timeout(), None);
}

#[test]
fn refused_with_a_message_hears_goodbye_then_is_hung_up_on() {
    let (mut call, t0) = start(Decision::Reject {
        how: RejectHow::MessageThenHangup,
        reason: RejectReason::Blocked,
    });
    let first = actions(&mut call);
    assert_eq!(first[0], Action::Answer);
    assert_eq!(first[1], Action::Outcome(Outcome::Rejected));
    let Action::Play { id, prompt } = first[2] else {
        panic!("{first:?}")
    };
    assert_eq!(prompt, Prompt::Goodbye);
    call.handle_event(
        t0 + std::time::Duration::from_secs(3),
        ivr::Event::PromptFinished(id),
    );
    assert_eq!(actions(&mut call), vec![Action::Hangup]);
    // A key pressed at the goodbye changes nothing.
    call.handle_event(t0, ivr::Event::Dtmf('4'));
    assert_eq!(call.outcome(), Some(Outcome::Rejected));
}

#[test]
fn allowlisted_callers_connect_without_a_challenge() {
    let (mut call, _) = start(Decision::RingResident {
        reason: AllowReason::Allowlisted,
    });
    assert_eq!(
        actions(&mut call),
        vec![
            Action::Answer,
            Action::Outcome(Outcome::Allowed),
            Action::Connected
        ]
    );
    assert_eq!(call.poll_timeout(), None, "nothing to time out");
    assert!(!call.is_finished(), "the call stays up");
}

#[test]
fn suspicious_callers_are_challenged_like_anyone_else() {
    let (mut call, _) = start(Decision::Challenge {
        suspicious: Some(SuspiciousReason::Premium),
    });
    let first = actions(&mut call);
    assert_eq!(first[0], Action::Answer);
    assert!(matches!(
        first[1],
        Action::Play {
            prompt: Prompt::Notice,
            ..
        }
    ));
}
