//! Digest authentication of the requests the resident's phones send
//! (REGISTER, and INVITE when a phone places a call), RFC 3261 §22 and
//! RFC 2617.
//!
//! Owns: reading the Authorization header, the nonce check, the throttle
//! of failed attempts (see [`throttle`](super::throttle)), checking the
//! digest response, building the challenge, and logging each failure as
//! one line of fixed format for fail2ban:
//!
//! `auth failure: source=192.0.2.7 user=alice method=REGISTER reason=wrong password`
//!
//! (the user name escaped so it can hold no space or control character).
//! An unknown user and a wrong password get the same answer (403) by the
//! same path, and a blocked source gets it too, without its credentials
//! being checked. Does not own: the accounts or the bindings (the parent
//! module's), nor sending anything.

use std::collections::HashMap;
use std::net::SocketAddr;

use rsipstack::dialog::authenticate::verify_digest;
use rsipstack::sip::headers::auth::{Algorithm, Qop, Scheme};
use rsipstack::sip::{typed, Header, Request};
use tracing::{debug, warn};

use super::nonce::{NonceBook, NonceState};
use super::throttle::{Throttle, Verdict};
use super::types::Account;

/// Why a request is not let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No usable credentials: answer 401 with a new challenge (`stale`
    /// when the nonce was ours but too old).
    Challenge { stale: bool },
    /// Wrong credentials, or a blocked source: answer 403.
    Forbidden,
}

/// The realm, the nonces handed out and the failure counts.
#[derive(Debug)]
pub struct DigestAuth {
    realm: String,
    nonces: NonceBook,
    throttle: Throttle,
}

impl DigestAuth {
    pub fn new(realm: &str, seed: u64) -> DigestAuth {
        DigestAuth {
            realm: realm.to_string(),
            nonces: NonceBook::new(seed),
            throttle: Throttle::default(),
        }
    }

    /// Checks `req`'s credentials against `accounts`: the authenticated
    /// user name, or why not. `aor` is the user the request is for (a
    /// REGISTER's To), which the credentials must name; `None` takes the
    /// user they name.
    pub fn check(
        &mut self,
        req: &Request,
        aor: Option<&str>,
        accounts: &HashMap<String, Account>,
        source: SocketAddr,
        now: u64,
    ) -> Result<String, Refusal> {
        let challenge = Err(Refusal::Challenge { stale: false });
        let Some(header) = req.headers.iter().find_map(|h| match h {
            Header::Authorization(a) => Some(a),
            _ => None,
        }) else {
            return challenge;
        };
        let Ok(auth) = typed::Authorization::parse(header.value()) else {
            debug!("unreadable or non-digest Authorization: challenge again");
            return challenge;
        };
        if auth.scheme != Scheme::Digest || auth.realm != self.realm {
            return challenge;
        }
        if !matches!(auth.algorithm, None | Some(Algorithm::Md5)) {
            return challenge;
        }
        match self.nonces.check(&auth.nonce, now) {
            NonceState::Fresh => {}
            NonceState::Stale => return Err(Refusal::Challenge { stale: true }),
            NonceState::Unknown => return challenge,
        }
        let method = req.method;
        if let Verdict::Refuse { until } = self.throttle.admit(source.ip(), now) {
            self.failed(source, &auth.username, method, "blocked", now);
            debug!(%source, until, "source blocked after failed attempts: 403 unchecked");
            return Err(Refusal::Forbidden);
        }
        let claimed_ok = aor.is_none_or(|aor| aor == auth.username);
        let account = accounts.get(&auth.username).filter(|_| claimed_ok);
        // An unknown user costs the same digest as a known one.
        let password = account.map_or(UNKNOWN_USER_PASSWORD, |a| a.password.as_str());
        let right = verify_digest(&auth, password, &method, header.value());
        match (account, right) {
            (Some(_), true) => Ok(auth.username),
            (Some(_), false) => {
                self.failed(source, &auth.username, method, "wrong password", now);
                Err(Refusal::Forbidden)
            }
            (None, _) => {
                let reason = if claimed_ok {
                    "unknown user"
                } else {
                    "user does not match the address of record"
                };
                self.failed(source, &auth.username, method, reason, now);
                Err(Refusal::Forbidden)
            }
        }
    }

    /// A WWW-Authenticate header with a new nonce.
    pub fn challenge(&mut self, now: u64, stale: bool) -> Header {
        typed::WwwAuthenticate {
            scheme: Scheme::Digest,
            realm: self.realm.clone(),
            nonce: self.nonces.issue(now),
            algorithm: Some(Algorithm::Md5),
            qop: Some(Qop::Auth),
            stale: stale.then(|| "true".to_string()),
            ..Default::default()
        }
        .into()
    }

    /// Counts and logs one failure.
    fn failed(
        &mut self,
        source: SocketAddr,
        user: &str,
        method: rsipstack::sip::Method,
        reason: &str,
        now: u64,
    ) {
        let blocked = self.throttle.failed(source.ip(), user, now);
        warn!(
            "auth failure: source={} user={} method={} reason={}",
            source.ip(),
            log_safe(user),
            method,
            reason
        );
        if let Some(until) = blocked {
            debug!(%source, seconds = until.saturating_sub(now), "source blocked");
        }
    }
}

/// Stands in for the password of a user that is no account, so that the
/// digest is computed either way.
const UNKNOWN_USER_PASSWORD: &str = "\u{0}no account\u{0}";

/// `user` fit for a log line parsed by pattern: letters, digits and
/// `.-_+@` as they are, every other byte as `%XX`, at most 64 bytes.
fn log_safe(user: &str) -> String {
    let mut out = String::new();
    for byte in user.bytes().take(64) {
        if byte.is_ascii_alphanumeric() || b".-_+@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::log_safe;

    #[test]
    fn log_safe_user_names_hold_no_space_or_line_break() {
        assert_eq!(log_safe("alice"), "alice");
        assert_eq!(log_safe("100@home.example"), "100@home.example");
        assert_eq!(
            log_safe("x source=6.6.6.6\nauth"),
            "x%20source%3D6.6.6.6%0Aauth"
        );
        assert_eq!(log_safe(&"a".repeat(200)).len(), 64);
    }
}
