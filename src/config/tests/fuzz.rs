//! Fuzz target `config`: any text as the configuration file.
//!
//! [`check`] is the target; the cargo-fuzz target `fuzz/fuzz_targets/config.rs`
//! includes this file and calls it, and the test below runs it over the
//! seed corpus `fuzz/corpus/config/` and deterministic mutations of it.
//! (Bytes that are not UTF-8 are read lossily: the file is read as text, and
//! a file that is not text never reaches the parser.)
//!
//! What must hold for every input:
//! - nothing panics;
//! - an error is a TOML syntax error or a key error, named
//!   `file:line:column: ...` at a position that exists in the text, on one
//!   line, and a key error names its key (`file:line:column: key K: ...`);
//! - a configuration that loads is written as TOML that loads back to the
//!   same configuration (parse, serialize, parse is stable).

use crate::config::{Config, ConfigError};

/// How the input is named in errors.
const ORIGIN: &str = "fuzz/linewarden.toml";

/// The dictionary the mutator inserts from.
pub const TOKENS: &[&[u8]] = &[
    b"\n",
    b" = ",
    b"\"",
    b"'",
    b"\"\"\"",
    b"'''",
    b"\\u0000",
    b"\\",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b".",
    b"#",
    b"true",
    b"false",
    b"1979-05-27T07:32:00Z",
    b"inf",
    b"nan",
    b"0x7f",
    b"1e3",
    b"[service]\n",
    b"[[line]]\n",
    b"[line.screening]\n",
    b"[line.policy]\n",
    b"[line.alerts]\n",
    b"[line.outbound]\n",
    b"[[line.account]]\n",
    b"[[line.verified]]\n",
    b"[[trunk]]\n",
    b"[speech]\n",
    b"[tagging]\n",
    b"[[tagging.phrase]]\n",
    b"[[tagging.rule]]\n",
    b"name = \"x\"\n",
    b"numbers = [\"*\"]\n",
    b"listen = \"127.0.0.1:5060\"\n",
    b"media_address = \"::1\"\n",
    b"rtp_ports = { first = 1, last = 0 }\n",
    b"challenge_digit = ",
    b"webhook = \"http://",
    b"sources = [\"192.0.2.0/24\"]\n",
    b"phones = [\"sip:",
    b"\"*\"",
];

/// Everything that must hold for one configuration text (see the module doc).
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Config::parse(&text, ORIGIN) {
        Ok(config) => {
            let written = config
                .to_toml()
                .unwrap_or_else(|e| panic!("a loaded configuration does not serialize: {e}"));
            let again = Config::parse(&written, "written.toml")
                .unwrap_or_else(|e| panic!("written configuration does not load: {e}\n{written}"));
            assert_eq!(
                again, config,
                "parse, serialize, parse is not stable:\n{written}"
            );
        }
        Err(err) => located(&err, &text),
    }
}

/// The error names the file, a position in the text and, for a key error,
/// the key.
fn located(err: &ConfigError, text: &str) {
    let shown = err.to_string();
    let (at, what) = match err {
        ConfigError::Syntax { at, .. } => (at, "TOML syntax error: ".to_owned()),
        ConfigError::Invalid { at, key, .. } => {
            assert!(!key.is_empty(), "{shown}");
            (at, format!("key {key}: "))
        }
        other => panic!("parsing text gave an error of another kind: {other}"),
    };
    assert_eq!(at.origin, ORIGIN, "{shown}");
    fuzzkit::assert_position_in(text, at.line, at.column);
    let prefix = format!("{ORIGIN}:{}:{}: {what}", at.line, at.column);
    assert!(
        shown.starts_with(&prefix),
        "{shown:?} should start {prefix:?}"
    );
    assert!(!shown.contains('\n'), "{shown:?} is not one line");
}

#[test]
fn config_survives_its_corpus_and_mutations() {
    let report = fuzzkit::run("config", &fuzzkit::seeds("config"), TOKENS, check);
    assert!(report.seeds >= 5, "{report:?}");
}
