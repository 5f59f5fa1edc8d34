//! Interop over loopback: SIGHUP reloads the configuration. A number added
//! to the allowlist rings straight through on the next call; an invalid
//! file keeps the running configuration, logs the file and line, and calls
//! still work; SIGTERM still stops the service with status 0. A call in
//! progress keeps the configuration it started with.

mod common;

use std::time::{Duration, Instant};

use common::{assert_ok, sipp, Service};

const CALLER: &str = "+441632960555";

/// Waits until the service log holds `text` `count` times.
fn wait_log(svc: &Service, text: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while svc.log().matches(text).count() < count {
        assert!(Instant::now() < deadline, "no {text:?} in:\n{}", svc.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sighup_reloads_the_lines_and_keeps_them_when_the_file_is_invalid() {
    let mut svc = Service::start_with_line_keys("[line.policy]\nallowlist = []\n", "", &[]);
    let caller = ["-set", "caller", CALLER];
    let out = sipp(&svc, "uac_pass.xml", "reload-1", &caller);
    assert_ok(&out, &svc, "first call");
    let first = svc.wait_call("reload-1", |c| !c["ended_at"].is_null());
    assert_eq!(first["policy"], "challenge", "{first}");

    let text = std::fs::read_to_string(&svc.config).expect("config");
    let allowed = text.replace("allowlist = []", &format!("allowlist = [\"{CALLER}\"]"));
    assert_ne!(allowed, text);
    std::fs::write(&svc.config, &allowed).expect("write config");
    svc.signal("HUP");
    wait_log(&svc, "configuration reloaded", 1);
    let out = sipp(&svc, "uac_pass.xml", "reload-2", &caller);
    assert_ok(&out, &svc, "call after the reload");
    let second = svc.wait_call("reload-2", |c| !c["ended_at"].is_null());
    assert_eq!(second["policy"], "allowlisted", "{second}");

    // An invalid file: an unknown key. The running configuration stays.
    let invalid = allowed.replace("allowlist = [", "allowlistt = [");
    std::fs::write(&svc.config, &invalid).expect("write config");
    svc.signal("HUP");
    wait_log(&svc, "the running configuration is kept", 1);
    let log = svc.log();
    let name = svc
        .config
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let line = invalid
        .lines()
        .position(|l| l.starts_with("allowlistt"))
        .expect("line")
        + 1;
    assert!(
        log.contains(&format!("{name}:{line}")),
        "the error names the file and line {line}:\n{log}"
    );
    let out = sipp(&svc, "uac_pass.xml", "reload-3", &caller);
    assert_ok(&out, &svc, "call after the invalid reload");
    // `calls` reads the same file: give it back a valid one (no SIGHUP).
    std::fs::write(&svc.config, &allowed).expect("write config");
    let third = svc.wait_call("reload-3", |c| !c["ended_at"].is_null());
    assert_eq!(third["policy"], "allowlisted", "{third}");

    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn a_call_in_progress_keeps_its_configuration_across_a_reload() {
    let mut svc = Service::start("challenge_digit = 5\n");
    // The caller keys 5 seven seconds after the answer.
    let mut during = common::sipp_command(
        &svc,
        "uac_pass.xml",
        "reload-during",
        &["-set", "digit", "5"],
    );
    let call = std::thread::spawn(move || during.output().expect("run sipp"));
    svc.wait_call("reload-during", |c| !c["answered_at"].is_null());

    // Meanwhile the line's digit becomes 7.
    let text = std::fs::read_to_string(&svc.config).expect("config");
    let seven = text.replace("challenge_digit = 5", "challenge_digit = 7");
    assert_ne!(seven, text);
    std::fs::write(&svc.config, &seven).expect("write config");
    svc.signal("HUP");
    wait_log(&svc, "configuration reloaded", 1);

    // The call in progress still wants 5, and passes with it.
    let out = call.join().expect("sipp thread");
    assert_ok(&out, &svc, "the call across the reload");
    let during = svc.wait_call("reload-during", |c| !c["ended_at"].is_null());
    assert_eq!(during["outcome"], "passed", "{during}");
    assert_eq!(during["hangup_by"], "caller", "{during}");

    // A new call wants 7.
    let out = sipp(
        &svc,
        "uac_pass.xml",
        "reload-after",
        &["-set", "digit", "7"],
    );
    assert_ok(&out, &svc, "a call after the reload");
    let after = svc.wait_call("reload-after", |c| !c["ended_at"].is_null());
    assert_eq!(after["outcome"], "passed", "{after}");

    assert_eq!(svc.stop(), Some(0));
}
