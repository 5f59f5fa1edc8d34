//! The command line: `check-config`, `config` and `calls` as a user runs them.

use std::process::Command;

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

#[test]
fn calls_on_an_empty_log_says_so_and_prints_no_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
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

    // The SIP port inside the RTP range (20000-20999 by default).
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
