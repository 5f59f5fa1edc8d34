//! The command line: `check-config`, `config`, `calls` and `serve`'s
//! start-up errors as a user runs them.

mod common;

use common::free_port;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn linewarden(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(args)
        .output()
        .expect("run linewarden")
}

#[test]
fn check_config_accepts_every_shipped_file() {
    let root = env!("CARGO_MANIFEST_DIR");
    for file in [
        "config/linewarden.toml",
        "config/examples/minimal.toml",
        "config/examples/try-it.toml",
        "config/examples/housing-association.toml",
    ] {
        let path = format!("{root}/{file}");
        let out = linewarden(&["check-config", &path]);
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains(": ok ("));
    }
}

#[test]
fn check_config_names_file_line_and_key_of_a_mistake() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[line]]\nname = \"home\"\nnumbers = [\"*\"]\n[line.screening]\nretries = \"two\"\n",
    )
    .expect("write");
    let out = linewarden(&["check-config", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:5:"), "{err}");
    assert!(err.contains("line[0].screening.retries"), "{err}");
    assert!(err.contains("expected u8"), "{err}");

    // serve refuses to start on it, with the same message.
    let out = linewarden(&["serve", "--config", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line[0].screening.retries"));
}

#[test]
fn config_prints_the_effective_config_with_overrides() {
    let out = linewarden(&[
        "config",
        "--listen",
        "127.0.0.1:5099",
        "--data-dir",
        "/srv/lw",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("listen = \"127.0.0.1:5099\""), "{text}");
    assert!(text.contains("data_dir = \"/srv/lw\""), "{text}");
    assert!(text.contains("[[line]]"), "{text}");
}

/// A data directory holding an empty call log: the service creates it when
/// it starts.
fn empty_log(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let port = free_port();
    let config = dir.join("empty.toml");
    std::fs::write(
        &config,
        format!(
            "[service]\nlisten = \"127.0.0.1:{port}\"\ndata_dir = {data:?}\n\n[speech]\nengine = \"off\"\n\n[[line]]\nname = \"home\"\nnumbers = [\"*\"]\n"
        ),
    )
    .expect("write config");
    let mut service = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start linewarden");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !data.join("calls.sqlite").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    service.kill().ok();
    service.wait().ok();
    assert!(data.join("calls.sqlite").exists(), "serve made no call log");
    data
}

#[test]
fn calls_on_an_empty_log_says_so_and_prints_no_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = empty_log(dir.path());
    let data = data.to_str().expect("utf-8 path");
    let out = linewarden(&["calls", "--data-dir", data]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("no calls"), "{table}");
    let out = linewarden(&["calls", "--json", "--data-dir", data]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "no calls, no JSON lines");
}

#[test]
fn check_config_names_a_bad_trunk_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trunk.toml");
    std::fs::write(
        &path,
        "[[line]]\nname = \"home\"\nnumbers = [\"*\"]\n\n[[trunk]]\nname = \"p\"\nsources = [\"203.0.113.0/24\", \"not-a-net\"]\n",
    )
    .expect("write");
    let out = linewarden(&["check-config", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("trunk.toml:7:"), "{err}");
    assert!(err.contains("trunk[0].sources[1]"), "{err}");
}

#[test]
fn check_config_names_a_bad_phone_uri() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("phones.toml");
    std::fs::write(
        &path,
        "[[line]]\nname = \"home\"\nnumbers = [\"*\"]\nphones = [\"sip:resident@192.0.2.20\", \"resident\"]\n",
    )
    .expect("write");
    let out = linewarden(&["check-config", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("phones.toml:4:"), "{err}");
    assert!(err.contains("line[0].phones[1]"), "{err}");
    assert!(err.contains("expected a SIP URI"), "{err}");
}

#[test]
fn listen_and_data_dir_options_are_checked_like_the_config_file() {
    // A wildcard address needs a media address to put in SDP.
    let out = linewarden(&["config", "--listen", "0.0.0.0:5095"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--listen 0.0.0.0:5095"), "{err}");
    assert!(err.contains("service.media_address"), "{err}");
    assert!(err.contains("wildcard"), "{err}");

    // The SIP port inside the RTP range (20000-21999 by default).
    let out = linewarden(&["serve", "--listen", "127.0.0.1:20010"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--listen 127.0.0.1:20010"), "{err}");
    assert!(err.contains("service.rtp_ports"), "{err}");

    // Port 0.
    let out = linewarden(&["config", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen 127.0.0.1:0"));

    // An empty data directory (refused while parsing the options).
    let out = linewarden(&["config", "--data-dir", ""]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--data-dir"));

    // A wildcard address with the media address from a config file is fine.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("media.toml");
    std::fs::write(
        &path,
        "[service]\nmedia_address = \"192.0.2.10\"\n\n[[line]]\nname = \"home\"\nnumbers = [\"*\"]\n",
    )
    .expect("write");
    let path = path.to_str().expect("utf-8 path");
    let out = linewarden(&["config", "--config", path, "--listen", "0.0.0.0:5095"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("listen = \"0.0.0.0:5095\""));
}

#[test]
fn calls_where_there_is_no_log_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .arg("calls")
        .current_dir(dir.path())
        .output()
        .expect("run linewarden");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no call log in ./linewarden-data"), "{err}");
    assert!(err.contains("--config"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        0,
        "calls created files"
    );
}

#[test]
fn calls_has_filters_and_no_sip_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = empty_log(dir.path());
    let data = data.to_str().expect("utf-8 path");
    for filter in [
        &["--line", "home"][..],
        &["--since", "2h"],
        &["--since", "2024-05-01"],
        &["--since", "2024-05-01T18:00:00Z"],
        &["--risk", "medium"],
    ] {
        let mut args = vec!["calls", "--data-dir", data];
        args.extend_from_slice(filter);
        let out = linewarden(&args);
        assert!(
            out.status.success(),
            "{filter:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = linewarden(&["calls", "--data-dir", data, "--since", "last tuesday"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--since \"last tuesday\""), "{err}");
    let out = linewarden(&["calls", "--data-dir", data, "--risk", "severe"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("none, low, medium, high"));
    let out = linewarden(&["calls", "--listen", "127.0.0.1:5060"]);
    assert_eq!(out.status.code(), Some(2), "calls takes no SIP address");
    let help = linewarden(&["calls", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(!help.contains("--listen"), "{help}");
    assert!(help.contains("--since") && help.contains("--risk") && help.contains("--line"));
}

#[test]
fn check_config_takes_config_like_the_other_commands() {
    let path = format!("{}/config/linewarden.toml", env!("CARGO_MANIFEST_DIR"));
    for args in [
        &["check-config", "--config", &path][..],
        &["check-config", &path],
    ] {
        let out = linewarden(args);
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(": ok (1 phone line configured)"), "{text}");
    }
    let out = linewarden(&["check-config"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config"));
}

#[test]
fn errors_name_their_cause_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.toml");
    let out = linewarden(&["check-config", "--config", missing.to_str().expect("utf-8")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");

    // The call log cannot be opened: the file system's reason, once.
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("calls.sqlite")).expect("mkdir");
    let out = linewarden(&["calls", "--data-dir", data.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("Is a directory").count(), 1, "{err}");
    assert_eq!(err.matches("calls.sqlite").count(), 1, "{err}");

    // The SIP port is taken.
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let listen = format!("127.0.0.1:{port}");
    let out = linewarden(&[
        "serve",
        "--listen",
        &listen,
        "--data-dir",
        dir.path().join("serve").to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("Address already in use").count(), 1, "{err}");
}

#[test]
fn replay_to_refuses_options_it_cannot_honour_and_checks_heard_first() {
    let fixture = format!("{}/tests/fixtures/pass-polite", env!("CARGO_MANIFEST_DIR"));
    let target = "sip:5550000@127.0.0.1:9";
    for option in [&["--check"][..], &["--jobs", "2"], &["--speech", "off"]] {
        let mut args = vec!["replay", "--to", target];
        args.extend_from_slice(option);
        args.push(&fixture);
        let out = linewarden(&args);
        assert_eq!(out.status.code(), Some(2), "{option:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(option[0]) && err.contains("--to"), "{err}");
    }
    // --heard DIR that cannot be made fails before any call is placed.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let heard = file.join("heard");
    let out = linewarden(&[
        "replay",
        "--to",
        target,
        "--heard",
        heard.to_str().expect("utf-8"),
        &fixture,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--heard") && err.contains("cannot create"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no call was reported");
}

#[test]
fn the_service_config_is_the_built_in_one_with_its_state_directory() {
    let deployed = format!("{}/deploy/linewarden.toml", env!("CARGO_MANIFEST_DIR"));
    let installed = linewarden(&["config", "--config", &deployed]);
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    let built_in = linewarden(&["config", "--data-dir", "/var/lib/linewarden"]);
    assert_eq!(
        String::from_utf8_lossy(&installed.stdout),
        String::from_utf8_lossy(&built_in.stdout)
    );
}

#[test]
fn sighup_does_not_stop_the_service() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let config = dir.path().join("hup.toml");
    std::fs::write(
        &config,
        format!(
            "[service]\nlisten = \"127.0.0.1:{}\"\ndata_dir = {data:?}\n\n[speech]\nengine = \"off\"\n\n[[line]]\nname = \"home\"\nnumbers = [\"*\"]\n",
            free_port()
        ),
    )
    .expect("write config");
    let mut service = Command::new(env!("CARGO_BIN_EXE_linewarden"))
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start linewarden");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !data.join("calls.sqlite").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pid = service.id().to_string();
    let signal = |name: &str| {
        Command::new("kill")
            .args([name, &pid])
            .status()
            .expect("kill")
    };
    assert!(signal("-HUP").success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        service.try_wait().expect("status").is_none(),
        "the service stopped on SIGHUP"
    );
    assert!(signal("-TERM").success());
    let out = service.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("SIGHUP"), "{log}");
}
