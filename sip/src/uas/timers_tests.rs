//! The UAS timers on a virtual clock: a fake `Instant` base moved forward
//! by hand, no sockets and no sleeping.

use super::*;

/// 64·T1 with rsipstack's default T1 of 500 ms.
const ACK_WAIT: Duration = Duration::from_secs(32);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

fn session(interval: u32) -> Option<SessionTimer> {
    Some(SessionTimer { interval })
}

#[test]
fn nothing_is_due_before_the_answer() {
    let t0 = Instant::now();
    let mut timers = UasTimers::new(session(90), ACK_WAIT);
    assert_eq!(timers.phase(), Phase::Offered);
    assert!(timers.invite_alive());
    assert_eq!(timers.poll_timeout(), None);
    // A refresh before the answer starts nothing.
    timers.handle_refresh(t0);
    assert_eq!(timers.poll_timeout(), None);
    assert_eq!(timers.handle_timeout(t0 + secs(3600)), None);
}

#[test]
fn no_ack_ends_the_call_64_t1_after_our_2xx() {
    let t0 = Instant::now();
    let mut timers = UasTimers::new(None, ACK_WAIT);
    timers.handle_accepted(t0);
    assert_eq!(
        timers.phase(),
        Phase::AwaitingAck {
            until: t0 + secs(32)
        }
    );
    assert_eq!(timers.poll_timeout(), Some(t0 + secs(32)));
    assert_eq!(timers.handle_timeout(t0 + secs(32) - ms(1)), None);
    let expired = timers.handle_timeout(t0 + secs(32));
    assert_eq!(expired, Some(Expired::AckTimeout));
    assert_eq!(expired.map(Expired::event), Some(CallEvent::AckTimeout));
    assert_eq!(timers.phase(), Phase::Ended);
    assert_eq!(timers.poll_timeout(), None);
    assert_eq!(timers.handle_timeout(t0 + secs(64)), None);
    // A late ACK changes nothing.
    assert!(!timers.handle_ack());
}

#[test]
fn the_ack_confirms_the_call_and_stops_the_ack_wait() {
    let t0 = Instant::now();
    let mut timers = UasTimers::new(None, ACK_WAIT);
    assert!(!timers.handle_ack(), "no ACK before the answer");
    timers.handle_accepted(t0);
    assert!(timers.handle_ack());
    assert_eq!(timers.phase(), Phase::Confirmed);
    assert!(!timers.invite_alive());
    assert_eq!(timers.poll_timeout(), None);
    assert_eq!(timers.handle_timeout(t0 + secs(32)), None);
    assert_eq!(timers.handle_invite_ended(), InviteEnded::Nothing);
}

#[test]
fn the_invite_transaction_ending_before_the_ack_is_an_ack_timeout() {
    let t0 = Instant::now();
    let mut timers = UasTimers::new(session(90), ACK_WAIT);
    timers.handle_accepted(t0);
    assert_eq!(
        timers.handle_invite_ended(),
        InviteEnded::Expired(Expired::AckTimeout)
    );
    assert_eq!(timers.poll_timeout(), None);

    // Before our final response it only means the call is gone.
    let mut offered = UasTimers::new(session(90), ACK_WAIT);
    assert_eq!(offered.handle_invite_ended(), InviteEnded::CallGone);
    assert_eq!(offered.poll_timeout(), None);
}

#[test]
fn an_unrefreshed_session_ends_at_the_interval_minus_a_third() {
    let t0 = Instant::now();
    let mut timers = UasTimers::new(session(90), ACK_WAIT);
    timers.handle_accepted(t0);
    // The ACK wait comes first.
    assert_eq!(timers.poll_timeout(), Some(t0 + secs(32)));
    assert!(timers.handle_ack());
    // 90 s: BYE after 90 − 30 = 60 s.
    assert_eq!(timers.poll_timeout(), Some(t0 + secs(60)));
    assert_eq!(timers.handle_timeout(t0 + secs(60) - ms(1)), None);
    let expired = timers.handle_timeout(t0 + secs(60));
    assert_eq!(expired, Some(Expired::SessionExpired));
    assert_eq!(expired.map(Expired::event), Some(CallEvent::SessionExpired));
    assert_eq!(timers.poll_timeout(), None);
}

#[test]
fn a_long_session_ends_32_s_before_the_interval() {
    let t0 = Instant::now();
    let mut timers = UasTimers::new(session(1800), ACK_WAIT);
    timers.handle_accepted(t0);
    timers.handle_ack();
    assert_eq!(timers.poll_timeout(), Some(t0 + secs(1768)));
    assert_eq!(timers.handle_timeout(t0 + secs(1767)), None);
    assert_eq!(
        timers.handle_timeout(t0 + secs(1768)),
        Some(Expired::SessionExpired)
    );
}

#[test]
fn re_invites_and_updates_refresh_the_session() {
    let t0 = Instant::now();
    let mut timers = UasTimers::new(session(90), ACK_WAIT);
    timers.handle_accepted(t0);
    timers.handle_ack();
    // Refreshed at 50 s (a re-INVITE) and at 100 s (an UPDATE).
    timers.handle_refresh(t0 + secs(50));
    assert_eq!(timers.poll_timeout(), Some(t0 + secs(110)));
    assert_eq!(timers.handle_timeout(t0 + secs(60)), None);
    timers.handle_refresh(t0 + secs(100));
    assert_eq!(timers.handle_timeout(t0 + secs(110)), None);
    assert_eq!(timers.poll_timeout(), Some(t0 + secs(160)));
    // Not refreshed again: ended at 100 + 60 s.
    assert_eq!(timers.handle_timeout(t0 + secs(160) - ms(1)), None);
    assert_eq!(
        timers.handle_timeout(t0 + secs(160)),
        Some(Expired::SessionExpired)
    );
}

#[test]
fn a_refresh_before_the_ack_counts_too() {
    let t0 = Instant::now();
    let mut timers = UasTimers::new(session(90), ACK_WAIT);
    timers.handle_accepted(t0);
    timers.handle_refresh(t0 + secs(10));
    timers.handle_ack();
    assert_eq!(timers.poll_timeout(), Some(t0 + secs(70)));
}

#[test]
fn without_a_session_timer_a_confirmed_call_has_no_deadline() {
    let t0 = Instant::now();
    let mut timers = UasTimers::new(None, ACK_WAIT);
    timers.handle_accepted(t0);
    timers.handle_ack();
    timers.handle_refresh(t0 + secs(10));
    assert_eq!(timers.poll_timeout(), None);
    assert_eq!(timers.handle_timeout(t0 + secs(86_400)), None);
}
