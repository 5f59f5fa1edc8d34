//! Interop over loopback: the line-clear callback when the resident's phone
//! dials a verified number. SIPp plays the phone (registered with digest
//! auth), a screened caller still on the line, and the provider's trunk
//! (challenging our INVITE with 401): the caller is cleared off the line
//! first, then exactly one INVITE goes to the trunk, to 101, with valid
//! credentials. Calls to other numbers, or from someone without the
//! phone's password, are refused and logged.

mod common;

use common::{assert_ok, Service};

fn config(trunk_port: u16) -> String {
    format!(
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
"
    )
}

fn register(svc: &Service, port: u16) {
    let target = svc.addr.to_string();
    let args = [
        target.as_str(),
        "-s",
        "kitchen",
        "-au",
        "kitchen",
        "-ap",
        "kitchen-secret",
    ];
    let out = common::sipp_peer(
        svc.dir.path(),
        "phone_register.xml",
        port,
        &args,
        "register.log",
    )
    .output()
    .expect("sipp register");
    assert_ok(&out, svc, "the phone registered");
}

#[test]
fn dialling_101_clears_the_line_then_calls_out_through_the_trunk() {
    let trunk_port = common::free_port();
    let trunk_dir = tempfile::tempdir().expect("dir");
    let trunk = common::sipp_trunk(trunk_dir.path(), trunk_port);
    let mut svc = Service::start_with_phones(&config(trunk_port), &[]);
    let phone_port = common::free_port();
    register(&svc, phone_port);

    // A caller who passed the challenge and stays on the line, silent.
    let caller = common::sipp_in_background(&svc, "uac_pass_wait_bye.xml", "held-line");
    svc.wait_call("held-line", |c| c["outcome"] == "passed");

    let out = common::kitchen_phone(
        &svc,
        phone_port,
        "phone_dial.xml",
        "101",
        "kitchen-secret",
        "dial_messages.log",
    );
    assert_ok(&out, &svc, "the phone's call to 101 was connected");
    let caller = caller.join().expect("caller");
    assert_ok(&caller, &svc, "the caller still on the line got BYE first");
    let trunk = trunk.join().expect("trunk");
    let wire =
        std::fs::read_to_string(trunk_dir.path().join("trunk_messages.log")).unwrap_or_default();
    assert!(
        trunk.status.success(),
        "trunk: {:?}\n{wire}\n{}",
        trunk.status.code(),
        svc.log()
    );
    assert_eq!(
        wire.matches("INVITE sip:").count(),
        2,
        "one call, challenged once:\n{wire}"
    );
    assert!(
        wire.contains("Authorization: Digest username=\"flat12\""),
        "{wire}"
    );

    let held = svc.wait_call("held-line", |c| !c["ended_at"].is_null());
    assert_eq!(held["end_reason"], "line cleared", "{held}");
    let callback = svc.wait_call_where(|c| {
        c["policy"] == "callback-dialled_verified" && !c["ended_at"].is_null()
    });
    let proof = callback["callback"]
        .as_str()
        .unwrap_or_else(|| panic!("{callback}"));
    assert!(
        proof.contains("callback started after the line was clear: true"),
        "{proof}"
    );
    assert!(proof.contains("ended after"), "{proof}");
    assert!(proof.contains("line clear after"), "{proof}");
    assert!(proof.contains("dialled 101"), "{proof}");
    assert_eq!(callback["caller"], "kitchen", "{callback}");
    assert_eq!(callback["called"], "101", "{callback}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn arbitrary_numbers_and_strangers_are_refused_and_logged() {
    let mut svc = Service::start_with_phones(&config(common::free_port()), &[]);
    let phone_port = common::free_port();
    register(&svc, phone_port);
    let out = common::kitchen_phone(
        &svc,
        phone_port,
        "phone_dial_refused.xml",
        "07700900123",
        "kitchen-secret",
        "arbitrary.log",
    );
    assert_ok(&out, &svc, "an arbitrary number is refused");
    let out = common::kitchen_phone(
        &svc,
        common::free_port(),
        "phone_dial_refused.xml",
        "101",
        "guessed-password",
        "stranger.log",
    );
    assert_ok(
        &out,
        &svc,
        "someone without the phone's password is refused",
    );
    let log = svc.log();
    assert!(log.contains("outbound call refused"), "{log}");
    assert!(log.contains("not_allowed_destination"), "{log}");
    assert!(log.contains("bad credentials"), "{log}");
    assert!(svc.calls().is_empty(), "nothing was called");
    assert_eq!(svc.stop(), Some(0));
}

/// The feature code: the phone dials *55, linewarden ends that call, clears
/// the line and rings the phone back with the menu; the resident presses 1
/// and is connected to 101 through the trunk (one INVITE, challenged with
/// 401 and answered with valid credentials).
#[test]
fn star_55_rings_back_with_the_menu_and_1_calls_101() {
    let trunk_port = common::free_port();
    let trunk_dir = tempfile::tempdir().expect("dir");
    let trunk = common::sipp_trunk(trunk_dir.path(), trunk_port);
    let mut svc = Service::start_with_phones(&config(trunk_port), &[]);
    let phone_port = common::free_port();
    register(&svc, phone_port);
    let out = common::kitchen_phone(
        &svc,
        phone_port,
        "phone_feature_code.xml",
        "*55",
        "kitchen-secret",
        "star55.log",
    );
    assert_ok(&out, &svc, "*55 accepted (486) for a callback");
    // The phone, rung back on the port it registered from.
    let dir = svc.dir.path().to_path_buf();
    let rung = std::thread::spawn(move || {
        common::sipp_peer(
            &dir,
            "uas_callback_press1.xml",
            phone_port,
            &[],
            "rung_back.log",
        )
        .output()
        .expect("run sipp as the phone rung back")
    });
    let rung = rung.join().expect("phone");
    assert_ok(&rung, &svc, "rung back, pressed 1, talked, hung up");
    let trunk = trunk.join().expect("trunk");
    let wire =
        std::fs::read_to_string(trunk_dir.path().join("trunk_messages.log")).unwrap_or_default();
    assert!(
        trunk.status.success(),
        "trunk: {:?}\n{wire}\n{}",
        trunk.status.code(),
        svc.log()
    );
    assert_eq!(
        wire.matches("INVITE sip:").count(),
        2,
        "one call to 101, challenged once:\n{wire}"
    );
    let callback =
        svc.wait_call_where(|c| c["policy"] == "callback-feature_code" && !c["ended_at"].is_null());
    let proof = callback["callback"]
        .as_str()
        .unwrap_or_else(|| panic!("{callback}"));
    assert!(
        proof.contains("callback started after the line was clear: true"),
        "{proof}"
    );
    assert!(proof.contains("dialled 101"), "{proof}");
    assert_eq!(svc.stop(), Some(0));
}
