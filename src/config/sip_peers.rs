//! The SIP peers of the service: `[[line.account]]` (a resident's phone
//! that registers to linewarden with a user name and password) and
//! `[[trunk]]` (the networks calls come from, the provider's address, our
//! credentials, and registering to the provider), with their checks.
//!
//! Does not own: answering REGISTER (`sip::registrar`) or registering to a
//! trunk (`trunk.rs` in the binary).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::config::toml_key::{problem, KeyPath, Problem};

/// Shortest password accepted for a phone account: a registrar on a public
/// address is tried by password guessers within hours.
pub const MIN_PASSWORD: usize = 8;

/// `[[line.account]]`: a phone of this line that registers to linewarden.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// User name: the phone registers `sip:USER@<linewarden>` and
    /// authenticates as USER.
    pub user: String,
    /// Digest password.
    pub password: String,
}

impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Checks one account; `users` collects user names across lines.
pub(super) fn validate_account(
    account: &AccountConfig,
    path: KeyPath,
    users: &mut std::collections::HashMap<String, String>,
) -> Result<(), Problem> {
    let user = &account.user;
    let ok = !user.is_empty()
        && user.len() <= 64
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    if !ok {
        return problem(
            path.key("user"),
            format!("expected 1 to 64 letters, digits, '.', '_', '-' or '+', got {user:?}"),
        );
    }
    if let Some(other) = users.insert(user.clone(), path.to_string()) {
        return problem(
            path.key("user"),
            format!("user {user:?} is already an account at {other}"),
        );
    }
    if account.password.chars().count() < MIN_PASSWORD {
        return problem(
            path.key("password"),
            format!("expected at least {MIN_PASSWORD} characters"),
        );
    }
    if account.password.chars().any(char::is_control) {
        return problem(path.key("password"), "must not contain control characters");
    }
    Ok(())
}

/// `[[trunk]]`: one SIP trunk from the phone network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkConfig {
    /// Short name for logs.
    pub name: String,
    /// Addresses or networks (CIDR) the provider sends calls from; an
    /// INVITE from anywhere else gets 403 and rings nobody.
    pub sources: Vec<String>,
    /// The provider's SIP address (`sip:host[:port]`), where registrations
    /// and outgoing calls go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Our user name and password at the provider, for REGISTER and for
    /// answering its digest challenges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Register to the provider (refreshed before expiry, retried with
    /// backoff after a failure).
    #[serde(default)]
    pub register: bool,
    /// Registration lifetime asked for, in seconds.
    #[serde(default = "default_register_expires")]
    pub register_expires_secs: u32,
}

fn default_register_expires() -> u32 {
    3600
}

/// A trunk source: a network in CIDR form or a single address.
pub fn parse_source(text: &str) -> Option<ipnet::IpNet> {
    text.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
}

/// Checks the outgoing keys of a `[[trunk]]`.
pub(super) fn validate_trunk_outgoing(trunk: &TrunkConfig, path: KeyPath) -> Result<(), Problem> {
    if let Some(address) = &trunk.address {
        let ok = address
            .strip_prefix("sip:")
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace));
        if !ok {
            return problem(
                path.key("address"),
                format!(
                    "expected a SIP URI such as \"sip:sip.provider.example:5060\", got {address:?}"
                ),
            );
        }
    }
    if trunk.username.is_some() != trunk.password.is_some() {
        let missing = if trunk.username.is_some() {
            "password"
        } else {
            "username"
        };
        return problem(
            path.key(missing),
            "username and password go together; give both or neither",
        );
    }
    if trunk.register {
        if trunk.address.is_none() {
            return problem(path.key("address"), "required when register = true");
        }
        if trunk.username.is_none() {
            return problem(path.key("username"), "required when register = true");
        }
    }
    if !(60..=86_400).contains(&trunk.register_expires_secs) {
        return problem(
            path.key("register_expires_secs"),
            format!(
                "expected 60 to 86400 seconds, got {}",
                trunk.register_expires_secs
            ),
        );
    }
    Ok(())
}

/// `[[line.verified]]`: a number the line-clear callback may dial. When a
/// line lists none, the UK defaults apply: police 101 (menu key 1), the
/// banks' 159 (key 2), and 999 and 112 (emergency, never in the menu).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifiedConfig {
    /// Menu key "1" to "9", or none to be reachable only by dialling it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Said to the resident, e.g. "the police on one-zero-one".
    pub label: String,
    /// The number, in any UK form ("101", "0345 734 5345").
    pub number: String,
}

/// `[line.outbound]`: calls the resident's registered phones place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboundLineConfig {
    /// The code that asks for the line-clear callback.
    pub feature_code: String,
    /// Let the phones call any UK number (not premium rate or
    /// international) through the trunk, not only the verified ones.
    pub general_outbound: bool,
    /// At most this many outgoing calls per `per_secs` (emergency calls
    /// are never limited).
    pub max_calls: u32,
    pub per_secs: u64,
    /// When a call tagged medium or high risk ends, ring the resident back
    /// with the line-clear offer.
    pub offer_after_risky_calls: bool,
}

impl Default for OutboundLineConfig {
    fn default() -> Self {
        let d = ivr::lineclear::OutboundConfig::default();
        OutboundLineConfig {
            feature_code: d.feature_code,
            general_outbound: d.general_outbound,
            max_calls: d.rate_limit.attempts,
            per_secs: d.rate_limit.per.as_secs(),
            offer_after_risky_calls: true,
        }
    }
}

impl OutboundLineConfig {
    pub fn policy_config(&self) -> ivr::lineclear::OutboundConfig {
        ivr::lineclear::OutboundConfig {
            feature_code: self.feature_code.clone(),
            general_outbound: self.general_outbound,
            rate_limit: ivr::lineclear::RateLimit {
                attempts: self.max_calls,
                per: std::time::Duration::from_secs(self.per_secs),
            },
        }
    }
}

/// The line's verified numbers, checked; the UK defaults when none are
/// configured.
pub fn verified_numbers(
    list: &[VerifiedConfig],
) -> Result<ivr::lineclear::VerifiedNumbers, (usize, String)> {
    if list.is_empty() {
        return Ok(ivr::lineclear::VerifiedNumbers::uk_defaults());
    }
    let mut entries = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let key = match v.key.as_deref() {
            None => None,
            Some(k) if k.chars().count() == 1 => k.chars().next(),
            Some(k) => return Err((i, format!("expected one key \"1\" to \"9\", got {k:?}"))),
        };
        let emergency = ivr::lineclear::EMERGENCY_NUMBERS.contains(&v.number.trim());
        entries.push(ivr::lineclear::VerifiedNumber::new(
            key, &v.label, &v.number, emergency,
        ));
    }
    ivr::lineclear::VerifiedNumbers::new(entries).map_err(|e| (0, e.to_string()))
}
