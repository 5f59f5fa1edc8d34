use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use super::*;

mod common;
mod console;
mod fuzz;
mod policy;
mod requests;
mod store;
mod tagging;

use self::common::LINE;

fn parse_err(text: &str) -> String {
    match Config::parse(text, "bad.toml") {
        Ok(config) => panic!("expected an error, parsed {config:?}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn default_config_parses_and_matches_code_defaults() {
    let parsed = Config::parse(DEFAULT_TOML, DEFAULT_ORIGIN).expect("built-in config parses");
    assert_eq!(parsed, Config::fallback());
    assert_eq!(Config::default_config(), parsed);
    assert_eq!(parsed.service, ServiceConfig::default());
    assert_eq!(parsed.lines[0].screening, ScreeningConfig::default());
    assert_eq!(parsed.lines[0].policy, LinePolicy::default());
}

#[test]
fn every_shipped_config_file_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut checked = 0;
    for dir in [root.clone(), root.join("examples")] {
        let entries = std::fs::read_dir(&dir).expect("config directory exists");
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                let config = Config::load(&path).unwrap_or_else(|err| panic!("{err}"));
                assert!(!config.lines.is_empty());
                checked += 1;
            }
        }
    }
    assert!(checked >= 3, "only {checked} config files found");
}

#[test]
fn example_with_many_lines() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/examples/housing-association.toml");
    let config = Config::load(&path).expect("example parses");
    assert_eq!(config.lines.len(), 3);
    assert_eq!(
        config.line_for("1002").map(|l| l.name.as_str()),
        Some("flat-2b")
    );
    assert_eq!(
        config.line_for("+493055501001").map(|l| l.name.as_str()),
        Some("flat-1a")
    );
    assert_eq!(
        config.line_for("5555").map(|l| l.name.as_str()),
        Some("caretaker")
    );
    assert_eq!(
        config.service.media_ip(),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10))
    );
    let settings = config.lines[1].screening.challenge_settings();
    assert_eq!(settings.fixed_digit, Some(7));
    assert_eq!(settings.digit_timeout, Duration::from_secs(10));
    assert_eq!(settings.retries, 2);
    assert!(settings.notice);
    assert_eq!(
        settings.prompt_guard,
        ivr::ChallengeSettings::default().prompt_guard
    );
    assert!(!config.lines[2].screening.record);
}

#[test]
fn defaults_fill_in_missing_keys() {
    let config =
        Config::parse("[[line]]\nname = \"a\"\nnumbers = [\"1\"]\n", "t.toml").expect("parses");
    assert_eq!(config.service, ServiceConfig::default());
    assert_eq!(config.service.media_ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(config.service.shutdown_grace(), Duration::from_secs(2));
    assert_eq!(config.lines[0].screening, ScreeningConfig::default());
    assert_eq!(
        config.lines[0].screening.challenge_settings(),
        ivr::ChallengeSettings::default()
    );
}

#[test]
fn line_for_prefers_exact_number_over_catch_all() {
    let text = r#"
[[line]]
name = "any"
numbers = ["*"]

[[line]]
name = "flat"
numbers = ["100", "alice"]
"#;
    let config = Config::parse(text, "t.toml").expect("parses");
    assert_eq!(
        config.line_for("100").map(|l| l.name.as_str()),
        Some("flat")
    );
    assert_eq!(
        config.line_for("alice").map(|l| l.name.as_str()),
        Some("flat")
    );
    assert_eq!(config.line_for("101").map(|l| l.name.as_str()), Some("any"));
    assert_eq!(config.line_for("").map(|l| l.name.as_str()), Some("any"));

    let only_exact =
        Config::parse("[[line]]\nname = \"x\"\nnumbers = [\"1\"]\n", "t.toml").expect("parses");
    assert!(only_exact.line_for("2").is_none());
    assert!(only_exact.line_for("*").is_none());
}

#[test]
fn to_toml_round_trips() {
    for config in [
        Config::default_config(),
        Config::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("config/examples/housing-association.toml"),
        )
        .expect("example parses"),
    ] {
        let text = config.to_toml().expect("serializes");
        let back = Config::parse(&text, "printed").unwrap_or_else(|err| panic!("{err}\n{text}"));
        assert_eq!(back, config);
    }
}

