//! Interop over loopback: the resident's phone registers to linewarden with
//! digest authentication (SIPp playing the phone), and a screened caller
//! (SIPp playing the trunk) is bridged to it; the registration is kept
//! across a restart.

mod common;

use std::process::Output;
use std::thread::JoinHandle;

use common::{assert_ok, sipp, Service};

const ACCOUNT: &str = "challenge_digit = 5
[[line.account]]
user = \"kitchen\"
password = \"kitchen-secret\"
";

/// SIPp registering `user` with `password` from `port`, running `scenario`.
fn register(svc: &Service, port: u16, user: &str, password: &str, scenario: &str) -> Output {
    let target = svc.addr.to_string();
    let args = [target.as_str(), "-s", user, "-au", user, "-ap", password];
    common::sipp_peer(
        svc.dir.path(),
        scenario,
        port,
        &args,
        "register_messages.log",
    )
    .output()
    .expect("run sipp as the registering phone")
}

/// SIPp answering one call on `port`, as the registered phone.
fn phone(svc: &Service, port: u16, log: &str) -> JoinHandle<Output> {
    let mut cmd = common::sipp_peer(svc.dir.path(), "uas", port, &[], log);
    let handle = std::thread::spawn(move || cmd.output().expect("run sipp as the phone"));
    std::thread::sleep(std::time::Duration::from_millis(500));
    handle
}

#[test]
fn registered_phone_is_rung_and_its_registration_survives_a_restart() {
    let phone_port = common::free_port();
    let mut svc = Service::start_with_phones(ACCOUNT, &[]);

    let out = register(
        &svc,
        phone_port,
        "kitchen",
        "kitchen-secret",
        "phone_register.xml",
    );
    assert_ok(&out, &svc, "the phone registered after a digest challenge");
    let wire =
        std::fs::read_to_string(svc.dir.path().join("register_messages.log")).unwrap_or_default();
    assert!(
        wire.contains("WWW-Authenticate: Digest realm=\"linewarden\""),
        "{wire}"
    );
    assert!(wire.contains("Authorization: Digest"), "{wire}");

    let contact = format!("sip:kitchen@127.0.0.1:{phone_port}");
    let answering = phone(&svc, phone_port, "phone1_messages.log");
    let out = sipp(&svc, "uac_pass.xml", "reg-call-1", &[]);
    assert_ok(&out, &svc, "caller");
    assert_ok(
        &answering.join().expect("phone thread"),
        &svc,
        "the registered phone rang, answered and got BYE",
    );
    let call = svc.wait_call("reg-call-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "answered", "{call}");
    assert_eq!(call["answered_by"], contact.as_str(), "{call}");

    // After a restart the phone is still registered: no new REGISTER.
    svc.restart();
    let answering = phone(&svc, phone_port, "phone2_messages.log");
    let out = sipp(&svc, "uac_pass.xml", "reg-call-2", &[]);
    assert_ok(&out, &svc, "caller after restart");
    assert_ok(
        &answering.join().expect("phone thread"),
        &svc,
        "the phone registered before the restart rang",
    );
    let call = svc.wait_call("reg-call-2", |c| !c["ended_at"].is_null());
    assert_eq!(call["answered_by"], contact.as_str(), "{call}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn wrong_password_is_refused_and_nothing_rings() {
    let phone_port = common::free_port();
    let mut svc = Service::start_with_phones(ACCOUNT, &[]);
    let out = register(
        &svc,
        phone_port,
        "kitchen",
        "guessing-1234",
        "phone_register_wrong.xml",
    );
    assert_ok(&out, &svc, "challenged, then 403");
    // A caller who passes is not connected to anyone: no phone is
    // registered, so the call stays with linewarden until the caller ends it.
    let out = sipp(&svc, "uac_pass.xml", "reg-none", &[]);
    assert_ok(&out, &svc, "caller");
    let call = svc.wait_call("reg-none", |c| !c["ended_at"].is_null());
    assert!(call["bridge"].is_null(), "{call}");
    assert!(svc.log().contains("wrong password"), "{}", svc.log());
    assert_eq!(svc.stop(), Some(0));
}

/// linewarden registers to the trunk (SIPp playing the provider's
/// registrar): the first REGISTER is challenged with 401, the retry carries
/// valid digest credentials and gets 200; on shutdown linewarden removes
/// the registration.
#[test]
fn registers_to_the_trunk_answering_its_401() {
    let trunk_port = common::free_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut trunk_cmd = common::sipp_peer(
        dir.path(),
        "trunk_registrar.xml",
        trunk_port,
        &[],
        "trunk_messages.log",
    );
    let trunk = std::thread::spawn(move || trunk_cmd.output().expect("run sipp as the trunk"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let extra = format!(
        "challenge_digit = 5
[[trunk]]
name = \"provider\"
sources = [\"127.0.0.1\"]
address = \"sip:127.0.0.1:{trunk_port}\"
username = \"flat12\"
password = \"trunk-secret\"
register = true
register_expires_secs = 300
"
    );
    let mut svc = Service::start_with_phones(&extra, &[]);
    let out = trunk.join().expect("trunk thread");
    let wire = std::fs::read_to_string(dir.path().join("trunk_messages.log")).unwrap_or_default();
    assert!(
        out.status.success(),
        "trunk: {:?}\n{}\n{wire}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        svc.log()
    );
    assert!(
        wire.contains("Authorization: Digest username=\"flat12\""),
        "{wire}"
    );
    assert!(wire.contains("Expires: 300"), "{wire}");
    assert!(!wire.contains("trunk-secret"), "the password is never sent");
    // The granted 120 s is what linewarden refreshes on.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !svc.log().contains("registered to the trunk") {
        assert!(std::time::Instant::now() < deadline, "{}", svc.log());
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(svc.log().contains("expires=120"), "{}", svc.log());
    assert_eq!(svc.stop(), Some(0));
}

/// A phone behind NAT registers a Contact it cannot be reached at: the
/// INVITE, our ACK and our BYE all go to where its REGISTER came from.
#[test]
fn a_phone_behind_nat_is_reached_at_its_real_address() {
    let phone_port = common::free_port();
    let mut svc = Service::start_with_phones(ACCOUNT, &[]);
    let out = register(
        &svc,
        phone_port,
        "kitchen",
        "kitchen-secret",
        "phone_register_nat.xml",
    );
    assert_ok(&out, &svc, "registered with a private Contact");
    let answering = phone(&svc, phone_port, "nat_phone_messages.log");
    let out = sipp(&svc, "uac_pass.xml", "reg-nat", &[]);
    assert_ok(&out, &svc, "caller");
    assert_ok(
        &answering.join().expect("phone thread"),
        &svc,
        "the phone rang at its real address, got the ACK and the BYE",
    );
    let msgs =
        std::fs::read_to_string(svc.dir.path().join("nat_phone_messages.log")).unwrap_or_default();
    assert!(
        msgs.contains("INVITE sip:kitchen@10.255.255.1:5060"),
        "{msgs}"
    );
    assert!(msgs.contains("ACK sip:"), "{msgs}");
    assert!(msgs.contains("BYE sip:"), "{msgs}");
    let call = svc.wait_call("reg-nat", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "answered", "{call}");
    assert_eq!(svc.stop(), Some(0));
}
