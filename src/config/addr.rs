//! Addresses in the configuration file: `listen`-style IP:port strings
//! and `media_address`-style IP strings, with errors that say what is
//! expected (a host name is not resolved).
//!
//! Does not own: which keys hold addresses (the tables' own modules).

use std::net::{IpAddr, SocketAddr};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// `listen`: an IP:port string, with an error that says what is expected.
pub(super) fn socket_addr<'de, D: Deserializer<'de>>(de: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(de)?;
    text.parse().map_err(|_| {
        D::Error::custom(format!(
            "invalid address {text:?}, expected IP:port such as \"127.0.0.1:5060\" or \"[::1]:5060\" (not a host name)"
        ))
    })
}

/// `media_address`: an IP address string (present, so `Some`).
pub(super) fn ip_addr<'de, D: Deserializer<'de>>(de: D) -> Result<Option<IpAddr>, D::Error> {
    let text = String::deserialize(de)?;
    text.parse().map(Some).map_err(|_| {
        D::Error::custom(format!(
            "invalid IP address {text:?}, expected one such as \"192.0.2.10\" or \"2001:db8::10\" (not a host name)"
        ))
    })
}
