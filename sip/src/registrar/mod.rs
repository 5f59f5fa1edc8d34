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
//! Does not own: sending the response (the endpoint's dispatcher does),
//! storage, or deciding which phones ring for a call (the application asks
//! [`Registrar::contacts`]). Digest arithmetic is rsipstack's
//! (`compute_digest`/`verify_digest`).

mod auth;
pub(crate) mod locator;
mod nonce;
pub mod throttle;

use std::collections::HashMap;
use std::net::SocketAddr;

use rsipstack::sip::prelude::*;
use rsipstack::sip::{typed, Header, Request, StatusCode, Uri};
use tracing::{debug, info};

use auth::{DigestAuth, Refusal};
pub use nonce::{NonceState, NONCE_CAPACITY, NONCE_LIFETIME};

/// Expiry granted when a REGISTER names none, in seconds.
pub const DEFAULT_EXPIRES: u32 = 3600;
/// Shortest expiry accepted (other than 0, which removes the binding).
pub const MIN_EXPIRES: u32 = 60;
/// Longest expiry granted; longer requests are cut to this.
pub const MAX_EXPIRES: u32 = 3600;
/// Contacts kept per account; a new one beyond this replaces the oldest.
pub const MAX_BINDINGS: usize = 5;

/// A phone that may register: its password, and the line it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub password: String,
    pub line: String,
}

/// One registered contact of an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The account's user name (the AOR's user part).
    pub user: String,
    /// The Contact URI the phone registered, e.g. `sip:100@192.0.2.5:5062`.
    pub contact: String,
    /// Where the REGISTER really came from; calls go there when it differs
    /// from the contact's address (a phone behind NAT).
    pub source: SocketAddr,
    /// The REGISTER's Call-ID and CSeq, to refuse an older one arriving late.
    pub call_id: String,
    pub cseq: u32,
    /// When the binding lapses, Unix seconds.
    pub expires_at: u64,
}

/// A change to the bindings, for the application's store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindingChange {
    /// Added or refreshed.
    Set(Binding),
    /// Removed by the phone (expires 0), or replaced when over
    /// [`MAX_BINDINGS`].
    Removed { user: String, contact: String },
}

/// The answer to one REGISTER.
#[derive(Debug)]
pub struct RegisterReply {
    pub status: StatusCode,
    pub headers: Vec<Header>,
    pub changes: Vec<BindingChange>,
}

impl RegisterReply {
    fn status(status: StatusCode) -> RegisterReply {
        RegisterReply {
            status,
            headers: Vec::new(),
            changes: Vec::new(),
        }
    }
}

/// The registrar's accounts and bindings.
#[derive(Debug)]
pub struct Registrar {
    accounts: HashMap<String, Account>,
    bindings: HashMap<String, Vec<Binding>>,
    auth: DigestAuth,
}

impl Registrar {
    /// A registrar for `accounts` (user name → account), challenging in
    /// `realm`, drawing nonces from `seed`.
    pub fn new(realm: &str, accounts: HashMap<String, Account>, seed: u64) -> Registrar {
        Registrar {
            accounts,
            bindings: HashMap::new(),
            auth: DigestAuth::new(realm, seed),
        }
    }

    /// Puts back bindings kept from before a restart; lapsed ones, and ones
    /// for accounts no longer configured, are dropped.
    pub fn restore(&mut self, bindings: impl IntoIterator<Item = Binding>, now: u64) {
        for b in bindings {
            if b.expires_at > now && self.accounts.contains_key(&b.user) {
                let list = self.bindings.entry(b.user.clone()).or_default();
                list.retain(|old| old.contact != b.contact);
                if list.len() < MAX_BINDINGS {
                    list.push(b);
                }
            }
        }
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
        let host = target.host_with_port.host.to_string();
        let port = target
            .host_with_port
            .port
            .as_ref()
            .map_or(5060, |p| p.value());
        let tcp = target
            .params
            .iter()
            .any(|p| matches!(p, rsipstack::sip::Param::Transport(t) if *t != rsipstack::sip::Transport::Udp));
        if tcp {
            return None;
        }
        self.bindings
            .values()
            .flatten()
            .filter(|b| b.expires_at > now)
            .find_map(|b| {
                let contact = Uri::try_from(b.contact.as_str()).ok()?;
                let same = contact.host_with_port.host.to_string() == host
                    && contact
                        .host_with_port
                        .port
                        .as_ref()
                        .map_or(5060, |p| p.value())
                        == port;
                let moved = b.source.ip().to_string() != host || b.source.port() != port;
                (same && moved).then_some(b.source)
            })
    }

