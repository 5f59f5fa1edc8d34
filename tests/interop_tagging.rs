//! End to end over loopback: a scam recording played by the replay client
//! as the caller into a bridged call (SIPp playing the resident's phone).
//! The live recognizer tags the call `police` and `bank-details` with risk
//! high, and the call log says why (each rise's rule and evidence); the
//! resident (only) hears the warning, which is in the resident's channel
//! of the recording and absent from what the caller heard; a local webhook
//! receiver gets the trusted contact's alert, which says why too.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::Service;

const SCAM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/scam-police-bank"
);
const WARNING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/prompts/warning.wav");

fn read_wav(path: &Path) -> (u16, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let channels = r.spec().channels;
    let samples = r.samples::<i16>().map(|s| s.expect("sample")).collect();
    (channels, samples)
}

fn rms(x: &[i16]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// The best normalised correlation of `needle` anywhere in `hay`.
fn best_match(hay: &[i16], needle: &[i16]) -> f64 {
    let n: Vec<f64> = needle.iter().map(|&s| f64::from(s)).collect();
    let n_energy = n.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut best = 0.0f64;
    let mut offset = 0;
    while offset + n.len() <= hay.len() {
        let w = &hay[offset..offset + n.len()];
        let w_energy = w.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>().sqrt();
        if w_energy > 0.0 {
            let dot: f64 = w.iter().zip(&n).map(|(&a, b)| f64::from(a) * b).sum();
            best = best.max(dot / (w_energy * n_energy));
        }
        offset += 2;
    }
    best
}

#[test]
fn scam_call_is_tagged_the_resident_is_warned_and_the_contact_alerted() {
    let (hook_port, hook) = common::webhook_receiver();
    let phone_port = common::free_port();
    let extra = format!(
        "challenge_digit = 5
[line.outbound]
offer_after_risky_calls = false
[line.alerts]
warn_resident = true
webhook = \"http://127.0.0.1:{hook_port}/alert\"
[speech]
engine = \"pocketsphinx\"
"
    );
    let phone_uri = format!("sip:resident@127.0.0.1:{phone_port}");
    let mut svc = Service::start_with_phones(&extra, &[&phone_uri]);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !svc.log().contains("linewarden is running") {
        assert!(std::time::Instant::now() < deadline, "{}", svc.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        svc.log().contains("speech recognition on"),
        "the service listens:\n{}",
        svc.log()
    );
    let dir = svc.dir.path().to_path_buf();
    let phone = std::thread::spawn(move || {
        Command::new("sipp")
            .current_dir(&dir)
            .args(["-sn", "uas", "-i", "127.0.0.1", "-p"])
            .arg(phone_port.to_string())
            .args(["-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"])
            .stdin(Stdio::null())
            .output()
            .expect("run sipp as the phone")
    });
    std::thread::sleep(Duration::from_millis(500));

    let heard_dir = svc.dir.path().join("heard");
    std::fs::create_dir_all(&heard_dir).expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["replay", "--json", "--to"])
        .arg(format!("sip:5550000@{}", svc.addr))
        .arg("--heard")
        .arg(&heard_dir)
        .arg(SCAM)
        .output()
        .expect("replay --to");
    assert!(
        out.status.success(),
        "replay: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        svc.log()
    );
    let phone = phone.join().expect("phone");
    assert!(
        phone.status.success(),
        "phone: {:?}\n{}",
        phone.status,
        svc.log()
    );

    // The call log: tagged and high risk.
    let call = svc.wait_call_where(|c| c["caller"] == "+441632960105" && !c["ended_at"].is_null());
    let tags: Vec<&str> = call["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(tags.contains(&"police"), "{call}");
    assert!(tags.contains(&"bank-details"), "{call}");
    assert_eq!(call["risk"], "high", "{call}");
    assert_eq!(call["bridge"], "answered", "{call}");
    let details = call["tag_details"].as_array().expect("tag details");
    assert!(details.iter().all(|d| d["evidence"].is_string()), "{call}");
    // Why: each rise with its rule and evidence, the last one to high.
    let reasons = call["reasons"].as_array().expect("reasons");
    let why = reasons.last().expect("a reason for the risk");
    assert_eq!(why["risk"], "high", "{call}");
    let rule = why["rule"].as_str().expect("rule");
    assert!(!rule.is_empty(), "{call}");
    let evidence = why["evidence"].as_array().expect("evidence");
    assert!(
        !evidence.is_empty() && evidence.iter().all(serde_json::Value::is_string),
        "{call}"
    );

    // The warning: in the recording's resident channel, and not heard by
    // the caller.
    let (_, warning) = read_wav(Path::new(WARNING));
    let probe = &warning[800..800 + 8000]; // one second, after its lead-in
    let rec = svc
        .data_dir()
        .join(call["recording"].as_str().expect("recording"));
    let (channels, interleaved) = read_wav(&rec);
    assert_eq!(channels, 2);
    let caller_ch: Vec<i16> = interleaved.iter().step_by(2).copied().collect();
    let resident_ch: Vec<i16> = interleaved.iter().skip(1).step_by(2).copied().collect();
    let in_resident = best_match(&resident_ch, probe);
    assert!(
        in_resident > 0.9,
        "the warning is in the resident's channel (correlation {in_resident:.2})"
    );
    let in_caller_ch = best_match(&caller_ch, probe);
    assert!(
        in_caller_ch < 0.5,
        "not in the caller's channel ({in_caller_ch:.2})"
    );
    let (_, heard) = read_wav(&heard_dir.join("scam-police-bank.wav"));
    assert!(rms(&heard) > 100.0, "the caller heard the prompts");
    let in_heard = best_match(&heard, probe);
    assert!(
        in_heard < 0.5,
        "the caller did not hear the warning ({in_heard:.2})"
    );

    // The trusted contact's alert.
    let (head, body) = hook
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("no alert arrived\n{}", svc.log()));
    assert!(head.starts_with("POST /alert HTTP/1.1"), "{head}");
    let alert: serde_json::Value = serde_json::from_str(&body).expect("JSON alert");
    assert_eq!(alert["risk"], "high", "{alert}");
    assert_eq!(alert["line"], "test", "{alert}");
    assert_eq!(alert["caller"], "+441632960105", "{alert}");
    assert!(
        alert["call_id"].is_string() && alert["time"].is_string(),
        "{alert}"
    );
    // Why it is high: the logged reason, in one short line.
    let said = alert["reason"].as_str().expect("reason");
    assert!(
        said.starts_with(&format!("high risk: {rule} (")) && said.chars().count() <= 200,
        "{alert} vs {call}"
    );
    // The tags known when the risk turned high, all of them in the log.
    let alert_tags = alert["tags"].as_array().expect("tags");
    assert!(alert_tags.len() >= 2, "{alert}");
    assert!(
        alert_tags
            .iter()
            .all(|t| t.as_str().is_some_and(|t| tags.contains(&t))),
        "{alert} vs {call}"
    );
    assert_eq!(svc.stop(), Some(0));
}
