//! The CANCEL wait on a virtual clock: a fake `Instant` base moved forward
//! by hand, no sockets and no sleeping.

use super::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

#[test]
fn without_a_hang_up_nothing_is_due() {
    let t0 = Instant::now();
    let mut wait = CancelWait::default();
    assert!(!wait.hangup_requested());
    assert_eq!(wait.handle_provisional(t0), None);
    assert_eq!(wait.poll_timeout(), None);
    assert_eq!(wait.handle_timeout(t0 + secs(3600)), None);
}

#[test]
fn cancel_with_no_487_gives_up_64_t1_after_the_cancel() {
    let t0 = Instant::now();
    let mut wait = CancelWait::default();
    assert_eq!(wait.handle_provisional(t0), None);
    // Ringing: hanging up cancels at once.
    let at = t0 + secs(5);
    assert_eq!(wait.handle_hangup(at), Some(CancelAction::SendCancel));
    assert!(wait.hangup_requested());
    assert_eq!(wait.poll_timeout(), Some(at + secs(32)));
    // More ringing changes nothing: no second CANCEL, same deadline.
    assert_eq!(wait.handle_provisional(at + secs(1)), None);
    assert_eq!(wait.handle_timeout(at + secs(32) - ms(1)), None);
    let action = wait.handle_timeout(at + secs(32));
    assert_eq!(action, Some(CancelAction::GiveUp));
    // What the application is told today: Timeout.
    assert_eq!(
        action.and_then(CancelAction::event),
        Some(UacEvent::Timeout)
    );
    assert_eq!(wait.poll_timeout(), None);
    assert_eq!(wait.handle_timeout(at + secs(64)), None);
}

#[test]
fn a_hang_up_before_any_provisional_holds_the_cancel_back_until_one_comes() {
    let t0 = Instant::now();
    let mut wait = CancelWait::default();
    assert_eq!(wait.handle_hangup(t0), None);
    assert_eq!(wait.poll_timeout(), Some(t0 + CANCEL_DEFER));
    assert_eq!(wait.handle_timeout(t0 + ms(400)), None);
    let rang = t0 + ms(400);
    assert_eq!(
        wait.handle_provisional(rang),
        Some(CancelAction::SendCancel)
    );
    assert_eq!(CancelAction::SendCancel.event(), None);
    assert_eq!(wait.poll_timeout(), Some(rang + secs(32)));
    assert_eq!(wait.handle_timeout(t0 + secs(32)), None);
    assert_eq!(
        wait.handle_timeout(rang + secs(32)),
        Some(CancelAction::GiveUp)
    );
}

#[test]
fn a_callee_that_never_answers_is_cancelled_after_the_defer_and_given_up_after_the_wait() {
    let t0 = Instant::now();
    let mut wait = CancelWait::default();
    assert_eq!(wait.handle_hangup(t0), None);
    assert_eq!(wait.handle_timeout(t0 + CANCEL_DEFER - ms(1)), None);
    assert_eq!(
        wait.handle_timeout(t0 + CANCEL_DEFER),
        Some(CancelAction::SendCancel)
    );
    let given_up = t0 + secs(1) + secs(32);
    assert_eq!(wait.poll_timeout(), Some(given_up));
    assert_eq!(wait.handle_timeout(given_up - ms(1)), None);
    assert_eq!(wait.handle_timeout(given_up), Some(CancelAction::GiveUp));
}

#[test]
fn a_second_hang_up_changes_nothing() {
    let t0 = Instant::now();
    let mut wait = CancelWait::default();
    assert_eq!(wait.handle_hangup(t0), None);
    assert_eq!(wait.handle_hangup(t0 + ms(500)), None);
    assert_eq!(wait.poll_timeout(), Some(t0 + CANCEL_DEFER));
}

#[test]
fn an_invite_sent_again_with_credentials_has_not_rung_yet() {
    let t0 = Instant::now();
    let mut wait = CancelWait::default();
    wait.handle_provisional(t0);
    wait.handle_new_invite();
    assert_eq!(wait.handle_hangup(t0 + secs(1)), None);
    assert_eq!(wait.poll_timeout(), Some(t0 + secs(1) + CANCEL_DEFER));
}

#[test]
fn rsipstacks_timeout_cancels_a_ringing_callee_once() {
    let t0 = Instant::now();
    let mut ringing = CancelWait::default();
    ringing.handle_provisional(t0);
    assert_eq!(ringing.handle_no_answer(), Some(CancelAction::SendCancel));
    assert_eq!(ringing.poll_timeout(), None);

    let mut cancelled = CancelWait::default();
    cancelled.handle_provisional(t0);
    cancelled.handle_hangup(t0);
    assert_eq!(cancelled.handle_no_answer(), None);

    let mut silent = CancelWait::default();
    assert_eq!(silent.handle_no_answer(), None);
}
