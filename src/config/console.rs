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
    #[serde(deserialize_with = "super::addr::socket_addr")]
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
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the
    /// login throttle and the audit log); from anyone else the header is
    /// ignored. Empty: the connection's peer is the client.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
            tls_cert: None,
            tls_key: None,
            retention_days: 90,
            line_retention_days: BTreeMap::new(),
            trusted_proxies: Vec::new(),
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
