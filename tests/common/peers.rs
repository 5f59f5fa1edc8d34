//! SIPp as the service's peers (callers, phones, a trunk), and the checks
//! on what a SIPp run and a recording show.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::ports::{free_port, sipp_media_port};
use super::service::Service;

/// The scenario directory.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(name)
}

/// The SIPp command for one call of `scenario_file` against the service,
/// with its Call-ID set to `call_id` and message traces in the test's
/// directory.
pub fn sipp_command(svc: &Service, scenario_file: &str, call_id: &str, extra: &[&str]) -> Command {
    let media_port = sipp_media_port();
    let mut cmd = Command::new("sipp");
    cmd.current_dir(svc.dir.path())
        .arg(svc.addr.to_string())
        .arg("-sf")
        .arg(scenario(scenario_file))
        .args(["-i", "127.0.0.1", "-p"])
        .arg(free_port().to_string())
        .arg("-mp")
        .arg(media_port.to_string())
        .args([
            "-m",
            "1",
            "-timeout",
            "90s",
            "-timeout_error",
            "-nostdin",
            "-trace_err",
            "-trace_msg",
        ])
        .args(["-cid_str", call_id])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// SIPp playing a peer (a phone, a trunk) from `port`: `scenario` run once
/// in `dir`, with its own media port, a 60 s limit, and its messages traced
/// to `log` there; `extra` arguments are added (a target address first, if
/// the peer starts the call). Scenario `"uas"` is SIPp's built-in callee.
pub fn sipp_peer(dir: &Path, scenario_file: &str, port: u16, extra: &[&str], log: &str) -> Command {
    let mut cmd = Command::new("sipp");
    cmd.current_dir(dir).args(extra);
    if scenario_file == "uas" {
        cmd.args(["-sn", "uas"]);
    } else {
        cmd.arg("-sf").arg(scenario(scenario_file));
    }
    cmd.args(["-i", "127.0.0.1", "-p"])
        .arg(port.to_string())
        .arg("-mp")
        .arg(sipp_media_port().to_string())
        .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
        .args(["-trace_msg", "-message_file", log])
        .stdin(Stdio::null());
    cmd
}

/// Runs one SIPp call of `scenario` against the service; returns its output.
pub fn sipp(svc: &Service, scenario_file: &str, call_id: &str, extra: &[&str]) -> Output {
    sipp_command(svc, scenario_file, call_id, extra)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sipp ({e}); install it: apt-get install sip-tester"))
}

/// Runs one SIPp call in the background (for tests that act on the service
/// while the call is up).
pub fn sipp_in_background(
    svc: &Service,
    scenario_file: &str,
    call_id: &str,
) -> std::thread::JoinHandle<Output> {
    let mut cmd = sipp_command(svc, scenario_file, call_id, &[]);
    std::thread::spawn(move || cmd.output().expect("run sipp"))
}

/// SIPp's message trace of a run (all messages it sent and received).
pub fn sipp_messages(svc: &Service) -> String {
    let mut all = String::new();
    if let Ok(rd) = std::fs::read_dir(svc.dir.path()) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with("_messages.log") || name.ends_with("_errors.log") {
                let mut s = String::new();
                if let Ok(mut f) = std::fs::File::open(e.path()) {
                    f.read_to_string(&mut s).ok();
                }
                all.push_str(&format!("==== {name}\n{s}"));
            }
        }
    }
    all
}

/// Fails the test with everything useful when a SIPp run did not succeed.
pub fn assert_ok(out: &std::process::Output, svc: &Service, what: &str) {
    assert!(
        out.status.success(),
        "{what}: sipp exit {:?}\nstdout:\n{}\nstderr:\n{}\nmessages:\n{}\nservice log:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        sipp_messages(svc),
        svc.log()
    );
}

/// The call rang at least `rung_ms` before it was answered, and its
/// recording holds only the answered part (within a second), not the
/// ringing.
pub fn assert_recorded_from_answer(svc: &Service, call: &serde_json::Value, rung_ms: f64) {
    let talk_ms = call["talk_ms"].as_f64().expect("talk_ms");
    let duration_ms = call["duration_ms"].as_f64().expect("duration_ms");
    assert!(duration_ms - talk_ms >= rung_ms, "{call}");
    let rec = svc
        .data_dir()
        .join(call["recording"].as_str().expect("recording"));
    let reader = hound::WavReader::open(&rec).expect("valid WAV");
    let spec = reader.spec();
    let rec_ms = f64::from(reader.duration()) * 1000.0 / f64::from(spec.sample_rate);
    assert!(rec_ms > 500.0, "something was recorded: {rec_ms} ms");
    assert!(
        rec_ms <= talk_ms + 1000.0,
        "recorded {rec_ms} ms of a call answered for {talk_ms} ms: {call}"
    );
}

/// SIPp as the line's phone account `kitchen` (digest password
/// `password`) running `scenario` from `port` against `svc`, dialling
/// `number`; its output.
pub fn kitchen_phone(
    svc: &Service,
    port: u16,
    scenario: &str,
    number: &str,
    password: &str,
    log: &str,
) -> Output {
    let target = svc.addr.to_string();
    let args = [
        target.as_str(),
        "-s",
        number,
        "-set",
        "user",
        "kitchen",
        "-au",
        "kitchen",
        "-ap",
        password,
    ];
    sipp_peer(svc.dir.path(), scenario, port, &args, log)
        .output()
        .expect("run sipp as the phone")
}

/// SIPp as the provider's trunk (`trunk_callout.xml`: challenges one
/// INVITE with 401, then takes the call), on `port` in the background; its
/// messages in `dir/trunk_messages.log`.
pub fn sipp_trunk(dir: &Path, port: u16) -> std::thread::JoinHandle<Output> {
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        sipp_peer(&dir, "trunk_callout.xml", port, &[], "trunk_messages.log")
            .output()
            .expect("run sipp as the trunk")
    })
}

/// SIPp as one of the resident's phones on `port`, answering (no
/// `scenario_file`) or playing `scenario_file`, its messages traced to
/// `log` in the test's directory.
pub fn sipp_phone(
    svc: &Service,
    port: u16,
    scenario_file: Option<&str>,
    log: &str,
) -> std::thread::JoinHandle<Output> {
    let dir = svc.dir.path().to_path_buf();
    let scenario = scenario_file.map(scenario);
    let log = log.to_string();
    std::thread::spawn(move || {
        let mut cmd = Command::new("sipp");
        cmd.current_dir(&dir);
        match &scenario {
            Some(s) => cmd.arg("-sf").arg(s),
            None => cmd.args(["-sn", "uas"]),
        };
        cmd.args(["-i", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .arg("-mp")
            .arg(sipp_media_port().to_string())
            .args([
                "-m",
                "1",
                "-timeout",
                "60s",
                "-timeout_error",
                "-nostdin",
                "-trace_msg",
                "-message_file",
            ])
            .arg(&log)
            .stdin(Stdio::null())
            .output()
            .expect("run sipp as a phone")
    })
}
