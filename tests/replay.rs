//! `linewarden replay` on the committed fixture corpus and on broken
//! fixtures, as a researcher runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A config whose one line fixes the challenge digit to 5, as the corpus
/// assumes.
fn config(dir: &Path) -> PathBuf {
    let path = dir.join("replay.toml");
    std::fs::write(
        &path,
        "[[line]]\nname = \"home\"\nnumbers = [\"*\"]\n[line.screening]\nchallenge_digit = 5\n",
    )
    .expect("write config");
    path
}

fn replay(args: &[&str], paths: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .arg("replay")
        .args(args)
        .args(paths)
        .output()
        .expect("run linewarden replay")
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// Runs `replay` expecting success, and returns its JSON lines.
fn replay_json(args: &[&str], paths: &[&Path]) -> Vec<serde_json::Value> {
    let out = replay(args, paths);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_lines(&out)
}

#[test]
fn corpus_meets_its_expected_outcomes_and_output_is_deterministic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let cfg = cfg.to_str().expect("utf-8");
    let first = replay(&["--json", "--config", cfg], &[&corpus()]);
    let second = replay(&["--json", "--config", cfg, "--jobs", "1"], &[&corpus()]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        first.stdout, second.stdout,
        "same input, same output, byte for byte"
    );

    let lines = json_lines(&first);
    let by_name = |n: &str| {
        lines
            .iter()
            .find(|l| l["fixture"] == n)
            .unwrap_or_else(|| panic!("{n} missing from {lines:?}"))
            .clone()
    };
    assert_eq!(by_name("pass-polite")["outcome"], "passed");
    assert_eq!(by_name("wrong-twice")["outcome"], "failed");
    assert_eq!(by_name("silent-robot")["outcome"], "timeout");
    assert_eq!(by_name("silent-robot")["ended_by"], "service");
    assert_eq!(by_name("hangs-up-early")["outcome"], "abandoned");
    assert_eq!(by_name("hangs-up-early")["ended_by"], "caller");
    let minimal = by_name("minimal");
    assert_eq!(minimal["caller"], "anonymous", "defaults without call.toml");

    // Every fixture's outcome expectation holds (tags cannot yet: no tagger).
    for l in lines.iter().filter(|l| l.get("fixture").is_some()) {
        let problems = l["problems"].as_array().expect("problems");
        assert!(
            problems
                .iter()
                .all(|p| !p.as_str().unwrap_or("").starts_with("outcome")),
            "{l}"
        );
    }
}

#[test]
fn a_bad_fixture_is_reported_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let batch = dir.path().join("batch");
    // A good fixture copied from the corpus.
    let good = batch.join("a-good");
    std::fs::create_dir_all(&good).expect("mkdir");
    std::fs::copy(corpus().join("minimal/caller.wav"), good.join("caller.wav")).expect("copy");
    // A call.toml with an unknown key.
    let bad_key = batch.join("b-unknown-key");
    std::fs::create_dir_all(&bad_key).expect("mkdir");
    std::fs::copy(
        corpus().join("minimal/caller.wav"),
        bad_key.join("caller.wav"),
    )
    .expect("copy");
    std::fs::write(
        bad_key.join("call.toml"),
        "caller = \"1\"\ncolour = \"red\"\n",
    )
    .expect("w");
    // A truncated WAV.
    let truncated = batch.join("c-truncated");
    std::fs::create_dir_all(&truncated).expect("mkdir");
    let wav = std::fs::read(corpus().join("minimal/caller.wav")).expect("read");
    std::fs::write(truncated.join("caller.wav"), &wav[..wav.len() / 3]).expect("w");
    // call.toml but no caller.wav.
    let missing = batch.join("d-missing-wav");
    std::fs::create_dir_all(&missing).expect("mkdir");
    std::fs::write(missing.join("call.toml"), "caller = \"1\"\n").expect("w");

    let cfg = config(dir.path());
    let out = replay(
        &["--json", "--config", cfg.to_str().expect("utf-8")],
        &[&batch],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a bad fixture makes the exit status 2"
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0]["fixture"], "a-good");
    assert!(lines[0]["outcome"].is_string());
    let err = |i: usize| lines[i]["error"].as_str().unwrap_or_default().to_string();
    assert!(
        err(1).contains("call.toml") && err(1).contains("colour"),
        "{}",
        err(1)
    );
    assert!(err(2).contains("caller.wav"), "{}", err(2));
    assert!(err(3).contains("caller.wav"), "{}", err(3));
}

#[test]
fn check_fails_when_an_expectation_is_not_met() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fx = dir.path().join("expects-failure");
    std::fs::create_dir_all(&fx).expect("mkdir");
    std::fs::copy(corpus().join("minimal/caller.wav"), fx.join("caller.wav")).expect("copy");
    // The caller never presses anything, so it cannot pass.
    std::fs::write(fx.join("call.toml"), "[expect]\noutcome = \"passed\"\n").expect("w");
    let cfg = config(dir.path());
    let cfg = cfg.to_str().expect("utf-8");
    let out = replay(&["--check", "--config", cfg], &[&fx]);
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("FAIL: outcome"), "{table}");
    let out = replay(&["--config", cfg], &[&fx]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "without --check the run itself succeeds"
    );
}