#[test]
fn port_range_helpers() {
    let range = PortRange {
        first: 10,
        last: 12,
    };
    assert_eq!(range.count(), 3);
    assert!(range.contains(10) && range.contains(12) && !range.contains(13));
    assert_eq!(PortRange { first: 5, last: 4 }.count(), 0);
    // Even ports only, two a bridged call.
    let calls = |first, last| PortRange { first, last }.bridged_calls();
    assert_eq!(calls(20000, 21999), 500, "the default holds max_calls");
    assert!(calls(20000, 21999) >= ServiceConfig::default().max_calls);
    assert_eq!(calls(20000, 20999), 250);
    assert_eq!(calls(10001, 10004), 1, "10002 and 10004");
    assert_eq!(calls(10001, 10001), 0);
    assert_eq!(calls(5, 4), 0);
}

#[test]
fn load_missing_file_names_it() {
    let err = Config::load(Path::new("no/such/linewarden.toml")).expect_err("missing file");
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(
        err.to_string()
            .starts_with("no/such/linewarden.toml: cannot read config file"),
        "{err}"
    );
}

/// (config text, expected "file:line:col: key K" prefix, expected fragment)
fn bad_configs() -> Vec<(String, &'static str, &'static str)> {
    let mut cases = vec![
        (
            format!("{LINE}[line.screening]\nretires = 2\n"),
            "bad.toml:5:1: key line[0].screening.retires:",
            "unknown field `retires`",
        ),
        (
            format!("[services]\nlisten = \"127.0.0.1:5060\"\n{LINE}"),
            "bad.toml:1:2: key services:",
            "unknown field `services`",
        ),
        (
            format!("{LINE}[line.screening]\nnotice = true\nretries = \"two\"\n"),
            "bad.toml:6:11: key line[0].screening.retries:",
            "invalid type: string \"two\", expected u8",
        ),
        (
            format!("{LINE}[line.screening]\nretries = -1\n"),
            "bad.toml:5:11: key line[0].screening.retries:",
            "u8",
        ),
        (
            format!("{LINE}[line.screening]\nchallenge_digit = 12\n"),
            "bad.toml:5:19: key line[0].screening.challenge_digit:",
            "expected a digit 0-9, got 12",
        ),
        (
            format!("[service]\nlisten = \"localhost:5060\"\n{LINE}"),
            "bad.toml:2:10: key service.listen:",
            "expected IP:port such as",
        ),
        (
            format!("{LINE}\n[[line]]\nname = \"a\"\nnumbers = [\"2\"]\n"),
            "bad.toml:6:8: key line[1].name:",
            "duplicate line name \"a\"",
        ),
        (
            "[[line]]\nname = \"a\"\nnumbers = [\"1\"\n".to_owned(),
            "bad.toml:3:",
            "TOML syntax error",
        ),
        (
            "[service]\nlisten = \"127.0.0.1:5060\"\n".to_owned(),
            "bad.toml:1:1: key line:",
            "at least one [[line]]",
        ),
        (
            format!("{LINE}[[line]]\nname = \"b\"\nnumbers = [\"2\", \"1\"]\n"),
            "bad.toml:6:17: key line[1].numbers[1]:",
            "also listed by line[0]",
        ),
        (
            "[[line]]\nname = \"a\"\nnumbers = [\"*\"]\n[[line]]\nname = \"b\"\nnumbers = [\"*\"]\n"
                .to_owned(),
            "bad.toml:6:12: key line[1].numbers[0]:",
            "only one line may be the catch-all",
        ),
        (
            "[[line]]\nname = \"a\"\nnumbers = []\n".to_owned(),
            "bad.toml:3:11: key line[0].numbers:",
            "at least one called number",
        ),
        (
            "[[line]]\nname = \"../x\"\nnumbers = [\"1\"]\n".to_owned(),
            "bad.toml:2:8: key line[0].name:",
            "letters, digits",
        ),
        (
            "[[line]]\nnumbers = [\"1\"]\n".to_owned(),
            "bad.toml:1:",
            "missing field `name`",
        ),
        (
            format!("{LINE}[line.screening]\ndigit_timeout_secs = 0\n"),
            "bad.toml:5:22: key line[0].screening.digit_timeout_secs:",
            "expected 1 to 60 seconds, got 0",
        ),
        (
            format!("[service]\nrtp_ports = {{ first = 20000, last = 20000 }}\n{LINE}"),
            "bad.toml:2:",
            "at least 2 ports",
        ),
        (
            format!("[service]\nrtp_ports = {{ first = 5000, last = 5100 }}\n{LINE}"),
            "bad.toml:2:13: key service.rtp_ports:",
            "includes the SIP listen port 5060",
        ),
        (
            format!("[service]\nlisten = \"0.0.0.0:5060\"\n{LINE}"),
            "bad.toml:1:1: key service.media_address:",
            "required when listen is a wildcard",
        ),
        (
            format!("[service]\nmedia_address = \"example.org\"\n{LINE}"),
            "bad.toml:2:17: key service.media_address:",
            "invalid IP address \"example.org\", expected",
        ),
        (
            format!("[service]\nlisten = \"0.0.0.0:5060\"\nmedia_address = \"::\"\n{LINE}"),
            "bad.toml:3:17: key service.media_address:",
            ":: cannot be advertised",
        ),
        (
            format!("[service]\ndata_dir = \"\"\n{LINE}"),
            "bad.toml:2:12: key service.data_dir:",
            "must not be empty",
        ),
        (
            format!("[service]\nuser_agent = \"a\\r\\nX-Injected: 1\"\n{LINE}"),
            "bad.toml:2:14: key service.user_agent:",
            "control characters",
        ),
        (
            format!("[service]\nshutdown_grace_secs = 3600\n{LINE}"),
            "bad.toml:2:23: key service.shutdown_grace_secs:",
            "expected 0 to 60 seconds",
        ),
        (
            format!("[service]\ndrain_secs = 90000\n{LINE}"),
            "bad.toml:2:14: key service.drain_secs:",
            "expected 0 to 86400 seconds",
        ),
        (
            format!("[service]\nmax_calls = 0\n{LINE}"),
            "bad.toml:2:13: key service.max_calls:",
            "expected 1 to 100000 calls",
        ),
        (
            format!("[service]\nmax_lag_ms = 5\n{LINE}"),
            "bad.toml:2:14: key service.max_lag_ms:",
            "expected 10 to 10000 ms",
        ),
        (
            format!("[service]\nudp_receive_buffer_kib = 16\n{LINE}"),
            "bad.toml:2:26: key service.udp_receive_buffer_kib:",
            "expected 64 to 262144 KiB",
        ),
        (
            format!("[service]\nretry_after_secs = 0\n{LINE}"),
            "bad.toml:2:20: key service.retry_after_secs:",
            "expected 1 to 3600 seconds",
        ),
        (
            format!("{LINE}[[line.account]]\nuser = \"kitchen\"\npassword = \"short\"\n"),
            "bad.toml:6:12: key line[0].account[0].password:",
            "at least 8 characters",
        ),
        (
            format!("{LINE}[[line.account]]\nuser = \"kit chen\"\npassword = \"long-enough\"\n"),
            "bad.toml:5:8: key line[0].account[0].user:",
            "expected 1 to 64 letters",
        ),
        (
            format!(
                "{LINE}[[line.account]]\nuser = \"k\"\npassword = \"long-enough\"\n\
                 [[line]]\nname = \"b\"\nnumbers = [\"2\"]\n\
                 [[line.account]]\nuser = \"k\"\npassword = \"long-enough\"\n"
            ),
            "bad.toml:11:8: key line[1].account[0].user:",
            "already an account at line[0].account[0]",
        ),
        (
            format!("[[trunk]]\nname = \"p\"\nsources = [\"192.0.2.1\"]\nregister = true\nusername = \"u\"\npassword = \"p\"\n{LINE}"),
            "bad.toml:1:1: key trunk[0].address:",
            "required when register = true",
        ),
        (
            format!("[[trunk]]\nname = \"p\"\nsources = [\"192.0.2.1\"]\nusername = \"u\"\n{LINE}"),
            "bad.toml:1:1: key trunk[0].password:",
            "give both or neither",
        ),
        (
            format!("[[trunk]]\nname = \"p\"\nsources = [\"192.0.2.1\"]\naddress = \"provider:5060\"\n{LINE}"),
            "bad.toml:4:11: key trunk[0].address:",
            "expected a SIP URI",
        ),
    ];
    cases.extend(policy::bad_policies());
    cases
}

#[test]
fn bad_configs_name_file_line_and_key() {
    let mut failures = Vec::new();
    for (text, prefix, fragment) in bad_configs() {
        let message = parse_err(&text);
        if !message.starts_with(prefix) || !message.contains(fragment) || message.contains('\n') {
            failures.push(format!(
                "expected {prefix:?} ... {fragment:?} on one line, got {message:?}\nfor:\n{text}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn load_errors_name_the_file_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[service]\nlisten = \"127.0.0.1:5060\"\n\n[[line]]\nname = \"a\"\nnumbers = [\"1\"]\n[line.screening]\nretries = \"two\"\n",
    )
    .expect("write");
    let message = Config::load(&path).expect_err("invalid").to_string();
    assert_eq!(
        message,
        format!(
            "{}:8:11: key line[0].screening.retries: invalid type: string \"two\", expected u8",
            path.display()
        )
    );
}
