//! Interop over loopback: a caller the line lets through without a
//! challenge (allowlisted) is not answered before the resident: SIPp plays
//! the caller and the phone, and the caller hears 180 while the phone
//! rings, 200 only after the phone's, and the right failure (486 busy,
//! 480 no answer) when nobody answers.

mod common;

use std::path::Path;

use common::{assert_ok, sipp, Service};

const CALLER: &str = "+441632960777";

fn service(phone_port: u16) -> Service {
    Service::start_with_line_keys(
        &format!("[line.policy]\nallowlist = [\"{CALLER}\"]\n"),
        "",
        &[&format!("sip:resident@127.0.0.1:{phone_port}")],
    )
}

fn phone(
    svc: &Service,
    port: u16,
    scenario: &str,
) -> std::thread::JoinHandle<std::process::Output> {
    let mut cmd = common::sipp_peer(svc.dir.path(), scenario, port, &[], "phone.log");
    let phone = std::thread::spawn(move || cmd.output().expect("run sipp as the phone"));
    std::thread::sleep(std::time::Duration::from_millis(500));
    phone
}

fn call(svc: &Service, call_id: &str) -> std::process::Output {
    sipp(
        svc,
        "uac_rung_through.xml",
        call_id,
        &["-set", "caller", CALLER],
    )
}

/// One message in a SIPp trace: when (the trace's own date and time, which
/// sort as text), whether SIPp sent it, and its first line.
#[derive(Debug)]
struct Traced {
    at: String,
    sent: bool,
    line: String,
}

/// The messages of a SIPp `-trace_msg` file, in order.
fn trace(path: &Path) -> Vec<Traced> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.split("----------------------------------------------- ")
        .filter_map(|block| {
            let mut lines = block.lines();
            let at = lines
                .next()?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let how = lines.next()?;
            let sent = how.contains("sent");
            let line = lines.find(|l| !l.trim().is_empty())?.trim().to_string();
            Some(Traced { at, sent, line })
        })
        .collect()
}

/// The caller's trace (SIPp's default `-trace_msg` file for the scenario).
fn caller_trace(svc: &Service) -> Vec<Traced> {
    let file = std::fs::read_dir(svc.dir.path())
        .expect("test dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("uac_rung_through") && name.ends_with("_messages.log")
        })
        .expect("the caller's message trace");
    trace(&file)
}

/// The statuses of the responses the caller received, in order.
fn received(trace: &[Traced]) -> Vec<String> {
    trace
        .iter()
        .filter(|m| !m.sent && m.line.starts_with("SIP/2.0 "))
        .map(|m| m.line["SIP/2.0 ".len()..].chars().take(3).collect())
        .collect()
}

#[test]
fn an_allowlisted_caller_hears_ringing_and_is_answered_when_the_phone_answers() {
    let p = common::free_port();
    let mut svc = service(p);
    let rings = phone(&svc, p, "uas_ring_then_answer.xml");
    let out = call(&svc, "through-1");
    assert_ok(&out, &svc, "the caller");
    assert_ok(&rings.join().expect("phone"), &svc, "the phone");

    let caller = caller_trace(&svc);
    let statuses = received(&caller);
    let ringing = statuses.iter().position(|s| s == "180");
    let ok = statuses.iter().position(|s| s == "200");
    assert!(
        ringing.is_some() && ringing < ok,
        "180 before the 200: {statuses:?}"
    );
    assert_eq!(
        statuses.first().map(String::as_str),
        Some("100"),
        "{statuses:?}"
    );
    // The phone's 200 went out before the caller's came in (SIPp's traces
    // share the clock).
    let phone = trace(&svc.dir.path().join("phone.log"));
    let phone_ok = phone
        .iter()
        .find(|m| m.sent && m.line.starts_with("SIP/2.0 200"))
        .expect("the phone answered");
    let caller_ok = caller
        .iter()
        .find(|m| !m.sent && m.line.starts_with("SIP/2.0 200"))
        .expect("the caller was answered");
    assert!(
        phone_ok.at <= caller_ok.at,
        "phone answered at {}, caller at {}",
        phone_ok.at,
        caller_ok.at
    );

    let call = svc.wait_call("through-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["policy"], "allowlisted", "{call}");
    assert_eq!(call["outcome"], "allowed", "{call}");
    assert_eq!(call["bridge"], "answered", "{call}");
    assert_eq!(call["hangup_by"], "caller", "{call}");
    assert!(call["answered_at"].is_string(), "{call}");
    // The recording starts at the answer: the 3 s of ringing are not in it.
    common::assert_recorded_from_answer(&svc, &call, 2500.0);
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn a_busy_phone_is_486_to_the_caller_who_is_never_answered() {
    let p = common::free_port();
    let mut svc = service(p);
    let busy = phone(&svc, p, "uas_busy.xml");
    let out = call(&svc, "through-2");
    assert_ok(&out, &svc, "the caller");
    assert_ok(&busy.join().expect("phone"), &svc, "the phone");
    let statuses = received(&caller_trace(&svc));
    assert!(statuses.contains(&"486".to_string()), "{statuses:?}");
    assert!(!statuses.contains(&"200".to_string()), "{statuses:?}");
    let call = svc.wait_call("through-2", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "busy", "{call}");
    assert_eq!(call["end_reason"], "not answered", "{call}");
    assert!(call["answered_at"].is_null(), "{call}");
    assert!(call["recording"].is_null(), "{call}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn no_answer_is_480_and_the_phone_is_cancelled() {
    let p = common::free_port();
    let mut svc = service(p);
    // The test config rings for 5 s.
    let rings = phone(&svc, p, "uas_no_answer.xml");
    let out = call(&svc, "through-3");
    assert_ok(&out, &svc, "the caller");
    assert_ok(&rings.join().expect("phone"), &svc, "the phone got CANCEL");
    let statuses = received(&caller_trace(&svc));
    assert!(statuses.contains(&"180".to_string()), "{statuses:?}");
    assert!(statuses.contains(&"480".to_string()), "{statuses:?}");
    assert!(!statuses.contains(&"200".to_string()), "{statuses:?}");
    let call = svc.wait_call("through-3", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "no_answer", "{call}");
    assert_eq!(call["end_reason"], "not answered", "{call}");
    assert!(call["answered_at"].is_null(), "{call}");
    assert!(call["recording"].is_null(), "{call}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn the_caller_cancelling_while_the_phone_rings_cancels_the_phone() {
    let p = common::free_port();
    let mut svc = service(p);
    let rings = phone(&svc, p, "uas_no_answer.xml");
    // CANCEL 1 s after the 180: 487, and never an answer (the scenario
    // fails on a 200 to its INVITE).
    let out = sipp(
        &svc,
        "uac_cancel.xml",
        "through-4",
        &["-set", "caller", CALLER],
    );
    assert_ok(&out, &svc, "the caller got 487");
    assert_ok(&rings.join().expect("phone"), &svc, "the phone got CANCEL");
    let call = svc.wait_call("through-4", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "caller_gave_up", "{call}");
    assert_eq!(call["hangup_by"], "caller", "{call}");
    assert_eq!(call["end_reason"], "caller hung up", "{call}");
    assert!(call["answered_at"].is_null(), "{call}");
    assert_eq!(svc.stop(), Some(0));
}
