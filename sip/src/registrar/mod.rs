//! The registrar the resident's phones register to (RFC 3261 §10.3), with
//! digest authentication (RFC 3261 §22, RFC 2617) per phone account.
//!
//! Owns: deciding the answer to a REGISTER — the 401 challenge, the 403 for
//! wrong credentials (checked, throttled and logged in `auth`), 423 for too short an expiry, 400 for a malformed
//! Contact or To — and the table of bindings (which contacts each account
//! has registered, from where, until when). Each change to the table comes
//! out as a [`BindingChange`] so the application can keep it in its store
//! and give it back with [`Registrar::restore`] after a restart.
//!
//! It is plain state: the request, its source address and the time (Unix
//! seconds) go in; the response and the changes come out. No socket, no
//! clock, no hidden randomness (nonces come from a seeded RNG).
//!
//! Parts: `types.rs` (accounts, bindings, changes, the reply),
//! `register.rs` (reading a REGISTER), `path.rs` (its Path, RFC 3327),
//! `bindings.rs` (the table),
//! `auth.rs` (checking credentials, with `throttle.rs` slowing guessers
//! down), `nonce.rs` (digest nonces), `locator.rs` (NAT'd phones for
//! rsipstack).
//! This file authenticates and answers; the parts never use it, except
//! `locator.rs`, which only reads the registrar.
//!
//! Does not own: sending the response (the endpoint's dispatcher does),
//! storage, or deciding which phones ring for a call (the application asks
//! [`Registrar::contacts`]). Digest arithmetic is rsipstack's
//! (`compute_digest`/`verify_digest`).

mod auth;
mod bindings;
pub(crate) mod locator;
mod nonce;
mod path;
mod register;
pub mod throttle;
mod types;

use std::collections::HashMap;
use std::net::SocketAddr;

use rsipstack::sip::prelude::*;
use rsipstack::sip::{Header, Request, StatusCode, Uri};
use tracing::{debug, info};

use auth::{DigestAuth, Refusal};
use bindings::Bindings;
pub use nonce::{NonceState, NONCE_CAPACITY, NONCE_LIFETIME};
pub use path::MAX_PATH;
pub use types::{
    Account, Binding, BindingChange, RegisterReply, DEFAULT_EXPIRES, MAX_BINDINGS, MAX_EXPIRES,
    MIN_EXPIRES,
};

/// The registrar's accounts and bindings.
#[derive(Debug)]
pub struct Registrar {
    accounts: HashMap<String, Account>,
    bindings: Bindings,
    auth: DigestAuth,
}

impl Registrar {
    /// A registrar for `accounts` (user name → account), challenging in
    /// `realm`, drawing nonces from `seed`.
    pub fn new(realm: &str, accounts: HashMap<String, Account>, seed: u64) -> Registrar {
        Registrar {
            accounts,
            bindings: Bindings::default(),
            auth: DigestAuth::new(realm, seed),
        }
    }

    /// Puts back bindings kept from before a restart; lapsed ones, and ones
    /// for accounts no longer configured, are dropped.
    pub fn restore(&mut self, bindings: impl IntoIterator<Item = Binding>, now: u64) {
        for b in bindings {
            if b.expires_at > now && self.accounts.contains_key(&b.user) {
                self.bindings.restore(b);
            }
        }
    }

    /// Replaces the bindings a shared store shows (those made through
    /// every node); lookups see them beside this registrar's own.
    pub fn set_stored(&mut self, bindings: Vec<Binding>) {
        self.bindings.set_stored(bindings);
    }

    /// Replaces the accounts (a configuration reload). Bindings are kept;
    /// those of an account no longer configured are no longer used.
    pub fn set_accounts(&mut self, accounts: HashMap<String, Account>) {
        self.accounts = accounts;
    }

    /// The account registered as `user`.
    pub fn account(&self, user: &str) -> Option<&Account> {
        self.accounts.get(user)
    }

    /// The live bindings of every account of `line`, at `now`.
    pub fn line_contacts(&self, line: &str, now: u64) -> Vec<Binding> {
        let mut users: Vec<&String> = self
            .accounts
            .iter()
            .filter(|(_, a)| a.line == line)
            .map(|(u, _)| u)
            .collect();
        users.sort();
        users
            .into_iter()
            .flat_map(|u| self.contacts(u, now))
            .collect()
    }

