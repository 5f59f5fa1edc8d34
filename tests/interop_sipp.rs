//! Interop over loopback: SIPp (from Debian's sip-tester) calls the real
//! `linewarden serve` and the call log and recording are checked.
//!
//! The service is configured with challenge digit 5 so a scripted caller can
//! pass; the scenarios are in `tests/sipp/`.

mod common;

use common::{assert_ok, sipp, sipp_messages, Service};

const FIXED_FIVE: &str = "challenge_digit = 5\ndigit_timeout_secs = 4\n";

#[test]
fn right_digit_passes_and_the_recording_has_both_sides() {
    let mut svc = Service::start(FIXED_FIVE);
    let out = sipp(&svc, "uac_pass.xml", "pass-1", &[]);
    assert_ok(&out, &svc, "pass");
    let call = svc.wait_call("pass-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "passed", "{call}");

    let rec = call["recording"].as_str().expect("recording path");
    let path = svc.data_dir().join(rec);
    let mut reader = hound::WavReader::open(&path).expect("recording is a valid WAV");
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 8000, 16)
    );
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let frames = samples.len() / 2;
    let secs = frames as f64 / 8000.0;
    // The scenario stays ~12 s in the call (notice + challenge + digit + 3 s).
    assert!((8.0..30.0).contains(&secs), "recording lasts {secs:.1} s");
    let energy = |ch: usize| -> f64 {
        samples
            .iter()
            .skip(ch)
            .step_by(2)
            .map(|&s| f64::from(s).abs())
            .sum::<f64>()
            / frames as f64
    };
    let (left, right) = (energy(0), energy(1));
    assert!(
        left > 100.0,
        "caller channel (left) should carry SIPp's audio: mean |s| {left:.1}"
    );
    assert!(
        right > 100.0,
        "service channel (right) should carry the prompts: mean |s| {right:.1}"
    );
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn wrong_digit_twice_fails_and_the_service_hangs_up() {
    let mut svc = Service::start(FIXED_FIVE);
    let out = sipp(&svc, "uac_wrong.xml", "wrong-1", &[]);
    assert_ok(&out, &svc, "wrong");
    let call = svc.wait_call("wrong-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "failed", "{call}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn no_digit_times_out_and_the_service_hangs_up() {
    let mut svc = Service::start(FIXED_FIVE);
    let out = sipp(&svc, "uac_timeout.xml", "timeout-1", &[]);
    assert_ok(&out, &svc, "timeout");
    let call = svc.wait_call("timeout-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "timeout", "{call}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn sip_info_digit_passes() {
    let mut svc = Service::start(FIXED_FIVE);
    let out = sipp(&svc, "uac_info.xml", "info-1", &[]);
    assert_ok(&out, &svc, "info");
    let call = svc.wait_call("info-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "passed", "{call}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn caller_behind_nat_still_gets_our_bye() {
    let mut svc = Service::start(FIXED_FIVE);
    let out = sipp(&svc, "uac_nat.xml", "nat-1", &[]);
    assert_ok(&out, &svc, "nat");
    // The Contact's user is %-escaped: the BYE must not escape it again.
    let msgs = sipp_messages(&svc);
    let bye = msgs
        .lines()
        .find(|l| l.starts_with("BYE "))
        .unwrap_or_else(|| panic!("no BYE received:\n{msgs}"));
    assert!(
        bye.starts_with("BYE sip:alice-") || bye.starts_with("BYE sip:%61lice-"),
        "{bye}"
    );
    let call = svc.wait_call("nat-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "timeout", "{call}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn hold_and_unhold_reinvites_are_answered() {
    let mut svc = Service::start(FIXED_FIVE);
    let out = sipp(&svc, "uac_hold.xml", "hold-1", &[]);
    assert_ok(&out, &svc, "hold");
    let msgs = sipp_messages(&svc);
    assert!(
        msgs.contains("a=recvonly"),
        "hold answer must be recvonly:\n{msgs}"
    );
    svc.wait_call("hold-1", |c| !c["ended_at"].is_null());
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn builtin_uac_completes_every_call_at_20_percent_loss() {
    let mut svc = Service::start(FIXED_FIVE);
    let out = std::process::Command::new("sipp")
        .current_dir(svc.dir.path())
        .arg(svc.addr.to_string())
        .args(["-sn", "uac", "-i", "127.0.0.1", "-p"])
        .arg(common::free_port().to_string())
        .args([
            "-m",
            "10",
            "-l",
            "2",
            "-r",
            "5",
            "-lost",
            "20",
            "-timeout",
            "120s",
            "-timeout_error",
            "-nostdin",
            "-trace_err",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sipp");
    assert_ok(&out, &svc, "uac -lost 20");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Successful call"), "{stdout}");
    // Every call ends in the log. Under SIPp's simulated loss a caller may
    // vanish without ACK or BYE (SIPp still counts it a success): the service
    // must end such a call by itself — ACK timeout or the challenge timing
    // out, then a BYE nobody answers (64 x T1) — so allow for that.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(100);
    loop {
        let calls = svc.calls();
        let ended = calls.iter().filter(|c| !c["ended_at"].is_null()).count();
        if ended >= 10 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {ended}/10 calls ended: {calls:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn cancel_while_ringing_gets_487_and_leaves_no_call_behind() {
    let mut svc = Service::start("challenge_digit = 5\nanswer_after_ms = 3000\n");
    let out = sipp(&svc, "uac_cancel.xml", "cancel-1", &[]);
    assert_ok(&out, &svc, "cancel");
    let msgs = sipp_messages(&svc);
    assert!(msgs.contains("SIP/2.0 180"), "ringing first:\n{msgs}");
    assert!(msgs.contains("SIP/2.0 487"), "INVITE answered 487:\n{msgs}");
    let call = svc.wait_call("cancel-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "abandoned", "{call}");
    assert!(call["answered_at"].is_null(), "never answered: {call}");
    assert!(call["recording"].is_null(), "nothing recorded: {call}");
    // Nothing is left: the service still has no call in progress and stops
    // at once.
    assert_eq!(svc.stop(), Some(0));
    assert!(
        !svc.log().contains("hanging up calls in progress"),
        "{}",
        svc.log()
    );
}

#[test]
fn tcp_caller_passes() {
    let mut svc = Service::start(FIXED_FIVE);
    let out = sipp(&svc, "uac_pass.xml", "tcp-1", &["-t", "t1"]);
    assert_ok(&out, &svc, "pass over TCP");
    let call = svc.wait_call("tcp-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "passed", "{call}");
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn sigterm_mid_call_hangs_up_and_keeps_a_valid_recording() {
    let mut svc = Service::start(FIXED_FIVE);
    // A caller that never presses a key and waits for our BYE.
    let caller = common::sipp_in_background(&svc, "uac_timeout.xml", "term-1");
    svc.wait_call("term-1", |c| !c["answered_at"].is_null());
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert_eq!(svc.stop(), Some(0), "clean exit on SIGTERM:\n{}", svc.log());
    let out = caller.join().expect("sipp thread");
    assert_ok(&out, &svc, "caller gets our BYE at shutdown");

    let call = svc
        .calls()
        .into_iter()
        .find(|c| c["call_id"] == "term-1")
        .expect("call logged");
    assert_eq!(call["end_reason"], "shutdown", "{call}");
    assert!(!call["ended_at"].is_null(), "{call}");
    let rec = svc
        .data_dir()
        .join(call["recording"].as_str().expect("recording"));
    let reader = hound::WavReader::open(&rec).expect("finalized WAV after SIGTERM");
    let secs = f64::from(reader.duration()) / 8000.0;
    assert!(
        (3.5..15.0).contains(&secs),
        "recording of the call so far: {secs:.1} s"
    );
}

/// baresip as the caller: it dials, presses 5 (RFC 4733) and hangs up.
#[test]
fn baresip_caller_passes_with_its_digit() {
    let mut svc = Service::start(FIXED_FIVE);
    let uri = format!("sip:5550199@{}", svc.addr);
    let out = std::process::Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/baresip/call.sh"
        ))
        .args([uri.as_str(), "5", "8", "3"])
        .arg(common::free_port().to_string())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run baresip");
    assert_ok(&out, &svc, "baresip call");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let call = loop {
        let calls = svc.calls();
        if let Some(c) = calls.into_iter().find(|c| !c["ended_at"].is_null()) {
            break c;
        }
        assert!(std::time::Instant::now() < deadline, "{}", svc.log());
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(call["caller"], "tester", "{call}");
    assert_eq!(call["called"], "5550199", "{call}");
    assert_eq!(call["outcome"], "passed", "{call}");
    assert_eq!(svc.stop(), Some(0));
}

/// An offer with no codec in common (G.729 only) gets 488 and no call.
#[test]
fn no_common_codec_gets_488() {
    let mut svc = Service::start(FIXED_FIVE);
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(std::time::Duration::from_millis(300)))
        .ok();
    let local = sock.local_addr().expect("addr");
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {} RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n",
        local.port() + 2
    );
    let invite = format!(
        "INVITE sip:5550000@{a} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-g729;rport\r\nMax-Forwards: 70\r\nFrom: <sip:+441632960001@{local}>;tag=g729\r\nTo: <sip:5550000@{a}>\r\nCall-ID: g729-1@test\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@{local}>\r\nContent-Type: application/sdp\r\nContent-Length: {len}\r\n\r\n{sdp}",
        a = svc.addr,
        len = sdp.len()
    );
    sock.send_to(invite.as_bytes(), svc.addr).expect("send");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut finals = Vec::new();
    let mut buf = [0u8; 4096];
    while std::time::Instant::now() < deadline && finals.is_empty() {
        if let Ok((n, _)) = sock.recv_from(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            if !text.starts_with("SIP/2.0 1") {
                finals.push(text);
            }
        }
    }
    let first = finals
        .first()
        .map(|t| t.lines().next().unwrap_or_default().to_string());
    assert_eq!(
        first.as_deref(),
        Some("SIP/2.0 488 Not Acceptable Here"),
        "{finals:?}\n{}",
        svc.log()
    );
    assert!(
        svc.calls().is_empty(),
        "a refused offer leaves no call in the log"
    );
    assert_eq!(svc.stop(), Some(0));
}

/// A blocklisted caller gets 603 Decline, is never answered, and the attempt
/// is in the call log with the policy's decision.
#[test]
fn blocklisted_caller_is_declined_and_logged() {
    let mut svc =
        Service::start("challenge_digit = 5\n[line.policy]\nblocklist = [\"01632 960999\"]\n");
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(std::time::Duration::from_millis(300)))
        .ok();
    let local = sock.local_addr().expect("addr");
    let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let invite = format!(
        "INVITE sip:5550000@{a} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-blocked;rport\r\nMax-Forwards: 70\r\nFrom: <sip:+441632960999@{local}>;tag=blk\r\nTo: <sip:5550000@{a}>\r\nCall-ID: blocked-1@test\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@{local}>\r\nContent-Type: application/sdp\r\nContent-Length: {len}\r\n\r\n{sdp}",
        a = svc.addr,
        len = sdp.len()
    );
    sock.send_to(invite.as_bytes(), svc.addr).expect("send");
    let mut buf = [0u8; 4096];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut final_line = None;
    while std::time::Instant::now() < deadline && final_line.is_none() {
        if let Ok((n, _)) = sock.recv_from(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            if !text.starts_with("SIP/2.0 1") {
                final_line = text.lines().next().map(str::to_string);
            }
        }
    }
    assert_eq!(
        final_line.as_deref(),
        Some("SIP/2.0 603 Decline"),
        "{}",
        svc.log()
    );
    let call = svc.wait_call("blocked-1@test", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "rejected", "{call}");
    assert_eq!(call["policy"], "blocked", "{call}");
    assert!(call["answered_at"].is_null(), "{call}");
    assert_eq!(svc.stop(), Some(0));
}

/// With a trunk configured, an INVITE from outside its networks gets 403
/// and never reaches a line (SIP scanners find no open door).
#[test]
fn invite_from_outside_the_trunks_gets_403() {
    let mut svc = Service::start(
        "challenge_digit = 5\n\n[[trunk]]\nname = \"provider\"\nsources = [\"192.0.2.0/24\"]\n",
    );
    let out = sipp(&svc, "uac_cancel.xml", "scanner-1", &["-timeout", "10s"]);
    let msgs = sipp_messages(&svc);
    assert!(!out.status.success(), "the call must not go through");
    assert!(
        msgs.contains("SIP/2.0 403"),
        "403 for a non-trunk source:\n{msgs}\n{}",
        svc.log()
    );
    assert!(svc.calls().is_empty(), "nothing reaches the call log");
    assert_eq!(svc.stop(), Some(0));
}
