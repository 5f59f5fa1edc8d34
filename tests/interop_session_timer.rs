//! Interop over loopback: RFC 4028 session timers asked by the caller
//! (SIPp). The caller refreshes once and then stops: linewarden ends the
//! expired session with BYE, neither early nor late. An interval below our
//! Min-SE gets 422.

mod common;

use common::{assert_ok, sipp, Service};

#[test]
fn an_unrefreshed_session_is_ended_when_it_expires() {
    let mut svc = Service::start("challenge_digit = 5\n");
    let out = sipp(&svc, "uac_session_timer.xml", "st-1", &[]);
    assert_ok(
        &out,
        &svc,
        "session timer agreed, refreshed once, then expired",
    );
    let call = svc.wait_call("st-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["end_reason"], "session expired", "{call}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn too_short_a_session_interval_gets_422() {
    let mut svc = Service::start("challenge_digit = 5\n");
    let out = sipp(&svc, "uac_session_too_small.xml", "st-2", &[]);
    assert_ok(&out, &svc, "422 with Min-SE");
    assert!(svc.calls().is_empty(), "no call was taken");
    let code = svc.stop();
    assert_eq!(code, Some(0), "{}", svc.log());
}
