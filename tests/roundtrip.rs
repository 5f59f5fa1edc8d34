//! The research round trip: a fixture played as a live call into `serve`,
//! captured with tshark on loopback, imported back into a fixture and
//! replayed offline gives the same outcome as the live call.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Service;

#[test]
fn live_call_captured_imported_and_replayed_gives_the_same_outcome() {
    // Speech recognition is left out on both sides: this is about the
    // capture and import, and the tags of one noisy live call are not
    // what it checks (the tagging tests do).
    let mut svc = Service::start("challenge_digit = 5\n[speech]\nengine = \"off\"\n");
    let dir = svc.dir.path().to_path_buf();
    let capture = dir.join("call.pcapng");
    let (first, last) = svc.rtp_ports;
    let filter = format!(
        "udp port {} or udp portrange {first}-{last}",
        svc.addr.port()
    );
    let mut tshark = Command::new("tshark")
        .args(["-i", "lo", "-q", "-f", &filter, "-w"])
        .arg(&capture)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tshark (apt-get install tshark)");
    // tshark says when it is capturing; give it a moment after that.
    let started = Instant::now();
    while !capture.exists() && started.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));

    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pass-polite");
    let target = format!("sip:5550000@{}", svc.addr);
    // --heard names a directory that is not there yet: it is made.
    let heard = dir.join("heard/live");
    let live = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["replay", "--json", "--to", &target, "--heard"])
        .arg(&heard)
        .arg(fixture)
        .output()
        .expect("replay --to");
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&live.stdout).expect("one JSON report");
    let call_id = report["call_id"].as_str().expect("call id").to_string();
    let logged = svc.wait_call(&call_id, |c| !c["ended_at"].is_null());
    assert_eq!(logged["outcome"], "passed", "{logged}");

    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill")
        .args(["-INT", &tshark.id().to_string()])
        .status()
        .ok();
    let status = tshark.wait().expect("tshark exits");
    assert!(status.success() || status.code() == Some(0) || status.code().is_none());

    let imported = dir.join("imported");
    let out = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["fixture", "import"])
        .arg(&capture)
        .arg("--out")
        .arg(&imported)
        .output()
        .expect("fixture import");
    assert!(
        out.status.success(),
        "import: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert!(
        heard.join("pass-polite.wav").is_file(),
        "what the caller heard"
    );

    // linewarden answered: the import read the challenge digit and the
    // outcome from its prompts, and a replay with a random digit (the
    // built-in config) and --check reaches the same outcome.
    let text = std::fs::read_to_string(imported.join("call.toml")).expect("call.toml");
    let meta: toml::Table = toml::from_str(&text).expect("toml");
    assert_eq!(meta["challenge_digit"].as_integer(), Some(5), "{text}");
    assert_eq!(meta["expect"]["outcome"].as_str(), Some("passed"), "{text}");
    let checked = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["replay", "--json", "--check", "--speech", "off"])
        .arg(&imported)
        .output()
        .expect("replay --check");
    assert_eq!(
        checked.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );

    let offline = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["replay", "--json", "--speech", "off", "--config"])
        .arg(&svc.config)
        .arg(&imported)
        .output()
        .expect("replay offline");
    assert_eq!(
        offline.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&offline.stderr)
    );
    let first_line = String::from_utf8_lossy(&offline.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let replayed: serde_json::Value = serde_json::from_str(&first_line).expect("JSON line");
    assert_eq!(replayed["outcome"], logged["outcome"], "{replayed}");
    assert_eq!(replayed["caller"], logged["caller"], "{replayed}");
    assert_eq!(
        replayed["tags"],
        serde_json::json!([]),
        "recognition off: no tags live or offline"
    );
    // The imported caller audio is the call's length, give or take packets.
    let audio_ms = replayed["audio_ms"].as_u64().unwrap_or(0);
    let live_ms = report["duration_ms"].as_u64().unwrap_or(0);
    assert!(
        audio_ms + 1500 >= live_ms && audio_ms <= live_ms + 1500,
        "{audio_ms} vs {live_ms}"
    );
    assert_eq!(svc.stop(), Some(0));
}
