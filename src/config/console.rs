//! `[console]`: the operator console and its JSON API (address, TLS,
//! how long recordings are kept). The table's presence turns the console
//! on; the built-in config has it, a config file without it runs no
//! console.
//!
//! Does not own: serving the console (`crate::console`).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[console]`. Every key is optional; [`ConsoleConfig::default`] gives
/// the defaults, which match the built-in file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// HTTP (or HTTPS with `tls_cert` and `tls_key`) on this address.
    #[serde(deserialize_with = "super::socket_addr")]
    pub listen: SocketAddr,
    /// PEM certificate chain; with `tls_key`, the console serves HTTPS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `tls_cert`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    /// Recordings older than this many days are deleted (the call record
    /// stays; calls flagged as evidence keep theirs). 0 keeps them forever.
    pub retention_days: u32,
    /// Per-line `retention_days`, by line name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub line_retention_days: BTreeMap<String, u32>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
            tls_cert: None,
            tls_key: None,
            retention_days: 90,
            line_retention_days: BTreeMap::new(),
        }
    }
}

impl ConsoleConfig {
    /// Days `line`'s recordings are kept (0: forever).
    pub fn retention_for(&self, line: &str) -> u32 {
        self.line_retention_days
            .get(line)
            .copied()
            .unwrap_or(self.retention_days)
    }

    /// Whether exactly one of `tls_cert` and `tls_key` is set (an error).
    pub fn tls_half_set(&self) -> bool {
        self.tls_cert.is_some() != self.tls_key.is_some()
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

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
}
