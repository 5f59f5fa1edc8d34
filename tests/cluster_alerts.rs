//! Trusted-contact alerts from two nodes sharing a PostgreSQL store when
//! one node is killed with SIGKILL. Each alert carries one idempotency
//! key (the `Idempotency-Key` header, the body's `alert_id`) from
//! whichever node sends it, so a receiver that drops a repeated key gets
//! every alert once: an alert the killed node queued and had not sent is
//! sent by the other node, and an alert whose POST was in flight when its
//! node died is sent again, after its claim expires, with the same key.
//!
//! A call is made to alert: its caller ID (159, a number that never calls
//! out) is suspicious, and a `[[tagging.rule]]` makes that alone a high
//! risk, so the alert is queued when the call is answered.

mod common;
#[path = "../src/sql/testpg.rs"]
mod testpg;

use std::collections::BTreeMap;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::webhook::{Hook, WebhookSink};
use common::Service;

/// A node on the store at `url` whose line alerts `hook` for every call
/// from a suspicious caller ID; a claim on an alert lasts 10 s.
fn alerting_node(url: &str, hook: &str) -> Service {
    Service::start_custom(
        &format!(
            "\n[store]\nurl = {url:?}\nalert_claim_secs = 10\n\n\
             [[tagging.rule]]\nall = [\"suspicious-cli\"]\nrisk = \"high\"\n"
        ),
        &format!("[line.alerts]\nwebhook = {hook:?}\n"),
        "challenge_digit = 5\n",
        &["*"],
        &[],
        |_| {},
    )
}

/// A call from 159 to `svc` that presses the right key and hangs up
/// soon after, running in the background.
fn alerting_call(svc: &Service, call_id: &str) -> Child {
    common::sipp_command(
        svc,
        "uac_pass.xml",
        call_id,
        &[
            "-set",
            "caller",
            "159",
            "-set",
            "dtmf_delay",
            "500",
            "-set",
            "hangup_delay",
            "500",
        ],
    )
    .spawn()
    .expect("run sipp")
}

/// How many times `svc`'s log says an alert was stored.
fn stored(svc: &Service) -> usize {
    svc.log().matches("alert stored").count()
}

fn sigkill(svc: &Service) {
    let status = Command::new("kill")
        .args(["-KILL", &svc.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// The requests by key: each key's call id, and how many times it came.
fn by_key(hooks: &[Hook]) -> BTreeMap<String, (String, usize)> {
    let mut keys: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for hook in hooks {
        let call = hook.body["call_id"].as_str().unwrap_or_default().to_owned();
        let entry = keys.entry(hook.key.clone()).or_insert((call.clone(), 0));
        assert_eq!(entry.0, call, "one key, one alert: {hooks:?}");
        entry.1 += 1;
    }
    keys
}

#[test]
fn a_node_killed_with_alerts_queued_loses_none_and_the_receiver_sees_each_key_for_one_alert() {
    let url = testpg::fresh_database();
    // Each answer takes 4 s (within a sender's 5 s timeout), so alerts
    // queue up behind the two delivery threads.
    let sink = WebhookSink::start(0, Duration::from_secs(4));
    let mut a = alerting_node(&url, &sink.url());
    let b = alerting_node(&url, &sink.url());

    let mut calls = Vec::new();
    let mut expected = Vec::new();
    for i in 0..3 {
        for (name, svc) in [("a", &a), ("b", &b)] {
            let call_id = format!("alert-{name}-{i}");
            calls.push(alerting_call(svc, &call_id));
            expected.push(call_id);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while stored(&a) < 3 || stored(&b) < 3 {
        assert!(
            Instant::now() < deadline,
            "alerts not queued:\nA:\n{}\nB:\n{}",
            a.log(),
            b.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    sigkill(&a);
    let at_kill = sink.hooks();
    for mut call in calls {
        call.kill().ok();
        call.wait().ok();
    }
    let from_a_at_kill = at_kill
        .iter()
        .filter(|h| {
            h.body["call_id"]
                .as_str()
                .unwrap_or("")
                .starts_with("alert-a-")
        })
        .count();
    assert!(
        from_a_at_kill < 3,
        "A's alerts were all sent before the kill: {at_kill:?}"
    );

    // B sends what A left: the alerts A queued and did not claim at once,
    // and the one A was sending once its claim has expired.
    let all_keys = |hooks: &[Hook]| by_key(hooks).len() >= expected.len();
    assert!(
        sink.wait_until(Duration::from_secs(90), all_keys),
        "{:?}\nB:\n{}",
        sink.hooks(),
        b.log()
    );
    let hooks = sink.hooks();
    let keys = by_key(&hooks);
    let mut delivered: Vec<String> = keys.values().map(|(call, _)| call.clone()).collect();
    delivered.sort();
    expected.sort();
    assert_eq!(delivered, expected, "one key per alerting call: {hooks:?}");
    for hook in &hooks {
        assert_eq!(hook.key.len(), 36, "{hook:?}");
        assert_eq!(hook.body["alert_id"], hook.key.as_str(), "{hook:?}");
    }
    // A repeat is the POST A had in flight (one at a time), if any.
    let repeats = hooks.len() - keys.len();
    assert!(repeats <= 1, "{repeats} repeats: {hooks:?}");
    let mut bodies = BTreeMap::new();
    for hook in &hooks {
        let first = bodies.entry(&hook.key).or_insert(&hook.body);
        assert_eq!(*first, &hook.body, "a repeat is the same alert");
    }

    // A starts again: nothing is left for it to send.
    a.crash_and_restart();
    std::thread::sleep(Duration::from_secs(7));
    assert_eq!(sink.hooks().len(), hooks.len(), "{:?}", sink.hooks());
}

#[test]
fn an_alert_whose_sender_died_mid_post_is_sent_again_by_another_node_with_the_same_key() {
    let url = testpg::fresh_database();
    // The first POST is taken and never answered: its sender is killed
    // while it waits. Later ones are answered at once.
    let sink = WebhookSink::start(1, Duration::ZERO);
    let a = alerting_node(&url, &sink.url());
    let mut call = alerting_call(&a, "mid-post");
    assert!(
        sink.wait_until(Duration::from_secs(30), |h| !h.is_empty()),
        "no alert from A:\n{}",
        a.log()
    );
    sigkill(&a);
    call.kill().ok();
    call.wait().ok();

    // B starts after A died: it finds the alert claimed by A and sends it
    // once the claim has expired.
    let b = alerting_node(&url, &sink.url());
    assert!(
        sink.wait_until(Duration::from_secs(60), |h| h.len() >= 2),
        "B did not send the alert again:\n{}",
        b.log()
    );
    let hooks = sink.hooks();
    assert_eq!(hooks[0].body["call_id"], "mid-post", "{hooks:?}");
    assert_eq!(hooks[0].key.len(), 36, "{hooks:?}");
    assert_eq!(hooks[1].key, hooks[0].key, "the same key: a repeat");
    assert_eq!(hooks[1].body, hooks[0].body, "{hooks:?}");
    assert_eq!(hooks[1].body["alert_id"], hooks[0].key.as_str());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.log().contains("alert delivered") {
        assert!(Instant::now() < deadline, "B:\n{}", b.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(sink.hooks().len(), 2, "sent once more, no more");
}