    /// The live bindings of `user` at `now`.
    pub fn contacts(&self, user: &str, now: u64) -> Vec<Binding> {
        self.bindings
            .get(user)
            .map(|list| {
                list.iter()
                    .filter(|b| b.expires_at > now)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
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
        match self.update(req, &user, source, now) {
            Ok(changes) => {
                let mut reply = RegisterReply::status(StatusCode::OK);
                for b in self.contacts(&user, now) {
                    let left = b.expires_at.saturating_sub(now);
                    reply.headers.push(Header::Contact(
                        format!("<{}>;expires={left}", b.contact).into(),
                    ));
                }
                for change in &changes {
                    match change {
                        BindingChange::Set(b) => {
                            info!(user = %b.user, contact = %b.contact, source = %b.source, "phone registered")
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

    /// Applies the request's Contacts to `user`'s bindings.
    fn update(
        &mut self,
        req: &Request,
        user: &str,
        source: SocketAddr,
        now: u64,
    ) -> Result<Vec<BindingChange>, RegisterReply> {
        let bad = |why: &str| {
            debug!(why, "REGISTER refused: 400");
            RegisterReply::status(StatusCode::BadRequest)
        };
        let mut contacts = Vec::new();
        for h in req.headers.iter() {
            if let Header::Contact(c) = h {
                let list = typed::Contact::parse_header_list(c.value())
                    .map_err(|_| bad("unreadable Contact"))?;
                contacts.extend(list);
            }
        }
        let expires_header = req
            .headers
            .iter()
            .find_map(|h| match h {
                Header::Expires(e) => Some(e.value().trim().parse::<u32>()),
                _ => None,
            })
            .transpose()
            .map_err(|_| bad("unreadable Expires"))?;
        let call_id = req
            .call_id_header()
            .map(|c| c.value().to_string())
            .map_err(|_| bad("no Call-ID"))?;
        let cseq = req
            .cseq_header()
            .ok()
            .and_then(|c| c.typed().ok())
            .map(|c| c.seq)
            .ok_or_else(|| bad("no CSeq"))?;

        let wildcard = contacts.iter().any(is_wildcard);
        if wildcard {
            if contacts.len() != 1 || expires_header != Some(0) {
                return Err(bad("Contact * needs Expires: 0 and no other Contact"));
            }
            let removed = self.bindings.remove(user).unwrap_or_default();
            return Ok(removed
                .into_iter()
                .map(|b| BindingChange::Removed {
                    user: b.user,
                    contact: b.contact,
                })
                .collect());
        }

        // Validate everything before changing anything.
        let mut wanted = Vec::new();
        for c in &contacts {
            let scheme_ok = matches!(
                c.uri.scheme,
                Some(rsipstack::sip::Scheme::Sip) | Some(rsipstack::sip::Scheme::Sips) | None
            );
            if !scheme_ok {
                return Err(bad("Contact is not a SIP URI"));
            }
            let expires = c.expires().or(expires_header).unwrap_or(DEFAULT_EXPIRES);
            if expires != 0 && expires < MIN_EXPIRES {
                let mut reply = RegisterReply::status(StatusCode::IntervalTooBrief);
                reply
                    .headers
                    .push(Header::MinExpires(MIN_EXPIRES.to_string().into()));
                return Err(reply);
            }
            wanted.push((c.uri.to_string(), expires.min(MAX_EXPIRES)));
        }
        let list = self.bindings.entry(user.to_string()).or_default();
        for (contact, _) in &wanted {
            if let Some(old) = list.iter().find(|b| &b.contact == contact) {
                if old.call_id == call_id && old.cseq >= cseq {
                    return Err(RegisterReply::status(StatusCode::ServerInternalError));
                }
            }
        }

        let mut changes = Vec::new();
        list.retain(|b| b.expires_at > now);
        for (contact, expires) in wanted {
            list.retain(|b| b.contact != contact);
            if expires == 0 {
                changes.push(BindingChange::Removed {
                    user: user.to_string(),
                    contact,
                });
                continue;
            }
            if list.len() >= MAX_BINDINGS {
                list.sort_by_key(|b| b.expires_at);
                let old = list.remove(0);
                changes.push(BindingChange::Removed {
                    user: old.user,
                    contact: old.contact,
                });
            }
            let binding = Binding {
                user: user.to_string(),
                contact,
                source,
                call_id: call_id.clone(),
                cseq,
                expires_at: now + u64::from(expires),
            };
            list.push(binding.clone());
            changes.push(BindingChange::Set(binding));
        }
        Ok(changes)
    }
}

fn is_wildcard(c: &typed::Contact) -> bool {
    matches!(&c.uri.scheme, Some(rsipstack::sip::Scheme::Other(s)) if s == "*")
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
