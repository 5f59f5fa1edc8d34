//! `[service.tcp]`: the timeouts and caps of SIP over TCP.
//!
//! Owns: the table's shape and defaults, and turning it into the SIP
//! layer's [`sip::TcpLimits`]. Does not own: checking the values (see
//! `validate`) or enforcing them (the `sip` crate's TCP listener).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `[service.tcp]`. Every key is optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TcpConfig {
    /// A connection on which nothing arrives for this long is closed.
    pub idle_timeout_secs: u64,
    /// A new connection must send a whole first request within this long.
    pub request_timeout_secs: u64,
    /// Connections open at once, all sources together.
    pub max_connections: usize,
    /// Connections open at once from one address.
    pub max_per_source: usize,
}

impl Default for TcpConfig {
    fn default() -> Self {
        let limits = sip::TcpLimits::default();
        TcpConfig {
            idle_timeout_secs: limits.idle_timeout.as_secs(),
            request_timeout_secs: limits.request_timeout.as_secs(),
            max_connections: limits.max_connections,
            max_per_source: limits.max_per_source,
        }
    }
}

impl TcpConfig {
    /// The limits for the SIP endpoint.
    pub fn limits(&self) -> sip::TcpLimits {
        sip::TcpLimits {
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            max_connections: self.max_connections,
            max_per_source: self.max_per_source,
        }
    }
}
