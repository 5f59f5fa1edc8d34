//! A full disk costs recordings, never call records: with the data
//! directory on a tiny filesystem, every call still reaches the call log,
//! and the calls that could not be recorded say so; so do calls whose
//! recording file, or the caller's message, cannot be created at all.
//!
//! The full disk needs root (it mounts a 3 MB tmpfs); elsewhere that test
//! says so and passes without running.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{assert_ok, sipp, sipp_command, sipp_phone, Service};

/// Unmounts the tiny filesystem when the test ends, however it ends.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn mount_tiny(dir: &Path) -> bool {
    std::fs::create_dir_all(dir).expect("mount point");
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn every_call_is_logged_on_a_full_disk() {
    let mut mounted = None;
    let mut svc = Service::start_custom(
        "disk_reserve_mb = 1",
        "",
        "challenge_digit = 5",
        &["*"],
        &[],
        |data| {
            if mount_tiny(data) {
                mounted = Some(Mount(data.to_path_buf()));
            }
        },
    );
    let Some(_mount) = mounted else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };

    // Callers of about 10 s each: 320 KB of recording per call. The first
    // wave fits in the 2 MB above the reserve; the second does not.
    const CALLS: usize = 16;
    for wave in [0..4, 4..CALLS] {
        let runs: Vec<_> = wave
            .map(|n| {
                let mut cmd = sipp_command(&svc, "uac_pass.xml", &format!("full-{n}"), &[]);
                std::thread::spawn(move || cmd.output().expect("run sipp"))
            })
            .collect();
        for run in runs {
            let out = run.join().expect("sipp thread");
            assert_ok(&out, &svc, "caller on a full disk");
        }
    }

    let deadline = Instant::now() + Duration::from_secs(20);
    let calls = loop {
        let calls = svc.calls();
        let ended = calls.iter().filter(|c| !c["ended_at"].is_null()).count();
        if ended == CALLS || Instant::now() > deadline {
            break calls;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        calls.len(),
        CALLS,
        "calls logged:\n{calls:#?}\n{}",
        svc.log()
    );
    let mut recorded = 0;
    let mut noted = 0;
    for c in &calls {
        assert!(!c["ended_at"].is_null(), "call not ended in the log: {c}");
        assert_eq!(c["outcome"], "passed", "{c}");
        let note = c["recording_note"].as_str().unwrap_or("");
        match c["recording"].as_str() {
            Some(rel) if note.is_empty() => {
                assert!(svc.data_dir().join(rel).exists(), "{c}");
                recorded += 1;
            }
            _ => {
                assert!(
                    note.contains("disk full"),
                    "neither recorded nor noted: {c}"
                );
                noted += 1;
            }
        }
    }
    assert!(recorded > 0, "no call was recorded at all");
    assert!(noted > 0, "the disk never filled: {calls:#?}");
    assert!(svc.log().contains("disk"), "no warning in the log");
    assert_eq!(svc.stop(), Some(0));
}

/// The recordings directory cannot be made (a file is in its way): the
/// call goes on as usual, and its log entry names no recording and says
/// why.
#[test]
fn a_recording_that_cannot_be_created_is_noted_and_names_no_file() {
    let svc = Service::start_custom("", "", "challenge_digit = 5", &["*"], &[], |data| {
        std::fs::create_dir_all(data).expect("data dir");
        std::fs::write(data.join("recordings"), b"in the way").expect("blocker");
    });
    let out = sipp_command(&svc, "uac_pass.xml", "unrecordable", &[])
        .output()
        .expect("run sipp");
    assert_ok(&out, &svc, "caller whose call cannot be recorded");
    let deadline = Instant::now() + Duration::from_secs(10);
    let call = loop {
        let calls = svc.calls();
        if let Some(c) = calls
            .iter()
            .find(|c| !c["ended_at"].is_null() && !c["recording_note"].is_null())
        {
            break c.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no note: {calls:#?}\n{}",
            svc.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(call["outcome"], "passed", "{call}");
    assert!(call["recording"].is_null(), "{call}");
    let note = call["recording_note"].as_str().unwrap_or("");
    assert!(
        note.starts_with("not recorded: cannot create recording directory"),
        "{note}"
    );
    assert_eq!(
        std::fs::read(svc.data_dir().join("recordings")).expect("read"),
        b"in the way"
    );
}

/// The voicemail directory cannot be made: the caller leaves a message all
/// the same, and the call log names no message file and says why.
#[test]
fn a_message_that_cannot_be_kept_names_no_file_and_is_noted() {
    let p = common::free_port();
    let phone = format!("sip:resident@127.0.0.1:{p}");
    let svc = Service::start_custom(
        "",
        "voicemail = true\n",
        "challenge_digit = 5\n",
        &["*"],
        &[&phone],
        |data| {
            std::fs::create_dir_all(data).expect("data dir");
            std::fs::write(data.join("voicemail"), b"in the way").expect("blocker");
        },
    );
    let rings = sipp_phone(&svc, p, Some("uas_no_answer.xml"), "phone.log");
    std::thread::sleep(Duration::from_millis(500));
    // Passes at 7 s; the phone rings 5 s, the prompt takes about 5 s: a
    // few seconds of message before the caller hangs up at 7 + 15 s.
    let out = sipp(
        &svc,
        "uac_pass.xml",
        "vm-lost",
        &["-set", "hangup_delay", "15000"],
    );
    assert_ok(&out, &svc, "caller");
    assert_ok(&rings.join().expect("phone"), &svc, "the phone got CANCEL");
    let call = svc.wait_call("vm-lost", |c| !c["ended_at"].is_null());
    assert_eq!(call["bridge"], "no_answer", "{call}");
    assert!(call["voicemail"].is_null(), "{call}");
    let note = call["recording_note"].as_str().unwrap_or("");
    assert!(note.starts_with("message not kept: "), "{call}");
    assert_eq!(
        std::fs::read(svc.data_dir().join("voicemail")).expect("read"),
        b"in the way"
    );
}
