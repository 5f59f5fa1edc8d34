//! Two nodes on one PostgreSQL database: a line changed through node A's
//! console reaches node B without a reload. B's next call from the
//! caller A allowlisted is allowlisted; a call B took before the change
//! was challenged. The database is a fresh one on a throwaway cluster.

mod common;
mod console_support;
#[path = "../src/sql/testpg.rs"]
mod testpg;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{sipp, Service};
use console_support::{password, Client, Console};

/// A valid UK number (Ofcom's drama range).
const CALLER: &str = "+441632960555";

/// Waits until the service log holds `text`.
fn wait_log(svc: &Service, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !svc.log().contains(text) {
        assert!(Instant::now() < deadline, "no {text:?} in:\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `linewarden user add --role admin NAME --config CONFIG`.
fn add_admin(svc: &Service, name: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["user", "add", "--role", "admin", name, "--config"])
        .arg(&svc.config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{}", password(name)).expect("password");
    drop(stdin);
    let out = child.wait_with_output().expect("ends");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One call from `CALLER` to `svc`; its `policy` once it has ended. What
/// the caller hears is not the point here: the line has no phone, so an
/// allowlisted call may be ended by the service before SIPp's own BYE
/// (which SIPp counts as a failure); the policy B applied is.
fn call_policy(svc: &Service, call_id: &str) -> String {
    sipp(svc, "uac_pass.xml", call_id, &["-set", "caller", CALLER]);
    let call = svc.wait_call(call_id, |c| !c["ended_at"].is_null());
    call["policy"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_line_changed_on_one_node_is_used_by_the_other() {
    let url = testpg::fresh_database();
    let store = format!("\n[store]\nurl = {url:?}\n");
    let policy = "[line.policy]\nallowlist = []\n";
    let a = Console::start_with(&store, policy, |_| {});
    let b = Service::start_custom(&store, policy, "", &["*"], &[], |_| {});
    assert_eq!(call_policy(&b, "cluster-before"), "challenge");

    add_admin(&a.svc, "ann");
    let ann = Client::logged_in(&a.base, "ann");
    let mut line = ann.get("/api/lines/test").json()["line"].clone();
    line["policy"]["allowlist"] = serde_json::json!([CALLER]);
    let changed = ann.send_json("PUT", "/api/lines/test", Some(&line), true);
    assert_eq!(changed.status, 200, "{}", changed.text());

    wait_log(&b, "the stored lines changed in the store");
    assert_eq!(call_policy(&b, "cluster-after"), "allowlisted");
    assert_eq!(call_policy(&a.svc, "cluster-on-a"), "allowlisted");
}
