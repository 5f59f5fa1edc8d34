//! Interop over loopback: a line that remembers callers who passed its
//! challenge lets the same caller straight through next time, also after a
//! restart; an unknown number is still challenged.

mod common;

use common::{assert_ok, sipp, Service};

#[test]
fn a_caller_who_passed_is_not_challenged_again() {
    let mut svc =
        Service::start_with_line_keys("remember_passed_days = 30\n", "challenge_digit = 5\n", &[]);
    let caller = ["-set", "caller", "+441632960777"];
    let out = sipp(&svc, "uac_pass.xml", "remember-1", &caller);
    assert_ok(&out, &svc, "first call passes the challenge");
    let first = svc.wait_call("remember-1", |c| !c["ended_at"].is_null());
    assert_eq!(first["policy"], "challenge", "{first}");
    assert_eq!(first["outcome"], "passed", "{first}");

    svc.restart();
    let out = sipp(&svc, "uac_pass.xml", "remember-2", &caller);
    assert_ok(&out, &svc, "second call");
    let second = svc.wait_call("remember-2", |c| !c["ended_at"].is_null());
    assert_eq!(second["policy"], "remembered", "{second}");
    assert_eq!(second["outcome"], "allowed", "{second}");

    // Someone else is still challenged.
    let other = ["-set", "caller", "+441632960778"];
    let out = sipp(&svc, "uac_pass.xml", "remember-3", &other);
    assert_ok(&out, &svc, "another caller");
    let third = svc.wait_call("remember-3", |c| !c["ended_at"].is_null());
    assert_eq!(third["policy"], "challenge", "{third}");
    assert_eq!(svc.stop(), Some(0));
}