    /// Where to send a request for `target` when it is a live binding's
    /// Contact reached over UDP from another address (a phone behind NAT):
    /// that binding's source. `None` for any other target.
    pub fn nat_source(&self, target: &Uri, now: u64) -> Option<SocketAddr> {
        self.bindings.nat_source(target, now)
    }

    /// The live bindings of `user` at `now`.
    pub fn contacts(&self, user: &str, now: u64) -> Vec<Binding> {
        self.bindings.contacts(user, now)
    }

    /// Answers one REGISTER that came from `source` at `now`.
    pub fn handle(&mut self, req: &Request, source: SocketAddr, now: u64) -> RegisterReply {
        let user = match aor_user(req) {
            Ok(user) => user,
            Err(why) => {
                debug!(why, "REGISTER refused: 400");
                return RegisterReply::status(StatusCode::BadRequest);
            }
        };
        if let Err(refusal) = self
            .auth
            .check(req, Some(&user), &self.accounts, source, now)
        {
            return self.refused(refusal, now);
        }
        let path = match path::read(req) {
            Ok(path) => path,
            Err(why) => {
                debug!(why, "REGISTER refused: 400");
                return RegisterReply::status(StatusCode::BadRequest);
            }
        };
        let applied = register::read(req)
            .and_then(|asked| self.bindings.apply(&user, asked, (source, &path), now));
        match applied {
            Ok(changes) => {
                let mut reply = RegisterReply::status(StatusCode::OK);
                // RFC 3327 §5.3: the Path goes back to a phone that
                // supports it.
                if !path.is_empty() && path::supported(req) {
                    reply.headers.push(Header::Path(path.join(", ").into()));
                }
                for b in self.contacts(&user, now) {
                    let left = b.expires_at.saturating_sub(now);
                    reply.headers.push(Header::Contact(
                        format!("<{}>;expires={left}", b.contact).into(),
                    ));
                }
                for change in &changes {
                    match change {
                        BindingChange::Set(b) => {
                            info!(user = %b.user, contact = %b.contact, source = %b.source, path = ?b.path, "phone registered")
                        }
                        BindingChange::Removed { user, contact } => {
                            info!(%user, %contact, "phone unregistered")
                        }
                    }
                }
                reply.changes = changes;
                reply
            }
            Err(reply) => reply,
        }
    }

    /// Authenticates a request other than REGISTER (an INVITE from one of
    /// the resident's phones placing a call), sent from `source`, with the
    /// same accounts, nonces and throttle: the account's user name when the
    /// credentials are right, else the answer to send (401 with a
    /// challenge, or 403).
    pub fn authenticate_request(
        &mut self,
        req: &Request,
        source: SocketAddr,
        now: u64,
    ) -> Result<String, RegisterReply> {
        self.auth
            .check(req, None, &self.accounts, source, now)
            .map_err(|refusal| self.refused(refusal, now))
    }

    /// The answer to a refused request.
    fn refused(&mut self, refusal: Refusal, now: u64) -> RegisterReply {
        match refusal {
            Refusal::Challenge { stale } => {
                let mut reply = RegisterReply::status(StatusCode::Unauthorized);
                reply.headers.push(self.auth.challenge(now, stale));
                reply
            }
            Refusal::Forbidden => RegisterReply::status(StatusCode::Forbidden),
        }
    }
}

/// The user part of the To URI: the account being registered.
fn aor_user(req: &Request) -> Result<String, &'static str> {
    let to = req.to_header().map_err(|_| "no To")?;
    let to = to.typed().map_err(|_| "unreadable To")?;
    if !matches!(
        to.uri.scheme,
        Some(rsipstack::sip::Scheme::Sip) | Some(rsipstack::sip::Scheme::Sips)
    ) {
        return Err("To is not a SIP address of record");
    }
    let user = to.uri.user().ok_or("To has no user")?;
    percent_encoding::percent_decode_str(user)
        .decode_utf8()
        .map(|u| u.into_owned())
        .map_err(|_| "To user is not UTF-8")
}
