//! The line-clear callback across two nodes on one PostgreSQL store: a
//! screened caller is held on node A when the resident's phone dials 101
//! through node B. B asks A through the store, A hangs its caller up (BYE)
//! and answers with the count of calls it ended, and only then does B
//! place exactly one call to 101 through the trunk; the callback's proof
//! says it started after the line was clear. The database is a fresh one
//! on a throwaway cluster.

mod common;
#[path = "../src/sql/testpg.rs"]
mod testpg;

use std::time::{Duration, Instant};

use common::{assert_ok, Service};

/// A node: the line with the phone's account, the trunk, the shared store.
fn node(trunk_port: u16, url: &str) -> Service {
    Service::start_with_phones(
        &format!(
            "challenge_digit = 5
[[line.account]]
user = \"kitchen\"
password = \"kitchen-secret\"
[[trunk]]
name = \"provider\"
sources = [\"127.0.0.1\"]
address = \"sip:127.0.0.1:{trunk_port}\"
username = \"flat12\"
password = \"trunk-secret\"

[store]
url = {url:?}
"
        ),
        &[],
    )
}

/// Waits until `svc`'s log has `text`.
fn wait_log(svc: &Service, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !svc.log().contains(text) {
        assert!(Instant::now() < deadline, "no {text:?} in:\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_callback_on_node_b_clears_the_caller_held_on_node_a_before_it_dials() {
    let url = testpg::fresh_database();
    let trunk_port = common::free_port();
    let trunk_dir = tempfile::tempdir().expect("dir");
    let trunk = common::sipp_trunk(trunk_dir.path(), trunk_port);
    let mut a = node(trunk_port, &url);
    let mut b = node(trunk_port, &url);
    wait_log(&a, "cluster: this node's name in the store");
    wait_log(&b, "cluster: this node's name in the store");
    // Both heartbeats are in the store.
    std::thread::sleep(Duration::from_millis(1200));

    // A caller who passed the challenge on A and stays on the line.
    let caller = common::sipp_in_background(&a, "uac_pass_wait_bye.xml", "held-on-a");
    a.wait_call("held-on-a", |c| c["outcome"] == "passed");

    // The resident's phone dials 101 through B.
    let phone_port = common::free_port();
    let out = common::kitchen_phone(
        &b,
        phone_port,
        "phone_dial.xml",
        "101",
        "kitchen-secret",
        "dial_messages.log",
    );
    assert_ok(&out, &b, "the phone's call to 101 through B was connected");
    let caller = caller.join().expect("caller");
    assert_ok(&caller, &a, "the caller held on A got BYE");
    let trunk = trunk.join().expect("trunk");
    let wire =
        std::fs::read_to_string(trunk_dir.path().join("trunk_messages.log")).unwrap_or_default();
    assert!(
        trunk.status.success(),
        "trunk: {wire}\nA:\n{}\nB:\n{}",
        a.log(),
        b.log()
    );
    assert_eq!(
        wire.matches("INVITE sip:").count(),
        2,
        "one call to 101 (challenged once):\n{wire}"
    );

    // A ended its call for B's request and answered; B waited for it.
    let held = a.wait_call("held-on-a", |c| !c["ended_at"].is_null());
    assert_eq!(held["end_reason"], "line cleared", "{held}");
    assert!(
        a.log()
            .contains("cluster: line cleared for another node's callback"),
        "{}",
        a.log()
    );
    let answer = b
        .log()
        .lines()
        .find(|l| l.contains("cluster: node cleared the line"))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("B never heard A's answer:\n{}", b.log()));
    assert!(answer.contains("calls_ended=1"), "{answer}");
    let callback = b.wait_call_where(|c| {
        c["policy"] == "callback-dialled_verified" && !c["ended_at"].is_null()
    });
    let proof = callback["callback"]
        .as_str()
        .unwrap_or_else(|| panic!("{callback}"));
    assert!(
        proof.contains("callback started after the line was clear: true"),
        "{proof}"
    );
    assert!(proof.contains("dialled 101"), "{proof}");
    assert_eq!(a.stop(), Some(0));
    assert_eq!(b.stop(), Some(0));
}
