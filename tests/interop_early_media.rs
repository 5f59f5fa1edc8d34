//! Interop over loopback: early media for a caller let through without a
//! challenge. The phone (SIPp) sends 183 with SDP and PCMA audio for 2 s
//! before its 200; the caller (SIPp) gets a 183 with our SDP, hears the
//! phone's audio before its own 200 (counted in a tshark capture of the
//! loopback), then 200, and the recording holds only the answered part.
//! When another phone answers, the early phone is cancelled and no longer
//! heard, and the caller is connected to the phone that answered.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_ok, sipp, Service};

const CALLER: &str = "+441632960777";

/// One UDP datagram of the capture.
#[derive(Debug)]
struct Datagram {
    at: f64,
    src: u16,
    dst: u16,
    status: Option<u16>,
    cseq: String,
    media_port: Option<u16>,
    /// The UDP payload when it is not SIP.
    data: Vec<u8>,
}

fn capture(svc: &Service, path: &Path) -> std::process::Child {
    let (first, last) = svc.rtp_ports;
    let filter = format!(
        "udp port {} or udp portrange {first}-{last}",
        svc.addr.port()
    );
    let child = Command::new("tshark")
        .args(["-i", "lo", "-q", "-f", &filter, "-w"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run tshark (apt-get install tshark)");
    let started = Instant::now();
    while !path.exists() && started.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    child
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .filter_map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// The capture's datagrams, SIP decoded on the service's port.
fn read(svc: &Service, path: &Path) -> Vec<Datagram> {
    let port = svc.addr.port();
    let out = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(["-d", &format!("udp.port=={port},sip")])
        .args(["-T", "fields", "-E", "separator=|", "-E", "occurrence=f"])
        .args([
            "-e",
            "frame.time_epoch",
            "-e",
            "udp.srcport",
            "-e",
            "udp.dstport",
        ])
        .args(["-e", "sip.Status-Code", "-e", "sip.CSeq.method"])
        .args(["-e", "sdp.media.port", "-e", "udp.payload"])
        .output()
        .expect("tshark reads the capture");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('|').collect();
            let is_sip = !f.get(4)?.is_empty();
            Some(Datagram {
                at: f.first()?.parse().ok()?,
                src: f.get(1)?.parse().ok()?,
                dst: f.get(2)?.parse().ok()?,
                status: f.get(3)?.parse().ok(),
                cseq: f.get(4)?.to_string(),
                media_port: f.get(5)?.parse().ok(),
                data: if is_sip { Vec::new() } else { hex(f.get(6)?) },
            })
        })
        .collect()
}

/// An RTP packet of PCMA (PT 8) with sound in it: G.711 A-law silence is
/// 0xD5/0x55 (and its neighbours 0xD4/0x54).
fn sound(data: &[u8]) -> bool {
    data.len() > 12
        && data[1] & 0x7f == 8
        && data[12..]
            .iter()
            .any(|b| !matches!(b, 0xd5 | 0x55 | 0xd4 | 0x54))
}

fn service(phone_ports: &[u16]) -> Service {
    let phones: Vec<String> = phone_ports
        .iter()
        .map(|p| format!("sip:resident@127.0.0.1:{p}"))
        .collect();
    let phones: Vec<&str> = phones.iter().map(String::as_str).collect();
    Service::start_with_line_keys(
        &format!("[line.policy]\nallowlist = [\"{CALLER}\"]\n"),
        "",
        &phones,
    )
}

fn phone(
    svc: &Service,
    port: u16,
    scenario: &str,
    log: &str,
) -> std::thread::JoinHandle<std::process::Output> {
    let mut cmd = common::sipp_peer(svc.dir.path(), scenario, port, &[], log);
    std::thread::spawn(move || cmd.output().expect("run sipp as a phone"))
}

/// Runs the allowlisted caller's call (`call_id`) under a capture; the
/// phones are already waiting. Returns the call's log entry and what was
/// captured.
fn call_captured(svc: &Service, call_id: &str) -> (serde_json::Value, Vec<Datagram>) {
    let pcap = svc.dir.path().join("early.pcapng");
    let mut tshark = capture(svc, &pcap);
    let out = sipp(
        svc,
        "uac_rung_through.xml",
        call_id,
        &["-set", "caller", CALLER],
    );
    assert_ok(&out, svc, "the caller");
    let call = svc.wait_call(call_id, |c| !c["ended_at"].is_null());
    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill")
        .args(["-INT", &tshark.id().to_string()])
        .status()
        .ok();
    tshark.wait().expect("tshark exits");
    (call, read(svc, &pcap))
}

#[test]
fn the_caller_hears_the_phones_early_media_before_the_answer() {
    let phone_port = common::free_port();
    let mut svc = service(&[phone_port]);
    let phone = phone(&svc, phone_port, "uas_early_media.xml", "phone.log");
    let (call, seen) = call_captured(&svc, "early-1");
    assert_ok(&phone.join().expect("phone"), &svc, "the phone");
    let port = svc.addr.port();

    let ours = |status: u16| {
        seen.iter()
            .find(|d| d.src == port && d.status == Some(status) && d.cseq == "INVITE")
    };
    // The phone's 183 comes in on our port; ours goes out from it, with
    // our SDP for the caller.
    let early = ours(183).unwrap_or_else(|| panic!("a 183 to the caller: {seen:?}"));
    let stream = early.media_port.expect("the 183 has SDP");
    let answered = ours(200).expect("a 200 to the caller").at;
    assert!(ours(180).is_none(), "no 180 for early media");
    assert!(
        answered - early.at > 1.5,
        "the phone answered 2 s after its 183: 183 at {}, 200 at {answered}",
        early.at
    );
    let to_caller = |from: f64, to: f64| {
        seen.iter()
            .filter(|d| d.src == stream && d.at >= from && d.at < to && sound(&d.data))
            .count()
    };
    assert_eq!(to_caller(0.0, early.at), 0, "no media before the 183");
    let before = to_caller(early.at, answered);
    // 2 s of the phone's audio is ~100 packets; the stream and the relay
    // take a moment to start.
    assert!(before >= 30, "{before} packets with sound before the 200");
    assert!(to_caller(answered, f64::MAX) > 0, "the call goes on");

    assert_eq!(call["bridge"], "answered", "{call}");
    assert!(call["answered_at"].is_string(), "{call}");
    common::assert_recorded_from_answer(&svc, &call, 1500.0);
    assert_eq!(svc.stop(), Some(0));
}

#[test]
fn when_another_phone_answers_the_caller_is_connected_to_it() {
    let (early_port, other_port) = (common::free_port(), common::free_port());
    let mut svc = service(&[early_port, other_port]);
    let early = phone(
        &svc,
        early_port,
        "uas_early_media_no_answer.xml",
        "early.log",
    );
    // Rings (180) and answers 3 s later, sending no audio of its own.
    let other = phone(&svc, other_port, "uas_ring_then_answer.xml", "other.log");
    let (call, seen) = call_captured(&svc, "early-2");
    assert_ok(
        &early.join().expect("phone"),
        &svc,
        "the early phone got CANCEL",
    );
    assert_ok(&other.join().expect("phone"), &svc, "the other phone");

    let port = svc.addr.port();
    let ours = |status: u16| {
        seen.iter()
            .find(|d| d.src == port && d.status == Some(status) && d.cseq == "INVITE")
    };
    let early_at = ours(183).unwrap_or_else(|| panic!("a 183 to the caller: {seen:?}"));
    let stream = early_at.media_port.expect("the 183 has SDP");
    let answered = ours(200).expect("a 200 to the caller").at;
    let other_media = seen
        .iter()
        .find(|d| d.src == other_port && d.status == Some(200) && d.cseq == "INVITE")
        .and_then(|d| d.media_port)
        .expect("the other phone's 200 with SDP");
    let with_sound = |wanted: &dyn Fn(&Datagram) -> bool| {
        seen.iter().filter(|d| wanted(d) && sound(&d.data)).count()
    };
    let before = with_sound(&|d| d.src == stream && d.at < answered);
    assert!(before >= 30, "{before} packets with sound before the 200");
    // The early phone is cancelled at the answer: the caller no longer
    // hears it, and the phone that answered hears the caller.
    let after = with_sound(&|d| d.src == stream && d.at > answered + 0.5);
    assert_eq!(after, 0, "the early phone is still heard after the answer");
    let to_other = with_sound(&|d| d.dst == other_media && d.at > answered);
    assert!(
        to_other >= 30,
        "{to_other} packets with sound to the phone that answered"
    );
    assert_eq!(call["bridge"], "answered", "{call}");
    assert_eq!(svc.stop(), Some(0));
}
