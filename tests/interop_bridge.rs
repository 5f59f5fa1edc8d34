//! Interop over loopback: a screened caller bridged to the resident's
//! phones, with SIPp playing both the caller and the phones.

mod common;

use common::{assert_ok, sipp, sipp_phone as phone, Service};

/// A caller who passes is connected to the resident's phone (SIPp playing
/// the phone); when the caller hangs up, the phone gets BYE.
#[test]
fn passed_caller_is_bridged_to_the_resident_and_hangup_propagates() {
    let phone_port = common::free_port();
    let extra = "challenge_digit = 5
";
    let phone_uri = format!("sip:resident@127.0.0.1:{phone_port}");
    let mut svc = Service::start_with_phones(extra, &[&phone_uri]);
    let phone = phone(&svc, phone_port, None, "phone_messages.log");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = sipp(&svc, "uac_pass.xml", "bridge-1", &[]);
    assert_ok(&out, &svc, "caller");
    let phone = phone.join().expect("phone thread");
    assert_ok(
        &phone,
        &svc,
        "the resident's phone rang, answered and got BYE",
    );
    let msgs =
        std::fs::read_to_string(svc.dir.path().join("phone_messages.log")).unwrap_or_default();
    assert!(msgs.contains("INVITE sip:resident@"), "{msgs}");
    assert!(
        msgs.contains("BYE sip:"),
        "the phone got BYE when the caller hung up:\n{msgs}"
    );
    let call = svc.wait_call("bridge-1", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "passed", "{call}");
    assert_eq!(call["bridge"], "answered", "{call}");
    assert_eq!(call["answered_by"], phone_uri.as_str(), "{call}");
    assert!(call["bridged_at"].is_string(), "{call}");
    assert_eq!(call["hangup_by"], "caller", "{call}");
    assert!(call["talk_ms"].as_i64().is_some_and(|ms| ms >= 0), "{call}");
    assert_eq!(svc.stop(), Some(0));
}

