//! The SIP peers of the service: `[[line.account]]` (a resident's phone
//! that registers to linewarden with a user name and password) and the
//! outgoing side of `[[trunk]]` (the provider's address, our credentials,
//! and registering to the provider), with their checks.
//!
//! Does not own: answering REGISTER (`sip::registrar`) or registering to a
//! trunk (`trunk.rs` in the binary).

use serde::{Deserialize, Serialize};

use crate::toml_key::{problem, KeyPath, Problem};

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

/// Checks the outgoing keys of a `[[trunk]]`.
pub(super) fn validate_trunk_outgoing(
    trunk: &super::TrunkConfig,
    path: KeyPath,
) -> Result<(), Problem> {
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
