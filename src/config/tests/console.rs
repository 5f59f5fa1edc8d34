//! `[console]`: on only with the table, retention per line, TLS pairs.

use super::super::Config;

const LINE: &str = "[[line]]\nname = \"a\"\nnumbers = [\"*\"]\n";

#[test]
fn on_only_with_the_table() {
    let off = Config::parse(LINE, "test").expect("parses");
    assert_eq!(off.console, None);
    let on = Config::parse(&format!("[console]\n{LINE}"), "test").expect("parses");
    let console = on.console.expect("on");
    assert_eq!(console.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(console.retention_for("a"), 90);
    assert!(
        Config::default_config().console.is_some(),
        "on in the built-in config"
    );
}

#[test]
fn retention_per_line_and_tls_pairs() {
    let text = format!(
        "[console]\nlisten = \"127.0.0.1:9000\"\nretention_days = 30\nline_retention_days = {{ a = 7 }}\n{LINE}"
    );
    let console = Config::parse(&text, "test")
        .expect("parses")
        .console
        .expect("on");
    assert_eq!(
        (console.retention_for("a"), console.retention_for("b")),
        (7, 30)
    );
    let half = format!("[console]\ntls_cert = \"c.pem\"\n{LINE}");
    let err = Config::parse(&half, "test")
        .expect_err("cert without key")
        .to_string();
    assert!(err.contains("tls_cert and tls_key go together"), "{err}");
    let typo = format!("[console]\nlisten_on = \"127.0.0.1:9000\"\n{LINE}");
    assert!(
        Config::parse(&typo, "test").is_err(),
        "unknown keys are errors"
    );
}
