//! End to end over loopback: with room to listen to one call at a time
//! (`[speech] listen_capacity = 1`), two callers play the scam recording
//! at once. One call is listened to in full, tagged high and alerted with
//! `listened: full`; the other is not listened to at all, and its record
//! says `none` instead of looking like a quiet call, and `/metrics` counts
//! the call refused.

mod common;

use std::process::Command;
use std::time::Duration;

use common::Service;

const SCAM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/scam-police-bank"
);

#[test]
fn past_the_listening_capacity_a_call_is_logged_as_not_listened_to() {
    let (hook_port, hook) = common::webhook_receiver();
    let console = common::free_port();
    let extra = format!(
        "challenge_digit = 5
[line.outbound]
offer_after_risky_calls = false
[line.alerts]
webhook = \"http://127.0.0.1:{hook_port}/alert\"
[speech]
engine = \"pocketsphinx\"
workers = 1
listen_capacity = 1
[console]
listen = \"127.0.0.1:{console}\"
"
    );
    let mut svc = Service::start(&extra);
    assert!(
        svc.log().contains("speech recognition on"),
        "the service listens:\n{}",
        svc.log()
    );
    let callers: Vec<_> = (0..2)
        .map(|_| {
            let addr = svc.addr;
            std::thread::spawn(move || {
                Command::new(env!("CARGO_BIN_EXE_linewarden"))
                    .args(["replay", "--to"])
                    .arg(format!("sip:5550000@{addr}"))
                    .arg(SCAM)
                    .output()
                    .expect("replay --to")
            })
        })
        .collect();
    for caller in callers {
        let out = caller.join().expect("caller");
        assert!(
            out.status.success(),
            "replay: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            svc.log()
        );
    }

    let ended = |c: &serde_json::Value| !c["ended_at"].is_null() && c["listened"].is_string();
    svc.wait_call_where(|c| ended(c) && c["listened"] == "none");
    let full = svc.wait_call_where(|c| ended(c) && c["listened"] == "full");
    let mut heard: Vec<String> = svc
        .calls()
        .iter()
        .map(|c| c["listened"].as_str().unwrap_or("?").to_owned())
        .collect();
    heard.sort();
    assert_eq!(heard, ["full", "none"], "{}", svc.log());
    assert_eq!(full["risk"], "high", "the listened call was heard: {full}");
    assert!(
        svc.log().contains("speech recognition is at capacity"),
        "{}",
        svc.log()
    );

    // The alert of the call that was heard says so.
    let (_, body) = hook
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("no alert arrived\n{}", svc.log()));
    let alert: serde_json::Value = serde_json::from_str(&body).expect("JSON alert");
    assert_eq!(alert["listened"], "full", "{alert}");

    // Monitoring sees it too: one call refused, and (once the last words
    // are decoded) none listened to: the slot is given back.
    let scrape = || {
        let mut reply = ureq::get(format!("http://127.0.0.1:{console}/metrics"))
            .call()
            .expect("GET /metrics");
        reply.body_mut().read_to_string().expect("metrics text")
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let mut metrics = scrape();
    while !metrics.contains("linewarden_calls_listened 0\n") && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(200));
        metrics = scrape();
    }
    for line in [
        "linewarden_listen_refused_total 1\n",
        "linewarden_calls_listened 0\n",
    ] {
        assert!(metrics.contains(line), "{line:?} in {metrics}");
    }

    // The table has the column.
    let out = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["calls", "--config"])
        .arg(&svc.config)
        .output()
        .expect("calls");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.lines().next().is_some_and(|h| h.contains("HEARD")),
        "{table}"
    );
    assert_eq!(svc.stop(), Some(0));
}