#[test]
fn the_line_policy_decides_as_for_a_live_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("policy.toml");
    std::fs::write(
        &cfg,
        "[[line]]\nname = \"home\"\nnumbers = [\"*\"]\n[line.screening]\nchallenge_digit = 5\n\
         [line.policy]\nallowlist = [\"+44 1632 960001\"]\nblocklist = [\"01632 960999\"]\n",
    )
    .expect("write config");
    let batch = dir.path().join("batch");
    for (name, caller) in [
        ("a-allowed", "01632960001"),
        ("b-blocked", "+441632960999"),
        ("c-premium", "09098790000"),
        ("d-bank-159", "159"),
    ] {
        let fx = batch.join(name);
        std::fs::create_dir_all(&fx).expect("mkdir");
        std::fs::copy(
            corpus().join("pass-polite/caller.wav"),
            fx.join("caller.wav"),
        )
        .expect("cp");
        std::fs::write(
            fx.join("call.toml"),
            format!("caller = \"{caller}\"\n[[dtmf]]\nat_ms = 6500\ndigit = \"5\"\n"),
        )
        .expect("write call.toml");
    }
    let lines = replay_json(
        &["--json", "--config", cfg.to_str().expect("utf-8")],
        &[&batch],
    );
    let get = |i: usize, k: &str| lines[i][k].clone();
    assert_eq!(
        (get(0, "policy"), get(0, "outcome")),
        ("allowlisted".into(), "allowed".into())
    );
    assert_eq!(
        get(0, "prompts"),
        serde_json::json!([]),
        "no challenge for a trusted contact"
    );
    assert_eq!(
        (get(1, "policy"), get(1, "outcome")),
        ("blocked".into(), "rejected".into())
    );
    assert_eq!(get(1, "ended_ms"), 0, "declined, never answered");
    assert_eq!(get(2, "policy"), "suspicious-challenge");
    assert_eq!(
        get(2, "outcome"),
        "passed",
        "a suspicious caller ID is challenged, not refused"
    );
    assert_eq!(get(2, "tags")[0]["name"], "suspicious-cli");
    assert_eq!(
        get(3, "tags")[0]["name"],
        "suspicious-cli",
        "159 never calls out"
    );
}

/// The built-in tagging with the recognizer hears nothing fraudulent in
/// ordinary audio: the everyday fixtures, a caller who failed the
/// challenge ("What? I pressed a number."), and SIPp's sample audio (the
/// README's demo call), imported from the committed capture.
#[test]
fn ordinary_audio_raises_no_false_alarm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let sipp = dir.path().join("sipp-sample");
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sipp-uac-pass.pcapng");
    let import = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["fixture", "import"])
        .arg(&capture)
        .arg("--out")
        .arg(&sipp)
        .output()
        .expect("fixture import");
    assert!(import.status.success(), "{import:?}");
    let out = replay(
        &["--json", "--config", cfg.to_str().expect("utf-8")],
        &[&corpus(), &sipp],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("not built in") {
        eprintln!("skipped: {stderr}");
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines = json_lines(&out);
    let call = |name: &str| {
        lines
            .iter()
            .find(|l| l["fixture"] == name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .clone()
    };
    let speech_tags = |c: &serde_json::Value| -> Vec<String> {
        c["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t["name"].as_str().unwrap_or("").to_owned())
            .filter(|t| ["police", "bank-details", "courier", "cash"].contains(&t.as_str()))
            .collect()
    };
    for name in [
        "everyday-bank-holiday",
        "pass-polite",
        "hangs-up-early",
        "silent-robot",
        "minimal",
        "wrong-twice",
        "sipp-sample",
    ] {
        let c = call(name);
        assert!(speech_tags(&c).is_empty(), "{name}: {c}");
        assert!(c["risk"] == "none" || c["risk"] == "low", "{name}: {c}");
    }
    // The scam fixture is still caught.
    let scam = call("scam-police-bank");
    assert_eq!(scam["risk"], "high", "{scam}");
    assert_eq!(speech_tags(&scam), ["police", "bank-details", "courier"]);
}

/// `heard` lists what reached the tagger, in time order, with who said it:
/// here the fixture's reference transcript, released at the end of each
/// line, as a recognizer would release an utterance.
#[test]
fn json_shows_what_was_heard_and_when() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let fixture = corpus().join("scam-police-bank");
    let lines = replay_json(
        &[
            "--json",
            "--speech",
            "transcript",
            "--config",
            cfg.to_str().expect("utf-8"),
        ],
        &[&fixture],
    );
    let heard: Vec<&str> = lines[0]["heard"]
        .as_array()
        .expect("heard")
        .iter()
        .map(|h| h.as_str().expect("text"))
        .collect();
    assert_eq!(heard.len(), 2, "{heard:?}");
    assert!(
        heard[0].ends_with(
            " caller: this is detective sergeant wilson from the fraud squad your bank account has been compromised"
        ),
        "{heard:?}"
    );
    assert!(heard[1].contains(" caller: we need your pin"), "{heard:?}");
    let at = |h: &str| -> f64 { h.split('s').next().expect("time").parse().expect("seconds") };
    assert!(
        at(heard[0]) >= 6.0 && at(heard[0]) < at(heard[1]),
        "{heard:?}"
    );
}
