//! Interop over loopback: overload control and the monitoring counters.
//! With `max_calls = 2` and two calls up, a third INVITE (SIPp) gets 503
//! with the configured Retry-After and OPTIONS gets 503 too; a new INVITE
//! and its retransmission get the same stateless 503, while a
//! retransmitted INVITE of a call in progress gets its 200; once the two
//! calls end, OPTIONS gets 200 again. `/metrics` on the console's listener
//! shows the attempts, the shed call and how the calls ended. With
//! `drain_secs`, SIGTERM turns new calls and OPTIONS away with 503 while
//! the call in progress goes on, and the service exits once it ends.

mod common;

use std::time::{Duration, Instant};

use common::raw_sip::{header, RawCaller};
use common::{assert_ok, sipp, Service};

/// The service's counters, from `/metrics` on the console's listener.
fn metrics(port: u16) -> String {
    let mut reply = ureq::get(format!("http://127.0.0.1:{port}/metrics"))
        .call()
        .expect("GET /metrics");
    assert_eq!(reply.status(), 200);
    let kind = reply
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    reply.body_mut().read_to_string().expect("metrics text")
}

/// The value of the sample `name` (with its labels, if any).
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Waits until `/metrics` shows `name` at `value`.
fn wait_sample(port: u16, name: &str, value: f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = metrics(port);
        if sample(&text, name) == Some(value) {
            return text;
        }
        assert!(Instant::now() < deadline, "{name} never {value}:\n{text}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn beyond_max_calls_new_calls_and_options_get_503_until_the_calls_end() {
    let console = common::free_port();
    let keys = format!(
        "max_calls = 2\nretry_after_secs = 7\n\n[console]\nlisten = \"127.0.0.1:{console}\"\n"
    );
    let mut svc = Service::start_with_service_keys(&keys, "challenge_digit = 5\n", &[]);
    let before = metrics(console);
    assert_eq!(sample(&before, "linewarden_calls_in_progress"), Some(0.0));
    let out = sipp(&svc, "options_ok.xml", "options-idle", &[]);
    assert_ok(&out, &svc, "OPTIONS while idle gets 200");

    let first = RawCaller::call(svc.addr, "held-1");
    let second = RawCaller::call(svc.addr, "held-2");
    wait_sample(console, "linewarden_calls_in_progress", 2.0);

    let out = sipp(
        &svc,
        "uac_shed.xml",
        "shed-1",
        &["-set", "retry_after", "7"],
    );
    assert_ok(&out, &svc, "the third call gets 503 with Retry-After: 7");
    let out = sipp(&svc, "options_busy.xml", "options-full", &[]);
    assert_ok(&out, &svc, "OPTIONS while full gets 503 with Retry-After");

    // Turned away at the door, statelessly: the same 503 (To tag and all)
    // for the INVITE and its retransmission, counted once.
    let shed = common::raw_sip::invite_repeatedly(svc.addr, "shed-raw", 2);
    for response in &shed {
        assert!(response.starts_with("SIP/2.0 503 "), "{response}");
        assert_eq!(header(response, "Retry-After"), Some("7"), "{response}");
        assert_eq!(header(response, "Call-ID"), Some("shed-raw"), "{response}");
    }
    let tag = |r: &str| {
        header(r, "To")
            .and_then(|t| t.split_once(";tag="))
            .map(|t| t.1.to_string())
    };
    assert!(tag(&shed[0]).is_some(), "{}", shed[0]);
    assert_eq!(tag(&shed[0]), tag(&shed[1]));
    // A retransmission of a call let in before still reaches its
    // transaction: the same 200, not the 503.
    let again = first.resend_invite();
    assert!(again.starts_with("SIP/2.0 200 "), "{again}");
    assert_eq!(header(&again, "To"), header(&first.answer, "To"));

    first.hang_up();
    second.hang_up();
    let text = wait_sample(console, "linewarden_calls_in_progress", 0.0);
    let out = sipp(&svc, "options_ok.xml", "options-after", &[]);
    assert_ok(&out, &svc, "OPTIONS after the calls ended gets 200");

    assert_eq!(
        sample(&text, "linewarden_call_attempts_total"),
        Some(4.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "linewarden_calls_shed_total"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "linewarden_calls_ended_total{reason=\"caller hung up\"}"
        ),
        Some(2.0),
        "{text}"
    );
    let writes = sample(&text, "linewarden_store_write_seconds_count").expect("write count");
    assert!(writes > 0.0, "{text}");
    assert_eq!(
        sample(&text, "linewarden_store_write_seconds_bucket{le=\"+Inf\"}"),
        Some(writes),
        "{text}"
    );
    // The shed call is not in the call log; the two held calls are.
    let calls = svc.calls();
    assert!(calls.iter().all(|c| c["call_id"] != "shed-1"), "{calls:?}");
    assert!(calls.iter().any(|c| c["call_id"] == "held-1"), "{calls:?}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn sigterm_drains_new_calls_get_503_the_call_in_progress_ends_then_the_service_exits() {
    let console = common::free_port();
    let keys = format!(
        "drain_secs = 60\nretry_after_secs = 7\n\n[console]\nlisten = \"127.0.0.1:{console}\"\n"
    );
    let mut svc = Service::start_with_service_keys(&keys, "challenge_digit = 5\n", &[]);
    let held = RawCaller::call(svc.addr, "drain-held");
    wait_sample(console, "linewarden_calls_in_progress", 1.0);

    svc.signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !svc.log().contains("SIGTERM: draining") {
        assert!(Instant::now() < deadline, "no drain:\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = sipp(
        &svc,
        "uac_shed.xml",
        "drain-new",
        &["-set", "retry_after", "7"],
    );
    assert_ok(
        &out,
        &svc,
        "a new call while draining gets 503 with Retry-After",
    );
    let out = sipp(&svc, "options_busy.xml", "options-draining", &[]);
    assert_ok(
        &out,
        &svc,
        "OPTIONS while draining gets 503 with Retry-After",
    );
    assert!(
        svc.running(),
        "stopped before the call ended:\n{}",
        svc.log()
    );

    // The call in progress is not cut: the caller ends it, and only then
    // does the service stop, by itself and cleanly.
    held.hang_up();
    assert_eq!(svc.wait_exit(Duration::from_secs(20)), Some(0));
    assert!(
        svc.log().contains("drained: every call has ended"),
        "{}",
        svc.log()
    );
    let calls = svc.calls();
    let call = calls
        .iter()
        .find(|c| c["call_id"] == "drain-held")
        .expect("the held call is logged");
    assert_eq!(call["end_reason"], "caller hung up", "{call}");
    assert!(
        calls.iter().all(|c| c["call_id"] != "drain-new"),
        "{calls:?}"
    );
}