/// The resident hangs up first while the caller stays on, silent: the
/// caller's leg gets BYE at once and the line is free.
#[test]
fn resident_hanging_up_first_ends_the_callers_leg() {
    let phone_port = common::free_port();
    let mut svc = Service::start_with_phones(
        "challenge_digit = 5\n",
        &[&format!("sip:resident@127.0.0.1:{phone_port}")],
    );
    let dir = svc.dir.path().to_path_buf();
    let phone = std::thread::spawn(move || {
        std::process::Command::new("sipp")
            .current_dir(&dir)
            .arg("-sf")
            .arg(common::scenario("uas_resident_hangs_up.xml"))
            .args(["-i", "127.0.0.1", "-p"])
            .arg(phone_port.to_string())
            .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run sipp as the phone")
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = sipp(&svc, "uac_pass_wait_bye.xml", "bridge-2", &[]);
    assert_ok(&out, &svc, "caller gets BYE after the resident hangs up");
    let phone = phone.join().expect("phone thread");
    assert_ok(&phone, &svc, "the phone's BYE was answered");
    let call = svc.wait_call("bridge-2", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "passed", "{call}");
    assert_eq!(call["bridge"], "answered", "{call}");
    assert_eq!(call["hangup_by"], "resident", "{call}");
    assert_eq!(svc.stop(), Some(0));
}

/// Two phones ring; one answers, the other gets CANCEL at once.
#[test]
fn two_phones_ring_the_first_to_answer_wins_the_other_is_cancelled() {
    let (a, b) = (common::free_port(), common::free_port());
    let mut svc = Service::start_with_phones(
        "challenge_digit = 5\n",
        &[
            &format!("sip:resident@127.0.0.1:{a}"),
            &format!("sip:resident@127.0.0.1:{b}"),
        ],
    );
    let answers = phone(&svc, a, None, "phone_a.log");
    let rings = phone(&svc, b, Some("uas_no_answer.xml"), "phone_b.log");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = sipp(&svc, "uac_pass.xml", "bridge-3", &[]);
    assert_ok(&out, &svc, "caller");
    assert_ok(
        &answers.join().expect("a"),
        &svc,
        "phone A answered and got BYE",
    );
    assert_ok(
        &rings.join().expect("b"),
        &svc,
        "phone B rang and got CANCEL",
    );
    let b_log = std::fs::read_to_string(svc.dir.path().join("phone_b.log")).unwrap_or_default();
    assert!(b_log.contains("CANCEL sip:"), "{b_log}");
    let call = svc.wait_call("bridge-3", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "answered", "{call}");
    assert_eq!(
        call["answered_by"],
        format!("sip:resident@127.0.0.1:{a}"),
        "{call}"
    );
    assert_eq!(svc.stop(), Some(0));
}

/// Nobody answers within the ring timeout: the phone gets CANCEL, the caller
/// hears that the resident is not available and gets BYE.
#[test]
fn no_answer_cancels_the_phone_and_says_goodbye_to_the_caller() {
    let p = common::free_port();
    let mut svc = Service::start_with_phones(
        "challenge_digit = 5\n",
        &[&format!("sip:resident@127.0.0.1:{p}")],
    );
    // The test config rings for 5 s, the shortest the config allows.
    let rings = phone(&svc, p, Some("uas_no_answer.xml"), "phone.log");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = sipp(&svc, "uac_pass_wait_bye.xml", "bridge-4", &[]);
    assert_ok(&out, &svc, "caller gets BYE after the no-answer message");
    assert_ok(&rings.join().expect("phone"), &svc, "the phone got CANCEL");
    assert!(svc.log().contains("outcome=\"no_answer\""), "{}", svc.log());
    let call = svc.wait_call("bridge-4", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "no_answer", "{call}");
    assert!(call["answered_by"].is_null(), "{call}");
    assert!(call["talk_ms"].is_null(), "{call}");
    assert_eq!(call["hangup_by"], "service", "{call}");
    assert_eq!(svc.stop(), Some(0));
}

/// baresip as the resident's phone (auto-answer, a 440 Hz tone as its
/// microphone): once bridged, the resident's audio is in the recording's
/// right channel, after the caller's in the left.
#[test]
fn bridged_call_records_the_residents_audio() {
    let port = common::free_port();
    let mut svc = Service::start_with_phones(
        "challenge_digit = 5\n",
        &[&format!("sip:tester@127.0.0.1:{port}")],
    );
    let phone_dir = svc.dir.path().join("baresip");
    std::fs::create_dir_all(&phone_dir).expect("mkdir");
    let config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/baresip/config"))
            .expect("baresip config");
    let config: String = config
        .lines()
        .map(|l| {
            if l.starts_with("sip_listen") {
                format!("sip_listen\t\t127.0.0.1:{port}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(phone_dir.join("config"), config).expect("write config");
    std::fs::write(
        phone_dir.join("accounts"),
        "<sip:tester@127.0.0.1;transport=udp>;regint=0;audio_codecs=PCMA,PCMU;answermode=auto;ptime=20\n",
    )
    .expect("write accounts");
    // baresip reads commands from stdin: keep it open, quit by killing it.
    let mut baresip = std::process::Command::new("baresip")
        .arg("-f")
        .arg(&phone_dir)
        .args(["-t", "60"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run baresip");
    std::thread::sleep(std::time::Duration::from_millis(1500));

    let out = sipp(
        &svc,
        "uac_pass.xml",
        "bridge-5",
        &["-set", "hangup_delay", "8000"],
    );
    baresip.kill().ok();
    baresip.wait().ok();
    assert_ok(&out, &svc, "caller");
    let call = svc.wait_call("bridge-5", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "answered", "{call}");

    let rec = svc
        .data_dir()
        .join(call["recording"].as_str().expect("recording"));
    let mut reader = hound::WavReader::open(&rec).expect("valid WAV");
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let left: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let right: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let crossings = |x: &[i16]| x.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    // The resident's 440 Hz tone: 880 zero crossings a second. Look for it
    // in every second-long window (half-second steps): the bridged part is
    // near the end, but the teardown after the caller's BYE may add a
    // little silence, more on a loaded machine.
    let tone_windows = (0..right.len().saturating_sub(8000))
        .step_by(4000)
        .filter(|&i| (840..=920).contains(&crossings(&right[i..i + 8000])))
        .count();
    assert!(
        tone_windows >= 2,
        "the resident's tone should fill at least 1.5 s of the right channel"
    );
    let caller_energy: f64 =
        left.iter().map(|&s| f64::from(s).abs()).sum::<f64>() / left.len() as f64;
    assert!(
        caller_energy > 100.0,
        "the caller's audio is in the left channel"
    );
    assert_eq!(svc.stop(), Some(0));
}

/// SIGTERM during a bridged call: both the caller and the resident's phone
/// get BYE, and the service exits cleanly.
#[test]
fn shutdown_during_a_bridge_hangs_up_both_legs() {
    let p = common::free_port();
    let mut svc = Service::start_with_phones(
        "challenge_digit = 5\n",
        &[&format!("sip:resident@127.0.0.1:{p}")],
    );
    // The phone answers and then waits for our BYE (SIPp's built-in uas).
    let answers = phone(&svc, p, None, "phone.log");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let caller = common::sipp_in_background(&svc, "uac_pass_wait_bye.xml", "bridge-6");
    svc.wait_call("bridge-6", |c| !c["bridged_at"].is_null());
    assert_eq!(svc.stop(), Some(0), "clean exit:\n{}", svc.log());
    assert_ok(&caller.join().expect("caller"), &svc, "the caller got BYE");
    assert_ok(&answers.join().expect("phone"), &svc, "the phone got BYE");
}

/// The resident's phone puts the call on hold (re-INVITE a=sendonly): the
/// service answers a=recvonly, then the resident hangs up and the caller
/// gets BYE.
#[test]
fn resident_hold_reinvite_is_answered() {
    let p = common::free_port();
    let mut svc = Service::start_with_phones(
        "challenge_digit = 5\n",
        &[&format!("sip:resident@127.0.0.1:{p}")],
    );
    let holds = phone(&svc, p, Some("uas_resident_holds.xml"), "phone.log");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = sipp(&svc, "uac_pass_wait_bye.xml", "bridge-7", &[]);
    assert_ok(&out, &svc, "caller gets BYE after the resident hangs up");
    assert_ok(
        &holds.join().expect("phone"),
        &svc,
        "hold answered a=recvonly, BYE answered",
    );
    assert_eq!(svc.stop(), Some(0));
}

/// With voicemail on, a caller nobody answers hears the message prompt and
/// the tone, and what they say is kept as a WAV logged with the call.
#[test]
fn no_answer_with_voicemail_records_the_callers_message() {
    let p = common::free_port();
    let mut svc = Service::start_with_line_keys(
        "voicemail = true\n",
        "challenge_digit = 5\n",
        &[&format!("sip:resident@127.0.0.1:{p}")],
    );
    let rings = phone(&svc, p, Some("uas_no_answer.xml"), "phone.log");
    std::thread::sleep(std::time::Duration::from_millis(500));
    // The caller talks (g711a.pcap), passes at 7 s, then stays 25 s: the
    // phone rings 5 s, the message prompt takes about 5 s, so about 12 s of
    // message is recorded before the caller hangs up.
    let out = sipp(
        &svc,
        "uac_pass.xml",
        "bridge-vm",
        &["-set", "hangup_delay", "25000"],
    );
    assert_ok(&out, &svc, "caller");
    assert_ok(&rings.join().expect("phone"), &svc, "the phone got CANCEL");
    let call = svc.wait_call("bridge-vm", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "no_answer", "{call}");
    let path = call["voicemail"]
        .as_str()
        .unwrap_or_else(|| panic!("{call}"));
    assert!(path.starts_with("voicemail/test/"), "{call}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let wav = svc.data_dir().join(path);
    let reader = loop {
        match hound::WavReader::open(&wav) {
            Ok(r) if r.duration() > 0 => break r,
            _ if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(200))
            }
            other => panic!("{}: {:?}", wav.display(), other.err()),
        }
    };
    let secs = f64::from(reader.duration()) / 8000.0;
    assert!((5.0..20.0).contains(&secs), "message of {secs:.1} s");
    assert!(
        svc.log().contains("the caller's message is kept"),
        "{}",
        svc.log()
    );
    assert_eq!(svc.stop(), Some(0));
}

/// "Say your name": the caller says their name after the challenge; the
/// phone that answers hears "Call from <name>. Press 1 to accept, or 2 to
/// reject" and is connected only after pressing 1.
#[test]
fn say_your_name_then_the_resident_accepts_with_1() {
    let p = common::free_port();
    let mut svc = Service::start_with_phones(
        "challenge_digit = 5\nask_name = true\n",
        &[&format!("sip:resident@127.0.0.1:{p}")],
    );
    let answers = phone(&svc, p, Some("uas_resident_accepts.xml"), "phone.log");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = sipp(
        &svc,
        "uac_pass.xml",
        "name-accept",
        &["-set", "hangup_delay", "28000"],
    );
    assert_ok(&out, &svc, "caller");
    assert_ok(
        &answers.join().expect("phone"),
        &svc,
        "the resident pressed 1 and got BYE",
    );
    let call = svc.wait_call("name-accept", |c| !c["ended_at"].is_null());
    assert_eq!(call["outcome"], "passed", "{call}");
    assert_eq!(call["bridge"], "answered", "{call}");
    assert!(call["bridged_at"].is_string(), "{call}");
    assert!(
        svc.log().contains("caller's name recorded"),
        "{}",
        svc.log()
    );
    assert!(svc.log().contains("announcing the caller"), "{}", svc.log());
    assert_eq!(svc.stop(), Some(0));
}

/// The resident presses 2: not connected; the caller hears the polite
/// goodbye and gets BYE.
#[test]
fn say_your_name_then_the_resident_rejects_with_2() {
    let p = common::free_port();
    let mut svc = Service::start_with_phones(
        "challenge_digit = 5\nask_name = true\n",
        &[&format!("sip:resident@127.0.0.1:{p}")],
    );
    let rejects = phone(&svc, p, Some("uas_resident_rejects.xml"), "phone.log");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let out = sipp(&svc, "uac_pass_wait_bye.xml", "name-reject", &[]);
    assert_ok(&out, &svc, "the caller got BYE after the goodbye");
    assert_ok(
        &rejects.join().expect("phone"),
        &svc,
        "the resident pressed 2 and got BYE",
    );
    let call = svc.wait_call("name-reject", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "declined", "{call}");
    assert!(call["bridged_at"].is_null(), "{call}");
    assert_eq!(svc.stop(), Some(0));
}
